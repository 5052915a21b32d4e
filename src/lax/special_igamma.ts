/**
 * The regularized incomplete gamma functions as primitives, as XLA's:
 * `igamma(a, x)` = P(a, x) = γ(a, x) / Γ(a) and `igammac(a, x)` = Q(a, x) =
 * 1 - P(a, x). Kernels compute in doubles: the power series of P where
 * x < a + 1, the continued fraction of Q (modified Lentz) elsewhere, each
 * giving the other as its complement, so neither loses digits to
 * cancellation where it is small. The derivative in x is the gamma density;
 * the one in a is the primitive `igamma_grad_a` (as XLA's), computed by
 * carrying the derivative along the same series or continued fraction
 * (forward-mode dual numbers); it has no derivative itself.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import type { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { defaultFloat, isFloating, promoteTypes } from "../dtype.js";
import { digamma as digammaK, lgamma as lgammaK } from "../ir/special.js";
import { broadcastShapes } from "../shape.js";
import { convertElementType, eq, exp, lgamma, log, mul, neg, selectN, sub } from "./elementwise.js";
import { FLOATS, jsBinop } from "./elementwise_util.js";
import { broadcastInDim } from "./shape_ops.js";

const EPS = 2 ** -53;
const TINY = 1e-300;
const MAX_ITER = 100000;

/** log(x^a e^-x / Γ(a)), the common prefactor of the series and the fraction. */
const logPrefactor = (a: number, x: number): number => a * Math.log(x) - x - lgammaK(a);

/** P(a, x) by its power series: x^a e^-x / Γ(a + 1) · Σ x^n / ((a+1)…(a+n)). */
function seriesP(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITER; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) <= Math.abs(sum) * EPS) break;
  }
  return Math.exp(logPrefactor(a, x)) * sum;
}

/** Q(a, x) by its continued fraction (Legendre's), evaluated with the modified Lentz method. */
function fractionQ(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) <= EPS) break;
  }
  return Math.exp(logPrefactor(a, x)) * h;
}

/** [P, Q] at (a, x), or NaN outside the domain a >= 0, x >= 0 (as scipy; P(0, x > 0) = 1). */
function igammaPair(a: number, x: number): [number, number] {
  if (Number.isNaN(a) || Number.isNaN(x) || a < 0 || x < 0) return [Number.NaN, Number.NaN];
  if (a === 0) return x > 0 ? [1, 0] : [Number.NaN, Number.NaN];
  if (x === 0) return [0, 1];
  if (a === Number.POSITIVE_INFINITY) {
    return x === Number.POSITIVE_INFINITY ? [Number.NaN, Number.NaN] : [0, 1];
  }
  if (x === Number.POSITIVE_INFINITY) return [1, 0];
  if (x < a + 1) {
    const p = seriesP(a, x);
    return [p, 1 - p];
  }
  const q = fractionQ(a, x);
  return [1 - q, q];
}

export const igammaKernel = (a: number, x: number): number => igammaPair(a, x)[0];
export const igammacKernel = (a: number, x: number): number => igammaPair(a, x)[1];

/** dP/da along the series: d/da of x^a e^-x / Γ(a) · Σ t_n, t_n = x^n / (a (a+1)…(a+n)). */
function seriesGradA(a: number, x: number): number {
  let term = 1 / a;
  let dterm = -1 / (a * a);
  let sum = term;
  let dsum = dterm;
  for (let n = 1; n < MAX_ITER; n++) {
    const r = x / (a + n);
    dterm = dterm * r - (term * r) / (a + n);
    term *= r;
    sum += term;
    dsum += dterm;
    if (Math.abs(term) <= Math.abs(sum) * EPS && Math.abs(dterm) <= Math.abs(dsum) * EPS) break;
  }
  const dLog = Math.log(x) - digammaK(a);
  return Math.exp(logPrefactor(a, x)) * (dLog * sum + dsum);
}

/** dQ/da along the continued fraction: Lentz's recurrence on (value, d/da) pairs. */
function fractionGradA(a: number, x: number): number {
  let b = x + 1 - a;
  const db = -1;
  let c = 1 / TINY;
  let dc = 0;
  let d = 1 / b;
  let dd = -db / (b * b);
  let h = d;
  let dh = dd;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    const dan = i;
    b += 2;
    let dNext = an * d + b;
    let ddNext = dan * d + an * dd + db;
    if (Math.abs(dNext) < TINY) [dNext, ddNext] = [TINY, 0];
    let cNext = b + an / c;
    let dcNext = db + (dan * c - an * dc) / (c * c);
    if (Math.abs(cNext) < TINY) [cNext, dcNext] = [TINY, 0];
    d = 1 / dNext;
    dd = -ddNext * d * d;
    c = cNext;
    dc = dcNext;
    const delta = d * c;
    const ddelta = dd * c + d * dc;
    dh = dh * delta + h * ddelta;
    h *= delta;
    if (Math.abs(delta - 1) <= EPS && Math.abs(ddelta * h) <= EPS * Math.abs(dh)) break;
  }
  const dLog = Math.log(x) - digammaK(a);
  return Math.exp(logPrefactor(a, x)) * (dLog * h + dh);
}

/** dP(a, x)/da (= -dQ/da); 0 at x = 0 and x = inf, NaN outside the domain. */
export function igammaGradAKernel(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0 || x === Number.POSITIVE_INFINITY || a === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? seriesGradA(a, x) : -fractionGradA(a, x);
}

/** d/dx P(a, x) = x^(a-1) e^-x / Γ(a); (a - 1) log x is taken as 0 at a = 1 (finite at x = 0). */
function densityInX(a: Array, x: Array): Array {
  const am1 = sub(a, 1);
  const powTerm = selectN(eq(am1, 0), mul(am1, log(x)), 0);
  return exp(sub(sub(powTerm, x), lgamma(a)));
}

const noGrad = (): Array => {
  throw new Error("lax.igamma_grad_a: igamma_grad_a has no derivative (as in JAX)");
};

/** `igamma_grad_a(a, x)` = dP(a, x)/da. */
export const igammaGradAP: Primitive = jsBinop("igamma_grad_a", FLOATS, [noGrad, noGrad]);

export const igammaP: Primitive = jsBinop("igamma", FLOATS, [
  (g, _, a, x) => mul(g, bind1(igammaGradAP, [a, x], {})),
  (g, _, a, x) => mul(g, densityInX(a, x)),
]);

export const igammacP: Primitive = jsBinop("igammac", FLOATS, [
  (g, _, a, x) => neg(mul(g, bind1(igammaGradAP, [a, x], {}))),
  (g, _, a, x) => neg(mul(g, densityInX(a, x))),
]);

/** a and x as operands of one float dtype and shape (numbers take the other operand's dtype). */
function operands(op: string, a: ArrayLike, x: ArrayLike): [Array, Array] {
  const xs = [asArray(a, op, "a"), asArray(x, op, "x")];
  const promoted = promoteTypes(...xs.map((v) => ({ dtype: v.dtype, weakType: v.weakType })));
  const dtype = isFloating(promoted.dtype) ? promoted.dtype : defaultFloat();
  const shape = broadcastShapes(op, ...xs.map((v) => v.shape));
  return xs.map((v) => {
    const c = v.dtype === dtype ? v : convertElementType(v, dtype, promoted.weakType);
    const dims = v.shape.map((_, i) => shape.length - v.ndim + i);
    return v.ndim === shape.length && v.shape.every((d, i) => d === shape[i])
      ? c
      : broadcastInDim(c, shape, dims);
  }) as [Array, Array];
}

/** `lax.igamma(a, x)`: the regularized lower incomplete gamma function P(a, x). */
export function igamma(a: ArrayLike, x: ArrayLike): Array {
  return bind1(igammaP, operands("lax.igamma", a, x), {});
}

/** `lax.igammac(a, x)`: the regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x). */
export function igammac(a: ArrayLike, x: ArrayLike): Array {
  return bind1(igammacP, operands("lax.igammac", a, x), {});
}

/** `lax.igamma_grad_a(a, x)`: the derivative of igamma(a, x) in a. */
export function igammaGradA(a: ArrayLike, x: ArrayLike): Array {
  return bind1(igammaGradAP, operands("lax.igamma_grad_a", a, x), {});
}
