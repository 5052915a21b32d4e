/**
 * Elementwise primitives: unary math, arithmetic, comparisons, bitwise ops,
 * select_n, clamp and convert_element_type, with XLA's semantics (integer
 * division by zero, shifts past the bit width, saturating float-to-int
 * conversion...). Primitives take operands of one shape and dtype; the
 * wrappers, as jax.lax's, convert weakly-typed operands (JS numbers) to the
 * other operands' dtype and broadcast 0-d operands. Kernels compute in
 * doubles and store into the output's typed array, which rounds float32 once
 * and wraps int32/uint32 modulo 2^32.
 */
import { type Array, ArrayImpl, isArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray, scalarAs, scalarAval } from "../core/convert.js";
import { elementwiseImpl } from "../core/library.js";
import { Primitive, Zero } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import {
  ALL_DTYPES,
  canonicalize,
  type DType,
  defaultFloat,
  isComplex,
  isDType,
  isFloating,
  isInexact,
  promoteTypes,
  realDtype,
} from "../dtype.js";
import type { BinaryOp, ScalarBuilder } from "../ir/kernel.js";
import { kindOf } from "../options.js";
import { shapeStr, shapesEqual } from "../shape.js";
import { castToAval, instantiate, isZero, zerosLike } from "./ad_util.js";
import { conj, real } from "./complex.js";
import {
  batchElementwise,
  binop,
  COMPLEX,
  type CtRule,
  checkArity,
  checkDtype,
  checkSame,
  composedBinop,
  type Deriv,
  describeAval,
  type Emit,
  elementwise,
  FLOATS,
  floatUnop,
  INEXACT,
  INTS,
  inexactUnop,
  known,
  laxName,
  NUMERIC,
  REAL,
  transposeFrom,
  unary,
  unop,
} from "./elementwise_util.js";
import { broadcastInDim } from "./shape_ops.js";

// --- Unary primitives ----------------------------------------------------------

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** The dtypes with an order: all but the complex ones. */
const ORDERED: readonly DType[] = ALL_DTYPES.filter((d) => !isComplex(d));
const SIGNED: readonly DType[] = [...FLOATS, "int8", "int16", "int32", "int64"];

// Each scalar function is the IR op of the same name (ir/eval.ts); each
// derivative is JAX's formula, in its numerically careful form (tanh' = (1+y)(1-y)...).
export const negP = unop("neg", NUMERIC, (g) => neg(g), { transpose: (ct) => neg(ct) });
export const signP = unop("sign", NUMERIC, "zero");
export const floorP = floatUnop("floor", "zero");
export const ceilP = floatUnop("ceil", "zero");
export const isFiniteP = unop("is_finite", FLOATS, "zero", { outDtype: "bool" });
export const expP = inexactUnop("exp", (g, ans) => mul(g, ans));
export const exp2P = inexactUnop("exp2", (g, ans) => mul(mul(g, ans), Math.LN2));
export const logP = inexactUnop("log", (g, _, x) => div(g, x));
export const log1pP = inexactUnop("log1p", (g, _, x) => div(g, add(x, 1)));
export const expm1P = inexactUnop("expm1", (g, ans) => mul(g, add(ans, 1)));
export const tanhP = inexactUnop("tanh", (g, y) => mul(add(g, mul(g, y)), sub(1, y)));
export const logisticP = inexactUnop("logistic", (g, y) => mul(g, mul(y, sub(1, y))));
export const sinP = inexactUnop("sin", (g, _, x) => mul(g, cos(x)));
export const cosP = inexactUnop("cos", (g, _, x) => neg(mul(g, sin(x))));
export const tanP = inexactUnop("tan", (g, y) => mul(g, add(1, square(y))));
export const asinP = inexactUnop("asin", (g, _, x) => mul(g, rsqrt(sub(1, square(x)))));
export const acosP = inexactUnop("acos", (g, _, x) => neg(mul(g, rsqrt(sub(1, square(x))))));
export const atanP = inexactUnop("atan", (g, _, x) => div(g, add(1, square(x))));
export const sinhP = inexactUnop("sinh", (g, _, x) => mul(g, cosh(x)));
export const coshP = inexactUnop("cosh", (g, _, x) => mul(g, sinh(x)));
export const asinhP = inexactUnop("asinh", (g, _, x) => mul(g, rsqrt(add(square(x), 1))));
// JAX's acosh' is rsqrt(x² - 1) (not (x - 1)(x + 1), which is -inf rather than inf at x = -1).
export const acoshP = inexactUnop("acosh", (g, _, x) => mul(g, rsqrt(sub(square(x), 1))));
export const atanhP = inexactUnop("atanh", (g, _, x) => div(div(g, sub(1, x)), add(1, x)));
// sqrt' at 0 is inf, as in JAX.
export const sqrtP = inexactUnop("sqrt", (g, y) => mul(g, div(0.5, y)));
export const rsqrtP = inexactUnop("rsqrt", (g, y, x) => mul(g, mul(-0.5, div(y, x))));
export const cbrtP = floatUnop("cbrt", (g, y) => mul(g, mul(1 / 3, integerPow(y, -2))));
// abs of INT32_MIN wraps to itself, as in XLA; unsigned ints are rejected, as in JAX.
// Its derivative at 0 is 1, as JAX's; of a complex x it is real(g·conj(x)/|x|), 0 at 0
// (JAX's _abs_jvp_rule), and |x| has x's real dtype.
export const absP = unop(
  "abs",
  [...SIGNED, ...COMPLEX],
  (g, ans, x) =>
    isComplex(x.dtype)
      ? real(mul(g, div(conj(x), replaceZero(convertElementType(ans, x.dtype)))))
      : selectN(ge(x, 0), neg(g), g),
  { outDtype: realDtype },
);
export const squareP = unop("square", NUMERIC, (g, _, x) => mul(g, mul(2, x)));
export const erfP = floatUnop("erf", (g, _, x) =>
  mul(TWO_OVER_SQRT_PI, mul(g, exp(neg(square(x))))),
);
export const erfcP = floatUnop("erfc", (g, _, x) =>
  mul(-TWO_OVER_SQRT_PI, mul(g, exp(neg(square(x))))),
);
export const erfInvP = floatUnop("erf_inv", (g, y) =>
  mul(1 / TWO_OVER_SQRT_PI, mul(g, exp(square(y)))),
);
export const lgammaP = floatUnop("lgamma", (g, _, x) => mul(g, digamma(x)));
export const digammaP = floatUnop("digamma", (g, _, x) => mul(g, polygamma(1, x)));
export const notP = unop("not", ["bool", ...INTS], "zero");
export const populationCountP = unop("population_count", INTS, "zero");
export const clzP = unop("clz", INTS, "zero");

/** jax.lax.RoundingMethod. */
export const RoundingMethod = { AWAY_FROM_ZERO: 0, TO_NEAREST_EVEN: 1 } as const;
export type RoundingMethod = (typeof RoundingMethod)[keyof typeof RoundingMethod];

export interface RoundParams {
  rounding_method: RoundingMethod;
}
export const roundP = unary<RoundParams>(
  "round",
  FLOATS,
  (b, [x], { rounding_method }) =>
    b.unary(rounding_method === RoundingMethod.TO_NEAREST_EVEN ? "round_even" : "round_away", x!),
  "zero",
);

export interface IntegerPowParams {
  y: number;
}
/** x^y by repeated squaring, as XLA expands integer_pow (ints wrap modulo 2^32). */
function integerPowEmit(b: ScalarBuilder, x: number, y: number): number {
  let acc = -1;
  let base = x;
  for (let k = Math.abs(y); k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) acc = acc < 0 ? base : b.binary("mul", acc, base);
    if (k > 1) base = b.binary("mul", base, base);
  }
  if (acc < 0) acc = b.konst(1, b.dtype(x));
  return y < 0 ? b.binary("div", b.konst(1, b.dtype(x)), acc) : acc;
}
export const integerPowP = unary<IntegerPowParams>(
  "integer_pow",
  NUMERIC,
  (b, [x], { y }) => integerPowEmit(b, x!, y),
  ({ y }) => (y === 0 ? "zero" : [(g, _, x) => mul(g, mul(y, integerPow(x, y - 1)))]),
  {
    check: (x, { y }) => {
      if (!Number.isSafeInteger(y)) {
        throw new TypeError(`lax.integerPow: the exponent y must be an integer, got ${y}`);
      }
      if (y < 0 && !isInexact(x.dtype)) {
        throw new TypeError(
          `lax.integerPow: integers cannot be raised to negative powers, got integerPow(x, ${y}) with x of dtype ${x.dtype}`,
        );
      }
    },
  },
);

export interface ConvertElementTypeParams {
  new_dtype: DType;
  weak_type: boolean;
}

function convertAval(
  avals: ShapedArray[],
  { new_dtype, weak_type }: ConvertElementTypeParams,
): ShapedArray[] {
  checkArity("lax.convertElementType", avals, 1);
  if (!isDType(new_dtype)) {
    throw new TypeError(
      `lax.convertElementType: new_dtype must be one of ${ALL_DTYPES.join(", ")}, got ${kindOf(new_dtype)}`,
    );
  }
  return [new ShapedArray(avals[0]!.shape, new_dtype, weak_type && new_dtype !== "bool")];
}
// Linear between float types; to or from ints and bools, tangents are zero (jvpFrom).
export const convertElementTypeP = elementwise<ConvertElementTypeParams>(
  "convert_element_type",
  convertAval,
  // Float to int truncates toward zero and saturates, with NaN -> 0 (XLA CPU's conversion).
  (b, [x], { new_dtype }) => b.convert(x!, new_dtype),
  [(g, y) => castToAval(g, y.aval)],
  { transpose: [(ct, [x]) => (isInexact(x!.aval.dtype) ? ct : new Zero(x!.aval))], cost: "free" },
);

export const copyP = elementwise(
  "copy",
  (avals) => {
    checkArity("lax.copy", avals, 1);
    return [avals[0]!];
  },
  (_b, [x]) => x!,
  [(g) => copy(g)],
  { transpose: [(ct) => copy(ct)], cost: "free" },
);

// --- Binary primitives -----------------------------------------------------------

/** JAX's _balanced_eq for max/min: 1 where x attains the extreme z, split 50/50 on a tie with y. */
function balancedEq(x: Array, z: Array, y: Array): Array {
  return div(convertElementType(eq(x, z), z.dtype), add(convertElementType(eq(y, z), z.dtype), 1));
}

const same: Deriv = (g) => g;
export const addP = binop("add", NUMERIC, [same, same], {
  transpose: [(ct) => ct, (ct) => ct],
});
export const subP = binop("sub", NUMERIC, [same, (g) => neg(g)], {
  transpose: [(ct) => ct, (ct) => neg(ct)],
});
export const mulP = binop("mul", NUMERIC, [(g, _, _x, y) => mul(g, y), (g, _, x) => mul(x, g)], {
  transpose: [(ct, [, y]) => mul(ct, known(y!, "mul")), (ct, [x]) => mul(known(x!, "mul"), ct)],
});
export const divP = binop(
  "div",
  NUMERIC,
  [(g, _, _x, y) => div(g, y), (g, _, x, y) => mul(mul(neg(g), x), integerPow(y, -2))],
  { transpose: [(ct, [, y]) => div(ct, known(y!, "div")), null] },
);
// d/dy (x rem y) = -trunc(x / y).
export const remP = binop("rem", REAL, [
  same,
  (g, _, x, y) => mul(neg(g), mul(sign(div(x, y)), floor(abs(div(x, y))))),
]);
const extremeDerivs: Deriv[] = [
  (g, z, x, y) => mul(g, balancedEq(x, z, y)),
  (g, z, x, y) => mul(g, balancedEq(y, z, x)),
];
// Complex numbers order lexicographically here (real part, then imaginary), as JAX's max/min.
export const maxP = binop("max", ALL_DTYPES, extremeDerivs);
export const minP = binop("min", ALL_DTYPES, extremeDerivs);
export const atan2P = binop("atan2", FLOATS, [
  (g, _, x, y) => mul(g, div(y, add(square(x), square(y)))),
  (g, _, x, y) => mul(g, div(neg(x), add(square(x), square(y)))),
]);
// nextafter(x, y) is x plus a piecewise-constant step: slope 1 in x, 0 in y
// (JAX defines no derivative).
// Not the half dtypes: computed in float32 and rounded, the next float32 would round back.
export const nextafterP = binop("nextafter", ["float32", "float64"], [same, null]);

/** x with +inf replaced by 0 (JAX's _replace_inf in lax/other.py: -inf is kept). */
const replaceInf = (x: Array): Array => selectN(eq(x, Infinity), x, 0);
// log(exp(x) + exp(y)) without overflow: max + log1p(exp(-|x - y|)), or the max alone where
// the difference is not finite (equal infinities). The derivative is JAX's custom_jvp of
// logaddexp (lax/other.py): exp(x - out) with +inf read as 0, so 1/2 each at x = y, 1 at
// (inf, inf), and NaN at (-inf, -inf) (exp(-inf + inf)), as in JAX.
export const logaddexpP = composedBinop(
  "logaddexp",
  FLOATS,
  (b, [x, y]) => {
    const m = b.binary("max", x!, y!);
    const d = b.unary("neg", b.unary("abs", b.binary("sub", x!, y!)));
    const smooth = b.binary("add", m, b.unary("log1p", b.unary("exp", d)));
    return b.select(b.unary("is_finite", d), [m, smooth]);
  },
  [
    (g, z, x) => mul(g, exp(sub(replaceInf(x), replaceInf(z)))),
    (g, z, _x, y) => mul(g, exp(sub(replaceInf(y), replaceInf(z)))),
  ],
);

const compare = (name: BinaryOp, allowed: readonly DType[]) =>
  binop(name, allowed, "zero", { outDtype: "bool" });
// Complex numbers compare for equality only (they have no order).
export const eqP = compare("eq", ALL_DTYPES);
export const neP = compare("ne", ALL_DTYPES);
export const ltP = compare("lt", ORDERED);
export const leP = compare("le", ORDERED);
export const gtP = compare("gt", ORDERED);
export const geP = compare("ge", ORDERED);

// On bools (stored 0/1) the bitwise operators are the logical ones.
const bitwise = (name: BinaryOp) => binop(name, ["bool", ...INTS], "zero");
export const andP = bitwise("and");
export const orP = bitwise("or");
export const xorP = bitwise("xor");

// Shift amounts are read as unsigned; from 32 on, XLA gives 0, or the sign for arithmetic shifts.
export const shiftLeftP = binop("shift_left", INTS, "zero");
export const shiftRightLogicalP = binop("shift_right_logical", INTS, "zero");
export const shiftRightArithmeticP = binop("shift_right_arithmetic", INTS, "zero");

// polygamma(m, x), the m-th derivative of digamma; JAX has no derivative in m either.
export const polygammaP = binop("polygamma", FLOATS, [
  () => {
    throw new Error("lax.polygamma: differentiation with respect to m is not supported");
  },
  (g, _, m, x) => mul(g, polygamma(add(m, 1), x)),
]);

/** pow: a float base; the exponent has the base's dtype or is an integer. */
function powAval(avals: ShapedArray[]): ShapedArray[] {
  checkArity("lax.pow", avals, 2);
  const [x, y] = avals as [ShapedArray, ShapedArray];
  checkDtype("lax.pow", "x", x.dtype, INEXACT);
  if (!INTS.includes(y.dtype)) checkSame("lax.pow", ["x", "y"], avals);
  else checkSame("lax.pow", ["x", "y"], [x, y.withDtype(x.dtype, y.weakType)]);
  return [new ShapedArray(x.shape, x.dtype, x.weakType && y.weakType)];
}
/** x with its zeros replaced by ones (JAX's _replace_zero), so that log(x) and 0 * x^-1 stay finite. */
const replaceZero = (x: Array): Array => selectN(eq(x, 0), x, 1);
// JAX's pow derivatives: d/dx = y x^(y-1), with 0 where an integer y is 0;
// d/dy = log(x) x^y, with 0 at x = 0.
export const powP = elementwise(
  "pow",
  powAval,
  // C's pow; an integer exponent is used exactly (in float64, rounded once to x's dtype).
  (b, [x, y]) => {
    const d = b.dtype(x!);
    if (b.dtype(y!) === d) return b.binary("pow", x!, y!);
    const p = b.binary("pow", b.convert(x!, "float64"), b.convert(y!, "float64"));
    return b.convert(p, d);
  },
  [
    (g, _, x, y) => {
      if (isInexact(y.dtype)) return mul(g, mul(y, pow(x, sub(y, 1))));
      const yf = replaceZero(convertElementType(y, x.dtype));
      return mul(g, selectN(eq(y, 0), mul(yf, pow(x, sub(y, 1))), 0));
    },
    (g, ans, x) => mul(g, mul(log(replaceZero(x)), ans)),
  ],
);

// --- select_n and clamp -----------------------------------------------------------

function selectNAval(avals: ShapedArray[]): ShapedArray[] {
  const op = "lax.selectN";
  const [which, ...cases] = avals;
  if (which === undefined || cases.length === 0) {
    throw new TypeError(
      `${op} requires a predicate and at least one case, got ${avals.length} operands`,
    );
  }
  checkDtype(op, "which", which.dtype, ["bool", "int32"]);
  if (which.dtype === "bool" && cases.length > 2) {
    throw new TypeError(
      `${op}: a bool predicate selects between at most 2 cases, got ${cases.length}`,
    );
  }
  checkSame(
    op,
    cases.map((_, i) => `case ${i}`),
    cases,
  );
  const c0 = cases[0]!;
  if (which.ndim !== 0 && !shapesEqual(which.shape, c0.shape)) {
    throw new TypeError(
      `${op}: the predicate must be 0-d or have the shape of the cases, got which: ${shapeStr(which.shape)} and cases: ${shapeStr(c0.shape)}`,
    );
  }
  return [
    new ShapedArray(
      c0.shape,
      c0.dtype,
      cases.every((c) => c.weakType),
    ),
  ];
}
const selectNEmit: Emit<object> = (b, [which, ...cases]) => b.select(which!, cases);
/** The cotangent of case i of select_n: ct where which picks i, zeros elsewhere. */
const selectCaseCt =
  (i: number): CtRule =>
  (ct, [which, ...cases]) => {
    const zeros = zerosLike(ct.aval);
    const w = known(which!, "select_n");
    return bind1(selectNP, [w, ...cases.map((_, j) => (j === i ? ct : zeros))], {});
  };
export const selectNP: Primitive = new Primitive("select_n", {
  abstractEval: selectNAval,
  // Out-of-range indices pick the first or last case, as XLA's nested selects do.
  impl: elementwiseImpl(selectNAval, selectNEmit),
  // Linear in the cases, not in the predicate.
  jvp: ([which, ...cases], [, ...ts]) => {
    const ans = bind1(selectNP, [which!, ...cases], {});
    if (!isFloating(ans.dtype) || ts.every((t) => isZero(t))) return [[ans], [new Zero(ans.aval)]];
    const t = bind1(selectNP, [which!, ...ts.map(instantiate)], {});
    return [[ans], [castToAval(t, ans.aval)]];
  },
  transpose: (cts, args, params) =>
    transposeFrom("select_n", [null, ...args.slice(1).map((_, i) => selectCaseCt(i))])(
      cts,
      args,
      params,
    ),
  batch: (args, dims, params, axis) => batchElementwise(selectNP, args, dims, params, axis),
  lower: { kind: "elementwise", emit: selectNEmit },
  facts: { pure: true, foldable: true, cost: "compute" },
});

function clampAval(avals: ShapedArray[]): ShapedArray[] {
  const op = "lax.clamp";
  checkArity(op, avals, 3);
  const [lo, x, hi] = avals as [ShapedArray, ShapedArray, ShapedArray];
  const names = ["min", "x", "max"];
  checkSame(
    op,
    names,
    avals.map((a) => a.withShape(x.shape)),
  );
  for (const [a, name] of [
    [lo, "min"],
    [hi, "max"],
  ] as const) {
    if (a.ndim !== 0 && !shapesEqual(a.shape, x.shape)) {
      throw new TypeError(
        `${op}: ${name} must be 0-d or have the shape of x, got ${name}: ${shapeStr(a.shape)} and x: ${shapeStr(x.shape)}`,
      );
    }
  }
  return [
    new ShapedArray(
      x.shape,
      x.dtype,
      avals.every((a) => a.weakType),
    ),
  ];
}
// JAX's clamp derivatives: the tangent of whichever of min, x, max the result is.
export const clampP: Primitive = elementwise(
  "clamp",
  clampAval,
  (b, [lo, x, hi]) => b.binary("min", b.binary("max", x!, lo!), hi!),
  [
    (g, _, lo, x, hi) => selectN(bitwiseAnd(gt(lo, x), lt(lo, hi)), 0, g),
    (g, _, lo, x, hi) => selectN(bitwiseAnd(gt(x, lo), lt(x, hi)), 0, g),
    (g, _, _lo, x, hi) => selectN(lt(hi, x), 0, g),
  ],
);

// --- Wrappers: jax.lax's functions ------------------------------------------------

type Unary = (x: ArrayLike) => Array;
type Binary = (x: ArrayLike, y: ArrayLike) => Array;

/**
 * The operands of an n-ary op, made to agree as jax.lax does: weakly-typed
 * operands (JS numbers, or arrays computed only from them) take the dtype of
 * the strongly-typed ones when that loses nothing (a weak int becomes float32,
 * a weak float never becomes an int); if all are weak, they are promoted
 * together. With `floatOnly`, bare JS numbers count as floats (JS cannot tell
 * 2 from 2.0). With `broadcast`, 0-d operands are broadcast to the others' shape.
 */
function unify(
  op: string,
  names: readonly string[],
  xs: readonly ArrayLike[],
  opts: { floatOnly?: boolean; broadcast?: boolean } = {},
): Array[] {
  const raw = (x: ArrayLike): x is number | boolean =>
    typeof x === "number" || typeof x === "boolean";
  const asFloat = (opts.floatOnly ?? false) && xs.every((x) => typeof x === "number");
  // JS scalars are typed (scalarAval) but made arrays only once the target dtype
  // is known, from their own value: 3e9 never passes through a wrapped int32.
  const arrs = xs.map((x, i) =>
    asFloat
      ? ArrayImpl.scalar(x as number, defaultFloat(), true)
      : raw(x)
        ? null
        : asArray(x, op, names[i]),
  );
  const avals = arrs.map((a, i) => a?.aval ?? scalarAval(xs[i] as number | boolean));
  const strong = avals.filter((a) => !a.weakType);
  let target = promoteTypes(...avals);
  if (strong.length > 0) {
    target = { dtype: strong[0]!.dtype, weakType: false };
    // Strong operands must agree; weak ones must convert without loss.
    const lossless = avals.every((a) => {
      const p = promoteTypes(a, target);
      return a.weakType ? p.dtype === target.dtype && !p.weakType : a.dtype === target.dtype;
    });
    if (!lossless) {
      const got = avals.map((a, i) => `${names[i]}: ${describeAval(a)}`).join(", ");
      throw new TypeError(
        `${op} requires arguments to have the same dtype, got ${got}; a weakly-typed value ` +
          "(a JS number) takes the other dtype only without loss: convert with lax.convertElementType",
      );
    }
  }
  const converted = arrs.map((a, i) => {
    if (a === null) return scalarAs(xs[i] as number | boolean, target.dtype, target.weakType, op);
    if (a.dtype === target.dtype && a.weakType === target.weakType) return a;
    const x = xs[i]!;
    return raw(x)
      ? scalarAs(x, target.dtype, target.weakType, op)
      : convertElementType(a, target.dtype, target.weakType);
  });
  return opts.broadcast ? broadcastScalars(op, names, converted) : converted;
}

/** Broadcasts 0-d operands to the shape of the others, which must all be equal. */
function broadcastScalars(op: string, names: readonly string[], arrs: Array[]): Array[] {
  const shape = arrs.find((a) => a.ndim > 0)?.shape;
  if (shape === undefined) return arrs;
  if (arrs.some((a) => a.ndim > 0 && !shapesEqual(a.shape, shape))) {
    const got = arrs.map((a, i) => `${names[i]}: ${describeAval(a.aval)}`).join(", ");
    throw new TypeError(
      `${op} requires arguments to have equal shapes (a 0-d argument is broadcast), got ${got}; ` +
        "use jnp functions for NumPy broadcasting",
    );
  }
  return arrs.map((a) => (a.ndim === 0 ? broadcastInDim(a, shape, []) : a));
}

function unaryWrapper(prim: Primitive, floatOnly = false): Unary {
  const op = laxName(prim.name);
  return (x) => {
    const arr =
      floatOnly && typeof x === "number"
        ? ArrayImpl.scalar(x, defaultFloat(), true)
        : asArray(x, op, "x");
    return bind1(prim, [arr], {});
  };
}

function binaryWrapper(
  prim: Primitive,
  floatOnly = false,
  names: readonly string[] = ["x", "y"],
): Binary {
  const op = laxName(prim.name);
  return (x, y) => bind1(prim, unify(op, names, [x, y], { floatOnly, broadcast: true }), {});
}

export const neg: Unary = unaryWrapper(negP);
export const sign: Unary = unaryWrapper(signP);
export const floor: Unary = unaryWrapper(floorP, true);
export const ceil: Unary = unaryWrapper(ceilP, true);
export const isFinite: Unary = unaryWrapper(isFiniteP, true);
export const exp: Unary = unaryWrapper(expP, true);
export const exp2: Unary = unaryWrapper(exp2P, true);
export const log: Unary = unaryWrapper(logP, true);
export const log1p: Unary = unaryWrapper(log1pP, true);
export const expm1: Unary = unaryWrapper(expm1P, true);
export const tanh: Unary = unaryWrapper(tanhP, true);
export const logistic: Unary = unaryWrapper(logisticP, true);
export const sin: Unary = unaryWrapper(sinP, true);
export const cos: Unary = unaryWrapper(cosP, true);
export const tan: Unary = unaryWrapper(tanP, true);
export const asin: Unary = unaryWrapper(asinP, true);
export const acos: Unary = unaryWrapper(acosP, true);
export const atan: Unary = unaryWrapper(atanP, true);
export const sinh: Unary = unaryWrapper(sinhP, true);
export const cosh: Unary = unaryWrapper(coshP, true);
export const asinh: Unary = unaryWrapper(asinhP, true);
export const acosh: Unary = unaryWrapper(acoshP, true);
export const atanh: Unary = unaryWrapper(atanhP, true);
export const sqrt: Unary = unaryWrapper(sqrtP, true);
export const rsqrt: Unary = unaryWrapper(rsqrtP, true);
export const cbrt: Unary = unaryWrapper(cbrtP, true);
export const abs: Unary = unaryWrapper(absP);
export const square: Unary = unaryWrapper(squareP);
export const erf: Unary = unaryWrapper(erfP, true);
export const erfc: Unary = unaryWrapper(erfcP, true);
export const erfInv: Unary = unaryWrapper(erfInvP, true);
export const lgamma: Unary = unaryWrapper(lgammaP, true);
export const digamma: Unary = unaryWrapper(digammaP, true);
export const bitwiseNot: Unary = unaryWrapper(notP);
export const populationCount: Unary = unaryWrapper(populationCountP);
export const clz: Unary = unaryWrapper(clzP);

/** `lax.round(x, roundingMethod)`: 0 (AWAY_FROM_ZERO, the default) or 1 (TO_NEAREST_EVEN). */
export function round(
  x: ArrayLike,
  roundingMethod: RoundingMethod = RoundingMethod.AWAY_FROM_ZERO,
): Array {
  if (roundingMethod !== 0 && roundingMethod !== 1) {
    throw new TypeError(
      `lax.round: roundingMethod must be 0 (AWAY_FROM_ZERO) or 1 (TO_NEAREST_EVEN), got ${String(roundingMethod)}`,
    );
  }
  const arr =
    typeof x === "number"
      ? ArrayImpl.scalar(x, defaultFloat(), true)
      : asArray(x, "lax.round", "x");
  return bind1(roundP, [arr], { rounding_method: roundingMethod });
}

/** `lax.integer_pow(x, y)`: x to a static integer power. */
export function integerPow(x: ArrayLike, y: number): Array {
  if (typeof y !== "number" || !Number.isSafeInteger(y)) {
    throw new TypeError(`lax.integerPow: the exponent y must be a JS integer, got ${String(y)}`);
  }
  return bind1(integerPowP, [asArray(x, "lax.integerPow", "x")], { y });
}

export const add: Binary = binaryWrapper(addP);
export const sub: Binary = binaryWrapper(subP);
export const mul: Binary = binaryWrapper(mulP);
export const div: Binary = binaryWrapper(divP);
export const rem: Binary = binaryWrapper(remP);
export const max: Binary = binaryWrapper(maxP);
export const min: Binary = binaryWrapper(minP);
export const atan2: Binary = binaryWrapper(atan2P, true);
export const nextafter: Binary = binaryWrapper(nextafterP, true, ["x1", "x2"]);
/** `lax.logaddexp(x, y)`: log(exp(x) + exp(y)), computed without overflow. */
export const logaddexp: Binary = binaryWrapper(logaddexpP, true);
/** `lax.polygamma(m, x)`: the m-th derivative of digamma at x (m a non-negative integer, else NaN). */
export const polygamma: Binary = binaryWrapper(polygammaP, true, ["m", "x"]);
export const eq: Binary = binaryWrapper(eqP);
export const ne: Binary = binaryWrapper(neP);
export const lt: Binary = binaryWrapper(ltP);
export const le: Binary = binaryWrapper(leP);
export const gt: Binary = binaryWrapper(gtP);
export const ge: Binary = binaryWrapper(geP);
export const bitwiseAnd: Binary = binaryWrapper(andP);
export const bitwiseOr: Binary = binaryWrapper(orP);
export const bitwiseXor: Binary = binaryWrapper(xorP);
export const shiftLeft: Binary = binaryWrapper(shiftLeftP);
export const shiftRightLogical: Binary = binaryWrapper(shiftRightLogicalP);
export const shiftRightArithmetic: Binary = binaryWrapper(shiftRightArithmeticP);

/** `lax.pow(x, y)`: a float base; an integer-typed exponent is kept as it is. */
export function pow(x: ArrayLike, y: ArrayLike): Array {
  const names = ["x", "y"];
  if (isArray(y) && !y.weakType && INTS.includes(y.dtype)) {
    const [base] = unify("lax.pow", names, [x], { floatOnly: true });
    return bind1(powP, broadcastScalars("lax.pow", names, [base!, y]), {});
  }
  return bind1(powP, unify("lax.pow", names, [x, y], { floatOnly: true, broadcast: true }), {});
}

/** `lax.select_n(which, ...cases)`: cases[which], elementwise (which: bool or int32). */
export function selectN(which: ArrayLike, ...cases: ArrayLike[]): Array {
  const w = asArray(which, "lax.selectN", "which");
  const names = cases.map((_, i) => `case ${i}`);
  const cs = unify("lax.selectN", names, cases, { broadcast: true });
  // 0-d cases are broadcast to the predicate's shape when nothing else gives one.
  if (w.ndim > 0 && cs.every((c) => c.ndim === 0)) {
    return bind1(selectNP, [w, ...cs.map((c) => broadcastInDim(c, w.shape, []))], {});
  }
  return bind1(selectNP, [w, ...cs], {});
}

/** `lax.clamp(min, x, max)`: min and max are 0-d or shaped like x. */
export function clamp(min: ArrayLike, x: ArrayLike, max: ArrayLike): Array {
  return bind1(clampP, unify("lax.clamp", ["min", "x", "max"], [min, x, max]), {});
}

/**
 * `lax.convert_element_type(x, newDtype)`; `weakType` marks the result weakly
 * typed (for jnp's promotion). float64 becomes float32 unless x64 is on.
 */
export function convertElementType(x: ArrayLike, newDtype: DType, weakType = false): Array {
  if (!isDType(newDtype)) {
    throw new TypeError(
      `lax.convertElementType: newDtype must be one of ${ALL_DTYPES.join(", ")}, got ${kindOf(newDtype)}`,
    );
  }
  const params = { new_dtype: canonicalize(newDtype), weak_type: weakType && newDtype !== "bool" };
  // A JS scalar converts from its own value (3e9 to float32 is 3e9, to int32 an error).
  if (typeof x === "number" || typeof x === "boolean") {
    return scalarAs(x, params.new_dtype, params.weak_type, "lax.convertElementType");
  }
  const arr = asArray(x, "lax.convertElementType", "x");
  if (arr.dtype === params.new_dtype && arr.weakType === params.weak_type) return arr;
  return bind1(convertElementTypeP, [arr], params);
}

/** `lax.copy`: the same values in a new array. */
export function copy(x: ArrayLike): Array {
  return bind1(copyP, [asArray(x, "lax.copy", "x")], {});
}
