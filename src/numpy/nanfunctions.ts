/**
 * The NaN-ignoring reductions that reductions.ts does not hold:
 * `jnp.nanargmax`, `nanargmin`, `nanvar`, `nanstd`, `nanmedian`,
 * `nanquantile`, `nanpercentile`, `nancumsum`, `nancumprod`, with NumPy's
 * signatures and JAX's results (an all-NaN slice gives NaN, and -1 for the
 * arg-reductions). Built on lax and the other jnp modules.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type DType, defaultFloat, isComplex, isFloating, isInexact } from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, isPlainObject, type OptionKeys } from "../options.js";
import { normalizeAxes } from "../shape.js";
import { filled } from "./internal.js";
import { takeAlongAxis, where } from "./manipulation.js";
import {
  type Axis,
  all,
  argmax,
  argmin,
  type CumulativeOptions,
  cumprod,
  cumsum,
  nanmean,
  sum,
} from "./reductions.js";
import { broadcastTo, cast } from "./util.js";

type AxisOr<O> = Axis | O | undefined;

function parse<O extends { axis?: Axis }>(
  op: string,
  keys: OptionKeys<O>,
  axis: AxisOr<O>,
  options: O | undefined,
): O {
  const opts = checkOptions(op, options, keys);
  if (isPlainObject(axis)) return { ...checkOptions(op, axis as O, keys), ...opts };
  return { ...opts, axis: (axis as Axis | undefined) ?? opts.axis ?? null };
}

function isNan(x: Array): Array {
  return lax.ne(x, x);
}

export interface NanArgOptions {
  axis?: number | null;
  keepdims?: boolean;
}
const NANARG_KEYS: OptionKeys<NanArgOptions> = { axis: true, keepdims: true };

function nanArg(name: string, pick: typeof argmax, fillValue: number) {
  return (a: ArrayLike, axis?: number | null | NanArgOptions, options?: NanArgOptions): Array => {
    const op = `jnp.${name}`;
    const opts = parse(op, NANARG_KEYS, axis as AxisOr<NanArgOptions>, options) as NanArgOptions;
    const x = asArray(a, op, "a");
    const ax = opts.axis ?? null;
    const keepdims = opts.keepdims ?? false;
    if (!isFloating(x.dtype)) return pick(x, { axis: ax, keepdims });
    const nan = isNan(x);
    const r = pick(where(nan, fillValue, x), { axis: ax, keepdims });
    return where(all(nan, { axis: ax, keepdims }), -1, r);
  };
}

/** `jnp.nanargmax(a, axis?, { keepdims })`: argmax ignoring NaNs; -1 for an all-NaN slice. */
export const nanargmax = nanArg("nanargmax", argmax, Number.NEGATIVE_INFINITY);
/** `jnp.nanargmin(a, axis?, { keepdims })`: argmin ignoring NaNs; -1 for an all-NaN slice. */
export const nanargmin = nanArg("nanargmin", argmin, Number.POSITIVE_INFINITY);

export interface NanVarOptions {
  axis?: Axis;
  dtype?: DType;
  /** Delta degrees of freedom: the divisor is N - ddof, N the count of non-NaN values. */
  ddof?: number;
  keepdims?: boolean;
  /** Only elements where this mask is true take part. */
  where?: ArrayLike | null;
}
const NANVAR_KEYS: OptionKeys<NanVarOptions> = {
  axis: true,
  dtype: true,
  ddof: true,
  keepdims: true,
  where: true,
};

/** `jnp.nanvar(a, axis?, { ddof, keepdims, dtype, where })`: the variance of the non-NaN values. */
export function nanvar(a: ArrayLike, axis?: AxisOr<NanVarOptions>, options?: NanVarOptions): Array {
  const op = "jnp.nanvar";
  const opts = parse(op, NANVAR_KEYS, axis, options);
  let x = asArray(a, op, "a");
  if (!isInexact(x.dtype)) x = cast(x, defaultFloat());
  if (opts.dtype !== undefined) x = cast(x, opts.dtype);
  let ok = lax.bitwiseNot(isNan(x));
  if (opts.where != null)
    ok = lax.bitwiseAnd(ok, broadcastTo(asArray(opts.where, op, "where"), x.shape, op));
  const keepdims = opts.keepdims ?? false;
  const mu = nanmean(where(ok, x, Number.NaN), { axis: opts.axis ?? null, keepdims: true });
  const c = lax.sub(
    x,
    lax.broadcastInDim(
      mu,
      x.shape,
      x.shape.map((_, i) => i),
    ),
  );
  const sq = isComplex(c.dtype) ? lax.real(lax.mul(c, lax.conj(c))) : lax.mul(c, c);
  const ss = sum(where(ok, sq, 0), { axis: opts.axis ?? null, keepdims });
  const n = sum(ok, { axis: opts.axis ?? null, keepdims, dtype: ss.dtype });
  const dof = lax.max(lax.sub(n, opts.ddof ?? 0), filled(n.shape, 0, n.dtype));
  return lax.div(ss, dof);
}

/** `jnp.nanstd(a, axis?, { ddof, keepdims, dtype, where })`: the square root of nanvar. */
export function nanstd(a: ArrayLike, axis?: AxisOr<NanVarOptions>, options?: NanVarOptions): Array {
  return lax.sqrt(nanvar(a, axis, options));
}

export type NanQuantileMethod = "linear" | "lower" | "higher" | "midpoint" | "nearest";
export interface NanQuantileOptions {
  axis?: Axis;
  keepdims?: boolean;
  method?: NanQuantileMethod;
}
const NANQ_KEYS: OptionKeys<NanQuantileOptions> = { axis: true, keepdims: true, method: true };

/**
 * The q-quantiles of the non-NaN values along the axes: sorted with NaNs
 * last, then interpolated between the order statistics of each slice's own
 * count; q's dims lead the result.
 */
function nanQuantileImpl(
  op: string,
  a: ArrayLike,
  q: ArrayLike | readonly number[],
  opts: NanQuantileOptions,
  scale: number,
): Array {
  const method = opts.method ?? "linear";
  if (!["linear", "lower", "higher", "midpoint", "nearest"].includes(method)) {
    throw new ValueError(
      `${op}: method must be one of linear, lower, higher, midpoint, nearest; got ${String(method)}`,
    );
  }
  let x = asArray(a, op, "a");
  if (isComplex(x.dtype)) throw new TypeError(`${op}: a must be real, got dtype ${x.dtype}`);
  if (!isInexact(x.dtype)) x = cast(x, defaultFloat());
  const qa0 = asArray(q as ArrayLike, op, "q");
  const qa = lax.div(cast(qa0, x.dtype), scale);
  const axes = normalizeAxes(opts.axis ?? null, x.ndim, op);
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  // Kept dims first, reduced dims flattened last.
  const moved = lax.transpose(x, [...keep, ...axes]);
  const keptShape = keep.map((i) => x.shape[i]!);
  const m = axes.reduce((s, i) => s * x.shape[i]!, 1);
  const flat = lax.reshape(moved, [...keptShape, m]);
  const sorted = lax.sort(flat, { dimension: keptShape.length }) as Array;
  const k = keptShape.length;
  const n = sum(lax.bitwiseNot(isNan(flat)), { axis: k, keepdims: true, dtype: x.dtype });
  const qs = lax.reshape(qa, [qa.size]);
  const outs: Array[] = [];
  const last = filled(n.shape, Math.max(m - 1, 0), "int32");
  const zero = filled(n.shape, 0, "int32");
  for (let j = 0; j < qs.shape[0]!; j++) {
    const qj = lax.broadcastInDim(lax.reshape(lax.sliceInDim(qs, j, j + 1), []), n.shape, []);
    const pos = lax.mul(qj, lax.sub(n, 1));
    const loF = lax.floor(pos);
    const hiF = lax.ceil(pos);
    const toIdx = (v: Array): Array => lax.clamp(zero, lax.convertElementType(v, "int32"), last);
    const lo = takeAlongAxis(sorted, toIdx(loF), k);
    const hi = takeAlongAxis(sorted, toIdx(hiF), k);
    let r: Array;
    if (method === "lower") r = lo;
    else if (method === "higher") r = hi;
    else if (method === "midpoint") r = lax.mul(lax.add(lo, hi), 0.5);
    else if (method === "nearest") r = takeAlongAxis(sorted, toIdx(lax.round(pos, 1)), k);
    else r = lax.add(lo, lax.mul(lax.sub(pos, loF), lax.sub(hi, lo)));
    r = where(lax.eq(n, 0), Number.NaN, r);
    outs.push(lax.reshape(r, keptShape));
  }
  let out = lax.reshape(
    lax.concatenate(
      outs.map((o) => lax.reshape(o, [1, ...keptShape])),
      0,
    ),
    [...qa0.shape, ...keptShape],
  );
  if (opts.keepdims) {
    out = lax.reshape(out, [...qa0.shape, ...x.shape.map((d, i) => (axes.includes(i) ? 1 : d))]);
  }
  return out;
}

/** `jnp.nanquantile(a, q, axis?, { method, keepdims })`: quantiles ignoring NaNs. */
export function nanquantile(
  a: ArrayLike,
  q: ArrayLike | readonly number[],
  axis?: AxisOr<NanQuantileOptions>,
  options?: NanQuantileOptions,
): Array {
  const op = "jnp.nanquantile";
  return nanQuantileImpl(op, a, q, parse(op, NANQ_KEYS, axis, options), 1);
}
/** `jnp.nanpercentile(a, q, axis?, { method, keepdims })`: percentiles (q in [0, 100]) ignoring NaNs. */
export function nanpercentile(
  a: ArrayLike,
  q: ArrayLike | readonly number[],
  axis?: AxisOr<NanQuantileOptions>,
  options?: NanQuantileOptions,
): Array {
  const op = "jnp.nanpercentile";
  return nanQuantileImpl(op, a, q, parse(op, NANQ_KEYS, axis, options), 100);
}
/** `jnp.nanmedian(a, axis?, { keepdims })`: the median of the non-NaN values. */
export function nanmedian(
  a: ArrayLike,
  axis?: AxisOr<Omit<NanQuantileOptions, "method">>,
  options?: Omit<NanQuantileOptions, "method">,
): Array {
  const op = "jnp.nanmedian";
  const keys: OptionKeys<Omit<NanQuantileOptions, "method">> = { axis: true, keepdims: true };
  return nanQuantileImpl(op, a, 0.5, { ...parse(op, keys, axis, options), method: "midpoint" }, 1);
}

function nanCumulative(name: string, f: typeof cumsum, identity: number) {
  return (a: ArrayLike, axis?: number | null | CumulativeOptions, dtype?: DType): Array => {
    const x = asArray(a, `jnp.${name}`, "a");
    const y = isFloating(x.dtype) || isComplex(x.dtype) ? where(isNan(x), identity, x) : x;
    return f(y, axis, dtype);
  };
}
/** `jnp.nancumsum(a, axis?, dtype?)`: cumsum with NaNs as zeros. */
export const nancumsum = nanCumulative("nancumsum", cumsum, 0);
/** `jnp.nancumprod(a, axis?, dtype?)`: cumprod with NaNs as ones. */
export const nancumprod = nanCumulative("nancumprod", cumprod, 1);
