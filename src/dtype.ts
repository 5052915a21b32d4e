/**
 * Dtypes and JAX's type promotion lattice, including weak types.
 *
 * A weak type is the type of a bare JS number in an operation: it adopts the
 * dtype of the other operand instead of forcing promotion (`int32 + 1 → int32`,
 * `float32 * 2.5 → float32`, `int32 + 1.5 → float32`).
 */
import { config } from "./config.js";
import { kindOf } from "./options.js";

export type DType = "float32" | "float64" | "int32" | "uint32" | "bool";

export const float32: DType = "float32";
export const float64: DType = "float64";
export const int32: DType = "int32";
export const uint32: DType = "uint32";
export const bool_: DType = "bool";

export const ALL_DTYPES: readonly DType[] = ["bool", "int32", "uint32", "float32", "float64"];

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (ALL_DTYPES as readonly string[]).includes(x);
}

export function isFloating(d: DType): boolean {
  return d === "float32" || d === "float64";
}
export function isInteger(d: DType): boolean {
  return d === "int32" || d === "uint32";
}
export function isUnsigned(d: DType): boolean {
  return d === "uint32";
}
export function isBool(d: DType): boolean {
  return d === "bool";
}

export function itemsize(d: DType): number {
  return d === "float64" ? 8 : d === "bool" ? 1 : 4;
}

/** Short names used in jaxpr types: f32[3,2]. */
export function shortName(d: DType): string {
  return { float32: "f32", float64: "f64", int32: "i32", uint32: "u32", bool: "bool" }[d];
}

export function allocate(d: DType, n: number): TypedArray {
  switch (d) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

/** The dtype a typed array holds (Uint8Array is read as bool). */
export function dtypeOfTypedArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
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
        "(jnp.bool_, jnp.int32, jnp.uint32, jnp.float32, jnp.float64)",
    );
  }
  return canonicalize(dtype);
}

/** float64 becomes float32 unless x64 is enabled, as JAX canonicalizes dtypes. */
export function canonicalize(d: DType): DType {
  return d === "float64" && !config.x64 ? "float32" : d;
}

/** The default floating dtype (JAX's float_): float64 with x64 enabled, float32 otherwise. */
export function defaultFloat(): DType {
  return config.x64 ? "float64" : "float32";
}

/** Casts a JS number to how a dtype stores it (wrapping ints, truncating toward zero). */
export function castScalar(v: number | boolean, d: DType): number {
  const x = Number(v);
  switch (d) {
    case "float32":
      return Math.fround(x);
    case "float64":
      return x;
    case "int32":
      return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
    case "uint32":
      return Number.isFinite(x) ? Math.trunc(x) >>> 0 : 0;
    case "bool":
      return x !== 0 ? 1 : 0;
  }
}

// --- Promotion lattice (JAX's, restricted to our dtypes) -------------------
// Nodes: bool < i* < {int32, uint32} < int64 < f* < float32 < float64, where
// i* and f* are the weak int and weak float. int64 is virtual: it only occurs
// as the join of int32 and uint32 and is canonicalized to int32 (as JAX does
// without x64; we have no int64 storage type).
type Node = "bool" | "i*" | "int32" | "uint32" | "int64" | "f*" | "float32" | "float64";
const parents: Record<Node, Node[]> = {
  bool: ["i*"],
  "i*": ["int32", "uint32"],
  int32: ["int64"],
  uint32: ["int64"],
  int64: ["f*"],
  "f*": ["float32"],
  float32: ["float64"],
  float64: [],
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
const order: Node[] = ["bool", "i*", "int32", "uint32", "int64", "f*", "float32", "float64"];

function toNode(d: DType, weak: boolean): Node {
  if (weak) {
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
export function promoteTypes(...types: TypeInfo[]): TypeInfo {
  if (types.length === 0) throw new Error("promoteTypes: needs at least one type");
  let lub = toNode(types[0]!.dtype, types[0]!.weakType);
  for (let i = 1; i < types.length; i++)
    lub = join(lub, toNode(types[i]!.dtype, types[i]!.weakType));
  switch (lub) {
    case "i*":
      return { dtype: "int32", weakType: true };
    case "f*":
      return { dtype: defaultFloat(), weakType: true };
    case "int64":
      return { dtype: "int32", weakType: false };
    default:
      return { dtype: canonicalize(lub), weakType: false };
  }
}
