/**
 * What the strictness clean-up (noUncheckedIndexedAccess, one object-id map,
 * a nominal Zero) must keep true: identity numbers, the narrowing of
 * tangents, and the scalar helpers that were rewritten to satisfy the flag.
 */
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../src/core/aval.js";
import { objectId } from "../../src/core/object_id.js";
import { type Tangent, Zero } from "../../src/core/primitive.js";
import { numpy as jnp } from "../../src/index.js";
import { nextafter32, nextafter64 } from "../../src/ir/special.js";
import { isZero } from "../../src/lax/ad_util.js";

describe("objectId", () => {
  it("is stable per object and distinct across objects", () => {
    const a = {};
    const b = () => 0;
    const c = [1];
    const ids = [objectId(a), objectId(b), objectId(c)];
    expect(new Set(ids).size).toBe(3);
    expect([objectId(a), objectId(b), objectId(c)]).toEqual(ids);
    // A structurally equal object is still another object.
    expect(objectId({})).not.toBe(objectId(a));
  });
});

describe("Zero is nominal", () => {
  it("isZero narrows a Tangent to Zero or to an Array", () => {
    const x = jnp.array([1, 2]);
    const tangents: Tangent[] = [x, new Zero(new ShapedArray([2], "float32"))];
    // As rules receive them: destructured, so possibly undefined.
    const seen = tangents.map((_, i) => {
      const [t] = tangents.slice(i);
      if (isZero(t)) return `zero ${t.aval.shape.join("x")}`;
      // Compiles only because an Array is not a Zero to the type checker
      // (with a structural Zero, the narrowing left Array | Zero).
      const arr: typeof x = t!;
      return `array ${arr.shape.join("x")}`;
    });
    expect(seen).toEqual(["array 2", "zero 2"]);
  });
});

describe("nextafter", () => {
  it("steps one float32 ulp away from and toward zero", () => {
    expect(nextafter32(1, 2)).toBe(1 + 2 ** -23);
    expect(nextafter32(1, 0)).toBe(1 - 2 ** -24);
    expect(nextafter32(-1, -2)).toBe(-(1 + 2 ** -23));
    expect(nextafter32(-1, 0)).toBe(-(1 - 2 ** -24));
    expect(nextafter32(2 ** -149, 0)).toBe(0);
    expect(nextafter32(0, -1)).toBe(-(2 ** -149));
  });

  it("steps one float64 ulp away from and toward zero", () => {
    expect(nextafter64(1, 2)).toBe(1 + Number.EPSILON);
    expect(nextafter64(1, 0)).toBe(1 - Number.EPSILON / 2);
    expect(nextafter64(-1, -2)).toBe(-(1 + Number.EPSILON));
    expect(nextafter64(-1, 0)).toBe(-(1 - Number.EPSILON / 2));
    expect(nextafter64(Number.MIN_VALUE, 0)).toBe(0);
    expect(nextafter64(Number.MAX_VALUE, Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});
