/**
 * `jnp.linalg.matrixPower`, `multiDot`, `tensorsolve`, `tensorinv`, and the
 * Array API's linalg names of products and views (matmul, diagonal, trace...).
 */
import type { Array } from "../../core/array.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { checkOptions } from "../../options.js";
import { shapeStr } from "../../shape.js";
import { inv, solve } from "../linalg.js";
import { reshape, transpose } from "../manipulation.js";
import { diagonal as jnpDiagonal, trace as jnpTrace, matmul } from "../products.js";
import { broadcastTo } from "../util.js";
import { checkSquare, eyeLike } from "./common.js";

/**
 * `jnp.linalg.matrixPower(a, n)`: a to the integer power n for each matrix
 * of a (..., m, m), by repeated squaring; n = 0 gives identities (in a's
 * dtype), n < 0 powers of the inverse.
 */
export function matrixPower(a: ArrayLike, n: number): Array {
  const op = "jnp.linalg.matrixPower";
  let x = asArray(a, op, "a");
  const m = checkSquare(op, x);
  if (!Number.isInteger(n)) throw new TypeError(`${op}: n must be an integer, got ${n}`);
  if (n === 0) return broadcastTo(eyeLike(x, m), x.shape, op);
  if (n < 0) x = inv(x);
  let k = Math.abs(n);
  let result: Array | null = null;
  let z: Array | null = null;
  while (k > 0) {
    z = z === null ? x : matmul(z, z);
    if (k % 2 === 1) result = result === null ? z : matmul(result, z);
    k = Math.floor(k / 2);
  }
  return result!;
}

/**
 * The cheapest parenthesization of a chain of matrices with dims[i] ×
 * dims[i + 1] shapes (the classic dynamic program): split[i][j] is where
 * the product of matrices i..j splits.
 */
function chainOrder(dims: number[]): number[][] {
  const n = dims.length - 1;
  const cost = globalThis.Array.from({ length: n }, () => new globalThis.Array<number>(n).fill(0));
  const split = globalThis.Array.from({ length: n }, () => new globalThis.Array<number>(n).fill(0));
  for (let len = 1; len < n; len++) {
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      cost[i]![j] = Infinity;
      for (let k = i; k < j; k++) {
        const c = cost[i]![k]! + cost[k + 1]![j]! + dims[i]! * dims[k + 1]! * dims[j + 1]!;
        if (c < cost[i]![j]!) [cost[i]![j], split[i]![j]] = [c, k];
      }
    }
  }
  return split;
}

/**
 * `jnp.linalg.multiDot(arrays)`: the product of two or more arrays in the
 * order of fewest multiplications; the first may be a vector (a row) and
 * the last a vector (a column), all others matrices.
 */
export function multiDot(arrays: readonly ArrayLike[]): Array {
  const op = "jnp.linalg.multiDot";
  if (arrays.length < 2) {
    throw new TypeError(`${op}: expecting at least two arrays, got ${arrays.length}`);
  }
  const xs = arrays.map((a, i) => asArray(a, op, `arrays[${i}]`));
  const last = xs.length - 1;
  const first1d = xs[0]!.ndim === 1;
  const last1d = xs[last]!.ndim === 1;
  const mats = xs.map((x, i) => {
    if (i === 0 && first1d) return reshape(x, [1, x.shape[0]!]);
    if (i === last && last1d) return reshape(x, [x.shape[0]!, 1]);
    if (x.ndim !== 2) {
      throw new TypeError(
        `${op}: arrays[${i}] must be a matrix (only the first and last may be vectors), got shape ${shapeStr(x.shape)}`,
      );
    }
    return x;
  });
  mats.forEach((x, i) => {
    if (i > 0 && mats[i - 1]!.shape[1] !== x.shape[0]) {
      throw new TypeError(
        `${op}: arrays[${i - 1}] of shape ${shapeStr(xs[i - 1]!.shape)} and arrays[${i}] of shape ${shapeStr(xs[i]!.shape)} do not chain`,
      );
    }
  });
  const split = chainOrder([...mats.map((x) => x.shape[0]!), mats[last]!.shape[1]!]);
  const product = (i: number, j: number): Array =>
    i === j ? mats[i]! : matmul(product(i, split[i]![j]!), product(split[i]![j]! + 1, j));
  const out = product(0, last);
  const shape = [...(first1d ? [] : [out.shape[0]!]), ...(last1d ? [] : [out.shape[1]!])];
  return reshape(out, shape);
}

/**
 * `jnp.linalg.tensorsolve(a, b, axes)`: x with tensordot(a, x, x.ndim) = b;
 * a's leading dimensions are b's shape, the rest x's (after moving `axes`
 * of a to the end, in order), both of the same size.
 */
export function tensorsolve(
  a: ArrayLike,
  b: ArrayLike,
  axes: readonly number[] | null = null,
): Array {
  const op = "jnp.linalg.tensorsolve";
  let x = asArray(a, op, "a");
  const y = asArray(b, op, "b");
  if (axes !== null) {
    const moved = axes.map((d) => (d < 0 ? d + x.ndim : d));
    const rest = x.shape.map((_, i) => i).filter((i) => !moved.includes(i));
    x = transpose(x, [...rest, ...moved]);
  }
  const outShape = x.shape.slice(y.ndim);
  const outSize = outShape.reduce((p, d) => p * d, 1);
  const lead = x.shape.slice(0, y.ndim);
  if (lead.length !== y.ndim || lead.some((d, i) => d !== y.shape[i]) || outSize !== y.size) {
    throw new TypeError(
      `${op}: a's leading dimensions must be b's shape ${shapeStr(y.shape)} and its other ` +
        `dimensions of the same size ${y.size}, got a of shape ${shapeStr(x.shape)}`,
    );
  }
  return reshape(solve(reshape(x, [y.size, outSize]), reshape(y, [y.size])), outShape);
}

/**
 * `jnp.linalg.tensorinv(a, ind)`: the inverse of a as a map from its first
 * `ind` dimensions to the others (their sizes equal), of shape
 * a.shape[ind:] + a.shape[:ind].
 */
export function tensorinv(a: ArrayLike, ind = 2): Array {
  const op = "jnp.linalg.tensorinv";
  const x = asArray(a, op, "a");
  if (!Number.isInteger(ind) || ind <= 0) {
    throw new TypeError(`${op}: ind must be a positive integer, got ${ind}`);
  }
  const head = x.shape.slice(0, ind);
  const tail = x.shape.slice(ind);
  const rows = head.reduce((p, d) => p * d, 1);
  const cols = tail.reduce((p, d) => p * d, 1);
  if (rows !== cols) {
    throw new TypeError(
      `${op}: the first ${ind} dimensions of a (shape ${shapeStr(x.shape)}) must have the size of the others, ${rows} vs ${cols}`,
    );
  }
  return reshape(inv(reshape(x, [rows, cols])), [...tail, ...head]);
}

// --- the Array API's linalg names for products and views ---------------------------

export { matrixTranspose } from "../manipulation.js";
export { cross, matmul, outer, tensordot, vecdot } from "../products.js";

/** `jnp.linalg.diagonal(x, { offset })`: the diagonals of the matrices of x (..., m, n). */
export function diagonal(x: ArrayLike, options: { offset?: number } = {}): Array {
  options = checkOptions("jnp.linalg.diagonal", options, { offset: true });
  return jnpDiagonal(x, options.offset ?? 0, -2, -1);
}

/** `jnp.linalg.trace(x, { offset })`: the traces of the matrices of x (..., m, n). */
export function trace(x: ArrayLike, options: { offset?: number } = {}): Array {
  options = checkOptions("jnp.linalg.trace", options, { offset: true });
  return jnpTrace(x, options.offset ?? 0, -2, -1);
}
