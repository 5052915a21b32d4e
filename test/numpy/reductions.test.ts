import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit } from "../../src/api/jit.js";
import { config } from "../../src/config.js";
import type { Array } from "../../src/core/array.js";
import { ConcretizationTypeError } from "../../src/core/trace.js";
import * as lax from "../../src/lax/index.js";
import * as m from "../../src/numpy/manipulation.js";
import * as r from "../../src/numpy/reductions.js";
import { sizeOf, stridesOf } from "../../src/shape.js";
import { b8, expectIdentical, f32, i32, u32, vals } from "../util/index.js";
import { type Enc, expectCloseToFixture, fixture } from "./helpers.js";

const table: Record<string, (...xs: Array[]) => Array> = {
  sum_all: (x) => r.sum(x),
  sum_axis0: (x) => r.sum(x, 0),
  sum_axes02: (x) => r.sum(x, [0, 2]),
  sum_keepdims_m1: (x) => r.sum(x, { axis: -1, keepdims: true }),
  prod_axis1: (x) => r.prod(x, 1),
  max_axes12: (x) => r.max(x, [1, 2]),
  min_axis0_keepdims: (x) => r.min(x, 0, { keepdims: true }),
  mean_axis0: (x) => r.mean(x, 0),
  mean_all: (x) => r.mean(x),
  var_axis1: (x) => r.var(x, 1),
  var_axis1_ddof1: (x) => r.var(x, { axis: 1, ddof: 1 }),
  std_all: (x) => r.std(x),
  std_axis2_ddof1: (x) => r.std(x, 2, { correction: 1 }),
  argmax_axis1: (x) => r.argmax(x, 1),
  argmin_all: (x) => r.argmin(x),
  cumsum_axis1: (x) => r.cumsum(x, 1),
  cumsum_flat: (x) => r.cumsum(x),
  cumprod_axis0: (x) => r.cumprod(x, 0),
  median_axis1: (x) => r.median(x, 1),
  median_axis2: (x) => r.median(x, 2),
  median_all: (x) => r.median(x),
  ptp_axis0: (x) => r.ptp(x, 0),
  average_w_axis1: (x, w) => r.average(x, 1, w),
  quantile_linear_axis0: (x) => r.quantile(x, [0.1, 0.5, 0.9], 0),
  percentile30_lower_axis2: (x) => r.percentile(x, 30, 2, { method: "lower" }),
  percentile30_higher_axis2: (x) => r.percentile(x, 30, 2, { method: "higher" }),
  percentile30_nearest_axis2: (x) => r.percentile(x, 30, 2, { method: "nearest" }),
  percentile30_midpoint_axis2: (x) => r.percentile(x, 30, 2, { method: "midpoint" }),
  percentile30_linear_axis2: (x) => r.percentile(x, 30, { axis: 2 }),
  percentile75_keepdims: (x) => r.percentile(x, 75, [0, 2], { keepdims: true }),
  nansum_axis1: (x) => r.nansum(x, 1),
  nanmax_axis1: (x) => r.nanmax(x, 1),
  nanmin_axis1: (x) => r.nanmin(x, 1),
  nanmean_axis0: (x) => r.nanmean(x, 0),
  median_nan_axis1: (x) => r.median(x, 1),
  sum_int: (x) => r.sum(x, 0),
  mean_int: (x) => r.mean(x, 1),
  count_nonzero_axis1: (x) => r.countNonzero(x, 1),
  any_axis0: (x) => r.any(x, 0),
  all_axis1: (x) => r.all(x, 1),
  sum_where: (x, w) => r.sum(x, 1, { where: w }),
  max_where_initial: (x, w) => r.max(x, { axis: 1, where: w, initial: -100 }),
  mean_where: (x, w) => r.mean(x, 0, { where: w }),
};

describe("jnp reductions vs NumPy", () => {
  for (const [name, f] of Object.entries(table)) {
    it(name, () => {
      const c = fixture(name);
      const xs = c.inputs;
      const eager = f(...xs);
      expectCloseToFixture(eager, c.out as Enc);
      expectIdentical(jit(f)(...xs), eager);
    });
  }
});

describe("dtype rules (as jnp)", () => {
  it("sum/prod of bool and int32 give int32, uint32 stays uint32", () => {
    expect(r.sum(b8([true, true, false])).dtype).toBe("int32");
    expect(vals(r.sum(b8([true, true, false])))).toEqual([2]);
    expect(r.sum(i32([1, 2])).dtype).toBe("int32");
    expect(r.prod(u32([3, 4])).dtype).toBe("uint32");
    expect(r.sum(i32([1, 2]), { dtype: "float32" }).dtype).toBe("float32");
  });
  it("mean/var/std of ints give float32, and float64 with x64", () => {
    expect(r.mean(i32([1, 2])).dtype).toBe("float32");
    expect(vals(r.mean(i32([1, 2])))).toEqual([1.5]);
    expect(r.std(i32([1, 3])).dtype).toBe("float32");
    config.update("jax_enable_x64", true);
    try {
      expect(r.mean(i32([1, 2])).dtype).toBe("float64");
    } finally {
      config.update("jax_enable_x64", false);
    }
  });
  it("results are strongly typed, max keeps dtype, argmax gives int32", () => {
    const w = lax.convertElementType(2.5, "float32", true);
    expect(w.weakType).toBe(true);
    expect(r.sum(w).weakType).toBe(false);
    expect(r.max(u32([1, 7])).dtype).toBe("uint32");
    expect(r.argmax(f32([1, 7])).dtype).toBe("int32");
    expect(r.max(b8([false, true])).dtype).toBe("bool");
    expect(vals(r.min(b8([false, true])))).toEqual([0]);
  });
  it("cumsum of bool counts (int32), cumulativeSum includes the initial value", () => {
    const c = r.cumsum(b8([true, false, true]));
    expect(c.dtype).toBe("int32");
    expect(vals(c)).toEqual([1, 1, 2]);
    const s = r.cumulativeSum(f32([1, 2, 3]), { includeInitial: true });
    expect(vals(s)).toEqual([0, 1, 3, 6]);
    expect(vals(r.cumulativeProd(i32([2, 3, 4, 1, 2], [5]), {}))).toEqual([2, 6, 24, 24, 48]);
  });
});

describe("options and edge cases", () => {
  const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  it("axis forms agree: number, list, options, negative", () => {
    expect(vals(r.sum(x, 0))).toEqual([5, 7, 9]);
    expect(vals(r.sum(x, [0]))).toEqual([5, 7, 9]);
    expect(vals(r.sum(x, { axis: 0 }))).toEqual([5, 7, 9]);
    expect(vals(r.sum(x, -2))).toEqual([5, 7, 9]);
    expect(vals(r.sum(x, null))).toEqual([21]);
    expect([...r.sum(x, { axis: [0, 1], keepdims: true }).shape]).toEqual([1, 1]);
    expect([...r.mean(x, { keepdims: true }).shape]).toEqual([1, 1]);
    expect([...r.argmax(x, 1, { keepdims: true }).shape]).toEqual([2, 1]);
  });
  it("empty reductions: sum is 0, prod 1, max needs initial", () => {
    const e = f32([], [0, 3]);
    expect(vals(r.sum(e, 0))).toEqual([0, 0, 0]);
    expect(vals(r.prod(e, 0))).toEqual([1, 1, 1]);
    expect(vals(r.max(e, 0, { initial: -1 }))).toEqual([-1, -1, -1]);
    expect(vals(r.max(e, 1))).toEqual([]);
    expect(() => r.max(e, 0)).toThrow(
      /jnp.max: zero-size array to reduction operation max which has no identity/,
    );
    expect(() => r.argmax(e)).toThrow(/jnp.argmax: attempt to get argmax of an empty sequence/);
  });
  it("initial and where", () => {
    expect(vals(r.sum(x, 1, { initial: 10 }))).toEqual([16, 25]);
    expect(vals(r.max(x, 1, { initial: 5 }))).toEqual([5, 6]);
    const mask = b8([true, false, true, false, false, true], [2, 3]);
    expect(vals(r.min(x, 1, { where: mask, initial: 100 }))).toEqual([1, 6]);
    expect(vals(r.any(x, 1, { where: b8([false, false, false], [3]) }))).toEqual([0, 0]);
  });
  it("var with ddof >= N divides by zero like NumPy", () => {
    expect(vals(r.var(f32([1, 2]), { ddof: 2 }))[0]).toBe(Infinity);
    expect(vals(r.var(f32([1, 1]), { ddof: 2 }))[0]).toBeNaN();
  });
  it("NaN propagates through max and argmax finds it", () => {
    const n = f32([1, Number.NaN, 3]);
    expect(vals(r.max(n))[0]).toBeNaN();
    expect(vals(r.argmax(n))).toEqual([1]);
    expect(vals(r.argmin(n))).toEqual([1]);
  });
  it("averageReturned gives the sum of weights", () => {
    const [avg, wsum] = r.averageReturned(f32([1, 2, 3]), null, f32([1, 1, 2]));
    expect(vals(avg)).toEqual([9 / 4]);
    expect(vals(wsum)).toEqual([4]);
    const [a2, w2] = r.averageReturned(x, 1);
    expect(vals(a2)).toEqual([2, 5]);
    expect(vals(w2)).toEqual([3, 3]);
  });
});

describe("errors name the function, the axis and the rank", () => {
  const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  it("bad axes", () => {
    expect(() => r.sum(x, 2)).toThrow(/jnp.sum: axis 2 is out of bounds for an array of rank 2/);
    expect(() => r.mean(x, -3)).toThrow(
      /jnp.mean: axis -3 is out of bounds for an array of rank 2/,
    );
    expect(() => r.argmax(x, 5)).toThrow(/jnp.argmax: axis 5 .*rank 2/);
    expect(() => r.cumsum(x, 2)).toThrow(/jnp.cumsum: axis 2 .*rank 2/);
    expect(() => r.sum(x, [0, 0])).toThrow(/jnp.sum: repeated axis/);
  });
  it("bad options", () => {
    expect(() => r.max(x, { where: b8([true, false, true], [3]) })).toThrow(
      /jnp.max.*where.*initial/,
    );
    expect(() => r.var(x, { ddof: 1, correction: 1 })).toThrow(/jnp.var: ddof and correction/);
    expect(() => r.sum(x, { where: x })).toThrow(/jnp.sum: where must be a boolean mask/);
    expect(() => r.average(x, 0, f32([1, 2, 3]))).toThrow(
      /jnp.average: length of weights \(3\) differs/,
    );
    expect(() => r.cumulativeSum(x)).toThrow(/jnp.cumulative_sum: axis must be given/);
  });
});

describe("under jit", () => {
  it("reductions trace with static axes", () => {
    const f = jit((x: Array) => r.std(x, { axis: [0, 2], keepdims: true }));
    const x = f32(
      globalThis.Array.from({ length: 24 }, (_, i) => Math.sin(i)),
      [2, 3, 4],
    );
    expectIdentical(f(x), r.std(x, { axis: [0, 2], keepdims: true }));
    const g = jit((x: Array) => r.median(x, 1));
    expectIdentical(g(x), r.median(x, 1));
  });
  it("quantile with a traced q", () => {
    const x = f32([5, 1, 4, 2, 3]);
    const f = jit((x: Array, q: Array) => r.quantile(x, q));
    expect(vals(f(x, f32([0, 0.25, 1])))).toEqual([1, 2, 5]);
  });
  it("nonzero needs a static size under jit", () => {
    const f = jit((x: Array) => m.nonzero(x)[0]!);
    expect(() => f(f32([0, 1]))).toThrow(ConcretizationTypeError);
    expect(() => f(f32([0, 1]))).toThrow(/jnp.nonzero.*size/);
  });
});

/** Naive reference: reduce `data` of `shape` over `axes` with `op`. */
function naive(
  data: number[],
  shape: number[],
  axes: number[],
  init: number,
  op: (a: number, b: number) => number,
): number[] {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new globalThis.Array<number>(sizeOf(outShape)).fill(init);
  const ostr = stridesOf(outShape);
  const str = stridesOf(shape);
  for (let f = 0; f < data.length; f++) {
    let o = 0;
    let k = 0;
    shape.forEach((d, i) => {
      const idx = Math.floor(f / str[i]!) % d;
      if (!axes.includes(i)) o += idx * ostr[k++]!;
    });
    out[o] = op(out[o]!, data[f]!);
  }
  return out;
}

const shapeAndAxes = fc
  .array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axes: fc.subarray(shape.map((_, i) => i)),
      keepdims: fc.boolean(),
      neg: fc.boolean(),
    }),
  );

describe("properties over random shapes and axes", () => {
  it("sum, max and mean agree with a naive loop", () => {
    fc.assert(
      fc.property(shapeAndAxes, ({ shape, axes, keepdims, neg }) => {
        const n = sizeOf(shape);
        const data = globalThis.Array.from({ length: n }, (_, i) => ((i * 7919) % 23) - 11);
        const x = i32(data, shape);
        const ax = axes.map((a) => (neg ? a - shape.length : a));
        const outShape = shape
          .map((d, i) => (axes.includes(i) ? 1 : d))
          .filter((_, i) => keepdims || !axes.includes(i));
        const s = r.sum(x, { axis: ax, keepdims });
        expect([...s.shape]).toEqual(outShape);
        expect(vals(s)).toEqual(naive(data, shape, axes, 0, (a, b) => a + b));
        if (axes.every((a) => shape[a]! > 0)) {
          const mx = r.max(x, { axis: ax, keepdims });
          expect(vals(mx)).toEqual(naive(data, shape, axes, -Infinity, Math.max));
        }
        const cnt = sizeOf(axes.map((a) => shape[a]!));
        const mean = vals(r.mean(x, ax));
        const sums = naive(data, shape, axes, 0, (a, b) => a + b);
        mean.forEach((v, i) => {
          if (cnt === 0) expect(v).toBeNaN();
          else expect(v).toBeCloseTo(sums[i]! / cnt, 4);
        });
      }),
      { numRuns: 150 },
    );
  });
  it("cumsum along any axis matches a running sum, and its last slice is the sum", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
          fc.record({
            shape: fc.constant(shape),
            axis: fc.integer({ min: 0, max: shape.length - 1 }),
          }),
        ),
        ({ shape, axis }) => {
          const data = globalThis.Array.from({ length: sizeOf(shape) }, (_, i) => (i % 5) - 2);
          const x = i32(data, shape);
          const c = r.cumsum(x, axis);
          const n = shape[axis]!;
          const last = lax.squeeze(lax.sliceInDim(c, n - 1, n, 1, axis), [axis]);
          expect(vals(last)).toEqual(vals(r.sum(x, axis)));
        },
      ),
      { numRuns: 60 },
    );
  });
});
