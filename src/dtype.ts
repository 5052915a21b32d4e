/**
 * Dtypes and JAX's type promotion lattice, including weak types.
 *
 * A weak type is the type of a bare JS number in an operation: it adopts the
 * dtype of the other operand instead of forcing promotion (`int32 + 1 → int32`,
 * `float32 * 2.5 → float32`, `int32 + 1.5 → float32`).
 */
import { config } from "./config.js";
import {
  bfloat16Bits,
  encodeBfloat16,
  encodeFloat16,
  float16Bits,
  roundBfloat16,
  roundFloat16,
} from "./half.js";
import { kindOf } from "./options.js";

export type DType =
  | "float16"
  | "bfloat16"
  | "float32"
  | "float64"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "bool"
  | "complex64"
  | "complex128"
  | "int64"
  | "uint64";

export const float16: DType = "float16";
export const bfloat16: DType = "bfloat16";
export const float32: DType = "float32";
export const float64: DType = "float64";
export const int8: DType = "int8";
export const uint8: DType = "uint8";
export const int16: DType = "int16";
export const uint16: DType = "uint16";
export const int32: DType = "int32";
export const uint32: DType = "uint32";
export const bool_: DType = "bool";
export const complex64: DType = "complex64";
export const complex128: DType = "complex128";
export const int64: DType = "int64";
export const uint64: DType = "uint64";

export const ALL_DTYPES: readonly DType[] = [
  "bool",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "bfloat16",
  "float16",
  "float32",
  "float64",
  "complex64",
  "complex128",
];

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (ALL_DTYPES as readonly string[]).includes(x);
}

export function isFloating(d: DType): boolean {
  return d === "float32" || d === "float64" || d === "float16" || d === "bfloat16";
}

/**
 * The complex dtypes: complex64 is a pair of float32s, complex128 of
 * float64s, stored interleaved (re, im) as NumPy does, so their storage (a
 * Float32Array or Float64Array) holds two numbers per element. Kernels see
 * them only through backend/cpu/complex.ts, which computes them as pairs of
 * real arrays; host code reads the interleaved values (`hostValues`).
 */
export function isComplex(d: DType): d is "complex64" | "complex128" {
  return d === "complex64" || d === "complex128";
}

/** Floating or complex: the dtypes that have tangents (JAX's `inexact`). */
export function isInexact(d: DType): boolean {
  return isFloating(d) || isComplex(d);
}

/** The dtype of a complex dtype's parts (complex64 → float32); other dtypes map to themselves. */
export function realDtype(d: DType): DType {
  if (d === "complex64") return "float32";
  if (d === "complex128") return "float64";
  return d;
}

/** The complex dtype whose parts have float dtype `d` (float64 → complex128, any other → complex64). */
export function complexDtype(d: DType): DType {
  if (isComplex(d)) return d;
  return d === "float64" ? "complex128" : "complex64";
}

/**
 * The 64-bit integer dtypes (int64, uint64; real only under
 * `jax_enable_x64`, else canonicalized to int32/uint32): stored at their
 * width as little-endian (lo, hi) pairs of 32-bit words in a Uint32Array of
 * 2n numbers, for both (the word pattern is the two's complement value;
 * never a BigInt64Array: storage stays number-valued, and never float64:
 * values past 2^53 stay exact). Kernels see them only through
 * backend/cpu/int64.ts; host code reads the raw pairs (`hostValues`).
 */
export function isInt64(d: DType): d is "int64" | "uint64" {
  return d === "int64" || d === "uint64";
}

/** Numbers per element in a dtype's storage: 2 for the complex and 64-bit integer dtypes, else 1. */
export function lanes(d: DType): number {
  return isComplex(d) || isInt64(d) ? 2 : 1;
}

/** The default integer dtype (JAX's int_): int64 with x64 enabled, int32 otherwise. */
export function defaultInt(): DType {
  return config.x64 ? "int64" : "int32";
}

/** The default unsigned integer dtype (JAX's uint): uint64 with x64 enabled, uint32 otherwise. */
export function defaultUint(): DType {
  return config.x64 ? "uint64" : "uint32";
}

/**
 * A 64-bit integer element as a BigInt: `lo` and `hi` are its storage words
 * (read as unsigned 32-bit numbers), `signed` for int64.
 */
export function wordsToBigInt(lo: number, hi: number, signed: boolean): bigint {
  const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return signed ? BigInt.asIntN(64, v) : v;
}

/** A BigInt's low 64 bits as storage words [lo, hi] (unsigned 32-bit numbers). */
export function bigIntToWords(v: bigint): [number, number] {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
}

/**
 * A JS number as the storage words [lo, hi] of a 64-bit integer dtype:
 * truncated toward zero, exact for every integral number (so for
 * |v| < 2^53 and any larger double), wrapped modulo 2^64 as a C cast of an
 * in-range value; NaN and ±Infinity give 0 (as `castScalar` does for the
 * 32-bit ints; lax.convert_element_type saturates instead, as XLA).
 */
export function numberToWords(v: number): [number, number] {
  if (!Number.isFinite(v)) return [0, 0];
  const t = Math.trunc(v);
  if (Math.abs(t) < 2 ** 53) {
    const lo = t >>> 0;
    // (t - lo) / 2^32 is an exact integer: the high word, two's complement.
    const hi = ((t - lo) / 4294967296) >>> 0;
    return [lo, hi];
  }
  return bigIntToWords(BigInt(t));
}

/**
 * Host values as one JS number per element: for int64/uint64 (whose
 * storage, and `hostValues`, hold (lo, hi) word pairs) a new Float64Array
 * of the values (exact below 2^53, rounded to nearest past it); any other
 * dtype's values as they are.
 */
export function numberValues(d: DType, data: TypedArray): TypedArray {
  if (!isInt64(d)) return data;
  const n = data.length / 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = wordsToNumber(data[2 * i]!, data[2 * i + 1]!, d === "int64");
  return out;
}

/** The value of 64-bit integer storage words as a JS number (exact for |v| ≤ 2^53, else rounded to nearest). */
export function wordsToNumber(lo: number, hi: number, signed: boolean): number {
  const h = signed ? hi | 0 : hi >>> 0;
  // h·2^32 is exact, and so is the sum while it fits 53 bits; past that one rounding.
  if (Math.abs(h) < 2 ** 20) return h * 4294967296 + (lo >>> 0);
  return Number(wordsToBigInt(lo, hi, signed));
}

/**
 * The half-precision dtypes (float16, bfloat16): stored as 16-bit patterns
 * (Uint16Array, src/half.ts) and computed in float32, rounded back after
 * every operation (backend/cpu/halves.ts). Their storage never holds values:
 * host code reads them through `hostValues` (core/array.ts), which decodes.
 */
export function isHalf(d: DType): d is "float16" | "bfloat16" {
  return d === "float16" || d === "bfloat16";
}
export function isInteger(d: DType): boolean {
  return INT_BITS[d] !== undefined;
}
export function isUnsigned(d: DType): boolean {
  return d === "uint32" || d === "uint16" || d === "uint8" || d === "uint64";
}
export function isSignedInteger(d: DType): boolean {
  return d === "int32" || d === "int16" || d === "int8" || d === "int64";
}

const INT_BITS: Partial<Record<DType, number>> = {
  int8: 8,
  uint8: 8,
  int16: 16,
  uint16: 16,
  int32: 32,
  uint32: 32,
  int64: 64,
  uint64: 64,
};

/** The bit width of an integer dtype (8, 16, 32 or 64); undefined for the others. */
export function intBits(d: DType): number | undefined {
  return INT_BITS[d];
}

/**
 * The [min, max] of an integer dtype (JAX's iinfo) as JS numbers. For
 * int64/uint64 the max is not a double: it is rounded to nearest (int64's
 * max reads 2^63, uint64's 2^64; the mins, -2^63 and 0, are exact);
 * `intRangeBig` has them exactly.
 */
export function intRange(d: DType): readonly [number, number] {
  const bits = INT_BITS[d];
  if (bits === undefined) throw new TypeError(`intRange: ${d} is not an integer dtype`);
  return isUnsigned(d) ? [0, 2 ** bits - 1] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}

/** The exact [min, max] of an integer dtype as BigInts. */
export function intRangeBig(d: DType): readonly [bigint, bigint] {
  const bits = INT_BITS[d];
  if (bits === undefined) throw new TypeError(`intRangeBig: ${d} is not an integer dtype`);
  const b = BigInt(bits);
  return isUnsigned(d) ? [0n, (1n << b) - 1n] : [-(1n << (b - 1n)), (1n << (b - 1n)) - 1n];
}

/** Whether an integer dtype is narrower than 32 bits (stored in 8 or 16 bits, computed in 32). */
export function isNarrowInt(d: DType): boolean {
  return d === "int8" || d === "uint8" || d === "int16" || d === "uint16";
}
export function isBool(d: DType): boolean {
  return d === "bool";
}

export function itemsize(d: DType): number {
  switch (d) {
    case "complex128":
      return 16;
    case "float64":
    case "complex64":
    case "int64":
    case "uint64":
      return 8;
    case "bool":
    case "int8":
    case "uint8":
      return 1;
    case "int16":
    case "uint16":
    case "float16":
    case "bfloat16":
      return 2;
    default:
      return 4;
  }
}

const SHORT_NAMES: Readonly<Record<DType, string>> = {
  float16: "f16",
  bfloat16: "bf16",
  float32: "f32",
  float64: "f64",
  int8: "i8",
  uint8: "u8",
  int16: "i16",
  uint16: "u16",
  int32: "i32",
  uint32: "u32",
  bool: "bool",
  complex64: "c64",
  complex128: "c128",
  int64: "i64",
  uint64: "u64",
};

/** Short names used in jaxpr types: f32[3,2]. */
export function shortName(d: DType): string {
  return SHORT_NAMES[d];
}

/**
 * Storage for `n` elements of dtype `d` (2n numbers for the complex dtypes,
 * interleaved; 2n 32-bit words for int64/uint64, (lo, hi) pairs).
 */
export function allocate(d: DType, n: number): TypedArray {
  switch (d) {
    case "int64":
    case "uint64":
      return new Uint32Array(2 * n);
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "complex64":
      return new Float32Array(2 * n);
    case "complex128":
      return new Float64Array(2 * n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "int16":
      return new Int16Array(n);
    case "uint16":
    case "float16":
    case "bfloat16":
      return new Uint16Array(n);
    case "int8":
      return new Int8Array(n);
    case "uint8":
    case "bool":
      return new Uint8Array(n);
  }
}

/**
 * A typed array to fill with `n` values of dtype `d`: `allocate`'s storage,
 * except a Float32Array for the half dtypes, whose storage holds bit
 * patterns, and a Float64Array for int64/uint64, whose storage holds word
 * pairs; `ArrayImpl.fromData(values, shape, weak, d)` rounds and encodes
 * such an array into the dtype's storage (64-bit values exact below 2^53).
 */
export function allocateValues(d: DType, n: number): TypedArray {
  if (isInt64(d)) return new Float64Array(n);
  return isHalf(d) ? new Float32Array(n) : allocate(d, n);
}

/**
 * Values of dtype `d` (rounded to it) as its storage: the encoded patterns
 * for the half dtypes; for int64/uint64 a Uint32Array is already storage
 * (word pairs), any other typed array holds values (`numberToWords` each).
 */
export function toStorage(d: DType, values: TypedArray): TypedArray {
  if (isInt64(d)) {
    if (values instanceof Uint32Array) return values;
    const words = new Uint32Array(2 * values.length);
    for (let i = 0; i < values.length; i++) {
      const [lo, hi] = numberToWords(values[i]!);
      words[2 * i] = lo;
      words[2 * i + 1] = hi;
    }
    return words;
  }
  if (!isHalf(d) || values instanceof Uint16Array) return values;
  const bits = new Uint16Array(values.length);
  if (d === "float16") encodeFloat16(values, bits);
  else encodeBfloat16(values, bits);
  return bits;
}

/** A typed-array view of `length` elements of dtype `d` over `buffer` at byte offset `at`. */
export function typedView(
  d: DType,
  buffer: ArrayBufferLike,
  at: number,
  length: number,
): TypedArray {
  switch (d) {
    case "int64":
    case "uint64":
      return new Uint32Array(buffer, at, 2 * length);
    case "float32":
      return new Float32Array(buffer, at, length);
    case "float64":
      return new Float64Array(buffer, at, length);
    case "complex64":
      return new Float32Array(buffer, at, 2 * length);
    case "complex128":
      return new Float64Array(buffer, at, 2 * length);
    case "int32":
      return new Int32Array(buffer, at, length);
    case "uint32":
      return new Uint32Array(buffer, at, length);
    case "int16":
      return new Int16Array(buffer, at, length);
    case "uint16":
    case "float16":
    case "bfloat16":
      return new Uint16Array(buffer, at, length);
    case "int8":
      return new Int8Array(buffer, at, length);
    case "uint8":
    case "bool":
      return new Uint8Array(buffer, at, length);
  }
}

/**
 * The dtype of an internal typed array (one `allocate` made). bool and uint8
 * share Uint8Array storage: a Uint8Array is read as bool here, so callers
 * holding uint8 data pass the dtype explicitly (`ArrayImpl.fromData`'s
 * dtype argument). User input goes through `jnp.array`, which reads a
 * Uint8Array as uint8, as NumPy does.
 */
export function dtypeOfTypedArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Uint16Array) return "uint16";
  if (a instanceof Int8Array) return "int8";
  return "bool";
}

/**
 * Validates a dtype argument and canonicalizes it (undefined/null stay
 * undefined: the caller's default applies). An unknown name is a `TypeError`
 * naming the function, the argument and the valid dtypes.
 */
export function checkDtype(op: string, dtype: unknown, arg = "dtype"): DType | undefined {
  if (dtype === undefined || dtype === null) return undefined;
  if (!isDType(dtype)) {
    const got = typeof dtype === "string" ? `'${dtype}'` : kindOf(dtype);
    throw new TypeError(
      `${op}: unknown ${arg} ${got}; valid: ${ALL_DTYPES.join(", ")} ` +
        "(jnp.bool_, jnp.int8, jnp.uint8, jnp.int16, jnp.uint16, jnp.int32, jnp.uint32, " +
        "jnp.int64, jnp.uint64, jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64, " +
        "jnp.complex64, jnp.complex128)",
    );
  }
  return canonicalize(dtype);
}

/**
 * float64 becomes float32, complex128 complex64, int64 int32 and uint64
 * uint32 unless x64 is enabled, as JAX canonicalizes dtypes.
 */
export function canonicalize(d: DType): DType {
  if (config.x64) return d;
  switch (d) {
    case "float64":
      return "float32";
    case "complex128":
      return "complex64";
    case "int64":
      return "int32";
    case "uint64":
      return "uint32";
    default:
      return d;
  }
}

/** The default floating dtype (JAX's float_): float64 with x64 enabled, float32 otherwise. */
export function defaultFloat(): DType {
  return config.x64 ? "float64" : "float32";
}

/**
 * Casts a JS number to the value a dtype holds (wrapping ints, truncating
 * toward zero, rounding floats to nearest even). For the half dtypes this is
 * the rounded value, not its storage: `storeScalar` gives what their
 * Uint16Array storage holds. For the complex dtypes it is the real part
 * (the imaginary part of a JS number is 0). For int64/uint64 it is the
 * integer value truncated toward zero as a JS number (exact below 2^53;
 * wrapped modulo 2^64, then rounded to a double past it); their storage
 * words come from `numberToWords`.
 */
export function castScalar(v: number | boolean, d: DType): number {
  const x = Number(v);
  switch (d) {
    case "float16":
      return roundFloat16(x);
    case "bfloat16":
      return roundBfloat16(x);
    case "float32":
    case "complex64":
      return Math.fround(x);
    case "float64":
    case "complex128":
      return x;
    case "int32":
      return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
    case "uint32":
      return Number.isFinite(x) ? Math.trunc(x) >>> 0 : 0;
    case "int16":
      return Number.isFinite(x) ? (Math.trunc(x) << 16) >> 16 : 0;
    case "uint16":
      return Number.isFinite(x) ? Math.trunc(x) & 0xffff : 0;
    case "int8":
      return Number.isFinite(x) ? (Math.trunc(x) << 24) >> 24 : 0;
    case "uint8":
      return Number.isFinite(x) ? Math.trunc(x) & 0xff : 0;
    case "bool":
      return x !== 0 ? 1 : 0;
    case "int64":
    case "uint64": {
      const [lo, hi] = numberToWords(x);
      return wordsToNumber(lo, hi, d === "int64");
    }
  }
}

/**
 * What a dtype's storage holds for the JS number `v`: `castScalar`, or the
 * bit pattern of a half dtype. For int64/uint64 (two words per element) it
 * is the low word; `numberToWords` gives both.
 */
export function storeScalar(v: number | boolean, d: DType): number {
  if (d === "float16") return float16Bits(Number(v));
  if (d === "bfloat16") return bfloat16Bits(Number(v));
  if (d === "int64" || d === "uint64") return numberToWords(Number(v))[0];
  return castScalar(v, d);
}

// --- Promotion lattice (JAX's, restricted to our dtypes) -------------------
// JAX's `_type_promotion_lattice` (jax/_src/dtypes.py; the graph in the docs'
// "Type promotion semantics"): b1 → i*; i* → u8, i8; u8 → u16, i16;
// u16 → u32, i32; u32 → u64, i64; i8 → i16 → i32 → i64; u64, i64 → f*;
// f* → c*, bf16, f16; bf16, f16 → f32 → f64 → c128; f32 → c64; c* → c64 → c128.
// i*, f* and c* are the weak int, float and complex. Without x64, int64 and
// uint64 results canonicalize to int32/uint32 (as JAX's result_type does),
// and the weak int is int32; with x64 they are real and the weak int is int64.
type Node = DType | "i*" | "f*" | "c*";
const parents: Record<Node, Node[]> = {
  bool: ["i*"],
  "i*": ["uint8", "int8"],
  uint8: ["uint16", "int16"],
  uint16: ["uint32", "int32"],
  uint32: ["uint64", "int64"],
  uint64: ["f*"],
  int8: ["int16"],
  int16: ["int32"],
  int32: ["int64"],
  int64: ["f*"],
  "f*": ["c*", "bfloat16", "float16"],
  "c*": ["complex64"],
  bfloat16: ["float32"],
  float16: ["float32"],
  float32: ["float64", "complex64"],
  float64: ["complex128"],
  complex64: ["complex128"],
  complex128: [],
};
const upperBounds = new Map<Node, Set<Node>>();
function ub(n: Node): Set<Node> {
  let s = upperBounds.get(n);
  if (!s) {
    s = new Set<Node>([n]);
    for (const p of parents[n]) for (const q of ub(p)) s.add(q);
    upperBounds.set(n, s);
  }
  return s;
}
const order: Node[] = [
  "bool",
  "i*",
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "uint64",
  "int64",
  "f*",
  "bfloat16",
  "float16",
  "float32",
  "float64",
  "c*",
  "complex64",
  "complex128",
];

function toNode(d: DType, weak: boolean): Node {
  if (weak) {
    if (isComplex(d)) return "c*";
    if (isFloating(d)) return "f*";
    if (isInteger(d)) return "i*";
  }
  return d;
}

export interface TypeInfo {
  dtype: DType;
  weakType: boolean;
}

/** The join of two lattice nodes, memoized (promotion is on every operation's path). */
const joinCache = new Map<string, Node>();
function join(a: Node, b: Node): Node {
  if (a === b) return a;
  const key = a < b ? `${a}|${b}` : `${b}|${a}`;
  let j = joinCache.get(key);
  if (j === undefined) {
    const ua = ub(a);
    const ubb = ub(b);
    const bounds = order.filter((n) => ua.has(n) && ubb.has(n));
    // The least upper bound: the common bound whose upper bounds hold all the others.
    j = order.find((n) => bounds.includes(n) && bounds.every((m) => ub(n).has(m)));
    if (j === undefined) throw new Error(`promoteTypes: no common type of ${a} and ${b}`);
    joinCache.set(key, j);
  }
  return j;
}

/** JAX's `jnp.result_type` over dtypes with weak flags. */
/**
 * The least upper bound of two (strong) dtypes in the lattice, not
 * canonicalized: `jnp.promote_types(float32, float64)` is float64 and
 * `(int32, uint32)` int64 even without x64, as JAX's dtypes.promote_types.
 */
export function joinDtypes(a: DType, b: DType): DType {
  const j = join(a, b);
  // A weak node (int64 with uint64 is f*) is NumPy's dtype of the Python type: float64...
  if (j === "i*") return "int64";
  if (j === "f*") return "float64";
  return j === "c*" ? "complex128" : j;
}

export function promoteTypes(...types: TypeInfo[]): TypeInfo {
  if (types.length === 0) throw new Error("promoteTypes: needs at least one type");
  let lub = toNode(types[0]!.dtype, types[0]!.weakType);
  for (let i = 1; i < types.length; i++)
    lub = join(lub, toNode(types[i]!.dtype, types[i]!.weakType));
  switch (lub) {
    case "i*":
      return { dtype: defaultInt(), weakType: true };
    case "f*":
      return { dtype: defaultFloat(), weakType: true };
    case "c*":
      return { dtype: canonicalize("complex128"), weakType: true };
    default:
      return { dtype: canonicalize(lub), weakType: false };
  }
}
