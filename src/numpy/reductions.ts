/**
 * Reductions (`jnp.sum`, `mean`, `var`, `argmax`, `cumsum`, `median`...) with
 * NumPy's signatures and JAX's dtype rules: sums and products of bools and
 * integers give int32 (unsigned ones uint32), means and variances of integers
 * give the default float, and results are strongly typed.
 *
 * The second parameter is the axis or an options object:
 * `jnp.sum(x, 0)`, `jnp.sum(x, { axis: 0, keepdims: true })`.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import {
  type DType,
  defaultFloat,
  defaultInt,
  checkDtype as dtypeArg,
  isBool,
  isComplex,
  isFloating,
  isHalf,
  isInexact,
  realDtype,
} from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, isPlainObject, type OptionKeys } from "../options.js";
import { normalizeAxes, normalizeAxis, type Shape, shapeStr, sizeOf } from "../shape.js";
import { constList, filled as fill, keepDims, range } from "./internal.js";
import { moveaxis, ravel, sort, take, where } from "./manipulation.js";
import { broadcastTo, cast, resultType } from "./util.js";

/** An axis, a list of axes, or null/undefined for all axes. */
export type Axis = number | readonly number[] | null;

export interface ReductionOptions {
  axis?: Axis;
  keepdims?: boolean;
  dtype?: DType;
  /** Only elements where this (broadcastable) mask is true take part. */
  where?: ArrayLike;
  /** A starting value folded into the reduction (sum, prod, max, min). */
  initial?: ArrayLike;
}
export interface VarOptions extends Omit<ReductionOptions, "initial"> {
  /** Delta degrees of freedom: the divisor is N - ddof (NumPy's name). */
  ddof?: number;
  /** The Array API's name for ddof. */
  correction?: number;
}

const REDUCTION_KEYS: OptionKeys<ReductionOptions> = {
  axis: true,
  keepdims: true,
  dtype: true,
  where: true,
  initial: true,
};
const VAR_KEYS: OptionKeys<VarOptions> = {
  axis: true,
  keepdims: true,
  dtype: true,
  where: true,
  ddof: true,
  correction: true,
};
/** Functions that take only an axis and keepdims (ptp, count_nonzero, median). */
type AxisKeepdims = Pick<ReductionOptions, "axis" | "keepdims">;
const AXIS_KEEPDIMS_KEYS: OptionKeys<AxisKeepdims> = { axis: true, keepdims: true };

/** The second parameter of a reduction: an axis, or the options (which may hold the axis). */
export type AxisOrOptions<O> = Axis | O | undefined;

function isOptions<O extends object>(x: AxisOrOptions<O>): x is O {
  return isPlainObject(x);
}

/**
 * Merges `f(a, axis)`, `f(a, { axis, ... })` and `f(a, axis, { ... })` into
 * one options object, rejecting keys that `op` does not take.
 */
function parse<O extends { axis?: Axis }>(
  op: string,
  keys: OptionKeys<O>,
  axisOrOptions: AxisOrOptions<O>,
  options: O | undefined,
): O {
  const opts = checkOptions(op, options, keys);
  if (isOptions<O>(axisOrOptions)) return { ...checkOptions(op, axisOrOptions, keys), ...opts };
  return { ...opts, axis: axisOrOptions ?? opts.axis ?? null };
}

function checkDtype(op: string, dtype: DType | undefined): DType | undefined {
  return dtypeArg(op, dtype);
}

/** A boolean mask broadcast to `shape`, for `where=`. */
function maskOf(op: string, where: ArrayLike, shape: Shape): Array {
  const m = asArray(where, op, "where");
  if (!isBool(m.dtype)) {
    throw new TypeError(`${op}: where must be a boolean mask, got dtype ${m.dtype}`);
  }
  return broadcastTo(m, shape, op);
}

type Monoid = "sum" | "prod" | "max" | "min" | "any" | "all";

interface Spec {
  /** sum/prod of bools and small ints go to int32 (small unsigned ints to uint32). */
  promoteInts: boolean;
  /** The identity used to mask out `where=false` elements (none for max/min: they need initial). */
  identity: number | boolean | null;
}
const SPECS: Record<Monoid, Spec> = {
  sum: { promoteInts: true, identity: 0 },
  prod: { promoteInts: true, identity: 1 },
  max: { promoteInts: false, identity: null },
  min: { promoteInts: false, identity: null },
  any: { promoteInts: false, identity: false },
  all: { promoteInts: false, identity: true },
};

function reducePrim(kind: Monoid, x: Array, axes: number[]): Array {
  switch (kind) {
    case "sum":
      return lax.reduceSum(x, axes);
    case "prod":
      return lax.reduceProd(x, axes);
    case "max":
      return isBool(x.dtype) ? lax.reduceOr(x, axes) : lax.reduceMax(x, axes);
    case "min":
      return isBool(x.dtype) ? lax.reduceAnd(x, axes) : lax.reduceMin(x, axes);
    case "any":
      return lax.reduceOr(x, axes);
    case "all":
      return lax.reduceAnd(x, axes);
  }
}

function combine(kind: Monoid, a: Array, b: Array): Array {
  switch (kind) {
    case "sum":
      return isBool(a.dtype) ? lax.bitwiseOr(a, b) : lax.add(a, b);
    case "prod":
      return isBool(a.dtype) ? lax.bitwiseAnd(a, b) : lax.mul(a, b);
    case "max":
    case "any":
      return isBool(a.dtype) ? lax.bitwiseOr(a, b) : lax.max(a, b);
    case "min":
    case "all":
      return isBool(a.dtype) ? lax.bitwiseAnd(a, b) : lax.min(a, b);
  }
}

/**
 * The dtype a sum/prod (and cumsum/cumprod) accumulates in without a dtype
 * argument: bool and the narrow signed ints → int32, the narrow unsigned
 * ints → uint32 (JAX's `_promote_integer_dtype`: to the default int/uint).
 */
function sumDtype(d: DType): DType {
  if (isBool(d) || d === "int8" || d === "int16") return "int32";
  if (d === "uint8" || d === "uint16") return "uint32";
  return d;
}

/** The shared body of sum, prod, max, min, any and all. */
function reduction(name: string, kind: Monoid, a: ArrayLike, opts: ReductionOptions): Array {
  const op = `jnp.${name}`;
  let x = asArray(a, op, "a");
  const axes = normalizeAxes(opts.axis, x.ndim, op);
  const spec = SPECS[kind];
  const want = checkDtype(op, opts.dtype);
  let dtype: DType;
  if (kind === "any" || kind === "all") {
    dtype = "bool";
    if (!isBool(x.dtype)) x = lax.ne(x, fill(x.shape, 0, x.dtype));
  } else {
    dtype = want ?? (spec.promoteInts ? sumDtype(x.dtype) : x.dtype);
    x = cast(x, dtype);
  }
  const initial =
    opts.initial === undefined || opts.initial === null
      ? undefined
      : asArray(opts.initial, op, "initial");
  if (initial !== undefined && initial.ndim !== 0) {
    throw new ValueError(`${op}: initial must be a scalar, got shape ${shapeStr(initial.shape)}`);
  }
  const empty = axes.some((i) => x.shape[i] === 0);
  if (spec.identity === null && initial === undefined) {
    if (empty) {
      throw new ValueError(
        `${op}: zero-size array to reduction operation ${name} which has no identity ` +
          `(axis ${shapeStr(axes)} of shape ${shapeStr(x.shape)}); pass { initial } to give one`,
      );
    }
    if (opts.where !== undefined && opts.where !== null) {
      throw new ValueError(
        `${op}: reduction operation ${name} does not have an identity, so to use a where mask one has to specify 'initial'`,
      );
    }
  }
  if (opts.where !== undefined && opts.where !== null) {
    const id = spec.identity ?? initial!;
    x = where(
      maskOf(op, opts.where, x.shape),
      x,
      fill(x.shape, cast(asArray(id, op), dtype), dtype),
    );
  }
  let out = reducePrim(kind, x, axes);
  if (initial !== undefined) out = combine(kind, out, fill(out.shape, cast(initial, dtype), dtype));
  if (opts.keepdims) out = keepDims(out, x.shape, axes);
  return cast(out, dtype);
}

type Reducer<O = ReductionOptions> = (a: ArrayLike, axis?: AxisOrOptions<O>, options?: O) => Array;

function reducer(name: string, kind: Monoid): Reducer {
  return (a, axis, options) =>
    reduction(name, kind, a, parse(`jnp.${name}`, REDUCTION_KEYS, axis, options));
}

/** `jnp.sum(a, axis?, { keepdims, dtype, where, initial })`: bools and ints sum in int32. */
export const sum: Reducer = reducer("sum", "sum");
/** `jnp.prod(a, axis?, { keepdims, dtype, where, initial })`. */
export const prod: Reducer = reducer("prod", "prod");
/** `jnp.max(a, axis?, { keepdims, where, initial })`: NaN propagates; empty needs `initial`. */
export const max: Reducer = reducer("max", "max");
/** `jnp.min(a, axis?, { keepdims, where, initial })`. */
export const min: Reducer = reducer("min", "min");
export const amax = max;
export const amin = min;
/** `jnp.any(a, axis?, { keepdims, where })`: true where any element is nonzero. */
export const any: Reducer = reducer("any", "any");
/** `jnp.all(a, axis?, { keepdims, where })`. */
export const all: Reducer = reducer("all", "all");

/** The float (or complex) dtype in which mean/var compute (ints and bools → default float). */
function inexactDtype(d: DType): DType {
  return isInexact(d) ? d : defaultFloat();
}

/** The number of elements reduced, as an array of the output's shape (it varies with `where`). */
function countOf(
  op: string,
  x: Array,
  axes: number[],
  opts: ReductionOptions,
  dtype: DType,
): Array {
  if (opts.where === undefined || opts.where === null) {
    return lax.convertElementType(sizeOf(axes.map((i) => x.shape[i]!)), dtype);
  }
  const m = cast(maskOf(op, opts.where, x.shape), dtype);
  const n = lax.reduceSum(m, axes);
  return opts.keepdims ? keepDims(n, x.shape, axes) : n;
}

/** JAX's `_upcast_f16`: mean and var of float16/bfloat16 compute in float32, then round. */
function upcastHalf(d: DType): DType {
  return isHalf(d) ? "float32" : d;
}

/** Divides by a count that is either a scalar or already of the result's shape. */
function divideBy(num: Array, den: Array): Array {
  return lax.div(num, den.ndim === 0 ? fill(num.shape, den, num.dtype) : den);
}

/** `jnp.mean(a, axis?, { keepdims, dtype, where })`: integers average in the default float. */
export function mean(
  a: ArrayLike,
  axis?: AxisOrOptions<ReductionOptions>,
  options?: ReductionOptions,
): Array {
  const op = "jnp.mean";
  const opts = parse(op, REDUCTION_KEYS, axis, options);
  const x = asArray(a, op, "a");
  const want = checkDtype(op, opts.dtype);
  const dtype = want ?? inexactDtype(x.dtype);
  const compute = isInexact(dtype) ? upcastHalf(dtype) : defaultFloat();
  const axes = normalizeAxes(opts.axis, x.ndim, op);
  const total = reduction("mean", "sum", cast(x, compute), {
    ...opts,
    dtype: compute,
    initial: undefined,
  });
  return cast(divideBy(total, countOf(op, x, axes, opts, compute)), dtype);
}

function ddofOf(op: string, opts: VarOptions): number {
  if (opts.ddof !== undefined && opts.correction !== undefined) {
    throw new ValueError(
      `${op}: ddof and correction can't both be given (they are the same parameter)`,
    );
  }
  const d = opts.ddof ?? opts.correction ?? 0;
  if (typeof d !== "number")
    throw new TypeError(`${op}: ddof must be a JS number, got ${typeof d}`);
  return d;
}

/** `jnp.var(a, axis?, { ddof, correction, keepdims, dtype, where })`: the mean squared deviation, divided by N - ddof. */
function variance(
  a: ArrayLike,
  axis?: AxisOrOptions<VarOptions>,
  options?: VarOptions,
  name = "var",
): Array {
  const op = `jnp.${name}`;
  const opts = parse(op, VAR_KEYS, axis, options);
  const x = asArray(a, op, "a");
  const ddof = ddofOf(op, opts);
  // Of complex numbers: the mean of |x - mean|², real (JAX's and NumPy's var).
  const complex = isComplex(x.dtype);
  const dtype = checkDtype(op, opts.dtype) ?? realDtype(inexactDtype(x.dtype));
  const compute = complex ? x.dtype : isFloating(dtype) ? upcastHalf(dtype) : defaultFloat();
  const xf = cast(x, compute);
  const axes = normalizeAxes(opts.axis, x.ndim, op);
  const centered = lax.sub(
    xf,
    broadcastTo(
      mean(xf, { axis: opts.axis, where: opts.where, dtype: compute, keepdims: true }),
      xf.shape,
      op,
    ),
  );
  const sq = complex
    ? lax.real(lax.mul(centered, lax.conj(centered)))
    : lax.mul(centered, centered);
  const real = realDtype(compute);
  const total = reduction(name, "sum", sq, {
    axis: opts.axis,
    where: opts.where,
    keepdims: opts.keepdims,
    dtype: real,
  });
  let n = countOf(op, x, axes, opts, real);
  // NumPy divides by max(N - ddof, 0): inf or nan when there are too few elements.
  n = lax.max(lax.sub(n, fill(n.shape, ddof, real)), fill(n.shape, 0, real));
  return cast(divideBy(total, n), dtype);
}

export { variance as var };

/** `jnp.std(a, axis?, { ddof, correction, keepdims, dtype, where })`. */
export function std(a: ArrayLike, axis?: AxisOrOptions<VarOptions>, options?: VarOptions): Array {
  const v = variance(a, axis, { ...options, dtype: undefined }, "std");
  const dtype = checkDtype("jnp.std", parse("jnp.std", VAR_KEYS, axis, options).dtype);
  return cast(lax.sqrt(v), dtype ?? v.dtype);
}

export interface ArgOptions {
  axis?: number | null;
  keepdims?: boolean;
}
const ARG_KEYS: OptionKeys<ArgOptions> = { axis: true, keepdims: true };

function argReduce(
  name: "argmax" | "argmin",
  a: ArrayLike,
  axis: number | null | ArgOptions | undefined,
  options?: ArgOptions,
): Array {
  const op = `jnp.${name}`;
  const extra = checkOptions(op, options, ARG_KEYS);
  const opts: ArgOptions = isPlainObject(axis)
    ? { ...checkOptions(op, axis, ARG_KEYS), ...extra }
    : { ...extra, axis: axis ?? extra.axis ?? null };
  const x = asArray(a, op, "a");
  if (opts.axis === null || opts.axis === undefined) {
    if (x.size === 0) throw new ValueError(`${op}: attempt to get ${name} of an empty sequence`);
    // The default int, as JAX's: int64 under x64.
    const r = (name === "argmax" ? lax.argmax : lax.argmin)(ravel(x), 0, defaultInt());
    return opts.keepdims
      ? lax.reshape(
          r,
          x.shape.map(() => 1),
        )
      : r;
  }
  const ax = normalizeAxis(opts.axis, x.ndim, op);
  if (x.shape[ax] === 0) {
    throw new ValueError(
      `${op}: attempt to get ${name} of an empty sequence (axis ${ax} of shape ${shapeStr(x.shape)} has size 0)`,
    );
  }
  const r = (name === "argmax" ? lax.argmax : lax.argmin)(x, ax, defaultInt());
  return opts.keepdims ? keepDims(r, x.shape, [ax]) : r;
}

/** `jnp.argmax(a, axis?, { keepdims })`: the first index of the maximum (int32); no axis: of the flattened array. */
export function argmax(
  a: ArrayLike,
  axis?: number | null | ArgOptions,
  options?: ArgOptions,
): Array {
  return argReduce("argmax", a, axis, options);
}
/** `jnp.argmin(a, axis?, { keepdims })`. */
export function argmin(
  a: ArrayLike,
  axis?: number | null | ArgOptions,
  options?: ArgOptions,
): Array {
  return argReduce("argmin", a, axis, options);
}

export interface CumulativeOptions {
  axis?: number | null;
  dtype?: DType;
}
const CUMULATIVE_KEYS: OptionKeys<CumulativeOptions> = { axis: true, dtype: true };

type CumKind = "cumsum" | "cumprod" | "cummax" | "cummin";

function cumulative(
  kind: CumKind,
  a: ArrayLike,
  axis: number | null | CumulativeOptions | undefined,
  dtype?: DType,
): Array {
  const op = `jnp.${kind}`;
  const opts: CumulativeOptions = isPlainObject(axis)
    ? checkOptions(op, axis, CUMULATIVE_KEYS)
    : { axis: axis ?? null, dtype };
  let x = asArray(a, op, "a");
  if (opts.axis === null || opts.axis === undefined) x = ravel(x);
  const ax = normalizeAxis(opts.axis ?? 0, x.ndim, op);
  const summing = kind === "cumsum" || kind === "cumprod";
  const d = checkDtype(op, opts.dtype) ?? (summing ? sumDtype(x.dtype) : x.dtype);
  x = cast(x, d);
  if (isBool(d)) {
    // Bool accumulations are logical: or for sum and max, and for prod and min.
    const orLike = kind === "cumsum" || kind === "cummax";
    const i = cast(x, "int32");
    const r = orLike ? lax.cummax(i, { axis: ax }) : lax.cummin(i, { axis: ax });
    return cast(r, "bool");
  }
  const f = { cumsum: lax.cumsum, cumprod: lax.cumprod, cummax: lax.cummax, cummin: lax.cummin }[
    kind
  ];
  return f(x, { axis: ax });
}

/** `jnp.cumsum(a, axis?, dtype?)`: no axis flattens first; bools and ints accumulate in int32. */
export function cumsum(
  a: ArrayLike,
  axis?: number | null | CumulativeOptions,
  dtype?: DType,
): Array {
  return cumulative("cumsum", a, axis, dtype);
}
/** `jnp.cumprod(a, axis?, dtype?)`. */
export function cumprod(
  a: ArrayLike,
  axis?: number | null | CumulativeOptions,
  dtype?: DType,
): Array {
  return cumulative("cumprod", a, axis, dtype);
}
export const cumulativeProd = cumulativeWithInitial("cumulative_prod", "cumprod", 1);
export const cumulativeSum = cumulativeWithInitial("cumulative_sum", "cumsum", 0);

export interface CumulativeSumOptions extends CumulativeOptions {
  /** Prepend the identity, so the result is one longer along the axis. */
  includeInitial?: boolean;
}
const CUMULATIVE_SUM_KEYS: OptionKeys<CumulativeSumOptions> = {
  ...CUMULATIVE_KEYS,
  includeInitial: true,
};

/** The Array API's `cumulative_sum(x, { axis, dtype, includeInitial })`: axis is required beyond 1-D. */
function cumulativeWithInitial(name: string, kind: CumKind, identity: number) {
  return (x: ArrayLike, opts?: CumulativeSumOptions): Array => {
    const op = `jnp.${name}`;
    const options = checkOptions(op, opts, CUMULATIVE_SUM_KEYS);
    const a = asArray(x, op, "x");
    if (a.ndim === 0)
      throw new ValueError(`${op}: the input must be at least 1-D, got a 0-d array`);
    if ((options.axis === undefined || options.axis === null) && a.ndim > 1) {
      throw new ValueError(
        `${op}: axis must be given for an input of rank ${a.ndim} (shape ${shapeStr(a.shape)})`,
      );
    }
    const ax = normalizeAxis(options.axis ?? 0, a.ndim, op);
    const r = cumulative(kind, a, { axis: ax, dtype: options.dtype });
    if (!options.includeInitial) return r;
    const padShape = r.shape.map((d, i) => (i === ax ? 1 : d));
    return lax.concatenate([fill(padShape, identity, r.dtype), r], ax);
  };
}

/** NaN-ignoring variants: NaNs are treated as the identity (0 for sums, skipped for max/min/mean). */
function nanMasked(a: ArrayLike, op: string): { x: Array; ok: Array | null } {
  const x = asArray(a, op, "a");
  return { x, ok: isFloating(x.dtype) ? lax.eq(x, x) : null };
}
export function nansum(
  a: ArrayLike,
  axis?: AxisOrOptions<ReductionOptions>,
  options?: ReductionOptions,
): Array {
  const { x, ok } = nanMasked(a, "jnp.nansum");
  return sum(ok ? where(ok, x, 0) : x, axis, options);
}
export function nanprod(
  a: ArrayLike,
  axis?: AxisOrOptions<ReductionOptions>,
  options?: ReductionOptions,
): Array {
  const { x, ok } = nanMasked(a, "jnp.nanprod");
  return prod(ok ? where(ok, x, 1) : x, axis, options);
}
export function nanmax(
  a: ArrayLike,
  axis?: AxisOrOptions<ReductionOptions>,
  options?: ReductionOptions,
): Array {
  const { x, ok } = nanMasked(a, "jnp.nanmax");
  if (!ok) return max(x, axis, options);
  // All-NaN slices give NaN, as NumPy.
  const r = max(where(ok, x, Number.NEGATIVE_INFINITY), axis, options);
  return where(
    any(ok, axis, { ...options, where: undefined, initial: undefined, dtype: undefined }),
    r,
    Number.NaN,
  );
}
export function nanmin(
  a: ArrayLike,
  axis?: AxisOrOptions<ReductionOptions>,
  options?: ReductionOptions,
): Array {
  const { x, ok } = nanMasked(a, "jnp.nanmin");
  if (!ok) return min(x, axis, options);
  const r = min(where(ok, x, Number.POSITIVE_INFINITY), axis, options);
  return where(
    any(ok, axis, { ...options, where: undefined, initial: undefined, dtype: undefined }),
    r,
    Number.NaN,
  );
}
export function nanmean(
  a: ArrayLike,
  axis?: AxisOrOptions<ReductionOptions>,
  options?: ReductionOptions,
): Array {
  const { x, ok } = nanMasked(a, "jnp.nanmean");
  if (!ok) return mean(x, axis, options);
  const opts = parse("jnp.nanmean", REDUCTION_KEYS, axis, options);
  const w =
    opts.where === undefined || opts.where === null
      ? ok
      : lax.bitwiseAnd(ok, maskOf("jnp.nanmean", opts.where, x.shape));
  return mean(where(ok, x, 0), { ...opts, where: w });
}

export interface AverageOptions {
  axis?: Axis;
  weights?: ArrayLike | null;
  keepdims?: boolean;
}
const AVERAGE_KEYS: OptionKeys<AverageOptions> = { axis: true, weights: true, keepdims: true };

function averageOptions(
  op: string,
  axis: AxisOrOptions<AverageOptions>,
  weights: ArrayLike | null | undefined,
  options: AverageOptions | undefined,
): AverageOptions {
  const opts = checkOptions(op, options, AVERAGE_KEYS);
  return parse(op, AVERAGE_KEYS, axis, { ...opts, weights: weights ?? opts.weights });
}

/**
 * `jnp.average(a, axis?, weights?, { keepdims })`: the weighted mean. 1-D
 * weights go along a single axis; otherwise weights must have a's shape.
 * `averageReturned` also returns the sum of the weights.
 */
export function average(
  a: ArrayLike,
  axis?: AxisOrOptions<AverageOptions>,
  weights?: ArrayLike | null,
  options?: AverageOptions,
): Array {
  return averageImpl(a, averageOptions("jnp.average", axis, weights, options))[0];
}
export function averageReturned(
  a: ArrayLike,
  axis?: AxisOrOptions<AverageOptions>,
  weights?: ArrayLike | null,
  options?: AverageOptions,
): [Array, Array] {
  return averageImpl(a, averageOptions("jnp.average", axis, weights, options));
}

function averageImpl(a: ArrayLike, opts: AverageOptions): [Array, Array] {
  const op = "jnp.average";
  const x = asArray(a, op, "a");
  const axes = normalizeAxes(opts.axis, x.ndim, op);
  if (opts.weights === undefined || opts.weights === null) {
    const avg = mean(x, { axis: opts.axis ?? null, keepdims: opts.keepdims });
    const n = sizeOf(axes.map((i) => x.shape[i]!));
    return [avg, fill(avg.shape, n, avg.dtype)];
  }
  let w = asArray(opts.weights, op, "weights");
  const { dtype } = resultType(x, w, asArray(1.5, op));
  const xf = cast(x, dtype);
  w = cast(w, dtype);
  if (w.ndim !== x.ndim || w.shape.some((d, i) => d !== x.shape[i])) {
    if (opts.axis === null || opts.axis === undefined) {
      throw new ValueError(
        `${op}: axis must be specified when shapes of a ${shapeStr(x.shape)} and weights ${shapeStr(w.shape)} differ`,
      );
    }
    if (w.ndim !== 1 || axes.length !== 1) {
      throw new ValueError(
        `${op}: 1-D weights expected when shapes of a ${shapeStr(x.shape)} and weights ${shapeStr(w.shape)} differ`,
      );
    }
    if (w.shape[0] !== x.shape[axes[0]!]) {
      throw new ValueError(
        `${op}: length of weights (${w.shape[0]}) differs from the size of axis ${axes[0]} of a ${shapeStr(x.shape)}`,
      );
    }
    w = lax.broadcastInDim(w, x.shape, [axes[0]!]);
  }
  const keepdims = opts.keepdims ?? false;
  const num = lax.reduceSum(lax.mul(xf, w), axes);
  const den = lax.reduceSum(w, axes);
  let avg = lax.div(num, den);
  let wsum = den;
  if (keepdims) {
    avg = keepDims(avg, x.shape, axes);
    wsum = keepDims(wsum, x.shape, axes);
  }
  return [avg, wsum];
}

/** `jnp.ptp(a, axis?, { keepdims })`: max - min. */
export function ptp(
  a: ArrayLike,
  axis?: AxisOrOptions<AxisKeepdims>,
  options?: AxisKeepdims,
): Array {
  const opts = parse("jnp.ptp", AXIS_KEEPDIMS_KEYS, axis, options);
  const o = { axis: opts.axis ?? null, keepdims: opts.keepdims };
  const x = asArray(a, "jnp.ptp", "a");
  if (isBool(x.dtype))
    throw new TypeError("jnp.ptp: not supported for bool inputs; use astype first");
  return lax.sub(max(x, o), min(x, o));
}

/** `jnp.count_nonzero(a, axis?, { keepdims })` (int32). */
export function countNonzero(
  a: ArrayLike,
  axis?: AxisOrOptions<AxisKeepdims>,
  options?: AxisKeepdims,
): Array {
  const opts = parse("jnp.count_nonzero", AXIS_KEEPDIMS_KEYS, axis, options);
  const x = asArray(a, "jnp.count_nonzero", "a");
  const nz = isBool(x.dtype) ? x : lax.ne(x, fill(x.shape, 0, x.dtype));
  return sum(nz, { axis: opts.axis ?? null, keepdims: opts.keepdims, dtype: "int32" });
}

export type QuantileMethod = "linear" | "lower" | "higher" | "midpoint" | "nearest";
export interface QuantileOptions {
  axis?: Axis;
  keepdims?: boolean;
  method?: QuantileMethod;
}
const QUANTILE_KEYS: OptionKeys<QuantileOptions> = { axis: true, keepdims: true, method: true };

/**
 * `jnp.quantile(a, q, axis?, { method, keepdims })`: q in [0, 1], a JS number
 * or an array (whose dims lead the result). Any NaN in a slice gives NaN.
 */
export function quantile(
  a: ArrayLike,
  q: ArrayLike | readonly number[],
  axis?: AxisOrOptions<QuantileOptions>,
  options?: QuantileOptions,
): Array {
  return quantileImpl("quantile", a, q, parse("jnp.quantile", QUANTILE_KEYS, axis, options), 1);
}
/** `jnp.percentile(a, q, axis?, { method, keepdims })`: q in [0, 100]. */
export function percentile(
  a: ArrayLike,
  q: ArrayLike | readonly number[],
  axis?: AxisOrOptions<QuantileOptions>,
  options?: QuantileOptions,
): Array {
  const opts = parse("jnp.percentile", QUANTILE_KEYS, axis, options);
  return quantileImpl("percentile", a, q, opts, 100);
}
/** `jnp.median(a, axis?, { keepdims })`. */
export function median(
  a: ArrayLike,
  axis?: AxisOrOptions<AxisKeepdims>,
  options?: AxisKeepdims,
): Array {
  const opts = parse("jnp.median", AXIS_KEEPDIMS_KEYS, axis, options);
  return quantileImpl("median", a, 0.5, { ...opts, method: "midpoint" }, 1);
}

function quantileImpl(
  name: string,
  a: ArrayLike,
  q: ArrayLike | readonly number[],
  opts: QuantileOptions,
  scale: number,
): Array {
  const op = `jnp.${name}`;
  const x0 = asArray(a, op, "a");
  const method = opts.method ?? "linear";
  if (!["linear", "lower", "higher", "midpoint", "nearest"].includes(method)) {
    throw new ValueError(
      `${op}: method must be one of linear, lower, higher, midpoint, nearest; got ${String(method)}`,
    );
  }
  const dtype = inexactDtype(x0.dtype);
  const axes = normalizeAxes(opts.axis, x0.ndim, op);
  // Move the reduced axes to the end and merge them into one.
  const kept = x0.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  let x = cast(x0, dtype);
  x = lax.transpose(x, [...kept, ...axes]);
  const n = sizeOf(axes.map((i) => x0.shape[i]!));
  x = lax.reshape(x, [...kept.map((i) => x0.shape[i]!), n]);
  if (n === 0)
    throw new ValueError(
      `${op}: cannot take the ${name} of an empty slice (shape ${shapeStr(x0.shape)})`,
    );
  const last = x.ndim - 1;
  const sorted = sort(x, last);
  // Positions q * (n - 1) along the sorted axis, as [lower index, upper index, fraction].
  const pick = staticQ(q)
    ? staticPicker(op, q, sorted, n, scale)
    : tracedPicker(q, sorted, n, scale, op);
  const qShape = pick.qShape;
  let r: Array;
  switch (method) {
    case "lower":
      r = pick.at("lo");
      break;
    case "higher":
      r = pick.at("hi");
      break;
    case "nearest":
      r = pick.at("nearest");
      break;
    case "midpoint": {
      const l = pick.at("lo");
      r = lax.mul(lax.add(l, pick.at("hi")), fill(l.shape, 0.5, dtype));
      break;
    }
    default: {
      const l = pick.at("lo");
      const h = pick.at("hi");
      r = lax.add(l, lax.mul(lax.sub(h, l), pick.frac(l.shape)));
    }
  }
  const hasNan = lax.reduceOr(lax.ne(x, x), [last]);
  const nanMask = lax.broadcastInDim(hasNan, r.shape, range(qShape.length, r.ndim));
  r = lax.selectN(nanMask, r, fill(r.shape, Number.NaN, dtype));
  if (opts.keepdims) {
    const keptShape = x0.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    r = lax.reshape(r, [...qShape, ...keptShape]);
  }
  return r;
}

type Which = "lo" | "hi" | "nearest";
interface Picker {
  qShape: number[];
  /** The sorted values at the chosen positions: shape [...qShape, ...kept]. */
  at(which: Which): Array;
  /** The interpolation fraction, broadcast to `shape` ([...qShape, ...kept]). */
  frac(shape: readonly number[]): Array;
}

function staticQ(q: ArrayLike | readonly number[]): q is number | readonly number[] {
  return typeof q === "number" || globalThis.Array.isArray(q);
}

/** JS-number quantiles: positions are known while tracing, so the values are static slices. */
function staticPicker(
  op: string,
  q: number | readonly number[],
  sorted: Array,
  n: number,
  scale: number,
): Picker {
  const qs = typeof q === "number" ? [q] : [...q];
  for (const v of qs) {
    if (!(v >= 0 && v <= scale))
      throw new ValueError(`${op}: q must be in the range [0, ${scale}], got ${v}`);
  }
  const pos = qs.map((v) => (v / scale) * (n - 1));
  const qShape = typeof q === "number" ? [] : [qs.length];
  const last = sorted.ndim - 1;
  const index: Record<Which, (p: number) => number> = {
    lo: Math.floor,
    hi: Math.ceil,
    nearest: (p) => {
      // Round half to even, as NumPy's "nearest".
      const f = Math.floor(p);
      const d = p - f;
      return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
    },
  };
  const slice = (i: number) => lax.sliceInDim(sorted, i, i + 1, 1, last);
  return {
    qShape,
    at: (which) => {
      const parts = pos.map((p) => moveaxis(slice(index[which](p)), -1, 0));
      const joined = parts.length === 1 ? parts[0]! : lax.concatenate(parts, 0);
      return lax.reshape(joined, [...qShape, ...sorted.shape.slice(0, -1)]);
    },
    frac: (shape) => {
      const t = constList(
        pos.map((p) => p - Math.floor(p)),
        sorted.dtype,
      );
      return lax.broadcastInDim(lax.reshape(t, qShape), shape, range(0, qShape.length));
    },
  };
}

/** Traced quantiles: positions are computed and gathered with take. */
function tracedPicker(q: ArrayLike, sorted: Array, n: number, scale: number, op: string): Picker {
  const dtype = sorted.dtype;
  const qa = cast(asArray(q, op, "q"), dtype);
  const pos = lax.mul(lax.div(qa, fill(qa.shape, scale, dtype)), fill(qa.shape, n - 1, dtype));
  const qShape = [...qa.shape];
  const last = sorted.ndim - 1;
  const lo = lax.floor(pos);
  const positions: Record<Which, Array> = { lo, hi: lax.ceil(pos), nearest: lax.round(pos, 1) };
  const toIndex = (p: Array) =>
    lax.convertElementType(
      lax.clamp(fill(p.shape, 0, dtype), p, fill(p.shape, n - 1, dtype)),
      "int32",
    );
  return {
    qShape,
    // take() puts q's dims where the axis was (the end); moveaxis brings them to the front, as NumPy.
    at: (which) =>
      moveaxis(
        take(sorted, toIndex(positions[which]), { axis: last }),
        range(last, last + qShape.length),
        range(0, qShape.length),
      ),
    frac: (shape) => lax.broadcastInDim(lax.sub(pos, lo), shape, range(0, qShape.length)),
  };
}
