/**
 * Cumulative reductions along one axis: `cumsum`, `cumprod`, `cummax`,
 * `cummin`, `cumlogsumexp`, each a primitive as in JAX. Their kernels
 * accumulate in float64 and round once; integer results wrap modulo 2^32.
 * cumsum is linear (its transpose accumulates the other way); the others are
 * differentiated as an associative scan of their combining function, as JAX
 * does (_cumulative_jvp_rule), which is why they live with the loops.
 */
import type { Array } from "../../core/array.js";
import type { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { libraryImpl } from "../../core/library.js";
import { OPAQUE, Primitive, type Tangent, UndefinedPrimal, Zero } from "../../core/primitive.js";
import { bind1 } from "../../core/trace.js";
import { ValueError } from "../../errors.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { normalizeAxis, shapeStr } from "../../shape.js";
import { castToAval } from "../ad_util.js";
import {
  abs,
  add,
  convertElementType,
  exp,
  log1p,
  max,
  min,
  mul,
  ne,
  neg,
  selectN,
  sub,
} from "../elementwise.js";
import { checkDtype, type DtypeKind, jvpVia, linearJvp } from "../reductions.js";
import { associativeScan } from "./loops.js";

export interface CumulativeParams {
  axis: number;
  reverse: boolean;
}

/** The dtypes each cumulative reduction takes (its CPU kernel: backend/cpu/kernels/cumulative.ts). */
const KINDS: Readonly<Record<string, DtypeKind>> = {
  cumsum: "number",
  cumprod: "number",
  cummax: "real",
  cummin: "real",
  cumlogsumexp: "floating",
};

function cumulativePrimitive(name: string): Primitive<CumulativeParams> {
  const op = `lax.${name}`;
  const kind = KINDS[name]!;
  const abstractEval = (x: ShapedArray, { axis, reverse }: CumulativeParams): ShapedArray => {
    checkDtype(op, x.dtype, kind);
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.ndim) {
      throw new ValueError(
        `${op}: axis ${axis} is out of bounds for an operand of shape ${shapeStr(x.shape)}` +
          (x.ndim > 0 ? ` (allowed: 0 to ${x.ndim - 1})` : " (a 0-d array has no axes)"),
      );
    }
    if (typeof reverse !== "boolean") throw new TypeError(`${op}: reverse must be a boolean`);
    return x;
  };
  const prim: Primitive<CumulativeParams> = new Primitive<CumulativeParams>(name, {
    lower: { kind: "library", name },
    facts: OPAQUE,
    abstractEval: ([x], params) => [abstractEval(x!, params)],
    impl: libraryImpl<CumulativeParams>(name, ([x], params) => abstractEval(x!, params)),
    jvp: name === "cumsum" ? linearJvp(() => prim) : jvpVia(() => prim, scanOf(name)),
    transpose: name === "cumsum" ? cumsumTranspose : null,
    batch: ([x], [bdim], params) => {
      const b = bdim!;
      const out = bind1(prim, [x!], { ...params, axis: params.axis + (params.axis >= b ? 1 : 0) });
      return [[out], [b]];
    },
  });
  return prim;
}

/**
 * log(exp(a) + exp(b)) in lax ops (so that it can be differentiated): where
 * a - b is NaN (equal infinities) the correction term uses 0 instead, which
 * keeps NaN out of the derivatives too.
 */
function logaddexpOps(a: Array, b: Array): Array {
  const d = sub(a, b);
  const safe = selectN(ne(d, d), d, convertElementType(0, d.dtype, d.weakType));
  return add(max(a, b), log1p(exp(neg(abs(safe)))));
}

/**
 * JAX differentiates the cumulative ops other than cumsum through an
 * associative scan of their combining function (_cumulative_jvp_rule).
 */
function scanOf(name: string): (x: Array, params: CumulativeParams) => Array {
  const combine = (a: Array, b: Array): Array => {
    if (name === "cumprod") return mul(a, b);
    if (name === "cummax") return max(a, b);
    if (name === "cummin") return min(a, b);
    return logaddexpOps(a, b);
  };
  return (x, { axis, reverse }) => associativeScan(combine, x, { axis, reverse });
}

/** cumsum is linear; its transpose accumulates in the other direction. */
function cumsumTranspose(
  [ct]: Tangent[],
  [x]: (Array | UndefinedPrimal)[],
  params: CumulativeParams,
): (Tangent | null)[] {
  const aval = x!.aval;
  if (!(x instanceof UndefinedPrimal)) return [null];
  if (ct instanceof Zero) return [new Zero(aval)];
  const out = bind1(cumsumP, [ct!], { axis: params.axis, reverse: !params.reverse });
  return [castToAval(out, aval)];
}

export const cumsumP: Primitive<CumulativeParams> = cumulativePrimitive("cumsum");
export const cumprodP: Primitive<CumulativeParams> = cumulativePrimitive("cumprod");
export const cummaxP: Primitive<CumulativeParams> = cumulativePrimitive("cummax");
export const cumminP: Primitive<CumulativeParams> = cumulativePrimitive("cummin");
export const cumlogsumexpP: Primitive<CumulativeParams> = cumulativePrimitive("cumlogsumexp");

export interface CumulativeOptions {
  /** The axis to accumulate along (default 0; negative counts from the end). */
  axis?: number;
  /** Accumulate from the end of the axis towards its start. */
  reverse?: boolean;
}
const CUMULATIVE_KEYS: OptionKeys<CumulativeOptions> = { axis: true, reverse: true };

function cumulativeWith(
  prim: Primitive<CumulativeParams>,
  operand: ArrayLike,
  options: CumulativeOptions,
): Array {
  const op = `lax.${prim.name}`;
  options = checkOptions(op, options, CUMULATIVE_KEYS);
  const x = asArray(operand, op, "operand");
  const axis = x.ndim === 0 ? (options.axis ?? 0) : normalizeAxis(options.axis ?? 0, x.ndim, op);
  return bind1(prim, [x], { axis, reverse: options.reverse ?? false });
}

/** Cumulative sum along `axis` (default 0). */
export function cumsum(operand: ArrayLike, options: CumulativeOptions = {}): Array {
  return cumulativeWith(cumsumP, operand, options);
}
/** Cumulative product along `axis`. */
export function cumprod(operand: ArrayLike, options: CumulativeOptions = {}): Array {
  return cumulativeWith(cumprodP, operand, options);
}
/** Cumulative maximum along `axis` (NaN propagates). */
export function cummax(operand: ArrayLike, options: CumulativeOptions = {}): Array {
  return cumulativeWith(cummaxP, operand, options);
}
/** Cumulative minimum along `axis` (NaN propagates). */
export function cummin(operand: ArrayLike, options: CumulativeOptions = {}): Array {
  return cumulativeWith(cumminP, operand, options);
}
/** Cumulative log-sum-exp along `axis`: log(cumsum(exp(x))) without overflow. */
export function cumlogsumexp(operand: ArrayLike, options: CumulativeOptions = {}): Array {
  return cumulativeWith(cumlogsumexpP, operand, options);
}
