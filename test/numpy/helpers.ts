/** The jnp tests' NumPy fixtures (test/fixtures/numpy_ops.json) and their comparison. */
import { expect } from "vitest";
import type { Array } from "../../src/core/array.js";
import type { DType } from "../../src/dtype.js";
import fixtures from "../fixtures/numpy_ops.json" with { type: "json" };
import { arr, decodeNumber, expectClose, type Num } from "../util/index.js";

export type Enc = { shape: number[]; dtype: string; data: Num[] };
export type Case = { inputs: Enc[]; out: Enc | Enc[] };
const cases = fixtures as unknown as Record<string, Case>;

// Fixture inputs are float32/int32/bool; float64 references are compared with a tolerance.
const DT: Record<string, DType> = {
  float32: "float32",
  float64: "float32",
  int32: "int32",
  int64: "int32",
  bool: "bool",
};

export function fixture(name: string): { inputs: Array[]; out: Enc | Enc[] } {
  const c = cases[name];
  if (c === undefined)
    throw new Error(`no fixture named ${name}: run python3 test/fixtures/numpy_ops.py`);
  return { inputs: c.inputs.map(decodeArray), out: c.out };
}

export function decodeArray(e: Enc): Array {
  return arr(e.data, e.shape, DT[e.dtype]!);
}

/** Same shape as the fixture and elementwise |got - want| <= tol·(1 + |want|); NaNs must match. */
export function expectCloseToFixture(x: Array, e: Enc, tol = 2e-5): void {
  expect([...x.shape]).toEqual(e.shape);
  expectClose(x, e.data.map(decodeNumber), "", tol, tol);
}
