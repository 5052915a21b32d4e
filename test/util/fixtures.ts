/**
 * Reading the JSON fixtures that test/fixtures/*.py write with NumPy, and
 * comparing results with the arrays in them.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Array, ArrayImpl } from "../../src/core/array.js";
import { type DType, isFloating } from "../../src/dtype.js";
import { arr, decodeNumber, type Num, vals } from "./arrays.js";

/** test/fixtures/<name>, parsed. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")) as T;
}

/** An array as the fixture scripts write it (non-finite floats as strings, NaN maybe null). */
export interface FxArray {
  shape: number[];
  dtype: DType;
  data: Num[];
}

export function fromFixture(f: FxArray): ArrayImpl {
  return arr(f.data, f.shape, f.dtype);
}

/**
 * Shape, dtype and values: exact for integers and bools; floats within rtol
 * (default by dtype) of each value plus a small absolute part scaled by the
 * largest expected magnitude (sums near zero after cancellation).
 */
export function expectMatches(actual: Array, expected: FxArray, rtol?: number): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  const a = vals(actual);
  const e = expected.data.map(decodeNumber);
  const r =
    rtol ?? (expected.dtype === "float32" ? 1e-6 : expected.dtype === "float64" ? 1e-12 : 0);
  const scale = Math.max(0, ...e.filter(Number.isFinite).map(Math.abs));
  const floating = isFloating(expected.dtype);
  const bad = e.findIndex((ev, i) => {
    const av = a[i]!;
    if (Number.isNaN(ev) || Number.isNaN(av)) return !(Number.isNaN(ev) && Number.isNaN(av));
    if (!floating || !Number.isFinite(ev)) return av !== ev;
    return !(Math.abs(av - ev) <= r * (Math.abs(ev) + scale * 1e-3));
  });
  if (bad >= 0) {
    expect.fail(
      `element ${bad}: got ${a[bad]}, expected ${e[bad]} (got [${a.join(", ")}], expected [${e.join(", ")}])`,
    );
  }
}
