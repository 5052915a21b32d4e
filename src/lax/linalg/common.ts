/**
 * What the lax.linalg primitives share: operand checks, the walk over a
 * batch of matrices, and the matrix helpers their rules are written with.
 */
import type { Array } from "../../core/array.js";
import type { ShapedArray } from "../../core/aval.js";
import type { BatchDim, Primitive } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { type DType, isFloating } from "../../dtype.js";
import { shapeStr } from "../../shape.js";
import { zerosLike } from "../ad_util.js";
import { batchToFront } from "../batch_util.js";
import { dotGeneral } from "../dot.js";
import { add, convertElementType, div, eq, ge, le, mul, selectN, sub } from "../elementwise.js";
import { reduceSum } from "../reductions.js";
import { broadcastedIota, broadcastInDim, transpose } from "../shape_ops.js";

/** Checks a batch of matrices [..., m, n] of a float dtype (square when asked). */
export function checkMatrices(op: string, x: ShapedArray, square: boolean): [number, number] {
  if (!isFloating(x.dtype)) {
    throw new TypeError(
      `${op}: the operand must have a float dtype (float32, float64), got ${x.dtype}`,
    );
  }
  const m = x.shape[x.ndim - 2];
  const n = x.shape[x.ndim - 1];
  if (x.ndim < 2 || (square && m !== n)) {
    throw new TypeError(
      `${op}: the operand must be a ${square ? "(batch of) square matrices" : "(batch of) matrices"} ` +
        `of shape (..., ${square ? "n, n" : "m, n"}), got shape ${shapeStr(x.shape)}`,
    );
  }
  return [m!, n!];
}

/** Calls `f(offset)` for every matrix of `size` elements in a batch of `count` elements. */
export function eachMatrix(count: number, size: number, f: (offset: number) => void): void {
  if (size === 0) return;
  for (let off = 0; off < count; off += size) f(off);
}

/**
 * The batch rule of a primitive over matrices with one operand: the batch
 * dimension moves to the front, where it is one more leading dimension.
 */
export function batchUnary<P extends object>(p: Primitive<P>) {
  return (
    [x]: Array[],
    [d]: BatchDim[],
    params: P,
    axis: { size: number },
  ): [Array[], BatchDim[]] => {
    const outs = bind(p, [batchToFront(x!, d!, axis.size)], params);
    return [outs, outs.map(() => 0)];
  };
}

/** Swaps the last two dimensions. */
export function matrixTranspose(x: Array): Array {
  const perm = x.shape.map((_, i) => i);
  perm[x.ndim - 2] = x.ndim - 1;
  perm[x.ndim - 1] = x.ndim - 2;
  return transpose(x, perm);
}

/** a @ b over the last two dimensions, the leading ones batch dimensions of both. */
export function matmul(a: Array, b: Array): Array {
  const nd = a.ndim;
  const batch = a.shape.slice(0, -2).map((_, i) => i);
  return dotGeneral(a, b, [
    [[nd - 1], [nd - 2]],
    [batch, batch],
  ]);
}

/** (x + xᵀ) / 2 over the last two dimensions. */
export function symmetrize(x: Array): Array {
  return div(add(x, matrixTranspose(x)), 2);
}

/** col - row over the last two dimensions of `shape`, broadcast to it (int32). */
export function colMinusRow(shape: readonly number[]): Array {
  const s2 = shape.slice(-2);
  const d = sub(broadcastedIota("int32", s2, 1), broadcastedIota("int32", s2, 0));
  return broadcastInDim(d, shape, [shape.length - 2, shape.length - 1]);
}

/** tril(x, k) (lower) or triu(x, k) over the last two dimensions: zeros elsewhere. */
export function triangle(x: Array, lower: boolean, k: number): Array {
  const d = colMinusRow(x.shape);
  return selectN(lower ? le(d, k) : ge(d, k), zerosLike(x.aval), x);
}

/** The identity matrices of x's shape [..., n, n] and dtype. */
export function eyeLike(x: Array): Array {
  return convertElementType(eq(colMinusRow(x.shape), 0), x.dtype);
}

/**
 * The one-hot matrix P [..., m, m] of a permutation [..., m] (int32):
 * P[i, perm[i]] = 1, so P @ x takes row perm[i] of x into row i.
 */
export function permutationMatrix(perm: Array, dtype: DType): Array {
  const m = perm.shape[perm.ndim - 1]!;
  const shape = [...perm.shape, m];
  const rows = broadcastInDim(
    perm,
    shape,
    perm.shape.map((_, i) => i),
  );
  const cols = broadcastInDim(broadcastedIota("int32", [m], 0), shape, [perm.ndim]);
  return convertElementType(eq(rows, cols), dtype);
}

/** The diagonal [..., k] of matrices [..., k, k]. */
export function diagonalOf(x: Array): Array {
  return reduceSum(mul(x, eyeLike(x)), [x.ndim - 1]);
}
