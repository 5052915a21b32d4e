import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as tree from "../../src/tree/index.js";

class Point {
  constructor(
    readonly x: unknown,
    readonly y: unknown,
    readonly label: string,
  ) {}
}
tree.registerPytreeNode(
  Point,
  (p) => [[p.x, p.y], p.label],
  (label, [x, y]) => new Point(x, y, label),
);

describe("pytrees", () => {
  it("flattens lists, objects (sorted keys), null and registered classes", () => {
    const t = { w: [1, 2], b: 3, none: null, p: new Point(4, [5], "pt") };
    const [leaves, def] = tree.flatten(t);
    expect(leaves).toEqual([3, 4, 5, 1, 2]);
    expect(def.numLeaves).toBe(5);
    const back = def.unflatten(leaves) as typeof t;
    expect(back.w).toEqual([1, 2]);
    expect(back.none).toBeNull();
    expect(back.p).toBeInstanceOf(Point);
    expect(back.p.label).toBe("pt");
    expect(String(def)).toBe(
      "PyTreeDef({'b': *, 'none': None, 'p': CustomNode(Point[\"pt\"], [*, [*]]), 'w': [*, *]})",
    );
  });

  it("treedefs compare equal by structure, not leaves", () => {
    expect(tree.structure({ a: 1, b: [2, 3] }).equals(tree.structure({ b: [9, 9], a: 0 }))).toBe(
      true,
    );
    expect(tree.structure([1, 2]).equals(tree.structure([1, [2]]))).toBe(false);
    expect(tree.structure(new Point(1, 2, "a")).equals(tree.structure(new Point(1, 2, "b")))).toBe(
      false,
    );
  });

  it("map applies leafwise over several trees and checks structures", () => {
    expect(tree.map((a: number, b: number) => a + b, { x: 1, y: [2] }, { x: 10, y: [20] })).toEqual(
      {
        x: 11,
        y: [22],
      },
    );
    expect(() => tree.map((a: number) => a, [1], [1, 2])).toThrow(
      /tree.map: argument 2 has structure/,
    );
  });

  it("leaves and isLeaf", () => {
    expect(tree.leaves([1, [2, [3]]])).toEqual([1, 2, 3]);
    expect(tree.leaves([1, [2, [3]]], (x) => Array.isArray(x) && x.length === 1)).toEqual([
      1,
      2,
      [3],
    ]);
  });

  it("broadcastPrefix expands a prefix over the full tree", () => {
    expect(tree.broadcastPrefix([null, 0], [{ w: 1, b: 2 }, 3], "vmap inAxes")).toEqual([
      null,
      null,
      0,
    ]);
    expect(
      tree.broadcastPrefix([{ w: 0, b: null }, 1], [{ w: 1, b: 2 }, [3, 4]], "inAxes"),
    ).toEqual([null, 0, 1, 1]);
    expect(() => tree.broadcastPrefix([0, 0], [1, 2, 3], "vmap in_axes")).toThrow(
      /vmap in_axes: the prefix/,
    );
  });

  it("flatten then unflatten is the identity (property)", () => {
    const leaf = fc.oneof(fc.integer(), fc.boolean());
    const { node } = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.constant(null),
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), tie("node"), { maxKeys: 3 }),
      ),
    }));
    fc.assert(
      fc.property(node, (t) => {
        const [ls, def] = tree.flatten(t);
        expect(def.unflatten(ls)).toEqual(t);
        expect(tree.structure(def.unflatten(ls)).equals(def)).toBe(true);
      }),
    );
  });
});
