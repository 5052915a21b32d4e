/**
 * lax.map with batchSize (JAX's batch_size): chunks of rows run vectorized,
 * the chunks sequentially, a remainder as one more vectorized call — the
 * same values as the sequential map, under jit and grad too.
 */
import { describe, expect, it } from "vitest";
import { type Array, grad, jit, numpy as jnp, lax } from "../../src/index.js";
import { expectClose, seeded } from "../util/index.js";

const f = (x: Array) => jnp.tanh(x).mul(jnp.sum(x));
const pair = (t: { a: Array; b: Array }) => [t.a.mul(2), jnp.sum(t.b)] as [Array, Array];

describe("lax.map batchSize", () => {
  const xs = seeded([10, 4], 3);
  const want = lax.map(f, xs);
  it.each([1, 3, 5, 10, 25])("batchSize %i equals the sequential map", (bs) => {
    expectClose(lax.map(f, xs, { batchSize: bs }), want);
    expectClose(jit((x: Array) => lax.map(f, x, { batchSize: bs }))(xs), want);
  });
  it("trees in and out, empty input, and gradients", () => {
    const t = { a: seeded([7, 2], 1), b: seeded([7, 3], 2) };
    const [y1, y2] = lax.map(pair, t, { batchSize: 3 });
    const [w1, w2] = lax.map(pair, t);
    expectClose(y1, w1);
    expectClose(y2, w2);
    expect(lax.map(f, jnp.zeros([0, 4]), { batchSize: 2 }).shape).toEqual([0, 4]);
    const loss = (bs: number | undefined) => (x: Array) =>
      jnp.sum(lax.map(f, x, bs === undefined ? {} : { batchSize: bs }));
    expectClose(grad(loss(4))(xs) as Array, grad(loss(undefined))(xs) as Array);
  });
  it("validates batchSize and the leading axes", () => {
    expect(() => lax.map(f, xs, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => lax.map(f, xs, { batch_size: 2 } as never)).toThrow(/did you mean 'batchSize'/);
    expect(() =>
      lax.map(pair, { a: jnp.zeros([3, 1]), b: jnp.zeros([4, 1]) }, { batchSize: 2 }),
    ).toThrow(/same leading axis/);
  });
});
