/**
 * Shape primitives: broadcast_in_dim, reshape, transpose, squeeze,
 * concatenate, pad, rev and iota, plus jax.lax's wrappers built on them
 * (expandDims, broadcast, broadcastedIota, collapse). Their eager kernels
 * are the backends' library kernels named as the primitives (the CPU's, all
 * copies, in backend/cpu/kernels/shape.ts); the views among them compile to
 * index maps.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { libraryImpl } from "../core/library.js";
import {
  type AxisData,
  type BatchDim,
  OPAQUE,
  Primitive,
  type PrimitiveFacts,
  type Tangent,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { canonicalize, type DType, isBool, isDType } from "../dtype.js";
import { ValueError } from "../errors.js";
import { type Affine, affineCombine, affineConst } from "../ir/kernel.js";
import { isPermutation, normalizeAxis, type Shape, sizeOf, stridesOf } from "../shape.js";
import { castToAval, isZero } from "./ad_util.js";
import { moveaxis, moveBatchAxis } from "./batch_util.js";
import { selectN, sub } from "./elementwise.js";
import { reduceSum } from "./reductions.js";
import {
  checkArity,
  checkDims,
  intList,
  invertPermutation,
  linearJvp,
  scalarLike,
  shapeArg,
  shiftDims,
  showValue,
  tuple,
  unaryTranspose,
} from "./shape_util.js";
import { slice } from "./slicing.js";

/** Views move or repeat elements: recomputed in every kernel that reads them. */
const VIEW: PrimitiveFacts = { pure: true, foldable: false, cost: "cheap" };
/** Reshape and squeeze also reinterpret their operand as it is: eagerly a copy. */
const FREE_VIEW: PrimitiveFacts = { pure: true, foldable: false, cost: "free" };

/** reduce_sum over `axes`, skipped when there is nothing to reduce. */
function sumOver(x: Array, axes: readonly number[]): Array {
  return axes.length === 0 ? x : reduceSum(x, axes);
}

// --- broadcast_in_dim ------------------------------------------------------------

export interface BroadcastInDimParams {
  broadcast_dimensions: readonly number[];
  shape: Shape;
}

/** The result shape of a broadcast_in_dim, after checking the operand against the params. */
export function broadcastInDimShape(x: ShapedArray, p: BroadcastInDimParams): Shape {
  const op = "lax.broadcastInDim";
  const { shape, broadcast_dimensions: dims } = p;
  if (x.ndim !== dims.length) {
    throw new TypeError(
      `${op}: operand ndim must equal the length of broadcast_dimensions, got operand of shape ` +
        `${tuple(x.shape)} and broadcast_dimensions ${tuple(dims)}`,
    );
  }
  if (shape.length < x.ndim) {
    throw new TypeError(
      `${op}: target shape ${tuple(shape)} must have rank at least the operand's shape ${tuple(x.shape)}`,
    );
  }
  for (const d of dims) {
    if (d < 0 || d >= shape.length) {
      throw new TypeError(
        `${op}: broadcast_dimensions must be dimensions of the target shape, got ${tuple(dims)} ` +
          `for operand shape ${tuple(x.shape)} and target shape ${tuple(shape)}`,
      );
    }
  }
  if (dims.some((d, i) => i > 0 && d <= dims[i - 1]!)) {
    throw new TypeError(
      `${op}: broadcast_dimensions must be strictly increasing, got ${tuple(dims)}`,
    );
  }
  x.shape.forEach((d, i) => {
    if (d !== 1 && d !== shape[dims[i]!]) {
      throw new TypeError(
        `${op}: operand dimension sizes must be 1 or equal to their target dimensions; got operand ` +
          `of shape ${tuple(x.shape)}, target shape ${tuple(shape)}, broadcast_dimensions ${tuple(dims)} ` +
          `(operand dimension ${i} of size ${d} maps to target dimension ${dims[i]} of size ${shape[dims[i]!]})`,
      );
    }
  });
  return shape;
}

export const broadcastInDimP: Primitive<BroadcastInDimParams> = new Primitive<BroadcastInDimParams>(
  "broadcast_in_dim",
  {
    // Size-1 operand dims repeat (read at 0); the others follow their output dim.
    lower: {
      kind: "view",
      index: (coords, { rank, operand }, p) => ({
        coords: operand.shape.map((s, k) =>
          s === 1 ? affineConst(rank, 0) : coords[p.broadcast_dimensions[k]!]!,
        ),
      }),
    },
    facts: VIEW,
    abstractEval: (avals, p) => {
      checkArity("lax.broadcastInDim", avals, 1);
      const x = avals[0]!;
      return [x.withShape(broadcastInDimShape(x, p))];
    },
    impl: libraryImpl<BroadcastInDimParams>("broadcast_in_dim"),
    jvp: linearJvp(() => broadcastInDimP),
    // Sum over the new dimensions and over the operand's size-1 dimensions (which
    // may have been broadcast), then restore those size-1 dimensions.
    transpose: unaryTranspose((ct, aval, p) => {
      const kept = p.broadcast_dimensions.filter((_, i) => aval.shape[i] !== 1);
      const axes = ct.shape.map((_, i) => i).filter((i) => !kept.includes(i));
      return reshape(sumOver(ct, axes), aval.shape);
    }),
    // The batch dimension stays where it is: it goes just before the result
    // dimension that the operand dimension after it maps to (no transpose).
    batch: ([x], [b], p) => {
      const dims = p.broadcast_dimensions;
      const bd = b!;
      const pos = bd < dims.length ? dims[bd]! : p.shape.length;
      const shape = [...p.shape];
      shape.splice(pos, 0, x!.shape[bd]!);
      const newDims = [...dims.slice(0, bd), pos, ...dims.slice(bd).map((d) => d + 1)];
      return [[bind1(broadcastInDimP, [x!], { broadcast_dimensions: newDims, shape })], [pos]];
    },
  },
);

/**
 * `lax.broadcastInDim(operand, shape, broadcastDimensions)`: operand
 * dimension i becomes dimension broadcastDimensions[i] of the result (size 1
 * or equal to it); the other result dimensions are new.
 */
export function broadcastInDim(
  operand: ArrayLike,
  shape: Shape,
  broadcastDimensions: readonly number[],
): Array {
  const op = "lax.broadcastInDim";
  const x = asArray(operand, op, "operand");
  const s = shapeArg(op, "shape", shape);
  const dims = intList(op, "broadcastDimensions", broadcastDimensions);
  // As in JAX: a 0-d operand broadcast to a 0-d shape is itself.
  if (x.ndim === 0 && s.length === 0 && dims.length === 0) return x;
  return bind1(broadcastInDimP, [x], { broadcast_dimensions: dims, shape: s });
}

/** `lax.broadcast(operand, sizes)`: prepends dimensions of the given sizes. */
export function broadcast(operand: ArrayLike, sizes: readonly number[]): Array {
  const op = "lax.broadcast";
  const x = asArray(operand, op, "operand");
  const s = shapeArg(op, "sizes", sizes);
  if (s.length === 0) return x;
  const dims = x.shape.map((_, i) => s.length + i);
  return broadcastInDim(x, [...s, ...x.shape], dims);
}

/** `lax.broadcastToRank(x, rank)`: prepends size-1 dimensions up to rank `rank`. */
export function broadcastToRank(operand: ArrayLike, rank: number): Array {
  const x = asArray(operand, "lax.broadcastToRank", "operand");
  const extra = rank - x.ndim;
  if (!Number.isInteger(rank) || extra < 0) {
    throw new TypeError(
      `lax.broadcastToRank: rank ${rank} must be an integer at least the operand's rank ${x.ndim}`,
    );
  }
  return extra === 0 ? x : broadcast(x, new globalThis.Array<number>(extra).fill(1));
}

/**
 * `lax.expandDims(array, dimensions)`: inserts size-1 dimensions at the given
 * positions of the result (negative ones count from the result's end).
 */
export function expandDims(array: ArrayLike, dimensions: readonly number[]): Array {
  const op = "lax.expandDims";
  const x = asArray(array, op, "array");
  const ndimOut = x.ndim + intList(op, "dimensions", dimensions).length;
  const dims = dimensions.map((d) => normalizeAxis(d, ndimOut, op, "dimension"));
  if (new Set(dims).size !== dims.length) {
    throw new ValueError(`${op}: repeated axis in dimensions ${tuple(dimensions)}`);
  }
  const shape = [...x.shape];
  for (const d of [...dims].sort((a, b) => a - b)) shape.splice(d, 0, 1);
  const kept = shape.map((_, i) => i).filter((i) => !dims.includes(i));
  return broadcastInDim(x, shape, kept);
}

// --- reshape ----------------------------------------------------------------------

export interface ReshapeParams {
  /** A permutation applied before reshaping (jax.lax.reshape's `dimensions`), or null. */
  dimensions: readonly number[] | null;
  new_sizes: Shape;
}

/** Checks a reshape's params against its operand (sizes, the permutation). */
export function reshapeCheck(x: ShapedArray, p: ReshapeParams): void {
  const op = "lax.reshape";
  if (p.new_sizes.some((d) => d < 0)) {
    throw new TypeError(`${op}: new_sizes must all be non-negative, got ${tuple(p.new_sizes)}`);
  }
  if (sizeOf(p.new_sizes) !== x.size) {
    throw new TypeError(
      `${op}: total size must be unchanged, got new_sizes ${tuple(p.new_sizes)} (of total size ` +
        `${sizeOf(p.new_sizes)}) for operand of shape ${tuple(x.shape)} (of total size ${x.size})`,
    );
  }
  if (p.dimensions !== null && !isPermutation(p.dimensions, x.ndim)) {
    throw new TypeError(
      `${op}: dimensions must be a permutation of the operand's dimensions, got ${tuple(p.dimensions)} ` +
        `for operand of shape ${tuple(x.shape)}`,
    );
  }
}

export const reshapeP: Primitive<ReshapeParams> = new Primitive<ReshapeParams>("reshape", {
  // The same row-major offset (a view only without a transposition first).
  lower: {
    kind: "view",
    index: (coords, { rank, out }) => ({ flat: affineCombine(rank, coords, stridesOf(out.shape)) }),
    applies: (p) => p.dimensions === null,
  },
  facts: FREE_VIEW,
  abstractEval: (avals, p) => {
    checkArity("lax.reshape", avals, 1);
    reshapeCheck(avals[0]!, p);
    return [avals[0]!.withShape(p.new_sizes)];
  },
  impl: libraryImpl<ReshapeParams>("reshape"),
  jvp: linearJvp(() => reshapeP),
  transpose: unaryTranspose((ct, aval, p) =>
    p.dimensions === null
      ? reshape(ct, aval.shape)
      : transpose(
          reshape(
            ct,
            p.dimensions.map((d) => aval.shape[d]!),
          ),
          invertPermutation(p.dimensions),
        ),
  ),
  // A row-major reshape needs the batch dimension in front.
  batch: ([x], [b], p) => {
    const y = moveaxis(x!, b!, 0);
    const params: ReshapeParams = {
      dimensions: p.dimensions === null ? null : [0, ...p.dimensions.map((d) => d + 1)],
      new_sizes: [y.shape[0]!, ...p.new_sizes],
    };
    return [[bind1(reshapeP, [y], params)], [0]];
  },
});

/**
 * `lax.reshape(operand, newSizes, dimensions?)`: row-major reshape; with
 * `dimensions`, the operand is first transposed by that permutation.
 */
export function reshape(
  operand: ArrayLike,
  newSizes: Shape,
  dimensions?: readonly number[] | null,
): Array {
  const op = "lax.reshape";
  let x = asArray(operand, op, "operand");
  const sizes = intList(op, "newSizes", newSizes);
  if (dimensions !== undefined && dimensions !== null) {
    x = transpose(x, intList(op, "dimensions", dimensions));
  }
  if (x.ndim === sizes.length && x.shape.every((d, i) => d === sizes[i])) return x;
  return bind1(reshapeP, [x], { dimensions: null, new_sizes: sizes });
}

/** `lax.collapse(operand, startDimension, stopDimension?)`: merges dims [start, stop) into one. */
export function collapse(
  operand: ArrayLike,
  startDimension: number,
  stopDimension?: number | null,
): Array {
  const x = asArray(operand, "lax.collapse", "operand");
  // Python slice semantics: negative bounds count from the end, out-of-range ones clip.
  const clip = (d: number) => Math.min(Math.max(d < 0 ? d + x.ndim : d, 0), x.ndim);
  const lo = clip(startDimension);
  const hi = Math.max(
    lo,
    stopDimension === undefined || stopDimension === null ? x.ndim : clip(stopDimension),
  );
  const size = sizeOf(x.shape.slice(lo, hi));
  return reshape(x, [...x.shape.slice(0, lo), size, ...x.shape.slice(hi)]);
}

// --- transpose --------------------------------------------------------------------

export interface TransposeParams {
  permutation: readonly number[];
}

/** The result shape of a transpose, after checking the permutation. */
export function transposeShape(x: ShapedArray, perm: readonly number[]): number[] {
  if (!isPermutation(perm, x.ndim)) {
    throw new TypeError(
      `lax.transpose: permutation ${tuple(perm)} is not a permutation of the operand's dimensions ` +
        `(operand shape ${tuple(x.shape)}; expected an ordering of 0 to ${x.ndim - 1})`,
    );
  }
  return perm.map((p) => x.shape[p]!);
}

export const transposeP: Primitive<TransposeParams> = new Primitive<TransposeParams>("transpose", {
  lower: {
    kind: "view",
    index: (coords, _v, { permutation }) => {
      const xc: Affine[] = [];
      permutation.forEach((p, d) => {
        xc[p] = coords[d]!;
      });
      return { coords: xc };
    },
  },
  facts: VIEW,
  abstractEval: (avals, p) => {
    checkArity("lax.transpose", avals, 1);
    return [avals[0]!.withShape(transposeShape(avals[0]!, p.permutation))];
  },
  impl: libraryImpl<TransposeParams>("transpose"),
  jvp: linearJvp(() => transposeP),
  transpose: unaryTranspose((ct, _, p) => transpose(ct, invertPermutation(p.permutation))),
  batch: ([x], [b], p) => [[transpose(x!, [b!, ...shiftDims(p.permutation, b!)])], [0]],
});

/** `lax.transpose(operand, permutation)`: result dimension i is operand dimension permutation[i]. */
export function transpose(operand: ArrayLike, permutation: readonly number[]): Array {
  const op = "lax.transpose";
  const x = asArray(operand, op, "operand");
  const perm = intList(op, "permutation", permutation);
  if (perm.length === x.ndim && perm.every((p, i) => p === i)) return x;
  return bind1(transposeP, [x], { permutation: perm });
}

// --- squeeze ----------------------------------------------------------------------

export interface SqueezeParams {
  dimensions: readonly number[];
}

/** The result shape of a squeeze, after checking the squeezed dimensions have size 1. */
export function squeezeShape(x: ShapedArray, dims: readonly number[]): number[] {
  const op = "lax.squeeze";
  checkDims(op, "dimensions", dims, x.shape);
  const bad = dims.find((d) => x.shape[d] !== 1);
  if (bad !== undefined) {
    throw new ValueError(
      `${op}: cannot squeeze dimension ${bad} of size ${x.shape[bad]} (only size-1 dimensions can ` +
        `be removed); operand shape ${tuple(x.shape)}, dimensions ${tuple(dims)}`,
    );
  }
  return x.shape.filter((_, i) => !dims.includes(i));
}

export const squeezeP: Primitive<SqueezeParams> = new Primitive<SqueezeParams>("squeeze", {
  lower: {
    kind: "view",
    index: (coords, { rank, operand }, { dimensions }) => {
      let k = 0;
      return {
        coords: operand.shape.map((_, i) =>
          dimensions.includes(i) ? affineConst(rank, 0) : coords[k++]!,
        ),
      };
    },
  },
  facts: FREE_VIEW,
  abstractEval: (avals, p) => {
    checkArity("lax.squeeze", avals, 1);
    return [avals[0]!.withShape(squeezeShape(avals[0]!, p.dimensions))];
  },
  impl: libraryImpl<SqueezeParams>("squeeze"),
  jvp: linearJvp(() => squeezeP),
  transpose: unaryTranspose((ct, aval) => reshape(ct, aval.shape)),
  // The batch dimension stays; it moves left by the squeezed dimensions before it.
  batch: ([x], [b], p) => {
    const dimensions = shiftDims(p.dimensions, b!);
    const before = p.dimensions.filter((d) => d < b!).length;
    return [[bind1(squeezeP, [x!], { dimensions })], [b! - before]];
  },
});

/** `lax.squeeze(array, dimensions)`: removes the given size-1 dimensions (negative count from the end). */
export function squeeze(array: ArrayLike, dimensions: readonly number[]): Array {
  const op = "lax.squeeze";
  const x = asArray(array, op, "array");
  const dims = intList(op, "dimensions", dimensions).map((d) =>
    normalizeAxis(d, x.ndim, op, "dimension"),
  );
  if (dims.length === 0) return x;
  return bind1(squeezeP, [x], { dimensions: [...dims].sort((a, b) => a - b) });
}

// --- concatenate --------------------------------------------------------------------

export interface ConcatenateParams {
  dimension: number;
}

/** The result of a concatenate, after checking the operands' dtypes, ranks and shapes. */
export function concatenateAval(avals: readonly ShapedArray[], dim: number): ShapedArray {
  const op = "lax.concatenate";
  if (avals.length === 0) throw new TypeError(`${op}: expects at least one operand, got 0`);
  const shapes = () => avals.map((a) => tuple(a.shape)).join(", ");
  const first = avals[0]!;
  if (avals.some((a) => a.dtype !== first.dtype)) {
    throw new TypeError(
      `${op} requires operands to have the same dtype, got ${avals.map((a) => a.dtype).join(", ")}`,
    );
  }
  if (avals.some((a) => a.ndim !== first.ndim)) {
    throw new TypeError(
      `${op}: cannot concatenate arrays of different ranks, got shapes ${shapes()}`,
    );
  }
  if (!Number.isInteger(dim) || dim < 0 || dim >= first.ndim) {
    throw new TypeError(
      `${op}: dimension ${dim} is out of bounds for shapes ${shapes()}` +
        (first.ndim > 0
          ? ` (allowed: 0 to ${first.ndim - 1})`
          : " (0-d arrays cannot be concatenated)"),
    );
  }
  if (avals.some((a) => a.shape.some((d, i) => i !== dim && d !== first.shape[i]))) {
    throw new TypeError(
      `${op}: operand shapes must be equal except in the concatenated dimension ${dim}, got ${shapes()}`,
    );
  }
  const shape = [...first.shape];
  shape[dim] = avals.reduce((s, a) => s + a.shape[dim]!, 0);
  return new ShapedArray(
    shape,
    first.dtype,
    avals.every((a) => a.weakType),
  );
}

export const concatenateP: Primitive<ConcatenateParams> = new Primitive<ConcatenateParams>(
  "concatenate",
  {
    lower: { kind: "library", name: "concatenate" },
    facts: OPAQUE,
    abstractEval: (avals, p) => [concatenateAval(avals, p.dimension)],
    impl: libraryImpl<ConcatenateParams>("concatenate"),
    jvp: linearJvp(() => concatenateP),
    // Each linear operand's cotangent is its block of the result's.
    transpose: ([ct], args, p) => {
      if (isZero(ct))
        return args.map((a) => (a instanceof UndefinedPrimal ? new Zero(a.aval) : null));
      const c = ct as Array;
      let start = 0;
      return args.map((a) => {
        const lo = start;
        start += a.aval.shape[p.dimension]!;
        if (!(a instanceof UndefinedPrimal)) return null;
        const s0 = c.shape.map((_, i) => (i === p.dimension ? lo : 0));
        const s1 = c.shape.map((d, i) => (i === p.dimension ? start : d));
        return castToAval(slice(c, s0, s1), a.aval);
      });
    },
    // Operands batched at one common dimension keep it; otherwise it goes in front.
    batch: (args, dims, p, axis) => {
      const batched = dims.filter((d): d is number => d !== null);
      const target = batched.every((d) => d === batched[0]) ? batched[0]! : 0;
      const xs = args.map((x, i) => moveBatchAxis(x, dims[i] ?? null, target, axis.size));
      const dimension = shiftDims([p.dimension], target)[0]!;
      return [[bind1(concatenateP, xs, { dimension })], [target]];
    },
  },
);

/** `lax.concatenate(operands, dimension)`: joins arrays of equal dtype along `dimension`. */
export function concatenate(operands: readonly ArrayLike[], dimension: number): Array {
  const op = "lax.concatenate";
  if (!globalThis.Array.isArray(operands)) {
    throw new TypeError(`${op}: operands must be a list of arrays, got ${showValue(operands)}`);
  }
  const xs = operands.map((x, i) => asArray(x, op, `operands[${i}]`));
  if (xs.length === 1) return xs[0]!;
  return bind1(concatenateP, xs, { dimension });
}

// --- pad --------------------------------------------------------------------------

export type PaddingConfig = readonly (readonly [number, number, number])[];
export interface PadParams {
  padding_config: PaddingConfig;
}

/** The result of a pad, after checking the padding value and config. */
export function padAval(x: ShapedArray, v: ShapedArray, config: PaddingConfig): ShapedArray {
  const op = "lax.pad";
  if (x.dtype !== v.dtype) {
    throw new TypeError(
      `${op}: operand and padding_value must have the same dtype, got ${x.dtype} and ${v.dtype}`,
    );
  }
  if (v.ndim !== 0) {
    throw new ValueError(`${op}: padding_value must be a scalar, got shape ${tuple(v.shape)}`);
  }
  const cfg = JSON.stringify(config);
  if (config.length !== x.ndim) {
    throw new ValueError(
      `${op}: padding_config must have one (lo, hi, interior) triple per operand dimension, got ` +
        `${cfg} for operand of shape ${tuple(x.shape)}`,
    );
  }
  if (config.some((c) => c[2] < 0)) {
    throw new ValueError(`${op}: interior padding must be non-negative, got padding_config ${cfg}`);
  }
  const shape = x.shape.map((d, i) => {
    const [lo, hi, interior] = config[i]!;
    return lo + hi + d + Math.max(0, d - 1) * interior;
  });
  if (shape.some((d) => d < 0)) {
    throw new ValueError(
      `${op}: dimension sizes after padding must be non-negative, got ${tuple(shape)} for ` +
        `padding_config ${cfg} and operand of shape ${tuple(x.shape)}`,
    );
  }
  return new ShapedArray(shape, x.dtype, x.weakType && v.weakType);
}

export const padP: Primitive<PadParams> = new Primitive<PadParams>("pad", {
  lower: { kind: "library", name: "pad" },
  facts: OPAQUE,
  abstractEval: (avals, p) => {
    checkArity("lax.pad", avals, 2);
    return [padAval(avals[0]!, avals[1]!, p.padding_config)];
  },
  impl: libraryImpl<PadParams>("pad"),
  jvp: linearJvp(() => padP),
  transpose: padTranspose,
  batch: padBatch,
});

/**
 * pad is linear in the operand and the padding value (JAX's _pad_transpose):
 * the operand's cotangent is the result's at the operand's positions (undo
 * lo/hi, then take every (interior + 1)-th element); the padding value's is
 * the sum of the rest.
 */
function padTranspose(
  [ct]: Tangent[],
  [x, v]: (Array | UndefinedPrimal)[],
  { padding_config: cfg }: PadParams,
): (Tangent | null)[] {
  const linX = x instanceof UndefinedPrimal;
  const linV = v instanceof UndefinedPrimal;
  if (isZero(ct)) return [linX ? new Zero(x.aval) : null, linV ? new Zero(v.aval) : null];
  const c = ct as Array;
  const unpadded = pad(
    c,
    0,
    cfg.map(([lo, hi]) => [-lo, -hi, 0]),
  );
  const strided = cfg.some((t) => t[2] !== 0);
  const tX = slice(
    unpadded,
    cfg.map(() => 0),
    unpadded.shape,
    strided ? cfg.map((t) => t[2] + 1) : null,
  );
  const all = (a: Array) =>
    sumOver(
      a,
      a.shape.map((_, i) => i),
    );
  return [
    linX ? castToAval(tX, x.aval) : null,
    linV ? castToAval(sub(all(c), all(tX)), v.aval) : null,
  ];
}

/**
 * The padding config gets a (0, 0, 0) entry for the batch dimension; a
 * batched padding value (one scalar per example) is written into the padded
 * positions with a select against a padded mask (JAX's _pad_batch_rule).
 */
function padBatch(
  [x, v]: Array[],
  [bx, bv]: BatchDim[],
  p: PadParams,
  axis: AxisData,
): [Array[], BatchDim[]] {
  const bdim = bx ?? 0;
  const operand = moveBatchAxis(x!, bx ?? null, bdim, axis.size);
  const cfg = [...p.padding_config];
  cfg.splice(bdim, 0, [0, 0, 0]);
  if (bv === null) return [[bind1(padP, [operand, v!], { padding_config: cfg })], [bdim]];
  const weak = x!.weakType && v!.weakType;
  const zero = ArrayImpl.scalar(0, operand.dtype, v!.weakType);
  const padded = bind1(padP, [operand, zero], { padding_config: cfg });
  const ones = broadcastInDim(ArrayImpl.scalar(true, "bool"), operand.shape, []);
  const mask = bind1(padP, [ones, ArrayImpl.scalar(false, "bool")], { padding_config: cfg });
  // A batched 0-d padding value has the batch as its only dimension.
  const fill = broadcastInDim(v!, padded.shape, [bdim]);
  const out = selectN(mask, fill, padded);
  return [[castToAval(out, out.aval.withDtype(out.dtype, weak))], [bdim]];
}

/**
 * `lax.pad(operand, paddingValue, paddingConfig)`: per dimension a
 * `[lo, hi, interior]` triple; negative lo/hi remove elements, interior
 * inserts values between elements. A JS number padding value takes the
 * operand's dtype.
 */
export function pad(
  operand: ArrayLike,
  paddingValue: ArrayLike,
  paddingConfig: readonly (readonly number[])[],
): Array {
  const op = "lax.pad";
  const x = asArray(operand, op, "operand");
  const v = scalarLike(paddingValue, x.dtype, op, "paddingValue");
  if (!globalThis.Array.isArray(paddingConfig)) {
    throw new TypeError(`${op}: paddingConfig must be a list of [lo, hi, interior] triples`);
  }
  const cfg = paddingConfig.map((c, i) => {
    const t = intList(op, `paddingConfig[${i}]`, c);
    if (t.length !== 3) {
      throw new TypeError(
        `${op}: paddingConfig[${i}] must be a [lo, hi, interior] triple, got ${tuple(t)}`,
      );
    }
    return t as unknown as readonly [number, number, number];
  });
  return bind1(padP, [x, v], { padding_config: cfg });
}

// --- rev --------------------------------------------------------------------------

export interface RevParams {
  dimensions: readonly number[];
}

export const revP: Primitive<RevParams> = new Primitive<RevParams>("rev", {
  lower: { kind: "library", name: "rev" },
  facts: OPAQUE,
  abstractEval: (avals, p) => {
    checkArity("lax.rev", avals, 1);
    checkDims("lax.rev", "dimensions", p.dimensions, avals[0]!.shape);
    return [avals[0]!];
  },
  impl: libraryImpl<RevParams>("rev"),
  jvp: linearJvp(() => revP),
  transpose: unaryTranspose((ct, _, p) => rev(ct, p.dimensions)),
  batch: ([x], [b], p) => [[bind1(revP, [x!], { dimensions: shiftDims(p.dimensions, b!) })], [b!]],
});

/** `lax.rev(operand, dimensions)`: reverses the order of elements along the given dimensions. */
export function rev(operand: ArrayLike, dimensions: readonly number[]): Array {
  const op = "lax.rev";
  const x = asArray(operand, op, "operand");
  return bind1(revP, [x], { dimensions: intList(op, "dimensions", dimensions) });
}

// --- iota -------------------------------------------------------------------------

export interface IotaParams {
  dimension: number;
  dtype: DType;
  shape: Shape;
}

/** The result of an iota, after checking its dtype, shape and dimension. */
export function iotaAval(p: IotaParams): ShapedArray {
  const op = "lax.broadcastedIota";
  if (!isDType(p.dtype) || isBool(p.dtype)) {
    throw new TypeError(
      `${op} does not accept dtype ${String(p.dtype)}; accepted dtypes: int32, uint32, float32, float64`,
    );
  }
  if (p.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TypeError(
      `${op}: shape must be a list of non-negative integers, got ${tuple(p.shape)}`,
    );
  }
  if (!Number.isInteger(p.dimension) || p.dimension < 0 || p.dimension >= p.shape.length) {
    throw new TypeError(
      `${op}: dimension ${p.dimension} is out of bounds for shape ${tuple(p.shape)}` +
        (p.shape.length > 0 ? ` (allowed: 0 to ${p.shape.length - 1})` : ""),
    );
  }
  return new ShapedArray(p.shape, p.dtype, false);
}

export const iotaP: Primitive<IotaParams> = new Primitive<IotaParams>("iota", {
  lower: { kind: "elementwise", emit: (b, _xs, p) => b.coord(p.dimension, p.dtype) },
  facts: VIEW,
  abstractEval: (avals, p) => {
    checkArity("lax.iota", avals, 0);
    return [iotaAval(p)];
  },
  impl: libraryImpl<IotaParams>("iota"),
  // No operands: iota is a constant, integer-valued or not.
  jvp: (_, __, p) => {
    const ans = bind1(iotaP, [], p);
    return [[ans], [new Zero(ans.aval)]];
  },
  batch: (_, __, p) => [[bind1(iotaP, [], p)], [null]],
  transpose: null,
});

function iotaDtype(op: string, dtype: DType): DType {
  if (!isDType(dtype)) {
    throw new TypeError(
      `${op}: dtype must be one of float32, float64, int32, uint32; got ${String(dtype)}`,
    );
  }
  return canonicalize(dtype);
}

/** `lax.iota(dtype, size)`: [0, 1, ..., size - 1]. */
export function iota(dtype: DType, size: number): Array {
  const op = "lax.iota";
  if (!Number.isInteger(size) || size < 0) {
    throw new TypeError(`${op}: size must be a non-negative integer, got ${String(size)}`);
  }
  return bind1(iotaP, [], { dimension: 0, dtype: iotaDtype(op, dtype), shape: [size] });
}

/** `lax.broadcastedIota(dtype, shape, dimension)`: each element's index along `dimension`. */
export function broadcastedIota(dtype: DType, shape: Shape, dimension: number): Array {
  const op = "lax.broadcastedIota";
  const s = shapeArg(op, "shape", shape);
  const dim = normalizeAxis(dimension, s.length, op, "dimension");
  return bind1(iotaP, [], { dimension: dim, dtype: iotaDtype(op, dtype), shape: s });
}
