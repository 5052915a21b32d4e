/**
 * Helpers shared by the shape, slicing and gather/scatter primitives:
 * argument checks with clear errors, and the index walks over strided
 * layouts that their kernels use (the strided copies themselves are the CPU
 * backend's, backend/cpu/kernels/strided.ts). Internal: not part of the
 * public `lax` namespace.
 */
import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray, scalarAs, scalarAval } from "../core/convert.js";
import {
  type JvpRule,
  type Primitive,
  type TransposeRule,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { type DType, isBool, isInexact, promoteTypes } from "../dtype.js";
import { shapeArg as checkShapeArg, type Shape, shapeStr, sizeOf, stridesOf } from "../shape.js";
import { castToAval, instantiate, isZero } from "./ad_util.js";

/** Python tuple text of a list of ints, as JAX prints shapes and dimension lists. */
export const tuple = (xs: readonly number[]): string => shapeStr(xs);

/** Checks that `xs` is a JS array of integers (optionally non-negative) and copies it. */
export function intList(op: string, arg: string, xs: unknown, nonNegative = false): number[] {
  if (!globalThis.Array.isArray(xs) || !xs.every((x) => Number.isInteger(x))) {
    throw new TypeError(`${op}: ${arg} must be a list of integers, got ${showValue(xs)}`);
  }
  if (nonNegative && xs.some((x: number) => x < 0)) {
    throw new TypeError(`${op}: ${arg} must be non-negative, got ${tuple(xs as number[])}`);
  }
  return [...(xs as number[])];
}

/** A shape argument: a list of non-negative integers. */
export function shapeArg(op: string, arg: string, shape: unknown): number[] {
  return checkShapeArg(op, shape, arg);
}

export function showValue(x: unknown): string {
  if (globalThis.Array.isArray(x)) return `[${x.map(showValue).join(", ")}]`;
  if (typeof x === "object" && x !== null) return `an object of type ${x.constructor?.name}`;
  return String(x);
}

/** Checks that `dims` are distinct and in [0, ndim); `what` names the list in errors. */
export function checkDims(op: string, what: string, dims: readonly number[], shape: Shape): void {
  for (const d of dims) {
    if (d < 0 || d >= shape.length) {
      throw new TypeError(
        `${op}: ${what} ${tuple(dims)} contains ${d}, out of bounds for an operand of shape ` +
          `${tuple(shape)}` +
          (shape.length > 0
            ? ` (allowed: 0 to ${shape.length - 1})`
            : " (a 0-d array has no dimensions)"),
      );
    }
  }
  if (new Set(dims).size !== dims.length) {
    throw new TypeError(`${op}: ${what} must be unique, got ${tuple(dims)}`);
  }
}

export function checkArity(op: string, avals: readonly ShapedArray[], n: number): void {
  if (avals.length !== n) {
    throw new TypeError(`${op} takes ${n} operand${n === 1 ? "" : "s"}, got ${avals.length}`);
  }
}

export function describeAval(a: ShapedArray): string {
  return `${a.dtype}${tuple(a.shape)}${a.weakType ? " (weak)" : ""}`;
}

/**
 * A JS number (weakly typed) becomes a 0-d array of `dtype` when JAX's weak
 * typing allows it (an integral number for an int dtype, any number for a
 * float dtype); anything else is returned as an array unchanged, for the
 * primitive's dtype check to judge.
 */
export function scalarLike(x: ArrayLike, dtype: DType, op: string, arg: string): Array {
  if (typeof x === "number") {
    const aval = scalarAval(x);
    if (promoteTypes({ dtype, weakType: false }, aval).dtype === dtype && !isBool(dtype)) {
      return scalarAs(x, dtype, true, op);
    }
  }
  return asArray(x, op, arg);
}

/**
 * Walks the row-major indices i of `shape` one innermost row at a time,
 * tracking two strided offsets `a0 + Σ_k i_k·sa[k]` and `b0 + Σ_k i_k·sb[k]`:
 * `row(a, b)` gets them at the row's first element (its elements follow
 * `sa[last]` and `sb[last]` apart). Shapes with no elements call nothing.
 */
export function forEachRow(
  shape: Shape,
  sa: readonly number[],
  a0: number,
  sb: readonly number[],
  b0: number,
  row: (a: number, b: number) => void,
): void {
  const nd = shape.length;
  if (shape.includes(0)) return;
  const idx = new globalThis.Array<number>(Math.max(nd - 1, 0)).fill(0);
  let a = a0;
  let b = b0;
  for (;;) {
    row(a, b);
    // Advance the odometer over the outer dimensions.
    let k = nd - 2;
    for (; k >= 0; k--) {
      a += sa[k]!;
      b += sb[k]!;
      if (++idx[k]! < shape[k]!) break;
      a -= sa[k]! * shape[k]!;
      b -= sb[k]! * shape[k]!;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

/** The length and the two strides of the innermost rows walked by forEachRow. */
export function innerRow(shape: Shape, sa: readonly number[], sb: readonly number[]): number[] {
  const nd = shape.length;
  return nd === 0 ? [1, 0, 0] : [shape[nd - 1]!, sa[nd - 1]!, sb[nd - 1]!];
}

// --- differentiation and batching helpers ---------------------------------------------
// The shape and slicing primitives are linear in their (floating) operands: the
// jvp applies the primitive to the tangents, and the transpose undoes the data
// movement (summing where the primitive copied one element to several places).

/**
 * The jvp of a primitive linear in all of its operands: the primitive of the
 * tangents (zeros instantiated). Integer and bool results have zero tangents.
 */
export function linearJvp<P extends object>(prim: () => Primitive<P>): JvpRule<P> {
  return (primals, tangents, params) => {
    const ans = bind1(prim(), primals, params);
    if (tangents.every((t) => isZero(t)) || !isInexact(ans.dtype))
      return [[ans], [new Zero(ans.aval)]];
    const ts = tangents.map((t, i) => castToAval(instantiate(t), primals[i]!.aval));
    return [[ans], [castToAval(bind1(prim(), ts, params), ans.aval)]];
  };
}

/**
 * The transpose of a one-operand linear primitive: `ctOf(ct, aval)` maps a
 * nonzero cotangent of the result to one of the operand (of type `aval`).
 */
export function unaryTranspose<P extends object>(
  ctOf: (ct: Array, aval: ShapedArray, params: P) => Array,
): TransposeRule<P> {
  return ([ct], [x], params) => {
    if (!(x instanceof UndefinedPrimal)) return [null];
    if (isZero(ct)) return [new Zero(x.aval)];
    return [castToAval(ctOf(ct!, x.aval, params), x.aval)];
  };
}

/** The inverse of a permutation. */
export function invertPermutation(perm: readonly number[]): number[] {
  const inv = new globalThis.Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

/** Dimensions of the per-example operand, shifted past the batch dimension `bdim`. */
export function shiftDims(dims: readonly number[], bdim: number): number[] {
  return dims.map((d) => (d < bdim ? d : d + 1));
}

/** Copies x (row-major `shape`) transposed by `perm` into `out` (out dim i = x dim perm[i]). */
export function permuteInto(
  data: { readonly length: number; readonly [i: number]: number },
  shape: Shape,
  perm: readonly number[],
  out: {
    [i: number]: number;
    set(a: { readonly length: number; readonly [i: number]: number }, offset?: number): void;
  },
): void {
  const total = sizeOf(shape);
  if (total === 0) return;
  if (perm.every((p, i) => p === i)) {
    out.set(data);
    return;
  }
  const strides = stridesOf(shape);
  const dims = perm.map((p) => shape[p]!);
  const st = perm.map((p) => strides[p]!);
  const nd = dims.length;
  const n = dims[nd - 1]!;
  const s = st[nd - 1]!;
  const idx = new Int32Array(nd);
  let src = 0;
  for (let dst = 0; dst < total; dst += n) {
    for (let j = 0; j < n; j++) out[dst + j] = data[src + j * s]!;
    for (let d = nd - 2; d >= 0; d--) {
      src += st[d]!;
      if (++idx[d]! < dims[d]!) break;
      src -= st[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
}
