/**
 * The eager kernels of the reductions (lax/reductions.ts), the CPU backend's
 * library kernels named as the primitives: reduce_sum, reduce_prod,
 * reduce_max, reduce_min, reduce_and, reduce_or, reduce_xor (which compile
 * as reductions and run here only eagerly), argmax and argmin.
 *
 * Kernels accumulate in float64: float32 sums and products are computed
 * exactly enough and rounded once. Integer sums and products wrap around
 * modulo 2^32, as XLA's do.
 */
import type { ArrayImpl } from "../../../core/array.js";
import type { ShapedArray } from "../../../core/aval.js";
import { registerLibraryKernel } from "../../../core/library.js";
import { allocate, type DType, isBool, isFloating, type TypedArray } from "../../../dtype.js";
import { reduceIdentity } from "../../../ir/eval.js";
import {
  type ArgMinMaxParams,
  argMinMaxAval,
  aroundAxis,
  REDUCTIONS,
  type ReduceParams,
  reductionAval,
} from "../../../lax/reductions.js";
import { type Shape, stridesOf } from "../../../shape.js";
import { cpuArray, cpuData } from "../buffer.js";

/**
 * Merges adjacent dims that are both reduced or both kept (and drops size-1
 * dims), so a reduction runs over as few, as long, contiguous rows as possible.
 * Returns the input shape and, per dim, its stride in the output (0: reduced).
 */
function coalesce(shape: Shape, axes: readonly number[]): { dims: number[]; ostrides: number[] } {
  const outStrides = stridesOf(shape.filter((_, i) => !axes.includes(i)));
  const dims: number[] = [];
  const ostrides: number[] = [];
  let k = 0;
  shape.forEach((d, i) => {
    const s = axes.includes(i) ? 0 : outStrides[k++]!;
    if (d === 1) return;
    const last = dims.length - 1;
    // Kept dims merge when the outer one's stride is the inner one's extent.
    if (last >= 0 && (s === 0 ? ostrides[last] === 0 : ostrides[last] === s * d)) {
      dims[last]! *= d;
      ostrides[last] = s;
    } else {
      dims.push(d);
      ostrides.push(s);
    }
  });
  return { dims, ostrides };
}

/** A kernel over one row: x[xi .. xi+n) folds into acc[oi + j*s]. */
type RowKernel = (
  x: TypedArray,
  xi: number,
  acc: Float64Array,
  oi: number,
  n: number,
  s: number,
) => void;

/** Calls `row` for each innermost row of x, with the output offset of its first element. */
function forEachRow(
  dims: number[],
  ostrides: number[],
  total: number,
  row: (xi: number, oi: number) => void,
): void {
  const nd = dims.length;
  const n = nd === 0 ? 1 : dims[nd - 1]!;
  const idx = new Int32Array(nd);
  let oi = 0;
  for (let xi = 0; xi < total; xi += n) {
    row(xi, oi);
    for (let d = nd - 2; d >= 0; d--) {
      oi += ostrides[d]!;
      if (++idx[d]! < dims[d]!) break;
      oi -= ostrides[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
}

// Row kernels. Integer kernels work for int32 and uint32 alike: `|0` and
// Math.imul are arithmetic modulo 2^32, and storing into the output typed
// array reinterprets the bits. Max/min are IEEE 754-2019 maximum/minimum
// (Math.max/Math.min, WebAssembly's f32.max): NaN propagates and -0 < +0, so
// the result does not depend on the order of the elements (the compiled
// kernels fold vector lanes in another order and agree).
const sumF: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s]! += x[xi + j]!;
};
const sumI: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = (acc[oi + j * s]! + x[xi + j]!) | 0;
};
const prodF: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s]! *= x[xi + j]!;
};
const prodI: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = Math.imul(acc[oi + j * s]!, x[xi + j]!);
};
const maxK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = Math.max(acc[oi + j * s]!, x[xi + j]!);
};
const minK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = Math.min(acc[oi + j * s]!, x[xi + j]!);
};
const andK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = acc[oi + j * s]! & x[xi + j]!;
};
const orK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = acc[oi + j * s]! | x[xi + j]!;
};
const xorK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = acc[oi + j * s]! ^ x[xi + j]!;
};

/** A reduction's row kernel for a dtype, and the value its accumulators start from. */
interface Reducer {
  kernel: (dtype: DType) => RowKernel;
  identity: (dtype: DType) => number;
}

const MAX_IDENTITY = (d: DType): number => reduceIdentity("max", d);
const MIN_IDENTITY = (d: DType): number => reduceIdentity("min", d);

const REDUCERS: Record<string, Reducer> = {
  reduce_sum: { kernel: (d) => (isFloating(d) ? sumF : sumI), identity: () => 0 },
  reduce_prod: {
    kernel: (d) => (isFloating(d) ? prodF : prodI),
    identity: () => 1,
  },
  reduce_max: { kernel: () => maxK, identity: MAX_IDENTITY },
  reduce_min: { kernel: () => minK, identity: MIN_IDENTITY },
  // All bits set; bool's "all set" is 1 (Uint8Array would keep 255 of -1).
  reduce_and: { kernel: () => andK, identity: (d) => (isBool(d) ? 1 : -1) },
  reduce_or: { kernel: () => orK, identity: () => 0 },
  reduce_xor: { kernel: () => xorK, identity: () => 0 },
};

/** The reduction `r` of x over `axes` into `aval` (accumulated in float64, rounded once). */
function reduceCpu(
  r: Reducer,
  x: ArrayImpl,
  axes: readonly number[],
  aval: ShapedArray,
): ArrayImpl {
  const acc = new Float64Array(aval.size).fill(r.identity(x.dtype));
  const { dims, ostrides } = coalesce(x.shape, axes);
  const kernel = r.kernel(x.dtype);
  const n = dims.length === 0 ? 1 : dims[dims.length - 1]!;
  const s = dims.length === 0 ? 0 : ostrides[dims.length - 1]!;
  forEachRow(dims, ostrides, x.size, (xi, oi) => kernel(cpuData(x), xi, acc, oi, n, s));
  const out = allocate(aval.dtype, acc.length);
  out.set(acc);
  return cpuArray(aval, out);
}

/** The index of the first extreme along the axis; the first NaN wins (it is both the max and the min, as in JAX and NumPy). */
function argMinMaxCpu(
  name: "argmax" | "argmin",
  better: (v: number, b: number) => boolean,
  x: ArrayImpl,
  params: ArgMinMaxParams,
): ArrayImpl {
  const aval = argMinMaxAval(name, x.aval, params);
  const [outer, n, inner] = aroundAxis(x.shape, params.axes[0]!);
  const data = cpuData(x);
  const best = new Float64Array(outer * inner);
  const idx = allocate(aval.dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let j = 0; j < inner; j++) best[o * inner + j] = data[base + j]!;
    for (let k = 1; k < n; k++) {
      const row = base + k * inner;
      for (let j = 0; j < inner; j++) {
        const v = data[row + j]!;
        const b = best[o * inner + j]!;
        // The first NaN wins (NaN is both the max and the min, as in JAX and NumPy).
        if (!Number.isNaN(b) && (better(v, b) || Number.isNaN(v))) {
          best[o * inner + j] = v;
          idx[o * inner + j] = k;
        }
      }
    }
  }
  return cpuArray(aval, idx);
}

for (const name of REDUCTIONS) {
  const r = REDUCERS[name]!;
  registerLibraryKernel<ReduceParams>("cpu", name, {
    match: () => true,
    run: ([x], { axes }) => [reduceCpu(r, x!, axes, reductionAval(name, x!.aval, axes))],
  });
}
const BETTER = {
  argmax: (v: number, b: number) => v > b,
  argmin: (v: number, b: number) => v < b,
};
for (const name of ["argmax", "argmin"] as const) {
  const better = BETTER[name];
  registerLibraryKernel<ArgMinMaxParams>("cpu", name, {
    match: () => true,
    run: ([x], params) => [argMinMaxCpu(name, better, x!, params)],
  });
}
