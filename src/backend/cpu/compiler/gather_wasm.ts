/**
 * The WebAssembly routines of the compiled gathers and scatters
 * (gather_step.ts): window copies and scatter combinations over tables of
 * byte offsets in the shared memory. All offsets and strides are in bytes.
 *
 *   copyRows(src, dst, rows, nRows, n, ss, ds, eb): for each row r,
 *     n elements of eb bytes from src + rows[2r] (stride ss) to
 *     dst + rows[2r+1] (stride ds); one memory.copy when both are contiguous.
 *   gather(op, idx, out, dims, K, bt, rows, nRows, n, ss, ds, eb, flags, fill, start, end):
 *     for each index vector b in [start, end): the window start
 *     op + bt[2b] + Σ_k clamp(idx[b·K + k], 0, dims[2k+1]) · dims[2k] (int32
 *     indices), its rows copied to out + bt[2b+1]; with `fill`, a window
 *     not fully in bounds is skipped and flags[b] set to 1 (else 0).
 *   scatter / addF32 / addF64 / addI32(out, idx, upd, dims, K, bt, rows, nRows, n, ds, ss, eb, clip, nb):
 *     for each b < nb in order: the window start in `out` as above (bt[2b]: the
 *     operand batch offset, bt[2b+1]: the update offset); a window not in
 *     bounds is dropped unless `clip`; rows[2r] is the update's offset,
 *     rows[2r+1] the output's. scatter copies, the others add (f32x4 when
 *     both rows are contiguous: the same IEEE sums as scalar adds).
 */
import { type FunctionBuilder, ModuleBuilder } from "../../wasm/emitter.js";
import { cpuMemory, isSharedMemory } from "../memory.js";

type Fn = (...args: number[]) => void;

const i32s = (n: number) => new Array<"i32">(n).fill("i32");

/** Copies one element of `eb` bytes from the address on the stack below to the one on top. */
function copyElement(f: FunctionBuilder, eb: number, s: number, d: number): void {
  f.get(d).get(s);
  if (eb === 8) f.i64Load().i64Store();
  else if (eb === 4) f.i32Load().i32Store();
  else if (eb === 2) f.i32Load16U().i32Store16();
  else f.i32Load8U().i32Store8();
}

function buildModule(shared: boolean): WebAssembly.Module {
  const mb = new ModuleBuilder({ sharedMemory: shared });
  // 0: copyRows
  mb.addFunction("copyRows", i32s(8), [], (f: FunctionBuilder) => {
    const [SRC, DST, ROWS, NR, N, SS, DS, EB] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
    const l = () => f.local("i32");
    const [r, s, d, j, rp, e] = [l(), l(), l(), l(), l(), l()];
    f.get(ROWS).set(rp);
    f.forLoop(
      r,
      0,
      () => f.get(NR),
      1,
      () => {
        f.get(SRC).get(rp).i32Load().i32Add().set(s);
        f.get(DST).get(rp).i32Load(4).i32Add().set(d);
        f.get(rp).i32(8).i32Add().set(rp);
        f.get(SS).get(EB).i32Eq().get(DS).get(EB).i32Eq().i32And().if_();
        // Contiguous: 16-byte vectors, then the tail bytes with memory.copy (V8's
        // memory.copy on shared memory is a slow relaxed-atomic memmove).
        f.get(N).get(EB).i32Mul().set(j);
        f.get(j).i32(-16).i32And().get(s).i32Add().set(e);
        f.block().loop();
        f.get(s).get(e).i32GeU().brIf(1);
        f.get(d).get(s).v128Load().v128Store();
        f.get(s).i32(16).i32Add().set(s);
        f.get(d).i32(16).i32Add().set(d);
        f.br(0).end().end();
        f.get(d).get(s).get(j).i32(15).i32And().memoryCopy();
        f.else_();
        // Strided: element by element, by element size.
        for (const eb of [8, 4, 2, 1]) {
          f.get(EB).i32(eb).i32Eq().if_();
          f.forLoop(
            j,
            0,
            () => f.get(N),
            1,
            () => {
              copyElement(f, eb, s, d);
              f.get(s).get(SS).i32Add().set(s);
              f.get(d).get(DS).i32Add().set(d);
            },
          );
          f.end();
        }
        f.end();
      },
    );
  });
  /** Leaves the window's start address (base + clamped offsets) in `at`; oob set when clamped. */
  const windowStart = (
    f: FunctionBuilder,
    base: number,
    IDX: number,
    DIMS: number,
    K: number,
    b: number,
    at: number,
    oob: number,
  ) => {
    const l = () => f.local("i32");
    const [k, v, h, ip, dp] = [l(), l(), l(), l(), l()];
    f.get(base).set(at);
    f.i32(0).set(oob);
    f.get(IDX).get(b).get(K).i32Mul().i32(2).i32Shl().i32Add().set(ip);
    f.get(DIMS).set(dp);
    f.forLoop(
      k,
      0,
      () => f.get(K),
      1,
      () => {
        f.get(ip).i32Load().set(v);
        f.get(dp).i32Load(4).set(h);
        f.get(v).i32(0).i32LtS().get(v).get(h).i32GtS().i32Or().if_();
        f.i32(1).set(oob);
        f.end();
        // clamp(v, 0, h)
        f.get(v).i32(0).get(v).i32(0).i32GtS().select().set(v);
        f.get(h).get(v).get(v).get(h).i32GtS().select().set(v);
        f.get(at).get(v).get(dp).i32Load().i32Mul().i32Add().set(at);
        f.get(ip).i32(4).i32Add().set(ip);
        f.get(dp).i32(8).i32Add().set(dp);
      },
    );
  };
  mb.addFunction("gather", i32s(16), [], (f: FunctionBuilder) => {
    const [OP, IDX, OUT, DIMS, K, BT, ROWS, NR, N, SS, DS, EB, FLAGS, FILL, START, END] = [
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ] as const;
    const l = () => f.local("i32");
    const [b, at, oob, base, bp] = [l(), l(), l(), l(), l()];
    f.forLoop(
      b,
      () => f.get(START),
      () => f.get(END),
      1,
      () => {
        f.get(BT).get(b).i32(3).i32Shl().i32Add().set(bp);
        f.get(OP).get(bp).i32Load().i32Add().set(base);
        windowStart(f, base, IDX, DIMS, K, b, at, oob);
        f.get(FILL).if_();
        f.get(FLAGS).get(b).i32Add().get(oob).i32Store8();
        f.get(oob).brIf(1); // leaves the if and the body block: the next b
        f.end();
        f.get(at).get(OUT).get(bp).i32Load(4).i32Add();
        f.get(ROWS).get(NR).get(N).get(SS).get(DS).get(EB).call(0);
      },
    );
  });
  for (const [name, kind] of [
    ["scatter", "copy"],
    ["addF32", "f32"],
    ["addF64", "f64"],
    ["addI32", "i32"],
  ] as const) {
    mb.addFunction(name, i32s(14), [], (f: FunctionBuilder) => {
      const [OUT, IDX, UPD, DIMS, K, BT, ROWS, NR, N, DS, SS, EB, CLIP, NB] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
      ] as const;
      const l = () => f.local("i32");
      const [b, at, oob, base, bp, r, rp, s, d, j, vend] = [
        l(), l(), l(), l(), l(), l(), l(), l(), l(), l(), l(),
      ]; // biome-ignore format: compact
      f.forLoop(
        b,
        0,
        () => f.get(NB),
        1,
        () => {
          f.get(BT).get(b).i32(3).i32Shl().i32Add().set(bp);
          f.get(OUT).get(bp).i32Load().i32Add().set(base);
          windowStart(f, base, IDX, DIMS, K, b, at, oob);
          f.get(oob).get(CLIP).i32Eqz().i32And().brIf(0); // dropped
          if (kind === "copy") {
            f.get(UPD).get(bp).i32Load(4).i32Add().get(at);
            f.get(ROWS).get(NR).get(N).get(SS).get(DS).get(EB).call(0);
            return;
          }
          const vt = kind === "f64" ? "f64" : kind === "f32" ? "f32" : "i32";
          const lanes = kind === "f64" ? 2 : 4;
          f.get(ROWS).set(rp);
          f.forLoop(
            r,
            0,
            () => f.get(NR),
            1,
            () => {
              f.get(UPD).get(bp).i32Load(4).i32Add().get(rp).i32Load().i32Add().set(s);
              f.get(at).get(rp).i32Load(4).i32Add().set(d);
              f.get(rp).i32(8).i32Add().set(rp);
              f.i32(0).set(vend);
              f.get(SS).get(EB).i32Eq().get(DS).get(EB).i32Eq().i32And().if_();
              f.get(N).i32(-lanes).i32And().set(vend);
              f.forLoop(
                j,
                0,
                () => f.get(vend),
                lanes,
                () => {
                  f.get(d).get(d).v128Load().get(s).v128Load();
                  if (kind === "f64") f.f64x2Add();
                  else if (kind === "f32") f.f32x4Add();
                  else f.i32x4Add();
                  f.v128Store();
                  f.get(s).i32(16).i32Add().set(s);
                  f.get(d).i32(16).i32Add().set(d);
                },
              );
              f.end();
              f.forLoop(
                j,
                () => f.get(vend),
                () => f.get(N),
                1,
                () => {
                  f.get(d).get(d);
                  if (vt === "f64") f.f64Load().get(s).f64Load().f64Add().f64Store();
                  else if (vt === "f32") f.f32Load().get(s).f32Load().f32Add().f32Store();
                  else f.i32Load().get(s).i32Load().i32Add().i32Store();
                  f.get(s).get(SS).i32Add().set(s);
                  f.get(d).get(DS).i32Add().set(d);
                },
              );
            },
          );
        },
      );
    });
  }
  return mb.compile();
}

const modules = new Map<boolean, WebAssembly.Module>();
/** The module (for the shared memory when the CPU memory is shared). */
export function gatherModule(): WebAssembly.Module {
  const shared = isSharedMemory();
  let m = modules.get(shared);
  if (m === undefined) {
    m = buildModule(shared);
    modules.set(shared, m);
  }
  return m;
}

let local: Record<string, Fn> | null = null;
let localMemory: WebAssembly.Memory | null = null;
/** An export of the module instantiated on this thread. */
export function gatherFn(name: string): Fn {
  const mem = cpuMemory();
  if (local === null || localMemory !== mem) {
    local = new WebAssembly.Instance(gatherModule(), { env: { memory: mem } })
      .exports as unknown as Record<string, Fn>;
    localMemory = mem;
  }
  return local[name]!;
}
