/**
 * jax.errors' classes are exported as JAX users import them (`errors.X` and
 * at the root), with JAX's hierarchy, and are the classes the library throws.
 */
import { describe, expect, it } from "vitest";
import * as jax from "../../src/index.js";

const { errors, jit, numpy: jnp, config } = jax;

describe("jax.errors", () => {
  it("exports JAX's classes at errors.* and at the root, the same classes", () => {
    expect(jax.ConcretizationTypeError).toBe(errors.ConcretizationTypeError);
    expect(jax.IndexError).toBe(errors.IndexError);
    expect(jax.ValueError).toBe(errors.ValueError);
    for (const name of [
      "ConcretizationTypeError",
      "NonConcreteBooleanIndexError",
      "TracerArrayConversionError",
      "TracerBoolConversionError",
      "TracerIntegerConversionError",
      "UnexpectedTracerError",
      "KeyReuseError",
      "JAXTypeError",
      "JAXIndexError",
    ] as const) {
      const e = new errors[name]("m");
      expect(e.name).toBe(name);
      expect(e).toBeInstanceOf(Error);
    }
  });

  it("has JAX's hierarchy (TypeError / IndexError bases)", () => {
    expect(new errors.ConcretizationTypeError("m")).toBeInstanceOf(TypeError);
    expect(new errors.TracerBoolConversionError("m")).toBeInstanceOf(
      errors.ConcretizationTypeError,
    );
    expect(new errors.UnexpectedTracerError("m")).toBeInstanceOf(errors.JAXTypeError);
    expect(new errors.NonConcreteBooleanIndexError("m")).toBeInstanceOf(errors.IndexError);
    // jax/_src/errors.py: class TracerIntegerConversionError(JAXTypeError).
    expect(new errors.TracerIntegerConversionError("m")).toBeInstanceOf(errors.JAXTypeError);
    expect(new errors.TracerArrayConversionError("m")).toBeInstanceOf(errors.JAXTypeError);
  });

  it("is what the library throws: concretization under jit, a traced mask, a static index check", () => {
    const f = jit((x: jax.Array) => (Number(x.item()) > 0 ? x : x.neg()));
    expect(() => f(jnp.array(1))).toThrow(errors.ConcretizationTypeError);
    expect(() => f(jnp.array(1))).toThrow(/as a concrete JS value/);
    const g = jit((x: jax.Array, m: jax.Array) => x.get(m));
    expect(() => g(jnp.arange(3), jnp.array([true, false, true]))).toThrow(
      errors.NonConcreteBooleanIndexError,
    );
    config.update("jax_check_static_indices", true);
    try {
      expect(() => jnp.arange(10).get(11)).toThrow(errors.IndexError);
    } finally {
      config.update("jax_check_static_indices", false);
    }
    expect(jnp.arange(10).get(11).item()).toBe(9);
  });
});
