/** optax's learning-rate schedules: functions of the step count. */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import * as jnp from "../numpy/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Schedule } from "./transform.js";

const asF = (c: ArrayLike): Array => jnp.asarray(c).astype("float32");

export function constantSchedule(value: number): Schedule {
  return () => value;
}

/** `optax.polynomial_schedule(init, end, power, transition_steps, transition_begin)`. */
export function polynomialSchedule(
  initValue: number,
  endValue: number,
  power: number,
  transitionSteps: number,
  transitionBegin = 0,
): Schedule {
  if (transitionSteps <= 0) return () => initValue;
  return (count) => {
    const c = jnp.clip(asF(count).sub(transitionBegin), 0, transitionSteps);
    const frac = jnp.subtract(1, c.div(transitionSteps));
    return jnp
      .power(frac, power)
      .mul(initValue - endValue)
      .add(endValue);
  };
}

export function linearSchedule(
  initValue: number,
  endValue: number,
  transitionSteps: number,
  transitionBegin = 0,
): Schedule {
  return polynomialSchedule(initValue, endValue, 1, transitionSteps, transitionBegin);
}

export interface ExponentialDecayOptions {
  transitionBegin?: number;
  staircase?: boolean;
  endValue?: number;
}
const EXPONENTIAL_DECAY_KEYS: OptionKeys<ExponentialDecayOptions> = {
  transitionBegin: true,
  staircase: true,
  endValue: true,
};

/** `optax.exponential_decay(init_value, transition_steps, decay_rate, ...)`. */
export function exponentialDecay(
  initValue: number,
  transitionSteps: number,
  decayRate: number,
  options: ExponentialDecayOptions = {},
): Schedule {
  options = checkOptions("optax.exponentialDecay", options, EXPONENTIAL_DECAY_KEYS);
  const { transitionBegin = 0, staircase = false, endValue } = options;
  return (count) => {
    const c = asF(count).sub(transitionBegin);
    let p = c.div(transitionSteps);
    if (staircase) p = jnp.floor(p);
    let decayed = jnp.power(decayRate, p).mul(initValue);
    if (endValue !== undefined) {
      decayed = decayRate < 1 ? jnp.maximum(decayed, endValue) : jnp.minimum(decayed, endValue);
    }
    return jnp.where(c.le(0), initValue, decayed);
  };
}

/** `optax.cosine_decay_schedule(init_value, decay_steps, alpha, exponent)`. */
export function cosineDecaySchedule(
  initValue: number,
  decaySteps: number,
  alpha = 0.0,
  exponent = 1.0,
): Schedule {
  if (decaySteps <= 0) throw new Error("optax.cosineDecaySchedule: decaySteps must be positive");
  return (count) => {
    const c = jnp.minimum(asF(count), decaySteps);
    const cosine = jnp
      .cos(c.mul(Math.PI / decaySteps))
      .add(1)
      .mul(0.5);
    return jnp
      .power(cosine, exponent)
      .mul(1 - alpha)
      .add(alpha)
      .mul(initValue);
  };
}

/** `optax.join_schedules(schedules, boundaries)`. */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  return (count) => {
    const c = jnp.asarray(count);
    let out = jnp.asarray(schedules[0]!(c));
    boundaries.forEach((b, i) => {
      out = jnp.where(c.lt(b), out, schedules[i + 1]!(c.sub(b)));
    });
    return out;
  };
}

/** `optax.warmup_cosine_decay_schedule(init, peak, warmup_steps, decay_steps, end_value, exponent)`. */
export function warmupCosineDecaySchedule(
  initValue: number,
  peakValue: number,
  warmupSteps: number,
  decaySteps: number,
  endValue = 0.0,
  exponent = 1.0,
): Schedule {
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  return joinSchedules(
    [
      linearSchedule(initValue, peakValue, warmupSteps),
      cosineDecaySchedule(peakValue, decaySteps - warmupSteps, alpha, exponent),
    ],
    [warmupSteps],
  );
}

/** `optax.piecewise_constant_schedule(init_value, {boundary: scale})`. */
export function piecewiseConstantSchedule(
  initValue: number,
  boundariesAndScales: Record<number, number> = {},
): Schedule {
  const entries = Object.entries(boundariesAndScales)
    .map(([b, s]) => [Number(b), s] as const)
    .sort((a, b) => a[0] - b[0]);
  return (count) => {
    const c = asF(count);
    let v: Array = jnp.asarray(initValue);
    for (const [threshold, s] of entries) {
      const indicator = jnp.maximum(0, jnp.sign(jnp.subtract(threshold, c)));
      v = v.mul(indicator).add(jnp.subtract(1, indicator).mul(s).mul(v));
    }
    return v;
  };
}
