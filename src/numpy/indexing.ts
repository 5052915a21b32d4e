/**
 * NumPy indexing (`x.get(...)`) and JAX's functional updates
 * (`x.at(...).set(v)`, `.add(v)`...), built the way jax.numpy builds them:
 * integer and slice indices known while tracing lower to `lax.slice`, `rev`
 * and `reshape`; everything else (index arrays, traced integers, masks) lowers
 * to one `lax.gather`, and updates to one `lax.scatter*`, whose dimension
 * numbers are computed here from the index.
 *
 * Index forms: a JS integer; a slice string ("1:3", "::-1", "-3:"); "..."; null
 * (new axis); an integer Array or a JS number array (advanced indexing, with
 * NumPy's placement of the advanced dimensions); a boolean Array or JS boolean
 * array (a mask: it must be concrete, as its number of true values is the
 * result's shape).
 *
 * Out-of-bounds indices follow JAX's defaults (jnp.ndarray.at): reads clamp
 * (gather mode "promise_in_bounds", which XLA clamps) and updates drop
 * (scatter mode "fill"/"drop"); `mode` on `x.at(...).get/set/...` picks
 * "clip", "fill"/"drop" (reads give `fillValue`: NaN, the signed minimum, the
 * unsigned maximum or true) or "promise_in_bounds". Negative indices count
 * from the end (`wrapNegativeIndices: false` makes them out of bounds);
 * `config.update("jax_check_static_indices", true)` makes a static integer
 * out of bounds in a read an IndexError, as in JAX.
 */

import { config } from "../config.js";
import { type Array, ArrayImpl } from "../core/array.js";
import { hostValues } from "../core/backend.js";
import { type ArrayLike, asArray, describe, scalarAs, scalarAval } from "../core/convert.js";
import { isUnsigned, numberValues, promoteTypes } from "../dtype.js";
import { IndexError, NonConcreteBooleanIndexError, ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { type Shape, shapeStr, shapesEqual, sizeOf, stridesOf } from "../shape.js";
import { type Item, type NumList, type Resolved, resolve } from "./index_parse.js";
import { divide, power } from "./ufuncs.js";
import { broadcastTo, cast } from "./util.js";

/** One index of `x.get(...)` / `x.at(...)`. */
export type Index = number | string | null | Array | readonly number[] | readonly boolean[];

/** How out-of-bounds indices are treated (JAX's GatherScatterMode; "drop" is "fill"). */
export type IndexMode = "clip" | "fill" | "drop" | "promise_in_bounds";

// The error classes live in src/errors.ts (jax.errors); re-exported for this module's importers.
export { IndexError, NonConcreteBooleanIndexError };

export interface UpdateOptions {
  /**
   * Out-of-bounds indices (JAX's `mode`): the default, "promise_in_bounds",
   * and "drop"/"fill" skip updates out of bounds; "clip" clamps the indices.
   */
  mode?: IndexMode;
  /** Promise that the indices are sorted / have no repeats (passed on to the scatter). */
  indicesAreSorted?: boolean;
  uniqueIndices?: boolean;
  /** Negative indices count from the end (default true); false: they are out of bounds. */
  wrapNegativeIndices?: boolean;
}
const UPDATE_KEYS: OptionKeys<UpdateOptions> = {
  mode: true,
  indicesAreSorted: true,
  uniqueIndices: true,
  wrapNegativeIndices: true,
};

export interface GetOptions extends UpdateOptions {
  /**
   * Out-of-bounds indices (JAX's `mode`): the default, "promise_in_bounds",
   * and "clip" clamp them; "fill"/"drop" read `fillValue`.
   */
  mode?: IndexMode;
  /**
   * The value read at out-of-bounds indices with mode "fill" (JAX's default:
   * NaN for inexact dtypes, the minimum for signed integers, the maximum for
   * unsigned ones, true for bool); ignored by the other modes.
   */
  fillValue?: number | boolean;
}
const GET_KEYS: OptionKeys<GetOptions> = { ...UPDATE_KEYS, fillValue: true };

/** Python's slice.indices(n) plus the slice's length. */
function sliceIndices(
  s: Extract<Item, { kind: "slice" }>,
  n: number,
): { start: number; step: number; size: number } {
  const step = s.step;
  const [lo, hi] = step > 0 ? [0, n] : [-1, n - 1];
  const clampBound = (b: number | null, dflt: number) =>
    b === null ? dflt : b < 0 ? Math.max(b + n, lo) : Math.min(b, hi);
  const start = clampBound(s.start, step > 0 ? lo : hi);
  const stop = clampBound(s.stop, step > 0 ? hi : lo);
  const size = step > 0 ? Math.ceil((stop - start) / step) : Math.ceil((start - stop) / -step);
  return { start, step, size: Math.max(0, size) };
}

function outOfBounds(op: string, v: number, axis: number, n: number): IndexError {
  return new IndexError(`${op}: index ${v} is out of bounds for axis ${axis} with size ${n}`);
}

/** Whether static integer index `v` is within an axis of size n (after wrapping negatives). */
function inBounds(v: number, n: number, wrap: boolean): boolean {
  return (wrap ? -n : 0) <= v && v < n;
}

/**
 * JAX's validate_static_indices, run on reads when `jax_check_static_indices`
 * is on: a static integer index out of bounds is an IndexError (index arrays
 * are not checked, as in JAX).
 */
function checkStatic(op: string, r: Resolved, wrap: boolean): void {
  let ax = 0;
  for (const it of r.items) {
    if (it.kind === "newaxis") continue;
    const n = r.xShape[ax]!;
    // Axes inserted by 0-d masks are not x's: report x's own axis numbers.
    const xAxis = ax - r.inserted.filter((a) => a < ax).length;
    if (it.kind === "int" && !inBounds(it.value, n, wrap))
      throw outOfBounds(op, it.value, xAxis, n);
    ax++;
  }
}

// --- static fast path: slice, rev, reshape ---------------------------------------------------

/** Whether the index needs no gather: static integers (in bounds) and slices only. */
function isBasicStatic(r: Resolved, wrap: boolean): boolean {
  if (r.advanced) return false;
  let ax = 0;
  for (const it of r.items) {
    if (it.kind === "array") return false;
    if (it.kind === "int" && !inBounds(it.value, r.xShape[ax]!, wrap)) return false;
    if (it.kind !== "newaxis") ax++;
  }
  return true;
}

function staticTake(x: Array, r: Resolved): Array {
  const starts: number[] = [];
  const limits: number[] = [];
  const strides: number[] = [];
  const revDims: number[] = [];
  const outShape: number[] = [];
  let ax = 0;
  for (const it of r.items) {
    if (it.kind === "newaxis") {
      outShape.push(1);
      continue;
    }
    const n = x.shape[ax]!;
    if (it.kind === "int") {
      const i = it.value < 0 ? it.value + n : it.value;
      starts.push(i);
      limits.push(i + 1);
      strides.push(1);
    } else if (it.kind === "slice") {
      const { start, step, size } = sliceIndices(it, n);
      // A negative stride slices the same positions forward, then reverses them.
      const first = size === 0 ? 0 : step > 0 ? start : start + (size - 1) * step;
      if (step < 0 && size > 1) revDims.push(ax);
      starts.push(first);
      limits.push(size === 0 ? 0 : first + (size - 1) * Math.abs(step) + 1);
      strides.push(size > 1 ? Math.abs(step) : 1);
      outShape.push(size);
    }
    ax++;
  }
  const trivial = starts.every((s, k) => s === 0 && limits[k] === x.shape[k] && strides[k] === 1);
  let y = trivial
    ? x
    : lax.slice(x, starts, limits, strides.every((s) => s === 1) ? null : strides);
  if (revDims.length > 0) y = lax.rev(y, revDims);
  return shapesEqual(y.shape, outShape) ? y : lax.reshape(y, outShape);
}

// --- the gather plan (shared by reads and updates) -----------------------------------------------

/** One component of the gather index vector, laid over dims [start, start + ndim) of the batch shape. */
interface Part {
  arr: Array;
  start: number;
}

interface Plan {
  /** The result's shape, new axes included. */
  sliceShape: number[];
  /** Positions of the new axes in sliceShape. */
  newaxisDims: number[];
  /** Dims of the gather output read backwards (negative-step slices). */
  reversedDims: number[];
  /** The gather's start indices ([...batch, k]); null when nothing is indexed (full slices only). */
  indices: Array | null;
  offsetDims: number[];
  collapsedSliceDims: number[];
  startIndexMap: number[];
  sliceSizes: number[];
}

/** Wraps negative indices of a (possibly traced) integer array by the axis size (if `wrap`), as int32. */
function normalizeIndex(i: Array, n: number, wrap: boolean): Array {
  // 64-bit indices (x64) clamp into int32's range first: out of bounds stays out of bounds.
  const INT32_MAX = 2 ** 31 - 1;
  const w =
    i.dtype === "int64"
      ? lax.min(lax.max(i, -(2 ** 31)), INT32_MAX)
      : i.dtype === "uint64"
        ? lax.min(i, INT32_MAX)
        : i;
  const j = cast(w, "int32");
  if (isUnsigned(i.dtype) || !wrap) return j;
  return lax.selectN(lax.lt(j, 0), j, lax.add(j, n));
}

function staticNormalized(values: NumList, n: number, shape: Shape, wrap = true): ArrayImpl {
  return ArrayImpl.fromData(
    Int32Array.from(values as readonly number[], (v) => (wrap && v < 0 ? v + n : v)),
    shape,
  );
}

function broadcastAdvanced(op: string, arrs: readonly Array[]): number[] {
  const ndim = Math.max(...arrs.map((a) => a.ndim));
  const out = new globalThis.Array<number>(ndim).fill(1);
  for (const a of arrs) {
    a.shape.forEach((d, k) => {
      const o = ndim - a.ndim + k;
      if (d !== 1 && out[o] !== 1 && out[o] !== d) {
        throw new IndexError(
          `${op}: shape mismatch: indexing arrays could not be broadcast together with shapes ` +
            arrs.map((b) => shapeStr(b.shape)).join(" "),
        );
      }
      if (d !== 1) out[o] = d;
    });
  }
  return out;
}

function buildPlan(op: string, r: Resolved, wrap: boolean): Plan {
  const { items, xShape } = r;
  const parts: Part[] = [];
  const batchShape: number[] = [];
  const sliceShape: number[] = [];
  const newaxisDims: number[] = [];
  const reversedDims: number[] = [];
  const offsetDims: number[] = [];
  const collapsed: number[] = [];
  const startIndexMap: number[] = [];
  const sliceSizes: number[] = [];
  const advItems: Item[] = r.advanced
    ? items.filter((it) => it.kind === "array" || it.kind === "int")
    : [];
  const firstAdv = items.findIndex((it) => advItems.includes(it));
  let xAxis = 0;
  let yAxis = 0; // result axis, new axes included
  let gAxis = 0; // gather output axis
  const asIndexArray = (it: Item, n: number): Array => {
    if (it.kind === "int") return staticNormalized([it.value], n, [], wrap);
    if (it.kind !== "array")
      throw new Error(`${op}: internal error: ${it.kind} is not an integer index`);
    const a = it.arr;
    return a instanceof ArrayImpl && it.static
      ? staticNormalized(numberValues(a.dtype, hostValues(a)), n, a.shape, wrap)
      : normalizeIndex(a, n, wrap);
  };
  items.forEach((it, pos) => {
    // The advanced block goes where the first advanced index is, or first of all when they are apart.
    if (advItems.length > 0 && pos === (r.contiguous ? firstAdv : 0)) {
      const axesOf = new Map<Item, number>();
      let a = 0;
      for (const jt of items) {
        if (jt.kind === "newaxis") continue;
        if (advItems.includes(jt)) axesOf.set(jt, a);
        a++;
      }
      const arrs = advItems.map((jt) => asIndexArray(jt, xShape[axesOf.get(jt)!]!));
      const shape = broadcastAdvanced(op, arrs);
      const start = batchShape.length;
      arrs.forEach((g, k) => {
        parts.push({ arr: g, start: start + shape.length - g.ndim });
        startIndexMap.push(axesOf.get(advItems[k]!)!);
        collapsed.push(axesOf.get(advItems[k]!)!);
      });
      batchShape.push(...shape);
      sliceShape.push(...shape);
      yAxis += shape.length;
      gAxis += shape.length;
    }
    if (advItems.includes(it)) {
      sliceSizes.push(1);
      xAxis++;
      return;
    }
    if (it.kind === "newaxis") {
      sliceShape.push(1);
      newaxisDims.push(yAxis++);
      return;
    }
    const n = xShape[xAxis]!;
    if (it.kind === "int" || it.kind === "array") {
      // A basic integer (static, or a 0-d Array possibly traced): a collapsed dim.
      parts.push({ arr: asIndexArray(it, n), start: batchShape.length });
      collapsed.push(xAxis);
      startIndexMap.push(xAxis);
      sliceSizes.push(1);
    } else if (it.kind === "slice") {
      const { start, step, size } = sliceIndices(it, n);
      sliceShape.push(size);
      if (step === 1) {
        if (size !== n) {
          parts.push({ arr: staticNormalized([start], n, []), start: batchShape.length });
          startIndexMap.push(xAxis);
        }
        sliceSizes.push(size);
        offsetDims.push(gAxis);
      } else {
        // A strided slice gathers its positions, in increasing order; negative steps reverse after.
        const pos0 = step > 0 ? start : start + (size - 1) * step;
        const vals = globalThis.Array.from({ length: size }, (_, k) => pos0 + k * Math.abs(step));
        if (step < 0) reversedDims.push(gAxis);
        parts.push({ arr: staticNormalized(vals, n, [size]), start: batchShape.length });
        batchShape.push(size);
        startIndexMap.push(xAxis);
        collapsed.push(xAxis);
        sliceSizes.push(1);
      }
      yAxis++;
      gAxis++;
    }
    xAxis++;
  });
  return {
    sliceShape,
    newaxisDims,
    reversedDims,
    indices: parts.length === 0 ? null : assembleIndices(parts, batchShape),
    offsetDims,
    collapsedSliceDims: [...collapsed].sort((a, b) => a - b),
    startIndexMap,
    sliceSizes,
  };
}

/** Stacks the parts, each broadcast to the batch shape, along a new last axis. */
function assembleIndices(parts: readonly Part[], batchShape: readonly number[]): Array {
  const shape = [...batchShape, parts.length];
  const dimsOf = (p: Part) => globalThis.Array.from({ length: p.arr.ndim }, (_, k) => p.start + k);
  if (parts.every((p) => p.arr instanceof ArrayImpl)) {
    // All static: compute the index array now (one constant under jit, no ops).
    const out = new Int32Array(sizeOf(shape));
    const bStrides = stridesOf(batchShape);
    parts.forEach((p, c) => {
      const src = numberValues(p.arr.dtype, hostValues(p.arr as ArrayImpl));
      const pStrides = stridesOf(p.arr.shape);
      const dims = dimsOf(p);
      for (let b = 0; b < out.length / parts.length; b++) {
        let off = 0;
        dims.forEach((d, k) => {
          const coord = Math.floor(b / bStrides[d]!) % batchShape[d]!;
          off += p.arr.shape[k] === 1 ? 0 : coord * pStrides[k]!;
        });
        out[b * parts.length + c] = src[off]!;
      }
    });
    return ArrayImpl.fromData(out, shape);
  }
  const cols = parts.map((p) => lax.broadcastInDim(p.arr, [...batchShape, 1], dimsOf(p)));
  return lax.concatenate(cols, batchShape.length);
}

function checkNonEmptyAxes(op: string, r: Resolved, plan: Plan): void {
  for (const d of plan.collapsedSliceDims) {
    if (r.xShape[d] === 0)
      throw new IndexError(`${op}: index is out of bounds for axis ${d} with size 0`);
  }
}

const MODES: readonly IndexMode[] = ["clip", "fill", "drop", "promise_in_bounds"];

function checkMode(op: string, mode: unknown): IndexMode | undefined {
  if (mode === undefined) return undefined;
  if (!MODES.includes(mode as IndexMode)) {
    throw new TypeError(
      `${op}: mode must be one of ${MODES.map((m) => JSON.stringify(m)).join(", ")}, got ${describe(mode)}`,
    );
  }
  return mode as IndexMode;
}

function checkWrap(op: string, wrap: unknown): boolean {
  if (wrap === undefined) return true;
  if (typeof wrap !== "boolean")
    throw new TypeError(`${op}: wrapNegativeIndices must be a boolean, got ${describe(wrap)}`);
  return wrap;
}

function checkFillValue(op: string, fill: unknown): void {
  if (
    fill !== undefined &&
    fill !== null &&
    typeof fill !== "number" &&
    typeof fill !== "boolean"
  ) {
    throw new TypeError(
      `${op}: fillValue must be a scalar (a JS number or boolean), got ${describe(fill)}`,
    );
  }
}

/** Without advanced indices, the gather/scatter indices are unique and sorted (as JAX tells XLA). */
function hints(
  r: Resolved,
  opts: UpdateOptions,
): { indicesAreSorted: boolean; uniqueIndices: boolean } {
  return {
    indicesAreSorted: !r.advanced || (opts.indicesAreSorted ?? false),
    uniqueIndices: !r.advanced || (opts.uniqueIndices ?? false),
  };
}

// --- reads ----------------------------------------------------------------------------------

function readIndexed(op: string, x: Array, indices: readonly Index[], opts: GetOptions): Array {
  opts = checkOptions(op, opts, GET_KEYS);
  const mode = checkMode(op, opts.mode);
  const wrap = checkWrap(op, opts.wrapNegativeIndices);
  checkFillValue(op, opts.fillValue);
  const r = resolve(op, x.shape, indices);
  // JAX: static integer indices are checked only under jax_check_static_indices (off by default).
  if (
    (mode === undefined || mode === "promise_in_bounds") &&
    config.read("jax_check_static_indices")
  ) {
    checkStatic(op, r, wrap);
  }
  // Static in-bounds integers and slices slice; anything else (out-of-bounds static integers
  // included) gathers, which clamps by default as JAX's dynamic_slice/gather do.
  if (isBasicStatic(r, wrap)) return staticTake(x, r);
  const plan = buildPlan(op, r, wrap);
  if (sizeOf(plan.sliceShape) === 0) {
    return lax.broadcastInDim(lax.convertElementType(0, x.dtype, x.weakType), plan.sliceShape, []);
  }
  checkNonEmptyAxes(op, r, plan);
  let y = r.inserted.length > 0 ? lax.expandDims(x, r.inserted) : x;
  if (plan.indices !== null) {
    y = lax.gather(
      y,
      plan.indices,
      {
        offsetDims: plan.offsetDims,
        collapsedSliceDims: plan.collapsedSliceDims,
        startIndexMap: plan.startIndexMap,
      },
      plan.sliceSizes,
      { mode: mode ?? null, fillValue: opts.fillValue ?? null, ...hints(r, opts) },
    );
  }
  if (plan.reversedDims.length > 0) y = lax.rev(y, plan.reversedDims);
  return plan.newaxisDims.length > 0 ? lax.expandDims(y, plan.newaxisDims) : y;
}

/** `x[...indices]`: NumPy indexing, as `x.get(...indices)`. */
export function getItem(x: Array, indices: readonly Index[]): Array {
  return readIndexed("x.get", asArray(x, "x.get", "x"), indices, {});
}

// --- updates --------------------------------------------------------------------------------

type ScatterKind = "set" | "add" | "mul" | "min" | "max";

const SCATTER = {
  set: lax.scatter,
  add: lax.scatterAdd,
  mul: lax.scatterMul,
  min: lax.scatterMin,
  max: lax.scatterMax,
} as const;

/** The update when every axis is a full slice: elementwise, no scatter needed. */
const COMBINE: Record<ScatterKind, (x: Array, y: Array) => Array> = {
  set: (_x, y) => y,
  add: (x, y) => lax.add(x, y),
  mul: (x, y) => lax.mul(x, y),
  min: (x, y) => lax.min(x, y),
  max: (x, y) => lax.max(x, y),
};

function scatterUpdate(
  op: string,
  kind: ScatterKind,
  x: Array,
  indices: readonly Index[],
  values: ArrayLike,
  opts: UpdateOptions,
): Array {
  opts = checkOptions(op, opts, UPDATE_KEYS);
  const mode = checkMode(op, opts.mode);
  const wrap = checkWrap(op, opts.wrapNegativeIndices);
  const r = resolve(op, x.shape, indices);
  const plan = buildPlan(op, r, wrap);
  if (sizeOf(plan.sliceShape) === 0) return x;
  checkNonEmptyAxes(op, r, plan);
  // As JAX: compute in the promoted type, then cast back to x's dtype. A JS
  // number converts from its own value (3e9 into float32 is 3e9, never a wrapped int32).
  const raw = typeof values === "number" || typeof values === "boolean";
  const v = raw ? scalarAval(values) : asArray(values, op, "values");
  const { dtype, weakType } = promoteTypes(x, v);
  let y = raw
    ? scalarAs(values, dtype, weakType, op)
    : lax.convertElementType(values, dtype, weakType);
  if (!canBroadcast(y.shape, plan.sliceShape)) {
    throw new ValueError(
      `${op}: cannot broadcast values of shape ${shapeStr(y.shape)} to the indexed shape ${shapeStr(plan.sliceShape)}`,
    );
  }
  y = broadcastTo(y, plan.sliceShape, op);
  const gatherShape = plan.sliceShape.filter((_, k) => !plan.newaxisDims.includes(k));
  if (plan.newaxisDims.length > 0) y = lax.reshape(y, gatherShape);
  if (plan.reversedDims.length > 0) y = lax.rev(y, plan.reversedDims);
  let xx = cast(x, dtype, weakType);
  if (r.inserted.length > 0) xx = lax.expandDims(xx, r.inserted);
  let out: Array;
  if (plan.indices === null) out = COMBINE[kind](xx, y);
  else {
    out = SCATTER[kind](
      xx,
      plan.indices,
      y,
      {
        updateWindowDims: plan.offsetDims,
        insertedWindowDims: plan.collapsedSliceDims,
        scatterDimsToOperandDims: plan.startIndexMap,
      },
      { mode: mode ?? null, ...hints(r, opts) },
    );
  }
  if (r.inserted.length > 0) out = lax.squeeze(out, r.inserted);
  return cast(out, x.dtype, x.weakType);
}

function canBroadcast(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  return from.every((d, k) => d === 1 || d === to[off + k]);
}

/**
 * `x.at(...indices)`: JAX's functional index updates. Out-of-bounds updates are
 * dropped (mode "drop"); repeated indices accumulate for add/mul/min/max;
 * values broadcast to the indexed shape and are cast to x's dtype.
 */
export class IndexUpdateRef {
  constructor(
    readonly array: Array,
    readonly indices: readonly Index[],
  ) {}

  /** `x[idx]`, with an optional out-of-bounds mode ("clip", "fill" with fillValue). */
  get(opts: GetOptions = {}): Array {
    return readIndexed("x.at(...).get", this.array, this.indices, opts);
  }
  /** `x[idx] = v`. */
  set(values: ArrayLike, opts: UpdateOptions = {}): Array {
    return scatterUpdate("x.at(...).set", "set", this.array, this.indices, values, opts);
  }
  /** `x[idx] += v` (repeated indices accumulate). */
  add(values: ArrayLike, opts: UpdateOptions = {}): Array {
    return scatterUpdate("x.at(...).add", "add", this.array, this.indices, values, opts);
  }
  /** `x[idx] *= v` (repeated indices accumulate). */
  mul(values: ArrayLike, opts: UpdateOptions = {}): Array {
    return scatterUpdate("x.at(...).mul", "mul", this.array, this.indices, values, opts);
  }
  /** Alias of `mul`, as in JAX. */
  multiply(values: ArrayLike, opts: UpdateOptions = {}): Array {
    return this.mul(values, opts);
  }
  /** `x[idx] = minimum(x[idx], v)`. */
  min(values: ArrayLike, opts: UpdateOptions = {}): Array {
    return scatterUpdate("x.at(...).min", "min", this.array, this.indices, values, opts);
  }
  /** `x[idx] = maximum(x[idx], v)`. */
  max(values: ArrayLike, opts: UpdateOptions = {}): Array {
    return scatterUpdate("x.at(...).max", "max", this.array, this.indices, values, opts);
  }
  /** `x[idx] /= v`: as JAX, x divided by the scattered product of the values (a float result). */
  divide(values: ArrayLike, opts: UpdateOptions = {}): Array {
    return divide(this.array, this.scatteredProduct("x.at(...).divide", values, opts));
  }
  /** `x[idx] **= v`: as JAX, x to the power of the scattered product of the values. */
  power(values: ArrayLike, opts: UpdateOptions = {}): Array {
    return power(this.array, this.scatteredProduct("x.at(...).power", values, opts));
  }

  /**
   * `x.at[idx].apply(f)`: `f` (an elementwise unary function) applied to the
   * elements at the indices, once per occurrence of an index, as XLA's
   * scatter applies its update computation (JAX's `scatter_apply`): an index
   * given twice gets f(f(x)). The occurrences are counted with a scatter-add;
   * f runs max(count) times over x, kept where the count reaches the round
   * (a while loop when the indices are traced).
   */
  apply(f: (x: Array) => Array, opts: UpdateOptions = {}): Array {
    const op = "x.at(...).apply";
    if (typeof f !== "function") {
      throw new TypeError(`${op}: f must be a function of one array, got ${describe(f)}`);
    }
    const x = this.array;
    const zeros = lax.broadcastInDim(lax.convertElementType(0, "int32"), x.shape, []);
    const counts = scatterUpdate(op, "add", zeros, this.indices, 1, opts);
    const step = (round: ArrayLike, y: Array): Array => {
      const fy = lax.convertElementType(f(y), x.dtype, x.weakType);
      if (!shapesEqual(fy.shape, y.shape)) {
        throw new ValueError(
          `${op}: f must be elementwise (keep the shape), got ${shapeStr(fy.shape)} from ${shapeStr(y.shape)}`,
        );
      }
      const due = lax.ge(
        counts,
        lax.broadcastInDim(lax.convertElementType(round, "int32"), x.shape, []),
      );
      return lax.selectN(due, y, fy);
    };
    if (counts instanceof ArrayImpl) {
      let rounds = 0;
      for (const c of hostValues(counts)) rounds = Math.max(rounds, c);
      let y = x;
      for (let r = 1; r <= rounds; r++) y = step(r, y);
      return y;
    }
    const most = lax.reduceMax(
      counts,
      x.shape.map((_, i) => i),
    );
    const [, out] = lax.whileLoop(
      ([r]: [Array, Array]) => lax.le(r, most),
      ([r, y]: [Array, Array]) => [lax.add(r, 1), step(r, y)] as [Array, Array],
      [lax.convertElementType(1, "int32"), x] as [Array, Array],
    );
    return out;
  }

  private scatteredProduct(op: string, values: ArrayLike, opts: UpdateOptions): Array {
    const x = this.array;
    const ones = lax.broadcastInDim(lax.convertElementType(1, x.dtype, x.weakType), x.shape, []);
    return scatterUpdate(op, "mul", ones, this.indices, values, opts);
  }
}

/** `x.at(...indices)`: the reference whose methods return updated copies of x. */
export function at(x: Array, indices: readonly Index[]): IndexUpdateRef {
  return new IndexUpdateRef(asArray(x, "x.at", "x"), indices);
}
