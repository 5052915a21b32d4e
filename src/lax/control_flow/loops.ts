/** Loops built from scan and whileLoop: `foriLoop`, `map`, `associativeScan`. */
import type { Array } from "../../core/array.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { batchFlat } from "../../interpreters/batching.js";
import { checkOptions } from "../../options.js";
import { shapeStr } from "../../shape.js";
import { flatten, type TreeDef } from "../../tree/index.js";
import { add, bitwiseOr, convertElementType, lt } from "../elementwise.js";
import { concatenate, pad, reshape, rev } from "../shape_ops.js";
import { sliceInDim } from "../slicing.js";
import { scan } from "./scan.js";
import { whileLoop } from "./while.js";

/**
 * `lax.foriLoop(lower, upper, body, init)`: `body(i, x)` for i in [lower, upper).
 * With JS-number bounds it is a scan (so reverse mode works); with traced
 * bounds, a while loop.
 */
export function foriLoop<C>(
  lower: ArrayLike,
  upper: ArrayLike,
  body: (i: Array, x: C) => C,
  init: C,
): C {
  if (typeof lower === "number" && typeof upper === "number") {
    const n = Math.max(0, upper - lower);
    const [[, x]] = scan(
      ([i, x]: [Array, C]) => [[add(i, 1), body(i, x)] as [Array, C], null],
      [convertElementType(lower, "int32"), init] as [Array, C],
      null,
      { length: n },
    );
    return x;
  }
  const lo = convertElementType(asArray(lower, "lax.foriLoop", "lower"), "int32");
  const hi = convertElementType(asArray(upper, "lax.foriLoop", "upper"), "int32");
  const [, , out] = whileLoop(
    ([i, u]: [Array, Array, C]) => lt(i, u),
    ([i, u, x]: [Array, Array, C]) => [add(i, 1), u, body(i, x)] as [Array, Array, C],
    [lo, hi, init] as [Array, Array, C],
  );
  return out;
}

export interface MapOptions {
  /**
   * JAX's `batch_size`: f runs vectorized (vmap) over chunks of this many
   * rows, the chunks sequentially; a remainder of fewer rows runs as one
   * more vectorized call. Trades memory for speed between a loop and a vmap.
   */
  batchSize?: number;
}

/** `lax.map(f, xs, { batchSize })`: f over the leading axis of xs (a scan with no carry). */
export function map<X, Y>(f: (x: X) => Y, xs: X, options: MapOptions = {}): Y {
  const op = "lax.map";
  const { batchSize } = checkOptions(op, options, { batchSize: true });
  const sequential = () => scan((c: null, x: X) => [c, f(x)], null, xs)[1];
  if (batchSize === undefined || batchSize === null) return sequential();
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new TypeError(`${op}: batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  const [leaves, tree] = flatten(xs);
  const arrays = leaves.map((l) => asArray(l as ArrayLike, op, "xs"));
  const n = arrays[0]?.shape[0];
  if (n === undefined || arrays.some((a) => a.shape[0] !== n)) {
    throw new TypeError(
      `${op}: every leaf of xs needs the same leading axis, got shapes ${arrays.map((a) => shapeStr(a.shape)).join(", ")}`,
    );
  }
  if (n === 0) return sequential();
  // f over `size` rows at once: the leaves' outputs, and their tree (the same for every chunk).
  let outTree: TreeDef | null = null;
  const vectorized = (size: number) =>
    batchFlat(
      (...rows: Array[]) => {
        const [outs, def] = flatten(f(tree.unflatten(rows) as X));
        outTree = def;
        return outs.map((o) => asArray(o as ArrayLike, op, "f's output"));
      },
      { size, name: null },
      op,
    );
  const chunks = Math.floor(n / batchSize);
  const main = chunks * batchSize;
  const parts: Array[][] = [];
  if (chunks > 0) {
    const body = vectorized(batchSize);
    const grouped = arrays.map((a) =>
      reshape(sliceInDim(a, 0, main, 1, 0), [chunks, batchSize, ...a.shape.slice(1)]),
    );
    const ys = scan((c: null, x: Array[]) => [c, body(...x)], null, grouped)[1];
    parts.push(ys.map((y) => reshape(y, [main, ...y.shape.slice(2)])));
  }
  if (main < n)
    parts.push(vectorized(n - main)(...arrays.map((a) => sliceInDim(a, main, n, 1, 0))));
  const outs =
    parts.length === 1 ? parts[0]! : parts[0]!.map((y, i) => concatenate([y, parts[1]![i]!], 0));
  return outTree!.unflatten(outs) as Y;
}

/**
 * `lax.associativeScan(fn, elems, { reverse, axis })`: all prefix combinations
 * under an associative `fn`, in O(log n) depth by combining odd and even
 * elements recursively (the parallel-prefix scheme).
 */
export function associativeScan<T>(
  fn: (a: T, b: T) => T,
  elems: T,
  options: { reverse?: boolean; axis?: number } = {},
): T {
  options = checkOptions("lax.associativeScan", options, { reverse: true, axis: true });
  const [leaves, tree] = flatten(elems);
  let xs = leaves.map((l) => asArray(l as ArrayLike, "lax.associativeScan", "elems"));
  if (xs.length === 0) return elems;
  const ndim = xs[0]!.ndim;
  const axis = (options.axis ?? 0) < 0 ? (options.axis ?? 0) + ndim : (options.axis ?? 0);
  const n = xs[0]!.shape[axis]!;
  for (const x of xs) {
    if (x.shape[axis] !== n) {
      throw new Error(`lax.associativeScan: all elems must have the same size along axis ${axis}`);
    }
  }
  const combine = (a: Array[], b: Array[]): Array[] =>
    flatten(fn(tree.unflatten(a) as T, tree.unflatten(b) as T))[0] as Array[];
  const slice = (x: Array, start: number, stop: number, stride = 1) =>
    sliceInDim(x, start, stop, stride, axis);
  const interleave = (a: Array, b: Array): Array => {
    // a holds the even positions, b the odd ones; pad each with gaps and add.
    const op = a.dtype === "bool" ? bitwiseOr : add;
    const zero = convertElementType(0, a.dtype);
    const even = a.shape[axis] === b.shape[axis];
    const cfg = (lo: number, hi: number) =>
      a.shape.map((_, i) => (i === axis ? [lo, hi, 1] : [0, 0, 0]) as [number, number, number]);
    return op(pad(a, zero, cfg(0, even ? 1 : 0)), pad(b, zero, cfg(1, even ? 0 : 1)));
  };
  const rec = (es: Array[]): Array[] => {
    const m = es[0]!.shape[axis]!;
    if (m < 2) return es;
    const reduced = combine(
      es.map((e) => slice(e, 0, m - 1, 2)),
      es.map((e) => slice(e, 1, m, 2)),
    );
    const odd = rec(reduced);
    const evenTail =
      m % 2 === 0
        ? combine(
            odd.map((e) => slice(e, 0, e.shape[axis]! - 1)),
            es.map((e) => slice(e, 2, m, 2)),
          )
        : combine(
            odd,
            es.map((e) => slice(e, 2, m, 2)),
          );
    const even = es.map((e, i) => concatenate([slice(e, 0, 1), evenTail[i]!], axis));
    return even.map((e, i) => interleave(e, odd[i]!));
  };
  if (options.reverse) xs = xs.map((x) => rev(x, [axis]));
  let out = rec(xs);
  if (options.reverse) out = out.map((x) => rev(x, [axis]));
  return tree.unflatten(out) as T;
}
