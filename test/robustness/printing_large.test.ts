/**
 * Printing large arrays: NumPy summarizes arrays of more than 1000 elements
 * to their 3 edge items per axis, and only those are visited, so the text is
 * exactly NumPy's (column widths and notation chosen from the shown items
 * alone) and takes time independent of the array's size. Fixtures come from
 * real NumPy (test/fixtures/printing.py writes printing_large.json) without
 * their data: each is a pattern the test rebuilds plus a few set elements.
 */
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { allocate, type DType, type TypedArray } from "../../src/dtype.js";
import { numpy as jnp } from "../../src/index.js";
import { formatArray, reprArray } from "../../src/numpy/printing.js";

interface LargeFixture {
  name: string;
  shape: number[];
  dtype: DType;
  base: "zeros" | "mod101" | "mod101int";
  spikes: [number, number | "nan" | "inf" | "-inf"][];
  weak: boolean;
  str: string;
  repr: string;
}

const fixtures: LargeFixture[] = JSON.parse(
  readFileSync(new URL("../fixtures/printing_large.json", import.meta.url), "utf8"),
);

function decode(v: number | "nan" | "inf" | "-inf"): number {
  if (v === "nan") return Number.NaN;
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return v;
}

/** The fixture's array, as printing.py's `pattern` builds it. */
function build(f: LargeFixture): TypedArray {
  const n = f.shape.reduce((a, b) => a * b, 1);
  const data = allocate(f.dtype, n);
  if (f.base === "mod101") for (let i = 0; i < n; i++) data[i] = ((i * 37) % 101) * 0.125 - 6;
  else if (f.base === "mod101int") for (let i = 0; i < n; i++) data[i] = ((i * 37) % 101) - 50;
  for (const [k, v] of f.spikes) data[k] = decode(v);
  return data;
}

/** The fastest of a few runs of `fn`, in milliseconds. */
function bestTime(fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe("printing large arrays matches NumPy", () => {
  it("has fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(9);
  });

  for (const f of fixtures) {
    it(`${f.name}: str and repr, in well under 100 ms`, () => {
      const data = build(f);
      expect(formatArray(data, f.shape, f.dtype)).toBe(f.str);
      expect(reprArray(data, f.shape, f.dtype, f.weak)).toBe(f.repr);
      const ms = bestTime(() => {
        formatArray(data, f.shape, f.dtype);
        reprArray(data, f.shape, f.dtype, f.weak);
      });
      expect(ms).toBeLessThan(20);
    });
  }
});

describe("printing time does not depend on the size", () => {
  it("prints 2e3 and 2e7 elements with the same edges alike and as fast", () => {
    const make = (n: number): Float32Array => {
      const a = new Float32Array(n);
      a.set([0.5, -1.25, 3], 0);
      a.set([4, 1e-3, 2.5], n - 3);
      return a;
    };
    const small = make(2000);
    const large = make(20_000_000);
    expect(formatArray(large, [large.length], "float32")).toBe(
      formatArray(small, [small.length], "float32"),
    );
    const tSmall = bestTime(() => formatArray(small, [small.length], "float32"));
    const tLarge = bestTime(() => formatArray(large, [large.length], "float32"));
    expect(tLarge).toBeLessThan(Math.max(5 * tSmall, 5));
  });

  it("prints arrays through String() and util.inspect() as fast", () => {
    const x = jnp.zeros([20_000_000]);
    const want = "[0. 0. 0. ... 0. 0. 0.]";
    expect(String(x)).toBe(want);
    expect(x.toString()).toBe(want);
    expect(inspect(x)).toBe("Array([0., 0., 0., ..., 0., 0., 0.], dtype=float32)");
    expect(bestTime(() => String(x))).toBeLessThan(20);
    expect(bestTime(() => inspect(x))).toBeLessThan(20);
    const b = jnp.zeros([4000, 5000], "bool");
    expect(String(b).split("\n")[0]).toBe("[[False False False ... False False False]");
    expect(bestTime(() => inspect(b))).toBeLessThan(20);
  });
});
