/** `jnp`: the NumPy API, built only on lax. Importing it installs the Array methods. */
import "./methods.js";

export type { DType } from "../dtype.js";
export {
  bfloat16,
  bool_,
  complex64,
  complex128,
  float16,
  float32,
  float64,
  int8,
  int16,
  int32,
  int64,
  uint8,
  uint16,
  uint32,
  uint64,
} from "../dtype.js";
export * from "./array_extra.js";
export * from "./complex.js";
export * from "./convolve.js";
export * from "./creation.js";
export * from "./dtype_extra.js";
export * from "./dtypes.js";
export * as fft from "./fft.js";
export * from "./functional.js";
export * from "./histogramdd.js";
export * from "./index_tricks.js";
export { at, getItem, type Index, IndexUpdateRef } from "./indexing.js";
export * as linalg from "./linalg.js";
export * from "./manipulation.js";
export * from "./math_extra.js";
export * from "./nanfunctions.js";
export * from "./polynomial.js";
export * from "./products.js";
export * from "./reductions.js";
export * from "./setops.js";
export * from "./statistics.js";
export * from "./ufuncs.js";
export { broadcastTo, resultType } from "./util.js";

export const pi = Math.PI;
export const e = Math.E;
export const inf = Number.POSITIVE_INFINITY;
export const nan = Number.NaN;
export const eulerGamma = 0.5772156649015329;
/** `jnp.newaxis` is `None` in NumPy: `x.get(jnp.newaxis)`. */
export const newaxis = null;
