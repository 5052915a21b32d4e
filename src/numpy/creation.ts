/** Array creation: `jnp.array`, `zeros`, `arange`, `linspace`, `eye`... */
import { type Array, ArrayImpl, isArray } from "../core/array.js";
import {
  type ArrayLike,
  asArray,
  describe,
  scalarAs,
  scalarAval,
  scalarValue,
} from "../core/convert.js";
import {
  allocate,
  allocateValues,
  bigIntToWords,
  canonicalize,
  type DType,
  defaultFloat,
  defaultInt,
  checkDtype as dtypeArg,
  intRange,
  intRangeBig,
  isComplex as isComplexDtype,
  isInt64,
  isInteger,
  type TypedArray,
} from "../dtype.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { checkSize, type Shape, shapeArg, shapeStr } from "../shape.js";
import { type Complex, isComplexValue } from "./complex.js";
import { cast, numberArg, resultType } from "./util.js";

/** Every JS typed array `jnp.array` reads (see `typedDtype` for the dtype each makes). */
export type AnyTypedArray =
  | TypedArray
  | Int8Array
  | Int16Array
  | Uint16Array
  | Uint8ClampedArray
  | BigInt64Array
  | BigUint64Array;

/** What `jnp.array` accepts: scalars, `{ re, im }` complex numbers, (nested) JS arrays, typed arrays and Arrays. */
export type ArrayInput = ArrayLike | Complex | AnyTypedArray | readonly ArrayInput[];

function isTypedArray(x: unknown): x is AnyTypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function checkDtype(op: string, dtype: unknown): DType | undefined {
  return dtypeArg(op, dtype);
}

/** The shape of a nested JS array, checking it is rectangular. */
function nestedShape(x: readonly ArrayInput[], op: string): number[] {
  const shape: number[] = [];
  let level: unknown = x;
  while (globalThis.Array.isArray(level) || isTypedArray(level)) {
    const arr = level as Indexable<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    level = arr[0];
  }
  if (isArray(level)) shape.push(...level.shape);
  const isList = (v: unknown) => globalThis.Array.isArray(v) || isTypedArray(v);
  const what = (v: unknown): string =>
    isList(v)
      ? `a list of length ${(v as Indexable<unknown>).length}`
      : isArray(v)
        ? `an Array of shape ${shapeStr(v.shape)}`
        : describe(v);
  // NumPy's ValueError: "setting an array element with a sequence. The requested
  // array has an inhomogeneous shape after N dimensions."
  const ragged = (depth: number, path: number[], expected: string, v: unknown): Error =>
    new Error(
      `${op}: setting an array element with a sequence: the nested list has an inhomogeneous ` +
        `shape after ${depth} dimensions (detected shape ${shapeStr(shape.slice(0, depth))} + ` +
        `inhomogeneous part): at index [${path.join(", ")}] expected ${expected}, got ${what(v)}`,
    );
  const path: number[] = [];
  const check = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      // A leaf: a scalar (or a 0-d Array); never a further list.
      if (isList(v) || (isArray(v) && v.ndim > 0)) throw ragged(depth, path, "a scalar", v);
      return;
    }
    if (isArray(v)) {
      const rest = shape.slice(depth);
      if (v.shape.length !== rest.length || v.shape.some((d, i) => d !== rest[i])) {
        throw ragged(depth, path, `an Array of shape ${shapeStr(rest)}`, v);
      }
      return;
    }
    const arr = v as Indexable<unknown>;
    if (!isList(v) || arr.length !== shape[depth]) {
      throw ragged(depth, path, `a list of length ${shape[depth]}`, v);
    }
    for (let i = 0; i < arr.length; i++) {
      path.push(i);
      check(arr[i], depth + 1);
      path.pop();
    }
  };
  check(x, 0);
  return shape;
}

type Indexable<T> = { readonly length: number; readonly [i: number]: T };

function flattenNested(x: unknown, out: unknown[]): void {
  if (globalThis.Array.isArray(x) || isTypedArray(x)) {
    for (let i = 0; i < x.length; i++) flattenNested(x[i], out);
  } else out.push(x);
}

/**
 * `jnp.array(value, dtype?)`. JS numbers make the default float dtype (JS
 * cannot tell 1 from 1.0), booleans make bool, typed arrays keep their type,
 * and nested lists containing Arrays (traced values too) are stacked.
 */
export function array(value: ArrayInput, dtype?: DType): Array {
  const want = checkDtype("jnp.array", dtype);
  if (isArray(value)) return cast(value, want ?? value.dtype);
  if (isComplexValue(value)) return fromComplex([value], [], want);
  if (typeof value === "number" || typeof value === "boolean") {
    const d = want ?? (typeof value === "boolean" ? "bool" : defaultFloat());
    return scalarAs(value, d, false, "jnp.array");
  }
  if (isTypedArray(value)) return fromTyped(value, want);
  if (!globalThis.Array.isArray(value)) {
    throw new TypeError(`jnp.array: cannot make an array from ${describe(value)}`);
  }
  const shape = nestedShape(value, "jnp.array");
  const leaves: unknown[] = [];
  flattenNested(value, leaves);
  if (leaves.some(isArray)) return stackLeaves(leaves, shape, want);
  let complex = false;
  for (const l of leaves) {
    if (isComplexValue(l)) complex = true;
    else if (typeof l !== "number" && typeof l !== "boolean") {
      throw new TypeError(
        `jnp.array: elements must be numbers, booleans, { re, im } complex numbers or Arrays, got ${describe(l)}`,
      );
    }
  }
  if (complex) return fromComplex(leaves as (Complex | number | boolean)[], shape, want);
  const d =
    want ??
    (leaves.length > 0 && leaves.every((l) => typeof l === "boolean") ? "bool" : defaultFloat());
  return fromFlat(leaves as (number | boolean)[], shape, d);
}

/**
 * A list holding `{ re, im }` numbers: complex (complex64, or complex128
 * under x64, as NumPy's complex128 canonicalizes), or `dtype` — a real dtype
 * takes the real parts, as NumPy's astype (with a ComplexWarning there).
 */
function fromComplex(
  values: readonly (Complex | number | boolean)[],
  shape: Shape,
  dtype: DType | undefined,
): Array {
  const d = dtype ?? canonicalize("complex128");
  const c = isComplexDtype(d) ? d : canonicalize("complex128");
  const data = allocate(c, values.length);
  values.forEach((v, i) => {
    const [re, im] = isComplexValue(v) ? [v.re, v.im] : [Number(v), 0];
    data[2 * i] = re;
    data[2 * i + 1] = im;
  });
  const z = ArrayImpl.fromData(data, shape, false, c);
  return c === d ? z : cast(z, d);
}

/** Each value converted from itself (`scalarValue`): an integer dtype that cannot hold one is an error. */
function fromFlat(values: readonly (number | boolean)[], shape: Shape, dtype: DType): Array {
  if (isComplexDtype(dtype)) return fromComplex(values, shape, dtype);
  const data = allocateValues(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    data[i] = scalarValue(values[i]!, dtype, "jnp.array");
  }
  return ArrayImpl.fromData(data, shape, false, dtype);
}

/**
 * The dtype a typed array makes without a dtype argument: its own (Int8 →
 * int8, Uint8/Uint8Clamped → uint8, Int16 → int16, Uint16 → uint16...;
 * BigInt64 → int32 and BigUint64 → uint32, whose values must fit, as JAX
 * canonicalizes int64 without x64). A Uint8Array is uint8, not bool, as
 * NumPy reads np.uint8 data.
 */
function typedDtype(a: AnyTypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return canonicalize("float64");
  if (a instanceof Int32Array) return "int32";
  if (a instanceof BigInt64Array) return canonicalize("int64");
  if (a instanceof BigUint64Array) return canonicalize("uint64");
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Uint16Array) return "uint16";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return "uint8";
  return "uint32";
}

/**
 * `jnp.array(typedArray, dtype?)`: one copy into the dtype's storage, never
 * through a JS array (a typed array of 2^31 elements stays one allocation).
 * A value the dtype cannot hold (out of an integer dtype's range, NaN or ±inf
 * into an integer) is a RangeError naming its index, value and the dtype.
 */
function fromTyped(src: AnyTypedArray, want: DType | undefined): Array {
  const d = want ?? typedDtype(src);
  const n = src.length;
  // Real values as complex numbers with imaginary part 0 (a typed array holds no pairs).
  if (isComplexDtype(d)) return fromComplex(globalThis.Array.from(src, Number), [n], d);
  const out = allocateValues(d, n);
  const fail = (i: number, v: number | bigint): never => {
    throw new RangeError(
      `jnp.array: element [${i}] of the ${src.constructor.name}, ${String(v)}, is not representable in ${d}`,
    );
  };
  if ((src instanceof BigInt64Array || src instanceof BigUint64Array) && isInt64(d)) {
    // Exact: the values' words (int64/uint64 under x64).
    const [lo, hi] = intRangeBig(d);
    const words = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      if (v < lo || v > hi) fail(i, v);
      [words[2 * i], words[2 * i + 1]] = bigIntToWords(v);
    }
    return ArrayImpl.fromData(words, [n], false, d);
  }
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    const int = isInteger(d);
    const [lo, hi] = int ? intRangeBig(d) : [0n, 0n];
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      if (int && (v < lo || v > hi)) fail(i, v);
      out[i] = d === "bool" ? (v !== 0n ? 1 : 0) : Number(v);
    }
  } else if (d === "bool") {
    for (let i = 0; i < n; i++) out[i] = src[i]! !== 0 ? 1 : 0;
  } else {
    if (isInteger(d)) {
      // Typed-array stores wrap modulo 2^bits: check the range first (trunc toward zero, as astype).
      const [lo, hi] = intRange(d);
      const integral = !(src instanceof Float32Array || src instanceof Float64Array);
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        if (integral ? v < lo || v > hi : !(Math.trunc(v) >= lo && Math.trunc(v) <= hi)) fail(i, v);
      }
    }
    out.set(src);
  }
  return ArrayImpl.fromData(out, [n], false, d);
}

/** Stacks the leaves of a nested list that holds Arrays (possibly traced). */
function stackLeaves(leaves: unknown[], shape: Shape, want: DType | undefined): Array {
  const arrs = leaves.map((l) => asArray(l as ArrayLike, "jnp.array", "element"));
  const { dtype } = resultType(...arrs);
  const d = want ?? dtype;
  const leafShape = arrs[0]!.shape;
  const outer = shape.slice(0, shape.length - leafShape.length);
  const rows = arrs.map((a) => lax.reshape(cast(a, d), [1, ...leafShape]));
  const stacked = rows.length === 1 ? rows[0]! : lax.concatenate(rows, 0);
  return lax.reshape(stacked, [...outer, ...leafShape]);
}

/** `jnp.asarray`: like `array`, but returns Arrays unchanged when no dtype is asked. */
export function asarray(value: ArrayInput, dtype?: DType): Array {
  if (isArray(value) && dtype === undefined) return value;
  return array(value, dtype);
}

/** A shape argument: a list of non-negative integers, or one integer (NumPy's `zeros(3)`). */
function checkShape(op: string, shape: number | Shape): number[] {
  return shapeArg(op, shape, "shape", true);
}

/** `jnp.full(shape, fillValue, dtype?)`: fillValue may be an Array (broadcast to shape). */
export function full(shape: number | Shape, fillValue: ArrayLike, dtype?: DType): Array {
  return filledArray("jnp.full", shape, fillValue, dtype);
}

function filledArray(
  op: string,
  shape: number | Shape,
  fillValue: ArrayLike,
  dtype: DType | undefined,
): Array {
  const s = checkShape(op, shape);
  const want = checkDtype(op, dtype);
  // A JS scalar is typed only (it converts from its own value below).
  const raw = typeof fillValue === "number" || typeof fillValue === "boolean";
  const v = raw ? scalarAval(fillValue) : asArray(fillValue, op, "fillValue");
  const d = want ?? (v.weakType && typeof fillValue === "number" ? defaultFloat() : v.dtype);
  const x = raw ? scalarAs(fillValue, d, false, op) : cast(v as Array, d);
  if (x.ndim === 0) return lax.broadcastInDim(x, s, []);
  const dims = x.shape.map((_, i) => s.length - x.ndim + i);
  return lax.broadcastInDim(x, s, dims);
}

export function zeros(shape: number | Shape, dtype?: DType): Array {
  return filledArray("jnp.zeros", shape, 0, dtype ?? defaultFloat());
}
export function ones(shape: number | Shape, dtype?: DType): Array {
  return filledArray("jnp.ones", shape, 1, dtype ?? defaultFloat());
}
/** `jnp.empty`: zeros, as in JAX (XLA arrays are never uninitialized). */
export function empty(shape: number | Shape, dtype?: DType): Array {
  return filledArray("jnp.empty", shape, 0, dtype ?? defaultFloat());
}

/** `jnp.full_like`: keeps x's shape and dtype (and weak type) unless told otherwise. */
export function fullLike(x: ArrayLike, fillValue: ArrayLike, dtype?: DType): Array {
  const a = asArray(x, "jnp.full_like", "x");
  const want = checkDtype("jnp.full_like", dtype);
  const d = want ?? a.dtype;
  const weak = want === undefined && a.weakType;
  const v =
    typeof fillValue === "number" || typeof fillValue === "boolean"
      ? scalarAs(fillValue, d, weak, "jnp.full_like")
      : cast(asArray(fillValue, "jnp.full_like", "fillValue"), d, weak);
  return lax.broadcastInDim(v, a.shape, []);
}
export function zerosLike(x: ArrayLike, dtype?: DType): Array {
  return fullLike(x, 0, dtype);
}
export function onesLike(x: ArrayLike, dtype?: DType): Array {
  return fullLike(x, 1, dtype);
}
export const emptyLike = zerosLike;

/**
 * `jnp.arange(stop)`, `arange(start, stop, step?)`. Integer arguments give
 * int32 as NumPy does; values are computed as NumPy computes them (start + i*step).
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Array {
  const want = checkDtype("jnp.arange", dtype);
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  for (const [n, v] of [
    ["start", start],
    ["stop", stop],
    ["step", step],
  ] as const) {
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw new TypeError(
        `jnp.arange: ${n} must be a JS number (a concrete value), got ${describe(v)}`,
      );
    }
  }
  if (step === 0) throw new Error("jnp.arange: step must not be zero");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step);
  const d = want ?? (allInt ? defaultInt() : defaultFloat());
  return generated("jnp.arange", n, d, (i) => start + i * step);
}

/** A 1-D array of `n` values `at(i)`, written straight into its storage (size checked first). */
function generated(op: string, n: number, dtype: DType, at: (i: number) => number): ArrayImpl {
  checkSize(op, [n]);
  const data = allocateValues(dtype, n);
  for (let i = 0; i < n; i++) data[i] = scalarValue(at(i), dtype, op);
  return ArrayImpl.fromData(data, [n], false, dtype);
}

export interface LinspaceOptions {
  endpoint?: boolean;
  dtype?: DType;
}
const LINSPACE_KEYS: OptionKeys<LinspaceOptions> = { endpoint: true, dtype: true };

/** `jnp.linspace(start, stop, num=50, { endpoint, dtype })`. */
export function linspace(start: number, stop: number, num = 50, options?: LinspaceOptions): Array {
  const opts = checkOptions("jnp.linspace", options, LINSPACE_KEYS);
  start = numberArg("jnp.linspace", start, "start");
  stop = numberArg("jnp.linspace", stop, "stop");
  num = shapeArg("jnp.linspace", [num], "num")[0]!;
  const endpoint = opts.endpoint ?? true;
  const d = checkDtype("jnp.linspace", opts.dtype) ?? defaultFloat();
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const last = num - 1;
  return generated("jnp.linspace", num, d, (i) =>
    endpoint && i === last && num > 1 ? stop : start + i * step,
  );
}

export interface EyeOptions {
  k?: number;
  dtype?: DType;
}
const EYE_KEYS: OptionKeys<EyeOptions> = { k: true, dtype: true };

/** `jnp.eye(N, M?, { k, dtype })`: ones on the k-th diagonal. */
export function eye(n: number, m?: number, options?: EyeOptions): Array {
  const opts = checkOptions("jnp.eye", options, EYE_KEYS);
  const cols = m ?? n;
  shapeArg("jnp.eye", [n], "N");
  shapeArg("jnp.eye", [cols], "M");
  const k = opts.k ?? 0;
  if (!Number.isInteger(k))
    throw new TypeError(`jnp.eye: k must be an integer, got ${describe(k)}`);
  const d = checkDtype("jnp.eye", opts.dtype) ?? defaultFloat();
  const data = allocateValues(d, n * cols);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < cols) data[i * cols + j] = 1;
  }
  return ArrayImpl.fromData(data, [n, cols], false, d);
}

export function identity(n: number, dtype?: DType): Array {
  return eye(n, n, { dtype });
}
