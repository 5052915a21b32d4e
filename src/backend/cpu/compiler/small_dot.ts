/**
 * A direct float32 matrix product for small products (an RNN step's 1×H·H×H,
 * a batch of a few rows, a logistic regression's matrix-vector product),
 * where the packed GEMM's setup (packing panels of both operands) costs more
 * than the arithmetic: no packing, no workspace, operands read in place
 * through their strides.
 *
 * It computes exactly what the eager kernel (lax/dot.ts) computes: products
 * in float64 (exact for float32 operands), summed over k in order, rounded
 * once. When B's rows are contiguous the columns are vectorized (four
 * float64x2 accumulators for 8 columns, then 4, then a scalar tail).
 */
import { ModuleBuilder } from "../../wasm/emitter.js";
import { cpuMemory, isSharedMemory } from "../memory.js";

// i8x16.shuffle lane maps: the high half of a vector; the low halves of two vectors.
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const LOW_LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** Byte addresses and strides of one strided batched product out[q] = A[q] · B[q]. */
export interface SmallDotSpec {
  batch: number;
  m: number;
  n: number;
  k: number;
  a: number;
  /** A's strides in elements: [batch, row, k]. */
  aStrides: readonly [number, number, number];
  b: number;
  /** B's strides in elements: [batch, k, column]. */
  bStrides: readonly [number, number, number];
  /** Row-major [batch, m, n] output. */
  out: number;
}

type RowsFn = (...args: number[]) => void;

let rows: RowsFn | null = null;

function build(): RowsFn {
  const mod = new ModuleBuilder({ sharedMemory: isSharedMemory() });
  // rows(a, ab, ar, ac, b, bb, br, bc, out, ob, ldc, m, n, k, rowStart, rowEnd); strides in bytes.
  mod.addKernel("rows", 16, (f) => {
    const [a, ab, ar, ac, b, bb, br, bc, out, ob, ldc, m, n, k, start, end] = [
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ];
    const r = f.local("i32");
    const q = f.local("i32");
    const aRow = f.local("i32");
    const bCol = f.local("i32");
    const oRow = f.local("i32");
    const j = f.local("i32");
    const p = f.local("i32");
    const pa = f.local("i32");
    const pb = f.local("i32");
    const av = f.local("v128");
    const bv = [f.local("v128"), f.local("v128")];
    const c = [f.local("v128"), f.local("v128"), f.local("v128"), f.local("v128")];
    const s = f.local("f64");

    /** Columns j..j+4·vecs of this row, vectorized. */
    const vectorColumns = (vecs: 1 | 2) => {
      for (let t = 0; t < 2 * vecs; t++) f.f64(0).op("f64x2.splat").set(c[t]!);
      f.get(aRow).set(pa);
      f.get(bCol).get(j).i32(4).op("i32.mul").op("i32.add").set(pb);
      f.forLoop(
        p,
        0,
        () => f.get(k),
        1,
        () => {
          f.get(pa).op("f32.load", 2, 0).op("f64.promote_f32").op("f64x2.splat").set(av);
          for (let t = 0; t < vecs; t++) {
            f.get(pb)
              .op("v128.load", 2, 16 * t)
              .set(bv[t]!);
            f.get(c[2 * t]!)
              .get(av)
              .get(bv[t]!)
              .op("f64x2.promote_low_f32x4");
            f.op("f64x2.mul")
              .op("f64x2.add")
              .set(c[2 * t]!);
            f.get(c[2 * t + 1]!)
              .get(av)
              .get(bv[t]!)
              .get(bv[t]!)
              .op("i8x16.shuffle", ...HIGH_HALF);
            f.op("f64x2.promote_low_f32x4")
              .op("f64x2.mul")
              .op("f64x2.add")
              .set(c[2 * t + 1]!);
          }
          f.get(pa).get(ac).op("i32.add").set(pa);
          f.get(pb).get(br).op("i32.add").set(pb);
        },
      );
      for (let t = 0; t < vecs; t++) {
        f.get(oRow).get(j).i32(4).op("i32.mul").op("i32.add");
        f.get(c[2 * t]!).op("f32x4.demote_f64x2_zero");
        f.get(c[2 * t + 1]!).op("f32x4.demote_f64x2_zero");
        f.op("i8x16.shuffle", ...LOW_LOW).op("v128.store", 2, 16 * t);
      }
      f.get(j)
        .i32(4 * vecs)
        .op("i32.add")
        .set(j);
    };

    /** `while (j + width <= n) body()`. */
    const whileFits = (width: number, body: () => void) => {
      f.block().loop();
      f.get(j).i32(width).op("i32.add").get(n).op("i32.gt_u").brIf(1);
      body();
      f.br(0).end().end();
    };

    f.forLoop(
      r,
      () => f.get(start),
      () => f.get(end),
      1,
      () => {
        f.get(r).get(m).op("i32.div_u").set(q);
        // aRow = a + q·ab + (r - q·m)·ar; bCol = b + q·bb; oRow = out + q·ob + (r - q·m)·ldc
        f.get(a).get(q).get(ab).op("i32.mul").op("i32.add");
        f.get(r).get(q).get(m).op("i32.mul").op("i32.sub").get(ar).op("i32.mul").op("i32.add");
        f.set(aRow);
        f.get(b).get(q).get(bb).op("i32.mul").op("i32.add").set(bCol);
        f.get(out).get(q).get(ob).op("i32.mul").op("i32.add");
        f.get(r).get(q).get(m).op("i32.mul").op("i32.sub").get(ldc).op("i32.mul").op("i32.add");
        f.set(oRow);
        f.i32(0).set(j);
        f.get(bc).i32(4).op("i32.eq").if_();
        whileFits(8, () => vectorColumns(2));
        whileFits(4, () => vectorColumns(1));
        f.end();
        // The remaining columns one by one (all of them when B's columns are strided).
        f.block().loop();
        f.get(j).get(n).op("i32.ge_u").brIf(1);
        f.f64(0).set(s);
        f.get(aRow).set(pa);
        f.get(bCol).get(j).get(bc).op("i32.mul").op("i32.add").set(pb);
        f.forLoop(
          p,
          0,
          () => f.get(k),
          1,
          () => {
            f.get(s);
            f.get(pa).op("f32.load", 2, 0).op("f64.promote_f32");
            f.get(pb).op("f32.load", 2, 0).op("f64.promote_f32");
            f.op("f64.mul").op("f64.add").set(s);
            f.get(pa).get(ac).op("i32.add").set(pa);
            f.get(pb).get(br).op("i32.add").set(pb);
          },
        );
        f.get(oRow).get(j).i32(4).op("i32.mul").op("i32.add");
        f.get(s).op("f32.demote_f64").op("f32.store", 2, 0);
        f.get(j).i32(1).op("i32.add").set(j);
        f.br(0).end().end();
      },
    );
  });
  const instance = new WebAssembly.Instance(mod.compile(), { env: { memory: cpuMemory() } });
  return instance.exports.rows as RowsFn;
}

/** out = A · B for a strided batched float32 product in the CPU memory, on the calling thread. */
export function smallDotAt(d: SmallDotSpec): void {
  rows ??= build();
  const { batch, m, n, k } = d;
  if (batch * m * n === 0) return;
  const [ab, ar, ac] = d.aStrides;
  const [bb, br, bc] = d.bStrides;
  rows(d.a, ab * 4, ar * 4, ac * 4, d.b, bb * 4, br * 4, bc * 4, d.out, m * n * 4, n * 4, m, n, k, 0, batch * m); // biome-ignore format: one call
}
