/**
 * Multidimensional histograms, as NumPy/JAX: `jnp.histogramdd` and
 * `jnp.histogram2d`. Bins are half-open except the last of each dimension
 * (which holds its right edge); samples outside the range are not counted.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { defaultFloat, isInexact } from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { shapeStr } from "../shape.js";
import { filled } from "./internal.js";
import { where } from "./manipulation.js";
import { sum } from "./reductions.js";
import { histogramBinEdges } from "./statistics.js";
import { cast } from "./util.js";

export type BinsSpec = number | ArrayLike | readonly (number | ArrayLike)[];

export interface HistogramddOptions {
  /** [lo, hi] per dimension (default: each dimension's min and max). */
  range?: readonly (readonly [number, number] | null)[] | null;
  /** A weight per sample. */
  weights?: ArrayLike | null;
  /** Return the density (counts / total / bin volume). */
  density?: boolean | null;
}
const HISTOGRAMDD_KEYS: OptionKeys<HistogramddOptions> = {
  range: true,
  weights: true,
  density: true,
};

function binsFor(op: string, bins: BinsSpec, d: number, D: number): number | ArrayLike {
  if (typeof bins === "number") return bins;
  if (globalThis.Array.isArray(bins)) {
    const list = bins as readonly (number | ArrayLike)[];
    if (list.length !== D)
      throw new ValueError(
        `${op}: bins must have one entry per dimension (${D}), got ${list.length}`,
      );
    return list[d]!;
  }
  return bins as ArrayLike;
}

/**
 * `jnp.histogramdd(sample, bins = 10, { range, weights, density })` →
 * `[hist, binEdges]` for a sample of shape (N, D): one list of edges per
 * dimension, hist of shape (nbins_0, ..., nbins_{D-1}).
 */
export function histogramdd(
  sample: ArrayLike,
  bins: BinsSpec = 10,
  options: HistogramddOptions = {},
): [Array, Array[]] {
  const op = "jnp.histogramdd";
  options = checkOptions(op, options, HISTOGRAMDD_KEYS);
  let s = asArray(sample, op, "sample");
  if (s.ndim === 1) s = lax.reshape(s, [s.shape[0]!, 1]);
  if (s.ndim !== 2)
    throw new ValueError(`${op}: sample must be (N, D), got shape ${shapeStr(s.shape)}`);
  if (!isInexact(s.dtype)) s = cast(s, defaultFloat());
  const [n, D] = [s.shape[0]!, s.shape[1]!];
  if (options.range != null && options.range.length !== D) {
    throw new ValueError(
      `${op}: range must have one entry per dimension (${D}), got ${options.range.length}`,
    );
  }
  const edges: Array[] = [];
  const idx: Array[] = [];
  const nbins: number[] = [];
  for (let d = 0; d < D; d++) {
    const col = lax.reshape(lax.sliceInDim(s, d, d + 1, 1, 1), [n]);
    const r = options.range?.[d] ?? null;
    const e = histogramBinEdges(col, binsFor(op, bins, d, D), r === null ? {} : { range: r });
    const m = e.shape[0]!;
    const shape = [n, m];
    const le = lax.le(
      lax.broadcastInDim(e, shape, [1]),
      lax.broadcastInDim(cast(col, e.dtype), shape, [0]),
    );
    let k = sum(le, -1, { dtype: "int32" });
    const last = lax.broadcastInDim(lax.reshape(lax.sliceInDim(e, m - 1, m), []), [n], []);
    k = where(lax.eq(cast(col, e.dtype), last), lax.sub(k, 1), k);
    edges.push(e);
    idx.push(k);
    nbins.push(m + 1);
  }
  // Flat bin numbers over (nbins_0, ..., nbins_{D-1}), with under/overflow bins at both ends.
  let flat = idx[0]!;
  for (let d = 1; d < D; d++) flat = lax.add(lax.mul(flat, nbins[d]!), idx[d]!);
  const total = nbins.reduce((p, b) => p * b, 1);
  const w =
    options.weights == null ? filled([n], 1, s.dtype) : asArray(options.weights, op, "weights");
  if (w.shape.length !== 1 || w.shape[0] !== n) {
    throw new ValueError(
      `${op}: weights must have one entry per sample (${n}), got shape ${shapeStr(w.shape)}`,
    );
  }
  const counts = filled([total], 0, w.dtype).at(flat).add(w, { mode: "drop" });
  let hist = lax.reshape(counts, nbins);
  hist = lax.slice(
    hist,
    nbins.map(() => 1),
    nbins.map((b) => b - 1),
  );
  if (options.density) {
    let h = cast(hist, s.dtype);
    h = lax.div(h, lax.broadcastInDim(sum(h), h.shape, []));
    edges.forEach((e, d) => {
      const m = e.shape[0]!;
      const widths = lax.sub(lax.sliceInDim(e, 1, m), lax.sliceInDim(e, 0, m - 1));
      h = lax.div(h, lax.broadcastInDim(cast(widths, h.dtype), h.shape, [d]));
    });
    hist = h;
  }
  return [hist, edges];
}

/**
 * `jnp.histogram2d(x, y, bins = 10, { range, weights, density })` →
 * `[hist, xedges, yedges]`.
 */
export function histogram2d(
  x: ArrayLike,
  y: ArrayLike,
  bins: BinsSpec = 10,
  options: HistogramddOptions = {},
): [Array, Array, Array] {
  const op = "jnp.histogram2d";
  const xa = asArray(x, op, "x");
  const ya = asArray(y, op, "y");
  if (xa.ndim !== 1 || ya.ndim !== 1 || xa.shape[0] !== ya.shape[0]) {
    throw new ValueError(
      `${op}: x and y must be 1-D of the same length, got ${shapeStr(xa.shape)} and ${shapeStr(ya.shape)}`,
    );
  }
  const n = xa.shape[0]!;
  const dt = isInexact(xa.dtype) ? xa.dtype : defaultFloat();
  const sample = lax.concatenate(
    [lax.reshape(cast(xa, dt), [n, 1]), lax.reshape(cast(ya, dt), [n, 1])],
    1,
  );
  // One array of edges (not a list of two) is used for both dimensions, as NumPy.
  const b =
    typeof bins === "number" || !globalThis.Array.isArray(bins) || bins.length !== 2
      ? [bins, bins]
      : bins;
  const [hist, edges] = histogramdd(sample, b as readonly (number | ArrayLike)[], options);
  return [hist, edges[0]!, edges[1]!];
}
