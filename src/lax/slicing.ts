/**
 * Slicing primitives: static `slice`, `dynamic_slice` and
 * `dynamic_update_slice` (start indices clamped into range, as XLA does),
 * and jax.lax's one-dimension wrappers, each primitive with its
 * differentiation and batching rules (under vmap, batched start indices turn
 * a dynamic slice into a gather and a dynamic update into a scatter, as in
 * JAX). Gather and scatter live in gather_scatter.ts and are re-exported
 * from here. The eager kernels are the backends' library kernels named as
 * the primitives (the CPU's in backend/cpu/kernels/slicing.ts).
 */
import { type Array, ArrayImpl } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { libraryImpl } from "../core/library.js";
import {
  type AxisData,
  type BatchDim,
  type NoParams,
  OPAQUE,
  Primitive,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { type DType, isInexact, isInteger, isUnsigned } from "../dtype.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { normalizeAxis, type Shape } from "../shape.js";
import { castToAval, instantiate, isZero, zerosLike } from "./ad_util.js";
import { moveBatchAxis } from "./batch_util.js";
import { add, lt, selectN } from "./elementwise.js";
import { gatherP, scatterP } from "./gather_scatter.js";
import { knownIndices, range } from "./gather_scatter_util.js";
import { broadcastInDim, concatenate, expandDims, pad, squeeze } from "./shape_ops.js";
import { checkArity, describeAval, intList, scalarLike, shapeArg, tuple } from "./shape_util.js";

export * from "./gather_scatter.js";

// --- slice ----------------------------------------------------------------------

export interface SliceParams {
  limit_indices: readonly number[];
  start_indices: readonly number[];
  /** null: unit strides (as JAX's `strides=None`). */
  strides: readonly number[] | null;
}

/** The result shape of a slice, after checking the bounds and strides against the operand. */
export function sliceShape(x: ShapedArray, p: SliceParams): number[] {
  const op = "lax.slice";
  const { start_indices: start, limit_indices: limit } = p;
  const strides = p.strides ?? x.shape.map(() => 1);
  const lists = `start_indices ${tuple(start)}, limit_indices ${tuple(limit)}`;
  if (start.length !== x.ndim || limit.length !== x.ndim || strides.length !== x.ndim) {
    throw new TypeError(
      `${op}: start_indices, limit_indices and strides need one entry per operand dimension; got ` +
        `${lists}${p.strides === null ? "" : `, strides ${tuple(strides)}`} for operand of shape ${tuple(x.shape)}`,
    );
  }
  x.shape.forEach((d, i) => {
    if (start[i]! < 0 || limit[i]! < start[i]! || limit[i]! > d) {
      throw new TypeError(
        `${op}: need 0 <= start <= limit <= size in each dimension; got ${lists} for operand of ` +
          `shape ${tuple(x.shape)} (dimension ${i})`,
      );
    }
  });
  if (strides.some((s) => s < 1)) {
    throw new TypeError(`${op}: strides must be positive, got ${tuple(strides)}`);
  }
  return x.shape.map((_, i) => Math.ceil((limit[i]! - start[i]!) / strides[i]!));
}

/** A copy of xs with v inserted at position i (a batch dimension's entry in a per-dimension list). */
function insertAt<T>(xs: readonly T[], i: number, v: T): T[] {
  const r = [...xs];
  r.splice(i, 0, v);
  return r;
}

export const sliceP: Primitive<SliceParams> = new Primitive<SliceParams>("slice", {
  lower: { kind: "library", name: "slice" },
  facts: OPAQUE,
  abstractEval: (avals, p) => {
    checkArity("lax.slice", avals, 1);
    return [avals[0]!.withShape(sliceShape(avals[0]!, p))];
  },
  impl: libraryImpl<SliceParams>("slice"),
  // Linear: the tangent is sliced alike.
  jvp: ([x], [t], p) => {
    const ans = bind1(sliceP, [x!], p);
    if (isZero(t) || !isInexact(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
    return [[ans], [bind1(sliceP, [t!], p)]];
  },
  // The cotangent is padded back with zeros: before the start, after the last
  // element taken, and between strided elements.
  transpose: ([ct], [x], p) => {
    if (!(x instanceof UndefinedPrimal)) return [null];
    if (isZero(ct) || ct === undefined) return [new Zero(x.aval)];
    const c = ct as Array;
    const config = x.aval.shape.map((size, d) => {
      const n = c.shape[d]!;
      const stride = p.strides?.[d] ?? 1;
      const lo = p.start_indices[d]!;
      const end = n === 0 ? lo : lo + 1 + (n - 1) * stride;
      return [lo, size - end, n === 0 ? 0 : stride - 1];
    });
    return [castToAval(pad(c, 0, config), x.aval)];
  },
  // The batch dimension is taken whole.
  batch: ([x], [d], p) => {
    const b = d!;
    const params: SliceParams = {
      limit_indices: insertAt(p.limit_indices, b, x!.shape[b]!),
      start_indices: insertAt(p.start_indices, b, 0),
      strides: p.strides === null ? null : insertAt(p.strides, b, 1),
    };
    return [[bind1(sliceP, [x!], params)], [b]];
  },
});

/** `lax.slice(operand, startIndices, limitIndices, strides?)`: operand[start:limit:stride] per dimension. */
export function slice(
  operand: ArrayLike,
  startIndices: readonly number[],
  limitIndices: readonly number[],
  strides?: readonly number[] | null,
): Array {
  const op = "lax.slice";
  const x = asArray(operand, op, "operand");
  return bind1(sliceP, [x], {
    limit_indices: intList(op, "limitIndices", limitIndices),
    start_indices: intList(op, "startIndices", startIndices),
    strides: strides === undefined || strides === null ? null : intList(op, "strides", strides),
  });
}

/**
 * `lax.sliceInDim(operand, startIndex, limitIndex, stride = 1, axis = 0)`:
 * `operand[..., start:limit:stride]` along `axis`; null bounds mean the
 * whole axis and negative ones count from the end, as in Python.
 */
export function sliceInDim(
  operand: ArrayLike,
  startIndex: number | null,
  limitIndex: number | null,
  stride = 1,
  axis = 0,
): Array {
  const op = "lax.sliceInDim";
  const x = asArray(operand, op, "operand");
  const ax = normalizeAxis(axis, x.ndim, op, "axis");
  const n = x.shape[ax]!;
  const fix = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? v + n : v);
  const start = x.shape.map(() => 0);
  const limit = [...x.shape];
  const strides = x.shape.map(() => 1);
  start[ax] = fix(startIndex, 0);
  limit[ax] = fix(limitIndex, n);
  strides[ax] = stride;
  return slice(x, start, limit, strides);
}

/** `lax.indexInDim(operand, index, axis = 0, keepdims = true)`: static integer indexing along `axis`. */
export function indexInDim(operand: ArrayLike, index: number, axis = 0, keepdims = true): Array {
  const op = "lax.indexInDim";
  const x = asArray(operand, op, "operand");
  const ax = normalizeAxis(axis, x.ndim, op, "axis");
  const n = x.shape[ax]!;
  const i = index < 0 ? index + n : index;
  if (!Number.isInteger(index) || i < 0 || i >= n) {
    throw new RangeError(`${op}: index ${index} is out of bounds for axis ${ax} with size ${n}`);
  }
  const r = sliceInDim(x, i, i + 1, 1, ax);
  return keepdims ? r : squeeze(r, [ax]);
}

// --- dynamic indices ------------------------------------------------------------

/** Checks that the index operands are 0-d integers of one dtype (as XLA requires). */
function checkIndices(op: string, idx: readonly ShapedArray[], ndim: number): void {
  if (idx.length !== ndim) {
    throw new TypeError(
      `${op}: needs one start index per operand dimension (${ndim}), got ${idx.length}`,
    );
  }
  const bad = idx.findIndex((i) => i.ndim !== 0);
  if (bad >= 0) {
    throw new TypeError(
      `${op}: start indices must be scalars, got index ${bad} of shape ${tuple(idx[bad]!.shape)}`,
    );
  }
  if (idx.some((i) => !isInteger(i.dtype) || i.dtype !== idx[0]!.dtype)) {
    throw new TypeError(
      `${op}: start indices must be integers of the same dtype, got ${idx.map((i) => i.dtype).join(", ")}`,
    );
  }
}

export interface AllowNegative {
  /** Negative start indices count from the end of their dimension (default true). */
  allowNegativeIndices?: boolean | readonly boolean[];
}
const ALLOW_NEGATIVE_KEYS: OptionKeys<AllowNegative> = { allowNegativeIndices: true };
const IN_DIM_KEYS: OptionKeys<{ allowNegativeIndices?: boolean }> = { allowNegativeIndices: true };

/**
 * The wrappers' index conversion: JS numbers become int32 (negative ones
 * wrapped when allowed); a signed Array index i becomes `i < 0 ? i + size : i`.
 */
function startIndexArrays(
  op: string,
  x: Array,
  startIndices: readonly ArrayLike[],
  allowNegative: boolean | readonly boolean[] = true,
): Array[] {
  if (!globalThis.Array.isArray(startIndices) || startIndices.length !== x.ndim) {
    throw new TypeError(
      `${op}: startIndices must list one index per operand dimension (${x.ndim}), got ` +
        `${globalThis.Array.isArray(startIndices) ? startIndices.length : String(startIndices)}`,
    );
  }
  return startIndices.map((s, d) => {
    const allow = typeof allowNegative === "boolean" ? allowNegative : allowNegative[d] !== false;
    const size = x.shape[d]!;
    if (typeof s === "number") {
      if (!Number.isInteger(s)) throw new TypeError(`${op}: start index ${s} is not an integer`);
      if (s < 0 && !allow) {
        throw new RangeError(
          `${op}: index ${s} is out of bounds for dimension ${d} of size ${size}`,
        );
      }
      return ArrayImpl.scalar(s < 0 ? s + size : s, "int32");
    }
    const i = asArray(s, op, `startIndices[${d}]`);
    if (!allow || !isInteger(i.dtype) || isUnsigned(i.dtype) || i.ndim !== 0) return i;
    return selectN(lt(i, 0), i, add(i, size));
  });
}

// --- dynamic_slice -------------------------------------------------------------

export interface DynamicSliceParams {
  slice_sizes: Shape;
}

/** The result of a dynamic_slice, after checking the start indices and slice sizes. */
export function dynamicSliceAval(avals: readonly ShapedArray[], sizes: Shape): ShapedArray {
  const op = "lax.dynamicSlice";
  if (avals.length < 1) throw new TypeError(`${op} takes an operand and start indices`);
  const [x, ...idx] = avals;
  checkIndices(op, idx, x!.ndim);
  if (sizes.length !== x!.ndim || sizes.some((s, i) => s < 0 || s > x!.shape[i]!)) {
    throw new TypeError(
      `${op}: slice_sizes must have one non-negative entry per operand dimension, each at most ` +
        `that dimension's size; got slice_sizes ${tuple(sizes)} for operand of shape ${tuple(x!.shape)}`,
    );
  }
  return x!.withShape(sizes);
}

/**
 * The per-example scalar start indices of a vmapped dynamic slice or update
 * as one (batch, ndim) index array (JAX's _batch_dynamic_slice_indices).
 */
function stackIndices(idx: readonly Array[], dims: readonly BatchDim[], size: number): Array {
  const cols = idx.map((i, k) => broadcastInDim(i, [size, 1], dims[k] === null ? [] : [0]));
  return concatenate(cols, 1);
}

/** A zero start index for an added batch dimension, of the other indices' dtype. */
function batchIndex(idx: readonly Array[]): Array {
  return ArrayImpl.scalar(0, idx[0]?.dtype ?? "int32");
}

/** Are all start indices unbatched (only the operand or update varies)? */
const unbatched = (dims: readonly (BatchDim | undefined)[]): boolean =>
  dims.every((d) => d === null || d === undefined);

export const dynamicSliceP: Primitive<DynamicSliceParams> = new Primitive<DynamicSliceParams>(
  "dynamic_slice",
  {
    lower: { kind: "library", name: "dynamic_slice" },
    facts: OPAQUE,
    abstractEval: (avals, p) => [dynamicSliceAval(avals, p.slice_sizes)],
    impl: libraryImpl<DynamicSliceParams>("dynamic_slice"),
    // Linear in the operand; the indices only place the window.
    jvp: ([x, ...idx], [t], p) => {
      const ans = bind1(dynamicSliceP, [x!, ...idx], p);
      if (isZero(t) || !isInexact(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
      return [[ans], [bind1(dynamicSliceP, [t!, ...idx], p)]];
    },
    // The cotangent is written into zeros at the same (clamped) place.
    transpose: ([ct], [x, ...idx]) => {
      const rest = idx.map(() => null);
      if (!(x instanceof UndefinedPrimal)) return [null, ...rest];
      if (isZero(ct)) return [new Zero(x.aval), ...rest];
      const starts = idx.map((i) => knownIndices(i, "lax.dynamicSlice"));
      const zeros = zerosLike(x.aval);
      return [bind1(dynamicUpdateSliceP, [zeros, castToAval(ct!, x.aval), ...starts], {}), ...rest];
    },
    // Unbatched indices: the batch dimension is sliced whole. Batched ones: a gather.
    batch: ([x, ...idx], [xd, ...ids], p, axis) => {
      if (unbatched(ids)) {
        const b = xd!;
        const starts = insertAt(idx, b, batchIndex(idx));
        const sizes = insertAt(p.slice_sizes, b, x!.shape[b]!);
        return [[bind1(dynamicSliceP, [x!, ...starts], { slice_sizes: sizes })], [b]];
      }
      // As a gather/scatter: one index vector per example, every dimension a window.
      const dims = range(idx.length);
      const index = stackIndices(idx, ids, axis.size);
      return gatherP.rule("batch")(
        [x!, index],
        [xd ?? null, 0],
        {
          dimension_numbers: {
            offset_dims: dims,
            collapsed_slice_dims: [],
            start_index_map: dims,
            operand_batching_dims: [],
            start_indices_batching_dims: [],
          },
          fill_value: null,
          indices_are_sorted: true,
          mode: "clip",
          slice_sizes: p.slice_sizes,
          unique_indices: true,
        },
        axis,
      );
    },
  },
);

/**
 * `lax.dynamicSlice(operand, startIndices, sliceSizes)`: a slice of static
 * size at (possibly traced) start indices; each start is clamped so that the
 * slice fits, as in XLA. Negative indices count from the end.
 */
export function dynamicSlice(
  operand: ArrayLike,
  startIndices: readonly ArrayLike[],
  sliceSizes: Shape,
  options: AllowNegative = {},
): Array {
  options = checkOptions("lax.dynamicSlice", options, ALLOW_NEGATIVE_KEYS);
  const op = "lax.dynamicSlice";
  const x = asArray(operand, op, "operand");
  const idx = startIndexArrays(op, x, startIndices, options.allowNegativeIndices);
  return bind1(dynamicSliceP, [x, ...idx], { slice_sizes: shapeArg(op, "sliceSizes", sliceSizes) });
}

/** A zero index of the dtype of `index` (int32 for a JS number), for the untouched dimensions. */
function zeroIndex(index: ArrayLike): Array {
  const dtype: DType = typeof index === "number" ? "int32" : asArray(index, "lax").dtype;
  return ArrayImpl.scalar(0, isInteger(dtype) ? dtype : "int32");
}

/**
 * The start indices of a slice along one axis (the others start at 0), and
 * which of them may be negative (counted from the end).
 */
function startsInDim(
  op: string,
  x: Array,
  startIndex: ArrayLike,
  axis: number,
  options: { allowNegativeIndices?: boolean },
): { ax: number; starts: ArrayLike[]; allow: boolean[] } {
  const ax = normalizeAxis(axis, x.ndim, op, "axis");
  const zero = zeroIndex(startIndex);
  return {
    ax,
    starts: x.shape.map((_, d) => (d === ax ? startIndex : zero)),
    allow: x.shape.map((_, d) => d === ax && options.allowNegativeIndices !== false),
  };
}

/** `lax.dynamicSliceInDim(operand, startIndex, sliceSize, axis = 0)`. */
export function dynamicSliceInDim(
  operand: ArrayLike,
  startIndex: ArrayLike,
  sliceSize: number,
  axis = 0,
  options: { allowNegativeIndices?: boolean } = {},
): Array {
  options = checkOptions("lax.dynamicSliceInDim", options, IN_DIM_KEYS);
  const op = "lax.dynamicSliceInDim";
  const x = asArray(operand, op, "operand");
  const { ax, starts, allow } = startsInDim(op, x, startIndex, axis, options);
  const sizes = x.shape.map((s, d) => (d === ax ? sliceSize : s));
  return dynamicSlice(x, starts, sizes, { allowNegativeIndices: allow });
}

/** `lax.dynamicIndexInDim(operand, index, axis = 0, keepdims = true)`: traced integer indexing. */
export function dynamicIndexInDim(
  operand: ArrayLike,
  index: ArrayLike,
  axis = 0,
  keepdims = true,
  options: { allowNegativeIndices?: boolean } = {},
): Array {
  options = checkOptions("lax.dynamicIndexInDim", options, IN_DIM_KEYS);
  const x = asArray(operand, "lax.dynamicIndexInDim", "operand");
  const ax = normalizeAxis(axis, x.ndim, "lax.dynamicIndexInDim", "axis");
  const r = dynamicSliceInDim(x, index, 1, ax, options);
  return keepdims ? r : squeeze(r, [ax]);
}

// --- dynamic_update_slice ------------------------------------------------------

/** The result of a dynamic_update_slice (the operand's aval), after checking the update and indices. */
export function dynamicUpdateSliceAval(avals: readonly ShapedArray[]): ShapedArray {
  const op = "lax.dynamicUpdateSlice";
  if (avals.length < 2) throw new TypeError(`${op} takes an operand, an update and start indices`);
  const [x, u, ...idx] = avals;
  if (x!.dtype !== u!.dtype) {
    throw new TypeError(
      `${op} requires operand and update to have the same dtype, got operand ${describeAval(x!)} ` +
        `and update ${describeAval(u!)}`,
    );
  }
  if (u!.ndim !== x!.ndim || u!.shape.some((d, i) => d > x!.shape[i]!)) {
    throw new TypeError(
      `${op}: update must have the operand's rank and fit inside it, got update shape ` +
        `${tuple(u!.shape)} for operand shape ${tuple(x!.shape)}`,
    );
  }
  checkIndices(op, idx, x!.ndim);
  return x!;
}

/** vmap of dynamic_update_slice: see the batch rule below. */
function dynamicUpdateSliceBatch(
  [x, u, ...idx]: Array[],
  [xd, ud, ...ids]: BatchDim[],
  axis: AxisData,
): [Array[], BatchDim[]] {
  if (unbatched(ids)) {
    const b = xd ?? ud!;
    const op = moveBatchAxis(x!, xd ?? null, b, axis.size);
    const upd = moveBatchAxis(u!, ud ?? null, b, axis.size);
    const starts = insertAt(idx, b, batchIndex(idx));
    return [[bind1(dynamicUpdateSliceP, [op, upd, ...starts], {})], [b]];
  }
  // As a gather/scatter: one index vector per example, every dimension a window.
  const dims = range(idx.length);
  const index = stackIndices(idx, ids, axis.size);
  return scatterP.rule("batch")(
    [x!, index, u!],
    [xd ?? null, 0, ud ?? null],
    {
      dimension_numbers: {
        update_window_dims: dims,
        inserted_window_dims: [],
        scatter_dims_to_operand_dims: dims,
        operand_batching_dims: [],
        scatter_indices_batching_dims: [],
      },
      indices_are_sorted: true,
      mode: "clip",
      unique_indices: true,
    },
    axis,
  );
}

export const dynamicUpdateSliceP: Primitive = new Primitive("dynamic_update_slice", {
  lower: { kind: "library", name: "dynamic_update_slice" },
  facts: OPAQUE,
  abstractEval: (avals) => [dynamicUpdateSliceAval(avals)],
  impl: libraryImpl<NoParams>("dynamic_update_slice"),
  // Linear in (operand, update) jointly.
  jvp: ([x, u, ...idx], [tx, tu]) => {
    const ans = bind1(dynamicUpdateSliceP, [x!, u!, ...idx], {});
    if (!isInexact(ans.dtype) || (isZero(tx) && isZero(tu))) return [[ans], [new Zero(ans.aval)]];
    const t = bind1(dynamicUpdateSliceP, [instantiate(tx!), instantiate(tu!), ...idx], {});
    return [[ans], [castToAval(t, ans.aval)]];
  },
  // The operand's cotangent is ct with the window zeroed; the update's is ct's window.
  transpose: ([ct], [x, u, ...idx]) => {
    const rest = idx.map(() => null);
    const lx = x instanceof UndefinedPrimal;
    const lu = u instanceof UndefinedPrimal;
    if (isZero(ct)) {
      return [lx ? new Zero(x.aval) : null, lu ? new Zero(u.aval) : null, ...rest];
    }
    const starts = idx.map((i) => knownIndices(i, "lax.dynamicUpdateSlice"));
    const c = castToAval(ct!, x!.aval);
    const uAval = u!.aval;
    const xt = lx
      ? bind1(dynamicUpdateSliceP, [c, zerosLike(uAval.withDtype(c.dtype)), ...starts], {})
      : null;
    const ut = lu
      ? castToAval(bind1(dynamicSliceP, [c, ...starts], { slice_sizes: uAval.shape }), uAval)
      : null;
    return [xt, ut, ...rest];
  },
  // Unbatched indices: operand and update share a batch dimension, written
  // whole; batched indices: a scatter (JAX's rule).
  batch: (args, dims, _, axis) => dynamicUpdateSliceBatch(args, dims, axis),
});

/**
 * `lax.dynamicUpdateSlice(operand, update, startIndices)`: operand with
 * `update` written at the (clamped) start indices.
 */
export function dynamicUpdateSlice(
  operand: ArrayLike,
  update: ArrayLike,
  startIndices: readonly ArrayLike[],
  options: AllowNegative = {},
): Array {
  options = checkOptions("lax.dynamicUpdateSlice", options, ALLOW_NEGATIVE_KEYS);
  const op = "lax.dynamicUpdateSlice";
  const x = asArray(operand, op, "operand");
  const u = scalarLike(update, x.dtype, op, "update");
  const idx = startIndexArrays(op, x, startIndices, options.allowNegativeIndices);
  return bind1(dynamicUpdateSliceP, [x, u, ...idx], {});
}

/** `lax.dynamicUpdateSliceInDim(operand, update, startIndex, axis)`. */
export function dynamicUpdateSliceInDim(
  operand: ArrayLike,
  update: ArrayLike,
  startIndex: ArrayLike,
  axis: number,
  options: { allowNegativeIndices?: boolean } = {},
): Array {
  options = checkOptions("lax.dynamicUpdateSliceInDim", options, IN_DIM_KEYS);
  const op = "lax.dynamicUpdateSliceInDim";
  const x = asArray(operand, op, "operand");
  const { starts, allow } = startsInDim(op, x, startIndex, axis, options);
  return dynamicUpdateSlice(x, update, starts, { allowNegativeIndices: allow });
}

/**
 * `lax.dynamicUpdateIndexInDim(operand, update, index, axis)`: writes a
 * size-1 slice; `update` may omit the size-1 `axis`.
 */
export function dynamicUpdateIndexInDim(
  operand: ArrayLike,
  update: ArrayLike,
  index: ArrayLike,
  axis: number,
  options: { allowNegativeIndices?: boolean } = {},
): Array {
  options = checkOptions("lax.dynamicUpdateIndexInDim", options, IN_DIM_KEYS);
  const op = "lax.dynamicUpdateIndexInDim";
  const x = asArray(operand, op, "operand");
  const ax = normalizeAxis(axis, x.ndim, op, "axis");
  let u = scalarLike(update, x.dtype, op, "update");
  if (u.ndim === x.ndim - 1) u = expandDims(u, [ax]);
  return dynamicUpdateSliceInDim(x, u, index, ax, options);
}
