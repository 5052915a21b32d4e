/**
 * Eager operations on large arrays run compiled one-equation programs; small
 * ones keep the JS kernels. Both give the reference results.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EAGER_MIN_SIZE } from "../../../src/backend/cpu/compiler/eager.js";
import { installCompiler } from "../../../src/backend/cpu/compiler/install.js";
import { addressOf } from "../../../src/backend/cpu/memory.js";
import { config, withFlag } from "../../../src/config.js";
import { type Array, type ArrayImpl, hostValues } from "../../../src/core/array.js";
import { jit, numpy as jnp, lax } from "../../../src/index.js";
import { expectClose, seeded } from "../../util/index.js";

// The compiled path is under test even when the suite runs with JAXTS_COMPILE=0.
let prevFlag = true;
beforeAll(() => {
  installCompiler();
  prevFlag = config.read("jaxts_compile");
  config.update("jaxts_compile", true);
});
afterAll(() => config.update("jaxts_compile", prevFlag));

const inMemory = (x: Array): boolean => addressOf(hostValues(x as ArrayImpl)) >= 0;

describe("eager operations", () => {
  const n = EAGER_MIN_SIZE * 2;
  const big = seeded([n / 64, 64], 1);
  const big2 = seeded([n / 64, 64], 2);

  const ops: [string, () => Array][] = [
    ["exp", () => jnp.exp(big)],
    ["add", () => jnp.add(big, big2)],
    ["max", () => lax.max(big, big2)],
    ["lt", () => jnp.less(big, big2)],
    ["sum rows", () => jnp.sum(big, 1)],
    ["sum cols", () => jnp.sum(big, 0)],
    ["max all", () => jnp.max(big)],
    ["transpose", () => jnp.transpose(big)],
    ["matmul", () => jnp.matmul(big, jnp.transpose(big2))],
  ];

  for (const [name, op] of ops) {
    it(`${name} on a large array runs compiled, as the JS kernel computes it`, () => {
      const got = op();
      const want = withFlag("jaxts_compile", false, op);
      expect(got.shape).toEqual(want.shape);
      expect(got.dtype).toBe(want.dtype);
      // Products accumulate in float32; vectorized exp is within a few ulps of Math.exp.
      const tol = name === "matmul" ? 1e-5 : name === "exp" ? 1e-6 : 0;
      expectClose(got, want, name, tol, tol);
      expect(inMemory(got), name).toBe(true);
      expect(inMemory(want), name).toBe(false);
    });
  }

  it("small arrays keep the JS kernels", () => {
    const small = seeded([8], 3);
    expect(inMemory(jnp.exp(small))).toBe(false);
  });

  it("reports errors as the JS kernels do", () => {
    expect(() => lax.add(big, seeded([3], 4))).toThrow(/lax.add/);
  });
});

describe("the jaxts_compile flag", () => {
  it("chooses compiled or interpreted jit at each call", () => {
    const f = jit((x: Array) => jnp.exp(jnp.add(x, 1)));
    const x = seeded([100], 5);
    const compiled = f(x) as ArrayImpl;
    const interpreted = withFlag("jaxts_compile", false, () => f(x)) as ArrayImpl;
    expect(inMemory(compiled)).toBe(true);
    expect(inMemory(interpreted)).toBe(false);
    expectClose(compiled, interpreted, "", 1e-6, 0); // vectorized exp: a few ulps
    expect(inMemory(f(x))).toBe(true);
  });
});
