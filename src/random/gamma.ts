/**
 * jax.random's gamma family, drawn as JAX draws them: `gamma`/`loggamma`
 * split the key into one key per element and run Marsaglia–Tsang's rejection
 * loop on each (JAX's `_gamma_one`, with its key splits in the same order), so
 * with the same key the same normals and uniforms are drawn and the same
 * candidates are accepted. `beta`, `dirichlet`, `chisquare`, `f`, `t`,
 * `generalizedNormal` and `ball` are JAX's transforms of these draws.
 */
import { customJvp } from "../api/custom.js";
import { vmap } from "../api/vmap.js";
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import type { DType } from "../dtype.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { type Shape, shapeArg, sizeOf } from "../shape.js";
import { rademacher } from "./discrete.js";
import { checkKey, split, splitList } from "./keys.js";
import {
  DTYPE_KEYS,
  type DtypeOptions,
  exponential,
  normalIn,
  startWithParams,
  uniformIn,
} from "./samplers.js";
import {
  checkShape,
  type DtypeOr,
  finfo,
  floatDtype,
  optionsOf,
  param,
  paramTo,
  shapeOf,
} from "./util.js";

export type FloatOptions = DtypeOptions;

/** `lax.select(pred, onTrue, onFalse)`. */
function sel(pred: Array, onTrue: ArrayLike, onFalse: ArrayLike): Array {
  return lax.selectN(pred, onFalse, onTrue);
}

function scalar(x: number, dtype: DType): Array {
  return lax.convertElementType(x, dtype);
}

/**
 * One gamma(alpha) draw (alpha a 0-d array) from one key: JAX's `_gamma_one`.
 * Below 1, alpha is boosted to alpha + 1 and the draw scaled by u^(1/alpha).
 */
function gammaOne(key: Array, alpha: Array, logSpace: boolean): Array {
  const op = "random.gamma";
  const dtype = alpha.dtype;
  const zero = scalar(0, dtype);
  const one = scalar(1, dtype);
  const boostMask = lax.ge(alpha, one);
  const a = sel(boostMask, alpha, lax.add(alpha, one));
  const d = lax.sub(a, scalar(1 / 3, dtype));
  const c = lax.div(scalar(1 / 3, dtype), lax.sqrt(d));
  const [key0, boostKey] = splitList(key, 2) as [Array, Array];
  const uBoost = uniformIn(op, boostKey, [], dtype, 0, 1);
  type KXVU = [Array, Array, Array, Array];
  const cond = ([, X, V, U]: KXVU): Array =>
    lax.bitwiseAnd(
      lax.ge(U, lax.sub(one, lax.mul(scalar(0.0331, dtype), lax.mul(X, X)))),
      lax.ge(
        lax.log(U),
        lax.add(lax.mul(X, scalar(0.5, dtype)), lax.mul(d, lax.add(lax.sub(one, V), lax.log(V)))),
      ),
    );
  const body = ([k]: KXVU): KXVU => {
    const [next, xKey, uKey] = splitList(k, 3) as [Array, Array, Array];
    // Draw normals until v = 1 + c·x is positive.
    const [, x, v] = lax.whileLoop(
      ([, , vv]: [Array, Array, Array]) => lax.le(vv, zero),
      ([kk]: [Array, Array, Array]): [Array, Array, Array] => {
        const [kn, sub] = splitList(kk, 2) as [Array, Array];
        const xx = normalIn(op, sub, [], dtype);
        return [kn, xx, lax.add(one, lax.mul(xx, c))];
      },
      [xKey, zero, scalar(-1, dtype)] as [Array, Array, Array],
    );
    const U = uniformIn(op, uKey, [], dtype, 0, 1);
    return [next, lax.mul(x, x), lax.mul(lax.mul(v, v), v), U];
  };
  // The initial state makes cond true, so the body runs at least once.
  const [, , V] = lax.whileLoop(cond, body, [key0, zero, one, scalar(2, dtype)] as KXVU);
  if (logSpace) {
    const logBoost = sel(boostMask, zero, lax.mul(lax.log(uBoost), lax.div(one, alpha)));
    return lax.add(lax.add(lax.log(d), lax.log(V)), logBoost);
  }
  const boost = sel(boostMask, one, lax.pow(uBoost, lax.div(one, alpha)));
  const z = lax.mul(lax.mul(d, V), boost);
  return sel(lax.eq(z, zero), scalar(finfo(dtype).tiny, dtype), z);
}

/**
 * Gamma draws differentiable in a, as JAX's random_gamma_p: the implicit
 * reparameterization dx/da = -(∂CDF/∂a)/pdf(x) (∂CDF/∂a is lax.igammaGradA);
 * in log space, d log x / da = (dx/da)/x.
 */
function gammaImpl(key: Array, a: Array, logSpace: boolean): Array {
  return (logSpace ? loggammaDiff : gammaDiff)(key, a);
}

function differentiable(logSpace: boolean): (key: Array, a: Array) => Array {
  const f: (key: Array, a: Array) => Array = customJvp(function randomGamma(
    key: Array,
    a: Array,
  ): Array {
    return gammaDraw(key, a, logSpace);
  }).defjvp(([key, a], [, t]) => {
    const s = f(key as Array, a as Array);
    return [s, lax.mul(t as Array, lax.stopGradient(gammaGrad(s, a as Array, logSpace)))];
  });
  return f;
}
const gammaDiff = differentiable(false);
const loggammaDiff = differentiable(true);

function gammaGrad(sample: Array, a: Array, logSpace: boolean): Array {
  let x = sample;
  if (logSpace) {
    x = lax.exp(sample);
    x = sel(lax.eq(x, scalar(0, x.dtype)), scalar(finfo(x.dtype).tiny, x.dtype), x);
  }
  const logPdf = lax.sub(
    lax.sub(lax.mul(lax.sub(a, scalar(1, a.dtype)), lax.log(x)), x),
    lax.lgamma(a),
  );
  const dxda = lax.neg(lax.div(lax.igammaGradA(a, x), lax.exp(logPdf)));
  return logSpace ? lax.div(dxda, x) : dxda;
}

/** JAX's `_gamma_impl`: one key per element (split(key, size)), each drawn alone. */
function gammaDraw(key: Array, a: Array, logSpace: boolean): Array {
  const n = sizeOf(a.shape);
  if (n === 0) return jnp.zeros(a.shape, a.dtype);
  const keys = split(key, n);
  const alphas = lax.reshape(a, [n]);
  const draw = vmap((k: Array, al: Array) => gammaOne(k, al, logSpace));
  return lax.reshape(draw(keys, alphas), a.shape);
}

function gammaSampler(
  op: string,
  key: Array,
  a: ArrayLike,
  shape: Shape | null | undefined,
  dtype: DtypeOr<FloatOptions>,
  logSpace: boolean,
): Array {
  const k = checkKey(op, key);
  const d = floatDtype(op, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const s = shape === undefined || shape === null ? [...shapeOf(a)] : shapeArg(op, shape);
  return gammaImpl(k, paramTo(op, "a", a, d, s), logSpace);
}

/**
 * `random.gamma(key, a, shape?, dtype?)`: standard gamma values (unit
 * scale) with concentration `a`; the default shape is a's.
 */
export function gamma(
  key: Array,
  a: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatOptions>,
): Array {
  return gammaSampler("random.gamma", key, a, shape, dtype, false);
}

/**
 * `random.loggamma(key, a, shape?, dtype?)`: the log of gamma values, drawn
 * in log space (exp(loggamma(k, a)) ≈ gamma(k, a), accurate for small a).
 */
export function loggamma(
  key: Array,
  a: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatOptions>,
): Array {
  return gammaSampler("random.loggamma", key, a, shape, dtype, true);
}

/** Checked key, float dtype and shape (given, or the broadcast of the parameters'). */

/**
 * `random.beta(key, a, b, shape?, dtype?)`: Beta(a, b) values, from two
 * log-gamma draws (keys split(key)) normalized in log space.
 */
export function beta(
  key: Array,
  a: ArrayLike,
  b: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatOptions>,
): Array {
  const op = "random.beta";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [a, b]);
  const [ka, kb] = splitList(k, 2) as [Array, Array];
  const la = gammaImpl(ka, paramTo(op, "a", a, d, s), true);
  const lb = gammaImpl(kb, paramTo(op, "b", b, d, s), true);
  const m = lax.max(la, lb);
  const ga = lax.exp(lax.sub(la, m));
  const gb = lax.exp(lax.sub(lb, m));
  return lax.div(ga, lax.add(ga, gb));
}

/**
 * `random.dirichlet(key, alpha, shape?, dtype?)`: Dirichlet values over
 * alpha's last axis; the result's shape is shape + [alpha.shape[-1]]
 * (default shape: alpha's batch shape).
 */
export function dirichlet(
  key: Array,
  alpha: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatOptions>,
): Array {
  const op = "random.dirichlet";
  const k = checkKey(op, key);
  const d = floatDtype(op, optionsOf(op, dtype, DTYPE_KEYS).dtype);
  const al = param(op, "alpha", alpha, d);
  if (al.ndim < 1) {
    throw new Error(`${op}: dirichlet requires alpha.ndim >= 1, got alpha.ndim == ${al.ndim}`);
  }
  const batch = al.shape.slice(0, -1);
  const s = shape === undefined || shape === null ? batch : shapeArg(op, shape);
  checkShape(op, s, batch);
  const full = [...s, al.shape[al.ndim - 1]!];
  const lg = gammaImpl(k, jnp.broadcastTo(al, full), true);
  // JAX's _softmax: exp(x - stop_gradient(max)) normalized.
  const mx = jnp.max(lg, { axis: -1, keepdims: true });
  const e = lax.exp(jnp.subtract(lg, lax.stopGradient(mx)));
  return jnp.divide(e, jnp.sum(e, { axis: -1, keepdims: true }));
}

/** `random.chisquare(key, df, shape?, dtype?)`: chi-square values, 2·exp(loggamma(df / 2)). */
export function chisquare(
  key: Array,
  df: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatOptions>,
): Array {
  const op = "random.chisquare";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [df]);
  return chisquareIn(k, paramTo(op, "df", df, d, s));
}

function chisquareIn(key: Array, df: Array): Array {
  const two = scalar(2, df.dtype);
  const half = lax.div(df, two);
  return lax.mul(lax.exp(gammaImpl(key, half, true)), two);
}

/**
 * `random.f(key, dfnum, dfden, shape?, dtype?)`: F-distribution values, the
 * ratio of two scaled chi-squares (keys: split(key) → [den, num]).
 */
export function f(
  key: Array,
  dfnum: ArrayLike,
  dfden: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatOptions>,
): Array {
  const op = "random.f";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [dfden, dfnum]);
  const [kd, kn] = splitList(k, 2) as [Array, Array];
  const num = paramTo(op, "dfnum", dfnum, d, s);
  const den = paramTo(op, "dfden", dfden, d, s);
  const chiN = chisquareIn(kn, num);
  const chiD = chisquareIn(kd, den);
  return lax.div(lax.div(chiN, num), lax.div(chiD, den));
}

/**
 * `random.t(key, df, shape?, dtype?)`: Student's t values, n·sqrt((df/2) / g)
 * with n normal and g gamma(df / 2) (keys split(key) → [normal, gamma]).
 */
export function t(
  key: Array,
  df: ArrayLike,
  shape?: Shape | null,
  dtype?: DtypeOr<FloatOptions>,
): Array {
  const op = "random.t";
  const [k, s, d] = startWithParams(op, key, shape, dtype, [df]);
  const [kn, kg] = splitList(k, 2) as [Array, Array];
  const n = normalIn(op, kn, s, d);
  const half = lax.div(paramTo(op, "df", df, d, s), scalar(2, d));
  const g = gammaImpl(kg, half, false);
  return lax.mul(n, lax.sqrt(lax.div(half, g)));
}

/**
 * `random.generalizedNormal(key, p, shape = [], dtype?)`: values with
 * density ∝ exp(-|x|^p): a random sign times gamma(1/p)^(1/p).
 */
export function generalizedNormal(
  key: Array,
  p: number,
  shape: Shape = [],
  dtype?: DtypeOr<FloatOptions>,
): Array {
  const op = "random.generalizedNormal";
  const [k, s, d] = startWithParams(op, key, shape, dtype, []);
  return generalizedNormalIn(op, k, p, s, d);
}

function generalizedNormalIn(op: string, key: Array, p: number, s: Shape, d: DType): Array {
  if (typeof p !== "number" || !(p > 0)) {
    throw new Error(`${op}: p must be a positive number, got ${String(p)}`);
  }
  const [k1, k2] = splitList(key, 2) as [Array, Array];
  const g = gammaImpl(k1, jnp.full(s, 1 / p, d), false);
  const r = rademacher(k2, s, d);
  return lax.mul(r, jnp.power(g, 1 / p));
}

/**
 * `random.ball(key, d, p = 2, shape = [], dtype?)`: points uniform in the
 * unit Lp ball of dimension d, shape [...shape, d].
 */
export function ball(
  key: Array,
  d: number,
  p = 2,
  shape: Shape = [],
  dtype?: DtypeOr<FloatOptions>,
): Array {
  const op = "random.ball";
  if (!Number.isInteger(d) || d < 0) {
    throw new Error(`${op}: d must be a non-negative integer, got ${String(d)}`);
  }
  const [k, s, dt] = startWithParams(op, key, shape, dtype, []);
  const [k1, k2] = splitList(k, 2) as [Array, Array];
  const g = generalizedNormalIn(op, k1, p, [...s, d], dt);
  const e = exponential(k2, s, dt);
  const norm = jnp.power(lax.add(jnp.sum(jnp.power(lax.abs(g), p), { axis: -1 }), e), 1 / p);
  return jnp.divide(g, lax.expandDims(norm, [s.length]));
}
