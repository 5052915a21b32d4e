/**
 * Shape inference and dimension-number parsing of `gather` and the
 * `scatter` family (XLA's semantics, including the operand/indices batching
 * dimensions). The primitives, with their differentiation and batching
 * rules, are in gather_scatter.ts; the eager kernels are the backends'
 * library kernels (the CPU's in backend/cpu/kernels/gather_scatter.ts).
 *
 * Out-of-bounds modes follow jax.lax.GatherScatterMode:
 * - "clip": start indices are clamped so that the whole window is in bounds;
 * - "fill": a gather window that is not entirely in bounds is all fill_value;
 *   a scatter window that is not entirely in bounds is dropped;
 * - "promise_in_bounds": what XLA does without checks: gathers clamp,
 *   scatters drop.
 */
import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { UndefinedPrimal } from "../core/primitive.js";
import { type DType, intRange, isBool, isInexact, isInteger, isUnsigned } from "../dtype.js";
import { type Shape, sizeOf } from "../shape.js";
import { intList, tuple } from "./shape_util.js";

export type GatherScatterModeName = "clip" | "fill" | "promise_in_bounds";

/** jax.lax.GatherScatterMode's members; "drop" is accepted as "fill", as in JAX. */
export const GatherScatterMode = {
  CLIP: "clip",
  FILL_OR_DROP: "fill",
  PROMISE_IN_BOUNDS: "promise_in_bounds",
} as const;

/** `lax.GatherDimensionNumbers`, as the wrapper takes it. */
export interface GatherDimensionNumbers {
  offsetDims: readonly number[];
  collapsedSliceDims: readonly number[];
  startIndexMap: readonly number[];
  operandBatchingDims?: readonly number[];
  startIndicesBatchingDims?: readonly number[];
}

/** `lax.ScatterDimensionNumbers`, as the wrappers take them. */
export interface ScatterDimensionNumbers {
  updateWindowDims: readonly number[];
  insertedWindowDims: readonly number[];
  scatterDimsToOperandDims: readonly number[];
  operandBatchingDims?: readonly number[];
  scatterIndicesBatchingDims?: readonly number[];
}

/** The primitive's form of the gather dimension numbers (JAX's field names). */
export interface GatherDnums {
  offset_dims: readonly number[];
  collapsed_slice_dims: readonly number[];
  start_index_map: readonly number[];
  operand_batching_dims: readonly number[];
  start_indices_batching_dims: readonly number[];
}

export interface ScatterDnums {
  update_window_dims: readonly number[];
  inserted_window_dims: readonly number[];
  scatter_dims_to_operand_dims: readonly number[];
  operand_batching_dims: readonly number[];
  scatter_indices_batching_dims: readonly number[];
}

export interface GatherParams {
  dimension_numbers: GatherDnums;
  /** The value of out-of-bounds windows in "fill" mode; null otherwise. */
  fill_value: number | boolean | null;
  indices_are_sorted: boolean;
  mode: GatherScatterModeName;
  slice_sizes: Shape;
  unique_indices: boolean;
}

export interface ScatterParams {
  dimension_numbers: ScatterDnums;
  indices_are_sorted: boolean;
  mode: GatherScatterModeName;
  unique_indices: boolean;
}

type Batching =
  | "operand_batching_dims"
  | "start_indices_batching_dims"
  | "scatter_indices_batching_dims";
/** Dimension numbers with JAX's own (snake_case) field names are accepted too. */
export type GatherDimensionNumbersSnake = Omit<GatherDnums, Batching> & Partial<GatherDnums>;
export type ScatterDimensionNumbersSnake = Omit<ScatterDnums, Batching> & Partial<ScatterDnums>;

export const GATHER_FIELDS = [
  "offset_dims",
  "collapsed_slice_dims",
  "start_index_map",
  "operand_batching_dims",
  "start_indices_batching_dims",
] as const;
export const SCATTER_FIELDS = [
  "update_window_dims",
  "inserted_window_dims",
  "scatter_dims_to_operand_dims",
  "operand_batching_dims",
  "scatter_indices_batching_dims",
] as const;

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Reads dimension numbers given with camelCase or snake_case field names
 * into the primitive's form; the two batching fields (the last two) default
 * to none.
 */
export function readDnums<K extends string>(
  op: string,
  dn: unknown,
  fields: readonly K[],
): Record<K, number[]> {
  if (typeof dn !== "object" || dn === null) {
    throw new TypeError(
      `${op}: dimensionNumbers must be an object { ${fields.map(camel).join(", ")} } (the last two optional)`,
    );
  }
  const rec = dn as Record<string, unknown>;
  const entries = fields.map((f, i) => {
    const v = rec[camel(f)] ?? rec[f] ?? (i >= 3 ? [] : undefined);
    return [f, intList(op, `dimensionNumbers.${camel(f)}`, v)] as const;
  });
  return Object.fromEntries(entries) as Record<K, number[]>;
}

export const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);

// --- checks shared by gather and scatter (XLA's shape inference) ------------------

/** Validates a list of dimension numbers: unique, in [0, rank), sorted when required. */
function checkDimList(
  op: string,
  name: string,
  dims: readonly number[],
  rank: number,
  what: string,
  sorted: boolean,
): void {
  if (sorted && dims.some((d, i) => i > 0 && d < dims[i - 1]!)) {
    throw new TypeError(`${op}: ${name} must be sorted, got ${tuple(dims)}`);
  }
  if (new Set(dims).size !== dims.length) {
    throw new TypeError(`${op}: ${name} must not repeat a dimension, got ${tuple(dims)}`);
  }
  const bad = dims.find((d) => d < 0 || d >= rank);
  if (bad !== undefined) {
    throw new TypeError(
      `${op}: ${name} ${tuple(dims)} contains ${bad}, out of range for ${what} (allowed: 0 to ${rank - 1})`,
    );
  }
}

function checkDisjoint(
  op: string,
  n1: string,
  d1: readonly number[],
  n2: string,
  d2: readonly number[],
) {
  if (d1.some((d) => d2.includes(d))) {
    throw new TypeError(`${op}: ${n1} ${tuple(d1)} and ${n2} ${tuple(d2)} must be disjoint`);
  }
}

function checkIndicesAval(op: string, idx: ShapedArray, arg: string): void {
  if (!isInteger(idx.dtype)) {
    throw new TypeError(
      `${op}: ${arg} must have an integer dtype (int32 or uint32), got ${idx.dtype}`,
    );
  }
  if (idx.ndim < 1) {
    throw new TypeError(
      `${op}: ${arg} must have at least one dimension: its last dimension holds the index ` +
        "vectors (add a trailing dimension of size 1 for scalar indices)",
    );
  }
}

/** Batching dims of operand and indices must pair up, with equal sizes. */
function checkBatching(
  op: string,
  x: ShapedArray,
  idx: ShapedArray,
  operandDims: readonly number[],
  idxName: string,
  idxDims: readonly number[],
): void {
  checkDimList(op, "operand_batching_dims", operandDims, x.ndim, "the operand", true);
  checkDimList(op, idxName, idxDims, idx.ndim, "the indices", false);
  if (idxDims.includes(idx.ndim - 1)) {
    throw new TypeError(
      `${op}: ${idxName} ${tuple(idxDims)} cannot include the index vector dimension ${idx.ndim - 1}`,
    );
  }
  if (operandDims.length !== idxDims.length) {
    throw new TypeError(
      `${op}: operand_batching_dims ${tuple(operandDims)} and ${idxName} ${tuple(idxDims)} must ` +
        "have the same length",
    );
  }
  const xs = operandDims.map((d) => x.shape[d]!);
  const is = idxDims.map((d) => idx.shape[d]!);
  if (xs.some((s, i) => s !== is[i])) {
    throw new TypeError(
      `${op}: operand batching dimensions and indices batching dimensions must have the same ` +
        `sizes, got ${tuple(xs)} and ${tuple(is)}`,
    );
  }
}

function checkMode(op: string, mode: unknown): void {
  if (mode !== "clip" && mode !== "fill" && mode !== "promise_in_bounds") {
    throw new TypeError(
      `${op}: unknown mode ${JSON.stringify(mode)}; use "clip", "fill" (or "drop") or "promise_in_bounds"`,
    );
  }
}

/** The wrappers' mode option: null/undefined is `dflt`, "drop" is "fill". */
export function parseMode(
  op: string,
  mode: string | null | undefined,
  dflt: GatherScatterModeName,
) {
  const m = mode === undefined || mode === null ? dflt : mode === "drop" ? "fill" : mode;
  checkMode(op, m);
  return m as GatherScatterModeName;
}

// --- gather ---------------------------------------------------------------------

export function gatherShape(x: ShapedArray, idx: ShapedArray, p: GatherParams): number[] {
  const op = "lax.gather";
  checkIndicesAval(op, idx, "start_indices");
  checkMode(op, p.mode);
  const dn = p.dimension_numbers;
  const sizes = p.slice_sizes;
  const outRank = dn.offset_dims.length + idx.ndim - 1;
  checkDimList(op, "offset_dims", dn.offset_dims, outRank, `an output of rank ${outRank}`, true);
  const nvec = idx.shape[idx.ndim - 1]!;
  if (dn.start_index_map.length !== nvec) {
    throw new TypeError(
      `${op}: start_index_map ${tuple(dn.start_index_map)} must have one entry per element of the ` +
        `index vectors (the last dimension of start_indices, of shape ${tuple(idx.shape)}), got ` +
        `${dn.start_index_map.length} for ${nvec}`,
    );
  }
  checkDimList(op, "start_index_map", dn.start_index_map, x.ndim, "the operand", false);
  checkDimList(op, "collapsed_slice_dims", dn.collapsed_slice_dims, x.ndim, "the operand", true);
  checkBatching(
    op,
    x,
    idx,
    dn.operand_batching_dims,
    "start_indices_batching_dims",
    dn.start_indices_batching_dims,
  );
  checkDisjoint(
    op,
    "collapsed_slice_dims",
    dn.collapsed_slice_dims,
    "operand_batching_dims",
    dn.operand_batching_dims,
  );
  checkDisjoint(
    op,
    "start_index_map",
    dn.start_index_map,
    "operand_batching_dims",
    dn.operand_batching_dims,
  );
  if (sizes.length !== x.ndim) {
    throw new TypeError(
      `${op}: slice_sizes ${tuple(sizes)} must have one entry per operand dimension (operand shape ${tuple(x.shape)})`,
    );
  }
  const nWindow =
    dn.offset_dims.length + dn.collapsed_slice_dims.length + dn.operand_batching_dims.length;
  if (nWindow !== x.ndim) {
    throw new TypeError(
      `${op}: every operand dimension must be an offset, collapsed or batching dimension: got ` +
        `offset_dims ${tuple(dn.offset_dims)}, collapsed_slice_dims ${tuple(dn.collapsed_slice_dims)} ` +
        `and operand_batching_dims ${tuple(dn.operand_batching_dims)} for an operand of rank ${x.ndim}`,
    );
  }
  // As XLA: slice sizes may exceed the operand only when there is nothing to gather.
  const gathering = sizeOf(idx.shape.slice(0, -1)) > 0;
  sizes.forEach((s, i) => {
    if (s < 0 || (gathering && s > x.shape[i]!)) {
      throw new TypeError(
        `${op}: slice_sizes ${tuple(sizes)} do not fit operand of shape ${tuple(x.shape)} ` +
          `(slice size ${s} for dimension ${i} of size ${x.shape[i]})`,
      );
    }
  });
  for (const d of dn.collapsed_slice_dims) {
    if (sizes[d] !== 1) {
      throw new TypeError(
        `${op}: collapsed_slice_dims can only collapse dimensions of slice size 1, but slice_sizes[${d}] is ${sizes[d]}`,
      );
    }
  }
  for (const d of dn.operand_batching_dims) {
    if (sizes[d]! > 1) {
      throw new TypeError(
        `${op}: operand_batching_dims must have slice size 0 or 1, but slice_sizes[${d}] is ${sizes[d]}`,
      );
    }
  }
  // Offset dims take the window sizes in order; the others take the indices' batch sizes.
  const windowSizes = range(x.ndim)
    .filter((d) => !dn.collapsed_slice_dims.includes(d) && !dn.operand_batching_dims.includes(d))
    .map((d) => sizes[d]!);
  let w = 0;
  let b = 0;
  return range(outRank).map((i) =>
    dn.offset_dims.includes(i) ? windowSizes[w++]! : idx.shape[b++]!,
  );
}

/** The fill value JAX uses when none is given: NaN, the minimum int, the maximum uint, or true. */
export function defaultFillValue(dtype: DType): number | boolean {
  if (isInexact(dtype)) return Number.NaN; // a complex NaN + 0i, as JAX's
  if (isBool(dtype)) return true;
  const [lo, hi] = intRange(dtype);
  return isUnsigned(dtype) ? hi : lo;
}

// --- scatter --------------------------------------------------------------------

const ACCEPTS_BOOL = new Set(["scatter", "scatter_min", "scatter_max"]);

export function laxName(prim: string): string {
  return `lax.${prim.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}`;
}

/** The operand dims a scatter window spans, in order (those neither inserted nor batching). */
export function scatterWindowDims(rank: number, dn: ScatterDnums): number[] {
  return range(rank).filter(
    (d) => !dn.inserted_window_dims.includes(d) && !dn.operand_batching_dims.includes(d),
  );
}

export function scatterCheck(
  op: string,
  prim: string,
  x: ShapedArray,
  idx: ShapedArray,
  u: ShapedArray,
  p: ScatterParams,
): void {
  checkIndicesAval(op, idx, "scatter_indices");
  checkMode(op, p.mode);
  if (x.dtype !== u.dtype) {
    throw new TypeError(
      `${op} requires operand and updates to have the same dtype, got ${x.dtype} and ${u.dtype}`,
    );
  }
  if (isBool(x.dtype) && !ACCEPTS_BOOL.has(prim)) {
    throw new TypeError(
      `${op} does not accept dtype bool; accepted dtypes: int32, uint32, float32, float64`,
    );
  }
  const dn = p.dimension_numbers;
  const uwd = dn.update_window_dims;
  const expectedRank = idx.ndim - 1 + uwd.length;
  if (u.ndim !== expectedRank) {
    throw new TypeError(
      `${op}: updates must have rank ${expectedRank} (the scatter_indices' batch dimensions ` +
        `${tuple(idx.shape.slice(0, -1))} plus ${uwd.length} update_window_dims), got updates of shape ${tuple(u.shape)}`,
    );
  }
  checkDimList(op, "update_window_dims", uwd, u.ndim, "the updates", true);
  checkDimList(op, "inserted_window_dims", dn.inserted_window_dims, x.ndim, "the operand", true);
  checkBatching(
    op,
    x,
    idx,
    dn.operand_batching_dims,
    "scatter_indices_batching_dims",
    dn.scatter_indices_batching_dims,
  );
  checkDisjoint(
    op,
    "inserted_window_dims",
    dn.inserted_window_dims,
    "operand_batching_dims",
    dn.operand_batching_dims,
  );
  checkDisjoint(
    op,
    "scatter_dims_to_operand_dims",
    dn.scatter_dims_to_operand_dims,
    "operand_batching_dims",
    dn.operand_batching_dims,
  );
  const nWindow = uwd.length + dn.inserted_window_dims.length + dn.operand_batching_dims.length;
  if (nWindow !== x.ndim) {
    throw new TypeError(
      `${op}: every operand dimension must be an update window, inserted or batching dimension: got ` +
        `update_window_dims ${tuple(uwd)}, inserted_window_dims ${tuple(dn.inserted_window_dims)} and ` +
        `operand_batching_dims ${tuple(dn.operand_batching_dims)} for an operand of rank ${x.ndim}`,
    );
  }
  const nvec = idx.shape[idx.ndim - 1]!;
  if (dn.scatter_dims_to_operand_dims.length !== nvec) {
    throw new TypeError(
      `${op}: scatter_dims_to_operand_dims ${tuple(dn.scatter_dims_to_operand_dims)} must have one ` +
        `entry per element of the index vectors (the last dimension of scatter_indices, of shape ` +
        `${tuple(idx.shape)}), got ${dn.scatter_dims_to_operand_dims.length} for ${nvec}`,
    );
  }
  checkDimList(
    op,
    "scatter_dims_to_operand_dims",
    dn.scatter_dims_to_operand_dims,
    x.ndim,
    "the operand",
    false,
  );
  scatterWindowDims(x.ndim, dn).forEach((d, k) => {
    if (u.shape[uwd[k]!]! > x.shape[d]!) {
      throw new TypeError(
        `${op}: update window dimension ${uwd[k]} of updates (size ${u.shape[uwd[k]!]}) is larger ` +
          `than operand dimension ${d} (size ${x.shape[d]}); updates shape ${tuple(u.shape)}, operand shape ${tuple(x.shape)}`,
      );
    }
  });
  const scatterDims = range(u.ndim).filter((d) => !uwd.includes(d));
  scatterDims.forEach((d, k) => {
    if (u.shape[d] !== idx.shape[k]) {
      throw new TypeError(
        `${op}: the scatter dimensions of updates must match the batch dimensions of scatter_indices: ` +
          `updates dimension ${d} has size ${u.shape[d]} but scatter_indices dimension ${k} has size ` +
          `${idx.shape[k]} (updates shape ${tuple(u.shape)}, scatter_indices shape ${tuple(idx.shape)})`,
      );
    }
  });
}

// --- helpers of the differentiation rules (here and in slicing.ts) ---------------------

/** Indices are integers, never linear: a transpose rule receives them as known values. */
export function knownIndices(idx: Array | UndefinedPrimal | undefined, op: string): Array {
  if (idx === undefined || idx instanceof UndefinedPrimal) {
    throw new Error(`${op}: the indices cannot be a linear input of a transposed program`);
  }
  return idx;
}
