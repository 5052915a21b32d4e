import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Array, jit, numpy as jnp, lax, vmap, withX64 } from "../../src/index.js";
import * as random from "../../src/random/index.js";
import { vals } from "../util/index.js";
import { legacy } from "./helpers.js";

/** The key words of a [n, 2] key array, one [w1, w2] per key. */
function rows(keys: Array): number[][] {
  const d = vals(keys);
  return globalThis.Array.from({ length: d.length / 2 }, (_, i) => [d[2 * i]!, d[2 * i + 1]!]);
}

describe("PRNGKey and key", () => {
  // docs/jep/9263-typed-keys.md: `jax.random.PRNGKey(0)` is `Array([0, 0], dtype=uint32)`.
  it("PRNGKey(0) is [0, 0], uint32[2]", () => {
    const k = random.PRNGKey(0);
    expect(k.dtype).toBe("uint32");
    expect(k.shape).toEqual([2]);
    expect(vals(k)).toEqual([0, 0]);
    expect(vals(random.key(0))).toEqual([0, 0]);
  });

  // tests/random_test.py test_prng_seeds_and_keys: the key of each seed, without and with x64.
  // Python ints and np.int64 seeds are JS numbers here; np.int32/np.uint32 seeds are 0-d arrays.
  const I32_MAX = 2 ** 31 - 1;
  const I32_MIN = -(2 ** 31);
  const numberSeeds: [number, number[], number[]][] = [
    [0, [0, 0], [0, 0]],
    [3, [0, 3], [0, 3]],
    [-1, [0, 4294967295], [4294967295, 4294967295]],
    [-3, [0, 4294967293], [4294967295, 4294967293]],
    [I32_MAX + 100, [0, 2147483747], [0, 2147483747]],
    [I32_MIN - 100, [0, 2147483548], [4294967295, 2147483548]],
    [I32_MIN - 101, [0, 2147483547], [4294967295, 2147483547]],
  ];
  it.each(numberSeeds)("seed %d gives JAX's key (x32 %j, x64 %j)", (seed, x32, x64) => {
    for (const make of [random.PRNGKey, random.key]) {
      expect(vals(make(seed))).toEqual(x32);
      expect(withX64(() => vals(make(seed)))).toEqual(x64);
    }
  });

  const arraySeeds: [Array, number[]][] = [
    [jnp.array(1, "int32"), [0, 1]],
    [jnp.array(-2, "int32"), [0, 4294967294]],
    [jnp.array(2, "uint32"), [0, 2]],
    [jnp.array(I32_MAX + 101, "uint32"), [0, 2147483748]],
  ];
  it.each(arraySeeds)("array seed %s gives JAX's key, eagerly and under jit", (seed, expected) => {
    expect(vals(random.PRNGKey(seed))).toEqual(expected);
    expect(vals(jit((s: Array) => random.PRNGKey(s))(seed))).toEqual(expected);
    expect(withX64(() => vals(random.key(seed)))).toEqual(expected);
  });

  it("rejects non-scalar and non-integer seeds (test_non_scalar_seed, test_non_integer_seed)", () => {
    expect(() => random.PRNGKey(jnp.array([1, 2], "int32"))).toThrow(
      /random\.PRNGKey accepts a scalar seed, but was given an array of shape \(2,\) != \(\)\. Use jax\.vmap for batching/,
    );
    expect(() => random.key(1.5)).toThrow(/random\.key: seed must be an integer/);
    expect(() => random.PRNGKey(jnp.array(1.5, "float32"))).toThrow(
      /random\.PRNGKey: seed must be an integer, got an array of dtype float32/,
    );
  });

  it("keyData and wrapKeyData are identities on raw keys", () => {
    const k = random.split(random.PRNGKey(3), [2, 3]);
    expect(random.keyData(k)).toBe(k);
    expect(random.wrapKeyData(k)).toBe(k);
    expect(() => random.wrapKeyData(jnp.array([1, 2, 3], "uint32"))).toThrow(
      /random\.wrapKeyData: expected uint32 key data of shape \(\.\.\., 2\), got uint32\(3,\)/,
    );
  });
});

describe("split and foldIn", () => {
  it("split makes [num, 2] keys (or [...shape, 2])", () => {
    const k = random.PRNGKey(0);
    expect(random.split(k).shape).toEqual([2, 2]);
    expect(random.split(k, 5).shape).toEqual([5, 2]);
    expect(random.split(k, [2, 3]).shape).toEqual([2, 3, 2]);
    expect(random.split(k, 0).shape).toEqual([0, 2]);
    expect(random.split(k, [2, 3]).dtype).toBe("uint32");
    // As in Python, `const [key, subkey] = random.split(key)` unpacks the keys.
    const [a, b] = random.split(k);
    expect([vals(a), vals(b)]).toEqual(random.splitList(k, 2).map(vals));
    // The shape of keys is the row-major layout of the flat split.
    expect(vals(random.split(k, [2, 3]))).toEqual(vals(random.split(k, 6)));
  });

  // tests/random_test.py testPRNGValues: values with jax_threefry_partitionable=False.
  it("matches JAX's recorded split and fold_in values (non-partitionable)", () => {
    legacy(() => {
      expect(rows(random.split(random.PRNGKey(0), 4))).toEqual([
        [2285895361, 1501764800],
        [1518642379, 4090693311],
        [433833334, 4221794875],
        [839183663, 3740430601],
      ]);
      expect(vals(random.foldIn(random.PRNGKey(0), 4))).toEqual([2285895361, 433833334]);
    });
    // fold_in is the same function in both schemes (threefry_fold_in).
    expect(vals(random.foldIn(random.PRNGKey(0), 4))).toEqual([2285895361, 433833334]);
  });

  // jax/_src/random/stateful_rng.py, StatefulPRNG.key's example: stateful_rng(0) folds the
  // counter 0, 1, ... into key(0), giving [1797259609 2579123966] then [928981903 3453687069].
  it("fold_in(key(0), 0 and 1), and split(key(0)), match JAX's documented keys", () => {
    expect(vals(random.foldIn(random.key(0), 0))).toEqual([1797259609, 2579123966]);
    expect(vals(random.foldIn(random.key(0), 1))).toEqual([928981903, 3453687069]);
    expect(rows(random.split(random.key(0)))).toEqual([
      [1797259609, 2579123966],
      [928981903, 3453687069],
    ]);
  });

  // tests/random_test.py test_threefry_split_fold_in_symmetry (partitionable scheme).
  it("fold_in(key, i) is split(key, n)[i] (test_threefry_split_fold_in_symmetry)", () => {
    const key = random.key(72);
    const s = rows(random.split(key, 3));
    for (let i = 0; i < 3; i++) expect(vals(random.foldIn(key, i))).toEqual(s[i]);
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.integer({ min: 1, max: 20 }),
        (seed, n) => {
          const k = random.PRNGKey(seed);
          const keys = rows(random.split(k, n));
          const i = Math.abs(seed) % n;
          expect(vals(random.foldIn(k, i))).toEqual(keys[i]);
        },
      ),
      { numRuns: 30 },
    );
  });

  // test_threefry_split_vmapped_fold_in_symmetry (JAX issue #7708).
  it("vmapped fold_in over the axis index equals split", () => {
    const key = random.key(72);
    const f = vmap((k: Array, _x: Array) => random.foldIn(k, lax.axisIndex("batch")), {
      inAxes: [null, 0],
      axisName: "batch",
    });
    expect(rows(f(key, jnp.ones([3])))).toEqual(rows(random.split(key, 3)));
  });

  it("split and foldIn under jit equal eager", () => {
    const k = random.PRNGKey(1234);
    expect(vals(jit((key: Array) => random.split(key, 7))(k))).toEqual(vals(random.split(k, 7)));
    const folded = jit((key: Array, d: Array) => random.foldIn(key, d))(k, jnp.array(99, "int32"));
    expect(vals(folded)).toEqual(vals(random.foldIn(k, 99)));
  });

  it("vmap of split over a batch of keys equals a loop", () => {
    const keys = random.split(random.PRNGKey(5), 3);
    const got = vmap((k: Array) => random.split(k, 4))(keys);
    expect(got.shape).toEqual([3, 4, 2]);
    expect(vals(got)).toEqual(
      random.splitList(random.PRNGKey(5), 3).flatMap((k) => vals(random.split(k, 4))),
    );
  });

  it("foldIn takes data modulo 2^32", () => {
    const k = random.PRNGKey(9);
    expect(vals(random.foldIn(k, -1))).toEqual(vals(random.foldIn(k, 2 ** 32 - 1)));
    expect(vals(random.foldIn(k, jnp.array(-1, "int32")))).toEqual(
      vals(random.foldIn(k, 2 ** 32 - 1)),
    );
  });

  it("explains bad keys and data", () => {
    const keys = random.split(random.PRNGKey(0), 4);
    expect(() => random.split(keys)).toThrow(
      /random\.split accepts a single key, but was given a key array of shape \(4, 2\) != \(2,\)\. Use jax\.vmap for batching/,
    );
    expect(() => random.normal(jnp.array([0, 0], "int32"))).toThrow(
      /random\.normal: key must be a PRNG key, a uint32 array of shape \(2,\) .*got int32\(2,\)/,
    );
    expect(() => random.split(random.PRNGKey(0), -1)).toThrow(
      /random\.split: num must be a non-negative integer/,
    );
    expect(() => random.foldIn(random.PRNGKey(0), jnp.array([1, 2], "int32"))).toThrow(
      /random\.foldIn accepts a scalar integer, but was given an array of dtype int32 and shape \(2,\)/,
    );
  });
});

describe("bits", () => {
  // tests/random_test.py testRngRandomBits (non-partitionable): random.bits(make_key(1701), (3,), 'uint32').
  it("matches JAX's recorded bits (non-partitionable)", () => {
    legacy(() => {
      expect(vals(random.bits(random.PRNGKey(1701), [3], "uint32"))).toEqual([
        56197195, 4200222568, 961309823,
      ]);
    });
  });

  it("partitionable bits are the xor of the two words of the split keys", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
        (seed, shape) => {
          const k = random.PRNGKey(seed);
          const words = rows(
            random.split(
              k,
              shape.reduce((a, b) => a * b, 1),
            ),
          );
          const b = random.bits(k, shape);
          expect(b.shape).toEqual(shape);
          expect(vals(b)).toEqual(words.map(([x, y]) => (x! ^ y!) >>> 0));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("only makes uint32 (test_random_bits_error)", () => {
    expect(() => random.bits(random.PRNGKey(0), [3, 4], "int32")).toThrow(
      /random\.bits: dtype must be an unsigned int dtype .*got int32/,
    );
    expect(() => random.bits(random.PRNGKey(0), [3, -1])).toThrow(
      /random\.bits: shape must be a list of non-negative integers/,
    );
  });
});
