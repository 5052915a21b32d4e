/** `lax.linalg.cholesky` and its rules. */
import { type Array, ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { OPAQUE, Primitive, Zero } from "../../core/primitive.js";
import { bind1 } from "../../core/trace.js";
import { allocate, type TypedArray } from "../../dtype.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { castToAval, isZero } from "../ad_util.js";
import { batchToFront } from "../batch_util.js";
import { div, eq, selectN } from "../elementwise.js";
import { checkMatrices, colMinusRow, eachMatrix, matmul, symmetrize, triangle } from "./common.js";
import { triangularSolve } from "./triangular_solve.js";

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
  lower: null,
  facts: OPAQUE,
  abstractEval: choleskyAval,
  impl: ([x]) => {
    const [aval] = choleskyAval([x!.aval]);
    const n = x!.shape[x!.ndim - 1]!;
    const out = allocate(aval!.dtype, aval!.size);
    eachMatrix(out.length, n * n, (off) => choleskyKernel(x!.values, out, n, off));
    return [new ArrayImpl(aval!, out)];
  },
  batch: ([x], [d], _p, axis) => [[bind1(choleskyP, [batchToFront(x!, d!, axis.size)], {})], [0]],
  jvp: choleskyJvp,
  transpose: null,
});

/**
 * dL = L φ(L⁻¹ dA L⁻ᵀ), φ taking the lower triangle with the diagonal halved
 * (Murray 2016, "Differentiation of the Cholesky decomposition"; JAX's rule).
 * The tangent is taken as symmetric: the primitive reads only the lower
 * triangle, and `cholesky` symmetrizes its input by default.
 */
function choleskyJvp([x]: Array[], [t]: (Array | Zero)[]): [Array[], (Array | Zero)[]] {
  const l = bind1(choleskyP, [x!], {});
  if (isZero(t)) return [[l], [new Zero(l.aval)]];
  const tmp = triangularSolve(l, t!, { leftSide: false, lower: true, transposeA: true });
  const lower = triangle(triangularSolve(l, tmp, { leftSide: true, lower: true }), true, 0);
  const phi = selectN(eq(colMinusRow(lower.shape), 0), lower, div(lower, 2));
  return [[l], [castToAval(matmul(l, phi), l.aval)]];
}

export interface CholeskyOptions {
  /** Use (x + xᵀ)/2 instead of x's lower triangle (default true, as JAX). */
  symmetrizeInput?: boolean;
}
const CHOLESKY_KEYS: OptionKeys<CholeskyOptions> = { symmetrizeInput: true };

/**
 * `lax.linalg.cholesky(x, { symmetrizeInput })`: the lower-triangular L with
 * L Lᵀ = x, for each matrix of a batch [..., n, n]. NaNs where x is not
 * positive definite.
 */
export function cholesky(x: ArrayLike, options: CholeskyOptions = {}): Array {
  options = checkOptions("lax.linalg.cholesky", options, CHOLESKY_KEYS);
  const op = "lax.linalg.cholesky";
  let a = asArray(x, op, "x");
  checkMatrices(op, a.aval, true);
  if (options.symmetrizeInput ?? true) a = symmetrize(a);
  return bind1(choleskyP, [a], {});
}
