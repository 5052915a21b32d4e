/** optax's optimizers: chains of transforms ending in a (sign-flipped) learning rate. */

import { checkOptions } from "../options.js";
import {
  chain,
  type GradientTransformation,
  identity,
  type Params,
  type ScalarOrSchedule,
  scaleByLearningRate,
} from "./transform.js";
import {
  ADAM_KEYS,
  type AdamOptions,
  addDecayedWeights,
  scaleByAdam,
  scaleByLion,
  scaleByRms,
  scaleByRss,
  scaleByStddev,
  trace,
} from "./transforms.js";

/** `optax.sgd(learning_rate, momentum=None, nesterov=False)`. */
export function sgd(
  learningRate: ScalarOrSchedule,
  options: { momentum?: number; nesterov?: boolean } = {},
): GradientTransformation {
  options = checkOptions("optax.sgd", options, { momentum: true, nesterov: true });
  const m =
    options.momentum === undefined
      ? identity()
      : trace(options.momentum, options.nesterov ?? false);
  return chain(m, scaleByLearningRate(learningRate));
}

/** `optax.adam(learning_rate, b1, b2, eps, eps_root, nesterov)`. */
export function adam(
  learningRate: ScalarOrSchedule,
  options: AdamOptions = {},
): GradientTransformation {
  options = checkOptions("optax.adam", options, ADAM_KEYS);
  return chain(scaleByAdam(options), scaleByLearningRate(learningRate));
}

/** `optax.adamw(learning_rate, b1, b2, eps, eps_root, weight_decay=1e-4, mask)`. */
export function adamw(
  learningRate: ScalarOrSchedule,
  options: AdamOptions & { weightDecay?: number; mask?: (p: Params) => Params } = {},
): GradientTransformation {
  const { weightDecay, mask, ...adamOptions } = checkOptions("optax.adamw", options, {
    ...ADAM_KEYS,
    weightDecay: true,
    mask: true,
  });
  return chain(
    scaleByAdam(adamOptions),
    addDecayedWeights(weightDecay ?? 1e-4, mask),
    scaleByLearningRate(learningRate),
  );
}

/** `optax.rmsprop(learning_rate, decay, eps, initial_scale, centered, momentum, nesterov)`. */
export function rmsprop(
  learningRate: ScalarOrSchedule,
  options: {
    decay?: number;
    eps?: number;
    initialScale?: number;
    centered?: boolean;
    momentum?: number;
    nesterov?: boolean;
  } = {},
): GradientTransformation {
  options = checkOptions("optax.rmsprop", options, {
    decay: true,
    eps: true,
    initialScale: true,
    centered: true,
    momentum: true,
    nesterov: true,
  });
  const { decay = 0.9, eps = 1e-8, initialScale = 0.0, centered = false } = options;
  return chain(
    centered ? scaleByStddev(decay, eps, initialScale) : scaleByRms(decay, eps, initialScale),
    options.momentum === undefined
      ? identity()
      : trace(options.momentum, options.nesterov ?? false),
    scaleByLearningRate(learningRate),
  );
}

/** `optax.adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7)`. */
export function adagrad(
  learningRate: ScalarOrSchedule,
  options: { initialAccumulatorValue?: number; eps?: number } = {},
): GradientTransformation {
  options = checkOptions("optax.adagrad", options, { initialAccumulatorValue: true, eps: true });
  return chain(
    scaleByRss(options.initialAccumulatorValue ?? 0.1, options.eps ?? 1e-7),
    scaleByLearningRate(learningRate),
  );
}

/** `optax.lion(learning_rate, b1=0.9, b2=0.99, weight_decay=1e-3, mask)`. */
export function lion(
  learningRate: ScalarOrSchedule,
  options: { b1?: number; b2?: number; weightDecay?: number; mask?: (p: Params) => Params } = {},
): GradientTransformation {
  options = checkOptions("optax.lion", options, {
    b1: true,
    b2: true,
    weightDecay: true,
    mask: true,
  });
  return chain(
    scaleByLion(options.b1 ?? 0.9, options.b2 ?? 0.99),
    addDecayedWeights(options.weightDecay ?? 1e-3, options.mask),
    scaleByLearningRate(learningRate),
  );
}
