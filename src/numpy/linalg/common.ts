/** What the jnp.linalg modules share: dtype promotion, shape checks, small matrix helpers. */
import type { Array } from "../../core/array.js";
import type { ArrayLike } from "../../core/convert.js";
import { type DType, defaultFloat, isInexact } from "../../dtype.js";
import * as lax from "../../lax/index.js";
import { broadcastShapes, shapeStr } from "../../shape.js";
import { swapaxes } from "../manipulation.js";
import { broadcastTo, cast, resultType, toArrays } from "../util.js";

/** The operands as arrays of their common float or complex dtype (integers and bools become floats). */
export function inexact(op: string, ...xs: ArrayLike[]): Array[] {
  const arrs = toArrays(op, xs);
  const { dtype } = resultType(...arrs);
  return arrs.map((a) => cast(a, isInexact(dtype) ? dtype : defaultFloat()));
}

/** The machine epsilon of a float dtype. */
export const epsOf = (dtype: DType): number => (dtype === "float64" ? 2 ** -52 : 2 ** -23);

export function checkSquare(op: string, a: Array, name = "a"): number {
  const m = a.shape[a.ndim - 1];
  if (a.ndim < 2 || a.shape[a.ndim - 2] !== m) {
    throw new TypeError(
      `${op}: ${name} must be a (batch of) square matrices (..., m, m), got shape ${shapeStr(a.shape)}`,
    );
  }
  return m!;
}

export function checkMatrix(op: string, a: Array, name = "a"): [number, number] {
  if (a.ndim < 2) {
    throw new TypeError(
      `${op}: ${name} must be a (batch of) matrices (..., m, n), got shape ${shapeStr(a.shape)}`,
    );
  }
  return [a.shape[a.ndim - 2]!, a.shape[a.ndim - 1]!];
}

/** Swaps the last two dimensions. */
export const mT = (x: Array): Array => swapaxes(x, -1, -2);

/** Identity matrices [..., n, n] like x's batch and dtype. */
export function eyeLike(x: Array, n: number): Array {
  const eye = lax.convertElementType(
    lax.eq(lax.broadcastedIota("int32", [n, n], 0), lax.broadcastedIota("int32", [n, n], 1)),
    x.dtype,
  );
  const shape = [...x.shape.slice(0, -2), n, n];
  return lax.broadcastInDim(eye, shape, [shape.length - 2, shape.length - 1]);
}

/**
 * a [..., m, m] and b [..., m, k] broadcast to common batch dimensions; a
 * `vector` b [..., m] becomes one column, the returned function undoing that.
 */
export function alignRhs(
  op: string,
  a: Array,
  b: Array,
  vector: boolean,
): [Array, Array, (x: Array) => Array] {
  const m = checkSquare(op, a);
  const bm = vector ? lax.expandDims(b, [b.ndim]) : b;
  if (bm.ndim < 2 || bm.shape[bm.ndim - 2] !== m) {
    throw new TypeError(
      `${op}: b must have ${m} rows to match a of shape ${shapeStr(a.shape)}, got shape ${shapeStr(b.shape)}`,
    );
  }
  const batch = broadcastShapes(op, a.shape.slice(0, -2), bm.shape.slice(0, -2));
  const aa = broadcastTo(a, [...batch, m, m], op);
  const bb = broadcastTo(bm, [...batch, ...bm.shape.slice(-2)], op);
  const unvector = (x: Array) => (vector ? lax.squeeze(x, [x.ndim - 1]) : x);
  return [aa, bb, unvector];
}
