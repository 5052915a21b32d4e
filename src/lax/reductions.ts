/**
 * Reductions over axes (`reduce_sum`, `reduce_max`, ..., `argmax`,
 * `argmin`), each a primitive as in JAX. (The cumulative reductions, whose
 * derivatives are associative scans, are in control_flow/cumulative.ts, as
 * JAX keeps them with its loops.)
 *
 * The eager kernels are the backends' library kernels named as the
 * primitives (the CPU's in backend/cpu/kernels/reductions.ts: float64
 * accumulators, integer sums and products modulo 2^32 as XLA's).
 */
import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { libraryImpl } from "../core/library.js";
import {
  type BatchRule,
  type JvpRule,
  OPAQUE,
  Primitive,
  type Tangent,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { type DType, isBool, isComplex, isFloating, isInexact, isInteger } from "../dtype.js";
import { ValueError } from "../errors.js";
import { jvpFlat } from "../interpreters/jvp.js";
import type { ReduceOp } from "../ir/kernel.js";
import { normalizeAxis, type Shape, shapeStr, sizeOf } from "../shape.js";
import { castToAval } from "./ad_util.js";
import { convertElementType, div, eq, mul } from "./elementwise.js";
import { broadcastInDim, pad, reshape, transpose } from "./shape_ops.js";
import { sliceInDim } from "./slicing.js";

export interface ReduceParams {
  axes: readonly number[];
}
export interface ArgMinMaxParams {
  axes: readonly number[];
  index_dtype: DType;
}

// --- validation ----------------------------------------------------------------

/** Checks reduction axes (non-negative, in range, distinct) and returns the output shape. */
function reducedShape(op: string, shape: Shape, axes: readonly number[]): number[] {
  const ndim = shape.length;
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= ndim) {
      throw new ValueError(
        `${op}: axis ${a} in axes ${JSON.stringify(axes)} is out of bounds for an operand of shape ` +
          `${shapeStr(shape)}` +
          (ndim > 0 ? ` (allowed: 0 to ${ndim - 1})` : " (a 0-d array has no axes)"),
      );
    }
  }
  if (new Set(axes).size !== axes.length) {
    throw new ValueError(`${op}: duplicate value in axes ${JSON.stringify(axes)}`);
  }
  return shape.filter((_, i) => !axes.includes(i));
}

export type DtypeKind = "number" | "real" | "any" | "bitwise" | "floating";
const KIND_TEXT: Record<DtypeKind, string> = {
  number: "numbers (integers, floats and complex)",
  real: "integers and floats",
  any: "any dtype (complex numbers in lexicographic order)",
  bitwise: "bool and integers (int32, uint32)",
  floating: "floating point (float32, float64)",
};

export function checkDtype(op: string, dtype: DType, kind: DtypeKind): void {
  const ok =
    kind === "any" ||
    (kind === "number" && !isBool(dtype)) ||
    (kind === "real" && !isBool(dtype) && !isComplex(dtype)) ||
    (kind === "bitwise" && (isBool(dtype) || isInteger(dtype))) ||
    (kind === "floating" && isFloating(dtype));
  if (!ok) {
    throw new TypeError(
      `${op} does not accept dtype ${dtype}. Accepted dtypes are ${KIND_TEXT[kind]}.`,
    );
  }
}

/** Normalizes user axes (negative counts from the end) in a wrapper. */
function userAxes(op: string, axes: readonly number[], ndim: number): number[] {
  if (!globalThis.Array.isArray(axes)) {
    throw new TypeError(`${op}: axes must be a list of integers, got ${String(axes)}`);
  }
  return axes.map((a) => normalizeAxis(a, ndim, op, "axis"));
}

// --- differentiation and batching helpers -----------------------------------------

/** The result's jvp when the primitive is linear in its operand: the primitive of the tangent. */
export function linearJvp<P extends object>(prim: () => Primitive<P>): JvpRule<P> {
  return ([x], [t], params) => {
    const ans = bind1(prim(), [x!], params);
    if (t instanceof Zero || !isInexact(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
    return [[ans], [castToAval(bind1(prim(), [t!], params), ans.aval)]];
  };
}

/** Integer- and bool-valued results (argmax, reduce_and...) have zero tangents. */
function zeroJvp<P extends object>(prim: () => Primitive<P>): JvpRule<P> {
  return ([x], _, params) => {
    const ans = bind1(prim(), [x!], params);
    return [[ans], [new Zero(ans.aval)]];
  };
}

/**
 * The jvp of a primitive computed by `f` (a composition of differentiable lax
 * ops), as JAX defines reduce_prod's and the cumulative ops': the primal is the
 * primitive's own, the tangent the jvp of `f` (forward mode, interpreters/jvp.ts).
 */
export function jvpVia<P extends object>(
  prim: () => Primitive<P>,
  f: (x: Array, params: P) => Array,
): JvpRule<P> {
  return ([x], [t], params) => {
    const ans = bind1(prim(), [x!], params);
    if (t instanceof Zero || !isInexact(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
    const [, [tOut]] = jvpFlat((y) => [f(y, params)], [x!], [t!]);
    return [[ans], [tOut! instanceof Zero ? tOut : castToAval(tOut!, ans.aval)]];
  };
}

/** The dims of an operand of rank `ndim` that a reduction over `axes` keeps. */
function keptDims(ndim: number, axes: readonly number[]): number[] {
  return globalThis.Array.from({ length: ndim }, (_, i) => i).filter((i) => !axes.includes(i));
}

/** Reductions under vmap: the axes move past the batch dim, which stays (shifted left). */
function reducerBatch<P extends { axes: readonly number[] }>(
  prim: () => Primitive<P>,
): BatchRule<P> {
  return ([x], [bdim], params) => {
    const b = bdim!;
    const axes = params.axes.map((a) => (a < b ? a : a + 1));
    const out = bind1(prim(), [x!], { ...params, axes });
    return [[out], [b - axes.filter((a) => a < b).length]];
  };
}

// --- reductions over axes ----------------------------------------------------

/** The reductions over axes, each a primitive named so and a library kernel of that name. */
export const REDUCTIONS = [
  "reduce_sum",
  "reduce_prod",
  "reduce_max",
  "reduce_min",
  "reduce_and",
  "reduce_or",
  "reduce_xor",
] as const;

/** The dtypes each reduction takes. */
const REDUCTION_KINDS: Record<string, DtypeKind> = {
  reduce_sum: "number", reduce_prod: "number", reduce_max: "any", reduce_min: "any",
  reduce_and: "bitwise", reduce_or: "bitwise", reduce_xor: "bitwise",
}; // biome-ignore format: a table

/** The wrappers' names in errors (computed once: the eager path checks on every call). */
const REDUCTION_OPS: Record<string, string> = Object.fromEntries(
  REDUCTIONS.map((n) => [n, `lax.${camel(n)}`]),
);

/** The result of reduction `name` of x over `axes`, after checking the dtype and axes. */
export function reductionAval(name: string, x: ShapedArray, axes: readonly number[]): ShapedArray {
  const op = REDUCTION_OPS[name]!;
  checkDtype(op, x.dtype, REDUCTION_KINDS[name]!);
  return new ShapedArray(reducedShape(op, x.shape, axes), x.dtype, x.weakType);
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The kernel IR's reduction of each reduce primitive. */
const REDUCE_OPS: Record<string, ReduceOp> = {
  reduce_sum: "sum", reduce_prod: "prod", reduce_max: "max", reduce_min: "min",
  reduce_and: "and", reduce_or: "or", reduce_xor: "xor",
}; // biome-ignore format: a table

function reductionPrimitive(name: string): Primitive<ReduceParams> {
  // Eager evaluation calls impl alone, so the kernel validates through the same rule.
  const prim: Primitive<ReduceParams> = new Primitive<ReduceParams>(name, {
    lower: { kind: "reduce", op: REDUCE_OPS[name]! },
    facts: OPAQUE,
    abstractEval: ([x], { axes }) => [reductionAval(name, x!, axes)],
    impl: libraryImpl<ReduceParams>(name),
    jvp: reduceJvps[name]!(() => prim),
    transpose: name === "reduce_sum" ? reduceSumTranspose : null,
    batch: reducerBatch(() => prim),
  });
  return prim;
}

/**
 * reduce_max / reduce_min (JAX's _reduce_chooser_jvp_rule): the tangent at the
 * locations of the extreme, averaged over ties.
 */
function chooserJvp(prim: () => Primitive<ReduceParams>): JvpRule<ReduceParams> {
  return ([x], [t], params) => {
    const ans = bind1(prim(), [x!], params);
    if (t instanceof Zero || !isInexact(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
    const { axes } = params;
    const at = eq(x!, broadcastInDim(ans, x!.shape, keptDims(x!.ndim, axes)));
    const loc = convertElementType(at, ans.dtype);
    const counts = reduceSum(loc, axes);
    return [[ans], [castToAval(div(reduceSum(mul(t!, loc), axes), counts), ans.aval)]];
  };
}

/**
 * The product as a tree of pairwise products (JAX's _reduce_prod_tree), whose
 * jvp is exact where operands are zero (no division by the product).
 */
function prodTree(x: Array, { axes }: ReduceParams): Array {
  const kept = keptDims(x.ndim, axes);
  const rest = kept.map((i) => x.shape[i]!);
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  if (n === 0) return broadcastInDim(convertElementType(1, x.dtype, x.weakType), rest, []);
  let y = reshape(transpose(x, [...axes, ...kept]), [n, ...rest]);
  const one = convertElementType(1, x.dtype, x.weakType);
  while (y.shape[0]! > 1) {
    const m = y.shape[0]!;
    const half = Math.ceil(m / 2);
    let second = sliceInDim(y, half, m, 1, 0);
    if (m - half !== half)
      second = pad(
        second,
        one,
        y.shape.map((_, i) => [0, i === 0 ? 1 : 0, 0]),
      );
    y = mul(sliceInDim(y, 0, half, 1, 0), second);
  }
  return reshape(y, rest);
}

const reduceJvps: Record<string, (prim: () => Primitive<ReduceParams>) => JvpRule<ReduceParams>> = {
  reduce_sum: linearJvp,
  reduce_prod: (prim) => jvpVia(prim, prodTree),
  reduce_max: chooserJvp,
  reduce_min: chooserJvp,
  reduce_and: zeroJvp,
  reduce_or: zeroJvp,
  reduce_xor: zeroJvp,
};

/** reduce_sum is linear: the cotangent is broadcast back along the reduced axes. */
function reduceSumTranspose(
  [ct]: Tangent[],
  [x]: (Array | UndefinedPrimal)[],
  { axes }: ReduceParams,
): (Tangent | null)[] {
  const aval = x!.aval;
  if (!(x instanceof UndefinedPrimal)) return [null];
  if (ct instanceof Zero) return [new Zero(aval)];
  return [castToAval(broadcastInDim(ct!, aval.shape, keptDims(aval.ndim, axes)), aval)];
}

export const reduceSumP: Primitive<ReduceParams> = reductionPrimitive("reduce_sum");
export const reduceProdP: Primitive<ReduceParams> = reductionPrimitive("reduce_prod");
export const reduceMaxP: Primitive<ReduceParams> = reductionPrimitive("reduce_max");
export const reduceMinP: Primitive<ReduceParams> = reductionPrimitive("reduce_min");
export const reduceAndP: Primitive<ReduceParams> = reductionPrimitive("reduce_and");
export const reduceOrP: Primitive<ReduceParams> = reductionPrimitive("reduce_or");
export const reduceXorP: Primitive<ReduceParams> = reductionPrimitive("reduce_xor");

function reduceWith(
  prim: Primitive<ReduceParams>,
  operand: ArrayLike,
  axes: readonly number[],
): Array {
  const op = `lax.${camel(prim.name)}`;
  const x = asArray(operand, op, "operand");
  return bind1(prim, [x], { axes: userAxes(op, axes, x.ndim) });
}

/** Sum over `axes` (which are removed from the shape). */
export function reduceSum(operand: ArrayLike, axes: readonly number[]): Array {
  return reduceWith(reduceSumP, operand, axes);
}
/** Product over `axes`. */
export function reduceProd(operand: ArrayLike, axes: readonly number[]): Array {
  return reduceWith(reduceProdP, operand, axes);
}
/** Maximum over `axes` (NaN propagates; empty: -inf or the dtype's minimum). */
export function reduceMax(operand: ArrayLike, axes: readonly number[]): Array {
  return reduceWith(reduceMaxP, operand, axes);
}
/** Minimum over `axes` (NaN propagates; empty: +inf or the dtype's maximum). */
export function reduceMin(operand: ArrayLike, axes: readonly number[]): Array {
  return reduceWith(reduceMinP, operand, axes);
}
/** Logical (bool) or bitwise (integers) and over `axes`. */
export function reduceAnd(operand: ArrayLike, axes: readonly number[]): Array {
  return reduceWith(reduceAndP, operand, axes);
}
/** Logical (bool) or bitwise (integers) or over `axes`. */
export function reduceOr(operand: ArrayLike, axes: readonly number[]): Array {
  return reduceWith(reduceOrP, operand, axes);
}
/** Logical (bool) or bitwise (integers) xor over `axes`. */
export function reduceXor(operand: ArrayLike, axes: readonly number[]): Array {
  return reduceWith(reduceXorP, operand, axes);
}

// --- argmax / argmin ----------------------------------------------------------

/** outer × n × inner: the layout of an array around one axis. */
export function aroundAxis(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/** The result of argmax/argmin: the operand's shape less the axis, of the index dtype, after the checks. */
export function argMinMaxAval(
  name: "argmax" | "argmin",
  x: ShapedArray,
  { axes, index_dtype }: ArgMinMaxParams,
): ShapedArray {
  const op = name === "argmax" ? "lax.argmax" : "lax.argmin";
  if (axes.length !== 1) {
    throw new ValueError(`${op}: needs exactly one axis, got axes ${JSON.stringify(axes)}`);
  }
  const shape = reducedShape(op, x.shape, axes);
  if (x.shape[axes[0]!] === 0) {
    throw new ValueError(
      `${op}: requires a non-empty reduced dimension, but axis ${axes[0]} of the operand of ` +
        `shape ${shapeStr(x.shape)} has size 0`,
    );
  }
  if (!isInteger(index_dtype)) {
    throw new TypeError(
      `${op}: indexDtype must be an integer type (int32, uint32), got ${index_dtype}`,
    );
  }
  return new ShapedArray(shape, index_dtype, false);
}

function argMinMaxPrimitive(name: "argmax" | "argmin"): Primitive<ArgMinMaxParams> {
  const prim: Primitive<ArgMinMaxParams> = new Primitive<ArgMinMaxParams>(name, {
    lower: { kind: "library", name },
    facts: OPAQUE,
    abstractEval: ([x], params) => [argMinMaxAval(name, x!, params)],
    impl: libraryImpl<ArgMinMaxParams>(name),
    jvp: zeroJvp(() => prim),
    batch: reducerBatch(() => prim),
    transpose: null,
  });
  return prim;
}

export const argmaxP: Primitive<ArgMinMaxParams> = argMinMaxPrimitive("argmax");
export const argminP: Primitive<ArgMinMaxParams> = argMinMaxPrimitive("argmin");

function argWith(
  prim: Primitive<ArgMinMaxParams>,
  operand: ArrayLike,
  axis: number,
  indexDtype: DType,
): Array {
  const op = `lax.${prim.name}`;
  const x = asArray(operand, op, "operand");
  return bind1(prim, [x], { axes: [normalizeAxis(axis, x.ndim, op)], index_dtype: indexDtype });
}

/** Index of the maximum along `axis` (first occurrence; a NaN counts as the maximum). */
export function argmax(operand: ArrayLike, axis: number, indexDtype: DType = "int32"): Array {
  return argWith(argmaxP, operand, axis, indexDtype);
}
/** Index of the minimum along `axis` (first occurrence; a NaN counts as the minimum). */
export function argmin(operand: ArrayLike, axis: number, indexDtype: DType = "int32"): Array {
  return argWith(argminP, operand, axis, indexDtype);
}
