import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostValues } from "../../src/core/array.js";
import {
  type Array,
  type ArrayImpl,
  jit,
  numpy as jnp,
  jvp,
  lax,
  makeJaxpr,
  vmap,
} from "../../src/index.js";
import * as random from "../../src/random/index.js";
import { u32, vals } from "../util/index.js";

const hex = (x: unknown) => vals(x).map((v) => `0x${v.toString(16).padStart(8, "0")}`);
const U32_MAX = 0xffffffff;

/** One pair hashed by a straightforward per-element call of the primitive. */
function hashPair(k: readonly [number, number], x: readonly [number, number]): [number, number] {
  const [a, b] = random.threefry2x32Raw(k[0], k[1], x[0], x[1]);
  return [vals(a)[0]!, vals(b)[0]!];
}

describe("threefry2x32", () => {
  // Known answers: JAX's tests/random_test.py testThreefry2x32, which takes them from the
  // Random123 reference implementation's test (Random123-Boost libs/random/test/test_threefry.cpp#L30-L32).
  it("matches the Random123 known-answer vectors", () => {
    expect(hex(random.threefry2x32(u32([0, 0]), u32([0, 0])))).toEqual([
      "0x6b200159",
      "0x99ba4efe",
    ]);
    expect(hex(random.threefry2x32(u32([U32_MAX, U32_MAX]), u32([U32_MAX, U32_MAX])))).toEqual([
      "0x1cb996fc",
      "0xbb002be7",
    ]);
    expect(
      hex(random.threefry2x32(u32([0x13198a2e, 0x03707344]), u32([0x243f6a88, 0x85a308d3]))),
    ).toEqual(["0xc4923a9c", "0x483df7a0"]);
  });

  it("the raw primitive gives the same words from 0-d key words", () => {
    const [y1, y2] = random.threefry2x32Raw(
      0x13198a2e,
      0x03707344,
      u32([0x243f6a88]),
      u32([0x85a308d3]),
    );
    expect(hex(y1)).toEqual(["0xc4923a9c"]);
    expect(hex(y2)).toEqual(["0x483df7a0"]);
  });

  // JAX's testThreefry2x32Large (n = 10^7 there), with a smaller n.
  it("hashes many count pairs (testThreefry2x32Large)", () => {
    const n = 100_003;
    const count = jnp.concatenate([
      jnp.full([n], 0x243f6a88, "uint32"),
      jnp.full([n], 0x85a308d3, "uint32"),
    ]);
    const out = random.threefry2x32([0x13198a2e, 0x03707344], count) as ArrayImpl;
    expect(out.shape).toEqual([2 * n]);
    expect(
      hostValues(out)
        .subarray(0, n)
        .every((v) => v === 0xc4923a9c),
    ).toBe(true);
    expect(
      hostValues(out)
        .subarray(n)
        .every((v) => v === 0x483df7a0),
    ).toBe(true);
  });

  // JAX's testThreefry2x32Empty.
  it("keeps empty counts empty", () => {
    const out = random.threefry2x32([0x13198a2e, 0x03707344], jnp.ones([10, 0], "uint32"));
    expect(out.shape).toEqual([10, 0]);
    expect(out.dtype).toBe("uint32");
  });

  it("threefry_2x32 pairs the halves of the flattened (zero-padded) counts", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.nat(U32_MAX), fc.nat(U32_MAX)),
        fc.array(fc.nat(U32_MAX), { minLength: 1, maxLength: 9 }),
        (k, counts) => {
          const out = vals(random.threefry2x32(u32(k), u32(counts)));
          const padded = counts.length % 2 ? [...counts, 0] : counts;
          const h = padded.length / 2;
          const expected: number[] = new globalThis.Array(padded.length);
          for (let i = 0; i < h; i++) {
            const [a, b] = hashPair(k, [padded[i]!, padded[h + i]!]);
            expected[i] = a;
            expected[h + i] = b;
          }
          expect(out).toEqual(expected.slice(0, counts.length));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("jit gives the eager words, and the jaxpr names the primitive", () => {
    const f = (k1: Array, k2: Array, x1: Array, x2: Array) =>
      random.threefry2x32Raw(k1, k2, x1, x2);
    const args: [Array, Array, Array, Array] = [
      u32([7], []),
      u32([42], []),
      u32([0, 1, 2, 3, 4], [5]),
      u32([9, 8, 7, 6, 5], [5]),
    ];
    const eager = f(...args);
    const jitted = jit(f)(...args);
    expect(vals(jitted[0])).toEqual(vals(eager[0]));
    expect(vals(jitted[1])).toEqual(vals(eager[1]));
    const text = makeJaxpr(f)(...args).toString();
    expect(text).toMatch(/threefry2x32/);
    expect(text).toMatch(/u32\[5\]/);
  });

  it("vmap (the batch rule) equals a loop, for 0-d key words batched against n-d counts", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(U32_MAX), fc.nat(U32_MAX)), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(U32_MAX), { minLength: 1, maxLength: 3 }),
        (keys, counts) => {
          const k1 = u32(keys.map((k) => k[0]));
          const k2 = u32(keys.map((k) => k[1]));
          const x1 = u32(counts);
          const x2 = u32(counts.map((c) => (c * 7 + 1) >>> 0));
          // Keys batched, counts shared; then counts batched on axis 1 against a shared key.
          const [y1, y2] = vmap((a: Array, b: Array) => random.threefry2x32Raw(a, b, x1, x2))(
            k1,
            k2,
          );
          expect(y1.shape).toEqual([keys.length, counts.length]);
          keys.forEach((k, i) => {
            counts.forEach((c, j) => {
              const [e1, e2] = hashPair(k, [c, (c * 7 + 1) >>> 0]);
              expect(vals(y1)[i * counts.length + j]).toBe(e1);
              expect(vals(y2)[i * counts.length + j]).toBe(e2);
            });
          });
          const xs = u32(
            counts.flatMap((c) => [c, c]),
            [counts.length, 2],
          );
          const [z1] = vmap((x: Array) => random.threefry2x32Raw(keys[0]![0], keys[0]![1], x, x), {
            inAxes: 1,
          })(xs);
          expect(z1.shape).toEqual([2, counts.length]);
          counts.forEach((c, j) => {
            expect(vals(z1)[j]).toBe(hashPair(keys[0]!, [c, c])[0]);
          });
        },
      ),
      { numRuns: 20 },
    );
  });

  it("random bits are not differentiable: the jvp rule gives zero tangents", () => {
    // The key word depends on x, so the primitive meets a JVP tracer.
    const f = (x: Array) => {
      const k = lax.convertElementType(x, "uint32");
      const [y] = random.threefry2x32Raw(k, 3, u32([1, 2]), u32([3, 4]));
      return lax.add(lax.convertElementType(y, "float32"), x);
    };
    const x = jnp.array([5, 6], "float32");
    const [y, t] = jvp(f, [x], [jnp.array([1, 1], "float32")]) as [Array, Array];
    expect(y.toArray()).toEqual((f(x) as Array).toArray());
    expect(t.toArray()).toEqual([1, 1]);
  });

  it("names the operands and their dtypes and shapes in errors", () => {
    const i32 = jnp.array([1, 2], "int32");
    expect(() => random.threefry2x32Raw(1, 2, i32, i32)).toThrow(
      /random\.threefry2x32: all operands must have dtype uint32, got k1: uint32\(\), k2: uint32\(\), x1: int32\(2,\)/,
    );
    expect(() => random.threefry2x32Raw(1, 2, u32([1, 2]), u32([1, 2, 3]))).toThrow(
      /random\.threefry2x32: operands must be 0-d or all have the same shape, got .*x1: \(2,\), x2: \(3,\)/,
    );
    expect(() => random.threefry2x32(u32([1, 2]), jnp.array([1, 2], "int32"))).toThrow(
      /random\.threefry2x32 requires uint32 arguments, got key words uint32, uint32 and count int32/,
    );
    expect(() => random.threefry2x32Raw(-1, 2, 0, 0)).toThrow(
      /k1 must be an integer in \[0, 2\^32\)/,
    );
  });
});
