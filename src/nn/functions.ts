/**
 * `jax.nn`: activation functions and friends, numerically stable the way
 * JAX's are (softmax and logsumexp subtract a stop-gradient max; softplus is
 * logaddexp(x, 0)). Built only on jnp and lax.
 */
import { customJvp } from "../api/custom.js";
import { config } from "../config.js";
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type DType, defaultFloat, isInexact } from "../dtype.js";
import { stopGradient } from "../lax/ad_util.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { checkSize, normalizeAxes, shapeArg } from "../shape.js";

type Axis = number | readonly number[] | null;

/** Integer and bool inputs become the default float, as JAX's nn functions promote. */
function inexact(x: ArrayLike, op: string): Array {
  const a = asArray(x, op, "x");
  return isInexact(a.dtype) ? a : jnp.astype(a, defaultFloat());
}

/** Zeros where `keep` is false, the tangent g elsewhere. */
const maskTangent = (keep: Array, g: Array): Array => lax.selectN(keep, jnp.zerosLike(g), g);

// JAX's relu and relu6 are custom_jvp functions (nn/functions.py): the tangent passes only
// where x > 0 (and x < 6), so the gradient is 0 at the kinks, not max's tie value 1/2.
const reluCustom: (x: Array) => Array = customJvp(function relu(x: Array): Array {
  return jnp.maximum(x, 0);
}).defjvp(([x], [g]) => [
  reluCustom(x as Array),
  maskTangent(jnp.greater(x as Array, 0), g as Array),
]);
const relu6Custom: (x: Array) => Array = customJvp(function relu6(x: Array): Array {
  return jnp.minimum(jnp.maximum(x, 0), 6);
}).defjvp(([x], [g]) => {
  const inside = jnp.logicalAnd(jnp.greater(x as Array, 0), jnp.less(x as Array, 6));
  return [relu6Custom(x as Array), maskTangent(inside, g as Array)];
});
export function relu(x: ArrayLike): Array {
  return reluCustom(asArray(x, "nn.relu", "x"));
}
export function relu6(x: ArrayLike): Array {
  return relu6Custom(asArray(x, "nn.relu6", "x"));
}
export function sigmoid(x: ArrayLike): Array {
  return lax.logistic(inexact(x, "nn.sigmoid"));
}
export function softplus(x: ArrayLike): Array {
  return jnp.logaddexp(x, 0);
}
export function softsign(x: ArrayLike): Array {
  const a = inexact(x, "nn.softsign");
  return a.div(jnp.abs(a).add(1));
}
export function silu(x: ArrayLike): Array {
  const a = inexact(x, "nn.silu");
  return a.mul(sigmoid(a));
}
export const swish = silu;
export function logSigmoid(x: ArrayLike): Array {
  return softplus(inexact(x, "nn.logSigmoid").neg()).neg();
}
export function elu(x: ArrayLike, alpha = 1.0): Array {
  const a = inexact(x, "nn.elu");
  const pos = a.gt(0);
  // expm1 only sees non-positive values, so the unused branch cannot overflow.
  return jnp.where(pos, a, jnp.expm1(jnp.where(pos, 0, a)).mul(alpha));
}
export function celu(x: ArrayLike, alpha = 1.0): Array {
  const a = inexact(x, "nn.celu");
  return jnp.maximum(a, 0).add(jnp.expm1(jnp.minimum(a, 0).div(alpha)).mul(alpha));
}
export function selu(x: ArrayLike): Array {
  const alpha = 1.6732632423543772;
  const scale = 1.0507009873554805;
  return elu(x, alpha).mul(scale);
}
/** `jax.nn.gelu(x, approximate=True)`: the tanh approximation by default, as JAX. */
export function gelu(x: ArrayLike, approximate = true): Array {
  const a = inexact(x, "nn.gelu");
  if (approximate) {
    const c = Math.sqrt(2 / Math.PI);
    const inner = a.add(a.pow(3).mul(0.044715)).mul(c);
    return a.mul(jnp.tanh(inner).add(1)).mul(0.5);
  }
  return a.mul(lax.erf(a.div(Math.SQRT2)).add(1)).div(2);
}
export function leakyRelu(x: ArrayLike, negativeSlope = 0.01): Array {
  const a = inexact(x, "nn.leakyRelu");
  return jnp.where(a.ge(0), a, a.mul(negativeSlope));
}
export function hardTanh(x: ArrayLike): Array {
  const a = inexact(x, "nn.hardTanh");
  return jnp.where(a.gt(1), 1, jnp.where(a.lt(-1), -1, a));
}
export function hardSigmoid(x: ArrayLike): Array {
  return relu6(inexact(x, "nn.hardSigmoid").add(3)).div(6);
}
export function hardSwish(x: ArrayLike): Array {
  const a = inexact(x, "nn.hardSwish");
  return a.mul(hardSigmoid(a));
}

// JAX's softmax under jax_softmax_custom_jvp (nn/functions.py _softmax): y·(ẋ - Σ y·ẋ).
// One custom function per axis, made on first use.
const softmaxByAxis = new Map<string, (x: Array) => Array>();
function softmaxCustom(axis: Axis): (x: Array) => Array {
  const key = JSON.stringify(axis);
  const made = softmaxByAxis.get(key);
  if (made !== undefined) return made;
  const f: (x: Array) => Array = customJvp(function softmax(a: Array): Array {
    const unnormalized = jnp.exp(a.sub(jnp.max(a, { axis, keepdims: true })));
    return unnormalized.div(jnp.sum(unnormalized, { axis, keepdims: true }));
  }).defjvp(([x], [t]) => {
    const [y, dx] = [f(x as Array), t as Array];
    return [y, y.mul(dx.sub(jnp.sum(y.mul(dx), { axis, keepdims: true })))];
  });
  softmaxByAxis.set(key, f);
  return f;
}

/**
 * `jax.nn.softmax(x, axis=-1)`. As JAX's by default, differentiated through
 * its definition (exp of x less its stop-gradient max, over the sum); with
 * `jax_softmax_custom_jvp` on, through the custom rule.
 */
export function softmax(x: ArrayLike, axis: Axis = -1): Array {
  const a = inexact(x, "nn.softmax");
  normalizeAxes(axis, a.ndim, "nn.softmax");
  if (config.read("jax_softmax_custom_jvp")) return softmaxCustom(axis)(a);
  const unnormalized = jnp.exp(a.sub(stopGradient(jnp.max(a, { axis, keepdims: true }))));
  return unnormalized.div(jnp.sum(unnormalized, { axis, keepdims: true }));
}

/** `jax.nn.log_softmax(x, axis=-1)`. */
export function logSoftmax(x: ArrayLike, axis: Axis = -1): Array {
  const a = inexact(x, "nn.logSoftmax");
  normalizeAxes(axis, a.ndim, "nn.logSoftmax");
  const shifted = a.sub(stopGradient(jnp.max(a, { axis, keepdims: true })));
  return shifted.sub(jnp.log(jnp.sum(jnp.exp(shifted), { axis, keepdims: true })));
}

export interface LogsumexpOptions {
  axis?: Axis;
  keepdims?: boolean;
  /** Scale factors: log(sum(b * exp(a))). */
  b?: ArrayLike;
}
const LOGSUMEXP_KEYS: OptionKeys<LogsumexpOptions> = { axis: true, keepdims: true, b: true };

/** `jax.nn.logsumexp(a, axis, b=None, keepdims=False)`, stable for large and -inf inputs. */
export function logsumexp(x: ArrayLike, options: LogsumexpOptions | Axis = {}): Array {
  const opts: LogsumexpOptions =
    options === null || typeof options === "number" || globalThis.Array.isArray(options)
      ? { axis: options as Axis }
      : checkOptions("nn.logsumexp", options as LogsumexpOptions, LOGSUMEXP_KEYS);
  const axis = opts.axis ?? null;
  let a = inexact(x, "nn.logsumexp");
  // As JAX's (ops/special.py): entries scaled by b = 0 count as -inf (no gradient, even
  // where a is inf), the sum's absolute value is logged, and a negative sum gives NaN.
  const b = opts.b === undefined ? undefined : asArray(opts.b, "nn.logsumexp", "b");
  if (b !== undefined) a = jnp.where(jnp.notEqual(b, 0), a, -Infinity);
  const amax = stopGradient(jnp.max(a, { axis, keepdims: true }));
  // An all -inf slice has max -inf: shift by 0 there instead of producing NaN.
  const shift = jnp.where(jnp.isfinite(amax), amax, 0);
  let e = jnp.exp(a.sub(shift));
  if (b !== undefined) e = e.mul(b);
  const s = jnp.sum(e, { axis, keepdims: true });
  let out = jnp.log(jnp.abs(s)).add(shift);
  if (b !== undefined) out = jnp.where(jnp.less(s, 0), Number.NaN, out);
  if (!opts.keepdims) out = jnp.squeeze(out, axis === null ? undefined : axis);
  return out;
}

/** `jax.nn.one_hot(x, num_classes, dtype=float32, axis=-1)`. */
export function oneHot(
  x: ArrayLike,
  numClasses: number,
  options: { dtype?: DType; axis?: number } = {},
): Array {
  options = checkOptions("nn.oneHot", options, { dtype: true, axis: true });
  const a = asArray(x, "nn.oneHot", "x");
  numClasses = shapeArg("nn.oneHot", [numClasses], "numClasses")[0]!;
  checkSize("nn.oneHot", [...a.shape, numClasses]);
  const axis = options.axis ?? -1;
  const classes = jnp.arange(numClasses);
  const expanded = jnp.expandDims(a, axis < 0 ? a.ndim + 1 + axis : axis);
  const shape = globalThis.Array.from({ length: a.ndim + 1 }, () => 1);
  const pos = axis < 0 ? a.ndim + 1 + axis : axis;
  shape[pos] = numClasses;
  return jnp.equal(expanded, classes.reshape(shape)).astype(options.dtype ?? jnp.float32);
}

/** `jax.nn.standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5)`. */
export function standardize(
  x: ArrayLike,
  options: { axis?: Axis; mean?: ArrayLike; variance?: ArrayLike; epsilon?: number } = {},
): Array {
  options = checkOptions("nn.standardize", options, {
    axis: true,
    mean: true,
    variance: true,
    epsilon: true,
  });
  const a = inexact(x, "nn.standardize");
  const axis = options.axis === undefined ? -1 : options.axis;
  const mean = options.mean ?? jnp.mean(a, { axis, keepdims: true });
  const variance =
    options.variance ?? jnp.mean(jnp.square(a), { axis, keepdims: true }).sub(jnp.square(mean));
  return a.sub(mean).mul(lax.rsqrt(jnp.asarray(variance).add(options.epsilon ?? 1e-5)));
}
