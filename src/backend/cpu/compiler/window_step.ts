/**
 * The CPU's compiled pooling windows (compiler/library.ts), float32:
 *
 *   reduce_window_max / reduce_window_min, every configuration: the operand
 *     is copied into a buffer filled with the identity (−∞ / +∞) when it has
 *     padding or base dilation (conv_gather.ts), then each output row takes
 *     the max (min) over the window's taps, f32x4 across the trailing dim
 *     when its window is trivial (an NHWC pool reduces 16 channels as four
 *     vectors), split across the thread pool by rows. Max and min are exact,
 *     so results are the eager kernel's bits (IEEE maximum: NaN propagates,
 *     −0 < +0).
 *   select_and_scatter_add (the max-pool gradient) without padding or base
 *     dilation: per window the first maximum (minimum) in row-major window
 *     order (a NaN wins), as the eager kernel selects, and the source value
 *     added there, in window order. With a trailing trivial dim of a multiple
 *     of 4 (NHWC channels) the selection runs on f32x4 lanes (the tap index
 *     kept per lane); windows that do not overlap (strides ≥ extents, every
 *     pool) split across the thread pool by rows, and when they also cover
 *     the operand each element is stored once (0 + value: no zero fill).
 *     Non-overlapping windows give the eager kernel's bits; overlapping ones
 *     sum in float32 instead of float64. The CNN step's two pool gradients
 *     ([64,28,28,16] and [64,14,14,32]) went from 4.7 + 2.4 ms (scalar, one
 *     thread) to 1.8 + 0.8 ms mean, 0.9 + 0.25 ms fastest, on the 2-core
 *     EPYC at load average 11 (JAXTS_DEBUG=profile).
 *
 * reduce_window_sum (float32 sums would round differently from the eager
 * kernel's float64 ones), select_and_gather_add (forward-mode only) and the
 * padded select_and_scatter_add still run their eager kernels.
 */
import { type JaxprEqn, Var } from "../../../core/jaxpr.js";
import {
  type DimWindow,
  type SelectParams,
  selectionWindows,
  type WindowParams,
  windowCount,
} from "../../../lax/windowed.js";
import { stridesOf } from "../../../shape.js";
import { type FunctionBuilder, ModuleBuilder } from "../../wasm/emitter.js";
import { cpuMemory, heapBuffer, isSharedMemory } from "../memory.js";
import { gatherAt, runsOf } from "./conv_gather.js";
import { type CompiledKernel, registerCompiledKernel } from "./library.js";
import { threadPool } from "./program.js";

// --- the Wasm kernels ----------------------------------------------------------------

/**
 *   wmax / wmin(src, dst, rowSrc, taps, nTaps, inner, start, end): for rows r,
 *     dst[r·inner + j] = max_t src[rowSrc[r] + taps[t] + j] (byte offsets), nTaps ≥ 1.
 *   smax / smin(src, x, out, rowSrc, taps, nTaps, inner, rows): for every row
 *     and lane, the first best tap t* of x; out[rowSrc[r] + taps[t*] + j] += src[r·inner + j].
 */
function buildModule(shared: boolean): WebAssembly.Module {
  const mb = new ModuleBuilder({ sharedMemory: shared });
  const i32s = (n: number) => new Array<"i32">(n).fill("i32");
  for (const [name, isMax] of [
    ["wmax", true],
    ["wmin", false],
  ] as const) {
    mb.addFunction(name, i32s(8), [], (f: FunctionBuilder) => {
      const [SRC, DST, RS, TAPS, NT, INNER, START, END] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
      const l = () => f.local("i32");
      const [r, s, d, j, t, tp, vend] = [l(), l(), l(), l(), l(), l(), l()];
      const acc = f.local("v128");
      const sacc = f.local("f32");
      const vop = () => (isMax ? f.f32x4Max() : f.f32x4Min());
      const sop = () => (isMax ? f.f32Max() : f.f32Min());
      f.get(INNER).i32(-4).i32And().i32(2).i32Shl().set(vend);
      f.forLoop(
        r,
        () => f.get(START),
        () => f.get(END),
        1,
        () => {
          f.get(SRC).get(RS).get(r).i32(2).i32Shl().i32Add().i32Load().i32Add().set(s);
          f.get(DST).get(r).get(INNER).i32Mul().i32(2).i32Shl().i32Add().set(d);
          // Vectors of four lanes, then single lanes; j in bytes.
          f.forLoop(
            j,
            0,
            () => f.get(vend),
            16,
            () => {
              f.get(s).get(TAPS).i32Load().i32Add().get(j).i32Add().v128Load(0, 0).set(acc);
              f.get(TAPS).set(tp);
              f.forLoop(
                t,
                1,
                () => f.get(NT),
                1,
                () => {
                  f.get(tp).i32(4).i32Add().set(tp);
                  f.get(acc).get(s).get(tp).i32Load().i32Add().get(j).i32Add().v128Load(0, 0);
                  vop().set(acc);
                },
              );
              f.get(d).get(j).i32Add().get(acc).v128Store(0, 0);
            },
          );
          f.forLoop(
            j,
            () => f.get(vend),
            () => f.get(INNER).i32(2).i32Shl(),
            4,
            () => {
              f.get(s).get(TAPS).i32Load().i32Add().get(j).i32Add().f32Load(0, 0).set(sacc);
              f.get(TAPS).set(tp);
              f.forLoop(
                t,
                1,
                () => f.get(NT),
                1,
                () => {
                  f.get(tp).i32(4).i32Add().set(tp);
                  f.get(sacc).get(s).get(tp).i32Load().i32Add().get(j).i32Add().f32Load(0, 0);
                  sop().set(sacc);
                },
              );
              f.get(d).get(j).i32Add().get(sacc).f32Store(0, 0);
            },
          );
        },
      );
    });
  }
  for (const [name, isMax] of [
    ["smax", true],
    ["smin", false],
  ] as const) {
    mb.addFunction(name, i32s(8), [], (f: FunctionBuilder) => {
      const [SRC, X, OUT, RS, TAPS, NT, INNER, ROWS] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
      const l = () => f.local("i32");
      const [r, base, j, t, bt, sp, at] = [l(), l(), l(), l(), l(), l(), l()];
      const [best, v] = [f.local("f32"), f.local("f32")];
      f.get(SRC).set(sp);
      f.forLoop(
        r,
        0,
        () => f.get(ROWS),
        1,
        () => {
          f.get(X).get(RS).get(r).i32(2).i32Shl().i32Add().i32Load().i32Add().set(base);
          f.forLoop(
            j,
            0,
            () => f.get(INNER).i32(2).i32Shl(),
            4,
            () => {
              f.get(base).get(TAPS).i32Load().i32Add().get(j).i32Add().f32Load(0, 0).set(best);
              f.i32(0).set(bt);
              f.forLoop(
                t,
                1,
                () => f.get(NT),
                1,
                () => {
                  f.get(base).get(TAPS).get(t).i32(2).i32Shl().i32Add().i32Load().i32Add();
                  f.get(j).i32Add().f32Load(0, 0).set(v);
                  // Replace when the best is not NaN and v is strictly better or NaN.
                  f.get(best).get(best).f32Eq();
                  f.get(v).get(best);
                  if (isMax) f.f32Gt();
                  else f.f32Lt();
                  f.get(v).get(v).f32Ne().i32Or().i32And().if_();
                  f.get(v).set(best).get(t).set(bt).end();
                },
              );
              f.get(OUT).get(RS).get(r).i32(2).i32Shl().i32Add().i32Load().i32Add();
              f.get(TAPS)
                .get(bt)
                .i32(2)
                .i32Shl()
                .i32Add()
                .i32Load()
                .i32Add()
                .get(j)
                .i32Add()
                .set(at);
              f.get(at).get(at).f32Load(0, 0).get(sp).f32Load(0, 0).f32Add().f32Store(0, 0);
              f.get(sp).i32(4).i32Add().set(sp);
            },
          );
        },
      );
    });
  }
  for (const [name, isMax, store] of [
    ["svmax", true, false],
    ["svmin", false, false],
    ["svmaxStore", true, true],
    ["svminStore", false, true],
  ] as const) {
    // The same selection on f32x4 lanes (inner a multiple of 4), rows [start, end); the
    // Store variants write 0 + (selected source or 0) instead of adding into `out`
    // (windows that do not overlap and cover the operand: every element written once).
    mb.addFunction(name, i32s(9), [], (f: FunctionBuilder) => {
      const [SRC, X, OUT, RS, TAPS, NT, INNER, START, END] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
      const l = () => f.local("i32");
      const [r, base, ob, j, t, sp, at] = [l(), l(), l(), l(), l(), l(), l()];
      const [best, v, bt, sv, m] = [f.local("v128"), f.local("v128"), f.local("v128"), f.local("v128"), f.local("v128")]; // biome-ignore format: compact
      f.get(SRC).get(START).get(INNER).i32Mul().i32(2).i32Shl().i32Add().set(sp);
      f.forLoop(
        r,
        () => f.get(START),
        () => f.get(END),
        1,
        () => {
          f.get(RS).get(r).i32(2).i32Shl().i32Add().i32Load().set(base);
          f.get(X).get(base).i32Add().set(ob);
          f.get(OUT).get(base).i32Add().set(base);
          f.forLoop(
            j,
            0,
            () => f.get(INNER).i32(2).i32Shl(),
            16,
            () => {
              f.get(ob).get(TAPS).i32Load().i32Add().get(j).i32Add().v128Load(0, 0).set(best);
              f.i32x4Const(0).set(bt);
              f.forLoop(
                t,
                1,
                () => f.get(NT),
                1,
                () => {
                  f.get(ob).get(TAPS).get(t).i32(2).i32Shl().i32Add().i32Load().i32Add();
                  f.get(j).i32Add().v128Load(0, 0).set(v);
                  // Replace where the best is not NaN and v is strictly better or NaN.
                  f.get(best).get(best).f32x4Eq();
                  f.get(v).get(best);
                  if (isMax) f.f32x4Gt();
                  else f.f32x4Lt();
                  f.get(v).get(v).f32x4Ne().v128Or().v128And().set(m);
                  f.get(v).get(best).get(m).v128Bitselect().set(best);
                  f.get(t).i32x4Splat().get(bt).get(m).v128Bitselect().set(bt);
                },
              );
              f.get(sp).v128Load(0, 0).set(sv);
              f.get(sp).i32(16).i32Add().set(sp);
              f.forLoop(
                t,
                0,
                () => f.get(NT),
                1,
                () => {
                  f.get(base).get(TAPS).get(t).i32(2).i32Shl().i32Add().i32Load().i32Add();
                  f.get(j).i32Add().set(at);
                  f.get(at);
                  if (store) f.f32x4Const(0);
                  else f.get(at).v128Load(0, 0);
                  f.get(sv).get(bt).get(t).i32x4Splat().i32x4Eq().v128And();
                  f.f32x4Add().v128Store(0, 0);
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
function windowModule(): WebAssembly.Module {
  const shared = isSharedMemory();
  let m = modules.get(shared);
  if (m === undefined) {
    m = buildModule(shared);
    modules.set(shared, m);
  }
  return m;
}
type Fn = (...args: number[]) => void;
let local: Record<string, Fn> | null = null;
function localFn(name: string): Fn {
  local ??= new WebAssembly.Instance(windowModule(), { env: { memory: cpuMemory() } })
    .exports as unknown as Record<string, Fn>;
  return local[name]!;
}

// --- plans ---------------------------------------------------------------------------------

const align16 = (x: number): number => Math.ceil(x / 16) * 16;
const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

function forEachIndex(sizes: readonly number[], f: (idx: readonly number[]) => void): void {
  if (sizes.some((s) => s === 0)) return;
  const idx = new Array<number>(sizes.length).fill(0);
  for (;;) {
    f(idx);
    let d = sizes.length - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < sizes[d]!) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

const trivial = (w: DimWindow): boolean =>
  w.size === 1 && w.stride === 1 && w.lo === 0 && w.hi === 0 && w.baseDilation === 1;
const dilate = (n: number, d: number): number => (n === 0 ? 0 : (n - 1) * d + 1);

interface WindowPlan {
  /** Output elements; 0: nothing to do. */
  outSize: number;
  /** The padded copy (its sizes, a gather from the operand), or null: the operand in place. */
  pad: { bytes: number; rowSrc: Int32Array; rowDst: Int32Array; runs: Int32Array; inner: number } | null;
  rowSrc: Int32Array;
  taps: Int32Array;
  inner: number;
  rows: number;
} // biome-ignore format: compact

/** Rows, taps and inner width of a window reduction over `shape` (padded copy when needed). */
function planWindow(shape: readonly number[], ws: readonly DimWindow[]): WindowPlan {
  const nd = shape.length;
  const outShape = shape.map((n, d) => windowCount(n, ws[d]!));
  const outSize = prod(outShape);
  const needPad = ws.some((w) => w.lo !== 0 || w.hi !== 0 || w.baseDilation !== 1);
  const pShape = needPad
    ? shape.map((n, d) => Math.max(0, dilate(n, ws[d]!.baseDilation) + ws[d]!.lo + ws[d]!.hi))
    : [...shape];
  const pst = stridesOf(pShape);
  let pad: WindowPlan["pad"] = null;
  if (needPad && nd > 0) {
    const src: number[] = [];
    const dst: number[] = [];
    const ist = stridesOf(shape);
    const last = nd - 1;
    const w = ws[last]!;
    forEachIndex(shape.slice(0, last), (idx) => {
      let s = 0;
      let t = 0;
      for (let d = 0; d < last; d++) {
        const q = idx[d]! * ws[d]!.baseDilation + ws[d]!.lo;
        if (q < 0 || q >= pShape[d]!) return;
        s += idx[d]! * ist[d]!;
        t += q * pst[d]!;
      }
      src.push(s * 4);
      dst.push(t * 4);
    });
    const es: number[] = [];
    const ed: number[] = [];
    for (let i = 0; i < shape[last]!; i++) {
      const q = i * w.baseDilation + w.lo;
      if (q >= 0 && q < pShape[last]!) {
        es.push(i);
        ed.push(q);
      }
    }
    pad = {
      bytes: prod(pShape) * 4,
      rowSrc: Int32Array.from(src),
      rowDst: Int32Array.from(dst),
      runs: runsOf(es, ed),
      inner: es.length,
    };
  }
  // The trailing dim runs as lanes when its window is trivial.
  const lanes = nd > 0 && trivial(ws[nd - 1]!) ? nd - 1 : nd;
  const inner = lanes < nd ? shape[nd - 1]! : 1;
  const rowSrc: number[] = [];
  forEachIndex(outShape.slice(0, lanes), (idx) => {
    let off = 0;
    for (let d = 0; d < lanes; d++) off += idx[d]! * ws[d]!.stride * pst[d]!;
    rowSrc.push(off * 4);
  });
  const taps: number[] = [];
  forEachIndex(
    ws.slice(0, lanes).map((w) => w.size),
    (idx) => {
      let off = 0;
      for (let d = 0; d < lanes; d++) off += idx[d]! * ws[d]!.windowDilation * pst[d]!;
      taps.push(off * 4);
    },
  );
  return {
    outSize,
    pad,
    rowSrc: Int32Array.from(rowSrc),
    taps: Int32Array.from(taps),
    inner,
    rows: rowSrc.length,
  };
}

const plans = new WeakMap<JaxprEqn, WindowPlan>();
function plan(e: JaxprEqn): WindowPlan {
  let pl = plans.get(e);
  if (pl === undefined) {
    const x = e.inputs[e.inputs.length - 1] as Var;
    pl = planWindow(x.aval.shape, selectionWindows(x.aval.shape, e.params as WindowParams));
    plans.set(e, pl);
  }
  return pl;
}

/** Workspace: the padded copy and its tables, then the row and tap tables. */
function layout(pl: WindowPlan) {
  const padTables = 0;
  const p = pl.pad === null ? 0 : align16((pl.pad.rowSrc.length * 2 + pl.pad.runs.length) * 4);
  const tables = p + align16(pl.pad?.bytes ?? 0);
  const total = tables + align16((pl.rowSrc.length + pl.taps.length) * 4);
  return { padTables, p, tables, total };
}

const allF32 = (e: JaxprEqn): boolean =>
  e.inputs.every((a) => a instanceof Var && a.aval.dtype === "float32") &&
  e.outBinders[0]!.aval.dtype === "float32";

/** Writes the row and tap tables at `at`; returns their addresses. */
function writeTables(pl: WindowPlan, at: number): [number, number] {
  const buf = heapBuffer();
  new Int32Array(buf, at, pl.rowSrc.length).set(pl.rowSrc);
  const taps = at + pl.rowSrc.length * 4;
  new Int32Array(buf, taps, pl.taps.length).set(pl.taps);
  return [at, taps];
}

/** Rows below which a split is not worth a thread. */
const MIN_FLOATS_PER_CHUNK = 1 << 13;

function reduceKernel(kind: "max" | "min"): CompiledKernel {
  const identity = kind === "max" ? -Infinity : Infinity;
  return {
    name: `reduce_window_${kind}`,
    match: allF32,
    workspace: (e) => layout(plan(e)).total,
    parallel: () => true,
    epilogueRows: () => 0,
    build(e) {
      const pl = plan(e);
      const L = layout(pl);
      return (addrs) => {
        const [x, out, ws] = addrs as [number, number, number];
        if (pl.outSize === 0) return;
        if (pl.taps.length === 0) {
          new Float32Array(heapBuffer(), out, pl.outSize).fill(identity);
          return;
        }
        let src = x;
        if (pl.pad !== null) {
          const q = pl.pad;
          new Float32Array(heapBuffer(), ws + L.p, q.bytes / 4).fill(identity);
          const buf = heapBuffer();
          const n = q.rowSrc.length;
          const t = ws + L.padTables;
          new Int32Array(buf, t, n).set(q.rowSrc);
          new Int32Array(buf, t + n * 4, n).set(q.rowDst);
          new Int32Array(buf, t + n * 8, q.runs.length).set(q.runs);
          gatherAt(x, ws + L.p, t, t + n * 4, t + n * 8, q.runs.length / 3, n, q.inner);
          src = ws + L.p;
        }
        const [rs, taps] = writeTables(pl, ws + L.tables);
        const args = [src, out, rs, taps, pl.taps.length, pl.inner];
        const fn = kind === "max" ? "wmax" : "wmin";
        const tp = threadPool();
        const work = pl.inner * pl.taps.length;
        if (tp !== null && tp.threads > 1 && pl.rows * work >= 2 * MIN_FLOATS_PER_CHUNK) {
          tp.parallelFor(windowModule(), fn, args, pl.rows, Math.ceil(MIN_FLOATS_PER_CHUNK / work));
        } else {
          localFn(fn)(...args, 0, pl.rows);
        }
      };
    },
  };
}

/** select_and_scatter_add without padding or base dilation (every pool's gradient). */
const scatterKernel: CompiledKernel = {
  name: "select_and_scatter_add",
  match: (e) => {
    if (!allF32(e)) return false;
    const x = e.inputs[1] as Var;
    const ws = selectionWindows(x.aval.shape, e.params as WindowParams);
    return ws.every((w) => w.lo === 0 && w.hi === 0 && w.baseDilation === 1);
  },
  workspace: (e) => layout(plan(e)).total,
  parallel: () => true,
  epilogueRows: () => 0,
  build(e) {
    const pl = plan(e);
    const L = layout(pl);
    const x = e.inputs[1] as Var;
    const outSize = e.outBinders[0]!.aval.size;
    const outBytes = outSize * 4;
    const isMax = (e.params as SelectParams).select_prim === "ge";
    const ws = selectionWindows(x.aval.shape, e.params as WindowParams);
    const nd = ws.length;
    const lanes = nd > 0 && trivial(ws[nd - 1]!) ? nd - 1 : nd;
    // Windows that do not overlap write each element at most once: rows split across threads.
    const disjoint = ws.slice(0, lanes).every((w) => w.stride >= (w.size - 1) * w.windowDilation + 1); // biome-ignore format: long
    const covers = disjoint && pl.rows * pl.taps.length * pl.inner === outSize;
    const simd = pl.inner % 4 === 0;
    const fn = simd
      ? `sv${isMax ? "max" : "min"}${covers ? "Store" : ""}`
      : isMax ? "smax" : "smin"; // biome-ignore format: long
    return (addrs) => {
      const [s, x, out, ws] = addrs as [number, number, number, number];
      if (!covers) new Uint8Array(heapBuffer(), out, outBytes).fill(0);
      if (pl.outSize === 0 || pl.taps.length === 0) return;
      const [rs, taps] = writeTables(pl, ws + L.tables);
      const args = [s, x, out, rs, taps, pl.taps.length, pl.inner];
      if (!simd) {
        localFn(fn)(...args, pl.rows);
        return;
      }
      const tp = threadPool();
      const work = pl.inner * pl.taps.length;
      if (disjoint && tp !== null && tp.threads > 1 && pl.rows * work >= 2 * MIN_FLOATS_PER_CHUNK) {
        tp.parallelFor(windowModule(), fn, args, pl.rows, Math.ceil(MIN_FLOATS_PER_CHUNK / work));
      } else {
        localFn(fn)(...args, 0, pl.rows);
      }
    };
  },
};

registerCompiledKernel(reduceKernel("max"));
registerCompiledKernel(reduceKernel("min"));
registerCompiledKernel(scatterKernel);
