/**
 * Pytree types: what a transformation does to the type of a tree. JAX maps a
 * pytree's leaves and keeps its containers; these types do the same to the
 * user's TypeScript types, so `grad`, `vmap`, `tree.map` or an optimizer's
 * `update` return the structure they were given, not `unknown`.
 *
 * The rules, matching the runtime (pytree.ts):
 * - leaves are `Array`s, JS numbers, booleans and bigints;
 * - `null`/`undefined` are empty containers (they stay as they are);
 * - JS arrays and tuples map elementwise, plain objects key by key (a
 *   `readonly` container comes back mutable, as the runtime builds new ones);
 * - an object with a method (a registered pytree class, e.g. an nn layer) is
 *   taken as a class instance: mapping it to arrays keeps its type (the runtime
 *   rebuilds the same class around the new leaves). Its number fields are
 *   static configuration, not leaves, in the layers this library defines;
 * - functions and other values are left as they are.
 *
 * Type-only: nothing here exists at runtime (the `Array` import is erased).
 */
import type { Array } from "../core/array.js";

/** Any function (`never[]` parameters accept every function type). */
export type AnyFunction = (...args: never[]) => unknown;

/** A leaf of a pytree, as the runtime sees one. */
export type LeafValue = Array | number | boolean | bigint;

/** True when some property of T is a function: T is then a class instance (a registered node). */
type HasMethods<T> = {
  [K in keyof T]-?: T[K] extends AnyFunction ? true : never;
}[keyof T] extends never
  ? false
  : true;

/** `T` with every leaf replaced by `L` (the structure-walking part of MapLeaves). */
type MapLeavesRaw<T, L> = T extends LeafValue
  ? L
  : T extends null | undefined
    ? T
    : T extends AnyFunction
      ? T
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: MapLeavesRaw<T[K], L> }
        : T extends object
          ? HasMethods<T> extends true
            ? T
            : { -readonly [K in keyof T]: MapLeavesRaw<T[K], L> }
          : T;

/**
 * `T` with every leaf replaced by `L`: the type of `tree.map(f, t)` when `f`
 * returns `L`. When T already has that type (say, a `Params` whose leaves are
 * all arrays, mapped to arrays), the result is T itself, so editors show the
 * user's own name for it.
 */
export type MapLeaves<T, L> = [T] extends [MapLeavesRaw<T, L>] ? T : MapLeavesRaw<T, L>;

/**
 * `T` with every leaf an `Array`: the type a transformation returns for a
 * tree of type T (outputs of `jit`, `vmap`, `scan`... are arrays even where
 * the function returned a JS number), and the type of a gradient with
 * respect to a parameter of type T (a JS-number parameter's gradient is an
 * `Array`, as JAX returns an array for a Python float).
 */
export type AsArrays<T> = MapLeaves<T, Array>;

/** The union of T's leaf types (`unknown` for an unknown tree). */
export type LeafOf<T> = T extends LeafValue
  ? T
  : T extends null | undefined
    ? never
    : T extends AnyFunction
      ? T
      : T extends readonly (infer E)[]
        ? LeafOf<E>
        : T extends object
          ? HasMethods<T> extends true
            ? unknown
            : LeafOf<T[keyof T]>
          : T;
