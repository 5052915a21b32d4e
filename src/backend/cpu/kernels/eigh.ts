/**
 * The eager kernel of `eigh` (lax/linalg/eigh.ts), the CPU backend's library
 * kernel "eigh": eigenvalues and eigenvectors of each symmetric matrix of a
 * batch (reading the triangle `lower` names), in float64, by the cyclic
 * Jacobi method (accurate to high relative precision) for small ones and
 * tridiagonal QL (./tridiagonal.ts) for larger ones. The Jacobi rotations
 * and the sign gauge are shared with the SVD kernel (./svd.ts).
 */
import type { ArrayImpl } from "../../../core/array.js";
import { registerLibraryKernel } from "../../../core/library.js";
import { allocate, type TypedArray } from "../../../dtype.js";
import { type EighParams, eighAval } from "../../../lax/linalg/eigh.js";
import { cpuArray, cpuData } from "../buffer.js";
import { tridiagonalEigen } from "./tridiagonal.js";

/**
 * A power of two that brings the largest finite |x[i]| near 1 (1 when there is
 * none): the kernels work on the scaled matrix, where squares neither
 * overflow nor underflow, and scale their values back exactly.
 */
export function unitScale(x: Float64Array): number {
  let amax = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    if (v > amax && v < Infinity) amax = v;
  }
  return amax > 0 ? 2 ** -Math.floor(Math.log2(amax)) : 1;
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

/** The eigenvectors (as columns) and eigenvalues of each matrix of x. */
export function eighCpu(x: ArrayImpl, params: EighParams): ArrayImpl[] {
  const [vAval, wAval] = eighAval([x.aval]);
  const n = x.shape[x.ndim - 1]!;
  const v = allocate(x.dtype, vAval!.size);
  const w = allocate(x.dtype, wAval!.size);
  const count = n === 0 ? 0 : x.size / (n * n);
  for (let b = 0; b < count; b++) eighKernel(cpuData(x), b * n * n, n, params, v, w, b * n);
  return [cpuArray(vAval!, v), cpuArray(wAval!, w)];
}

registerLibraryKernel<EighParams>("cpu", "eigh", {
  match: () => true,
  run: ([x], params) => eighCpu(x!, params),
});
