import { describe, expect, it } from "vitest";
import { type Array, grad, jit, numpy as jnp, lax, vmap, withX64 } from "../../src/index.js";
import * as random from "../../src/random/index.js";
import { expectClose, vals } from "../util/index.js";
import {
  caseKey,
  expectPrinted,
  ksCritical,
  ksStatistic,
  legacy,
  mean,
  normalCdf,
  normalPdf,
  variance,
} from "./helpers.js";

describe("known answers, default (partitionable) scheme", () => {
  // docs/jep/9263-typed-keys.md: jax.random.uniform(jax.random.key(0), shape=(3,)).
  it("uniform(key(0), (3,)) prints as [0.947667, 0.9785799, 0.33229148]", () => {
    const u = random.uniform(random.key(0), [3]);
    expect(u.dtype).toBe("float32");
    expectPrinted(vals(u), [0.947667, 0.9785799, 0.33229148], 8);
  });

  // jax/random.py, the module docstring: uniform(key(0)) is 0.947667; after
  // `key, subkey = random.split(key)`, uniform(subkey) is 0.00729382.
  it("uniform(key(0)) and uniform of its second split key (jax.random docs)", () => {
    const key = random.key(0);
    // NumPy prints float32 with at most 8 decimals (or fewer when they identify the value).
    expectPrinted(vals(random.uniform(key)), [0.947667], 8);
    const [, subkey] = random.splitList(key, 2);
    expectPrinted(vals(random.uniform(subkey!)), [0.00729382], 8);
  });

  // jax/_src/numpy/lax_numpy.py, jnp.trunc's example (printed with precision=2).
  it("uniform(key(42), (3, 3), minval=-10, maxval=10) (jnp.trunc docs)", () => {
    const x = random.uniform(random.key(42), [3, 3], { minval: -10, maxval: 10 });
    expectPrinted(vals(x), [-0.23, 3.6, 2.33, 1.22, -0.99, 1.72, -8.5, 5.5, 3.98]);
  });

  // jax/_src/numpy/ufuncs.py, jnp.floor's and jnp.ceil's examples.
  it("uniform(key(42) and key(1), (3, 3), minval=-5, maxval=5) (jnp.floor, jnp.ceil docs)", () => {
    const x = random.uniform(random.key(42), [3, 3], { minval: -5, maxval: 5 });
    expectPrinted(vals(x), [-0.11, 1.8, 1.16, 0.61, -0.49, 0.86, -4.25, 2.75, 1.99]);
    expect(vals(jnp.floor(x))).toEqual([-1, 1, 1, 0, -1, 0, -5, 2, 1]);
    const y = random.uniform(random.key(1), [3, 3], { minval: -5, maxval: 5 });
    expectPrinted(vals(y), [-0.61, 0.34, -0.54, -0.62, 3.97, 0.59, 4.84, 3.42, -1.14]);
  });

  // jax/_src/scipy/fft.py, jax.scipy.fft.dct's example: dct(normal(key(0), (3, 3))), precision=2.
  it("normal(key(0), (3, 3)) through a DCT-II (jax.scipy.fft.dct docs)", () => {
    const x = vals(random.normal(random.key(0), [3, 3]));
    const n = 3;
    const dct: number[] = [];
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < n; k++) {
        let s = 0;
        for (let i = 0; i < n; i++)
          s += x[r * n + i]! * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
        dct.push(2 * s);
      }
    }
    expectPrinted(dct, [6.43, 3.56, -2.86, -1.75, 1.55, -1.4, 1.33, -2.01, -0.82]);
  });

  // jax/_src/numpy/lax_numpy.py, jnp.cov's example: cov(normal(key(0), (3, 100))), precision=2.
  it("normal(key(0), (3, 100)) has JAX's sample covariance (jnp.cov docs)", () => {
    const x = vals(random.normal(random.key(0), [3, 100]));
    const row = (i: number) => x.slice(100 * i, 100 * i + 100);
    const cov = (a: number[], b: number[]) => {
      const ma = mean(a);
      const mb = mean(b);
      return a.reduce((s, v, i) => s + (v - ma) * (b[i]! - mb), 0) / 99;
    };
    const got = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => cov(row(i), row(j))));
    expectPrinted(got, [0.9, 0.03, 0.1, 0.03, 1.0, 0.01, 0.1, 0.01, 0.85]);
  });

  // The tutorial's section 5 (spec/jax-103-vmap-tutorial.txt): dropout with split keys under vmap.
  it("the tutorial's batched dropout prints exactly as JAX", () => {
    const dropoutLayer = (key: Array, x: Array, rate = 0.1) => {
      const keep = random.bernoulli(key, 1.0 - rate, x.shape);
      return jnp.divide(jnp.multiply(keep, x), 1.0 - rate);
    };
    const batchedDropout = (key: Array, inputs: Array) => {
      const keys = random.split(key, inputs.shape[0]!);
      return vmap(dropoutLayer)(keys, inputs);
    };
    const out = batchedDropout(random.PRNGKey(42), jnp.ones([4, 5]));
    expect(out.toString()).toBe(
      "[[1.1111112 1.1111112 0.        1.1111112 1.1111112]\n" +
        " [1.1111112 1.1111112 1.1111112 1.1111112 1.1111112]\n" +
        " [1.1111112 1.1111112 1.1111112 1.1111112 1.1111112]\n" +
        " [1.1111112 1.1111112 1.1111112 1.1111112 1.1111112]]",
    );
  });

  it("the tutorial's images: normal(PRNGKey(0), (2, 28, 28)) has shape (2, 28, 28)", () => {
    const images = random.normal(random.PRNGKey(0), [2, 28, 28]);
    expect(images.shape).toEqual([2, 28, 28]);
    expect(images.dtype).toBe("float32");
  });
});

describe("known answers, jax_threefry_partitionable=False", () => {
  // tests/random_test.py _RANDOM_VALUES_CASES for threefry2x32: key = PRNGKey(adler32(name + "threefry2x32")),
  // compared as testRandomDistributionValues does (assertAllClose: rtol = atol = 1e-6 for float32).
  const cases: [string, () => Array, number[], number?][] = [
    [
      "bits",
      () => random.bits(caseKey("bits"), [5], "uint32"),
      [1978747883, 4134381225, 3628107870, 689687174, 2788938207],
    ],
    [
      "cauchy",
      () => random.cauchy(caseKey("cauchy"), [5]),
      [-0.088416, -10.169713, 3.49677, -1.18056, 0.34556],
      1e-5,
    ],
    [
      "exponential",
      () => random.exponential(caseKey("exponential"), [5]),
      [0.526067, 0.043046, 0.039932, 0.46427, 0.123886],
    ],
    [
      "gumbel",
      () => random.gumbel(caseKey("gumbel"), [5]),
      [2.06701, 0.911726, 0.145736, 0.185427, -0.00711],
    ],
    [
      "laplace",
      () => random.laplace(caseKey("laplace"), [5]),
      [0.578939, -0.204902, 0.555733, 0.911053, -0.96456],
    ],
    [
      "logistic",
      () => random.logistic(caseKey("logistic"), [5]),
      [0.19611, -1.709053, -0.274093, -0.208322, -1.675489],
    ],
    [
      "maxwell",
      () => random.maxwell(caseKey("maxwell"), [5]),
      [3.070779, 0.908479, 1.521317, 0.875551, 1.306137],
    ],
    [
      "multivariate_normal",
      () =>
        random.multivariateNormal(caseKey("multivariate_normal"), jnp.ones([1, 3]), jnp.eye(3), {
          shape: [2],
        }),
      [1.067826, 1.215599, 0.234166, -0.237534, 1.32591, 1.413987],
    ],
    [
      "normal",
      () => random.normal(caseKey("normal"), [5]),
      [-1.173234, -1.511662, 0.070593, -0.099764, 1.052845],
    ],
    [
      "pareto",
      () => random.pareto(caseKey("pareto"), 0.5, [5]),
      [2.751398, 1.281863, 87.85448, 1.254542, 2.824487],
    ],
    ["rademacher", () => random.rademacher(caseKey("rademacher"), [5]), [-1, -1, -1, -1, 1]],
    ["randint", () => random.randint(caseKey("randint"), [5], 0, 10), [0, 5, 7, 7, 5]],
    [
      "truncated_normal",
      () => random.truncatedNormal(caseKey("truncated_normal"), 0, 2, [5]),
      [0.582807, 1.709771, 0.159513, 0.861376, 0.36148],
    ],
    [
      "uniform",
      () => random.uniform(caseKey("uniform"), [5]),
      [0.298671, 0.073213, 0.873356, 0.260549, 0.412797],
    ],
    [
      "weibull_min",
      () => random.weibullMin(caseKey("weibull_min"), 1, 1, [5]),
      [1.605863, 0.841809, 0.224218, 0.4826, 0.027901],
    ],
  ];
  it.each(cases)("%s", (_name, draw, expected, rtol) => {
    legacy(() => expectClose(vals(draw()), expected, "", rtol ?? 1e-6));
  });

  it("bernoulli (p = 0.5)", () => {
    legacy(() =>
      expect(vals(random.bernoulli(caseKey("bernoulli"), 0.5, [5]))).toEqual([0, 1, 1, 1, 0]),
    );
  });
});

describe("samplers follow their distributions", () => {
  const n = 20000;
  const key = random.PRNGKey(2024);
  const fits = (name: string, samples: Array, cdf: (x: number) => number, m: number, v: number) => {
    const xs = vals(samples);
    expect(xs.every(Number.isFinite), `${name}: finite`).toBe(true);
    expect(ksStatistic(xs, cdf), `${name}: KS statistic`).toBeLessThan(ksCritical(n));
    // Mean within 5 standard errors; variance within 10%.
    expect(Math.abs(mean(xs) - m), `${name}: mean`).toBeLessThan(5 * Math.sqrt(v / n));
    expect(Math.abs(variance(xs) / v - 1), `${name}: variance`).toBeLessThan(0.1);
  };

  it("uniform, in [minval, maxval)", () => {
    const u = random.uniform(key, [n], { minval: -2, maxval: 3 });
    fits("uniform", u, (x) => Math.min(1, Math.max(0, (x + 2) / 5)), 0.5, 25 / 12);
    expect(vals(u).every((x) => x >= -2 && x < 3)).toBe(true);
  });

  it("normal", () => fits("normal", random.normal(key, [n]), normalCdf, 0, 1));

  it("truncated normal, inside (lower, upper)", () => {
    const [a, b] = [-1, 2];
    const z = normalCdf(b) - normalCdf(a);
    const m = (normalPdf(a) - normalPdf(b)) / z;
    const v = 1 + (a * normalPdf(a) - b * normalPdf(b)) / z - m * m;
    const t = random.truncatedNormal(key, a, b, [n]);
    fits("truncated normal", t, (x) => (normalCdf(x) - normalCdf(a)) / z, m, v);
    expect(vals(t).every((x) => x > a && x < b)).toBe(true);
  });

  it("exponential", () =>
    fits("exponential", random.exponential(key, [n]), (x) => 1 - Math.exp(-x), 1, 1));

  it("laplace", () =>
    fits(
      "laplace",
      random.laplace(key, [n]),
      (x) => (x < 0 ? 0.5 * Math.exp(x) : 1 - 0.5 * Math.exp(-x)),
      0,
      2,
    ));

  it("logistic", () =>
    fits(
      "logistic",
      random.logistic(key, [n]),
      (x) => 1 / (1 + Math.exp(-x)),
      0,
      Math.PI ** 2 / 3,
    ));

  it("gumbel, in both modes", () => {
    const cdf = (x: number) => Math.exp(-Math.exp(-x));
    fits("gumbel", random.gumbel(key, [n]), cdf, 0.5772156649015329, Math.PI ** 2 / 6);
    fits(
      "gumbel high",
      random.gumbel(key, [n], { mode: "high" }),
      cdf,
      0.5772156649015329,
      Math.PI ** 2 / 6,
    );
  });

  it("float64 samplers under x64 use 64 random bits", () => {
    withX64(() => {
      const u = random.uniform(key, [n], "float64");
      expect(u.dtype).toBe("float64");
      fits("uniform f64", u, (x) => x, 0.5, 1 / 12);
      // The low bits are not all zero, as they would be from 32 bits.
      expect(vals(u).some((x) => Math.fround(x) !== x)).toBe(true);
      fits("normal f64", random.normal(key, [n]), normalCdf, 0, 1);
    });
  });
});

describe("samplers under transformations", () => {
  const key = random.PRNGKey(7);
  const samplers: [string, (k: Array) => Array][] = [
    ["uniform", (k) => random.uniform(k, [2, 3], { minval: -1, maxval: 2 })],
    ["normal", (k) => random.normal(k, [4])],
    ["truncatedNormal", (k) => random.truncatedNormal(k, -1, 1, [4])],
    ["bernoulli", (k) => random.bernoulli(k, 0.3, [5])],
    ["randint", (k) => random.randint(k, [5], -3, 9)],
    ["gumbel", (k) => random.gumbel(k, [3])],
    ["exponential", (k) => random.exponential(k, [3])],
    ["laplace", (k) => random.laplace(k, [3])],
    ["logistic", (k) => random.logistic(k, [3])],
    [
      "categorical",
      (k) =>
        random.categorical(
          k,
          jnp.array([
            [0.1, 2, -1],
            [3, 0, 0],
          ]),
        ),
    ],
    ["permutation", (k) => random.permutation(k, 6)],
    ["choice", (k) => random.choice(k, 10, [3], { replace: false })],
  ];

  it.each(samplers)("%s: jit equals eager", (_name, f) => {
    const got = jit(f)(key);
    const want = f(key);
    // Compiled float32 exp/log use vectorized math (backend/wasm/vmath.ts): a few ulps.
    if (want.dtype === "float32") expectClose(got, want, "", 1e-6, 1e-7);
    else expect(vals(got)).toEqual(vals(want));
  });

  it.each(samplers)("%s: vmap over a batch of keys equals a loop over them", (_name, f) => {
    const keys = random.split(key, 3);
    const got = vmap(f)(keys);
    expect(vals(got)).toEqual(random.splitList(key, 3).flatMap((k) => vals(f(k))));
  });

  it("a key threaded through lax.scan gives the loop's draws", () => {
    const step = (k: Array, _x: null): [Array, Array] => {
      const [next, sub] = random.splitList(k, 2);
      return [next!, random.normal(sub!, [2])];
    };
    const [, ys] = lax.scan(step, key, null, { length: 4 }) as [Array, Array];
    let k = key;
    const expected: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, y] = step(k, null);
      k = next;
      expected.push(...vals(y));
    }
    expect(ys.shape).toEqual([4, 2]);
    expect(vals(ys)).toEqual(expected);
  });

  it("gradients flow through the reparameterized parameters", () => {
    // d/dm of sum(uniform(key, shape, minval=0, maxval=m)) = sum of the unit uniforms.
    const unit = random.uniform(key, [5]);
    const g = grad((m: Array) => jnp.sum(random.uniform(key, [5], { minval: 0, maxval: m })))(
      jnp.array(3.0),
    );
    expect((g as Array).item()).toBeCloseTo(jnp.sum(unit).item() as number, 5);
  });
});

describe("sampler errors", () => {
  const key = random.PRNGKey(0);
  it("dtype and shape arguments", () => {
    expect(() => random.uniform(key, [2], "int32")).toThrow(
      /random\.uniform: dtype must be a float dtype \(float16, bfloat16, float32 or float64\), got int32/,
    );
    expect(() => random.normal(key, [2.5])).toThrow(
      /random\.normal: shape must be a list of non-negative integers/,
    );
    expect(() => random.uniform(key, [3], { minval: jnp.zeros([2]) })).toThrow(
      /random\.uniform: shapes \(3,\), \(2,\) cannot be broadcast together/,
    );
    expect(() => random.uniform(key, [3], { minval: jnp.zeros([2, 3]) })).toThrow(
      /random\.uniform: parameter shapes \(\(2, 3\)\) must be broadcast-compatible with the shape argument.*got \(2, 3\) for shape argument \(3,\)/,
    );
    expect(() => random.truncatedNormal(key, jnp.zeros([2]), 1, [3])).toThrow(
      /random\.truncatedNormal/,
    );
    expect(() => random.gumbel(key, [2], { mode: "highest" as "high" })).toThrow(
      /random\.gumbel: mode must be "low" or "high", got "highest"/,
    );
    expect(() => random.multivariateNormal(key, jnp.zeros([3]), jnp.eye(2))).toThrow(
      /random\.multivariateNormal requires cov\.shape == \(\.\.\., n, n\) for n=3 .*got cov\.shape == \(2, 2\)/,
    );
    expect(() =>
      random.multivariateNormal(key, jnp.zeros([2]), jnp.eye(2), { method: "svd" }),
    ).toThrow(/method "svd" is not available in jaxts/);
  });
});
