/**
 * Dtype helpers of `jnp`: `iinfo`, `finfo`, `dtype`, `issubdtype`,
 * `promoteTypes`, and the abstract dtype categories (`jnp.integer`,
 * `jnp.floating`...) that `issubdtype` tests against, as NumPy's scalar
 * type hierarchy: number > (integer > (signedinteger, unsignedinteger),
 * inexact > (floating, complexfloating)); bool_ is apart.
 */
import { isArray } from "../core/array.js";
import {
  ALL_DTYPES,
  type DType,
  intBits,
  intRange,
  intRangeBig,
  isComplex,
  isDType,
  isFloating,
  isInexact,
  isInteger,
  isSignedInteger,
  isUnsigned,
  joinDtypes,
  realDtype,
} from "../dtype.js";
import { kindOf } from "../options.js";

/** NumPy's abstract scalar types, as `jnp.integer` etc. */
export type DTypeCategory =
  | "number"
  | "integer"
  | "signedinteger"
  | "unsignedinteger"
  | "inexact"
  | "floating"
  | "complexfloating"
  | "generic";

export const number: DTypeCategory = "number";
export const integer: DTypeCategory = "integer";
export const signedinteger: DTypeCategory = "signedinteger";
export const unsignedinteger: DTypeCategory = "unsignedinteger";
export const inexact: DTypeCategory = "inexact";
export const floating: DTypeCategory = "floating";
export const complexfloating: DTypeCategory = "complexfloating";
export const generic: DTypeCategory = "generic";

const CATEGORIES: readonly string[] = [
  "number",
  "integer",
  "signedinteger",
  "unsignedinteger",
  "inexact",
  "floating",
  "complexfloating",
  "generic",
];

const VALID = `${ALL_DTYPES.join(", ")}, or an Array`;

/** A dtype argument: a dtype name or an Array (its dtype). */
function dtypeOf(op: string, x: unknown, arg = "dtype"): DType {
  if (isArray(x)) return x.dtype;
  if (isDType(x)) return x;
  const got = typeof x === "string" ? `'${x}'` : kindOf(x);
  throw new TypeError(`${op}: ${arg} must be a dtype (${VALID}), got ${got}`);
}

/** `jnp.dtype(x)`: the dtype named by `x`, or an Array's dtype (not canonicalized, as np.dtype). */
export function dtype(x: DType | { dtype: DType }): DType {
  return dtypeOf("jnp.dtype", x, "argument");
}

/**
 * `jnp.iinfo(int_type)`: the machine limits of an integer dtype. `min` and
 * `max` are JS numbers: for int64/uint64 the max is not a double and reads
 * rounded (2^63, 2^64; the mins are exact); `minBig`/`maxBig` hold every
 * dtype's limits exactly (iinfo(int64).maxBig is 9223372036854775807n).
 */
export interface IInfo {
  readonly bits: number;
  readonly min: number;
  readonly max: number;
  readonly minBig: bigint;
  readonly maxBig: bigint;
  readonly dtype: DType;
  readonly kind: "i" | "u";
}

export function iinfo(x: DType | { dtype: DType }): IInfo {
  const d = dtypeOf("jnp.iinfo", x, "int_type");
  if (!isInteger(d)) throw new TypeError(`jnp.iinfo: invalid integer data type '${d}'`);
  const [min, max] = intRange(d);
  const [minBig, maxBig] = intRangeBig(d);
  const kind = isUnsigned(d) ? "u" : "i";
  return { bits: intBits(d)!, min, max, minBig, maxBig, dtype: d, kind };
}

/** `jnp.finfo(dtype)`: the machine limits of a floating dtype. */
export interface FInfo {
  readonly bits: number;
  /** The distance from 1 to the next larger float (2^-23 for float32). */
  readonly eps: number;
  /** The distance from 1 to the next smaller float (2^-24 for float32). */
  readonly epsneg: number;
  readonly max: number;
  readonly min: number;
  /** The smallest positive normal number (smallest_normal). */
  readonly tiny: number;
  readonly smallestNormal: number;
  readonly smallestSubnormal: number;
  /** 10^-precision. */
  readonly resolution: number;
  /** The number of decimal digits of precision. */
  readonly precision: number;
  readonly nmant: number;
  readonly nexp: number;
  readonly maxexp: number;
  readonly minexp: number;
  readonly dtype: DType;
}

/**
 * The limits of a binary floating format with `nmant` stored mantissa bits
 * and `nexp` exponent bits (IEEE 754 layout: bfloat16 is float32's exponent
 * with 7 mantissa bits, as ml_dtypes' finfo, which JAX's returns).
 */
function binaryFormat(
  dtype: DType,
  bits: number,
  nmant: number,
  nexp: number,
  precision: number,
  resolution: number,
): FInfo {
  const maxexp = 2 ** (nexp - 1);
  const minexp = 2 - maxexp;
  const max = (2 - 2 ** -nmant) * 2 ** (maxexp - 1);
  return {
    bits,
    eps: 2 ** -nmant,
    epsneg: 2 ** -(nmant + 1),
    max,
    min: -max,
    tiny: 2 ** minexp,
    smallestNormal: 2 ** minexp,
    smallestSubnormal: 2 ** (minexp - nmant),
    resolution,
    precision,
    nmant,
    nexp,
    maxexp,
    minexp,
    dtype,
  };
}

// resolution is 10^-precision rounded to the format, as NumPy's (float16(1e-3), bfloat16(1e-2)).
const FINFO: Record<"float16" | "bfloat16" | "float32" | "float64", FInfo> = {
  float16: binaryFormat("float16", 16, 10, 5, 3, 0.0010004043579101562),
  bfloat16: binaryFormat("bfloat16", 16, 7, 8, 2, 0.010009765625),
  float32: binaryFormat("float32", 32, 23, 8, 6, Math.fround(1e-6)),
  float64: binaryFormat("float64", 64, 52, 11, 15, 1e-15),
};

/** `jnp.finfo`: a complex dtype's is its parts' (finfo(complex64) is finfo(float32), as NumPy's). */
export function finfo(x: DType | { dtype: DType }): FInfo {
  const d = realDtype(dtypeOf("jnp.finfo", x));
  if (!isFloating(d)) throw new TypeError(`jnp.finfo: data type '${d}' not inexact`);
  return FINFO[d as "float16" | "bfloat16" | "float32" | "float64"];
}

/** Whether a concrete dtype belongs to a category (NumPy's scalar type hierarchy). */
function inCategory(d: DType, c: DTypeCategory): boolean {
  switch (c) {
    case "generic":
      return true;
    case "number":
      return d !== "bool";
    case "integer":
      return isInteger(d);
    case "signedinteger":
      return isSignedInteger(d);
    case "unsignedinteger":
      return isUnsigned(d);
    case "inexact":
      return isInexact(d);
    case "floating":
      return isFloating(d);
    case "complexfloating":
      return isComplex(d);
  }
}

/** Which categories a category lies within. */
const WITHIN: Record<DTypeCategory, readonly DTypeCategory[]> = {
  generic: ["generic"],
  number: ["number", "generic"],
  integer: ["integer", "number", "generic"],
  signedinteger: ["signedinteger", "integer", "number", "generic"],
  unsignedinteger: ["unsignedinteger", "integer", "number", "generic"],
  inexact: ["inexact", "number", "generic"],
  floating: ["floating", "inexact", "number", "generic"],
  complexfloating: ["complexfloating", "inexact", "number", "generic"],
};

const isCategory = (x: unknown): x is DTypeCategory =>
  typeof x === "string" && CATEGORIES.includes(x);

/**
 * `jnp.issubdtype(arg1, arg2)`: whether `arg1` (a dtype or category) is
 * `arg2` or lies within it: `issubdtype("int8", jnp.integer)`,
 * `issubdtype(x.dtype, jnp.floating)`, `issubdtype("bool", jnp.bool_)`.
 */
export function issubdtype(
  arg1: DType | DTypeCategory | { dtype: DType },
  arg2: DType | DTypeCategory | { dtype: DType },
): boolean {
  const op = "jnp.issubdtype";
  if (isCategory(arg2)) {
    if (isCategory(arg1)) return WITHIN[arg1].includes(arg2);
    return inCategory(dtypeOf(op, arg1, "arg1"), arg2);
  }
  const b = dtypeOf(op, arg2, "arg2");
  if (isCategory(arg1)) return false;
  return dtypeOf(op, arg1, "arg1") === b;
}

/**
 * `jnp.promoteTypes(a, b)` (jnp.promote_types): the dtype a binary
 * operation on `a` and `b` computes in, by JAX's promotion lattice, not
 * canonicalized (as JAX's): `(float32, float64)` is float64 and
 * `(int32, uint32)` int64 with or without x64 — an array made with that
 * dtype is canonicalized then (float32, int32 without x64).
 */
export function promoteTypes(a: DType | { dtype: DType }, b: DType | { dtype: DType }): DType {
  const op = "jnp.promoteTypes";
  return joinDtypes(dtypeOf(op, a, "a"), dtypeOf(op, b, "b"));
}
