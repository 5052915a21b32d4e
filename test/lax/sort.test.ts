import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import { type Array, ArrayImpl, hostValues } from "../../src/core/array.js";
import { sort, sortKeyVal, topK } from "../../src/lax/sort.js";
import { stridesOf } from "../../src/shape.js";
import { expectIdentical, expectMatches, fromFixture, seeded, vals } from "../util/index.js";
import { fixtures } from "./reductions_fixtures.js";

/** Positions along `dim` (int32), like broadcasted_iota: sorted along with x it gives the argsort. */
function positions(shape: readonly number[], dim: number): ArrayImpl {
  const n = shape.reduce((a, b) => a * b, 1);
  const st = stridesOf(shape);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(i / st[dim]!) % shape[dim]!;
  return ArrayImpl.fromData(out, shape);
}

describe("sort vs NumPy (stable; NaN last; -0.0 equal to 0.0)", () => {
  it.each(
    fixtures.sort.map(
      (c) =>
        [`${c.name} ${c.x.dtype}${JSON.stringify(c.x.shape)} dimension ${c.dimension}`, c] as const,
    ),
  )("%s", (_, c) => {
    const x = fromFixture(c.x);
    expectMatches(sort(x, { dimension: c.dimension }), c.sorted);
    const [sx, idx] = sort([x, positions(x.shape, c.dimension)], { dimension: c.dimension });
    expectMatches(sx!, c.sorted);
    expectMatches(idx!, c.argsort);
    const f = jit((y: Array) =>
      sort([y, positions(y.shape, c.dimension)], { dimension: c.dimension }),
    );
    const [jx, jidx] = f(x);
    expectIdentical(jx!, sx!);
    expectIdentical(jidx!, idx!);
  });

  it("sorts by several keys lexicographically (np.lexsort)", () => {
    const { k1, k2, v, order } = fixtures.multikey;
    const [s1, s2, sv] = sort([fromFixture(k1), fromFixture(k2), fromFixture(v)], { numKeys: 2 });
    const ord = vals(fromFixture(order));
    const pick = (f: typeof k1) => ord.map((i) => vals(fromFixture(f))[i]);
    expect(vals(s1!)).toEqual(pick(k1));
    expect(vals(s2!)).toEqual(pick(k2));
    expect(vals(sv!)).toEqual(pick(v));
  });

  it("keeps -0.0 and 0.0 in their original order, as JAX's comparator treats them as equal", () => {
    const x = ArrayImpl.fromData(new Float32Array([0, -0, 1, -0, 0]), [5]);
    const out = vals(sort(x));
    expect(out.map((v) => Object.is(v, -0))).toEqual([false, true, true, false, false]);
  });

  it("sortKeyVal permutes the values with the keys", () => {
    const keys = ArrayImpl.fromData(new Float32Array([3, 1, 2, 1]), [4]);
    const payload = ArrayImpl.fromData(new Int32Array([30, 10, 20, 11]), [4]);
    const [k, v] = sortKeyVal(keys, payload);
    expect(vals(k)).toEqual([1, 1, 2, 3]);
    expect(vals(v)).toEqual([10, 11, 20, 30]);
    expect(v.dtype).toBe("int32");
  });

  it("prints JAX-style jaxprs", () => {
    const text = makeJaxpr((y: Array) => sort(y, { dimension: 0 }))(seeded([3, 2], 1)).toString();
    expect(text).toContain("b:f32[3,2] = sort[dimension=0 is_stable=True num_keys=1] a");
    const t2 = makeJaxpr((y: Array) => topK(y, 2))(seeded([3, 5], 1)).toString();
    expect(t2).toContain("b:f32[3,2] c:i32[3,2] = top_k[k=2] a");
  });
});

describe("sort properties", () => {
  const caseArb = fc
    .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        dim: fc.integer({ min: 0, max: shape.length - 1 }),
        seed: fc.nat(),
      }),
    );

  it("output lanes are sorted permutations, and equal keys keep their order", () => {
    fc.assert(
      fc.property(caseArb, ({ shape, dim, seed }) => {
        const x = seeded(shape, seed + 1, "int32");
        const [sx, idx] = sort([x, positions(shape, dim)], { dimension: dim });
        const st = stridesOf(shape);
        const xs = vals(sx!);
        const is = vals(idx!);
        for (let i = 0; i < x.size; i++) {
          const pos = Math.floor(i / st[dim]!) % shape[dim]!;
          // The value came from position is[i] of the same lane.
          expect(hostValues(x)[i + (is[i]! - pos) * st[dim]!]).toBe(xs[i]);
          if (pos > 0) {
            const prev = i - st[dim]!;
            expect(xs[prev]!).toBeLessThanOrEqual(xs[i]!);
            if (xs[prev] === xs[i]) expect(is[prev]!).toBeLessThan(is[i]!);
          }
        }
      }),
    );
  });

  it("topK is the head of a descending stable sort", () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), ({ shape, seed }, kk) => {
        const x = seeded(shape, seed + 1, "int32");
        const n = shape[shape.length - 1]!;
        const k = kk % (n + 1);
        const [top, idx] = topK(x, k);
        expect(top.shape).toEqual([...shape.slice(0, -1), k]);
        const rows = x.size / n;
        const xv = [...hostValues(x)];
        for (let r = 0; r < rows; r++) {
          const lane = xv.slice(r * n, r * n + n).map((v, i) => [v, i] as const);
          lane.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
          expect(vals(top).slice(r * k, r * k + k)).toEqual(lane.slice(0, k).map((p) => p[0]));
          expect(vals(idx).slice(r * k, r * k + k)).toEqual(lane.slice(0, k).map((p) => p[1]));
        }
      }),
    );
  });
});

describe("topK vs NumPy", () => {
  it.each(fixtures.topk.map((c) => [`${JSON.stringify(c.x.shape)} k=${c.k}`, c] as const))(
    "%s",
    (_, c) => {
      const x = fromFixture(c.x);
      const [v, i] = topK(x, c.k);
      expectMatches(v, c.values);
      expectMatches(i, c.indices);
      const [jv, ji] = jit((y: Array) => topK(y, c.k))(x);
      expectIdentical(jv, v);
      expectIdentical(ji, i);
    },
  );

  it("counts NaN as the largest value", () => {
    const x = ArrayImpl.fromData(
      new Float32Array([1, Number.NaN, Number.POSITIVE_INFINITY, 2]),
      [4],
    );
    const [v, i] = topK(x, 3);
    expect(vals(v)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, 2]);
    expect(vals(i)).toEqual([1, 2, 3]);
  });
});

describe("sort errors", () => {
  const x = seeded([2, 3], 1);
  it("requires operands of one shape", () => {
    expect(() => sort([x, seeded([3, 2], 1)])).toThrow(
      /lax\.sort: all operands must have the same shape, got \(2, 3\) \(operand 0\) and \(3, 2\) \(operand 1\)/,
    );
  });

  it("checks the dimension and numKeys", () => {
    expect(() => sort(x, { dimension: 2 })).toThrow(
      /lax\.sort: dimension 2 is out of bounds for an array of rank 2/,
    );
    expect(() => sort(ArrayImpl.scalar(1, "float32"))).toThrow(
      /lax\.sort: dimension -1 is out of bounds .* \(a 0-d array cannot be sorted\)/,
    );
    expect(() => sort([x, x], { numKeys: 3 })).toThrow(
      /lax\.sort: numKeys must be between 1 and the number of operands \(2\), got 3/,
    );
    expect(() => sort([])).toThrow(/lax\.sort: needs at least one operand/);
  });

  it("checks k of topK", () => {
    expect(() => topK(x, 4)).toThrow(
      /lax\.topK: k must be an integer between 0 and the size of the last axis \(3\) of the operand of shape \(2, 3\), got 4/,
    );
    expect(() => topK(ArrayImpl.scalar(1, "float32"), 1)).toThrow(
      /lax\.topK: the operand must have at least one dimension/,
    );
  });
});
