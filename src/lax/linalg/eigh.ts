/**
 * `lax.linalg.eigh`: eigenvalues and eigenvectors of symmetric matrices by
 * the cyclic Jacobi method (accurate to high relative precision) for small
 * ones, tridiagonal QL (./tridiagonal.ts) for larger ones; with the jvp and
 * batch rules.
 */
import { type Array, ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { OPAQUE, Primitive, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { allocate, type TypedArray } from "../../dtype.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { castToAval, isZero } from "../ad_util.js";
import { add, div, mul, sub } from "../elementwise.js";
import { broadcastInDim } from "../shape_ops.js";
import {
  batchUnary,
  checkMatrices,
  diagonalOf,
  eyeLike,
  matmul,
  matrixTranspose,
  symmetrize,
  triangle,
  unitScale,
} from "./common.js";
import { tridiagonalEigen } from "./tridiagonal.js";

export interface EighParams {
  lower: boolean;
  sort_eigenvalues: boolean;
}

function eighAval([x]: ShapedArray[]): ShapedArray[] {
  const [, n] = checkMatrices("lax.linalg.eigh", x!, true);
  return [
    new ShapedArray(x!.shape, x!.dtype, false),
    new ShapedArray([...x!.shape.slice(0, -2), n], x!.dtype, false),
  ];
}

/**
 * Jacobi up to this size (accurate to high relative precision, and fast for
 * small n); Householder tridiagonalization and QL above (about 4x fewer flops).
 */
export const JACOBI_MAX_N = 24;

/** Rotations stop when every |a_pq| is below EPS·sqrt(|a_pp a_qq|) (relative accuracy). */
const EPS = 2 ** -53;
const MAX_SWEEPS = 100;

/**
 * Cyclic Jacobi on a symmetric n×n matrix A (doubles, row-major, both
 * triangles), overwritten by its nearly diagonal rotation Jᵀ A J. Returns
 * Vᵀ (the eigenvectors as rows). Each rotation zeroes a_pq; only rows p and
 * q are rotated in full (contiguous), columns p and q follow by symmetry.
 */
export function jacobiEigen(A: Float64Array, n: number): Float64Array {
  const Vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Vt[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        const app = A[p * n + p]!;
        const aqq = A[q * n + q]!;
        if (apq === 0 || Math.abs(apq) <= EPS * Math.sqrt(Math.abs(app * aqq))) continue;
        if (!Number.isFinite(apq)) continue;
        rotated = true;
        const t = jacobiTangent((aqq - app) / (2 * apq));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        rotateRows(A, n, p, q, c, s);
        rotateRows(Vt, n, p, q, c, s);
        // Columns p and q from the rotated rows (A stays symmetric); the 2×2 block exactly.
        for (let k = 0; k < n; k++) {
          A[k * n + p] = A[p * n + k]!;
          A[k * n + q] = A[q * n + k]!;
        }
        A[p * n + p] = app - t * apq;
        A[q * n + q] = aqq + t * apq;
        A[p * n + q] = 0;
        A[q * n + p] = 0;
      }
    }
    if (!rotated) break;
  }
  return Vt;
}

/**
 * t = tan θ of the Jacobi rotation that diagonalizes [[a, g], [g, b]], given
 * τ = (b - a) / 2g: the smaller root of t² + 2τt - 1 = 0 (|θ| ≤ π/4).
 */
export function jacobiTangent(tau: number): number {
  // For huge τ, τ² overflows; the root is then 1 / 2τ to double precision.
  if (Math.abs(tau) > 1e150) return 1 / (2 * tau);
  return (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
}

/** rows p, q of X ← c·row p - s·row q, s·row p + c·row q. */
export function rotateRows(
  X: Float64Array,
  n: number,
  p: number,
  q: number,
  c: number,
  s: number,
): void {
  const po = p * n;
  const qo = q * n;
  for (let k = 0; k < n; k++) {
    const xp = X[po + k]!;
    const xq = X[qo + k]!;
    X[po + k] = c * xp - s * xq;
    X[qo + k] = s * xp + c * xq;
  }
}

/**
 * Flips the sign of row i of X (n long) so that its entry of largest
 * magnitude (the first such) is positive: a deterministic gauge. Returns
 * the factor applied (1 or -1).
 */
export function fixSign(X: Float64Array, n: number, i: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (Math.abs(X[i * n + k]!) > Math.abs(X[i * n + best]!)) best = k;
  if (!(X[i * n + best]! < 0)) return 1;
  for (let k = 0; k < n; k++) X[i * n + k] = -X[i * n + k]!;
  return -1;
}

function eighKernel(
  a: TypedArray,
  off: number,
  n: number,
  p: EighParams,
  v: TypedArray,
  w: TypedArray,
  wOff: number,
): void {
  // The triangle that `lower` names, mirrored.
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = p.lower ? a[off + i * n + j]! : a[off + j * n + i]!;
      A[i * n + j] = x;
      A[j * n + i] = x;
    }
  }
  // A NaN or infinity anywhere: no decomposition, all NaN (as LAPACK's results).
  if (!A.every(Number.isFinite)) {
    w.fill(Number.NaN, wOff, wOff + n);
    v.fill(Number.NaN, off, off + n * n);
    return;
  }
  const scale = unitScale(A);
  if (scale !== 1) for (let i = 0; i < n * n; i++) A[i] = A[i]! * scale;
  let lam: Float64Array;
  let Vt: Float64Array;
  if (n <= JACOBI_MAX_N) {
    Vt = jacobiEigen(A, n);
    lam = Float64Array.from({ length: n }, (_, i) => A[i * n + i]!);
  } else {
    [lam, Vt] = tridiagonalEigen(A, n);
  }
  const order = globalThis.Array.from({ length: n }, (_, i) => i);
  // Ascending as LAPACK's syevd; NaNs last.
  if (p.sort_eigenvalues) {
    const key = (i: number) => (Number.isNaN(lam[i]!) ? Infinity : lam[i]!);
    order.sort((i, j) => key(i) - key(j) || i - j);
  }
  order.forEach((src, dst) => {
    fixSign(Vt, n, src);
    w[wOff + dst] = lam[src]! / scale;
    for (let k = 0; k < n; k++) v[off + k * n + dst] = Vt[src * n + k]!;
  });
}

export const eighP: Primitive<EighParams> = new Primitive<EighParams>(
  "eigh",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: eighAval,
    impl: ([x], params) => {
      const [vAval, wAval] = eighAval([x!.aval]);
      const n = x!.shape[x!.ndim - 1]!;
      const v = allocate(x!.dtype, vAval!.size);
      const w = allocate(x!.dtype, wAval!.size);
      const count = n === 0 ? 0 : x!.size / (n * n);
      for (let b = 0; b < count; b++) eighKernel(x!.values, b * n * n, n, params, v, w, b * n);
      return [new ArrayImpl(vAval!, v), new ArrayImpl(wAval!, w)];
    },
    jvp: eighJvp,
    transpose: null,
    batch: ([x], [d], params, axis) => batchUnary(eighP)([x!], [d!], params, axis),
  },
  true,
);

/**
 * JAX's rule, with Ȧ the symmetric matrix of the tangent's triangle that the
 * primitive reads: dw = diag(Vᵀ Ȧ V) and dV = V (F ∘ Vᵀ Ȧ V) with
 * F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (distinct eigenvalues).
 */
function eighJvp(
  [x]: Array[],
  [t]: (Array | Zero)[],
  params: EighParams,
): [Array[], (Array | Zero)[]] {
  const outs = bind(eighP, [x!], params);
  const [v, w] = outs as [Array, Array];
  if (isZero(t)) return [outs, outs.map((o) => new Zero(o.aval))];
  const tri = triangle(t!, params.lower, 0);
  const strict = triangle(t!, params.lower, params.lower ? -1 : 1);
  const adot = add(tri, matrixTranspose(strict));
  const vav = matmul(matmul(matrixTranspose(v), adot), v);
  const nd = w.ndim;
  const wRow = broadcastInDim(w, x!.shape, [...w.shape.map((_, i) => i).slice(0, -1), nd]);
  const eye = eyeLike(vav);
  const f = sub(div(1, add(eye, sub(wRow, matrixTranspose(wRow)))), eye);
  const dv = matmul(v, mul(f, vav));
  return [outs, [castToAval(dv, v.aval), castToAval(diagonalOf(vav), w.aval)]];
}

export interface EighOptions {
  /** Read the lower (default) or upper triangle of x. */
  lower?: boolean;
  /** Use (x + xᵀ)/2 instead of one triangle (default true, as JAX). */
  symmetrizeInput?: boolean;
  /** Eigenvalues in ascending order (default true). */
  sortEigenvalues?: boolean;
}
const EIGH_KEYS: OptionKeys<EighOptions> = {
  lower: true,
  symmetrizeInput: true,
  sortEigenvalues: true,
};

/**
 * `lax.linalg.eigh(x, { lower, symmetrizeInput, sortEigenvalues })`: [v, w]
 * with x = v diag(w) vᵀ for each symmetric matrix of x [..., n, n]: w
 * [..., n] the eigenvalues (ascending) and v's columns the orthonormal
 * eigenvectors, each with its largest entry positive.
 */
export function eigh(x: ArrayLike, options: EighOptions = {}): [Array, Array] {
  options = checkOptions("lax.linalg.eigh", options, EIGH_KEYS);
  const op = "lax.linalg.eigh";
  let a = asArray(x, op, "x");
  checkMatrices(op, a.aval, true);
  if (options.symmetrizeInput ?? true) a = symmetrize(a);
  const [v, w] = bind(eighP, [a], {
    lower: options.lower ?? true,
    sort_eigenvalues: options.sortEigenvalues ?? true,
  });
  return [v!, w!];
}
