import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import { config, withX64 } from "../../src/config.js";
import { type Array, ArrayImpl, hostValues } from "../../src/core/array.js";
import { bind1 } from "../../src/core/trace.js";
import { allocate } from "../../src/dtype.js";
import {
  cumlogsumexp,
  cummax,
  cummin,
  cumprod,
  cumsum,
} from "../../src/lax/control_flow/cumulative.js";
import {
  argmax,
  argmaxP,
  argmin,
  reduceAnd,
  reduceMax,
  reduceMin,
  reduceOr,
  reduceProd,
  reduceSum,
  reduceSumP,
  reduceXor,
} from "../../src/lax/reductions.js";
import { stridesOf } from "../../src/shape.js";
import {
  expectIdentical,
  expectMatches,
  fromFixture,
  inDtype,
  seeded,
  vals,
} from "../util/index.js";
import { fixtures } from "./reductions_fixtures.js";

type Reduce = (x: Array, axes: readonly number[]) => Array;
const REDUCE: Record<string, Reduce> = {
  reduce_sum: reduceSum,
  reduce_prod: reduceProd,
  reduce_max: reduceMax,
  reduce_min: reduceMin,
  reduce_and: reduceAnd,
  reduce_or: reduceOr,
  reduce_xor: reduceXor,
};
type Cum = (x: Array, o: { axis?: number; reverse?: boolean }) => Array;
const CUM: Record<string, Cum> = { cumsum, cumprod, cummax, cummin, cumlogsumexp };

describe("reductions vs NumPy", () => {
  it("has fixtures for every reduction", () => {
    expect(new Set(fixtures.reductions.map((c) => c.op))).toEqual(new Set(Object.keys(REDUCE)));
  });

  it.each(
    fixtures.reductions.map(
      (c, i) =>
        [
          `${i}: ${c.op} ${c.x.dtype}${JSON.stringify(c.x.shape)} axes ${JSON.stringify(c.axes)}`,
          c,
        ] as const,
    ),
  )("%s", (_, c) => {
    inDtype(c.x.dtype, () => {
      const f = REDUCE[c.op]!;
      const x = fromFixture(c.x);
      const eager = f(x, c.axes);
      expectMatches(eager, c.out);
      expectIdentical(jit((y: Array) => f(y, c.axes))(x), eager);
    });
  });

  it("sums float32 accurately (float64 accumulation, one rounding)", () => {
    const n = 1_000_003;
    const x = ArrayImpl.full([n], 0.1, "float32");
    const exact = Math.fround(0.1) * n;
    expect(vals(reduceSum(x, [0]))[0]).toBe(Math.fround(exact));
    // A float32 running sum would be far off; ours is within half an ulp.
    expect(Math.abs(vals(reduceSum(x, [0]))[0]! - exact) / exact).toBeLessThan(6e-8);
  });

  it("accepts negative axes in the wrappers and keeps weak types", () => {
    const x = seeded([2, 3, 4], 7);
    expectIdentical(reduceSum(x, [-1]), reduceSum(x, [2]));
    const w = reduceMax(2.5, []);
    expect(w.weakType).toBe(true);
    expect(w.dtype).toBe("float32");
    expect(reduceSum(x, [0]).weakType).toBe(false);
  });

  it("prints JAX-style jaxprs", () => {
    const text = makeJaxpr((y: Array) => reduceSum(y, [0, 2]))(seeded([2, 3, 4], 1)).toString();
    expect(text).toContain("b:f32[3] = reduce_sum[axes=(0, 2)] a");
    const text2 = makeJaxpr((y: Array) => argmax(y, 1, "int32"))(seeded([2, 3], 1)).toString();
    expect(text2).toContain("b:i32[2] = argmax[axes=(1,) index_dtype=int32] a");
  });
});

describe("argmax / argmin vs NumPy", () => {
  it.each(fixtures.argminmax.map((c) => [`${c.name} axis ${c.axis}`, c] as const))("%s", (_, c) => {
    const x = fromFixture(c.x);
    expectMatches(argmax(x, c.axis), c.argmax);
    expectMatches(argmin(x, c.axis), c.argmin);
    expectIdentical(jit((y: Array) => argmax(y, c.axis))(x), argmax(x, c.axis));
  });

  it("takes uint32 index dtypes and bool operands", () => {
    const b = ArrayImpl.fromData(new Uint8Array([0, 0, 1, 1]), [4]);
    const i = argmax(b, 0, "uint32");
    expect(i.dtype).toBe("uint32");
    expect(vals(i)).toEqual([2]);
    expect(vals(argmin(b, -1))).toEqual([0]);
  });
});

describe("cumulative reductions vs NumPy", () => {
  it.each(
    fixtures.cumulative.map(
      (c, i) =>
        [
          `${i}: ${c.op} ${c.x.dtype}${JSON.stringify(c.x.shape)} axis ${c.axis}${c.reverse ? " reverse" : ""}`,
          c,
        ] as const,
    ),
  )("%s", (_, c) => {
    const f = CUM[c.op]!;
    const x = fromFixture(c.x);
    const eager = f(x, { axis: c.axis, reverse: c.reverse });
    expectMatches(eager, c.out, c.op === "cumlogsumexp" ? 2e-6 : undefined);
    expectIdentical(jit((y: Array) => f(y, { axis: c.axis, reverse: c.reverse }))(x), eager);
  });

  it("defaults to axis 0, forward, and accepts negative axes", () => {
    const x = seeded([3, 4], 3);
    expectIdentical(cumsum(x), cumsum(x, { axis: 0, reverse: false }));
    expectIdentical(cummax(x, { axis: -1 }), cummax(x, { axis: 1 }));
  });

  it("wraps uint32 sums", () => {
    const x = ArrayImpl.fromData(new Uint32Array([2 ** 32 - 1, 2, 3]), [3]);
    expect(vals(cumsum(x))).toEqual([2 ** 32 - 1, 1, 4]);
    expect(vals(cumprod(x))).toEqual([2 ** 32 - 1, 2 ** 32 - 2, 2 ** 32 - 6]);
  });
});

// --- property tests against naive references -------------------------------------

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });
const caseArb = shapeArb.chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    axes: fc.subarray(shape.map((_, i) => i)),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  }),
);

/** Reduces by visiting each input element and folding it into its output slot. */
function naiveReduce(
  x: ArrayImpl,
  axes: number[],
  init: number,
  f: (a: number, b: number) => number,
): number[] {
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = keep.map((i) => x.shape[i]!);
  const os = stridesOf(outShape);
  const xs = stridesOf(x.shape);
  const out = new globalThis.Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(init);
  for (let i = 0; i < x.size; i++) {
    let o = 0;
    keep.forEach((d, k) => {
      o += (Math.floor(i / xs[d]!) % x.shape[d]!) * os[k]!;
    });
    out[o] = f(out[o]!, hostValues(x)[i]!);
  }
  return out;
}

describe("reduction properties", () => {
  it("int32 sum, max, min and xor match a naive reference on random shapes and axes", () => {
    fc.assert(
      fc.property(caseArb, ({ shape, axes, seed }) => {
        const x = seeded(shape, seed, "int32");
        expect(vals(reduceSum(x, axes))).toEqual(naiveReduce(x, axes, 0, (a, b) => (a + b) | 0));
        expect(vals(reduceMax(x, axes))).toEqual(naiveReduce(x, axes, -(2 ** 31), Math.max));
        expect(vals(reduceMin(x, axes))).toEqual(naiveReduce(x, axes, 2 ** 31 - 1, Math.min));
        expect(vals(reduceXor(x, axes))).toEqual(naiveReduce(x, axes, 0, (a, b) => a ^ b));
      }),
    );
  });

  it("float32 sums equal the rounded float64 sum", () => {
    fc.assert(
      fc.property(caseArb, ({ shape, axes, seed }) => {
        const x = seeded(shape, seed);
        const ref = naiveReduce(x, axes, 0, (a, b) => a + b).map(Math.fround);
        expect(vals(reduceSum(x, axes))).toEqual(ref);
      }),
    );
  });

  it("reducing all axes at once equals reducing one axis at a time", () => {
    fc.assert(
      fc.property(caseArb, ({ shape, seed }) => {
        const x = seeded(shape, seed, "int32");
        let y: Array = x;
        for (let d = shape.length - 1; d >= 0; d--) y = reduceProd(y, [d]);
        expect(
          vals(
            reduceProd(
              x,
              shape.map((_, i) => i),
            ),
          ),
        ).toEqual(vals(y));
      }),
    );
  });

  it("argmax picks a maximal element, the first one", () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), ({ shape, seed }, a) => {
        const dims = shape.map((d) => Math.max(d, 1));
        const axis = dims.length === 0 ? -1 : a % dims.length;
        if (axis < 0) return;
        const x = seeded(dims, seed, "int32");
        const idx = vals(argmax(x, axis));
        const max = vals(reduceMax(x, [axis]));
        const xs = stridesOf(dims);
        const os = stridesOf(dims.filter((_, i) => i !== axis));
        for (let i = 0; i < x.size; i++) {
          let o = 0;
          let k = 0;
          dims.forEach((d, j) => {
            if (j !== axis) o += (Math.floor(i / xs[j]!) % d) * os[k++]!;
          });
          const pos = Math.floor(i / xs[axis]!) % dims[axis]!;
          if (pos === idx[o]) expect(hostValues(x)[i]).toBe(max[o]);
          if (pos < idx[o]!) expect(hostValues(x)[i]).toBeLessThan(max[o]!);
        }
      }),
    );
  });

  it("reverse cumsum is the flip of the forward cumsum of the flip", () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), ({ shape, seed }, a) => {
        if (shape.length === 0) return;
        const axis = a % shape.length;
        const x = seeded(shape, seed, "int32");
        const [outer, n, inner] = [
          shape.slice(0, axis).reduce((p, q) => p * q, 1),
          shape[axis]!,
          shape.slice(axis + 1).reduce((p, q) => p * q, 1),
        ];
        const flip = (v: Int32Array) => {
          const out = new Int32Array(v.length);
          for (let o = 0; o < outer; o++)
            for (let k = 0; k < n; k++)
              for (let j = 0; j < inner; j++)
                out[(o * n + k) * inner + j] = v[(o * n + (n - 1 - k)) * inner + j]!;
          return out;
        };
        const fwd = cumsum(ArrayImpl.fromData(flip(hostValues(x) as Int32Array), shape), { axis });
        const rev = cumsum(x, { axis, reverse: true });
        expect(vals(rev)).toEqual([...flip(hostValues(fwd as ArrayImpl) as Int32Array)]);
        // The last element of a forward cumsum is the sum.
        const sum = vals(reduceSum(x, [axis]));
        const last = vals(fwd).filter((_, i) => Math.floor(i / inner) % n === n - 1);
        if (n > 0) expect(last).toEqual(sum);
      }),
    );
  });
});

// --- errors ------------------------------------------------------------------------

describe("reduction errors", () => {
  const x = seeded([2, 3], 1);
  it("names the function, the axes and the shape", () => {
    expect(() => reduceSum(x, [2])).toThrow(
      /lax\.reduceSum: axis 2 is out of bounds for an array of rank 2/,
    );
    expect(() => reduceMax(x, [0, -2])).toThrow(/lax\.reduceMax: duplicate value in axes \[0,0\]/);
  });

  it("checks the primitive's params under tracing too", () => {
    expect(() => makeJaxpr((y: Array) => reduceSum(y, [1, 1]))(x)).toThrow(
      /duplicate value in axes/,
    );
    // Bound directly (as transformations do), the primitive takes only normalized axes.
    expect(() => bind1(reduceSumP, [x], { axes: [-1] })).toThrow(
      /lax\.reduceSum: axis -1 in axes \[-1\] is out of bounds for an operand of shape \(2, 3\) \(allowed: 0 to 1\)/,
    );
    expect(() => bind1(argmaxP, [x], { axes: [0, 1], index_dtype: "int32" })).toThrow(
      /lax\.argmax: needs exactly one axis, got axes \[0,1\]/,
    );
  });

  it("rejects dtypes the operation does not take", () => {
    const b = ArrayImpl.fromData(new Uint8Array([1, 0]), [2]);
    expect(() => reduceSum(b, [0])).toThrow(
      /lax\.reduceSum does not accept dtype bool\. Accepted dtypes are numbers/,
    );
    expect(() => reduceProd(b, [0])).toThrow(/lax\.reduceProd does not accept dtype bool/);
    expect(() => reduceAnd(x, [0])).toThrow(
      /lax\.reduceAnd does not accept dtype float32\. Accepted dtypes are bool and integers/,
    );
    expect(() => cumsum(b)).toThrow(/lax\.cumsum does not accept dtype bool/);
    expect(() => cumlogsumexp(seeded([3], 1, "int32"))).toThrow(
      /lax\.cumlogsumexp does not accept dtype int32\. Accepted dtypes are floating/,
    );
  });

  it("argmax needs a non-empty axis and an integer index dtype", () => {
    expect(() => argmax(ArrayImpl.full([3, 0], 0, "float32"), 1)).toThrow(
      /lax\.argmax: requires a non-empty reduced dimension, but axis 1 of the operand of shape \(3, 0\) has size 0/,
    );
    expect(() => argmin(x, 0, "float32")).toThrow(
      /lax\.argmin: indexDtype must be an integer type .* got float32/,
    );
    expect(() => argmax(x, 5)).toThrow(
      /lax\.argmax: axis 5 is out of bounds for an array of rank 2/,
    );
  });

  it("cumulative ops check the axis", () => {
    expect(() => cumsum(x, { axis: 2 })).toThrow(
      /lax\.cumsum: axis 2 is out of bounds for an array of rank 2/,
    );
    expect(() => cummin(ArrayImpl.scalar(1, "float32"))).toThrow(
      /lax\.cummin: axis 0 is out of bounds for an operand of shape \(\) \(a 0-d array has no axes\)/,
    );
  });

  it("rejects non-arrays", () => {
    expect(() => reduceSum([1, 2] as unknown as Array, [0])).toThrow(
      /lax\.reduceSum: operand must be an Array .* JS array/,
    );
  });

  it("runs under x64 config without leaking it", () => {
    expect(config.x64).toBe(false);
    const d = allocate("float64", 2);
    d.set([1, 2]);
    withX64(() => expect(vals(reduceSum(ArrayImpl.fromData(d, [2]), [0]))).toEqual([3]));
  });
});
