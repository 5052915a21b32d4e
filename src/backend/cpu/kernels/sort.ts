/**
 * The reference kernels of `sort` and `top_k` (lax/sort.ts), the CPU
 * backend's library kernels "sort" and "top_k" (core/library.ts).
 *
 * Both order by JAX's total order: NaNs after +inf, -0.0 equal to 0.0,
 * integers and bools numerically. Each lane along the sorted axis gets a
 * permutation sorted with ties broken by position, so both kernels are
 * stable whatever the engine's sort is: equal keys keep their order, and
 * top_k puts the lower index first among equal values.
 */
import type { ArrayImpl } from "../../../core/array.js";
import { registerLibraryKernel } from "../../../core/library.js";
import { allocate } from "../../../dtype.js";
import {
  type SortParams,
  sortAbstractEval,
  type TopKParams,
  topKAbstractEval,
} from "../../../lax/sort.js";
import { type Shape, sizeOf } from "../../../shape.js";
import { cpuArray, cpuData } from "../buffer.js";

/** JAX's total order on values: NaN last, -0.0 equal to 0.0; integers and bools numerically. */
function compareTotal(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  return xn === yn ? 0 : xn ? 1 : -1;
}

/** outer × n × inner: the layout of an array around one axis. */
function aroundAxis(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/**
 * For every lane along `axis` (outer × inner of them), the stable permutation
 * that orders it by `compare(i, j)` on lane positions, given the lane's base
 * offset and stride. Calls `emit(base, perm)` for each lane.
 */
function forEachLanePerm(
  shape: Shape,
  axis: number,
  compare: (base: number, stride: number) => (i: number, j: number) => number,
  emit: (base: number, stride: number, perm: Uint32Array) => void,
): void {
  const [outer, n, inner] = aroundAxis(shape, axis);
  const perm = new Uint32Array(n);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      for (let t = 0; t < n; t++) perm[t] = t;
      const cmp = compare(base, inner);
      // Ties fall back on the position: stable whatever the engine's sort is.
      perm.sort((p, q) => cmp(p, q) || p - q);
      emit(base, inner, perm);
    }
  }
}

/** Sorts the operands together along `dimension` by the first `num_keys` (lexicographic). */
export function sortCpu(args: readonly ArrayImpl[], params: SortParams): ArrayImpl[] {
  const avals = sortAbstractEval(
    args.map((a) => a.aval),
    params,
  );
  const keys = args.slice(0, params.num_keys).map((a) => cpuData(a));
  const outs = args.map((a) => allocate(a.dtype, a.size));
  forEachLanePerm(
    avals[0]!.shape,
    params.dimension,
    (base, stride) => {
      const k0 = keys[0]!;
      // One key (the common case) skips the loop over keys.
      if (keys.length === 1)
        return (i, j) => compareTotal(k0[base + i * stride]!, k0[base + j * stride]!);
      return (i, j) => {
        for (const key of keys) {
          const c = compareTotal(key[base + i * stride]!, key[base + j * stride]!);
          if (c !== 0) return c;
        }
        return 0;
      };
    },
    (base, stride, perm) => {
      args.forEach((a, k) => {
        const src = cpuData(a);
        const dst = outs[k]!;
        for (let t = 0; t < perm.length; t++)
          dst[base + t * stride] = src[base + perm[t]! * stride]!;
      });
    },
  );
  return avals.map((aval, k) => cpuArray(aval, outs[k]!));
}

/** The `k` largest entries along the last axis, largest first, and their int32 indices. */
export function topKCpu(x: ArrayImpl, params: TopKParams): ArrayImpl[] {
  const [valAval, idxAval] = topKAbstractEval([x.aval], params);
  const { k } = params;
  const data = cpuData(x);
  const values = allocate(valAval!.dtype, valAval!.size);
  const indices = new Int32Array(idxAval!.size);
  let row = 0;
  forEachLanePerm(
    x.shape,
    x.ndim - 1,
    // Descending in the total order: NaN first, then +inf ...; ties keep the lower index first.
    (base) => (i, j) => compareTotal(data[base + j]!, data[base + i]!),
    (base, _stride, perm) => {
      for (let t = 0; t < k; t++) {
        values[row * k + t] = data[base + perm[t]!]!;
        indices[row * k + t] = perm[t]!;
      }
      row++;
    },
  );
  return [cpuArray(valAval!, values), cpuArray(idxAval!, indices)];
}

registerLibraryKernel<SortParams>("cpu", "sort", { match: () => true, run: sortCpu });
registerLibraryKernel<TopKParams>("cpu", "top_k", {
  match: () => true,
  run: ([x], params) => topKCpu(x!, params),
});
