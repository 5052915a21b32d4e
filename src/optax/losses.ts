/** optax's losses, with optax's formulas (so values match optax's to float rounding). */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import { stopGradient } from "../lax/ad_util.js";
import { logSigmoid, logSoftmax } from "../nn/functions.js";
import * as jnp from "../numpy/index.js";

/** `optax.sigmoid_binary_cross_entropy(logits, labels)`: elementwise, labels in [0, 1]. */
export function sigmoidBinaryCrossEntropy(logits: ArrayLike, labels: ArrayLike): Array {
  const logP = logSigmoid(logits);
  const logNotP = logSigmoid(jnp.negative(logits));
  return jnp.subtract(
    jnp.negative(jnp.multiply(labels, logP)),
    jnp.multiply(jnp.subtract(1.0, labels), logNotP),
  );
}

/** `optax.softmax_cross_entropy(logits, labels)`: labels are probabilities over the last axis. */
export function softmaxCrossEntropy(logits: ArrayLike, labels: ArrayLike): Array {
  return jnp.negative(jnp.sum(jnp.multiply(labels, logSoftmax(logits, -1)), -1));
}

/** `optax.softmax_cross_entropy_with_integer_labels(logits, labels)`. */
export function softmaxCrossEntropyWithIntegerLabels(logits: ArrayLike, labels: ArrayLike): Array {
  const l = jnp.asarray(logits);
  const shifted = l.sub(stopGradient(jnp.max(l, { axis: -1, keepdims: true })));
  const idx = jnp.expandDims(jnp.asarray(labels), -1);
  const labelLogits = jnp.squeeze(jnp.takeAlongAxis(shifted, idx, -1), -1);
  const logNormalizers = jnp.log(jnp.sum(jnp.exp(shifted), -1));
  return logNormalizers.sub(labelLogits);
}

/** `optax.squared_error(predictions, targets=None)`. */
export function squaredError(predictions: ArrayLike, targets?: ArrayLike): Array {
  const errors =
    targets === undefined ? jnp.asarray(predictions) : jnp.subtract(predictions, targets);
  return errors.pow(2);
}

/** `optax.l2_loss(predictions, targets=None)`: half the squared error. */
export function l2Loss(predictions: ArrayLike, targets?: ArrayLike): Array {
  return squaredError(predictions, targets).mul(0.5);
}

/** `optax.huber_loss(predictions, targets=None, delta=1.0)`. */
export function huberLoss(predictions: ArrayLike, targets?: ArrayLike, delta = 1.0): Array {
  const errors =
    targets === undefined ? jnp.asarray(predictions) : jnp.subtract(predictions, targets);
  const absErrors = jnp.abs(errors);
  const quadratic = jnp.minimum(absErrors, delta);
  const linear = absErrors.sub(quadratic);
  return quadratic.pow(2).mul(0.5).add(linear.mul(delta));
}
