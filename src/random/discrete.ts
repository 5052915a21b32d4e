/**
 * jax.random's discrete samplers: bernoulli, randint, categorical (Gumbel
 * max and top-k), permutation/shuffle (repeated sorts by random keys) and
 * choice, built as JAX builds them so that the same key gives the same draw.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { hostValues } from "../core/backend.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { concreteOrError } from "../core/trace.js";
import {
  canonicalize,
  type DType,
  defaultFloat,
  defaultInt,
  intBits,
  intRange,
  isFloating,
  isInteger,
  numberValues,
} from "../dtype.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { broadcastTo } from "../numpy/util.js";
import { checkOptions, isPlainObject, type OptionKeys } from "../options.js";
import { normalizeAxis, type Shape, shapeStr, shapesEqual, sizeOf } from "../shape.js";
import { checkKey, randomBits, randomBitsOfWidth, splitList } from "./keys.js";
import { type GumbelMode, gumbelIn, uniformIn } from "./samplers.js";
import { checkShape, finfo, shapeArg } from "./util.js";

// --- bernoulli ----------------------------------------------------------------------

/**
 * `random.bernoulli(key, p = 0.5, shape?, mode = "low")`: booleans that are
 * true with probability p (a float, broadcast to shape; default shape: p's).
 * "high" uses two uniforms per value, for p below ~1e-7 in float32.
 */
export function bernoulli(
  key: Array,
  p: ArrayLike = 0.5,
  shape?: Shape | null,
  mode: "low" | "high" = "low",
): Array {
  const op = "random.bernoulli";
  const k = checkKey(op, key);
  if (mode !== "low" && mode !== "high") {
    throw new Error(`${op}: got mode=${JSON.stringify(mode)}, expected "low" or "high"`);
  }
  // A JS number is a Python float here (JS cannot tell 1 from 1.0): weakly typed float.
  const pa =
    typeof p === "number" ? ArrayImpl.scalar(p, defaultFloat(), true) : asArray(p, op, "p");
  if (!isFloating(pa.dtype)) {
    throw new TypeError(`${op}: probability p must have a floating dtype, got ${pa.dtype}`);
  }
  const dtype = pa.dtype;
  const s = shape === undefined || shape === null ? [...pa.shape] : shapeArg(op, shape);
  checkShape(op, s, pa.shape);
  const pb = broadcastTo(lax.convertElementType(pa, dtype), s, op);
  if (mode === "high") {
    const u = uniformIn(op, k, [2, ...s], dtype, 0, 1);
    const u1 = lax.reshape(lax.sliceInDim(u, 0, 1, 1, 0), s);
    // The second uniform refines the first below its resolution 2^-nmant.
    const u2 = lax.mul(lax.reshape(lax.sliceInDim(u, 1, 2, 1, 0), s), 2 ** -finfo(dtype).nmant);
    return lax.lt(u2, lax.sub(pb, u1));
  }
  return lax.lt(uniformIn(op, k, s, dtype, 0, 1), pb);
}

/** `random.rademacher(key, shape = [], dtype = "int32")`: -1 or 1 with equal probability. */
export function rademacher(key: Array, shape: Shape = [], dtype: DType = "int32"): Array {
  const b = lax.convertElementType(bernoulli(key, 0.5, shape), dtype);
  return lax.convertElementType(lax.sub(lax.mul(2, b), 1), dtype);
}

// --- randint ------------------------------------------------------------------------

/**
 * A randint bound in `dtype`, clipped to its range rather than wrapped
 * (JAX's _convert_and_clip_integer), and whether it exceeded the dtype's
 * maximum (maxval = 256 for uint8 must still reach 255).
 */
/** A 64-bit dtype's max as a JS number it holds (intRange's 2^63 and 2^64 are past it). */
const holdable = (m: number): number =>
  m >= 2 ** 64 ? 2 ** 64 - 2048 : m >= 2 ** 63 ? 2 ** 63 - 1024 : m;

function intBound(op: string, name: string, x: ArrayLike, dtype: DType): [Array, Array] {
  const [dmin, dmax0] = intRange(dtype);
  const dmax = holdable(dmax0);
  if (typeof x === "number") {
    if (!Number.isFinite(x)) throw new TypeError(`${op}: ${name} must be finite, got ${x}`);
    const v = Math.trunc(x);
    return [
      ArrayImpl.scalar(Math.min(Math.max(v, dmin), dmax), dtype),
      ArrayImpl.scalar(v > dmax, "bool"),
    ];
  }
  let a = asArray(x, op, name);
  // Float (or bool) bounds are converted to the default int first, as JAX's astype(int).
  if (!isInteger(a.dtype)) a = lax.convertElementType(a, defaultInt());
  const [smin, smax0] = intRange(a.dtype);
  const smax = holdable(smax0);
  const lo = lax.convertElementType(Math.max(dmin, smin), a.dtype);
  const hi = lax.convertElementType(Math.min(dmax, smax), a.dtype);
  const clipped = lax.convertElementType(lax.clamp(lo, a, hi), dtype);
  return [clipped, lax.gt(a, hi)];
}

/**
 * `random.randint(key, shape, minval, maxval, dtype = int_)`: integers (int_
 * is int32, or int64 under x64, as JAX's default)
 * in [minval, maxval) (bounds broadcast to shape; maxval <= minval gives
 * minval). As JAX's: two draws of the dtype's width reduced modulo the span
 * in the unsigned type of that width, slightly biased when the span is not a
 * power of 2.
 */
export function randint(
  key: Array,
  shape: Shape,
  minval: ArrayLike,
  maxval: ArrayLike,
  dtypeArg?: DType,
): Array {
  const op = "random.randint";
  // JAX's default is int_: int64 under x64; int64/uint64 canonicalize to 32 bits without it.
  const dtype = canonicalize(dtypeArg ?? defaultInt());
  const k = checkKey(op, key);
  const s = shapeArg(op, shape);
  if (!isInteger(dtype)) {
    throw new TypeError(
      `${op} only accepts integer dtypes (int8, uint8, int16, uint16, int32, uint32, int64, uint64), got ${dtype}`,
    );
  }
  const [lo0] = intBound(op, "minval", minval, dtype);
  const [hi0, oor0] = intBound(op, "maxval", maxval, dtype);
  checkShape(op, s, lo0.shape, hi0.shape);
  const lo = broadcastTo(lo0, s, op);
  const hi = broadcastTo(hi0, s, op);
  const outOfRange = broadcastTo(oor0, s, op);

  const nbits = intBits(dtype) as 8 | 16 | 32 | 64;
  const unsigned: DType =
    nbits === 8 ? "uint8" : nbits === 16 ? "uint16" : nbits === 32 ? "uint32" : "uint64";
  const [k1, k2] = splitList(k, 2);
  const higherBits = randomBitsOfWidth(k1!, s, nbits);
  const lowerBits = randomBitsOfWidth(k2!, s, nbits);
  const one = broadcastTo(lax.convertElementType(1, unsigned), s, op);
  let span = lax.convertElementType(lax.sub(hi, lo), unsigned);
  // span = 1 when maxval <= minval, so minval is returned (JAX issue #222).
  span = lax.selectN(lax.le(hi, lo), span, one);
  // A clipped maxval needs a span one larger; at 2^nbits it wraps to 0, and x % 0 = x then.
  span = lax.selectN(lax.bitwiseAnd(outOfRange, lax.gt(hi, lo)), span, lax.add(span, one));
  // (hi·2^nbits + lo) mod span, with 2^nbits mod span as (2^(nbits/2) mod span)^2 mod span.
  let multiplier = lax.rem(2 ** (nbits / 2), span);
  multiplier = lax.rem(lax.mul(multiplier, multiplier), span);
  let offset = lax.add(lax.mul(lax.rem(higherBits, span), multiplier), lax.rem(lowerBits, span));
  offset = lax.rem(offset, span);
  return lax.add(lo, lax.convertElementType(offset, dtype));
}

// --- categorical ------------------------------------------------------------------

export interface CategoricalOptions {
  /** The axis of the categories (default -1). */
  axis?: number;
  /** Result shape; must broadcast with the logits' batch shape (default: the batch shape). */
  shape?: Shape | null;
  /** Sample with replacement (default true; false: Gumbel top-k). */
  replace?: boolean;
  mode?: GumbelMode;
}
const CATEGORICAL_KEYS: OptionKeys<CategoricalOptions> = {
  axis: true,
  shape: true,
  replace: true,
  mode: true,
};

/**
 * `random.categorical(key, logits, { axis, shape, replace, mode })`: indices
 * (int32) drawn with probabilities softmax(logits, axis), by the Gumbel-max
 * trick (Gumbel top-k without replacement).
 */
export function categorical(
  key: Array,
  logits: ArrayLike,
  options: CategoricalOptions = {},
): Array {
  options = checkOptions("random.categorical", options, CATEGORICAL_KEYS);
  const op = "random.categorical";
  const k = checkKey(op, key);
  const l = asArray(logits, op, "logits");
  if (!isFloating(l.dtype)) {
    throw new TypeError(`${op}: logits must have a float dtype, got ${l.dtype}`);
  }
  const ax = normalizeAxis(options.axis ?? -1, l.ndim, op, "axis");
  const batchShape = l.shape.filter((_, i) => i !== ax);
  const s =
    options.shape === undefined || options.shape === null
      ? batchShape
      : shapeArg(op, options.shape);
  checkShape(op, s, batchShape);
  const prefix = s.slice(0, s.length - batchShape.length);
  if (options.replace ?? true) {
    const logitsShape = s.slice(s.length - batchShape.length);
    logitsShape.splice(ax, 0, l.shape[ax]!);
    const g = gumbelIn(op, k, [...prefix, ...logitsShape], l.dtype, options.mode);
    const expanded = lax.reshape(l, [...prefix.map(() => 1), ...l.shape]);
    return jnp.argmax(jnp.add(g, expanded), prefix.length + ax);
  }
  const n = sizeOf(prefix);
  if (n > l.shape[ax]!) {
    throw new Error(
      `${op}: number of samples without replacement (${n}) cannot exceed number of categories (${l.shape[ax]})`,
    );
  }
  const g = jnp.add(l, gumbelIn(op, k, l.shape, l.dtype, options.mode));
  const [, idx] = lax.topK(jnp.moveaxis(g, ax, -1), n);
  // idx is batch_shape + (n,): the draws move to the front.
  return lax.reshape(idx, s, [idx.ndim - 1, ...batchShape.map((_, i) => i)]);
}

// --- permutation, shuffle, choice ---------------------------------------------------

/**
 * JAX's _shuffle: sorts x along `axis` by fresh random 32-bit keys, for
 * enough rounds (3·ln(size)/ln(2^32 - 1), rounded up) that key collisions
 * leave a negligible bias.
 */
function shuffleAlong(key: Array, x: Array, axis: number): Array {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(0xffffffff));
  let k = key;
  let out = x;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = splitList(k, 2);
    k = next!;
    out = lax.sortKeyVal(randomBits(sub!, out.shape), out, axis)[1];
  }
  return out;
}

/** A concrete non-negative integer from a JS number or a 0-d integer array. */
function concreteCount(op: string, name: string, x: ArrayLike): number {
  let v: number;
  if (typeof x === "number") v = x;
  else {
    const a = asArray(x, op, name);
    if (!isInteger(a.dtype))
      throw new TypeError(`${op}: ${name} must be an integer or at least 1-dimensional`);
    const c = concreteOrError(a, `${op}: argument ${name}`);
    v = numberValues(c.dtype, hostValues(c))[0]!;
  }
  if (!Number.isInteger(v) || v < 0) {
    throw new TypeError(
      `${op}: ${name} must be a non-negative integer or at least 1-dimensional, got ${v}`,
    );
  }
  return v;
}

export interface PermutationOptions {
  /** The axis to permute along (default 0). */
  axis?: number;
  /** Permute each slice along the axis independently (default false). */
  independent?: boolean;
}
const PERMUTATION_KEYS: OptionKeys<PermutationOptions> = { axis: true, independent: true };

/**
 * `random.permutation(key, x, { axis, independent })`: a random permutation
 * of arange(x) for an integer x, else of x's entries along `axis`.
 */
export function permutation(key: Array, x: ArrayLike, options: PermutationOptions = {}): Array {
  options = checkOptions("random.permutation", options, PERMUTATION_KEYS);
  const op = "random.permutation";
  const k = checkKey(op, key);
  const a = typeof x === "number" ? null : asArray(x, op, "x");
  if (a === null || a.ndim === 0) {
    normalizeAxis(options.axis ?? 0, 1, op, "axis");
    return shuffleAlong(k, jnp.arange(concreteCount(op, "x", x)), 0);
  }
  const ax = normalizeAxis(options.axis ?? 0, a.ndim, op, "axis");
  if (options.independent || a.ndim === 1) return shuffleAlong(k, a, ax);
  const ind = shuffleAlong(k, jnp.arange(a.shape[ax]!), 0);
  return jnp.take(a, ind, ax);
}

/**
 * `random.shuffle(key, x, axis = 0)`: shuffles each slice along `axis`
 * independently.
 * @deprecated As in JAX: use `permutation(key, x, { axis, independent: true })`.
 */
export function shuffle(key: Array, x: ArrayLike, axis = 0): Array {
  return permutation(key, x, { axis, independent: true });
}

export interface ChoiceOptions {
  /** Output shape (default [], one draw). */
  shape?: Shape;
  /** Draw with replacement (default true). */
  replace?: boolean;
  /** Probabilities of the entries (1-D, length a.shape[axis]); default uniform. */
  p?: ArrayLike | null;
  /** The axis of `a` to draw along (default 0). */
  axis?: number;
  /** The Gumbel mode when p is given and replace is false. */
  mode?: GumbelMode;
}
const CHOICE_KEYS: OptionKeys<ChoiceOptions> = {
  shape: true,
  replace: true,
  p: true,
  axis: true,
  mode: true,
};

/**
 * `random.choice(key, a, shape = [], { replace, p, axis, mode })`: draws
 * entries of `a` along `axis` (or of arange(a) for an integer a). The
 * result has shape `a.shape[:axis] + shape + a.shape[axis+1:]`.
 */
export function choice(
  key: Array,
  a: ArrayLike,
  shapeOrOptions?: Shape | ChoiceOptions,
  options: ChoiceOptions = {},
): Array {
  const op = "random.choice";
  options = checkOptions(op, options, CHOICE_KEYS);
  const o: ChoiceOptions = isPlainObject(shapeOrOptions)
    ? { ...checkOptions(op, shapeOrOptions as ChoiceOptions, CHOICE_KEYS), ...options }
    : shapeOrOptions === undefined || shapeOrOptions === null
      ? options
      : { ...options, shape: shapeArg(op, shapeOrOptions) };
  const k = checkKey(op, key);
  const s = shapeArg(op, o.shape ?? []);
  const arr = typeof a === "number" ? null : asArray(a, op, "a");
  const scalar = arr === null || arr.ndim === 0;
  const ax = scalar ? 0 : normalizeAxis(o.axis ?? 0, arr.ndim, op, "axis");
  const nInputs = scalar ? concreteCount(op, "a", a) : arr.shape[ax]!;
  const nDraws = sizeOf(s);
  const replace = o.replace ?? true;
  if (nDraws === 0) return jnp.zeros(s, arr?.dtype ?? "int32");
  if (nInputs <= 0) throw new Error(`${op}: a must be greater than 0 unless no samples are taken`);
  if (!replace && nDraws > nInputs) {
    throw new Error(
      `${op}: cannot take a larger sample (size ${nDraws}) than population (size ${nInputs}) when replace is false`,
    );
  }
  const gather = (ind: Array) => (scalar ? ind : jnp.take(arr, ind, ax));
  let result: Array;
  if (o.p === undefined || o.p === null) {
    result = replace
      ? gather(randint(k, s, 0, nInputs))
      : lax.sliceInDim(permutation(k, scalar ? nInputs : arr, { axis: ax }), 0, nDraws, 1, ax);
  } else {
    let p = asArray(o.p, op, "p");
    if (!isFloating(p.dtype)) p = lax.convertElementType(p, defaultFloat());
    if (!shapesEqual(p.shape, [nInputs])) {
      throw new Error(
        `${op}: p must be None or a 1D vector with the same size as a.shape[axis]; p has shape ` +
          `${shapeStr(p.shape)} and a.shape[axis] is ${nInputs}`,
      );
    }
    if (replace) {
      // Inverse CDF: the first index whose cumulative probability reaches r.
      const cuml = jnp.cumsum(p);
      const total = lax.reshape(lax.sliceInDim(cuml, nInputs - 1, nInputs), []);
      const r = jnp.multiply(total, jnp.subtract(1, uniformIn(op, k, s, cuml.dtype, 0, 1)));
      result = gather(jnp.searchsorted(cuml, r));
    } else {
      // Gumbel top-k: the n largest of log p + Gumbel noise.
      const g = jnp.add(gumbelIn(op, k, [nInputs], p.dtype, o.mode), jnp.log(p));
      result = gather(lax.topK(g, nDraws)[1]);
    }
  }
  const outShape = scalar ? s : [...arr.shape.slice(0, ax), ...s, ...arr.shape.slice(ax + 1)];
  return lax.reshape(result, outShape);
}
