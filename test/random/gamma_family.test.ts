/**
 * jax.random's gamma family and counting samplers (issue 17): known answers
 * from JAX's tests/random_test.py (_RANDOM_VALUES_CASES, threefry2x32, under
 * jax_threefry_partitionable=False), which pin JAX's algorithms and key use,
 * and moments against the distributions' closed forms (test/fixtures/random_extra.py).
 */
import { describe, expect, it } from "vitest";
import { type Array, grad, jit, numpy as jnp, vmap } from "../../src/index.js";
import * as random from "../../src/random/index.js";
import moments from "../fixtures/random_extra.json" with { type: "json" };
import { vals } from "../util/index.js";
import { caseKey, legacy, mean, variance } from "./helpers.js";

function expectAllClose(actual: number[], expected: number[], rtol = 1e-6, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: ${a} vs JAX's ${e} (all: ${actual.join(", ")})`);
    }
  });
}

describe("JAX's known answers (tests/random_test.py, threefry_partitionable=False)", () => {
  const cases: [string, () => Array, number[]][] = [
    [
      "gamma",
      () => random.gamma(caseKey("gamma"), 0.8, [5]),
      [0.332641, 0.10187, 1.816109, 0.023457, 0.487853],
    ],
    [
      "loggamma",
      () => random.loggamma(caseKey("loggamma"), 0.8, [5]),
      [-0.899633, -0.424083, 0.631593, 0.102374, -1.07189],
    ],
    [
      "beta",
      () => random.beta(caseKey("beta"), 0.8, 0.9, [5]),
      [0.533685, 0.843179, 0.063495, 0.573444, 0.459514],
    ],
    [
      "dirichlet",
      () => random.dirichlet(caseKey("dirichlet"), jnp.array([0.5, 0.6, 0.7]), [2]),
      [0.556287, 0.304219, 0.139494, 0.15221, 0.632251, 0.21554],
    ],
    [
      "double_sided_maxwell",
      () => random.doubleSidedMaxwell(caseKey("double_sided_maxwell"), 1, 2, [5]),
      [-2.408914, -3.370437, 3.235352, -0.907734, -1.708732],
    ],
    ["poisson", () => random.poisson(caseKey("poisson"), 5, [5], "int32"), [7, 3, 6, 11, 6]],
  ];
  for (const [name, draw, expected] of cases) {
    it(`${name} draws JAX's values`, () => {
      expectAllClose(vals(legacy(draw)), expected, 1e-5, 1e-5);
    });
  }

  it("gamma under jit equals eager, and vmap over keys equals a loop", () => {
    const key = random.PRNGKey(3);
    const a = jnp.array([0.3, 1, 2.5, 7]);
    const eager = random.gamma(key, a);
    expectAllClose(
      vals(jit((k: Array, al: Array) => random.gamma(k, al))(key, a)),
      vals(eager),
      1e-6,
    );
    const keys = random.split(key, 3);
    const batched = vmap((k: Array) => random.gamma(k, a))(keys);
    const loop = random.splitList(key, 3).flatMap((k) => vals(random.gamma(k, a)));
    expectAllClose(vals(batched), loop, 1e-6);
  });

  it("exp(loggamma) ≈ gamma for the same key", () => {
    const key = random.PRNGKey(11);
    const g = vals(random.gamma(key, 0.7, [50]));
    const lg = vals(random.loggamma(key, 0.7, [50])).map(Math.exp);
    expectAllClose(lg, g, 1e-4, 1e-30);
  });
});

type Moments = Record<string, { mean: number; var: number }>;
const M = (moments as { moments: Moments }).moments;

describe("moments against SciPy's (test/fixtures/random_extra.py)", () => {
  const n = 20000;
  const key = random.PRNGKey(2024);
  const cases: [string, () => Array][] = [
    ["gamma_2.5", () => random.gamma(key, 2.5, [n])],
    ["gamma_0.3", () => random.gamma(key, 0.3, [n])],
    ["beta_2_3", () => random.beta(key, 2, 3, [n])],
    ["chisquare_3", () => random.chisquare(key, 3, [n])],
    ["f_5_10", () => random.f(key, 5, 10, [n])],
    ["t_5", () => random.t(key, 5, [n])],
    ["poisson_3", () => random.poisson(key, 3, [n])],
    ["poisson_40", () => random.poisson(key, 40, [n])],
    ["binomial_10_0.3", () => random.binomial(key, 10, 0.3, [n])],
    ["binomial_200_0.7", () => random.binomial(key, 200, 0.7, [n])],
    ["geometric_0.3", () => random.geometric(key, 0.3, [n])],
    ["rayleigh_2", () => random.rayleigh(key, 2, [n])],
    ["wald_1.5", () => random.wald(key, 1.5, [n])],
    ["triangular_0_1_3", () => random.triangular(key, 0, 1, 3, [n])],
    ["lognormal_0.5", () => random.lognormal(key, 0.5, [n])],
    ["gennorm_1.5", () => random.generalizedNormal(key, 1.5, [n])],
  ];
  for (const [name, draw] of cases) {
    it(name, () => {
      const x = vals(draw());
      const ref = M[name]!;
      const m = mean(x);
      const v = variance(x);
      // Standard errors of the sample mean and variance (loose: heavy tails, fixed key).
      expect(Math.abs(m - ref.mean)).toBeLessThan(5 * Math.sqrt(ref.var / n));
      expect(Math.abs(v - ref.var) / ref.var).toBeLessThan(0.08);
    });
  }

  it("dirichlet rows sum to 1 with means alpha / sum(alpha)", () => {
    const x = random.dirichlet(key, jnp.array([1, 2, 3]), [n]);
    const sums = vals(jnp.sum(x, -1));
    for (const s of sums.slice(0, 100)) expect(s).toBeCloseTo(1, 5);
    const means = vals(jnp.mean(x, 0));
    expectAllClose(means, [1 / 6, 2 / 6, 3 / 6], 0, 0.01);
  });

  it("multinomial counts sum to n with means n·p", () => {
    const x = random.multinomial(key, 10, jnp.array([0.2, 0.3, 0.5]), { shape: [2000, 3] });
    expect(x.shape).toEqual([2000, 3]);
    for (const s of vals(jnp.sum(x, -1)).slice(0, 200)) expect(s).toBe(10);
    expectAllClose(vals(jnp.mean(x, 0)), [2, 3, 5], 0, 0.15);
  });

  it("ball: points lie in the unit ball, shape [...shape, d]", () => {
    const x = random.ball(key, 3, 2, [500]);
    expect(x.shape).toEqual([500, 3]);
    const r = vals(jnp.sqrt(jnp.sum(jnp.multiply(x, x), -1)));
    expect(Math.max(...r)).toBeLessThanOrEqual(1);
    // Uniform in the 3-ball: E r = 3/4.
    expect(Math.abs(mean(r) - 0.75)).toBeLessThan(0.03);
  });

  it("binomial edge cases: p = 0, p = 1, NaN p, negative n", () => {
    expect(vals(random.binomial(key, 10, 0.0))).toEqual([0]);
    expect(vals(random.binomial(key, 10, 1.0))).toEqual([10]);
    expect(Number.isNaN(vals(random.binomial(key, 10, Number.NaN))[0])).toBe(true);
    expect(Number.isNaN(vals(random.binomial(key, -1, 0.5))[0])).toBe(true);
    expect(vals(random.poisson(key, jnp.array([0, 0])))).toEqual([0, 0]);
  });

  it("dtype and shape errors", () => {
    expect(() => random.gamma(key, 1, [2], "int32")).toThrow(/float dtype/);
    expect(() => random.poisson(key, 1, [2], "float32")).toThrow(/int dtype/);
    expect(() => random.gamma(key, jnp.ones([3]), [2])).toThrow(/broadcast/);
    expect(() => random.dirichlet(key, 1)).toThrow(/ndim >= 1/);
  });
});

describe("gamma's gradient (implicit reparameterization, as JAX's random_gamma_grad)", () => {
  it("E[d x / d a] = 1, and loggamma's gradient is (dx/da)/x", () => {
    const key = random.PRNGKey(9);
    const n = 4000;
    const g = grad((al: Array) => jnp.mean(random.gamma(key, al, [n])))(jnp.array(2.0));
    expect(Math.abs(vals(g)[0]! - 1)).toBeLessThan(0.05);
    const a = jnp.array([0.8, 3.0]);
    const x = vals(random.gamma(key, a));
    const dx = vals(grad((al: Array) => jnp.sum(random.gamma(key, al)))(a));
    const dlog = vals(grad((al: Array) => jnp.sum(random.loggamma(key, al)))(a));
    expectAllClose(
      dlog,
      dx.map((d, i) => d / x[i]!),
      1e-3,
      1e-4,
    );
  });

  it("differentiates through beta and under jit", () => {
    const key = random.PRNGKey(1);
    const f = (al: Array) => jnp.sum(random.beta(key, al, 2.0, [3]));
    const g = vals(jit(grad(f))(jnp.array(1.5)))[0]!;
    expect(Number.isFinite(g)).toBe(true);
  });
});
