/**
 * `conv_general_dilated`: XLA's general convolution, with all its rules, and
 * the wrappers `lax.convGeneralDilated`, `lax.conv`,
 * `lax.convWithGeneralPadding` and `lax.convTranspose`.
 *
 * Semantics (XLA's Convolution, as JAX states it): the lhs is dilated by
 * `lhs_dilation` (holes between elements) and padded by [lo, hi] per spatial
 * dim (negative padding crops); the rhs window is spread by `rhs_dilation`
 * and steps by `window_strides`. The output feature o sums over the input
 * features of its group: with `feature_group_count` G the lhs features and
 * the rhs output features split into G consecutive groups; with
 * `batch_group_count` G the lhs batch splits into G consecutive groups and
 * output feature group q reads batch group q. No flipping: this is a
 * cross-correlation, as in XLA.
 *
 * Dimension numbers give each operand's layout as [batch (or output
 * feature) dim, feature (or input feature) dim, ...spatial dims], the
 * spatial dims in the order of the rhs spec, as JAX's ConvDimensionNumbers.
 */
import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { libraryImpl } from "../core/library.js";
import {
  type BatchRule,
  OPAQUE,
  Primitive,
  type Tangent,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { isBool, isInexact } from "../dtype.js";
import { ValueError } from "../errors.js";
import { addTangents, castToAval } from "./ad_util.js";
import type { Precision } from "./dot.js";
import { reshape, rev, transpose } from "./shape_ops.js";
import { describeAval, intList, showValue, tuple } from "./shape_util.js";
import { windowPadding } from "./windowed.js";

/** [lhsSpec, rhsSpec, outSpec]: each operand's dims as [batch/out-feature, feature/in-feature, ...spatial]. */
export type ConvDimensionNumbers = readonly [
  lhsSpec: readonly number[],
  rhsSpec: readonly number[],
  outSpec: readonly number[],
];
/** Dimension numbers as JAX takes them: layout strings ("NCHW", "OIHW", "NCHW"), specs, or null (the default NC..., OI..., NC...). */
export type ConvDimensionSpec =
  | ConvDimensionNumbers
  | readonly [lhs: string, rhs: string, out: string]
  | null;
export type ConvPadding = "SAME" | "SAME_LOWER" | "VALID" | readonly (readonly number[])[];

export interface ConvParams {
  window_strides: readonly number[];
  padding: readonly (readonly [number, number])[];
  lhs_dilation: readonly number[];
  rhs_dilation: readonly number[];
  dimension_numbers: ConvDimensionNumbers;
  feature_group_count: number;
  batch_group_count: number;
  precision: Precision | null;
}

const OP = "lax.convGeneralDilated";

// --- dimension numbers ---------------------------------------------------------------

const isPerm = (xs: readonly number[], n: number): boolean =>
  xs.length === n &&
  xs.every((x) => Number.isInteger(x) && x >= 0 && x < n) &&
  new Set(xs).size === n;

/**
 * JAX's conv_general_permutations: layout strings to specs. "N"/"C", "O"/"I"
 * and "N"/"C" name the non-spatial dims; the other letters are spatial dims,
 * which every string must share, ordered as in the rhs string.
 */
function permutationsOf(specs: readonly [string, string, string]): ConvDimensionNumbers {
  const pairs = [
    ["N", "C"],
    ["O", "I"],
    ["N", "C"],
  ] as const;
  const names = ["lhs", "rhs", "out"];
  specs.forEach((s, i) => {
    const [a, b] = pairs[i]!;
    const count = (ch: string) => [...s].filter((c) => c === ch).length;
    if (count(a) !== 1 || count(b) !== 1) {
      throw new TypeError(
        `${OP}: the ${names[i]} dimension spec must have exactly one '${a}' and one '${b}', got "${s}"`,
      );
    }
    if (new Set(s).size !== s.length) {
      throw new TypeError(`${OP}: the ${names[i]} dimension spec "${s}" repeats a dimension`);
    }
  });
  const spatial = (s: string, i: number) =>
    [...s].filter((c) => !(pairs[i] as readonly string[]).includes(c)).sort();
  const sets = specs.map((s, i) => spatial(s, i).join(""));
  if (sets[0] !== sets[1] || sets[1] !== sets[2]) {
    throw new TypeError(
      `${OP}: dimension specs must name the same spatial dimensions, got ${JSON.stringify(specs)}`,
    );
  }
  const rhs = specs[1];
  return specs.map((s, i) => {
    const [a, b] = pairs[i]!;
    const sp = [...s].map((_, k) => k).filter((k) => s[k] !== a && s[k] !== b);
    if (i !== 1) sp.sort((x, y) => rhs.indexOf(s[x]!) - rhs.indexOf(s[y]!));
    return [s.indexOf(a), s.indexOf(b), ...sp];
  }) as unknown as ConvDimensionNumbers;
}

/** JAX's conv_dimension_numbers: checks a spec against the operands' ranks and resolves it. */
export function convDimensionNumbers(
  lhsShape: readonly number[],
  rhsShape: readonly number[],
  dimensionNumbers: ConvDimensionSpec | undefined,
): ConvDimensionNumbers {
  const nd = lhsShape.length;
  if (rhsShape.length !== nd) {
    throw new TypeError(
      `${OP}: lhs and rhs must have the same rank, got lhs shape ${tuple(lhsShape)} and rhs shape ${tuple(rhsShape)}`,
    );
  }
  if (nd < 2) {
    throw new TypeError(
      `${OP}: operands need at least 2 dimensions (batch and feature), got lhs shape ${tuple(lhsShape)}`,
    );
  }
  if (dimensionNumbers === null || dimensionNumbers === undefined) {
    const id = lhsShape.map((_, i) => i);
    return [id, id, id];
  }
  if (!globalThis.Array.isArray(dimensionNumbers) || dimensionNumbers.length !== 3) {
    throw new TypeError(
      `${OP}: dimensionNumbers must be three layout strings (e.g. ["NHWC", "HWIO", "NHWC"]) or three ` +
        `dimension lists, got ${showValue(dimensionNumbers)}`,
    );
  }
  if (dimensionNumbers.every((s) => typeof s === "string")) {
    const specs = dimensionNumbers as readonly [string, string, string];
    if (!specs.every((s) => s.length === nd)) {
      throw new TypeError(
        `${OP}: dimension specs ${JSON.stringify(specs)} must each have one letter per operand ` +
          `dimension (${nd} for lhs shape ${tuple(lhsShape)})`,
      );
    }
    return permutationsOf(specs);
  }
  const dn = dimensionNumbers as ConvDimensionNumbers;
  if (!dn.every((s) => globalThis.Array.isArray(s) && isPerm(s, nd))) {
    throw new TypeError(
      `${OP}: dimensionNumbers lists must each be a permutation of 0..${nd - 1}, got ${showValue(dn)}`,
    );
  }
  return [[...dn[0]], [...dn[1]], [...dn[2]]];
}

// --- shapes ------------------------------------------------------------------------

const dilate = (n: number, d: number): number => (n === 0 ? 0 : 1 + d * (n - 1));

interface ConvLayout {
  geometry: ConvGeometry;
  /** The output in canonical order [batch, feature, ...spatial]. */
  canonicalOut: number[];
  outShape: number[];
}

function checkCounts(name: string, v: unknown, n: number, min: number): readonly number[] {
  if (
    !globalThis.Array.isArray(v) ||
    v.length !== n ||
    !v.every((x) => Number.isInteger(x) && x >= min)
  ) {
    throw new ValueError(
      `${OP}: ${name} must be ${n} integer${n === 1 ? "" : "s"} >= ${min} (one per spatial dimension), ` +
        `got ${showValue(v)}`,
    );
  }
  return v;
}

/** Everything the kernel needs to know, in canonical order (spatial dims as the rhs spec orders them). */
export interface ConvGeometry {
  /** lhs batch and feature sizes. */
  n: number;
  c: number;
  /** rhs output and input feature sizes (i = c / featureGroups). */
  o: number;
  i: number;
  inSpatial: number[];
  window: number[];
  outSpatial: number[];
  strides: number[];
  /** Low padding per spatial dim (high padding is implied by the output size). */
  padLo: number[];
  lhsDilation: number[];
  rhsDilation: number[];
  featureGroups: number;
  batchGroups: number;
}

/** Validates a convolution as JAX's shape rule does and derives the kernel's geometry. */
export function convLayout(lhs: ShapedArray, rhs: ShapedArray, p: ConvParams): ConvLayout {
  const shapes = `(lhs ${describeAval(lhs)}, rhs ${describeAval(rhs)})`;
  const dn = p.dimension_numbers;
  const nd = lhs.ndim;
  if (rhs.ndim !== nd || nd < 2) {
    throw new TypeError(
      `${OP}: lhs and rhs must have the same rank, at least 2 (batch and feature dims) ${shapes}`,
    );
  }
  if (!globalThis.Array.isArray(dn) || dn.length !== 3 || !dn.every((s) => isPerm(s, nd))) {
    throw new TypeError(
      `${OP}: dimension_numbers must be three permutations of 0..${nd - 1}, got ${showValue(dn)} ${shapes}`,
    );
  }
  const nsp = nd - 2;
  const strides = checkCounts("windowStrides", p.window_strides, nsp, 1);
  const lhsDil = checkCounts("lhsDilation", p.lhs_dilation, nsp, 1);
  const rhsDil = checkCounts("rhsDilation", p.rhs_dilation, nsp, 1);
  if (
    !globalThis.Array.isArray(p.padding) ||
    p.padding.length !== nsp ||
    !p.padding.every(
      (pr) => globalThis.Array.isArray(pr) && pr.length === 2 && pr.every(Number.isInteger),
    )
  ) {
    throw new ValueError(
      `${OP}: padding must be "SAME", "VALID" or one [lo, hi] pair of integers per spatial dimension ` +
        `(${nsp}), got ${showValue(p.padding)}`,
    );
  }
  const fgc = p.feature_group_count;
  const bgc = p.batch_group_count;
  for (const [name, v] of [
    ["featureGroupCount", fgc],
    ["batchGroupCount", bgc],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new ValueError(`${OP}: ${name} must be a positive integer, got ${showValue(v)}`);
    }
  }
  if (fgc > 1 && bgc > 1) {
    throw new ValueError(
      `${OP}: at most one of featureGroupCount (${fgc}) and batchGroupCount (${bgc}) may exceed 1`,
    );
  }
  if (lhs.dtype !== rhs.dtype) {
    throw new TypeError(
      `${OP}: lhs and rhs must have the same dtype, got ${lhs.dtype} and ${rhs.dtype} ${shapes}`,
    );
  }
  if (isBool(lhs.dtype)) {
    throw new TypeError(
      `${OP} does not accept dtype bool; accepted are float32, float64, int32, uint32 ${shapes}`,
    );
  }
  const [ls, rs, os] = dn;
  const n = lhs.shape[ls[0]!]!;
  const c = lhs.shape[ls[1]!]!;
  const o = rhs.shape[rs[0]!]!;
  const i = rhs.shape[rs[1]!]!;
  if (c % fgc !== 0) {
    throw new ValueError(
      `${OP}: featureGroupCount must divide the lhs feature dimension size, but ${fgc} does not divide ${c} ${shapes}`,
    );
  }
  if (c / fgc !== i) {
    throw new ValueError(
      `${OP}: the lhs feature dimension size divided by featureGroupCount (${c} / ${fgc} = ${c / fgc}) must ` +
        `equal the rhs input feature dimension size (${i}) ${shapes}`,
    );
  }
  if (o % fgc !== 0) {
    throw new ValueError(
      `${OP}: featureGroupCount must divide the rhs output feature dimension size, but ${fgc} does not ` +
        `divide ${o} ${shapes}`,
    );
  }
  if (n % bgc !== 0) {
    throw new ValueError(
      `${OP}: batchGroupCount must divide the lhs batch dimension size, but ${bgc} does not divide ${n} ${shapes}`,
    );
  }
  if (o % bgc !== 0) {
    throw new ValueError(
      `${OP}: batchGroupCount must divide the rhs output feature dimension size, but ${bgc} does not ` +
        `divide ${o} ${shapes}`,
    );
  }
  const inSpatial = ls.slice(2).map((d) => lhs.shape[d]!);
  const window = rs.slice(2).map((d) => rhs.shape[d]!);
  const outSpatial = inSpatial.map((size, d) => {
    const [lo, hi] = p.padding[d]!;
    const padded = dilate(size, lhsDil[d]!) + lo + hi;
    if (padded < 0) {
      throw new ValueError(
        `${OP}: negative padding ${showValue(p.padding[d])} is larger than spatial dimension ${d} ` +
          `(size ${size}, dilated ${dilate(size, lhsDil[d]!)}) ${shapes}`,
      );
    }
    const span = dilate(window[d]!, rhsDil[d]!);
    return padded < span ? 0 : Math.floor((padded - span) / strides[d]!) + 1;
  });
  const canonicalOut = [n / bgc, o, ...outSpatial];
  const outShape = new globalThis.Array<number>(nd);
  os.forEach((dim, k) => {
    outShape[dim] = canonicalOut[k]!;
  });
  return {
    geometry: {
      n,
      c,
      o,
      i,
      inSpatial,
      window,
      outSpatial,
      strides: [...strides],
      padLo: p.padding.map((pr) => pr[0]),
      lhsDilation: [...lhsDil],
      rhsDilation: [...rhsDil],
      featureGroups: fgc,
      batchGroups: bgc,
    },
    canonicalOut,
    outShape,
  };
}

function outAval(lhs: ShapedArray, rhs: ShapedArray, p: ConvParams): ShapedArray {
  return new ShapedArray(convLayout(lhs, rhs, p).outShape, lhs.dtype, lhs.weakType && rhs.weakType);
}

// --- reshapes the rules share (JAX's _reshape_axis_into / _reshape_axis_out_of) -------

/**
 * Merges axis `src` into axis `dst` as its major part; `dst` numbers the
 * axes after `src` is removed.
 */
function reshapeAxisInto(src: number, dst: number, x: Array): Array {
  const perm = x.shape.map((_, i) => i).filter((i) => i !== src);
  perm.splice(dst, 0, src);
  const shape = x.shape.filter((_, i) => i !== src);
  shape[dst] = shape[dst]! * x.shape[src]!;
  return reshape(transpose(x, perm), shape);
}

/** Splits axis `src` into [size1, rest]. */
function reshapeAxisOutOf(src: number, size1: number, x: Array): Array {
  const shape = [...x.shape];
  shape.splice(src, 1, size1, shape[src]! / size1);
  return reshape(x, shape);
}

const swap01 = (spec: readonly number[]): number[] => [spec[1]!, spec[0]!, ...spec.slice(2)];
const spatialOf = (shape: readonly number[], spec: readonly number[]): number[] =>
  spec.slice(2).map((d) => shape[d]!);

// --- differentiation ----------------------------------------------------------------------

/**
 * JAX's _conv_general_vjp_lhs_padding and _conv_general_vjp_rhs_padding: the
 * padding that makes the `side` cotangent convolution come out the right size.
 */
function vjpPadding(
  side: "lhs" | "rhs",
  lhsShape: readonly number[],
  rhsShape: readonly number[],
  ctShape: readonly number[],
  p: ConvParams,
): [number, number][] {
  const [ls, rs, os] = p.dimension_numbers;
  const window = spatialOf(rhsShape, rs);
  const outShape = spatialOf(ctShape, os);
  return spatialOf(lhsShape, ls).map((n, d): [number, number] => {
    const lhsD = dilate(n, p.lhs_dilation[d]!);
    const rhsD = dilate(window[d]!, p.rhs_dilation[d]!);
    const outD = dilate(outShape[d]!, p.window_strides[d]!);
    const lo = p.padding[d]![0];
    if (side === "rhs") return [lo, outD - lhsD + (rhsD - lo - 1)];
    const before = rhsD - lo - 1;
    return [before, lhsD + rhsD - 1 - outD - before];
  });
}

/**
 * The lhs cotangent: the cotangent convolved with the spatially flipped
 * kernel, its feature dims swapped, the forward strides becoming the lhs
 * dilation (JAX's _conv_general_dilated_transpose_lhs).
 */
function transposeLhs(ct: Array, lhs: ShapedArray, rhs: Array, p: ConvParams): Array {
  const [ls, rs, os] = p.dimension_numbers;
  let fgc = p.feature_group_count;
  const bgc = p.batch_group_count;
  let w = rhs;
  if (fgc > 1 || bgc > 1) {
    // The group axis moves from the kernel's output features to its input features.
    const groups = Math.max(fgc, bgc);
    w = reshapeAxisInto(rs[0]!, rs[1]!, reshapeAxisOutOf(rs[0]!, groups, w));
    fgc = groups;
  }
  const padding = vjpPadding("lhs", lhs.shape, w.shape, ct.shape, p);
  let out = bind1(convGeneralDilatedP, [ct, rev(w, rs.slice(2))], {
    window_strides: p.lhs_dilation,
    padding,
    lhs_dilation: p.window_strides,
    rhs_dilation: p.rhs_dilation,
    dimension_numbers: [os, swap01(rs), ls],
    feature_group_count: fgc,
    batch_group_count: 1,
    precision: p.precision,
  });
  if (bgc > 1) out = reshapeAxisInto(ls[1]!, ls[0]!, reshapeAxisOutOf(ls[1]!, bgc, out));
  return castToAval(out, lhs);
}

/**
 * The rhs cotangent: the lhs convolved with the cotangent, batch and feature
 * roles swapped, the forward strides becoming the rhs dilation (JAX's
 * _conv_general_dilated_transpose_rhs). Feature groups become batch groups
 * and vice versa.
 */
function transposeRhs(ct: Array, lhs: Array, rhs: ShapedArray, p: ConvParams): Tangent {
  if (ct.size === 0) return new Zero(rhs);
  const [ls, rs, os] = p.dimension_numbers;
  const padding = vjpPadding("rhs", lhs.shape, rhs.shape, ct.shape, p);
  const out = bind1(convGeneralDilatedP, [lhs, ct], {
    window_strides: p.rhs_dilation,
    padding,
    lhs_dilation: p.lhs_dilation,
    rhs_dilation: p.window_strides,
    dimension_numbers: [swap01(ls), swap01(os), swap01(rs)],
    feature_group_count: p.batch_group_count,
    batch_group_count: p.feature_group_count,
    precision: p.precision,
  });
  return castToAval(out, rhs);
}

/** Bilinear: either operand may be the linear one, never both. */
function convTransposeRule(
  [ct]: Tangent[],
  [lhs, rhs]: (Array | UndefinedPrimal)[],
  p: ConvParams,
): (Tangent | null)[] {
  const lin = (a: Array | UndefinedPrimal | undefined): a is UndefinedPrimal =>
    a instanceof UndefinedPrimal;
  if (lin(lhs) && lin(rhs)) {
    throw new Error(
      `${OP}: both operands are linear, so the convolution is not; it has no transpose ` +
        `(lhs ${describeAval(lhs.aval)}, rhs ${describeAval(rhs.aval)})`,
    );
  }
  if (lin(lhs)) {
    if (ct instanceof Zero || !isInexact(lhs.aval.dtype)) return [new Zero(lhs.aval), null];
    return [transposeLhs(ct!, lhs.aval, rhs! as Array, p), null];
  }
  if (lin(rhs)) {
    if (ct instanceof Zero || !isInexact(rhs.aval.dtype)) return [null, new Zero(rhs.aval)];
    return [null, transposeRhs(ct!, lhs! as Array, rhs.aval, p)];
  }
  return [null, null];
}

// --- batching -------------------------------------------------------------------------

/**
 * vmap folds the mapped axis into the convolution (JAX's
 * _conv_general_dilated_batch_rule): into the lhs batch for a mapped lhs;
 * into the rhs output features for a mapped rhs; with both mapped, into
 * feature groups (or batch groups), one group per example.
 */
const convBatch: BatchRule<ConvParams> = ([lhs, rhs], [lbd, rbd], p) => {
  const [ls, rs, os] = p.dimension_numbers;
  const conv = (l: Array, r: Array, q: Partial<ConvParams> = {}) =>
    bind1(convGeneralDilatedP, [l, r], { ...p, ...q });
  const fgc = p.feature_group_count;
  const bgc = p.batch_group_count;
  if (lbd != null && rbd != null) {
    const size = lhs!.shape[lbd]!;
    const r = reshapeAxisInto(rbd, rs[0]!, rhs!);
    const out =
      bgc > 1
        ? conv(reshapeAxisInto(lbd, ls[0]!, lhs!), r, { batch_group_count: bgc * size })
        : conv(reshapeAxisInto(lbd, ls[1]!, lhs!), r, { feature_group_count: fgc * size });
    return [[reshapeAxisOutOf(os[1]!, size, out)], [os[1]!]];
  }
  if (lbd != null) {
    const size = lhs!.shape[lbd]!;
    let l: Array;
    if (bgc === 1) {
      l = reshapeAxisInto(lbd, ls[0]!, lhs!);
    } else {
      // Keep the batch groups outermost: [groups, size * (n / groups)].
      const nAt = ls[0]! + (lbd <= ls[0]! ? 1 : 0);
      l = reshapeAxisOutOf(nAt, bgc, lhs!);
      l = reshapeAxisInto(lbd + (ls[0]! < lbd ? 1 : 0), ls[0]! + 1, l);
      l = reshapeAxisInto(ls[0]!, ls[0]!, l);
    }
    return [[reshapeAxisOutOf(os[0]!, size, conv(l, rhs!))], [os[0]!]];
  }
  const size = rhs!.shape[rbd!]!;
  if (fgc === 1 && bgc === 1) {
    const out = conv(lhs!, reshapeAxisInto(rbd!, rs[0]!, rhs!));
    return [[reshapeAxisOutOf(os[1]!, size, out)], [os[1]!]];
  }
  // The groups stay outermost in the output features: [groups, size * (o / groups)].
  const groups = Math.max(fgc, bgc);
  const oAt = rs[0]! + (rbd! <= rs[0]! ? 1 : 0);
  let r = reshapeAxisOutOf(oAt, groups, rhs!);
  r = reshapeAxisInto(rbd! + (rs[0]! < rbd! ? 1 : 0), rs[0]! + 1, r);
  r = reshapeAxisInto(rs[0]!, rs[0]!, r);
  let out = conv(lhs!, r);
  out = reshapeAxisOutOf(os[1]!, groups, out);
  out = reshapeAxisOutOf(os[1]! + 1, size, out);
  out = reshapeAxisInto(os[1]!, os[1]! + 1, out);
  return [[out], [os[1]!]];
};

export const convGeneralDilatedP: Primitive<ConvParams> = new Primitive<ConvParams>(
  "conv_general_dilated",
  {
    lower: { kind: "library", name: "conv_general_dilated" },
    facts: OPAQUE,
    abstractEval: ([lhs, rhs], p) => [outAval(lhs!, rhs!, p)],
    impl: libraryImpl<ConvParams>("conv_general_dilated"),
    // Bilinear: d conv(l, r) = conv(dl, r) + conv(l, dr); integer results have zero tangents.
    jvp: ([lhs, rhs], [tl, tr], p) => {
      const ans = bind1(convGeneralDilatedP, [lhs!, rhs!], p);
      let t: Tangent = new Zero(ans.aval);
      if (isInexact(ans.dtype)) {
        if (!(tl instanceof Zero)) t = addTangents(t, bind1(convGeneralDilatedP, [tl!, rhs!], p));
        if (!(tr instanceof Zero)) t = addTangents(t, bind1(convGeneralDilatedP, [lhs!, tr!], p));
      }
      return [[ans], [t instanceof Zero ? t : castToAval(t, ans.aval)]];
    },
    transpose: convTransposeRule,
    batch: convBatch,
  },
);

// --- public wrappers -------------------------------------------------------------------

/** "SAME"/"VALID" resolved as JAX does: on the undilated lhs and the dilated window. */
function resolvePadding(
  op: string,
  padding: ConvPadding,
  lhs: Array,
  rhs: Array,
  dn: ConvDimensionNumbers,
  strides: readonly number[],
  rhsDil: readonly number[],
): [number, number][] {
  const window = spatialOf(rhs.shape, dn[1]).map((k, d) => dilate(k, rhsDil[d]!));
  return windowPadding(op, padding, spatialOf(lhs.shape, dn[0]), window, strides);
}

function spatialList(op: string, name: string, v: unknown, nsp: number): number[] {
  if (v === undefined || v === null) return new globalThis.Array<number>(nsp).fill(1);
  const xs = intList(op, name, v);
  if (xs.length !== nsp) {
    throw new ValueError(
      `${op}: ${name} must have one entry per spatial dimension (${nsp}), got ${tuple(xs)}`,
    );
  }
  return xs;
}

/**
 * `lax.convGeneralDilated(lhs, rhs, windowStrides, padding, lhsDilation?,
 * rhsDilation?, dimensionNumbers?, featureGroupCount = 1, batchGroupCount
 * = 1, precision?)`: XLA's convolution. Padding is "SAME", "SAME_LOWER",
 * "VALID" or one [lo, hi] pair per spatial dim; dimensionNumbers layout
 * strings such as ["NHWC", "HWIO", "NHWC"] (default: NCHW, OIHW, NCHW).
 */
export function convGeneralDilated(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: ConvPadding,
  lhsDilation?: readonly number[] | null,
  rhsDilation?: readonly number[] | null,
  dimensionNumbers?: ConvDimensionSpec,
  featureGroupCount = 1,
  batchGroupCount = 1,
  precision: Precision | null = null,
): Array {
  const l = asArray(lhs, OP, "lhs");
  const r = asArray(rhs, OP, "rhs");
  const dn = convDimensionNumbers(l.shape, r.shape, dimensionNumbers);
  const nsp = l.ndim - 2;
  const strides = spatialList(OP, "windowStrides", windowStrides, nsp);
  const lhsDil = spatialList(OP, "lhsDilation", lhsDilation, nsp);
  const rhsDil = spatialList(OP, "rhsDilation", rhsDilation, nsp);
  const params: ConvParams = {
    window_strides: strides,
    padding: resolvePadding(OP, padding, l, r, dn, strides, rhsDil),
    lhs_dilation: lhsDil,
    rhs_dilation: rhsDil,
    dimension_numbers: dn,
    feature_group_count: featureGroupCount,
    batch_group_count: batchGroupCount,
    precision,
  };
  return bind1(convGeneralDilatedP, [l, r], params);
}

/** `lax.conv(lhs, rhs, windowStrides, padding)`: NCHW/OIHW convolution without dilation. */
export function conv(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: ConvPadding,
  precision: Precision | null = null,
): Array {
  return convGeneralDilated(lhs, rhs, windowStrides, padding, null, null, null, 1, 1, precision);
}

/** `lax.convWithGeneralPadding(lhs, rhs, windowStrides, padding, lhsDilation, rhsDilation)` (NCHW/OIHW). */
export function convWithGeneralPadding(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: ConvPadding,
  lhsDilation?: readonly number[] | null,
  rhsDilation?: readonly number[] | null,
  precision: Precision | null = null,
): Array {
  return convGeneralDilated(
    lhs,
    rhs,
    windowStrides,
    padding,
    lhsDilation,
    rhsDilation,
    null,
    1,
    1,
    precision,
  );
}

/** JAX's _conv_transpose_padding: the padding of the dilated-input conv a transposed conv is. */
function convTransposePadding(k: number, s: number, padding: "SAME" | "VALID"): [number, number] {
  let len: number;
  let before: number;
  if (padding === "SAME") {
    len = k + s - 2;
    before = s > k - 1 ? k - 1 : Math.ceil(len / 2);
  } else {
    len = k + s - 2 + Math.max(k - s, 0);
    before = k - 1;
  }
  return [before, len - before];
}

const TRANSPOSE_DEFAULTS: Record<number, readonly [string, string, string]> = {
  2: ["NC", "IO", "NC"],
  3: ["NHC", "HIO", "NHC"],
  4: ["NHWC", "HWIO", "NHWC"],
  5: ["NHWDC", "HWDIO", "NHWDC"],
};

/**
 * `lax.convTranspose(lhs, rhs, strides, padding, rhsDilation?,
 * dimensionNumbers?, transposeKernel = false)`: the "deconvolution", a
 * convolution of the lhs dilated by `strides` (JAX's conv_transpose; the
 * default layouts are NHWC, HWIO, NHWC). With transposeKernel the kernel is
 * flipped and its feature dims swapped, which makes this the gradient of
 * conv_general_dilated with respect to its lhs.
 */
export function convTranspose(
  lhs: ArrayLike,
  rhs: ArrayLike,
  strides: readonly number[],
  padding: ConvPadding,
  rhsDilation?: readonly number[] | null,
  dimensionNumbers?: ConvDimensionSpec,
  transposeKernel = false,
  precision: Precision | null = null,
): Array {
  const op = "lax.convTranspose";
  const l = asArray(lhs, op, "lhs");
  let r = asArray(rhs, op, "rhs");
  let spec = dimensionNumbers;
  if (spec === null || spec === undefined) {
    spec = TRANSPOSE_DEFAULTS[l.ndim] ?? null;
    if (spec === null) {
      throw new ValueError(
        `${op}: no default dimensionNumbers for rank ${l.ndim} operands (defaults exist for ranks 2 to 5)`,
      );
    }
  }
  const dn = convDimensionNumbers(l.shape, r.shape, spec);
  const nsp = l.ndim - 2;
  const s = spatialList(op, "strides", strides, nsp);
  const rhsDil = spatialList(op, "rhsDilation", rhsDilation, nsp);
  let pads: ConvPadding = padding;
  if (typeof padding === "string") {
    const kind = padding.toUpperCase();
    if (kind !== "SAME" && kind !== "VALID") {
      throw new ValueError(
        `${op}: padding must be "SAME", "VALID" or [lo, hi] pairs, got "${padding}"`,
      );
    }
    pads = spatialOf(r.shape, dn[1]).map((k, d) =>
      convTransposePadding(dilate(k, rhsDil[d]!), s[d]!, kind),
    );
  }
  if (transposeKernel) {
    const rs = dn[1];
    r = rev(r, rs.slice(2));
    const perm = r.shape.map((_, i) => i);
    perm[rs[0]!] = rs[1]!;
    perm[rs[1]!] = rs[0]!;
    r = transpose(r, perm);
  }
  const ones = new globalThis.Array<number>(nsp).fill(1);
  return convGeneralDilated(l, r, ones, pads, s, rhsDil, dn, 1, 1, precision);
}
