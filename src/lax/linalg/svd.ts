/**
 * `lax.linalg.svd`: singular value decomposition by Householder QR of the
 * tall orientation of each matrix, then one-sided (Hestenes) Jacobi on the
 * triangular factor, which rotates pairs of columns until all are
 * orthogonal. With the jvp (reduced, or singular values only) and batch rules.
 * The eager kernel is the backends' library kernel "svd" (the CPU's in
 * backend/cpu/kernels/svd.ts).
 */
import type { Array } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { type Primitive, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { shapeStr } from "../../shape.js";
import { castToAval, isZero } from "../ad_util.js";
import { add, convertElementType, div, eq, mul, sub } from "../elementwise.js";
import { broadcastInDim } from "../shape_ops.js";
import { checkMatrices, diagonalOf, eyeLike, matmul, matrixTranspose } from "./common.js";
import { libraryPrimitive } from "./library_primitive.js";

export interface SvdParams {
  full_matrices: boolean;
  compute_uv: boolean;
}

/** The avals of s (and of U and Vᵀ when computed), after checking the operand. */
export function svdAval([x]: ShapedArray[], p: SvdParams): ShapedArray[] {
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

export const svdP: Primitive<SvdParams> = libraryPrimitive<SvdParams>(
  "svd",
  {
    abstractEval: svdAval,
    jvp: svdJvp,
    batch: "unary",
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
const SVD_KEYS: OptionKeys<SvdOptions> = { fullMatrices: true, computeUv: true };

/**
 * `lax.linalg.svd(x, { fullMatrices, computeUv })`: [U, s, Vᵀ] with
 * x = U diag(s) Vᵀ for each matrix of x [..., m, n], s [..., min(m, n)]
 * descending and nonnegative, U and V with orthonormal columns (each column
 * of V with its largest entry positive); only s when computeUv is false.
 */
export function svd(x: ArrayLike, options: SvdOptions & { computeUv: false }): Array;
export function svd(x: ArrayLike, options?: SvdOptions): [Array, Array, Array];
export function svd(x: ArrayLike, options: SvdOptions = {}): Array | [Array, Array, Array] {
  options = checkOptions("lax.linalg.svd", options, SVD_KEYS);
  const a = asArray(x, "lax.linalg.svd", "x");
  const computeUv = options.computeUv ?? true;
  const outs = bind(svdP, [a], {
    full_matrices: options.fullMatrices ?? true,
    compute_uv: computeUv,
  });
  return computeUv ? [outs[1]!, outs[0]!, outs[2]!] : outs[0]!;
}
