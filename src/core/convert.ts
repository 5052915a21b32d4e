/** Turning JS scalars into arrays with JAX's weak typing. */
import { type DType, defaultFloat } from "../dtype.js";
import { type Array, ArrayImpl, isArray } from "./array.js";
import { ShapedArray } from "./aval.js";

export type Scalar = number | boolean;
export type ArrayLike = Array | Scalar;

/**
 * A JS number is weakly typed, as a Python scalar is in JAX: an integral
 * number acts like a Python int (weak int32), any other like a Python float
 * (weak float). Booleans are bool. Operations convert the number itself to
 * the promoted dtype (`scalarAs`), so `x.mul(1e10)` on float32 never wraps.
 */
export function scalarAval(x: Scalar): ShapedArray {
  if (typeof x === "boolean") return new ShapedArray([], "bool", false);
  return new ShapedArray([], Number.isInteger(x) ? "int32" : defaultFloat(), true);
}

/**
 * A JS scalar as a 0-d array of `dtype`, converted from the number itself.
 * An integer that the integer dtype cannot hold is an error, as JAX's
 * OverflowError for Python ints, never a wrapped value.
 */
export function scalarAs(x: Scalar, dtype: DType, weakType: boolean, op: string): ArrayImpl {
  if (typeof x === "number" && Number.isInteger(x) && (dtype === "int32" || dtype === "uint32")) {
    const [lo, hi] = dtype === "int32" ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
    if (x < lo || x > hi) {
      throw new RangeError(`${op}: the JS integer ${x} is too large to convert to ${dtype}`);
    }
  }
  return ArrayImpl.scalar(x, dtype, weakType);
}

export function scalarToArray(x: Scalar): ArrayImpl {
  const aval = scalarAval(x);
  return ArrayImpl.scalar(x, aval.dtype, aval.weakType);
}

/**
 * A JS number passed as an argument to a transformed function (jit, vmap,
 * grad, scan's init...) is data: a weak float, since JS cannot tell `0` from
 * `0.0` (and only floats can be differentiated). Inside operations, integral
 * numbers stay weak ints (`int32Array.add(1)` is int32), see `scalarAval`.
 */
export function argAval(x: Scalar): ShapedArray {
  if (typeof x === "boolean") return new ShapedArray([], "bool", false);
  return new ShapedArray([], defaultFloat(), true);
}

/** `asArray` for arguments of transformed functions (see `argAval`). */
export function argToArray(x: ArrayLike, op: string, arg = "argument"): Array {
  if (typeof x === "number") return ArrayImpl.scalar(x, defaultFloat(), true);
  return asArray(x, op, arg);
}

export function asArray(x: ArrayLike, op: string, arg = "argument"): Array {
  if (isArray(x)) return x;
  if (typeof x === "number" || typeof x === "boolean") return scalarToArray(x);
  throw new TypeError(`${op}: ${arg} must be an Array or a JS number/boolean, got ${describe(x)}`);
}

export function describe(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (globalThis.Array.isArray(x)) return "a JS array (use jnp.array to convert it)";
  if (typeof x === "object")
    return `an object of type ${(x as object).constructor?.name ?? "Object"}`;
  return `${typeof x} ${String(x)}`;
}
