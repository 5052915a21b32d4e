/**
 * `lax.linalg.svd`: singular value decomposition by one-sided (Hestenes)
 * Jacobi, which orthogonalizes the columns of the tall orientation of each
 * matrix; accurate to high relative precision. With the jvp (reduced, or
 * singular values only) and batch rules.
 */
import { type Array, ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { Primitive, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { allocate, type TypedArray } from "../../dtype.js";
import { shapeStr } from "../../shape.js";
import { castToAval, isZero } from "../ad_util.js";
import { add, convertElementType, div, eq, mul, sub } from "../elementwise.js";
import { broadcastInDim } from "../shape_ops.js";
import {
  batchUnary,
  checkMatrices,
  diagonalOf,
  eyeLike,
  matmul,
  matrixTranspose,
} from "./common.js";
import { fixSign, rotateRows } from "./eigh.js";

export interface SvdParams {
  full_matrices: boolean;
  compute_uv: boolean;
}

function svdAval([x]: ShapedArray[], p: SvdParams): ShapedArray[] {
  const [m, n] = checkMatrices("lax.linalg.svd", x!, false);
  const batch = x!.shape.slice(0, -2);
  const k = Math.min(m, n);
  const s = new ShapedArray([...batch, k], x!.dtype, false);
  if (!p.compute_uv) return [s];
  return [
    s,
    new ShapedArray([...batch, m, p.full_matrices ? m : k], x!.dtype, false),
    new ShapedArray([...batch, p.full_matrices ? n : k, n], x!.dtype, false),
  ];
}

const EPS = 2 ** -53;
const MAX_SWEEPS = 100;

/**
 * One-sided Jacobi on the c columns (rows of G, r ≥ c long each) of a tall
 * matrix B = Gᵀ: rotates pairs of columns until all are orthogonal to
 * working precision, |g_p·g_q| ≤ EPS‖g_p‖‖g_q‖. Returns Wᵀ (c×c) with
 * B W = the orthogonalized columns.
 */
function oneSidedJacobi(G: Float64Array, r: number, c: number): Float64Array {
  const Wt = new Float64Array(c * c);
  for (let i = 0; i < c; i++) Wt[i * c + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < c - 1; p++) {
      for (let q = p + 1; q < c; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let k = 0; k < r; k++) {
          const gp = G[p * r + k]!;
          const gq = G[q * r + k]!;
          alpha += gp * gp;
          beta += gq * gq;
          gamma += gp * gq;
        }
        if (gamma === 0 || !(Math.abs(gamma) > EPS * Math.sqrt(alpha * beta))) continue;
        rotated = true;
        // The rotation that diagonalizes [[alpha, gamma], [gamma, beta]] (as in eigh).
        const zeta = (beta - alpha) / (2 * gamma);
        const t =
          Math.abs(zeta) > 1e150
            ? 1 / (2 * zeta)
            : (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        rotateRows(G, r, p, q, cs, t * cs);
        rotateRows(Wt, c, p, q, cs, t * cs);
      }
    }
    if (!rotated) break;
  }
  return Wt;
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
 * The SVD of one m×n matrix: Jacobi on the columns of A (m ≥ n) or of Aᵀ.
 * In that tall r×c orientation B W = U Σ: σ_j = ‖(B W)_j‖ and u_j the
 * normalized column; both orientations write into s, u, vt.
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
  // G: the columns of the tall matrix, as rows.
  const G = new Float64Array(r * c);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) G[tall ? j * r + i : i * r + j] = a[aOff + i * n + j]!;
  const Wt = oneSidedJacobi(G, r, c);
  const sigma = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    let ss = 0;
    for (let k = 0; k < r; k++) ss += G[j * r + k]! * G[j * r + k]!;
    sigma[j] = Math.sqrt(ss);
  }
  const order = globalThis.Array.from({ length: c }, (_, i) => i);
  order.sort((i, j) => sigma[j]! - sigma[i]! || i - j);
  order.forEach((src, dst) => {
    s[sOff + dst] = sigma[src]!;
  });
  if (u === null || vt === null) return;
  // Left vectors of the tall matrix (r of them with full matrices), as rows.
  const rows = p.full_matrices ? r : c;
  const L = new Float64Array(rows * r);
  const have = new globalThis.Array<boolean>(rows).fill(false);
  order.forEach((src, dst) => {
    // The gauge: W's column has its largest entry positive; the left vector follows it.
    const sign = fixSign(Wt, c, src);
    if (!(sigma[src]! > 0)) return;
    for (let k = 0; k < r; k++) L[dst * r + k] = (sign * G[src * r + k]!) / sigma[src]!;
    have[dst] = true;
  });
  if (have.some((h) => !h)) completeBasis(L, r, have);
  // Tall: U = L rows (as columns), Vᵀ = W's columns as rows. Wide: swapped.
  const uCols = tall ? rows : c;
  const vtRows = tall ? c : rows;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < uCols; j++) {
      u[uOff + i * uCols + j] = tall ? L[j * r + i]! : Wt[order[j]! * c + i]!;
    }
  }
  for (let i = 0; i < vtRows; i++) {
    for (let j = 0; j < n; j++) {
      vt[vtOff + i * n + j] = tall ? Wt[order[i]! * c + j]! : L[i * r + j]!;
    }
  }
}

export const svdP: Primitive<SvdParams> = new Primitive<SvdParams>(
  "svd",
  {
    abstractEval: svdAval,
    impl: ([x], params) => {
      const avals = svdAval([x!.aval], params);
      const m = x!.shape[x!.ndim - 2]!;
      const n = x!.shape[x!.ndim - 1]!;
      const outs = avals.map((a) => allocate(a.dtype, a.size));
      const [s, u, vt] = outs as [TypedArray, TypedArray?, TypedArray?];
      const k = Math.min(m, n);
      const count = x!.shape.slice(0, -2).reduce((acc, d) => acc * d, 1);
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
          x!.values,
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
      return outs.map((o, i) => new ArrayImpl(avals[i]!, o));
    },
    jvp: svdJvp,
    transpose: null,
    batch: ([x], [d], params, axis) => batchUnary(svdP)([x!], [d!], params, axis),
  },
  true,
);

/**
 * JAX's rule for distinct nonzero singular values: with dS = Uᵀ dA V (k×k),
 * ds = diag(dS), F_ij = 1 / (s_j² - s_i²) off the diagonal,
 * dU = U (F ∘ (dS S + S dSᵀ)) and dV = V (F ∘ (S dS + dSᵀ S)), plus for
 * tall (wide) A the part of dA V / s (dAᵀ U / s) outside span(U) (span(V)).
 */
function svdJvp([a]: Array[], [t]: (Array | Zero)[], p: SvdParams): [Array[], (Array | Zero)[]] {
  const m = a!.shape[a!.ndim - 2]!;
  const n = a!.shape[a!.ndim - 1]!;
  if (p.compute_uv && p.full_matrices && m !== n) {
    throw new Error(
      `lax.linalg.svd: the derivative of U and Vᵀ is defined for reduced SVD (fullMatrices false) ` +
        `or square matrices, got shape ${shapeStr(a!.shape)} with fullMatrices true`,
    );
  }
  const [s, u, vt] = bind(svdP, [a!], { full_matrices: false, compute_uv: true }) as [
    Array,
    Array,
    Array,
  ];
  const primals = p.compute_uv ? [s, u, vt] : [s];
  if (isZero(t)) return [primals, primals.map((o) => new Zero(o.aval))];
  const dA = t!;
  const v = matrixTranspose(vt);
  const ut = matrixTranspose(u);
  const dS = matmul(matmul(ut, dA), v);
  const ds = castToAval(diagonalOf(dS), s.aval);
  if (!p.compute_uv) return [primals, [ds]];
  const sRow = rowVector(s, dS.shape);
  const sCol = matrixTranspose(sRow);
  const eye = eyeLike(dS);
  const f = sub(div(1, add(mul(add(sRow, sCol), sub(sRow, sCol)), eye)), eye);
  const dSS = mul(sRow, dS);
  const sdS = mul(sCol, dS);
  let dU = matmul(u, mul(f, add(dSS, matrixTranspose(dSS))));
  let dV = matmul(v, mul(f, add(sdS, matrixTranspose(sdS))));
  // Columns divided by s, zeros kept at zero (JAX's s_inv).
  const zeros = convertElementType(eq(s, 0), s.dtype);
  const sInv = sub(div(1, add(s, zeros)), zeros);
  const divideColumns = (x: Array) => mul(x, rowVector(sInv, x.shape));
  if (m > n) {
    const dAV = matmul(dA, v);
    dU = add(dU, divideColumns(sub(dAV, matmul(u, matmul(ut, dAV)))));
  }
  if (n > m) {
    const dAtU = matmul(matrixTranspose(dA), u);
    dV = add(dV, divideColumns(sub(dAtU, matmul(v, matmul(vt, dAtU)))));
  }
  return [primals, [ds, castToAval(dU, u.aval), castToAval(matrixTranspose(dV), vt.aval)]];
}

/** A vector [..., k] broadcast along the rows of `shape` [..., r, k]. */
function rowVector(x: Array, shape: readonly number[]): Array {
  return broadcastInDim(x, shape, [...x.shape.map((_, i) => i).slice(0, -1), x.ndim]);
}

export interface SvdOptions {
  /** U (..., m, m) and Vᵀ (..., n, n) (default true, as JAX); false: (..., m, k), (..., k, n). */
  fullMatrices?: boolean;
  /** Return [U, s, Vᵀ] (default true) or only s. */
  computeUv?: boolean;
}

/**
 * `lax.linalg.svd(x, { fullMatrices, computeUv })`: [U, s, Vᵀ] with
 * x = U diag(s) Vᵀ for each matrix of x [..., m, n], s [..., min(m, n)]
 * descending and nonnegative, U and V with orthonormal columns (each column
 * of V with its largest entry positive); only s when computeUv is false.
 */
export function svd(x: ArrayLike, options: SvdOptions & { computeUv: false }): Array;
export function svd(x: ArrayLike, options?: SvdOptions): [Array, Array, Array];
export function svd(x: ArrayLike, options: SvdOptions = {}): Array | [Array, Array, Array] {
  const a = asArray(x, "lax.linalg.svd", "x");
  const computeUv = options.computeUv ?? true;
  const outs = bind(svdP, [a], {
    full_matrices: options.fullMatrices ?? true,
    compute_uv: computeUv,
  });
  return computeUv ? [outs[1]!, outs[0]!, outs[2]!] : outs[0]!;
}
