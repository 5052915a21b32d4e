/**
 * Sorting and searching (`jnp.sort`, `argsort`, `searchsorted`) and the
 * functions whose result shape depends on values (`nonzero`, `argwhere`,
 * `unique`): these read concrete values eagerly and, under `jit`, need a
 * static `size` (as in JAX). Re-exported from manipulation.ts.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { hostValues } from "../core/backend.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { ConcretizationTypeError, isConcrete } from "../core/trace.js";
import { allocateValues, isBool, isComplex, isFloating, numberValues } from "../dtype.js";
import * as lax from "../lax/index.js";
import { checkOptions, isPlainObject, type OptionKeys } from "../options.js";
import { normalizeAxis, shapeStr, stridesOf } from "../shape.js";
import { filled as full } from "./internal.js";
import { ravel } from "./manipulation.js";
import { take } from "./selection.js";
import { cast, resultType } from "./util.js";

export interface SortOptions {
  axis?: number | null;
  /** Our sorts are always stable; accepted for NumPy compatibility. */
  stable?: boolean;
  /** Sort from largest to smallest (equal elements keep their order). */
  descending?: boolean;
  kind?: string;
}
const SORT_KEYS: OptionKeys<SortOptions> = {
  axis: true,
  stable: true,
  descending: true,
  kind: true,
};

function sortArgs(
  op: string,
  a: ArrayLike,
  axis: number | null | SortOptions | undefined,
  options: SortOptions,
): { x: Array; ax: number; descending: boolean } {
  // The axis defaults to -1; only an explicit null flattens.
  const opts: SortOptions = {
    axis: -1,
    ...checkOptions(op, options, SORT_KEYS),
    ...(isPlainObject(axis) ? checkOptions(op, axis, SORT_KEYS) : {}),
  };
  if (axis !== undefined && !isPlainObject(axis)) opts.axis = axis;
  let x = asArray(a, op, "a");
  if (opts.axis === null) x = ravel(x);
  if (x.ndim === 0)
    throw new Error(`${op}: cannot sort a 0-d array (axis ${String(opts.axis)} is out of bounds)`);
  return {
    x,
    ax: normalizeAxis(opts.axis ?? -1, x.ndim, op),
    descending: opts.descending ?? false,
  };
}

/** `jnp.sort(a, axis=-1, { descending })`: stable; NaNs sort last. axis null flattens. */
export function sort(
  a: ArrayLike,
  axis?: number | null | SortOptions,
  options: SortOptions = {},
): Array {
  const { x, ax, descending } = sortArgs("jnp.sort", a, axis, options);
  const s = lax.sort(x, { dimension: ax, isStable: true });
  return descending ? lax.rev(s, [ax]) : s;
}

/** `jnp.argsort(a, axis=-1, { descending })`: the stable sorting permutation (int32). */
export function argsort(
  a: ArrayLike,
  axis?: number | null | SortOptions,
  options: SortOptions = {},
): Array {
  const { x, ax, descending } = sortArgs("jnp.argsort", a, axis, options);
  const iota = lax.broadcastedIota("int32", x.shape, ax);
  if (!descending) return lax.sort([x, iota], { dimension: ax, isStable: true, numKeys: 1 })[1]!;
  // Sorting the reversed array stably and reversing back keeps equal keys in order.
  const perm = lax.sort([lax.rev(x, [ax]), iota], {
    dimension: ax,
    isStable: true,
    numKeys: 1,
  })[1]!;
  const n = x.shape[ax]!;
  return lax.sub(full(x.shape, n - 1, "int32"), lax.rev(perm, [ax]));
}

/** `jnp.lexsort(keys, axis=-1)`: sorts by the last key first, then the others (int32 permutation). */
export function lexsort(keys: readonly ArrayLike[], axis = -1): Array {
  const op = "jnp.lexsort";
  if (keys.length === 0) throw new Error(`${op}: need at least one key`);
  const ks = keys.map((k, i) => asArray(k, op, `keys[${i}]`)).reverse();
  const shape = ks[0]!.shape;
  if (ks.some((k) => k.ndim !== shape.length || k.shape.some((d, i) => d !== shape[i]))) {
    throw new Error(
      `${op}: all keys must have the same shape, got ${ks.map((k) => shapeStr(k.shape)).join(", ")}`,
    );
  }
  const ax = normalizeAxis(axis, shape.length, op);
  const iota = lax.broadcastedIota("int32", shape, ax);
  const out = lax.sort([...ks, iota], { dimension: ax, isStable: true, numKeys: ks.length });
  return out[out.length - 1]!;
}

export interface SearchsortedOptions {
  /** "left": the first suitable index (a[i-1] < v <= a[i]); "right": the last (a[i-1] <= v < a[i]). */
  side?: "left" | "right";
  /** Indices that sort a (as from argsort), when a itself is not sorted. */
  sorter?: ArrayLike;
  /** "scan" (binary search, the default) or "compare_all" (one comparison per pair). */
  method?: "scan" | "compare_all" | "sort";
}
const SEARCHSORTED_KEYS: OptionKeys<SearchsortedOptions> = {
  side: true,
  sorter: true,
  method: true,
};

/** x < y in the total order that sorts use (NaN last). */
function totalLt(x: Array, y: Array): Array {
  if (!isFloating(x.dtype)) return lax.lt(x, y);
  const nanX = lax.ne(x, x);
  const nanY = lax.ne(y, y);
  return lax.bitwiseOr(lax.lt(x, y), lax.bitwiseAnd(nanY, lax.bitwiseNot(nanX)));
}

/**
 * `jnp.searchsorted(a, v, { side, sorter, method })`: where to insert v into
 * the sorted 1-D a to keep it sorted (int32, v's shape).
 */
export function searchsorted(a: ArrayLike, v: ArrayLike, options: SearchsortedOptions = {}): Array {
  options = checkOptions("jnp.searchsorted", options, SEARCHSORTED_KEYS);
  const op = "jnp.searchsorted";
  let arr = asArray(a, op, "a");
  const val = asArray(v, op, "v");
  if (arr.ndim !== 1)
    throw new Error(`${op}: a should be 1-dimensional, got shape ${shapeStr(arr.shape)}`);
  const side = options.side ?? "left";
  if (side !== "left" && side !== "right")
    throw new Error(`${op}: side must be "left" or "right", got ${JSON.stringify(side)}`);
  const method = options.method ?? "scan";
  if (!["scan", "compare_all", "sort"].includes(method)) {
    throw new Error(
      `${op}: method must be "scan", "compare_all" or "sort", got ${JSON.stringify(method)}`,
    );
  }
  if (options.sorter !== undefined) arr = take(arr, options.sorter, { axis: 0, mode: "clip" });
  const { dtype } = resultType(arr, val);
  arr = cast(arr, dtype);
  const x = cast(val, dtype);
  const n = arr.shape[0]!;
  // goesRight(ai, v): v belongs after ai.
  const goesRight = (ai: Array, vv: Array) =>
    side === "left" ? totalLt(ai, vv) : lax.bitwiseNot(totalLt(vv, ai));
  if (n === 0) return full(x.shape, 0, "int32");
  if (method === "compare_all") {
    const shape = [...x.shape, n];
    const ab = lax.broadcastInDim(arr, shape, [x.ndim]);
    const vb = lax.broadcastInDim(
      x,
      shape,
      x.shape.map((_, i) => i),
    );
    return lax.reduceSum(lax.convertElementType(goesRight(ab, vb), "int32"), [x.ndim]);
  }
  return binarySearch(arr, x, goesRight);
}

/** A fixed number of bisection steps (log2(n + 1)), so it traces to a static program. */
function binarySearch(a: Array, v: Array, goesRight: (ai: Array, v: Array) => Array): Array {
  const n = a.shape[0]!;
  let lo = full(v.shape, 0, "int32");
  let hi = full(v.shape, n, "int32");
  const one = full(v.shape, 1, "int32");
  for (let span = n + 1; span > 1; span = Math.ceil(span / 2)) {
    const mid = lax.shiftRightLogical(lax.add(lo, hi), one);
    const right = goesRight(take(a, mid, { axis: 0, mode: "clip" }), v);
    const active = lax.lt(lo, hi);
    lo = lax.selectN(lax.bitwiseAnd(active, right), lo, lax.add(mid, one));
    hi = lax.selectN(lax.bitwiseAnd(active, lax.bitwiseNot(right)), hi, mid);
  }
  return lo;
}

export interface NonzeroOptions {
  /** The number of results: required under jit, where the count is not known. Extra slots get fillValue. */
  size?: number;
  /** The index written into unused slots (default 0); one per dimension or one for all. */
  fillValue?: number | readonly number[];
}
const NONZERO_KEYS: OptionKeys<NonzeroOptions> = { size: true, fillValue: true };

function concretizationError(op: string, x: Array): ConcretizationTypeError {
  return new ConcretizationTypeError(
    `${op}: the size of the result depends on the values of the argument, which are not known while tracing ` +
      `(${x.aval.str()}). Pass a static size, e.g. ${op}(x, { size: n, fillValue: 0 }), to use it inside jit or vmap.`,
  );
}

function fillFor(
  op: string,
  fillValue: number | readonly number[] | undefined,
  ndim: number,
): number[] {
  if (fillValue === undefined) return new globalThis.Array<number>(ndim).fill(0);
  if (typeof fillValue === "number") return new globalThis.Array<number>(ndim).fill(fillValue);
  if (fillValue.length !== ndim)
    throw new Error(
      `${op}: fillValue must be a scalar or have one entry per dimension (${ndim}), got ${fillValue.length}`,
    );
  return [...fillValue];
}

/**
 * `jnp.nonzero(a, { size, fillValue })`: one int32 index array per
 * dimension. Eager without size; under jit, size is required.
 */
export function nonzero(a: ArrayLike, options: NonzeroOptions = {}): Array[] {
  options = checkOptions("jnp.nonzero", options, NONZERO_KEYS);
  const op = "jnp.nonzero";
  const x = asArray(a, op, "a");
  if (x.ndim === 0)
    throw new Error(
      `${op}: calling nonzero on 0-d arrays is not allowed; use jnp.atleast1d(a) first`,
    );
  const size = options.size;
  const fills = fillFor(op, options.fillValue, x.ndim);
  const strides = stridesOf(x.shape);
  if (size === undefined || size === null) {
    if (!isConcrete(x)) throw concretizationError(op, x);
    const flat: number[] = [];
    const v = numberValues(x.dtype, hostValues(x));
    // A complex value is nonzero when either part is (its storage holds pairs).
    const k = isComplex(x.dtype) ? 2 : 1;
    for (let i = 0; i < x.size; i++)
      if (v[k * i] !== 0 || (k === 2 && v[k * i + 1] !== 0)) flat.push(i);
    return x.shape.map((d, k) => {
      const out = new Int32Array(flat.length);
      flat.forEach((f, j) => {
        out[j] = Math.floor(f / strides[k]!) % d;
      });
      return ArrayImpl.fromData(out, [flat.length]);
    });
  }
  if (!Number.isInteger(size) || size < 0)
    throw new Error(`${op}: size must be a non-negative integer, got ${size}`);
  const n = x.size;
  const mask = lax.convertElementType(
    isBool(x.dtype) ? x : lax.ne(x, full(x.shape, 0, x.dtype)),
    "int32",
  );
  let pos: Array;
  if (n === 0) pos = full([size], 0, "int32");
  else {
    // The k-th nonzero is where the running count first reaches k + 1.
    const counts = lax.cumsum(ravel(mask), { axis: 0 });
    const want = lax.add(lax.iota("int32", size), full([size], 1, "int32"));
    pos = searchsorted(counts, want, { side: "left" });
  }
  const valid = lax.lt(pos, full([size], n, "int32"));
  return x.shape.map((d, k) => {
    const idx = lax.rem(
      lax.div(pos, full([size], strides[k]!, "int32")),
      full([size], Math.max(d, 1), "int32"),
    );
    return lax.selectN(valid, full([size], fills[k]!, "int32"), idx);
  });
}

/** `jnp.flatnonzero(a, { size, fillValue })`: indices of nonzeros in the flattened array. */
export function flatnonzero(a: ArrayLike, options: NonzeroOptions = {}): Array {
  options = checkOptions("jnp.flatnonzero", options, NONZERO_KEYS);
  return nonzero(ravel(asArray(a, "jnp.flatnonzero", "a")), options)[0]!;
}

/** `jnp.argwhere(a, { size, fillValue })`: an (N, a.ndim) int32 array of the nonzero indices. */
export function argwhere(a: ArrayLike, options: NonzeroOptions = {}): Array {
  options = checkOptions("jnp.argwhere", options, NONZERO_KEYS);
  const op = "jnp.argwhere";
  const x = asArray(a, op, "a");
  const x1 = x.ndim === 0 ? lax.reshape(x, [1]) : x;
  const cols = nonzero(x1, options).map((c) => lax.reshape(c, [c.shape[0]!, 1]));
  const result = cols.length === 1 ? cols[0]! : lax.concatenate(cols, 1);
  if (x.ndim === 0) return lax.sliceInDim(result, 0, 0, 1, 1);
  return result;
}

export interface UniqueResult {
  values: Array;
  /** The first index in the flattened input of each unique value. */
  indices: Array;
  /** For each input element, the index of its value in `values` (input's shape). */
  inverseIndices: Array;
  counts: Array;
}

/**
 * `jnp.unique_all(x)` (the Array API): sorted unique values with their first
 * indices, inverse indices and counts. Eager only: the number of unique
 * values depends on the data. NaNs count as one value.
 */
export function uniqueAll(x: ArrayLike): UniqueResult {
  const op = "jnp.unique";
  const a = asArray(x, op, "x");
  if (!isConcrete(a)) {
    throw new ConcretizationTypeError(
      `${op}: the number of unique values depends on the data, which is not known while tracing (${a.aval.str()}); call it outside jit`,
    );
  }
  if (isComplex(a.dtype)) {
    throw new TypeError(
      `${op}: complex values have no order (got ${a.dtype}); unique them by parts`,
    );
  }
  const data = numberValues(a.dtype, hostValues(a));
  const order = globalThis.Array.from({ length: data.length }, (_, i) => i);
  const key = (i: number) => data[i]!;
  order.sort((p, q) => {
    const x1 = key(p);
    const y1 = key(q);
    const xn = Number.isNaN(x1);
    const yn = Number.isNaN(y1);
    if (xn || yn) return xn === yn ? p - q : xn ? 1 : -1;
    return x1 - y1 || p - q;
  });
  const same = (p: number, q: number) =>
    key(p) === key(q) || (Number.isNaN(key(p)) && Number.isNaN(key(q)));
  const values: number[] = [];
  const first: number[] = [];
  const counts: number[] = [];
  const inverse = new Int32Array(data.length);
  order.forEach((i, j) => {
    if (j === 0 || !same(order[j - 1]!, i)) {
      values.push(key(i));
      first.push(i);
      counts.push(0);
    }
    counts[counts.length - 1]! += 1;
    inverse[i] = values.length - 1;
  });
  const vals = allocateValues(a.dtype, values.length);
  vals.set(values);
  return {
    values: ArrayImpl.fromData(vals, [values.length], false, a.dtype),
    indices: ArrayImpl.fromData(Int32Array.from(first), [first.length]),
    inverseIndices: ArrayImpl.fromData(inverse, [...a.shape]),
    counts: ArrayImpl.fromData(Int32Array.from(counts), [counts.length]),
  };
}

/** `jnp.unique(ar)`: the sorted unique values of the flattened array (eager only). */
export function unique(ar: ArrayLike): Array {
  return uniqueAll(ar).values;
}
export function uniqueValues(x: ArrayLike): Array {
  return uniqueAll(x).values;
}
export function uniqueCounts(x: ArrayLike): { values: Array; counts: Array } {
  const r = uniqueAll(x);
  return { values: r.values, counts: r.counts };
}
export function uniqueInverse(x: ArrayLike): { values: Array; inverseIndices: Array } {
  const r = uniqueAll(x);
  return { values: r.values, inverseIndices: r.inverseIndices };
}
