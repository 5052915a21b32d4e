/** Shared helpers for the jnp tests: NumPy fixtures, literal arrays and comparisons. */
import { expect } from "vitest";
import { type Array, ArrayImpl } from "../../src/core/array.js";
import { ShapedArray } from "../../src/core/aval.js";
import { allocate, type DType } from "../../src/dtype.js";
import fixtures from "../fixtures/numpy_ops.json" with { type: "json" };

export type Enc = { shape: number[]; dtype: string; data: (number | string | boolean)[] };
export type Case = { inputs: Enc[]; out: Enc | Enc[] };
const cases = fixtures as unknown as Record<string, Case>;

const decode = (v: number | string | boolean): number =>
  v === "nan" ? Number.NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
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
  const dtype = DT[e.dtype]!;
  const data = allocate(dtype, e.data.length);
  e.data.forEach((v, i) => {
    data[i] = decode(v);
  });
  return new ArrayImpl(new ShapedArray(e.shape, dtype, false), data);
}

export function values(x: Array): number[] {
  expect(x).toBeInstanceOf(ArrayImpl);
  return globalThis.Array.from((x as ArrayImpl).values);
}

/** Elementwise |got - want| <= tol * (1 + |want|); NaNs must match. */
export function expectClose(x: Array, e: Enc, tol = 2e-5): void {
  expect([...x.shape]).toEqual(e.shape);
  const got = values(x);
  e.data.forEach((v, i) => {
    const want = decode(v);
    const g = got[i]!;
    if (Number.isNaN(want)) expect(g, `element ${i}`).toBeNaN();
    else if (!Number.isFinite(want)) expect(g, `element ${i}`).toBe(want);
    else
      expect(Math.abs(g - want), `element ${i}: ${g} vs ${want}`).toBeLessThanOrEqual(
        tol * (1 + Math.abs(want)),
      );
  });
}

/** Same shape, dtype and values (NaN equal to NaN). */
export function expectSame(a: Array, b: Array): void {
  expect([...a.shape]).toEqual([...b.shape]);
  expect(a.dtype).toBe(b.dtype);
  expect(values(a)).toEqual(values(b));
}

export const f32 = (data: number[], shape: number[] = [data.length]): ArrayImpl =>
  ArrayImpl.fromData(Float32Array.from(data), shape);
export const i32 = (data: number[], shape: number[] = [data.length]): ArrayImpl =>
  ArrayImpl.fromData(Int32Array.from(data), shape);
export const u32 = (data: number[], shape: number[] = [data.length]): ArrayImpl =>
  ArrayImpl.fromData(Uint32Array.from(data), shape);
export const b8 = (data: boolean[], shape: number[] = [data.length]): ArrayImpl =>
  ArrayImpl.fromData(Uint8Array.from(data.map(Number)), shape);
/** 0, 1, 2, ... as float32 in a shape. */
export const seq = (shape: number[]): ArrayImpl =>
  f32(
    globalThis.Array.from({ length: shape.reduce((p, q) => p * q, 1) }, (_, i) => i),
    shape,
  );
