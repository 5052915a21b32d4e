/**
 * `lax.linalg.lu`: LU decomposition with partial pivoting (LAPACK's getrf),
 * with its jvp and batch rules, and `luPivotsToPermutation`.
 */
import type { Array } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { type Primitive, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { shapeStr } from "../../shape.js";
import { castToAval, isZero } from "../ad_util.js";
import { add, bitwiseAnd, convertElementType, eq, ge } from "../elementwise.js";
import { broadcastedIota, broadcastInDim, pad } from "../shape_ops.js";
import { slice } from "../slicing.js";
import { checkMatrices, colMinusRow, matmul, permutationMatrix, triangle } from "./common.js";
import { libraryPrimitive } from "./library_primitive.js";
import { triangularSolve } from "./triangular_solve.js";

/** The avals of lu's outputs: the factors, the pivots and the permutation (int32). */
export function luAval([x]: ShapedArray[]): ShapedArray[] {
  const [m, n] = checkMatrices("lax.linalg.lu", x!, false);
  const batch = x!.shape.slice(0, -2);
  return [
    new ShapedArray(x!.shape, x!.dtype, false),
    new ShapedArray([...batch, Math.min(m, n)], "int32", false),
    new ShapedArray([...batch, m], "int32", false),
  ];
}

export const luP: Primitive = libraryPrimitive(
  "lu",
  {
    abstractEval: luAval,
    jvp: luJvp,
    batch: "unary",
  },
  true,
);

/** Ones on the diagonal of rows ≥ k of shape [..., r, c], zeros elsewhere (dtype of x). */
function eyeFrom(x: Array, k: number): Array {
  const s2 = x.shape.slice(-2);
  const rowIdx = broadcastInDim(broadcastedIota("int32", s2, 0), x.shape, [x.ndim - 2, x.ndim - 1]);
  return convertElementType(bitwiseAnd(eq(colMinusRow(x.shape), 0), ge(rowIdx, k)), x.dtype);
}

/**
 * JAX's rule: with P A = L U and X = P dA, L⁻¹ X U⁻¹ splits into its strict
 * lower part (L⁻¹ dL) and upper part (dU U⁻¹), so dL = L tril(L⁻¹ X U⁻¹, -1)
 * and dU = triu(L⁻¹ X U⁻¹) U. For rectangular matrices L is completed to
 * m×m and U to n×n with identity blocks.
 */
function luJvp([a]: Array[], [t]: (Array | Zero)[]): [Array[], (Array | Zero)[]] {
  const outs = bind(luP, [a!], {});
  const [lu, pivots, perm] = outs as [Array, Array, Array];
  if (isZero(t)) return [outs, outs.map((o) => new Zero(o.aval))];
  const nd = a!.ndim;
  const m = a!.shape[nd - 2]!;
  const n = a!.shape[nd - 1]!;
  const k = Math.min(m, n);
  const zeros = a!.shape.map(() => 0);
  const x = matmul(permutationMatrix(perm, a!.dtype), t!);
  const noPad = a!.shape.slice(0, -2).map(() => [0, 0, 0]);
  const lCols = slice(lu, zeros, [...a!.shape.slice(0, -1), k]);
  const l0 = pad(triangle(lCols, true, -1), 0, [...noPad, [0, 0, 0], [0, m - k, 0]]);
  const l = add(l0, eyeFrom(l0, 0));
  const uRows = slice(lu, zeros, [...a!.shape.slice(0, -2), k, n]);
  const u0 = pad(triangle(uRows, false, 0), 0, [...noPad, [0, n - k, 0], [0, 0, 0]]);
  const u = add(u0, eyeFrom(u0, k));
  const la = triangularSolve(l, x, { leftSide: true, lower: true, unitDiagonal: true });
  const lau = triangularSolve(u, la, { leftSide: false, lower: false });
  const dlu = add(matmul(l, triangle(lau, true, -1)), matmul(triangle(lau, false, 0), u));
  return [outs, [castToAval(dlu, lu.aval), new Zero(pivots.aval), new Zero(perm.aval)]];
}

/**
 * `lax.linalg.lu(x)`: [lu, pivots, permutation] for each matrix of x
 * [..., m, n]: P x = L U with L unit lower triangular (below lu's diagonal)
 * and U upper triangular (on and above it); pivots [..., min(m, n)] (int32)
 * are the row swaps made in turn (row i with row pivots[i]), and
 * permutation [..., m] (int32) is their result: row i of P x is row
 * permutation[i] of x.
 */
export function lu(x: ArrayLike): [Array, Array, Array] {
  const a = asArray(x, "lax.linalg.lu", "x");
  const [f, p, q] = bind(luP, [a], {});
  return [f!, p!, q!];
}

// --- lu_pivots_to_permutation ---------------------------------------------------------

export interface LuPivotsToPermutationParams {
  permutation_size: number;
}

/** The permutation's aval, after checking the pivots and the permutation size. */
export function pivotsAval([p]: ShapedArray[], params: LuPivotsToPermutationParams): ShapedArray[] {
  const op = "lax.linalg.luPivotsToPermutation";
  if (p!.dtype !== "int32" || p!.ndim < 1) {
    throw new TypeError(
      `${op}: pivots must be an int32 array of shape (..., k), got ${p!.dtype} of shape ${shapeStr(p!.shape)}`,
    );
  }
  const k = p!.shape[p!.ndim - 1]!;
  const size = params.permutation_size;
  if (!Number.isInteger(size) || size < k) {
    throw new TypeError(
      `${op}: permutationSize must be an integer >= the number of pivots ${k}, got ${size}`,
    );
  }
  return [new ShapedArray([...p!.shape.slice(0, -1), size], "int32", false)];
}

export const luPivotsToPermutationP: Primitive<LuPivotsToPermutationParams> =
  libraryPrimitive<LuPivotsToPermutationParams>("lu_pivots_to_permutation", {
    abstractEval: pivotsAval,
    // Integer valued: the tangent is zero.
    jvp: ([p], _t, params) => {
      const out = bind(luPivotsToPermutationP, [p!], params);
      return [out, [new Zero(out[0]!.aval)]];
    },
    batch: "unary",
  });

/**
 * `lax.linalg.luPivotsToPermutation(pivots, permutationSize)`: the
 * permutation [..., permutationSize] that the row swaps `pivots` [..., k]
 * (as `lu` returns them) make of 0, 1, ….
 */
export function luPivotsToPermutation(pivots: ArrayLike, permutationSize: number): Array {
  const p = asArray(pivots, "lax.linalg.luPivotsToPermutation", "pivots");
  return bind(luPivotsToPermutationP, [p], { permutation_size: permutationSize })[0]!;
}
