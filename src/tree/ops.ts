/**
 * More of `jax.tree` / `jax.tree_util`: reductions over leaves (`reduce`,
 * `all`, `reduceAssociative`), `transpose` and `broadcast` of structures,
 * treedef helpers, one-level flattening, and the class registrations
 * (`registerPytreeNodeClass`, `registerStatic`, `registerDataclass`).
 */

import { checkOptions } from "../options.js";
import { childrenWithKeys, GetAttrKey, type KeyEntry, registerPytreeWithKeys } from "./keys.js";
import {
  broadcastPrefix,
  flatten,
  type IsLeaf,
  leaves,
  registerPytreeNode,
  structure,
  TreeDef,
} from "./pytree.js";
import type { LeafOf } from "./types.js";

const NO_INIT: unique symbol = Symbol("noInitializer");

/**
 * `jax.tree_util.tree_reduce(f, tree, initializer?, is_leaf?)`: f folded
 * over the leaves from the left (functools.reduce); an empty tree without an
 * initializer is an error.
 */
export function reduce<T, A>(
  f: (acc: A, leaf: LeafOf<T>) => A,
  tree: T,
  initializer?: A,
  isLeaf?: IsLeaf,
): A {
  const ls = leaves(tree, isLeaf) as LeafOf<T>[];
  // JAX's initializer=None is "none given": so is undefined here.
  let acc: A | typeof NO_INIT = initializer !== undefined ? initializer : NO_INIT;
  for (const l of ls) acc = acc === NO_INIT ? (l as unknown as A) : f(acc, l);
  if (acc === NO_INIT) {
    throw new TypeError("tree.reduce: reduce() of a tree with no leaves and no initializer");
  }
  return acc;
}

export interface ReduceAssociativeOptions<A> {
  /** Returned for a tree with no leaves (otherwise an error). */
  identity?: A;
  isLeaf?: IsLeaf;
}

/**
 * `jax.tree_util.tree_reduce_associative(op, tree, identity=None, is_leaf=None)`:
 * op over the leaves as a balanced tree of pairs (op must be associative).
 */
export function reduceAssociative<T, A>(
  op: (a: A, b: A) => A,
  tree: T,
  options: ReduceAssociativeOptions<A> = {},
): A {
  checkOptions("tree.reduceAssociative", options, { identity: true, isLeaf: true });
  let level = leaves(tree, options.isLeaf) as unknown as A[];
  if (level.length === 0) {
    if ("identity" in options) return options.identity as A;
    throw new TypeError("tree.reduceAssociative: a tree with no leaves needs an identity");
  }
  while (level.length > 1) {
    const next: A[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(op(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** `jax.tree_util.tree_all(tree, is_leaf=None)`: whether every leaf is truthy. */
export function all(tree: unknown, isLeaf?: IsLeaf): boolean {
  return leaves(tree, isLeaf).every((l) => {
    const v = l as { item?: () => unknown } | null;
    if (typeof v === "object" && v !== null && typeof v.item === "function")
      return Boolean(v.item());
    return Boolean(l);
  });
}

/**
 * `jax.tree_util.tree_transpose(outer_treedef, inner_treedef, tree)`: a tree
 * of outer structure whose leaves are trees of inner structure becomes a tree
 * of inner structure whose leaves are trees of outer structure. innerTreedef
 * null infers it from the first inner tree.
 */
export function transpose(
  outerTreedef: TreeDef,
  innerTreedef: TreeDef | null,
  tree: unknown,
): unknown {
  const inner = innerTreedef ?? structure(outerTreedef.flattenUpTo(tree, "tree.transpose")[0]);
  const flat = leaves(tree);
  const nIn = inner.numLeaves;
  const nOut = outerTreedef.numLeaves;
  if (flat.length !== nIn * nOut) {
    throw new TypeError(
      `tree.transpose: the tree has ${flat.length} leaves, but ${outerTreedef} with ${inner} ` +
        `as leaves has ${nIn * nOut}`,
    );
  }
  const columns: unknown[][] = [];
  for (let j = 0; j < nIn; j++) {
    const col: unknown[] = [];
    for (let i = 0; i < nOut; i++) col.push(flat[i * nIn + j]);
    columns.push(col);
  }
  return inner.unflatten(columns.map((c) => outerTreedef.unflatten(c)));
}

/**
 * `jax.tree.broadcast(prefix_tree, full_tree, is_leaf=None)`: the prefix
 * tree's leaves repeated over the matching subtrees of full_tree, giving a
 * tree of full_tree's structure.
 */
export function broadcast(prefixTree: unknown, fullTree: unknown, isLeaf?: IsLeaf): unknown {
  const def = structure(fullTree, isLeaf);
  if (isLeaf === undefined)
    return def.unflatten(broadcastPrefix(prefixTree, fullTree, "tree.broadcast"));
  const [ls] = flatten(fullTree, isLeaf);
  const pre = structure(prefixTree);
  const subtrees = pre.flattenUpTo(def.unflatten(ls.map(() => 0)), "tree.broadcast");
  const prefixLeaves = leaves(prefixTree);
  const out: unknown[] = [];
  subtrees.forEach((s, i) => {
    for (let k = 0; k < structure(s).numLeaves; k++) out.push(prefixLeaves[i]);
  });
  return def.unflatten(out);
}

/** `jax.tree_util.treedef_is_leaf(treedef)`: whether the structure is a single node. */
export function treedefIsLeaf(treedef: TreeDef): boolean {
  return treedef.numNodes === 1;
}

/** `jax.tree_util.treedef_children(treedef)`: the structures of the root's children. */
export function treedefChildren(treedef: TreeDef): TreeDef[] {
  return [...treedef.children];
}

/** `jax.tree_util.treedef_tuple(treedefs)`: the structure of a sequence of these structures. */
export function treedefTuple(treedefs: Iterable<TreeDef>): TreeDef {
  return new TreeDef("list", [...treedefs]);
}

/** `jax.tree_util.all_leaves(iterable, is_leaf=None)`: whether every item is a leaf. */
export function allLeaves(iterable: Iterable<unknown>, isLeaf?: IsLeaf): boolean {
  for (const x of iterable) {
    if (isLeaf?.(x)) continue;
    if (structure(x).kind !== "leaf") return false;
  }
  return true;
}

/** `jax.tree_util.is_tree_node(x)`: whether x is a container (not a leaf). */
export function isTreeNode(x: unknown): boolean {
  return childrenWithKeys(x) !== null;
}

/**
 * `jax.tree_util.flatten_one_level(tree)`: the root's children and its
 * structure with those children as leaves; a leaf is an error.
 */
export function flattenOneLevel(tree: unknown): [unknown[], TreeDef] {
  const kids = childrenWithKeys(tree);
  if (kids === null) throw new TypeError(`tree.flattenOneLevel: got a leaf (${String(tree)})`);
  const children = kids.map(([, c]) => c);
  const ids = new Set(children);
  return [children, structure(tree, (x) => ids.has(x) && x !== tree)];
}

/** `jax.tree_util.flatten_one_level_with_keys(tree)`: as flattenOneLevel, with each child's key. */
export function flattenOneLevelWithKeys(tree: unknown): [[unknown, unknown][], TreeDef] {
  const kids = childrenWithKeys(tree);
  if (kids === null)
    throw new TypeError(`tree.flattenOneLevelWithKeys: got a leaf (${String(tree)})`);
  const [, def] = flattenOneLevel(tree);
  return [kids, def];
}

/** A class with JAX's `tree_flatten` method and static `tree_unflatten`. */
export interface PytreeNodeClass<T, Aux> {
  new (...args: never[]): T;
  treeUnflatten(aux: Aux, children: unknown[]): T;
}

/**
 * `jax.tree_util.register_pytree_node_class(cls)`: registers a class whose
 * instances have `treeFlatten(): [children, aux]` and which has a static
 * `treeUnflatten(aux, children)`. Returns the class (usable as a decorator).
 */
export function registerPytreeNodeClass<T extends { treeFlatten(): [unknown[], Aux] }, Aux>(
  cls: PytreeNodeClass<T, Aux>,
): PytreeNodeClass<T, Aux> {
  registerPytreeNode(
    cls,
    (x: T) => x.treeFlatten(),
    (aux: Aux, children: unknown[]) => cls.treeUnflatten(aux, children),
  );
  return cls;
}

/**
 * `jax.tree_util.register_pytree_with_keys_class(cls)`: as
 * registerPytreeNodeClass, the instances flattening with keys through
 * `treeFlattenWithKeys(): [[key, child][], aux]`.
 */
export function registerPytreeWithKeysClass<
  T extends { treeFlattenWithKeys(): [[KeyEntry, unknown][], Aux] },
  Aux,
>(cls: PytreeNodeClass<T, Aux>): PytreeNodeClass<T, Aux> {
  registerPytreeWithKeys(
    cls,
    (x: T) => x.treeFlattenWithKeys(),
    (aux: Aux, children: unknown[]) => cls.treeUnflatten(aux, children),
  );
  return cls;
}

/**
 * `jax.tree_util.register_static(cls)`: instances of cls are nodes without
 * children (the instance is its own aux data): a structure, never a leaf.
 */
export function registerStatic<T>(cls: abstract new (...args: never[]) => T): typeof cls {
  registerPytreeNode(
    cls,
    (x: T): [unknown[], T] => [[], x],
    (aux: T) => aux,
  );
  return cls;
}

/**
 * `jax.tree_util.register_dataclass(cls, data_fields, meta_fields)`: the
 * data fields are children (keys `.field`), the meta fields static aux data;
 * unflatten builds the object without calling its constructor.
 */
export function registerDataclass<T extends object>(
  cls: abstract new (...args: never[]) => T,
  dataFields: readonly string[],
  metaFields: readonly string[],
): typeof cls {
  const get = (x: T, f: string) => (x as Record<string, unknown>)[f];
  registerPytreeWithKeys(
    cls,
    (x: T): [[GetAttrKey, unknown][], unknown[]] => [
      dataFields.map((f) => [new GetAttrKey(f), get(x, f)]),
      metaFields.map((f) => get(x, f)),
    ],
    (aux: unknown[], children: unknown[]): T => {
      const obj = Object.create(cls.prototype) as Record<string, unknown>;
      dataFields.forEach((f, i) => {
        obj[f] = children[i];
      });
      metaFields.forEach((f, i) => {
        obj[f] = aux[i];
      });
      return obj as T;
    },
  );
  return cls;
}
