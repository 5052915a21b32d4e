/**
 * `jax.scipy.special`: logsumexp, the logistic pair, the error and gamma
 * families, the normal distribution's ndtr/log_ndtr/ndtri, incomplete gamma,
 * modified Bessel i0e/i1e, built on lax and jnp as JAX's are, with their
 * numerically careful forms (log_ndtr's asymptotic series in the far left
 * tail, xlogy = 0 at x = 0) and JAX's custom derivatives where it has them
 * (xlogy, xlog1py, log_ndtr, ndtri).
 */

import { customJvp } from "../api/custom.js";
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import { BERNOULLI_OVER_FACTORIAL } from "../ir/special.js";
import { stopGradient } from "../lax/ad_util.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { promoteInexact } from "./util.js";

export { logSoftmax, softmax } from "../nn/functions.js";

type Axis = number | readonly number[] | null;

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const unary = (op: string, x: ArrayLike): Array => promoteInexact(op, x)[0]!;

// --- logsumexp ------------------------------------------------------------------------------

export interface LogsumexpOptions {
  axis?: Axis;
  /** Weights: log(Σ b·exp(a)); a zero weight drops its term, even an infinite one. */
  b?: ArrayLike;
  keepdims?: boolean;
  /** Also return the sign of Σ b·exp(a) (then the result is log|Σ b·exp(a)|). */
  returnSign?: boolean;
}
const LOGSUMEXP_KEYS: OptionKeys<LogsumexpOptions> = {
  axis: true,
  b: true,
  keepdims: true,
  returnSign: true,
};

/**
 * `jax.scipy.special.logsumexp(a, axis, b, keepdims, return_sign)`, shifted
 * by the (stop-gradient) maximum so that large inputs do not overflow; an
 * all -inf slice gives -inf. Without returnSign a negative sum gives NaN.
 */
export function logsumexp(
  a: ArrayLike,
  options: LogsumexpOptions & { returnSign: true },
): [Array, Array];
export function logsumexp(a: ArrayLike, options?: LogsumexpOptions | Axis): Array;
export function logsumexp(
  a: ArrayLike,
  axisOrOptions: LogsumexpOptions | Axis = {},
): Array | [Array, Array] {
  const op = "jax.scipy.special.logsumexp";
  // `logsumexp(a, 1)` as `logsumexp(a, axis=1)`.
  const options: LogsumexpOptions =
    axisOrOptions === null ||
    typeof axisOrOptions === "number" ||
    globalThis.Array.isArray(axisOrOptions)
      ? { axis: axisOrOptions as Axis }
      : checkOptions(op, axisOrOptions as LogsumexpOptions, LOGSUMEXP_KEYS);
  const axis = options.axis ?? null;
  let x: Array;
  let b: Array | undefined;
  if (options.b !== undefined) {
    const [xa, ba] = promoteInexact(op, a, options.b);
    b = ba!;
    x = jnp.where(jnp.notEqual(b, 0), xa!, Number.NEGATIVE_INFINITY);
  } else {
    x = unary(op, a);
  }
  const amax = jnp.max(x, { axis, keepdims: true });
  const shift = stopGradient(jnp.where(jnp.isfinite(amax), amax, 0));
  let e = jnp.exp(jnp.subtract(x, shift));
  if (b !== undefined) e = jnp.multiply(b, e);
  const s = jnp.sum(e, { axis, keepdims: true });
  const sign = jnp.sign(s);
  let out = jnp.add(jnp.log(jnp.abs(s)), shift);
  if (!options.keepdims) {
    out = jnp.squeeze(out, axis === null ? undefined : axis);
  }
  const signOut = options.keepdims ? sign : jnp.squeeze(sign, axis === null ? undefined : axis);
  if (options.returnSign) return [out, signOut];
  return b === undefined ? out : jnp.where(jnp.less(signOut, 0), Number.NaN, out);
}

// --- logistic -----------------------------------------------------------------------------

/** `expit(x)` = 1 / (1 + exp(-x)). */
export const expit = (x: ArrayLike): Array => lax.logistic(unary("jax.scipy.special.expit", x));

/** `logit(x)` = log(x / (1 - x)), the inverse of expit. */
export function logit(x: ArrayLike): Array {
  const p = unary("jax.scipy.special.logit", x);
  return lax.log(lax.div(p, lax.sub(1, p)));
}

// --- error and gamma families ---------------------------------------------------------------

export const erf = (x: ArrayLike): Array => lax.erf(unary("jax.scipy.special.erf", x));
export const erfc = (x: ArrayLike): Array => lax.erfc(unary("jax.scipy.special.erfc", x));
export const erfinv = (x: ArrayLike): Array => lax.erfInv(unary("jax.scipy.special.erfinv", x));
/** `gammaln(x)` = log|Γ(x)|. */
export const gammaln = (x: ArrayLike): Array => lax.lgamma(unary("jax.scipy.special.gammaln", x));
export const digamma = (x: ArrayLike): Array => lax.digamma(unary("jax.scipy.special.digamma", x));

/** `polygamma(n, x)`: the n-th derivative of digamma (n a non-negative integer). */
export function polygamma(n: ArrayLike, x: ArrayLike): Array {
  const [m, y] = promoteInexact("jax.scipy.special.polygamma", n, x);
  return lax.polygamma(m!, y!);
}

/** Stirling's correction lgamma(x) - ((x - 1/2) log x - x + log √(2π)), for x >= 10. */
function stirlingCorrection(x: Array): Array {
  const r = lax.div(1, x);
  const r2 = lax.square(r);
  // 1/12, -1/360, 1/1260, -1/1680, 1/1188, -691/360360 in powers of 1/x²; next term < 1e-15.
  const coeffs = [-691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];
  let p = jnp.zerosLike(x);
  for (const c of coeffs) p = lax.add(lax.mul(p, r2), c);
  return lax.mul(p, r);
}

const BETALN_STIRLING_MIN = 10;

/**
 * `betaln(a, b)` = log|B(a, b)|. With the larger argument b >= 10,
 * lgamma(b) - lgamma(a + b) is taken from Stirling's series with log1p(a/b),
 * so that it keeps its digits when b >> a (the plain difference of two large
 * lgammas would not), as JAX's careful form does.
 */
export function betaln(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promoteInexact("jax.scipy.special.betaln", a, b);
  const small = lax.min(x!, y!);
  const big = lax.max(x!, y!);
  const plain = lax.sub(lax.add(lax.lgamma(x!), lax.lgamma(y!)), lax.lgamma(lax.add(x!, y!)));
  const useStirling = lax.ge(big, BETALN_STIRLING_MIN);
  const bs = lax.max(big, BETALN_STIRLING_MIN); // the other branch's values stay finite
  const sum = lax.add(small, bs);
  const diff = lax.add(
    lax.sub(
      lax.neg(lax.mul(lax.sub(bs, 0.5), lax.log1p(lax.div(small, bs)))),
      lax.mul(small, lax.log(sum)),
    ),
    lax.add(small, lax.sub(stirlingCorrection(bs), stirlingCorrection(sum))),
  );
  return jnp.where(useStirling, lax.add(lax.lgamma(small), diff), plain);
}

/** `gammainc(a, x)`: the regularized lower incomplete gamma function P(a, x). */
export function gammainc(a: ArrayLike, x: ArrayLike): Array {
  const [s, y] = promoteInexact("jax.scipy.special.gammainc", a, x);
  return lax.igamma(s!, y!);
}

/** `gammaincc(a, x)` = 1 - P(a, x), computed directly (accurate where it is small). */
export function gammaincc(a: ArrayLike, x: ArrayLike): Array {
  const [s, y] = promoteInexact("jax.scipy.special.gammaincc", a, x);
  return lax.igammac(s!, y!);
}

/** `multigammaln(a, d)`: log of the multivariate gamma function of dimension d. */
export function multigammaln(a: ArrayLike, d: number): Array {
  if (!Number.isInteger(d) || d < 1) {
    throw new TypeError(`jax.scipy.special.multigammaln: d must be a positive integer, got ${d}`);
  }
  const x = unary("jax.scipy.special.multigammaln", a);
  let out = jnp.fullLike(x, ((d * (d - 1)) / 4) * Math.log(Math.PI));
  for (let j = 0; j < d; j++) out = lax.add(out, lax.lgamma(lax.sub(x, j / 2)));
  return out;
}

// --- x log y ------------------------------------------------------------------------------

const xlogyCustom = customJvp(function xlogy(x: Array, y: Array): Array {
  return jnp.where(jnp.notEqual(x, 0), lax.mul(x, lax.log(y)), 0);
}).defjvp(([x, y], [dx, dy]) => {
  const [a, b] = [x as Array, y as Array];
  const out = xlogyCustom(a, b);
  return [out, lax.add(lax.mul(dx as Array, lax.log(b)), lax.div(lax.mul(dy as Array, a), b))];
});

/** `xlogy(x, y)` = x·log(y), and 0 where x = 0 (even at y = 0); JAX's derivative. */
export function xlogy(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteInexact("jax.scipy.special.xlogy", x, y);
  return xlogyCustom(a!, b!);
}

const xlog1pyCustom = customJvp(function xlog1py(x: Array, y: Array): Array {
  return jnp.where(jnp.notEqual(x, 0), lax.mul(x, lax.log1p(y)), 0);
}).defjvp(([x, y], [dx, dy]) => {
  const [a, b] = [x as Array, y as Array];
  const out = xlog1pyCustom(a, b);
  const dOut = lax.add(
    lax.mul(dx as Array, lax.log1p(b)),
    lax.div(lax.mul(dy as Array, a), lax.add(b, 1)),
  );
  return [out, dOut];
});

/** `xlog1py(x, y)` = x·log1p(y), and 0 where x = 0 (even at y = -1). */
export function xlog1py(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteInexact("jax.scipy.special.xlog1py", x, y);
  return xlog1pyCustom(a!, b!);
}

/** `entr(x)` = -x·log(x) for x > 0, 0 at 0, -inf for x < 0. */
export function entr(x: ArrayLike): Array {
  const a = unary("jax.scipy.special.entr", x);
  return jnp.where(lax.lt(a, 0), Number.NEGATIVE_INFINITY, lax.neg(xlogyCustom(a, a)));
}

// --- the normal distribution function -------------------------------------------------------

function ndtrOf(x: Array): Array {
  const z = lax.mul(x, Math.SQRT1_2);
  const w = lax.abs(z);
  const y = jnp.where(
    lax.lt(w, Math.SQRT1_2),
    lax.add(1, lax.erf(z)),
    jnp.where(lax.gt(z, 0), lax.sub(2, lax.erfc(w)), lax.erfc(w)),
  );
  return lax.mul(y, 0.5);
}

/** `ndtr(x)`: the standard normal CDF, from erf near 0 and erfc in the tails. */
export const ndtr = (x: ArrayLike): Array => ndtrOf(unary("jax.scipy.special.ndtr", x));

// JAX sums 3 terms (first omitted term 105/x⁸: 4e-11 at -36, 1e-6 at -10); 8 terms leave
// 17!!/x¹⁸: 3e-21 at -36 and 3e-11 at float32's switch, -10.
const LOG_NDTR_SERIES_ORDER = 8;

/** 1 - 1/x² + 3/x⁴ - …, to `order` terms: Φ(x) = φ(x)/(-x) times this, for x -> -inf. */
function asymptoticSeries(x: Array, order = LOG_NDTR_SERIES_ORDER): Array {
  const x2 = lax.square(x);
  let evenSum = jnp.zerosLike(x);
  let oddSum = jnp.zerosLike(x);
  let x2n = x2;
  let doubleFactorial = 1; // (2n - 1)!!
  for (let n = 1; n <= order; n++) {
    doubleFactorial *= 2 * n - 1;
    const y = lax.div(doubleFactorial, x2n);
    if (n % 2 === 1) oddSum = lax.add(oddSum, y);
    else evenSum = lax.add(evenSum, y);
    x2n = lax.mul(x2n, x2);
  }
  return lax.sub(lax.add(evenSum, 1), oddSum);
}

/** log Φ(x) for x <= lower by the asymptotic series. */
function logNdtrLower(x: Array): Array {
  const logScale = lax.sub(
    lax.sub(lax.mul(lax.square(x), -0.5), lax.log(lax.neg(x))),
    LOG_SQRT_2PI,
  );
  return lax.add(logScale, lax.log(asymptoticSeries(x)));
}

/** Where log_ndtr switches to its series: below it ndtr would lose digits or underflow. */
const logNdtrBounds = (x: Array): [number, number] =>
  // JAX switches to the series below -20 in float64; erfc stays accurate (and its result
  // normal) down to -37, and switching there keeps the series' terms small.
  x.dtype === "float64" ? [-36, 8] : [-10, 5];

const logNdtrCustom = customJvp(function logNdtr(x: Array): Array {
  const [lower, upper] = logNdtrBounds(x);
  return jnp.where(
    lax.gt(x, upper),
    lax.neg(ndtrOf(lax.neg(x))), // log(1 - ε) = -ε to working precision
    jnp.where(
      lax.gt(x, lower),
      lax.log(ndtrOf(lax.max(x, lower))),
      logNdtrLower(lax.min(x, lower)),
    ),
  );
}).defjvp(([x], [dx]) => {
  const a = x as Array;
  const out = logNdtrCustom(a);
  // φ(x) / Φ(x) in logs, finite where both underflow; in the series' range it is -x / series
  // exactly (no cancellation between x²/2 and log Φ).
  const [lower] = logNdtrBounds(a);
  const ratio = lax.exp(lax.sub(lax.sub(lax.mul(lax.square(a), -0.5), LOG_SQRT_2PI), out));
  const xl = lax.min(a, lower);
  const tail = lax.div(lax.neg(xl), asymptoticSeries(xl));
  return [out, lax.mul(dx as Array, jnp.where(lax.lt(a, lower), tail, ratio))];
});

/** `log_ndtr(x)` = log Φ(x), accurate for large |x| (asymptotic series below -20, or -10 in float32). */
export const logNdtr = (x: ArrayLike): Array =>
  logNdtrCustom(unary("jax.scipy.special.log_ndtr", x));

/** Φ⁻¹(q) for 0 < q <= 1/2: erfinv in the middle, Newton on log Φ in the tail. */
function ndtriLower(q: Array): Array {
  const tail = lax.lt(q, 0.05);
  const qt = jnp.where(tail, q, 0.01);
  // Abramowitz & Stegun 26.2.23 (error < 4.5e-4) starts the Newton steps.
  const t = lax.sqrt(lax.mul(lax.log(qt), -2));
  const num = lax.add(2.515517, lax.mul(t, lax.add(0.802853, lax.mul(t, 0.010328))));
  const den = lax.add(
    1,
    lax.mul(t, lax.add(1.432788, lax.mul(t, lax.add(0.189269, lax.mul(t, 0.001308))))),
  );
  let x = lax.neg(lax.sub(t, lax.div(num, den)));
  const logq = lax.log(qt);
  for (let i = 0; i < 3; i++) {
    const ln = logNdtrCustom(x);
    const slope = lax.exp(lax.sub(lax.sub(lax.mul(lax.square(x), -0.5), LOG_SQRT_2PI), ln));
    x = lax.sub(x, lax.div(lax.sub(ln, logq), slope));
  }
  const mid = lax.mul(lax.erfInv(lax.sub(lax.mul(jnp.where(tail, 0.25, q), 2), 1)), Math.SQRT2);
  return jnp.where(tail, x, mid);
}

const ndtriCustom = customJvp(function ndtri(p: Array): Array {
  const upperHalf = lax.gt(p, 0.5);
  const q = jnp.where(upperHalf, lax.sub(1, p), p); // exact for p >= 1/2
  const inside = lax.bitwiseAnd(lax.gt(q, 0), lax.le(q, 0.5));
  const x = ndtriLower(jnp.where(inside, q, 0.25));
  const signed = jnp.where(upperHalf, lax.neg(x), x);
  const edge = jnp.where(
    lax.eq(p, 0),
    Number.NEGATIVE_INFINITY,
    jnp.where(lax.eq(p, 1), Number.POSITIVE_INFINITY, Number.NaN),
  );
  return jnp.where(inside, signed, edge);
}).defjvp(([p], [dp]) => {
  const out = ndtriCustom(p as Array);
  // dx/dp = 1/φ(x) = sqrt(2π)·exp(x²/2).
  const slope = lax.exp(lax.add(lax.mul(lax.square(out), 0.5), LOG_SQRT_2PI));
  return [out, lax.mul(dp as Array, slope)];
});

/** `ndtri(p)`: the standard normal quantile Φ⁻¹(p); ±inf at 1 and 0, NaN outside [0, 1]. */
export const ndtri = (p: ArrayLike): Array => ndtriCustom(unary("jax.scipy.special.ndtri", p));

// --- modified Bessel functions, exponentially scaled ------------------------------------------

// Below BESSEL_SWITCH the power series (positive terms, BESSEL_SERIES_TERMS of them reach
// 1e-17 at the switch); above it the asymptotic expansion, whose smallest term there is
// about exp(-2·BESSEL_SWITCH).
const BESSEL_SWITCH = 20;
const BESSEL_SERIES_TERMS = 45;
const BESSEL_ASYMPTOTIC_TERMS = 40;

/** e^{-|x|} I_ν(x) for ν in {0, 1} (I₁ is odd). */
function besselScaled(x: Array, nu: 0 | 1): Array {
  const ax = lax.abs(x);
  const small = lax.le(ax, BESSEL_SWITCH);
  // Each branch sees only inputs it is valid for, so neither gives NaN gradients. The series
  // keeps x's sign (I₁'s factor x/2) so that its derivative at 0 is right.
  const xs = lax.clamp(-BESSEL_SWITCH, x, BESSEL_SWITCH);
  const q = lax.mul(lax.square(xs), 0.25);
  let term = jnp.onesLike(xs);
  let sum = term;
  for (let k = 1; k <= BESSEL_SERIES_TERMS; k++) {
    term = lax.mul(term, lax.div(q, k * (k + nu)));
    sum = lax.add(sum, term);
  }
  if (nu === 1) sum = lax.mul(sum, lax.mul(xs, 0.5));
  const seriesVal = lax.mul(sum, lax.exp(lax.neg(lax.abs(xs))));

  const xl = lax.max(ax, BESSEL_SWITCH);
  const mu = 4 * nu * nu;
  let a = jnp.onesLike(xl);
  let asum = a;
  for (let k = 1; k <= BESSEL_ASYMPTOTIC_TERMS; k++) {
    a = lax.mul(a, lax.div(((2 * k - 1) ** 2 - mu) / (8 * k), xl));
    asum = lax.add(asum, a);
  }
  let asymptotic = lax.mul(asum, lax.rsqrt(lax.mul(xl, 2 * Math.PI)));
  if (nu === 1) asymptotic = lax.mul(asymptotic, lax.sign(x));
  return jnp.where(small, seriesVal, asymptotic);
}

const i0eCustom = customJvp(function i0e(x: Array): Array {
  return besselScaled(x, 0);
}).defjvp(([x], [dx]) => {
  const a = x as Array;
  const out = i0eCustom(a);
  // JAX's rule, i1e(x) - sign(x)·i0e(x): 0 at the kink x = 0.
  return [out, lax.mul(dx as Array, lax.sub(besselScaled(a, 1), lax.mul(lax.sign(a), out)))];
});

/** `i0e(x)` = exp(-|x|)·I₀(x); the derivative at 0 is 0 (JAX's). */
export const i0e = (x: ArrayLike): Array => i0eCustom(unary("jax.scipy.special.i0e", x));

/** `i1e(x)` = exp(-|x|)·I₁(x) (odd in x). */
export const i1e = (x: ArrayLike): Array => besselScaled(unary("jax.scipy.special.i1e", x), 1);

// --- Hurwitz zeta ------------------------------------------------------------------------------

const ZETA_DIRECT_TERMS = 9;

/**
 * `zeta(x, q = 1)`: the Hurwitz zeta function Σ_k (k + q)^-x for x > 1 and
 * q > 0 (Riemann's at q = 1), by Euler–Maclaurin summation: 9 direct terms
 * and 12 Bernoulli corrections; inf at x = 1 and at q = 0, -1, -2, …,
 * NaN for x < 1 and other q < 0 (where SciPy sums for integer x).
 * Differentiable in both arguments through the summation.
 */
export function zeta(x: ArrayLike, q: ArrayLike = 1): Array {
  const [s0, q0] = promoteInexact("jax.scipy.special.zeta", x, q);
  const inDomain = lax.bitwiseAnd(lax.gt(s0!, 1), lax.gt(q0!, 0));
  // Safe operands outside the domain keep the summation (and its gradient) finite.
  const s = jnp.where(inDomain, s0!, 2);
  const a = jnp.where(inDomain, q0!, 1);
  const negS = lax.neg(s);
  let sum = jnp.zerosLike(s);
  for (let k = 0; k < ZETA_DIRECT_TERMS; k++) sum = lax.add(sum, lax.pow(lax.add(a, k), negS));
  const w = lax.add(a, ZETA_DIRECT_TERMS);
  const wNegS = lax.pow(w, negS);
  // ∫_N^∞ (a + t)^-s dt and half the first omitted term.
  sum = lax.add(sum, lax.div(lax.mul(wNegS, w), lax.sub(s, 1)));
  sum = lax.add(sum, lax.mul(wNegS, 0.5));
  // Σ_j B_2j/(2j)! · s (s+1) … (s+2j-2) · w^(-s-2j+1), the product updated as one factor
  // (separately, the rising factorial would overflow float32 where the power underflows).
  let t = lax.mul(s, lax.div(wNegS, w));
  const invW2 = lax.div(1, lax.square(w));
  BERNOULLI_OVER_FACTORIAL.forEach((c, j) => {
    if (j > 0) t = lax.mul(t, lax.mul(lax.mul(lax.add(s, 2 * j - 1), lax.add(s, 2 * j)), invW2));
    sum = lax.add(sum, lax.mul(t, c));
  });
  // Poles: x = 1, and q a non-positive integer (SciPy's inf); other q <= 0 give NaN here.
  const pole = lax.bitwiseOr(
    lax.eq(s0!, 1),
    lax.bitwiseAnd(lax.le(q0!, 0), lax.eq(q0!, lax.floor(q0!))),
  );
  const outside = jnp.where(
    lax.bitwiseAnd(pole, lax.ge(s0!, 1)),
    Number.POSITIVE_INFINITY,
    Number.NaN,
  );
  return jnp.where(inDomain, sum, outside);
}
