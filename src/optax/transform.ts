/**
 * optax's gradient-transformation API: `{ init(params), update(updates, state,
 * params?) → [updates, state] }`, composed with `chain`. States are pytrees
 * (plain objects of arrays), so they pass through `jit`, `vmap` and `scan`.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import * as jnp from "../numpy/index.js";
import * as tree from "../tree/index.js";

export type Params = unknown;
export type OptState = unknown;
export type Schedule = (count: Array) => ArrayLike;
export type ScalarOrSchedule = number | Schedule;

export interface GradientTransformation {
  init(params: Params): OptState;
  update(updates: Params, state: OptState, params?: Params): [Params, OptState];
}

/** Maps over the array leaves of one or more trees of the same structure. */
export function treeMap<T = Array>(
  f: (...xs: Array[]) => T,
  t: unknown,
  ...rest: unknown[]
): unknown {
  return tree.map(f as (...xs: never[]) => unknown, t, ...rest);
}

export function zerosLikeTree(t: unknown): unknown {
  return treeMap((x) => jnp.zerosLike(x), t);
}

/** count + 1, saturating at the int32 maximum (optax's safe_increment). */
export function safeIncrement(count: Array): Array {
  const max = 2147483647;
  return jnp.where(count.lt(max), count.add(1), max).astype("int32");
}

/** `optax.chain(...transforms)`. */
export function chain(...transforms: GradientTransformation[]): GradientTransformation {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update: (updates, state, params) => {
      const states = state as OptState[];
      const next: OptState[] = [];
      let u = updates;
      transforms.forEach((t, i) => {
        const [nu, ns] = t.update(u, states[i], params);
        u = nu;
        next.push(ns);
      });
      return [u, next];
    },
  };
}

/** `optax.identity()`. */
export function identity(): GradientTransformation {
  return { init: () => ({}), update: (u, s) => [u, s] };
}

/** `optax.scale(stepSize)`. */
export function scale(stepSize: number): GradientTransformation {
  return { init: () => ({}), update: (u, s) => [treeMap((g) => g.mul(stepSize), u), s] };
}

/** `optax.scale_by_schedule(fn)`: multiplies by fn(step); the step counts updates. */
export function scaleBySchedule(fn: Schedule): GradientTransformation {
  return {
    init: () => ({ count: jnp.zeros([], "int32") }),
    update: (u, state) => {
      const { count } = state as { count: Array };
      const stepSize = fn(count);
      return [
        treeMap((g) => jnp.multiply(g, jnp.astype(stepSize, g.dtype)), u),
        { count: safeIncrement(count) },
      ];
    },
  };
}

/** `optax.scale_by_learning_rate(lr, flip_sign=True)`. */
export function scaleByLearningRate(
  learningRate: ScalarOrSchedule,
  flipSign = true,
): GradientTransformation {
  const m = flipSign ? -1 : 1;
  if (typeof learningRate === "function")
    return scaleBySchedule((c) => jnp.multiply(learningRate(c), m));
  return scale(m * learningRate);
}

/** `optax.apply_updates(params, updates)`: params + updates, keeping each param's dtype. */
export function applyUpdates(params: Params, updates: Params): Params {
  return treeMap((p, u) => p.add(u).astype(p.dtype), params, updates);
}

/** `optax.global_norm(updates)`: the l2 norm of all leaves together. */
export function globalNorm(updates: Params): Array {
  const leaves = tree.leaves(updates) as Array[];
  return jnp.sqrt(leaves.reduce((acc: Array, x) => acc.add(jnp.sum(jnp.square(x))), jnp.zeros([])));
}
