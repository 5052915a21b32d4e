/**
 * `jax.scipy.linalg`: jnp.linalg's functions plus SciPy's factor-then-solve
 * pairs (choFactor/choSolve, luFactor/luSolve), built on lax.linalg.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { checkOptions, kindOf, type OptionKeys } from "../options.js";
import { promoteInexact } from "./util.js";

export {
  det,
  eigh,
  inv,
  lstsq,
  matrixPower,
  norm,
  pinv,
  qr,
  slogdet,
  solve,
  solveTriangular,
  svd,
  svdvals,
} from "../numpy/linalg.js";

/** SciPy's `cholesky`/`cho_factor` keywords (`overwrite_a`, `check_finite` are accepted and ignored, as in JAX). */
export interface CholeskyOptions {
  /** Return the lower factor L (a = L Lᵀ) instead of the upper one U (a = Uᵀ U). Default false, as SciPy. */
  lower?: boolean;
  /** SciPy's `overwrite_a`: accepted and ignored (JAX never overwrites). */
  overwriteA?: boolean;
  /** SciPy's `check_finite`: accepted and ignored (JAX does not check). */
  checkFinite?: boolean;
}
const CHOLESKY_KEYS: OptionKeys<CholeskyOptions> = {
  lower: true,
  overwriteA: true,
  checkFinite: true,
};

/** SciPy's `cho_solve` keywords, accepted and ignored as in JAX. */
export interface ChoSolveOptions {
  /** SciPy's `overwrite_b`: accepted and ignored. */
  overwriteB?: boolean;
  /** SciPy's `check_finite`: accepted and ignored. */
  checkFinite?: boolean;
}
const CHO_SOLVE_KEYS: OptionKeys<ChoSolveOptions> = { overwriteB: true, checkFinite: true };

/** Checks that the options given are booleans (a TypeError naming the function and key otherwise). */
function checkBooleans(op: string, options: object): void {
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined && typeof v !== "boolean") {
      throw new TypeError(`${op}: ${k} must be a boolean, got ${kindOf(v)}`);
    }
  }
}

/** `lower` from SciPy's positional form (`cholesky(a, true)`) or its keyword form (`{ lower }`). */
function lowerOption(op: string, options: boolean | CholeskyOptions | undefined): boolean {
  if (typeof options === "boolean") return options;
  const opts = checkOptions(op, options, CHOLESKY_KEYS);
  checkBooleans(op, opts);
  return opts.lower ?? false;
}

/**
 * `jax.scipy.linalg.cholesky(a, lower=False, overwrite_a=False,
 * check_finite=True)`: SciPy's signature and default, the UPPER factor U with
 * a = Uᵀ U, or with `{ lower: true }` (or `cholesky(a, true)`) the lower L
 * with a = L Lᵀ; `overwriteA` and `checkFinite` are accepted and ignored, as
 * in JAX. (`jnp.linalg.cholesky` is NumPy's: lower by default, `{ upper }`.)
 * NaNs where a is not positive definite; a is symmetrized first, as
 * `jnp.linalg.cholesky` does.
 */
export function cholesky(a: ArrayLike, options: boolean | CholeskyOptions = {}): Array {
  const op = "jax.scipy.linalg.cholesky";
  const lower = lowerOption(op, options);
  const [x] = promoteInexact(op, a);
  const l = lax.linalg.cholesky(x!);
  return lower ? l : jnp.matrixTranspose(l);
}

/**
 * `cho_factor(a, lower=False, overwrite_a=False, check_finite=True)`:
 * [c, lower], c holding a's Cholesky factor in its lower triangle (lower
 * true) or upper one (the default, as SciPy); `choFactor(a, { lower: true })`
 * or `choFactor(a, true)`.
 */
export function choFactor(a: ArrayLike, options: boolean | CholeskyOptions = {}): [Array, boolean] {
  const op = "jax.scipy.linalg.cho_factor";
  const lower = lowerOption(op, options);
  const [x] = promoteInexact(op, a);
  const l = lax.linalg.cholesky(x!);
  return [lower ? l : jnp.matrixTranspose(l), lower];
}

/**
 * `cho_solve((c, lower), b, overwrite_b=False, check_finite=True)`: x with
 * a x = b from cho_factor's result; b (..., n) or (..., n, k). The options
 * are accepted and ignored, as in JAX.
 */
export function choSolve(
  cf: readonly [ArrayLike, boolean],
  b: ArrayLike,
  options: ChoSolveOptions = {},
): Array {
  checkBooleans(
    "jax.scipy.linalg.cho_solve",
    checkOptions("jax.scipy.linalg.cho_solve", options, CHO_SOLVE_KEYS),
  );
  const [c, lower] = cf;
  if (typeof lower !== "boolean") {
    throw new TypeError(
      `jax.scipy.linalg.cho_solve: the factor must be [c, lower] as choFactor returns it, with lower a boolean; got lower ${kindOf(lower)}`,
    );
  }
  const [cc] = promoteInexact("jax.scipy.linalg.cho_solve", c);
  // a = L Lᵀ: solve L y = b, then Lᵀ x = y (with L = cᵀ when c is the upper factor).
  const y = jnp.linalg.solveTriangular(cc!, b, { lower, trans: lower ? 0 : 1 });
  return jnp.linalg.solveTriangular(cc!, y, { lower, trans: lower ? 1 : 0 });
}

/** `lu_factor(a)`: [lu, piv], the packed LU factors and LAPACK-style row swaps (int32). */
export function luFactor(a: ArrayLike): [Array, Array] {
  const [x] = promoteInexact("jax.scipy.linalg.lu_factor", a);
  const [lu, pivots] = lax.linalg.lu(x!);
  return [lu, pivots];
}

/**
 * `lu_solve([lu, piv], b, trans=0)`: x with a x = b (trans 0) or aᵀ x = b
 * (trans 1 or 2) from lu_factor's result; b (n) or (n, k). `trans` as a
 * number or `{ trans }`.
 */
export function luSolve(
  luAndPiv: readonly [ArrayLike, ArrayLike],
  b: ArrayLike,
  options: 0 | 1 | 2 | { trans?: 0 | 1 | 2 } = 0,
): Array {
  const op = "jax.scipy.linalg.lu_solve";
  const trans =
    typeof options === "number" ? options : (checkOptions(op, options, { trans: true }).trans ?? 0);
  if (trans !== 0 && trans !== 1 && trans !== 2) {
    throw new TypeError(`${op}: trans must be 0, 1 or 2, got ${String(trans)}`);
  }
  const [luA] = promoteInexact(op, luAndPiv[0]);
  const n = luA!.shape[luA!.ndim - 1]!;
  const perm = lax.linalg.luPivotsToPermutation(luAndPiv[1], n);
  const bb = jnp.asarray(b as Parameters<typeof jnp.asarray>[0], luA!.dtype);
  const vector = bb.ndim === 1;
  const rhs = vector ? jnp.reshape(bb, [n, 1]) : bb;
  if (rhs.shape[0] !== n) {
    throw new TypeError(`${op}: b must have ${n} rows (lu is [${luA!.shape}]), got [${bb.shape}]`);
  }
  let x: Array;
  if (trans === 0) {
    // P a = L U: a x = b is L U x = P b.
    const pb = jnp.take(rhs, perm, 0);
    const y = jnp.linalg.solveTriangular(luA!, pb, { lower: true, unitDiagonal: true });
    x = jnp.linalg.solveTriangular(luA!, y, { lower: false });
  } else {
    // aᵀ = Uᵀ Lᵀ P: solve Uᵀ z = b, Lᵀ w = z, then x = Pᵀ w.
    const z = jnp.linalg.solveTriangular(luA!, rhs, { lower: false, trans: 1 });
    const w = jnp.linalg.solveTriangular(luA!, z, { lower: true, unitDiagonal: true, trans: 1 });
    x = jnp.take(w, jnp.argsort(perm), 0);
  }
  return vector ? jnp.reshape(x, [n]) : x;
}

// --- expm -----------------------------------------------------------------------------------

// Padé [13/13] coefficients and the 1-norm up to which it is accurate to double precision
// (Higham, "The scaling and squaring method for the matrix exponential revisited", 2005).
const PADE13 = [
  64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000,
  10559470521600, 670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
];
const THETA13 = 5.371920351148152;
// Squarings are masked steps of a fixed-length loop (differentiable in reverse mode and the
// same under jit): enough for 1-norms up to THETA13 · 2^MAX_SQUARINGS ≈ 6e12.
const MAX_SQUARINGS = 40;

/**
 * `expm(a)`: the matrix exponential of each matrix of a (..., n, n) by
 * scaling and squaring with the [13/13] Padé approximant (SciPy's
 * algorithm without its lower-order shortcuts), differentiable by autodiff.
 */
export function expm(a: ArrayLike): Array {
  const op = "jax.scipy.linalg.expm";
  const [x] = promoteInexact(op, a);
  const n = x!.shape[x!.ndim - 1];
  if (x!.ndim < 2 || x!.shape[x!.ndim - 2] !== n) {
    throw new TypeError(`${op}: a must be square matrices (..., n, n), got shape [${x!.shape}]`);
  }
  const norm1 = jnp.max(jnp.sum(jnp.abs(x!), { axis: -2 }), { axis: -1, keepdims: true });
  const squarings = lax.stopGradient(
    jnp.clip(jnp.ceil(jnp.log2(jnp.divide(norm1, THETA13))), 0, MAX_SQUARINGS),
  );
  const s = jnp.expandDims(squarings, -1); // (..., 1, 1)
  const scaled = jnp.divide(x!, jnp.exp2(s));
  const eye = jnp.broadcastTo(jnp.eye(n!, n, { dtype: x!.dtype }), x!.shape);
  const b = PADE13;
  const a2 = jnp.matmul(scaled, scaled);
  const a4 = jnp.matmul(a2, a2);
  const a6 = jnp.matmul(a4, a2);
  const lin = (c6: number, c4: number, c2: number, c0?: number): Array => {
    let out = jnp.add(jnp.add(jnp.multiply(a6, c6), jnp.multiply(a4, c4)), jnp.multiply(a2, c2));
    if (c0 !== undefined) out = jnp.add(out, jnp.multiply(eye, c0));
    return out;
  };
  const u = jnp.matmul(
    scaled,
    jnp.add(jnp.matmul(a6, lin(b[13]!, b[11]!, b[9]!)), lin(b[7]!, b[5]!, b[3]!, b[1]!)),
  );
  const v = jnp.add(jnp.matmul(a6, lin(b[12]!, b[10]!, b[8]!)), lin(b[6]!, b[4]!, b[2]!, b[0]!));
  const r = jnp.linalg.solve(jnp.subtract(v, u), jnp.add(v, u));
  return lax.foriLoop(
    0,
    MAX_SQUARINGS,
    (i, m: Array) => jnp.where(jnp.less(i, s), jnp.matmul(m, m), m),
    r,
  );
}
