/**
 * optax's gradient-transformation API: `{ init(params), update(updates, state,
 * params?) → [updates, state] }`, composed with `chain`. States are pytrees
 * (plain objects of arrays), so they pass through `jit`, `vmap` and `scan`.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import * as jnp from "../numpy/index.js";
import * as tree from "../tree/index.js";
import type { AsArrays } from "../tree/types.js";

/** A tree of parameters, updates or gradients, as the transformations see it (any structure). */
export type Params = unknown;
/** An optimizer's state: a pytree (it passes through jit, vmap and scan), opaque to the user. */
export type OptState = unknown;
export type Schedule = (count: Array) => ArrayLike;
export type ScalarOrSchedule = number | Schedule;

/**
 * optax's `GradientTransformation`, typed by the user's trees: `update(grads,
 * state, params)` returns `[updates, state]` with the updates typed as the
 * gradients (a tree of arrays of the parameters' structure), so
 * `applyUpdates(params, updates)` gets `params`' type back.
 */
export interface GradientTransformation {
  /** The state for parameters `params` (a pytree; opaque). */
  init(params: unknown): OptState;
  /** `[updates, newState]`: the updates have the structure of `updates` (the gradients). */
  update<U>(updates: U, state: OptState, params?: unknown): [U, OptState];
}

/** A transformation as the implementations here write it: trees of any structure. */
export interface UntypedTransformation {
  init(params: Params): OptState;
  update(updates: Params, state: OptState, params?: Params): [Params, OptState];
}

/**
 * Gives an implementation the typed interface: every transformation here
 * maps the updates leafwise (or returns them), so the updates keep the
 * gradients' structure, which is what `GradientTransformation` states.
 */
export function gradientTransformation(t: UntypedTransformation): GradientTransformation {
  return t as GradientTransformation;
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
  return gradientTransformation({
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
  });
}

/** `optax.identity()`. */
export function identity(): GradientTransformation {
  return gradientTransformation({ init: () => ({}), update: (u, s) => [u, s] });
}

/** `optax.scale(stepSize)`. */
export function scale(stepSize: number): GradientTransformation {
  return gradientTransformation({
    init: () => ({}),
    update: (u, s) => [treeMap((g) => g.mul(stepSize), u), s],
  });
}

/** `optax.scale_by_schedule(fn)`: multiplies by fn(step); the step counts updates. */
export function scaleBySchedule(fn: Schedule): GradientTransformation {
  return gradientTransformation({
    init: () => ({ count: jnp.zeros([], "int32") }),
    update: (u, state) => {
      const { count } = state as { count: Array };
      const stepSize = fn(count);
      return [
        treeMap((g) => jnp.multiply(g, jnp.astype(stepSize, g.dtype)), u),
        { count: safeIncrement(count) },
      ];
    },
  });
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

/**
 * `optax.apply_updates(params, updates)`: params + updates, keeping each
 * param's dtype; typed as `params` (the updates have its structure).
 */
export function applyUpdates<P>(params: P, updates: NoInfer<AsArrays<P>>): P {
  return treeMap((p, u) => p.add(u).astype(p.dtype), params, updates) as P;
}

/** `optax.global_norm(updates)`: the l2 norm of all leaves together. */
export function globalNorm(updates: Params): Array {
  const leaves = tree.leaves(updates) as Array[];
  return jnp.sqrt(leaves.reduce((acc: Array, x) => acc.add(jnp.sum(jnp.square(x))), jnp.zeros([])));
}
