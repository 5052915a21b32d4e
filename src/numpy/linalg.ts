/**
 * `jnp.linalg`: `cholesky`, `qr`, `solve`, `inv`, and SciPy's
 * `solve_triangular` (jax.scipy.linalg), built on lax.linalg, so all of them
 * differentiate, vmap and jit. Matrices are the last two dimensions; the
 * leading ones are batch dimensions (broadcast between a and b).
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import { defaultFloat, isFloating } from "../dtype.js";
import * as lax from "../lax/index.js";
import { broadcastShapes, shapeStr } from "../shape.js";
import { swapaxes } from "./manipulation.js";
import { matmul } from "./products.js";
import { broadcastTo, cast, resultType, toArrays } from "./util.js";

/** The operands as arrays of their common float dtype (integers and bools become floats). */
function inexact(op: string, ...xs: ArrayLike[]): Array[] {
  const arrs = toArrays(op, xs);
  const { dtype } = resultType(...arrs);
  return arrs.map((a) => cast(a, isFloating(dtype) ? dtype : defaultFloat()));
}

function checkSquare(op: string, a: Array): number {
  const m = a.shape[a.ndim - 1];
  if (a.ndim < 2 || a.shape[a.ndim - 2] !== m) {
    throw new TypeError(
      `${op}: a must be a (batch of) square matrices (..., m, m), got shape ${shapeStr(a.shape)}`,
    );
  }
  return m!;
}

/** Swaps the last two dimensions. */
const mT = (x: Array): Array => swapaxes(x, -1, -2);

/**
 * a [..., m, m] and b [..., m, k] broadcast to common batch dimensions; a
 * `vector` b [..., m] becomes one column, the returned function undoing that.
 */
function alignRhs(
  op: string,
  a: Array,
  b: Array,
  vector: boolean,
): [Array, Array, (x: Array) => Array] {
  const m = checkSquare(op, a);
  const bm = vector ? lax.expandDims(b, [b.ndim]) : b;
  if (bm.ndim < 2 || bm.shape[bm.ndim - 2] !== m) {
    throw new TypeError(
      `${op}: b must have ${m} rows to match a of shape ${shapeStr(a.shape)}, got shape ${shapeStr(b.shape)}`,
    );
  }
  const batch = broadcastShapes(op, a.shape.slice(0, -2), bm.shape.slice(0, -2));
  const aa = broadcastTo(a, [...batch, m, m], op);
  const bb = broadcastTo(bm, [...batch, ...bm.shape.slice(-2)], op);
  const unvector = (x: Array) => (vector ? lax.squeeze(x, [x.ndim - 1]) : x);
  return [aa, bb, unvector];
}

export interface CholeskyOptions {
  /** Return the upper factor U = Lᵀ (a = Uᵀ U) instead of L (default false). */
  upper?: boolean;
  /** Factor (a + aᵀ)/2 rather than a's lower triangle (default true, as JAX). */
  symmetrizeInput?: boolean;
}

/** `jnp.linalg.cholesky(a, { upper })`: L with L Lᵀ = a (NaNs where a is not positive definite). */
export function cholesky(a: ArrayLike, options: CholeskyOptions = {}): Array {
  const [x] = inexact("jnp.linalg.cholesky", a);
  const l = lax.linalg.cholesky(x!, { symmetrizeInput: options.symmetrizeInput ?? true });
  return options.upper ? mT(l) : l;
}

export type QrMode = "reduced" | "complete" | "r";

/**
 * `jnp.linalg.qr(a, mode)`: [Q, R] with Q R = a; "reduced" (default) gives
 * Q (..., m, k), R (..., k, n) with k = min(m, n), "complete" Q (..., m, m),
 * "r" only R (reduced).
 */
export function qr(a: ArrayLike, mode: "r"): Array;
export function qr(a: ArrayLike, mode?: "reduced" | "complete"): [Array, Array];
export function qr(a: ArrayLike, mode: QrMode = "reduced"): Array | [Array, Array] {
  const op = "jnp.linalg.qr";
  if (mode !== "reduced" && mode !== "complete" && mode !== "r") {
    throw new TypeError(`${op}: mode must be "reduced", "complete" or "r", got ${String(mode)}`);
  }
  const [x] = inexact(op, a);
  const [q, r] = lax.linalg.qr(x!, { fullMatrices: mode === "complete" });
  return mode === "r" ? r : [q, r];
}

/**
 * `jnp.linalg.solve(a, b)`: x with a x = b, a (..., m, m), b (m,) or
 * (..., m, k). Solved through a's QR factorization (Q R x = b, so
 * x = R⁻¹ Qᵀ b), which is backward stable like LAPACK's LU solve.
 */
export function solve(a: ArrayLike, b: ArrayLike): Array {
  const op = "jnp.linalg.solve";
  const [x, y] = inexact(op, a, b);
  const [aa, bb, unvector] = alignRhs(op, x!, y!, y!.ndim === 1);
  const [q, r] = lax.linalg.qr(aa, { fullMatrices: false });
  const qtb = matmul(mT(q), bb);
  return unvector(lax.linalg.triangularSolve(r, qtb, { leftSide: true, lower: false }));
}

/** `jnp.linalg.inv(a)`: the inverse of each matrix of a (..., m, m). */
export function inv(a: ArrayLike): Array {
  const op = "jnp.linalg.inv";
  const [x] = inexact(op, a);
  const m = checkSquare(op, x!);
  const eye = lax.convertElementType(
    lax.eq(lax.broadcastedIota("int32", [m, m], 0), lax.broadcastedIota("int32", [m, m], 1)),
    x!.dtype,
  );
  return solve(x!, lax.broadcastInDim(eye, x!.shape, [x!.ndim - 2, x!.ndim - 1]));
}

export interface SolveTriangularOptions {
  /** 0 or "N": a x = b; 1 or "T" (or 2, "C" for real a): aᵀ x = b (default 0). */
  trans?: 0 | 1 | 2 | "N" | "T" | "C";
  /** Read a's lower triangle (default false: the upper). */
  lower?: boolean;
  /** Take a's diagonal as ones (default false). */
  unitDiagonal?: boolean;
}

/**
 * `jax.scipy.linalg.solve_triangular(a, b, { trans, lower, unitDiagonal })`:
 * x with op(a) x = b for triangular a (..., m, m) and b (..., m) or (..., m, k).
 */
export function solveTriangular(
  a: ArrayLike,
  b: ArrayLike,
  options: SolveTriangularOptions = {},
): Array {
  const op = "jnp.linalg.solveTriangular";
  const trans = options.trans ?? 0;
  if (![0, 1, 2, "N", "T", "C"].includes(trans)) {
    throw new TypeError(`${op}: trans must be 0, 1, 2, "N", "T" or "C", got ${String(trans)}`);
  }
  const [x, y] = inexact(op, a, b);
  const [aa, bb, unvector] = alignRhs(op, x!, y!, y!.ndim === x!.ndim - 1);
  return unvector(
    lax.linalg.triangularSolve(aa, bb, {
      leftSide: true,
      lower: options.lower ?? false,
      transposeA: trans !== 0 && trans !== "N",
      unitDiagonal: options.unitDiagonal ?? false,
    }),
  );
}
