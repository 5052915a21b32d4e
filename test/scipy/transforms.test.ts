/**
 * jax.scipy under transformations: gradients against finite differences
 * (testUtil.checkGrads, float64) and against closed forms at the edges where
 * JAX's custom derivatives matter (xlogy at 0, log_ndtr far in the tail,
 * logsumexp with -inf entries); vmap against a loop of calls.
 */
import { describe, expect, it } from "vitest";
import {
  type Array,
  grad,
  jit,
  numpy as jnp,
  scipy,
  testUtil,
  vmap,
  withX64,
} from "../../src/index.js";
import { expectClose, expectSame, f64, loop, randomArray, rng } from "../util/index.js";

const { special, stats, linalg } = scipy;
const x64 = (f: () => void) => () => withX64(f);

describe("jax.scipy gradients vs finite differences (float64)", () => {
  const unaryCases: [string, (x: Array) => Array, number[]][] = [
    ["ndtr", special.ndtr, [-6, -1.2, 0.3, 2, 7]],
    ["logNdtr", special.logNdtr, [-45, -30, -9, -1.2, 0.3, 2, 9]],
    ["ndtri", special.ndtri, [0.003, 0.2, 0.5, 0.7, 0.999]],
    ["expit", special.expit, [-30, -1, 0, 2.5]],
    ["logit", special.logit, [0.01, 0.3, 0.5, 0.9]],
    ["erfinv", special.erfinv, [-0.9, 0, 0.4]],
    ["gammaln", special.gammaln, [0.3, 1, 4.5, 30]],
    ["digamma", special.digamma, [0.3, 1, 4.5, 30]],
    ["entr", special.entr, [0.01, 0.5, 3]],
    ["i0e", special.i0e, [-25, -3, -0.2, 0.4, 8, 19.5, 20.5, 60]],
    ["i1e", special.i1e, [-25, -3, -0.2, 0, 0.4, 8, 19.5, 20.5, 60]],
    ["multigammaln", (x) => special.multigammaln(x, 4), [2, 3.5, 10]],
  ];
  it.each(unaryCases)("%s", (_, f, xs) => {
    withX64(() => testUtil.checkGrads(f, [f64(xs)], 1, { eps: 1e-6, rtol: 1e-6, atol: 1e-7 }));
  });

  it(
    "binary functions and incomplete gamma in x",
    x64(() => {
      const a = f64([0.5, 1.5, 2, 7]);
      const b = f64([0.3, 2, 0.9, 5]);
      const opts = { eps: 1e-6, rtol: 1e-6, atol: 1e-7 };
      testUtil.checkGrads(special.xlogy, [a, b], 2, opts);
      testUtil.checkGrads(special.xlog1py, [a, b], 2, opts);
      testUtil.checkGrads(special.betaln, [a, b], 1, opts);
      testUtil.checkGrads(special.betaln, [f64([2, 0.3, 40]), f64([50, 12, 9])], 1, opts);
      testUtil.checkGrads((x: Array) => special.gammainc(a, x), [b], 2, opts);
      testUtil.checkGrads((x: Array) => special.gammaincc(a, x), [f64([0.3, 2, 9, 40])], 1, opts);
      testUtil.checkGrads((x: Array) => special.polygamma(f64([0, 1, 2, 3]), x), [b], 1, opts);
    }),
  );

  it(
    "logsumexp with weights, over an axis, and with returnSign",
    x64(() => {
      const next = rng(7);
      const a = randomArray([3, 5], "float64", next);
      const b = randomArray([3, 5], "float64", next);
      const opts = { eps: 1e-6, rtol: 1e-6, atol: 1e-7 };
      testUtil.checkGrads((x: Array) => special.logsumexp(x, { axis: 1 }), [a], 2, opts);
      testUtil.checkGrads(
        (x: Array, w: Array) => special.logsumexp(x, { b: jnp.abs(w) }),
        [a, b],
        1,
        opts,
      );
      testUtil.checkGrads(
        (x: Array, w: Array) => special.logsumexp(x, { axis: 0, b: w, returnSign: true })[0],
        [a, b],
        1,
        opts,
      );
    }),
  );

  it(
    "distributions in their parameters",
    x64(() => {
      const opts = { eps: 1e-6, rtol: 1e-6, atol: 1e-7 };
      const x = f64([-1.3, 0.2, 2.4]);
      testUtil.checkGrads(
        stats.norm.logpdf,
        [x, f64([0.1, 0.1, 0.3]), f64([1.5, 2, 0.7])],
        2,
        opts,
      );
      testUtil.checkGrads(
        stats.norm.logcdf,
        [x, f64([0.1, 0.1, 0.3]), f64([1.5, 2, 0.7])],
        1,
        opts,
      );
      testUtil.checkGrads(
        stats.norm.ppf,
        [f64([0.01, 0.4, 0.9]), f64([1, 2, 3]), f64([2, 2, 2])],
        1,
        opts,
      );
      testUtil.checkGrads(stats.t.logpdf, [x, f64([2.5, 4, 9])], 1, opts);
      testUtil.checkGrads(stats.gamma.logpdf, [f64([0.4, 2, 7]), f64([0.7, 2, 3.5])], 1, opts);
      testUtil.checkGrads(
        stats.beta.logpdf,
        [f64([0.1, 0.5, 0.8]), f64([0.7, 2, 3]), f64([2, 2, 1.5])],
        1,
        opts,
      );
      testUtil.checkGrads(
        (mu: Array) => stats.poisson.logpmf(f64([0, 3, 7]), mu),
        [f64([0.5, 2, 9])],
        1,
        opts,
      );
      testUtil.checkGrads(
        (p: Array) => stats.bernoulli.logpmf(f64([0, 1, 1]), p),
        [f64([0.2, 0.5, 0.9])],
        1,
        opts,
      );
      testUtil.checkGrads(
        (p: Array) => stats.binom.logpmf(f64([0, 3, 7]), 10, p),
        [f64([0.2, 0.5, 0.9])],
        1,
        opts,
      );
      testUtil.checkGrads(stats.logistic.logpdf, [f64([-40, 0.5, 3])], 1, opts);
      testUtil.checkGrads(stats.cauchy.logpdf, [x, f64([0, 1, 2]), f64([1, 2, 0.5])], 1, opts);
      testUtil.checkGrads(stats.laplace.logpdf, [x, f64([0, 1, 2]), f64([1, 2, 0.5])], 1, opts);
      testUtil.checkGrads(
        stats.expon.logpdf,
        [f64([0.3, 1, 4]), f64([0, 0, 0]), f64([1, 2, 0.5])],
        1,
        opts,
      );
      testUtil.checkGrads((y: Array) => stats.gamma.cdf(y, 2.5), [f64([0.3, 1, 4])], 1, opts);
      testUtil.checkGrads((y: Array) => stats.chi2.cdf(y, 3), [f64([0.3, 1, 4])], 1, opts);
    }),
  );

  it(
    "multivariate normal in x, mean and cov; cho_solve and lu_solve",
    x64(() => {
      const opts = { eps: 1e-6, rtol: 1e-6, atol: 1e-7 };
      const next = rng(11);
      const m = randomArray([3, 3], "float64", next);
      const cov = jnp.add(
        jnp.matmul(m, jnp.matrixTranspose(m)),
        jnp.multiply(jnp.eye(3, 3, { dtype: "float64" }), 3),
      );
      const x = randomArray([2, 3], "float64", next);
      const mean = randomArray([3], "float64", next);
      testUtil.checkGrads(stats.multivariateNormal.logpdf, [x, mean, cov], 1, opts);
      const b = randomArray([3, 2], "float64", next);
      testUtil.checkGrads(
        (c: Array, r: Array) => linalg.choSolve(linalg.choFactor(c, true), r),
        [cov, b],
        1,
        opts,
      );
      const a = jnp.add(m, jnp.multiply(jnp.eye(3, 3, { dtype: "float64" }), 2));
      testUtil.checkGrads(
        (c: Array, r: Array) => linalg.luSolve(linalg.luFactor(c), r, 1),
        [a, b],
        1,
        opts,
      );
    }),
  );
});

describe("jax.scipy gradients at the edges (JAX's custom derivatives)", () => {
  it(
    "xlogy and xlog1py at x = 0: d/dx = log(y), finite",
    x64(() => {
      const dx = grad((x: Array) => jnp.sum(special.xlogy(x, f64([1, 2, 0.5]))))(f64([0, 0, 0]));
      expectClose(dx, [0, Math.log(2), Math.log(0.5)], "", 1e-15, 0);
      const dy = grad((y: Array) => jnp.sum(special.xlogy(f64([0, 0]), y)))(f64([1, 3]));
      expectClose(dy, [0, 0]);
      const d1 = grad((x: Array) => jnp.sum(special.xlog1py(x, f64([1, -0.5]))))(f64([0, 0]));
      expectClose(d1, [Math.log(2), Math.log(0.5)], "", 1e-15, 0);
    }),
  );

  it(
    "log_ndtr's derivative follows -x far in the left tail, where ndtr underflows",
    x64(() => {
      const xs = f64([-1e3, -200, -60]);
      const g = grad((x: Array) => jnp.sum(special.logNdtr(x)))(xs);
      // φ(x)/Φ(x) = -x - 1/x + 2/x³ + O(x⁻⁵).
      const mills = (x: number) => -x - 1 / x + 2 / x ** 3;
      expectClose(g, [mills(-1e3), mills(-200), mills(-60)], "", 1e-9, 0);
      const g32 = grad((x: Array) => jnp.sum(special.logNdtr(x)))(f64([-1e3]).astype("float32"));
      expectClose(g32, [1e3], "", 1e-5, 0);
    }),
  );

  it(
    "logsumexp ignores -inf entries and all -inf slices; ndtri's slope is 1/φ",
    x64(() => {
      const a = f64([0, Number.NEGATIVE_INFINITY, Math.log(3)]);
      const g = grad((x: Array) => special.logsumexp(x))(a);
      expectClose(g, [0.25, 0, 0.75], "", 1e-15, 1e-16);
      const big = f64([1000, 1000]);
      expectClose(grad((x: Array) => special.logsumexp(x))(big), [0.5, 0.5], "", 1e-15, 0);
      const s = grad((p: Array) => jnp.sum(special.ndtri(p)))(f64([0.5, 0.975]));
      const q = 1.959963984540054;
      expectClose(
        s,
        [Math.sqrt(2 * Math.PI), Math.sqrt(2 * Math.PI) * Math.exp((q * q) / 2)],
        "",
        1e-12,
        0,
      );
    }),
  );

  it(
    "gammainc and gammaincc in a (igamma_grad_a), which has no derivative itself",
    x64(() => {
      const opts = { eps: 1e-6, rtol: 1e-6, atol: 1e-7 };
      const a = f64([0.3, 1.5, 4, 12]);
      const x = f64([0.2, 3, 2.5, 15]);
      testUtil.checkGrads(special.gammainc, [a, x], 1, opts);
      testUtil.checkGrads(special.gammaincc, [a, x], 1, opts);
      testUtil.checkGrads(
        (s: Array) => stats.gamma.cdf(f64([0.5, 2, 7]), s),
        [f64([0.8, 2, 5])],
        1,
        opts,
      );
      const second = grad((s: Array) =>
        jnp.sum(grad((t: Array) => jnp.sum(special.gammainc(t, 2)))(s) as Array),
      );
      expect(() => second(f64([1.5]))).toThrow(/igamma_grad_a has no derivative/);
    }),
  );
});

describe("jax.scipy under vmap and jit", () => {
  it(
    "elementwise functions and reductions match a loop",
    x64(() => {
      const next = rng(3);
      const a = jnp.abs(randomArray([4, 5], "float64", next));
      const x = randomArray([4, 5], "float64", next);
      const fs: [string, (u: Array, v: Array) => Array][] = [
        ["gammainc", (u, v) => special.gammainc(jnp.add(u, 0.1), jnp.abs(v))],
        ["xlogy", (u, v) => special.xlogy(v, u)],
        ["logsumexp", (u, v) => special.logsumexp(v, { b: u })],
        ["logNdtr", (_, v) => special.logNdtr(jnp.multiply(v, 20))],
        ["i1e", (_, v) => special.i1e(jnp.multiply(v, 15))],
        ["norm.logcdf", (u, v) => stats.norm.logcdf(v, 0, jnp.add(u, 0.5))],
        ["t.logpdf", (u, v) => stats.t.logpdf(v, jnp.add(u, 1))],
        [
          "mvn",
          (_, v) =>
            stats.multivariateNormal.logpdf(
              v,
              jnp.zeros([5], "float64"),
              jnp.eye(5, 5, { dtype: "float64" }),
            ),
        ],
      ];
      for (const [name, f] of fs) {
        const want = loop(f, [a, x], [0, 0], 0, 4)[0]!;
        expectSame(vmap(f)(a, x), want, `vmap ${name}`, 1e-13, 1e-300);
        expectSame(jit(vmap(f))(a, x), want, `jit(vmap) ${name}`, 1e-12, 1e-300);
      }
    }),
  );

  it(
    "multivariate normal over a batch of means; cho_solve over right-hand sides",
    x64(() => {
      const next = rng(5);
      const m = randomArray([3, 3], "float64", next);
      const cov = jnp.add(
        jnp.matmul(m, jnp.matrixTranspose(m)),
        jnp.eye(3, 3, { dtype: "float64" }),
      );
      const means = randomArray([4, 3], "float64", next);
      const x = randomArray([3], "float64", next);
      const f = (mu: Array) => stats.multivariateNormal.logpdf(x, mu, cov);
      expectSame(vmap(f)(means), loop(f, [means], [0], 0, 4)[0]!, "mvn", 1e-13, 1e-300);
      const bs = randomArray([4, 3], "float64", next);
      const solve = (b: Array) => linalg.choSolve(linalg.choFactor(cov), b);
      const xs = vmap(solve)(bs);
      expectSame(xs, loop(solve, [bs], [0], 0, 4)[0]!, "cho_solve", 1e-12, 1e-300);
      expectSame(jnp.matmul(xs, cov), bs, "cov x = b", 1e-10, 1e-12);
    }),
  );
});

describe("jax.scipy.special.i0e at its kink", () => {
  it(
    "has derivative 0 at x = 0 (JAX's rule) and ∓1 just beside it",
    x64(() => {
      const g = grad((x: Array) => jnp.sum(special.i0e(x)))(f64([0, 1e-9, -1e-9]));
      expectClose(g, [0, -1, 1], "", 1e-8, 1e-8);
    }),
  );
});

describe("jax.scipy calling conventions", () => {
  it(
    "logsumexp takes an axis or options; choFactor and luSolve take positional or keyword forms",
    x64(() => {
      const a = f64([1, 2, 3, 4, 5, 6], [2, 3]);
      expectSame(special.logsumexp(a, 1), special.logsumexp(a, { axis: 1 }), "axis", 0, 0);
      const spd = f64([4, 1, 1, 3], [2, 2]);
      const [c1] = linalg.choFactor(spd, { lower: true });
      const [c2] = linalg.choFactor(spd, true);
      expectSame(c1, c2, "lower", 0, 0);
      const f = linalg.luFactor(f64([1, 2, 3, 4], [2, 2]));
      const b = f64([1, 1]);
      expectSame(linalg.luSolve(f, b, { trans: 1 }), linalg.luSolve(f, b, 1), "trans", 0, 0);
      expectClose(linalg.luSolve(f, b, { trans: 1 }), [-0.5, 0.5], "", 1e-15, 1e-15);
      expect(() => linalg.luSolve(f, b, 3 as 0)).toThrow(/lu_solve: trans must be 0, 1 or 2/);
    }),
  );
});

describe("jax.scipy.linalg.expm", () => {
  it(
    "is differentiable (also through its squarings) and maps over a batch",
    x64(() => {
      const opts = { eps: 1e-6, rtol: 1e-6, atol: 1e-7 };
      const next = rng(21);
      const small = randomArray([3, 3], "float64", next, -0.5, 0.5);
      const big = randomArray([3, 3], "float64", next, -6, 6);
      testUtil.checkGrads(linalg.expm, [small], 1, opts);
      testUtil.checkGrads(linalg.expm, [big], 1, { ...opts, rtol: 1e-5 });
      const batch = randomArray([4, 3, 3], "float64", next);
      const want = loop(linalg.expm, [batch], [0], 0, 4)[0]!;
      expectSame(vmap(linalg.expm)(batch), want, "vmap", 1e-13, 1e-300);
      expectSame(jit(linalg.expm)(batch), want, "jit", 1e-12, 1e-300);
      // expm(a) expm(-a) = I.
      const prod = jnp.matmul(linalg.expm(big), linalg.expm(jnp.negative(big)));
      expectClose(prod, jnp.eye(3, 3, { dtype: "float64" }), "", 1e-8, 1e-8);
    }),
  );
});

describe("jax.scipy.special.zeta", () => {
  it(
    "is differentiable in x and q; d/dq zeta(x, q) = -x zeta(x + 1, q)",
    x64(() => {
      const opts = { eps: 1e-6, rtol: 1e-6, atol: 1e-7 };
      const s = f64([1.5, 2, 3.5, 8]);
      const q = f64([0.3, 1, 2.5, 12]);
      testUtil.checkGrads(special.zeta, [s, q], 1, opts);
      const dq = grad((v: Array) => jnp.sum(special.zeta(s, v)))(q);
      expectClose(dq, jnp.multiply(jnp.negative(s), special.zeta(jnp.add(s, 1), q)), "", 1e-12, 0);
      expectSame(vmap(special.zeta)(s, q), special.zeta(s, q), "vmap", 1e-15, 0);
    }),
  );
});
