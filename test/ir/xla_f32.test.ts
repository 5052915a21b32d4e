/**
 * float32 exp, log, log1p and logistic are XLA:CPU's algorithms (ir/special.ts),
 * eagerly and under jit (backend/wasm/vmath.ts) alike, bit for bit;
 * `jaxts_correctly_rounded_f32` switches both to the correctly rounded functions.
 * (test/backend/wasm/vmath.test.ts checks the emitted code against the
 * evaluator on 1.25M inputs; this goes through jit's whole path.)
 */
import { describe, expect, it } from "vitest";
import { jit } from "../../src/api/jit.js";
import { withFlag } from "../../src/config.js";
import type { Array } from "../../src/core/array.js";
import * as sp from "../../src/ir/special.js";
import * as lax from "../../src/lax/elementwise.js";
import { f32, vals } from "../util/index.js";

const OPS: [string, (x: Array) => Array, (x: number) => number, (x: number) => number][] = [
  ["exp", lax.exp, sp.xlaExpF32, Math.exp],
  ["log", lax.log, sp.xlaLogF32, Math.log],
  ["log1p", lax.log1p, sp.xlaLog1pF32, Math.log1p],
  ["logistic", lax.logistic, sp.xlaLogisticF32, (x) => 1 / (1 + Math.exp(-x))],
];

/** 10^5 float32 inputs over each function's interesting range, and the special values. */
function inputs(op: string): Float32Array {
  let seed = 2024;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const out = new Float32Array(100_003);
  for (let i = 0; i < 100_000; i++) {
    const u = rand();
    out[i] =
      op === "exp" || op === "logistic"
        ? (u - 0.5) * 200 // past under- and overflow
        : op === "log"
          ? 2 ** (rand() * 260 - 130) * (u < 0.01 ? -1 : 1) // subnormals to huge; some negative
          : (u < 0.5 ? -1 : 1) * 2 ** (rand() * 40 - 30) * (u < 0.25 ? 0.999 : 1); // log1p: (-1, ...)
  }
  out.set([0, Number.POSITIVE_INFINITY, Number.NaN], 100_000);
  return out;
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe("float32 exp/log/log1p/logistic: XLA:CPU's bits, eagerly and under jit", () => {
  for (const [name, f, xla, exact] of OPS) {
    it(`${name}: eager is XLA's algorithm, jit gives the same bits (10^5 inputs)`, () => {
      const xs = inputs(name);
      const x = f32(globalThis.Array.from(xs));
      const eager = vals(f(x));
      const compiled = vals(jit(f)(x));
      let wrongEager = 0;
      let wrongJit = 0;
      for (let i = 0; i < xs.length; i++) {
        if (!same(eager[i]!, Math.fround(xla(xs[i]!)))) wrongEager++;
        if (!same(compiled[i]!, eager[i]!)) wrongJit++;
      }
      expect([wrongEager, wrongJit]).toEqual([0, 0]);
    });

    it(`${name}: jaxts_correctly_rounded_f32 gives the correctly rounded values`, () => {
      const xs = inputs(name).subarray(0, 4096);
      const want = globalThis.Array.from(xs, (v) => Math.fround(exact(v)));
      withFlag("jaxts_correctly_rounded_f32", true, () => {
        const x = f32(globalThis.Array.from(xs));
        const eager = vals(f(x));
        const compiled = vals(jit(f)(x));
        expect(eager.every((v, i) => same(v, want[i]!))).toBe(true);
        expect(compiled.every((v, i) => same(v, want[i]!))).toBe(true);
      });
    });
  }

  it("XLA's exp at its edges: 0 below 2^-126, inf past float32's range", () => {
    expect(sp.xlaExpF32(-1)).toBe(Math.fround(Math.exp(-1)));
    expect(sp.xlaExpF32(0)).toBe(1);
    expect(sp.xlaExpF32(-88)).toBe(0); // exp(-88) is subnormal: XLA's n = -127 gives 0
    expect(sp.xlaExpF32(89)).toBe(Number.POSITIVE_INFINITY);
    expect(sp.xlaExpF32(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(sp.xlaLogisticF32(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(sp.xlaLogisticF32(Number.POSITIVE_INFINITY)).toBe(1);
  });
});
