/**
 * int64 and uint64 under jax_enable_x64: storage at real width (word pairs),
 * exact values past 2^53, XLA's wrapping integer arithmetic, JAX's promotion
 * with x64, NumPy's printing (test/fixtures/int64.py), jit equal to eager,
 * vmap, and canonicalization to int32/uint32 without x64.
 */
import { describe, expect, it } from "vitest";
import { config, withX64 } from "../../src/config.js";
import { type Array, type ArrayImpl, hostValues } from "../../src/core/array.js";
import { type DType, promoteTypes, wordsToBigInt } from "../../src/dtype.js";
import { grad, jit, numpy as jnp, lax, random, vmap } from "../../src/index.js";
import fixtures from "../fixtures/int64.json" with { type: "json" };

/** Exact values of a 64-bit array, as BigInts. */
function bigVals(x: Array): bigint[] {
  const d = hostValues(x as ArrayImpl);
  const out: bigint[] = [];
  for (let i = 0; i < d.length; i += 2)
    out.push(wordsToBigInt(d[i]!, d[i + 1]!, x.dtype === "int64"));
  return out;
}
const i64 = (...v: bigint[]): Array => jnp.array(new BigInt64Array(v));
const u64 = (...v: bigint[]): Array => jnp.array(new BigUint64Array(v));
const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

describe("int64 storage and conversion", () => {
  it("values past 2^53 round-trip exactly", () =>
    withX64(() => {
      const x = i64(2n ** 62n + 1n, -5n, MIN, MAX);
      expect(x.dtype).toBe("int64");
      expect(bigVals(x)).toEqual([2n ** 62n + 1n, -5n, MIN, MAX]);
      const u = u64(2n ** 64n - 1n, 2n ** 53n + 1n);
      expect(u.dtype).toBe("uint64");
      expect(bigVals(u)).toEqual([2n ** 64n - 1n, 2n ** 53n + 1n]);
      // Through data movement, eagerly and under jit.
      const f = (a: Array) => a.reshape([2, 2]).T.get(0);
      expect(bigVals(f(x))).toEqual([2n ** 62n + 1n, MIN]);
      expect(bigVals(jit(f)(x))).toEqual([2n ** 62n + 1n, MIN]);
    }));

  it("canonicalizes to int32/uint32 without x64", () => {
    expect(config.x64).toBe(false);
    expect(jnp.arange(3).dtype).toBe("int32");
    expect(jnp.zeros([2], "int64").dtype).toBe("int32");
    expect(jnp.array(new BigInt64Array([1n, -2n])).dtype).toBe("int32");
    // jnp.promoteTypes does not canonicalize (JAX's dtypes.promote_types); arrays do.
    expect(jnp.promoteTypes("int32", "uint32")).toBe("int64");
    expect(jnp.zeros([2], jnp.promoteTypes("int32", "uint32")).dtype).toBe("int32");
    expect(random.bits(random.PRNGKey(0), [2], "uint64").dtype).toBe("uint32");
  });

  it("x64 defaults: arange, weak ints, promotion", () =>
    withX64(() => {
      // jnp.argmax/argmin index with the default int, as JAX's.
      expect(jnp.argmax(jnp.array([1, 3, 2])).dtype).toBe("int64");
      expect(
        jnp
          .argmin(
            jnp.array([
              [1, 3],
              [0, 2],
            ]),
            1,
          )
          .toArray(),
      ).toEqual([0, 0]);
      expect(jnp.arange(3).dtype).toBe("int64");
      expect(jnp.arange(3).toString()).toBe("[0 1 2]");
      expect(jnp.promoteTypes("int32", "uint32")).toBe("int64");
      expect(jnp.promoteTypes("uint64", "int64")).toBe("float64");
      expect(jnp.promoteTypes("uint64", "uint8")).toBe("uint64");
      expect(jnp.promoteTypes("int64", "int8")).toBe("int64");
      expect(jnp.promoteTypes("int64", "float16")).toBe("float16");
      // Weak ints are int64 and adopt strong dtypes.
      expect(
        promoteTypes({ dtype: "int64", weakType: true }, { dtype: "int8", weakType: false }),
      ).toEqual({
        dtype: "int8",
        weakType: false,
      });
      expect(jnp.arange(3, undefined, undefined).add(1).dtype).toBe("int64");
      expect(jnp.arange(3).astype("int32").add(1).dtype).toBe("int32");
      expect(jnp.arange(3).astype("uint32").add(jnp.arange(3).astype("int32")).dtype).toBe("int64");
      expect(jit((n: Array) => n)(5 as unknown as Array).dtype).toBe("int64");
    }));

  it("JAX's promotion table for pairs with int64/uint64 under x64", () =>
    withX64(() => {
      // jax.numpy.promote_types with x64 (the docs' type promotion table).
      const rows: [DType, DType, DType][] = [
        ["bool", "int64", "int64"],
        ["uint8", "int64", "int64"],
        ["uint8", "uint64", "uint64"],
        ["uint16", "uint64", "uint64"],
        ["uint32", "int64", "int64"],
        ["uint32", "uint64", "uint64"],
        ["int8", "uint64", "float64"],
        ["int32", "uint64", "float64"],
        ["int64", "uint64", "float64"],
        ["int64", "bfloat16", "bfloat16"],
        ["uint64", "float32", "float32"],
        ["int64", "float64", "float64"],
        ["int64", "complex64", "complex64"],
      ];
      for (const [a, b, want] of rows) expect([a, b, jnp.promoteTypes(a, b)]).toEqual([a, b, want]);
      // Weak types: a weak int with uint64 is uint64; a weak float with int64 is float64.
      expect(u64(1n).add(1).dtype).toBe("uint64");
      expect(i64(1n).mul(2.5).dtype).toBe("float64");
    }));

  it("iinfo has exact bigint limits", () => {
    const i = jnp.iinfo("int64");
    expect(i.bits).toBe(64);
    expect(i.maxBig).toBe(9223372036854775807n);
    expect(i.minBig).toBe(-9223372036854775808n);
    expect(i.min).toBe(-(2 ** 63));
    expect(jnp.iinfo("uint64").maxBig).toBe(18446744073709551615n);
    expect(jnp.iinfo("int32").maxBig).toBe(2147483647n);
  });

  it("converts to and from every kind of dtype as XLA", () =>
    withX64(() => {
      const x = i64(2n ** 62n + 1n, -5n, 7n, MIN);
      expect(globalThis.Array.from(x.astype("float64").toArray() as number[])).toEqual([
        2 ** 62,
        -5,
        7,
        -(2 ** 63),
      ]);
      // Rounded once to float32 (2^24 + 1 is a tie: to even).
      expect(
        i64(2n ** 24n + 1n, 2n ** 60n + 2n ** 36n + 1n)
          .astype("float32")
          .toArray(),
      ).toEqual([2 ** 24, 2 ** 60 + 2 ** 37]);
      expect(x.astype("int32").toArray()).toEqual([1, -5, 7, 0]);
      expect(x.astype("uint8").toArray()).toEqual([1, 251, 7, 0]);
      expect(x.astype("bool").toArray()).toEqual([true, true, true, true]);
      expect(bigVals(x.astype("uint64"))).toEqual([2n ** 62n + 1n, 2n ** 64n - 5n, 7n, 2n ** 63n]);
      // float → int64 saturates, NaN → 0.
      const f = jnp.array([1e19, -1e19, Number.NaN, -3.7, 2 ** 60], "float64");
      expect(bigVals(f.astype("int64"))).toEqual([MAX, MIN, 0n, -3n, 2n ** 60n]);
      expect(bigVals(f.astype("uint64"))).toEqual([10000000000000000000n, 0n, 0n, 0n, 2n ** 60n]);
      expect(bigVals(jnp.array([-1, 2], "int32").astype("int64"))).toEqual([-1n, 2n]);
      expect(bigVals(jnp.array([4294967295], "uint32").astype("int64"))).toEqual([4294967295n]);
      expect(bigVals(jnp.array([true, false]).astype("int64"))).toEqual([1n, 0n]);
      // item and toArray are JS numbers.
      expect(i64(-5n).reshape([]).item()).toBe(-5);
      expect(x.toArray()).toEqual([2 ** 62, -5, 7, -(2 ** 63)]);
    }));
});

describe("int64 arithmetic (XLA's integer semantics, modulo 2^64)", () => {
  const a = [2n ** 62n + 1n, -5n, MIN, MAX, 0n, 9n];
  const b = [3n, 0n, -1n, -1n, 0n, -2n];
  const wrap = (v: bigint) => BigInt.asIntN(64, v);
  const cases: [
    string,
    (x: Array, y: Array) => Array,
    (p: bigint, q: bigint) => bigint | boolean,
  ][] = [
    ["add", lax.add, (p, q) => wrap(p + q)],
    ["sub", lax.sub, (p, q) => wrap(p - q)],
    ["mul", lax.mul, (p, q) => wrap(p * q)],
    ["div", lax.div, (p, q) => (q === 0n ? -1n : wrap(p / q))],
    ["rem", lax.rem, (p, q) => (q === 0n ? p : p % q)],
    // biome-ignore lint/complexity/useMathMinMax: BigInts (Math.max takes numbers)
    ["max", lax.max, (p, q) => (p > q ? p : q)],
    // biome-ignore lint/complexity/useMathMinMax: BigInts (Math.max takes numbers)
    ["min", lax.min, (p, q) => (p < q ? p : q)],
    ["and", lax.bitwiseAnd, (p, q) => p & q],
    ["or", lax.bitwiseOr, (p, q) => p | q],
    ["xor", lax.bitwiseXor, (p, q) => wrap(p ^ q)],
    ["lt", lax.lt, (p, q) => p < q],
    ["eq", lax.eq, (p, q) => p === q],
  ];
  for (const [name, op, ref] of cases) {
    it(`${name}, eager and jit`, () =>
      withX64(() => {
        const x = i64(...a);
        const y = i64(...b);
        const want = a.map((p, i) => ref(p, b[i]!));
        const read = (r: Array) => (r.dtype === "bool" ? (r.toArray() as boolean[]) : bigVals(r));
        expect(read(op(x, y))).toEqual(want);
        expect(read(jit(op)(x, y))).toEqual(want);
      }));
  }

  it("unary ops, shifts, bit counts, integer_pow, clamp", () =>
    withX64(() => {
      const x = i64(MIN, -5n, 0n, 7n, MAX);
      expect(bigVals(lax.neg(x))).toEqual([MIN, 5n, 0n, -7n, -MAX]);
      expect(bigVals(lax.abs(x))).toEqual([MIN, 5n, 0n, 7n, MAX]);
      expect(bigVals(lax.sign(x))).toEqual([-1n, -1n, 0n, 1n, 1n]);
      expect(bigVals(lax.bitwiseNot(x))).toEqual([MAX, 4n, -1n, -8n, MIN]);
      expect(bigVals(lax.populationCount(x))).toEqual([1n, 63n, 0n, 3n, 63n]);
      expect(bigVals(lax.clz(x))).toEqual([0n, 0n, 64n, 61n, 1n]);
      const s = i64(1n, 63n, 64n, 2n, 1n);
      expect(bigVals(lax.shiftLeft(x, s))).toEqual([0n, MIN, 0n, 28n, -2n]);
      expect(bigVals(lax.shiftRightArithmetic(x, s))).toEqual([
        -(2n ** 62n),
        -1n,
        0n,
        1n,
        2n ** 62n - 1n,
      ]);
      expect(bigVals(lax.shiftRightLogical(x, s))).toEqual([2n ** 62n, 1n, 0n, 1n, 2n ** 62n - 1n]);
      expect(bigVals(lax.integerPow(i64(3n, -2n), 41))).toEqual([
        wrap(3n ** 41n),
        wrap((-2n) ** 41n),
      ]);
      expect(bigVals(lax.clamp(i64(-1n).reshape([]), x, i64(8n).reshape([])))).toEqual([
        -1n,
        -1n,
        0n,
        7n,
        8n,
      ]);
      const u = u64(2n ** 64n - 1n, 5n);
      expect(bigVals(lax.add(u, u64(1n, 2n)))).toEqual([0n, 7n]);
      expect(bigVals(lax.div(u, u64(0n, 2n)))).toEqual([2n ** 64n - 1n, 2n]);
      expect(lax.lt(u, u64(1n, 6n)).toArray()).toEqual([false, true]);
    }));

  it("reductions, cumulative ops, argmax, sort, dot", () =>
    withX64(() => {
      const x = i64(MAX, 2n ** 62n, -3n, 2n ** 62n + 7n);
      expect(bigVals(x.sum())).toEqual([wrap(MAX + 2n ** 62n - 3n + 2n ** 62n + 7n)]);
      expect(bigVals(jit((v: Array) => v.sum())(x))).toEqual(bigVals(x.sum()));
      expect(bigVals(x.max())).toEqual([MAX]);
      expect(bigVals(x.min())).toEqual([-3n]);
      expect(bigVals(jnp.prod(i64(2n ** 40n, 2n ** 30n, 3n)))).toEqual([wrap(3n * 2n ** 70n)]);
      expect(bigVals(jnp.cumsum(i64(MAX, 1n, 1n)))).toEqual([MAX, MIN, MIN + 1n]);
      expect(Number(x.argmax().item())).toBe(0);
      expect(Number(x.argmin().item())).toBe(2);
      expect(bigVals(jnp.sort(i64(2n ** 62n + 1n, -5n, 7n, MIN, 2n ** 62n)))).toEqual([
        MIN,
        -5n,
        7n,
        2n ** 62n,
        2n ** 62n + 1n,
      ]);
      expect(bigVals(jnp.sort(u64(2n ** 64n - 1n, 0n, 2n ** 63n)))).toEqual([
        0n,
        2n ** 63n,
        2n ** 64n - 1n,
      ]);
      expect(
        globalThis.Array.from(jnp.argsort(i64(2n ** 62n + 1n, -5n, 7n, MIN)).toArray() as number[]),
      ).toEqual([3, 1, 2, 0]);
      // Sorting float values by int64 keys.
      const [k, v] = lax.sort([i64(2n ** 40n, -(2n ** 40n), 0n), jnp.array([1, 2, 3], "float32")], {
        numKeys: 1,
      });
      expect(bigVals(k!)).toEqual([-(2n ** 40n), 0n, 2n ** 40n]);
      expect(v!.toArray()).toEqual([2, 3, 1]);
      const m = i64(2n ** 40n, 1n, -3n, 2n ** 33n + 5n).reshape([2, 2]);
      const want = [
        wrap(2n ** 80n + -3n),
        wrap(2n ** 40n + 2n ** 33n + 5n),
        wrap(-3n * 2n ** 40n + (2n ** 33n + 5n) * -3n),
        wrap(-3n + (2n ** 33n + 5n) ** 2n),
      ];
      expect(bigVals(jnp.matmul(m, m))).toEqual(want);
      expect(bigVals(jit(jnp.matmul)(m, m))).toEqual(want);
    }));
});

describe("int64 indices, vmap, grad, random, printing", () => {
  it("gathers and scatters with int64 indices (out of range clamps, never wraps)", () =>
    withX64(() => {
      const x = jnp.arange(10).mul(10);
      expect(x.get(jnp.arange(3)).toArray()).toEqual([0, 10, 20]);
      const idx = i64(9n, 0n, 2n ** 40n);
      expect(jnp.take(x, idx, { mode: "clip" }).toArray()).toEqual([90, 0, 90]);
      expect(lax.dynamicSlice(x, [i64(2n ** 33n + 1n).reshape([])], [2]).toArray()).toEqual([
        80, 90,
      ]);
      const f = jit((v: Array, i: Array) => v.get(i));
      expect(f(x, jnp.arange(2)).toArray()).toEqual([0, 10]);
      expect(
        x
          .at(jnp.array([1, 1], "int32"))
          .add(5)
          .toArray(),
      ).toEqual([0, 20, 20, 30, 40, 50, 60, 70, 80, 90]);
      const big = i64(2n ** 62n, 0n)
        .at(jnp.array([0, 0], "int32"))
        .add(i64(2n ** 62n, 2n ** 62n));
      expect(bigVals(big)).toEqual([wrap3(3n * 2n ** 62n), 0n]);
    }));

  it("vmap equals a loop; grad refuses int64 inputs", () =>
    withX64(() => {
      const x = i64(1n, 2n ** 50n, -7n).reshape([3, 1]);
      const f = (v: Array) => v.mul(v).add(3).sum();
      const got = bigVals(vmap(f)(x));
      const loop = [0, 1, 2].flatMap((i) => bigVals(f(x.get(i))));
      expect(got).toEqual(loop);
      expect(() => grad((v: Array) => v.sum())(i64(1n, 2n))).toThrow(/int64/);
    }));

  it("random.bits with uint64 joins JAX's two 32-bit words (high first)", () =>
    withX64(() => {
      const key = random.PRNGKey(42);
      const b = random.bits(key, [5], "uint64");
      expect(b.dtype).toBe("uint64");
      const w = hostValues(b as ArrayImpl);
      // float64 uniforms read the same words: u = hi·2^-32 + (lo >>> 12)·2^-52.
      const u = random.uniform(key, [5], { dtype: "float64" }).toArray() as number[];
      u.forEach((v, i) => {
        expect(v).toBe(w[2 * i + 1]! * 2 ** -32 + (w[2 * i]! >>> 12) * 2 ** -52);
      });
      const r = random.randint(key, [1000], -(2 ** 40), 2 ** 40);
      expect(r.dtype).toBe("int64");
      const vals = bigVals(r);
      expect(vals.every((v) => v >= -(2n ** 40n) && v < 2n ** 40n)).toBe(true);
      expect(vals.some((v) => v > 2n ** 32n)).toBe(true);
    }));

  it("prints exact values as NumPy", () =>
    withX64(() => {
      for (const c of fixtures) {
        const data =
          c.dtype === "int64"
            ? new BigInt64Array(c.values.map(BigInt))
            : new BigUint64Array(c.values.map(BigInt));
        const x = jnp.array(data).reshape(c.shape);
        expect(x.toString()).toBe(c.str);
      }
      expect(String(jnp.arange(2))).toBe("[0 1]");
    }));
});

function wrap3(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}
