/**
 * The reference kernels of `gather` and the `scatter` family (lax/
 * gather_scatter.ts), the CPU backend's library kernels "gather",
 * "scatter", "scatter_add", "scatter_sub", "scatter_mul", "scatter_min" and
 * "scatter_max" (core/library.ts).
 *
 * Each index vector (the last dimension of the indices) picks a window of
 * the operand: its start is clamped into [0, size - window] per dimension
 * (XLA's rule) and batching dims take the index vector's batch position.
 * A gather copies the window into its output rows ("fill" mode writes the
 * fill value over a window not fully in bounds); a scatter combines the
 * update window into a copy of the operand ("clip" moves a window into
 * bounds, the other modes drop it), in index order, so a later duplicate
 * sees the earlier one's result.
 */
import type { ArrayImpl } from "../../../core/array.js";
import { registerLibraryKernel } from "../../../core/library.js";
import { allocate, castScalar, type DType, isInteger } from "../../../dtype.js";
import {
  type GatherParams,
  gatherShape,
  laxName,
  range,
  type ScatterParams,
  scatterCheck,
  scatterWindowDims,
} from "../../../lax/gather_scatter_util.js";
import { forEachRow, innerRow } from "../../../lax/shape_util.js";
import { type Shape, sizeOf, stridesOf } from "../../../shape.js";
import { cpuArray, cpuData } from "../buffer.js";

/**
 * Per index vector (the batch position `g` of the indices): the operand
 * offset of the window's start and whether the window lies fully inside.
 * Starts are clamped into [0, size - window] (XLA's rule); batching dims
 * take the batch position itself.
 */
function windowStart(
  x: ArrayImpl,
  idx: ArrayImpl,
  g: readonly number[],
  b: number,
  indexMap: readonly number[],
  window: Shape,
  operandBatching: readonly number[],
  indicesBatching: readonly number[],
  xs: readonly number[],
): { offset: number; inBounds: boolean } {
  const n = indexMap.length;
  let offset = 0;
  let inBounds = true;
  for (let k = 0; k < n; k++) {
    const d = indexMap[k]!;
    const v = Number(cpuData(idx)[b * n + k]!);
    const hi = x.shape[d]! - window[d]!;
    if (v < 0 || v > hi) inBounds = false;
    offset += Math.min(Math.max(v, 0), hi) * xs[d]!;
  }
  operandBatching.forEach((d, k) => {
    offset += g[indicesBatching[k]!]! * xs[d]!;
  });
  return { offset, inBounds };
}

/** Calls f(b, g) for each row-major position g (flat index b) of `shape`. */
function forEachIndex(shape: Shape, f: (b: number, g: readonly number[]) => void): void {
  const n = sizeOf(shape);
  const g = new globalThis.Array<number>(shape.length).fill(0);
  for (let b = 0; b < n; b++) {
    f(b, g);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++g[k]! < shape[k]!) break;
      g[k] = 0;
    }
  }
}

/** gather of `x` at the index vectors of `idx` (any mode and dimension numbers). */
export function gatherCpu(x: ArrayImpl, idx: ArrayImpl, p: GatherParams): ArrayImpl {
  const shape = gatherShape(x.aval, idx.aval, p);
  const aval = x.aval.withShape(shape);
  const dn = p.dimension_numbers;
  const out = allocate(aval.dtype, aval.size);
  const os = stridesOf(shape);
  const xs = stridesOf(x.shape);
  const windowDims = range(x.ndim).filter(
    (d) => !dn.collapsed_slice_dims.includes(d) && !dn.operand_batching_dims.includes(d),
  );
  const windowShape = windowDims.map((d) => p.slice_sizes[d]!);
  const srcStrides = windowDims.map((d) => xs[d]!);
  const dstStrides = dn.offset_dims.map((d) => os[d]!);
  const batchOut = range(shape.length).filter((d) => !dn.offset_dims.includes(d));
  const [n, ss, ds] = innerRow(windowShape, srcStrides, dstStrides);
  const fill = p.mode === "fill" ? castScalar(p.fill_value ?? 0, x.dtype) : null;
  forEachIndex(idx.shape.slice(0, -1), (b, g) => {
    const { offset, inBounds } = windowStart(
      x,
      idx,
      g,
      b,
      dn.start_index_map,
      p.slice_sizes,
      dn.operand_batching_dims,
      dn.start_indices_batching_dims,
      xs,
    );
    const dst = batchOut.reduce((o, d, j) => o + g[j]! * os[d]!, 0);
    forEachRow(windowShape, srcStrides, offset, dstStrides, dst, (s, o) => {
      for (let j = 0; j < n!; j++, s += ss!, o += ds!) {
        out[o] = fill !== null && !inBounds ? fill : cpuData(x)[s]!;
      }
    });
  });
  return cpuArray(aval, out);
}

/** How a scatter combines an operand element with an update element. */
export type Combine = (a: number, b: number) => number;

/** scatter `prim` of `u` into a copy of `x` at the index vectors of `idx`, combining with `combine`. */
export function scatterCpu(
  prim: string,
  combine: Combine,
  x: ArrayImpl,
  idx: ArrayImpl,
  u: ArrayImpl,
  p: ScatterParams,
): ArrayImpl {
  scatterCheck(laxName(prim), prim, x.aval, idx.aval, u.aval, p);
  const dn = p.dimension_numbers;
  const out = cpuData(x).slice();
  const xs = stridesOf(x.shape);
  const us = stridesOf(u.shape);
  const windowDims = scatterWindowDims(x.ndim, dn);
  const windowShape = dn.update_window_dims.map((d) => u.shape[d]!);
  // Each operand dim's window extent: the update window's size, or 1 for inserted/batching dims.
  const window = x.shape.map(() => 1);
  windowDims.forEach((d, k) => {
    window[d] = windowShape[k]!;
  });
  const dstStrides = windowDims.map((d) => xs[d]!);
  const srcStrides = dn.update_window_dims.map((d) => us[d]!);
  const scatterDims = range(u.ndim).filter((d) => !dn.update_window_dims.includes(d));
  const [n, ds, ss] = innerRow(windowShape, dstStrides, srcStrides);
  forEachIndex(idx.shape.slice(0, -1), (b, g) => {
    const { offset, inBounds } = windowStart(
      x,
      idx,
      g,
      b,
      dn.scatter_dims_to_operand_dims,
      window,
      dn.operand_batching_dims,
      dn.scatter_indices_batching_dims,
      xs,
    );
    // Only "clip" moves a window into bounds; the other modes drop it (as XLA does).
    if (!inBounds && p.mode !== "clip") return;
    const src = scatterDims.reduce((o, d, j) => o + g[j]! * us[d]!, 0);
    forEachRow(windowShape, dstStrides, offset, srcStrides, src, (o, s) => {
      for (let j = 0; j < n!; j++, o += ds!, s += ss!) out[o] = combine(out[o]!, cpuData(u)[s]!);
    });
  });
  return cpuArray(x.aval, out);
}

// XLA's min and max propagate NaN.
const minK: Combine = (a, b) => (a < b || Number.isNaN(a) ? a : b);
const maxK: Combine = (a, b) => (a > b || Number.isNaN(a) ? a : b);
const intDtype = isInteger;

/** Each scatter primitive's combination, by operand dtype. */
const COMBINE: Readonly<Record<string, (dtype: DType) => Combine>> = {
  scatter: () => (_, b) => b,
  scatter_add: () => (a, b) => a + b,
  scatter_sub: () => (a, b) => a - b,
  // Integer products wrap modulo 2^32, as XLA's do; doubles would lose the low bits.
  scatter_mul: (d) => (intDtype(d) ? (a, b) => Math.imul(a, b) : (a, b) => a * b),
  scatter_min: () => minK,
  scatter_max: () => maxK,
};

registerLibraryKernel<GatherParams>("cpu", "gather", {
  match: () => true,
  run: ([x, idx], p) => [gatherCpu(x!, idx!, p)],
});

for (const [name, combine] of Object.entries(COMBINE)) {
  registerLibraryKernel<ScatterParams>("cpu", name, {
    match: () => true,
    run: ([x, idx, u], p) => [scatterCpu(name, combine(x!.dtype), x!, idx!, u!, p)],
  });
}
