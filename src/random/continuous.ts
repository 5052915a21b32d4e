/**
 * More of jax.random's continuous samplers, each JAX's transform of uniform
 * or normal draws with JAX's key use: `rayleigh`, `wald`, `triangular`,
 * `lognormal`, `doubleSidedMaxwell`.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { broadcastShapes, type Shape, shapeArg } from "../shape.js";
import { rademacher } from "./discrete.js";
import { checkKey, splitList } from "./keys.js";
import {
  DTYPE_KEYS,
  type DtypeOptions,
  maxwell,
  normalIn,
  startWithParams,
  uniformIn,
} from "./samplers.js";
import { type DtypeOr, floatDtype, optionsOf, paramTo, shapeOf } from "./util.js";

export type FloatDtypeOptions = DtypeOptions;

/** `random.rayleigh(key, scale, shape?, dtype?)`: scale·sqrt(-2 log u). */
export function rayleigh(
  key: Array,
  scale: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatDtypeOptions>,
): Array {
  const op = "random.rayleigh";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [scale]);
  const u = uniformIn(op, k, s, d, 0, 1);
  const sc = paramTo(op, "scale", scale, d, s);
  return lax.mul(sc, lax.sqrt(lax.mul(lax.log(u), lax.convertElementType(-2, d))));
}

/**
 * `random.wald(key, mean, shape?, dtype?)`: inverse Gaussian values with the
 * given mean (Michael–Schucany–Haas; keys split(key) → [normal, uniform]).
 */
export function wald(
  key: Array,
  mean: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatDtypeOptions>,
): Array {
  const op = "random.wald";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [mean]);
  const [k1, k2] = splitList(k, 2) as [Array, Array];
  const mu = paramTo(op, "mean", mean, d, s);
  const v = normalIn(op, k1, s, d);
  const z = uniformIn(op, k2, s, d, 0, 1);
  const y = lax.integerPow(v, 2);
  const ySq = lax.integerPow(y, 2);
  const muSq = lax.integerPow(mu, 2);
  const sqrtTerm = lax.sqrt(lax.add(lax.mul(lax.mul(4, mu), y), lax.mul(muSq, ySq)));
  const x = lax.sub(lax.add(mu, lax.div(lax.mul(muSq, y), 2)), lax.mul(lax.div(mu, 2), sqrtTerm));
  return lax.selectN(lax.le(z, lax.div(mu, lax.add(mu, x))), lax.div(muSq, x), x);
}

/**
 * `random.triangular(key, left, mode, right, shape?, dtype?)`: values of the
 * triangular distribution on [left, right] peaking at mode (inverse CDF).
 */
export function triangular(
  key: Array,
  left: ArrayLike,
  mode: ArrayLike,
  right: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatDtypeOptions>,
): Array {
  const op = "random.triangular";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [left, mode, right]);
  const a = paramTo(op, "left", left, d, s);
  const m = paramTo(op, "mode", mode, d, s);
  const b = paramTo(op, "right", right, d, s);
  const fc = lax.div(lax.sub(m, a), lax.sub(b, a));
  const u = uniformIn(op, k, s, d, 0, 1);
  const out1 = lax.add(a, lax.sqrt(lax.mul(lax.mul(u, lax.sub(b, a)), lax.sub(m, a))));
  const out2 = lax.sub(b, lax.sqrt(lax.mul(lax.mul(lax.sub(1, u), lax.sub(b, a)), lax.sub(b, m))));
  return lax.selectN(lax.lt(u, fc), out2, out1);
}

/** `random.lognormal(key, sigma = 1, shape?, dtype?)`: exp(sigma·n), n standard normal. */
export function lognormal(
  key: Array,
  sigma: ArrayLike = 1,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatDtypeOptions>,
): Array {
  const op = "random.lognormal";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [sigma]);
  const sg = paramTo(op, "sigma", sigma, d, s);
  return lax.exp(lax.mul(normalIn(op, k, s, d), sg));
}

/**
 * `random.doubleSidedMaxwell(key, loc, scale, shape = [], dtype?)`: a
 * Maxwell value with a random sign, scaled and shifted; the result's shape
 * is shape + broadcast(loc, scale) (keys split(key) → [maxwell, sign]).
 */
export function doubleSidedMaxwell(
  key: Array,
  loc: ArrayLike,
  scale: ArrayLike,
  shape: Shape = [],
  dtype?: DtypeOr<FloatDtypeOptions>,
): Array {
  const op = "random.doubleSidedMaxwell";
  const k = checkKey(op, key);
  const d = floatDtype(op, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const params = broadcastShapes(op, shapeOf(loc), shapeOf(scale));
  const given = shapeArg(op, shape);
  const s = [...(given.length === 0 ? params : given), ...params];
  const [km, kr] = splitList(k, 2) as [Array, Array];
  const m = maxwell(km, s, d);
  const sign = rademacher(kr, s, d);
  return jnp.add(jnp.multiply(jnp.multiply(sign, m), scale), loc);
}
