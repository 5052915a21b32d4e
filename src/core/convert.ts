/** Turning JS scalars into arrays with JAX's weak typing. */
import {
  ALL_DTYPES,
  castScalar,
  type DType,
  defaultFloat,
  defaultInt,
  intRange,
  isHalf,
  isInt64,
  isInteger,
} from "../dtype.js";
import { type Array, ArrayImpl, isArray } from "./array.js";
import { ShapedArray } from "./aval.js";

export type Scalar = number | boolean;
export type ArrayLike = Array | Scalar;

/**
 * A JS number is weakly typed, as a Python scalar is in JAX: an integral
 * number acts like a Python int (weak int32; weak int64 under
 * `jax_enable_x64`, JAX's default int), any other like a Python float
 * (weak float). Booleans are bool. Operations convert the number itself to
 * the promoted dtype (`scalarAs`), so `x.mul(1e10)` on float32 never wraps.
 */
export function scalarAval(x: Scalar): ShapedArray {
  if (typeof x === "boolean") return new ShapedArray([], "bool", false);
  return new ShapedArray([], Number.isInteger(x) ? defaultInt() : defaultFloat(), true);
}

/**
 * A JS scalar as a 0-d array of `dtype`, converted from the number itself.
 * An integer that the integer dtype cannot hold is an error, as JAX's
 * OverflowError for Python ints, never a wrapped value.
 */
export function scalarAs(x: Scalar, dtype: DType, weakType: boolean, op: string): ArrayImpl {
  return ArrayImpl.scalar(scalarValue(x, dtype, op), dtype, weakType);
}

const INT_RANGE: Partial<Record<DType, readonly [number, number]>> = Object.fromEntries(
  ALL_DTYPES.filter(isInteger).map((d) => [d, intRange(d)]),
);

/**
 * The value a JS scalar has in `dtype`, converted from the number itself:
 * floats round to nearest (float32 overflows to ±inf, as NumPy's and JAX's
 * conversions do), bool is `x !== 0`, an integer dtype truncates toward
 * zero. Where an integer dtype cannot hold the number (outside its range,
 * NaN, ±inf) this is a RangeError naming the value and the dtype, as JAX's
 * OverflowError for a Python int, never a wrapped value.
 */
export function scalarValue(x: Scalar, dtype: DType, op: string): number {
  if (typeof x === "boolean") return x ? 1 : 0;
  const range = INT_RANGE[dtype];
  if (range !== undefined) {
    const t = Math.trunc(x);
    // int64/uint64's max is not a double: intRange's reads 2^63 (2^64), which is past it.
    const inRange = isInt64(dtype) ? t >= range[0] && t < range[1] : t >= range[0] && t <= range[1];
    if (!inRange) {
      const kind = Number.isInteger(x) ? "integer" : "number";
      const why = Number.isFinite(x) ? "too large to convert to" : "not representable in";
      throw new RangeError(
        `${op}: the JS ${kind} ${x} is ${why} ${dtype} (range ${range[0]} to ${range[1]})`,
      );
    }
    return t === 0 ? 0 : t; // no -0 in an integer
  }
  if (dtype === "float32") return Math.fround(x);
  if (isHalf(dtype)) return castScalar(x, dtype); // rounds; overflow is ±inf, as float32's
  if (dtype === "bool") return x !== 0 ? 1 : 0;
  return x;
}

/**
 * A JS scalar as a weakly typed 0-d array (see `scalarAval`). An integral
 * number outside int32's range cannot be a weak int32: a RangeError, as JAX's
 * `jnp.asarray(3_000_000_000)` ("Python int too large to convert to int32").
 * Operations that know their target dtype convert from the number itself
 * (`scalarAs`), so `float32Array.add(3e9)` is fine.
 */
export function scalarToArray(x: Scalar, op = "asArray"): ArrayImpl {
  const aval = scalarAval(x);
  if (aval.dtype === "int32" || aval.dtype === "int64") {
    const [lo, hi] = INT_RANGE[aval.dtype]!;
    const v = x as number;
    if (v < lo || (aval.dtype === "int64" ? v >= hi : v > hi)) {
      throw new RangeError(
        `${op}: the JS integer ${x} is too large to convert to ${aval.dtype} (an integral JS ` +
          `number is a weak ${aval.dtype}, as a Python int in JAX); use a float array, e.g. ` +
          "jnp.array(x, jnp.float32)",
      );
    }
  }
  return ArrayImpl.scalar(x, aval.dtype, aval.weakType);
}

/**
 * The JS-number rule (README, "JS numbers"): JS cannot tell `2` from `2.0`,
 * so a JS number passed as an argument to a transformed function (jit, vmap,
 * pmap, checkpoint, custom rules, loop carries) is read as Python reads its
 * literal: an integer in int32's range is a weak int32 (a Python int), any
 * other number a weak float. Weak types make both work: `x.mul(n)` with a
 * float `x` is float, and `random.foldIn(key, i)`, `x.get(i)`,
 * `lax.dynamicSlice(x, [i], ...)` take an integer. The differentiating
 * transformations (grad, jvp, vjp, jacfwd...) read JS numbers and weak ints
 * as weak floats instead: `grad(f)(2)` differentiates at 2.0. Inside
 * operations, integral numbers stay weak ints too (`scalarAval`).
 */
export function argAval(x: Scalar): ShapedArray {
  if (typeof x === "boolean") return new ShapedArray([], "bool", false);
  return new ShapedArray([], numberArgDtype(x), true);
}

/**
 * The dtype of a JS number argument (see `argAval`): -0 and non-integers are
 * floats; an integer is int32 in int32's range, or under x64 int64 in
 * int64's (JAX's default int).
 */
function numberArgDtype(x: number): DType {
  if (!Number.isInteger(x) || Object.is(x, -0)) return defaultFloat();
  const big = defaultInt() === "int64";
  return (big ? x >= -(2 ** 63) && x < 2 ** 63 : x >= -(2 ** 31) && x < 2 ** 31)
    ? defaultInt()
    : defaultFloat();
}

/** `asArray` for arguments of transformed functions (see `argAval`). */
export function argToArray(x: ArrayLike, op: string, arg = "argument"): Array {
  if (typeof x === "number") return ArrayImpl.scalar(x, numberArgDtype(x), true);
  return asArray(x, op, arg);
}

export function asArray(x: ArrayLike, op: string, arg = "argument"): Array {
  if (isArray(x)) return x;
  if (typeof x === "number" || typeof x === "boolean") return scalarToArray(x, op);
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
