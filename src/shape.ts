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
        throw new Error(
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
    return `[${x.map((v) => (typeof v === "number" ? String(v) : kindOf(v))).join(", ")}]`;
  }
  return kindOf(x);
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
export function intsArg(op: string, value: unknown, arg: string, scalar = true): number[] {
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
 * Wrong kinds (undefined, strings, NaN, 1.5) are `TypeError`s and negative
 * dimensions `RangeError`s, each naming the function and the argument.
 */
export function shapeArg(op: string, shape: unknown, arg = "shape", scalar = false): number[] {
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
      throw new RangeError(
        `${op}: ${expected}; ${at} is ${d}: negative dimensions are not allowed`,
      );
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
 * range a `RangeError`.
 */
export function normalizeAxis(axis: number, ndim: number, op: string, arg = "axis"): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new TypeError(`${op}: ${arg} must be an integer, got ${describeArg(axis)}`);
  }
  if (axis < -ndim || axis >= ndim) {
    throw new RangeError(
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
    throw new Error(`${op}: repeated axis: ${arg} ${describeArg(list)} names axis ${twice} twice`);
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
