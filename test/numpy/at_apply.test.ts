/**
 * `x.at(idx).apply(f)`: f at the indices, once per occurrence (XLA's
 * scatter applying its update computation, as JAX's scatter_apply), eager,
 * under jit with traced indices, and under grad.
 */
import { describe, expect, it } from "vitest";
import { type Array, grad, jit, numpy as jnp } from "../../src/index.js";

describe("x.at(...).apply", () => {
  const x = jnp.arange(5).astype("float32");

  it("applies f once per occurrence of an index", () => {
    expect(
      x
        .at(jnp.array([0, 0, 3], "int32"))
        .apply((v) => v.add(1))
        .toArray(),
    ).toEqual([2, 1, 2, 4, 4]);
    expect(
      x
        .at("1:3")
        .apply((v) => v.mul(v))
        .toArray(),
    ).toEqual([0, 1, 4, 3, 4]);
    // Out-of-bounds indices are dropped, as every scatter's.
    expect(
      x
        .at(7)
        .apply((v) => v.add(1))
        .toArray(),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it("runs under jit with traced indices (a while loop) and under grad", () => {
    const f = jit((y: Array, i: Array) => y.at(i).apply((v) => v.mul(2)));
    expect((f(x, jnp.array([4, 4, 1], "int32")) as Array).toArray()).toEqual([0, 2, 2, 3, 16]);
    const g = grad((y: Array) => y.at(2).apply(jnp.square).sum()) as (y: Array) => Array;
    expect(g(x).toArray()).toEqual([1, 1, 4, 1, 1]);
  });

  it("keeps x's dtype and checks its function", () => {
    const i = jnp.array([1, 2, 3], "int32");
    expect(i.at(0).apply((v) => v.mul(2.5)).dtype).toBe("int32");
    expect(() => x.at(0).apply(3 as unknown as (v: Array) => Array)).toThrow(
      /x\.at\(\.\.\.\)\.apply: f must be a function/,
    );
    expect(() => x.at(0).apply((v) => jnp.sum(v))).toThrow(/f must be elementwise/);
    expect(() => x.at(0).apply((v) => v, { bogus: 1 } as object)).toThrow(/bogus/);
  });
});
