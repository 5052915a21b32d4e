/**
 * Index helpers with NumPy's semantics: `jnp.tril_indices`, `triu_indices`
 * (and `_from`), `diag_indices` (and `_from`), `mask_indices`, `indices`,
 * `ix_`, `unravel_index`, `ravel_multi_index`, `rot90` and
 * `fill_diagonal` (functional: it returns the new array, as JAX).
 * Shapes are static; index values may be traced where JAX allows it.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type DType, isBool, isInexact } from "../dtype.js";
import { ConcretizationTypeError, ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { normalizeAxis, type Shape, shapeStr, sizeOf } from "../shape.js";
import { constList, filled } from "./internal.js";
import { flip, nonzero, where } from "./manipulation.js";
import { cast } from "./util.js";

function checkDim(op: string, n: unknown, what: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new TypeError(`${op}: ${what} must be a non-negative integer, got ${String(n)}`);
  }
  return n;
}

function triIndices(
  op: string,
  n: number,
  k: number,
  m: number | undefined | null,
  lower: boolean,
): [Array, Array] {
  const rows: number[] = [];
  const cols: number[] = [];
  const mm = m ?? n;
  checkDim(op, n, "n");
  checkDim(op, mm, "m");
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < mm; j++) {
      if (lower ? j - i <= k : j - i >= k) {
        rows.push(i);
        cols.push(j);
      }
    }
  }
  return [constList(rows, "int32"), constList(cols, "int32")];
}

/** `jnp.tril_indices(n, k = 0, m?)`: [rows, cols] of the lower triangle (j - i <= k). */
export function trilIndices(n: number, k = 0, m?: number | null): [Array, Array] {
  return triIndices("jnp.tril_indices", n, k, m, true);
}
/** `jnp.triu_indices(n, k = 0, m?)`: [rows, cols] of the upper triangle (j - i >= k). */
export function triuIndices(n: number, k = 0, m?: number | null): [Array, Array] {
  return triIndices("jnp.triu_indices", n, k, m, false);
}

function matrixShape(op: string, arr: ArrayLike): Shape {
  const a = asArray(arr, op, "arr");
  if (a.ndim !== 2)
    throw new ValueError(`${op}: input array must be 2-D, got shape ${shapeStr(a.shape)}`);
  return a.shape;
}
/** `jnp.tril_indices_from(arr, k = 0)`: tril_indices for a 2-D array's shape. */
export function trilIndicesFrom(arr: ArrayLike, k = 0): [Array, Array] {
  const s = matrixShape("jnp.tril_indices_from", arr);
  return triIndices("jnp.tril_indices_from", s[0]!, k, s[1]!, true);
}
/** `jnp.triu_indices_from(arr, k = 0)`: triu_indices for a 2-D array's shape. */
export function triuIndicesFrom(arr: ArrayLike, k = 0): [Array, Array] {
  const s = matrixShape("jnp.triu_indices_from", arr);
  return triIndices("jnp.triu_indices_from", s[0]!, k, s[1]!, false);
}

/** `jnp.diag_indices(n, ndim = 2)`: ndim copies of arange(n), indexing the main diagonal. */
export function diagIndices(n: number, ndim = 2): Array[] {
  const op = "jnp.diag_indices";
  checkDim(op, n, "n");
  checkDim(op, ndim, "ndim");
  const idx = lax.iota("int32", n);
  return globalThis.Array.from({ length: ndim }, () => idx);
}

/** `jnp.diag_indices_from(arr)`: diag_indices for an array whose dims are all equal (ndim >= 2). */
export function diagIndicesFrom(arr: ArrayLike): Array[] {
  const op = "jnp.diag_indices_from";
  const a = asArray(arr, op, "arr");
  if (a.ndim < 2)
    throw new ValueError(`${op}: input array must be at least 2-D, got shape ${shapeStr(a.shape)}`);
  if (!a.shape.every((d) => d === a.shape[0])) {
    throw new ValueError(
      `${op}: all dimensions of the input must be equal, got shape ${shapeStr(a.shape)}`,
    );
  }
  return diagIndices(a.shape[0]!, a.ndim);
}

/**
 * `jnp.mask_indices(n, maskFunc, k = 0)`: the indices where
 * `maskFunc(ones([n, n]), k)` is nonzero (e.g. `jnp.triu`), as [rows, cols].
 */
export function maskIndices(
  n: number,
  maskFunc: (a: Array, k: number) => Array,
  k = 0,
  options: { size?: number | null } = {},
): [Array, Array] {
  const op = "jnp.mask_indices";
  options = checkOptions(op, options, { size: true });
  checkDim(op, n, "n");
  const m = maskFunc(filled([n, n], 1, "int32"), k);
  const [r, c] = nonzero(m, options.size == null ? {} : { size: options.size });
  return [r!, c!];
}

export interface IndicesOptions {
  /** Return one broadcastable array per dimension instead of a stacked grid. */
  sparse?: boolean;
}

/** `jnp.indices(dimensions, dtype = int32, { sparse })`: the index grid of a shape. */
export function indices(
  dimensions: readonly number[],
  dtype: DType = "int32",
  options: IndicesOptions = {},
): Array | Array[] {
  const op = "jnp.indices";
  options = checkOptions(op, options, { sparse: true });
  const dims = dimensions.map((d) => checkDim(op, d, "each dimension"));
  const grids = dims.map((d, i) => {
    const r = cast(lax.iota("int32", d), dtype);
    const shape = dims.map((e, j) => (j === i ? d : options.sparse ? 1 : e));
    return options.sparse ? lax.reshape(r, shape) : lax.broadcastInDim(r, shape, [i]);
  });
  if (options.sparse) return grids;
  if (dims.length === 0) return filled([0], 0, dtype);
  return lax.concatenate(
    grids.map((g) => lax.reshape(g, [1, ...dims])),
    0,
  );
}

/** `jnp.ix_(...args)`: an open mesh of 1-D sequences, for cross-product indexing. */
export function ix_(...args: ArrayLike[]): Array[] {
  const op = "jnp.ix_";
  const n = args.length;
  return args.map((a, i) => {
    const x = asArray(a, op, `argument ${i + 1}`);
    if (x.ndim !== 1)
      throw new ValueError(`${op}: each argument must be 1-D, got shape ${shapeStr(x.shape)}`);
    if (isBool(x.dtype)) {
      throw new TypeError(
        `${op}: boolean arguments are not supported (their true count is not static)`,
      );
    }
    return lax.reshape(
      x,
      globalThis.Array.from({ length: n }, (_, j) => (j === i ? x.shape[0]! : 1)),
    );
  });
}

function intIndex(op: string, x: ArrayLike, what: string): Array {
  const a = asArray(x, op, what);
  if (isInexact(a.dtype) || isBool(a.dtype)) {
    throw new TypeError(`${op}: ${what} must be an integer array, got dtype ${a.dtype}`);
  }
  return a;
}

/**
 * `jnp.unravel_index(indices, shape)`: the multi-index of each flat index
 * (one array per dimension). Out-of-bounds indices are clipped, as JAX
 * (negative ones count from the end).
 */
export function unravelIndex(indicesArg: ArrayLike, shape: readonly number[]): Array[] {
  const op = "jnp.unravel_index";
  const idx = intIndex(op, indicesArg, "indices");
  const dims = shape.map((d) => checkDim(op, d, "each dimension of shape"));
  const size = sizeOf(dims);
  const t = idx.dtype;
  const lo = filled(idx.shape, -size, t);
  const hi = filled(idx.shape, Math.max(size - 1, 0), t);
  let r = lax.clamp(lo, idx, hi);
  r = where(lax.lt(r, filled(r.shape, 0, t)), lax.add(r, filled(r.shape, size, t)), r);
  const out: Array[] = new globalThis.Array(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = filled(r.shape, Math.max(dims[i]!, 1), t);
    out[i] = lax.rem(r, d);
    r = lax.div(r, d);
  }
  return out;
}

export interface RavelMultiIndexOptions {
  /** Out-of-bounds indices: "raise" (default; needs concrete indices), "wrap" or "clip". */
  mode?: "raise" | "wrap" | "clip";
  /** Row-major "C" (default) or column-major "F". */
  order?: "C" | "F";
}
const RAVEL_KEYS: OptionKeys<RavelMultiIndexOptions> = { mode: true, order: true };

/** `jnp.ravel_multi_index(multiIndex, dims, { mode, order })`: flat indices of a multi-index. */
export function ravelMultiIndex(
  multiIndex: readonly ArrayLike[],
  dims: readonly number[],
  options: RavelMultiIndexOptions = {},
): Array {
  const op = "jnp.ravel_multi_index";
  options = checkOptions(op, options, RAVEL_KEYS);
  const mode = options.mode ?? "raise";
  const order = options.order ?? "C";
  if (!["raise", "wrap", "clip"].includes(mode))
    throw new ValueError(`${op}: invalid mode ${String(mode)}`);
  if (order !== "C" && order !== "F")
    throw new ValueError(`${op}: order must be "C" or "F", got ${String(order)}`);
  if (multiIndex.length !== dims.length) {
    throw new ValueError(
      `${op}: multiIndex has ${multiIndex.length} arrays but dims has ${dims.length} entries`,
    );
  }
  const ds = dims.map((d) => checkDim(op, d, "each dimension"));
  const idx = multiIndex.map((m, i) => cast(intIndex(op, m, `multiIndex[${i}]`), "int32"));
  const fixed = idx.map((x, i) => {
    const d = ds[i]!;
    if (mode === "raise") {
      if (!(x instanceof ArrayImpl)) {
        throw new ConcretizationTypeError(
          `${op}: mode "raise" needs concrete indices; use mode "wrap" or "clip" under jit`,
        );
      }
      for (const v of x.dataSync()) {
        if (Number(v) < 0 || Number(v) >= d)
          throw new ValueError(
            `${op}: invalid entry ${v} in multiIndex for a dimension of size ${d}`,
          );
      }
      return x;
    }
    if (mode === "clip") return lax.clamp(0, x, Math.max(d - 1, 0));
    const r = lax.rem(x, filled(x.shape, d, "int32"));
    return where(
      lax.lt(r, filled(r.shape, 0, "int32")),
      lax.add(r, filled(r.shape, d, "int32")),
      r,
    );
  });
  const axes = order === "C" ? ds.map((_, i) => i) : ds.map((_, i) => ds.length - 1 - i);
  let out: Array | null = null;
  for (const i of axes) {
    out = out === null ? fixed[i]! : lax.add(lax.mul(out, ds[i]!), fixed[i]!);
  }
  return out ?? constList([0], "int32");
}

/** `jnp.rot90(m, k = 1, axes = [0, 1])`: rotate by 90° k times in the plane of two axes. */
export function rot90(m: ArrayLike, k = 1, axes: readonly [number, number] = [0, 1]): Array {
  const op = "jnp.rot90";
  const x = asArray(m, op, "m");
  if (axes.length !== 2) throw new ValueError(`${op}: axes must have length 2`);
  if (x.ndim < 2)
    throw new ValueError(`${op}: m must be at least 2-D, got shape ${shapeStr(x.shape)}`);
  const a0 = normalizeAxis(axes[0], x.ndim, op, "axes[0]");
  const a1 = normalizeAxis(axes[1], x.ndim, op, "axes[1]");
  if (a0 === a1) throw new ValueError(`${op}: axes must be different`);
  const kk = ((k % 4) + 4) % 4;
  if (kk === 0) return x;
  if (kk === 2) return flip(x, [a0, a1]);
  const perm = x.shape.map((_, i) => (i === a0 ? a1 : i === a1 ? a0 : i));
  return kk === 1 ? lax.transpose(flip(x, a1), perm) : flip(lax.transpose(x, perm), a1);
}

export interface FillDiagonalOptions {
  /** Tall matrices: continue the diagonal after N columns (default false). */
  wrap?: boolean;
  /** Must be false: JAX arrays are immutable, so the result is returned. */
  inplace?: boolean;
}

/**
 * `jnp.fill_diagonal(a, val, { wrap, inplace: false })`: a copy of `a`
 * (ndim >= 2, all dims equal beyond 2-D) with its main diagonal set to `val`
 * (cycled when shorter).
 */
export function fillDiagonal(
  a: ArrayLike,
  val: ArrayLike,
  options: FillDiagonalOptions = {},
): Array {
  const op = "jnp.fill_diagonal";
  options = checkOptions(op, options, { wrap: true, inplace: true });
  if (options.inplace !== false) {
    throw new ValueError(
      `${op}: JAX arrays are immutable; pass { inplace: false } and use the result`,
    );
  }
  const x = asArray(a, op, "a");
  if (x.ndim < 2)
    throw new ValueError(`${op}: array must be at least 2-D, got shape ${shapeStr(x.shape)}`);
  if (x.ndim > 2 && !x.shape.every((d) => d === x.shape[0])) {
    throw new ValueError(
      `${op}: all dimensions of the input must be of equal length, got ${shapeStr(x.shape)}`,
    );
  }
  // Flat positions of the diagonal, as NumPy's a.flat[::step].
  const step =
    x.ndim === 2
      ? x.shape[1]! + 1
      : x.shape.reduce((s, _, i) => s + x.shape.slice(i + 1).reduce((p, d) => p * d, 1), 0);
  let end = x.size;
  if (x.ndim === 2 && !options.wrap) end = Math.min(end, x.shape[1]! * x.shape[1]!);
  const pos: number[] = [];
  for (let p = 0; p < end; p += step) pos.push(p);
  const v0 = cast(asArray(val, op, "val"), x.dtype);
  if (v0.size === 0) throw new ValueError(`${op}: val must not be empty`);
  const v = lax.reshape(v0, [v0.size]);
  const cnt = pos.length;
  const vals =
    v.shape[0] === 1
      ? lax.broadcastInDim(lax.reshape(v, []), [cnt], [])
      : lax.concatenate(
          globalThis.Array.from({ length: Math.ceil(cnt / Math.max(v.shape[0]!, 1)) }, () => v),
          0,
        );
  const flat = lax.reshape(x, [x.size]);
  const updated = flat.at(constList(pos, "int32")).set(lax.sliceInDim(vals, 0, cnt));
  return lax.reshape(updated, x.shape);
}
