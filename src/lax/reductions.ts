/**
 * Reductions over axes (`reduce_sum`, `reduce_max`, ..., `argmax`,
 * `argmin`), each a primitive as in JAX. (The cumulative reductions, whose
 * derivatives are associative scans, are in control_flow/cumulative.ts, as
 * JAX keeps them with its loops.)
 *
 * Kernels accumulate in float64: float32 sums and products are computed
 * exactly enough and rounded once. Integer sums and products wrap around
 * modulo 2^32, as XLA's do.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
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
import { allocate, type DType, isBool, isFloating, isInteger, type TypedArray } from "../dtype.js";
import { jvpFlat } from "../interpreters/jvp.js";
import type { ReduceOp } from "../ir/kernel.js";
import { normalizeAxis, type Shape, shapeStr, sizeOf, stridesOf } from "../shape.js";
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
      throw new Error(
        `${op}: axis ${a} in axes ${JSON.stringify(axes)} is out of bounds for an operand of shape ` +
          `${shapeStr(shape)}` +
          (ndim > 0 ? ` (allowed: 0 to ${ndim - 1})` : " (a 0-d array has no axes)"),
      );
    }
  }
  if (new Set(axes).size !== axes.length) {
    throw new Error(`${op}: duplicate value in axes ${JSON.stringify(axes)}`);
  }
  return shape.filter((_, i) => !axes.includes(i));
}

export type DtypeKind = "number" | "any" | "bitwise" | "floating";
const KIND_TEXT: Record<DtypeKind, string> = {
  number: "numbers (int32, uint32, float32, float64)",
  any: "any dtype",
  bitwise: "bool and integers (int32, uint32)",
  floating: "floating point (float32, float64)",
};

export function checkDtype(op: string, dtype: DType, kind: DtypeKind): void {
  const ok =
    kind === "any" ||
    (kind === "number" && !isBool(dtype)) ||
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
    if (t instanceof Zero || !isFloating(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
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
    if (t instanceof Zero || !isFloating(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
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

/**
 * Merges adjacent dims that are both reduced or both kept (and drops size-1
 * dims), so a reduction runs over as few, as long, contiguous rows as possible.
 * Returns the input shape and, per dim, its stride in the output (0: reduced).
 */
function coalesce(shape: Shape, axes: readonly number[]): { dims: number[]; ostrides: number[] } {
  const outStrides = stridesOf(shape.filter((_, i) => !axes.includes(i)));
  const dims: number[] = [];
  const ostrides: number[] = [];
  let k = 0;
  shape.forEach((d, i) => {
    const s = axes.includes(i) ? 0 : outStrides[k++]!;
    if (d === 1) return;
    const last = dims.length - 1;
    // Kept dims merge when the outer one's stride is the inner one's extent.
    if (last >= 0 && (s === 0 ? ostrides[last] === 0 : ostrides[last] === s * d)) {
      dims[last]! *= d;
      ostrides[last] = s;
    } else {
      dims.push(d);
      ostrides.push(s);
    }
  });
  return { dims, ostrides };
}

/** A kernel over one row: x[xi .. xi+n) folds into acc[oi + j*s]. */
type RowKernel = (
  x: TypedArray,
  xi: number,
  acc: Float64Array,
  oi: number,
  n: number,
  s: number,
) => void;

/** Calls `row` for each innermost row of x, with the output offset of its first element. */
function forEachRow(
  dims: number[],
  ostrides: number[],
  total: number,
  row: (xi: number, oi: number) => void,
): void {
  const nd = dims.length;
  const n = nd === 0 ? 1 : dims[nd - 1]!;
  const idx = new Int32Array(nd);
  let oi = 0;
  for (let xi = 0; xi < total; xi += n) {
    row(xi, oi);
    for (let d = nd - 2; d >= 0; d--) {
      oi += ostrides[d]!;
      if (++idx[d]! < dims[d]!) break;
      oi -= ostrides[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
}

// Row kernels. Integer kernels work for int32 and uint32 alike: `|0` and
// Math.imul are arithmetic modulo 2^32, and storing into the output typed
// array reinterprets the bits. Max/min are IEEE 754-2019 maximum/minimum
// (Math.max/Math.min, WebAssembly's f32.max): NaN propagates and -0 < +0, so
// the result does not depend on the order of the elements (the compiled
// kernels fold vector lanes in another order and agree).
const sumF: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s]! += x[xi + j]!;
};
const sumI: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = (acc[oi + j * s]! + x[xi + j]!) | 0;
};
const prodF: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s]! *= x[xi + j]!;
};
const prodI: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = Math.imul(acc[oi + j * s]!, x[xi + j]!);
};
const maxK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = Math.max(acc[oi + j * s]!, x[xi + j]!);
};
const minK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = Math.min(acc[oi + j * s]!, x[xi + j]!);
};
const andK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = acc[oi + j * s]! & x[xi + j]!;
};
const orK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = acc[oi + j * s]! | x[xi + j]!;
};
const xorK: RowKernel = (x, xi, acc, oi, n, s) => {
  for (let j = 0; j < n; j++) acc[oi + j * s] = acc[oi + j * s]! ^ x[xi + j]!;
};

interface Reducer {
  kind: DtypeKind;
  kernel: (dtype: DType) => RowKernel;
  identity: (dtype: DType) => number;
}

const MAX_IDENTITY: Record<DType, number> = {
  float32: -Infinity,
  float64: -Infinity,
  int32: -(2 ** 31),
  uint32: 0,
  bool: 0,
};
const MIN_IDENTITY: Record<DType, number> = {
  float32: Infinity,
  float64: Infinity,
  int32: 2 ** 31 - 1,
  uint32: 2 ** 32 - 1,
  bool: 1,
};

const reducers: Record<string, Reducer> = {
  reduce_sum: { kind: "number", kernel: (d) => (isFloating(d) ? sumF : sumI), identity: () => 0 },
  reduce_prod: {
    kind: "number",
    kernel: (d) => (isFloating(d) ? prodF : prodI),
    identity: () => 1,
  },
  reduce_max: { kind: "any", kernel: () => maxK, identity: (d) => MAX_IDENTITY[d] },
  reduce_min: { kind: "any", kernel: () => minK, identity: (d) => MIN_IDENTITY[d] },
  // All bits set; bool's "all set" is 1 (Uint8Array would keep 255 of -1).
  reduce_and: { kind: "bitwise", kernel: () => andK, identity: (d) => (isBool(d) ? 1 : -1) },
  reduce_or: { kind: "bitwise", kernel: () => orK, identity: () => 0 },
  reduce_xor: { kind: "bitwise", kernel: () => xorK, identity: () => 0 },
};

function reduceImpl(
  name: string,
  x: ArrayImpl,
  axes: readonly number[],
  aval: ShapedArray,
): ArrayImpl {
  const r = reducers[name]!;
  const acc = new Float64Array(aval.size).fill(r.identity(x.dtype));
  const { dims, ostrides } = coalesce(x.shape, axes);
  const kernel = r.kernel(x.dtype);
  const n = dims.length === 0 ? 1 : dims[dims.length - 1]!;
  const s = dims.length === 0 ? 0 : ostrides[dims.length - 1]!;
  forEachRow(dims, ostrides, x.size, (xi, oi) => kernel(x.values, xi, acc, oi, n, s));
  const out = allocate(aval.dtype, acc.length);
  out.set(acc);
  return new ArrayImpl(aval, out);
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
  const op = `lax.${camel(name)}`;
  const kind = reducers[name]!.kind;
  // Eager evaluation calls impl alone, so impl validates through the same rule.
  const abstractEval = (x: ShapedArray, axes: readonly number[]): ShapedArray => {
    checkDtype(op, x.dtype, kind);
    return new ShapedArray(reducedShape(op, x.shape, axes), x.dtype, x.weakType);
  };
  const prim: Primitive<ReduceParams> = new Primitive<ReduceParams>(name, {
    lower: { kind: "reduce", op: REDUCE_OPS[name]! },
    facts: OPAQUE,
    abstractEval: ([x], { axes }) => [abstractEval(x!, axes)],
    impl: ([x], { axes }) => [reduceImpl(name, x!, axes, abstractEval(x!.aval, axes))],
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
    if (t instanceof Zero || !isFloating(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
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

function argMinMaxPrimitive(name: "argmax" | "argmin"): Primitive<ArgMinMaxParams> {
  const op = `lax.${name}`;
  const better =
    name === "argmax" ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  const abstractEval = (x: ShapedArray, { axes, index_dtype }: ArgMinMaxParams): ShapedArray => {
    if (axes.length !== 1) {
      throw new Error(`${op}: needs exactly one axis, got axes ${JSON.stringify(axes)}`);
    }
    const shape = reducedShape(op, x.shape, axes);
    if (x.shape[axes[0]!] === 0) {
      throw new Error(
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
  };
  const prim: Primitive<ArgMinMaxParams> = new Primitive<ArgMinMaxParams>(name, {
    lower: null,
    facts: OPAQUE,
    abstractEval: ([x], params) => [abstractEval(x!, params)],
    impl: ([x], params) => {
      const aval = abstractEval(x!.aval, params);
      const [outer, n, inner] = aroundAxis(x!.shape, params.axes[0]!);
      const data = x!.values;
      const best = new Float64Array(outer * inner);
      const idx = allocate(aval.dtype, outer * inner);
      for (let o = 0; o < outer; o++) {
        const base = o * n * inner;
        for (let j = 0; j < inner; j++) best[o * inner + j] = data[base + j]!;
        for (let k = 1; k < n; k++) {
          const row = base + k * inner;
          for (let j = 0; j < inner; j++) {
            const v = data[row + j]!;
            const b = best[o * inner + j]!;
            // The first NaN wins (NaN is both the max and the min, as in JAX and NumPy).
            if (!Number.isNaN(b) && (better(v, b) || Number.isNaN(v))) {
              best[o * inner + j] = v;
              idx[o * inner + j] = k;
            }
          }
        }
      }
      return [new ArrayImpl(aval, idx)];
    },
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
