/**
 * `lax.linalg.lu`: LU decomposition with partial pivoting (LAPACK's getrf),
 * with its jvp and batch rules, and `luPivotsToPermutation`.
 */
import { type Array, ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { OPAQUE, Primitive, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { allocate, type TypedArray } from "../../dtype.js";
import { shapeStr } from "../../shape.js";
import { castToAval, isZero } from "../ad_util.js";
import { add, bitwiseAnd, convertElementType, eq, ge } from "../elementwise.js";
import { broadcastedIota, broadcastInDim, pad } from "../shape_ops.js";
import { slice } from "../slicing.js";
import {
  batchUnary,
  checkMatrices,
  colMinusRow,
  matmul,
  permutationMatrix,
  triangle,
} from "./common.js";
import { triangularSolve } from "./triangular_solve.js";

function luAval([x]: ShapedArray[]): ShapedArray[] {
  const [m, n] = checkMatrices("lax.linalg.lu", x!, false);
  const batch = x!.shape.slice(0, -2);
  return [
    new ShapedArray(x!.shape, x!.dtype, false),
    new ShapedArray([...batch, Math.min(m, n)], "int32", false),
    new ShapedArray([...batch, m], "int32", false),
  ];
}

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

export const luP: Primitive = new Primitive(
  "lu",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: luAval,
    impl: ([x]) => {
      const [luAv, pivAv, permAv] = luAval([x!.aval]);
      const m = x!.shape[x!.ndim - 2]!;
      const n = x!.shape[x!.ndim - 1]!;
      const k = Math.min(m, n);
      const lu = allocate(luAv!.dtype, luAv!.size);
      const piv = allocate("int32", pivAv!.size);
      const perm = allocate("int32", permAv!.size);
      const count = x!.shape.slice(0, -2).reduce((s, d) => s * d, 1);
      for (let b = 0; b < count; b++) {
        if (m * n === 0) {
          for (let i = 0; i < m; i++) perm[b * m + i] = i;
          continue;
        }
        luKernel(x!.values, b * m * n, m, n, lu, piv, b * k, perm, b * m);
      }
      return [new ArrayImpl(luAv!, lu), new ArrayImpl(pivAv!, piv), new ArrayImpl(permAv!, perm)];
    },
    jvp: luJvp,
    transpose: null,
    batch: ([x], [d], params, axis) => batchUnary(luP)([x!], [d!], params, axis),
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

function pivotsAval([p]: ShapedArray[], params: LuPivotsToPermutationParams): ShapedArray[] {
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
  new Primitive<LuPivotsToPermutationParams>("lu_pivots_to_permutation", {
    lower: null,
    facts: OPAQUE,
    abstractEval: pivotsAval,
    impl: ([p], params) => {
      const [aval] = pivotsAval([p!.aval], params);
      const k = p!.shape[p!.ndim - 1]!;
      const size = params.permutation_size;
      const out = allocate("int32", aval!.size);
      const count = size === 0 ? 0 : aval!.size / size;
      for (let b = 0; b < count; b++) {
        const o = b * size;
        for (let i = 0; i < size; i++) out[o + i] = i;
        for (let i = 0; i < k; i++) {
          const j = p!.values[b * k + i]!;
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
      return [new ArrayImpl(aval!, out)];
    },
    // Integer valued: the tangent is zero.
    jvp: ([p], _t, params) => {
      const out = bind(luPivotsToPermutationP, [p!], params);
      return [out, [new Zero(out[0]!.aval)]];
    },
    transpose: null,
    batch: ([p], [d], params, axis) => batchUnary(luPivotsToPermutationP)([p!], [d!], params, axis),
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
