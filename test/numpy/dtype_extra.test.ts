/** jnp dtype predicates, byte/text constructors, nextafter/spacing, block, put_along_axis (issue 17). */
import { describe, expect, it } from "vitest";
import type { Array } from "../../src/core/array.js";
import * as jnp from "../../src/numpy/index.js";
import { fixtureTests } from "./extra_fixtures.js";

describe("float stepping, block, put_along_axis", () => {
  fixtureTests({
    nextafter: { f: (a, b) => jnp.nextafter(a!, b!), tol: 0 },
    spacing: { f: (x) => jnp.spacing(x!), tol: 0 },
    block: (a, b, c) => jnp.block([[a!, b!], [c!]]),
    put_along_axis: (a, i) => jnp.putAlongAxis(a!, i!, 9, 1, { inplace: false }),
  });

  it("rejects an in-place put_along_axis", () => {
    expect(() => jnp.putAlongAxis(jnp.zeros([2]), jnp.array(new Int32Array([0])), 1, 0)).toThrow(
      /inplace/,
    );
  });
});

describe("dtype predicates and constructors", () => {
  it("can_cast as NumPy", () => {
    expect(jnp.canCast("int8", "int32")).toBe(true);
    expect(jnp.canCast("int32", "int8")).toBe(false);
    expect(jnp.canCast("float32", "int32")).toBe(false);
    expect(jnp.canCast("uint8", "int16")).toBe(true);
    expect(jnp.canCast("float32", "float16", "same_kind")).toBe(true);
    expect(jnp.canCast("float32", "int8", "same_kind")).toBe(false);
    expect(jnp.canCast("float32", "int8", "unsafe")).toBe(true);
    expect(jnp.canCast("int32", "int32", "no")).toBe(true);
  });

  it("isdtype as the Array API", () => {
    expect(jnp.isdtype("int32", "signed integer")).toBe(true);
    expect(jnp.isdtype("uint8", "integral")).toBe(true);
    expect(jnp.isdtype("float32", "real floating")).toBe(true);
    expect(jnp.isdtype("complex64", ["real floating", "complex floating"])).toBe(true);
    expect(jnp.isdtype("bool", "numeric")).toBe(false);
    expect(jnp.isdtype("float16", "float16")).toBe(true);
  });

  it("frombuffer and fromstring", () => {
    const f = new Float32Array([1.5, -2, 3]);
    const a: Array = jnp.frombuffer(f.buffer, jnp.float32);
    expect(a.toArray()).toEqual([1.5, -2, 3]);
    expect(
      jnp.frombuffer(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]), jnp.int32, 1, 4).toArray(),
    ).toEqual([2]);
    expect(() => jnp.frombuffer(new Uint8Array(3), jnp.int32)).toThrow(/multiple/);
    expect(jnp.fromstring("1 2  3.5", jnp.float32, -1, { sep: " " }).toArray()).toEqual([
      1, 2, 3.5,
    ]);
    expect(jnp.fromstring("1,2,3", jnp.int32, 2, { sep: "," }).toArray()).toEqual([1, 2]);
    expect(() => jnp.fromstring("1 2", jnp.float32)).toThrow(/sep/);
  });
});
