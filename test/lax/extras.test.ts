/**
 * jax.lax's convenience functions: select, full, fullLike, reciprocal,
 * broadcastShapes, split, tile, batchMatmul, optimizationBarrier — values
 * against direct references, jit against eager, and their errors.
 */
import { describe, expect, it } from "vitest";
import { grad, type JaxArray, jit, numpy as jnp, lax } from "../../src/index.js";

describe("lax convenience functions", () => {
  it("select picks onTrue where pred holds", () => {
    const p = jnp.array([true, false, true]);
    expect(lax.select(p, jnp.array([1, 2, 3]), jnp.array([4, 5, 6])).toArray()).toEqual([1, 5, 3]);
    const g = grad((x: JaxArray) => jnp.sum(lax.select(p, x, lax.mul(x, 3))));
    expect(g(jnp.array([1, 2, 3])).toArray()).toEqual([1, 3, 1]);
  });

  it("full and fullLike take the fill value's dtype unless given one", () => {
    expect(lax.full([2, 2], 1.5).toArray()).toEqual([
      [1.5, 1.5],
      [1.5, 1.5],
    ]);
    expect(lax.full(3, 7, "int32").dtype).toBe("int32");
    expect(lax.full([2], jnp.array(2, "int8")).dtype).toBe("int8");
    const x = jnp.array([[1, 2, 3]], "int16");
    expect(lax.fullLike(x, 4).dtype).toBe("int16");
    expect(lax.fullLike(x, 4, "float32", [2]).toArray()).toEqual([4, 4]);
    expect(() => lax.full([2], jnp.array([1, 2]))).toThrow(/lax\.full: fillValue must be a scalar/);
  });

  it("reciprocal, broadcastShapes and optimizationBarrier", () => {
    expect(lax.reciprocal(jnp.array([2, 4, -0.5])).toArray()).toEqual([0.5, 0.25, -2]);
    expect(lax.broadcastShapes([3, 1], [4], [1, 1, 1])).toEqual([1, 3, 4]);
    expect(() => lax.broadcastShapes([3], [4])).toThrow(/lax\.broadcastShapes/);
    const tree = { a: jnp.array([1]) };
    expect(lax.optimizationBarrier(tree)).toBe(tree);
  });

  it("split cuts consecutive pieces and checks their sizes", () => {
    const x = jnp.arange(12).reshape(3, 4);
    const [a, b] = lax.split(x, [1, 3], 1) as [JaxArray, JaxArray];
    expect(a.shape).toEqual([3, 1]);
    expect(b.toArray()).toEqual([
      [1, 2, 3],
      [5, 6, 7],
      [9, 10, 11],
    ]);
    expect(() => lax.split(x, [1, 2], 1)).toThrow(/sizes must sum to the size of axis 1 \(4\)/);
  });

  it("tile repeats along each axis as jnp.tile", () => {
    const x = jnp.array([
      [1, 2],
      [3, 4],
    ]);
    for (const reps of [[2, 3], [1, 1], [3], [2, 1, 2]]) {
      expect(lax.tile(x, reps).toArray(), JSON.stringify(reps)).toEqual(
        jnp.tile(x, reps).toArray(),
      );
    }
    expect((jit((y: JaxArray) => lax.tile(y, [2, 2]))(x) as JaxArray).shape).toEqual([4, 4]);
  });

  it("batchMatmul multiplies over the leading axes", () => {
    const a = jnp.arange(2 * 2 * 3).reshape(2, 2, 3);
    const b = jnp.arange(2 * 3 * 2).reshape(2, 3, 2);
    expect(lax.batchMatmul(a, b).toArray()).toEqual(jnp.matmul(a, b).toArray());
    expect(() => lax.batchMatmul(jnp.ones([2, 3]), jnp.ones([3]))).toThrow(/same rank ≥ 2/);
  });

  it("takes lax.Precision and JAX's precision spellings, and refuses others", () => {
    const a = jnp.ones([2, 2]);
    const want = lax.dot(a, a).toArray();
    for (const precision of [lax.Precision.HIGHEST, "HIGHEST", "float32", "bfloat16"] as const) {
      expect(lax.dot(a, a, { precision }).toArray()).toEqual(want);
    }
    expect(lax.dot(a, a, { precision: ["highest", "default"] }).toArray()).toEqual(want);
    expect(() => lax.dot(a, a, { precision: "ultra" as "high" })).toThrow(
      /precision must be lax\.Precision\.DEFAULT, HIGH or HIGHEST.*'ultra'/,
    );
  });
});
