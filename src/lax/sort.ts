/**
 * `sort` (several operands sorted together by their first `num_keys`) and
 * `top_k`, as in JAX.
 *
 * The order is JAX's total order: NaNs sort after +inf, and -0.0 and 0.0
 * compare equal (so a stable sort keeps their relative order). The eager
 * kernels are the backends' library kernels "sort" and "top_k" (the CPU's,
 * both stable, in backend/cpu/kernels/sort.ts).
 */
import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type Primitive, type Tangent, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { isInexact } from "../dtype.js";
import { ValueError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { normalizeAxis, shapeStr, shapesEqual } from "../shape.js";
import { castToAval } from "./ad_util.js";
import { moveaxis, moveBatchAxis } from "./batch_util.js";
import { gather } from "./gather_scatter.js";
import { libraryPrimitive } from "./linalg/library_primitive.js";
import { broadcastedIota, reshape } from "./shape_ops.js";

export interface SortParams {
  dimension: number;
  is_stable: boolean;
  num_keys: number;
}
export interface TopKParams {
  k: number;
}

/**
 * The tangent of a permuted output: `t` taken along `axis` at the positions
 * `idx` (an index array of t's shape except along `axis`). A gather whose other
 * dims are batching dims, so it transposes to a scatter-add and vmaps as one.
 */
function permuteTangent(t: Tangent, idx: Array, axis: number, out: ShapedArray): Tangent {
  if (t instanceof Zero || !isInexact(out.dtype)) return new Zero(out);
  const others = t.shape.map((_, d) => d).filter((d) => d !== axis);
  const taken = gather(
    t,
    reshape(idx, [...idx.shape, 1]),
    {
      offsetDims: [],
      collapsedSliceDims: [axis],
      startIndexMap: [axis],
      operandBatchingDims: others,
      startIndicesBatchingDims: others,
    },
    t.shape.map(() => 1),
    { mode: "promise_in_bounds", uniqueIndices: true },
  );
  return castToAval(taken, out);
}

/** The outputs of a sort (the operands' avals), after checking the operands and params. */
export function sortAbstractEval(avals: ShapedArray[], params: SortParams): ShapedArray[] {
  const { dimension, is_stable, num_keys } = params;
  if (avals.length === 0) throw new TypeError("lax.sort: needs at least one operand");
  const shape = avals[0]!.shape;
  avals.forEach((a, i) => {
    if (!shapesEqual(a.shape, shape)) {
      throw new TypeError(
        `lax.sort: all operands must have the same shape, got ${shapeStr(shape)} (operand 0) and ` +
          `${shapeStr(a.shape)} (operand ${i})`,
      );
    }
  });
  if (!Number.isInteger(dimension) || dimension < 0 || dimension >= shape.length) {
    throw new ValueError(
      `lax.sort: dimension ${dimension} is out of bounds for operands of shape ${shapeStr(shape)}` +
        (shape.length > 0
          ? ` (allowed: 0 to ${shape.length - 1})`
          : " (a 0-d array cannot be sorted)"),
    );
  }
  if (!Number.isInteger(num_keys) || num_keys < 1 || num_keys > avals.length) {
    throw new ValueError(
      `lax.sort: numKeys must be between 1 and the number of operands (${avals.length}), got ${num_keys}`,
    );
  }
  if (typeof is_stable !== "boolean") throw new TypeError("lax.sort: isStable must be a boolean");
  return avals;
}

export const sortP: Primitive<SortParams> = libraryPrimitive<SortParams>(
  "sort",
  {
    abstractEval: sortAbstractEval,
    // JAX's _sort_jvp: sort an iota along with the operands to learn the
    // permutation, and permute the tangents by it.
    jvp: (primals, tangents, params) => {
      const iota = broadcastedIota("int32", primals[0]!.shape, params.dimension);
      const outs = bind(sortP, [...primals, iota], params);
      const perm = outs.pop()!;
      return [
        outs,
        tangents.map((t, i) => permuteTangent(t, perm, params.dimension, outs[i]!.aval)),
      ];
    },
    // Every operand gets the batch dim of the first batched one; the sorted dim shifts past it.
    batch: (args, dims, params, axis) => {
      const bdim = dims.find((d) => d !== null)!;
      const ins = args.map((a, i) => moveBatchAxis(a, dims[i] ?? null, bdim, axis.size));
      const dimension = params.dimension + (bdim <= params.dimension ? 1 : 0);
      return [bind(sortP, ins, { ...params, dimension }), ins.map(() => bdim)];
    },
  },
  true,
);

export interface SortOptions {
  /** The dimension to sort along (default -1, the last). */
  dimension?: number;
  /** Keep equal keys in their original order (our sort is always stable). */
  isStable?: boolean;
  /** How many leading operands are keys, compared lexicographically (default 1). */
  numKeys?: number;
}
const SORT_KEYS: OptionKeys<SortOptions> = { dimension: true, isStable: true, numKeys: true };

/**
 * Sorts along `dimension`. One operand gives one sorted array; a list of
 * operands is sorted together by the first `numKeys` of them (lexicographic).
 */
export function sort(operand: ArrayLike, options?: SortOptions): Array;
export function sort(operands: readonly ArrayLike[], options?: SortOptions): Array[];
export function sort(
  operands: ArrayLike | readonly ArrayLike[],
  options: SortOptions = {},
): Array | Array[] {
  options = checkOptions("lax.sort", options, SORT_KEYS);
  const single = !globalThis.Array.isArray(operands);
  const list = (single ? [operands] : operands) as readonly ArrayLike[];
  const xs = list.map((x, i) => asArray(x, "lax.sort", `operand ${i}`));
  if (xs.length === 0) throw new TypeError("lax.sort: needs at least one operand");
  const ndim = xs[0]!.ndim;
  const dimension = options.dimension ?? -1;
  const params: SortParams = {
    dimension: ndim === 0 ? dimension : normalizeAxis(dimension, ndim, "lax.sort", "dimension"),
    is_stable: options.isStable ?? true,
    num_keys: options.numKeys ?? 1,
  };
  const outs = bind(sortP, xs, params);
  return single ? outs[0]! : outs;
}

/** Sorts `keys` along `dimension` and permutes `values` the same way: [sortedKeys, sortedValues]. */
export function sortKeyVal(keys: ArrayLike, values: ArrayLike, dimension = -1): [Array, Array] {
  const [k, v] = sort([keys, values], { dimension, numKeys: 1 });
  return [k!, v!];
}

// --- top_k -------------------------------------------------------------------------

/** The outputs of a top_k: the values (the operand's dtype) and their int32 indices. */
export function topKAbstractEval([x]: ShapedArray[], { k }: TopKParams): ShapedArray[] {
  const aval = x!;
  if (aval.ndim === 0)
    throw new TypeError("lax.topK: the operand must have at least one dimension, got a 0-d array");
  const last = aval.shape[aval.ndim - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > last) {
    throw new ValueError(
      `lax.topK: k must be an integer between 0 and the size of the last axis (${last}) of the operand ` +
        `of shape ${shapeStr(aval.shape)}, got ${k}`,
    );
  }
  const shape = [...aval.shape.slice(0, -1), k];
  return [
    new ShapedArray(shape, aval.dtype, aval.weakType),
    new ShapedArray(shape, "int32", false),
  ];
}

export const topKP: Primitive<TopKParams> = libraryPrimitive<TopKParams>(
  "top_k",
  {
    abstractEval: topKAbstractEval,
    // The values' tangent is the operand's tangent at the chosen indices (JAX's _top_k_jvp).
    jvp: ([x], [t], params) => {
      const [values, indices] = bind(topKP, [x!], params);
      const tv = permuteTangent(t!, indices!, x!.ndim - 1, values!.aval);
      return [
        [values!, indices!],
        [tv, new Zero(indices!.aval)],
      ];
    },
    // top_k works on the last axis: a batch dim there moves to the front.
    batch: ([x], [bdim], params) => {
      const last = bdim === x!.ndim - 1;
      const outs = bind(topKP, [last ? moveaxis(x!, bdim, 0) : x!], params);
      const b = last ? 0 : bdim!;
      return [outs, [b, b]];
    },
  },
  true,
);

/**
 * The `k` largest entries along the last axis, largest first, and their
 * indices: [values, indices]. Equal values keep the lower index first; NaN
 * counts as the largest.
 */
export function topK(operand: ArrayLike, k: number): [Array, Array] {
  const x = asArray(operand, "lax.topK", "operand");
  const [values, indices] = bind(topKP, [x], { k });
  return [values!, indices!];
}
