import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Array,
  ArrayImpl,
  jit,
  numpy as jnp,
  makeJaxpr,
  vmap,
  withX64,
} from "../../src/index.js";
import { cholesky, qr } from "../../src/lax/linalg.js";
import fixtures from "../fixtures/random.json" with { type: "json" };
import { data, expectAllClose } from "./helpers.js";

const f64 = (values: number[], shape: number[]) =>
  ArrayImpl.fromData(Float64Array.from(values), shape);
const f32 = (values: number[], shape: number[]) =>
  ArrayImpl.fromData(Float32Array.from(values), shape);

/** Row-major matrix product of n×k and k×m. */
function matmul(a: number[], b: number[], n: number, k: number, m: number): number[] {
  const out = new globalThis.Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++)
      for (let t = 0; t < k; t++) out[i * m + j]! += a[i * k + t]! * b[t * m + j]!;
  return out;
}
function transpose(a: number[], n: number, m: number): number[] {
  return globalThis.Array.from(
    { length: n * m },
    (_, idx) => a[(idx % n) * m + Math.floor(idx / n)]!,
  );
}
const eye = (n: number) =>
  globalThis.Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));

describe("lax.linalg.cholesky", () => {
  it.each(fixtures.cholesky.map((c) => [c.shape, c] as const))(
    "matches LAPACK's potrf for shape %j",
    (_s, c) => {
      withX64(() => expectAllClose(data(cholesky(f64(c.x, c.shape))), c.l, 1e-12, 1e-12));
      expectAllClose(data(cholesky(f32(c.x, c.shape))), c.l, 2e-6, 2e-6);
    },
  );

  it("L Lᵀ reproduces random positive definite matrices", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 36, maxLength: 36 }),
        (n, vals) => {
          const a = vals.slice(0, n * n);
          const spd = matmul(a, transpose(a, n, n), n, n, n).map(
            (v, i) => v + (i % (n + 1) === 0 ? n : 0),
          );
          const l = withX64(() => data(cholesky(f64(spd, [n, n]))));
          l.forEach((v, i) => {
            if (i % n > Math.floor(i / n)) expect(v).toBe(0);
          });
          expectAllClose(matmul(l, transpose(l, n, n), n, n, n), spd, 1e-10, 1e-10);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("gives NaNs for a matrix that is not positive definite, as JAX", () => {
    expect(data(cholesky(f32([1, 2, 2, 1], [2, 2]))).every(Number.isNaN)).toBe(true);
  });

  it("jit equals eager; vmap equals a loop (batch rule)", () => {
    const c = fixtures.cholesky[3]!; // [2, 3, 3]
    const x = f32(c.x, c.shape);
    expect(data(jit((a: Array) => cholesky(a))(x))).toEqual(data(cholesky(x)));
    expect(makeJaxpr((a: Array) => cholesky(a))(x).toString()).toMatch(/cholesky/);
    const raw = (a: Array) => cholesky(a, { symmetrizeInput: false });
    expect(data(vmap(raw)(x))).toEqual(data(raw(x)));
    expect(data(vmap(raw, { inAxes: 2 })(jnp.moveaxis(x, 0, 2)))).toEqual(data(raw(x)));
    expect(data(vmap(cholesky)(x))).toEqual(data(cholesky(x)));
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
      expectAllClose(data(q), c.q, 1e-12, 1e-12);
      expectAllClose(data(r), c.r, 1e-12, 1e-12);
      const [q32, r32] = qr(f32(c.x, c.shape), { fullMatrices: full });
      expectAllClose(data(q32), c.q, 1e-5, 1e-5);
      expectAllClose(data(r32), c.r, 1e-5, 1e-5);
    },
  );

  it("Q has orthonormal columns, R is upper triangular, Q R = A", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 25, maxLength: 25 }),
        (m, n, full, vals) => {
          const a = vals.slice(0, m * n);
          const [q, r] = withX64(() => qr(f64(a, [m, n]), { fullMatrices: full }));
          const k = q.shape[1]!;
          const qd = data(q);
          const rd = data(r);
          expectAllClose(matmul(transpose(qd, m, k), qd, k, m, k), eye(k), 1e-12, 1e-12);
          rd.forEach((v, i) => {
            if (Math.floor(i / n) > i % n) expect(v).toBe(0);
          });
          expectAllClose(matmul(qd, rd, m, k, n), a, 1e-12, 1e-12);
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
    expect(data(jq)).toEqual(data(q));
    expect(data(jr)).toEqual(data(r));
    const [vq, vr] = vmap(f)(x);
    expect(data(vq)).toEqual(data(q));
    expect(data(vr)).toEqual(data(r));
    expect(makeJaxpr(f)(x).toString()).toMatch(/qr\[full_matrices=False\]|qr/);
  });

  it("explains bad operands", () => {
    expect(() => qr(jnp.zeros([3]))).toThrow(
      /lax\.linalg\.qr: the operand must be a \(batch of\) matrices of shape \(\.\.\., m, n\), got shape \(3,\)/,
    );
  });
});
