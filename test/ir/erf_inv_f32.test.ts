/**
 * float32 erf_inv computes XLA's algorithm (Giles' single-precision
 * polynomials in float32 arithmetic, src/ir/special.ts erfInv32), so that
 * random.normal draws JAX's values bit for bit. The reference bits come from
 * an independent NumPy evaluation (test/fixtures/erf_inv_f32.py).
 */
import { describe, expect, it } from "vitest";
import { jit, numpy as jnp, lax, withX64 } from "../../src/index.js";
import { erfInv, erfInv32, xlaLog1pF32 } from "../../src/ir/special.js";
import * as random from "../../src/random/index.js";
import fixture from "../fixtures/erf_inv_f32.json" with { type: "json" };
import { caseKey, expectPrinted, legacy } from "../random/helpers.js";
import { vals } from "../util/index.js";

const asFloat = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);
/** float32 bit patterns, with every NaN as the quiet NaN NumPy writes. */
const asBits = (x: ArrayLike<number>) =>
  Array.from(x, (v) =>
    Number.isNaN(v) ? 0x7fc00000 : new Uint32Array(Float32Array.of(v).buffer)[0]!,
  );
const xs = asFloat(fixture.x);

/** Distance in float32 ulps (bit patterns as a monotone integer line). */
function ulps(a: number, b: number): number {
  const key = (v: number) => {
    const u = new Uint32Array(Float32Array.of(v).buffer)[0]!;
    return u >= 0x80000000 ? 0x80000000 - u : u;
  };
  return Math.abs(key(a) - key(b));
}

describe("float32 erf_inv is XLA's", () => {
  it("matches the NumPy evaluation of XLA's algorithm bit for bit", () => {
    expect(fixture.x.length).toBeGreaterThan(1000);
    expect(asBits(Array.from(xs, erfInv32))).toEqual(fixture.y);
  });

  it("eager lax.erfInv and jit agree with it bit for bit", () => {
    const x = jnp.array(xs, "float32");
    expect(asBits(vals(lax.erfInv(x)))).toEqual(fixture.y);
    expect(asBits(vals(jit((a) => lax.erfInv(a))(x)))).toEqual(fixture.y);
  });

  it("special values: +-0, +-1, |x| > 1, NaN", () => {
    expect(Object.is(erfInv32(0), 0)).toBe(true);
    expect(Object.is(erfInv32(-0), -0)).toBe(true);
    expect(erfInv32(1)).toBe(Number.POSITIVE_INFINITY);
    expect(erfInv32(-1)).toBe(Number.NEGATIVE_INFINITY);
    expect(erfInv32(Math.fround(1.5))).toBeNaN();
    expect(erfInv32(-2)).toBeNaN();
    expect(erfInv32(Number.NaN)).toBeNaN();
    expect(vals(lax.erfInv(jnp.array([1, -1, 0], "float32")))).toEqual([
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0,
    ]);
  });

  it("stays within a few ulps of the float64 inverse, less close near +-1", () => {
    let worst = 0;
    let worstRel = 0;
    for (const x of xs) {
      if (!(Math.abs(x) < 1) || x === 0) continue;
      const exact = erfInv(x);
      if (Math.abs(x) < 0.9) worst = Math.max(worst, ulps(erfInv32(x), Math.fround(exact)));
      worstRel = Math.max(worstRel, Math.abs(erfInv32(x) / exact - 1));
    }
    expect(worst).toBeGreaterThan(0); // it is not the correctly rounded function
    expect(worst).toBeLessThanOrEqual(3);
    // 1 - x*x in float32 cancels near +-1 (as in XLA): about 5e-6 at 1 - 2^-12.
    expect(worstRel).toBeLessThan(1e-5);
  });

  it("XLA's log1p stays within 2 ulps of Math.log1p on (-1, 0]", () => {
    for (let i = 1; i < 4000; i++) {
      const t = Math.fround(-i / 4000);
      expect(ulps(xlaLog1pF32(t), Math.fround(Math.log1p(t)))).toBeLessThanOrEqual(2);
    }
  });

  it("float64 erf_inv is unchanged (the double-precision kernel)", () => {
    withX64(() => {
      const x = jnp.array([0.5, -0.9, 0.999], "float64");
      expect(vals(lax.erfInv(x))).toEqual([erfInv(0.5), erfInv(-0.9), erfInv(0.999)]);
    });
  });
});

describe("random.normal draws JAX's float32 values", () => {
  // tests/random_test.py's known answer for normal (threefry2x32, legacy scheme), printed
  // with 6 decimals: the float64-based erf_inv printed -1.173233 for the first.
  it("normal(PRNGKey(adler32('normalthreefry2x32')), (5,)) prints as JAX's", () => {
    legacy(() => {
      const x = vals(random.normal(caseKey("normal"), [5]));
      expectPrinted(x, [-1.173234, -1.511662, 0.070593, -0.099764, 1.052845], 6);
    });
  });

  it("eager and jit draw the same bits", () => {
    const key = random.PRNGKey(7);
    const eager = vals(random.normal(key, [257]));
    const jitted = vals(jit((k) => random.normal(k, [257]))(key));
    expect(asBits(jitted)).toEqual(asBits(eager));
    const t = vals(random.truncatedNormal(key, -1, 2, [64]));
    const tj = vals(jit((k) => random.truncatedNormal(k, -1, 2, [64]))(key));
    expect(asBits(tj)).toEqual(asBits(t));
  });
});
