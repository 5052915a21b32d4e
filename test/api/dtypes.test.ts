/** jax.dtypes (issue 17): canonicalizeDtype, resultType, itemsizeBits, scalarTypeOf, as JAX's. */
import { describe, expect, it } from "vitest";
import * as jax from "../../src/index.js";

const { dtypes, numpy: jnp } = jax;

describe("jax.dtypes", () => {
  it("canonicalizeDtype follows jax_enable_x64", () => {
    expect(dtypes.canonicalizeDtype("float64")).toBe("float32");
    expect(dtypes.canonicalizeDtype("int64")).toBe("int32");
    expect(jax.withX64(() => dtypes.canonicalizeDtype("float64"))).toBe("float64");
    expect(dtypes.canonicalizeDtype("bfloat16")).toBe(dtypes.bfloat16);
  });

  it("resultType is JAX's lattice, JS numbers weakly typed", () => {
    expect(dtypes.resultType("int32", "float32")).toBe("float32");
    expect(dtypes.resultType("int8", "uint8")).toBe("int16");
    expect(dtypes.resultType("bfloat16", "float16")).toBe("float32");
    expect(dtypes.resultType(jnp.ones([2], "int8"), 3)).toBe("int8");
    expect(dtypes.resultType(jnp.ones([2], "int8"), 2.5)).toBe("float32");
    expect(dtypes.resultType(jnp.ones([2], "float16"), 2.5)).toBe("float16");
    expect(() => dtypes.resultType()).toThrow(jax.ValueError);
  });

  it("itemsizeBits and scalarTypeOf", () => {
    expect(
      ["bool", "int8", "bfloat16", "float32", "complex64"].map((d) =>
        dtypes.itemsizeBits(d as jax.DType),
      ),
    ).toEqual([8, 8, 16, 32, 64]);
    expect(dtypes.scalarTypeOf(jnp.ones([2], "uint8"))).toBe("int");
    expect(dtypes.scalarTypeOf(jnp.array(true))).toBe("bool");
    expect(dtypes.scalarTypeOf(1.5)).toBe("float");
    expect(new dtypes.TypePromotionError("x")).toBeInstanceOf(jax.ValueError);
  });
});
