/**
 * `dot_general`: XLA's generalized tensor contraction, and `lax.dot`.
 *
 * The output layout is XLA's: batch dims, then the lhs free dims, then the
 * rhs free dims. The reference kernel packs the operands into contiguous
 * [batch, M, K] and [batch, K, N] blocks and runs an i-k-j loop whose inner
 * loop walks contiguous rows; float products accumulate in float64 per
 * output element and are rounded once.
 */
// biome-ignore lint/suspicious/noShadowRestrictedNames: jaxts's Array is the public array type
import { type Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import {
  allocate,
  canonicalize,
  type DType,
  isBool,
  isDType,
  isFloating,
  isInteger,
  isUnsigned,
  type TypedArray,
} from "../dtype.js";
import { type Shape, shapeStr, sizeOf, stridesOf } from "../shape.js";

/** `((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))`, as in JAX. */
export type DotDimensionNumbers = readonly [
  readonly [readonly number[], readonly number[]],
  readonly [readonly number[], readonly number[]],
];

/** Accepted for compatibility with JAX; the CPU kernels always compute at full precision. */
export type Precision = "default" | "high" | "highest";

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
      `${OP}: ${side} ${what} dimensions must be a list of integers, got ${JSON.stringify(dims)}`,
    );
  }
  for (const d of dims as number[]) {
    if (d < 0 || d >= shape.length) {
      throw new Error(
        `${OP}: ${side} ${what} dimension ${d} is out of bounds for ${side} of shape ${shapeStr(shape)} ` +
          `(allowed: 0 to ${shape.length - 1})`,
      );
    }
  }
  return dims as number[];
}

interface DotLayout {
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
function dotLayout(lhs: ShapedArray, rhs: ShapedArray, params: DotGeneralParams): DotLayout {
  const dn = params.dimension_numbers;
  if (
    !globalThis.Array.isArray(dn) ||
    dn.length !== 2 ||
    !dn.every((p) => globalThis.Array.isArray(p) && p.length === 2)
  ) {
    throw new TypeError(
      `${OP}: dimensionNumbers must be [[lhsContracting, rhsContracting], [lhsBatch, rhsBatch]], got ${JSON.stringify(dn)}`,
    );
  }
  const lc = checkDims("lhs", "contracting", dn[0][0], lhs.shape);
  const rc = checkDims("rhs", "contracting", dn[0][1], rhs.shape);
  const lb = checkDims("lhs", "batch", dn[1][0], lhs.shape);
  const rb = checkDims("rhs", "batch", dn[1][1], rhs.shape);
  const shapes = `(lhs shape ${shapeStr(lhs.shape)}, rhs shape ${shapeStr(rhs.shape)})`;
  if (lb.length !== rb.length) {
    throw new Error(
      `${OP}: requires equal numbers of lhs and rhs batch dimensions, got lhs batch ${tuple(lb)} and rhs batch ${tuple(rb)} ${shapes}`,
    );
  }
  if (lc.length !== rc.length) {
    throw new Error(
      `${OP}: requires equal numbers of lhs and rhs contracting dimensions, got lhs contracting ${tuple(lc)} ` +
        `and rhs contracting ${tuple(rc)} ${shapes}`,
    );
  }
  for (const [side, dims] of [
    ["lhs", [...lb, ...lc]],
    ["rhs", [...rb, ...rc]],
  ] as const) {
    if (new Set(dims).size !== dims.length) {
      throw new Error(
        `${OP}: ${side} batch and contracting dimensions ${tuple(dims)} must be distinct ${shapes}`,
      );
    }
  }
  const sizes = (s: Shape, dims: number[]) => dims.map((d) => s[d]!);
  const mismatch = (a: number[], b: number[]) => a.some((v, i) => v !== b[i]);
  if (mismatch(sizes(lhs.shape, lb), sizes(rhs.shape, rb))) {
    throw new Error(
      `${OP}: lhs batch dimensions ${tuple(lb)} and rhs batch dimensions ${tuple(rb)} must have the same sizes, ` +
        `got ${tuple(sizes(lhs.shape, lb))} and ${tuple(sizes(rhs.shape, rb))} ${shapes}`,
    );
  }
  if (mismatch(sizes(lhs.shape, lc), sizes(rhs.shape, rc))) {
    throw new Error(
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

/** Copies x transposed by `perm` (row-major) into `out`. */
function permuteInto(
  data: TypedArray,
  shape: Shape,
  perm: number[],
  out: Float64Array | Int32Array,
): void {
  const total = sizeOf(shape);
  if (total === 0) return;
  if (perm.every((p, i) => p === i)) {
    out.set(data);
    return;
  }
  const strides = stridesOf(shape);
  const dims = perm.map((p) => shape[p]!);
  const st = perm.map((p) => strides[p]!);
  const nd = dims.length;
  const n = dims[nd - 1]!;
  const s = st[nd - 1]!;
  const idx = new Int32Array(nd);
  let src = 0;
  for (let dst = 0; dst < total; dst += n) {
    for (let j = 0; j < n; j++) out[dst + j] = data[src + j * s]!;
    for (let d = nd - 2; d >= 0; d--) {
      src += st[d]!;
      if (++idx[d]! < dims[d]!) break;
      src -= st[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
}

/** C[b] = A[b] · B[b] for A: [nb, m, k], B: [nb, k, n], accumulating rows in float64. */
function matmulF64(
  a: Float64Array,
  b: Float64Array,
  nb: number,
  m: number,
  k: number,
  n: number,
  out: TypedArray,
): void {
  const row = new Float64Array(n);
  for (let p = 0; p < nb; p++) {
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const ai = (p * m + i) * k;
      for (let q = 0; q < k; q++) {
        const av = a[ai + q]!;
        const bq = (p * k + q) * n;
        for (let j = 0; j < n; j++) row[j]! += av * b[bq + j]!;
      }
      out.set(row, (p * m + i) * n);
    }
  }
}

/** The same loop in wrapping 32-bit integer arithmetic (int32 and uint32 share the bits). */
function matmulI32(
  a: Int32Array,
  b: Int32Array,
  nb: number,
  m: number,
  k: number,
  n: number,
  out: TypedArray,
): void {
  const row = new Int32Array(n);
  for (let p = 0; p < nb; p++) {
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const ai = (p * m + i) * k;
      for (let q = 0; q < k; q++) {
        const av = a[ai + q]!;
        const bq = (p * k + q) * n;
        for (let j = 0; j < n; j++) row[j] = (row[j]! + Math.imul(av, b[bq + j]!)) | 0;
      }
      out.set(row, (p * m + i) * n);
    }
  }
}

function outAval(
  lhs: ShapedArray,
  rhs: ShapedArray,
  params: DotGeneralParams,
  L: DotLayout,
): ShapedArray {
  const weak = params.preferred_element_type === null && lhs.weakType && rhs.weakType;
  return new ShapedArray(L.outShape, L.outDtype, weak);
}

function dotGeneralImpl(lhs: ArrayImpl, rhs: ArrayImpl, params: DotGeneralParams): ArrayImpl {
  const L = dotLayout(lhs.aval, rhs.aval, params);
  const size = (s: Shape, dims: number[]) => sizeOf(dims.map((d) => s[d]!));
  const nb = size(lhs.shape, L.lb);
  const m = size(lhs.shape, L.lfree);
  const k = size(lhs.shape, L.lc);
  const n = size(rhs.shape, L.rfree);
  const out = allocate(L.outDtype, nb * m * n);
  const lhsPerm = [...L.lb, ...L.lfree, ...L.lc];
  const rhsPerm = [...L.rb, ...L.rc, ...L.rfree];
  if (isInteger(lhs.dtype) && isInteger(L.outDtype)) {
    const a = new Int32Array(lhs.size);
    const b = new Int32Array(rhs.size);
    permuteInto(lhs.data, lhs.shape, lhsPerm, a);
    permuteInto(rhs.data, rhs.shape, rhsPerm, b);
    matmulI32(a, b, nb, m, k, n, out);
  } else {
    const a = new Float64Array(lhs.size);
    const b = new Float64Array(rhs.size);
    permuteInto(lhs.data, lhs.shape, lhsPerm, a);
    permuteInto(rhs.data, rhs.shape, rhsPerm, b);
    if (isBool(L.outDtype)) {
      // A bool result is "any product true": count in float64 (a Uint8Array would wrap counts).
      const counts = new Float64Array(out.length);
      matmulF64(a, b, nb, m, k, n, counts);
      for (let i = 0; i < counts.length; i++) out[i] = counts[i]! !== 0 ? 1 : 0;
    } else {
      matmulF64(a, b, nb, m, k, n, out);
    }
  }
  return new ArrayImpl(outAval(lhs.aval, rhs.aval, params, L), out);
}

export const dotGeneralP: Primitive<DotGeneralParams> = new Primitive<DotGeneralParams>(
  "dot_general",
  {
    abstractEval: ([lhs, rhs], params) => [
      outAval(lhs!, rhs!, params, dotLayout(lhs!, rhs!, params)),
    ],
    impl: ([lhs, rhs], params) => [dotGeneralImpl(lhs!, rhs!, params)],
  },
);

export interface DotOptions {
  precision?: Precision | null;
  /** The accumulation and output dtype (e.g. float32 for integer inputs). */
  preferredElementType?: DType | null;
}

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
    precision: options.precision ?? null,
    preferred_element_type: options.preferredElementType ?? null,
  };
  return bind1(dotGeneralP, [l, r], params);
}

/** `lax.dot`: vector·vector (a scalar), matrix·vector, vector·matrix or matrix·matrix. */
export function dot(lhs: ArrayLike, rhs: ArrayLike, options: DotOptions = {}): Array {
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
