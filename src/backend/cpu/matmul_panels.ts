/**
 * Panel copies of the float32 GEMM (matmul.ts), as WebAssembly code
 * generators: `paddedPanel` packs any strided lines into a zero-padded panel
 * interleaved by k (packA's rows, packB's columns); `transposePanel` packs a
 * full panel of five rows contiguous along k with a 4×4 f32x4 transpose
 * (eight shuffles) plus the fifth row's lanes: the same bits as
 * paddedPanel, about 3× fewer instructions per element. A convolution's
 * patches (n = 16, 32) spent over half the product in the scalar packing;
 * 12544×144×32 went from 6.2 to 3.8 ms on one thread (loaded 2-core EPYC).
 */
import type { FunctionBuilder } from "../wasm/emitter.js";

/** Rows of an A panel `transposePanel` packs (matmul.ts's MR). */
export const PANEL_ROWS = 5;

/** `for (i = 0; i < end; i += step) body()` with `end` a local (forLoop re-reads it). */
export function upTo(
  f: FunctionBuilder,
  i: number,
  end: number,
  step: number,
  body: () => void,
): void {
  f.forLoop(i, 0, () => f.get(end), step, body);
}

/** Locals (indices) of a zero-padded panel copy, see `paddedPanel`. */
export interface PanelLocals {
  src: number;
  /** First line (row of A, column of B) of the panel, and the lines in the block. */
  first: number;
  count: number;
  /** Bytes between lines, and between consecutive k along a line. */
  lineStride: number;
  step: number;
  kc: number;
  dst: number;
  /** Lines of this panel that exist (the rest are written as zeros). */
  live: number;
  /** One pointer local per line of the panel. */
  ptrs: readonly number[];
  p: number;
}

/**
 * Packs `ptrs.length` lines into a panel interleaved by k, zero-filling the
 * lines past `live`; line pointers clamp to the last line so that padding
 * never reads out of bounds. packA (rows) and packB (columns) share it.
 */
export function paddedPanel(f: FunctionBuilder, o: PanelLocals): void {
  const width = o.ptrs.length;
  for (let i = 0; i < width; i++) {
    f.get(o.src).get(o.first).i32(i).i32Add().get(o.count).i32(1).i32Sub();
    f.get(o.first).i32(i).i32Add().get(o.count).i32(1).i32Sub().i32LtS().select();
    f.get(o.lineStride).i32Mul().i32Add().set(o.ptrs[i]!);
  }
  upTo(f, o.p, o.kc, 1, () => {
    for (let i = 0; i < width; i++) {
      f.get(o.dst).get(o.ptrs[i]!).f32Load().f32(0).i32(i).get(o.live).i32LtS().select();
      f.f32Store(i * 4);
      f.get(o.ptrs[i]!).get(o.step).i32Add().set(o.ptrs[i]!);
    }
    f.get(o.dst)
      .i32(width * 4)
      .i32Add()
      .set(o.dst);
  });
}
/** Locals of `transposePanel`. */
export interface TransposeLocals {
  src: number;
  rs: number;
  first: number;
  kc: number;
  dst: number;
  p: number;
  ptrs: readonly number[];
  /** Four v128 locals for rows 0-3, one for row 4, four temporaries. */
  v: readonly number[];
  v4: number;
  t: readonly [number, number, number, number];
}

// f32 lane shuffles of two vectors (lanes 0-3 of the first, 4-7 of the second) as byte lanes.
const lanes = (...ls: number[]): number[] =>
  ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/**
 * packA's panel of PANEL_ROWS = 5 full rows, contiguous along k (a pure copy, so the
 * packed bits are paddedPanel's): four k at a time, rows 0-3 go through a
 * 4×4 transpose (eight shuffles) into four 16-byte stores, row 4's lanes
 * are stored one by one after each; the last kc mod 4 columns one float at
 * a time. About 3× fewer instructions per element than the scalar panel
 * (the conv patches' packing, conv_step.ts, is most of a small-n product).
 */
export function transposePanel(f: FunctionBuilder, o: TransposeLocals): void {
  for (let i = 0; i < PANEL_ROWS; i++) {
    f.get(o.src).get(o.first).i32(i).i32Add().get(o.rs).i32Mul().i32Add();
    f.set(o.ptrs[i]!);
  }
  f.i32(0).set(o.p);
  f.block().loop();
  f.get(o.p).i32(4).i32Add().get(o.kc).i32GtS().brIf(1);
  for (let i = 0; i < 4; i++) f.get(o.ptrs[i]!).v128Load(0, 0).set(o.v[i]!);
  f.get(o.ptrs[4]!).v128Load(0, 0).set(o.v4);
  const [t0, t1, t2, t3] = o.t;
  const v = o.v;
  f.get(v[0]!)
    .get(v[1]!)
    .i8x16Shuffle(...lanes(0, 4, 1, 5))
    .set(t0);
  f.get(v[0]!)
    .get(v[1]!)
    .i8x16Shuffle(...lanes(2, 6, 3, 7))
    .set(t1);
  f.get(v[2]!)
    .get(v[3]!)
    .i8x16Shuffle(...lanes(0, 4, 1, 5))
    .set(t2);
  f.get(v[2]!)
    .get(v[3]!)
    .i8x16Shuffle(...lanes(2, 6, 3, 7))
    .set(t3);
  const col = [
    [t0, t2, lanes(0, 1, 4, 5)],
    [t0, t2, lanes(2, 3, 6, 7)],
    [t1, t3, lanes(0, 1, 4, 5)],
    [t1, t3, lanes(2, 3, 6, 7)],
  ] as const;
  col.forEach(([a, b, ls], k) => {
    f.get(o.dst)
      .get(a)
      .get(b)
      .i8x16Shuffle(...ls)
      .v128Store(k * PANEL_ROWS * 4, 0);
    f.get(o.dst)
      .get(o.v4)
      .f32x4ExtractLane(k)
      .f32Store(k * PANEL_ROWS * 4 + 16, 0);
  });
  for (let i = 0; i < PANEL_ROWS; i++) f.get(o.ptrs[i]!).i32(16).i32Add().set(o.ptrs[i]!);
  f.get(o.dst)
    .i32(4 * PANEL_ROWS * 4)
    .i32Add()
    .set(o.dst);
  f.get(o.p).i32(4).i32Add().set(o.p).br(0);
  f.end().end();
  // The last kc mod 4 columns.
  f.block().loop();
  f.get(o.p).get(o.kc).i32GeS().brIf(1);
  for (let i = 0; i < PANEL_ROWS; i++) {
    f.get(o.dst)
      .get(o.ptrs[i]!)
      .f32Load(0, 0)
      .f32Store(i * 4, 0);
    f.get(o.ptrs[i]!).i32(4).i32Add().set(o.ptrs[i]!);
  }
  f.get(o.dst)
    .i32(PANEL_ROWS * 4)
    .i32Add()
    .set(o.dst);
  f.get(o.p).i32(1).i32Add().set(o.p).br(0);
  f.end().end();
}
