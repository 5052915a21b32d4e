/**
 * `jnp.linalg`: factorizations (cholesky, qr, eigh, svd), solvers (solve,
 * inv, lstsq, pinv, SciPy's solve_triangular), determinants, ranks,
 * norms and products, built on lax.linalg so all of them differentiate,
 * vmap and jit. Matrices are the last two dimensions; the leading ones are
 * batch dimensions (broadcast between a and b).
 */

import { customJvp } from "../api/custom.js";
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { shapeStr } from "../shape.js";
import { full, zerosLike } from "./creation.js";
import {
  alignRhs,
  checkMatrix,
  checkSquare,
  epsOf,
  eyeLike,
  inexact,
  mT,
} from "./linalg/common.js";
import { type NormOrd, norm } from "./linalg/norms.js";
import { expandDims, reshape } from "./manipulation.js";
import { matmul } from "./products.js";
import { any, countNonzero, max, sum } from "./reductions.js";
import { takeAlongAxis, where } from "./selection.js";
import { argsort } from "./sorting.js";
import {
  abs,
  divide,
  greater,
  greaterEqual,
  isinf,
  isnan,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  multiply,
  notEqual,
  sign,
  subtract,
} from "./ufuncs.js";

export { matrixNorm, type NormOrd, norm, vectorNorm } from "./linalg/norms.js";
export {
  cross,
  diagonal,
  matmul,
  matrixPower,
  matrixTranspose,
  multiDot,
  outer,
  tensordot,
  tensorinv,
  tensorsolve,
  trace,
  vecdot,
} from "./linalg/products.js";

export interface CholeskyOptions {
  /** Return the upper factor U = Lᵀ (a = Uᵀ U) instead of L (default false). */
  upper?: boolean;
  /** Factor (a + aᵀ)/2 rather than a's lower triangle (default true, as JAX). */
  symmetrizeInput?: boolean;
}
const CHOLESKY_KEYS: OptionKeys<CholeskyOptions> = { upper: true, symmetrizeInput: true };

/** `jnp.linalg.cholesky(a, { upper })`: L with L Lᵀ = a (NaNs where a is not positive definite). */
export function cholesky(a: ArrayLike, options: CholeskyOptions = {}): Array {
  options = checkOptions("jnp.linalg.cholesky", options, CHOLESKY_KEYS);
  const [x] = inexact("jnp.linalg.cholesky", a);
  const l = lax.linalg.cholesky(x!, { symmetrizeInput: options.symmetrizeInput ?? true });
  return options.upper ? mT(l) : l;
}

export type QrMode = "reduced" | "complete" | "r";

/**
 * `jnp.linalg.qr(a, mode)`: [Q, R] with Q R = a; "reduced" (default) gives
 * Q (..., m, k), R (..., k, n) with k = min(m, n), "complete" Q (..., m, m),
 * "r" only R (reduced).
 */
export function qr(a: ArrayLike, mode: "r"): Array;
export function qr(a: ArrayLike, mode?: "reduced" | "complete"): [Array, Array];
export function qr(a: ArrayLike, mode: QrMode = "reduced"): Array | [Array, Array] {
  const op = "jnp.linalg.qr";
  if (mode !== "reduced" && mode !== "complete" && mode !== "r") {
    throw new TypeError(`${op}: mode must be "reduced", "complete" or "r", got ${String(mode)}`);
  }
  const [x] = inexact(op, a);
  const [q, r] = lax.linalg.qr(x!, { fullMatrices: mode === "complete" });
  return mode === "r" ? r : [q, r];
}

// --- LU: solve, inv, det, slogdet -------------------------------------------------

/** x with P A x = L U x = P b from A's factors (lu, permutation), b [..., m, k]. */
function luSolve(lu: Array, perm: Array, b: Array): Array {
  const rows = lax.broadcastInDim(
    perm,
    [...perm.shape, b.shape[b.ndim - 1]!],
    perm.shape.map((_, i) => i),
  );
  const pb = takeAlongAxis(b, rows, -2);
  const y = lax.linalg.triangularSolve(lu, pb, { leftSide: true, lower: true, unitDiagonal: true });
  return lax.linalg.triangularSolve(lu, y, { leftSide: true, lower: false });
}

/**
 * a⁻¹ b for aligned a [..., m, m] and b [..., m, k], by LU with partial
 * pivoting (LAPACK's gesv). Its derivative reuses the factors, as JAX's
 * custom_linear_solve: dx = a⁻¹ (db - da x).
 */
const luSolveAligned = customJvp(function solve(a: Array, b: Array): Array {
  const [lu, , perm] = lax.linalg.lu(a);
  return luSolve(lu, perm, b);
}).defjvp(([a, b], [ta, tb]) => {
  const [lu, , perm] = lax.linalg.lu(a as Array);
  const x = luSolve(lu, perm, b as Array);
  return [x, luSolve(lu, perm, subtract(tb as Array, matmul(ta as Array, x)))];
});

/**
 * `jnp.linalg.solve(a, b)`: x with a x = b, a (..., m, m), b (m,) or
 * (..., m, k), by LU with partial pivoting (as JAX and LAPACK's gesv).
 */
export function solve(a: ArrayLike, b: ArrayLike): Array {
  const op = "jnp.linalg.solve";
  const [x, y] = inexact(op, a, b);
  const [aa, bb, unvector] = alignRhs(op, x!, y!, y!.ndim === 1);
  return unvector(luSolveAligned(aa, bb));
}

/** `jnp.linalg.inv(a)`: the inverse of each matrix of a (..., m, m). */
export function inv(a: ArrayLike): Array {
  const op = "jnp.linalg.inv";
  const [x] = inexact(op, a);
  const m = checkSquare(op, x!);
  return solve(x!, eyeLike(x!, m));
}

/** (-1)^(number of row swaps) of LU pivots [..., k], in `dtype`. */
function pivotSign(pivots: Array, dtype: Array["dtype"]): Array {
  const k = pivots.shape[pivots.ndim - 1]!;
  const swaps = countNonzero(notEqual(pivots, lax.iota("int32", k)), -1);
  const odd = lax.convertElementType(lax.rem(swaps, 2), dtype);
  return subtract(1, multiply(2, odd));
}

/** The diagonal [..., k] of matrices [..., k, k]. */
const diagonalOf = (x: Array): Array =>
  lax.reduceSum(multiply(x, eyeLike(x, x.shape[x.ndim - 1]!)), [x.ndim - 1]);

function detFromLu(x: Array): Array {
  const [lu, pivots] = lax.linalg.lu(x);
  return multiply(pivotSign(pivots, x.dtype), lax.reduceProd(diagonalOf(lu), [x.ndim - 2]));
}

/**
 * [det a, adj(a) b] for a [..., n, n] (n ≥ 2) and b [..., n, k], without
 * dividing by det a (JAX's cofactor solve): with P a = L U and U' equal to U
 * but its last pivot replaced by 1/(u₁₁⋯uₙ₋₁,ₙ₋₁ · sign), adj(a) b is
 * U'⁻¹ D L⁻¹ P b with D = diag(det, …, det, 1). Exact for rank n - 1 with the
 * zero pivot last (as partial pivoting leaves it); zero where U's leading
 * n - 1 pivots are singular too.
 */
function cofactorSolve(a: Array, b: Array): [Array, Array] {
  const n = a.shape[a.ndim - 1]!;
  const [lu, pivots, perm] = lax.linalg.lu(a);
  const signs = pivotSign(pivots, a.dtype);
  const partial = multiply(
    lax.cumprod(diagonalOf(lu), { axis: a.ndim - 2 }),
    expandDims(signs, -1),
  );
  const det = lax.indexInDim(partial, n - 1, a.ndim - 2, false);
  const before = lax.indexInDim(partial, n - 2, a.ndim - 2, false);
  const last = lax.eq(lax.broadcastedIota("int32", [n, n], 0), n - 1);
  const corner = lax.bitwiseAnd(last, lax.eq(lax.broadcastedIota("int32", [n, n], 1), n - 1));
  const luMod = where(corner, expandDims(divide(1, before), [-1, -2]), lu);
  // Leading pivots singular: the solves overflow; adj(a) b is zero there.
  const ones = full([...a.shape.slice(0, -1), 1], 1, a.dtype);
  const probe = lax.linalg.triangularSolve(luMod, ones, { leftSide: true, lower: false });
  const bad = expandDims(any(logicalOr(isnan(probe), isinf(probe)), [-2, -1]), [-1, -2]);
  let x = where(bad, zerosLike(b), b);
  x = luSolveRows(luMod, perm, x, n, det);
  return [det, where(bad, zerosLike(x), x)];
}

/** U'⁻¹ D L⁻¹ P x for cofactorSolve: D scales all rows but the last by `det`. */
function luSolveRows(lu: Array, perm: Array, x: Array, n: number, det: Array): Array {
  const rows = lax.broadcastInDim(
    perm,
    [...perm.shape, x.shape[x.ndim - 1]!],
    perm.shape.map((_, i) => i),
  );
  let y = takeAlongAxis(x, rows, -2);
  y = lax.linalg.triangularSolve(lu, y, { leftSide: true, lower: true, unitDiagonal: true });
  const notLast = lax.lt(lax.broadcastedIota("int32", [n, 1], 0), n - 1);
  y = multiply(y, where(notLast, expandDims(det, [-1, -2]), 1));
  return lax.linalg.triangularSolve(lu, y, { leftSide: true, lower: false });
}

const detCustom = customJvp(function det(x: Array): Array {
  return detFromLu(x);
}).defjvp(([x], [g]) => {
  const a = x as Array;
  const t = g as Array;
  const n = a.shape[a.ndim - 1]!;
  // adj of a 1×1 matrix is [[1]]; of a 0×0 one, empty.
  if (n <= 1)
    return [detFromLu(a), n === 1 ? lax.reshape(t, a.shape.slice(0, -2)) : zerosLike(detFromLu(a))];
  const [det, z] = cofactorSolve(a, t);
  return [det, sum(diagonalOf(z), -1)];
});

/**
 * `jnp.linalg.det(a)`: the determinant of each matrix of a (..., n, n), from
 * its LU factors; the derivative is tr(adj(a) da) (JAX's rule), finite
 * also at singular matrices.
 */
export function det(a: ArrayLike): Array {
  const op = "jnp.linalg.det";
  const [x] = inexact(op, a);
  checkSquare(op, x!);
  return detCustom(x!);
}

function slogdetValue(x: Array): [Array, Array] {
  const [lu, pivots] = lax.linalg.lu(x);
  const diag = diagonalOf(lu);
  const last = x.ndim - 2;
  const s = multiply(pivotSign(pivots, x.dtype), lax.reduceProd(sign(diag), [last]));
  const logabs = lax.reduceSum(log(abs(diag)), [last]);
  // A zero pivot: sign 0 and log|det| = -inf, as NumPy.
  const singular = any(lax.eq(diag, 0), -1);
  return [where(singular, 0, s), where(singular, -Infinity, logabs)];
}

const slogdetCustom = customJvp(function slogdet(x: Array): [Array, Array] {
  return slogdetValue(x);
}).defjvp(([x], [g]) => {
  const [s, logabs] = slogdetValue(x as Array);
  // tr(x⁻¹ g) with plain lax ops: a custom_jvp function applied to a tangent would not transpose.
  const [lu, , perm] = lax.linalg.lu(x as Array);
  const dlog = sum(diagonalOf(luSolve(lu, perm, g as Array)), -1);
  return [
    [s, logabs],
    [full(s.shape, 0, s.dtype), dlog],
  ];
});

/**
 * `jnp.linalg.slogdet(a)`: [sign, logabsdet] with det a = sign·exp(logabsdet)
 * for each matrix of a (..., n, n); a singular matrix gives [0, -inf].
 */
export function slogdet(a: ArrayLike): [Array, Array] {
  const op = "jnp.linalg.slogdet";
  const [x] = inexact(op, a);
  checkSquare(op, x!);
  return slogdetCustom(x!);
}

// --- eigh, svd and what they give ----------------------------------------------------

export interface EighOptions {
  /** The triangle to read, "L" (default) or "U". */
  UPLO?: "L" | "U";
  /** Use (a + aᵀ)/2 instead of one triangle (default true, as JAX). */
  symmetrizeInput?: boolean;
}
const EIGH_KEYS: OptionKeys<EighOptions> = { UPLO: true, symmetrizeInput: true };

function uploLower(op: string, uplo: string | undefined): boolean {
  if (uplo !== undefined && uplo !== "L" && uplo !== "U") {
    throw new TypeError(`${op}: UPLO must be "L" or "U", got ${String(uplo)}`);
  }
  return uplo !== "U";
}

/**
 * `jnp.linalg.eigh(a, { UPLO, symmetrizeInput })`: [eigenvalues,
 * eigenvectors] of each symmetric matrix of a (..., n, n): eigenvalues
 * (..., n) ascending, eigenvectors (..., n, n) orthonormal columns.
 */
export function eigh(a: ArrayLike, options: EighOptions = {}): [Array, Array] {
  options = checkOptions("jnp.linalg.eigh", options, EIGH_KEYS);
  const op = "jnp.linalg.eigh";
  const [x] = inexact(op, a);
  checkSquare(op, x!);
  const [v, w] = lax.linalg.eigh(x!, {
    lower: uploLower(op, options.UPLO),
    symmetrizeInput: options.symmetrizeInput ?? true,
  });
  return [w, v];
}

/** `jnp.linalg.eigvalsh(a, UPLO)`: the eigenvalues of symmetric a (..., n, n), ascending. */
export function eigvalsh(a: ArrayLike, UPLO: "L" | "U" = "L"): Array {
  return eigh(a, { UPLO })[0];
}

export interface SvdOptions {
  /** U (..., m, m) and Vᵀ (..., n, n) (default true); false: (..., m, k), (..., k, n). */
  fullMatrices?: boolean;
  /** Return [U, S, Vᵀ] (default true) or only S. */
  computeUv?: boolean;
  /** a is symmetric: decompose it by eigh (default false). */
  hermitian?: boolean;
}
const SVD_KEYS: OptionKeys<SvdOptions> = { fullMatrices: true, computeUv: true, hermitian: true };

/**
 * `jnp.linalg.svd(a, { fullMatrices, computeUv, hermitian })`: [U, S, Vᵀ]
 * with a = U diag(S) Vᵀ for each matrix of a (..., m, n), S descending;
 * only S when computeUv is false.
 */
export function svd(a: ArrayLike, options: SvdOptions & { computeUv: false }): Array;
export function svd(a: ArrayLike, options?: SvdOptions): [Array, Array, Array];
export function svd(a: ArrayLike, options: SvdOptions = {}): Array | [Array, Array, Array] {
  options = checkOptions("jnp.linalg.svd", options, SVD_KEYS);
  const op = "jnp.linalg.svd";
  const [x] = inexact(op, a);
  checkMatrix(op, x!);
  const computeUv = options.computeUv ?? true;
  if (options.hermitian) {
    checkSquare(op, x!);
    // |eigenvalues| in descending order; Vᵀ's rows carry the eigenvalues' signs.
    const [v, w] = lax.linalg.eigh(x!);
    const order = argsort(lax.neg(abs(w)), -1, { stable: true });
    const s = takeAlongAxis(abs(w), order, -1);
    if (!computeUv) return s;
    const u = takeAlongAxis(v, expandDims(order, -2), -1);
    const signs = takeAlongAxis(sign(w), order, -1);
    return [u, s, mT(multiply(u, expandDims(signs, -2)))];
  }
  if (!computeUv) return lax.linalg.svd(x!, { computeUv: false });
  return lax.linalg.svd(x!, { fullMatrices: options.fullMatrices ?? true });
}

/** `jnp.linalg.svdvals(a)`: the singular values of each matrix of a (..., m, n), descending. */
export function svdvals(a: ArrayLike): Array {
  return svd(a, { computeUv: false });
}

export interface PinvOptions {
  /** Singular values below rtol·max(S) count as zero (default 10·max(m, n)·eps). */
  rtol?: number;
  /** a is symmetric (use eigh; default false). */
  hermitian?: boolean;
}
const PINV_KEYS: OptionKeys<PinvOptions> = { rtol: true, hermitian: true };

function pinvValue(x: Array, rtol: number | undefined, hermitian: boolean): Array {
  const [m, n] = [x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!];
  if (m * n === 0) return full([...x.shape.slice(0, -2), n, m], 0, x.dtype);
  const tol = rtol ?? 10 * Math.max(m, n) * epsOf(x.dtype);
  const [u, s, vt] = svd(x, { fullMatrices: false, hermitian });
  const cutoff = multiply(tol, max(s, -1, { keepdims: true }));
  const keep = greater(s, cutoff);
  const sInv = where(keep, divide(1, where(keep, s, 1)), 0);
  return matmul(multiply(mT(vt), expandDims(sInv, -2)), mT(u));
}

const pinvCustom = customJvp(
  function pinv(x: Array, rtol: number | undefined, hermitian: boolean): Array {
    return pinvValue(x, rtol, hermitian);
  },
  { nondiffArgnums: [1, 2] },
).defjvp((rtol, hermitian, [x], [t]) => {
  // Golub & Pereyra: dA⁺ = -A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I - A A⁺) + (I - A⁺A) dAᵀ A⁺ᵀ A⁺ (rank kept).
  const a = x as Array;
  const da = t as Array;
  const p = pinvValue(a, rtol as number | undefined, hermitian as boolean);
  const [m, n] = [a.shape[a.ndim - 2]!, a.shape[a.ndim - 1]!];
  const pt = mT(p);
  const dat = mT(da);
  const term1 = lax.neg(matmul(matmul(p, da), p));
  const term2 = matmul(matmul(matmul(p, pt), dat), subtract(eyeLike(a, m), matmul(a, p)));
  const term3 = matmul(matmul(subtract(eyeLike(a, n), matmul(p, a)), dat), matmul(pt, p));
  return [p, lax.add(lax.add(term1, term2), term3)];
});

/**
 * `jnp.linalg.pinv(a, { rtol, hermitian })`: the Moore-Penrose
 * pseudo-inverse (..., n, m) of each matrix of a (..., m, n), by SVD with
 * singular values below rtol·max(S) dropped. Differentiable where the rank
 * does not change (JAX's rule).
 */
export function pinv(a: ArrayLike, options: PinvOptions = {}): Array {
  options = checkOptions("jnp.linalg.pinv", options, PINV_KEYS);
  const op = "jnp.linalg.pinv";
  const [x] = inexact(op, a);
  checkMatrix(op, x!);
  return pinvCustom(x!, options.rtol, options.hermitian ?? false);
}

export interface MatrixRankOptions {
  /** Singular values at or below rtol·max(S) count as zero (default max(m, n)·eps). */
  rtol?: number;
  /** An absolute threshold instead of rtol. */
  tol?: number;
}
const MATRIX_RANK_KEYS: OptionKeys<MatrixRankOptions> = { rtol: true, tol: true };

/**
 * `jnp.linalg.matrixRank(a, { rtol, tol })`: the number of singular values of
 * each matrix of a (..., m, n) above the threshold (int32); for a vector or
 * scalar, 1 unless all of it is zero.
 */
export function matrixRank(a: ArrayLike, options: MatrixRankOptions = {}): Array {
  options = checkOptions("jnp.linalg.matrixRank", options, MATRIX_RANK_KEYS);
  const op = "jnp.linalg.matrixRank";
  const [x] = inexact(op, a);
  if (x!.ndim < 2) return lax.convertElementType(any(notEqual(x!, 0)), "int32");
  const [m, n] = checkMatrix(op, x!);
  const s = svd(x!, { computeUv: false });
  const tol =
    options.tol !== undefined
      ? full(s.shape.slice(0, -1), options.tol, s.dtype)
      : multiply(max(s, -1, { initial: 0 }), options.rtol ?? Math.max(m, n) * epsOf(x!.dtype));
  return lax.convertElementType(sum(greater(s, expandDims(tol, -1)), -1), "int32");
}

/**
 * `jnp.linalg.cond(a, p)`: the condition number of each matrix of a; p
 * undefined or 2 (σ_max / σ_min), -2 (σ_min / σ_max), or any matrix norm
 * order, ‖a‖·‖a⁻¹‖ (infinite where a is singular).
 */
export function cond(a: ArrayLike, p?: NormOrd): Array {
  const op = "jnp.linalg.cond";
  const [x] = inexact(op, a);
  checkMatrix(op, x!);
  if (p === undefined || p === null || p === 2 || p === -2) {
    const s = svd(x!, { computeUv: false });
    const k = s.shape[s.ndim - 1]!;
    const first = lax.indexInDim(s, 0, s.ndim - 1, false);
    const lastV = lax.indexInDim(s, k - 1, s.ndim - 1, false);
    return p === -2 ? divide(lastV, first) : divide(first, lastV);
  }
  checkSquare(op, x!);
  const r = multiply(norm(x!, p, [-2, -1]), norm(inv(x!), p, [-2, -1]));
  const nanIn = any(isnan(x!), [-2, -1]);
  return where(logicalAnd(isnan(r), logicalNot(nanIn)), Infinity, r);
}

export interface LstsqOptions {
  /** Singular values below rcond·max(S) count as zero (default max(m, n)·eps). */
  rcond?: number;
}
const LSTSQ_KEYS: OptionKeys<LstsqOptions> = { rcond: true };

/**
 * `jnp.linalg.lstsq(a, b, { rcond })`: [x, residuals, rank, s] minimizing
 * ‖a x - b‖ for a (m, n) and b (m,) or (m, k), through a's SVD (the
 * minimum-norm x when a is rank deficient). residuals are ‖a x - b‖² per
 * column, (k,) or (1,) — computed always, as JAX (NumPy returns an empty
 * array when rank < n or m ≤ n).
 */
export function lstsq(
  a: ArrayLike,
  b: ArrayLike,
  options: LstsqOptions = {},
): [Array, Array, Array, Array] {
  options = checkOptions("jnp.linalg.lstsq", options, LSTSQ_KEYS);
  const op = "jnp.linalg.lstsq";
  const [x, y] = inexact(op, a, b);
  if (x!.ndim !== 2) {
    throw new TypeError(`${op}: a must be a matrix (m, n), got shape ${shapeStr(x!.shape)}`);
  }
  if (y!.ndim < 1 || y!.ndim > 2 || y!.shape[0] !== x!.shape[0]) {
    throw new TypeError(
      `${op}: b must be (m,) or (m, k) with m = ${x!.shape[0]} rows as a (shape ${shapeStr(x!.shape)}), got shape ${shapeStr(y!.shape)}`,
    );
  }
  const vector = y!.ndim === 1;
  const bm = vector ? expandDims(y!, -1) : y!;
  const [m, n] = x!.shape as [number, number];
  let sol: Array;
  let rank: Array;
  let s: Array;
  if (m * n === 0) {
    s = full([0], 0, x!.dtype);
    rank = full([], 0, "int32");
    sol = full([n, bm.shape[1]!], 0, x!.dtype);
  } else {
    const rcond =
      options.rcond === undefined
        ? epsOf(x!.dtype) * Math.max(m, n)
        : options.rcond < 0
          ? epsOf(x!.dtype)
          : options.rcond;
    const [u, sv, vt] = svd(x!, { fullMatrices: false });
    s = sv;
    const keep = greaterEqual(s, multiply(rcond, lax.indexInDim(s, 0, 0, false)));
    rank = lax.convertElementType(sum(keep), "int32");
    const sInv = where(keep, divide(1, where(keep, s, 1)), 0);
    sol = matmul(mT(vt), multiply(expandDims(sInv, -1), matmul(mT(u), bm)));
  }
  const r = subtract(bm, matmul(x!, sol));
  const resid = sum(multiply(r, r), 0);
  return [vector ? reshape(sol, [n]) : sol, resid, rank, s];
}

// --- triangular --------------------------------------------------------------------------

export interface SolveTriangularOptions {
  /** 0 or "N": a x = b; 1 or "T" (or 2, "C" for real a): aᵀ x = b (default 0). */
  trans?: 0 | 1 | 2 | "N" | "T" | "C";
  /** Read a's lower triangle (default false: the upper). */
  lower?: boolean;
  /** Take a's diagonal as ones (default false). */
  unitDiagonal?: boolean;
}
const SOLVE_TRIANGULAR_KEYS: OptionKeys<SolveTriangularOptions> = {
  trans: true,
  lower: true,
  unitDiagonal: true,
};

/**
 * `jax.scipy.linalg.solve_triangular(a, b, { trans, lower, unitDiagonal })`:
 * x with op(a) x = b for triangular a (..., m, m) and b (..., m) or (..., m, k).
 */
export function solveTriangular(
  a: ArrayLike,
  b: ArrayLike,
  options: SolveTriangularOptions = {},
): Array {
  options = checkOptions("jnp.linalg.solveTriangular", options, SOLVE_TRIANGULAR_KEYS);
  const op = "jnp.linalg.solveTriangular";
  const trans = options.trans ?? 0;
  if (![0, 1, 2, "N", "T", "C"].includes(trans)) {
    throw new TypeError(`${op}: trans must be 0, 1, 2, "N", "T" or "C", got ${String(trans)}`);
  }
  const [x, y] = inexact(op, a, b);
  const [aa, bb, unvector] = alignRhs(op, x!, y!, y!.ndim === x!.ndim - 1);
  return unvector(
    lax.linalg.triangularSolve(aa, bb, {
      leftSide: true,
      lower: options.lower ?? false,
      transposeA: trans !== 0 && trans !== "N",
      unitDiagonal: options.unitDiagonal ?? false,
    }),
  );
}
