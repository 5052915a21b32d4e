/** `lax.linalg.triangularSolve` and its rules. */
import type { Array } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { type Primitive, UndefinedPrimal, Zero } from "../../core/primitive.js";
import { bind1 } from "../../core/trace.js";
import { isFloating } from "../../dtype.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { shapeStr, shapesEqual } from "../../shape.js";
import { castToAval, instantiate, isZero } from "../ad_util.js";
import { batchToFront } from "../batch_util.js";
import { add, neg } from "../elementwise.js";
import { checkMatrices, matmul, matrixTranspose, triangle } from "./common.js";
import { libraryPrimitive } from "./library_primitive.js";

// --- triangular_solve ---------------------------------------------------------------

export interface TriangularSolveParams {
  left_side: boolean;
  lower: boolean;
  transpose_a: boolean;
  unit_diagonal: boolean;
}

/** The solution's aval (b's), after checking a and b against the params. */
export function triangularSolveAval(
  [a, b]: ShapedArray[],
  p: TriangularSolveParams,
): ShapedArray[] {
  const op = "lax.linalg.triangularSolve";
  const [m] = checkMatrices(op, a!, true);
  if (b!.ndim < 2 || !isFloating(b!.dtype)) {
    throw new TypeError(
      `${op}: b must be a (batch of) float matrices, got ${b!.dtype} of shape ${shapeStr(b!.shape)}`,
    );
  }
  if (a!.dtype !== b!.dtype) {
    throw new TypeError(`${op}: a and b must have the same dtype, got ${a!.dtype} and ${b!.dtype}`);
  }
  const solved = p.left_side ? b!.shape[b!.ndim - 2] : b!.shape[b!.ndim - 1];
  if (
    a!.ndim !== b!.ndim ||
    !shapesEqual(a!.shape.slice(0, -2), b!.shape.slice(0, -2)) ||
    solved !== m
  ) {
    throw new TypeError(
      `${op}: a of shape ${shapeStr(a!.shape)} needs b of shape ` +
        `${p.left_side ? "(..., m, n)" : "(..., n, m)"} with the same batch dimensions ` +
        `(leftSide ${p.left_side}), got ${shapeStr(b!.shape)}`,
    );
  }
  return [new ShapedArray(b!.shape, b!.dtype, false)];
}

export const triangularSolveP: Primitive<TriangularSolveParams> =
  libraryPrimitive<TriangularSolveParams>("triangular_solve", {
    abstractEval: triangularSolveAval,
    jvp: ([a, b], [ta, tb], p) => {
      const ans = bind1(triangularSolveP, [a!, b!], p);
      let t: Array | Zero = new Zero(ans.aval);
      // Linear in b: the same solve of b's tangent.
      if (!isZero(tb)) t = bind1(triangularSolveP, [a!, tb!], p);
      // d(A⁻¹B) = -A⁻¹ dA A⁻¹B (left), d(B A⁻¹) = -B A⁻¹ dA A⁻¹ (right), dA on A's triangle.
      if (!isZero(ta)) {
        const k = p.unit_diagonal ? 1 : 0;
        let da = triangle(ta!, p.lower, p.lower ? -k : k);
        if (p.transpose_a) da = matrixTranspose(da);
        const prod = p.left_side ? matmul(da, ans) : matmul(ans, da);
        const ga = neg(bind1(triangularSolveP, [a!, prod], p));
        t = isZero(t) ? ga : add(t, ga);
      }
      return [[ans], [isZero(t) ? t : castToAval(t, ans.aval)]];
    },
    // Linear in b only: the cotangent solves with op(A) transposed.
    transpose: ([ct], [a, b], p) => {
      if (a instanceof UndefinedPrimal) {
        throw new Error("lax.linalg.triangularSolve: transposing in a (not linear) is undefined");
      }
      if (!(b instanceof UndefinedPrimal)) return [null, null];
      if (isZero(ct)) return [null, new Zero(b.aval)];
      const flipped = { ...p, transpose_a: !p.transpose_a };
      return [null, castToAval(bind1(triangularSolveP, [a!, instantiate(ct!)], flipped), b.aval)];
    },
    batch: ([a, b], [da, db], p, axis) => [
      [
        bind1(
          triangularSolveP,
          [batchToFront(a!, da!, axis.size), batchToFront(b!, db!, axis.size)],
          p,
        ),
      ],
      [0],
    ],
  });

export interface TriangularSolveOptions {
  /** Solve op(a) x = b (true) or x op(a) = b (false, the default, as JAX). */
  leftSide?: boolean;
  /** Read a's lower (true) or upper (false, the default) triangle. */
  lower?: boolean;
  /** op(a) = aᵀ (default false). */
  transposeA?: boolean;
  /** Take a's diagonal as ones, without reading it (default false). */
  unitDiagonal?: boolean;
}
const TRIANGULAR_SOLVE_KEYS: OptionKeys<TriangularSolveOptions> = {
  leftSide: true,
  lower: true,
  transposeA: true,
  unitDiagonal: true,
};

/**
 * `lax.linalg.triangularSolve(a, b, { leftSide, lower, transposeA, unitDiagonal })`:
 * x with op(a) x = b (leftSide) or x op(a) = b, for a batch of triangular
 * a [..., m, m] and b [..., m, n] (leftSide) or [..., n, m].
 */
export function triangularSolve(
  a: ArrayLike,
  b: ArrayLike,
  options: TriangularSolveOptions = {},
): Array {
  options = checkOptions("lax.linalg.triangularSolve", options, TRIANGULAR_SOLVE_KEYS);
  const op = "lax.linalg.triangularSolve";
  return bind1(triangularSolveP, [asArray(a, op, "a"), asArray(b, op, "b")], {
    left_side: options.leftSide ?? false,
    lower: options.lower ?? false,
    transpose_a: options.transposeA ?? false,
    unit_diagonal: options.unitDiagonal ?? false,
  });
}
