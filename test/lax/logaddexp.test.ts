/**
 * lax.logaddexp, a primitive added with its rules in one family file
 * (elementwise.ts) and its jnp wrapper: its lowering is its eager kernel and
 * its compiled kernel. Expected values are NumPy's np.logaddexp.
 */
import { describe, expect, it } from "vitest";
import { withX64 } from "../../src/config.js";
import { type Array, type ArrayImpl, hostValues } from "../../src/core/array.js";
import { grad, jit } from "../../src/index.js";
import { logaddexpP } from "../../src/lax/elementwise.js";
import * as lax from "../../src/lax/index.js";
import * as jnp from "../../src/numpy/index.js";
import { expectClose } from "../util/assert.js";

const X = [0, 1, -3, 1e30, -Infinity, Infinity, Number.NaN, -Infinity, 700];
const Y = [0, 2, 5, 1e30, -Infinity, Infinity, 1, 3, 700.5];
// np.logaddexp(x, y) in float64 and float32.
const F64 = [
  Math.LN2, 2.313261687518223, 5.000335406372896, 1e30, -Infinity, Infinity, Number.NaN,
  3.0, 700.9740769841801,
]; // biome-ignore format: fixture values
const F32 = [
  0.6931471824645996, 2.3132617473602295, 5.000335216522217, 1.0000000150474662e30, -Infinity,
  Infinity, Number.NaN, 3.0, 700.9740600585938,
]; // biome-ignore format: fixture values

const values = (a: unknown): number[] => [...hostValues(a as ArrayImpl)];

describe("lax.logaddexp", () => {
  it("matches NumPy in float32, eagerly and under jit", () => {
    const x = jnp.array(X, "float32");
    const y = jnp.array(Y, "float32");
    expect(values(lax.logaddexp(x, y))).toEqual(F32);
    expect(values(jit(lax.logaddexp)(x, y))).toEqual(F32);
    expect(values(jnp.logaddexp(x, y))).toEqual(F32);
  });

  it("matches NumPy in float64", () => {
    withX64(() => {
      const x = jnp.array(X, "float64");
      const y = jnp.array(Y, "float64");
      expect(values(lax.logaddexp(x, y))).toEqual(F64);
      expectClose(values(jit(lax.logaddexp)(x, y)), F64);
    });
  });

  it("is one primitive with an elementwise lowering", () => {
    expect(logaddexpP.rules.lower?.kind).toBe("elementwise");
    expect(logaddexpP.rules.facts).toEqual({ pure: true, foldable: true, cost: "compute" });
  });

  it("has JAX's derivative: softmax weights, finite at infinities", () => {
    const gx = grad((a: Array) => lax.logaddexp(a, jnp.array(1, "float32")));
    expectClose(values(gx(jnp.array(0, "float32"))), [1 / (1 + Math.E)]);
    const gInf = grad((a: Array) => lax.logaddexp(a, jnp.array(-Infinity, "float32")));
    expect(values(gInf(jnp.array(2, "float32")))).toEqual([1]);
  });

  it("rejects integer operands by name", () => {
    const i = jnp.array([1, 2], "int32");
    expect(() => lax.logaddexp(i, i)).toThrow(/lax\.logaddexp does not accept dtype int32/);
  });
});
