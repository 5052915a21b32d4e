/**
 * jax.random's counting samplers, with JAX's algorithms and key use:
 * `poisson` (Knuth's product of uniforms for lam < 10, Hörmann's transformed
 * rejection above), `binomial` (geometric inversion for n·q ≤ 10, BTRS
 * rejection above), `geometric` and `multinomial`. The rejection loops run
 * over the whole array with one key chain, as JAX's do, so the same key draws
 * the same uniforms as JAX.
 */
import { type Array, isArray } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import {
  checkDtype,
  type DType,
  defaultFloat,
  defaultInt,
  isFloating,
  isInteger,
} from "../dtype.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { broadcastShapes, type Shape, shapeArg } from "../shape.js";
import { checkKey, splitList } from "./keys.js";
import { uniformIn } from "./samplers.js";
import { checkShape, paramTo, shapeOf } from "./util.js";

/** `lax.select(pred, onTrue, onFalse)`. */
function sel(pred: Array, onTrue: ArrayLike, onFalse: ArrayLike): Array {
  return lax.selectN(pred, onFalse, onTrue);
}

function intDtype(op: string, dtype: DType | undefined): DType {
  const d = checkDtype(op, dtype) ?? defaultInt();
  if (!isInteger(d)) throw new Error(`${op}: dtype argument must be an int dtype, got ${dtype}`);
  return d;
}

function floatOut(op: string, dtype: DType | undefined): DType {
  const d = checkDtype(op, dtype) ?? defaultFloat();
  if (!isFloating(d)) throw new Error(`${op}: dtype argument must be a float dtype, got ${dtype}`);
  return d;
}

function shapeFor(
  op: string,
  shape: Shape | null | undefined,
  params: readonly ArrayLike[],
): Shape {
  const s =
    shape === undefined || shape === null
      ? broadcastShapes(op, ...params.map(shapeOf))
      : shapeArg(op, shape);
  checkShape(op, s, ...params.map(shapeOf));
  return s;
}

/** JAX's promote_dtypes_inexact of the parameters: their float dtype, else the default float. */
function inexact(...xs: ArrayLike[]): DType {
  for (const x of xs) if (isArray(x) && isFloating(x.dtype)) return x.dtype;
  return defaultFloat();
}

/** `x.any()` of a bool array, as a 0-d bool. */
function anyOf(x: Array): Array {
  return lax.reduceOr(x, [...x.shape.keys()]);
}

// --- poisson ------------------------------------------------------------------------

function poissonKnuth(key: Array, lam: Array, shape: Shape, dtype: DType): Array {
  const op = "random.poisson";
  type C = [Array, Array, Array];
  const negLam = lax.neg(lam);
  const [, k] = lax.whileLoop(
    ([, , logProd]: C) => anyOf(lax.gt(logProd, negLam)),
    ([rng, kk, logProd]: C): C => {
      const [next, sub] = splitList(rng, 2) as [Array, Array];
      const k1 = sel(lax.gt(logProd, negLam), lax.add(kk, lax.convertElementType(1, dtype)), kk);
      const u = uniformIn(op, sub, shape, "float32", 0, 1);
      return [next, k1, lax.add(logProd, lax.log(u))];
    },
    [key, jnp.zeros(shape, dtype), jnp.zeros(shape, "float32")] as C,
  ) as unknown as [Array, Array];
  return lax.sub(k, lax.convertElementType(1, dtype));
}

function poissonRejection(key: Array, lam: Array, shape: Shape, dtype: DType): Array {
  const op = "random.poisson";
  const logLam = lax.log(lam);
  const b = lax.add(0.931, lax.mul(2.53, lax.sqrt(lam)));
  const a = lax.add(-0.059, lax.mul(0.02483, b));
  const invAlpha = lax.add(1.1239, lax.div(1.1328, lax.sub(b, 3.4)));
  const vR = lax.sub(0.9277, lax.div(3.6224, lax.sub(b, 2)));
  type C = [Array, Array, Array];
  const [kOut] = lax.whileLoop(
    ([, accepted]: C) => anyOf(lax.bitwiseNot(accepted)),
    ([kPrev, accepted, rng]: C): C => {
      const [next, k0, k1] = splitList(rng, 3) as [Array, Array, Array];
      const u = lax.sub(uniformIn(op, k0, shape, "float32", 0, 1), 0.5);
      const v = uniformIn(op, k1, shape, "float32", 0, 1);
      const us = lax.sub(0.5, lax.abs(u));
      const k = lax.floor(
        lax.add(lax.add(lax.mul(lax.add(lax.div(lax.mul(2, a), us), b), u), lam), 0.43),
      );
      const s = lax.log(lax.div(lax.mul(v, invAlpha), lax.add(lax.div(a, lax.mul(us, us)), b)));
      const tt = lax.sub(lax.add(lax.neg(lam), lax.mul(k, logLam)), lax.lgamma(lax.add(k, 1)));
      const accept1 = lax.bitwiseAnd(lax.ge(us, 0.07), lax.le(v, vR));
      const reject = lax.bitwiseOr(lax.lt(k, 0), lax.bitwiseAnd(lax.lt(us, 0.013), lax.gt(v, us)));
      const accept = lax.bitwiseOr(accept1, lax.bitwiseAnd(lax.bitwiseNot(reject), lax.le(s, tt)));
      return [sel(accept, k, kPrev), lax.bitwiseOr(accepted, accept), next];
    },
    [jnp.full(shape, -1, "float32"), jnp.full(shape, false, "bool"), key] as C,
  );
  return lax.convertElementType(kOut, dtype);
}

/**
 * `random.poisson(key, lam, shape?, dtype = int32)`: Poisson counts with
 * rate lam (converted to float32, as JAX does); default shape: lam's.
 */
export function poisson(key: Array, lam: ArrayLike, shape?: Shape | null, dtype?: DType): Array {
  const op = "random.poisson";
  const k = checkKey(op, key);
  const d = intDtype(op, dtype);
  const s = shape === undefined || shape === null ? [...shapeOf(lam)] : shapeArg(op, shape);
  const l = paramTo(op, "lam", lam, "float32", s);
  const useKnuth = lax.bitwiseOr(lax.ne(l, l), lax.lt(l, 10));
  const lamKnuth = sel(useKnuth, l, jnp.zeros(s, "float32"));
  const lamRej = sel(useKnuth, jnp.full(s, 1e5, "float32"), l);
  const result = sel(useKnuth, poissonKnuth(k, lamKnuth, s, d), poissonRejection(k, lamRej, s, d));
  return sel(lax.eq(l, 0), jnp.zeros(s, d), result);
}

// --- binomial -----------------------------------------------------------------------

const STIRLING_TAIL = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
  0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.010411265261972,
  0.00925546218271273, 0.00833056343336287,
];

/** The tail of Stirling's series for log k!: a table for k ≤ 9, the series beyond. */
function stirlingTail(k: Array): Array {
  const table = jnp.array(STIRLING_TAIL, k.dtype);
  const useTable = lax.le(k, 9);
  const kc = lax.clamp(0, k, 9);
  const kp1 = lax.add(kc, 1);
  const kp1sq = lax.mul(kp1, kp1);
  const approx = lax.div(
    lax.sub(1 / 12, lax.div(lax.sub(1 / 360, lax.div(1 / 1260, kp1sq)), kp1sq)),
    kp1,
  );
  const idx = lax.convertElementType(lax.floor(kc), "int32");
  return sel(useTable, jnp.take(table, idx), approx);
}

function binomialInversion(key: Array, count: Array, prob: Array, shape: Shape): Array {
  const op = "random.binomial";
  const log1mp = lax.log1p(lax.neg(prob));
  type C = [Array, Array, Array];
  const [num] = lax.whileLoop(
    ([, geomSum]: C) => anyOf(lax.le(geomSum, count)),
    ([numGeom, geomSum, rng]: C): C => {
      const [sub, next] = splitList(rng, 2) as [Array, Array];
      const out = sel(lax.le(geomSum, count), lax.add(numGeom, 1), numGeom);
      const u = uniformIn(op, sub, shape, prob.dtype, 0, 1);
      // q = 0 makes log1p(-q) = -0 and the geometric draw +inf, as in JAX; written
      // out, since a 0-d -0.0 can lose its sign in a compiled loop body.
      const geom = sel(
        lax.eq(prob, 0),
        Number.POSITIVE_INFINITY,
        lax.ceil(lax.div(lax.log(u), log1mp)),
      );
      return [out, lax.add(geomSum, geom), next];
    },
    [jnp.zeros(shape, prob.dtype), jnp.zeros(shape, prob.dtype), key] as C,
  );
  return lax.sub(num, 1);
}

function btrs(key: Array, count: Array, prob: Array, shape: Shape): Array {
  const op = "random.binomial";
  const q = lax.sub(1, prob);
  const stddev = lax.sqrt(lax.mul(lax.mul(count, prob), q));
  const b = lax.add(1.15, lax.mul(2.53, stddev));
  const a = lax.add(lax.add(-0.0873, lax.mul(0.0248, b)), lax.mul(0.01, prob));
  const c = lax.add(lax.mul(count, prob), 0.5);
  const vR = lax.sub(0.92, lax.div(4.2, b));
  const r = lax.div(prob, q);
  const alpha = lax.mul(lax.add(2.83, lax.div(5.1, b)), stddev);
  const m = lax.floor(lax.mul(lax.add(count, 1), prob));
  type C = [Array, Array, Array];
  const [kOut] = lax.whileLoop(
    ([, accepted]: C) => anyOf(lax.bitwiseNot(accepted)),
    ([kPrev, accepted, rng]: C): C => {
      const [next, k0, k1] = splitList(rng, 3) as [Array, Array, Array];
      const u = lax.sub(uniformIn(op, k0, shape, prob.dtype, 0, 1), 0.5);
      const v0 = uniformIn(op, k1, shape, prob.dtype, 0, 1);
      const us = lax.sub(0.5, lax.abs(u));
      const accept1 = lax.bitwiseAnd(lax.ge(us, 0.07), lax.le(v0, vR));
      const k = lax.floor(lax.add(lax.mul(lax.add(lax.div(lax.mul(2, a), us), b), u), c));
      const reject = lax.bitwiseOr(lax.lt(k, 0), lax.gt(k, count));
      const v = lax.log(lax.div(lax.mul(v0, alpha), lax.add(lax.div(a, lax.mul(us, us)), b)));
      const cm1 = lax.add(lax.sub(count, m), 1);
      const ck1 = lax.add(lax.sub(count, k), 1);
      let ub = lax.mul(lax.add(m, 0.5), lax.log(lax.div(lax.add(m, 1), lax.mul(r, cm1))));
      ub = lax.add(ub, lax.mul(lax.add(count, 1), lax.log(lax.div(cm1, ck1))));
      ub = lax.add(ub, lax.mul(lax.add(k, 0.5), lax.log(lax.div(lax.mul(r, ck1), lax.add(k, 1)))));
      ub = lax.add(ub, stirlingTail(m));
      ub = lax.add(ub, stirlingTail(lax.sub(count, m)));
      ub = lax.sub(ub, stirlingTail(k));
      ub = lax.sub(ub, stirlingTail(lax.sub(count, k)));
      const accept = lax.bitwiseOr(accept1, lax.bitwiseAnd(lax.bitwiseNot(reject), lax.le(v, ub)));
      return [sel(accept, k, kPrev), lax.bitwiseOr(accepted, accept), next];
    },
    [jnp.full(shape, -1, prob.dtype), jnp.full(shape, false, "bool"), key] as C,
  );
  return kOut;
}

/**
 * `random.binomial(key, n, p, shape?, dtype?)`: Binomial(n, p) counts as
 * floats (float32 by default, as JAX). NaN p or NaN/negative n give NaN;
 * infinite n gives inf.
 */
export function binomial(
  key: Array,
  n: ArrayLike,
  p: ArrayLike,
  shape?: Shape | null,
  dtype?: DType,
): Array {
  const op = "random.binomial";
  const k = checkKey(op, key);
  const d = floatOut(op, dtype);
  const s = shapeFor(op, shape, [n, p]);
  const pd = inexact(p);
  const prob = paramTo(op, "p", p, pd, s);
  let count = paramTo(op, "n", n, pd, s);
  const pLtHalf = lax.lt(prob, 0.5);
  let q = sel(pLtHalf, prob, lax.sub(1, prob));
  const countNanOrNeg = lax.bitwiseOr(lax.ne(count, count), lax.lt(count, 0));
  const countInf = jnp.isinf(count);
  const qNan = lax.ne(q, q);
  const qNeg = lax.lt(q, 0);
  q = sel(lax.bitwiseOr(qNan, qNeg), jnp.full(s, 0.01, pd), q);
  const useInv = lax.bitwiseOr(countNanOrNeg, lax.le(lax.mul(count, q), 10));
  count = lax.floor(count);
  const countInv = sel(useInv, count, jnp.zeros(s, pd));
  const countBtrs = sel(useInv, jnp.full(s, 1e4, pd), count);
  const qBtrs = sel(useInv, jnp.full(s, 0.5, pd), q);
  let samples = sel(
    useInv,
    lax.convertElementType(binomialInversion(k, countInv, q, s), d),
    lax.convertElementType(btrs(k, countBtrs, qBtrs, s), d),
  );
  const invalid = lax.bitwiseOr(lax.bitwiseOr(qNeg, qNan), countNanOrNeg);
  samples = sel(invalid, jnp.full(s, Number.NaN, d), samples);
  samples = sel(
    lax.bitwiseAnd(countInf, lax.bitwiseNot(invalid)),
    jnp.full(s, Number.POSITIVE_INFINITY, d),
    samples,
  );
  const keep = lax.bitwiseOr(lax.bitwiseOr(pLtHalf, countNanOrNeg), lax.bitwiseOr(qNan, countInf));
  return sel(keep, samples, lax.sub(lax.convertElementType(count, d), samples));
}

// --- geometric, multinomial ------------------------------------------------------------

/**
 * `random.geometric(key, p, shape?, dtype = int32)`: the number of trials
 * up to the first success, floor(log u / log1p(-p)) + 1.
 */
export function geometric(key: Array, p: ArrayLike, shape?: Shape | null, dtype?: DType): Array {
  const op = "random.geometric";
  const k = checkKey(op, key);
  const d = intDtype(op, dtype);
  const s = shapeFor(op, shape, [p]);
  const pd = inexact(p);
  const pp = paramTo(op, "p", p, pd, s);
  const u = uniformIn(op, k, s, pd, 0, 1);
  const g = lax.add(lax.floor(lax.div(lax.log(u), lax.log1p(lax.neg(pp)))), 1);
  return lax.convertElementType(g, d);
}

export interface MultinomialOptions {
  /** The result's shape, categories last; broadcast-compatible with p (default: p's shape). */
  shape?: Shape | null;
  dtype?: DType;
}
const MULTINOMIAL_KEYS: OptionKeys<MultinomialOptions> = { shape: true, dtype: true };

/**
 * `random.multinomial(key, n, p, { shape, dtype })`: counts of n draws over
 * the categories on p's last axis, by successive binomials of the remaining
 * count (one key per category, split(key, k)), as JAX's.
 */
export function multinomial(
  key: Array,
  n: ArrayLike,
  p: ArrayLike,
  options: MultinomialOptions = {},
): Array {
  const op = "random.multinomial";
  const o = checkOptions(op, options, MULTINOMIAL_KEYS);
  const k = checkKey(op, key);
  const d = floatOut(op, o.dtype);
  const pa = jnp.asarray(p);
  if (pa.ndim < 1) throw new Error(`${op}: p must have at least 1 dimension`);
  const s = o.shape === undefined || o.shape === null ? [...pa.shape] : shapeArg(op, o.shape);
  if (s.length < 1) throw new Error(`${op}: shape must have at least 1 dimension`);
  const batch = s.slice(0, -1);
  const cats = s[s.length - 1]!;
  const pd = inexact(pa, n);
  const probs = jnp.moveaxis(paramTo(op, "p", pa, pd, s), -1, 0);
  const remaining = jnp.flip(jnp.cumsum(jnp.flip(probs, 0), 0), 0);
  const ratios = lax.div(probs, jnp.where(lax.eq(remaining, 0), 1, remaining));
  const keys = cats > 0 ? splitList(k, cats) : [];
  let rest = paramTo(op, "n", n, pd, batch);
  const counts: Array[] = [];
  for (let i = 0; i < cats; i++) {
    const ratio = jnp.clip(lax.reshape(lax.sliceInDim(ratios, i, i + 1, 1, 0), batch), 0, 1);
    const c = binomial(keys[i]!, rest, ratio, null, pd);
    counts.push(c);
    rest = lax.sub(rest, c);
  }
  if (cats === 0) return jnp.zeros(s, d);
  return lax.convertElementType(jnp.stack(counts, -1), d);
}
