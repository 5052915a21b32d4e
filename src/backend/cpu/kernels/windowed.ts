/**
 * CPU kernels of the windowed reductions (windowed.ts): reduce_window_sum,
 * reduce_window_max/min, and the argmax/argmin positions that
 * select_and_gather_add and select_and_scatter_add move values through.
 *
 * A window is a product of one interval per dimension (with its padding and
 * dilations), and sum, max and min are associative and commutative, so an
 * N-d window reduction is a sequence of 1-d window reductions, one dimension
 * at a time: a k×k pool costs 2k reads per output instead of k². Each pass
 * sees its operand as outer × n × inner and reduces along the middle axis,
 * so the innermost loop runs over `inner` contiguous elements.
 *
 * Selections (the position of the max or min of each window) pass the
 * flat input index of each running winner along with its value. Passes run
 * from the last dimension to the first and keep the first of equal values,
 * so ties go to the first element of the window in row-major order.
 *
 * The CPU backend's library kernels "reduce_window_sum/max/min",
 * "select_and_gather_add" and "select_and_scatter_add" (core/library.ts).
 */
import { allocate } from "../../../dtype.js";
import {
  type DimWindow,
  reduceAval,
  type SelectParams,
  selectAvals,
  selectionWindows,
  type WindowKind,
  type WindowParams,
  windowCount,
  windowIdentity,
} from "../../../lax/windowed.js";
import type { Shape } from "../../../shape.js";
import { sizeOf } from "../../../shape.js";
import { cpuArray, cpuData } from "../buffer.js";
import { registerCpuKernel } from "./register.js";

/** A dimension whose window leaves the operand unchanged needs no pass. */
function trivial(w: DimWindow): boolean {
  return (
    w.size === 1 && w.stride === 1 && w.lo === 0 && w.hi === 0 && w.baseDilation === 1
    // window dilation does not matter for a window of one element
  );
}

/**
 * For each window o and window element k of one dimension, the operand index
 * it reads (at [o·size + k]), or -1 where it falls on padding or a hole of
 * the base dilation.
 */
function windowTable(n: number, m: number, w: DimWindow): Int32Array {
  const tab = new Int32Array(m * w.size).fill(-1);
  for (let o = 0; o < m; o++) {
    for (let k = 0; k < w.size; k++) {
      const q = o * w.stride + k * w.windowDilation - w.lo;
      if (q < 0 || q % w.baseDilation !== 0) continue;
      const i = q / w.baseDilation;
      if (i < n) tab[o * w.size + k] = i;
    }
  }
  return tab;
}

/** One pass's layout: outer × n × inner in, outer × m × inner out, and the window table. */
interface Pass {
  outer: number;
  n: number;
  m: number;
  inner: number;
  size: number;
  tab: Int32Array;
}

/** The passes over the non-trivial dimensions, last dimension first, and the output shape. */
function plan(shape: Shape, windows: readonly DimWindow[]): { passes: Pass[]; out: number[] } {
  const cur = [...shape];
  const passes: Pass[] = [];
  for (let a = cur.length - 1; a >= 0; a--) {
    const w = windows[a]!;
    const n = cur[a]!;
    const m = windowCount(n, w);
    if (trivial(w)) continue;
    passes.push({
      outer: sizeOf(cur.slice(0, a)),
      n,
      m,
      inner: sizeOf(cur.slice(a + 1)),
      size: w.size,
      tab: windowTable(n, m, w),
    });
    cur[a] = m;
  }
  return { passes, out: cur };
}

// --- scratch memory -------------------------------------------------------------------

/*
 * Fresh memory costs a page fault per 4 KiB (DESIGN.md), more than the passes
 * themselves: the passes' intermediates live in scratch buffers kept between
 * calls (the kernels are synchronous, so one set per thread suffices). Only
 * the output is fresh. Buffers beyond SCRATCH_KEEP elements are not kept.
 */
const SCRATCH_KEEP = 1 << 22;
const f64Scratch: Float64Array[] = [];
const i32Scratch: Int32Array[] = [];

/** Scratch memory for `slot` of `pool`, n elements; a fresh array beyond SCRATCH_KEEP. */
function scratch<T extends Float64Array | Int32Array>(
  pool: T[],
  make: (n: number) => T,
  slot: number,
  n: number,
): T {
  if (n > SCRATCH_KEEP) return make(n);
  let b = pool[slot];
  if (b === undefined || b.length < n) {
    b = make(Math.min(SCRATCH_KEEP, Math.max(n, 2 * (b?.length ?? 0))));
    pool[slot] = b;
  }
  return b.subarray(0, n) as T;
}

function scratchF64(slot: number, n: number): Float64Array {
  return scratch(f64Scratch, (k) => new Float64Array(k), slot, n);
}

function scratchI32(slot: number, n: number): Int32Array {
  return scratch(i32Scratch, (k) => new Int32Array(k), slot, n);
}

// --- window sums, maxima, minima and selections ---------------------------------------

/**
 * What one pass computes per window: a sum (0 where the window has no
 * element), a max or min (`identity` there), or a selection, which also
 * carries each running winner's flat operand index from `idx` into `outIdx`
 * (-1: none) and leaves 0 as the value of an empty window.
 */
type PassOp =
  | { kind: WindowKind; identity: number }
  | { kind: "select"; greater: boolean; idx: Int32Array; outIdx: Int32Array };

/** One pass of `op` from x into y; the innermost loops run over `inner` contiguous elements. */
function windowPass(x: Float64Array, y: Float64Array, p: Pass, op: PassOp): void {
  const { outer, n, m, inner, size, tab } = p;
  y.fill(op.kind === "max" || op.kind === "min" ? op.identity : 0);
  if (op.kind === "select") op.outIdx.fill(-1);
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < m; o++) {
      const dst = (b * m + o) * inner;
      for (let k = 0; k < size; k++) {
        const i = tab[o * size + k]!;
        if (i < 0) continue;
        const src = (b * n + i) * inner;
        switch (op.kind) {
          case "sum":
            for (let j = 0; j < inner; j++) y[dst + j]! += x[src + j]!;
            break;
          case "max":
            // IEEE 754-2019 maximum, as lax.max: NaN propagates, -0 < +0.
            for (let j = 0; j < inner; j++) y[dst + j] = Math.max(y[dst + j]!, x[src + j]!);
            break;
          case "min":
            for (let j = 0; j < inner; j++) y[dst + j] = Math.min(y[dst + j]!, x[src + j]!);
            break;
          case "select": {
            const { greater, idx, outIdx } = op;
            for (let j = 0; j < inner; j++) {
              const ci = idx[src + j]!;
              if (ci < 0) continue;
              const v = x[src + j]!;
              const cur = y[dst + j]!;
              // The first candidate, then only a strictly better one or the first NaN.
              const better = greater ? v > cur : v < cur;
              if (outIdx[dst + j]! < 0 || (!Number.isNaN(cur) && (better || Number.isNaN(v)))) {
                y[dst + j] = v;
                outIdx[dst + j] = ci;
              }
            }
            break;
          }
        }
      }
    }
  }
}

/**
 * The window reduction of x (row-major, of `shape`) into `out` (the output's
 * typed array). Passes compute in float64: integer sums are exact there and
 * wrap when stored into an int32/uint32 output, float32 sums round once.
 */
export function reduceWindowInto(
  x: ArrayLike<number>,
  shape: Shape,
  windows: readonly DimWindow[],
  kind: WindowKind,
  identity: number,
  out: { set(a: ArrayLike<number>): void; length: number },
): void {
  const { passes } = plan(shape, windows);
  const op: PassOp = { kind, identity };
  let cur = scratchF64(0, x.length);
  cur.set(x);
  passes.forEach((p, k) => {
    const next = scratchF64((k + 1) % 2, p.outer * p.m * p.inner);
    windowPass(cur, next, p, op);
    cur = next;
  });
  out.set(cur);
}

/**
 * For each window of the operand, the flat index of its maximum (`greater`)
 * or minimum element, the first in row-major window order among equal ones
 * (a NaN wins, as it is both max and min); -1 for a window with no element.
 * The result is scratch memory, valid until the next kernel call.
 */
function selectIndices(
  x: ArrayLike<number>,
  shape: Shape,
  windows: readonly DimWindow[],
  greater: boolean,
): Int32Array {
  const { passes } = plan(shape, windows);
  let vals = scratchF64(0, x.length);
  vals.set(x);
  let idx = scratchI32(0, x.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  passes.forEach((p, k) => {
    const size = p.outer * p.m * p.inner;
    const bv = scratchF64((k + 1) % 2, size);
    const bi = scratchI32((k + 1) % 2, size);
    windowPass(vals, bv, p, { kind: "select", greater, idx, outIdx: bi });
    vals = bv;
    idx = bi;
  });
  return idx;
}

/** out[o] = t[selected(o)], 0 where window o has no element (select_and_gather_add). */
export function gatherSelectedInto(
  t: ArrayLike<number>,
  x: ArrayLike<number>,
  shape: Shape,
  windows: readonly DimWindow[],
  greater: boolean,
  out: { [i: number]: number; length: number },
): void {
  const indices = selectIndices(x, shape, windows, greater);
  for (let o = 0; o < indices.length; o++) {
    const i = indices[o]!;
    out[o] = i >= 0 ? t[i]! : 0;
  }
}

/** out[selected(o)] += s[o] over zeros of x's size (select_and_scatter_add), summed in float64. */
export function scatterSelectedInto(
  s: ArrayLike<number>,
  x: ArrayLike<number>,
  shape: Shape,
  windows: readonly DimWindow[],
  greater: boolean,
  out: { set(a: ArrayLike<number>): void; length: number },
): void {
  const indices = selectIndices(x, shape, windows, greater);
  const acc = scratchF64(2, out.length).fill(0);
  for (let o = 0; o < indices.length; o++) {
    const i = indices[o]!;
    if (i >= 0) acc[i]! += s[o]!;
  }
  out.set(acc);
}

for (const kind of ["sum", "max", "min"] as const) {
  registerCpuKernel<WindowParams>(`reduce_window_${kind}`, ([x], p) => {
    const aval = reduceAval(kind, x!.aval, p);
    const out = allocate(aval.dtype, aval.size);
    const windows = selectionWindows(x!.shape, p);
    reduceWindowInto(cpuData(x!), x!.shape, windows, kind, windowIdentity(kind, x!.dtype), out);
    return [cpuArray(aval, out)];
  });
}

for (const [name, into, gather] of [
  ["select_and_gather_add", gatherSelectedInto, true],
  ["select_and_scatter_add", scatterSelectedInto, false],
] as const) {
  registerCpuKernel<SelectParams>(name, ([v, x], p) => {
    const aval = selectAvals(name, [v!.aval, x!.aval], p, gather);
    const out = allocate(aval.dtype, aval.size);
    const windows = selectionWindows(x!.shape, p);
    into(cpuData(v!), cpuData(x!), x!.shape, windows, p.select_prim === "ge", out);
    return [cpuArray(aval, out)];
  });
}
