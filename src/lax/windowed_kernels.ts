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
 */
import type { Shape } from "../shape.js";
import { sizeOf } from "../shape.js";

/** The window of one dimension, as the primitives' params give it. */
export interface DimWindow {
  size: number;
  stride: number;
  lo: number;
  hi: number;
  baseDilation: number;
  windowDilation: number;
}

export type WindowKind = "sum" | "max" | "min";

/** A dimension whose window leaves the operand unchanged needs no pass. */
function trivial(w: DimWindow): boolean {
  return (
    w.size === 1 && w.stride === 1 && w.lo === 0 && w.hi === 0 && w.baseDilation === 1
    // window dilation does not matter for a window of one element
  );
}

/** JAX's _dilate_shape for one dimension: n elements with dilation - 1 holes between them. */
export function dilateDim(n: number, dilation: number): number {
  return n === 0 ? 0 : 1 + dilation * (n - 1);
}

/** The number of windows along one dimension of size n (XLA's strided bound: 0 if none fits). */
export function windowCount(n: number, w: DimWindow): number {
  const padded = dilateDim(n, w.baseDilation) + w.lo + w.hi;
  const span = dilateDim(w.size, w.windowDilation);
  return padded < span ? 0 : Math.floor((padded - span) / w.stride) + 1;
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

/** One pass of a sum, max or min window reduction; windows with no element get `identity`. */
function reducePass(x: Float64Array, p: Pass, kind: WindowKind, identity: number): Float64Array {
  const { outer, n, m, inner, size, tab } = p;
  const y = new Float64Array(outer * m * inner).fill(identity);
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < m; o++) {
      const dst = (b * m + o) * inner;
      for (let k = 0; k < size; k++) {
        const i = tab[o * size + k]!;
        if (i < 0) continue;
        const src = (b * n + i) * inner;
        if (kind === "sum") {
          for (let j = 0; j < inner; j++) y[dst + j]! += x[src + j]!;
        } else if (kind === "max") {
          // NaN propagates, as lax.max does.
          for (let j = 0; j < inner; j++) {
            const v = x[src + j]!;
            if (v > y[dst + j]! || Number.isNaN(v)) y[dst + j] = v;
          }
        } else {
          for (let j = 0; j < inner; j++) {
            const v = x[src + j]!;
            if (v < y[dst + j]! || Number.isNaN(v)) y[dst + j] = v;
          }
        }
      }
    }
  }
  return y;
}

/**
 * The window reduction of x (row-major, of `shape`) in float64; integer sums
 * are exact here and wrap when stored into the output's typed array.
 */
export function reduceWindowKernel(
  x: ArrayLike<number>,
  shape: Shape,
  windows: readonly DimWindow[],
  kind: WindowKind,
  identity: number,
): { values: Float64Array; shape: number[] } {
  const { passes, out } = plan(shape, windows);
  let cur: Float64Array = Float64Array.from(x);
  for (const p of passes) cur = reducePass(cur, p, kind, identity);
  return { values: cur, shape: out };
}

/** One pass of a selection: the running winners' values and flat operand indices (-1: none). */
function selectPass(
  vals: Float64Array,
  idx: Int32Array,
  p: Pass,
  greater: boolean,
): [Float64Array, Int32Array] {
  const { outer, n, m, inner, size, tab } = p;
  const bv = new Float64Array(outer * m * inner);
  const bi = new Int32Array(outer * m * inner).fill(-1);
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
  return [bv, bi];
}

/**
 * For each window of the operand, the flat index of its maximum (`greater`)
 * or minimum element, the first in row-major window order among equal ones
 * (a NaN wins, as it is both max and min); -1 for a window with no element.
 */
export function selectIndices(
  x: ArrayLike<number>,
  shape: Shape,
  windows: readonly DimWindow[],
  greater: boolean,
): { indices: Int32Array; shape: number[] } {
  const { passes, out } = plan(shape, windows);
  let vals: Float64Array = Float64Array.from(x);
  let idx: Int32Array = new Int32Array(vals.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  for (const p of passes) [vals, idx] = selectPass(vals, idx, p, greater);
  return { indices: idx, shape: out };
}

/** out[o] = t[indices[o]] (0 where a window had no element). */
export function gatherAt(t: ArrayLike<number>, indices: Int32Array): Float64Array {
  const out = new Float64Array(indices.length);
  for (let o = 0; o < indices.length; o++) {
    const i = indices[o]!;
    if (i >= 0) out[o] = t[i]!;
  }
  return out;
}

/** out[indices[o]] += s[o] into `size` zeros. */
export function scatterAddAt(
  s: ArrayLike<number>,
  indices: Int32Array,
  size: number,
): Float64Array {
  const out = new Float64Array(size);
  for (let o = 0; o < indices.length; o++) {
    const i = indices[o]!;
    if (i >= 0) out[i]! += s[o]!;
  }
  return out;
}
