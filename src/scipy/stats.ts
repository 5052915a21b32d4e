/**
 * `jax.scipy.stats`: densities, distribution functions and quantiles of
 * common distributions, with JAX's signatures (positional loc/scale with
 * defaults 0 and 1). Log-densities are computed directly in logs (xlogy,
 * log_ndtr), so that they stay finite where the densities underflow; points
 * outside a support give -inf log-density.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import {
  betaln,
  expit,
  gammainc,
  gammaincc,
  logit,
  logNdtr,
  ndtr,
  ndtri,
  xlog1py,
  xlogy,
} from "./special.js";
import { promoteInexact } from "./util.js";

const NEG_INF = Number.NEGATIVE_INFINITY;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** (x - loc) / scale and scale, promoted together. */
function standardize(op: string, x: ArrayLike, loc: ArrayLike, scale: ArrayLike): [Array, Array] {
  const [a, l, s] = promoteInexact(op, x, loc, scale);
  return [lax.div(lax.sub(a!, l!), s!), s!];
}

/** -inf where `outside`, else `value`. */
const support = (outside: Array, value: Array): Array => jnp.where(outside, NEG_INF, value);

/** The quantile loc + scale·z for q in [0, 1], NaN outside. */
function quantile(
  op: string,
  q: ArrayLike,
  loc: ArrayLike,
  scale: ArrayLike,
  z: (p: Array) => Array,
) {
  const [p, l, s] = promoteInexact(op, q, loc, scale);
  const ok = lax.bitwiseAnd(lax.ge(p!, 0), lax.le(p!, 1));
  return jnp.where(ok, lax.add(l!, lax.mul(s!, z(p!))), Number.NaN);
}

/**
 * cdf, sf, ppf and isf of jax.scipy.stats.`name`, a location-scale family
 * symmetric about 0, from its standard cdf and ppf: sf(y) = cdf(-y), and the
 * inverse survival function isf(q) = -ppf(q) (accurate for small q, unlike
 * ppf(1 - q)).
 */
function symmetricTails(name: string, cdf: (y: Array) => Array, ppf: (p: Array) => Array) {
  const op = (fn: string) => `jax.scipy.stats.${name}.${fn}`;
  return {
    cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
      return cdf(standardize(op("cdf"), x, loc, scale)[0]);
    },
    sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
      return cdf(lax.neg(standardize(op("sf"), x, loc, scale)[0]));
    },
    ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
      return quantile(op("ppf"), q, loc, scale, ppf);
    },
    isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
      return quantile(op("isf"), q, loc, scale, (p) => lax.neg(ppf(p)));
    },
  };
}

// --- normal ---------------------------------------------------------------------------------

export const norm = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y, s] = standardize("jax.scipy.stats.norm.logpdf", x, loc, scale);
    return lax.sub(lax.sub(lax.mul(lax.square(y), -0.5), lax.log(s)), LOG_SQRT_2PI);
  },
  pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(norm.logpdf(x, loc, scale));
  },
  logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return logNdtr(standardize("jax.scipy.stats.norm.logcdf", x, loc, scale)[0]);
  },
  logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return logNdtr(lax.neg(standardize("jax.scipy.stats.norm.logsf", x, loc, scale)[0]));
  },
  ...symmetricTails("norm", ndtr, ndtri),
};

// --- multivariate normal -----------------------------------------------------------------------

export const multivariateNormal = {
  /**
   * log N(x; mean, cov) for x (..., n): cov (n, n) through its Cholesky
   * factor, a vector cov as a diagonal, a scalar as cov·I.
   */
  logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike): Array {
    const op = "jax.scipy.stats.multivariate_normal.logpdf";
    const [x0, m0] = promoteInexact(op, x, mean);
    const c0 = jnp.asarray(cov as Parameters<typeof jnp.asarray>[0], x0!.dtype);
    const d = lax.sub(x0!, m0!);
    const n = d.shape[d.ndim - 1];
    if (n === undefined)
      throw new TypeError(`${op}: x must have at least 1 dimension, got a scalar`);
    const constant = n * LOG_SQRT_2PI;
    if (c0.ndim <= 1) {
      if (c0.ndim === 1 && c0.shape[0] !== n) {
        throw new TypeError(
          `${op}: a vector cov needs length ${n} (x's last axis), got [${c0.shape}]`,
        );
      }
      const diag = c0.ndim === 0 ? jnp.broadcastTo(c0, [n]) : c0;
      const quad = jnp.sum(jnp.divide(lax.square(d), diag), { axis: -1 });
      return lax.sub(lax.sub(lax.mul(quad, -0.5), lax.mul(jnp.sum(lax.log(diag)), 0.5)), constant);
    }
    if (c0.ndim !== 2 || c0.shape[0] !== n || c0.shape[1] !== n) {
      throw new TypeError(
        `${op}: cov must be [${n}, ${n}] for x of shape [${d.shape}], got [${c0.shape}]`,
      );
    }
    const l = jnp.linalg.cholesky(c0);
    const flat = jnp.reshape(d, [-1, n]);
    const y = jnp.linalg.solveTriangular(l, jnp.transpose(flat), { lower: true });
    const quad = jnp.reshape(jnp.sum(lax.square(y), { axis: 0 }), d.shape.slice(0, -1));
    const halfLogDet = jnp.sum(lax.log(jnp.diagonal(l)));
    return lax.sub(lax.sub(lax.mul(quad, -0.5), halfLogDet), constant);
  },
  pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike): Array {
    return lax.exp(multivariateNormal.logpdf(x, mean, cov));
  },
};

// --- discrete ------------------------------------------------------------------------------------

/** k outside the integers lo..hi (SciPy's support; JAX only checks the bounds). */
const outsideInts = (k: Array, lo: number | Array, hi: number | Array) =>
  lax.bitwiseOr(lax.bitwiseOr(lax.lt(k, lo), lax.gt(k, hi)), lax.ne(k, lax.floor(k)));

export const bernoulli = {
  logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0): Array {
    const [kk, pp, l] = promoteInexact("jax.scipy.stats.bernoulli.logpmf", k, p, loc);
    const y = lax.sub(kk!, l!);
    const logp = lax.add(xlogy(y, pp!), xlog1py(lax.sub(1, y), lax.neg(pp!)));
    return support(outsideInts(y, 0, 1), logp);
  },
  pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0): Array {
    return lax.exp(bernoulli.logpmf(k, p, loc));
  },
};

export const binom = {
  logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0): Array {
    const [kk, nn, pp, l] = promoteInexact("jax.scipy.stats.binom.logpmf", k, n, p, loc);
    const y = lax.sub(kk!, l!);
    const rest = lax.sub(nn!, y);
    const comb = lax.sub(
      lax.sub(lax.lgamma(lax.add(nn!, 1)), lax.lgamma(lax.add(y, 1))),
      lax.lgamma(lax.add(rest, 1)),
    );
    const logp = lax.add(comb, lax.add(xlogy(y, pp!), xlog1py(rest, lax.neg(pp!))));
    return support(outsideInts(y, 0, nn!), logp);
  },
  pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0): Array {
    return lax.exp(binom.logpmf(k, n, p, loc));
  },
};

export const poisson = {
  logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0): Array {
    const [kk, m, l] = promoteInexact("jax.scipy.stats.poisson.logpmf", k, mu, loc);
    const y = lax.sub(kk!, l!);
    const logp = lax.sub(lax.sub(xlogy(y, m!), lax.lgamma(lax.add(y, 1))), m!);
    return support(lax.bitwiseOr(lax.lt(y, 0), lax.ne(y, lax.round(y))), logp);
  },
  pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0): Array {
    return lax.exp(poisson.logpmf(k, mu, loc));
  },
  /** P(K <= k) = Q(floor(k) + 1, mu), 0 below the support. */
  cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0): Array {
    const [kk, m, l] = promoteInexact("jax.scipy.stats.poisson.cdf", k, mu, loc);
    const y = lax.sub(kk!, l!);
    const below = lax.lt(y, 0);
    const safe = jnp.where(below, 0, lax.floor(y));
    return jnp.where(below, 0, gammaincc(lax.add(safe, 1), m!));
  },
};

// --- continuous ----------------------------------------------------------------------------------

export const beta = {
  logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) {
    const op = "jax.scipy.stats.beta.logpdf";
    const [xx, aa, bb, l, s] = promoteInexact(op, x, a, b, loc, scale);
    const y = lax.div(lax.sub(xx!, l!), s!);
    const logp = lax.sub(
      lax.add(xlogy(lax.sub(aa!, 1), y), xlog1py(lax.sub(bb!, 1), lax.neg(y))),
      lax.add(betaln(aa!, bb!), lax.log(s!)),
    );
    return support(lax.bitwiseOr(lax.lt(y, 0), lax.gt(y, 1)), logp);
  },
  pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) {
    return lax.exp(beta.logpdf(x, a, b, loc, scale));
  },
};

export const gamma = {
  logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [xx, aa, l, s] = promoteInexact("jax.scipy.stats.gamma.logpdf", x, a, loc, scale);
    const y = lax.div(lax.sub(xx!, l!), s!);
    const logp = lax.sub(
      lax.sub(xlogy(lax.sub(aa!, 1), y), y),
      lax.add(lax.lgamma(aa!), lax.log(s!)),
    );
    return support(lax.lt(y, 0), logp);
  },
  pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(gamma.logpdf(x, a, loc, scale));
  },
  cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [xx, aa, l, s] = promoteInexact("jax.scipy.stats.gamma.cdf", x, a, loc, scale);
    return gammainc(aa!, lax.max(lax.div(lax.sub(xx!, l!), s!), 0));
  },
  sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [xx, aa, l, s] = promoteInexact("jax.scipy.stats.gamma.sf", x, a, loc, scale);
    return gammaincc(aa!, lax.max(lax.div(lax.sub(xx!, l!), s!), 0));
  },
};

export const chi2 = {
  logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [xx, d, l, s] = promoteInexact("jax.scipy.stats.chi2.logpdf", x, df, loc, scale);
    const y = lax.div(lax.sub(xx!, l!), s!);
    const k = lax.mul(d!, 0.5);
    const logp = lax.sub(
      lax.sub(xlogy(lax.sub(k, 1), y), lax.mul(y, 0.5)),
      lax.add(lax.add(lax.lgamma(k), lax.mul(k, Math.LN2)), lax.log(s!)),
    );
    return support(lax.lt(y, 0), logp);
  },
  pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(chi2.logpdf(x, df, loc, scale));
  },
  cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [xx, d, l, s] = promoteInexact("jax.scipy.stats.chi2.cdf", x, df, loc, scale);
    const y = lax.max(lax.div(lax.sub(xx!, l!), s!), 0);
    return gammainc(lax.mul(d!, 0.5), lax.mul(y, 0.5));
  },
};

export const t = {
  logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [xx, d, l, s] = promoteInexact("jax.scipy.stats.t.logpdf", x, df, loc, scale);
    const y = lax.div(lax.sub(xx!, l!), s!);
    const half = lax.mul(lax.add(d!, 1), 0.5);
    const normalizer = lax.add(
      lax.sub(lax.lgamma(lax.mul(d!, 0.5)), lax.lgamma(half)),
      lax.add(lax.mul(lax.log(lax.mul(d!, Math.PI)), 0.5), lax.log(s!)),
    );
    return lax.sub(lax.mul(lax.neg(half), lax.log1p(lax.div(lax.square(y), d!))), normalizer);
  },
  pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(t.logpdf(x, df, loc, scale));
  },
};

export const uniform = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [xx, l, s] = promoteInexact("jax.scipy.stats.uniform.logpdf", x, loc, scale);
    const outside = lax.bitwiseOr(lax.lt(xx!, l!), lax.gt(xx!, lax.add(l!, s!)));
    return support(outside, lax.neg(lax.log(s!)));
  },
  pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(uniform.logpdf(x, loc, scale));
  },
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y] = standardize("jax.scipy.stats.uniform.cdf", x, loc, scale);
    return lax.clamp(0, y, 1);
  },
  ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return quantile("jax.scipy.stats.uniform.ppf", q, loc, scale, (p) => p);
  },
};

export const expon = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y, s] = standardize("jax.scipy.stats.expon.logpdf", x, loc, scale);
    return support(lax.lt(y, 0), lax.sub(lax.neg(y), lax.log(s)));
  },
  pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(expon.logpdf(x, loc, scale));
  },
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y] = standardize("jax.scipy.stats.expon.cdf", x, loc, scale);
    return lax.neg(lax.expm1(lax.neg(lax.max(y, 0))));
  },
  sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y] = standardize("jax.scipy.stats.expon.sf", x, loc, scale);
    return lax.exp(lax.neg(lax.max(y, 0)));
  },
  ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return quantile("jax.scipy.stats.expon.ppf", q, loc, scale, (p) =>
      lax.neg(lax.log1p(lax.neg(p))),
    );
  },
};

export const laplace = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y, s] = standardize("jax.scipy.stats.laplace.logpdf", x, loc, scale);
    return lax.sub(lax.neg(lax.abs(y)), lax.log(lax.mul(s, 2)));
  },
  pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(laplace.logpdf(x, loc, scale));
  },
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y] = standardize("jax.scipy.stats.laplace.cdf", x, loc, scale);
    const half = lax.mul(lax.exp(lax.neg(lax.abs(y))), 0.5);
    return jnp.where(lax.lt(y, 0), half, lax.sub(1, half));
  },
};

export const logistic = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y, s] = standardize("jax.scipy.stats.logistic.logpdf", x, loc, scale);
    const h = lax.mul(y, 0.5);
    // -2 log(2 cosh(y/2)): no overflow for large |y|.
    return lax.sub(lax.mul(jnp.logaddexp(h, lax.neg(h)), -2), lax.log(s));
  },
  pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(logistic.logpdf(x, loc, scale));
  },
  ...symmetricTails("logistic", expit, logit),
};

export const cauchy = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y, s] = standardize("jax.scipy.stats.cauchy.logpdf", x, loc, scale);
    return lax.neg(lax.add(lax.add(lax.log1p(lax.square(y)), lax.log(s)), Math.log(Math.PI)));
  },
  pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    return lax.exp(cauchy.logpdf(x, loc, scale));
  },
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    const [y] = standardize("jax.scipy.stats.cauchy.cdf", x, loc, scale);
    return lax.add(0.5, lax.div(lax.atan(y), Math.PI));
  },
  ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): Array {
    // tan(±π/2) is finite in floating point: the ends are set to ∓inf.
    return quantile("jax.scipy.stats.cauchy.ppf", q, loc, scale, (p) =>
      jnp.where(
        lax.eq(p, 0),
        Number.NEGATIVE_INFINITY,
        jnp.where(
          lax.eq(p, 1),
          Number.POSITIVE_INFINITY,
          lax.tan(lax.mul(lax.sub(p, 0.5), Math.PI)),
        ),
      ),
    );
  },
};
