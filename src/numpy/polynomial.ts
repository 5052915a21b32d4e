/**
 * Polynomials as coefficient arrays, highest power first (NumPy's
 * `np.poly*` family): `jnp.polyval`, `polyfit`, `poly`, `polyadd`,
 * `polysub`, `polymul`, `polydiv`, `polyder`, `polyint`, and `vander`.
 * Coefficient lengths are static (shapes), values may be traced; complex
 * coefficients work where NumPy's do.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type DType, defaultFloat, isComplex, isInexact } from "../dtype.js";
import { ConcretizationTypeError, ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { shapeStr } from "../shape.js";
import { convolve } from "./convolve.js";
import { constList, filled } from "./internal.js";
import { lstsq } from "./linalg.js";
import { cast, resultType } from "./util.js";

/** The promoted dtype of the arguments, the default float if that is not inexact. */
function inexactOf(...xs: Array[]): DType {
  const { dtype } = resultType(...xs);
  return isInexact(dtype) ? dtype : defaultFloat();
}

function coeffs(op: string, p: ArrayLike, what: string): Array {
  const a = asArray(p, op, what);
  if (a.ndim !== 1)
    throw new ValueError(`${op}: ${what} must be 1-D, got shape ${shapeStr(a.shape)}`);
  return a;
}

export interface PolyvalOptions {
  /** Accepted for JAX compatibility (the loop is unrolled at trace time). */
  unroll?: number;
}

/** `jnp.polyval(p, x)`: p[0]·x^(n-1) + ... + p[n-1] by Horner's scheme (inexact dtype). */
export function polyval(p: ArrayLike, x: ArrayLike, options: PolyvalOptions = {}): Array {
  const op = "jnp.polyval";
  checkOptions(op, options, { unroll: true });
  const p0 = coeffs(op, p, "p");
  const x0 = asArray(x, op, "x");
  const d = inexactOf(p0, x0);
  const pv = cast(p0, d);
  const xv = cast(x0, d);
  let y = filled(xv.shape, 0, d);
  for (let i = 0; i < pv.shape[0]!; i++) {
    const c = lax.broadcastInDim(lax.reshape(lax.sliceInDim(pv, i, i + 1), []), xv.shape, []);
    y = lax.add(lax.mul(y, xv), c);
  }
  return y;
}

export interface VanderOptions {
  /** Powers increase left to right (default false: decrease). */
  increasing?: boolean;
}

/** `jnp.vander(x, N?, { increasing })`: columns x^(N-1), ..., x^0 (or increasing). */
export function vander(x: ArrayLike, N?: number | null, options: VanderOptions = {}): Array {
  const op = "jnp.vander";
  options = checkOptions(op, options, { increasing: true });
  const v = coeffs(op, x, "x");
  const n = N ?? v.shape[0]!;
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError(`${op}: N must be a non-negative integer, got ${String(N)}`);
  const m = v.shape[0]!;
  const cols: Array[] = [];
  let pw = filled([m], 1, v.dtype);
  for (let i = 0; i < n; i++) {
    cols.push(lax.reshape(pw, [m, 1]));
    pw = lax.mul(pw, v);
  }
  if (!options.increasing) cols.reverse();
  return n === 0 ? filled([m, 0], 0, v.dtype) : lax.concatenate(cols, 1);
}

export interface PolyfitOptions {
  /** Relative condition number of the fit (default len(x)·eps). */
  rcond?: number | null;
  /** Weights applied to the residuals (1/sigma). */
  w?: ArrayLike | null;
  /** Also return [residuals, rank, singularValues, rcond] (as NumPy's full=True). */
  full?: boolean;
  /** Also return the covariance of the coefficients (true, or "unscaled"). */
  cov?: boolean | "unscaled";
}
const POLYFIT_KEYS: OptionKeys<PolyfitOptions> = { rcond: true, w: true, full: true, cov: true };

/**
 * `jnp.polyfit(x, y, deg, { rcond, w, full, cov })`: least-squares
 * coefficients (highest power first) of a degree-`deg` polynomial through
 * (x, y); y may be 2-D (one fit per column). With `full`, returns
 * `[p, residuals, rank, s, rcond]`; with `cov`, `[p, covariance]`.
 */
export function polyfit(
  x: ArrayLike,
  y: ArrayLike,
  deg: number,
  options: PolyfitOptions = {},
): Array | Array[] {
  const op = "jnp.polyfit";
  options = checkOptions(op, options, POLYFIT_KEYS);
  if (!Number.isInteger(deg) || deg < 0)
    throw new ValueError(`${op}: deg must be a non-negative integer, got ${String(deg)}`);
  const [xa0, ya0] = [coeffs(op, x, "x"), asArray(y, op, "y")];
  if (ya0.ndim < 1 || ya0.ndim > 2 || ya0.shape[0] !== xa0.shape[0]) {
    throw new TypeError(
      `${op}: y must be 1-D or 2-D with x's length ${xa0.shape[0]}, got shape ${shapeStr(ya0.shape)}`,
    );
  }
  const xa = cast(xa0, inexactOf(xa0, ya0));
  const ya = cast(ya0, xa.dtype);
  const order = deg + 1;
  const m = xa.shape[0]!;
  const rcond = options.rcond ?? m * epsOf(xa.dtype);
  let lhs = vander(xa, order);
  let rhs = ya;
  if (options.w != null) {
    const w = cast(coeffs(op, options.w, "w"), xa.dtype);
    if (w.shape[0] !== m)
      throw new TypeError(`${op}: w must have x's length ${m}, got ${w.shape[0]}`);
    lhs = lax.mul(lhs, lax.broadcastInDim(w, lhs.shape, [0]));
    rhs = lax.mul(rhs, lax.broadcastInDim(w, rhs.shape, [0]));
  }
  // Scale the columns to unit norm for conditioning, as NumPy.
  const scale = lax.sqrt(lax.reduceSum(lax.mul(lhs, lhs), [0]));
  lhs = lax.div(lhs, lax.broadcastInDim(scale, lhs.shape, [1]));
  const [c0, resids, rank, s] = lstsq(lhs, rhs, { rcond });
  const c = lax.div(c0, lax.broadcastInDim(scale, c0.shape, [0]));
  if (options.full) return [c, resids, rank, s, lax.convertElementType(rcond, xa.dtype)];
  if (options.cov) {
    // Vbase = inv(lhs^T lhs) / outer(scale, scale), as NumPy.
    const ata = lax.dotGeneral(lhs, lhs, [
      [[0], [0]],
      [[], []],
    ]);
    const inv = invSymmetric(ata);
    const vbase = lax.div(
      inv,
      lax.mul(
        lax.broadcastInDim(scale, [order, order], [0]),
        lax.broadcastInDim(scale, [order, order], [1]),
      ),
    );
    let fac: Array | number = 1;
    if (options.cov !== "unscaled") {
      if (m <= order)
        throw new ValueError(
          `${op}: the number of data points must exceed order to scale the covariance`,
        );
      fac = lax.div(resids, m - order);
    }
    if (ya.ndim === 1)
      return [
        c,
        lax.mul(
          vbase,
          typeof fac === "number" ? fac : lax.broadcastInDim(lax.reshape(fac, []), vbase.shape, []),
        ),
      ];
    const k = ya.shape[1]!;
    const facv = typeof fac === "number" ? filled([k], fac, vbase.dtype) : fac;
    return [
      c,
      lax.mul(
        lax.broadcastInDim(vbase, [order, order, k], [0, 1]),
        lax.broadcastInDim(facv, [order, order, k], [2]),
      ),
    ];
  }
  return c;
}

function epsOf(dtype: string): number {
  return dtype === "float64" || dtype === "complex128" ? 2.220446049250313e-16 : 1.1920929e-7;
}

function invSymmetric(a: Array): Array {
  const n = a.shape[0]!;
  const eye = lax.convertElementType(
    lax.eq(
      lax.broadcastInDim(lax.iota("int32", n), [n, n], [0]),
      lax.broadcastInDim(lax.iota("int32", n), [n, n], [1]),
    ),
    a.dtype,
  );
  return lstsq(a, eye)[0];
}

/**
 * `jnp.poly(seqOfZeros)`: the coefficients of the monic polynomial with the
 * given roots (1-D); a square matrix gives its characteristic polynomial
 * only where jnp.linalg.eigvals exists, so it is refused here.
 */
export function poly(seqOfZeros: ArrayLike): Array {
  const op = "jnp.poly";
  const z0 = asArray(seqOfZeros, op, "seqOfZeros");
  if (z0.ndim !== 1) {
    throw new ValueError(
      `${op}: input must be a 1-D array of roots, got shape ${shapeStr(z0.shape)}`,
    );
  }
  const z = cast(z0, inexactOf(z0));
  let a = filled([1], 1, z.dtype);
  for (let i = 0; i < z.shape[0]!; i++) {
    const root = lax.sliceInDim(z, i, i + 1);
    a = convolve(a, lax.concatenate([filled([1], 1, z.dtype), lax.neg(root)], 0));
  }
  return a;
}

/** Drops leading coefficients with |c| <= tol (concrete values only, as JAX). */
function trimFront(op: string, a: Array, tol: number): Array {
  if (!(a instanceof ArrayImpl)) {
    throw new ConcretizationTypeError(
      `${op}: trimLeadingZeros needs concrete coefficients (not under jit)`,
    );
  }
  const v = a.dataSync();
  const step = isComplex(a.dtype) ? 2 : 1;
  let i = 0;
  while (
    i < a.shape[0]! &&
    Math.abs(Number(v[step * i])) <= tol &&
    (step === 1 || Math.abs(Number(v[step * i + 1])) <= tol)
  )
    i++;
  return lax.sliceInDim(a, i, a.shape[0]!);
}

function padFront(a: Array, n: number): Array {
  return n === 0 ? a : lax.concatenate([filled([n], 0, a.dtype), a], 0);
}

function addLike(
  op: string,
  a1: ArrayLike,
  a2: ArrayLike,
  f: (x: Array, y: Array) => Array,
): Array {
  const x = coeffs(op, a1, "a1");
  const y = coeffs(op, a2, "a2");
  const dtype = resultType(x, y).dtype;
  const n = Math.max(x.shape[0]!, y.shape[0]!);
  return f(padFront(cast(x, dtype), n - x.shape[0]!), padFront(cast(y, dtype), n - y.shape[0]!));
}

/** `jnp.polyadd(a1, a2)`: the sum of two polynomials. */
export function polyadd(a1: ArrayLike, a2: ArrayLike): Array {
  return addLike("jnp.polyadd", a1, a2, lax.add);
}
/** `jnp.polysub(a1, a2)`: the difference of two polynomials. */
export function polysub(a1: ArrayLike, a2: ArrayLike): Array {
  return addLike("jnp.polysub", a1, a2, lax.sub);
}

export interface TrimOptions {
  /** Drop leading zero coefficients first (needs concrete values). */
  trimLeadingZeros?: boolean;
}

/** `jnp.polymul(a1, a2, { trimLeadingZeros })`: the product of two polynomials. */
export function polymul(a1: ArrayLike, a2: ArrayLike, options: TrimOptions = {}): Array {
  const op = "jnp.polymul";
  options = checkOptions(op, options, { trimLeadingZeros: true });
  let x = coeffs(op, a1, "a1");
  let y = coeffs(op, a2, "a2");
  if (options.trimLeadingZeros) {
    x = trimFront(op, x, 0);
    y = trimFront(op, y, 0);
  }
  if (x.shape[0] === 0 || y.shape[0] === 0) return filled([1], 0, resultType(x, y).dtype);
  return convolve(x, y);
}

/**
 * `jnp.polydiv(u, v, { trimLeadingZeros })` → `[quotient, remainder]`: long
 * division (inexact dtype); the remainder keeps u's length, as JAX.
 */
export function polydiv(u: ArrayLike, v: ArrayLike, options: TrimOptions = {}): [Array, Array] {
  const op = "jnp.polydiv";
  options = checkOptions(op, options, { trimLeadingZeros: true });
  const uu = coeffs(op, u, "u");
  const vv = coeffs(op, v, "v");
  const d = inexactOf(uu, vv);
  let rem = cast(uu, d);
  const den = cast(vv, d);
  const m = rem.shape[0]! - 1;
  const n = den.shape[0]! - 1;
  if (n < 0) throw new ValueError(`${op}: v must not be empty`);
  const scale = lax.div(filled([], 1, d), lax.reshape(lax.sliceInDim(den, 0, 1), []));
  const qlen = Math.max(m - n + 1, 1);
  const q: Array[] = [];
  for (let k = 0; k <= m - n; k++) {
    const qk = lax.mul(scale, lax.reshape(lax.sliceInDim(rem, k, k + 1), []));
    q.push(lax.reshape(qk, [1]));
    const sub = lax.mul(lax.broadcastInDim(qk, [n + 1], []), den);
    const upd = padFront(lax.concatenate([sub, filled([m - n - k], 0, d)], 0), k);
    rem = lax.sub(rem, upd);
  }
  const quotient = q.length === 0 ? filled([qlen], 0, d) : lax.concatenate(q, 0);
  if (options.trimLeadingZeros) rem = trimFront(op, rem, Math.sqrt(epsOf(d)));
  return [quotient, rem];
}

function ramp(n: number, dtype: DType, start: number, step: number): Array {
  return lax.add(lax.mul(lax.convertElementType(lax.iota("int32", n), dtype), step), start);
}

/** `jnp.polyder(p, m = 1)`: the m-th derivative's coefficients. */
export function polyder(p: ArrayLike, m = 1): Array {
  const op = "jnp.polyder";
  if (!Number.isInteger(m) || m < 0)
    throw new ValueError(`${op}: order of derivative must be non-negative, got ${String(m)}`);
  let c = coeffs(op, p, "p");
  for (let i = 0; i < m; i++) {
    const n = c.shape[0]!;
    if (n === 0) return c;
    // p[k]·(n-1-k) for k < n-1.
    c = lax.mul(lax.sliceInDim(c, 0, n - 1), ramp(n - 1, c.dtype, n - 1, -1));
  }
  return c;
}

export interface PolyintOptions {
  /** Integration constants: one, or one per integration (last integration's first). */
  k?: ArrayLike | readonly number[] | null;
}

/** `jnp.polyint(p, m = 1, { k })`: the m-th antiderivative's coefficients. */
export function polyint(p: ArrayLike, m = 1, options: PolyintOptions = {}): Array {
  const op = "jnp.polyint";
  options = checkOptions(op, options, { k: true });
  if (!Number.isInteger(m) || m < 0)
    throw new ValueError(`${op}: order of integral must be non-negative, got ${String(m)}`);
  const p0 = coeffs(op, p, "p");
  let c = cast(p0, inexactOf(p0));
  if (m === 0) return c;
  let k =
    options.k == null
      ? filled([m], 0, c.dtype)
      : cast(
          globalThis.Array.isArray(options.k)
            ? constList(options.k as readonly number[], c.dtype)
            : asArray(options.k as ArrayLike, op, "k"),
          c.dtype,
        );
  if (k.ndim === 0) k = lax.broadcastInDim(k, [m], []);
  if (k.shape[0] !== m)
    throw new ValueError(`${op}: k must be a scalar or have length m (${m}), got ${k.shape[0]}`);
  for (let i = 0; i < m; i++) {
    const n = c.shape[0]!;
    // p[j] / (n - j), then the constant of this integration (NumPy: k[i] at the i-th).
    c = lax.concatenate([lax.div(c, ramp(n, c.dtype, n, -1)), lax.sliceInDim(k, i, i + 1)], 0);
  }
  return c;
}
