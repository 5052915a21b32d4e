/** Array creation: `jnp.array`, `zeros`, `arange`, `linspace`, `eye`... */
import { type Array, ArrayImpl, isArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray, describe, scalarAs } from "../core/convert.js";
import {
  allocate,
  canonicalize,
  castScalar,
  type DType,
  defaultFloat,
  dtypeOfTypedArray,
  isDType,
  type TypedArray,
} from "../dtype.js";
import * as lax from "../lax/index.js";
import { type Shape, shapeStr } from "../shape.js";
import { cast, resultType } from "./util.js";

/** What `jnp.array` accepts: scalars, (nested) JS arrays, typed arrays and Arrays. */
export type ArrayInput = ArrayLike | TypedArray | readonly ArrayInput[];

function isTypedArray(x: unknown): x is TypedArray {
  return (
    x instanceof Float32Array ||
    x instanceof Float64Array ||
    x instanceof Int32Array ||
    x instanceof Uint32Array ||
    x instanceof Uint8Array
  );
}

function checkDtype(op: string, dtype: unknown): DType | undefined {
  if (dtype === undefined || dtype === null) return undefined;
  if (!isDType(dtype)) {
    throw new TypeError(
      `${op}: dtype ${String(dtype)} is not supported; use one of jnp.float32, jnp.float64, jnp.int32, jnp.uint32, jnp.bool_`,
    );
  }
  return canonicalize(dtype);
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
  const check = (v: unknown, depth: number): void => {
    if (depth === shape.length) return;
    const arr = v as Indexable<unknown> & { length?: number };
    if (isArray(v)) {
      const rest = shape.slice(depth);
      if (v.shape.length !== rest.length || v.shape.some((d, i) => d !== rest[i])) {
        throw new Error(
          `${op}: inhomogeneous shape: an element of shape ${shapeStr(v.shape)} where ${shapeStr(rest)} was expected`,
        );
      }
      return;
    }
    if (!(globalThis.Array.isArray(v) || isTypedArray(v)) || arr.length !== shape[depth]) {
      throw new Error(
        `${op}: the nested list is not rectangular: at depth ${depth} expected a list of length ${shape[depth]}, got ${describe(v)}`,
      );
    }
    for (let i = 0; i < arr.length; i++) check(arr[i], depth + 1);
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
  if (typeof value === "number" || typeof value === "boolean") {
    const d = want ?? (typeof value === "boolean" ? "bool" : defaultFloat());
    return ArrayImpl.scalar(value, d);
  }
  if (isTypedArray(value)) {
    const d = want ?? canonicalize(dtypeOfTypedArray(value));
    return fromFlat([...value], [value.length], d);
  }
  if (!globalThis.Array.isArray(value)) {
    throw new TypeError(`jnp.array: cannot make an array from ${describe(value)}`);
  }
  const shape = nestedShape(value, "jnp.array");
  const leaves: unknown[] = [];
  flattenNested(value, leaves);
  if (leaves.some(isArray)) return stackLeaves(leaves, shape, want);
  for (const l of leaves) {
    if (typeof l !== "number" && typeof l !== "boolean") {
      throw new TypeError(
        `jnp.array: elements must be numbers, booleans or Arrays, got ${describe(l)}`,
      );
    }
  }
  const d =
    want ??
    (leaves.length > 0 && leaves.every((l) => typeof l === "boolean") ? "bool" : defaultFloat());
  return fromFlat(leaves as (number | boolean)[], shape, d);
}

function fromFlat(values: readonly (number | boolean)[], shape: Shape, dtype: DType): ArrayImpl {
  const data = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) data[i] = castScalar(values[i]!, dtype);
  return new ArrayImpl(new ShapedArray(shape, dtype, false), data);
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

function checkShape(op: string, shape: number | Shape): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  for (const d of s) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(
        `${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
  }
  return s;
}

/** `jnp.full(shape, fillValue, dtype?)`: fillValue may be an Array (broadcast to shape). */
export function full(shape: number | Shape, fillValue: ArrayLike, dtype?: DType): Array {
  const s = checkShape("jnp.full", shape);
  const want = checkDtype("jnp.full", dtype);
  const v = asArray(fillValue, "jnp.full", "fillValue");
  const d = want ?? (v.weakType && typeof fillValue === "number" ? defaultFloat() : v.dtype);
  const x =
    typeof fillValue === "number" || typeof fillValue === "boolean"
      ? scalarAs(fillValue, d, false, "jnp.full")
      : cast(v, d);
  if (x.ndim === 0) return lax.broadcastInDim(x, s, []);
  const dims = x.shape.map((_, i) => s.length - x.ndim + i);
  return lax.broadcastInDim(x, s, dims);
}

export function zeros(shape: number | Shape, dtype?: DType): Array {
  return full(shape, 0, dtype ?? defaultFloat());
}
export function ones(shape: number | Shape, dtype?: DType): Array {
  return full(shape, 1, dtype ?? defaultFloat());
}
export const empty = zeros;

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
  const d = want ?? (allInt ? "int32" : defaultFloat());
  const values: number[] = new globalThis.Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return fromFlat(values, [n], d);
}

export interface LinspaceOptions {
  endpoint?: boolean;
  dtype?: DType;
}

/** `jnp.linspace(start, stop, num=50, { endpoint, dtype })`. */
export function linspace(
  start: number,
  stop: number,
  num = 50,
  options: LinspaceOptions = {},
): Array {
  if (!Number.isInteger(num) || num < 0) {
    throw new Error(`jnp.linspace: num must be a non-negative integer, got ${num}`);
  }
  const endpoint = options.endpoint ?? true;
  const d = checkDtype("jnp.linspace", options.dtype) ?? defaultFloat();
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const values: number[] = new globalThis.Array(num);
  for (let i = 0; i < num; i++) values[i] = start + i * step;
  if (endpoint && num > 1) values[num - 1] = stop;
  return fromFlat(values, [num], d);
}

export interface EyeOptions {
  k?: number;
  dtype?: DType;
}

/** `jnp.eye(N, M?, { k, dtype })`: ones on the k-th diagonal. */
export function eye(n: number, m?: number, options: EyeOptions = {}): Array {
  const cols = m ?? n;
  checkShape("jnp.eye", [n, cols]);
  const k = options.k ?? 0;
  const d = checkDtype("jnp.eye", options.dtype) ?? defaultFloat();
  const data = allocate(d, n * cols);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < cols) data[i * cols + j] = 1;
  }
  return ArrayImpl.fromData(data, [n, cols]);
}

export function identity(n: number, dtype?: DType): Array {
  return eye(n, n, { dtype });
}
