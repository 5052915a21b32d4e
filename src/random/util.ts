/** Argument handling the jax.random samplers share (not part of the public API). */
import { type Array, isArray } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { checkDtype, type DType, defaultFloat, isFloating } from "../dtype.js";
import { convertElementType } from "../lax/elementwise.js";
import { broadcastTo } from "../numpy/util.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { broadcastShapes, type Shape, shapeStr, shapesEqual } from "../shape.js";

/** A shape argument: a JS array of non-negative integers (JAX takes no bare integer here). */
export { shapeArg } from "../shape.js";

/** A trailing argument that is a dtype or an options object with a dtype. */
export type DtypeOr<O> = DType | O | undefined;

/**
 * The options of a sampler's trailing argument: a dtype name stands for
 * `{ dtype }`; an object must hold only the sampler's keys.
 */
export function optionsOf<O extends object>(
  op: string,
  arg: DtypeOr<O>,
  keys: OptionKeys<O>,
): O & { dtype?: DType } {
  if (arg === undefined || arg === null) return {} as O;
  if (typeof arg === "string") return { dtype: arg } as O & { dtype: DType };
  return checkOptions(op, arg as O, keys) as O & { dtype?: DType };
}

/** The float dtype a sampler returns (default float32, float64 with x64). */
export function floatDtype(op: string, dtype: DType | undefined): DType {
  const d = checkDtype(op, dtype) ?? defaultFloat();
  if (!isFloating(d)) {
    throw new TypeError(
      `${op}: dtype must be a float dtype (float16, bfloat16, float32 or float64), got ${dtype}`,
    );
  }
  return d;
}

/**
 * JAX's _check_shape: parameter shapes must broadcast with `shape` to
 * exactly `shape`.
 */
export function checkShape(op: string, shape: Shape, ...paramShapes: Shape[]): void {
  if (paramShapes.length === 0) return;
  const out = broadcastShapes(op, shape, ...paramShapes);
  if (!shapesEqual(out, shape)) {
    throw new Error(
      `${op}: parameter shapes (${paramShapes.map(shapeStr).join(", ")}) must be broadcast-compatible ` +
        `with the shape argument, and broadcasting them must give the shape argument, but got ` +
        `${shapeStr(out)} for shape argument ${shapeStr(shape)}`,
    );
  }
}

/** A parameter (JS number or array) as an array of `dtype` (strongly typed). */
export function param(op: string, name: string, x: ArrayLike, dtype: DType): Array {
  const a = asArray(x, op, name);
  return a.dtype === dtype && !a.weakType ? a : convertElementType(a, dtype);
}

/** A parameter broadcast to `shape` (which its shape must broadcast to). */
export function paramTo(op: string, name: string, x: ArrayLike, dtype: DType, shape: Shape): Array {
  const a = param(op, name, x, dtype);
  checkShape(op, shape, a.shape);
  return broadcastTo(a, shape, op);
}

/** The shape of a parameter that is a JS number or an array. */
export function shapeOf(x: ArrayLike): Shape {
  return isArray(x) ? x.shape : [];
}

/** Floating-point limits (numpy.finfo) of our float dtypes. */
export function finfo(dtype: DType): { nmant: number; tiny: number; eps: number; epsneg: number } {
  switch (dtype) {
    case "float64":
      return { nmant: 52, tiny: 2 ** -1022, eps: 2 ** -52, epsneg: 2 ** -53 };
    case "float16":
      return { nmant: 10, tiny: 2 ** -14, eps: 2 ** -10, epsneg: 2 ** -11 };
    case "bfloat16":
      return { nmant: 7, tiny: 2 ** -126, eps: 2 ** -7, epsneg: 2 ** -8 };
    default:
      return { nmant: 23, tiny: 2 ** -126, eps: 2 ** -23, epsneg: 2 ** -24 };
  }
}
