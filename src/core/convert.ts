/** Turning JS scalars into arrays with JAX's weak typing. */
import { defaultFloat } from "../dtype.js";
import { type Array, ArrayImpl, isArray } from "./array.js";
import { ShapedArray } from "./aval.js";

export type Scalar = number | boolean;
export type ArrayLike = Array | Scalar;

/**
 * A JS number is weakly typed, as a Python scalar is in JAX: an integral
 * number acts like a Python int (weak int32), any other like a Python float
 * (weak float). Booleans are bool.
 */
export function scalarAval(x: Scalar): ShapedArray {
  if (typeof x === "boolean") return new ShapedArray([], "bool", false);
  return new ShapedArray([], Number.isInteger(x) ? "int32" : defaultFloat(), true);
}

export function scalarToArray(x: Scalar): ArrayImpl {
  const aval = scalarAval(x);
  return ArrayImpl.scalar(x, aval.dtype, aval.weakType);
}

export function asArray(x: ArrayLike, op: string, arg = "argument"): Array {
  if (isArray(x)) return x;
  if (typeof x === "number" || typeof x === "boolean") return scalarToArray(x);
  throw new TypeError(`${op}: ${arg} must be an Array or a JS number/boolean, got ${describe(x)}`);
}

export function describe(x: unknown): string {
  if (x === null) return "null";
  if (globalThis.Array.isArray(x)) return "a JS array (use jnp.array to convert it)";
  if (typeof x === "object")
    return `an object of type ${(x as object).constructor?.name ?? "Object"}`;
  return `${typeof x} ${String(x)}`;
}
