/**
 * jax.tree / jax.tree_util additions (issue 17): key paths (flattenWithPath,
 * mapWithPath, keystr), reductions, transpose, broadcast, treedef helpers and
 * class registrations, as JAX's behave.
 */
import { describe, expect, it } from "vitest";
import { numpy as jnp, tree, treeUtil } from "../../src/index.js";

describe("key paths", () => {
  const t = { b: [1, { c: 2 }], a: 3, n: null };

  it("flattenWithPath and keystr print as JAX's", () => {
    const [pairs, def] = tree.flattenWithPath(t);
    expect(pairs.map(([p, l]) => [tree.keystr(p), l])).toEqual([
      ["['a']", 3],
      ["['b'][0]", 1],
      ["['b'][1]['c']", 2],
    ]);
    expect(def.equals(tree.structure(t))).toBe(true);
    const path = pairs[2]![0];
    expect(tree.keystr(path, { simple: true, separator: "/" })).toBe("b/1/c");
    expect(path[0]).toBeInstanceOf(tree.DictKey);
    expect(path[1]).toBeInstanceOf(tree.SequenceKey);
  });

  it("mapWithPath passes each leaf's path and the other trees' leaves", () => {
    const out = tree.mapWithPath(
      (p, x, y) => `${tree.keystr(p)}=${x + y}`,
      { u: 1, v: [2, 3] },
      { u: 10, v: [20, 30] },
    );
    expect(out).toEqual({ u: "['u']=11", v: ["['v'][0]=22", "['v'][1]=33"] });
    expect(tree.leavesWithPath([5, 6]).map(([p]) => tree.keystr(p))).toEqual(["[0]", "[1]"]);
  });

  it("registered classes: FlattenedIndexKey, or keys from registerPytreeWithKeys / registerDataclass", () => {
    class Pair {
      constructor(
        readonly x: unknown,
        readonly y: unknown,
      ) {}
    }
    tree.registerPytreeNode(
      Pair,
      (p: Pair) => [[p.x, p.y], null],
      (_a, [x, y]) => new Pair(x, y),
    );
    expect(tree.leavesWithPath(new Pair(1, 2)).map(([p]) => tree.keystr(p))).toEqual([
      "[0]",
      "[1]",
    ]);

    class Layer {
      weight = 0 as unknown;
      bias = 0 as unknown;
      name = "";
    }
    tree.registerDataclass(Layer, ["weight", "bias"], ["name"]);
    const l = Object.assign(new Layer(), { weight: 1, bias: 2, name: "dense" });
    expect(tree.leavesWithPath(l).map(([p]) => tree.keystr(p))).toEqual([".weight", ".bias"]);
    const doubled = tree.map((v: number) => v * 2, l) as Layer;
    expect(doubled).toBeInstanceOf(Layer);
    expect([doubled.weight, doubled.bias, doubled.name]).toEqual([2, 4, "dense"]);
  });
});

describe("reductions", () => {
  it("reduce folds from the left, with or without an initializer", () => {
    expect(tree.reduce((a: number, b: number) => a - b, [10, { x: 3, y: 2 }])).toBe(5);
    expect(tree.reduce((a: number, b: number) => a + b, [], 7)).toBe(7);
    expect(() => tree.reduce((a: number, b: number) => a + b, [])).toThrow(/no leaves/);
    expect(treeUtil.treeReduce((a: number, b: number) => a * b, [2, [3, 4]], 1)).toBe(24);
  });

  it("reduceAssociative pairs leaves; identity for an empty tree", () => {
    const seen: string[] = [];
    const r = tree.reduceAssociative(
      (a: string, b: string) => {
        seen.push(`${a}+${b}`);
        return `(${a}${b})`;
      },
      ["a", "b", "c", "d", "e"],
    );
    expect(r).toBe("(((ab)(cd))e)");
    expect(tree.reduceAssociative((a: number, b: number) => a + b, [], { identity: 0 })).toBe(0);
  });

  it("all reads arrays' values", () => {
    expect(tree.all([true, { a: 1 }])).toBe(true);
    expect(tree.all([true, { a: 0 }])).toBe(false);
    expect(tree.all({ x: jnp.array(true), y: jnp.array(false) })).toBe(false);
    expect(tree.all([])).toBe(true);
  });
});

describe("structures", () => {
  it("transpose swaps outer and inner structures", () => {
    const t = [
      { a: 1, b: 2 },
      { a: 3, b: 4 },
      { a: 5, b: 6 },
    ];
    const outer = tree.structure([0, 0, 0]);
    const inner = tree.structure({ a: 0, b: 0 });
    expect(tree.transpose(outer, inner, t)).toEqual({ a: [1, 3, 5], b: [2, 4, 6] });
    expect(tree.transpose(outer, null, t)).toEqual({ a: [1, 3, 5], b: [2, 4, 6] });
    expect(() => tree.transpose(outer, tree.structure([0, 0, 0]), t)).toThrow(/leaves/);
  });

  it("broadcast repeats a prefix's leaves over the full tree", () => {
    expect(tree.broadcast([1, 2], [[0, 0], { x: 0, y: [0, 0] }])).toEqual([
      [1, 1],
      { x: 2, y: [2, 2] },
    ]);
  });

  it("treedef helpers, allLeaves, isTreeNode, flattenOneLevel", () => {
    const def = tree.structure([1, { a: 2 }]);
    expect(tree.treedefIsLeaf(tree.structure(1))).toBe(true);
    expect(tree.treedefIsLeaf(def)).toBe(false);
    expect(tree.treedefChildren(def).map(String)).toEqual(["PyTreeDef(*)", "PyTreeDef({'a': *})"]);
    expect(String(tree.treedefTuple([tree.structure(1), tree.structure([1, 2])]))).toBe(
      "PyTreeDef([*, [*, *]])",
    );
    expect(tree.allLeaves([1, jnp.ones([2]), true])).toBe(true);
    expect(tree.allLeaves([1, [2]])).toBe(false);
    expect(tree.isTreeNode([1])).toBe(true);
    expect(tree.isTreeNode(jnp.ones([2]))).toBe(false);
    const [children, one] = tree.flattenOneLevel({ a: [1, 2], b: 3 });
    expect(children).toEqual([[1, 2], 3]);
    expect(one.numLeaves).toBe(2);
    expect(() => tree.flattenOneLevel(1)).toThrow(/leaf/);
  });

  it("registerPytreeNodeClass and registerStatic", () => {
    class Box {
      constructor(readonly v: unknown) {}
      treeFlatten(): [unknown[], null] {
        return [[this.v], null];
      }
      static treeUnflatten(_aux: null, [v]: unknown[]): Box {
        return new Box(v);
      }
    }
    tree.registerPytreeNodeClass(Box);
    expect(tree.leaves([new Box(4), 5])).toEqual([4, 5]);
    class Config {
      constructor(readonly lr: number) {}
    }
    tree.registerStatic(Config);
    expect(tree.leaves([new Config(0.1), 2])).toEqual([2]);
  });

  it("tree_util names alias tree's", () => {
    expect(treeUtil.treeMap((x: number) => x + 1, [1, 2])).toEqual([2, 3]);
    expect(treeUtil.treeLeaves({ b: 1, a: 2 })).toEqual([2, 1]);
    expect(treeUtil.PyTreeDef).toBe(tree.TreeDef);
    expect(treeUtil.treeFlattenWithPath).toBe(tree.flattenWithPath);
  });
});
