/**
 * Selection and gathering: `jnp.where`, `select`, `clip`, `tril`/`triu`,
 * `take` and `take_along_axis` (one lax gather each, with NumPy's negative
 * indices and JAX's out-of-bounds modes). Re-exported from manipulation.ts.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { canonicalize, type DType, isBool, isFloating, isInexact, isUnsigned } from "../dtype.js";
import { IndexError, ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, isPlainObject, type OptionKeys, showValue } from "../options.js";
import { broadcastShapes, normalizeAxis, type Shape, shapeStr } from "../shape.js";
import { constList, filled as full, range } from "./internal.js";
import { ravel } from "./manipulation.js";
import { nonzero } from "./sorting.js";
import { maximum, minimum } from "./ufuncs.js";
import { broadcastTo, cast, promoteArgs, toArrays } from "./util.js";

function arg(x: ArrayLike, op: string, name = "a"): Array {
  return asArray(x, `jnp.${op}`, name);
}

// --- selection -----------------------------------------------------------------------

function toBool(c: Array): Array {
  return isBool(c.dtype) ? c : lax.ne(c, full(c.shape, 0, c.dtype));
}

/**
 * `jnp.where(condition, x, y)`: x where condition is true, else y, with
 * promotion and broadcasting. `jnp.where(condition)` is `jnp.nonzero(condition)`.
 */
export function where(condition: ArrayLike): Array[];
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): Array;
export function where(condition: ArrayLike, x?: ArrayLike, y?: ArrayLike): Array | Array[] {
  const op = "jnp.where";
  if (x === undefined && y === undefined) return nonzero(condition);
  if (x === undefined || y === undefined) {
    throw new ValueError(
      `${op}: either both or neither of x and y should be given (use jnp.nonzero for the one-argument form)`,
    );
  }
  const c = toBool(asArray(condition, op, "condition"));
  const [a, b] = promoteArgs(op, x, y);
  const shape = broadcastShapes(op, c.shape, a!.shape);
  return lax.selectN(
    broadcastTo(c, shape, op),
    broadcastTo(b!, shape, op),
    broadcastTo(a!, shape, op),
  );
}

/** `jnp.select(condlist, choicelist, default=0)`: the first choice whose condition holds. */
export function select(
  condlist: readonly ArrayLike[],
  choicelist: readonly ArrayLike[],
  defaultValue: ArrayLike = 0,
): Array {
  const op = "jnp.select";
  if (condlist.length !== choicelist.length) {
    throw new ValueError(
      `${op}: condlist and choicelist must have the same length, got ${condlist.length} and ${choicelist.length}`,
    );
  }
  if (condlist.length === 0) throw new ValueError(`${op}: condlist must not be empty`);
  const conds = toArrays(op, condlist);
  conds.forEach((c, i) => {
    if (!isBool(c.dtype))
      throw new TypeError(
        `${op}: invalid entry ${i} in condlist: should be a boolean array, got dtype ${c.dtype}`,
      );
  });
  const choices = promoteArgs(op, ...choicelist, defaultValue);
  let out = choices[choices.length - 1]!;
  for (let i = conds.length - 1; i >= 0; i--) out = where(conds[i]!, choices[i]!, out);
  return out;
}

export interface ClipOptions {
  min?: ArrayLike | null;
  max?: ArrayLike | null;
}
const CLIP_KEYS: OptionKeys<ClipOptions> = { min: true, max: true };

/** `jnp.clip(a, min?, max?)` or `jnp.clip(a, { min, max })`: NaN stays NaN. */
export function clip(
  a: ArrayLike,
  min?: ArrayLike | null | ClipOptions,
  max?: ArrayLike | null,
): Array {
  let lo: ArrayLike | null | undefined = min as ArrayLike | null | undefined;
  let hi = max;
  if (isPlainObject(min)) {
    const o = checkOptions("jnp.clip", min as ClipOptions, CLIP_KEYS);
    lo = o.min;
    hi = o.max ?? hi;
  }
  let x = arg(a, "clip");
  if (lo !== undefined && lo !== null) x = maximum(lo, x);
  if (hi !== undefined && hi !== null) x = minimum(hi, x);
  return x;
}

/** `jnp.tril(m, k=0)`: zeros above the k-th diagonal of the last two axes. */
export function tril(m: ArrayLike, k = 0): Array {
  return triangle("tril", m, k, true);
}
/** `jnp.triu(m, k=0)`: zeros below the k-th diagonal. */
export function triu(m: ArrayLike, k = 0): Array {
  return triangle("triu", m, k, false);
}
function triangle(name: string, m: ArrayLike, k: number, lower: boolean): Array {
  const x = arg(m, name, "m");
  if (x.ndim < 2)
    throw new ValueError(
      `jnp.${name}: argument must be at least 2-D, got shape ${shapeStr(x.shape)}`,
    );
  const mask = triMask(x.shape.slice(-2) as [number, number], k, lower);
  const b = lax.broadcastInDim(mask, x.shape, [x.ndim - 2, x.ndim - 1]);
  return lax.selectN(b, full(x.shape, 0, x.dtype), x);
}
/** (rows, cols) bool mask: j <= i + k (lower) or j >= i + k (upper). */
function triMask([r, c]: [number, number], k: number, lower: boolean): Array {
  const i = lax.add(lax.broadcastedIota("int32", [r, c], 0), full([r, c], k, "int32"));
  const j = lax.broadcastedIota("int32", [r, c], 1);
  return lower ? lax.le(j, i) : lax.ge(j, i);
}

/** `jnp.tri(N, M?, k=0, dtype?)`: ones at and below the k-th diagonal. */
export function tri(N: number, M?: number, k = 0, dtype: DType = "float32"): Array {
  return lax.convertElementType(triMask([N, M ?? N], k, true), canonicalize(dtype));
}

// --- gathering --------------------------------------------------------------------

export type TakeMode = "fill" | "clip" | "wrap" | "promise_in_bounds";
export interface TakeOptions {
  axis?: number | null;
  /** Out-of-bounds indices: "fill" (default: NaN, or the dtype's extreme), "clip", "wrap". */
  mode?: TakeMode;
  fillValue?: number;
}
const TAKE_KEYS: OptionKeys<TakeOptions> = { axis: true, mode: true, fillValue: true };
const TAKE_ALONG_AXIS_KEYS: OptionKeys<Omit<TakeOptions, "axis">> = { mode: true, fillValue: true };

/** The fill value JAX uses for out-of-bounds gathers in mode "fill". */
function defaultFill(d: DType): number | boolean {
  if (isInexact(d)) return Number.NaN;
  if (isBool(d)) return true;
  return isUnsigned(d) ? 0xffffffff : -0x80000000;
}

/** Normalizes indices for a gather along an axis of size n: negatives count from the end, or wrap/clip. */
function normIndices(op: string, idx: Array, n: number, mode: TakeMode): Array {
  if (isFloating(idx.dtype) || isBool(idx.dtype))
    throw new TypeError(`${op}: indices must be integers, got dtype ${idx.dtype}`);
  // 64-bit indices (x64) clamp into int32's range first: out of bounds stays out of bounds.
  const INT32_MAX = 2 ** 31 - 1;
  const wide =
    idx.dtype === "int64"
      ? lax.min(lax.max(idx, -(2 ** 31)), INT32_MAX)
      : idx.dtype === "uint64"
        ? lax.min(idx, INT32_MAX)
        : idx;
  const i = cast(wide, "int32");
  const nn = full(i.shape, n, "int32");
  if (mode === "wrap") return n === 0 ? i : lax.rem(lax.add(lax.rem(i, nn), nn), nn);
  const neg = lax.lt(i, full(i.shape, 0, "int32"));
  return lax.selectN(neg, i, lax.add(i, nn));
}

/** Gathers x along `ax` at integer `idx` (any shape): the result has idx's dims in place of ax. */
function gatherAxis(
  op: string,
  x: Array,
  idx: Array,
  ax: number,
  mode: TakeMode,
  fillValue: number | undefined,
): Array {
  const n = x.shape[ax]!;
  const outShape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
  if (idx.size === 0 || n === 0) {
    if (n === 0 && idx.size !== 0 && mode !== "fill")
      throw new IndexError(`${op}: cannot do a non-empty take from an empty axis`);
    return full(outShape, fillValue ?? defaultFill(x.dtype), x.dtype);
  }
  const i = normIndices(op, idx, n, mode);
  const sliceSizes = x.shape.map((d, k) => (k === ax ? 1 : d));
  const k = idx.ndim;
  const offsetDims = [...range(0, ax), ...range(ax + k, x.ndim + k - 1)];
  const g = lax.gather(
    x,
    lax.reshape(i, [...i.shape, 1]),
    { offsetDims, collapsedSliceDims: [ax], startIndexMap: [ax] },
    sliceSizes,
    { mode: mode === "fill" ? "fill" : "clip", fillValue: fillValue ?? defaultFill(x.dtype) },
  );
  return g;
}

/**
 * `jnp.take(a, indices, axis?, { mode, fillValue })`: no axis takes from the
 * flattened array. Negative indices count from the end; out-of-bounds ones
 * fill (NaN for floats) unless mode is "clip" or "wrap".
 */
export function take(
  a: ArrayLike,
  indices: ArrayLike | readonly number[],
  axis?: number | null | TakeOptions,
  options: TakeOptions = {},
): Array {
  const op = "jnp.take";
  options = checkOptions(op, options, TAKE_KEYS);
  const opts: TakeOptions = isPlainObject(axis)
    ? { ...checkOptions(op, axis, TAKE_KEYS), ...options }
    : { ...options, axis: (axis as number | null | undefined) ?? options.axis ?? null };
  let x = arg(a, "take");
  if (opts.axis === null || opts.axis === undefined) x = ravel(x);
  const ax = normalizeAxis(opts.axis ?? 0, x.ndim, op);
  const mode = opts.mode ?? "fill";
  if (!["fill", "clip", "wrap", "promise_in_bounds"].includes(mode)) {
    throw new ValueError(
      `${op}: mode must be one of fill, clip, wrap, promise_in_bounds; got ${showValue(mode)} ("raise" is not supported under jit)`,
    );
  }
  const idx = globalThis.Array.isArray(indices)
    ? constList(indices as readonly number[], "int32")
    : asArray(indices as ArrayLike, op, "indices");
  return gatherAxis(op, x, idx, ax, mode, opts.fillValue);
}

/**
 * `jnp.take_along_axis(arr, indices, axis, { mode, fillValue })`: indices has
 * arr's rank and broadcasts with it on the other axes; axis null flattens both.
 */
export function takeAlongAxis(
  arr: ArrayLike,
  indices: ArrayLike,
  axis: number | null,
  options: Omit<TakeOptions, "axis"> = {},
): Array {
  const op = "jnp.take_along_axis";
  options = checkOptions(op, options, TAKE_ALONG_AXIS_KEYS);
  let x = arg(arr, "take_along_axis", "arr");
  let idx = asArray(indices, op, "indices");
  if (axis === null) {
    x = ravel(x);
    idx = ravel(idx);
    axis = 0;
  }
  if (idx.ndim !== x.ndim) {
    throw new ValueError(
      `${op}: indices and arr must have the same number of dimensions, got shapes ${shapeStr(idx.shape)} and ${shapeStr(x.shape)}`,
    );
  }
  const ax = normalizeAxis(axis, x.ndim, op);
  const mode = options.mode ?? "fill";
  // Broadcast the non-axis dims of both; then gather with full index tuples.
  const shapeOf = (s: Shape, k: number) => s.map((d, i) => (i === ax ? k : d));
  const common = broadcastShapes(op, shapeOf(x.shape, 1), shapeOf(idx.shape, 1));
  x = broadcastTo(x, shapeOf(common, x.shape[ax]!), op);
  idx = broadcastTo(idx, shapeOf(common, idx.shape[ax]!), op);
  const n = x.shape[ax]!;
  if (idx.size === 0 || n === 0)
    return full(idx.shape, options.fillValue ?? defaultFill(x.dtype), x.dtype);
  const i = normIndices(op, idx, n, mode);
  const cols = range(0, x.ndim).map((d) =>
    d === ax ? i : lax.broadcastedIota("int32", idx.shape, d),
  );
  const startIndices = lax.concatenate(
    cols.map((c) => lax.reshape(c, [...idx.shape, 1])),
    idx.ndim,
  );
  return lax.gather(
    x,
    startIndices,
    { offsetDims: [], collapsedSliceDims: range(0, x.ndim), startIndexMap: range(0, x.ndim) },
    x.shape.map(() => 1),
    {
      mode: mode === "fill" ? "fill" : "clip",
      fillValue: options.fillValue ?? defaultFill(x.dtype),
    },
  );
}
