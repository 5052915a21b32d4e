/**
 * `jax_check_static_indices` changes what tracing produces (a static index
 * out of bounds is checked or not), so it is part of jit's trace key: a
 * function traced with the flag off is traced again once it is on.
 */
import { describe, expect, it } from "vitest";
import { type Array, config, IndexError, jit, numpy as jnp } from "../../src/index.js";

const v3 = jnp.ones([3]);

describe("jax_check_static_indices is part of jit's trace key", () => {
  it("a function traced with the flag off re-checks once it is on", () => {
    const f = jit((a: Array) => a.get(5));
    const prev = config.read("jax_check_static_indices");
    try {
      config.update("jax_check_static_indices", false);
      expect(() => f(v3)).not.toThrow();
      config.update("jax_check_static_indices", true);
      expect(() => f(v3)).toThrow(IndexError);
    } finally {
      config.update("jax_check_static_indices", prev);
    }
  });
});
