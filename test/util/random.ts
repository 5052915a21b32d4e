/** Deterministic random test data (fast-check supplies the seeds). */
import { ArrayImpl } from "../../src/core/array.js";
import { allocate, type DType } from "../../src/dtype.js";
import { xorshift32 } from "../../src/test_util.js";
import { arr } from "./arrays.js";

/** Uniform numbers in [0, 1) from a seed (xorshift32, the generator of testUtil.checkGrads). */
export const rng = xorshift32;

/** Uniform values in [lo, hi) (integers floored, bools by an extra coin flip). */
export function randomArray(
  shape: readonly number[],
  dtype: DType,
  next: () => number,
  lo = -2,
  hi = 2,
): ArrayImpl {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * next();
    data[i] =
      dtype === "bool" ? (next() > 0.5 ? 1 : 0) : dtype.startsWith("float") ? v : Math.floor(v);
  }
  return ArrayImpl.fromData(data, [...shape]);
}

/** Distinct values (a shuffled grid), so that orders and extremes have no ties. */
export function distinctArray(shape: readonly number[], dtype: DType, next: () => number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = globalThis.Array.from({ length: n }, (_, i) => i * 0.375 - n * 0.1875);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return arr(v, shape, dtype);
}

/** An array from a seed: floats in [-2, 2), integers in [-10, 10], bools by a coin flip. */
export function seeded(
  shape: readonly number[],
  seed: number,
  dtype: DType = "float32",
): ArrayImpl {
  const next = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const u = next();
    out[i] =
      dtype === "int32" ? Math.floor(u * 21) - 10 : dtype === "bool" ? +(u < 0.5) : u * 4 - 2;
  }
  return ArrayImpl.fromData(out, shape);
}
