/**
 * `tree.map` over several trees follows JAX's tree_map: each later tree must
 * have the first tree's structure as a prefix (TreeDef.flattenUpTo, JAX's
 * flatten_up_to), and f receives the later trees' subtrees at the first
 * tree's leaves.
 */
import { describe, expect, it } from "vitest";
import * as tree from "../../src/tree/index.js";

class Pair {
  constructor(
    readonly a: unknown,
    readonly b: unknown,
    readonly tag = "p",
  ) {}
}
tree.registerPytreeNode(
  Pair,
  (p: Pair) => [[p.a, p.b], p.tag],
  (tag: string, [a, b]) => new Pair(a, b, tag),
);

describe("tree.map with later trees that have the first as a prefix", () => {
  it("passes whole subtrees of later trees where the first tree has a leaf", () => {
    const seen: unknown[] = [];
    const out = tree.map(
      (x: number, y: unknown) => {
        seen.push(y);
        return x;
      },
      [1, 2],
      [10, { b: 3, c: [4, 5] }],
    );
    expect(out).toEqual([1, 2]);
    expect(seen).toEqual([10, { b: 3, c: [4, 5] }]);
  });

  it("JAX's vmap-style use: a prefix of axes over a tree of values", () => {
    const counts = tree.map(
      (axis: number | null, sub: unknown) => `${axis}:${tree.leaves(sub).length}`,
      { w: 0, b: 1 },
      { w: [1, 2, 3], b: { x: 1 } },
    );
    expect(counts).toEqual({ w: "0:3", b: "1:1" });
  });

  it("equal structures still map leafwise, with three trees", () => {
    expect(
      tree.map(
        (a: number, b: number, c: number) => a + b + c,
        [1, { x: 2 }],
        [10, { x: 20 }],
        [100, { x: 200 }],
      ),
    ).toEqual([111, { x: 222 }]);
  });

  it("null nodes of the first tree must be null in the others", () => {
    expect(tree.map((a: number, b: unknown) => [a, b], [1, null], [[2, 3], undefined])).toEqual([
      [1, [2, 3]],
      null,
    ]);
    expect(() => tree.map((a: number) => a, [1, null], [1, 2])).toThrow(
      /at \[1\] expected null, got a leaf \(number\)/,
    );
  });

  it("registered classes match by class and aux data, and their children map", () => {
    const out = tree.map(
      (a: number, b: unknown) => [a, b],
      new Pair(1, 2),
      new Pair([3], { z: 4 }),
    );
    expect(out).toBeInstanceOf(Pair);
    expect((out as Pair).a).toEqual([1, [3]]);
    expect((out as Pair).b).toEqual([2, { z: 4 }]);
    expect(() => tree.map((a: number) => a, new Pair(1, 2), new Pair(1, 2, "q"))).toThrow(
      /expected a Pair with aux data "p"/,
    );
    expect(() => tree.map((a: number) => a, new Pair(1, 2), [1, 2])).toThrow(
      /at the root expected a Pair, got an array of 2/,
    );
  });

  it("a later tree that is not a prefix match names the path and what differs", () => {
    expect(() => tree.map((a: number) => a, [1, { x: 2 }], [1, { y: 2 }])).toThrow(
      /tree.map: argument 2 has structure .* which does not have PyTreeDef\(\[\*, \{'x': \*\}\]\) as a prefix: at \[1\] expected an object with keys \[x\], got an object with keys \[y\]/,
    );
    expect(() => tree.map((a: number) => a, [1, 2], [1])).toThrow(
      /at the root expected an array of 2, got an array of 1/,
    );
    // The first tree is not a prefix of a later leaf (the reverse direction is an error, as in JAX).
    expect(() => tree.map((a: number) => a, [[1, 2]], [3], [[4, 5]])).toThrow(
      /argument 2 .* at \[0\] expected an array of 2, got a leaf \(number\)/,
    );
  });

  it("TreeDef.flattenUpTo returns the subtrees in leaf order", () => {
    const def = tree.structure({ b: 0, a: [0, 0] });
    expect(def.flattenUpTo({ a: [1, [2, 3]], b: { c: 4 } })).toEqual([1, [2, 3], { c: 4 }]);
  });
});
