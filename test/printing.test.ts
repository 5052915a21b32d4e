import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate, type DType, type TypedArray } from "../src/dtype.js";
import { formatArray, reprArray } from "../src/numpy/printing.js";

/** A case written by test/fixtures/printing.py from real NumPy. */
interface Fixture {
  name: string;
  data: (number | "nan" | "inf" | "-inf")[];
  shape: number[];
  dtype: DType;
  weak: boolean;
  str: string;
  repr: string;
}

const fixtures: Fixture[] = JSON.parse(
  readFileSync(new URL("./fixtures/printing.json", import.meta.url), "utf8"),
);

function decode(v: Fixture["data"][number]): number {
  if (v === "nan") return Number.NaN;
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  return v;
}

function toTyped(values: number[], dtype: DType): TypedArray {
  const out = allocate(dtype, values.length);
  out.set(values);
  return out;
}

describe("printing matches NumPy", () => {
  it("has fixtures", () => {
    expect(fixtures.length).toBeGreaterThan(50);
  });

  for (const f of fixtures) {
    const data = toTyped(f.data.map(decode), f.dtype);
    it(`str: ${f.name}`, () => {
      expect(formatArray(data, f.shape, f.dtype)).toBe(f.str);
    });
    it(`repr: ${f.name}`, () => {
      expect(reprArray(data, f.shape, f.dtype, f.weak)).toBe(f.repr);
    });
  }
});

describe("printed float32 values read back", () => {
  const float32 = fc.float({ noNaN: true, noDefaultInfinity: true });

  it("a 0-d array prints the shortest digits that round-trip", () => {
    fc.assert(
      fc.property(float32, (x) => {
        const s = formatArray(Float32Array.of(x), [], "float32");
        expect(Math.fround(Number(s))).toBe(x);
      }),
    );
  });

  it("array elements round-trip, up to the 8 decimals of positional notation", () => {
    fc.assert(
      fc.property(fc.array(float32, { minLength: 1, maxLength: 12 }), (xs) => {
        const data = Float32Array.from(xs);
        const tokens = formatArray(data, [data.length], "float32")
          .replace(/[[\]]/g, "")
          .trim()
          .split(/\s+/);
        expect(tokens).toHaveLength(data.length);
        tokens.forEach((token, i) => {
          const x = data[i]!;
          const back = Number(token);
          if (Math.fround(back) !== x) {
            // Only positional notation may lose digits: it stops at 8 decimals
            // (precision=8), correctly rounded, then drops trailing zeros as NumPy's
            // maxprec mode does ([-0.0004763] for -0.000476295). Scientific keeps up to
            // 9 significant digits, always enough for float32.
            expect(token).toMatch(/^-?\d+\.\d{1,8}$/);
            expect(Math.abs(back - x)).toBeLessThanOrEqual(5e-9 * (1 + 1e-9));
          }
        });
      }),
      // NumPy prints [-0.0004763]: rounded at 8 decimals, trailing zero dropped.
      { examples: [[[-0.00047629501204937696]]] },
    );
  });
});
