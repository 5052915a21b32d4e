/**
 * The eager kernels of the matrix decompositions and solves (lax/linalg/),
 * the CPU backend's library kernels named as the primitives: cholesky,
 * triangular_solve, lu, lu_pivots_to_permutation and qr. Each factors every
 * matrix of a batch (the last two dimensions) in float64 and rounds the
 * results once into the operand's dtype; the conventions are LAPACK's
 * (potrf, trsm, getrf, geqrf + orgqr), as JAX's.
 */
import type { ArrayImpl } from "../../../core/array.js";
import type { ShapedArray } from "../../../core/aval.js";
import { registerLibraryKernel } from "../../../core/library.js";
import type { NoParams } from "../../../core/primitive.js";
import { allocate, type TypedArray } from "../../../dtype.js";
import { choleskyAval } from "../../../lax/linalg/cholesky.js";
import { eachMatrix } from "../../../lax/linalg/common.js";
import { type LuPivotsToPermutationParams, luAval, pivotsAval } from "../../../lax/linalg/lu.js";
import { type QrParams, qrAval } from "../../../lax/linalg/qr.js";
import {
  type TriangularSolveParams,
  triangularSolveAval,
} from "../../../lax/linalg/triangular_solve.js";
import { cpuArray, cpuData } from "../buffer.js";

// --- cholesky -------------------------------------------------------------------------

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

/** The lower Cholesky factor of each matrix of x. */
export function choleskyCpu(x: ArrayImpl): ArrayImpl[] {
  const [aval] = choleskyAval([x.aval]);
  const n = x.shape[x.ndim - 1]!;
  const out = allocate(aval!.dtype, aval!.size);
  eachMatrix(out.length, n * n, (off) => choleskyKernel(cpuData(x), out, n, off));
  return [cpuArray(aval!, out)];
}

// --- triangular_solve -----------------------------------------------------------------

/**
 * Solves op(A) X = B for one m×m A and m×n B in place in `x` (doubles), op(A)
 * being A or Aᵀ; reads only the triangle of A that `lower` names (and not its
 * diagonal when unitDiagonal). Substitution runs forward when op(A) is lower.
 */
function solveLeft(
  a: TypedArray,
  aOff: number,
  x: Float64Array,
  m: number,
  n: number,
  lower: boolean,
  transposeA: boolean,
  unitDiagonal: boolean,
): void {
  const at = (i: number, j: number) => (transposeA ? a[aOff + j * m + i]! : a[aOff + i * m + j]!);
  const forward = lower !== transposeA;
  for (let s = 0; s < m; s++) {
    const i = forward ? s : m - 1 - s;
    const [k0, k1] = forward ? [0, i] : [i + 1, m];
    for (let k = k0; k < k1; k++) {
      const c = at(i, k);
      if (c === 0) continue;
      for (let j = 0; j < n; j++) x[i * n + j]! -= c * x[k * n + j]!;
    }
    if (!unitDiagonal) {
      const d = at(i, i);
      for (let j = 0; j < n; j++) x[i * n + j]! /= d;
    }
  }
}

/** The solution of op(a) x = b (left side) or x op(a) = b of each batch matrix, in float64. */
export function triangularSolveCpu(
  a: ArrayImpl,
  b: ArrayImpl,
  p: TriangularSolveParams,
  aval: ShapedArray,
): ArrayImpl {
  const m = a.shape[a.ndim - 1]!;
  const rows = b.shape[b.ndim - 2]!;
  const cols = b.shape[b.ndim - 1]!;
  const out = allocate(aval.dtype, aval.size);
  const count = m * rows * cols === 0 ? 0 : b.size / (rows * cols);
  // X op(A) = B is op(A)ᵀ Xᵀ = Bᵀ: solve the transposed system from the left.
  const n = p.left_side ? cols : rows;
  const x = new Float64Array(m * n);
  for (let bi = 0; bi < count; bi++) {
    const off = bi * rows * cols;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        x[p.left_side ? r * cols + c : c * rows + r] = cpuData(b)[off + r * cols + c]!;
      }
    const transposeA = p.left_side ? p.transpose_a : !p.transpose_a;
    solveLeft(cpuData(a), bi * m * m, x, m, n, p.lower, transposeA, p.unit_diagonal);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        out[off + r * cols + c] = x[p.left_side ? r * cols + c : c * rows + r]!;
      }
  }
  return cpuArray(aval, out);
}

// --- lu -------------------------------------------------------------------------------

/**
 * Right-looking LU of one m×n matrix with partial pivoting (the first row of
 * largest |value| in the column, as LAPACK's idamax): P A = L U with L unit
 * lower (stored below the diagonal) and U upper. A zero pivot is kept (the
 * column below it is zero too) and factoring goes on, as getrf does.
 */
function luKernel(
  a: TypedArray,
  aOff: number,
  m: number,
  n: number,
  out: TypedArray,
  pivots: TypedArray,
  pOff: number,
  perm: TypedArray,
  permOff: number,
): void {
  const A = Float64Array.from(a.subarray(aOff, aOff + m * n));
  const order = Int32Array.from({ length: m }, (_, i) => i);
  const k = Math.min(m, n);
  for (let j = 0; j < k; j++) {
    let p = j;
    let best = Math.abs(A[j * n + j]!);
    for (let i = j + 1; i < m; i++) {
      const v = Math.abs(A[i * n + j]!);
      if (v > best) [p, best] = [i, v];
    }
    pivots[pOff + j] = p;
    if (p !== j) {
      for (let c = 0; c < n; c++) {
        const t = A[j * n + c]!;
        A[j * n + c] = A[p * n + c]!;
        A[p * n + c] = t;
      }
      [order[j], order[p]] = [order[p]!, order[j]!];
    }
    const d = A[j * n + j]!;
    if (d === 0) continue;
    for (let i = j + 1; i < m; i++) {
      const l = A[i * n + j]! / d;
      A[i * n + j] = l;
      if (l === 0) continue;
      for (let c = j + 1; c < n; c++) A[i * n + c] = A[i * n + c]! - l * A[j * n + c]!;
    }
  }
  for (let i = 0; i < m * n; i++) out[aOff + i] = A[i]!;
  for (let i = 0; i < m; i++) perm[permOff + i] = order[i]!;
}

/** The LU factors, pivots and permutation of each matrix of x. */
export function luCpu(x: ArrayImpl): ArrayImpl[] {
  const [luAv, pivAv, permAv] = luAval([x.aval]);
  const m = x.shape[x.ndim - 2]!;
  const n = x.shape[x.ndim - 1]!;
  const k = Math.min(m, n);
  const lu = allocate(luAv!.dtype, luAv!.size);
  const piv = allocate("int32", pivAv!.size);
  const perm = allocate("int32", permAv!.size);
  const count = x.shape.slice(0, -2).reduce((s, d) => s * d, 1);
  for (let b = 0; b < count; b++) {
    if (m * n === 0) {
      for (let i = 0; i < m; i++) perm[b * m + i] = i;
      continue;
    }
    luKernel(cpuData(x), b * m * n, m, n, lu, piv, b * k, perm, b * m);
  }
  return [cpuArray(luAv!, lu), cpuArray(pivAv!, piv), cpuArray(permAv!, perm)];
}

/** The permutation that the row swaps `pivots` make of 0, 1, … (per batch row). */
export function luPivotsToPermutationCpu(
  p: ArrayImpl,
  params: LuPivotsToPermutationParams,
): ArrayImpl[] {
  const [aval] = pivotsAval([p.aval], params);
  const k = p.shape[p.ndim - 1]!;
  const size = params.permutation_size;
  const out = allocate("int32", aval!.size);
  const count = size === 0 ? 0 : aval!.size / size;
  for (let b = 0; b < count; b++) {
    const o = b * size;
    for (let i = 0; i < size; i++) out[o + i] = i;
    for (let i = 0; i < k; i++) {
      const j = cpuData(p)[b * k + i]!;
      if (!(j >= 0 && j < size)) {
        throw new RangeError(
          `lax.linalg.luPivotsToPermutation: pivot ${i} is ${j}, outside [0, ${size})`,
        );
      }
      const t = out[o + i]!;
      out[o + i] = out[o + j]!;
      out[o + j] = t;
    }
  }
  return [cpuArray(aval!, out)];
}

// --- qr -------------------------------------------------------------------------------

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

/** Q and R of each matrix of x (reduced or full as the params say). */
export function qrCpu(x: ArrayImpl, params: QrParams): ArrayImpl[] {
  const [qAval, rAval] = qrAval([x.aval], params);
  const m = x.shape[x.ndim - 2]!;
  const n = x.shape[x.ndim - 1]!;
  const k = qAval!.shape[qAval!.ndim - 1]!;
  const q = allocate(qAval!.dtype, qAval!.size);
  const r = allocate(rAval!.dtype, rAval!.size);
  const count = m * n === 0 ? 0 : x.size / (m * n);
  for (let b = 0; b < count; b++)
    qrKernel(cpuData(x), b * m * n, m, n, k, q, b * m * k, r, b * k * n);
  if (m * n === 0) {
    // Empty matrices: Q is the identity's first k columns, R is empty or zero.
    const batches = qAval!.size / Math.max(1, m * k);
    for (let b = 0; b < batches; b++)
      for (let i = 0; i < Math.min(m, k); i++) q[b * m * k + i * k + i] = 1;
  }
  return [cpuArray(qAval!, q), cpuArray(rAval!, r)];
}

const all = () => true;
registerLibraryKernel<NoParams>("cpu", "cholesky", { match: all, run: ([x]) => choleskyCpu(x!) });
registerLibraryKernel<TriangularSolveParams>("cpu", "triangular_solve", {
  match: all,
  run: ([a, b], p) => [
    triangularSolveCpu(a!, b!, p, triangularSolveAval([a!.aval, b!.aval], p)[0]!),
  ],
});
registerLibraryKernel<NoParams>("cpu", "lu", { match: all, run: ([x]) => luCpu(x!) });
registerLibraryKernel<LuPivotsToPermutationParams>("cpu", "lu_pivots_to_permutation", {
  match: all,
  run: ([p], params) => luPivotsToPermutationCpu(p!, params),
});
registerLibraryKernel<QrParams>("cpu", "qr", { match: all, run: ([x], p) => qrCpu(x!, p) });
