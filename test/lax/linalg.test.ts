import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Array, jit, numpy as jnp, makeJaxpr, vmap, withX64 } from "../../src/index.js";
import { cholesky, qr } from "../../src/lax/linalg.js";
import fixtures from "../fixtures/linalg.json" with { type: "json" };
import { expectClose, eye, f32, f64, matmul, transpose, vals } from "../util/index.js";

describe("lax.linalg.cholesky", () => {
  it.each(fixtures.cholesky.map((c) => [c.shape, c] as const))(
    "matches LAPACK's potrf for shape %j",
    (_s, c) => {
      withX64(() => expectClose(vals(cholesky(f64(c.x, c.shape))), c.l, "", 1e-12, 1e-12));
      expectClose(vals(cholesky(f32(c.x, c.shape))), c.l, "", 2e-6, 2e-6);
    },
  );

  it("L Lᵀ reproduces random positive definite matrices", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 36, maxLength: 36 }),
        (n, entries) => {
          const a = entries.slice(0, n * n);
          const spd = matmul(a, transpose(a, n, n), n, n, n).map(
            (v, i) => v + (i % (n + 1) === 0 ? n : 0),
          );
          const l = withX64(() => vals(cholesky(f64(spd, [n, n]))));
          l.forEach((v, i) => {
            if (i % n > Math.floor(i / n)) expect(v).toBe(0);
          });
          expectClose(matmul(l, transpose(l, n, n), n, n, n), spd, "", 1e-10, 1e-10);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("gives NaNs for a matrix that is not positive definite, as JAX", () => {
    expect(vals(cholesky(f32([1, 2, 2, 1], [2, 2]))).every(Number.isNaN)).toBe(true);
  });

  it("jit equals eager; vmap equals a loop (batch rule)", () => {
    const c = fixtures.cholesky[3]!; // [2, 3, 3]
    const x = f32(c.x, c.shape);
    expect(vals(jit((a: Array) => cholesky(a))(x))).toEqual(vals(cholesky(x)));
    expect(makeJaxpr((a: Array) => cholesky(a))(x).toString()).toMatch(/cholesky/);
    const raw = (a: Array) => cholesky(a, { symmetrizeInput: false });
    expect(vals(vmap(raw)(x))).toEqual(vals(raw(x)));
    expect(vals(vmap(raw, { inAxes: 2 })(jnp.moveaxis(x, 0, 2)))).toEqual(vals(raw(x)));
    expect(vals(vmap(cholesky)(x))).toEqual(vals(cholesky(x)));
  });

  it("explains bad operands", () => {
    expect(() => cholesky(jnp.zeros([2, 3]))).toThrow(
      /lax\.linalg\.cholesky: the operand must be a \(batch of\) square matrices of shape \(\.\.\., n, n\), got shape \(2, 3\)/,
    );
    expect(() => cholesky(jnp.zeros([3]))).toThrow(/got shape \(3,\)/);
    expect(() => cholesky(jnp.zeros([2, 2], "int32"))).toThrow(
      /lax\.linalg\.cholesky: the operand must have a float dtype \(float32, float64\), got int32/,
    );
  });
});

describe("lax.linalg.qr", () => {
  it.each(fixtures.qr.map((c) => [c.shape, c.full_matrices, c] as const))(
    "matches LAPACK's geqrf/orgqr for shape %j (full matrices: %s)",
    (_s, full, c) => {
      const [q, r] = withX64(() => qr(f64(c.x, c.shape), { fullMatrices: full }));
      expect(q.shape).toEqual(c.q_shape);
      expect(r.shape).toEqual(c.r_shape);
      expectClose(vals(q), c.q, "", 1e-12, 1e-12);
      expectClose(vals(r), c.r, "", 1e-12, 1e-12);
      const [q32, r32] = qr(f32(c.x, c.shape), { fullMatrices: full });
      expectClose(vals(q32), c.q, "", 1e-5, 1e-5);
      expectClose(vals(r32), c.r, "", 1e-5, 1e-5);
    },
  );

  it("Q has orthonormal columns, R is upper triangular, Q R = A", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 25, maxLength: 25 }),
        (m, n, full, entries) => {
          const a = entries.slice(0, m * n);
          const [q, r] = withX64(() => qr(f64(a, [m, n]), { fullMatrices: full }));
          const k = q.shape[1]!;
          const qd = vals(q);
          const rd = vals(r);
          expectClose(matmul(transpose(qd, m, k), qd, k, m, k), eye(k), "", 1e-12, 1e-12);
          rd.forEach((v, i) => {
            if (Math.floor(i / n) > i % n) expect(v).toBe(0);
          });
          expectClose(matmul(qd, rd, m, k, n), a, "", 1e-12, 1e-12);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("jit equals eager; vmap equals a loop (batch rule)", () => {
    const c = fixtures.qr.find((x) => x.shape.length === 3)!;
    const x = f32(c.x, c.shape);
    const f = (a: Array) => qr(a, { fullMatrices: false });
    const [q, r] = f(x);
    const [jq, jr] = jit(f)(x);
    expect(vals(jq)).toEqual(vals(q));
    expect(vals(jr)).toEqual(vals(r));
    const [vq, vr] = vmap(f)(x);
    expect(vals(vq)).toEqual(vals(q));
    expect(vals(vr)).toEqual(vals(r));
    expect(makeJaxpr(f)(x).toString()).toMatch(/qr\[full_matrices=False\]|qr/);
  });

  it("explains bad operands", () => {
    expect(() => qr(jnp.zeros([3]))).toThrow(
      /lax\.linalg\.qr: the operand must be a \(batch of\) matrices of shape \(\.\.\., m, n\), got shape \(3,\)/,
    );
  });
});
