/**
 * jnp.linalg's functions on lu, eigh and svd against NumPy's float64 LAPACK
 * results (test/fixtures/linalg.py): det (with the cofactor gradient, also
 * at singular matrices), slogdet, eigh/eigvalsh, svd/svdvals (also by
 * eigh for symmetric input), pinv, matrixRank, cond, norm, lstsq,
 * matrixPower, multiDot, tensorsolve/tensorinv; jit against eager, vmap
 * against a loop and derivatives against finite differences.
 */
import { describe, expect, it } from "vitest";
import {
  type Array,
  grad,
  jit,
  numpy as jnp,
  makeJaxpr,
  testUtil,
  vmap,
  withX64,
} from "../../src/index.js";
import type { NormOrd } from "../../src/numpy/linalg.js";
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

const fx = (e: unknown) => e as FxArray;
const { linalg } = jnp;
const mT = (x: Array) => jnp.swapaxes(x, -1, -2);
const ordOf = (o: number | string | null): NormOrd =>
  o === "inf" ? Infinity : o === "-inf" ? -Infinity : (o as NormOrd);
const tol6 = { rtol: 1e-6, atol: 1e-6 };

describe("jnp.linalg.det and slogdet", () => {
  it.each(fixtures.det.map((c) => [c.x.shape, c] as const))(
    "match numpy.linalg.det/slogdet; the gradient is the cofactor matrix, %j",
    (_, c) => {
      withX64(() => {
        const x = fromFixture(fx(c.x));
        const singular = vals(fx(c.det).data).some((d) => Math.abs(d) < 1e-10);
        if (singular) {
          // Rounding decides the sign and size of a numerically zero determinant.
          expectClose(linalg.det(x), fx(c.det).data, "det", 0, 1e-12);
        } else {
          expectMatches(linalg.det(x), fx(c.det), 1e-11);
          const [sign, logabs] = linalg.slogdet(x);
          expectMatches(sign, fx(c.sign));
          expectMatches(logabs, fx(c.logabsdet), 1e-12);
        }
        const g = grad((a: Array) => jnp.sum(linalg.det(a)))(x) as Array;
        expectMatches(g, fx(c.grad), 1e-10);
        expectSame(jit(linalg.det)(x), linalg.det(x), "jit", 1e-14, 1e-14);
      });
      const x32 = jnp.asarray(fromFixture(fx(c.x)), "float32");
      expectClose(linalg.det(x32), fx(c.det).data, "float32", 1e-4, 1e-5);
    },
  );

  it("singular matrices: det 0, slogdet [0, -inf]; gradients at rank n - 2 are zero", () => {
    withX64(() => {
      const s = jnp.array(
        [
          [1, 2],
          [2, 4],
        ],
        "float64",
      );
      expectClose(linalg.det(s), [0]);
      expectClose(linalg.slogdet(s), [0, -Infinity]);
      // adj of a rank-1 3×3 matrix is zero.
      const r1 = jnp.outer(jnp.array([1, 2, 3], "float64"), jnp.array([1, -1, 2], "float64"));
      expectSame(grad(linalg.det)(r1) as Array, jnp.zeros([3, 3], "float64"));
      // 1×1 and 0×0 matrices: det 5 and 1, gradients 1 and empty.
      expectClose(grad(linalg.det)(jnp.array([[5]], "float64")) as Array, [1]);
      expectClose(linalg.det(jnp.zeros([0, 0], "float64")), [1]);
    });
  });

  it("derivatives match finite differences to second order, batched", () => {
    withX64(() => {
      const next = rng(31);
      const x = randomArray([2, 3, 3], "float64", next);
      testUtil.checkGrads(linalg.det, [x], 2, tol6);
      testUtil.checkGrads((a: Array) => linalg.slogdet(a)[1], [x], 2, tol6);
    });
  });

  it("vmap equals a loop, also of the gradient", () => {
    withX64(() => {
      const next = rng(32);
      const xs = randomArray([4, 4, 4], "float64", next);
      checkVmap(linalg.det, [xs], [0], 0, 4, "det");
      checkVmap((a) => linalg.slogdet(a)[1], [xs], [1], 0, 4, "slogdet");
      checkVmap((a) => grad(linalg.det)(a) as Array, [xs], [2], 1, 4, "vmap(grad(det))");
    });
  });

  it("explains non-square input", () => {
    expect(() => linalg.det(jnp.ones([2, 3]))).toThrow(
      /jnp\.linalg\.det: a must be a \(batch of\) square matrices \(\.\.\., m, m\), got shape \(2, 3\)/,
    );
    expect(() => linalg.slogdet(jnp.ones([3]))).toThrow(/jnp\.linalg\.slogdet: .*got shape \(3,\)/);
  });
});

describe("jnp.linalg.solve by LU", () => {
  it("runs through lu and triangular solves; its gradient reuses them (jaxprs)", () => {
    withX64(() => {
      const a = jnp.array(
        [
          [4, 1],
          [2, 3],
        ],
        "float64",
      );
      const b = jnp.array([1, 2], "float64");
      expect(makeJaxpr(linalg.solve)(a, b).toString()).toMatch(/custom_jvp_call/);
      const g = makeJaxpr(grad((p: Array) => jnp.sum(linalg.solve(p, b))))(a).toString();
      expect(g).toMatch(/\blu\b/);
      expect(g).toMatch(/triangular_solve/);
      testUtil.checkGrads(linalg.solve, [a, b], 2, tol6);
    });
  });

  it("is accurate on an ill-conditioned matrix (Hilbert 6×6, κ ≈ 1.5e7)", () => {
    withX64(() => {
      const n = 6;
      const h = jnp.array(
        globalThis.Array.from({ length: n }, (_, i) =>
          globalThis.Array.from({ length: n }, (_, j) => 1 / (i + j + 1)),
        ),
        "float64",
      );
      const x = jnp.ones([n], "float64");
      const b = jnp.matmul(h, x);
      // Backward stable: error ≈ κ·eps.
      expectClose(linalg.solve(h, b), vals(x), "", 0, 1e-8);
      expectSame(
        jnp.matmul(linalg.inv(h), h),
        jnp.eye(n, undefined, { dtype: "float64" }),
        "",
        0,
        1e-8,
      );
    });
  });
});

describe("jnp.linalg.eigh and eigvalsh", () => {
  it.each(fixtures.eigh.map((c) => [c.x.shape, c.lower, c] as const))(
    "match numpy.linalg.eigh, shape %j, lower %s",
    (_, lower, c) => {
      withX64(() => {
        const x = fromFixture(fx(c.x));
        const UPLO = lower ? "L" : "U";
        const [w, v] = linalg.eigh(x, { UPLO, symmetrizeInput: false });
        expectMatches(w, fx(c.w), 1e-12);
        // The symmetric matrix of the triangle NumPy read: eigvalsh symmetrizes it back.
        const lowerMask = jnp.tri(x.shape.at(-1)!, undefined, 0, "bool");
        const sym = lower ? jnp.where(lowerMask, x, mT(x)) : jnp.where(lowerMask, mT(x), x);
        expectMatches(linalg.eigvalsh(sym, UPLO), fx(c.w), 1e-12);
        // |<v_j, v_ref_j>| = 1.
        const dots = jnp.abs(jnp.sum(jnp.multiply(v, fromFixture(fx(c.v))), -2));
        expectClose(
          dots,
          vals(dots).map(() => 1),
          "",
          0,
          1e-10,
        );
      });
    },
  );

  it("symmetrizes by default; explains a bad UPLO", () => {
    withX64(() => {
      const x = randomArray([4, 4], "float64", rng(5));
      const sym = jnp.divide(jnp.add(x, mT(x)), 2);
      expectSame(
        linalg.eigvalsh(x),
        linalg.eigh(sym, { symmetrizeInput: false })[0],
        "",
        1e-14,
        1e-14,
      );
    });
    expect(() => linalg.eigh(jnp.eye(2), { UPLO: "X" as "L" })).toThrow(
      /jnp\.linalg\.eigh: UPLO must be "L" or "U", got X/,
    );
  });
});

describe("jnp.linalg.svd, svdvals, pinv, matrixRank, cond", () => {
  it.each(fixtures.svd.map((c) => [c.x.shape, c] as const))("svd matches numpy, %j", (_, c) => {
    withX64(() => {
      const x = fromFixture(fx(c.x));
      expectMatches(linalg.svdvals(x), fx(c.s), 1e-12);
      const [u, s, vt] = linalg.svd(x);
      expectMatches(s, fx(c.s), 1e-12);
      const k = s.shape.at(-1)!;
      const uk = jnp.take(u, jnp.arange(k), { axis: -1 });
      const vk = jnp.take(vt, jnp.arange(k), { axis: -2 });
      expectSame(jnp.matmul(jnp.multiply(uk, jnp.expandDims(s, -2)), vk), x, "", 1e-12, 1e-12);
    });
  });

  it("hermitian: the SVD from eigh equals the general one", () => {
    withX64(() => {
      const x = randomArray([2, 4, 4], "float64", rng(6));
      const sym = jnp.add(x, mT(x));
      const [u, s, vt] = linalg.svd(sym, { hermitian: true });
      expectSame(s, linalg.svdvals(sym), "s", 1e-12, 1e-12);
      expectSame(linalg.svd(sym, { hermitian: true, computeUv: false }), s);
      expectSame(
        jnp.matmul(jnp.multiply(u, jnp.expandDims(s, -2)), vt),
        sym,
        "U S Vᵀ",
        1e-12,
        1e-12,
      );
      expectSame(linalg.pinv(sym, { hermitian: true }), linalg.pinv(sym), "pinv", 1e-10, 1e-10);
    });
  });

  it.each(fixtures.pinv.map((c) => [c.x.shape, c] as const))(
    "pinv and matrixRank match numpy, %j",
    (_, c) => {
      withX64(() => {
        const x = fromFixture(fx(c.x));
        expectMatches(linalg.pinv(x), fx(c.pinv), 1e-10);
        const shape = c.x.shape.slice(0, -2);
        expectMatches(linalg.matrixRank(x), { shape, dtype: "int32", data: c.rank });
        expectSame(jit((a: Array) => linalg.pinv(a))(x), linalg.pinv(x), "jit", 1e-14, 1e-14);
      });
    },
  );

  it("pinv: derivatives (full rank) against finite differences; vmap equals a loop", () => {
    withX64(() => {
      const next = rng(33);
      for (const shape of [
        [3, 2],
        [2, 3],
        [3, 3],
      ]) {
        testUtil.checkGrads(
          (a: Array) => linalg.pinv(a),
          [randomArray(shape, "float64", next)],
          2,
          tol6,
        );
      }
      checkVmap(
        (a) => linalg.pinv(a),
        [randomArray([2, 4, 3], "float64", next)],
        [0],
        2,
        2,
        "pinv",
      );
    });
  });

  it("matrixRank: tolerances, vectors and zeros", () => {
    withX64(() => {
      const d = jnp.diag(jnp.array([1, 1e-3, 1e-9], "float64"));
      expect(linalg.matrixRank(d).item()).toBe(3);
      expect(linalg.matrixRank(d, { rtol: 1e-6 }).item()).toBe(2);
      expect(linalg.matrixRank(d, { tol: 0.01 }).item()).toBe(1);
      expect(linalg.matrixRank(jnp.array([0, 2], "float64")).item()).toBe(1);
      expect(linalg.matrixRank(jnp.zeros([3, 3])).item()).toBe(0);
    });
  });

  it.each(fixtures.cond.map((c) => [c.p, c] as const))("cond matches numpy, p = %s", (_, c) => {
    withX64(() => {
      expectMatches(linalg.cond(fromFixture(fx(c.x)), ordOf(c.p)), fx(c.cond), 1e-10);
    });
  });

  it("cond of a singular matrix is infinite", () => {
    withX64(() => {
      const s = jnp.array(
        [
          [1, 2],
          [2, 4],
        ],
        "float64",
      );
      expect(linalg.cond(s, 1).item()).toBe(Infinity);
      expect(linalg.cond(s).item()).toBeGreaterThan(1e15);
    });
  });
});

describe("jnp.linalg.norm, vectorNorm, matrixNorm", () => {
  it.each(fixtures.norms.map((c) => [c.x.shape, c.ord, JSON.stringify(c.axis), c] as const))(
    "matches numpy.linalg.norm for shape %j, ord %s, axis %s",
    (_, ord, _a, c) => {
      withX64(() => {
        const x = fromFixture(fx(c.x));
        const axis = c.axis as number | number[] | null;
        const got = linalg.norm(x, ordOf(ord), axis);
        expectMatches(got, fx(c.norm), 1e-12);
        // keepdims keeps the reduced axes as ones.
        const kept = linalg.norm(x, ordOf(ord), axis, true);
        const axes =
          axis === null
            ? x.shape.map((_d, i) => i)
            : [axis].flat().map((d) => (d + x.ndim) % x.ndim);
        expect(kept.shape).toEqual(x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
        expectClose(kept, got, "keepdims", 1e-14, 1e-14);
      });
    },
  );

  it("vectorNorm and matrixNorm (the Array API's names)", () => {
    withX64(() => {
      const x = randomArray([2, 3, 4], "float64", rng(9));
      expectSame(linalg.vectorNorm(x), linalg.norm(x));
      expectSame(
        linalg.vectorNorm(x, { ord: 1, axis: [0, 2] }),
        jnp.sum(jnp.abs(x), [0, 2]),
        "",
        1e-14,
        1e-14,
      );
      expectSame(
        linalg.vectorNorm(x, { ord: Infinity, axis: -1, keepdims: true }),
        jnp.max(jnp.abs(x), -1, { keepdims: true }),
      );
      expectSame(linalg.matrixNorm(x), linalg.norm(x, "fro", [1, 2]));
      expectSame(linalg.matrixNorm(x, { ord: "nuc" }), jnp.sum(linalg.svdvals(x), -1));
    });
  });

  it("gradients (fro, 2, nuc, 1, p = 3) match finite differences", () => {
    withX64(() => {
      const x = randomArray([3, 4], "float64", rng(10));
      for (const ord of ["fro", 2, "nuc", 3] as NormOrd[]) {
        testUtil.checkGrads((a: Array) => linalg.norm(a, ord, ord === 3 ? 1 : null), [x], 1, tol6);
      }
    });
  });

  it("explains bad orders and axes", () => {
    expect(() => linalg.norm(jnp.ones([2, 2]), "nuc", 0)).toThrow(
      /jnp\.linalg\.norm: invalid order "nuc" for a vector norm/,
    );
    expect(() => linalg.norm(jnp.ones([2, 2]), 3)).toThrow(/invalid order 3 for a matrix norm/);
    expect(() => linalg.norm(jnp.ones([2, 2, 2]), 2)).toThrow(
      /an order needs a vector or a matrix \(or axis\), got 3 dimensions/,
    );
    expect(() => linalg.norm(jnp.ones([2, 2]), null, [0, 0])).toThrow(/two distinct axes/);
  });
});

describe("jnp.linalg.lstsq", () => {
  it.each(fixtures.lstsq.map((c) => [c.a.shape, c.b.shape, c] as const))(
    "matches numpy.linalg.lstsq, a %j, b %j",
    (_, _b, c) => {
      withX64(() => {
        const [x, resid, rank, s] = linalg.lstsq(fromFixture(fx(c.a)), fromFixture(fx(c.b)));
        expectMatches(x, fx(c.x), 1e-11);
        // Zero residuals (underdetermined) agree to rounding only.
        expect(resid.shape).toEqual(c.resid.shape);
        expectClose(resid, c.resid.data, "residuals", 1e-9, 1e-12);
        expect(rank.item()).toBe(c.rank);
        expectMatches(s, fx(c.s), 1e-12);
      });
    },
  );

  it("gives the minimum-norm solution of a rank-deficient system; explains bad shapes", () => {
    withX64(() => {
      const a = jnp.array(
        [
          [1, 1],
          [1, 1],
          [2, 2],
        ],
        "float64",
      );
      const [x, , rank] = linalg.lstsq(a, jnp.array([1, 1, 2], "float64"));
      expect(rank.item()).toBe(1);
      expectClose(x, [0.5, 0.5], "", 1e-14, 1e-14);
    });
    expect(() => linalg.lstsq(jnp.ones([3, 2]), jnp.ones([2]))).toThrow(
      /jnp\.linalg\.lstsq: b must be \(m,\) or \(m, k\) with m = 3 rows as a \(shape \(3, 2\)\), got shape \(2,\)/,
    );
    expect(() => linalg.lstsq(jnp.ones([2, 3, 2]), jnp.ones([3]))).toThrow(/a must be a matrix/);
  });
});

describe("jnp.linalg.matrixPower, multiDot, tensorsolve, tensorinv", () => {
  it.each(fixtures.matrix_power.map((c) => [c.n, c] as const))("matrixPower(a, %i)", (n, c) => {
    withX64(() => expectMatches(linalg.matrixPower(fromFixture(fx(c.x)), n), fx(c.out), 1e-10));
  });

  it("matrixPower keeps integer dtypes for n ≥ 0; explains bad n", () => {
    const a = jnp.array(
      [
        [1, 1],
        [1, 0],
      ],
      "int32",
    );
    const f = linalg.matrixPower(a, 10);
    expect(f.dtype).toBe("int32");
    expect(vals(f)).toEqual([89, 55, 55, 34]);
    expect(() => linalg.matrixPower(a, 1.5)).toThrow(
      /jnp\.linalg\.matrixPower: n must be an integer, got 1\.5/,
    );
  });

  it.each(fixtures.multi_dot.map((c) => [c.arrays.map((x) => x.shape), c] as const))(
    "multiDot %j matches numpy",
    (_, c) => {
      withX64(() => {
        expectMatches(linalg.multiDot(c.arrays.map((x) => fromFixture(fx(x)))), fx(c.out), 1e-12);
      });
    },
  );

  it("multiDot multiplies in the cheapest order; explains chains that do not fit", () => {
    // (10×2)(2×10)(10×2): A (B C) costs 80 multiplications, (A B) C 400.
    const a = jnp.ones([10, 2]);
    const b = jnp.ones([2, 10]);
    const jaxpr = makeJaxpr((x: Array, y: Array, z: Array) => linalg.multiDot([x, y, z]))(a, b, a);
    expect(
      jaxpr
        .toString()
        .split("\n")
        .find((l) => /dot_general/.test(l)),
    ).toMatch(/f32\[2,2\]/);
    expect(() => linalg.multiDot([a, a])).toThrow(
      /jnp\.linalg\.multiDot: arrays\[0\] of shape \(10, 2\) and arrays\[1\] of shape \(10, 2\) do not chain/,
    );
  });

  it("tensorsolve and tensorinv match numpy", () => {
    withX64(() => {
      for (const c of fixtures.tensorsolve) {
        const a = fromFixture(fx(c.a));
        const b = fromFixture(fx(c.b));
        const x = linalg.tensorsolve(a, b);
        expectMatches(x, fx(c.x), 1e-11);
        expectSame(jnp.tensordot(a, x, x.ndim), b, "", 1e-12, 1e-12);
      }
      const a = fromFixture(fx(fixtures.tensorsolve[1]!.a)); // (2, 3, 6)
      const ai = linalg.tensorinv(jnp.reshape(a, [6, 2, 3]), 1);
      expect(ai.shape).toEqual([2, 3, 6]);
      expectSame(
        jnp.tensordot(ai, jnp.reshape(a, [6, 2, 3]), 1),
        jnp.eye(6, undefined, { dtype: "float64" }).reshape([2, 3, 2, 3]),
        "",
        1e-12,
        1e-12,
      );
      // axes: a's axis 0 moved to the end.
      const moved = linalg.tensorsolve(
        jnp.moveaxis(fromFixture(fx(fixtures.tensorsolve[0]!.a)), 1, 0),
        fromFixture(fx(fixtures.tensorsolve[0]!.b)),
        [0],
      );
      expect(moved.shape).toEqual([3, 2]);
    });
    expect(() => linalg.tensorsolve(jnp.ones([6, 2, 2]), jnp.ones([6]))).toThrow(
      /jnp\.linalg\.tensorsolve: a's leading dimensions must be b's shape \(6,\)/,
    );
  });
});

describe("the Array API's linalg names", () => {
  it("diagonal and trace act on the last two axes; the products are jnp's", () => {
    const x = jnp.reshape(jnp.arange(24), [2, 3, 4]);
    expect(vals(linalg.diagonal(x))).toEqual([0, 5, 10, 12, 17, 22]);
    expect(vals(linalg.diagonal(x, { offset: 1 }))).toEqual([1, 6, 11, 13, 18, 23]);
    expect(vals(linalg.trace(x))).toEqual([15, 51]);
    expect(vals(linalg.trace(x, { offset: -1 }))).toEqual([4 + 9, 16 + 21]);
    expect(linalg.matrixTranspose(x).shape).toEqual([2, 4, 3]);
    expect(linalg.matmul).toBe(jnp.matmul);
    expect(linalg.vecdot).toBe(jnp.vecdot);
    expect(linalg.cross).toBe(jnp.cross);
    expect(linalg.outer).toBe(jnp.outer);
    expect(linalg.tensordot).toBe(jnp.tensordot);
  });
});

describe("vmap of the jnp.linalg functions equals a loop", () => {
  it("eigh, svd, pinv, norm, matrixPower", () => {
    withX64(() => {
      const next = rng(40);
      const xs = randomArray([3, 3, 3], "float64", next);
      checkVmap((a) => linalg.eigvalsh(a), [xs], [0], 0, 3, "eigvalsh");
      checkVmap((a) => linalg.svdvals(a), [xs], [1], 1, 3, "svdvals");
      checkVmap((a) => linalg.norm(a, 2), [xs], [2], 0, 3, "norm 2");
      checkVmap((a) => linalg.matrixPower(a, 3), [xs], [0], 0, 3, "matrixPower");
      expectSame(vmap((a: Array) => linalg.norm(a, "nuc"))(xs), linalg.norm(xs, "nuc", [1, 2]));
      // lstsq is 2-D only, so vmap is its batch: a batched, b shared.
      const bs = randomArray([3], "float64", next);
      const x0 = (a: Array) => linalg.lstsq(a, bs)[0];
      checkVmap(x0, [xs], [0], 0, 3, "lstsq x");
      expectSame(
        jit(x0)(jnp.take(xs, 0, { axis: 0 })),
        x0(jnp.take(xs, 0, { axis: 0 })),
        "jit lstsq",
        1e-14,
        1e-14,
      );
    });
  });
});
