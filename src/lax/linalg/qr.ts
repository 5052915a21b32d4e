/** `lax.linalg.qr` (Householder, LAPACK's conventions) and its rules. */
import { type Array, ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { OPAQUE, Primitive, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { allocate, type TypedArray } from "../../dtype.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { shapeStr } from "../../shape.js";
import { castToAval, isZero } from "../ad_util.js";
import { batchToFront } from "../batch_util.js";
import { add, sub } from "../elementwise.js";
import { checkMatrices, matmul, matrixTranspose, triangle } from "./common.js";
import { triangularSolve } from "./triangular_solve.js";

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
    lower: null,
    facts: OPAQUE,
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
    jvp: qrJvp,
    transpose: null,
  },
  true,
);

/**
 * The derivative of reduced QR for m ≥ n (JAX's rule): with A = Qᵀ dX R⁻¹ and
 * Ω = tril(A, -1) - tril(A, -1)ᵀ, dQ = Q (Ω - A) + dX R⁻¹ and dR = (A - Ω) R.
 */
function qrJvp([x]: Array[], [t]: (Array | Zero)[], params: QrParams): [Array[], (Array | Zero)[]] {
  const m = x!.shape[x!.ndim - 2]!;
  const n = x!.shape[x!.ndim - 1]!;
  if (m < n || (params.full_matrices && m !== n)) {
    throw new Error(
      `lax.linalg.qr: the derivative is defined for reduced QR of matrices with m >= n ` +
        `(fullMatrices only when square), got shape ${shapeStr(x!.shape)} with fullMatrices ${params.full_matrices}`,
    );
  }
  const [q, r] = bind(qrP, [x!], params) as [Array, Array];
  if (isZero(t))
    return [
      [q, r],
      [new Zero(q.aval), new Zero(r.aval)],
    ];
  const dxRinv = triangularSolve(r, t!, { leftSide: false, lower: false });
  const a = matmul(matrixTranspose(q), dxRinv);
  const below = triangle(a, true, -1);
  const omega = sub(below, matrixTranspose(below));
  const dq = add(matmul(q, sub(omega, a)), dxRinv);
  const dr = matmul(sub(a, omega), r);
  return [
    [q, r],
    [castToAval(dq, q.aval), castToAval(dr, r.aval)],
  ];
}

export interface QrOptions {
  /** Q of shape (..., m, m) and R (..., m, n) (default true, as jax.lax.linalg.qr); false: (..., m, k) and (..., k, n), k = min(m, n). */
  fullMatrices?: boolean;
}
const QR_KEYS: OptionKeys<QrOptions> = { fullMatrices: true };

/** `lax.linalg.qr(x, { fullMatrices })`: [Q, R] with Q orthonormal columns, R upper triangular, Q R = x. */
export function qr(x: ArrayLike, options: QrOptions = {}): [Array, Array] {
  options = checkOptions("lax.linalg.qr", options, QR_KEYS);
  const a = asArray(x, "lax.linalg.qr", "x");
  const [q, r] = bind(qrP, [a], { full_matrices: options.fullMatrices ?? true });
  return [q!, r!];
}
