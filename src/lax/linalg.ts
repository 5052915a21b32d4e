/**
 * `jax.lax.linalg`: `cholesky`, `qr` (Householder, LAPACK's conventions),
 * `triangularSolve`, `lu` (partial pivoting), `eigh` (symmetric) and `svd`,
 * with their jvp, transpose and batch rules (src/lax/linalg/). All act on
 * the last two dimensions and map over the leading (batch) ones. Kernels
 * compute in doubles and store into the operand's dtype.
 */
export * from "./linalg/cholesky.js";
export { type EighOptions, type EighParams, eigh, eighP } from "./linalg/eigh.js";
export * from "./linalg/lu.js";
export * from "./linalg/qr.js";
export * from "./linalg/svd.js";
export * from "./linalg/triangular_solve.js";
