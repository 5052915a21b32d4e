/**
 * lax.linalg.lu, eigh and svd against LAPACK through NumPy/SciPy
 * (test/fixtures/linalg.py): LU exactly as getrf pivots; eigenvectors and
 * singular vectors compared up to their sign (the only freedom for distinct
 * values), with reconstructions and orthogonality; jit against eager, vmap
 * against a loop, and derivatives against finite differences in float64.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JACOBI_MAX_N } from "../../src/backend/cpu/kernels/eigh.js";
import {
  type Array,
  grad,
  jit,
  numpy as jnp,
  lax,
  makeJaxpr,
  testUtil,
  withX64,
} from "../../src/index.js";
import fixtures from "../fixtures/linalg.json" with { type: "json" };
import {
  checkVmap,
  expectClose,
  expectMatches,
  expectSame,
  type FxArray,
  fromFixture,
  randomArray,
  rng,
  vals,
} from "../util/index.js";

const { lu, luPivotsToPermutation, eigh, svd } = lax.linalg;
const fx = (e: unknown) => e as FxArray;
const to32 = (x: Array) => lax.convertElementType(x, "float32");
const mT = (x: Array) => jnp.swapaxes(x, -1, -2);

/** Columns of `got` equal those of `want` up to one sign per column (per matrix of a batch). */
function expectColumnsUpToSign(got: Array, want: Array, tol: number, what = ""): void {
  expect(got.shape, what).toEqual(want.shape);
  // |<got_j, want_j>| = 1 for unit columns that agree up to sign.
  const dots = vals(jnp.abs(jnp.sum(jnp.multiply(got, want), -2)));
  expectClose(
    dots,
    dots.map(() => 1),
    `${what} |<got_j, want_j>|`,
    0,
    tol,
  );
}

/** Xᵀ X = I for the columns of X [..., r, c]. */
function expectOrthonormalColumns(x: Array, tol: number, what = ""): void {
  const c = x.shape[x.ndim - 1]!;
  const eye = jnp.broadcastTo(jnp.eye(c, undefined, { dtype: x.dtype }), [
    ...x.shape.slice(0, -2),
    c,
    c,
  ]);
  expectSame(jnp.matmul(mT(x), x), eye, `${what} XᵀX`, 0, tol);
}

describe("lax.linalg.lu", () => {
  it.each(fixtures.lu.map((c) => [c.x.shape, c] as const))(
    "matches LAPACK's getrf (scipy.linalg.lu_factor) for shape %j",
    (_, c) => {
      const k = Math.min(...c.x.shape.slice(-2));
      const pivShape = [...c.x.shape.slice(0, -2), k];
      const permShape = c.x.shape.slice(0, -1);
      withX64(() => {
        const [f, p, q] = lu(fromFixture(fx(c.x)));
        expectMatches(f, fx(c.lu), 1e-12);
        expectMatches(p, { shape: pivShape, dtype: "int32", data: c.pivots });
        expectMatches(q, { shape: permShape, dtype: "int32", data: c.permutation });
        expectMatches(luPivotsToPermutation(p, permShape.at(-1)!), {
          shape: permShape,
          dtype: "int32",
          data: c.permutation,
        });
      });
      const [f32, p32] = lu(to32(fromFixture(fx(c.x))));
      expectMatches(f32, { ...fx(c.lu), dtype: "float32" }, 1e-5);
      expect(vals(p32)).toEqual(c.pivots);
    },
  );

  it("P A = L U for random rectangular matrices, |L| ≤ 1", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 1 << 30 }),
        (m, n, seed) =>
          withX64(() => {
            const a = randomArray([m, n], "float64", rng(seed));
            const [f, , perm] = lu(a);
            const k = Math.min(m, n);
            const l = jnp.add(
              jnp.tril(jnp.take(f, jnp.arange(k), { axis: 1 }), -1),
              jnp.eye(m, k, { dtype: "float64" }),
            );
            const u = jnp.triu(jnp.take(f, jnp.arange(k), { axis: 0 }));
            expect(vals(jnp.abs(l)).every((v) => v <= 1)).toBe(true);
            expectSame(jnp.matmul(l, u), jnp.take(a, perm, { axis: 0 }), "P A", 1e-12, 1e-12);
          }),
      ),
      { numRuns: 50 },
    );
  });

  it("factors singular matrices without failing (zero pivots kept)", () => {
    withX64(() => {
      const [f, p, q] = lu(
        jnp.array(
          [
            [0, 0],
            [0, 1],
          ],
          "float64",
        ),
      );
      expect(vals(f)).toEqual([0, 0, 0, 1]);
      expect(vals(p)).toEqual([0, 1]);
      expect(vals(q)).toEqual([0, 1]);
    });
  });

  it("jit equals eager; vmap equals a loop at any axis; the jaxpr names lu", () => {
    withX64(() => {
      const c = fixtures.lu.at(-1)!; // (2, 3, 3)
      const x = fromFixture(fx(c.x));
      const [f, p, q] = lu(x);
      const [jf, jp, jq] = jit(lu)(x);
      expect(vals(jf)).toEqual(vals(f));
      expect(vals(jp)).toEqual(vals(p));
      expect(vals(jq)).toEqual(vals(q));
      expect(makeJaxpr((a: Array) => lu(a))(x).toString()).toMatch(/\blu\b/);
      const xs = jnp.stack([x, jnp.multiply(x, -2), jnp.flip(x, 1)], 1); // (2, 3, 3, 3)
      for (const out of [0, 1, 2]) {
        checkVmap((a) => lu(a)[out]!, [xs], [1], out === 0 ? 2 : 0, 3, `lu output ${out}`);
      }
    });
  });

  it("derivatives match finite differences (square, tall, wide, batched)", () => {
    withX64(() => {
      const next = rng(21);
      for (const shape of [
        [3, 3],
        [4, 2],
        [2, 4],
        [2, 3, 3],
        [1, 1],
      ]) {
        const x = randomArray(shape, "float64", next);
        testUtil.checkGrads((a: Array) => lu(a)[0], [x], 2, { rtol: 1e-6, atol: 1e-6 });
      }
    });
  });

  it("pivots and permutation have zero tangents; vmap of grad equals a loop", () => {
    withX64(() => {
      const next = rng(4);
      const x = randomArray([3, 3], "float64", next);
      // The integer outputs enter the loss like constants.
      const weights = (a: Array) => lax.convertElementType(jnp.add(lu(a)[1], lu(a)[2]), "float64");
      const g = grad((a: Array) => jnp.sum(jnp.multiply(lu(a)[0], weights(a))))(x) as Array;
      const w = weights(x);
      const want = grad((a: Array) => jnp.sum(jnp.multiply(lu(a)[0], w)))(x) as Array;
      expectSame(g, want);
      const xs = randomArray([3, 4, 4], "float64", next);
      const loss = (a: Array) => jnp.sum(jnp.sin(lu(a)[0]));
      checkVmap((a) => grad(loss)(a) as Array, [xs], [0], 1, 3, "vmap(grad(lu))");
    });
  });

  it("explains bad operands", () => {
    expect(() => lu(jnp.zeros([3]))).toThrow(
      /lax\.linalg\.lu: the operand must be a \(batch of\) matrices of shape \(\.\.\., m, n\), got shape \(3,\)/,
    );
    expect(() => lu(jnp.zeros([2, 2], "int32"))).toThrow(
      /lax\.linalg\.lu: the operand must have a float dtype/,
    );
    expect(() => luPivotsToPermutation(jnp.array([0, 1], "int32"), 1)).toThrow(
      /lax\.linalg\.luPivotsToPermutation: permutationSize must be an integer >= the number of pivots 2, got 1/,
    );
  });
});

describe("lax.linalg.eigh", () => {
  it.each(fixtures.eigh.map((c) => [c.x.shape, c.lower, c] as const))(
    "matches LAPACK's syevd (numpy.linalg.eigh) for shape %j, lower %s",
    (_, lower, c) => {
      withX64(() => {
        const x = fromFixture(fx(c.x));
        const [v, w] = eigh(x, { lower, symmetrizeInput: false });
        expectMatches(w, fx(c.w), 1e-12);
        expectColumnsUpToSign(v, fromFixture(fx(c.v)), 1e-10, "v");
        expectOrthonormalColumns(v, 1e-13, "v");
      });
      const [v32, w32] = eigh(to32(fromFixture(fx(c.x))), { lower, symmetrizeInput: false });
      expectMatches(w32, { ...fx(c.w), dtype: "float32" }, 2e-5);
      expectColumnsUpToSign(v32, to32(fromFixture(fx(c.v))), 1e-4, "v float32");
    },
  );

  it("V diag(w) Vᵀ reconstructs random symmetric matrices, w ascending", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 1 << 30 }), (n, seed) =>
        withX64(() => {
          const x = randomArray([n, n], "float64", rng(seed));
          const sym = jnp.divide(jnp.add(x, mT(x)), 2);
          const [v, w] = eigh(x);
          const wv = vals(w);
          expect(wv.every((e, i) => i === 0 || wv[i - 1]! <= e)).toBe(true);
          expectSame(jnp.matmul(jnp.multiply(v, w), mT(v)), sym, "V diag(w) Vᵀ", 1e-12, 1e-12);
          expectOrthonormalColumns(v, 1e-13);
        }),
      ),
      { numRuns: 50 },
    );
  });

  it("larger matrices (tridiagonal QL): reconstruction, orthogonality, derivatives", () => {
    withX64(() => {
      const next = rng(29);
      for (const n of [JACOBI_MAX_N + 1, 31]) {
        const x = randomArray([n, n], "float64", next);
        const sym = jnp.divide(jnp.add(x, mT(x)), 2);
        const [v, w] = eigh(x);
        const wv = vals(w);
        expect(wv.every((e, i) => i === 0 || wv[i - 1]! <= e)).toBe(true);
        expectSame(jnp.matmul(jnp.multiply(v, w), mT(v)), sym, "V diag(w) Vᵀ", 1e-13, 1e-13);
        expectOrthonormalColumns(v, 1e-13);
        // A diagonal matrix: its sorted diagonal and a permutation.
        const diag = jnp.diag(jnp.arange(n, 0, -1, "float64"));
        expectClose(
          eigh(diag)[1],
          globalThis.Array.from({ length: n }, (_, i) => i + 1),
          "",
          0,
          0,
        );
      }
      const x = randomArray([JACOBI_MAX_N + 2, JACOBI_MAX_N + 2], "float64", next);
      testUtil.checkGrads((a: Array) => eigh(a), [x], 1, {
        rtol: 1e-5,
        atol: 1e-5,
        modes: ["fwd"],
      });
    });
  });

  it("repeated eigenvalues: an orthonormal basis of each eigenspace", () => {
    withX64(() => {
      // Q diag(1, 1, 3) Qᵀ for a rotation Q: a 2-dimensional eigenspace.
      const [q] = lax.linalg.qr(
        jnp.array(
          [
            [1, 2, 0],
            [0, 1, 3],
            [2, 0, 1],
          ],
          "float64",
        ),
      );
      const a = jnp.matmul(jnp.multiply(q, jnp.array([1, 1, 3], "float64")), mT(q));
      const [v, w] = eigh(a);
      expectClose(w, [1, 1, 3], "", 1e-13, 1e-13);
      expectOrthonormalColumns(v, 1e-13);
      expectSame(jnp.matmul(jnp.multiply(v, w), mT(v)), a, "", 1e-13, 1e-13);
      expectSame(
        eigh(jnp.eye(3, undefined, { dtype: "float64" }))[0],
        jnp.eye(3, undefined, { dtype: "float64" }),
      );
    });
  });

  it("sortEigenvalues false still decomposes; jit equals eager; vmap equals a loop", () => {
    withX64(() => {
      const next = rng(8);
      const x = randomArray([4, 4], "float64", next);
      const [v, w] = eigh(x, { sortEigenvalues: false });
      expectSame(
        jnp.matmul(jnp.multiply(v, w), mT(v)),
        jnp.divide(jnp.add(x, mT(x)), 2),
        "",
        1e-12,
        1e-12,
      );
      const [jv, jw] = jit((a: Array) => eigh(a))(x);
      const [ev, ew] = eigh(x);
      expect(vals(jv)).toEqual(vals(ev));
      expect(vals(jw)).toEqual(vals(ew));
      const xs = randomArray([3, 4, 3, 3], "float64", next);
      checkVmap((a) => eigh(a)[0], [xs], [0], 2, 3, "eigh v");
      checkVmap((a) => eigh(a, { lower: false })[1], [xs], [1], 0, 4, "eigh w");
    });
  });

  it("derivatives match finite differences (symmetrized, and of one triangle)", () => {
    withX64(() => {
      const next = rng(13);
      for (const shape of [
        [1, 1],
        [3, 3],
        [2, 4, 4],
      ]) {
        const x = randomArray(shape, "float64", next);
        testUtil.checkGrads((a: Array) => eigh(a), [x], 2, { rtol: 1e-5, atol: 1e-5 });
        for (const lower of [true, false]) {
          const f = (a: Array) => eigh(a, { lower, symmetrizeInput: false });
          testUtil.checkGrads(f, [x], 1, { rtol: 1e-5, atol: 1e-5 });
        }
      }
    });
  });

  it("the gradient of the largest eigenvalue is v vᵀ; vmap of grad equals a loop", () => {
    withX64(() => {
      const next = rng(17);
      const x = randomArray([4, 4], "float64", next);
      const sym = jnp.divide(jnp.add(x, mT(x)), 2);
      const g = grad((a: Array) => jnp.take(eigh(a)[1], 3))(sym) as Array;
      const top = jnp.take(eigh(sym)[0], jnp.array([3], "int32"), { axis: 1 });
      expectSame(g, jnp.matmul(top, mT(top)), "d w_max / dA", 1e-12, 1e-12);
      const xs = randomArray([2, 3, 3], "float64", next);
      const loss = (a: Array) => jnp.sum(jnp.multiply(jnp.square(eigh(a)[0]), jnp.arange(3)));
      checkVmap((a) => grad(loss)(a) as Array, [xs], [0], 0, 2, "vmap(grad(eigh))");
    });
  });

  it("explains bad operands", () => {
    expect(() => eigh(jnp.zeros([2, 3]))).toThrow(
      /lax\.linalg\.eigh: the operand must be a \(batch of\) square matrices of shape \(\.\.\., n, n\), got shape \(2, 3\)/,
    );
    expect(() => eigh(jnp.zeros([2, 2], "int32"))).toThrow(/float dtype .* got int32/);
  });
});

describe("eigh and svd at the edges of the float range, and with NaNs", () => {
  it("scale with the matrix (no overflow or underflow of squares), both algorithms", () => {
    withX64(() => {
      const next = rng(41);
      for (const n of [3, JACOBI_MAX_N + 3]) {
        const x = randomArray([n, n], "float64", next);
        const [, w] = eigh(x);
        const s = svd(x, { computeUv: false });
        for (const scale of [1e200, 1e-200, 2 ** 1000]) {
          const xs = lax.mul(x, jnp.array(scale, "float64"));
          expectClose(
            eigh(xs)[1],
            vals(w).map((v) => v * scale),
            `eigh ×${scale}`,
            1e-13,
            0,
          );
          expectClose(
            svd(xs, { computeUv: false }),
            vals(s).map((v) => v * scale),
            `svd ×${scale}`,
            1e-13,
            0,
          );
        }
      }
    });
  });

  it("a NaN or infinity gives NaNs throughout, as LAPACK", () => {
    for (const n of [2, JACOBI_MAX_N + 1]) {
      for (const bad of [Number.NaN, Infinity]) {
        const x = jnp.where(jnp.equal(jnp.reshape(jnp.arange(n * n), [n, n]), 1), bad, jnp.eye(n));
        for (const out of [...eigh(x), ...svd(x)]) expect(vals(out).every(Number.isNaN)).toBe(true);
      }
    }
  });
});

describe("lax.linalg.svd", () => {
  it.each(fixtures.svd.map((c) => [c.x.shape, c] as const))(
    "matches LAPACK's gesdd (numpy.linalg.svd) for shape %j",
    (_, c) => {
      withX64(() => {
        const x = fromFixture(fx(c.x));
        expectMatches(svd(x, { computeUv: false }), fx(c.s), 1e-12);
        const [u, s, vt] = svd(x, { fullMatrices: false });
        expectMatches(s, fx(c.s), 1e-12);
        expectSame(
          jnp.matmul(jnp.multiply(u, jnp.expandDims(s, -2)), vt),
          x,
          "U S Vᵀ",
          1e-12,
          1e-12,
        );
        expectOrthonormalColumns(u, 1e-13, "U");
        expectOrthonormalColumns(mT(vt), 1e-13, "V");
        // Singular vectors of distinct nonzero singular values: the same up to a sign per pair.
        const sv = vals(s);
        const smax = Math.max(...sv);
        const distinct = sv.map(
          (v, i) => v > 1e-8 * smax && sv.every((o, j) => j === i || Math.abs(o - v) > 1e-6),
        );
        if (distinct.every(Boolean) && x.ndim === 2) {
          expectColumnsUpToSign(u, fromFixture(fx(c.u)), 1e-10, "U");
          expectColumnsUpToSign(mT(vt), mT(fromFixture(fx(c.vt))), 1e-10, "V");
          // The same sign for u_j and v_j: uᵀ A v = s.
          const pairs = jnp.sum(jnp.multiply(jnp.matmul(mT(u), x), vt), -1);
          expectClose(pairs, s, "u_jᵀ A v_j", 1e-12, 1e-12);
        }
      });
      const x32 = to32(fromFixture(fx(c.x)));
      const [u32, s32, vt32] = svd(x32, { fullMatrices: false });
      expectMatches(s32, { ...fx(c.s), dtype: "float32" }, 2e-5);
      expectSame(
        jnp.matmul(jnp.multiply(u32, jnp.expandDims(s32, -2)), vt32),
        x32,
        "float32 U S Vᵀ",
        1e-5,
        1e-5,
      );
    },
  );

  it("full matrices: square orthogonal U and V, also for rank-deficient and empty matrices", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 1 << 30 }),
        (m, n, rank, seed) =>
          withX64(() => {
            const next = rng(seed);
            // Rank ≤ `rank` (0: the zero matrix) or a generic matrix (rank ≥ min(m, n)).
            const x =
              rank >= Math.min(m, n)
                ? randomArray([m, n], "float64", next)
                : jnp.matmul(
                    randomArray([m, rank], "float64", next),
                    randomArray([rank, n], "float64", next),
                  );
            const [u, s, vt] = svd(x);
            expect(u.shape).toEqual([m, m]);
            expect(vt.shape).toEqual([n, n]);
            expectOrthonormalColumns(u, 1e-12, "U");
            expectOrthonormalColumns(vt, 1e-12, "Vᵀ rows");
            const k = Math.min(m, n);
            const uk = jnp.take(u, jnp.arange(k), { axis: 1 });
            const vk = jnp.take(vt, jnp.arange(k), { axis: 0 });
            expectSame(jnp.matmul(jnp.multiply(uk, s), vk), x, "U S Vᵀ", 1e-12, 1e-12);
            const sv = vals(s);
            expect(sv.every((v, i) => v >= 0 && (i === 0 || sv[i - 1]! >= v))).toBe(true);
          }),
      ),
      { numRuns: 60 },
    );
    withX64(() => {
      const [u, s, vt] = svd(jnp.zeros([0, 3], "float64"));
      expect(s.shape).toEqual([0]);
      expect(u.shape).toEqual([0, 0]);
      expectSame(vt, jnp.eye(3, undefined, { dtype: "float64" }));
    });
  });

  it("jit equals eager; vmap equals a loop; the jaxpr names svd", () => {
    withX64(() => {
      const next = rng(3);
      const x = randomArray([2, 4, 3], "float64", next);
      const f = (a: Array) => svd(a, { fullMatrices: false });
      const [u, s, vt] = f(x);
      const [ju, js, jvt] = jit(f)(x);
      expect(vals(ju)).toEqual(vals(u));
      expect(vals(js)).toEqual(vals(s));
      expect(vals(jvt)).toEqual(vals(vt));
      expect(makeJaxpr(f)(x).toString()).toMatch(/svd/);
      const xs = randomArray([3, 2, 5], "float64", next);
      checkVmap((a) => svd(a)[0], [xs], [0], 1, 3, "svd U");
      checkVmap((a) => svd(a, { computeUv: false }), [xs], [2], 0, 5, "svd s");
      checkVmap((a) => svd(a, { fullMatrices: false })[2], [xs], [1], 2, 2, "svd Vᵀ");
    });
  });

  it("derivatives match finite differences (reduced; singular values of any shape)", () => {
    withX64(() => {
      const next = rng(19);
      for (const shape of [
        [3, 3],
        [4, 2],
        [2, 4],
        [2, 3, 2],
        [1, 1],
      ]) {
        const a = randomArray(shape, "float64", next);
        testUtil.checkGrads((b: Array) => svd(b, { fullMatrices: false }), [a], 2, {
          rtol: 1e-6,
          atol: 1e-6,
        });
        testUtil.checkGrads((b: Array) => svd(b, { computeUv: false }), [a], 2, {
          rtol: 1e-6,
          atol: 1e-6,
        });
      }
      // Full matrices of square A are the reduced ones.
      testUtil.checkGrads((b: Array) => svd(b), [randomArray([3, 3], "float64", next)], 1, {
        rtol: 1e-6,
        atol: 1e-6,
      });
    });
  });

  it("the gradient of the nuclear norm is U Vᵀ; vmap of grad equals a loop", () => {
    withX64(() => {
      const next = rng(23);
      const x = randomArray([4, 3], "float64", next);
      const g = grad((a: Array) => jnp.sum(svd(a, { computeUv: false })))(x);
      const [u, , vt] = svd(x, { fullMatrices: false });
      expectSame(g, jnp.matmul(u, vt), "d‖A‖_* / dA", 1e-12, 1e-12);
      const xs = randomArray([2, 3, 4], "float64", next);
      const loss = (a: Array) =>
        jnp.sum(
          jnp
            .square(svd(a, { fullMatrices: false })[0])
            .at(0)
            .get(),
        );
      checkVmap((a) => grad(loss)(a) as Array, [xs], [0], 2, 2, "vmap(grad(svd))");
    });
  });

  it("explains bad operands and the derivative it does not define", () => {
    expect(() => svd(jnp.zeros([3]))).toThrow(
      /lax\.linalg\.svd: the operand must be a \(batch of\) matrices of shape \(\.\.\., m, n\), got shape \(3,\)/,
    );
    const f = (a: Array) => jnp.sum(svd(a)[0]);
    expect(() => grad(f)(jnp.ones([3, 2]))).toThrow(
      /lax\.linalg\.svd: the derivative of U and Vᵀ is defined for reduced SVD \(fullMatrices false\) or square matrices, got shape \(3, 2\)/,
    );
  });
});
