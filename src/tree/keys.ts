/**
 * Key paths of pytrees, as `jax.tree_util`'s: each leaf is reached by a path
 * of keys — `SequenceKey` (an array index), `DictKey` (an object key),
 * `GetAttrKey` (a named field of a registered class) or `FlattenedIndexKey`
 * (the i-th child of a registered class without keys) — printed by `keystr`
 * as JAX prints them (`[0]['w'].bias`).
 */

import { checkOptions } from "../options.js";
import {
  flatten,
  type IsLeaf,
  isPlainObject,
  nodeTypeOf,
  registerPytreeNode,
  type TreeDef,
} from "./pytree.js";
import type { LeafOf, MapLeaves } from "./types.js";

/** An array index in a key path: `[i]`. */
export class SequenceKey {
  constructor(readonly idx: number) {}
  toString(): string {
    return `[${this.idx}]`;
  }
}
/** An object key in a key path: `['k']`. */
export class DictKey {
  constructor(readonly key: string | number) {}
  toString(): string {
    return typeof this.key === "string" ? `['${this.key}']` : `[${this.key}]`;
  }
}
/** A named field of a registered class in a key path: `.name`. */
export class GetAttrKey {
  constructor(readonly name: string) {}
  toString(): string {
    return `.${this.name}`;
  }
}
/** The i-th child of a registered class without keys: `[i]`. */
export class FlattenedIndexKey {
  constructor(readonly key: number) {}
  toString(): string {
    return `[${this.key}]`;
  }
}

export type KeyEntry = SequenceKey | DictKey | GetAttrKey | FlattenedIndexKey;
export type KeyPath = readonly KeyEntry[];

// biome-ignore lint/suspicious/noExplicitAny: a registry of classes with any constructor
type Constructor = abstract new (...args: any[]) => unknown;
const keyFlatteners = new Map<Constructor, (x: unknown) => [[KeyEntry, unknown][], unknown]>();

/**
 * `jax.tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten,
 * flatten?)`: a container class whose children carry keys (for paths).
 */
export function registerPytreeWithKeys<T, Aux>(
  cls: abstract new (...args: never[]) => T,
  flattenWithKeys: (x: T) => [[KeyEntry, unknown][], Aux],
  unflatten: (aux: Aux, children: unknown[]) => T,
  flatten?: (x: T) => [unknown[], Aux],
): void {
  const plain =
    flatten ??
    ((x: T): [unknown[], Aux] => {
      const [kc, aux] = flattenWithKeys(x);
      return [kc.map(([, c]) => c), aux];
    });
  registerPytreeNode(cls, plain, unflatten);
  keyFlatteners.set(
    cls as Constructor,
    flattenWithKeys as (x: unknown) => [[KeyEntry, unknown][], unknown],
  );
}

/**
 * One level of a pytree node: its children with their keys, or null for a leaf
 * (null and undefined are nodes without children, as Python's None).
 */
export function childrenWithKeys(x: unknown): [KeyEntry, unknown][] | null {
  if (x === null || x === undefined) return [];
  if (globalThis.Array.isArray(x)) return x.map((c, i) => [new SequenceKey(i), c]);
  if (isPlainObject(x)) {
    return Object.keys(x)
      .sort()
      .map((k) => [new DictKey(k), x[k]]);
  }
  const type = nodeTypeOf(x);
  if (type === undefined) return null;
  const withKeys = keyFlatteners.get((x as object).constructor as Constructor);
  if (withKeys !== undefined) return withKeys(x)[0];
  return type.flatten(x)[0].map((c, i) => [new FlattenedIndexKey(i), c]);
}

/** `jax.tree_util.tree_flatten_with_path`: [(path, leaf)...] in leaf order, and the structure. */
export function flattenWithPath<T>(tree: T, isLeaf?: IsLeaf): [[KeyPath, LeafOf<T>][], TreeDef<T>] {
  const out: [KeyPath, unknown][] = [];
  const walk = (x: unknown, path: KeyEntry[]): void => {
    const kids = isLeaf?.(x) ? null : childrenWithKeys(x);
    if (kids === null) {
      out.push([path, x]);
      return;
    }
    for (const [k, c] of kids) walk(c, [...path, k]);
  };
  walk(tree, []);
  return [out as [KeyPath, LeafOf<T>][], flatten(tree, isLeaf)[1]];
}

/** `jax.tree_util.tree_leaves_with_path`: [(path, leaf)...] in leaf order. */
export function leavesWithPath<T>(tree: T, isLeaf?: IsLeaf): [KeyPath, LeafOf<T>][] {
  return flattenWithPath(tree, isLeaf)[0];
}

/**
 * `jax.tree_util.tree_map_with_path(f, tree, *rest)`: f(path, leaf, ...the
 * other trees' subtrees at that leaf), rebuilt with tree's structure.
 */
export function mapWithPath<T, const Rest extends readonly unknown[], R>(
  f: (path: KeyPath, leaf: LeafOf<T>, ...rest: { [K in keyof Rest]: LeafOf<Rest[K]> }) => R,
  tree: T,
  ...rest: Rest
): MapLeaves<T, R> {
  const [pairs, def] = flattenWithPath(tree);
  const others = rest.map((r, i) => def.flattenUpTo(r, `tree.mapWithPath: argument ${i + 3}`));
  const g = f as unknown as (path: KeyPath, leaf: unknown, ...xs: unknown[]) => unknown;
  return def.unflatten(pairs.map(([p, l], i) => g(p, l, ...others.map((o) => o[i])))) as MapLeaves<
    T,
    R
  >;
}

export interface KeystrOptions {
  /** Keys without brackets or quotes (`0`, `w`, `bias`). */
  simple?: boolean;
  /** Put between keys (default ""). */
  separator?: string;
}

/** `jax.tree_util.keystr(path, simple=False, separator="")`: a path as text, `[0]['w']`. */
export function keystr(path: KeyPath, options: KeystrOptions = {}): string {
  checkOptions("tree.keystr", options, { simple: true, separator: true });
  const simple = options.simple ?? false;
  const sep = options.separator ?? "";
  return path
    .map((k) => {
      if (!simple) return k.toString();
      if (k instanceof SequenceKey) return String(k.idx);
      if (k instanceof DictKey) return String(k.key);
      if (k instanceof GetAttrKey) return k.name;
      return String(k.key);
    })
    .join(sep);
}
