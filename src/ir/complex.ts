/**
 * Scalar semantics of the complex functions, on JS numbers (doubles): each
 * takes the real and imaginary parts of its operands and returns the
 * result's as a pair. complex64 callers store the parts into a Float32Array,
 * which rounds each once (XLA computes complex64 in float32 arithmetic, so
 * its last bits may differ; NumPy's complex128 is the reference).
 *
 * Branch cuts and special values follow C99 Annex G as NumPy's npymath does:
 * principal branches, `sqrt(-x ± 0i) = ±i√x`, `log(0) = -inf + 0i`, the
 * imaginary part's sign of zero kept where the function is real on the real
 * axis. The formulas avoid cancellation where a naive one loses digits
 * (expm1, log1p near 0; log near |z| = 1; asinh for large |z|) and overflow
 * where an intermediate would (tan, tanh for large imaginary parts; abs via
 * hypot).
 */

export type Pair = [number, number];

export function cmul(a: number, b: number, c: number, d: number): Pair {
  return [a * c - b * d, a * d + b * c];
}

/** (a + bi) / (c + di) by Smith's algorithm (no overflow of c² + d²). */
export function cdiv(a: number, b: number, c: number, d: number): Pair {
  if (d === 0 && c !== 0) return [a / c, b / c];
  if (c === 0 && d !== 0) return [b / d, -a / d];
  if (Math.abs(c) >= Math.abs(d)) {
    const r = d / c;
    const den = c + d * r;
    return [(a + b * r) / den, (b - a * r) / den];
  }
  const r = c / d;
  const den = c * r + d;
  return [(a * r + b) / den, (b * r - a) / den];
}

export function cabs(a: number, b: number): number {
  return Math.hypot(a, b);
}

export function cexp(a: number, b: number): Pair {
  if (b === 0) return [Math.exp(a), b];
  if (a === Number.NEGATIVE_INFINITY && !Number.isFinite(b)) return [0, 0];
  const e = Math.exp(a);
  return [e * Math.cos(b), e * Math.sin(b)];
}

export function clog(a: number, b: number): Pair {
  const r = Math.hypot(a, b);
  let re: number;
  // Near |z| = 1, log|z| = log1p(|z|² - 1) / 2 computed without cancellation.
  if (r > 0.5 && r < 2) {
    const big = Math.max(Math.abs(a), Math.abs(b));
    const small = Math.min(Math.abs(a), Math.abs(b));
    re = 0.5 * Math.log1p((big - 1) * (big + 1) + small * small);
  } else {
    re = Math.log(r);
  }
  return [re, Math.atan2(b, a)];
}

/** The principal square root (C99's csqrt). */
export function csqrt(a: number, b: number): Pair {
  if (a === 0 && b === 0) return [0, b];
  if (b === Number.POSITIVE_INFINITY || b === Number.NEGATIVE_INFINITY) {
    return [Number.POSITIVE_INFINITY, b];
  }
  if (a === Number.NEGATIVE_INFINITY) {
    if (Number.isNaN(b)) return [b, Number.POSITIVE_INFINITY];
    return [0, b < 0 || Object.is(b, -0) ? -a : a];
  }
  if (a === Number.POSITIVE_INFINITY) {
    if (Number.isNaN(b)) return [a, b];
    return [a, b < 0 || Object.is(b, -0) ? -0 : 0];
  }
  if (Number.isNaN(a) || Number.isNaN(b)) return [Number.NaN, Number.NaN];
  // Scale to keep |z| + |a| from overflowing.
  const scale = Math.abs(a) > 1e300 || Math.abs(b) > 1e300 ? 0.25 : 1;
  const t =
    Math.sqrt((Math.abs(a * scale) + Math.hypot(a * scale, b * scale)) / 2) / Math.sqrt(scale);
  if (a >= 0) return [t, b / (2 * t)];
  return [Math.abs(b) / (2 * t), b < 0 || Object.is(b, -0) ? -t : t];
}

export function crsqrt(a: number, b: number): Pair {
  const [c, d] = csqrt(a, b);
  return cdiv(1, 0, c, d);
}

export function cexpm1(a: number, b: number): Pair {
  if (Math.abs(a) >= 1 || Math.abs(b) >= 1) {
    const [re, im] = cexp(a, b);
    return [re - 1, im];
  }
  // expm1(a)·cos(b) + (cos(b) - 1), with cos(b) - 1 = -2 sin²(b/2): no cancellation near 0.
  const s = Math.sin(b / 2);
  return [Math.expm1(a) * Math.cos(b) - 2 * s * s, Math.exp(a) * Math.sin(b)];
}

export function clog1p(a: number, b: number): Pair {
  if (Math.abs(a) >= 0.5 || Math.abs(b) >= 0.5) return clog(1 + a, b);
  // |1 + z|² - 1 = a(2 + a) + b², exact in the small-z region.
  return [0.5 * Math.log1p(a * (2 + a) + b * b), Math.atan2(b, 1 + a)];
}

export function csin(a: number, b: number): Pair {
  if (b === 0) return [Math.sin(a), b];
  return [Math.sin(a) * Math.cosh(b), Math.cos(a) * Math.sinh(b)];
}

export function ccos(a: number, b: number): Pair {
  if (b === 0) return [Math.cos(a), -Math.sin(a) * b];
  return [Math.cos(a) * Math.cosh(b), -Math.sin(a) * Math.sinh(b)];
}

export function csinh(a: number, b: number): Pair {
  if (b === 0) return [Math.sinh(a), b];
  return [Math.sinh(a) * Math.cos(b), Math.cosh(a) * Math.sin(b)];
}

export function ccosh(a: number, b: number): Pair {
  if (b === 0) return [Math.cosh(a), Math.sinh(a) * b];
  return [Math.cosh(a) * Math.cos(b), Math.sinh(a) * Math.sin(b)];
}

/** tanh(a + bi) = (sinh 2a + i sin 2b) / (cosh 2a + cos 2b), with the limit ±1 + 0i for large |a|. */
export function ctanh(a: number, b: number): Pair {
  if (b === 0) return [Math.tanh(a), b];
  if (Math.abs(a) > 22) {
    // cosh 2a dominates: tanh → sign(a), the imaginary part 4 sin b cos b e^{-2|a|}.
    const e = Math.exp(-2 * Math.abs(a));
    return [Math.sign(a), 4 * Math.sin(b) * Math.cos(b) * e];
  }
  const den = Math.cosh(2 * a) + Math.cos(2 * b);
  return [Math.sinh(2 * a) / den, Math.sin(2 * b) / den];
}

/** tan z = -i tanh(iz). */
export function ctan(a: number, b: number): Pair {
  const [re, im] = ctanh(-b, a);
  return [im, -re];
}

/** asinh z = log(z + √(z² + 1)), on the half-plane Re z ≥ 0 (odd symmetry for the other). */
export function casinh(a: number, b: number): Pair {
  if (a < 0 || (a === 0 && Object.is(a, -0))) {
    const [re, im] = casinh(-a, -b);
    return [-re, -im];
  }
  if (Math.hypot(a, b) > 1e150) {
    // √(z² + 1) ≈ z: log(2z).
    const [re, im] = clog(a, b);
    return [re + Math.LN2, im];
  }
  const [s, t] = csqrt(a * a - b * b + 1, 2 * a * b);
  // log(z + s) as log1p(z + (s - 1)): small z keeps its digits.
  return clog1p(a + (s - 1), b + t);
}

/** asin z = -i asinh(iz). */
export function casin(a: number, b: number): Pair {
  const [re, im] = casinh(-b, a);
  return [im, -re];
}

/** acos z = π/2 - asin z. */
export function cacos(a: number, b: number): Pair {
  const [re, im] = casin(a, b);
  return [Math.PI / 2 - re, -im];
}

/** atanh z = (log1p(z) - log1p(-z)) / 2. */
export function catanh(a: number, b: number): Pair {
  if (b === 0 && Math.abs(a) <= 1) return [Math.atanh(a), b];
  const [p, q] = clog1p(a, b);
  const [r, s] = clog1p(-a, -b);
  return [(p - r) / 2, (q - s) / 2];
}

/** atan z = -i atanh(iz). */
export function catan(a: number, b: number): Pair {
  const [re, im] = catanh(-b, a);
  return [im, -re];
}

/** acosh z = log(z + √(z + 1)·√(z - 1)). */
export function cacosh(a: number, b: number): Pair {
  const [p, q] = csqrt(a + 1, b);
  const [r, s] = csqrt(a - 1, b);
  const [m, n] = cmul(p, q, r, s);
  return clog(a + m, b + n);
}

/** z ** w = exp(w log z), with 0 ** w = 0 for Re w > 0 and z ** 0 = 1. */
export function cpowc(a: number, b: number, c: number, d: number): Pair {
  if (c === 0 && d === 0) return [1, 0];
  if (a === 0 && b === 0) {
    if (d === 0 && c > 0) return [0, 0];
    return [Number.NaN, Number.NaN];
  }
  const [l, m] = clog(a, b);
  const [x, y] = cmul(c, d, l, m);
  return cexp(x, y);
}

/** z ** n for an integer n, by repeated squaring (as XLA's integer_pow). */
export function cipow(a: number, b: number, n: number): Pair {
  let k = Math.abs(n);
  let re = 1;
  let im = 0;
  let pr = a;
  let pi = b;
  while (k > 0) {
    if (k & 1) [re, im] = cmul(re, im, pr, pi);
    k >>>= 1;
    if (k > 0) [pr, pi] = cmul(pr, pi, pr, pi);
  }
  return n < 0 ? cdiv(1, 0, re, im) : [re, im];
}

/** z / |z|, and 0 at 0. */
export function csign(a: number, b: number): Pair {
  const r = Math.hypot(a, b);
  if (r === 0) return [0, 0];
  if (!Number.isFinite(r)) {
    if (Number.isNaN(r)) return [Number.NaN, Number.NaN];
    return [Number.isFinite(a) ? 0 : Math.sign(a), Number.isFinite(b) ? 0 : Math.sign(b)];
  }
  return [a / r, b / r];
}

/** 1 / (1 + exp(-z)). */
export function clogistic(a: number, b: number): Pair {
  const [e, f] = cexp(-a, -b);
  return cdiv(1, 0, 1 + e, f);
}
