/** jax.random's matrix-valued samplers: multivariate_normal and orthogonal. */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type DType, defaultFloat, isFloating } from "../dtype.js";
import * as lax from "../lax/index.js";
import { cholesky, qr } from "../lax/linalg.js";
import * as jnp from "../numpy/index.js";
import { cast, resultType } from "../numpy/util.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { broadcastShapes, type Shape, shapeStr } from "../shape.js";
import { checkKey } from "./keys.js";
import { normalIn } from "./samplers.js";
import { checkShape, floatDtype, shapeArg } from "./util.js";

export interface MultivariateNormalOptions {
  /** Batch shape of the result (default: broadcast of mean's and cov's batch shapes). */
  shape?: Shape | null;
  /** Result dtype (default: mean's, after promotion to a float). */
  dtype?: DType;
  /** How cov is factored; only "cholesky" (the default) is available in jaxts. */
  method?: "cholesky" | "svd" | "eigh";
}
const MULTIVARIATE_NORMAL_KEYS: OptionKeys<MultivariateNormalOptions> = {
  shape: true,
  dtype: true,
  method: true,
};

/**
 * `random.multivariateNormal(key, mean, cov, { shape, dtype, method })`:
 * draws mean + L z with L Lᵀ = cov (Cholesky) and z standard normal. mean
 * is (..., n), cov (..., n, n); the result is shape + (n,).
 */
export function multivariateNormal(
  key: Array,
  mean: ArrayLike,
  cov: ArrayLike,
  options: MultivariateNormalOptions = {},
): Array {
  options = checkOptions("random.multivariateNormal", options, MULTIVARIATE_NORMAL_KEYS);
  const op = "random.multivariateNormal";
  const k = checkKey(op, key);
  let m = asArray(mean, op, "mean");
  let c = asArray(cov, op, "cov");
  // promote_dtypes_inexact: one float dtype for both (no broadcasting).
  const rt = resultType(m, c);
  const common = isFloating(rt.dtype) ? rt.dtype : defaultFloat();
  m = cast(m, common);
  c = cast(c, common);
  const method = options.method ?? "cholesky";
  if (method !== "cholesky") {
    throw new Error(
      `${op}: method ${JSON.stringify(method)} is not available in jaxts (only "cholesky"); ` +
        `JAX also has "svd" and "eigh" for singular covariances`,
    );
  }
  const dtype = options.dtype === undefined ? common : floatDtype(op, options.dtype);
  if (m.ndim < 1) throw new Error(`${op} requires mean.ndim >= 1, got mean.ndim == ${m.ndim}`);
  if (c.ndim < 2) throw new Error(`${op} requires cov.ndim >= 2, got cov.ndim == ${c.ndim}`);
  const n = m.shape[m.ndim - 1]!;
  if (c.shape[c.ndim - 2] !== n || c.shape[c.ndim - 1] !== n) {
    throw new Error(
      `${op} requires cov.shape == (..., n, n) for n=${n} (mean.shape ${shapeStr(m.shape)}), but got cov.shape == ${shapeStr(c.shape)}`,
    );
  }
  const meanBatch = m.shape.slice(0, -1);
  const covBatch = c.shape.slice(0, -2);
  let s: number[];
  if (options.shape === undefined || options.shape === null) {
    s = broadcastShapes(op, meanBatch, covBatch);
  } else {
    s = shapeArg(op, options.shape);
    checkShape(op, s, meanBatch, covBatch);
  }
  const factor = cholesky(c);
  const z = normalIn(op, k, [...s, n], dtype);
  // einsum('...ij,...j->...i', factor, z) as a batched matrix-vector product.
  const lz = jnp.squeeze(jnp.matmul(factor, jnp.expandDims(z, -1)), -1);
  return jnp.add(m, lz);
}

export interface OrthogonalOptions {
  dtype?: DType;
  /** Number of columns (default n). */
  m?: number;
}
const ORTHOGONAL_KEYS: OptionKeys<OrthogonalOptions> = { dtype: true, m: true };

/**
 * `random.orthogonal(key, n, shape = [], { dtype, m })`: matrices (*shape,
 * n, m) drawn uniformly from the orthogonal group O(n) (Mezzadri's method:
 * the Q of a Gaussian matrix, column signs fixed by R's diagonal); when
 * n != m, semi-orthogonal (orthonormal rows or columns, whichever fit).
 */
export function orthogonal(
  key: Array,
  n: number,
  shape: Shape = [],
  options: OrthogonalOptions = {},
): Array {
  options = checkOptions("random.orthogonal", options, ORTHOGONAL_KEYS);
  const op = "random.orthogonal";
  const k = checkKey(op, key);
  const s = shapeArg(op, shape);
  const d = floatDtype(op, options.dtype);
  const cols = options.m ?? n;
  for (const [name, v] of [
    ["n", n],
    ["m", cols],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new TypeError(`${op}: ${name} must be a non-negative integer, got ${v}`);
    }
  }
  const z = normalIn(op, k, [...s, Math.max(n, cols), Math.min(n, cols)], d);
  const [q, r] = qr(z, { fullMatrices: false });
  const diag = jnp.diagonal(r, 0, -2, -1);
  const x = jnp.multiply(q, jnp.expandDims(lax.sign(diag), -2));
  return n < cols ? jnp.swapaxes(x, -1, -2) : x;
}
