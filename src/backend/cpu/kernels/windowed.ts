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
import { registerLibraryKernel } from "../../../core/library.js";
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

function scratchF64(slot: number, n: number): Float64Array {
  if (n > SCRATCH_KEEP) return new Float64Array(n);
  let b = f64Scratch[slot];
  if (b === undefined || b.length < n) {
    b = new Float64Array(Math.min(SCRATCH_KEEP, Math.max(n, 2 * (b?.length ?? 0))));
    f64Scratch[slot] = b;
  }
  return b.subarray(0, n);
}

function scratchI32(slot: number, n: number): Int32Array {
  if (n > SCRATCH_KEEP) return new Int32Array(n);
  let b = i32Scratch[slot];
  if (b === undefined || b.length < n) {
    b = new Int32Array(Math.min(SCRATCH_KEEP, Math.max(n, 2 * (b?.length ?? 0))));
    i32Scratch[slot] = b;
  }
  return b.subarray(0, n);
}

// --- window sums, maxima and minima ---------------------------------------------------

/** One pass of a window sum into y; windows with no element get 0. */
function sumPass(x: Float64Array, y: Float64Array, p: Pass): void {
  const { outer, n, m, inner, size, tab } = p;
  y.fill(0);
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < m; o++) {
      const dst = (b * m + o) * inner;
      for (let k = 0; k < size; k++) {
        const i = tab[o * size + k]!;
        if (i < 0) continue;
        const src = (b * n + i) * inner;
        for (let j = 0; j < inner; j++) y[dst + j]! += x[src + j]!;
      }
    }
  }
}

/** One pass of a window max into y; windows with no element get `identity`. */
function maxPass(x: Float64Array, y: Float64Array, p: Pass, identity: number): void {
  const { outer, n, m, inner, size, tab } = p;
  y.fill(identity);
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < m; o++) {
      const dst = (b * m + o) * inner;
      for (let k = 0; k < size; k++) {
        const i = tab[o * size + k]!;
        if (i < 0) continue;
        const src = (b * n + i) * inner;
        for (let j = 0; j < inner; j++) {
          // IEEE 754-2019 maximum, as lax.max: NaN propagates, -0 < +0.
          y[dst + j] = Math.max(y[dst + j]!, x[src + j]!);
        }
      }
    }
  }
}

/** One pass of a window min into y (maxPass with the comparison reversed). */
function minPass(x: Float64Array, y: Float64Array, p: Pass, identity: number): void {
  const { outer, n, m, inner, size, tab } = p;
  y.fill(identity);
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < m; o++) {
      const dst = (b * m + o) * inner;
      for (let k = 0; k < size; k++) {
        const i = tab[o * size + k]!;
        if (i < 0) continue;
        const src = (b * n + i) * inner;
        for (let j = 0; j < inner; j++) {
          y[dst + j] = Math.min(y[dst + j]!, x[src + j]!);
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
  let cur = scratchF64(0, x.length);
  cur.set(x);
  passes.forEach((p, k) => {
    const next = scratchF64((k + 1) % 2, p.outer * p.m * p.inner);
    if (kind === "sum") sumPass(cur, next, p);
    else if (kind === "max") maxPass(cur, next, p, identity);
    else minPass(cur, next, p, identity);
    cur = next;
  });
  out.set(cur);
}

// --- selections -----------------------------------------------------------------------

/** One pass of a selection: the running winners' values and flat operand indices (-1: none). */
function selectPass(
  vals: Float64Array,
  idx: Int32Array,
  bv: Float64Array,
  bi: Int32Array,
  p: Pass,
  greater: boolean,
): void {
  const { outer, n, m, inner, size, tab } = p;
  bv.fill(0);
  bi.fill(-1);
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < m; o++) {
      const dst = (b * m + o) * inner;
      for (let k = 0; k < size; k++) {
        const i = tab[o * size + k]!;
        if (i < 0) continue;
        const src = (b * n + i) * inner;
        for (let j = 0; j < inner; j++) {
          const ci = idx[src + j]!;
          if (ci < 0) continue;
          const v = vals[src + j]!;
          const cur = bv[dst + j]!;
          // The first candidate, then only a strictly better one or the first NaN.
          const better = greater ? v > cur : v < cur;
          if (bi[dst + j]! < 0 || (!Number.isNaN(cur) && (better || Number.isNaN(v)))) {
            bv[dst + j] = v;
            bi[dst + j] = ci;
          }
        }
      }
    }
  }
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
    selectPass(vals, idx, bv, bi, p, greater);
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
  registerLibraryKernel<WindowParams>("cpu", `reduce_window_${kind}`, {
    match: () => true,
    run: ([x], p) => {
      const aval = reduceAval(kind, x!.aval, p);
      const out = allocate(aval.dtype, aval.size);
      const windows = selectionWindows(x!.shape, p);
      reduceWindowInto(cpuData(x!), x!.shape, windows, kind, windowIdentity(kind, x!.dtype), out);
      return [cpuArray(aval, out)];
    },
  });
}

registerLibraryKernel<SelectParams>("cpu", "select_and_gather_add", {
  match: () => true,
  run: ([t, x], p) => {
    const aval = selectAvals("select_and_gather_add", [t!.aval, x!.aval], p, true);
    const out = allocate(aval.dtype, aval.size);
    const windows = selectionWindows(x!.shape, p);
    gatherSelectedInto(cpuData(t!), cpuData(x!), x!.shape, windows, p.select_prim === "ge", out);
    return [cpuArray(aval, out)];
  },
});

registerLibraryKernel<SelectParams>("cpu", "select_and_scatter_add", {
  match: () => true,
  run: ([s, x], p) => {
    const aval = selectAvals("select_and_scatter_add", [s!.aval, x!.aval], p, false);
    const out = allocate(aval.dtype, aval.size);
    const windows = selectionWindows(x!.shape, p);
    scatterSelectedInto(cpuData(s!), cpuData(x!), x!.shape, windows, p.select_prim === "ge", out);
    return [cpuArray(aval, out)];
  },
});
