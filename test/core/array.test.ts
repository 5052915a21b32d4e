import { describe, expect, it } from "vitest";
import type { Array } from "../../src/index.js";
import { jit, numpy as jnp } from "../../src/index.js";

describe("reading values out of an Array", () => {
  const x = jnp.array([
    [1, 2],
    [3, 4],
  ]);

  it("data() resolves to a copy of the values as a typed array", async () => {
    const d = await x.data();
    expect(d).toBeInstanceOf(Float32Array);
    expect([...d]).toEqual([1, 2, 3, 4]);
    d[0] = 100;
    expect(x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect([...x.dataSync()]).toEqual([1, 2, 3, 4]);
  });

  it("item(), toArray() for bools and ints, and scalar conversion", () => {
    expect(jnp.array(2.5).item()).toBe(2.5);
    expect(jnp.array([true, false]).toArray()).toEqual([true, false]);
    expect(jnp.arange(3).toArray()).toEqual([0, 1, 2]);
    expect(+jnp.array(3)).toBe(3);
    expect(() => x.item()).toThrow(/size 1.*\(2, 2\)/);
  });

  it("iterates over the leading axis and prints like NumPy and JAX", () => {
    const rows = [...x].map((r: Array) => r.toArray());
    expect(rows).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(x.toString()).toBe("[[1. 2.]\n [3. 4.]]");
    expect(`${x.get(0)}`).toBe("[1. 2.]");
    const inspect = Symbol.for("nodejs.util.inspect.custom");
    const repr = (x as unknown as Record<symbol, () => string>)[inspect]!.call(x);
    expect(repr).toBe("Array([[1., 2.],\n       [3., 4.]], dtype=float32)");
  });

  it("values cannot be read from traced arrays", () => {
    expect(() => jit((v: Array) => v.dataSync())(x)).toThrow(/traced value/);
  });
});

describe("Symbol.dispose", () => {
  it("is dispose(), for `using` declarations", () => {
    const sym = (Symbol as { dispose?: symbol }).dispose; // Node >= 20 has it
    expect(typeof sym).toBe("symbol");
    const x = jnp.ones([3]) as unknown as Record<symbol, () => void> & { dispose(): void };
    let called = 0;
    const own = x.dispose.bind(x);
    x.dispose = () => {
      called++;
      own();
    };
    x[sym as symbol]!();
    expect(called).toBe(1);
  });
});
