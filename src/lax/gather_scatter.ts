/**
 * `gather` and the `scatter` family with XLA's full dimension numbers
 * (including operand/indices batching dimensions), as jax.lax defines them:
 * the index vector is always the last dimension of the indices. Each
 * primitive is defined here with all of its rules; shape inference and the
 * dimension-number checks are in gather_scatter_util.ts (out-of-bounds modes
 * are described there), the eager kernels are the backends' library kernels
 * named as the primitives (the CPU's in backend/cpu/kernels/gather_scatter.ts).
 *
 * Transposes pair each gather with the scatter-add that reads and writes the
 * same windows. Modes are mapped so that the pair is exact on this backend:
 * "promise_in_bounds" gathers clamp (so their transpose scatters with
 * "clip") and "promise_in_bounds" scatters drop (so the gather that reads
 * their windows uses "fill" with 0).
 */
import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray, scalarValue } from "../core/convert.js";
import { libraryImpl } from "../core/library.js";
import {
  type BatchRule,
  type JvpRule,
  OPAQUE,
  Primitive,
  type Tangent,
  type TransposeRule,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { type DType, isInexact } from "../dtype.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Shape } from "../shape.js";
import { addTangents, castToAval, instantiate, isZero, onesLike, zerosLike } from "./ad_util.js";
import { batchToFront, moveaxis } from "./batch_util.js";
import { add, convertElementType, div, eq, max, mul, neg, selectN, sub } from "./elementwise.js";
import {
  defaultFillValue,
  GATHER_FIELDS,
  type GatherDimensionNumbers,
  type GatherDimensionNumbersSnake,
  type GatherDnums,
  type GatherParams,
  type GatherScatterModeName,
  gatherShape,
  knownIndices,
  laxName,
  parseMode,
  readDnums,
  SCATTER_FIELDS,
  type ScatterDimensionNumbers,
  type ScatterDimensionNumbersSnake,
  type ScatterDnums,
  type ScatterParams,
  scatterCheck,
} from "./gather_scatter_util.js";
import { iota, reshape } from "./shape_ops.js";
import { checkArity, scalarLike, shapeArg } from "./shape_util.js";

export {
  type GatherDimensionNumbers,
  type GatherDimensionNumbersSnake,
  type GatherDnums,
  type GatherParams,
  GatherScatterMode,
  type GatherScatterModeName,
  type ScatterDimensionNumbers,
  type ScatterDimensionNumbersSnake,
  type ScatterDnums,
  type ScatterParams,
} from "./gather_scatter_util.js";

// --- helpers the rules share ------------------------------------------------------

const bump = (dims: readonly number[]): number[] => dims.map((d) => d + 1);

const toScatterDnums = (dn: GatherDnums): ScatterDnums => ({
  update_window_dims: dn.offset_dims,
  inserted_window_dims: dn.collapsed_slice_dims,
  scatter_dims_to_operand_dims: dn.start_index_map,
  operand_batching_dims: dn.operand_batching_dims,
  scatter_indices_batching_dims: dn.start_indices_batching_dims,
});

const toGatherDnums = (dn: ScatterDnums): GatherDnums => ({
  offset_dims: dn.update_window_dims,
  collapsed_slice_dims: dn.inserted_window_dims,
  start_index_map: dn.scatter_dims_to_operand_dims,
  operand_batching_dims: dn.operand_batching_dims,
  start_indices_batching_dims: dn.scatter_indices_batching_dims,
});

/**
 * The gather that reads, for each element of a scatter's updates, the
 * operand element it lands on (0 for windows the scatter drops).
 */
function gatherAtScatter(x: Array, idx: Array, updates: ShapedArray, p: ScatterParams): Array {
  const dn = p.dimension_numbers;
  const window = dn.update_window_dims.map((d) => updates.shape[d]!);
  let w = 0;
  const sizes = x.shape.map((_, d) =>
    dn.inserted_window_dims.includes(d) || dn.operand_batching_dims.includes(d) ? 1 : window[w++]!,
  );
  const clip = p.mode === "clip";
  return bind1(gatherP, [x, idx], {
    dimension_numbers: toGatherDnums(dn),
    fill_value: clip ? null : 0,
    indices_are_sorted: p.indices_are_sorted,
    mode: clip ? "clip" : "fill",
    slice_sizes: sizes,
    unique_indices: p.unique_indices,
  });
}

/** Float 0/1 of a predicate, in the dtype of the values it weighs. */
const indicator = (pred: Array, dtype: DType): Array => convertElementType(pred, dtype);

// --- gather -----------------------------------------------------------------------

/** gather is linear in the operand: its tangent is the gather of the operand's tangent. */
const gatherJvp: JvpRule<GatherParams> = ([x, idx], [t], p) => {
  const ans = bind1(gatherP, [x!, idx!], p);
  if (isZero(t) || !isInexact(ans.dtype)) return [[ans], [new Zero(ans.aval)]];
  const fill = p.mode === "fill" ? 0 : null;
  return [[ans], [bind1(gatherP, [t!, idx!], { ...p, fill_value: fill })]];
};

/** The transpose of gather: scatter-add the cotangent into zeros at the gathered windows. */
const gatherTranspose: TransposeRule<GatherParams> = ([ct], [x, idx], p) => {
  if (!(x instanceof UndefinedPrimal)) return [null, null];
  const i = knownIndices(idx, "lax.gather");
  if (isZero(ct)) return [new Zero(x.aval), null];
  const out = bind1(scatterAddP, [zerosLike(x.aval), i, castToAval(ct!, x.aval)], {
    dimension_numbers: toScatterDnums(p.dimension_numbers),
    indices_are_sorted: p.indices_are_sorted,
    // "promise_in_bounds" gathers clamp, like "clip".
    mode: p.mode === "fill" ? "fill" : "clip",
    unique_indices: p.unique_indices,
  });
  return [out, null];
};

/**
 * vmap of gather (JAX's _gather_batching_rule): a batched operand alone gets
 * the batch as a new leading offset dimension; batched indices alone add a
 * leading batch dimension of the indices; both batched pair up through
 * operand_batching_dims / start_indices_batching_dims.
 */
const gatherBatch: BatchRule<GatherParams> = ([x, idx], [xd, id], p) => {
  const dn = p.dimension_numbers;
  if (id === null) {
    const op = moveaxis(x!, xd!, 0);
    const params: GatherParams = {
      ...p,
      dimension_numbers: {
        offset_dims: [0, ...bump(dn.offset_dims)],
        collapsed_slice_dims: bump(dn.collapsed_slice_dims),
        start_index_map: bump(dn.start_index_map),
        operand_batching_dims: bump(dn.operand_batching_dims),
        start_indices_batching_dims: dn.start_indices_batching_dims,
      },
      slice_sizes: [op.shape[0]!, ...p.slice_sizes],
    };
    return [[bind1(gatherP, [op, idx!], params)], [0]];
  }
  const ix = moveaxis(idx!, id!, 0);
  if (xd === null) {
    // Batched lookups into one array may repeat or reorder indices.
    const params: GatherParams = {
      ...p,
      dimension_numbers: {
        ...dn,
        offset_dims: bump(dn.offset_dims),
        start_indices_batching_dims: bump(dn.start_indices_batching_dims),
      },
      indices_are_sorted: false,
      unique_indices: false,
    };
    return [[bind1(gatherP, [x!, ix], params)], [0]];
  }
  const op = moveaxis(x!, xd!, 0);
  const params: GatherParams = {
    ...p,
    dimension_numbers: {
      offset_dims: bump(dn.offset_dims),
      collapsed_slice_dims: bump(dn.collapsed_slice_dims),
      start_index_map: bump(dn.start_index_map),
      operand_batching_dims: [0, ...bump(dn.operand_batching_dims)],
      start_indices_batching_dims: [0, ...bump(dn.start_indices_batching_dims)],
    },
    slice_sizes: [op.shape[0] === 0 ? 0 : 1, ...p.slice_sizes],
  };
  return [[bind1(gatherP, [op, ix], params)], [0]];
};

export const gatherP: Primitive<GatherParams> = new Primitive<GatherParams>("gather", {
  lower: { kind: "library", name: "gather" },
  facts: OPAQUE,
  abstractEval: (avals, p) => {
    checkArity("lax.gather", avals, 2);
    const [x, idx] = avals;
    return [x!.withShape(gatherShape(x!, idx!, p))];
  },
  impl: libraryImpl<GatherParams>("gather"),
  jvp: gatherJvp,
  transpose: gatherTranspose,
  batch: gatherBatch,
});

export interface GatherOptions {
  uniqueIndices?: boolean;
  indicesAreSorted?: boolean;
  /** Out-of-bounds handling; JAX's lax.gather default is "promise_in_bounds" (clamps). */
  mode?: GatherScatterModeName | "drop" | null;
  /** The value of out-of-bounds windows in "fill" mode (default NaN / int min / uint max / true). */
  fillValue?: number | boolean | null;
}
const GATHER_KEYS: OptionKeys<GatherOptions> = {
  uniqueIndices: true,
  indicesAreSorted: true,
  mode: true,
  fillValue: true,
};

/**
 * `lax.gather(operand, startIndices, dimensionNumbers, sliceSizes, options)`:
 * XLA's Gather. The last dimension of `startIndices` holds index vectors;
 * each selects a window of size `sliceSizes` of the operand.
 */
export function gather(
  operand: ArrayLike,
  startIndices: ArrayLike,
  dimensionNumbers: GatherDimensionNumbers | GatherDimensionNumbersSnake,
  sliceSizes: Shape,
  options: GatherOptions = {},
): Array {
  options = checkOptions("lax.gather", options, GATHER_KEYS);
  const op = "lax.gather";
  const x = asArray(operand, op, "operand");
  const idx = asArray(startIndices, op, "startIndices");
  const mode = parseMode(op, options.mode, "promise_in_bounds");
  const given = mode === "fill" ? (options.fillValue ?? defaultFillValue(x.dtype)) : null;
  // A JS number converts from its own value (an error where x's dtype cannot hold it).
  const fill = typeof given === "number" ? scalarValue(given, x.dtype, `${op} fillValue`) : given;
  return bind1(gatherP, [x, idx], {
    dimension_numbers: readDnums(op, dimensionNumbers, GATHER_FIELDS),
    fill_value: fill,
    indices_are_sorted: options.indicesAreSorted ?? false,
    mode,
    slice_sizes: shapeArg(op, "sliceSizes", sliceSizes),
    unique_indices: options.uniqueIndices ?? false,
  });
}

// --- scatter: rules ---------------------------------------------------------------

type Prim = () => Primitive<ScatterParams>;

/** The primal output, and a zero tangent when nothing is differentiable. */
function scatterPrimal(
  prim: Prim,
  [x, idx, u]: Array[],
  [tx, , tu]: Tangent[],
  p: ScatterParams,
): { ans: Array; zero: boolean } {
  const ans = bind1(prim(), [x!, idx!, u!], p);
  return { ans, zero: !isInexact(ans.dtype) || (isZero(tx) && isZero(tu)) };
}

/** scatter_add / scatter_sub are linear in (operand, updates) jointly. */
const addSubJvp =
  (prim: Prim): JvpRule<ScatterParams> =>
  (primals, tangents, p) => {
    const { ans, zero } = scatterPrimal(prim, primals, tangents, p);
    if (zero) return [[ans], [new Zero(ans.aval)]];
    const [tx, , tu] = tangents.map((t) => instantiate(t));
    return [[ans], [bind1(prim(), [tx!, primals[1]!, castToAval(tu!, tx!.aval)], p)]];
  };

/** The operand's cotangent passes through; the updates' is gathered back (negated for sub). */
const addSubTranspose =
  (negate: boolean): TransposeRule<ScatterParams> =>
  ([ct], [x, idx, u], p) => {
    const i = knownIndices(idx, "lax.scatterAdd");
    const lin = (a: Array | UndefinedPrimal | undefined) => a instanceof UndefinedPrimal;
    if (isZero(ct)) {
      return [lin(x) ? new Zero(x.aval) : null, null, lin(u) ? new Zero(u.aval) : null];
    }
    let ut: Array | null = null;
    if (lin(u)) {
      const g = gatherAtScatter(ct!, i, u.aval, p);
      ut = castToAval(negate ? neg(g) : g, u.aval);
    }
    return [lin(x) ? castToAval(ct!, x.aval) : null, null, ut];
  };

/**
 * Which elements survive a scatter (set) with duplicate indices, found as
 * JAX does by scattering a distinct id per update element and reading the
 * ids back: `won` (shaped like updates) marks the update elements that reach
 * the output, `kept` (shaped like the operand) the operand elements nothing
 * overwrote.
 */
function scatterWinners(
  x: ShapedArray,
  idx: Array,
  u: ShapedArray,
  p: ScatterParams,
): { won: Array; kept: Array } {
  const ids = add(reshape(iota("int32", u.size), u.shape), 1);
  const zeros = zerosLike(x.withDtype("int32"));
  const scattered = bind1(scatterP, [zeros, idx, ids], p);
  return { won: eq(gatherAtScatter(scattered, idx, u, p), ids), kept: eq(scattered, 0) };
}

/**
 * scatter (set): with unique indices the tangent is the scatter of the
 * tangents; otherwise (JAX's scheme) the winners are masked and combined by
 * a scatter-add, which keeps the linear part transposable.
 */
const scatterJvp: JvpRule<ScatterParams> = (primals, tangents, p) => {
  const { ans, zero } = scatterPrimal(() => scatterP, primals, tangents, p);
  if (zero) return [[ans], [new Zero(ans.aval)]];
  const [x, idx, u] = primals;
  const tx = instantiate(tangents[0]!);
  const tu = castToAval(instantiate(tangents[2]!), tx.aval);
  if (p.unique_indices) return [[ans], [bind1(scatterP, [tx, idx!, tu], p)]];
  const { won, kept } = scatterWinners(x!.aval, idx!, u!.aval, p);
  const mx = selectN(kept, zerosLike(tx.aval), tx);
  const mu = selectN(won, zerosLike(tu.aval), tu);
  return [[ans], [bind1(scatterAddP, [mx, idx!, mu], p)]];
};

/** scatter (set) is linear in (operand, updates): overwritten operand elements get no cotangent. */
const scatterTranspose: TransposeRule<ScatterParams> = ([ct], [x, idx, u], p) => {
  const i = knownIndices(idx, "lax.scatter");
  const lin = (a: Array | UndefinedPrimal | undefined) => a instanceof UndefinedPrimal;
  if (isZero(ct)) {
    return [lin(x) ? new Zero(x.aval) : null, null, lin(u) ? new Zero(u.aval) : null];
  }
  const c = castToAval(ct!, x!.aval);
  const xt = lin(x) ? bind1(scatterP, [c, i, zerosLike(u!.aval.withDtype(c.dtype))], p) : null;
  let ut: Array | null = null;
  if (lin(u)) {
    const g = gatherAtScatter(c, i, u.aval, p);
    const masked = p.unique_indices
      ? g
      : selectN(scatterWinners(x!.aval, i, u.aval, p).won, zerosLike(g.aval), g);
    ut = castToAval(masked, u.aval);
  }
  return [xt, null, ut];
};

/**
 * For each update element, the product of the other updates that land on
 * the same operand element (exact where updates are zero: no division by
 * zero), so that d/du_k of x·Πu = x·Π_{j≠k}u_j.
 */
function productOfOthers(x: ShapedArray, idx: Array, u: Array, p: ScatterParams): Array {
  const isZeroU = eq(u, 0);
  const safe = selectN(isZeroU, u, onesLike(u.aval));
  const zeroF = indicator(isZeroU, u.dtype);
  const at = (v: Array) => gatherAtScatter(v, idx, u.aval, p);
  const base = x.withDtype(u.dtype, u.weakType);
  const zerosAt = at(bind1(scatterAddP, [zerosLike(base), idx, zeroF], p));
  const prodAt = at(bind1(scatterMulP, [onesLike(base), idx, safe], p));
  // No zero among the updates there: P/u_k; u_k the only zero: P; otherwise 0.
  const soleZero = selectN(eq(sub(zerosAt, zeroF), 0), zerosLike(u.aval), prodAt);
  return selectN(eq(zerosAt, 0), soleZero, div(prodAt, safe));
}

/** scatter_mul: linear in the operand; in the updates through the product of the others. */
const scatterMulJvp: JvpRule<ScatterParams> = (primals, tangents, p) => {
  const { ans, zero } = scatterPrimal(() => scatterMulP, primals, tangents, p);
  if (zero) return [[ans], [new Zero(ans.aval)]];
  const [x, idx, u] = primals;
  const [tx, , tu] = tangents;
  let t: Tangent = new Zero(ans.aval);
  if (!isZero(tx)) t = bind1(scatterMulP, [tx!, idx!, u!], p);
  if (!isZero(tu)) {
    const w = p.unique_indices ? tu! : mul(tu!, productOfOthers(x!.aval, idx!, u!, p));
    const spread = bind1(scatterAddP, [zerosLike(x!.aval), idx!, castToAval(w, x!.aval)], p);
    t = addTangents(t, mul(x!, spread));
  }
  return [[ans], [isZero(t) ? t : castToAval(t, ans.aval)]];
};

/**
 * scatter_mul is linear in the operand (multiplied by the updates), and in
 * the updates only when no two of them meet (unique indices).
 */
const scatterMulTranspose: TransposeRule<ScatterParams> = ([ct], [x, idx, u], p) => {
  const i = knownIndices(idx, "lax.scatterMul");
  const lx = x instanceof UndefinedPrimal;
  const lu = u instanceof UndefinedPrimal;
  if (lx && lu) {
    throw new Error(
      "lax.scatterMul: operand and updates are both linear, so the product is not; it has no transpose",
    );
  }
  if (lu && !p.unique_indices) {
    throw new Error(
      "lax.scatterMul: the transpose with respect to updates needs uniqueIndices: true (with " +
        "repeated indices the updates multiply each other, which is not linear)",
    );
  }
  if (isZero(ct)) return [lx ? new Zero(x.aval) : null, null, lu ? new Zero(u.aval) : null];
  if (lx) return [bind1(scatterMulP, [castToAval(ct!, x.aval), i, u as Array], p), null, null];
  if (lu) {
    const g = gatherAtScatter(mul(ct!, x as Array), i, u.aval, p);
    return [null, null, castToAval(g, u.aval)];
  }
  return [null, null, null];
};

/**
 * scatter_min / scatter_max (JAX's _scatter_extremal_jvp): the tangent of an
 * output element is the average of the tangents of the values tied for the
 * extreme there (the operand's own value and the winning updates).
 */
const extremalJvp =
  (prim: Prim): JvpRule<ScatterParams> =>
  (primals, tangents, p) => {
    const { ans, zero } = scatterPrimal(prim, primals, tangents, p);
    if (zero) return [[ans], [new Zero(ans.aval)]];
    const [x, idx, u] = primals;
    const tx = instantiate(tangents[0]!);
    const tu = castToAval(instantiate(tangents[2]!), tx.aval);
    const dtype = ans.dtype;
    const at = (v: Array) => gatherAtScatter(v, idx!, u!.aval, p);
    const count = (v: Array) =>
      at(bind1(scatterAddP, [zerosLike(tx.aval), idx!, castToAval(v, tx.aval)], p));
    const target = at(ans);
    const won = indicator(eq(u!, target), dtype);
    const kept = indicator(eq(at(x!), target), dtype);
    const nWon = count(won);
    const nRefs = count(onesLike(u!.aval));
    // Each tied value gets 1/(number tied); the guards only matter where nothing is tied.
    const share = div(1, max(add(nWon, kept), 1));
    const uCoef = mul(won, share);
    // Spread over the nRefs updates landing there, the operand's tangent scales to kept·share.
    const xCoef = div(sub(mul(kept, share), 1), max(nRefs, 1));
    const tUpd = add(mul(at(tx), xCoef), mul(tu, uCoef));
    return [[ans], [bind1(scatterAddP, [tx, idx!, tUpd], p)]];
  };

/**
 * vmap of a scatter (JAX's _scatter_batching_rule): operand and updates get
 * the batch at the front; unbatched indices make it an update window
 * dimension, batched ones pair it through the batching dimensions.
 */
const scatterBatch =
  (prim: Prim): BatchRule<ScatterParams> =>
  ([x, idx, u], [xd, id, ud], p, axis) => {
    const dn = p.dimension_numbers;
    const op = batchToFront(x!, xd ?? null, axis.size);
    const upd = batchToFront(u!, ud ?? null, axis.size);
    if (id === null) {
      const dimension_numbers: ScatterDnums = {
        update_window_dims: [0, ...bump(dn.update_window_dims)],
        inserted_window_dims: bump(dn.inserted_window_dims),
        scatter_dims_to_operand_dims: bump(dn.scatter_dims_to_operand_dims),
        operand_batching_dims: bump(dn.operand_batching_dims),
        scatter_indices_batching_dims: dn.scatter_indices_batching_dims,
      };
      return [[bind1(prim(), [op, idx!, upd], { ...p, dimension_numbers })], [0]];
    }
    const dimension_numbers: ScatterDnums = {
      update_window_dims: bump(dn.update_window_dims),
      inserted_window_dims: bump(dn.inserted_window_dims),
      scatter_dims_to_operand_dims: bump(dn.scatter_dims_to_operand_dims),
      operand_batching_dims: [0, ...bump(dn.operand_batching_dims)],
      scatter_indices_batching_dims: [0, ...bump(dn.scatter_indices_batching_dims)],
    };
    const ix = batchToFront(idx!, id!, axis.size);
    return [[bind1(prim(), [op, ix, upd], { ...p, dimension_numbers })], [0]];
  };

// --- scatter: primitives and wrappers ------------------------------------------------

interface ScatterRules {
  jvp: JvpRule<ScatterParams>;
  transpose?: TransposeRule<ScatterParams>;
}

function scatterPrimitive(
  name: string,
  rules: (prim: Prim) => ScatterRules,
): Primitive<ScatterParams> {
  const op = laxName(name);
  const prim: Primitive<ScatterParams> = new Primitive<ScatterParams>(name, {
    lower: { kind: "library", name },
    facts: OPAQUE,
    abstractEval: (avals, p) => {
      checkArity(op, avals, 3);
      const [x, idx, u] = avals;
      scatterCheck(op, name, x!, idx!, u!, p);
      return [x!];
    },
    impl: libraryImpl<ScatterParams>(name),
    transpose: null,
    ...rules(() => prim),
    batch: scatterBatch(() => prim),
  });
  return prim;
}

export const scatterP: Primitive<ScatterParams> = scatterPrimitive("scatter", () => ({
  jvp: scatterJvp,
  transpose: scatterTranspose,
}));
export const scatterAddP: Primitive<ScatterParams> = scatterPrimitive("scatter_add", (prim) => ({
  jvp: addSubJvp(prim),
  transpose: addSubTranspose(false),
}));
export const scatterSubP: Primitive<ScatterParams> = scatterPrimitive("scatter_sub", (prim) => ({
  jvp: addSubJvp(prim),
  transpose: addSubTranspose(true),
}));
export const scatterMulP: Primitive<ScatterParams> = scatterPrimitive("scatter_mul", () => ({
  jvp: scatterMulJvp,
  transpose: scatterMulTranspose,
}));
export const scatterMinP: Primitive<ScatterParams> = scatterPrimitive("scatter_min", (prim) => ({
  jvp: extremalJvp(prim),
}));
export const scatterMaxP: Primitive<ScatterParams> = scatterPrimitive("scatter_max", (prim) => ({
  jvp: extremalJvp(prim),
}));

export interface ScatterOptions {
  indicesAreSorted?: boolean;
  uniqueIndices?: boolean;
  /** Out-of-bounds handling; the default, "fill" (= "drop"), drops windows not fully in bounds. */
  mode?: GatherScatterModeName | "drop" | null;
}
const SCATTER_KEYS: OptionKeys<ScatterOptions> = {
  indicesAreSorted: true,
  uniqueIndices: true,
  mode: true,
};

type ScatterFn = (
  operand: ArrayLike,
  scatterIndices: ArrayLike,
  updates: ArrayLike,
  dimensionNumbers: ScatterDimensionNumbers | ScatterDimensionNumbersSnake,
  options?: ScatterOptions,
) => Array;

function scatterWrapper(prim: Primitive<ScatterParams>): ScatterFn {
  const op = laxName(prim.name);
  return (operand, scatterIndices, updates, dimensionNumbers, scatterOptions) => {
    const options = checkOptions(op, scatterOptions, SCATTER_KEYS);
    const x = asArray(operand, op, "operand");
    const idx = asArray(scatterIndices, op, "scatterIndices");
    const u = scalarLike(updates, x.dtype, op, "updates");
    return bind1(prim, [x, idx, u], {
      dimension_numbers: readDnums(op, dimensionNumbers, SCATTER_FIELDS),
      indices_are_sorted: options.indicesAreSorted ?? false,
      mode: parseMode(op, options.mode, "fill"),
      unique_indices: options.uniqueIndices ?? false,
    });
  };
}

/** `lax.scatter`: operand with windows replaced by updates (XLA's Scatter; duplicates: last wins here). */
export const scatter: ScatterFn = scatterWrapper(scatterP);
/** `lax.scatterAdd`: adds updates into operand windows; duplicate indices accumulate. */
export const scatterAdd: ScatterFn = scatterWrapper(scatterAddP);
/** `lax.scatterSub`: subtracts updates from operand windows. */
export const scatterSub: ScatterFn = scatterWrapper(scatterSubP);
/** `lax.scatterMul`: multiplies operand windows by updates. */
export const scatterMul: ScatterFn = scatterWrapper(scatterMulP);
/** `lax.scatterMin`: elementwise minimum of operand windows and updates (NaN propagates). */
export const scatterMin: ScatterFn = scatterWrapper(scatterMinP);
/** `lax.scatterMax`: elementwise maximum of operand windows and updates (NaN propagates). */
export const scatterMax: ScatterFn = scatterWrapper(scatterMaxP);
