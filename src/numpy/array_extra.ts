/**
 * More jnp array functions with NumPy's semantics (JAX's where they differ):
 * `append`, `delete`, `insert`, `resize`, `trim_zeros`, `diagflat`,
 * `unstack`, `rollaxis`, `broadcast_shapes`, `ndim`, `shape`, `size`,
 * `isscalar`, `iterable`, `fromfunction`, `matvec`, `vecmat`, `choose`,
 * `sort_complex`, `partition`, `argpartition`, `top_k`, `unwrap`, the
 * window functions, and the dtype aliases `single`, `double`, `csingle`...
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type DType, defaultFloat, isComplex, isInexact } from "../dtype.js";
import { ConcretizationTypeError, IndexError, ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkFunction, checkOptions } from "../options.js";
import { broadcastShapes as broadcastShapesOf, normalizeAxis, shapeStr } from "../shape.js";
import { constList, filled } from "./internal.js";
import { concatenate, moveaxis, ravel, take, takeAlongAxis, where } from "./manipulation.js";
import { i0 } from "./math_extra.js";
import { diag, matmul } from "./products.js";
import { cumsum } from "./reductions.js";
import { cast, promoteArgsInexact } from "./util.js";

export const single: DType = "float32";
export const double: DType = "float64";
export const csingle: DType = "complex64";
export const cdouble: DType = "complex128";
/** NumPy's `float_` is float64 (float32 unless x64 is enabled, as JAX). */
export const float_: DType = "float64";
export const complex_: DType = "complex128";
/** NumPy's `int_` is int64 (int32 unless x64 is enabled, as JAX). */
export const int_: DType = "int64";
/** NumPy's `uint` is uint64 (uint32 unless x64 is enabled, as JAX). */
export const uint: DType = "uint64";

function concreteInts(op: string, obj: ArrayLike | readonly number[], what: string): number[] {
  if (typeof obj === "number") return [obj];
  if (globalThis.Array.isArray(obj)) return (obj as readonly number[]).map(Number);
  const a = asArray(obj as ArrayLike, op, what);
  if (!(a instanceof ArrayImpl))
    throw new ConcretizationTypeError(`${op}: ${what} must be concrete (not traced)`);
  return globalThis.Array.from(a.dataSync(), Number);
}

/** `jnp.append(arr, values, axis?)`: values after arr along axis (none: both flattened). */
export function append(arr: ArrayLike, values: ArrayLike, axis: number | null = null): Array {
  const op = "jnp.append";
  const a = asArray(arr, op, "arr");
  const v = asArray(values, op, "values");
  return axis == null ? concatenate([ravel(a), ravel(v)], 0) : concatenate([a, v], axis);
}

/** `jnp.delete(arr, obj, axis?)`: arr without the entries at the concrete indices (or boolean mask) obj. */
function deleteImpl(
  arr: ArrayLike,
  obj: ArrayLike | readonly number[],
  axis: number | null = null,
): Array {
  const op = "jnp.delete";
  let a = asArray(arr, op, "arr");
  if (axis == null) {
    a = ravel(a);
    axis = 0;
  }
  const ax = normalizeAxis(axis, a.ndim, op);
  const n = a.shape[ax]!;
  const o =
    typeof obj === "number" || globalThis.Array.isArray(obj)
      ? null
      : asArray(obj as ArrayLike, op, "obj");
  const drop = new Set<number>();
  if (o !== null && o.dtype === "bool") {
    if (o.shape[0] !== n)
      throw new ValueError(`${op}: boolean obj must have length ${n}, got ${o.shape[0]}`);
    concreteInts(op, o, "obj").forEach((v, i) => {
      if (v) drop.add(i);
    });
  } else {
    for (const i of concreteInts(op, obj, "obj")) {
      if (i < -n || i >= n)
        throw new IndexError(`${op}: index ${i} is out of bounds for axis ${ax} with size ${n}`);
      drop.add(i < 0 ? i + n : i);
    }
  }
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!drop.has(i)) keep.push(i);
  return take(a, constList(keep, "int32"), ax);
}

/** `jnp.delete(arr, obj, axis?)` (`delete` is a reserved word in JS, so this is the export name only). */
export { deleteImpl as delete };

/**
 * `jnp.insert(arr, obj, values, axis?)`: values inserted before the concrete
 * index (a block) or indices (one value each) obj along axis (none: flattened).
 */
export function insert(
  arr: ArrayLike,
  obj: ArrayLike | readonly number[],
  values: ArrayLike,
  axis: number | null = null,
): Array {
  const op = "jnp.insert";
  let a = asArray(arr, op, "arr");
  if (axis == null) {
    a = ravel(a);
    axis = 0;
  }
  const ax = normalizeAxis(axis, a.ndim, op);
  const n = a.shape[ax]!;
  const scalar =
    typeof obj === "number" ||
    (!globalThis.Array.isArray(obj) && asArray(obj as ArrayLike, op, "obj").ndim === 0);
  let idx = concreteInts(op, obj, "obj").map((i) => {
    if (i < -n || i > n)
      throw new ValueError(`${op}: index ${i} is out of bounds for axis ${ax} with size ${n}`);
    return i < 0 ? i + n : i;
  });
  let v = cast(asArray(values, op, "values"), a.dtype);
  if (scalar) {
    // A block of values at one position: values get arr's rank, their first axis along `axis`.
    while (v.ndim < a.ndim) v = lax.reshape(v, [1, ...v.shape]);
    v = moveaxis(v, 0, ax);
    idx = globalThis.Array.from({ length: v.shape[ax]! }, () => idx[0]!);
  }
  const k = idx.length;
  const vShape = a.shape.map((d, i) => (i === ax ? k : d));
  const vb = lax.broadcastInDim(
    v,
    vShape,
    v.ndim === 0 ? [] : v.shape.map((_, i) => vShape.length - v.ndim + i),
  );
  // New items go before the original item at their index, in the order given (stable).
  const order = idx.map((p, j) => [p, j] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const perm: number[] = [];
  let next = 0;
  for (let i = 0; i <= n; i++) {
    while (next < k && order[next]![0] === i) perm.push(n + order[next++]![1]);
    if (i < n) perm.push(i);
  }
  return take(concatenate([a, vb], ax), constList(perm, "int32"), ax);
}

/** `jnp.resize(a, newShape)`: a flattened, repeated (or cut) to fill newShape. */
export function resize(a: ArrayLike, newShape: number | readonly number[]): Array {
  const op = "jnp.resize";
  const x = ravel(asArray(a, op, "a"));
  const shape = typeof newShape === "number" ? [newShape] : [...newShape];
  const total = shape.reduce((p, d) => p * d, 1);
  if (x.size === 0) return filled(shape, 0, x.dtype);
  const reps = Math.ceil(total / x.size);
  const tiled =
    reps <= 1
      ? x
      : concatenate(
          globalThis.Array.from({ length: reps }, () => x),
          0,
        );
  return lax.reshape(lax.sliceInDim(tiled, 0, total), shape);
}

/** `jnp.trim_zeros(filt, trim = "fb")`: the 1-D filt without leading ("f") and/or trailing ("b") zeros (concrete). */
export function trimZeros(filt: ArrayLike, trim = "fb"): Array {
  const op = "jnp.trim_zeros";
  const x = asArray(filt, op, "filt");
  if (x.ndim !== 1) throw new ValueError(`${op}: filt must be 1-D, got shape ${shapeStr(x.shape)}`);
  const v = concreteInts(op, lax.ne(x, filled(x.shape, 0, x.dtype)), "filt");
  let lo = 0;
  let hi = v.length;
  if (trim.toLowerCase().includes("f")) while (lo < hi && !v[lo]) lo++;
  if (trim.toLowerCase().includes("b")) while (hi > lo && !v[hi - 1]) hi--;
  return lax.sliceInDim(x, lo, hi);
}

/** `jnp.diagflat(v, k = 0)`: a 2-D array with the flattened v on diagonal k. */
export function diagflat(v: ArrayLike, k = 0): Array {
  return diag(ravel(asArray(v, "jnp.diagflat", "v")), k);
}

/** `jnp.unstack(x, { axis })`: the slices of x along axis (default 0), as a list. */
export function unstack(x: ArrayLike, options: { axis?: number } = {}): Array[] {
  const op = "jnp.unstack";
  options = checkOptions(op, options, { axis: true });
  const a = asArray(x, op, "x");
  if (a.ndim === 0)
    throw new ValueError(`${op}: unstack requires an array of at least one dimension`);
  const ax = normalizeAxis(options.axis ?? 0, a.ndim, op);
  const shape = a.shape.filter((_, i) => i !== ax);
  return globalThis.Array.from({ length: a.shape[ax]! }, (_, i) =>
    lax.reshape(lax.sliceInDim(a, i, i + 1, 1, ax), shape),
  );
}

/** `jnp.rollaxis(a, axis, start = 0)`: axis moved to before position start (NumPy's older moveaxis). */
export function rollaxis(a: ArrayLike, axis: number, start = 0): Array {
  const op = "jnp.rollaxis";
  const x = asArray(a, op, "a");
  const ax = normalizeAxis(axis, x.ndim, op);
  let st = start < 0 ? start + x.ndim : start;
  if (st < 0 || st > x.ndim)
    throw new ValueError(`${op}: start ${start} is out of bounds for an array of rank ${x.ndim}`);
  if (ax < st) st -= 1;
  return ax === st ? x : moveaxis(x, ax, st);
}

/** `jnp.broadcast_shapes(...shapes)`: the shape they broadcast to. */
export function broadcastShapes(...shapes: readonly (number | readonly number[])[]): number[] {
  return broadcastShapesOf(
    "jnp.broadcast_shapes",
    ...shapes.map((s) => (typeof s === "number" ? [s] : [...s])),
  );
}

/** `jnp.ndim(x)`: the number of dimensions. */
export function ndim(x: ArrayLike): number {
  return asArray(x, "jnp.ndim", "x").ndim;
}
/** `jnp.shape(x)`: the shape, as a list. */
export function shape(x: ArrayLike): number[] {
  return [...asArray(x, "jnp.shape", "x").shape];
}
/** `jnp.size(x, axis?)`: the number of elements (along one axis). */
export function size(x: ArrayLike, axis?: number | null): number {
  const a = asArray(x, "jnp.size", "x");
  return axis == null ? a.size : a.shape[normalizeAxis(axis, a.ndim, "jnp.size")]!;
}
/** `jnp.isscalar(x)`: true for JS numbers/booleans and 0-d arrays (as JAX). */
export function isscalar(x: unknown): boolean {
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "bigint") return true;
  return x instanceof Object && "ndim" in x && "shape" in x && (x as Array).ndim === 0;
}
/** `jnp.iterable(y)`: whether y can be iterated (arrays of rank >= 1, JS iterables). */
export function iterable(y: unknown): boolean {
  if (y instanceof Object && "ndim" in y && "shape" in y) return (y as Array).ndim > 0;
  return (
    y !== null &&
    y !== undefined &&
    typeof (y as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}

/** `jnp.fromfunction(fn, shape, { dtype })`: fn called once on the index grids (one array per dim). */
export function fromfunction<R>(
  fn: (...indices: Array[]) => R,
  shapeArg: readonly number[],
  options: { dtype?: DType } = {},
): R {
  const op = "jnp.fromfunction";
  checkFunction(fn, op, "function");
  options = checkOptions(op, options, { dtype: true });
  const d = options.dtype ?? defaultFloat();
  const grids = shapeArg.map((n, i) =>
    lax.broadcastInDim(cast(lax.iota("int32", n), d), [...shapeArg], [i]),
  );
  return fn(...grids);
}

/** `jnp.matvec(x1, x2)`: batched matrix-vector products, [..., m, n] · [..., n] → [..., m]. */
export function matvec(x1: ArrayLike, x2: ArrayLike): Array {
  const v = asArray(x2, "jnp.matvec", "x2");
  const r = matmul(x1, lax.expandDims(v, [v.ndim]));
  return lax.squeeze(r, [r.ndim - 1]);
}
/** `jnp.vecmat(x1, x2)`: batched vector-matrix products conj(x1) · x2, [..., m] · [..., m, n] → [..., n]. */
export function vecmat(x1: ArrayLike, x2: ArrayLike): Array {
  let v = asArray(x1, "jnp.vecmat", "x1");
  if (isComplex(v.dtype)) v = lax.conj(v);
  const r = matmul(lax.expandDims(v, [v.ndim - 1]), x2);
  return lax.squeeze(r, [r.ndim - 2]);
}

/** `jnp.choose(a, choices, { mode })`: choices[a[i]][i] elementwise; mode "raise" (concrete), "wrap" or "clip". */
export function choose(
  a: ArrayLike,
  choices: readonly ArrayLike[],
  options: { mode?: "raise" | "wrap" | "clip" } = {},
): Array {
  const op = "jnp.choose";
  options = checkOptions(op, options, { mode: true });
  const idx0 = asArray(a, op, "a");
  const n = choices.length;
  if (n === 0) throw new ValueError(`${op}: choices must not be empty`);
  const cs = choices.map((c, i) => asArray(c, op, `choices[${i}]`));
  const shapeOut = broadcastShapesOf(op, idx0.shape, ...cs.map((c) => c.shape));
  const mode = options.mode ?? "raise";
  let idx = cast(idx0, "int32");
  if (mode === "raise") {
    for (const v of concreteInts(op, idx, "a"))
      if (v < 0 || v >= n) throw new ValueError(`${op}: invalid entry ${v} in a for ${n} choices`);
  } else if (mode === "clip")
    idx = lax.clamp(filled(idx.shape, 0, "int32"), idx, filled(idx.shape, n - 1, "int32"));
  else if (mode === "wrap") {
    const r = lax.rem(idx, filled(idx.shape, n, "int32"));
    idx = where(lax.lt(r, filled(r.shape, 0, "int32")), lax.add(r, filled(r.shape, n, "int32")), r);
  } else throw new ValueError(`${op}: mode must be "raise", "wrap" or "clip", got ${String(mode)}`);
  const stacked = concatenate(
    cs.map((c) =>
      lax.reshape(
        lax.broadcastInDim(
          c,
          shapeOut,
          c.shape.map((_, i) => shapeOut.length - c.ndim + i),
        ),
        [1, ...shapeOut],
      ),
    ),
    0,
  );
  const ib = lax.broadcastInDim(
    idx,
    shapeOut,
    idx.shape.map((_, i) => shapeOut.length - idx.ndim + i),
  );
  return lax.reshape(takeAlongAxis(stacked, lax.reshape(ib, [1, ...shapeOut]), 0), shapeOut);
}

/** `jnp.sort_complex(a)`: a sorted along its last axis (real part, then imaginary), as complex. */
export function sortComplex(a: ArrayLike): Array {
  const x = asArray(a, "jnp.sort_complex", "a");
  const s = x.ndim === 0 ? x : (lax.sort(x, { dimension: x.ndim - 1 }) as Array);
  return isComplex(s.dtype) ? s : cast(s, s.dtype === "float64" ? "complex128" : "complex64");
}

/**
 * `jnp.partition(a, kth, axis = -1)`: as JAX — the kth+1 smallest values in
 * ascending order, then the others in descending order (top_k based).
 */
export function partition(a: ArrayLike, kth: number, axis = -1): Array {
  const op = "jnp.partition";
  const x = asArray(a, op, "a");
  const ax = normalizeAxis(axis, x.ndim, op);
  const m = moveaxis(x, ax, -1);
  const n = m.shape[m.ndim - 1]!;
  const k = kth < 0 ? kth + n : kth;
  if (k < 0 || k >= n)
    throw new ValueError(`${op}: kth ${kth} is out of bounds for an axis of size ${n}`);
  const bottom = lax.neg(lax.topK(lax.neg(m), k + 1)[0]);
  const top = lax.topK(m, n - k - 1)[0];
  return moveaxis(lax.concatenate([bottom, top], m.ndim - 1), -1, ax);
}

/** `jnp.argpartition(a, kth, axis = -1)`: the indices that partition a (as jnp.partition orders them). */
export function argpartition(a: ArrayLike, kth: number, axis = -1): Array {
  const op = "jnp.argpartition";
  const x = asArray(a, op, "a");
  const ax = normalizeAxis(axis, x.ndim, op);
  const m = moveaxis(x, ax, -1);
  const n = m.shape[m.ndim - 1]!;
  const k = kth < 0 ? kth + n : kth;
  if (k < 0 || k >= n)
    throw new ValueError(`${op}: kth ${kth} is out of bounds for an axis of size ${n}`);
  const bottom = lax.topK(lax.neg(m), k + 1)[1];
  const top = lax.topK(m, n - k - 1)[1];
  return moveaxis(lax.concatenate([bottom, top], m.ndim - 1), -1, ax);
}

/** `jnp.top_k(operand, k)` → `[values, indices]`: the k largest along the last axis, descending. */
export function topK(operand: ArrayLike, k: number): [Array, Array] {
  return lax.topK(operand, k);
}

export interface UnwrapOptions {
  /** Jumps smaller than this are kept (default period/2). */
  discont?: number | null;
  axis?: number;
  /** The period of the values (default 2π). */
  period?: number;
}

/** `jnp.unwrap(p, { discont, axis, period })`: p with jumps larger than discont replaced by their period complement. */
export function unwrap(p: ArrayLike, options: UnwrapOptions = {}): Array {
  const op = "jnp.unwrap";
  options = checkOptions(op, options, { discont: true, axis: true, period: true });
  const [x0] = promoteArgsInexact(op, p);
  const x = x0!;
  const period = options.period ?? 2 * Math.PI;
  const discont = Math.max(options.discont ?? period / 2, period / 2);
  const ax = normalizeAxis(options.axis ?? -1, x.ndim, op);
  const n = x.shape[ax]!;
  if (n < 2) return x;
  const dd = lax.sub(lax.sliceInDim(x, 1, n, 1, ax), lax.sliceInDim(x, 0, n - 1, 1, ax));
  const half = filled(dd.shape, period / 2, dd.dtype);
  const per = filled(dd.shape, period, dd.dtype);
  let r = lax.rem(lax.add(dd, half), per);
  r = where(lax.lt(r, filled(r.shape, 0, r.dtype)), lax.add(r, per), r);
  let ddmod = lax.sub(r, half);
  ddmod = where(
    lax.bitwiseAnd(lax.eq(ddmod, lax.neg(half)), lax.gt(dd, filled(dd.shape, 0, dd.dtype))),
    half,
    ddmod,
  );
  let corr = lax.sub(ddmod, dd);
  corr = where(
    lax.lt(lax.abs(dd), filled(dd.shape, discont, dd.dtype)),
    filled(dd.shape, 0, dd.dtype),
    corr,
  );
  const cum = cumsum(corr, ax);
  const zeroShape = x.shape.map((d, i) => (i === ax ? 1 : d));
  return lax.add(x, concatenate([filled(zeroShape, 0, x.dtype), cum], ax));
}

// ---------------------------------------------------------------------------
// Windows

function windowOf(M: number, f: (t: number) => number): Array {
  if (!Number.isInteger(M))
    throw new TypeError(`window length M must be an integer, got ${String(M)}`);
  if (M < 1) return filled([0], 0, defaultFloat());
  if (M === 1) return filled([1], 1, defaultFloat());
  return constList(
    globalThis.Array.from({ length: M }, (_, n) => f(n / (M - 1))),
    defaultFloat(),
  );
}
/** `jnp.bartlett(M)`: the triangular window. */
export const bartlett = (M: number): Array => windowOf(M, (t) => (t <= 0.5 ? 2 * t : 2 - 2 * t));
/** `jnp.blackman(M)`: the Blackman window. */
export const blackman = (M: number): Array =>
  windowOf(M, (t) => 0.42 - 0.5 * Math.cos(2 * Math.PI * t) + 0.08 * Math.cos(4 * Math.PI * t));
/** `jnp.hamming(M)`: the Hamming window. */
export const hamming = (M: number): Array =>
  windowOf(M, (t) => 0.54 - 0.46 * Math.cos(2 * Math.PI * t));
/** `jnp.hanning(M)`: the Hann window. */
export const hanning = (M: number): Array =>
  windowOf(M, (t) => 0.5 - 0.5 * Math.cos(2 * Math.PI * t));
/** `jnp.kaiser(M, beta)`: the Kaiser window, i0(beta·√(1 - (2n/(M-1) - 1)²)) / i0(beta). */
export function kaiser(M: number, beta: ArrayLike): Array {
  const t = windowOf(M, (u) => Math.sqrt(Math.max(0, 1 - (2 * u - 1) ** 2)));
  if (M <= 1) return t;
  const b = asArray(beta, "jnp.kaiser", "beta");
  const bf = cast(b, isInexact(b.dtype) ? b.dtype : defaultFloat());
  return lax.div(
    i0(lax.mul(t, lax.broadcastInDim(cast(bf, t.dtype), t.shape, []))),
    lax.broadcastInDim(i0(cast(bf, t.dtype)), t.shape, []),
  );
}
