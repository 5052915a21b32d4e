/**
 * Array manipulation (`jnp.reshape`, `transpose`, `concatenate`, `split`,
 * `tile`, `repeat`, `roll`, `pad`...): NumPy's signatures, built on lax
 * shape and slicing primitives so that everything works under `jit`.
 * Selection and gathering (`where`, `take`...) live in selection.ts, sorting
 * and the value-dependent functions (`sort`, `nonzero`, `unique`) in
 * sorting.ts; both are re-exported from here.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray, scalarAs } from "../core/convert.js";
import { checkDtype, type DType } from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, isPlainObject, kindOf, type OptionKeys, showValue } from "../options.js";
import {
  broadcastShapes,
  checkSize,
  intsArg,
  isPermutation,
  normalizeAxes,
  normalizeAxis,
  type Shape,
  shapeKindError,
  shapeStr,
  shapesEqual,
  sizeOf,
} from "../shape.js";
import { constList, range } from "./internal.js";
import { take } from "./selection.js";
import { broadcastTo, cast, resultType, toArrays } from "./util.js";

export * from "./selection.js";
export * from "./sorting.js";

function arg(x: ArrayLike, op: string, name = "a"): Array {
  return asArray(x, `jnp.${op}`, name);
}

// --- shape changes ---------------------------------------------------------------

/** Resolves one -1 in a requested shape, checking the sizes agree. */
function resolveShape(op: string, x: Array, shape: unknown): number[] {
  const expected = "shape must be a list of non-negative integers (one may be -1) or one integer";
  const given: unknown = typeof shape === "number" ? [shape] : shape;
  if (!globalThis.Array.isArray(given)) {
    throw shapeKindError(op, shape, `${op}: ${expected}, got ${kindOf(shape)}`);
  }
  given.forEach((d: unknown, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d)) {
      throw shapeKindError(
        op,
        shape,
        `${op}: ${expected}; shape[${i}] is ${kindOf(d)}, not an integer`,
      );
    }
    if (d < -1) {
      throw new TypeError(
        `${op}: dimensions must be non-negative integers or -1, got ${shapeStr(given)}`,
      );
    }
  });
  const req = given as readonly number[];
  const unknown = req.filter((d) => d === -1).length;
  if (unknown > 1)
    throw new TypeError(`${op}: can only specify one unknown dimension (-1), got ${shapeStr(req)}`);
  const known = sizeOf(req.filter((d) => d !== -1));
  const fail = () =>
    new TypeError(
      `${op}: cannot reshape array of shape ${shapeStr(x.shape)} (size ${x.size}) into shape ${shapeStr(req)}`,
    );
  if (unknown === 0) {
    if (known !== x.size) throw fail();
    return [...req];
  }
  if (known === 0 || x.size % known !== 0) throw fail();
  return req.map((d) => (d === -1 ? x.size / known : d));
}

export interface OrderOptions {
  /** "C" (row-major, the default) or "F" (column-major). */
  order?: "C" | "F";
}
const ORDER_KEYS: OptionKeys<OrderOptions> = { order: true };

/** `jnp.reshape(a, shape, { order })`: one dimension may be -1. */
export function reshape(
  a: ArrayLike,
  shape: number | readonly number[],
  options?: OrderOptions,
): Array {
  const op = "jnp.reshape";
  const opts = checkOptions(op, options, ORDER_KEYS);
  const x = arg(a, "reshape");
  const s = resolveShape(op, x, shape);
  const order = opts.order ?? "C";
  if (order === "F") return transpose(lax.reshape(transpose(x), [...s].reverse()));
  if (order !== "C")
    throw new ValueError(`${op}: order must be "C" or "F", got ${showValue(order)}`);
  return shapesEqual(x.shape, s) ? x : lax.reshape(x, s);
}

/** `jnp.ravel(a, { order })`: the flattened array. */
export function ravel(a: ArrayLike, options?: OrderOptions): Array {
  const opts = checkOptions("jnp.ravel", options, ORDER_KEYS);
  const x = arg(a, "ravel");
  return reshape(x, [x.size], opts);
}

/** `jnp.transpose(a, axes?)`: no axes reverses them. */
export function transpose(a: ArrayLike, axes?: readonly number[] | null): Array {
  const op = "jnp.transpose";
  const x = arg(a, "transpose");
  const n = x.ndim;
  let perm: number[];
  if (axes === undefined || axes === null) perm = range(0, n).reverse();
  else {
    axes = intsArg(op, axes, "axes", false);
    if (axes.length !== n) {
      throw new TypeError(
        `${op}: axes ${shapeStr(axes)} don't match an array of rank ${n} (shape ${shapeStr(x.shape)})`,
      );
    }
    perm = axes.map((ax) => normalizeAxis(ax, n, op, "axes entry"));
    if (!isPermutation(perm, n))
      throw new TypeError(`${op}: axes ${shapeStr(axes)} are not a permutation of 0..${n - 1}`);
  }
  return perm.every((p, i) => p === i) ? x : lax.transpose(x, perm);
}

/** `jnp.matrix_transpose(x)`: swaps the last two axes. */
export function matrixTranspose(x: ArrayLike): Array {
  const a = arg(x, "matrix_transpose", "x");
  if (a.ndim < 2)
    throw new ValueError(
      `jnp.matrix_transpose: x must be at least 2-D, got shape ${shapeStr(a.shape)}`,
    );
  return swapaxes(a, -1, -2);
}

/** `jnp.moveaxis(a, source, destination)`. */
export function moveaxis(
  a: ArrayLike,
  source: number | readonly number[],
  destination: number | readonly number[],
): Array {
  const op = "jnp.moveaxis";
  const x = arg(a, "moveaxis");
  const src = normalizeAxes(source, x.ndim, op);
  const dst = normalizeAxes(destination, x.ndim, op);
  if (src.length !== dst.length) {
    throw new ValueError(
      `${op}: source and destination must have the same number of elements, got ${src.length} and ${dst.length}`,
    );
  }
  const order = range(0, x.ndim).filter((i) => !src.includes(i));
  const pairs = dst.map((d, i) => [d, src[i]!] as const).sort((p, q) => p[0] - q[0]);
  for (const [d, s] of pairs) order.splice(d, 0, s);
  return transpose(x, order);
}

/** `jnp.swapaxes(a, axis1, axis2)`. */
export function swapaxes(a: ArrayLike, axis1: number, axis2: number): Array {
  const op = "jnp.swapaxes";
  const x = arg(a, "swapaxes");
  const i = normalizeAxis(axis1, x.ndim, op, "axis1");
  const j = normalizeAxis(axis2, x.ndim, op, "axis2");
  const perm = range(0, x.ndim);
  perm[i] = j;
  perm[j] = i;
  return transpose(x, perm);
}

/** `jnp.squeeze(a, axis?)`: removes the given size-1 axes (all size-1 axes by default). */
export function squeeze(a: ArrayLike, axis?: number | readonly number[] | null): Array {
  const op = "jnp.squeeze";
  const x = arg(a, "squeeze");
  const axes =
    axis === undefined || axis === null
      ? range(0, x.ndim).filter((i) => x.shape[i] === 1)
      : normalizeAxes(axis, x.ndim, op);
  for (const i of axes) {
    if (x.shape[i] !== 1) {
      throw new ValueError(
        `${op}: cannot select axis ${i} to squeeze out: it has size ${x.shape[i]}, not 1 (shape ${shapeStr(x.shape)})`,
      );
    }
  }
  return axes.length === 0 ? x : lax.squeeze(x, axes);
}

/** `jnp.expand_dims(a, axis)`: inserts size-1 axes at the given positions of the result. */
export function expandDims(a: ArrayLike, axis: number | readonly number[]): Array {
  const x = arg(a, "expand_dims");
  const k = intsArg("jnp.expand_dims", axis, "axis").length;
  const axes = normalizeAxes(axis, x.ndim + k, "jnp.expand_dims").sort((p, q) => p - q);
  return axes.length === 0 ? x : lax.expandDims(x, axes);
}

/** `jnp.broadcast_arrays(...args)`: broadcasts to a common shape, keeping dtypes. */
export function broadcastArrays(...args: ArrayLike[]): Array[] {
  const op = "jnp.broadcast_arrays";
  const xs = toArrays(op, args);
  const shape = broadcastShapes(op, ...xs.map((x) => x.shape));
  return xs.map((x) => broadcastTo(x, shape, op));
}

/** `jnp.atleast_1d(x)`; several arguments give a list. */
export function atleast1d(x: ArrayLike): Array;
export function atleast1d(...xs: ArrayLike[]): Array[];
export function atleast1d(...xs: ArrayLike[]): Array | Array[] {
  return atleast(xs, "atleast_1d", (s) => (s.length === 0 ? [1] : s));
}
/** `jnp.atleast_2d`: a 1-D (n) becomes (1, n). */
export function atleast2d(x: ArrayLike): Array;
export function atleast2d(...xs: ArrayLike[]): Array[];
export function atleast2d(...xs: ArrayLike[]): Array | Array[] {
  return atleast(xs, "atleast_2d", (s) =>
    s.length >= 2 ? s : [...new globalThis.Array<number>(2 - s.length).fill(1), ...s],
  );
}
/** `jnp.atleast_3d`: (n) becomes (1, n, 1) and (m, n) becomes (m, n, 1). */
export function atleast3d(x: ArrayLike): Array;
export function atleast3d(...xs: ArrayLike[]): Array[];
export function atleast3d(...xs: ArrayLike[]): Array | Array[] {
  return atleast(xs, "atleast_3d", (s) => {
    if (s.length === 0) return [1, 1, 1];
    if (s.length === 1) return [1, s[0]!, 1];
    if (s.length === 2) return [...s, 1];
    return s;
  });
}
function atleast(xs: ArrayLike[], name: string, f: (s: Shape) => Shape): Array | Array[] {
  const out = toArrays(`jnp.${name}`, xs).map((x) => {
    const s = f(x.shape);
    return shapesEqual(s, x.shape) ? x : lax.reshape(x, s);
  });
  return out.length === 1 ? out[0]! : out;
}

// --- joining and splitting ---------------------------------------------------------

export interface DtypeOptions {
  dtype?: DType;
}
const DTYPE_KEYS: OptionKeys<DtypeOptions> = { dtype: true };

/** Promotes a list of arrays to one dtype (or the requested one). */
function promoteList(op: string, arrays: readonly ArrayLike[], dtype?: DType): Array[] {
  const xs = toArrays(op, arrays);
  if (xs.length === 0) throw new ValueError(`${op}: need at least one array`);
  const want = checkDtype(op, dtype);
  const t = want !== undefined ? { dtype: want, weakType: false } : resultType(...xs);
  return xs.map((x) => cast(x, t.dtype, t.weakType));
}

/** `jnp.concatenate(arrays, axis=0, { dtype })`: axis null flattens first. */
export function concatenate(
  arrays: readonly ArrayLike[],
  axis: number | null = 0,
  options?: DtypeOptions,
): Array {
  const op = "jnp.concatenate";
  let xs = promoteList(op, arrays, checkOptions(op, options, DTYPE_KEYS).dtype);
  if (axis === null) {
    xs = xs.map((x) => ravel(x));
    axis = 0;
  }
  const first = xs[0]!;
  if (first.ndim === 0)
    throw new ValueError(`${op}: zero-dimensional arrays cannot be concatenated`);
  const ax = normalizeAxis(axis, first.ndim, op);
  xs.forEach((x, i) => {
    if (x.ndim !== first.ndim) {
      throw new TypeError(
        `${op}: all the input arrays must have the same number of dimensions, but the array at index 0 has ` +
          `${first.ndim} dimension(s) and the array at index ${i} has ${x.ndim} dimension(s)`,
      );
    }
    const d = x.shape.findIndex((s, j) => j !== ax && s !== first.shape[j]);
    if (d >= 0) {
      throw new TypeError(
        `${op}: all the input array dimensions except for the concatenation axis must match exactly, but along ` +
          `dimension ${d}, the array at index 0 has size ${first.shape[d]} and the array at index ${i} has size ${x.shape[d]} ` +
          `(shapes ${shapeStr(first.shape)} and ${shapeStr(x.shape)})`,
      );
    }
  });
  return xs.length === 1 ? first : lax.concatenate(xs, ax);
}
export const concat = concatenate;

/** `jnp.stack(arrays, axis=0, { dtype })`: joins equal-shaped arrays along a new axis. */
export function stack(arrays: readonly ArrayLike[], axis = 0, options?: DtypeOptions): Array {
  const op = "jnp.stack";
  const xs = promoteList(op, arrays, checkOptions(op, options, DTYPE_KEYS).dtype);
  const s = xs[0]!.shape;
  xs.forEach((x, i) => {
    if (!shapesEqual(x.shape, s)) {
      throw new ValueError(
        `${op}: all input arrays must have the same shape, but the array at index 0 has shape ${shapeStr(s)} and the array at index ${i} has shape ${shapeStr(x.shape)}`,
      );
    }
  });
  const ax = normalizeAxis(axis, s.length + 1, op);
  return concatenate(
    xs.map((x) => lax.expandDims(x, [ax])),
    ax,
  );
}

/** `jnp.hstack(tup)`: along axis 1, or 0 for 1-D inputs. */
export function hstack(tup: readonly ArrayLike[], options?: DtypeOptions): Array {
  const opts = checkOptions("jnp.hstack", options, DTYPE_KEYS);
  const xs = toArrays("jnp.hstack", tup).map((x) => atleast1d(x));
  return concatenate(xs, xs.length > 0 && xs[0]!.ndim === 1 ? 0 : 1, opts);
}
/** `jnp.vstack(tup)`: along axis 0, 1-D inputs become rows. */
export function vstack(tup: readonly ArrayLike[], options?: DtypeOptions): Array {
  const opts = checkOptions("jnp.vstack", options, DTYPE_KEYS);
  return concatenate(
    toArrays("jnp.vstack", tup).map((x) => atleast2d(x)),
    0,
    opts,
  );
}
export const rowStack = vstack;
/** `jnp.dstack(tup)`: along axis 2. */
export function dstack(tup: readonly ArrayLike[], options?: DtypeOptions): Array {
  const opts = checkOptions("jnp.dstack", options, DTYPE_KEYS);
  return concatenate(
    toArrays("jnp.dstack", tup).map((x) => atleast3d(x)),
    2,
    opts,
  );
}
/** `jnp.column_stack(tup)`: 1-D inputs become columns. */
export function columnStack(tup: readonly ArrayLike[]): Array {
  const xs = toArrays("jnp.column_stack", tup).map((x) =>
    x.ndim < 2 ? lax.reshape(x, [x.size, 1]) : x,
  );
  return concatenate(xs, 1);
}

function splitImpl(
  op: string,
  a: ArrayLike,
  sections: number | readonly number[],
  axis: number,
  even: boolean,
): Array[] {
  const x = asArray(a, op, "ary");
  if (x.ndim === 0) throw new ValueError(`${op}: cannot split a 0-d array`);
  const ax = normalizeAxis(axis, x.ndim, op);
  const n = x.shape[ax]!;
  const bounds: [number, number][] = [];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections <= 0) {
      throw new RangeError(`${op}: number of sections must be a positive integer, got ${sections}`);
    }
    if (even && n % sections !== 0) {
      throw new ValueError(
        `${op}: array split does not result in an equal division: axis ${ax} of size ${n} into ${sections} sections`,
      );
    }
    const q = Math.floor(n / sections);
    const r = n % sections;
    let start = 0;
    for (let i = 0; i < sections; i++) {
      const len = q + (i < r ? 1 : 0);
      bounds.push([start, start + len]);
      start += len;
    }
  } else {
    // Python slicing of each piece: negative indices count from the end, out-of-range ones clip.
    const norm = (i: number) => (i < 0 ? Math.max(0, i + n) : Math.min(i, n));
    const cuts = [0, ...intsArg(op, sections, "indicesOrSections", false).map(norm), n];
    for (let i = 0; i + 1 < cuts.length; i++)
      bounds.push([cuts[i]!, Math.max(cuts[i]!, cuts[i + 1]!)]);
  }
  return bounds.map(([s, e]) => lax.sliceInDim(x, s, e, 1, ax));
}

/** `jnp.split(ary, indicesOrSections, axis=0)`: equal sections, or cuts at the given indices. */
export function split(
  ary: ArrayLike,
  indicesOrSections: number | readonly number[],
  axis = 0,
): Array[] {
  return splitImpl("jnp.split", ary, indicesOrSections, axis, true);
}
/** `jnp.array_split`: like split, but sections may differ in size by one. */
export function arraySplit(
  ary: ArrayLike,
  indicesOrSections: number | readonly number[],
  axis = 0,
): Array[] {
  return splitImpl("jnp.array_split", ary, indicesOrSections, axis, false);
}
export function hsplit(ary: ArrayLike, indicesOrSections: number | readonly number[]): Array[] {
  const x = arg(ary, "hsplit", "ary");
  return splitImpl("jnp.hsplit", x, indicesOrSections, x.ndim === 1 ? 0 : 1, true);
}
export function vsplit(ary: ArrayLike, indicesOrSections: number | readonly number[]): Array[] {
  return splitImpl("jnp.vsplit", ary, indicesOrSections, 0, true);
}
export function dsplit(ary: ArrayLike, indicesOrSections: number | readonly number[]): Array[] {
  return splitImpl("jnp.dsplit", ary, indicesOrSections, 2, true);
}

/** `jnp.tile(A, reps)`: one broadcast and one reshape. */
export function tile(A: ArrayLike, reps: number | readonly number[]): Array {
  const op = "jnp.tile";
  const x = arg(A, "tile", "A");
  const r = intsArg(op, reps, "reps");
  if (r.some((v) => v < 0)) {
    throw new RangeError(`${op}: reps must be non-negative, got [${r.join(", ")}]`);
  }
  const nd = Math.max(r.length, x.ndim);
  const rr = [...new globalThis.Array<number>(nd - r.length).fill(1), ...r];
  const s = [...new globalThis.Array<number>(nd - x.ndim).fill(1), ...x.shape];
  checkSize(op, [...rr, ...s]);
  const big = rr.flatMap((v, i) => [v, s[i]!]);
  const b = lax.broadcastInDim(
    lax.reshape(x, s),
    big,
    range(0, nd).map((i) => 2 * i + 1),
  );
  return lax.reshape(
    b,
    rr.map((v, i) => v * s[i]!),
  );
}

export interface RepeatOptions {
  /** The result's length along the axis: required when repeats is traced. */
  totalRepeatLength?: number;
}
const REPEAT_KEYS: OptionKeys<RepeatOptions> = { totalRepeatLength: true };

/**
 * `jnp.repeat(a, repeats, axis?)`: each element repeated; no axis flattens.
 * A single count is a broadcast; per-element counts gather.
 */
export function repeat(
  a: ArrayLike,
  repeats: ArrayLike | readonly number[],
  axis?: number | null,
  opts?: RepeatOptions,
): Array {
  const op = "jnp.repeat";
  const options = checkOptions(op, opts, REPEAT_KEYS);
  let x = arg(a, "repeat");
  if (axis === undefined || axis === null) {
    x = ravel(x);
    axis = 0;
  }
  const ax = normalizeAxis(axis, x.ndim, op);
  const n = x.shape[ax]!;
  let counts: number[] | null = null;
  if (typeof repeats === "number") counts = [repeats];
  else if (globalThis.Array.isArray(repeats)) counts = [...(repeats as readonly number[])];
  if (counts !== null) {
    if (counts.some((c) => !Number.isInteger(c) || c < 0))
      throw new ValueError(
        `${op}: repeats must be non-negative integers, got ${showValue(repeats)}`,
      );
    if (counts.length === 1) {
      const c = counts[0]!;
      const s = [...x.shape];
      s.splice(ax + 1, 0, c);
      const dims = range(0, x.ndim).map((i) => (i <= ax ? i : i + 1));
      const out = [...x.shape];
      out[ax] = n * c;
      return lax.reshape(lax.broadcastInDim(x, s, dims), out);
    }
    if (counts.length !== n) {
      throw new ValueError(
        `${op}: repeats has ${counts.length} entries, but axis ${ax} of shape ${shapeStr(x.shape)} has ${n} elements`,
      );
    }
    const idx = counts.flatMap((c, i) => new globalThis.Array<number>(c).fill(i));
    return take(x, constList(idx, "int32"), { axis: ax });
  }
  const r = asArray(repeats as ArrayLike, op, "repeats");
  const total = options.totalRepeatLength;
  if (total === undefined) {
    throw new ValueError(
      `${op}: repeats given as an array needs { totalRepeatLength } (the length of the result), because the shape of the result depends on its values`,
    );
  }
  const rc = broadcastTo(cast(r, "int32"), [n], op);
  // Output j takes the element whose cumulative count first exceeds j.
  const ends = lax.cumsum(rc, { axis: 0 });
  const idx = searchsortedIndices(ends, lax.iota("int32", total));
  return take(x, idx, { axis: ax, mode: "clip" });
}

/** For each value v, the number of entries of the nondecreasing `ends` that are <= v. */
function searchsortedIndices(ends: Array, v: Array): Array {
  const n = ends.shape[0]!;
  const e = lax.broadcastInDim(ends, [v.shape[0]!, n], [1]);
  const vv = lax.broadcastInDim(v, [v.shape[0]!, n], [0]);
  return lax.reduceSum(lax.convertElementType(lax.le(e, vv), "int32"), [1]);
}

/** `jnp.flip(m, axis?)`: reverses the given axes (all by default). */
export function flip(m: ArrayLike, axis?: number | readonly number[] | null): Array {
  const x = arg(m, "flip", "m");
  const axes = normalizeAxes(axis ?? null, x.ndim, "jnp.flip");
  return axes.length === 0 ? x : lax.rev(x, axes);
}
export function fliplr(m: ArrayLike): Array {
  const x = arg(m, "fliplr", "m");
  if (x.ndim < 2)
    throw new ValueError(`jnp.fliplr: input must be >= 2-d, got shape ${shapeStr(x.shape)}`);
  return lax.rev(x, [1]);
}
export function flipud(m: ArrayLike): Array {
  const x = arg(m, "flipud", "m");
  if (x.ndim < 1) throw new ValueError("jnp.flipud: input must be >= 1-d, got a 0-d array");
  return lax.rev(x, [0]);
}

/**
 * `jnp.roll(a, shift, axis?)`: elements shifted cyclically; no axis rolls the
 * flattened array. A traced shift uses a dynamic slice of the doubled array.
 */
export function roll(
  a: ArrayLike,
  shift: ArrayLike | readonly number[],
  axis?: number | readonly number[] | null,
): Array {
  const op = "jnp.roll";
  const x = arg(a, "roll");
  if (axis === undefined || axis === null) {
    const total =
      typeof shift === "number" || !globalThis.Array.isArray(shift)
        ? shift
        : (shift as number[]).reduce((p, q) => p + q, 0);
    return reshape(roll(ravel(x), total as ArrayLike, 0), x.shape);
  }
  const axes = typeof axis === "number" ? [axis] : [...axis];
  const shifts: ArrayLike[] = globalThis.Array.isArray(shift)
    ? [...(shift as number[])]
    : [shift as ArrayLike];
  const len = Math.max(axes.length, shifts.length);
  if (
    (axes.length !== len && axes.length !== 1) ||
    (shifts.length !== len && shifts.length !== 1)
  ) {
    throw new ValueError(
      `${op}: shift (${shifts.length} values) and axis (${axes.length} values) must broadcast`,
    );
  }
  let out = x;
  for (let k = 0; k < len; k++) {
    const ax = normalizeAxis(axes[axes.length === 1 ? 0 : k]!, x.ndim, op);
    const s = shifts[shifts.length === 1 ? 0 : k]!;
    const n = x.shape[ax]!;
    if (n === 0) continue;
    if (typeof s === "number") {
      if (!Number.isInteger(s)) throw new TypeError(`${op}: shift must be an integer, got ${s}`);
      const k0 = ((s % n) + n) % n;
      if (k0 !== 0)
        out = lax.concatenate(
          [lax.sliceInDim(out, n - k0, n, 1, ax), lax.sliceInDim(out, 0, n - k0, 1, ax)],
          ax,
        );
      continue;
    }
    const sa = cast(asArray(s, op, "shift"), "int32");
    if (sa.ndim !== 0)
      throw new ValueError(
        `${op}: a traced shift must be a scalar, got shape ${shapeStr(sa.shape)}`,
      );
    const nn = lax.convertElementType(n, "int32");
    // start = (n - shift mod n) mod n, with a non-negative mod.
    const m = lax.rem(lax.add(lax.rem(sa, nn), nn), nn);
    const start = lax.rem(lax.sub(nn, m), nn);
    const doubled = lax.concatenate([out, out], ax);
    const starts = out.shape.map((_, i) => (i === ax ? start : lax.convertElementType(0, "int32")));
    out = lax.dynamicSlice(doubled, starts, out.shape);
  }
  return out;
}

export interface MeshgridOptions {
  /** "xy" (Cartesian, the default: the first two output axes swap) or "ij" (matrix). */
  indexing?: "xy" | "ij";
  /** Keep size-1 axes instead of broadcasting. */
  sparse?: boolean;
}
const MESHGRID_KEYS: OptionKeys<MeshgridOptions> = { indexing: true, sparse: true };

/** `jnp.meshgrid(...xi, { indexing, sparse })`. */
export function meshgrid(...args: (ArrayLike | MeshgridOptions)[]): Array[] {
  const op = "jnp.meshgrid";
  const last = args[args.length - 1];
  const opts = isPlainObject(last)
    ? checkOptions(op, args.pop() as MeshgridOptions, MESHGRID_KEYS)
    : {};
  const indexing = opts.indexing ?? "xy";
  if (indexing !== "xy" && indexing !== "ij")
    throw new ValueError(`${op}: indexing must be "xy" or "ij", got ${showValue(indexing)}`);
  const xs = toArrays(op, args as ArrayLike[]).map((x) => ravel(x));
  const shape = xs.map((x) => x.size);
  const dimOf = (i: number) => (indexing === "xy" && xs.length >= 2 && i < 2 ? 1 - i : i);
  if (indexing === "xy" && xs.length >= 2) [shape[0], shape[1]] = [shape[1]!, shape[0]!];
  return xs.map((x, i) => {
    const d = dimOf(i);
    if (opts.sparse)
      return lax.reshape(
        x,
        shape.map((s, j) => (j === d ? s : 1)),
      );
    return lax.broadcastInDim(x, shape, [d]);
  });
}

// --- padding --------------------------------------------------------------------

export type PadMode = "constant" | "edge" | "reflect" | "symmetric" | "wrap" | "empty";
export interface PadOptions {
  mode?: PadMode;
  /** The fill value for mode "constant" (default 0). */
  constantValues?: ArrayLike;
}
const PAD_KEYS: OptionKeys<PadOptions> = { mode: true, constantValues: true };
export type PadWidth = number | readonly number[] | readonly (readonly number[])[];

/** NumPy's pad_width forms: n, [n], [before, after], or one [before, after] per axis. */
function padPairs(op: string, w: PadWidth, ndim: number): [number, number][] {
  let pairs: [number, number][];
  if (typeof w === "number") pairs = range(0, ndim).map(() => [w, w]);
  else if (w.length > 0 && typeof w[0] === "number") {
    const flat = w as readonly number[];
    if (flat.length === 1) pairs = range(0, ndim).map(() => [flat[0]!, flat[0]!]);
    else if (flat.length === 2) pairs = range(0, ndim).map(() => [flat[0]!, flat[1]!]);
    else
      throw new ValueError(
        `${op}: pad_width ${showValue(w)} must be n, [n], [before, after] or one pair per axis`,
      );
  } else {
    const nested = w as readonly (readonly number[])[];
    const expand = (p: readonly number[]): [number, number] =>
      p.length === 1 ? [p[0]!, p[0]!] : [p[0]!, p[1]!];
    if (nested.length === 1) pairs = range(0, ndim).map(() => expand(nested[0]!));
    else if (nested.length === ndim) pairs = nested.map(expand);
    else
      throw new ValueError(
        `${op}: pad_width has ${nested.length} pairs, but the array has ${ndim} axes`,
      );
  }
  for (const [b, a] of pairs) {
    if (!Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0) {
      throw new ValueError(`${op}: pad widths must be non-negative integers, got ${showValue(w)}`);
    }
  }
  return pairs;
}

/** The source index of output position i of a padded axis (n long, `before` added in front). */
function padSource(mode: PadMode, i: number, before: number, n: number): number {
  const j = i - before;
  const mod = (p: number, q: number) => ((p % q) + q) % q;
  switch (mode) {
    case "edge":
      return Math.min(Math.max(j, 0), n - 1);
    case "wrap":
      return mod(j, n);
    case "reflect": {
      if (n === 1) return 0;
      const p = mod(j, 2 * (n - 1));
      return p < n ? p : 2 * (n - 1) - p;
    }
    default: {
      const p = mod(j, 2 * n);
      return p < n ? p : 2 * n - 1 - p;
    }
  }
}

/** Builds an axis from a static source-index map as runs of slices (forward, reversed or repeated). */
function gatherRuns(x: Array, ax: number, src: number[]): Array {
  const parts: Array[] = [];
  let i = 0;
  while (i < src.length) {
    const s = src[i]!;
    const step = i + 1 < src.length ? src[i + 1]! - s : 1;
    const stepOk = step === 1 || step === -1 || step === 0;
    let j = i + 1;
    if (stepOk) while (j < src.length && src[j]! - src[j - 1]! === step) j++;
    const len = j - i;
    if (!stepOk || step === 1) parts.push(lax.sliceInDim(x, s, s + len, 1, ax));
    else if (step === -1) parts.push(lax.rev(lax.sliceInDim(x, s - len + 1, s + 1, 1, ax), [ax]));
    else {
      const one = lax.sliceInDim(x, s, s + 1, 1, ax);
      const shape = one.shape.map((d, k) => (k === ax ? len : d));
      parts.push(
        lax.broadcastInDim(
          lax.squeeze(one, [ax]),
          shape,
          range(0, x.ndim).filter((k) => k !== ax),
        ),
      );
    }
    i = stepOk ? j : i + 1;
  }
  return parts.length === 1 ? parts[0]! : lax.concatenate(parts, ax);
}

/** `jnp.pad(array, padWidth, mode="constant", { constantValues })`. */
export function pad(
  array: ArrayLike,
  padWidth: PadWidth,
  mode?: PadMode | PadOptions,
  padOptions?: PadOptions,
): Array {
  const op = "jnp.pad";
  const x = arg(array, "pad", "array");
  const options = checkOptions(op, padOptions, PAD_KEYS);
  const opts: PadOptions = isPlainObject(mode)
    ? { ...checkOptions(op, mode, PAD_KEYS), ...options }
    : { ...options, mode: (mode as PadMode | undefined) ?? options.mode };
  const m = opts.mode ?? "constant";
  const pairs = padPairs(op, padWidth, x.ndim);
  if (m === "constant" || m === "empty") {
    const cv = opts.constantValues ?? 0;
    // A JS number converts from its own value (3e9 into float32 is 3e9, never a wrapped int).
    const v =
      typeof cv === "number" || typeof cv === "boolean"
        ? scalarAs(cv, x.dtype, false, op)
        : cast(asArray(cv, op, "constantValues"), x.dtype);
    if (v.ndim !== 0)
      throw new ValueError(
        `${op}: constantValues must be a scalar, got shape ${shapeStr(v.shape)}`,
      );
    return pairs.every(([b, a]) => b === 0 && a === 0)
      ? x
      : lax.pad(
          x,
          v,
          pairs.map(([b, a]) => [b, a, 0]),
        );
  }
  if (!["edge", "reflect", "symmetric", "wrap"].includes(m)) {
    throw new ValueError(
      `${op}: mode ${showValue(m)} is not supported; use constant, edge, reflect, symmetric, wrap or empty`,
    );
  }
  let out = x;
  pairs.forEach(([b, a], ax) => {
    if (b === 0 && a === 0) return;
    const n = x.shape[ax]!;
    if (n === 0)
      throw new ValueError(
        `${op}: can't extend empty axis ${ax} using modes other than 'constant' or 'empty'`,
      );
    out = gatherRuns(
      out,
      ax,
      range(0, b + n + a).map((i) => padSource(m, i, b, n)),
    );
  });
  return out;
}

/** `jnp.copy(a)`: arrays are immutable, so this is the array itself (as a new value). */
export function copy(a: ArrayLike): Array {
  return arg(a, "copy");
}
