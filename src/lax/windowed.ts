/**
 * Windowed reductions, as in JAX: `lax.reduceWindow` over the primitives
 * reduce_window_sum, reduce_window_max and reduce_window_min (pooling in
 * CNNs), and the two primitives their derivatives need:
 *
 * - select_and_gather_add(t, x): per window, the element of t at the
 *   position of x's maximum (or minimum): the tangent of reduce_window_max.
 * - select_and_scatter_add(s, x): each s[o] added at the position of the
 *   maximum (minimum) of x's window o: the transpose of the former, and
 *   the gradient of max pooling.
 *
 * Semantics follow XLA's ReduceWindow: the operand is dilated (base
 * dilation: holes between elements), padded, and windows of
 * `windowDimensions` elements (themselves spread by the window dilation)
 * step by `windowStrides`. Padding and holes take no part in a window: each
 * window combines `initValue` once with its real elements (for the identity
 * 0, -inf, +inf this is the same as padding with the init value).
 *
 * Ties in max/min: the derivative goes to one element of the window, the
 * first in row-major window order (JAX's select_and_gather_add picks one of
 * the tied elements, which one being up to XLA; reduce_max over axes instead
 * splits it evenly).
 */
import { type Array, ArrayImpl, hostValues } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { libraryImpl } from "../core/library.js";
import {
  type AxisData,
  type BatchDim,
  OPAQUE,
  Primitive,
  type Tangent,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { type DType, isBool, isFloating, isInexact } from "../dtype.js";
import { ValueError } from "../errors.js";
import { reduceIdentity } from "../ir/eval.js";
import { castToAval, instantiate, isZero } from "./ad_util.js";
import { moveBatchAxis } from "./batch_util.js";
import { add, max, min } from "./elementwise.js";
import { pad } from "./shape_ops.js";
import { checkArity, describeAval, intList, scalarLike, showValue, tuple } from "./shape_util.js";

/** The window of one dimension, as the primitives' params give it. */
export interface DimWindow {
  size: number;
  stride: number;
  lo: number;
  hi: number;
  baseDilation: number;
  windowDilation: number;
}

export type WindowKind = "sum" | "max" | "min";

/** JAX's _dilate_shape for one dimension: n elements with dilation - 1 holes between them. */
export function dilateDim(n: number, dilation: number): number {
  return n === 0 ? 0 : 1 + dilation * (n - 1);
}

/** The number of windows along one dimension of size n (XLA's strided bound: 0 if none fits). */
export function windowCount(n: number, w: DimWindow): number {
  const padded = dilateDim(n, w.baseDilation) + w.lo + w.hi;
  const span = dilateDim(w.size, w.windowDilation);
  return padded < span ? 0 : Math.floor((padded - span) / w.stride) + 1;
}

/** The params of the windowed primitives (JAX's names). */
export interface WindowParams {
  window_dimensions: readonly number[];
  window_strides: readonly number[];
  padding: readonly (readonly [number, number])[];
  base_dilation: readonly number[];
  window_dilation: readonly number[];
}
/** select_and_gather_add / select_and_scatter_add: which element a window selects. */
export interface SelectParams extends WindowParams {
  /** "ge": the maximum (of reduce_window_max), "le": the minimum. */
  select_prim: "ge" | "le";
}

const OP = "lax.reduceWindow";

// --- shapes ------------------------------------------------------------------------

const ARG_NAMES: Record<keyof WindowParams, string> = {
  window_dimensions: "windowDimensions",
  window_strides: "windowStrides",
  padding: "padding",
  base_dilation: "baseDilation",
  window_dilation: "windowDilation",
};

/** Checks the params against the operand's shape; returns each dimension's window. */
function dimWindows(op: string, shape: readonly number[], p: WindowParams): DimWindow[] {
  const ndim = shape.length;
  for (const key of Object.keys(ARG_NAMES) as (keyof WindowParams)[]) {
    const v = p[key];
    if (!globalThis.Array.isArray(v) || v.length !== ndim) {
      throw new TypeError(
        `${op}: ${ARG_NAMES[key]} must have one entry per operand dimension, got ` +
          `${showValue(v)} for an operand of shape ${tuple(shape)}`,
      );
    }
  }
  const positive = (key: keyof WindowParams) => {
    const v = p[key] as readonly number[];
    if (!v.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new TypeError(
        `${op}: ${ARG_NAMES[key]} must be positive integers, got ${showValue(v)}`,
      );
    }
  };
  positive("window_dimensions");
  positive("window_strides");
  positive("base_dilation");
  positive("window_dilation");
  if (
    !p.padding.every(
      (pair) => globalThis.Array.isArray(pair) && pair.length === 2 && pair.every(Number.isInteger),
    )
  ) {
    throw new ValueError(
      `${op}: padding must be "SAME", "VALID" or one [lo, hi] pair of integers per dimension, ` +
        `got ${showValue(p.padding)}`,
    );
  }
  return shape.map((n, i) => {
    const [lo, hi] = p.padding[i]!;
    const w: DimWindow = {
      size: p.window_dimensions[i]!,
      stride: p.window_strides[i]!,
      lo,
      hi,
      baseDilation: p.base_dilation[i]!,
      windowDilation: p.window_dilation[i]!,
    };
    if (dilateDim(n, w.baseDilation) + lo + hi < 0) {
      throw new TypeError(
        `${op}: padding ${showValue(p.padding)} leaves dimension ${i} of the operand of shape ` +
          `${tuple(shape)} with a negative size`,
      );
    }
    return w;
  });
}

/** The output shape of windows `p` over an operand of `shape` (validating both). */
export function windowOutputShape(op: string, shape: readonly number[], p: WindowParams): number[] {
  const windows = dimWindows(op, shape, p);
  return shape.map((n, i) => windowCount(n, windows[i]!));
}

function checkDtype(op: string, dtype: DType, kind: WindowKind): void {
  if (isBool(dtype) && kind === "sum") {
    throw new TypeError(
      `${op}: a window sum does not accept dtype bool; accepted are int32, uint32, float32, float64`,
    );
  }
}

// --- reduce_window_sum / max / min ------------------------------------------------

const IDENTITY: Record<WindowKind, (d: DType) => number> = {
  sum: () => 0,
  max: (d) => reduceIdentity("max", d),
  min: (d) => reduceIdentity("min", d),
};

export function reduceAval(kind: WindowKind, x: ShapedArray, p: WindowParams): ShapedArray {
  checkDtype(OP, x.dtype, kind);
  return new ShapedArray(windowOutputShape(OP, x.shape, p), x.dtype, x.weakType);
}

/** The windows of an operand of `shape` (params already checked by the abstract rule). */
export function selectionWindows(shape: readonly number[], p: WindowParams): DimWindow[] {
  return dimWindows(OP, shape, p);
}

/** The identity a window reduction pads with (and starts from). */
export function windowIdentity(kind: WindowKind, dtype: DType): number {
  return IDENTITY[kind](dtype);
}

/** Params with a window of one element added at `dim` (a batch dimension, under vmap). */
function withUnitWindow<P extends WindowParams>(p: P, dim: number): P {
  const ins = <T>(xs: readonly T[], v: T): T[] => [...xs.slice(0, dim), v, ...xs.slice(dim)];
  return {
    ...p,
    window_dimensions: ins(p.window_dimensions, 1),
    window_strides: ins(p.window_strides, 1),
    padding: ins(p.padding, [0, 0] as const),
    base_dilation: ins(p.base_dilation, 1),
    window_dilation: ins(p.window_dilation, 1),
  };
}

function reduceWindowPrimitive(kind: WindowKind): Primitive<WindowParams> {
  const prim: Primitive<WindowParams> = new Primitive<WindowParams>(`reduce_window_${kind}`, {
    lower: { kind: "library", name: `reduce_window_${kind}` },
    facts: OPAQUE,
    abstractEval: (avals, p) => {
      checkArity(`reduce_window_${kind}`, avals, 1);
      return [reduceAval(kind, avals[0]!, p)];
    },
    impl: libraryImpl<WindowParams>(`reduce_window_${kind}`),
    jvp: ([x], [t], p) => {
      const ans = bind1(prim, [x!], p);
      if (isZero(t) || !isInexact(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
      const tx = castToAval(t!, x!.aval);
      // Sum is linear; max/min carry the tangent of the selected element (JAX's chooser rule).
      const tOut =
        kind === "sum"
          ? bind1(prim, [tx], p)
          : bind1(selectAndGatherAddP, [tx, x!], {
              ...p,
              select_prim: kind === "max" ? "ge" : "le",
            });
      return [[ans], [castToAval(tOut, ans.aval)]];
    },
    transpose: kind === "sum" ? reduceWindowSumTranspose : null,
    // The batch dimension becomes a dimension with a window of one element.
    batch: ([x], [bdim], p) => [[bind1(prim, [x!], withUnitWindow(p, bdim!))], [bdim!]],
  });
  return prim;
}

/**
 * JAX's _reduce_window_sum_transpose_rule: every operand element receives the
 * cotangents of the windows it is in. The cotangent is spread out by the
 * strides (interior padding), padded so that each operand position sees the
 * windows covering it, and summed by a window of the same size and window
 * dilation stepping by the base dilation (the window is all ones, so
 * flipping it, as a convolution's transpose does, changes nothing).
 */
function reduceWindowSumTranspose(
  [ct]: Tangent[],
  [x]: (Array | UndefinedPrimal)[],
  p: WindowParams,
): (Tangent | null)[] {
  if (!(x instanceof UndefinedPrimal)) return [null];
  const aval = x.aval;
  if (isZero(ct)) return [new Zero(aval)];
  const c = ct as Array;
  const ndim = aval.ndim;
  // JAX's _conv_general_vjp_lhs_padding.
  const config = aval.shape.map((n, i) => {
    const inDilated = dilateDim(n, p.base_dilation[i]!);
    const span = dilateDim(p.window_dimensions[i]!, p.window_dilation[i]!);
    const outDilated = dilateDim(c.shape[i]!, p.window_strides[i]!);
    const before = span - p.padding[i]![0] - 1;
    const after = inDilated + span - 1 - outDilated - before;
    return [before, after, p.window_strides[i]! - 1];
  });
  if (aval.size === 0) return [castToAval(ArrayImpl.full(aval.shape, 0, aval.dtype), aval)];
  const padded = pad(c, 0, config);
  const ones = new globalThis.Array<number>(ndim).fill(1);
  const out = bind1(reduceWindowSumP, [padded], {
    window_dimensions: p.window_dimensions,
    window_strides: p.base_dilation,
    padding: ones.map(() => [0, 0] as const),
    base_dilation: ones,
    window_dilation: p.window_dilation,
  });
  return [castToAval(out, aval)];
}

export const reduceWindowSumP: Primitive<WindowParams> = reduceWindowPrimitive("sum");
export const reduceWindowMaxP: Primitive<WindowParams> = reduceWindowPrimitive("max");
export const reduceWindowMinP: Primitive<WindowParams> = reduceWindowPrimitive("min");

// --- select_and_gather_add / select_and_scatter_add -----------------------------------

/**
 * Checks a (values, operand) pair: `values` is the tangent (gather: operand's
 * shape) or the source (scatter: the windows' shape) and floating point.
 */
export function selectAvals(
  op: string,
  avals: readonly ShapedArray[],
  p: SelectParams,
  gather: boolean,
): ShapedArray {
  checkArity(op, avals, 2);
  const [v, x] = [avals[0]!, avals[1]!];
  if (p.select_prim !== "ge" && p.select_prim !== "le") {
    throw new TypeError(`${op}: select_prim must be "ge" or "le", got ${showValue(p.select_prim)}`);
  }
  if (!isFloating(v.dtype)) {
    throw new TypeError(`${op}: the values must be floating point, got ${describeAval(v)}`);
  }
  const outShape = windowOutputShape(op, x.shape, p);
  const want = gather ? x.shape : outShape;
  if (want.length !== v.ndim || want.some((d, i) => d !== v.shape[i])) {
    throw new TypeError(
      `${op}: the ${gather ? "tangent" : "source"} must have shape ${tuple(want)} ` +
        `(${gather ? "the operand's" : "the windows'"}), got ${describeAval(v)} for an operand ` +
        `${describeAval(x)}`,
    );
  }
  return new ShapedArray(gather ? outShape : x.shape, v.dtype, v.weakType);
}

/** Both operands' batch dims at one position (the operand broadcast if unbatched). */
function batchPair(
  prim: Primitive<SelectParams>,
  [v, x]: Array[],
  [bv, bx]: BatchDim[],
  p: SelectParams,
  axis: AxisData,
): [Array[], BatchDim[]] {
  const b = bv ?? bx!;
  const vv = moveBatchAxis(v!, bv ?? null, b, axis.size);
  const xx = moveBatchAxis(x!, bx ?? null, b, axis.size);
  return [[bind1(prim, [vv, xx], withUnitWindow(p, b))], [b]];
}

/**
 * Both are linear in their first operand, and piecewise constant in the
 * second (the selection), which gets no tangent.
 */
function linearInFirst(prim: () => Primitive<SelectParams>) {
  return (primals: Array[], tangents: Tangent[], p: SelectParams): [Array[], Tangent[]] => {
    const ans = bind1(prim(), primals, p);
    if (isZero(tangents[0])) return [[ans], [new Zero(ans.aval)]];
    const t = castToAval(instantiate(tangents[0]!), primals[0]!.aval);
    return [[ans], [castToAval(bind1(prim(), [t, primals[1]!], p), ans.aval)]];
  };
}

/** Each one's transpose (in its first operand) is the other, on the same selection. */
function transposeTo(other: () => Primitive<SelectParams>, op: string) {
  return (
    [ct]: Tangent[],
    [v, x]: (Array | UndefinedPrimal)[],
    p: SelectParams,
  ): (Tangent | null)[] => {
    if (x instanceof UndefinedPrimal) {
      throw new Error(`${op}: cannot transpose with respect to the operand (it is not linear)`);
    }
    if (!(v instanceof UndefinedPrimal)) return [null, null];
    if (isZero(ct)) return [new Zero(v.aval), null];
    return [castToAval(bind1(other(), [ct!, x!], p), v.aval), null];
  };
}

export const selectAndGatherAddP: Primitive<SelectParams> = new Primitive<SelectParams>(
  "select_and_gather_add",
  {
    lower: { kind: "library", name: "select_and_gather_add" },
    facts: OPAQUE,
    abstractEval: (avals, p) => [selectAvals("select_and_gather_add", avals, p, true)],
    impl: libraryImpl<SelectParams>("select_and_gather_add"),
    jvp: linearInFirst(() => selectAndGatherAddP),
    transpose: transposeTo(() => selectAndScatterAddP, "select_and_gather_add"),
    batch: (args, dims, p, axis) => batchPair(selectAndGatherAddP, args, dims, p, axis),
  },
);

export const selectAndScatterAddP: Primitive<SelectParams> = new Primitive<SelectParams>(
  "select_and_scatter_add",
  {
    lower: { kind: "library", name: "select_and_scatter_add" },
    facts: OPAQUE,
    abstractEval: (avals, p) => [selectAvals("select_and_scatter_add", avals, p, false)],
    impl: libraryImpl<SelectParams>("select_and_scatter_add"),
    jvp: linearInFirst(() => selectAndScatterAddP),
    transpose: transposeTo(() => selectAndGatherAddP, "select_and_scatter_add"),
    batch: (args, dims, p, axis) => batchPair(selectAndScatterAddP, args, dims, p, axis),
  },
);

// --- lax.reduceWindow -------------------------------------------------------------------

export type WindowPadding = "SAME" | "SAME_LOWER" | "VALID" | readonly (readonly number[])[];
/** A window reduction's computation: a name, or lax.add / lax.max / lax.min themselves. */
export type WindowComputation = "add" | "max" | "min" | ((x: Array, y: Array) => Array);

/**
 * JAX's padtype_to_pads: "VALID" pads nothing; "SAME" pads so that there are
 * ceil(n / stride) windows, the extra element (if odd) at the end;
 * "SAME_LOWER" puts it at the start.
 */
export function windowPadding(
  op: string,
  padding: WindowPadding,
  shape: readonly number[],
  window: readonly number[],
  strides: readonly number[],
): [number, number][] {
  if (typeof padding === "string") {
    const kind = padding.toUpperCase();
    if (kind === "VALID") return shape.map(() => [0, 0]);
    if (kind !== "SAME" && kind !== "SAME_LOWER") {
      throw new ValueError(
        `${op}: padding must be "SAME", "SAME_LOWER", "VALID" or [lo, hi] pairs, got "${padding}"`,
      );
    }
    return shape.map((n, i) => {
      const s = strides[i]!;
      const total = Math.max(0, (Math.ceil(n / s) - 1) * s + window[i]! - n);
      const small = Math.floor(total / 2);
      return kind === "SAME" ? [small, total - small] : [total - small, small];
    });
  }
  if (!globalThis.Array.isArray(padding) || padding.length !== shape.length) {
    throw new ValueError(
      `${op}: padding must be "SAME", "VALID" or one [lo, hi] pair per operand dimension, got ` +
        `${showValue(padding)} for an operand of shape ${tuple(shape)}`,
    );
  }
  return padding.map((pair, i) => {
    const t = intList(op, `padding[${i}]`, pair);
    if (t.length !== 2) {
      throw new ValueError(`${op}: padding[${i}] must be a [lo, hi] pair, got ${showValue(pair)}`);
    }
    return [t[0]!, t[1]!];
  });
}

const COMPUTATIONS: readonly [WindowKind, string, (x: Array, y: Array) => Array][] = [
  ["sum", "add", add],
  ["max", "max", max],
  ["min", "min", min],
];

function windowKind(computation: unknown): WindowKind {
  for (const [kind, name, fn] of COMPUTATIONS) {
    if (computation === name || computation === fn) return kind;
  }
  const got =
    typeof computation === "function"
      ? `a function${computation.name ? ` named '${computation.name}'` : ""}`
      : showValue(computation);
  throw new Error(
    `${OP}: computation must be "add", "max" or "min" (or lax.add, lax.max, lax.min), got ${got}; ` +
      "a general computation is not supported (only sum, max and min windows have primitives " +
      "with differentiation and batching rules)",
  );
}

/** Whether a concrete 0-d init value is the identity of the reduction (then it changes nothing). */
function isIdentity(init: Array, kind: WindowKind): boolean {
  if (!(init instanceof ArrayImpl)) return false;
  return hostValues(init)[0] === IDENTITY[kind](init.dtype);
}

/**
 * `lax.reduceWindow(operand, initValue, computation, windowDimensions,
 * windowStrides, padding, baseDilation?, windowDilation?)`: reduces each
 * window of the operand with `computation` ("add", "max", "min", or lax.add,
 * lax.max, lax.min), starting from `initValue` (a scalar of the operand's
 * dtype; a JS number takes it). Padding is "SAME", "SAME_LOWER", "VALID" or
 * one [lo, hi] pair per dimension. Max pooling over NHWC:
 * `lax.reduceWindow(x, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")`.
 */
export function reduceWindow(
  operand: ArrayLike,
  initValue: ArrayLike,
  computation: WindowComputation,
  windowDimensions: readonly number[],
  windowStrides: readonly number[],
  padding: WindowPadding,
  baseDilation?: readonly number[],
  windowDilation?: readonly number[],
): Array {
  const x = asArray(operand, OP, "operand");
  const kind = windowKind(computation);
  const init = scalarLike(initValue, x.dtype, OP, "initValue");
  if (init.ndim !== 0 || init.dtype !== x.dtype) {
    throw new TypeError(
      `${OP}: initValue must be a scalar of the operand's dtype ${x.dtype}, got ` +
        `${describeAval(init.aval)}`,
    );
  }
  const ones = x.shape.map(() => 1);
  const dims = intList(OP, "windowDimensions", windowDimensions);
  const strides = intList(OP, "windowStrides", windowStrides);
  const wdil = windowDilation === undefined ? ones : intList(OP, "windowDilation", windowDilation);
  for (const [name, v] of [
    ["windowDimensions", dims],
    ["windowStrides", strides],
    ["windowDilation", wdil],
  ] as const) {
    if (v.length !== x.ndim) {
      throw new TypeError(
        `${OP}: ${name} must have one entry per operand dimension, got ${tuple(v)} for an ` +
          `operand of shape ${tuple(x.shape)}`,
      );
    }
  }
  // "SAME" counts the window's span with its dilation (as JAX does), on the undilated operand.
  const spans = dims.map((d, i) => dilateDim(d, wdil[i]!));
  const params: WindowParams = {
    window_dimensions: dims,
    window_strides: strides,
    padding: windowPadding(OP, padding, x.shape, spans, strides),
    base_dilation: baseDilation === undefined ? ones : intList(OP, "baseDilation", baseDilation),
    window_dilation: wdil,
  };
  windowOutputShape(OP, x.shape, params);
  const prim = { sum: reduceWindowSumP, max: reduceWindowMaxP, min: reduceWindowMinP }[kind];
  const out = bind1(prim, [x], params);
  if (isIdentity(init, kind)) return out;
  // A window starts from the init value once: combine it with the reduction of the elements.
  return { sum: add, max, min }[kind](out, init);
}
