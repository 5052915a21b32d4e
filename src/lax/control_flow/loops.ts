/** Loops built from scan and whileLoop: `foriLoop`, `map`, `associativeScan`. */
import type { Array } from "../../core/array.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { checkOptions } from "../../options.js";
import { flatten } from "../../tree/index.js";
import { add, bitwiseOr, convertElementType, lt } from "../elementwise.js";
import { concatenate, pad, rev } from "../shape_ops.js";
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

/** `lax.map(f, xs)`: f over the leading axis of xs, sequentially (a scan with no carry). */
export function map<X, Y>(f: (x: X) => Y, xs: X): Y {
  return scan((c: null, x: X) => [c, f(x)], null, xs)[1];
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
