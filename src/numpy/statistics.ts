/**
 * Comparisons, differences and statistics with NumPy's semantics and JAX's
 * dtype rules: `jnp.isclose`, `allclose`, `array_equal`, `array_equiv`,
 * `diff`, `ediff1d`, `gradient`, `cov`, `corrcoef`, `histogram`,
 * `histogram_bin_edges`, `bincount`, `digitize`, `interp` and `isin`.
 * Built on lax and the other jnp modules; everything traceable is
 * differentiable where JAX differentiates it.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type DType, defaultFloat, isBool, isComplex, isInexact, numberValues } from "../dtype.js";
import { ConcretizationTypeError, ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { broadcastShapes, normalizeAxis, type Shape, shapeStr, shapesEqual } from "../shape.js";
import { filled } from "./internal.js";
import { concatenate, ravel, where } from "./manipulation.js";
import { all, any, average, max, min, sum } from "./reductions.js";
import {
  absolute,
  equal,
  isfinite,
  isnan,
  logicalAnd,
  logicalNot,
  logicalOr,
  subtract,
} from "./ufuncs.js";
import { cast, promoteArgsInexact, resultType } from "./util.js";

// ---------------------------------------------------------------------------
// isclose, allclose, array_equal, array_equiv

export interface IscloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** NaNs compare equal to NaNs (default false). */
  equalNan?: boolean;
}
const ISCLOSE_KEYS: OptionKeys<IscloseOptions> = { rtol: true, atol: true, equalNan: true };

/**
 * `jnp.isclose(a, b, { rtol, atol, equalNan })`: |a - b| <= atol + rtol·|b|
 * elementwise (complex: on the modulus); infinities are close only to
 * themselves; integers and bools compare exactly.
 */
export function isclose(a: ArrayLike, b: ArrayLike, options: IscloseOptions = {}): Array {
  const op = "jnp.isclose";
  options = checkOptions(op, options, ISCLOSE_KEYS);
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-8;
  const x0 = asArray(a, op, "a");
  const y0 = asArray(b, op, "b");
  if (!isInexact(resultType(x0, y0).dtype)) return equal(x0, y0);
  const [x, y] = promoteArgsInexact(op, x0, y0);
  const tol = lax.add(filled(y!.shape, atol, realDtypeOf(y!)), lax.mul(absolute(y!), rtol));
  let out = lax.le(absolute(subtract(x!, y!)), tol);
  // Infinities: close only when equal (same sign); NaNs are never close (unless equalNan).
  const finite = logicalAnd(isfinite(x!), isfinite(y!));
  out = where(finite, out, equal(x!, y!));
  if (options.equalNan) out = logicalOr(out, logicalAnd(isnan(x!), isnan(y!)));
  return out;
}

/** `jnp.allclose(a, b, { rtol, atol, equalNan })`: all elements isclose (a bool scalar). */
export function allclose(a: ArrayLike, b: ArrayLike, options: IscloseOptions = {}): Array {
  return all(isclose(a, b, options));
}

export interface ArrayEqualOptions {
  /** NaNs compare equal to NaNs (default false). */
  equalNan?: boolean;
}
const ARRAY_EQUAL_KEYS: OptionKeys<ArrayEqualOptions> = { equalNan: true };

/** `jnp.array_equal(a1, a2, { equalNan })`: same shape and the same elements (a bool scalar). */
export function arrayEqual(a1: ArrayLike, a2: ArrayLike, options: ArrayEqualOptions = {}): Array {
  const op = "jnp.array_equal";
  options = checkOptions(op, options, ARRAY_EQUAL_KEYS);
  const x = asArray(a1, op, "a1");
  const y = asArray(a2, op, "a2");
  if (!shapesEqual(x.shape, y.shape)) return lax.convertElementType(false, "bool");
  let eq = equal(x, y);
  if (options.equalNan) eq = logicalOr(eq, logicalAnd(isnan(x), isnan(y)));
  return all(eq);
}

/** `jnp.array_equiv(a1, a2)`: broadcastable to one shape and equal there (a bool scalar). */
export function arrayEquiv(a1: ArrayLike, a2: ArrayLike): Array {
  const op = "jnp.array_equiv";
  const x = asArray(a1, op, "a1");
  const y = asArray(a2, op, "a2");
  if (broadcastShapesOf(x.shape, y.shape) === null) return lax.convertElementType(false, "bool");
  return all(equal(x, y));
}

// ---------------------------------------------------------------------------
// diff, ediff1d, gradient

export interface DiffOptions {
  /** Values put before `a` along the axis before differencing (a scalar is broadcast). */
  prepend?: ArrayLike | null;
  /** Values put after `a` along the axis before differencing. */
  append?: ArrayLike | null;
}
const DIFF_KEYS: OptionKeys<DiffOptions> = { prepend: true, append: true };

function alongAxis(op: string, v: ArrayLike, like: Array, axis: number, what: string): Array {
  const x = cast(asArray(v, op, what), like.dtype);
  if (x.ndim === 0)
    return lax.broadcastInDim(
      x,
      like.shape.map((d, i) => (i === axis ? 1 : d)),
      [],
    );
  return x;
}

/**
 * `jnp.diff(a, n = 1, axis = -1, { prepend, append })`: the n-th discrete
 * difference along an axis (bools: not_equal, as NumPy).
 */
export function diff(a: ArrayLike, n = 1, axis = -1, options: DiffOptions = {}): Array {
  const op = "jnp.diff";
  options = checkOptions(op, options, DIFF_KEYS);
  let x = asArray(a, op, "a");
  if (x.ndim === 0) throw new ValueError(`${op}: diff requires an input of at least one dimension`);
  if (!Number.isInteger(n) || n < 0) {
    throw new ValueError(`${op}: order must be a non-negative integer, got ${String(n)}`);
  }
  const ax = normalizeAxis(axis, x.ndim, op);
  const parts: Array[] = [];
  if (options.prepend != null) parts.push(alongAxis(op, options.prepend, x, ax, "prepend"));
  parts.push(x);
  if (options.append != null) parts.push(alongAxis(op, options.append, x, ax, "append"));
  if (parts.length > 1) x = concatenate(parts, ax);
  for (let i = 0; i < n; i++) {
    const len = x.shape[ax]!;
    if (len === 0) break;
    const hi = lax.sliceInDim(x, 1, len, 1, ax);
    const lo = lax.sliceInDim(x, 0, len - 1, 1, ax);
    x = isBool(x.dtype) ? lax.ne(hi, lo) : lax.sub(hi, lo);
  }
  return x;
}

export interface Ediff1dOptions {
  /** Values appended after the differences. */
  toEnd?: ArrayLike | null;
  /** Values put before the differences. */
  toBegin?: ArrayLike | null;
}
const EDIFF1D_KEYS: OptionKeys<Ediff1dOptions> = { toEnd: true, toBegin: true };

/** `jnp.ediff1d(ary, { toEnd, toBegin })`: differences of the flattened array. */
export function ediff1d(ary: ArrayLike, options: Ediff1dOptions = {}): Array {
  const op = "jnp.ediff1d";
  options = checkOptions(op, options, EDIFF1D_KEYS);
  const x = ravel(asArray(ary, op, "ary"));
  const d =
    x.shape[0]! > 0
      ? lax.sub(lax.sliceInDim(x, 1, null), lax.sliceInDim(x, 0, -1 + x.shape[0]!))
      : x;
  const parts: Array[] = [];
  if (options.toBegin != null)
    parts.push(ravel(cast(asArray(options.toBegin, op, "toBegin"), d.dtype)));
  parts.push(d);
  if (options.toEnd != null) parts.push(ravel(cast(asArray(options.toEnd, op, "toEnd"), d.dtype)));
  return parts.length === 1 ? d : concatenate(parts, 0);
}

export interface GradientOptions {
  /** The axis or axes to differentiate along (default: all). */
  axis?: number | readonly number[] | null;
  /** Only 1 (first-order one-sided differences at the edges), as JAX. */
  edgeOrder?: number | null;
}
const GRADIENT_KEYS: OptionKeys<GradientOptions> = { axis: true, edgeOrder: true };

/**
 * `jnp.gradient(f, ...varargs, { axis, edgeOrder })`: second-order central
 * differences inside, first-order one-sided at the edges. `varargs` is no
 * spacing (1), one scalar for every axis, or one scalar or 1-D coordinate
 * array per axis. One axis gives an array, several a list.
 */
export function gradient(
  f: ArrayLike,
  ...varargs: (ArrayLike | GradientOptions)[]
): Array | Array[] {
  const op = "jnp.gradient";
  let options: GradientOptions = {};
  const last = varargs[varargs.length - 1];
  if (
    last !== undefined &&
    typeof last === "object" &&
    !(last instanceof ArrayImpl) &&
    !isArrayValue(last)
  ) {
    options = checkOptions(op, varargs.pop() as GradientOptions, GRADIENT_KEYS);
  }
  if (options.edgeOrder != null && options.edgeOrder !== 1) {
    throw new ValueError(
      `${op}: only edgeOrder 1 is supported (as JAX), got ${String(options.edgeOrder)}`,
    );
  }
  const y0 = asArray(f, op, "f");
  const y = isInexact(y0.dtype) ? y0 : cast(y0, defaultFloat());
  const axes =
    options.axis == null
      ? y.shape.map((_, i) => i)
      : (typeof options.axis === "number" ? [options.axis] : [...options.axis]).map((a) =>
          normalizeAxis(a, y.ndim, op),
        );
  const spacing = varargs as ArrayLike[];
  if (spacing.length !== 0 && spacing.length !== 1 && spacing.length !== axes.length) {
    throw new TypeError(
      `${op}: give no spacing, one, or one per axis (${axes.length}); got ${spacing.length}`,
    );
  }
  const outs = axes.map((ax, k) => {
    const h = spacing.length === 0 ? 1 : spacing.length === 1 ? spacing[0]! : spacing[k]!;
    return gradientAlong(op, y, ax, h);
  });
  return outs.length === 1 ? outs[0]! : outs;
}

function isArrayValue(x: unknown): boolean {
  return (
    globalThis.Array.isArray(x) ||
    ArrayBuffer.isView(x) ||
    (x !== null && typeof x === "object" && "shape" in x)
  );
}

function gradientAlong(op: string, y: Array, ax: number, h: ArrayLike): Array {
  const n = y.shape[ax]!;
  if (n < 2) {
    throw new ValueError(
      `${op}: each differentiated axis needs at least 2 elements, got shape ${shapeStr(y.shape)}`,
    );
  }
  const sl = (s: number, e: number): Array => lax.sliceInDim(y, s, e, 1, ax);
  const bshape = (v: Array): Array =>
    lax.broadcastInDim(
      v,
      y.shape.map((d, i) => (i === ax ? v.shape[0]! : d)),
      [ax],
    );
  const hArr = asArray(h, op, "spacing");
  if (hArr.ndim === 0) {
    const d = cast(hArr, y.dtype);
    const mid = n > 2 ? [lax.div(lax.sub(sl(2, n), sl(0, n - 2)), lax.mul(d, 2))] : [];
    const first = lax.div(lax.sub(sl(1, 2), sl(0, 1)), d);
    const lastD = lax.div(lax.sub(sl(n - 1, n), sl(n - 2, n - 1)), d);
    return concatenate([first, ...mid, lastD], ax);
  }
  if (hArr.ndim !== 1 || hArr.shape[0] !== n) {
    throw new ValueError(
      `${op}: a coordinate array must be 1-D of length ${n}, got shape ${shapeStr(hArr.shape)}`,
    );
  }
  const x = cast(hArr, y.dtype);
  const dx = lax.sub(lax.sliceInDim(x, 1, n), lax.sliceInDim(x, 0, n - 1));
  const first = lax.div(lax.sub(sl(1, 2), sl(0, 1)), bshape(lax.sliceInDim(dx, 0, 1)));
  const lastD = lax.div(
    lax.sub(sl(n - 1, n), sl(n - 2, n - 1)),
    bshape(lax.sliceInDim(dx, n - 2, n - 1)),
  );
  if (n === 2) return concatenate([first, lastD], ax);
  // Non-uniform second-order central differences (NumPy's formula).
  const h1 = bshape(lax.sliceInDim(dx, 0, n - 2));
  const h2 = bshape(lax.sliceInDim(dx, 1, n - 1));
  const s = lax.add(h1, h2);
  const a = lax.neg(lax.div(h2, lax.mul(h1, s)));
  const b = lax.div(lax.sub(h2, h1), lax.mul(h1, h2));
  const c = lax.div(h1, lax.mul(h2, s));
  const mid = lax.add(
    lax.add(lax.mul(a, sl(0, n - 2)), lax.mul(b, sl(1, n - 1))),
    lax.mul(c, sl(2, n)),
  );
  return concatenate([first, mid, lastD], ax);
}

// ---------------------------------------------------------------------------
// cov, corrcoef

export interface CovOptions {
  /** Rows are variables and columns observations (default true). */
  rowvar?: boolean;
  /** Normalize by N instead of N - 1 (default false). */
  bias?: boolean;
  /** Delta degrees of freedom (overrides bias). */
  ddof?: number | null;
  /** Integer frequency weights, one per observation. */
  fweights?: ArrayLike | null;
  /** Observation weights, one per observation. */
  aweights?: ArrayLike | null;
}
const COV_KEYS: OptionKeys<CovOptions> = {
  rowvar: true,
  bias: true,
  ddof: true,
  fweights: true,
  aweights: true,
};

function observations(op: string, v: ArrayLike, rowvar: boolean, what: string): Array {
  let x = asArray(v, op, what);
  if (x.ndim > 2)
    throw new ValueError(`${op}: ${what} has more than 2 dimensions (shape ${shapeStr(x.shape)})`);
  if (x.ndim < 2) x = lax.reshape(x, [1, x.size]);
  if (!rowvar && x.shape[0] !== 1) x = lax.transpose(x, [1, 0]);
  return x;
}

/**
 * `jnp.cov(m, y?, { rowvar, bias, ddof, fweights, aweights })`: the
 * covariance matrix of the variables (rows of m, and of y), as NumPy.
 */
export function cov(
  m: ArrayLike,
  y?: ArrayLike | null | CovOptions,
  options: CovOptions = {},
): Array {
  const op = "jnp.cov";
  if (y !== undefined && y !== null && typeof y === "object" && !isArrayValue(y)) {
    options = y as CovOptions;
    y = null;
  }
  options = checkOptions(op, options, COV_KEYS);
  const rowvar = options.rowvar ?? true;
  let x = observations(op, m, rowvar, "m");
  if (y != null) x = concatenate([x, observations(op, y as ArrayLike, rowvar, "y")], 0);
  const [xf] = promoteArgsInexact(op, x);
  x = xf!;
  const ddof = options.ddof ?? (options.bias ? 0 : 1);
  const nObs = x.shape[1]!;
  let w: Array | null = null;
  if (options.fweights != null) w = cast(asArray(options.fweights, op, "fweights"), realDtypeOf(x));
  let aw: Array | null = null;
  if (options.aweights != null) {
    aw = cast(asArray(options.aweights, op, "aweights"), realDtypeOf(x));
    w = w === null ? aw : lax.mul(w, aw);
  }
  if (w !== null && (w.ndim !== 1 || w.shape[0] !== nObs)) {
    throw new ValueError(
      `${op}: weights must be 1-D of length ${nObs}, got shape ${shapeStr(w.shape)}`,
    );
  }
  const avg = w === null ? average(x, 1) : average(x, 1, w);
  let fact: Array;
  if (w === null) fact = lax.convertElementType(nObs - ddof, realDtypeOf(x));
  else {
    const v1 = sum(w);
    fact =
      ddof === 0
        ? v1
        : aw === null
          ? lax.sub(v1, ddof)
          : lax.sub(v1, lax.mul(lax.div(sum(lax.mul(w, aw)), v1), ddof));
  }
  fact = lax.max(fact, lax.convertElementType(0, fact.dtype));
  const xc = lax.sub(x, lax.broadcastInDim(avg, x.shape, [0]));
  const xw = w === null ? xc : lax.mul(xc, lax.broadcastInDim(cast(w, xc.dtype), xc.shape, [1]));
  const xt = isComplex(xc.dtype) ? lax.conj(xc) : xc;
  let c = lax.dotGeneral(xw, xt, [
    [[1], [1]],
    [[], []],
  ]);
  c = lax.div(c, lax.broadcastInDim(cast(fact, c.dtype), c.shape, []));
  return c.shape[0] === 1 ? lax.reshape(c, []) : c;
}

function realDtypeOf(x: Array): DType {
  return isComplex(x.dtype) ? (x.dtype === "complex128" ? "float64" : "float32") : x.dtype;
}

/** `jnp.corrcoef(x, y?, { rowvar })`: Pearson correlation coefficients, clipped to [-1, 1]. */
export function corrcoef(
  x: ArrayLike,
  y?: ArrayLike | null | { rowvar?: boolean },
  options: { rowvar?: boolean } = {},
): Array {
  const op = "jnp.corrcoef";
  if (y !== undefined && y !== null && typeof y === "object" && !isArrayValue(y)) {
    options = y as { rowvar?: boolean };
    y = null;
  }
  options = checkOptions(op, options, { rowvar: true });
  const c = cov(x, y as ArrayLike | null | undefined, { rowvar: options.rowvar ?? true });
  if (c.ndim === 0) return lax.div(c, c);
  const n = c.shape[0]!;
  const eye = lax.eq(
    lax.broadcastInDim(lax.iota("int32", n), [n, n], [0]),
    lax.broadcastInDim(lax.iota("int32", n), [n, n], [1]),
  );
  const d = sum(where(eye, c, 0), 1);
  const sd = lax.sqrt(isComplex(d.dtype) ? lax.real(d) : d);
  const sdc = cast(sd, c.dtype);
  let r = lax.div(c, lax.broadcastInDim(sdc, [n, n], [0]));
  r = lax.div(r, lax.broadcastInDim(sdc, [n, n], [1]));
  if (isComplex(r.dtype)) {
    const re = lax.clamp(-1, lax.real(r), 1);
    const im = lax.clamp(-1, lax.imag(r), 1);
    return lax.complex(re, im);
  }
  return lax.clamp(lax.convertElementType(-1, r.dtype), r, lax.convertElementType(1, r.dtype));
}

// ---------------------------------------------------------------------------
// histogram, histogram_bin_edges, bincount, digitize

export interface HistogramOptions {
  /** The lower and upper range of the bins (default: the data's min and max). */
  range?: readonly [number, number] | null;
  /** A weight per element of a (its shape). */
  weights?: ArrayLike | null;
  /** Return the probability density instead of the counts. */
  density?: boolean | null;
}
const HISTOGRAM_KEYS: OptionKeys<HistogramOptions> = { range: true, weights: true, density: true };

/** `jnp.histogram_bin_edges(a, bins = 10, { range, weights })`: the bin edges. */
export function histogramBinEdges(
  a: ArrayLike,
  bins: number | ArrayLike = 10,
  options: HistogramOptions = {},
): Array {
  const op = "jnp.histogram_bin_edges";
  options = checkOptions(op, options, HISTOGRAM_KEYS);
  return binEdges(op, asArray(a, op, "a"), bins, options.range ?? null);
}

function binEdges(
  op: string,
  x0: Array,
  bins: number | ArrayLike,
  range: readonly [number, number] | null,
): Array {
  const dtype = isInexact(x0.dtype) ? x0.dtype : defaultFloat();
  if (typeof bins !== "number") {
    const b = cast(asArray(bins, op, "bins"), dtype);
    if (b.ndim !== 1)
      throw new ValueError(
        `${op}: bins must be an integer or a 1-D array, got shape ${shapeStr(b.shape)}`,
      );
    return b;
  }
  if (!Number.isInteger(bins) || bins < 1) {
    throw new ValueError(`${op}: bins must be a positive integer, got ${String(bins)}`);
  }
  const x = ravel(cast(x0, dtype));
  let lo: Array;
  let hi: Array;
  if (range != null) {
    lo = lax.convertElementType(range[0], dtype);
    hi = lax.convertElementType(range[1], dtype);
  } else {
    lo = x.size === 0 ? lax.convertElementType(0, dtype) : min(x);
    hi = x.size === 0 ? lax.convertElementType(1, dtype) : max(x);
  }
  const same = lax.eq(lo, hi);
  lo = where(same, lax.sub(lo, 0.5), lo);
  hi = where(same, lax.add(hi, 0.5), hi);
  const step = lax.div(lax.sub(hi, lo), bins);
  const i = cast(lax.iota("int32", bins + 1), dtype);
  const edges = lax.add(
    lax.broadcastInDim(lo, [bins + 1], []),
    lax.mul(i, lax.broadcastInDim(step, [bins + 1], [])),
  );
  // The last edge is exactly hi, as NumPy's linspace.
  return lax.concatenate([lax.sliceInDim(edges, 0, bins), lax.reshape(hi, [1])], 0);
}

/**
 * `jnp.histogram(a, bins = 10, { range, weights, density })` → `[hist, binEdges]`:
 * half-open bins [e_i, e_{i+1}) except the last, which includes its right edge;
 * values out of range are not counted.
 */
export function histogram(
  a: ArrayLike,
  bins: number | ArrayLike = 10,
  options: HistogramOptions = {},
): [Array, Array] {
  const op = "jnp.histogram";
  options = checkOptions(op, options, HISTOGRAM_KEYS);
  const x0 = asArray(a, op, "a");
  const edges = binEdges(op, x0, bins, options.range ?? null);
  const x = ravel(cast(x0, edges.dtype));
  const nEdges = edges.shape[0]!;
  let w: Array;
  if (options.weights != null) {
    const w0 = asArray(options.weights, op, "weights");
    if (!shapesEqual(w0.shape, x0.shape)) {
      throw new ValueError(
        `${op}: weights must have a's shape ${shapeStr(x0.shape)}, got ${shapeStr(w0.shape)}`,
      );
    }
    w = ravel(w0);
  } else w = filled(x.shape, 1, edges.dtype);
  let idx = searchsortedRight(edges, x);
  const lastEdge = lax.broadcastInDim(lax.sliceInDim(edges, nEdges - 1, nEdges), x.shape, [0]);
  idx = where(lax.eq(x, lastEdge), nEdges - 1, idx);
  const counts0 = filled([nEdges + 1], 0, w.dtype)
    .at(idx)
    .add(w, { mode: "drop" });
  let counts = lax.sliceInDim(counts0, 1, nEdges);
  if (options.density) {
    const widths = lax.sub(lax.sliceInDim(edges, 1, nEdges), lax.sliceInDim(edges, 0, nEdges - 1));
    const c = cast(counts, edges.dtype);
    counts = lax.div(c, lax.mul(widths, lax.broadcastInDim(sum(c), widths.shape, [])));
  }
  return [counts, edges];
}

/** For sorted 1-D `edges`: the number of edges <= v, for each v (int32). */
function searchsortedRight(edges: Array, v: Array): Array {
  const n = edges.shape[0]!;
  const shape = [...v.shape, n];
  const le = lax.le(
    lax.broadcastInDim(edges, shape, [v.ndim]),
    lax.broadcastInDim(
      v,
      shape,
      v.shape.map((_, i) => i),
    ),
  );
  return sum(le, -1, { dtype: "int32" });
}

export interface BincountOptions {
  /** The static length of the result (required under jit); larger values are dropped. */
  length?: number | null;
}
const BINCOUNT_KEYS: OptionKeys<BincountOptions> = { length: true };

/**
 * `jnp.bincount(x, weights?, minlength = 0, { length })`: counts (or summed
 * weights) of each non-negative integer in x. Negative values count as 0, as
 * JAX; under jit, `length` must be given.
 */
export function bincount(
  x: ArrayLike,
  weights?: ArrayLike | null,
  minlength = 0,
  options: BincountOptions = {},
): Array {
  const op = "jnp.bincount";
  options = checkOptions(op, options, BINCOUNT_KEYS);
  const xs = asArray(x, op, "x");
  if (xs.ndim !== 1) throw new ValueError(`${op}: x must be 1-D, got shape ${shapeStr(xs.shape)}`);
  if (isInexact(xs.dtype)) {
    throw new TypeError(`${op}: x must be an integer array, got dtype ${xs.dtype}`);
  }
  let length = options.length ?? null;
  if (length === null) {
    if (!(xs instanceof ArrayImpl)) {
      throw new ConcretizationTypeError(
        `${op}: the result's length depends on the values of x; give { length } under jit or vmap`,
      );
    }
    const vals = numberValues(xs.dtype, xs.dataSync()).map(Number);
    length = Math.max(minlength, vals.length === 0 ? 0 : Math.max(...vals) + 1);
  }
  const w = weights == null ? filled(xs.shape, 1, "int32") : asArray(weights, op, "weights");
  if (!shapesEqual(w.shape, xs.shape)) {
    throw new ValueError(
      `${op}: weights must have x's shape ${shapeStr(xs.shape)}, got ${shapeStr(w.shape)}`,
    );
  }
  const idx = lax.max(xs, lax.convertElementType(0, xs.dtype));
  return filled([length], 0, w.dtype).at(idx).add(w, { mode: "drop" });
}

/**
 * `jnp.digitize(x, bins, right = false)`: the index of the bin of each x in the
 * monotonic 1-D bins (increasing or decreasing), as NumPy.
 */
export function digitize(x: ArrayLike, bins: ArrayLike, right = false): Array {
  const op = "jnp.digitize";
  const b = asArray(bins, op, "bins");
  if (b.ndim !== 1) throw new ValueError(`${op}: bins must be 1-D, got shape ${shapeStr(b.shape)}`);
  const v = asArray(x, op, "x");
  const n = b.shape[0]!;
  if (n === 0) return filled(v.shape, 0, "int32");
  const [bb, vv] = promoteArgsInexactOrSame(b, v);
  const shape = [...vv!.shape, n];
  const B = lax.broadcastInDim(bb!, shape, [vv!.ndim]);
  const V = lax.broadcastInDim(
    vv!,
    shape,
    vv!.shape.map((_, i) => i),
  );
  // Increasing: #bins <= x (right=false) or < x (right=true); decreasing: #bins > x or >= x.
  const inc = sum(right ? lax.lt(B, V) : lax.le(B, V), -1, { dtype: "int32" });
  const dec = sum(right ? lax.ge(B, V) : lax.gt(B, V), -1, { dtype: "int32" });
  const increasing = lax.ge(lax.sliceInDim(bb!, n - 1, n), lax.sliceInDim(bb!, 0, 1));
  return where(lax.reshape(increasing, []), inc, dec);
}

function promoteArgsInexactOrSame(a: Array, b: Array): Array[] {
  const { dtype } = resultType(a, b);
  return [cast(a, dtype), cast(b, dtype)];
}

export interface InterpOptions {
  /** The value for x < xp[0] (default fp[0]). */
  left?: ArrayLike | null;
  /** The value for x > xp[-1] (default fp[-1]). */
  right?: ArrayLike | null;
  /** The period of the x-coordinates (left and right are then ignored). */
  period?: number | null;
}
const INTERP_KEYS: OptionKeys<InterpOptions> = { left: true, right: true, period: true };

/**
 * `jnp.interp(x, xp, fp, { left, right, period })`: one-dimensional linear
 * interpolation of the points (xp, fp) at x; xp must increase.
 */
export function interp(
  x: ArrayLike,
  xp: ArrayLike,
  fp: ArrayLike,
  options: InterpOptions = {},
): Array {
  const op = "jnp.interp";
  options = checkOptions(op, options, INTERP_KEYS);
  const xv0 = asArray(x, op, "x");
  const xp0 = asArray(xp, op, "xp");
  const fp0 = asArray(fp, op, "fp");
  if (xp0.ndim !== 1 || fp0.ndim !== 1 || xp0.shape[0] !== fp0.shape[0]) {
    throw new ValueError(
      `${op}: xp and fp must be 1-D of the same length, got shapes ${shapeStr(xp0.shape)} and ${shapeStr(fp0.shape)}`,
    );
  }
  if (xp0.shape[0] === 0) throw new ValueError(`${op}: xp and fp must not be empty`);
  const { dtype: xdt } = resultType(xv0, xp0);
  const xdtype = isInexact(xdt) ? xdt : defaultFloat();
  let xv = cast(xv0, xdtype);
  let xpv = cast(xp0, xdtype);
  let fpv = promoteArgsInexact(op, fp0)[0]!;
  if (options.period != null) {
    if (options.period === 0) throw new ValueError(`${op}: period must be nonzero`);
    const p = Math.abs(options.period);
    const modp = (v: Array): Array => {
      const r = lax.rem(v, filled(v.shape, p, v.dtype));
      return where(lax.lt(r, 0), lax.add(r, p), r);
    };
    xv = modp(xv);
    const [sx, sf] = lax.sort([modp(xpv), fpv], { numKeys: 1 }) as Array[];
    const m = sx!.shape[0]!;
    xpv = lax.concatenate(
      [lax.sub(lax.sliceInDim(sx!, m - 1, m), p), sx!, lax.add(lax.sliceInDim(sx!, 0, 1), p)],
      0,
    );
    fpv = lax.concatenate([lax.sliceInDim(sf!, m - 1, m), sf!, lax.sliceInDim(sf!, 0, 1)], 0);
  }
  const n = xpv.shape[0]!;
  const flat = lax.reshape(xv, [xv.size]);
  const i = lax.clamp(1, searchsortedRight(xpv, flat), Math.max(n - 1, 1));
  const im1 = lax.max(lax.sub(i, 1), lax.convertElementType(0, "int32"));
  const take1 = (v: Array, k: Array): Array => v.at(k).get({ mode: "clip" });
  const x0v = take1(xpv, im1);
  const x1v = take1(xpv, i);
  const f0 = take1(fpv, im1);
  const f1 = take1(fpv, i);
  const dx = lax.sub(x1v, x0v);
  const delta = lax.sub(flat, x0v);
  const safeDx = where(lax.eq(dx, 0), 1, dx);
  const slope = lax.div(lax.sub(f1, f0), cast(safeDx, f1.dtype));
  let f = where(lax.eq(dx, 0), f1, lax.add(f0, lax.mul(cast(delta, f0.dtype), slope)));
  if (n === 1) f = lax.broadcastInDim(lax.reshape(fpv, []), flat.shape, []);
  if (options.period == null) {
    const first = lax.broadcastInDim(lax.reshape(lax.sliceInDim(xpv, 0, 1), []), flat.shape, []);
    const last = lax.broadcastInDim(lax.reshape(lax.sliceInDim(xpv, n - 1, n), []), flat.shape, []);
    const leftV = options.left ?? lax.reshape(lax.sliceInDim(fpv, 0, 1), []);
    const rightV = options.right ?? lax.reshape(lax.sliceInDim(fpv, n - 1, n), []);
    f = where(lax.lt(flat, first), cast(asArray(leftV, op, "left"), f.dtype), f);
    f = where(lax.gt(flat, last), cast(asArray(rightV, op, "right"), f.dtype), f);
  }
  return lax.reshape(f, xv0.shape);
}

// ---------------------------------------------------------------------------
// isin

export interface IsinOptions {
  /** Return true where element is *not* in testElements. */
  invert?: boolean;
  /** Accepted for NumPy compatibility (no effect). */
  assumeUnique?: boolean;
  /** "compare_all" (one comparison per pair, the default here) or "sort". */
  method?: "compare_all" | "sort" | "auto";
}
const ISIN_KEYS: OptionKeys<IsinOptions> = { invert: true, assumeUnique: true, method: true };

/** `jnp.isin(element, testElements, { invert })`: whether each element is in testElements. */
export function isin(
  element: ArrayLike,
  testElements: ArrayLike,
  options: IsinOptions = {},
): Array {
  const op = "jnp.isin";
  options = checkOptions(op, options, ISIN_KEYS);
  const e = asArray(element, op, "element");
  const t = ravel(asArray(testElements, op, "testElements"));
  const { dtype } = resultType(e, t);
  const shape = [...e.shape, t.shape[0]!];
  const eq = lax.eq(
    lax.broadcastInDim(
      cast(e, dtype),
      shape,
      e.shape.map((_, i) => i),
    ),
    lax.broadcastInDim(cast(t, dtype), shape, [e.ndim]),
  );
  const r = t.shape[0] === 0 ? filled(e.shape, false, "bool") : any(eq, -1);
  return options.invert ? logicalNot(r) : r;
}

/** The broadcast shape of two shapes, or null when they do not broadcast. */
function broadcastShapesOf(a: Shape, b: Shape): number[] | null {
  try {
    return broadcastShapes("jnp.array_equiv", a, b);
  } catch {
    return null;
  }
}
