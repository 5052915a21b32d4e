/**
 * jax.lax's convenience functions built from the primitives: `select`,
 * `full`, `fullLike`, `reciprocal`, `broadcastShapes`, `split`, `tile`,
 * `batchMatmul`, `optimizationBarrier`. Each checks its arguments and names
 * itself in errors, as the primitives' wrappers do.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { checkDtype, type DType } from "../dtype.js";
import { ValueError } from "../errors.js";
import { kindOf } from "../options.js";
import { broadcastShapes as broadcast, normalizeAxis, type Shape, shapeArg } from "../shape.js";
import { dotGeneral } from "./dot.js";
import { convertElementType, integerPow, selectN } from "./elementwise.js";
import { broadcastInDim, reshape } from "./shape_ops.js";
import { sliceInDim } from "./slicing.js";

/** `lax.select(pred, onTrue, onFalse)`: elementwise, onTrue where pred holds (select_n of the two). */
export function select(pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike): Array {
  return selectN(pred, onFalse, onTrue);
}

/**
 * `lax.full(shape, fillValue, dtype?)`: an array of `shape` filled with
 * `fillValue`, of `dtype` (default: the fill value's, weakly typed for a JS
 * number as JAX's for a Python scalar).
 */
export function full(shape: number | Shape, fillValue: ArrayLike, dtype?: DType): Array {
  const op = "lax.full";
  const s = shapeArg(op, shape, "shape", true);
  const v = asArray(fillValue, op, "fillValue");
  if (v.ndim !== 0) {
    throw new TypeError(
      `${op}: fillValue must be a scalar, got an array of shape [${v.shape.join(", ")}]`,
    );
  }
  const d = checkDtype(op, dtype);
  const value = d === undefined ? v : convertElementType(v, d, false);
  return broadcastInDim(value, s, []);
}

/** `lax.fullLike(x, fillValue, dtype?, shape?)`: `full` with x's shape and dtype by default. */
export function fullLike(x: ArrayLike, fillValue: ArrayLike, dtype?: DType, shape?: Shape): Array {
  const a = asArray(x, "lax.fullLike", "x");
  return full(shape ?? a.shape, fillValue, checkDtype("lax.fullLike", dtype) ?? a.dtype);
}

/** `lax.reciprocal(x)`: 1 / x (integer_pow(x, -1), as JAX's). */
export function reciprocal(x: ArrayLike): Array {
  return integerPow(x, -1);
}

/** `lax.broadcastShapes(...shapes)`: the NumPy broadcast of the shapes (an error when they don't). */
export function broadcastShapes(...shapes: Shape[]): number[] {
  return broadcast("lax.broadcastShapes", ...shapes);
}

/**
 * `lax.split(operand, sizes, axis = 0)`: consecutive pieces of `sizes`
 * along `axis`, which must add up to the axis's length.
 */
export function split(operand: ArrayLike, sizes: readonly number[], axis = 0): Array[] {
  const op = "lax.split";
  const x = asArray(operand, op, "operand");
  const ax = normalizeAxis(axis, x.ndim, op, "axis");
  if (!globalThis.Array.isArray(sizes) || sizes.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new TypeError(
      `${op}: sizes must be a list of non-negative integers, got ${kindOf(sizes)}`,
    );
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== x.shape[ax]) {
    throw new ValueError(
      `${op}: sizes must sum to the size of axis ${ax} (${x.shape[ax]}), got ${JSON.stringify(sizes)} (sum ${total})`,
    );
  }
  let start = 0;
  return sizes.map((n) => {
    const piece = sliceInDim(x, start, start + n, 1, ax);
    start += n;
    return piece;
  });
}

/** `lax.tile`-style repetition: `reps[i]` copies along each axis (reps may add leading axes, as jnp.tile). */
export function tile(operand: ArrayLike, reps: readonly number[]): Array {
  const op = "lax.tile";
  let x = asArray(operand, op, "operand");
  if (!globalThis.Array.isArray(reps) || reps.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new TypeError(`${op}: reps must be a list of non-negative integers, got ${kindOf(reps)}`);
  }
  const n = Math.max(x.ndim, reps.length);
  const r = [...new globalThis.Array<number>(n - reps.length).fill(1), ...reps];
  if (x.ndim < n) x = reshape(x, [...new globalThis.Array<number>(n - x.ndim).fill(1), ...x.shape]);
  // Interleave a repetition axis before each axis, broadcast, then merge the pairs.
  const shape = x.shape.flatMap((d, i) => [r[i]!, d]);
  const dims = x.shape.map((_, i) => 2 * i + 1);
  const b = broadcastInDim(x, shape, dims);
  return reshape(
    b,
    x.shape.map((d, i) => d * r[i]!),
  );
}

/**
 * `lax.batchMatmul(lhs, rhs)`: matrix products over the leading (batch)
 * axes, which must agree: (..., m, k) · (..., k, n) → (..., m, n).
 */
export function batchMatmul(lhs: ArrayLike, rhs: ArrayLike): Array {
  const op = "lax.batchMatmul";
  const l = asArray(lhs, op, "lhs");
  const r = asArray(rhs, op, "rhs");
  if (l.ndim < 2 || l.ndim !== r.ndim) {
    throw new TypeError(
      `${op}: operands must have the same rank ≥ 2, got shapes [${l.shape.join(", ")}] and [${r.shape.join(", ")}]`,
    );
  }
  const batch = globalThis.Array.from({ length: l.ndim - 2 }, (_, i) => i);
  return dotGeneral(l, r, [
    [[l.ndim - 1], [r.ndim - 2]],
    [batch, batch],
  ]);
}

/** `lax.optimizationBarrier(x)`: its argument, unchanged (a compiler hint in XLA; ours needs none). */
export function optimizationBarrier<T>(x: T): T {
  return x;
}
