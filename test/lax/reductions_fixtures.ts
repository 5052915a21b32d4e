/**
 * Loading test/fixtures/reductions.json (written by reductions.py from NumPy)
 * and comparing results with it; shared by the reductions, dot and sort tests.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { type Array, ArrayImpl } from "../../src/core/array.js";
import { allocate, type DType, isFloating } from "../../src/dtype.js";

/** An array as the fixture script writes it: non-finite floats are strings. */
export interface FxArray {
  shape: number[];
  dtype: DType;
  data: (number | string | boolean)[];
}

export interface Fixtures {
  reductions: { op: string; axes: number[]; x: FxArray; out: FxArray }[];
  argminmax: { name: string; axis: number; x: FxArray; argmax: FxArray; argmin: FxArray }[];
  cumulative: { op: string; axis: number; reverse: boolean; x: FxArray; out: FxArray }[];
  dot: {
    lhs: FxArray;
    rhs: FxArray;
    dn: [[number[], number[]], [number[], number[]]];
    spec: string;
    out: FxArray;
  }[];
  sort: { name: string; dimension: number; x: FxArray; sorted: FxArray; argsort: FxArray }[];
  multikey: { k1: FxArray; k2: FxArray; v: FxArray; order: FxArray };
  topk: { x: FxArray; k: number; values: FxArray; indices: FxArray }[];
}

export const fixtures: Fixtures = JSON.parse(
  readFileSync(new URL("../fixtures/reductions.json", import.meta.url), "utf8"),
);

export function decodeValue(v: number | string | boolean): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === "nan") return Number.NaN;
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return v as number;
}

export function values(f: FxArray): number[] {
  return f.data.map(decodeValue);
}

export function fromFixture(f: FxArray): ArrayImpl {
  const data = allocate(f.dtype, f.data.length);
  data.set(values(f));
  return ArrayImpl.fromData(data, f.shape);
}

export function data(x: Array): number[] {
  expect(x).toBeInstanceOf(ArrayImpl);
  return [...(x as ArrayImpl).values];
}

/** Whether a and e agree: NaN with NaN, exactly for non-floats, within rtol·scale for floats. */
function agree(a: number, e: number, tol: number): boolean {
  if (Number.isNaN(e) || Number.isNaN(a)) return Number.isNaN(e) && Number.isNaN(a);
  if (!Number.isFinite(e) || tol === 0) return a === e;
  return Math.abs(a - e) <= tol;
}

/**
 * Checks shape, dtype and values. Float tolerances are relative to each
 * value plus a small absolute part scaled by the largest expected magnitude
 * (sums near zero after cancellation).
 */
export function expectMatches(actual: Array, expected: FxArray, rtol?: number): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  const a = data(actual);
  const e = values(expected);
  const r =
    rtol ?? (expected.dtype === "float32" ? 1e-6 : expected.dtype === "float64" ? 1e-12 : 0);
  const scale = Math.max(0, ...e.filter(Number.isFinite).map(Math.abs));
  const bad = e.findIndex(
    (ev, i) =>
      !agree(a[i]!, ev, isFloating(expected.dtype) ? r * (Math.abs(ev) + scale * 1e-3) : 0),
  );
  if (bad >= 0) {
    expect.fail(
      `value ${bad}: got ${a[bad]}, expected ${e[bad]} (got [${a.join(", ")}], expected [${e.join(", ")}])`,
    );
  }
}

/** Every element of one array equal (bitwise, NaN included) to the other's: for jit vs eager. */
export function expectSame(actual: Array, expected: Array): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.weakType).toBe(expected.weakType);
  expect(data(actual)).toEqual(data(expected));
}

/** A deterministic float32 array of the shape, for property tests. */
export function seeded(
  shape: readonly number[],
  seed: number,
  dtype: DType = "float32",
): ArrayImpl {
  let n = 1;
  for (const d of shape) n *= d;
  const out = allocate(dtype, n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const u = (s >>> 0) / 2 ** 32;
    out[i] =
      dtype === "int32"
        ? Math.floor(u * 21) - 10
        : dtype === "bool"
          ? u < 0.5
            ? 1
            : 0
          : u * 4 - 2;
  }
  return ArrayImpl.fromData(out, shape);
}
