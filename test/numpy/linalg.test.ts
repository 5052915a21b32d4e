/**
 * jnp.linalg against NumPy's float64 LAPACK results (test/fixtures/linalg.py):
 * solve (vector and matrix right-hand sides, broadcast batch dimensions) and
 * its gradients against the closed forms, inv, solveTriangular, cholesky and
 * qr's modes; under jit and vmap too.
 */
import { describe, expect, it } from "vitest";
import { type Array, grad, jit, numpy as jnp, lax, vmap, withX64 } from "../../src/index.js";
import fixtures from "../fixtures/linalg.json" with { type: "json" };
import {
  expectClose,
  expectMatches,
  expectSame,
  type FxArray,
  f32,
  f64,
  fromFixture,
  loop,
  randomArray,
  rng,
} from "../util/index.js";

const fx = (e: unknown) => e as FxArray;
const { linalg } = jnp;

describe("jnp.linalg.solve", () => {
  it.each(fixtures.solve.map((c) => [`${c.a.shape} \\ ${c.b.shape}`, c] as const))(
    "matches numpy.linalg.solve and the closed-form gradients, a %s",
    (_, c) => {
      withX64(() => {
        const a = fromFixture(fx(c.a));
        const b = fromFixture(fx(c.b));
        const x = linalg.solve(a, b);
        expectMatches(x, fx(c.x), 1e-11);
        expectSame(jit(linalg.solve)(a, b), x, "jit", 1e-12, 1e-12);
        const w = fromFixture(fx(c.w));
        const loss = (p: Array, q: Array) => jnp.sum(lax.mul(linalg.solve(p, q), w));
        const [ga, gb] = grad(loss, { argnums: [0, 1] })(a, b) as [Array, Array];
        expectMatches(ga, fx(c.grad_a), 1e-10);
        expectMatches(gb, fx(c.grad_b), 1e-10);
      });
    },
  );

  it("float32 and integer inputs", () => {
    const c = fixtures.solve[1]!;
    const x32 = linalg.solve(f32(c.a.data, c.a.shape), f32(c.b.data, c.b.shape));
    expectMatches(x32, { ...fx(c.x), dtype: "float32" }, 1e-5);
    const xi = linalg.solve(
      jnp.array(
        [
          [2, 0],
          [0, 4],
        ],
        "int32",
      ),
      jnp.array([2, 2], "int32"),
    );
    expect(xi.dtype).toBe("float32");
    expectClose(xi, [1, 0.5]);
  });

  it("vmap equals a loop over examples", () => {
    withX64(() => {
      const next = rng(2);
      const eye = jnp.eye(3, undefined, { dtype: "float64" });
      const as = jnp.add(randomArray([4, 3, 3], "float64", next), jnp.multiply(eye, 6));
      const bs = randomArray([3, 4], "float64", next);
      const f = (p: Array, q: Array) => linalg.solve(p, q);
      const want = loop(f, [as, bs], [0, 1], 0, 4)[0]!;
      expectSame(vmap(f, { inAxes: [0, 1] })(as, bs), want, "vmap", 1e-12, 1e-12);
    });
  });

  it("explains bad operands", () => {
    expect(() => linalg.solve(jnp.ones([2, 3]), jnp.ones([2]))).toThrow(
      /jnp\.linalg\.solve: a must be a \(batch of\) square matrices \(\.\.\., m, m\), got shape \(2, 3\)/,
    );
    expect(() => linalg.solve(jnp.eye(3), jnp.ones([2]))).toThrow(
      /jnp\.linalg\.solve: b must have 3 rows to match a of shape \(3, 3\), got shape \(2,\)/,
    );
  });
});

describe("jnp.linalg.inv", () => {
  it.each(fixtures.inv.map((c) => [c.a.shape, c] as const))(
    "matches numpy.linalg.inv, %j",
    (_, c) => {
      withX64(() => {
        const inv = linalg.inv(fromFixture(fx(c.a)));
        expectMatches(inv, fx(c.inv), 1e-11);
      });
    },
  );

  it("the gradient of trace(inv(a)) is -(a⁻²)ᵀ", () => {
    withX64(() => {
      const a = f64([4, 1, 0.5, 3], [2, 2]);
      const g = grad((m: Array) => jnp.trace(linalg.inv(m)))(a);
      const ai = linalg.inv(a);
      expectSame(g, lax.neg(jnp.transpose(jnp.matmul(ai, ai))), "grad", 1e-12, 1e-12);
    });
  });
});

describe("jnp.linalg.solveTriangular (jax.scipy.linalg.solve_triangular)", () => {
  it("matches the left-side fixtures for trans 0/1 and vector right-hand sides", () => {
    withX64(() => {
      for (const c of fixtures.triangular.filter((t) => t.left_side)) {
        const a = fromFixture(fx(c.a));
        const b = fromFixture(fx(c.b));
        const opts = { lower: c.lower, unitDiagonal: c.unit_diagonal };
        const x = linalg.solveTriangular(a, b, { ...opts, trans: c.transpose_a ? "T" : 0 });
        expectMatches(x, fx(c.x), 1e-12);
        // A vector b: each column on its own.
        const col = linalg.solveTriangular(a, jnp.take(b, 1, { axis: 2 }), {
          ...opts,
          trans: c.transpose_a ? 1 : "N",
        });
        expectSame(col, jnp.take(x, 1, { axis: 2 }), "vector", 1e-12, 1e-12);
      }
    });
  });

  it("explains a bad trans", () => {
    expect(() =>
      linalg.solveTriangular(jnp.eye(2), jnp.ones([2]), { trans: 3 as unknown as 0 }),
    ).toThrow(/jnp\.linalg\.solveTriangular: trans must be 0, 1, 2, "N", "T" or "C", got 3/);
  });
});

describe("jnp.linalg.cholesky and qr", () => {
  it("cholesky: lower by default, upper = Lᵀ", () => {
    const c = fixtures.cholesky[1]!;
    withX64(() => {
      const l = linalg.cholesky(f64(c.x, c.shape));
      expectClose(l, c.l, "lower", 1e-12, 1e-12);
      expectSame(linalg.cholesky(f64(c.x, c.shape), { upper: true }), jnp.transpose(l));
    });
  });

  it("qr modes: reduced (default), complete and r", () => {
    const x = f64([1, 2, 3, 4, 5, 7], [3, 2]);
    withX64(() => {
      const [q, r] = linalg.qr(x);
      expect(q.shape).toEqual([3, 2]);
      expect(r.shape).toEqual([2, 2]);
      const [qc, rc] = linalg.qr(x, "complete");
      expect(qc.shape).toEqual([3, 3]);
      expect(rc.shape).toEqual([3, 2]);
      expectSame(linalg.qr(x, "r"), r);
      expectSame(jnp.matmul(q, r), x, "q r", 1e-12, 1e-12);
    });
    expect(() => linalg.qr(x, "full" as "r")).toThrow(
      /jnp\.linalg\.qr: mode must be "reduced", "complete" or "r", got full/,
    );
  });
});
