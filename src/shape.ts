import { ConcretizationTypeError, ValueError } from "./errors.js";
import { kindOf } from "./options.js";

/** Shapes, axes and NumPy broadcasting, with errors that name the operation. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Python-style tuple text, as NumPy and JAX print shapes: (3,), (2, 3), (). */
export function shapeStr(shape: Shape): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** NumPy broadcasting of several shapes; `op` names the caller in the error. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    const off = ndim - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[off + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[off + i] = d;
      else {
        throw new ValueError(
          `${op}: shapes ${shapes.map(shapeStr).join(", ")} cannot be broadcast together ` +
            `(dimension ${i - s.length} has sizes ${o} and ${d})`,
        );
      }
    }
  }
  return out;
}

/** Text for a value in an argument error: `the string "1"`, `undefined`, `[1, NaN]`. */
function describeArg(x: unknown): string {
  if (globalThis.Array.isArray(x)) {
    return `[${x.map((v) => (typeof v === "number" ? String(v) : describeItem(v))).join(", ")}]`;
  }
  return describeItem(x);
}

function describeItem(x: unknown): string {
  return isJaxArray(x) ? String(x) : kindOf(x);
}

/**
 * What shape.ts needs of a `jax.Array` (read through its prototype methods,
 * so that this low-level module does not import the core): a tracer has a
 * `trace` and `toConcrete()`, a concrete array `toArray()`.
 */
interface ArrayView {
  readonly aval: unknown;
  readonly shape: readonly number[];
  readonly dtype: string;
  toArray(): unknown;
  toConcrete?: () => ArrayView | null;
}

function isJaxArray(x: unknown): x is ArrayView {
  return typeof x === "object" && x !== null && "aval" in x && "dtype" in x && "shape" in x;
}

/** The concrete array a jax.Array stands for: itself, a tracer's known value, or null. */
function concreteArray(x: ArrayView): ArrayView | null {
  if (!("trace" in x)) return x;
  return typeof x.toConcrete === "function" ? x.toConcrete() : null;
}

/**
 * A shape or list of integers given as (or holding) jax.Arrays, read as JAX's
 * `operator.index` reads them: a concrete integer scalar is its value, and a
 * concrete 1-D integer array (a whole list) its values; a traced value is
 * JAX's error for a shape that is not concrete (tracedShapeError); any other
 * array a TypeError. Values that are not arrays pass through to the caller's
 * checks.
 */
function concreteInts(op: string, value: unknown, arg: string): unknown {
  const item = (v: unknown, whole: boolean): unknown => {
    if (!isJaxArray(v)) return v;
    const c = concreteArray(v);
    if (c === null) throw tracedShapeError(op, value, arg);
    const rank = c.shape.length;
    if (/^u?int/.test(c.dtype) && (rank === 0 || (whole && rank === 1))) return c.toArray();
    throw new TypeError(
      `${op}: ${arg} must hold concrete integers (shapes are 1D sequences of concrete values ` +
        `of integer type), got an array of dtype ${c.dtype} and shape ${shapeStr(c.shape)}`,
    );
  };
  const whole = item(value, true);
  if (!globalThis.Array.isArray(whole)) return whole;
  return whole.some(isJaxArray) ? whole.map((v) => item(v, false)) : whole;
}

/**
 * JAX's `_invalid_shape_error` for a shape (or static integer argument)
 * holding a traced value, with its guidance: a ConcretizationTypeError, which
 * is a TypeError as JAX's error is.
 */
export function tracedShapeError(
  op: string,
  value: unknown,
  arg = "shape",
): ConcretizationTypeError {
  return new ConcretizationTypeError(
    `${op}: ${arg} must be concrete: Shapes must be 1D sequences of concrete values of integer ` +
      `type, got ${describeArg(value)}. A traced value is not known while tracing, so it cannot ` +
      "be a shape or a static integer argument. If using `jit`, try using `staticArgnums` " +
      "(or `staticArgnames`) or applying `jit` to smaller subfunctions; under `vmap`, compute " +
      "shapes outside the mapped function.",
  );
}

/**
 * The error for a shape-like argument of the wrong kind: tracedShapeError
 * when it is or holds a traced value, else a TypeError with `message`.
 */
export function shapeKindError(
  op: string,
  value: unknown,
  message: string,
  arg = "shape",
): TypeError {
  const traced = (v: unknown) => isJaxArray(v) && concreteArray(v) === null;
  if (traced(value) || (globalThis.Array.isArray(value) && value.some(traced))) {
    return tracedShapeError(op, value, arg);
  }
  return new TypeError(message);
}

/** The most elements one array may have (typed arrays and WebAssembly's 32-bit addresses). */
export const MAX_SIZE = 2 ** 32 - 1;

/** Throws a RangeError naming `op` when an array of `shape` would be too large to hold. */
export function checkSize(op: string, shape: Shape): void {
  const n = sizeOf(shape);
  if (n > MAX_SIZE) {
    throw new RangeError(
      `${op}: an array of shape ${shapeStr(shape)} would have ${n} elements; at most ${MAX_SIZE} (2^32 - 1) are supported`,
    );
  }
}

/**
 * A list of integers argument (`tile`'s reps, `transpose`'s axes...): a JS
 * array of safe integers, or one integer where `scalar` is true. Anything
 * else is a TypeError naming the function and the argument.
 */
export function intsArg(op: string, given: unknown, arg: string, scalar = true): number[] {
  const value = concreteInts(op, given, arg);
  if (scalar && typeof value === "number" && Number.isSafeInteger(value)) return [value];
  if (
    !globalThis.Array.isArray(value) ||
    value.some((v) => typeof v !== "number" || !Number.isSafeInteger(v))
  ) {
    throw new TypeError(
      `${op}: ${arg} must be ${scalar ? "an integer or " : ""}a list of integers, got ${describeArg(value)}`,
    );
  }
  return value.map((v: number) => (v === 0 ? 0 : v));
}

/**
 * Validates a shape argument: a JS array of non-negative safe integers, or a
 * single integer (a 1-D shape) where `scalar` is true, as NumPy's `zeros(3)`.
 * Wrong kinds (undefined, strings, NaN, 1.5) and negative dimensions are
 * `TypeError`s (JAX's `_check_shapelike`), each naming the function and the
 * argument; a traced value is JAX's ConcretizationTypeError for a shape that
 * is not concrete (tracedShapeError).
 */
export function shapeArg(op: string, given: unknown, arg = "shape", scalar = false): number[] {
  const shape = concreteInts(op, given, arg);
  const expected = `${arg} must be a list of non-negative integers${scalar ? " or one integer" : " (e.g. [2, 3])"}`;
  if (scalar && typeof shape === "number") return shapeArg(op, [shape], arg, false);
  if (!globalThis.Array.isArray(shape)) {
    throw new TypeError(`${op}: ${expected}, got ${describeArg(shape)}`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    const at = `${arg}[${i}]`;
    if (typeof d !== "number") {
      throw new TypeError(
        `${op}: ${expected}; ${at} is ${describeArg(d)} in ${describeArg(shape)}`,
      );
    }
    if (Number.isNaN(d)) {
      throw new TypeError(`${op}: ${expected}; ${at} is NaN, which is not a valid dimension`);
    }
    if (!Number.isSafeInteger(d)) {
      throw new TypeError(`${op}: ${expected}; ${at} is ${d}, which is not an integer dimension`);
    }
    if (d < 0) {
      throw new TypeError(`${op}: ${expected}; ${at} is ${d}: negative dimensions are not allowed`);
    }
  }
  // -0 is 0 (a shape printed or compared never shows a negative zero).
  const out = (shape as number[]).map((d) => (d === 0 ? 0 : d));
  checkSize(op, out);
  return out;
}

/**
 * Normalizes a possibly negative axis into [0, ndim), naming the caller and
 * the argument on error: a non-integer is a `TypeError`, an axis out of
 * range a `ValueError` (JAX's `canonicalize_axis`).
 */
export function normalizeAxis(axis: number, ndim: number, op: string, arg = "axis"): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new TypeError(`${op}: ${arg} must be an integer, got ${describeArg(axis)}`);
  }
  if (axis < -ndim || axis >= ndim) {
    throw new ValueError(
      `${op}: ${arg} ${axis} is out of bounds for an array of rank ${ndim}` +
        (ndim > 0 ? ` (allowed: ${-ndim} to ${ndim - 1})` : " (a 0-d array has no axes)"),
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalizes an `axis` argument (an integer, a list of integers, or
 * null/undefined for all axes): each in range, none repeated.
 */
export function normalizeAxes(
  axis: number | readonly number[] | null | undefined,
  ndim: number,
  op: string,
  arg = "axis",
): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const expected = `${arg} must be an integer, a list of integers or null`;
  if (typeof axis !== "number" && !globalThis.Array.isArray(axis)) {
    throw new TypeError(`${op}: ${expected}, got ${describeArg(axis)}`);
  }
  const list: readonly unknown[] = typeof axis === "number" ? [axis] : axis;
  list.forEach((a, i) => {
    if (typeof a !== "number" || !Number.isInteger(a)) {
      const at =
        typeof axis === "number" ? `got ${describeArg(a)}` : `${arg}[${i}] is ${describeArg(a)}`;
      throw new TypeError(`${op}: ${expected}; ${at}`);
    }
  });
  const out = (list as readonly number[]).map((a) => normalizeAxis(a, ndim, op, arg));
  if (new Set(out).size !== out.length) {
    const twice = out.find((a, i) => out.indexOf(a) !== i);
    throw new ValueError(
      `${op}: repeated axis: ${arg} ${describeArg(list)} names axis ${twice} twice`,
    );
  }
  return out;
}

export function isPermutation(perm: readonly number[], n: number): boolean {
  if (perm.length !== n) return false;
  const seen = new Array<boolean>(n).fill(false);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= n || seen[p]) return false;
    seen[p] = true;
  }
  return true;
}
