import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Array, numpy as jnp } from "../../src/index.js";
import * as random from "../../src/random/index.js";
import { vals } from "../util/index.js";
import { CHI2_CRIT_001, chiSquare, legacy } from "./helpers.js";

const counts = (xs: number[], k: number, offset = 0) => {
  const c = new globalThis.Array<number>(k).fill(0);
  for (const x of xs) c[x - offset]!++;
  return c;
};
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const range = (n: number) => globalThis.Array.from({ length: n }, (_, i) => i);

describe("bernoulli", () => {
  it("is true with probability p, per element of a broadcast p", () => {
    const n = 20000;
    const b = random.bernoulli(random.PRNGKey(1), 0.3, [n]);
    expect(b.dtype).toBe("bool");
    const c = counts(vals(b), 2);
    expect(chiSquare(c, [0.7, 0.3])).toBeLessThan(CHI2_CRIT_001[1]!);
    const p = jnp.array([0.0, 0.25, 1.0]);
    const m = vals(random.bernoulli(random.PRNGKey(2), p, [4000, 3]));
    const col = (j: number) => m.filter((_, i) => i % 3 === j);
    expect(col(0).every((x) => x === 0)).toBe(true);
    expect(col(2).every((x) => x === 1)).toBe(true);
    expect(chiSquare(counts(col(1), 2), [0.75, 0.25])).toBeLessThan(CHI2_CRIT_001[1]!);
  });

  it('mode "high" draws with probability p too (two uniforms per value)', () => {
    const high = vals(random.bernoulli(random.PRNGKey(3), 0.5, [20000], "high"));
    expect(chiSquare(counts(high, 2), [0.5, 0.5])).toBeLessThan(CHI2_CRIT_001[1]!);
    expect(
      vals(random.bernoulli(random.PRNGKey(3), 0.0, [1000], "high")).every((x) => x === 0),
    ).toBe(true);
    expect(
      vals(random.bernoulli(random.PRNGKey(3), 1.0, [1000], "high")).every((x) => x === 1),
    ).toBe(true);
    expect(() => random.bernoulli(random.PRNGKey(3), 0.5, [2], "mid" as "low")).toThrow(
      /random\.bernoulli: got mode="mid", expected "low" or "high"/,
    );
  });

  it("takes p's shape by default and explains a non-float p", () => {
    expect(random.bernoulli(random.PRNGKey(0), jnp.full([2, 3], 0.5)).shape).toEqual([2, 3]);
    expect(random.bernoulli(random.PRNGKey(0)).shape).toEqual([]);
    expect(() => random.bernoulli(random.PRNGKey(0), jnp.array([1], "int32"))).toThrow(
      /random\.bernoulli: probability p must have a floating dtype, got int32/,
    );
  });
});

describe("randint", () => {
  // tests/random_test.py testPRNGValues (non-partitionable): randint(key(0), (3, 3), 0, 8, dtype='int32').
  it("matches JAX's recorded values (non-partitionable)", () => {
    legacy(() => {
      const r = random.randint(random.PRNGKey(0), [3, 3], 0, 8);
      expect(r.dtype).toBe("int32");
      expect(vals(r)).toEqual([2, 1, 3, 6, 1, 5, 6, 3, 4]);
    });
  });

  it("is uniform over [minval, maxval)", () => {
    const xs = vals(random.randint(random.PRNGKey(4), [21000], -3, 4));
    expect(xs.every((x) => x >= -3 && x < 4)).toBe(true);
    expect(chiSquare(counts(xs, 7, -3), new globalThis.Array(7).fill(1 / 7))).toBeLessThan(
      CHI2_CRIT_001[6]!,
    );
  });

  it("handles empty spans, array bounds, full ranges and uint32", () => {
    const key = random.PRNGKey(5);
    expect(vals(random.randint(key, [4], 5, 5))).toEqual([5, 5, 5, 5]);
    expect(vals(random.randint(key, [4], 5, 2))).toEqual([5, 5, 5, 5]);
    const lo = jnp.array([0, 10, 100], "int32");
    const r = vals(random.randint(key, [500, 3], lo, jnp.add(lo, 2)));
    const offsets = r.map((x, i) => x - [0, 10, 100][i % 3]!);
    expect(offsets.every((o) => o === 0 || o === 1)).toBe(true);
    const u = random.randint(key, [2000], 0, 2 ** 32, "uint32");
    expect(u.dtype).toBe("uint32");
    expect(vals(u).some((x) => x >= 2 ** 31)).toBe(true);
    const full = vals(random.randint(key, [2000], -(2 ** 31), 2 ** 31));
    expect(full.some((x) => x < 0) && full.some((x) => x > 0)).toBe(true);
  });

  it("explains bad dtypes and bound shapes", () => {
    expect(() => random.randint(random.PRNGKey(0), [3], 0, 5, "float32")).toThrow(
      /random\.randint only accepts integer dtypes \(int8, uint8, int16, uint16, int32, uint32, int64, uint64\), got float32/,
    );
    expect(() => random.randint(random.PRNGKey(0), [3], jnp.zeros([4], "int32"), 5)).toThrow(
      /random\.randint: shapes \(3,\), \(4,\), \(\) cannot be broadcast together/,
    );
  });
});

describe("categorical", () => {
  const probs = [0.1, 0.2, 0.3, 0.4];
  const logits = jnp.log(jnp.array(probs));

  it("draws indices with probabilities softmax(logits)", () => {
    const xs = vals(random.categorical(random.PRNGKey(6), logits, { shape: [20000] }));
    expect(chiSquare(counts(xs, 4), probs)).toBeLessThan(CHI2_CRIT_001[3]!);
  });

  it("along any axis, with a batch shape", () => {
    const l = jnp.stack([logits, jnp.flip(logits)], 1); // [4, 2]: categories on axis 0
    const out = random.categorical(random.PRNGKey(7), l, { axis: 0, shape: [10000, 2] });
    expect(out.shape).toEqual([10000, 2]);
    expect(out.dtype).toBe("int32");
    const xs = vals(out);
    const col = (j: number) => xs.filter((_, i) => i % 2 === j);
    expect(chiSquare(counts(col(0), 4), probs)).toBeLessThan(CHI2_CRIT_001[3]!);
    expect(chiSquare(counts(col(1), 4), [...probs].reverse())).toBeLessThan(CHI2_CRIT_001[3]!);
    expect(random.categorical(random.PRNGKey(7), l, { axis: 0 }).shape).toEqual([2]);
  });

  it("without replacement gives distinct categories", () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 6 }), (seed, k) => {
        const l = random.normal(random.PRNGKey(seed), [6]);
        const out = vals(
          random.categorical(random.PRNGKey(seed + 1), l, { shape: [k], replace: false }),
        );
        expect(new Set(out).size).toBe(k);
      }),
      { numRuns: 20 },
    );
    expect(() =>
      random.categorical(random.PRNGKey(0), logits, { shape: [5], replace: false }),
    ).toThrow(
      /random\.categorical: number of samples without replacement \(5\) cannot exceed number of categories \(4\)/,
    );
  });
});

describe("permutation, shuffle and choice", () => {
  it("permutation of n or of an array's entries is a permutation", () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 3000 }), (seed, n) => {
        const p = vals(random.permutation(random.PRNGKey(seed), n));
        expect(sorted(p)).toEqual(range(n));
      }),
      { numRuns: 25 },
    );
    const x = jnp.arange(12).reshape(4, 3);
    const rowsOut = random.permutation(random.PRNGKey(8), x);
    // Rows move together.
    const r = vals(rowsOut);
    for (let i = 0; i < 4; i++)
      expect([r[3 * i + 1]! - r[3 * i]!, r[3 * i + 2]! - r[3 * i]!]).toEqual([1, 2]);
    expect(sorted(r)).toEqual(range(12));
  });

  it("independent permutes each slice on its own (shuffle)", () => {
    const x = jnp.tile(jnp.arange(50), [4, 1]) as Array; // 4 identical rows
    const p = random.permutation(random.PRNGKey(9), x, { axis: 1, independent: true });
    const row = (i: number) => vals(p).slice(50 * i, 50 * i + 50);
    for (let i = 0; i < 4; i++) expect(sorted(row(i))).toEqual(range(50));
    expect(row(0)).not.toEqual(row(1));
    expect(vals(random.shuffle(random.PRNGKey(9), x, 1))).toEqual(vals(p));
  });

  it("a large permutation sorts twice (two rounds of keys), and is still a permutation", () => {
    const p = vals(random.permutation(random.PRNGKey(10), 5000));
    expect(sorted(p)).toEqual(range(5000));
  });

  it("choice with and without replacement, with probabilities, along an axis", () => {
    const key = random.PRNGKey(11);
    const a = jnp.arange(10, 20);
    const w = vals(random.choice(key, a, [5], { replace: false }));
    expect(new Set(w).size).toBe(5);
    expect(w.every((v) => v >= 10 && v < 20)).toBe(true);
    const p = jnp.array([0.5, 0.0, 0.25, 0.25]);
    const xs = vals(random.choice(key, 4, [20000], { p }));
    const c = counts(xs, 4);
    expect(c[1]).toBe(0);
    expect(chiSquare([c[0]!, c[2]!, c[3]!], [0.5, 0.25, 0.25])).toBeLessThan(CHI2_CRIT_001[2]!);
    const nr = vals(random.choice(key, 4, [3], { p, replace: false }));
    expect(sorted(nr)).toEqual([0, 2, 3]);
    const m = jnp.arange(12).reshape(3, 4);
    const cols = random.choice(key, m, [2, 2], { axis: 1 });
    expect(cols.shape).toEqual([3, 2, 2]);
    expect(random.choice(key, 5).shape).toEqual([]);
  });

  it("explains impossible draws", () => {
    const key = random.PRNGKey(0);
    expect(() => random.choice(key, 3, [4], { replace: false })).toThrow(
      /random\.choice: cannot take a larger sample \(size 4\) than population \(size 3\) when replace is false/,
    );
    expect(() => random.choice(key, 3, [2], { p: jnp.array([0.5, 0.5]) })).toThrow(
      /p has shape \(2,\) and a\.shape\[axis\] is 3/,
    );
    expect(() => random.permutation(key, 2.5)).toThrow(
      /random\.permutation: x must be a non-negative integer/,
    );
  });
});
