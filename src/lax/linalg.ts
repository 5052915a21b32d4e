/**
 * `jax.lax.linalg`: the matrix decompositions jax.random and nn.initializers
 * need: `cholesky` and `qr` (Householder, LAPACK's conventions). Both act on
 * the last two dimensions and map over the leading (batch) ones. Kernels
 * compute in doubles and store into the operand's dtype.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { Primitive } from "../core/primitive.js";
import { bind, bind1 } from "../core/trace.js";
import { allocate, isFloating, type TypedArray } from "../dtype.js";
import { shapeStr } from "../shape.js";
import { batchToFront } from "./batch_util.js";
import { add, div } from "./elementwise.js";
import { transpose } from "./shape_ops.js";

/** Checks a batch of matrices [..., m, n] of a float dtype (square when asked). */
function checkMatrices(op: string, x: ShapedArray, square: boolean): [number, number] {
  if (!isFloating(x.dtype)) {
    throw new TypeError(
      `${op}: the operand must have a float dtype (float32, float64), got ${x.dtype}`,
    );
  }
  const m = x.shape[x.ndim - 2];
  const n = x.shape[x.ndim - 1];
  if (x.ndim < 2 || (square && m !== n)) {
    throw new TypeError(
      `${op}: the operand must be a ${square ? "(batch of) square matrices" : "(batch of) matrices"} ` +
        `of shape (..., ${square ? "n, n" : "m, n"}), got shape ${shapeStr(x.shape)}`,
    );
  }
  return [m!, n!];
}

/** Calls `f(offset)` for every matrix of `size` elements in a batch of `count` elements. */
function eachMatrix(count: number, size: number, f: (offset: number) => void): void {
  if (size === 0) return;
  for (let off = 0; off < count; off += size) f(off);
}

// --- cholesky ---------------------------------------------------------------------

function choleskyAval([x]: ShapedArray[]): ShapedArray[] {
  checkMatrices("lax.linalg.cholesky", x!, true);
  return [new ShapedArray(x!.shape, x!.dtype, false)];
}

/**
 * Lower Cholesky factor of each matrix (reading its lower triangle), as
 * LAPACK's potrf; a matrix that is not positive definite gives NaNs, as in JAX.
 */
function choleskyKernel(a: TypedArray, out: TypedArray, n: number, off: number): void {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[off + j * n + j]!;
    for (let k = 0; k < j; k++) s -= L[j * n + k]! * L[j * n + k]!;
    if (!(s > 0)) {
      out.fill(Number.NaN, off, off + n * n);
      return;
    }
    const d = Math.sqrt(s);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[off + i * n + j]!;
      for (let k = 0; k < j; k++) t -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = t / d;
    }
  }
  for (let i = 0; i < n * n; i++) out[off + i] = L[i]!;
}

export const choleskyP: Primitive = new Primitive("cholesky", {
  abstractEval: choleskyAval,
  impl: ([x]) => {
    const [aval] = choleskyAval([x!.aval]);
    const n = x!.shape[x!.ndim - 1]!;
    const out = allocate(aval!.dtype, aval!.size);
    eachMatrix(out.length, n * n, (off) => choleskyKernel(x!.values, out, n, off));
    return [new ArrayImpl(aval!, out)];
  },
  batch: ([x], [d], _p, axis) => [[bind1(choleskyP, [batchToFront(x!, d!, axis.size)], {})], [0]],
  jvp: null,
  transpose: null,
});

/** (x + xᵀ) / 2 over the last two dimensions. */
function symmetrize(x: Array): Array {
  const perm = x.shape.map((_, i) => i);
  perm[x.ndim - 2] = x.ndim - 1;
  perm[x.ndim - 1] = x.ndim - 2;
  return div(add(x, transpose(x, perm)), 2);
}

export interface CholeskyOptions {
  /** Use (x + xᵀ)/2 instead of x's lower triangle (default true, as JAX). */
  symmetrizeInput?: boolean;
}

/**
 * `lax.linalg.cholesky(x, { symmetrizeInput })`: the lower-triangular L with
 * L Lᵀ = x, for each matrix of a batch [..., n, n]. NaNs where x is not
 * positive definite.
 */
export function cholesky(x: ArrayLike, options: CholeskyOptions = {}): Array {
  const op = "lax.linalg.cholesky";
  let a = asArray(x, op, "x");
  checkMatrices(op, a.aval, true);
  if (options.symmetrizeInput ?? true) a = symmetrize(a);
  return bind1(choleskyP, [a], {});
}

// --- qr ---------------------------------------------------------------------------

export interface QrParams {
  full_matrices: boolean;
}

function qrAval([x]: ShapedArray[], { full_matrices }: QrParams): ShapedArray[] {
  const [m, n] = checkMatrices("lax.linalg.qr", x!, false);
  const k = full_matrices ? m : Math.min(m, n);
  const batch = x!.shape.slice(0, -2);
  return [
    new ShapedArray([...batch, m, k], x!.dtype, false),
    new ShapedArray([...batch, k, n], x!.dtype, false),
  ];
}

/**
 * Householder QR of one m×n matrix (LAPACK's geqrf + orgqr conventions:
 * reflector j maps column j to beta·e_j with beta = -sign(alpha)·‖x‖, and
 * is skipped when the column below the diagonal is already zero). Writes
 * the first `k` columns of Q (m×k) and the first k rows of R (k×n).
 */
function qrKernel(
  a: TypedArray,
  aOff: number,
  m: number,
  n: number,
  k: number,
  q: TypedArray,
  qOff: number,
  r: TypedArray,
  rOff: number,
): void {
  const A = Float64Array.from(a.subarray(aOff, aOff + m * n));
  const Q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Q[i * m + i] = 1;
  const v = new Float64Array(m);
  for (let j = 0; j < Math.min(m, n); j++) {
    // v and tau do not change when the column is scaled: compute them from the
    // column scaled to max |x| = 1, safe from overflow and subnormal underflow.
    let scale = 0;
    for (let i = j + 1; i < m; i++) scale = Math.max(scale, Math.abs(A[i * n + j]!));
    if (scale === 0) continue; // nothing below the diagonal: H = I (tau = 0)
    scale = Math.max(scale, Math.abs(A[j * n + j]!));
    const alpha = A[j * n + j]! / scale;
    let tail = 0;
    for (let i = j + 1; i < m; i++) tail = Math.hypot(tail, A[i * n + j]! / scale);
    const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, tail);
    const tau = (beta - alpha) / beta;
    v[j] = 1;
    for (let i = j + 1; i < m; i++) v[i] = A[i * n + j]! / scale / (alpha - beta);
    // A[j:, j:] -= tau v (vᵀ A[j:, j:])
    for (let c = j; c < n; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i]! * A[i * n + c]!;
      s *= tau;
      for (let i = j; i < m; i++) A[i * n + c] = A[i * n + c]! - s * v[i]!;
    }
    // Q[:, j:] -= tau (Q[:, j:] v) vᵀ
    for (let row = 0; row < m; row++) {
      let s = 0;
      for (let i = j; i < m; i++) s += Q[row * m + i]! * v[i]!;
      s *= tau;
      for (let i = j; i < m; i++) Q[row * m + i] = Q[row * m + i]! - s * v[i]!;
    }
    // The reflection makes the column exactly beta·e_j.
    A[j * n + j] = beta * scale;
    for (let i = j + 1; i < m; i++) A[i * n + j] = 0;
  }
  for (let row = 0; row < m; row++) {
    for (let c = 0; c < k; c++) q[qOff + row * k + c] = Q[row * m + c]!;
  }
  for (let row = 0; row < k; row++) {
    for (let c = 0; c < n; c++) r[rOff + row * n + c] = row < m && c >= row ? A[row * n + c]! : 0;
  }
}

export const qrP: Primitive<QrParams> = new Primitive<QrParams>(
  "qr",
  {
    abstractEval: qrAval,
    impl: ([x], params) => {
      const [qAval, rAval] = qrAval([x!.aval], params);
      const m = x!.shape[x!.ndim - 2]!;
      const n = x!.shape[x!.ndim - 1]!;
      const k = qAval!.shape[qAval!.ndim - 1]!;
      const q = allocate(qAval!.dtype, qAval!.size);
      const r = allocate(rAval!.dtype, rAval!.size);
      const count = m * n === 0 ? 0 : x!.size / (m * n);
      for (let b = 0; b < count; b++)
        qrKernel(x!.values, b * m * n, m, n, k, q, b * m * k, r, b * k * n);
      if (m * n === 0) {
        // Empty matrices: Q is the identity's first k columns, R is empty or zero.
        const batches = qAval!.size / Math.max(1, m * k);
        for (let b = 0; b < batches; b++)
          for (let i = 0; i < Math.min(m, k); i++) q[b * m * k + i * k + i] = 1;
      }
      return [new ArrayImpl(qAval!, q), new ArrayImpl(rAval!, r)];
    },
    batch: ([x], [d], params, axis) => [
      bind(qrP, [batchToFront(x!, d!, axis.size)], params),
      [0, 0],
    ],
    jvp: null,
    transpose: null,
  },
  true,
);

export interface QrOptions {
  /** Q of shape (..., m, m) and R (..., m, n) (default true, as jax.lax.linalg.qr); false: (..., m, k) and (..., k, n), k = min(m, n). */
  fullMatrices?: boolean;
}

/** `lax.linalg.qr(x, { fullMatrices })`: [Q, R] with Q orthonormal columns, R upper triangular, Q R = x. */
export function qr(x: ArrayLike, options: QrOptions = {}): [Array, Array] {
  const a = asArray(x, "lax.linalg.qr", "x");
  const [q, r] = bind(qrP, [a], { full_matrices: options.fullMatrices ?? true });
  return [q!, r!];
}
