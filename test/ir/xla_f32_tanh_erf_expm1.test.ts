/**
 * float32 tanh, erf and expm1 are XLA:CPU's algorithms (src/ir/special.ts:
 * xlaTanhF32, xlaErfF32, xlaExpm1F32), eagerly and under jit (vmath.ts) alike,
 * bit for bit. The reference bits come from an independent NumPy evaluation
 * (test/fixtures/xla_f32_tanh_erf_expm1.py); `jaxts_correctly_rounded_f32`
 * switches both paths to the correctly rounded functions.
 */
import { describe, expect, it } from "vitest";
import { jit } from "../../src/api/jit.js";
import { withFlag } from "../../src/config.js";
import type { Array } from "../../src/core/array.js";
import * as sp from "../../src/ir/special.js";
import * as lax from "../../src/lax/elementwise.js";
import fixture from "../fixtures/xla_f32_tanh_erf_expm1.json" with { type: "json" };
import { f32, vals } from "../util/index.js";

type Name = "tanh" | "erf" | "expm1";
const OPS: [Name, (x: Array) => Array, (x: number) => number, (x: number) => number][] = [
  ["tanh", lax.tanh, sp.xlaTanhF32, Math.tanh],
  ["erf", lax.erf, sp.xlaErfF32, sp.erf],
  ["expm1", lax.expm1, sp.xlaExpm1F32, Math.expm1],
];

const asFloat = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);
/** float32 bit patterns, with every NaN as the quiet NaN NumPy writes. */
const asBits = (x: ArrayLike<number>) =>
  globalThis.Array.from(x, (v) =>
    Number.isNaN(v) ? 0x7fc00000 : new Uint32Array(Float32Array.of(v).buffer)[0]!,
  );
/** Distance in float32 ulps (bit patterns as a monotone integer line). */
function ulps(a: number, b: number): number {
  const key = (v: number) => {
    const u = new Uint32Array(Float32Array.of(v).buffer)[0]!;
    return u >= 0x80000000 ? 0x80000000 - u : u;
  };
  return Math.abs(key(a) - key(b));
}
const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** Every 257th float32 bit pattern of both signs in the function's interesting range, and more. */
function dense(name: Name): Float32Array {
  const hi = name === "erf" ? 4.5 : name === "tanh" ? 21 : 90;
  const out: number[] = [];
  const w = new Uint32Array(1);
  const f = new Float32Array(w.buffer);
  for (let b = 0; b < 0x7f800000; b += 257) {
    w[0] = b;
    if (f[0]! > hi) break;
    out.push(f[0]!, -f[0]!);
  }
  out.push(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e30, -1e30);
  return Float32Array.from(out);
}

const xs = asFloat(fixture.x);

describe("float32 tanh/erf/expm1: XLA:CPU's bits", () => {
  for (const [name, f, xla, exact] of OPS) {
    it(`${name}: the scalar algorithm matches the NumPy evaluation bit for bit`, () => {
      expect(fixture.x.length).toBeGreaterThan(3000);
      expect(asBits(globalThis.Array.from(xs, xla))).toEqual(fixture[name]);
    });

    it(`${name}: eager and jit give the fixture's bits`, () => {
      const x = f32(globalThis.Array.from(xs));
      expect(asBits(vals(f(x)))).toEqual(fixture[name]);
      expect(asBits(vals(jit(f)(x)))).toEqual(fixture[name]);
    });

    it(`${name}: eager equals jit on a dense sweep, within a few ulps of the exact function`, () => {
      const d = dense(name);
      const x = f32(globalThis.Array.from(d));
      const eager = vals(f(x));
      const compiled = vals(jit(f)(x));
      let wrongEager = 0;
      let wrongJit = 0;
      let worst = 0;
      for (let i = 0; i < d.length; i++) {
        if (!same(eager[i]!, Math.fround(xla(d[i]!)))) wrongEager++;
        if (!same(compiled[i]!, eager[i]!)) wrongJit++;
        const want = Math.fround(exact(d[i]!));
        // Relative accuracy where the result is a normal float32 (expm1 near -1 and tiny tanh are exact or close).
        if (Math.abs(want) >= 2 ** -126 && !Number.isNaN(want))
          worst = Math.max(worst, ulps(eager[i]!, want));
      }
      expect([wrongEager, wrongJit]).toEqual([0, 0]);
      expect(worst).toBeLessThanOrEqual(ACCURACY[name]);
    });

    it(`${name}: jaxts_correctly_rounded_f32 gives the correctly rounded values`, () => {
      const sample = xs.subarray(0, 2048);
      const want = globalThis.Array.from(sample, (v) => Math.fround(exact(v)));
      withFlag("jaxts_correctly_rounded_f32", true, () => {
        const x = f32(globalThis.Array.from(sample));
        expect(vals(f(x)).every((v, i) => same(v, want[i]!))).toBe(true);
        expect(vals(jit(f)(x)).every((v, i) => same(v, want[i]!))).toBe(true);
      });
    });
  }

  it("special values", () => {
    for (const f of [sp.xlaTanhF32, sp.xlaErfF32, sp.xlaExpm1F32]) {
      expect(Object.is(f(0), 0)).toBe(true);
      expect(Object.is(f(-0), -0)).toBe(true);
      expect(f(Number.NaN)).toBeNaN();
      expect(f(2 ** -149)).toBeGreaterThan(0); // subnormals are kept, not flushed
    }
    expect(sp.xlaTanhF32(Number.POSITIVE_INFINITY)).toBe(1);
    expect(sp.xlaTanhF32(Number.NEGATIVE_INFINITY)).toBe(-1);
    expect(sp.xlaTanhF32(8)).toBe(1); // past the clamp the rational is exactly 1
    expect(sp.xlaTanhF32(-19.9)).toBe(-1);
    expect(sp.xlaTanhF32(Math.fround(1e-20))).toBe(Math.fround(1e-20));
    expect(sp.xlaErfF32(Number.POSITIVE_INFINITY)).toBe(1);
    expect(sp.xlaErfF32(-4)).toBe(-1);
    expect(sp.xlaExpm1F32(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(sp.xlaExpm1F32(Number.NEGATIVE_INFINITY)).toBe(-1);
    expect(sp.xlaExpm1F32(-100)).toBe(-1);
    expect(sp.xlaExpm1F32(89)).toBe(Number.POSITIVE_INFINITY);
    expect(sp.xlaExpm1F32(2 ** -149)).toBe(2 ** -149); // x/2 underflows: expm1(x) = x
  });
});

/** Worst ulps against the correctly rounded function over the dense sweeps (measured; normal results). */
const ACCURACY: Record<Name, number> = { tanh: 4, erf: 5, expm1: 6 };
