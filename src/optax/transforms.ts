/** optax's building-block transforms, with optax's update formulas. */
import type { Array } from "../core/array.js";
import { rsqrt } from "../lax/elementwise.js";
import * as jnp from "../numpy/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import {
  type GradientTransformation,
  globalNorm,
  gradientTransformation,
  type Params,
  safeIncrement,
  treeMap,
  zerosLikeTree,
} from "./transform.js";

/** (1 - decay) * g^order + decay * t, leafwise (optax's update_moment). */
function updateMoment(updates: Params, moments: Params, decay: number, order: 1 | 2): Params {
  return treeMap(
    (g, t) => (order === 1 ? g : jnp.square(g)).mul(1 - decay).add(t.mul(decay)),
    updates,
    moments,
  );
}

/** moment / (1 - decay^count), leafwise. */
function biasCorrection(moment: Params, decay: number, count: Array): Params {
  const correction = jnp.subtract(1, jnp.power(decay, count.astype("float32")));
  return treeMap((t) => t.div(correction.astype(t.dtype)), moment);
}

/** `optax.trace(decay, nesterov)`: momentum. */
export function trace(decay: number, nesterov = false): GradientTransformation {
  return gradientTransformation({
    init: (params) => ({ trace: zerosLikeTree(params) }),
    update: (u, state) => {
      const f = (g: Array, t: Array) => g.add(t.mul(decay));
      const newTrace = treeMap(f, u, (state as { trace: Params }).trace);
      const out = nesterov ? treeMap(f, u, newTrace) : newTrace;
      return [out, { trace: newTrace }];
    },
  });
}

export interface AdamOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
  nesterov?: boolean;
}
export const ADAM_KEYS: OptionKeys<AdamOptions> = {
  b1: true,
  b2: true,
  eps: true,
  epsRoot: true,
  nesterov: true,
};

interface AdamState {
  count: Array;
  mu: Params;
  nu: Params;
}

/** `optax.scale_by_adam(b1, b2, eps, eps_root, nesterov)`. */
export function scaleByAdam(options: AdamOptions = {}): GradientTransformation {
  options = checkOptions("optax.scaleByAdam", options, ADAM_KEYS);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0.0, nesterov = false } = options;
  return gradientTransformation({
    init: (params) => ({
      count: jnp.zeros([], "int32"),
      mu: zerosLikeTree(params),
      nu: zerosLikeTree(params),
    }),
    update: (u, s) => {
      const state = s as AdamState;
      const mu = updateMoment(u, state.mu, b1, 1);
      const nu = updateMoment(u, state.nu, b2, 2);
      const count = safeIncrement(state.count);
      const muHat = nesterov
        ? treeMap(
            (m, g) => m.mul(b1).add(g.mul(1 - b1)),
            biasCorrection(mu, b1, safeIncrement(count)),
            biasCorrection(u, b1, count),
          )
        : biasCorrection(mu, b1, count);
      const nuHat = biasCorrection(nu, b2, count);
      const out = treeMap((m, v) => m.div(jnp.sqrt(v.add(epsRoot)).add(eps)), muHat, nuHat);
      return [out, { count, mu, nu }];
    },
  });
}

/** `optax.scale_by_rms(decay, eps, initial_scale)`. */
export function scaleByRms(decay = 0.9, eps = 1e-8, initialScale = 0.0): GradientTransformation {
  return gradientTransformation({
    init: (params) => ({ nu: treeMap((p) => jnp.fullLike(p, initialScale), params) }),
    update: (u, s) => {
      const nu = updateMoment(u, (s as { nu: Params }).nu, decay, 2);
      return [treeMap((g, n) => g.mul(rsqrt(n.add(eps))), u, nu), { nu }];
    },
  });
}

/** `optax.scale_by_stddev(decay, eps, initial_scale)` (centered RMSProp). */
export function scaleByStddev(decay = 0.9, eps = 1e-8, initialScale = 0.0): GradientTransformation {
  return gradientTransformation({
    init: (params) => ({
      mu: zerosLikeTree(params),
      nu: treeMap((p) => jnp.fullLike(p, initialScale), params),
    }),
    update: (u, s) => {
      const st = s as { mu: Params; nu: Params };
      const mu = updateMoment(u, st.mu, decay, 1);
      const nu = updateMoment(u, st.nu, decay, 2);
      return [
        treeMap((g, m, n) => g.mul(rsqrt(n.sub(jnp.square(m)).add(eps))), u, mu, nu),
        { mu, nu },
      ];
    },
  });
}

/** `optax.scale_by_rss(initial_accumulator_value, eps)` (AdaGrad). */
export function scaleByRss(initialAccumulatorValue = 0.1, eps = 1e-7): GradientTransformation {
  return gradientTransformation({
    init: (params) => ({
      sumOfSquares: treeMap((p) => jnp.fullLike(p, initialAccumulatorValue), params),
    }),
    update: (u, s) => {
      const sumOfSquares = treeMap(
        (g, t) => jnp.square(g).add(t),
        u,
        (s as { sumOfSquares: Params }).sumOfSquares,
      );
      const out = treeMap(
        (g, t) => jnp.where(t.gt(0), rsqrt(t.add(eps)), 0).mul(g),
        u,
        sumOfSquares,
      );
      return [out, { sumOfSquares }];
    },
  });
}

/** `optax.scale_by_lion(b1, b2)`. */
export function scaleByLion(b1 = 0.9, b2 = 0.99): GradientTransformation {
  return gradientTransformation({
    init: (params) => ({ count: jnp.zeros([], "int32"), mu: zerosLikeTree(params) }),
    update: (u, s) => {
      const st = s as { count: Array; mu: Params };
      const out = treeMap((g, m) => jnp.sign(g.mul(1 - b1).add(m.mul(b1))), u, st.mu);
      const mu = updateMoment(u, st.mu, b2, 1);
      return [out, { count: safeIncrement(st.count), mu }];
    },
  });
}

/** `optax.add_decayed_weights(weight_decay, mask)`: updates + weight_decay * params. */
export function addDecayedWeights(
  weightDecay = 0.0,
  mask?: (params: Params) => Params,
): GradientTransformation {
  return gradientTransformation({
    init: () => ({}),
    update: (u, s, params) => {
      if (params === undefined) throw new Error("optax.addDecayedWeights: update needs params");
      const m = mask ? mask(params) : null;
      const decayed = treeMap((g, p) => g.add(p.mul(weightDecay)), u, params);
      if (m === null) return [decayed, s];
      return [treeMap((d, g, keep) => jnp.where(keep, d, g), decayed, u, m), s];
    },
  });
}

/** `optax.clip_by_global_norm(max_norm)`. */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation {
  return gradientTransformation({
    init: () => ({}),
    update: (u, s) => {
      const norm = globalNorm(u);
      const trigger = norm.lt(maxNorm);
      return [
        treeMap((t) => jnp.where(trigger, t, t.div(norm.astype(t.dtype)).mul(maxNorm)), u),
        s,
      ];
    },
  });
}

/** `optax.clip(max_delta)`: elementwise clipping. */
export function clip(maxDelta: number): GradientTransformation {
  return gradientTransformation({
    init: () => ({}),
    update: (u, s) => [treeMap((g) => jnp.clip(g, -maxDelta, maxDelta), u), s],
  });
}
