/**
 * The data movement of the compiled convolution (conv_step.ts): one
 * WebAssembly kernel that copies float32 "rows" made of "runs".
 *
 *   gather(src, dst, rowSrc, rowDst, runs, nRuns, start, end)
 *     for r in [start, end):
 *       s = src + rowSrc[r], d = dst + rowDst[r]            (byte offsets, i32 tables)
 *       for each run j: copy runs[j].bytes bytes from s + runs[j].src to d + runs[j].dst
 *
 * Runs are copied with f32x4 loads and stores, then one float at a time. The
 * same kernel pads and dilates an input into a zeroed buffer, packs the
 * patches of a convolution (im2col), repacks a kernel whose dims do not merge
 * into one stride, and scatters a staged product into any output layout: the
 * caller only builds the tables. Rows split across the thread pool (a pure
 * copy: every result bit is the same on any number of threads).
 *
 * `packPatches` is the same copy into the GEMM's packed-A panels (five rows
 * at a time, transposed on f32x4 lanes; matmul.ts `packedALayout`), the
 * convolution's patches without an intermediate patch matrix; `zero` is
 * memory.fill.
 *
 * `runsOf` merges consecutive elements that are contiguous on both sides, so
 * a 3×3 window over an NHWC input with 16 channels packs as three runs of 48
 * floats per output position.
 */
import { type FunctionBuilder, ModuleBuilder } from "../../wasm/emitter.js";
import { cpuMemory, isSharedMemory } from "../memory.js";
import { threadPool } from "./program.js";

const modules = new Map<boolean, WebAssembly.Module>();

function build(shared: boolean): WebAssembly.Module {
  const mb = new ModuleBuilder({ sharedMemory: shared });
  mb.addFunction("gather", new Array(8).fill("i32"), [], (f: FunctionBuilder) => {
    const [SRC, DST, RS, RD, RUNS, NRUNS, START, END] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
    const local = () => f.local("i32");
    const [r, s, d, j, run, so, dn, p, n] = [local(), local(), local(), local(), local(), local(), local(), local(), local()]; // biome-ignore format: compact
    f.forLoop(
      r,
      () => f.get(START),
      () => f.get(END),
      1,
      () => {
        f.get(SRC).get(RS).get(r).i32(2).i32Shl().i32Add().i32Load().i32Add().set(s);
        f.get(DST).get(RD).get(r).i32(2).i32Shl().i32Add().i32Load().i32Add().set(d);
        f.get(RUNS).set(run);
        f.forLoop(
          j,
          0,
          () => f.get(NRUNS),
          1,
          () => {
            f.get(s).get(run).i32Load(0).i32Add().set(so);
            f.get(d).get(run).i32Load(4).i32Add().set(dn);
            f.get(run).i32Load(8).set(n);
            f.get(run).i32(12).i32Add().set(run);
            // for (p = 0; p + 16 <= n; p += 16) copy 16 bytes
            f.i32(0).set(p);
            f.block().loop();
            f.get(p).i32(16).i32Add().get(n).i32GtS().brIf(1);
            f.get(dn).get(p).i32Add().get(so).get(p).i32Add().v128Load(0, 0).v128Store(0, 0);
            f.get(p).i32(16).i32Add().set(p).br(0);
            f.end().end();
            f.block().loop();
            f.get(p).get(n).i32GeS().brIf(1);
            f.get(dn).get(p).i32Add().get(so).get(p).i32Add().f32Load(0, 0).f32Store(0, 0);
            f.get(p).i32(4).i32Add().set(p).br(0);
            f.end().end();
          },
        );
      },
    );
  });
  addPackPatches(mb);
  // zero(dst, bytes): memory.fill (a JS fill of a view of the shared memory ran at a
  // fraction of memset speed: 0.8 ms for 1 MiB on the loaded EPYC).
  mb.addFunction("zero", ["i32", "i32"], [], (f: FunctionBuilder) => {
    f.get(0).i32(0).get(1).memoryFill();
  });
  return mb.compile();
}

/** f32 lane shuffle of two vectors (lanes 0-3 of the first, 4-7 of the second) as byte lanes. */
const lanes = (...ls: number[]): number[] =>
  ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/**
 * packPatches(src, dst, rowSrc, runs, nRuns, m, start, end): panels [start, end)
 * of 5 rows (rows past m repeat row m − 1) in the GEMM's packed-A layout
 * (matmul.ts `packedALayout`, MR = 5). Row i reads from src + rowSrc[i];
 * each run j is [srcBytes, dstBytes, panelStrideBytes, floats]: its floats
 * are consecutive k of one k block, written to dst + dstBytes + P·panelStride,
 * 20 bytes apart. Four k at a time through a 4×4 transpose (rows 0-3) plus
 * row 4's lanes, the rest one float at a time: a pure copy.
 */
function addPackPatches(mb: ModuleBuilder): void {
  mb.addFunction("packPatches", new Array(8).fill("i32"), [], (f: FunctionBuilder) => {
    const [SRC, DST, RS, RUNS, NRUNS, M, START, END] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
    const l = () => f.local("i32");
    const [pnl, j, run, so, d, n, e, row] = [l(), l(), l(), l(), l(), l(), l(), l()];
    const s = [l(), l(), l(), l(), l()];
    const v = [f.local("v128"), f.local("v128"), f.local("v128"), f.local("v128"), f.local("v128")]; // biome-ignore format: compact
    const t = [f.local("v128"), f.local("v128"), f.local("v128"), f.local("v128")];
    f.forLoop(
      pnl,
      () => f.get(START),
      () => f.get(END),
      1,
      () => {
        for (let r = 0; r < 5; r++) {
          // row = min(5·pnl + r, m − 1)
          f.get(pnl).i32(5).i32Mul().i32(r).i32Add().set(row);
          f.get(row).get(M).i32(1).i32Sub().get(row).get(M).i32(1).i32Sub().i32LtS().select().set(row); // biome-ignore format: long
          f.get(SRC).get(RS).get(row).i32(2).i32Shl().i32Add().i32Load(0, 0).i32Add().set(s[r]!);
        }
        f.get(RUNS).set(run);
        f.forLoop(
          j,
          0,
          () => f.get(NRUNS),
          1,
          () => {
            f.get(run).i32Load(0, 0).set(so);
            f.get(DST).get(run).i32Load(4, 0).i32Add().get(pnl).get(run).i32Load(8, 0).i32Mul().i32Add().set(d); // biome-ignore format: long
            f.get(run).i32Load(12, 0).set(n);
            f.get(run).i32(16).i32Add().set(run);
            f.i32(0).set(e);
            f.block().loop();
            f.get(e).i32(4).i32Add().get(n).i32GtS().brIf(1);
            for (let r = 0; r < 5; r++) f.get(s[r]!).get(so).i32Add().v128Load(0, 0).set(v[r]!);
            f.get(v[0]!)
              .get(v[1]!)
              .i8x16Shuffle(...lanes(0, 4, 1, 5))
              .set(t[0]!);
            f.get(v[0]!)
              .get(v[1]!)
              .i8x16Shuffle(...lanes(2, 6, 3, 7))
              .set(t[1]!);
            f.get(v[2]!)
              .get(v[3]!)
              .i8x16Shuffle(...lanes(0, 4, 1, 5))
              .set(t[2]!);
            f.get(v[2]!)
              .get(v[3]!)
              .i8x16Shuffle(...lanes(2, 6, 3, 7))
              .set(t[3]!);
            const cols = [
              [t[0]!, t[2]!, lanes(0, 1, 4, 5)],
              [t[0]!, t[2]!, lanes(2, 3, 6, 7)],
              [t[1]!, t[3]!, lanes(0, 1, 4, 5)],
              [t[1]!, t[3]!, lanes(2, 3, 6, 7)],
            ] as const;
            cols.forEach(([a, b, ls], k) => {
              f.get(d)
                .get(a)
                .get(b)
                .i8x16Shuffle(...ls)
                .v128Store(k * 20, 0);
              f.get(d)
                .get(v[4]!)
                .f32x4ExtractLane(k)
                .f32Store(k * 20 + 16, 0);
            });
            f.get(so).i32(16).i32Add().set(so);
            f.get(d).i32(80).i32Add().set(d);
            f.get(e).i32(4).i32Add().set(e).br(0);
            f.end().end();
            f.block().loop();
            f.get(e).get(n).i32GeS().brIf(1);
            for (let r = 0; r < 5; r++) {
              f.get(d)
                .get(s[r]!)
                .get(so)
                .i32Add()
                .f32Load(0, 0)
                .f32Store(r * 4, 0);
            }
            f.get(so).i32(4).i32Add().set(so);
            f.get(d).i32(20).i32Add().set(d);
            f.get(e).i32(1).i32Add().set(e).br(0);
            f.end().end();
          },
        );
      },
    );
  });
}

/** Panels below this many floats per thread are not worth a split. */
const MIN_PACKED_FLOATS_PER_CHUNK = 1 << 16;

/**
 * Runs packPatches over panels [0, panels) with its tables already in memory
 * (byte addresses); `floatsPerPanel` (5·k) sizes the thread split.
 */
export function packPatchesAt(
  src: number,
  dst: number,
  rowSrc: number,
  runs: number,
  nRuns: number,
  m: number,
  panels: number,
  floatsPerPanel: number,
): void {
  if (panels === 0 || nRuns === 0) return;
  const args = [src, dst, rowSrc, runs, nRuns, m];
  const tp = threadPool();
  if (tp !== null && tp.threads > 1 && panels * floatsPerPanel >= 2 * MIN_PACKED_FLOATS_PER_CHUNK) {
    const grain = Math.max(1, Math.ceil(MIN_PACKED_FLOATS_PER_CHUNK / Math.max(1, floatsPerPanel)));
    tp.parallelFor(gatherModule(), "packPatches", args, panels, grain);
    return;
  }
  if (packFn === null) instantiate();
  packFn!(...args, 0, panels);
}

function gatherModule(): WebAssembly.Module {
  const shared = isSharedMemory();
  let m = modules.get(shared);
  if (m === undefined) {
    m = build(shared);
    modules.set(shared, m);
  }
  return m;
}

type GatherFn = (...args: number[]) => void;
let local: GatherFn | null = null;
let zeroFn: ((dst: number, bytes: number) => void) | null = null;
let packFn: GatherFn | null = null;

function instantiate(): void {
  const inst = new WebAssembly.Instance(gatherModule(), { env: { memory: cpuMemory() } });
  local = inst.exports.gather as GatherFn;
  zeroFn = inst.exports.zero as (dst: number, bytes: number) => void;
  packFn = inst.exports.packPatches as GatherFn;
}

/** Zeroes `bytes` bytes at byte address `dst` of the memory (memory.fill). */
export function zeroAt(dst: number, bytes: number): void {
  if (bytes <= 0) return;
  if (zeroFn === null) instantiate();
  zeroFn!(dst, bytes);
}

/**
 * Copies below this many floats per thread are not worth a split (~30 µs):
 * waking a worker on a loaded machine costs more than a small copy.
 */
const MIN_FLOATS_PER_CHUNK = 1 << 16;

/**
 * Runs the gather over rows [0, rows) with tables already in memory (byte
 * addresses); `floatsPerRow` sizes the chunks of the thread split.
 */
export function gatherAt(
  src: number,
  dst: number,
  rowSrc: number,
  rowDst: number,
  runs: number,
  nRuns: number,
  rows: number,
  floatsPerRow: number,
): void {
  if (rows === 0 || nRuns === 0) return;
  const args = [src, dst, rowSrc, rowDst, runs, nRuns];
  const tp = threadPool();
  if (tp !== null && tp.threads > 1 && rows * floatsPerRow >= 2 * MIN_FLOATS_PER_CHUNK) {
    const grain = Math.max(1, Math.ceil(MIN_FLOATS_PER_CHUNK / Math.max(1, floatsPerRow)));
    tp.parallelFor(gatherModule(), "gather", args, rows, grain);
    return;
  }
  if (local === null) instantiate();
  local!(...args, 0, rows);
}

/**
 * Runs of a row: element e of the row reads `srcOff[e]` and writes
 * `dstOff[e]` (float offsets); consecutive elements contiguous on both sides
 * merge. Returns [srcBytes, dstBytes, bytes] triples.
 */
export function runsOf(srcOff: ArrayLike<number>, dstOff: ArrayLike<number>): Int32Array {
  const out: number[] = [];
  const n = srcOff.length;
  let e = 0;
  while (e < n) {
    let len = 1;
    while (
      e + len < n &&
      srcOff[e + len] === srcOff[e]! + len &&
      dstOff[e + len] === dstOff[e]! + len
    )
      len++;
    out.push(srcOff[e]! * 4, dstOff[e]! * 4, len * 4);
    e += len;
  }
  return Int32Array.from(out);
}
