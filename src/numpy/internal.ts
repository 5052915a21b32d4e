/**
 * Small helpers shared by the jnp modules (reductions, products,
 * manipulation...). Not re-exported: nothing here is part of the jnp API.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import { allocateValues, canonicalize, castScalar, type DType } from "../dtype.js";
import * as lax from "../lax/index.js";
import type { Shape } from "../shape.js";

/** [start, start + 1, ..., stop - 1]. */
export function range(start: number, stop: number): number[] {
  return globalThis.Array.from({ length: Math.max(0, stop - start) }, (_, i) => start + i);
}

/** An array of `shape` filled with the scalar `v`, in `dtype`. */
export function filled(shape: Shape, v: ArrayLike, dtype: DType): Array {
  return lax.broadcastInDim(lax.convertElementType(v, dtype), shape, []);
}

/** A 1-D array of JS numbers: a constant (under tracing too), built without any operation. */
export function constList(values: readonly number[], dtype: DType): Array {
  const d = canonicalize(dtype);
  const data = allocateValues(d, values.length);
  values.forEach((v, i) => {
    data[i] = castScalar(v, d);
  });
  return ArrayImpl.fromData(data, [values.length], false, d);
}

/** Puts size-1 dims back at the reduced `axes` of an array reduced from `shape`. */
export function keepDims(result: Array, shape: Shape, axes: readonly number[]): Array {
  return lax.reshape(
    result,
    shape.map((d, i) => (axes.includes(i) ? 1 : d)),
  );
}
