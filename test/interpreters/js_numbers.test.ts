/**
 * The JS-number rule (README, "JS numbers"): a JS number is read as Python
 * reads its literal — an integer in int32's range is a weak int32, any other
 * number a weak float — except by the differentiating transformations, which
 * read numbers (and weak ints) as floats. Loops promote weak carries to the
 * body's type, as JAX's `_promote_weak_typed_inputs` does.
 */
import { describe, expect, it } from "vitest";
import {
  type Array,
  grad,
  jit,
  numpy as jnp,
  lax,
  makeJaxpr,
  random,
  vmap,
} from "../../src/index.js";

const list = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);

describe("JS numbers", () => {
  it("an integral number is a weak int32 argument, others a weak float", () => {
    expect(makeJaxpr((x: Array | number) => x)(3).toString()).toMatch(/a:i32\[\]/);
    expect(makeJaxpr((x: Array | number) => x)(2.5).toString()).toMatch(/a:f32\[\]/);
    expect(makeJaxpr((x: Array | number) => x)(-0).toString()).toMatch(/a:f32\[\]/);
    expect(makeJaxpr((x: Array | number) => x)(2 ** 40).toString()).toMatch(/a:f32\[\]/);
    // Weak: a float operand decides the result's type.
    const scale = jit((x: Array, n: Array | number) => x.mul(n));
    const y = scale(jnp.array([1.5, 2]), 3);
    expect([y.dtype, ...list(y)]).toEqual(["float32", 4.5, 6]);
    expect(jit((n: Array | number) => jnp.multiply(n, n))(3).dtype).toBe("int32");
  });

  it("an integer loop index works where JAX takes an integer", () => {
    const key = random.key(0);
    const fold = jit((k: Array, i: Array | number) => random.foldIn(k, i));
    expect(list(random.keyData(fold(key, 3)))).toEqual(list(random.keyData(random.foldIn(key, 3))));
    const x = jnp.arange(5);
    expect(list(jit((a: Array, i: Array | number) => lax.dynamicSlice(a, [i], [2]))(x, 1))).toEqual(
      [1, 2],
    );
    expect(list(jit((a: Array, i: Array | number) => a.get(i))(x, 4))).toEqual([4]);
    expect(list(vmap((a: Array, i: Array | number) => a.get(i), { inAxes: [0, null] })(x.reshape([5, 1]), 0))).toEqual([0, 1, 2, 3, 4]); // biome-ignore format: long
  });

  it("differentiation reads numbers as floats", () => {
    const sq = (x: Array | number) => jnp.multiply(x, x);
    const at2 = grad(sq)(2) as Array;
    expect([at2.item(), at2.dtype]).toEqual([4, "float32"]);
    expect((jit(grad(sq))(2) as Array).item()).toBe(4);
    // A strong int32 argument is still an error, as in JAX.
    expect(() => grad(sq)(jnp.array(2, "int32"))).toThrow(/int32/);
  });

  it("loops promote a weak carry to the body's type", () => {
    // The carry is a JS number here: the body sees it as an Array.
    const zero = 0 as unknown as Array;
    expect(lax.foriLoop(0, 3, (_i: Array, c: Array) => c.add(0.5), zero).item()).toBe(1.5);
    expect(lax.foriLoop(0, 3, (i: Array, c: Array) => c.add(i), zero).dtype).toBe("int32");
    const [c, ys] = lax.scan((c: Array, x: Array) => [c.add(x), c], zero, jnp.array([1.5, 2.5]));
    expect([c.item(), ...list(ys)]).toEqual([4, 0, 1.5]);
    const w = lax.whileLoop(
      (c: Array) => c.lt(2),
      (c: Array) => c.add(0.75),
      zero,
    );
    expect(w.item()).toBe(2.25);
    const one = 1 as unknown as Array;
    const g = grad((x: Array | number) =>
      lax.foriLoop(0, 3, (_i: Array, c: Array) => c.mul(x), one),
    );
    expect((g(2) as Array).item()).toBe(12);
  });
});
