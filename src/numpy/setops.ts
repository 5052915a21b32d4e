/**
 * Set operations on 1-D arrays (flattened inputs), as NumPy/JAX:
 * `jnp.union1d`, `intersect1d`, `setdiff1d`, `setxor1d`. Results are sorted
 * and unique. Their length depends on the values, so without `size` the
 * inputs must be concrete; with `size` (static) the result is padded with
 * `fillValue` (JAX's defaults: the smallest result for union, intersect and
 * xor; 0 for setdiff) and works under jit and vmap.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { ConcretizationTypeError, ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { filled } from "./internal.js";
import { ravel, where } from "./manipulation.js";
import { isin } from "./statistics.js";
import { cast, resultType } from "./util.js";

export interface SetOptions {
  /** The static length of the result (required under jit); extra slots get fillValue. */
  size?: number | null;
  /** The value of slots past the true count. */
  fillValue?: ArrayLike | null;
}
export interface SetUniqueOptions extends SetOptions {
  /** Promise that each input has no repeated values (accepted; the result is the same). */
  assumeUnique?: boolean;
}
const SET_KEYS: OptionKeys<SetOptions> = { size: true, fillValue: true };
const SET_UNIQUE_KEYS: OptionKeys<SetUniqueOptions> = {
  size: true,
  fillValue: true,
  assumeUnique: true,
};

function flatArgs(op: string, a: ArrayLike, b: ArrayLike, sized: boolean): [Array, Array] {
  const x = ravel(asArray(a, op, "ar1"));
  const y = ravel(asArray(b, op, "ar2"));
  if (!sized && !(x instanceof ArrayImpl && y instanceof ArrayImpl)) {
    throw new ConcretizationTypeError(
      `${op}: the result's length depends on the values; give { size } under jit, vmap or grad`,
    );
  }
  const { dtype } = resultType(x, y);
  return [cast(x, dtype), cast(y, dtype)];
}

/** Sorted x and a mask of the first element of each run of equal values. */
function firstOfRuns(x: Array): [Array, Array] {
  const s = lax.sort(x) as Array;
  const n = s.shape[0]!;
  if (n === 0) return [s, filled([0], false, "bool")];
  const diff = lax.ne(lax.sliceInDim(s, 1, n), lax.sliceInDim(s, 0, n - 1));
  return [s, lax.concatenate([filled([1], true, "bool"), diff], 0)];
}

/**
 * The values where `keep` holds, in ascending order: all of them (concrete),
 * or `size` of them padded with the fill value.
 */
function compact(
  op: string,
  values: Array,
  keep: Array,
  options: SetOptions,
  defaultFill: "min" | "zero",
): Array {
  const n = values.shape[0]!;
  const count = lax.reduceSum(lax.convertElementType(keep, "int32"), [0]);
  if (options.size == null) {
    const kept = globalThis.Array.from(keep.dataSync(), Number).filter((v) => v !== 0).length;
    const sorted = lax.sort([lax.convertElementType(lax.bitwiseNot(keep), "int32"), values], {
      numKeys: 2,
    }) as Array[];
    return lax.sliceInDim(sorted[1]!, 0, kept);
  }
  const size = options.size;
  if (!Number.isInteger(size) || size < 0)
    throw new ValueError(`${op}: size must be a non-negative integer, got ${String(size)}`);
  // Kept values first, ascending (a sort on (not kept, value)).
  const sorted =
    n === 0
      ? filled([0], 0, values.dtype)
      : (
          lax.sort([lax.convertElementType(lax.bitwiseNot(keep), "int32"), values], {
            numKeys: 2,
          }) as Array[]
        )[1]!;
  const padded =
    size <= n
      ? lax.sliceInDim(sorted, 0, size)
      : lax.concatenate([sorted, filled([size - n], 0, values.dtype)], 0);
  const valid = lax.lt(lax.iota("int32", size), lax.broadcastInDim(count, [size], []));
  const zeroed = where(valid, padded, filled([size], 0, values.dtype));
  let fill: Array;
  if (options.fillValue != null)
    fill = cast(asArray(options.fillValue, op, "fillValue"), values.dtype);
  else if (defaultFill === "zero" || size === 0) fill = lax.convertElementType(0, values.dtype);
  else fill = lax.reshape(lax.sliceInDim(zeroed, 0, 1), []);
  return where(valid, zeroed, lax.broadcastInDim(fill, [size], []));
}

/** `jnp.union1d(ar1, ar2, { size, fillValue })`: the sorted unique values in either array. */
export function union1d(ar1: ArrayLike, ar2: ArrayLike, options: SetOptions = {}): Array {
  const op = "jnp.union1d";
  options = checkOptions(op, options, SET_KEYS);
  const [x, y] = flatArgs(op, ar1, ar2, options.size != null);
  const [s, first] = firstOfRuns(lax.concatenate([x, y], 0));
  return compact(op, s, first, options, "min");
}

/** `jnp.intersect1d(ar1, ar2, { assumeUnique, size, fillValue })`: the sorted unique values in both arrays. */
export function intersect1d(ar1: ArrayLike, ar2: ArrayLike, options: SetUniqueOptions = {}): Array {
  const op = "jnp.intersect1d";
  options = checkOptions(op, options, SET_UNIQUE_KEYS);
  const [x, y] = flatArgs(op, ar1, ar2, options.size != null);
  const [s, first] = firstOfRuns(x);
  return compact(op, s, lax.bitwiseAnd(first, isin(s, y)), options, "min");
}

/** `jnp.setdiff1d(ar1, ar2, { assumeUnique, size, fillValue })`: the sorted unique values of ar1 not in ar2. */
export function setdiff1d(ar1: ArrayLike, ar2: ArrayLike, options: SetUniqueOptions = {}): Array {
  const op = "jnp.setdiff1d";
  options = checkOptions(op, options, SET_UNIQUE_KEYS);
  const [x, y] = flatArgs(op, ar1, ar2, options.size != null);
  const [s, first] = firstOfRuns(x);
  return compact(op, s, lax.bitwiseAnd(first, isin(s, y, { invert: true })), options, "zero");
}

/** `jnp.setxor1d(ar1, ar2, { assumeUnique, size, fillValue })`: the sorted unique values in exactly one array. */
export function setxor1d(ar1: ArrayLike, ar2: ArrayLike, options: SetUniqueOptions = {}): Array {
  const op = "jnp.setxor1d";
  options = checkOptions(op, options, SET_UNIQUE_KEYS);
  const [x, y] = flatArgs(op, ar1, ar2, options.size != null);
  const [s1, f1] = firstOfRuns(x);
  const [s2, f2] = firstOfRuns(y);
  const k1 = lax.bitwiseAnd(f1, isin(s1, y, { invert: true }));
  const k2 = lax.bitwiseAnd(f2, isin(s2, x, { invert: true }));
  return compact(op, lax.concatenate([s1, s2], 0), lax.concatenate([k1, k2], 0), options, "min");
}
