/** jax.evalShape, ShapeDtypeStruct, deviceGet and blockUntilReady (issue 17). */
import { describe, expect, it } from "vitest";
import * as jax from "../../src/index.js";

const { numpy: jnp } = jax;

describe("evalShape", () => {
  it("gives the shapes and dtypes of a function's pytree of results without computing", () => {
    let ran = 0;
    const f = (x: jax.Array, p: { w: jax.Array; b: jax.Array }) => {
      ran++;
      const y = jnp.dot(x, p.w).add(p.b);
      return { y, n: jnp.sum(y).astype("int32") };
    };
    const out = jax.evalShape(f, new jax.ShapeDtypeStruct([8, 3], "float32"), {
      w: new jax.ShapeDtypeStruct([3, 5], "float32"),
      b: jnp.zeros([5]),
    });
    expect(ran).toBe(1);
    expect(out.y).toBeInstanceOf(jax.ShapeDtypeStruct);
    expect(out.y.shape).toEqual([8, 5]);
    expect(out.y.dtype).toBe("float32");
    expect(out.n.shape).toEqual([]);
    expect(out.n.dtype).toBe("int32");
    expect(String(out.y)).toBe("ShapeDtypeStruct(shape=(8, 5), dtype=float32)");
  });

  it("a huge shape costs nothing, and errors are the function's", () => {
    const big = new jax.ShapeDtypeStruct([40000, 40000], "float32");
    expect(jax.evalShape((x: jax.Array) => x.T.sum(0), big).shape).toEqual([40000]);
    expect(() =>
      jax.evalShape(
        (a: jax.Array, b: jax.Array) => jnp.dot(a, b),
        big,
        new jax.ShapeDtypeStruct([3], "float32"),
      ),
    ).toThrow(TypeError);
    expect(() => new jax.ShapeDtypeStruct([2], "float31" as never)).toThrow();
  });
});

describe("deviceGet and blockUntilReady", () => {
  it("deviceGet returns host values; blockUntilReady returns its argument", () => {
    const t = { a: jnp.array([1, 2]), b: [jnp.array(3), 4] };
    expect(jax.deviceGet(t)).toEqual({ a: [1, 2], b: [3, 4] });
    expect(jax.blockUntilReady(t)).toBe(t);
  });
});
