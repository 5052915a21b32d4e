/**
 * float16 and bfloat16 conversions (src/half.ts) against NumPy's float16
 * `astype` and an independent bfloat16 rounding of the float32 patterns
 * (test/fixtures/half.py), bit for bit.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  bfloat16Bits,
  bfloat16Value,
  decodeBfloat16,
  decodeFloat16,
  encodeBfloat16,
  encodeFloat16,
  float16Bits,
  float16Value,
  roundBfloat16,
  roundFloat16,
} from "../src/half.js";

interface Fixture {
  x: number[];
  float16: number[];
  bfloat16: number[];
  decode: [number, number | string][];
}
const fx = JSON.parse(readFileSync(new URL("./fixtures/half.json", import.meta.url), "utf8")) as Fixture; // biome-ignore format: long
const xs = new Float32Array(new Uint32Array(fx.x).buffer);

describe("half-precision conversions", () => {
  it("float32 -> float16 rounds as NumPy (nearest, ties to even, subnormals, overflow)", () => {
    const got = new Uint16Array(xs.length);
    encodeFloat16(xs, got);
    const bad = [...got].flatMap((g, i) => (g === fx.float16[i] ? [] : [`${xs[i]}: ${g} vs ${fx.float16[i]}`])); // biome-ignore format: long
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("float32 -> bfloat16 rounds to nearest even; NaN is the quiet NaN", () => {
    const got = new Uint16Array(xs.length);
    encodeBfloat16(xs, got);
    const bad = [...got].flatMap((g, i) => (g === fx.bfloat16[i] ? [] : [`${xs[i]}: ${g} vs ${fx.bfloat16[i]}`])); // biome-ignore format: long
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("decodes float16 patterns to their values", () => {
    for (const [p, v] of fx.decode) {
      const got = float16Value(p);
      if (v === "nan") expect(got).toBeNaN();
      else expect(got).toBe(v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);
    }
    const out = new Float32Array(2);
    decodeFloat16(new Uint16Array([0x3c00, 0xc000]), out);
    expect([...out]).toEqual([1, -2]);
  });

  it("round trips every pattern, and rounding is idempotent", () => {
    const bad: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const v = float16Value(h);
      if (!Number.isNaN(v) && float16Bits(v) !== h) bad.push(h);
      const b = bfloat16Value(h);
      if (!Number.isNaN(b) && bfloat16Bits(b) !== h) bad.push(-h);
    }
    expect(bad).toEqual([]);
    expect(roundFloat16(roundFloat16(0.1))).toBe(roundFloat16(0.1));
    expect(roundFloat16(0.1)).toBe(0.0999755859375);
    expect(roundBfloat16(0.1)).toBe(0.10009765625);
    const bd = new Float64Array(1);
    decodeBfloat16(new Uint16Array([0x3f80]), bd);
    expect(bd[0]).toBe(1);
    expect(Object.is(roundFloat16(-0), -0)).toBe(true);
    expect(float16Bits(Number.NaN)).toBe(0x7e00);
    expect(bfloat16Bits(-Number.NaN)).toBe(0x7fc0 | (bfloat16Bits(-Number.NaN) & 0x8000));
  });
});
