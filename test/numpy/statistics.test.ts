/** jnp statistics, comparisons and differences (issue 17) against NumPy float64 fixtures. */
import { describe, expect, it } from "vitest";
import { jit } from "../../src/api/jit.js";
import { vmap } from "../../src/api/vmap.js";
import type { Array } from "../../src/core/array.js";
import { ConcretizationTypeError } from "../../src/errors.js";
import { lax, testUtil } from "../../src/index.js";
import * as jnp from "../../src/numpy/index.js";
import { expectClose, loop, randomArray, rng, vals } from "../util/index.js";
import { fixtureTests } from "./extra_fixtures.js";

const rnd = (shape: number[], seed: number): Array => randomArray(shape, "float32", rng(seed));

describe("comparisons", () => {
  fixtureTests({
    isclose: (a, b) => jnp.isclose(a!, b!),
    isclose_equal_nan: (a, b) => jnp.isclose(a!, b!, { equalNan: true }),
    isclose_rtol: (a, b) => jnp.isclose(a!, b!, { rtol: 0.5, atol: 0 }),
    allclose: (a, b) => jnp.allclose(a!, b!),
    allclose_true: (c) => jnp.allclose(c!, c!),
  });

  it("array_equal and array_equiv", () => {
    const x = jnp.array([1, 2, 3]);
    expect(jnp.arrayEqual(x, x).item()).toBe(true);
    expect(jnp.arrayEqual(x, jnp.array([1, 2])).item()).toBe(false);
    expect(jnp.arrayEqual(x, jnp.array([1, 2, 4])).item()).toBe(false);
    const n = jnp.array([1, Number.NaN]);
    expect(jnp.arrayEqual(n, n).item()).toBe(false);
    expect(jnp.arrayEqual(n, n, { equalNan: true }).item()).toBe(true);
    expect(
      jnp
        .arrayEquiv(
          jnp.array([1, 1]),
          jnp.array([
            [1, 1],
            [1, 1],
          ]),
        )
        .item(),
    ).toBe(true);
    expect(
      jnp
        .arrayEquiv(
          jnp.array([1, 2]),
          jnp.array([
            [1, 2],
            [1, 3],
          ]),
        )
        .item(),
    ).toBe(false);
    expect(jnp.arrayEquiv(jnp.array([1, 2]), jnp.array([1, 2, 3])).item()).toBe(false);
    expect(() => jnp.isclose(x, x, { rtol: 1, equal_nan: true } as never)).toThrow(/equalNan/);
  });

  it("isclose on complex values compares moduli", () => {
    const a = jnp.array([1, 2]).astype(jnp.complex64);
    const b = jnp.add(a, jnp.multiply(jnp.array([1e-7, 1]).astype(jnp.complex64), 1));
    expect(jnp.isclose(a, b).toArray()).toEqual([true, false]);
    expect(jnp.allclose(a, a).item()).toBe(true);
  });
});

describe("differences", () => {
  fixtureTests({
    diff: (d) => jnp.diff(d!),
    diff_n2_axis0: (d) => jnp.diff(d!, 2, 0),
    diff_prepend_append: (d) => jnp.diff(d!, 1, 1, { prepend: 0.5, append: d!.get(":", ":2") }),
    diff_bool: (b) => jnp.diff(b!),
    ediff1d: (e) => jnp.ediff1d(e!, { toBegin: jnp.array([1, 2]), toEnd: -1 }),
    gradient_all: (g) => jnp.gradient(g!),
    gradient_axis1_h: (g) => jnp.gradient(g!, 0.5, { axis: 1 }),
    gradient_coords: (g, c) => jnp.gradient(g!, c!, { axis: 1 }),
  });

  it("gradients of diff and gradient match finite differences", () => {
    const x = rnd([3, 5], 1);
    testUtil.checkGrads((v: Array) => jnp.diff(v, 2, 1), [x], 1, {
      atol: 2e-2,
      rtol: 2e-2,
      eps: 1e-2,
    });
    testUtil.checkGrads((v: Array) => jnp.gradient(v, 0.5, { axis: 0 }) as Array, [x], 1, {
      atol: 2e-2,
      rtol: 2e-2,
      eps: 1e-2,
    });
  });
});

describe("complex inputs (as NumPy)", () => {
  it("diff, interp, cov, corrcoef, polyval and trapezoid on complex values", () => {
    const z = lax.complex(jnp.array([1, 2, 4]), jnp.array([0, 1, 3]));
    const parts = (x: Array): number[][] => [vals(jnp.real(x)), vals(jnp.imag(x))];
    expect(parts(jnp.diff(z))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(parts(jnp.interp(jnp.array([0.5, 1.5]), jnp.array([0, 1, 2]), z))).toEqual([
      [1.5, 3],
      [0.5, 2],
    ]);
    const zz = jnp.stack([z, jnp.conj(z)]);
    expectClose(jnp.real(jnp.cov(zz)), [14 / 3, 0, 0, 14 / 3], "cov re", 1e-6, 1e-6);
    expectClose(jnp.imag(jnp.cov(zz)), [0, 14 / 3, -14 / 3, 0], "cov im", 1e-6, 1e-6);
    expectClose(jnp.imag(jnp.corrcoef(zz)), [0, 1, -1, 0], "corrcoef im", 1e-6, 1e-6);
    expect(parts(jnp.polyval(z, jnp.array([1, 2])))).toEqual([
      [7, 12],
      [4, 5],
    ]);
    expect(parts(jnp.trapezoid(z))).toEqual([[4.5], [2.5]]);
  });
});

describe("statistics", () => {
  fixtureTests({
    cov: (m) => jnp.cov(m!),
    cov_rowvar_false_bias: (m) => jnp.cov(m!.T, { rowvar: false, bias: true }),
    cov_xy: (x, y) => jnp.cov(x!, y!),
    cov_weights: (m, fw, aw) => jnp.cov(m!, { fweights: fw!, aweights: aw! }),
    cov_ddof0: (m) => jnp.cov(m!, { ddof: 0 }),
    cov_1d: (x) => jnp.cov(x!),
    corrcoef: (m) => jnp.corrcoef(m!),
    corrcoef_xy: (x, y) => jnp.corrcoef(x!, y!),
    histogram: (h) => jnp.histogram(h!),
    histogram_range: (h) => jnp.histogram(h!, 5, { range: [-1, 1] }),
    histogram_weights_density: (h, w) => jnp.histogram(h!, 4, { weights: w!, density: true }),
    histogram_bins_array: (h, b) => jnp.histogram(h!, b!),
    histogram_bin_edges: (h) => jnp.histogramBinEdges(h!, 7),
    bincount: { f: (x) => jnp.bincount(x!), jit: false },
    bincount_weights_minlength: (x, w) => jnp.bincount(x!, w!, 9, { length: 9 }),
    digitize: (x, b) => jnp.digitize(x!, b!),
    digitize_right: (x, b) => jnp.digitize(x!, b!, true),
    digitize_decreasing: (x, b) => jnp.digitize(x!, b!),
    interp: (x, xp, fp) => jnp.interp(x!, xp!, fp!),
    interp_left_right: (x, xp, fp) => jnp.interp(x!, xp!, fp!, { left: -9, right: 9 }),
    interp_period: (x, xp, fp) => jnp.interp(x!, xp!, fp!, { period: 6 }),
    isin: (e, t) => jnp.isin(e!, t!),
    isin_invert: (e, t) => jnp.isin(e!, t!, { invert: true }),
    histogram2d: (x, y) => jnp.histogram2d(x!, y!, 4),
    histogram2d_range_weights_density: (x, y, w) =>
      jnp.histogram2d(x!, y!, [3, 5], {
        range: [
          [-1, 1],
          [-2, 2],
        ],
        weights: w!,
        density: true,
      }),
    histogramdd: (s) => {
      const [h, e] = jnp.histogramdd(s!, [2, 3, 4]);
      return [h, ...e];
    },
  });

  it("bincount under jit needs a static length", () => {
    const x = jnp.array(new Int32Array([0, 2, 2, 5]));
    expect(() => jit((v: Array) => jnp.bincount(v))(x)).toThrow(ConcretizationTypeError);
    expect(jit((v: Array) => jnp.bincount(v, null, 0, { length: 4 }))(x).toArray()).toEqual([
      1, 0, 2, 0,
    ]);
  });

  it("cov, corrcoef and interp differentiate (finite differences)", () => {
    const m = rnd([3, 6], 4);
    const opts = { atol: 3e-2, rtol: 3e-2, eps: 1e-2 };
    testUtil.checkGrads((v: Array) => jnp.cov(v), [m], 1, opts);
    testUtil.checkGrads((v: Array) => jnp.corrcoef(v), [m], 1, opts);
    const xp = jnp.array([0, 1, 2, 3]);
    const x = jnp.array([0.3, 1.6, 2.2]);
    testUtil.checkGrads(
      (fp: Array, xv: Array) => jnp.interp(xv, xp, fp),
      [rnd([4], 5), x],
      1,
      opts,
    );
  });

  it("vmap of cov, interp and histogram matches a loop", () => {
    const ms = rnd([4, 3, 6], 6);
    expectClose(
      vmap((m: Array) => jnp.cov(m))(ms),
      loop((m) => jnp.cov(m), [ms], [0], 0, 4)[0]!,
      "cov",
      1e-5,
      1e-5,
    );
    const xs = rnd([4, 5], 7);
    const xp = jnp.array([-1, 0, 0.5, 2]);
    const fp = jnp.array([1, 3, 2, 0]);
    const f = (x: Array): Array => jnp.interp(x, xp, fp);
    expectClose(vmap(f)(xs), loop(f, [xs], [0], 0, 4)[0]!, "interp", 1e-6, 1e-6);
    const h = (x: Array): Array => jnp.histogram(x, 3, { range: [-1, 1] })[0];
    expectClose(vmap(h)(xs), loop(h, [xs], [0], 0, 4)[0]!, "histogram", 0, 0);
  });
});

describe("nan-reductions", () => {
  fixtureTests({
    nanargmax_axis1: (n) => jnp.nanargmax(n!, 1),
    nanargmin_axis0: (n) => jnp.nanargmin(n!, 0),
    nanargmax_all: (n) => jnp.nanargmax(n!),
    nanvar_axis1: (n) => jnp.nanvar(n!, 1),
    nanvar_axis0_ddof1: (n) => jnp.nanvar(n!, 0, { ddof: 1 }),
    nanstd_all: (n) => jnp.nanstd(n!),
    nanstd_keepdims: (n) => jnp.nanstd(n!, 1, { keepdims: true }),
    nanmedian_axis1: (n) => jnp.nanmedian(n!, 1),
    nanmedian_all: (n) => jnp.nanmedian(n!),
    nanquantile_axis0: (n) => jnp.nanquantile(n!, 0.3, 0),
    nanquantile_q_axis1: (n) => jnp.nanquantile(n!, jnp.array([0.1, 0.5, 0.9]), 1),
    nanquantile_lower: (n) => jnp.nanquantile(n!, 0.4, 1, { method: "lower" }),
    nanquantile_higher: (n) => jnp.nanquantile(n!, 0.4, 1, { method: "higher" }),
    nanquantile_midpoint: (n) => jnp.nanquantile(n!, 0.4, 1, { method: "midpoint" }),
    nanquantile_nearest: (n) => jnp.nanquantile(n!, 0.4, 1, { method: "nearest" }),
    nanpercentile_keepdims: (n) =>
      jnp.nanpercentile(n!, jnp.array([25, 75]), 1, { keepdims: true }),
    nancumsum_axis1: (n) => jnp.nancumsum(n!, 1),
    nancumsum_flat: (n) => jnp.nancumsum(n!),
    nancumprod_axis0: (n) => jnp.nancumprod(n!, 0),
  });

  it("nanvar and nanmedian differentiate where the values are not NaN", () => {
    const x = rnd([3, 4], 8);
    const opts = { atol: 3e-2, rtol: 3e-2, eps: 1e-2 };
    testUtil.checkGrads((v: Array) => jnp.nanvar(v, 1), [x], 1, opts);
    testUtil.checkGrads((v: Array) => jnp.nanmedian(v, 1), [x], 1, opts);
  });
});
