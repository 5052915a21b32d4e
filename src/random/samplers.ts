/**
 * jax.random's continuous samplers, built exactly as JAX builds them: raw
 * threefry bits become uniform floats through the mantissa, and every other
 * distribution is a transform of uniforms (normal through erf_inv...). With
 * the same key, shape and dtype, the bits and the uniform floats are
 * identical to JAX's; transcendental transforms agree to float rounding.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import {
  canonicalize,
  checkDtype,
  type DType,
  intBits,
  isComplex,
  isHalf,
  realDtype,
} from "../dtype.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import type { OptionKeys } from "../options.js";
import { broadcastShapes, type Shape } from "../shape.js";
import { checkKey, randomBits, randomBits64, randomBitsOfWidth, splitList } from "./keys.js";
import {
  checkShape,
  type DtypeOr,
  finfo,
  floatDtype,
  optionsOf,
  param,
  paramTo,
  shapeArg,
  shapeOf,
} from "./util.js";

/**
 * `random.bits(key, shape = [], dtype = "uint32")`: uniform random bits,
 * uint8, uint16 or uint32 (bit for bit with JAX; jaxts has no uint64).
 */
export function bits(key: Array, shape: Shape = [], dtype: DType = "uint32"): Array {
  const op = "random.bits";
  const k = checkKey(op, key);
  const s = shapeArg(op, shape);
  // uint64 is uint32 without x64, as JAX canonicalizes it.
  const d = canonicalize(dtype);
  if (d !== "uint8" && d !== "uint16" && d !== "uint32" && d !== "uint64") {
    throw new TypeError(
      `${op}: dtype must be an unsigned int dtype (uint8, uint16, uint32, uint64), got ${dtype}`,
    );
  }
  return randomBitsOfWidth(k, s, intBits(d) as 8 | 16 | 32 | 64);
}

/**
 * Uniform floats in [0, 1) from the top mantissa bits: JAX sets the bits
 * of 1.m and subtracts 1, which is exactly m·2^-nmant.
 */
function unitFloats(key: Array, shape: Shape, dtype: DType): Array {
  if (dtype === "float64") {
    // The top 52 of 64 bits: hi·2^-32 + (lo >>> 12)·2^-52, exact in doubles.
    const [hi, lo] = randomBits64(key, shape);
    const top = lax.mul(lax.convertElementType(hi, "float64"), 2 ** -32);
    const low = lax.mul(lax.convertElementType(lax.shiftRightLogical(lo, 12), "float64"), 2 ** -52);
    return lax.add(top, low);
  }
  if (isHalf(dtype)) {
    // JAX draws 16 bits for a 16-bit float and keeps the top nmant (10 for
    // float16, 7 for bfloat16): m·2^-nmant, exact in the dtype.
    const nmant = finfo(dtype).nmant;
    const m = lax.shiftRightLogical(randomBitsOfWidth(key, shape, 16), 16 - nmant);
    return lax.mul(lax.convertElementType(m, dtype), 2 ** -nmant);
  }
  const b = lax.shiftRightLogical(randomBits(key, shape), 9);
  return lax.mul(lax.convertElementType(b, "float32"), 2 ** -23);
}

/** JAX's _uniform: max(minval, u·(maxval - minval) + minval), bounds broadcast to shape. */
export function uniformIn(
  op: string,
  key: Array,
  shape: Shape,
  dtype: DType,
  minval: ArrayLike,
  maxval: ArrayLike,
): Array {
  const lo = paramTo(op, "minval", minval, dtype, shape);
  const hi = paramTo(op, "maxval", maxval, dtype, shape);
  return lax.max(lo, lax.add(lax.mul(unitFloats(key, shape, dtype), lax.sub(hi, lo)), lo));
}

export interface UniformOptions {
  dtype?: DType;
  /** Inclusive lower bound, broadcast to shape (default 0). */
  minval?: ArrayLike;
  /** Exclusive upper bound, broadcast to shape (default 1). */
  maxval?: ArrayLike;
}
const UNIFORM_KEYS: OptionKeys<UniformOptions> = { dtype: true, minval: true, maxval: true };

/** `random.uniform(key, shape = [], { dtype, minval = 0, maxval = 1 })`: floats in [minval, maxval). */
export function uniform(key: Array, shape: Shape = [], options?: DtypeOr<UniformOptions>): Array {
  const op = "random.uniform";
  const o = optionsOf(op, options, UNIFORM_KEYS);
  const k = checkKey(op, key);
  return uniformIn(
    op,
    k,
    shapeArg(op, shape),
    floatDtype(op, o.dtype),
    o.minval ?? 0,
    o.maxval ?? 1,
  );
}

/** Shared prologue of the samplers with (key, shape, dtype). */
function start(
  op: string,
  key: Array,
  shape: Shape,
  dtype: DType | undefined,
): [Array, number[], DType] {
  return [checkKey(op, key), shapeArg(op, shape), floatDtype(op, dtype)];
}

export interface DtypeOptions {
  dtype?: DType;
}
export const DTYPE_KEYS: OptionKeys<DtypeOptions> = { dtype: true };

/**
 * The checked key, shape and float dtype of a sampler with array parameters:
 * the shape given, or by default the broadcast of the parameters' shapes.
 */
export function startWithParams(
  op: string,
  key: Array,
  shape: Shape | null | undefined,
  dtype: DtypeOr<DtypeOptions> | undefined,
  params: readonly ArrayLike[],
): [Array, number[], DType] {
  const k = checkKey(op, key);
  const d = floatDtype(op, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const s =
    shape === undefined || shape === null
      ? broadcastShapes(op, ...params.map(shapeOf))
      : shapeArg(op, shape);
  checkShape(op, s, ...params.map(shapeOf));
  return [k, s, d];
}

/** Standard normals: √2·erf_inv(u) for u uniform in (-1, 1), as JAX. */
export function normalIn(op: string, key: Array, shape: Shape, dtype: DType): Array {
  // nextafter(-1, 0): the open interval keeps erf_inv finite.
  const u = uniformIn(op, key, shape, dtype, -1 + finfo(dtype).epsneg, 1);
  return lax.mul(lax.convertElementType(Math.SQRT2, dtype), lax.erfInv(u));
}

/**
 * `random.normal(key, shape = [], dtype)`: standard normal values. A complex
 * dtype draws the real and imaginary parts from the key's two halves
 * (`split(key)`), each with variance 1/2 (JAX's _normal), so E|z|² = 1.
 */
export function normal(key: Array, shape: Shape = [], dtype?: DtypeOr<DtypeOptions>): Array {
  const op = "random.normal";
  const want = checkDtype(op, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  if (want !== undefined && isComplex(want)) {
    const [k, s, d] = start(op, key, shape, realDtype(want));
    const [kr, ki] = splitList(k, 2) as [Array, Array];
    const sqrt2 = lax.convertElementType(Math.SQRT2, d);
    const re = lax.div(normalIn(op, kr, s, d), sqrt2);
    const im = lax.div(normalIn(op, ki, s, d), sqrt2);
    return lax.complex(re, im);
  }
  const [k, s, d] = start(op, key, shape, want);
  return normalIn(op, k, s, d);
}

/**
 * `random.truncatedNormal(key, lower, upper, shape?, dtype?)`: standard
 * normals conditioned on lower < x < upper (open interval). The default
 * shape broadcasts lower and upper.
 */
export function truncatedNormal(
  key: Array,
  lower: ArrayLike,
  upper: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<DtypeOptions>,
): Array {
  const op = "random.truncatedNormal";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [lower, upper]);
  const sqrt2 = lax.convertElementType(Math.SQRT2, d);
  const lo = param(op, "lower", lower, d);
  const hi = param(op, "upper", upper, d);
  const a = lax.erf(lax.div(lo, sqrt2));
  const b = lax.erf(lax.div(hi, sqrt2));
  const out = lax.mul(sqrt2, lax.erfInv(uniformIn(op, k, s, d, a, b)));
  // Clamp into the open interval: rounding (or u = a) could land on a bound.
  const inf = Number.POSITIVE_INFINITY;
  return jnp.clip(
    out,
    lax.nextafter(lax.stopGradient(lo), inf),
    lax.nextafter(lax.stopGradient(hi), -inf),
  );
}

/** `random.exponential(key, shape = [], dtype)`: rate-1 exponential values, -log1p(-u). */
export function exponential(key: Array, shape: Shape = [], dtype?: DtypeOr<DtypeOptions>): Array {
  const op = "random.exponential";
  const [k, s, d] = start(op, key, shape, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  return exponentialIn(op, k, s, d);
}

function exponentialIn(op: string, key: Array, shape: Shape, dtype: DType): Array {
  // 1 - u lies in (0, 1], where log is finite.
  return lax.neg(lax.log1p(lax.neg(uniformIn(op, key, shape, dtype, 0, 1))));
}

/** `random.laplace(key, shape = [], dtype)`: Laplace(0, 1) values, sign(u)·log1p(-|u|). */
export function laplace(key: Array, shape: Shape = [], dtype?: DtypeOr<DtypeOptions>): Array {
  const op = "random.laplace";
  const [k, s, d] = start(op, key, shape, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const u = uniformIn(op, k, s, d, -1 + finfo(d).epsneg, 1);
  return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))));
}

/** `random.logistic(key, shape = [], dtype)`: standard logistic values, log(u) - log1p(-u). */
export function logistic(key: Array, shape: Shape = [], dtype?: DtypeOr<DtypeOptions>): Array {
  const op = "random.logistic";
  const [k, s, d] = start(op, key, shape, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const x = uniformIn(op, k, s, d, finfo(d).tiny, 1);
  return lax.sub(lax.log(x), lax.log1p(lax.neg(x)));
}

export type GumbelMode = "low" | "high";
export interface GumbelOptions {
  dtype?: DType;
  /**
   * "low" (default): -log(-log(u)) with u in [tiny, 1); "high": two uniforms
   * per value extend the range of the largest values (~16 → ~32 in float32),
   * at twice the cost.
   */
  mode?: GumbelMode;
}
const GUMBEL_KEYS: OptionKeys<GumbelOptions> = { dtype: true, mode: true };

/** `random.gumbel(key, shape = [], { dtype, mode })`: standard Gumbel values. */
export function gumbel(key: Array, shape: Shape = [], options?: DtypeOr<GumbelOptions>): Array {
  const op = "random.gumbel";
  const o = optionsOf(op, options, GUMBEL_KEYS);
  const [k, s, d] = start(op, key, shape, o.dtype);
  return gumbelIn(op, k, s, d, o.mode);
}

export function gumbelIn(
  op: string,
  key: Array,
  shape: Shape,
  dtype: DType,
  mode: GumbelMode | undefined,
): Array {
  const m = mode ?? "low";
  const info = finfo(dtype);
  if (m === "low") {
    return lax.neg(lax.log(lax.neg(lax.log(uniformIn(op, key, shape, dtype, info.tiny, 1)))));
  }
  if (m !== "high") {
    throw new Error(`${op}: mode must be "low" or "high", got ${JSON.stringify(m)}`);
  }
  const u = uniformIn(op, key, [2, ...shape], dtype, 0, 1);
  const high = lax.reshape(lax.sliceInDim(u, 0, 1, 1, 0), shape);
  const low = lax.reshape(lax.sliceInDim(u, 1, 2, 1, 0), shape);
  // Below 0.5, the low uniform fills in the bits under the high one's resolution.
  const filled = lax.add(
    lax.add(high, lax.mul(2 ** -info.nmant, low)),
    Math.max(2 ** -(2 * info.nmant + 1), info.tiny),
  );
  const x = jnp.where(lax.ge(high, 0.5), high, filled);
  return lax.neg(lax.log(lax.neg(lax.log1p(lax.neg(x)))));
}

/** `random.cauchy(key, shape = [], dtype)`: standard Cauchy values, tan(π(u - 1/2)). */
export function cauchy(key: Array, shape: Shape = [], dtype?: DtypeOr<DtypeOptions>): Array {
  const op = "random.cauchy";
  const [k, s, d] = start(op, key, shape, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const u = uniformIn(op, k, s, d, finfo(d).eps, 1);
  return lax.tan(lax.mul(Math.PI, lax.sub(u, 0.5)));
}

/** `random.pareto(key, b, shape?, dtype)`: Pareto values exp(e / b), e exponential. */
export function pareto(
  key: Array,
  b: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<DtypeOptions>,
): Array {
  const op = "random.pareto";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [b]);
  const bb = paramTo(op, "b", b, d, s);
  return lax.exp(lax.div(exponentialIn(op, k, s, d), bb));
}

/** `random.weibullMin(key, scale, concentration, shape = [], dtype)`: (-log1p(-u))^(1/c)·scale. */
export function weibullMin(
  key: Array,
  scale: ArrayLike,
  concentration: ArrayLike,
  shape: Shape = [],
  dtype?: DtypeOr<DtypeOptions>,
): Array {
  const op = "random.weibullMin";
  const [k, s, d] = start(op, key, shape, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const e = lax.neg(lax.log1p(lax.neg(uniformIn(op, k, s, d, 0, 1))));
  // As in JAX, a JS number's reciprocal is taken in doubles, then weakly typed.
  const inv = typeof concentration === "number" ? 1 / concentration : jnp.divide(1, concentration);
  return jnp.multiply(jnp.power(e, inv), scale);
}

/** `random.maxwell(key, shape = [], dtype)`: Maxwell values, the norm of 3 standard normals. */
export function maxwell(key: Array, shape: Shape = [], dtype?: DtypeOr<DtypeOptions>): Array {
  const op = "random.maxwell";
  const [k, s, d] = start(op, key, shape, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const z = normalIn(op, k, [...s, 3], d);
  return lax.sqrt(lax.reduceSum(lax.mul(z, z), [s.length]));
}
