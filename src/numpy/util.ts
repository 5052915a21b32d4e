/**
 * What every jnp function shares: turning inputs into arrays, NumPy/JAX
 * dtype promotion (with weak types), and broadcasting. Built only on lax.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { hostValues } from "../core/backend.js";
import { type ArrayLike, asArray, scalarAs, scalarAval } from "../core/convert.js";
import {
  type DType,
  defaultFloat,
  isComplex,
  isHalf,
  isInexact,
  isInt64,
  numberValues,
  promoteTypes,
} from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { kindOf } from "../options.js";
import { broadcastShapes, type Shape, shapeArg, shapesEqual } from "../shape.js";

export type { ArrayLike };

/** Converts each input to an Array (JS numbers become weak scalars). */
export function toArrays(op: string, xs: readonly ArrayLike[], arg = "arrays"): Array[] {
  if (!globalThis.Array.isArray(xs)) {
    throw new TypeError(`${op}: ${arg} must be a list of arrays, got ${kindOf(xs)}`);
  }
  return xs.map((x, i) => asArray(x, op, xs.length === 1 ? "argument" : `argument ${i + 1}`));
}

/** Casts `x` to `dtype` (strong), doing nothing when it already is. */
export function cast(x: Array, dtype: DType, weakType = false): Array {
  if (x.dtype === dtype && x.weakType === weakType) return x;
  // Concrete values (JS numbers, constants) convert now, as JAX converts Python
  // scalars while tracing: no conversion equation is staged for them.
  // (The half dtypes convert through the backend's dispatch, which computes them in float32.)
  // (So do the complex dtypes, computed on their parts.)
  const special = (d: DType): boolean => isHalf(d) || isComplex(d) || isInt64(d);
  if (x instanceof ArrayImpl && !special(x.dtype) && !special(dtype)) {
    return lax.convertElementTypeP.rules.impl([x], { new_dtype: dtype, weak_type: weakType })[0]!;
  }
  return lax.convertElementType(x, dtype, weakType);
}

/** `jnp.broadcast_to`: NumPy broadcasting of one array to a shape. */
export function broadcastTo(
  array: ArrayLike,
  shapeArgument: number | Shape,
  op = "jnp.broadcast_to",
): Array {
  const x = asArray(array, op, "array");
  const shape = shapeArg(op, shapeArgument, "shape", true);
  if (shapesEqual(x.shape, shape)) return x;
  const out = broadcastShapes(op, x.shape, shape);
  if (!shapesEqual(out, shape)) {
    throw new ValueError(
      `${op}: cannot broadcast an array of shape (${x.shape.join(", ")}) to (${shape.join(", ")})`,
    );
  }
  // Size-1 dimensions of x are squeezed away so broadcast_in_dim only maps real sizes.
  const off = shape.length - x.ndim;
  const keep: number[] = [];
  const dims: number[] = [];
  x.shape.forEach((d, i) => {
    if (d === shape[off + i]) {
      keep.push(i);
      dims.push(off + i);
    }
  });
  const squeezed =
    keep.length === x.ndim
      ? x
      : lax.reshape(
          x,
          keep.map((i) => x.shape[i]!),
        );
  return lax.broadcastInDim(squeezed, shape, dims);
}

/** The promoted type of several arrays, as `jnp.result_type`. */
export function resultType(...xs: Array[]): { dtype: DType; weakType: boolean } {
  return promoteTypes(...xs.map((x) => ({ dtype: x.dtype, weakType: x.weakType })));
}

/**
 * Each input as an Array, except JS scalars: only their weak type
 * (`scalarAval`), for they become arrays from their own value once the
 * promoted dtype is known (3e9 with a float32 array is 3e9, never an int32).
 */
function typedArgs(op: string, xs: readonly ArrayLike[]): (Array | ShapedArray)[] {
  return xs.map((x, i) =>
    typeof x === "number" || typeof x === "boolean"
      ? scalarAval(x)
      : asArray(x, op, xs.length === 1 ? "argument" : `argument ${i + 1}`),
  );
}

/** Promotes inputs to their common dtype (NumPy/JAX rules) and broadcasts them to one shape. */
export function promoteArgs(op: string, ...xs: ArrayLike[]): Array[] {
  const arrs = typedArgs(op, xs);
  const { dtype, weakType } = promoteTypes(...arrs);
  return convertAndBroadcast(op, xs, arrs, dtype, weakType);
}

/** Converts to the promoted dtype (JS numbers from their own value) and broadcasts. */
function convertAndBroadcast(
  op: string,
  xs: readonly ArrayLike[],
  arrs: readonly (Array | ShapedArray)[],
  dtype: DType,
  weakType: boolean,
): Array[] {
  const shape = broadcastShapes(op, ...arrs.map((a) => a.shape));
  return arrs.map((a, i) => {
    const x = xs[i]!;
    const weak = weakType && a.weakType;
    const converted =
      typeof x === "number" || typeof x === "boolean"
        ? scalarAs(x, dtype, weak, op)
        : cast(a as Array, dtype, weak);
    return broadcastTo(converted, shape, op);
  });
}

/** As `promoteArgs`, then integers and bools become the default float (for exp, divide...); complex stays. */
export function promoteArgsInexact(op: string, ...xs: ArrayLike[]): Array[] {
  const arrs = typedArgs(op, xs);
  let { dtype, weakType } = promoteTypes(...arrs);
  if (!isInexact(dtype)) {
    dtype = defaultFloat();
  }
  return convertAndBroadcast(op, xs, arrs, dtype, weakType);
}

/**
 * A JS number argument (`linspace`'s start/stop...): a number, or a concrete
 * array of one element (converted, as NumPy's `float(x)`); anything else is a
 * TypeError naming the function and the argument.
 */
export function numberArg(op: string, x: unknown, arg: string): number {
  if (typeof x === "number") return x;
  if (x instanceof ArrayImpl && x.size === 1)
    return Number(numberValues(x.dtype, hostValues(x))[0]);
  throw new TypeError(
    `${op}: ${arg} must be a JS number${x instanceof ArrayImpl ? ` or an array of one element, got an array of shape (${x.shape.join(", ")})` : `, got ${kindOf(x)}`}`,
  );
}
