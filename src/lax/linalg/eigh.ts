/**
 * `lax.linalg.eigh`: eigenvalues and eigenvectors of symmetric matrices,
 * with the jvp and batch rules. The eager kernel is the backends' library
 * kernel "eigh" (the CPU's, backend/cpu/kernels/eigh.ts: cyclic Jacobi for
 * small matrices, tridiagonal QL for larger ones).
 */
import type { Array } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { type Primitive, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { castToAval, isZero } from "../ad_util.js";
import { add, div, mul, sub } from "../elementwise.js";
import { broadcastInDim } from "../shape_ops.js";
import {
  checkMatrices,
  diagonalOf,
  eyeLike,
  matmul,
  matrixTranspose,
  symmetrize,
  triangle,
} from "./common.js";
import { libraryPrimitive } from "./library_primitive.js";

export interface EighParams {
  lower: boolean;
  sort_eigenvalues: boolean;
}

/** The avals of the eigenvectors and eigenvalues, after checking the operand. */
export function eighAval([x]: ShapedArray[]): ShapedArray[] {
  const [, n] = checkMatrices("lax.linalg.eigh", x!, true);
  return [
    new ShapedArray(x!.shape, x!.dtype, false),
    new ShapedArray([...x!.shape.slice(0, -2), n], x!.dtype, false),
  ];
}

export const eighP: Primitive<EighParams> = libraryPrimitive<EighParams>(
  "eigh",
  {
    abstractEval: eighAval,
    jvp: eighJvp,
    batch: "unary",
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
