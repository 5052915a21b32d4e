import { describe, expect, it } from "vitest";
import { withX64 } from "../../src/config.js";
import { type DType, promoteTypes } from "../../src/dtype.js";
import { numpy as jnp, lax } from "../../src/index.js";

const t = (dtype: DType, weakType = false) => ({ dtype, weakType });

describe("type promotion (JAX's lattice)", () => {
  it("strong types", () => {
    expect(promoteTypes(t("int32"), t("float32"))).toEqual(t("float32"));
    expect(promoteTypes(t("bool"), t("int32"))).toEqual(t("int32"));
    expect(promoteTypes(t("uint32"), t("float32"))).toEqual(t("float32"));
    expect(promoteTypes(t("bool"), t("bool"))).toEqual(t("bool"));
    // int32 + uint32 is int64 in JAX, canonicalized to int32 without x64.
    expect(promoteTypes(t("int32"), t("uint32"))).toEqual(t("int32"));
  });

  it("weak types adopt the other operand's dtype", () => {
    expect(promoteTypes(t("int32"), t("int32", true))).toEqual(t("int32"));
    expect(promoteTypes(t("uint32"), t("int32", true))).toEqual(t("uint32"));
    expect(promoteTypes(t("int32"), t("float32", true))).toEqual(t("float32", true));
    expect(promoteTypes(t("float32"), t("float32", true))).toEqual(t("float32"));
    expect(promoteTypes(t("float32"), t("int32", true))).toEqual(t("float32"));
    expect(promoteTypes(t("bool"), t("int32", true))).toEqual(t("int32", true));
    expect(promoteTypes(t("int32", true), t("float32", true))).toEqual(t("float32", true));
  });

  it("float64 only with x64", () => {
    expect(promoteTypes(t("float32"), t("float64"))).toEqual(t("float32"));
    withX64(() => {
      expect(promoteTypes(t("float32"), t("float64"))).toEqual(t("float64"));
      expect(promoteTypes(t("int32"), t("float32", true))).toEqual(t("float64", true));
    });
  });

  it("is commutative and associative over all pairs and triples", () => {
    const all: { dtype: DType; weakType: boolean }[] = [
      t("bool"),
      t("int32"),
      t("uint32"),
      t("float32"),
      t("int32", true),
      t("float32", true),
    ];
    for (const a of all) {
      for (const b of all) {
        expect(promoteTypes(a, b)).toEqual(promoteTypes(b, a));
        for (const c of all) {
          expect(promoteTypes(promoteTypes(a, b), c).dtype).toEqual(
            promoteTypes(a, promoteTypes(b, c)).dtype,
          );
        }
      }
    }
  });
});

describe("JS numbers in operations", () => {
  it("convert from their own value to the promoted dtype, never wrapping", () => {
    const x = jnp.ones([2]);
    expect(jnp.multiply(x, 1e10).toArray()).toEqual([1e10, 1e10]);
    expect(x.mul(1e30).toArray()).toEqual([Math.fround(1e30), Math.fround(1e30)]);
    expect(lax.mul(x, 1e10).toArray()).toEqual([1e10, 1e10]);
    const u = jnp.array([1], "uint32").add(0x85a308d3);
    expect([u.dtype, u.toArray()]).toEqual(["uint32", [0x85a308d4]]);
    expect(jnp.full([2], 0x85a308d3, "uint32").toArray()).toEqual([0x85a308d3, 0x85a308d3]);
    expect(jnp.add(jnp.array([1], "int32"), -(2 ** 31)).toArray()).toEqual([1 - 2 ** 31]);
  });

  it("an integer the integer dtype cannot hold is an error, as JAX's OverflowError", () => {
    expect(() => jnp.add(jnp.array([1, 2], "int32"), 2 ** 31)).toThrow(
      /jnp.add: the JS integer 2147483648 is too large to convert to int32/,
    );
    expect(() => jnp.full([2], -1, "uint32")).toThrow(/-1 is too large to convert to uint32/);
  });
});
