/** `lax.linalg.qr` (Householder, LAPACK's conventions) and its rules. */
import type { Array } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { type Primitive, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { shapeStr } from "../../shape.js";
import { castToAval, isZero } from "../ad_util.js";
import { add, sub } from "../elementwise.js";
import { checkMatrices, matmul, matrixTranspose, triangle } from "./common.js";
import { libraryPrimitive } from "./library_primitive.js";
import { triangularSolve } from "./triangular_solve.js";

// --- qr ---------------------------------------------------------------------------

export interface QrParams {
  full_matrices: boolean;
}

/** The avals of Q and R, after checking the operand. */
export function qrAval([x]: ShapedArray[], { full_matrices }: QrParams): ShapedArray[] {
  const [m, n] = checkMatrices("lax.linalg.qr", x!, false);
  const k = full_matrices ? m : Math.min(m, n);
  const batch = x!.shape.slice(0, -2);
  return [
    new ShapedArray([...batch, m, k], x!.dtype, false),
    new ShapedArray([...batch, k, n], x!.dtype, false),
  ];
}

export const qrP: Primitive<QrParams> = libraryPrimitive<QrParams>(
  "qr",
  {
    abstractEval: qrAval,
    batch: "unary",
    jvp: qrJvp,
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
