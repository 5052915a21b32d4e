/**
 * The eager kernel of `svd` (lax/linalg/svd.ts), the CPU backend's library
 * kernel "svd": the singular value decomposition of each matrix of a batch,
 * in float64, by Householder QR of its tall orientation, then one-sided
 * (Hestenes) Jacobi on the triangular factor, which rotates pairs of
 * columns until all are orthogonal.
 */
import type { ArrayImpl } from "../../../core/array.js";
import { registerLibraryKernel } from "../../../core/library.js";
import { allocate, type TypedArray } from "../../../dtype.js";
import { type SvdParams, svdAval } from "../../../lax/linalg/svd.js";
import { cpuArray, cpuData } from "../buffer.js";
import { fixSign, jacobiTangent, rotateRows, unitScale } from "./eigh.js";

const EPS = 2 ** -53;
const MAX_SWEEPS = 100;

/**
 * One-sided Jacobi on the c columns (rows of G, r long each) of a matrix
 * B = Gᵀ: rotates pairs of columns until all are orthogonal to working
 * precision, |g_p·g_q| ≤ sqrt(r)·EPS‖g_p‖‖g_q‖. Returns Wᵀ (c×c) with B W = the
 * orthogonalized columns. Squared column norms are updated with each
 * rotation and recomputed every sweep.
 */
function oneSidedJacobi(G: Float64Array, r: number, c: number): Float64Array {
  const Wt = new Float64Array(c * c);
  for (let i = 0; i < c; i++) Wt[i * c + i] = 1;
  const sq = new Float64Array(c);
  // Rounding leaves |g_p·g_q| of about sqrt(r)·eps‖g_p‖‖g_q‖ (LAPACK's gesvj threshold).
  const tol = Math.sqrt(r) * EPS;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    for (let j = 0; j < c; j++) sq[j] = dot(G, j * r, j * r, r);
    let rotated = false;
    for (let p = 0; p < c - 1; p++) {
      for (let q = p + 1; q < c; q++) {
        const alpha = sq[p]!;
        const beta = sq[q]!;
        const gamma = dot(G, p * r, q * r, r);
        if (gamma === 0 || !(Math.abs(gamma) > tol * Math.sqrt(alpha * beta))) continue;
        rotated = true;
        // The rotation that diagonalizes [[alpha, gamma], [gamma, beta]] (as in eigh).
        const t = jacobiTangent((beta - alpha) / (2 * gamma));
        const cs = 1 / Math.sqrt(1 + t * t);
        rotateRows(G, r, p, q, cs, t * cs);
        rotateRows(Wt, c, p, q, cs, t * cs);
        sq[p] = alpha - t * gamma;
        sq[q] = beta + t * gamma;
      }
    }
    if (!rotated) break;
  }
  return Wt;
}

/** Σ x[i + k]·x[j + k] for k < n. */
function dot(x: Float64Array, i: number, j: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += x[i + k]! * x[j + k]!;
  return s;
}

/**
 * Householder QR of a tall r×c matrix B (row-major, overwritten): returns
 * R (c×c, upper triangular) and a function applying Q (r×r) to an r×k
 * matrix in place. Reflector j maps column j to beta·e_j (LAPACK's geqrf
 * convention); a column already zero below the diagonal is left alone.
 */
function householderQr(
  B: Float64Array,
  r: number,
  c: number,
): [Float64Array, (X: Float64Array, k: number) => void] {
  const taus = new Float64Array(c);
  const w = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    let scale = 0;
    for (let i = j; i < r; i++) scale = Math.max(scale, Math.abs(B[i * c + j]!));
    let tail = 0;
    for (let i = j + 1; i < r; i++) tail += (B[i * c + j]! / scale) ** 2;
    if (scale === 0 || tail === 0) continue;
    const alpha = B[j * c + j]! / scale;
    const beta = -(alpha >= 0 ? 1 : -1) * Math.sqrt(alpha * alpha + tail);
    const tau = (beta - alpha) / beta;
    taus[j] = tau;
    const f = 1 / (scale * (alpha - beta));
    for (let i = j + 1; i < r; i++) B[i * c + j] = B[i * c + j]! * f;
    B[j * c + j] = beta * scale;
    // Trailing columns: B[j:, j+1:] -= tau v (vᵀ B[j:, j+1:]), v = (1, B[j+1:, j]).
    for (let col = j + 1; col < c; col++) w[col] = B[j * c + col]!;
    for (let i = j + 1; i < r; i++) {
      const vi = B[i * c + j]!;
      for (let col = j + 1; col < c; col++) w[col] = w[col]! + vi * B[i * c + col]!;
    }
    for (let col = j + 1; col < c; col++) B[j * c + col] = B[j * c + col]! - tau * w[col]!;
    for (let i = j + 1; i < r; i++) {
      const vi = tau * B[i * c + j]!;
      for (let col = j + 1; col < c; col++) B[i * c + col] = B[i * c + col]! - vi * w[col]!;
    }
  }
  const R = new Float64Array(c * c);
  for (let i = 0; i < c; i++) for (let j = i; j < c; j++) R[i * c + j] = B[i * c + j]!;
  // Q X = H_0 ⋯ H_{c-1} X: the last reflector first.
  const applyQ = (X: Float64Array, k: number) => {
    const y = new Float64Array(k);
    for (let j = c - 1; j >= 0; j--) {
      const tau = taus[j]!;
      if (tau === 0) continue;
      for (let col = 0; col < k; col++) y[col] = X[j * k + col]!;
      for (let i = j + 1; i < r; i++) {
        const vi = B[i * c + j]!;
        for (let col = 0; col < k; col++) y[col] = y[col]! + vi * X[i * k + col]!;
      }
      for (let col = 0; col < k; col++) X[j * k + col] = X[j * k + col]! - tau * y[col]!;
      for (let i = j + 1; i < r; i++) {
        const vi = tau * B[i * c + j]!;
        for (let col = 0; col < k; col++) X[i * k + col] = X[i * k + col]! - vi * y[col]!;
      }
    }
  };
  return [R, applyQ];
}

/**
 * Fills the rows of Q (rows of length r) that `have` marks missing so that
 * all are orthonormal (the others already are): for each, the unit
 * vector e_i whose part orthogonal to the rows so far is largest,
 * orthogonalized twice (Gram-Schmidt) and normalized.
 */
function completeBasis(Q: Float64Array, r: number, have: boolean[]): void {
  const done = () => have.flatMap((h, i) => (h ? [i] : []));
  for (let row = 0; row < have.length; row++) {
    if (have[row]) continue;
    const basis = done();
    let best: Float64Array | null = null;
    let bestNorm = -1;
    for (let i = 0; i < r; i++) {
      const x = new Float64Array(r);
      x[i] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const b of basis) {
          let d = 0;
          for (let k = 0; k < r; k++) d += Q[b * r + k]! * x[k]!;
          for (let k = 0; k < r; k++) x[k] = x[k]! - d * Q[b * r + k]!;
        }
      }
      let nrm = 0;
      for (let k = 0; k < r; k++) nrm += x[k]! * x[k]!;
      if (nrm > bestNorm) [best, bestNorm] = [x, nrm];
    }
    const s = 1 / Math.sqrt(bestNorm);
    for (let k = 0; k < r; k++) Q[row * r + k] = best![k]! * s;
    have[row] = true;
  }
}

/**
 * The SVD of one m×n matrix, in its tall r×c orientation B (A or Aᵀ):
 * B = Q R (Householder), then one-sided Jacobi on the columns of Rᵀ (the
 * rows of R; preconditioning by QR makes them converge in few sweeps):
 * Rᵀ W = V' Σ, so B = (Q W) Σ V'ᵀ. The left vectors Q W are orthonormal
 * whatever the rank; right vectors of zero singular values are completed.
 * Gauge: each right vector of B has its largest entry positive.
 */
function svdKernel(
  a: TypedArray,
  aOff: number,
  m: number,
  n: number,
  p: SvdParams,
  s: TypedArray,
  sOff: number,
  u: TypedArray | null,
  uOff: number,
  vt: TypedArray | null,
  vtOff: number,
): void {
  const tall = m >= n;
  const [r, c] = tall ? [m, n] : [n, m];
  const B = new Float64Array(r * c);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) B[tall ? i * c + j : j * c + i] = a[aOff + i * n + j]!;
  // A NaN or infinity anywhere: no decomposition, all NaN (as LAPACK's results).
  if (!B.every(Number.isFinite)) {
    const k = Math.min(m, n);
    s.fill(Number.NaN, sOff, sOff + k);
    if (u !== null) u.fill(Number.NaN, uOff, uOff + m * (p.full_matrices ? m : k));
    if (vt !== null) vt.fill(Number.NaN, vtOff, vtOff + n * (p.full_matrices ? n : k));
    return;
  }
  const scale = unitScale(B);
  if (scale !== 1) for (let i = 0; i < r * c; i++) B[i] = B[i]! * scale;
  const [G, applyQ] = householderQr(B, r, c);
  const Wt = oneSidedJacobi(G, c, c);
  const sigma = new Float64Array(c);
  for (let j = 0; j < c; j++) sigma[j] = Math.sqrt(dot(G, j * c, j * c, c));
  const order = globalThis.Array.from({ length: c }, (_, i) => i);
  order.sort((i, j) => sigma[j]! - sigma[i]! || i - j);
  order.forEach((src, dst) => {
    s[sOff + dst] = sigma[src]! / scale;
  });
  if (u === null || vt === null) return;
  // Right vectors of B (c×c, as rows): V'_j = G_j / σ_j, completed where σ_j = 0.
  const V = new Float64Array(c * c);
  const have = new globalThis.Array<boolean>(c).fill(false);
  order.forEach((src, dst) => {
    if (!(sigma[src]! > 0)) return;
    for (let k = 0; k < c; k++) V[dst * c + k] = G[src * c + k]! / sigma[src]!;
    have[dst] = true;
  });
  if (have.some((h) => !h)) completeBasis(V, c, have);
  // Left vectors: Q [W 0; 0 I] (r × cols), W's columns in the sorted order, signs as V's.
  const cols = p.full_matrices ? r : c;
  const L = new Float64Array(r * cols);
  order.forEach((src, dst) => {
    const sign = fixSign(V, c, dst);
    for (let k = 0; k < c; k++) L[k * cols + dst] = sign * Wt[src * c + k]!;
  });
  for (let j = c; j < cols; j++) L[j * cols + j] = 1;
  applyQ(L, cols);
  // Tall: U = L, Vᵀ = V (rows). Wide (B = Aᵀ): U = Vᵀ's transpose, Vᵀ = Lᵀ.
  if (tall) {
    u.set(L, uOff);
    vt.set(V, vtOff);
  } else {
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) u[uOff + i * m + j] = V[j * c + i]!;
    for (let i = 0; i < cols; i++)
      for (let j = 0; j < n; j++) vt[vtOff + i * n + j] = L[j * cols + i]!;
  }
}

/** s (and U, Vᵀ when computed) of each matrix of x. */
export function svdCpu(x: ArrayImpl, params: SvdParams): ArrayImpl[] {
  const avals = svdAval([x.aval], params);
  const m = x.shape[x.ndim - 2]!;
  const n = x.shape[x.ndim - 1]!;
  const outs = avals.map((a) => allocate(a.dtype, a.size));
  const [s, u, vt] = outs as [TypedArray, TypedArray?, TypedArray?];
  const k = Math.min(m, n);
  const count = x.shape.slice(0, -2).reduce((acc, d) => acc * d, 1);
  const uSize = u === undefined ? 0 : u.length / count;
  const vtSize = vt === undefined ? 0 : vt.length / count;
  for (let b = 0; b < count; b++) {
    if (m * n === 0) {
      // No singular values; U or Vᵀ (full matrices) is an identity.
      const [eye, rows, off] = m > 0 ? [u, m, b * uSize] : [vt, n, b * vtSize];
      if (eye !== undefined && params.full_matrices)
        for (let i = 0; i < rows; i++) eye[off + i * rows + i] = 1;
      continue;
    }
    svdKernel(
      cpuData(x),
      b * m * n,
      m,
      n,
      params,
      s,
      b * k,
      u ?? null,
      b * uSize,
      vt ?? null,
      b * vtSize,
    );
  }
  return outs.map((o, i) => cpuArray(avals[i]!, o));
}

registerLibraryKernel<SvdParams>("cpu", "svd", {
  match: () => true,
  run: ([x], params) => svdCpu(x!, params),
});
