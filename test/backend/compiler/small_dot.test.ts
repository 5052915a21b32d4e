/**
 * Small products run the direct kernel (small_dot.ts), which computes
 * exactly what the eager kernel computes (float64 products summed in order,
 * rounded once): jitted small products equal eager ones bit for bit, for
 * contiguous, transposed and batched operands and every column remainder.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileProgram } from "../../../src/backend/cpu/compiler/index.js";
import { installCompiler } from "../../../src/backend/cpu/compiler/install.js";
import { config, withFlag } from "../../../src/config.js";
import type { Array } from "../../../src/core/array.js";
import type { ClosedJaxpr } from "../../../src/core/jaxpr.js";
import { grad, jit, numpy as jnp, lax, makeJaxpr } from "../../../src/index.js";
import { expectClose, seeded } from "../../util/index.js";

let prevFlag = true;
beforeAll(() => {
  installCompiler();
  prevFlag = config.read("jaxts_compile");
  config.update("jaxts_compile", true);
});
afterAll(() => config.update("jaxts_compile", prevFlag));

/** The same function eagerly on the JS kernels (compilation off). */
const eager = <T>(f: () => T): T => withFlag("jaxts_compile", false, f);

const dotSteps = (f: (...xs: Array[]) => Array, ...xs: Array[]): string[] =>
  compileProgram(makeJaxpr(f)(...xs) as ClosedJaxpr).steps.map((s) => s.kind);

describe("small products", () => {
  const cases: [string, number[], number[], (a: Array, b: Array) => Array][] = [
    ["row times matrix (RNN step)", [1, 64], [64, 64], (a, b) => jnp.matmul(a, b)],
    ["few rows, n = 8k + 4 + 3", [3, 40], [40, 15], (a, b) => jnp.matmul(a, b)],
    ["B transposed (strided columns)", [5, 24], [10, 24], (a, b) => jnp.matmul(a, b.T)],
    ["A transposed", [24, 6], [24, 12], (a, b) => jnp.matmul(a.T, b)],
    ["matrix-vector", [32, 100], [100], (a, b) => jnp.dot(a, b)],
    ["vector-vector", [100], [100], (a, b) => jnp.dot(a, b)],
    [
      "batched",
      [4, 3, 16],
      [4, 16, 9],
      (a, b) =>
        lax.dotGeneral(a, b, [
          [[2], [1]],
          [[0], [0]],
        ]),
    ],
    ["empty contraction", [3, 0], [0, 5], (a, b) => jnp.matmul(a, b)],
  ];
  for (const [name, sa, sb, f] of cases) {
    it(`${name}: equal to eager bit for bit`, () => {
      const a = seeded(sa, 1);
      const b = seeded(sb, 2);
      expect(dotSteps(f, a, b)).toContain("library");
      const got = jit(f)(a, b);
      const want = eager(() => f(a, b));
      expectClose(got, want, name, 0, 0);
    });
  }

  it("random shapes and layouts equal eager bit for bit", () => {
    fc.assert(
      fc.property(
        fc.record({
          b: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 1, max: 9 }),
          n: fc.integer({ min: 1, max: 21 }),
          k: fc.integer({ min: 1, max: 40 }),
          ta: fc.boolean(),
          tb: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        ({ b, m, n, k, ta, tb, seed }) => {
          const a = seeded(ta ? [b, k, m] : [b, m, k], seed);
          const w = seeded(tb ? [b, n, k] : [b, k, n], seed + 1);
          const f = (x: Array, y: Array) =>
            jnp.matmul(ta ? jnp.swapaxes(x, 1, 2) : x, tb ? jnp.swapaxes(y, 1, 2) : y);
          expectClose(
            jit(f)(a, w),
            eager(() => f(a, w)),
            "",
            0,
            0,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("operands", () => {
  it("a folded constant operand (a literal) gives the eager result", () => {
    // grad of a vector dot product: the cotangent 1·(-0.5) folds to a literal scalar operand.
    const f = (a: Array, b: Array) => jnp.multiply(lax.dotGeneral(a, b, [[[0], [0]], [[], []]]), -0.5); // biome-ignore format: one line
    const g = grad(f, { argnums: [0, 1] });
    const a = seeded([3], 1);
    const b = seeded([3], 2);
    const [ja, jb] = jit(g)(a, b) as Array[];
    const [ea, eb] = eager(() => g(a, b)) as Array[];
    expectClose(ja, ea, "d/da", 0, 0);
    expectClose(jb, eb, "d/db", 0, 0);
  });
});
