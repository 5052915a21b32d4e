/**
 * lax.reduceWindow (reduce_window_sum/max/min) against direct-loop NumPy
 * references (test/fixtures/windowed.py): strides, "SAME"/"VALID"/explicit
 * and negative padding, base and window dilation, float32/float64/int32,
 * non-identity init values, NaN; jit against eager; and the errors.
 */
import { describe, expect, it } from "vitest";
import { withX64 } from "../../src/config.js";
import { type Array, ArrayImpl } from "../../src/core/array.js";
import { grad, jit, lax, makeJaxpr } from "../../src/index.js";
import {
  arange,
  arr,
  expectIdentical,
  expectMatches,
  randomArray,
  rng,
  vals,
} from "../util/index.js";
import { fixtures, operandOf, type WindowCase, windowFn } from "./windowed_fixtures.js";

const inDtype = <T>(c: WindowCase, f: () => T): T => (c.dtype === "float64" ? withX64(f) : f());

describe("reduceWindow vs direct loops in NumPy", () => {
  it("has fixtures for each computation, dtype and parameter", () => {
    const cs = fixtures.cases;
    expect(new Set(cs.map((c) => c.op))).toEqual(new Set(["add", "max", "min"]));
    expect(new Set(cs.map((c) => c.dtype))).toEqual(new Set(["float32", "float64", "int32"]));
    expect(cs.some((c) => c.base_dilation.some((d) => d > 1))).toBe(true);
    expect(cs.some((c) => c.window_dilation.some((d) => d > 1))).toBe(true);
    expect(cs.some((c) => c.pads.some(([lo, hi]) => lo < 0 || hi < 0))).toBe(true);
    expect(cs.some((c) => c.out_shape.includes(0))).toBe(true);
  });

  it.each(fixtures.cases.map((c, i) => [`${i}: ${c.name}`, c] as const))("%s", (_, c) => {
    inDtype(c, () => {
      const x = operandOf(c);
      const want = { shape: c.out_shape, dtype: c.dtype, data: c.out };
      const byName = windowFn(c)(x);
      expectMatches(byName, want);
      // The same with the computation as lax.add/max/min and the padding as resolved pairs.
      expectIdentical(windowFn(c, true, true)(x), byName, "explicit padding, lax function");
      expectIdentical(jit(windowFn(c))(x), byName, "jit");
    });
  });
});

describe("reduceWindow semantics", () => {
  it("max pooling over NHWC, as in a CNN", () => {
    const x = arange([1, 4, 4, 2]);
    const y = lax.reduceWindow(x, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
    expect(y.shape).toEqual([1, 2, 2, 2]);
    // Each 2x2 block's maximum is its bottom-right element.
    expect(vals(y)).toEqual([10, 11, 14, 15, 26, 27, 30, 31]);
  });

  it("uint32 sums wrap and max/min use the dtype's range as identity", () => {
    const x = arr([2 ** 32 - 1, 2, 3], [3], "uint32");
    expect(vals(lax.reduceWindow(x, 0, "add", [2], [1], "VALID"))).toEqual([1, 5]);
    const y = lax.reduceWindow(x, 0, "max", [2], [1], [[0, 2]]);
    expect(vals(y)).toEqual([2 ** 32 - 1, 3, 3, 0]);
    const i = arr([5, -3], [2], "int32");
    expect(vals(lax.reduceWindow(i, 2 ** 31 - 1, "min", [1], [1], [[1, 0]]))).toEqual([
      2 ** 31 - 1,
      5,
      -3,
    ]);
  });

  it("an identity init value stages only the primitive; another one is combined once", () => {
    const x = randomArray([3, 4], "float32", rng(1));
    const f = (init: number) => (v: Array) =>
      lax.reduceWindow(v, init, "max", [2, 2], [1, 1], "SAME");
    expect(makeJaxpr(f(-Infinity))(x).toString()).toMatch(/reduce_window_max/);
    expect(makeJaxpr(f(-Infinity))(x).toString()).not.toMatch(/ max /);
    const g = (v: Array) => lax.reduceWindow(v, 1, "add", [2, 2], [2, 2], "VALID");
    const ones = ArrayImpl.full([4, 4], 1, "float32");
    expect(vals(g(ones))).toEqual([5, 5, 5, 5]);
  });

  it("the init value may be a traced value", () => {
    const x = randomArray([5], "float32", rng(2));
    const f = (v: Array, init: Array) => lax.reduceWindow(v, init, "add", [2], [1], "VALID");
    const init = ArrayImpl.scalar(0.5, "float32");
    expectIdentical(jit(f)(x, init), f(x, init));
  });

  it("lowercase padding names are accepted, as in JAX", () => {
    const x = randomArray([5, 3], "float32", rng(3));
    const f = (p: lax.WindowPadding) => lax.reduceWindow(x, 0, "add", [2, 2], [2, 1], p);
    expectIdentical(f("same" as lax.WindowPadding), f("SAME"));
  });

  it("an empty operand gives empty windows, and a zero gradient of its shape", () => {
    const x = ArrayImpl.fromData(new Float32Array(0), [0, 3]);
    const f = (v: Array) => lax.reduceWindow(v, 0, "add", [1, 2], [1, 1], "SAME");
    expect(f(x).shape).toEqual([0, 3]);
    const g = grad((v: Array) => lax.reduceSum(f(v), [0, 1]))(x) as Array;
    expect(g.shape).toEqual([0, 3]);
    // Padding alone makes windows of no element: the identity.
    const y = lax.reduceWindow(
      x,
      -Infinity,
      "max",
      [1, 1],
      [1, 1],
      [
        [1, 1],
        [0, 0],
      ],
    );
    expect(y.shape).toEqual([2, 3]);
    expect(vals(y).every((v) => v === -Infinity)).toBe(true);
  });

  it("a float64 window sum keeps float64 (x64)", () => {
    withX64(() => {
      const x = arr([0.1, 0.2, 0.3], [3], "float64");
      const y = lax.reduceWindow(x, 0, "add", [3], [1], "VALID");
      expect(y.dtype).toBe("float64");
      expect(vals(y)[0]).toBe(0.1 + 0.2 + 0.3);
    });
  });
});

describe("errors name lax.reduceWindow, the argument and the shapes", () => {
  const x = arange([4, 5]);
  const rw =
    (...args: unknown[]) =>
    () =>
      (lax.reduceWindow as (...a: unknown[]) => Array)(x, 0, "add", ...args);

  it("wrong lengths", () => {
    expect(rw([2], [1, 1], "VALID")).toThrow(
      /lax\.reduceWindow: windowDimensions must have one entry per operand dimension, got \(2,\) for an operand of shape \(4, 5\)/,
    );
    expect(rw([2, 2], [1], "VALID")).toThrow(/windowStrides must have one entry.*\(4, 5\)/);
    expect(rw([2, 2], [1, 1], [[0, 0]])).toThrow(/padding must be .*shape \(4, 5\)/);
    expect(rw([2, 2], [1, 1], "VALID", [1])).toThrow(/baseDilation must have one entry/);
    expect(rw([2, 2], [1, 1], "VALID", undefined, [1, 1, 1])).toThrow(
      /windowDilation must have one entry/,
    );
  });

  it("bad values", () => {
    expect(rw([0, 2], [1, 1], "VALID")).toThrow(/windowDimensions must be positive integers/);
    expect(rw([2, 2], [1, 0], "VALID")).toThrow(/windowStrides must be positive integers/);
    expect(rw([2, 2], [1, 1], "VALID", [1, 0])).toThrow(/baseDilation must be positive/);
    expect(rw([2, 2], [1, 1], "FULL")).toThrow(/padding must be "SAME", "SAME_LOWER", "VALID"/);
    expect(rw([2, 2], [1, 1], [[0, 0], [0]])).toThrow(/padding\[1\] must be a \[lo, hi\] pair/);
    expect(
      rw(
        [2, 2],
        [1, 1],
        [
          [-3, -2],
          [0, 0],
        ],
      ),
    ).toThrow(/leaves dimension 0 of the operand of shape \(4, 5\) with a negative size/);
  });

  it("init value and computation", () => {
    expect(() => lax.reduceWindow(x, arange([2]), "add", [2, 2], [1, 1], "VALID")).toThrow(
      /initValue must be a scalar of the operand's dtype float32, got float32\(2,\)/,
    );
    expect(() =>
      lax.reduceWindow(x, ArrayImpl.scalar(0, "int32"), "add", [2, 2], [1, 1], "VALID"),
    ).toThrow(/initValue must be a scalar of the operand's dtype float32, got int32/);
    const mul = (a: Array, b: Array) => lax.mul(a, b);
    expect(() => lax.reduceWindow(x, 1, mul, [2, 2], [1, 1], "VALID")).toThrow(
      /computation must be "add", "max" or "min" \(or lax\.add, lax\.max, lax\.min\), got a function named 'mul'; a general computation is not supported/,
    );
    expect(() =>
      lax.reduceWindow(x, 1, "mul" as lax.WindowComputation, [2, 2], [1, 1], "VALID"),
    ).toThrow(/got mul/);
  });

  it("bool sums are rejected, bool max is an or", () => {
    const b = arr([1, 0, 0, 0], [4], "bool");
    expect(() => lax.reduceWindow(b, false, "add", [2], [1], "VALID")).toThrow(
      /does not accept dtype bool/,
    );
    expect(vals(lax.reduceWindow(b, false, "max", [2], [1], "VALID"))).toEqual([1, 0, 0]);
  });
});
