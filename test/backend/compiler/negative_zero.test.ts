/**
 * -0 and 0 are different numbers to the compiler: constants and literals
 * are keyed by Object.is, so a kernel holding both, or two equations that
 * differ only in the sign of a zero literal, are never merged (1/-0 is -inf).
 */
import { describe, expect, it } from "vitest";
import { type JaxArray, jit, numpy as jnp, lax, makeJaxpr } from "../../../src/index.js";

describe("negative zero through the compiler", () => {
  const negZero = lax.log1p(lax.neg(jnp.array(0, "float32"))); // a 0-d -0.0
  const h = (x: JaxArray) => lax.add(lax.div(x, negZero), lax.div(x, jnp.array(0, "float32")));

  it("keeps -0 and 0 literals apart in CSE and in fused kernels", () => {
    expect(Object.is(negZero.item(), -0)).toBe(true);
    expect(Number.isNaN(h(jnp.array(-1)).item() as number)).toBe(true); // inf + -inf
    expect(Number.isNaN(jit(h)(jnp.array(-1)).item() as number)).toBe(true);
    const k = jit((x: JaxArray) => lax.div(x, negZero));
    expect(k(jnp.array(1)).item()).toBe(Number.NEGATIVE_INFINITY);
  });

  it("prints a -0 literal as JAX does", () => {
    expect(makeJaxpr(h)(jnp.array(-1)).toString()).toContain("div a -0.0:f32[]");
  });
});
