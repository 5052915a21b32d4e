/**
 * Pytrees: nested containers whose leaves are arrays and numbers. Containers
 * are JS arrays, plain objects (keys in sorted order, as JAX sorts dict keys),
 * null/undefined (no leaves, like Python's None) and registered classes.
 */

export interface NodeType<T = unknown, Aux = unknown> {
  readonly name: string;
  flatten(x: T): [children: unknown[], aux: Aux];
  unflatten(aux: Aux, children: unknown[]): T;
}

import type { LeafOf, MapLeaves } from "./types.js";

// biome-ignore lint/suspicious/noExplicitAny: a registry of classes with any constructor
type Constructor = abstract new (...args: any[]) => unknown;
const registry = new Map<Constructor, NodeType>();

/** `jax.tree_util.register_pytree_node`: make instances of `cls` containers. */
export function registerPytreeNode<T, Aux>(
  cls: abstract new (...args: never[]) => T,
  flatten: (x: T) => [unknown[], Aux],
  unflatten: (aux: Aux, children: unknown[]) => T,
): void {
  registry.set(cls as Constructor, {
    name: cls.name,
    flatten: flatten as (x: unknown) => [unknown[], unknown],
    unflatten: unflatten as (aux: unknown, children: unknown[]) => unknown,
  });
}

/** The registered node type of x's class, if any (for key paths and one-level flattening). */
export function nodeTypeOf(x: unknown): NodeType | undefined {
  if (typeof x !== "object" || x === null) return undefined;
  return registry.get((x as object).constructor as Constructor);
}

/** A plain object (not a class instance): a dict node of a pytree. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

type NodeKind = "leaf" | "none" | "list" | "dict" | "custom";

/**
 * The structure of a pytree: equal structures compare equal with `equals`.
 * `T` is the type of the tree it came from (type-only: `tree.unflatten`
 * rebuilds that type; a structure built here knows only `unknown`).
 */
export class TreeDef<T = unknown> {
  declare readonly treeType?: T;
  readonly numLeaves: number;
  constructor(
    readonly kind: NodeKind,
    readonly children: readonly TreeDef[],
    /** dict: the sorted keys; custom: [nodeType, aux]; none: "null" or "undefined" (the original). */
    readonly meta: unknown = null,
  ) {
    this.numLeaves = kind === "leaf" ? 1 : children.reduce((n, c) => n + c.numLeaves, 0);
  }

  get numNodes(): number {
    return 1 + this.children.reduce((n, c) => n + c.numNodes, 0);
  }

  equals(o: TreeDef): boolean {
    if (this === o) return true;
    if (this.kind !== o.kind || this.children.length !== o.children.length) return false;
    if (this.kind === "dict") {
      const a = this.meta as string[];
      const b = o.meta as string[];
      if (a.length !== b.length || a.some((k, i) => k !== b[i])) return false;
    } else if (this.kind === "custom") {
      const [ta, aa] = this.meta as [NodeType, unknown];
      const [tb, ab] = o.meta as [NodeType, unknown];
      if (ta !== tb || !auxEqual(aa, ab)) return false;
    }
    return this.children.every((c, i) => c.equals(o.children[i]!));
  }

  unflatten(leaves: readonly unknown[]): unknown {
    if (leaves.length !== this.numLeaves) {
      throw new Error(
        `tree.unflatten: the structure ${this} has ${this.numLeaves} leaves but ${leaves.length} were given`,
      );
    }
    let i = 0;
    const build = (t: TreeDef): unknown => {
      switch (t.kind) {
        case "leaf":
          return leaves[i++];
        case "none":
          return t.meta === "undefined" ? undefined : null;
        case "list":
          return t.children.map(build);
        case "dict": {
          const out: Record<string, unknown> = {};
          (t.meta as string[]).forEach((k, j) => {
            out[k] = build(t.children[j]!);
          });
          return out;
        }
        case "custom": {
          const [type, aux] = t.meta as [NodeType, unknown];
          return type.unflatten(aux, t.children.map(build));
        }
      }
    };
    return build(this);
  }

  /**
   * JAX's `treedef.flatten_up_to(x)`: the subtrees of x at this structure's
   * leaves, in order. x must have this structure as a prefix: the same
   * containers (lengths, keys, registered classes and their aux data) down to
   * this structure's leaves, where x may hold any subtree. `what` names x in errors.
   */
  flattenUpTo(x: unknown, what = "tree.flattenUpTo"): unknown[] {
    const out: unknown[] = [];
    const fail = (path: string, expected: string, got: unknown): never => {
      throw new Error(
        `${what} has structure ${flatten(x)[1]}, which does not have ${this} as a prefix: ` +
          `at ${path || "the root"} expected ${expected}, got ${describeNode(got)}`,
      );
    };
    const walk = (t: TreeDef, v: unknown, path: string): void => {
      switch (t.kind) {
        case "leaf":
          out.push(v);
          return;
        case "none":
          if (v !== null && v !== undefined) fail(path, "null", v);
          return;
        case "list": {
          const n = t.children.length;
          if (!globalThis.Array.isArray(v) || v.length !== n) fail(path, `an array of ${n}`, v);
          const xs = v as unknown[];
          t.children.forEach((c, i) => walk(c, xs[i], `${path}[${i}]`));
          return;
        }
        case "dict": {
          const keys = t.meta as string[];
          const expected = `an object with keys [${keys.join(", ")}]`;
          if (!isPlainObject(v)) fail(path, expected, v);
          const obj = v as Record<string, unknown>;
          const vk = Object.keys(obj).sort();
          if (vk.length !== keys.length || vk.some((k, i) => k !== keys[i])) {
            fail(path, expected, v);
          }
          t.children.forEach((c, i) => walk(c, obj[keys[i]!], `${path}['${keys[i]}']`));
          return;
        }
        case "custom": {
          const [type, aux] = t.meta as [NodeType, unknown];
          const vType =
            typeof v === "object" && v !== null
              ? registry.get((v as object).constructor as Constructor)
              : undefined;
          if (vType !== type) fail(path, `a ${type.name}`, v);
          const [children, vAux] = type.flatten(v);
          if (children.length !== t.children.length || !auxEqual(aux, vAux)) {
            fail(path, `a ${type.name} with aux data ${JSON.stringify(aux)}`, v);
          }
          t.children.forEach((c, i) => walk(c, children[i], `${path}<${i}>`));
          return;
        }
      }
    };
    walk(this, x, "");
    return out;
  }

  /** JAX's notation: PyTreeDef([*, {'b': *, 'w': *}]). */
  toString(): string {
    return `PyTreeDef(${this.repr()})`;
  }
  private repr(): string {
    switch (this.kind) {
      case "leaf":
        return "*";
      case "none":
        return "None";
      case "list":
        return `[${this.children.map((c) => c.repr()).join(", ")}]`;
      case "dict":
        return `{${(this.meta as string[]).map((k, i) => `'${k}': ${this.children[i]!.repr()}`).join(", ")}}`;
      case "custom": {
        const [type, aux] = this.meta as [NodeType, unknown];
        return `CustomNode(${type.name}[${JSON.stringify(aux) ?? ""}], [${this.children.map((c) => c.repr()).join(", ")}])`;
      }
    }
  }
}

/** A short description of a value where a structure was expected, for errors. */
function describeNode(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (globalThis.Array.isArray(x)) return `an array of ${x.length}`;
  if (isPlainObject(x)) return `an object with keys [${Object.keys(x).sort().join(", ")}]`;
  if (typeof x === "object") {
    const type = registry.get((x as object).constructor as Constructor);
    if (type) return `a ${type.name}`;
    return `a leaf (${(x as object).constructor?.name ?? "object"})`;
  }
  return `a leaf (${typeof x})`;
}

function auxEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

const LEAF = new TreeDef("leaf", []);

export type IsLeaf = (x: unknown) => boolean;

/**
 * `jax.tree_util.tree_flatten`: the leaves in order, and the structure. The
 * leaves' type is the union of T's leaf types (`LeafOf<T>`; with `isLeaf`,
 * `unknown`, since any subtree may be a leaf).
 */
export function flatten<T>(tree: T): [LeafOf<T>[], TreeDef<T>];
export function flatten<T>(tree: T, isLeaf?: IsLeaf): [unknown[], TreeDef<T>];
export function flatten(tree: unknown, isLeaf?: IsLeaf): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const walk = (x: unknown): TreeDef => {
    if (isLeaf?.(x)) {
      leaves.push(x);
      return LEAF;
    }
    if (x === null || x === undefined) return new TreeDef("none", [], String(x));
    if (globalThis.Array.isArray(x)) return new TreeDef("list", x.map(walk));
    if (isPlainObject(x)) {
      const keys = Object.keys(x).sort();
      return new TreeDef(
        "dict",
        keys.map((k) => walk(x[k])),
        keys,
      );
    }
    if (typeof x === "object") {
      const type = registry.get((x as object).constructor as Constructor);
      if (type) {
        const [children, aux] = type.flatten(x);
        return new TreeDef("custom", children.map(walk), [type, aux]);
      }
    }
    leaves.push(x);
    return LEAF;
  };
  const def = walk(tree);
  return [leaves, def];
}

/**
 * `jax.tree_util.tree_unflatten`: the tree of `treedef`'s structure with
 * these leaves, typed as the flattened tree with its leaves of type `L`.
 */
export function unflatten<T, L>(treedef: TreeDef<T>, leaves: readonly L[]): MapLeaves<T, L> {
  return treedef.unflatten(leaves) as MapLeaves<T, L>;
}

/** `jax.tree_util.tree_leaves`. */
export function leaves<T>(tree: T): LeafOf<T>[];
export function leaves<T>(tree: T, isLeaf?: IsLeaf): unknown[];
export function leaves(tree: unknown, isLeaf?: IsLeaf): unknown[] {
  return flatten(tree, isLeaf)[0];
}

/** `jax.tree_util.tree_structure`. */
export function structure<T>(tree: T, isLeaf?: IsLeaf): TreeDef<T> {
  return flatten(tree, isLeaf)[1];
}

/**
 * `jax.tree_util.tree_map` / `jax.tree.map`: applies `f` leafwise over one or
 * more trees. As in JAX, each later tree must have the first tree's structure
 * as a prefix: where the first tree has a leaf, f receives the later trees'
 * whole subtrees at that position (`tree.map((x, y) => ..., [1, 2], [a, {b, c}])`
 * calls f(2, {b, c}) second).
 *
 * Typed: f receives the first tree's leaves (`LeafOf<T>`) and the later
 * trees' leaves (exact when they have T's structure, as they usually do), and
 * the result is T with each leaf replaced by f's result (`MapLeaves<T, R>`).
 * f's parameters are checked bivariantly, as a method's are: a function
 * written for arrays (`(p: Array, g: Array) => ...`) is accepted for a tree
 * typed `unknown` or with number leaves too.
 */
export function map<T, const Rest extends readonly unknown[], R>(
  f: Leafwise<[LeafOf<T>, ...{ [K in keyof Rest]: LeafOf<Rest[K]> }], R>,
  tree: T,
  ...rest: Rest
): MapLeaves<T, R>;
export function map(f: (...xs: never[]) => unknown, tree: unknown, ...rest: unknown[]): unknown {
  const [ls, def] = flatten(tree);
  const others = rest.map((r, i) => def.flattenUpTo(r, `tree.map: argument ${i + 2}`));
  const g = f as (...xs: unknown[]) => unknown;
  return def.unflatten(ls.map((l, i) => g(l, ...others.map((o) => o[i]))));
}

/** A function of the leaves, its parameters bivariant (a method's type). */
type Leafwise<Ls extends readonly unknown[], R> = { leafwise(...xs: Ls): R }["leafwise"];

/**
 * Expands a prefix tree (e.g. vmap's inAxes) to one value per leaf of `full`:
 * each leaf of the prefix applies to the whole subtree at its position. Null
 * is a leaf of the prefix here. `what` names the prefix in errors.
 */
export function broadcastPrefix(prefix: unknown, full: unknown, what: string): unknown[] {
  const out: unknown[] = [];
  const walk = (p: unknown, f: unknown, path: string): void => {
    const isPrefixLeaf = p === null || p === undefined || typeof p !== "object" || !isContainer(p);
    if (isPrefixLeaf) {
      for (let i = 0; i < structure(f).numLeaves; i++) out.push(p ?? null);
      return;
    }
    const [pc, pdef] = shallow(p);
    const [fc, fdef] = shallow(f);
    if (pdef !== fdef || pc.length !== fc.length || !sameKeys(p, f)) {
      throw new Error(
        `${what}: the prefix ${structure(p, (x) => x === null)} does not match the structure ` +
          `of the value at ${path || "the root"}, ${structure(f)}`,
      );
    }
    pc.forEach((c, i) => walk(c, fc[i], `${path}${keyOf(p, i)}`));
  };
  walk(prefix, full, "");
  return out;
}

function isContainer(x: object): boolean {
  return (
    globalThis.Array.isArray(x) || isPlainObject(x) || registry.has(x.constructor as Constructor)
  );
}

function shallow(x: unknown): [unknown[], string] {
  if (globalThis.Array.isArray(x)) return [x, "list"];
  if (isPlainObject(x))
    return [
      Object.keys(x)
        .sort()
        .map((k) => x[k]),
      "dict",
    ];
  if (typeof x === "object" && x !== null) {
    const type = registry.get(x.constructor as Constructor);
    if (type) return [type.flatten(x)[0], type.name];
  }
  return [[], "leaf"];
}

function sameKeys(a: unknown, b: unknown): boolean {
  if (!isPlainObject(a) || !isPlainObject(b)) return true;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

function keyOf(x: unknown, i: number): string {
  if (isPlainObject(x)) return `['${Object.keys(x).sort()[i]}']`;
  return `[${i}]`;
}
