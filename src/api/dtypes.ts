/**
 * `jax.dtypes` (issue 17): dtype helpers as JAX's — `canonicalizeDtype`
 * (float64 → float32 without x64), `resultType` (JAX's promotion lattice with
 * weak types), `itemsizeBits`, `scalarTypeOf`, the `bfloat16` dtype and
 * `TypePromotionError`.
 */
import { isArray } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import {
  canonicalize,
  checkDtype,
  type DType,
  isBool,
  isComplex,
  isFloating,
  itemsize,
  promoteTypes,
} from "../dtype.js";
import { ValueError } from "../errors.js";

/** `jax.dtypes.bfloat16`. */
export const bfloat16: DType = "bfloat16";

/** `jax.dtypes.TypePromotionError`: a promotion that JAX's lattice does not allow. */
export class TypePromotionError extends ValueError {
  override name = "TypePromotionError";
}

function dtypeArg(op: string, d: unknown): DType {
  const c = checkDtype(op, d);
  if (c === undefined) throw new TypeError(`${op}: a dtype is required`);
  return c;
}

/** `jax.dtypes.canonicalize_dtype(dtype)`: the dtype arrays of it get (64-bit types need x64). */
export function canonicalizeDtype(dtype: DType): DType {
  return canonicalize(dtypeArg("dtypes.canonicalizeDtype", dtype));
}

/**
 * `jax.dtypes.result_type(*args)`: the dtype JAX's promotion gives a mix of
 * dtypes, arrays and JS numbers (weakly typed, as Python scalars), canonicalized.
 */
export function resultType(...args: (ArrayLike | DType)[]): DType {
  if (args.length === 0)
    throw new ValueError("dtypes.resultType: at least one argument is required");
  const infos = args.map((a) => {
    if (typeof a === "string") return { dtype: dtypeArg("dtypes.resultType", a), weakType: false };
    const arr = isArray(a) ? a : asArray(a, "dtypes.resultType", "arg");
    return { dtype: arr.dtype, weakType: arr.weakType };
  });
  return canonicalize(promoteTypes(...infos).dtype);
}

/** `jax.dtypes.itemsize_bits(dtype)`: bits per element (bool: 8). */
export function itemsizeBits(dtype: DType): number {
  return itemsize(dtypeArg("dtypes.itemsizeBits", dtype)) * 8;
}

/**
 * `jax.dtypes.scalar_type_of(x)`: the Python scalar type of x's dtype, by
 * name: "bool", "int", "float" or "complex".
 */
export function scalarTypeOf(x: ArrayLike): "bool" | "int" | "float" | "complex" {
  const d = isArray(x) ? x.dtype : asArray(x, "dtypes.scalarTypeOf", "x").dtype;
  if (isBool(d)) return "bool";
  if (isComplex(d)) return "complex";
  if (isFloating(d)) return "float";
  return "int";
}
