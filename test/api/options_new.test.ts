/** The options objects of jax.named_call, ShapeDtypeStruct, tree.keystr and tree.reduceAssociative are checked. */
import { describe, expect, it } from "vitest";
import { namedCall, ShapeDtypeStruct, tree } from "../../src/index.js";

describe("new options objects are validated", () => {
  it("name the unknown key and the valid ones", () => {
    const f = (x: number) => x;
    expect(namedCall(f, { name: "g" })).toBe(f);
    expect(() => namedCall(f, { nmae: "g" } as object)).toThrow(/nmae/);
    expect(new ShapeDtypeStruct([2], "float32", { weakType: true }).weakType).toBe(true);
    expect(() => new ShapeDtypeStruct([2], "float32", { weak_type: true } as object)).toThrow(
      /weak_type/,
    );
    expect(() => tree.keystr([], { sep: "/" } as object)).toThrow(/sep/);
    expect(tree.reduceAssociative((a: number, b: number) => a + b, [1, 2, 3])).toBe(6);
    expect(() =>
      tree.reduceAssociative((a: number, b: number) => a + b, [1], { init: 0 } as object),
    ).toThrow(/init/);
  });
});
