/**
 * Literal arrays for tests and their values as JS numbers. Fixture scripts
 * write non-finite floats as strings ("nan", "inf", "-inf") or NaN as null,
 * and bools as JSON booleans: `decodeNumber` reads all of these.
 */

import { withX64 } from "../../src/config.js";
import { type Array, ArrayImpl, hostValues } from "../../src/core/array.js";
import { allocate, type DType } from "../../src/dtype.js";

/** A number as fixtures and literals write it. */
export type Num = number | string | boolean | null;

export function decodeNumber(v: Num): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === null || v === "nan") return Number.NaN;
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** An array of `dtype` (default float32) holding `values` in `shape` (default 1-D). */
export function arr(
  values: readonly Num[],
  shape: readonly number[] = [values.length],
  dtype: DType = "float32",
): ArrayImpl {
  const data = allocate(dtype, values.length);
  values.forEach((v, i) => {
    data[i] = decodeNumber(v);
  });
  return ArrayImpl.fromData(data, [...shape]);
}

export const f32 = (values: readonly Num[], shape?: readonly number[]) =>
  arr(values, shape, "float32");
export const f64 = (values: readonly Num[], shape?: readonly number[]) =>
  arr(values, shape, "float64");
export const i32 = (values: readonly Num[], shape?: readonly number[]) =>
  arr(values, shape, "int32");
export const u32 = (values: readonly Num[], shape?: readonly number[]) =>
  arr(values, shape, "uint32");
export const b8 = (values: readonly Num[], shape?: readonly number[]) => arr(values, shape, "bool");

/** 0, 1, 2, ... in `shape`. */
export function arange(shape: readonly number[], dtype: DType = "float32"): ArrayImpl {
  const n = shape.reduce((p, q) => p * q, 1);
  return arr(
    globalThis.Array.from({ length: n }, (_, i) => i),
    shape,
    dtype,
  );
}

/** The elements of a concrete array (row-major) as JS numbers; (nested) number lists are flattened. */
export function vals(x: unknown): number[] {
  if (globalThis.Array.isArray(x)) return x.flat(Number.POSITIVE_INFINITY).map(Number);
  if (x instanceof ArrayImpl) return globalThis.Array.from(hostValues(x), Number);
  if (typeof x === "object" && x !== null && "dataSync" in x) {
    return globalThis.Array.from((x as Array).dataSync(), Number);
  }
  throw new TypeError(`vals: expected a concrete array or a list of numbers, got ${String(x)}`);
}

/** Example i of x along `axis`. */
export function take(x: Array, axis: number, i: number): ArrayImpl {
  const a = x as ArrayImpl;
  const shape = [...a.shape];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const n = shape[axis]!;
  const out = allocate(a.dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) out[o * inner + k] = hostValues(a)[(o * n + i) * inner + k]!;
  }
  shape.splice(axis, 1);
  return ArrayImpl.fromData(out, shape);
}

/** Stacks equal-shaped arrays along a new `axis`. */
export function stack(xs: Array[], axis: number): ArrayImpl {
  const first = xs[0] as ArrayImpl;
  const shape = [...first.shape];
  const inner = shape.slice(axis).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const n = xs.length;
  const out = allocate(first.dtype, outer * n * inner);
  xs.forEach((x, i) => {
    const d = hostValues(x as ArrayImpl);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) out[(o * n + i) * inner + k] = d[o * inner + k]!;
    }
  });
  shape.splice(axis, 0, n);
  return ArrayImpl.fromData(out, shape);
}

/** Runs f with x64 enabled when `dtype` is float64 (so float64 arrays can be made and kept). */
export const inDtype = <T>(dtype: DType, f: () => T): T => (dtype === "float64" ? withX64(f) : f());
