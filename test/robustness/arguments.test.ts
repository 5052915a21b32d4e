/**
 * Bad argument kinds (undefined, null, strings, NaN, -1, 1.5, objects) for
 * shape, axis, dtype and array arguments are TypeErrors or ValueErrors that
 * name the function and the argument, checked up front — never an error from
 * deep inside ("Cannot read properties of undefined", "x is not iterable").
 */
import { describe, expect, it } from "vitest";
import { numpy as jnp, lax, nn, random, ValueError } from "../../src/index.js";

const key = random.PRNGKey(0);
const m = jnp.ones([2, 3]);

const BAD_KINDS: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["a string", "1"],
  ["NaN", Number.NaN],
  ["-1", -1],
  ["1.5", 1.5],
  ["an object", { a: 1 }],
];

/** Calls `f` and returns what it threw (failing the test when it did not throw). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, got a result");
}

/** A named error: TypeError or ValueError (as JAX raises them), starting with `fn:` and naming `arg`. */
function expectNamed(e: Error, fn: string, arg: string): void {
  expect(e instanceof TypeError || e instanceof ValueError).toBe(true);
  expect(e.message.startsWith(`${fn}: `)).toBe(true);
  expect(e.message).toContain(arg);
  expect(e.message).not.toMatch(/Cannot read properties|is not iterable|is not a function/);
}

describe("shape arguments", () => {
  const takers: [string, (s: never) => unknown, string?][] = [
    ["jnp.zeros", (s) => jnp.zeros(s)],
    ["jnp.ones", (s) => jnp.ones(s)],
    ["jnp.empty", (s) => jnp.empty(s)],
    ["jnp.full", (s) => jnp.full(s, 1)],
    ["jnp.reshape", (s) => jnp.reshape(m, s)],
    ["jnp.broadcast_to", (s) => jnp.broadcastTo(m, s)],
    ["random.normal", (s) => random.normal(key, s)],
    ["random.uniform", (s) => random.uniform(key, s)],
    ["random.bits", (s) => random.bits(key, s)],
    ["lax.broadcast", (s) => lax.broadcast(m, s), "sizes"],
  ];
  for (const [fn, call, arg = "shape"] of takers) {
    it.each(BAD_KINDS)(`${fn} rejects %s as a shape`, (_, bad) => {
      // undefined is the default (a 0-d shape) for the random samplers.
      if (bad === undefined && fn.startsWith("random.")) return;
      // -1 is NumPy's inferred dimension in reshape, and 1 of 6 elements does not fit.
      for (const shape of [bad, [bad], [2, bad]]) {
        if (fn === "jnp.reshape" && (shape === -1 || (Array.isArray(shape) && shape.at(-1) === -1)))
          continue;
        const e = thrown(() => call(shape as never));
        expect(e.message).not.toMatch(/Cannot read properties|is not iterable/);
        if (shape === -1 || (Array.isArray(shape) && shape.includes(-1))) {
          expect(e.message.startsWith(`${fn}: `)).toBe(true);
          continue;
        }
        if (typeof shape === "number" && fn !== "jnp.reshape") {
          // A bare number is a 1-D shape only where NumPy accepts one.
          expectNamed(e, fn, arg);
          continue;
        }
        expectNamed(e, fn, arg);
      }
    });
  }

  it("the issue's examples", () => {
    expect(() => m.reshape(undefined as never)).toThrow(
      /^jnp\.reshape: shape must be a list of non-negative integers \(one may be -1\) or one integer, got undefined$/,
    );
    expect(() => jnp.zeros([Number.NaN])).toThrow(
      /jnp\.zeros: shape must be .*; shape\[0\] is NaN, which is not a valid dimension/,
    );
    // JAX's _check_shapelike: a negative dimension is a TypeError.
    expect(() => jnp.zeros([-1])).toThrow(TypeError);
    expect(() => jnp.zeros([-1])).toThrow(/negative dimensions are not allowed/);
    expect(() => jnp.zeros([1.5])).toThrow(TypeError);
  });

  it("a JS number alone is a 1-D shape where NumPy takes one", () => {
    expect(jnp.zeros(3).shape).toEqual([3]);
    expect(jnp.full(2, 7).shape).toEqual([2]);
    expect(jnp.broadcastTo(1, 4).shape).toEqual([4]);
    expect(jnp.reshape(m, 6).shape).toEqual([6]);
    expect(jnp.reshape(m, [3, -1]).shape).toEqual([3, 2]);
    // JAX's random samplers take sequences only.
    expect(() => random.normal(key, 3 as never)).toThrow(TypeError);
  });
});

describe("axis arguments", () => {
  const takers: [string, (a: never) => unknown][] = [
    ["jnp.sum", (a) => jnp.sum(m, a)],
    ["jnp.mean", (a) => jnp.mean(m, a)],
    ["jnp.max", (a) => jnp.max(m, { axis: a })],
    ["jnp.var", (a) => jnp.var(m, a)],
    ["jnp.median", (a) => jnp.median(m, a)],
    ["jnp.argmax", (a) => jnp.argmax(m, a)],
    ["jnp.cumsum", (a) => jnp.cumsum(m, a)],
    ["jnp.sort", (a) => jnp.sort(m, a)],
    ["jnp.take", (a) => jnp.take(m, [0], a)],
    ["jnp.concatenate", (a) => jnp.concatenate([m, m], a)],
    ["jnp.stack", (a) => jnp.stack([m, m], a)],
    ["lax.cumsum", (a) => lax.cumsum(m, { axis: a })],
    ["nn.softmax", (a) => nn.softmax(m, a)],
  ];
  for (const [fn, call] of takers) {
    it.each(BAD_KINDS.filter(([, b]) => b !== undefined && b !== null && b !== -1))(
      `${fn} rejects %s as an axis`,
      (_, bad) => {
        const e = thrown(() => call(bad as never));
        // An object in the axis position of a reduction is an options object with an unknown key.
        expectNamed(e, fn, typeof bad === "object" && !e.message.includes("axis") ? "'a'" : "axis");
      },
    );
    it(`${fn} rejects an out-of-range axis with a ValueError (JAX's canonicalize_axis)`, () => {
      const e = thrown(() => call(7 as never));
      expectNamed(e, fn, "axis");
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toMatch(/out of bounds/);
    });
  }

  it("the issue's example and repeated axes", () => {
    expect(() => jnp.sum(m, "1" as never)).toThrow(
      'jnp.sum: axis must be an integer, a list of integers or null, got the string "1"',
    );
    expect(() => jnp.sum(m, [0, 0.5])).toThrow(
      /jnp\.sum: axis must be .*; axis\[1\] is number 0\.5/,
    );
    expect(() => jnp.sum(m, [1, -1])).toThrow(
      /jnp\.sum: repeated axis: axis \[1, -1\] names axis 1 twice/,
    );
  });
});

describe("dtype arguments", () => {
  const takers: [string, (d: never) => unknown][] = [
    ["jnp.zeros", (d) => jnp.zeros([2], d)],
    ["jnp.array", (d) => jnp.array([1, 2], d)],
    ["jnp.arange", (d) => jnp.arange(0, 3, 1, d)],
    ["jnp.linspace", (d) => jnp.linspace(0, 1, 3, { dtype: d })],
    ["jnp.sum", (d) => jnp.sum(m, { dtype: d })],
    ["jnp.cumsum", (d) => jnp.cumsum(m, 0, d)],
    ["jnp.concatenate", (d) => jnp.concatenate([m, m], 0, { dtype: d })],
    ["jnp.matmul", (d) => jnp.matmul(m, jnp.ones([3, 2]), { preferredElementType: d })],
    ["random.normal", (d) => random.normal(key, [2], d)],
    ["random.orthogonal", (d) => random.orthogonal(key, 2, [], { dtype: d })],
  ];
  for (const [fn, call] of takers) {
    it.each([
      ["an unknown name", "float16x"],
      ["a number", 1.5],
      ["an object", { a: 1 }],
    ])(`${fn} rejects %s as a dtype`, (_, bad) => {
      const e = thrown(() => call(bad as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message.startsWith(`${fn}: `)).toBe(true);
      expect(e.message).toMatch(/dtype|preferredElementType/);
    });
  }

  it("the issue's example lists the valid dtypes", () => {
    expect(() => jnp.zeros([2], "float16x" as never)).toThrow(
      /^jnp\.zeros: unknown dtype 'float16x'; valid: bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, bfloat16, float16, float32, float64/,
    );
  });
});

describe("array arguments", () => {
  const takers: [string, (x: never) => unknown][] = [
    ["jnp.sum", (x) => jnp.sum(x)],
    ["jnp.mean", (x) => jnp.mean(x)],
    ["jnp.exp", (x) => jnp.exp(x)],
    ["jnp.reshape", (x) => jnp.reshape(x, [1])],
    ["jnp.broadcast_to", (x) => jnp.broadcastTo(x, [2])],
    ["jnp.sort", (x) => jnp.sort(x)],
    ["jnp.matmul", (x) => jnp.matmul(x, m)],
    ["jnp.concatenate", (x) => jnp.concatenate(x)],
    ["jnp.hstack", (x) => jnp.hstack(x)],
    ["jnp.linalg.cholesky", (x) => jnp.linalg.cholesky(x)],
    ["lax.cumsum", (x) => lax.cumsum(x)],
    ["nn.relu", (x) => nn.relu(x)],
  ];
  for (const [fn, call] of takers) {
    it.each([
      ["undefined", undefined],
      ["null", null],
      ["a string", "abc"],
      ["an object", { a: 1 }],
    ])(`${fn} rejects %s as an array`, (_, bad) => {
      const e = thrown(() => call(bad as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).not.toMatch(/Cannot read properties|is not iterable|is not a function/);
      expect(e.message).toMatch(/^(jnp|lax|nn)\.\w+(\.\w+)?: /);
    });
  }
});

describe("the library still works after rejecting bad arguments", () => {
  it("computes after a burst of bad calls", () => {
    for (const [, bad] of BAD_KINDS) {
      try {
        jnp.zeros(bad as never);
      } catch {}
      try {
        jnp.sum(m, bad as never);
      } catch {}
    }
    expect(jnp.sum(m, 1).toArray()).toEqual([3, 3]);
  });
});
