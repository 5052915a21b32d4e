/**
 * `sort` (several operands sorted together by their first `num_keys`) and
 * `top_k`, as in JAX.
 *
 * The order is JAX's total order: NaNs sort after +inf, and -0.0 and 0.0
 * compare equal (so a stable sort keeps their relative order). Both kernels
 * are stable.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { OPAQUE, Primitive, type Tangent, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { allocate, isFloating } from "../dtype.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { normalizeAxis, type Shape, shapeStr, shapesEqual, sizeOf } from "../shape.js";
import { castToAval } from "./ad_util.js";
import { moveaxis, moveBatchAxis } from "./batch_util.js";
import { gather } from "./gather_scatter.js";
import { broadcastedIota, reshape } from "./shape_ops.js";

export interface SortParams {
  dimension: number;
  is_stable: boolean;
  num_keys: number;
}
export interface TopKParams {
  k: number;
}

/** JAX's total order on values: NaN last, -0.0 equal to 0.0; integers and bools numerically. */
function compareTotal(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  return xn === yn ? 0 : xn ? 1 : -1;
}

/** outer × n × inner: the layout of an array around one axis. */
function aroundAxis(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/**
 * For every lane along `axis` (outer × inner of them), the stable permutation
 * that orders it by `compare(i, j)` on lane positions, given the lane's base
 * offset and stride. Calls `emit(base, perm)` for each lane.
 */
function forEachLanePerm(
  shape: Shape,
  axis: number,
  compare: (base: number, stride: number) => (i: number, j: number) => number,
  emit: (base: number, stride: number, perm: Uint32Array) => void,
): void {
  const [outer, n, inner] = aroundAxis(shape, axis);
  const perm = new Uint32Array(n);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      for (let t = 0; t < n; t++) perm[t] = t;
      const cmp = compare(base, inner);
      // Ties fall back on the position: stable whatever the engine's sort is.
      perm.sort((p, q) => cmp(p, q) || p - q);
      emit(base, inner, perm);
    }
  }
}

/**
 * The tangent of a permuted output: `t` taken along `axis` at the positions
 * `idx` (an index array of t's shape except along `axis`). A gather whose other
 * dims are batching dims, so it transposes to a scatter-add and vmaps as one.
 */
function permuteTangent(t: Tangent, idx: Array, axis: number, out: ShapedArray): Tangent {
  if (t instanceof Zero || !isFloating(out.dtype)) return new Zero(out);
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

function sortAbstractEval(avals: ShapedArray[], params: SortParams): ShapedArray[] {
  const { dimension, is_stable, num_keys } = params;
  if (avals.length === 0) throw new Error("lax.sort: needs at least one operand");
  const shape = avals[0]!.shape;
  avals.forEach((a, i) => {
    if (!shapesEqual(a.shape, shape)) {
      throw new Error(
        `lax.sort: all operands must have the same shape, got ${shapeStr(shape)} (operand 0) and ` +
          `${shapeStr(a.shape)} (operand ${i})`,
      );
    }
  });
  if (!Number.isInteger(dimension) || dimension < 0 || dimension >= shape.length) {
    throw new Error(
      `lax.sort: dimension ${dimension} is out of bounds for operands of shape ${shapeStr(shape)}` +
        (shape.length > 0
          ? ` (allowed: 0 to ${shape.length - 1})`
          : " (a 0-d array cannot be sorted)"),
    );
  }
  if (!Number.isInteger(num_keys) || num_keys < 1 || num_keys > avals.length) {
    throw new Error(
      `lax.sort: numKeys must be between 1 and the number of operands (${avals.length}), got ${num_keys}`,
    );
  }
  if (typeof is_stable !== "boolean") throw new TypeError("lax.sort: isStable must be a boolean");
  return avals;
}

export const sortP: Primitive<SortParams> = new Primitive<SortParams>(
  "sort",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: sortAbstractEval,
    impl: (args, params) => {
      const avals = sortAbstractEval(
        args.map((a) => a.aval),
        params,
      );
      const keys = args.slice(0, params.num_keys).map((a) => a.values);
      const outs = args.map((a) => allocate(a.dtype, a.size));
      forEachLanePerm(
        avals[0]!.shape,
        params.dimension,
        (base, stride) => {
          const k0 = keys[0]!;
          // One key (the common case) skips the loop over keys.
          if (keys.length === 1)
            return (i, j) => compareTotal(k0[base + i * stride]!, k0[base + j * stride]!);
          return (i, j) => {
            for (const key of keys) {
              const c = compareTotal(key[base + i * stride]!, key[base + j * stride]!);
              if (c !== 0) return c;
            }
            return 0;
          };
        },
        (base, stride, perm) => {
          args.forEach((a, k) => {
            const src = a.values;
            const dst = outs[k]!;
            for (let t = 0; t < perm.length; t++)
              dst[base + t * stride] = src[base + perm[t]! * stride]!;
          });
        },
      );
      return avals.map((aval, k) => new ArrayImpl(aval, outs[k]!));
    },
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
    transpose: null,
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
  if (xs.length === 0) throw new Error("lax.sort: needs at least one operand");
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

function topKAbstractEval([x]: ShapedArray[], { k }: TopKParams): ShapedArray[] {
  const aval = x!;
  if (aval.ndim === 0)
    throw new Error("lax.topK: the operand must have at least one dimension, got a 0-d array");
  const last = aval.shape[aval.ndim - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > last) {
    throw new Error(
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

export const topKP: Primitive<TopKParams> = new Primitive<TopKParams>(
  "top_k",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: topKAbstractEval,
    impl: ([x], params) => {
      const [valAval, idxAval] = topKAbstractEval([x!.aval], params);
      const { k } = params;
      const data = x!.values;
      const values = allocate(valAval!.dtype, valAval!.size);
      const indices = new Int32Array(idxAval!.size);
      let row = 0;
      forEachLanePerm(
        x!.shape,
        x!.ndim - 1,
        // Descending in the total order: NaN first, then +inf ...; ties keep the lower index first.
        (base) => (i, j) => compareTotal(data[base + j]!, data[base + i]!),
        (base, _stride, perm) => {
          for (let t = 0; t < k; t++) {
            values[row * k + t] = data[base + perm[t]!]!;
            indices[row * k + t] = perm[t]!;
          }
          row++;
        },
      );
      return [new ArrayImpl(valAval!, values), new ArrayImpl(idxAval!, indices)];
    },
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
    transpose: null,
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
