/**
 * Fixture arrays for the shape and slicing tests (written by
 * test/fixtures/shape_ops.py and slicing.py from NumPy): decoding and
 * comparison. NaN is written as null (JSON has no literal for it).
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { type Array, ArrayImpl } from "../../src/core/array.js";
import { allocate, type DType } from "../../src/dtype.js";

export interface FxArray {
  shape: number[];
  dtype: DType;
  data: (number | boolean | null)[];
}

export function loadFixtures<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")) as T;
}

export function fromFixture(f: FxArray): ArrayImpl {
  const data = allocate(f.dtype, f.data.length);
  data.set(f.data.map((v) => (v === null ? Number.NaN : Number(v))));
  return ArrayImpl.fromData(data, f.shape);
}

export function values(x: Array): number[] {
  expect(x).toBeInstanceOf(ArrayImpl);
  return [...(x as ArrayImpl).values];
}

/**
 * Shape, dtype and values: exact for integers and bools; floats within
 * `rtol` relative to the largest expected magnitude (accumulated updates).
 */
export function expectMatches(actual: Array, expected: FxArray, rtol = 1e-6): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  const a = values(actual);
  const e = fromFixture(expected).values;
  const floating = expected.dtype === "float32" || expected.dtype === "float64";
  const scale = Math.max(1, ...[...e].filter(Number.isFinite).map(Math.abs));
  a.forEach((v, i) => {
    const w = e[i]!;
    const ok = Number.isNaN(w)
      ? Number.isNaN(v)
      : floating
        ? Math.abs(v - w) <= rtol * scale
        : v === w;
    if (!ok) expect.fail(`element ${i}: got ${v}, expected ${w} (values ${a.join(", ")})`);
  });
}

/** Exact equality of shape, dtype and values (NaN equal to NaN), e.g. jit against eager. */
export function expectSame(actual: Array, expected: Array): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  expect(values(actual)).toEqual(values(expected));
}
