/** `lax.linalg.cholesky` and its rules. */
import type { Array } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { libraryImpl } from "../../core/library.js";
import { OPAQUE, Primitive, Zero } from "../../core/primitive.js";
import { bind1 } from "../../core/trace.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { castToAval, isZero } from "../ad_util.js";
import { batchToFront } from "../batch_util.js";
import { div, eq, selectN } from "../elementwise.js";
import { checkMatrices, colMinusRow, matmul, symmetrize, triangle } from "./common.js";
import { triangularSolve } from "./triangular_solve.js";

// --- cholesky ---------------------------------------------------------------------

/** The Cholesky factor's aval (the operand's shape and dtype), after checking the operand. */
export function choleskyAval([x]: ShapedArray[]): ShapedArray[] {
  checkMatrices("lax.linalg.cholesky", x!, true);
  return [new ShapedArray(x!.shape, x!.dtype, false)];
}

export const choleskyP: Primitive = new Primitive("cholesky", {
  lower: { kind: "library", name: "cholesky" },
  facts: OPAQUE,
  abstractEval: choleskyAval,
  impl: libraryImpl("cholesky"),
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
