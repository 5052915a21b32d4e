/**
 * `dot_general`: XLA's generalized tensor contraction, and `lax.dot`.
 *
 * The output layout is XLA's: batch dims, then the lhs free dims, then the
 * rhs free dims. The eager kernels are the backends' library kernel
 * "dot_general" (the CPU's in backend/cpu/kernels/dot.ts: float products
 * accumulate in float64 per output element and are rounded once).
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
import {
  canonicalize,
  type DType,
  isBool,
  isDType,
  isFloating,
  isInexact,
  isInteger,
  isUnsigned,
} from "../dtype.js";
import { checkOptions, kindOf, type OptionKeys } from "../options.js";
import { type Shape, shapeStr } from "../shape.js";
import { addTangents, castToAval } from "./ad_util.js";
import { convertElementType } from "./elementwise.js";
import { transpose } from "./shape_ops.js";
import { showValue } from "./shape_util.js";

/** `((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))`, as in JAX. */
export type DotDimensionNumbers = readonly [
  readonly [readonly number[], readonly number[]],
  readonly [readonly number[], readonly number[]],
];

/**
 * `lax.Precision`: accepted for compatibility with JAX (`{ precision: lax.Precision.HIGHEST }`,
 * or JAX's strings); the CPU kernels always compute float32 products at full precision.
 */
export type Precision = "default" | "high" | "highest";
export const Precision = { DEFAULT: "default", HIGH: "high", HIGHEST: "highest" } as const;
/** What a `precision` option takes (JAX's PrecisionLike): a Precision, JAX's names, or a pair. */
export type PrecisionLike =
  | Precision
  | "DEFAULT"
  | "HIGH"
  | "HIGHEST"
  | "bfloat16"
  | "tensorfloat32"
  | "float32"
  | readonly [Precision, Precision]
  | null;

/** JAX's precision spellings: the enum names, its string aliases, or a pair (one per operand). */
const PRECISION_NAMES: Readonly<Record<string, Precision>> = {
  default: "default",
  fastest: "default",
  bfloat16: "default",
  high: "high",
  tensorfloat32: "high",
  bfloat16_3x: "high",
  highest: "highest",
  float32: "highest",
};

/** A precision argument as one of the three, or a TypeError naming the valid ones. */
export function checkPrecision(op: string, p: unknown): Precision | null {
  if (p === undefined || p === null) return null;
  if (globalThis.Array.isArray(p) && p.length === 2) {
    const [a, b] = [checkPrecision(op, p[0]), checkPrecision(op, p[1])];
    // The higher of the two, as the product runs once.
    const rank = { default: 0, high: 1, highest: 2 };
    return (rank[a ?? "default"] >= rank[b ?? "default"] ? a : b) ?? null;
  }
  const name =
    typeof p === "string"
      ? PRECISION_NAMES[p.toLowerCase().replace(/^precision\./, "")]
      : undefined;
  if (name === undefined) {
    throw new TypeError(
      `${op}: precision must be lax.Precision.DEFAULT, HIGH or HIGHEST (or "default", "high", "highest", ` +
        `"bfloat16", "tensorfloat32", "float32", or a pair of them), got ${typeof p === "string" ? `'${p}'` : kindOf(p)}`,
    );
  }
  return name;
}

export interface DotGeneralParams {
  dimension_numbers: DotDimensionNumbers;
  precision: Precision | null;
  preferred_element_type: DType | null;
}

const OP = "lax.dotGeneral";

const tuple = (xs: readonly number[]): string => shapeStr(xs);

function checkDims(side: "lhs" | "rhs", what: string, dims: unknown, shape: Shape): number[] {
  if (!globalThis.Array.isArray(dims) || !dims.every((d) => Number.isInteger(d))) {
    throw new TypeError(
      `${OP}: ${side} ${what} dimensions must be a list of integers, got ${showValue(dims)}`,
    );
  }
  for (const d of dims as number[]) {
    if (d < 0 || d >= shape.length) {
      throw new TypeError(
        `${OP}: ${side} ${what} dimension ${d} is out of bounds for ${side} of shape ${shapeStr(shape)} ` +
          `(allowed: 0 to ${shape.length - 1})`,
      );
    }
  }
  return dims as number[];
}

/** A dot_general's dims by role (contracting, batch, free) and its output shape and dtype. */
export interface DotLayout {
  lc: number[];
  rc: number[];
  lb: number[];
  rb: number[];
  lfree: number[];
  rfree: number[];
  outShape: number[];
  outDtype: DType;
}

/** Validates a dot_general as XLA does and derives its layout and output type. */
export function dotLayout(lhs: ShapedArray, rhs: ShapedArray, params: DotGeneralParams): DotLayout {
  const dn = params.dimension_numbers;
  if (
    !globalThis.Array.isArray(dn) ||
    dn.length !== 2 ||
    !dn.every((p) => globalThis.Array.isArray(p) && p.length === 2)
  ) {
    throw new TypeError(
      `${OP}: dimensionNumbers must be [[lhsContracting, rhsContracting], [lhsBatch, rhsBatch]], got ${showValue(dn)}`,
    );
  }
  const lc = checkDims("lhs", "contracting", dn[0][0], lhs.shape);
  const rc = checkDims("rhs", "contracting", dn[0][1], rhs.shape);
  const lb = checkDims("lhs", "batch", dn[1][0], lhs.shape);
  const rb = checkDims("rhs", "batch", dn[1][1], rhs.shape);
  const shapes = `(lhs shape ${shapeStr(lhs.shape)}, rhs shape ${shapeStr(rhs.shape)})`;
  if (lb.length !== rb.length) {
    throw new TypeError(
      `${OP}: requires equal numbers of lhs and rhs batch dimensions, got lhs batch ${tuple(lb)} and rhs batch ${tuple(rb)} ${shapes}`,
    );
  }
  if (lc.length !== rc.length) {
    throw new TypeError(
      `${OP}: requires equal numbers of lhs and rhs contracting dimensions, got lhs contracting ${tuple(lc)} ` +
        `and rhs contracting ${tuple(rc)} ${shapes}`,
    );
  }
  for (const [side, dims] of [
    ["lhs", [...lb, ...lc]],
    ["rhs", [...rb, ...rc]],
  ] as const) {
    if (new Set(dims).size !== dims.length) {
      throw new TypeError(
        `${OP}: ${side} batch and contracting dimensions ${tuple(dims)} must be distinct ${shapes}`,
      );
    }
  }
  const sizes = (s: Shape, dims: number[]) => dims.map((d) => s[d]!);
  const mismatch = (a: number[], b: number[]) => a.some((v, i) => v !== b[i]);
  if (mismatch(sizes(lhs.shape, lb), sizes(rhs.shape, rb))) {
    throw new TypeError(
      `${OP}: lhs batch dimensions ${tuple(lb)} and rhs batch dimensions ${tuple(rb)} must have the same sizes, ` +
        `got ${tuple(sizes(lhs.shape, lb))} and ${tuple(sizes(rhs.shape, rb))} ${shapes}`,
    );
  }
  if (mismatch(sizes(lhs.shape, lc), sizes(rhs.shape, rc))) {
    throw new TypeError(
      `${OP}: lhs contracting dimensions ${tuple(lc)} and rhs contracting dimensions ${tuple(rc)} must have the same ` +
        `sizes, got ${tuple(sizes(lhs.shape, lc))} and ${tuple(sizes(rhs.shape, rc))} ${shapes}`,
    );
  }
  if (lhs.dtype !== rhs.dtype) {
    throw new TypeError(
      `${OP}: lhs and rhs must have the same dtype, got ${lhs.dtype} and ${rhs.dtype} ${shapes}`,
    );
  }
  const outDtype = checkPreferred(lhs.dtype, params.preferred_element_type);
  const lfree = lhs.shape.map((_, i) => i).filter((i) => !lb.includes(i) && !lc.includes(i));
  const rfree = rhs.shape.map((_, i) => i).filter((i) => !rb.includes(i) && !rc.includes(i));
  const outShape = [
    ...sizes(lhs.shape, lb),
    ...sizes(lhs.shape, lfree),
    ...sizes(rhs.shape, rfree),
  ];
  return { lc, rc, lb, rb, lfree, rfree, outShape, outDtype };
}

/** The output dtype: the inputs' unless a preferred type of the same kind is given (JAX's rule). */
function checkPreferred(input: DType, preferred: DType | null): DType {
  if (preferred === null) return input;
  if (!isDType(preferred))
    throw new TypeError(`${OP}: preferredElementType must be a dtype, got ${String(preferred)}`);
  const ok =
    isBool(input) ||
    (isFloating(input) && isFloating(preferred)) ||
    (isInteger(input) &&
      (isFloating(preferred) ||
        (isInteger(preferred) && isUnsigned(preferred) === isUnsigned(input))));
  if (!ok) {
    throw new TypeError(
      `${OP}: preferredElementType ${preferred} is not allowed for ${input} inputs ` +
        "(floating inputs need a floating type; integer inputs an integer type of the same signedness, or a floating type)",
    );
  }
  return canonicalize(preferred);
}

/** The output aval of a dot_general with layout `L` (weak only when both operands are and no type is preferred). */
export function dotOutAval(
  lhs: ShapedArray,
  rhs: ShapedArray,
  params: DotGeneralParams,
  L: DotLayout,
): ShapedArray {
  const weak = params.preferred_element_type === null && lhs.weakType && rhs.weakType;
  return new ShapedArray(L.outShape, L.outDtype, weak);
}

// --- differentiation and batching ------------------------------------------------

const range = (start: number, n: number): number[] =>
  globalThis.Array.from({ length: n }, (_, i) => start + i);
const argsort = (xs: readonly number[]): number[] =>
  range(0, xs.length).sort((a, b) => xs[a]! - xs[b]!);
const without = (n: number, ...drop: (readonly number[])[]): number[] =>
  range(0, n).filter((d) => !drop.some((ds) => ds.includes(d)));

/**
 * The cotangent of lhs (JAX's _dot_general_transpose_lhs): contract the
 * output's cotangent with rhs over rhs's free dims, then put the result's
 * dims back in lhs's order. With `swapAns` (transposing rhs) the roles of the
 * output's free dims are swapped.
 */
function transposeLhs(
  ct: Array,
  x: ShapedArray,
  y: Array,
  dn: DotDimensionNumbers,
  params: DotGeneralParams,
  swapAns: boolean,
): Array {
  const [[xc, yc], [xb, yb]] = dn;
  const xKept = without(x.ndim, xc, xb);
  const yKept = without(y.ndim, yc, yb);
  const nb = xb.length;
  const ansY = range(swapAns ? nb : nb + xKept.length, yKept.length);
  // With preferred_element_type the cotangent may be wider than y: contract in its type.
  const yy = y.dtype === ct.dtype ? y : convertElementType(y, ct.dtype);
  const xBar = bind1(dotGeneralP, [ct, yy], {
    dimension_numbers: [
      [ansY, yKept],
      [range(0, nb), [...yb]],
    ],
    precision: params.precision,
    preferred_element_type: null,
  });
  const xcByY = argsort(yc).map((i) => xc[i]!);
  return castToAval(transpose(xBar, argsort([...xb, ...xKept, ...xcByY])), x);
}

/** dot_general is bilinear: either operand may be the linear one. */
function dotGeneralTranspose(
  [ct]: Tangent[],
  [x, y]: (Array | UndefinedPrimal)[],
  params: DotGeneralParams,
): (Tangent | null)[] {
  const dn = params.dimension_numbers;
  const lin = (a: Array | UndefinedPrimal | undefined): a is UndefinedPrimal =>
    a instanceof UndefinedPrimal;
  if (lin(x) && lin(y)) {
    throw new Error(
      `${OP}: both operands are linear, so the product is not; it has no transpose ` +
        `(lhs ${x.aval.dtype} ${shapeStr(x.aval.shape)}, rhs ${y.aval.dtype} ${shapeStr(y.aval.shape)})`,
    );
  }
  const cotangent = (a: UndefinedPrimal, other: Array, d: DotDimensionNumbers, swap: boolean) =>
    ct instanceof Zero || !isInexact(a.aval.dtype)
      ? new Zero(a.aval)
      : transposeLhs(ct!, a.aval, other, d, params, swap);
  if (lin(x)) return [cotangent(x, y! as Array, dn, false), null];
  if (lin(y)) {
    const swapped: DotDimensionNumbers = [
      [dn[0][1], dn[0][0]],
      [dn[1][1], dn[1][0]],
    ];
    return [null, cotangent(y, x! as Array, swapped, true)];
  }
  return [null, null];
}

/**
 * vmap of dot_general (JAX's _dot_general_batch_dim_nums): when both sides are
 * batched, the vmapped dim becomes the first dot batch dimension; when one side
 * is, it is a free dimension of that side. Never one dot per example.
 */
const dotGeneralBatch: BatchRule<DotGeneralParams> = ([lhs, rhs], [lbd, rbd], params) => {
  const [[lc, rc], [lb, rb]] = params.dimension_numbers;
  const bump = (dims: readonly number[], b: number) => dims.map((d) => (d >= b ? d + 1 : d));
  let dn: DotDimensionNumbers;
  let outDim: number;
  if (lbd != null && rbd != null) {
    dn = [
      [bump(lc, lbd), bump(rc, rbd)],
      [
        [lbd, ...bump(lb, lbd)],
        [rbd, ...bump(rb, rbd)],
      ],
    ];
    outDim = 0;
  } else if (lbd != null) {
    // The free dims of lhs that come before the vmapped one (in per-example coordinates).
    const before = without(lhs!.ndim - 1, lc, lb).filter((d) => d < lbd).length;
    dn = [
      [bump(lc, lbd), rc],
      [bump(lb, lbd), rb],
    ];
    outDim = lb.length + before;
  } else {
    const b = rbd!;
    const before = without(rhs!.ndim - 1, rc, rb).filter((d) => d < b).length;
    dn = [
      [lc, bump(rc, b)],
      [lb, bump(rb, b)],
    ];
    outDim = lhs!.ndim - lc.length + before;
  }
  return [[bind1(dotGeneralP, [lhs!, rhs!], { ...params, dimension_numbers: dn })], [outDim]];
};

export const dotGeneralP: Primitive<DotGeneralParams> = new Primitive<DotGeneralParams>(
  "dot_general",
  {
    lower: { kind: "library", name: "dot_general" },
    facts: OPAQUE,
    abstractEval: ([lhs, rhs], params) => [
      dotOutAval(lhs!, rhs!, params, dotLayout(lhs!, rhs!, params)),
    ],
    impl: libraryImpl<DotGeneralParams>("dot_general"),
    // Bilinear: d(lhs·rhs) = dlhs·rhs + lhs·drhs; integer results have zero tangents.
    jvp: ([lhs, rhs], [tl, tr], params) => {
      const ans = bind1(dotGeneralP, [lhs!, rhs!], params);
      let t: Tangent = new Zero(ans.aval);
      if (isInexact(ans.dtype)) {
        if (!(tl instanceof Zero) && isInexact(lhs!.dtype))
          t = addTangents(t, bind1(dotGeneralP, [tl!, rhs!], params));
        if (!(tr instanceof Zero) && isInexact(rhs!.dtype))
          t = addTangents(t, bind1(dotGeneralP, [lhs!, tr!], params));
      }
      return [[ans], [t instanceof Zero ? t : castToAval(t, ans.aval)]];
    },
    transpose: dotGeneralTranspose,
    batch: dotGeneralBatch,
  },
);

export interface DotOptions {
  precision?: PrecisionLike;
  /** The accumulation and output dtype (e.g. float32 for integer inputs). */
  preferredElementType?: DType | null;
}
const DOT_KEYS: OptionKeys<DotOptions> = { precision: true, preferredElementType: true };

const plain = (xs: readonly number[]): readonly number[] =>
  globalThis.Array.isArray(xs) ? [...xs] : xs;

/**
 * General contraction: `dimensionNumbers = [[lhsContracting, rhsContracting],
 * [lhsBatch, rhsBatch]]`. The output has the batch dims, then lhs's free
 * dims, then rhs's free dims.
 */
export function dotGeneral(
  lhs: ArrayLike,
  rhs: ArrayLike,
  dimensionNumbers: DotDimensionNumbers,
  options: DotOptions = {},
): Array {
  options = checkOptions("lax.dotGeneral", options, DOT_KEYS);
  const l = asArray(lhs, OP, "lhs");
  const r = asArray(rhs, OP, "rhs");
  const dn = dimensionNumbers;
  const params: DotGeneralParams = {
    dimension_numbers:
      globalThis.Array.isArray(dn) &&
      dn.length === 2 &&
      dn.every((p) => globalThis.Array.isArray(p) && p.length === 2)
        ? [
            [plain(dn[0][0]), plain(dn[0][1])],
            [plain(dn[1][0]), plain(dn[1][1])],
          ]
        : dn,
    precision: checkPrecision("lax.dotGeneral", options.precision),
    preferred_element_type: options.preferredElementType ?? null,
  };
  return bind1(dotGeneralP, [l, r], params);
}

/** `lax.dot`: vector·vector (a scalar), matrix·vector, vector·matrix or matrix·matrix. */
export function dot(lhs: ArrayLike, rhs: ArrayLike, options: DotOptions = {}): Array {
  options = checkOptions("lax.dot", options, DOT_KEYS);
  const l = asArray(lhs, "lax.dot", "lhs");
  const r = asArray(rhs, "lax.dot", "rhs");
  const ok = (x: Array) => x.ndim === 1 || x.ndim === 2;
  if (!ok(l) || !ok(r) || l.shape[l.ndim - 1] !== r.shape[0]) {
    throw new TypeError(
      `lax.dot: incompatible shapes for dot: got ${shapeStr(l.shape)} and ${shapeStr(r.shape)} ` +
        "(lax.dot takes vectors and matrices whose inner dimensions agree; use lax.dotGeneral for other contractions)",
    );
  }
  return dotGeneral(
    l,
    r,
    [
      [[l.ndim - 1], [0]],
      [[], []],
    ],
    options,
  );
}
