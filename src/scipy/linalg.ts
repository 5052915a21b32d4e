/**
 * `jax.scipy.linalg`: jnp.linalg's functions plus SciPy's factor-then-solve
 * pairs (choFactor/choSolve, luFactor/luSolve), built on lax.linalg.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { promoteInexact } from "./util.js";

export {
  cholesky,
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

/** `cho_factor(a, lower=false)`: [c, lower], c holding a's Cholesky factor in its `lower` triangle. */
export function choFactor(a: ArrayLike, lower = false): [Array, boolean] {
  const [x] = promoteInexact("jax.scipy.linalg.cho_factor", a);
  const l = lax.linalg.cholesky(x!);
  return [lower ? l : jnp.matrixTranspose(l), lower];
}

/** `cho_solve([c, lower], b)`: x with a x = b from cho_factor's result; b (..., n) or (..., n, k). */
export function choSolve(cf: readonly [ArrayLike, boolean], b: ArrayLike): Array {
  const [c, lower] = cf;
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
 * (trans 1 or 2) from lu_factor's result; b (n) or (n, k).
 */
export function luSolve(
  luAndPiv: readonly [ArrayLike, ArrayLike],
  b: ArrayLike,
  trans: 0 | 1 | 2 = 0,
): Array {
  const op = "jax.scipy.linalg.lu_solve";
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
