/** `jnp.linalg.norm`, `vectorNorm` and `matrixNorm`, NumPy's orders. */
import type { Array } from "../../core/array.js";
import type { ArrayLike } from "../../core/convert.js";
import { isComplex } from "../../dtype.js";
import * as lax from "../../lax/index.js";
import { checkOptions, showValue } from "../../options.js";
import { normalizeAxis } from "../../shape.js";
import { asarray } from "../creation.js";
import { svd } from "../linalg.js";
import { expandDims, moveaxis } from "../manipulation.js";
import { max, min, sum } from "../reductions.js";
import { abs, multiply, notEqual, power, sqrt } from "../ufuncs.js";
import { cast } from "../util.js";
import { inexact } from "./common.js";

/** A norm order: a number (Infinity and -Infinity too), "fro" or "nuc"; null is the default. */
export type NormOrd = number | "fro" | "nuc" | null;

/** sqrt(Σ x²) over `axes` (all when null). */
function euclid(x: Array, axes: number[] | null, keepdims: boolean): Array {
  // |x|² of a complex x is real(x·conj(x)), as JAX's.
  const sq = isComplex(x.dtype) ? lax.real(multiply(x, lax.conj(x))) : multiply(x, x);
  return sqrt(sum(sq, { axis: axes, keepdims }));
}

function vectorNormOf(x: Array, ord: NormOrd, axis: number[] | null, keepdims: boolean): Array {
  const opts = { axis, keepdims };
  if (ord === null || ord === 2) return euclid(x, axis, keepdims);
  // As JAX's vector_norm: max with initial 0 (a zero vector's tie with it halves the gradient).
  if (ord === Infinity) return max(abs(x), { ...opts, initial: 0 });
  if (ord === -Infinity) return min(abs(x), opts);
  if (ord === 0) return sum(cast(notEqual(x, 0), x.dtype), opts);
  if (ord === 1) return sum(abs(x), opts);
  if (typeof ord !== "number") {
    throw new TypeError(`jnp.linalg.norm: invalid order ${showValue(ord)} for a vector norm`);
  }
  // JAX raises to array constants (pow, not integer_pow).
  const p = (v: number) => asarray(v, x.dtype);
  return power(sum(power(abs(x), p(ord)), opts), p(1 / ord));
}

/** The matrix norm over axes [row, col] (distinct, normalized). */
function matrixNormOf(x: Array, ord: NormOrd, [row, col]: number[], keepdims: boolean): Array {
  const op = "jnp.linalg.norm";
  if (ord === null || ord === "fro") return euclid(x, [row!, col!], keepdims);
  // Max/min column sums (ord ±1) or row sums (ord ±inf): sum over one axis, then reduce the other.
  // JAX's maxima take initial 0 (jnp.linalg.norm): so do these.
  const sums = (over: number, then: number, reduce: typeof max) => {
    const inner = sum(abs(x), { axis: over, keepdims });
    const axis = !keepdims && then > over ? then - 1 : then;
    return reduce(inner, { axis, keepdims, ...(reduce === max ? { initial: 0 } : {}) });
  };
  if (ord === 1) return sums(row!, col!, max);
  if (ord === -1) return sums(row!, col!, min);
  if (ord === Infinity) return sums(col!, row!, max);
  if (ord === -Infinity) return sums(col!, row!, min);
  if (ord === "nuc" || ord === 2 || ord === -2) {
    const s = svd(moveaxis(x, [row!, col!], [-2, -1]), { computeUv: false });
    const y = ord === 2 ? max(s, { axis: -1, initial: 0 }) : ord === -2 ? min(s, -1) : sum(s, -1);
    return keepdims
      ? expandDims(
          y,
          [row!, col!].sort((p, q) => p - q),
        )
      : y;
  }
  throw new TypeError(`${op}: invalid order ${showValue(ord)} for a matrix norm`);
}

/**
 * `jnp.linalg.norm(x, ord, axis, keepdims)`: with axis null, the 2-norm of
 * all of x when ord is null, else the vector (1-D x) or matrix (2-D x) norm;
 * an integer axis gives vector norms along it, a pair of axes matrix norms.
 * Vector orders: 2 (default), 1, 0 (nonzeros), ±Infinity, any p. Matrix
 * orders: "fro" (default), "nuc", 1, -1, 2, -2, ±Infinity.
 */
export function norm(
  x: ArrayLike,
  ord: NormOrd = null,
  axis: number | readonly number[] | null = null,
  keepdims = false,
): Array {
  const op = "jnp.linalg.norm";
  const [a] = inexact(op, x);
  let axes: number[];
  if (axis === null) {
    if (ord === null) return euclid(a!, null, keepdims);
    if (a!.ndim !== 1 && a!.ndim !== 2) {
      throw new TypeError(
        `${op}: an order needs a vector or a matrix (or axis), got ${a!.ndim} dimensions`,
      );
    }
    axes = a!.ndim === 1 ? [0] : [0, 1];
  } else {
    axes = (typeof axis === "number" ? [axis] : [...axis]).map((d) =>
      normalizeAxis(d, a!.ndim, op, "axis"),
    );
  }
  if (axes.length === 1) return vectorNormOf(a!, ord, axes, keepdims);
  if (axes.length === 2 && axes[0] !== axes[1]) return matrixNormOf(a!, ord, axes, keepdims);
  throw new TypeError(`${op}: axis must be one axis or two distinct axes, got ${showValue(axis)}`);
}

/**
 * `jnp.linalg.vectorNorm(x, { ord, axis, keepdims })` (the Array API's
 * vector_norm): over all elements when axis is null (the default), or the given axes.
 */
export function vectorNorm(
  x: ArrayLike,
  options: { ord?: number; axis?: number | readonly number[] | null; keepdims?: boolean } = {},
): Array {
  options = checkOptions("jnp.linalg.vectorNorm", options, {
    ord: true,
    axis: true,
    keepdims: true,
  });
  const op = "jnp.linalg.vectorNorm";
  const [a] = inexact(op, x);
  const axis = options.axis ?? null;
  const axes =
    axis === null
      ? null
      : (typeof axis === "number" ? [axis] : [...axis]).map((d) => normalizeAxis(d, a!.ndim, op));
  const ord = options.ord ?? 2;
  if (ord === 2 || ord === null) return euclid(a!, axes, options.keepdims ?? false);
  return vectorNormOf(a!, ord, axes, options.keepdims ?? false);
}

/** `jnp.linalg.matrixNorm(x, { ord, keepdims })`: the norm of each matrix of x (..., m, n). */
export function matrixNorm(
  x: ArrayLike,
  options: { ord?: NormOrd; keepdims?: boolean } = {},
): Array {
  options = checkOptions("jnp.linalg.matrixNorm", options, { ord: true, keepdims: true });
  return norm(x, options.ord ?? "fro", [-2, -1], options.keepdims ?? false);
}
