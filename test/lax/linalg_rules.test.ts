/**
 * lax.linalg.triangularSolve against NumPy (test/fixtures/linalg.py), and the
 * differentiation and batching rules of triangular_solve, cholesky and qr:
 * jvp/vjp against finite differences in float64 to second order
 * (testUtil.checkGrads), the transpose identity in b, and vmap against a
 * loop over examples with either operand batched anywhere, including vmap of
 * grad.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Array, grad, jit, numpy as jnp, lax, testUtil, withX64 } from "../../src/index.js";
import fixtures from "../fixtures/linalg.json" with { type: "json" };
import {
  checkTranspose,
  checkVmap,
  expectMatches,
  expectSame,
  type FxArray,
  f64,
  fromFixture,
  randomArray,
  rng,
} from "../util/index.js";

const { triangularSolve, cholesky, qr } = lax.linalg;
type Flags = { leftSide: boolean; lower: boolean; transposeA: boolean; unitDiagonal: boolean };
const ALL_FLAGS: Flags[] = [true, false].flatMap((leftSide) =>
  [true, false].flatMap((lower) =>
    [true, false].flatMap((transposeA) =>
      [true, false].map((unitDiagonal) => ({ leftSide, lower, transposeA, unitDiagonal })),
    ),
  ),
);
const flagsOf = (c: (typeof fixtures.triangular)[number]): Flags => ({
  leftSide: c.left_side,
  lower: c.lower,
  transposeA: c.transpose_a,
  unitDiagonal: c.unit_diagonal,
});
const fx = (e: unknown) => e as FxArray;

/** Random m×m matrices with a dominant diagonal (well conditioned), batch dims in front. */
function wellConditioned(shape: readonly number[], next: () => number): Array {
  const m = shape[shape.length - 1]!;
  const eye = lax.broadcastInDim(jnp.eye(m, undefined, { dtype: "float64" }), shape, [
    shape.length - 2,
    shape.length - 1,
  ]);
  return lax.add(randomArray(shape, "float64", next), lax.mul(eye, 2 * m));
}

/** A symmetric positive definite batch: x xᵀ + m I. */
function spd(shape: readonly number[], next: () => number): Array {
  const x = randomArray(shape, "float64", next);
  const m = shape[shape.length - 1]!;
  const eye = lax.broadcastInDim(jnp.eye(m, undefined, { dtype: "float64" }), shape, [
    shape.length - 2,
    shape.length - 1,
  ]);
  return lax.add(jnp.matmul(x, jnp.swapaxes(x, -1, -2)), lax.mul(eye, m));
}

describe("lax.linalg.triangularSolve", () => {
  it.each(fixtures.triangular.map((c) => [JSON.stringify(flagsOf(c)), c] as const))(
    "matches NumPy's solve of the triangle it reads, %s",
    (_, c) => {
      withX64(() => {
        const x = triangularSolve(fromFixture(fx(c.a)), fromFixture(fx(c.b)), flagsOf(c));
        expectMatches(x, fx(c.x), 1e-12);
        const f = (p: Array, q: Array) => triangularSolve(p, q, flagsOf(c));
        expectSame(jit(f)(fromFixture(fx(c.a)), fromFixture(fx(c.b))), x);
      });
      const x32 = triangularSolve(
        lax.convertElementType(fromFixture(fx(c.a)), "float32"),
        lax.convertElementType(fromFixture(fx(c.b)), "float32"),
        flagsOf(c),
      );
      expectMatches(x32, { ...fx(c.x), dtype: "float32" }, 1e-5);
    },
  );

  it("never reads the other triangle (nor the diagonal with unitDiagonal)", () => {
    withX64(() => {
      const a = f64([2, Number.NaN, Number.NaN, 1, 3, Number.NaN, -1, 2, 4], [3, 3]);
      const b = f64([1, 2, 3], [3, 1]);
      expect(
        jnp
          .isnan(triangularSolve(a, b, { leftSide: true, lower: true }))
          .any()
          .item(),
      ).toBe(false);
      const unit = f64([Number.NaN, 0, 0, 1, Number.NaN, 0, -1, 2, Number.NaN], [3, 3]);
      const x = triangularSolve(unit, b, { leftSide: true, lower: true, unitDiagonal: true });
      expectSame(x, f64([1, 1, 2], [3, 1]));
    });
  });

  it("explains bad operands", () => {
    const a = jnp.eye(3);
    expect(() => triangularSolve(jnp.zeros([3, 2]), jnp.zeros([3, 2]))).toThrow(
      /lax\.linalg\.triangularSolve: the operand must be a \(batch of\) square matrices/,
    );
    expect(() => triangularSolve(a, jnp.zeros([2, 3]), { leftSide: true })).toThrow(
      /needs b of shape \(\.\.\., m, n\) with the same batch dimensions \(leftSide true\), got \(2, 3\)/,
    );
    expect(() => triangularSolve(a, jnp.zeros([2, 3, 3]))).toThrow(/same batch dimensions/);
    expect(() => triangularSolve(a, jnp.zeros([3, 3], "int32"))).toThrow(
      /b must be a \(batch of\) float matrices, got int32 of shape \(3, 3\)/,
    );
  });
});

describe("derivatives against finite differences (float64, to second order)", () => {
  it.each(ALL_FLAGS.map((f) => [JSON.stringify(f), f] as const))(
    "triangularSolve in a and b, %s",
    (_, flags) => {
      withX64(() => {
        const next = rng(7);
        const a = wellConditioned([2, 3, 3], next);
        const b = randomArray(flags.leftSide ? [2, 3, 2] : [2, 2, 3], "float64", next);
        const f = (x: Array, y: Array) => triangularSolve(x, y, flags);
        testUtil.checkGrads(f, [a, b], 2, { rtol: 1e-6, atol: 1e-6 });
      });
    },
  );

  it("triangularSolve is linear in b: the transpose identity", () => {
    withX64(() => {
      for (const flags of ALL_FLAGS) {
        const next = rng(11);
        const a = wellConditioned([3, 3], next);
        const shape = flags.leftSide ? [3, 4] : [4, 3];
        const t = randomArray(shape, "float64", next);
        const ct = randomArray(shape, "float64", next);
        checkTranspose((y) => triangularSolve(a, y, flags), t, ct, JSON.stringify(flags));
      }
    });
  });

  it("cholesky (symmetrized input), batched and single", () => {
    withX64(() => {
      const next = rng(3);
      for (const shape of [
        [1, 1],
        [3, 3],
        [2, 4, 4],
      ]) {
        testUtil.checkGrads(cholesky, [spd(shape, next)], 2, { rtol: 1e-6, atol: 1e-6 });
      }
    });
  });

  it("cholesky's gradient of a scalar loss matches the closed form at the identity", () => {
    // At A = I, L = I and dL = φ(dA): the gradient of sum(W ⊙ L) is W's lower triangle
    // with the diagonal halved, symmetrized by cholesky's (A + Aᵀ)/2.
    withX64(() => {
      const w = f64([1, 2, 3, 4], [2, 2]);
      const g = grad((a: Array) => jnp.sum(lax.mul(cholesky(a), w)))(
        jnp.eye(2, undefined, { dtype: "float64" }),
      );
      expectSame(g, f64([0.5, 1.5, 1.5, 2], [2, 2]));
    });
  });

  it("qr: reduced for tall and square matrices, full for square ones", () => {
    withX64(() => {
      const next = rng(5);
      for (const [shape, full] of [
        [[3, 3], false],
        [[4, 2], false],
        [[2, 5, 3], false],
        [[3, 3], true],
      ] as const) {
        const x = randomArray(shape, "float64", next);
        const f = (a: Array) => qr(a, { fullMatrices: full });
        testUtil.checkGrads(f, [x], 2, { rtol: 1e-6, atol: 1e-6 });
      }
    });
  });

  it("qr's derivative explains the shapes it does not cover", () => {
    const f = (a: Array) => jnp.sum(qr(a, { fullMatrices: false })[1]);
    expect(() => grad(f)(jnp.ones([2, 3]))).toThrow(
      /lax\.linalg\.qr: the derivative is defined for reduced QR of matrices with m >= n .*got shape \(2, 3\)/,
    );
    const full = (a: Array) => jnp.sum(qr(a)[0]);
    expect(() => grad(full)(jnp.ones([3, 2]))).toThrow(/fullMatrices true/);
  });
});

describe("batching rules: vmap equals a loop over examples", () => {
  it("triangularSolve with a, b or both batched at any position", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.constantFrom(...ALL_FLAGS),
        fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
        fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
        fc.integer({ min: 0, max: 2 }),
        (seed, flags, aAxis, bAxis, outAxis) => {
          if (aAxis === null && bAxis === null) return;
          withX64(() => {
            const next = rng(seed);
            const n = 3;
            const batched = (make: () => Array, axis: number | null) =>
              axis === null ? make() : jnp.stack([make(), make(), make()], axis);
            const a = batched(() => wellConditioned([3, 3], next), aAxis);
            const bShape = flags.leftSide ? [3, 2] : [2, 3];
            const b = batched(() => randomArray(bShape, "float64", next), bAxis);
            const f = (x: Array, y: Array) => triangularSolve(x, y, flags);
            checkVmap(f, [a, b], [aAxis, bAxis], outAxis, n, JSON.stringify(flags));
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("cholesky and qr at any in/out axis, and vmap of their gradients", () => {
    withX64(() => {
      const next = rng(9);
      const xs = jnp.stack([spd([3, 3], next), spd([3, 3], next)], 2);
      checkVmap((a) => cholesky(a), [xs], [2], 1, 2, "cholesky");
      const ys = randomArray([4, 2, 3], "float64", next);
      const r = (a: Array) => qr(a, { fullMatrices: false })[1];
      checkVmap(r, [ys], [1], 0, 2, "qr R");
      const loss = (a: Array) => jnp.sum(jnp.sin(cholesky(a)));
      checkVmap((a) => grad(loss)(a) as Array, [xs], [2], 0, 2, "vmap(grad(cholesky))");
      const qloss = (a: Array) => jnp.sum(jnp.square(qr(a, { fullMatrices: false })[0]));
      checkVmap((a) => grad(qloss)(a) as Array, [ys], [1], 2, 2, "vmap(grad(qr))");
    });
  });
});
