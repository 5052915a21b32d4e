/**
 * jax.scipy.linalg keeps SciPy's signatures and defaults, as JAX's does:
 * `cholesky(a, lower=False, overwrite_a=False, check_finite=True)` returns the
 * UPPER factor by default (jnp.linalg.cholesky, NumPy's, the lower one), and
 * cho_factor/cho_solve take SciPy's keywords (accepted and ignored).
 */
import { describe, expect, it } from "vitest";
import { numpy as jnp, scipy } from "../../src/index.js";
import { expectClose, f64 } from "../util/index.js";

const { linalg } = scipy;
// [[4, 2], [2, 3]] = Uᵀ U with U = [[2, 1], [0, √2]].
const spd = () => f64([4, 2, 2, 3], [2, 2]);
const U = [2, 1, 0, Math.SQRT2];
const L = [2, 0, 1, Math.SQRT2];

describe("jax.scipy.linalg.cholesky", () => {
  it("returns the upper factor by default, as SciPy and JAX", () => {
    expectClose(linalg.cholesky(spd()), U, "upper", 1e-6, 1e-6);
    expectClose(linalg.cholesky(spd(), { lower: false }), U, "upper", 1e-6, 1e-6);
  });

  it("returns the lower factor with lower: true or positionally", () => {
    expectClose(linalg.cholesky(spd(), { lower: true }), L, "lower", 1e-6, 1e-6);
    expectClose(linalg.cholesky(spd(), true), L, "lower", 1e-6, 1e-6);
  });

  it("accepts overwriteA and checkFinite and ignores them, as JAX", () => {
    const c = linalg.cholesky(spd(), { overwriteA: true, checkFinite: false });
    expectClose(c, U, "upper", 1e-6, 1e-6);
  });

  it("validates its options", () => {
    expect(() => linalg.cholesky(spd(), { overwrite_a: true } as never)).toThrow(
      /jax\.scipy\.linalg\.cholesky: unknown option 'overwrite_a' \(did you mean 'overwriteA'\?\)/,
    );
    expect(() => linalg.cholesky(spd(), { lower: 1 } as never)).toThrow(TypeError);
    expect(() => linalg.cholesky(spd(), { checkFinite: "no" } as never)).toThrow(
      /checkFinite must be a boolean/,
    );
  });

  it("differs from jnp.linalg.cholesky (NumPy's lower default) only in the default", () => {
    expectClose(jnp.linalg.cholesky(spd()), L, "jnp lower", 1e-6, 1e-6);
    expectClose(jnp.linalg.cholesky(spd(), { upper: true }), U, "jnp upper", 1e-6, 1e-6);
  });
});

describe("jax.scipy.linalg.cho_factor / cho_solve", () => {
  it("cho_factor's default is upper (lower false), as SciPy", () => {
    const [c, lower] = linalg.choFactor(spd());
    expect(lower).toBe(false);
    expectClose(c, U, "upper", 1e-6, 1e-6);
    const [cl, lowerL] = linalg.choFactor(spd(), {
      lower: true,
      overwriteA: false,
      checkFinite: true,
    });
    expect(lowerL).toBe(true);
    expectClose(cl, L, "lower", 1e-6, 1e-6);
  });

  it("cho_solve solves with either factor and takes SciPy's keywords", () => {
    const b = f64([1, 2]);
    // [[4, 2], [2, 3]] x = [1, 2]: x = [-1/8, 3/4].
    for (const lower of [false, true]) {
      const x = linalg.choSolve(linalg.choFactor(spd(), lower), b, {
        overwriteB: false,
        checkFinite: true,
      });
      expectClose(x, [-0.125, 0.75], `lower=${lower}`, 1e-6, 1e-6);
    }
    expect(() => linalg.choSolve(linalg.choFactor(spd()), b, { lower: true } as never)).toThrow(
      /cho_solve: unknown option 'lower'/,
    );
    expect(() => linalg.choSolve([spd(), "yes" as never], b)).toThrow(TypeError);
  });
});
