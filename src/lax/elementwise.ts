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
import { type ArrayLike, asArray } from "../core/convert.js";
import { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import {
  ALL_DTYPES,
  allocate,
  canonicalize,
  type DType,
  defaultFloat,
  isDType,
  isFloating,
  promoteTypes,
  type TypedArray,
} from "../dtype.js";
import { shapeStr, shapesEqual } from "../shape.js";
import { broadcastInDim } from "./shape_ops.js";
import * as sp from "./special.js";

type F1 = (a: number) => number;
type F2 = (a: number, b: number) => number;
/** A kernel per accepted dtype; the dtypes an op accepts are exactly its kernels' keys. */
type Kernels<F> = Partial<Record<DType, F>>;

const FLOATS: readonly DType[] = ["float32", "float64"];
const INTS: readonly DType[] = ["int32", "uint32"];

function floats<F>(f: F): Kernels<F> {
  return { float32: f, float64: f };
}
function ints<F>(f: F): Kernels<F> {
  return { int32: f, uint32: f };
}
function every<F>(f: F): Kernels<F> {
  return Object.fromEntries(ALL_DTYPES.map((d) => [d, f])) as Kernels<F>;
}

// --- Checks shared by the abstract evaluation rules ---------------------------

// The public names of primitives whose jax.lax function has another name.
const API_NAMES: Record<string, string> = {
  and: "bitwiseAnd",
  or: "bitwiseOr",
  xor: "bitwiseXor",
  not: "bitwiseNot",
};

/** `lax.<camelCase name>`, as users call it: is_finite -> lax.isFinite. */
function laxName(prim: string): string {
  const n = API_NAMES[prim] ?? prim.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return `lax.${n}`;
}

function describeAval(a: ShapedArray): string {
  return `${a.dtype}${a.weakType ? " (weak)" : ""} ${shapeStr(a.shape)}`;
}

function checkArity(op: string, avals: readonly ShapedArray[], n: number): void {
  if (avals.length !== n) {
    throw new TypeError(`${op} takes ${n} operand${n === 1 ? "" : "s"}, got ${avals.length}`);
  }
}

function checkDtype(op: string, arg: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype)) {
    throw new TypeError(
      `${op} does not accept dtype ${dtype} (argument ${arg}); accepted dtypes: ${allowed.join(", ")}`,
    );
  }
}

/** Operands of an n-ary op must agree in shape and dtype (weak types aside). */
function checkSame(op: string, names: readonly string[], avals: readonly ShapedArray[]): void {
  const [first] = avals;
  const got = () => avals.map((a, i) => `${names[i]}: ${describeAval(a)}`).join(", ");
  if (avals.some((a) => a.dtype !== first!.dtype)) {
    throw new TypeError(`${op} requires arguments to have the same dtype, got ${got()}`);
  }
  if (avals.some((a) => !shapesEqual(a.shape, first!.shape))) {
    throw new TypeError(`${op} requires arguments to have the same shape, got ${got()}`);
  }
}

// --- Kernel loops (one output allocation each) --------------------------------

function map1(f: F1, x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]!);
}

function map2(f: F2, x: TypedArray, y: TypedArray, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]!, y[i]!);
}

function avalsOf(args: readonly ArrayImpl[]): ShapedArray[] {
  return args.map((a) => a.aval);
}

function result(aval: ShapedArray, data: TypedArray): ArrayImpl[] {
  return [new ArrayImpl(aval, data)];
}

// --- Unary primitives ----------------------------------------------------------

/**
 * A unary primitive; `pick` chooses the kernel from the dtype and params,
 * `allowed` lists the accepted dtypes, `outDtype` fixes the result dtype and
 * `check` validates the params against the operand.
 */
function unary<P extends object>(
  name: string,
  allowed: readonly DType[],
  pick: (dtype: DType, params: P) => F1,
  opts: { outDtype?: DType; check?: (x: ShapedArray, params: P) => void } = {},
): Primitive<P> {
  const op = laxName(name);
  const { outDtype, check } = opts;
  const abstractEval = (avals: ShapedArray[], params: P): ShapedArray[] => {
    checkArity(op, avals, 1);
    const x = avals[0]!;
    checkDtype(op, "x", x.dtype, allowed);
    check?.(x, params);
    return [outDtype === undefined ? x : new ShapedArray(x.shape, outDtype, false)];
  };
  return new Primitive<P>(name, {
    abstractEval,
    impl: (args, params) => {
      const x = args[0]!;
      const aval = abstractEval([x.aval], params)[0]!;
      const out = allocate(aval.dtype, aval.size);
      map1(pick(x.dtype, params), x.data, out);
      return result(aval, out);
    },
  });
}

/** A unary primitive without params, one kernel per accepted dtype. */
function unop(name: string, kernels: Kernels<F1>, outDtype?: DType): Primitive {
  const allowed = ALL_DTYPES.filter((d) => kernels[d] !== undefined);
  return unary<object>(name, allowed, (d) => kernels[d]!, { outDtype });
}

function floatUnop(name: string, f: F1): Primitive {
  return unop(name, floats(f));
}

const mulK: F2 = (a, b) => a * b;
const negK = (a: number) => -a;
const signK = (a: number) => (a > 0 ? 1 : a < 0 ? -1 : a); // keeps -0 and NaN, as XLA
const imulSquare = (a: number) => Math.imul(a, a);
const isFiniteK = (a: number) => (Number.isFinite(a) ? 1 : 0);

export const negP = unop("neg", { ...floats(negK), ...ints(negK) });
export const signP = unop("sign", {
  ...floats(signK),
  int32: signK,
  uint32: (a) => (a > 0 ? 1 : 0),
});
export const floorP = floatUnop("floor", Math.floor);
export const ceilP = floatUnop("ceil", Math.ceil);
export const isFiniteP = unop("is_finite", floats(isFiniteK), "bool");
export const expP = floatUnop("exp", Math.exp);
export const exp2P = floatUnop("exp2", (a) => 2 ** a);
export const logP = floatUnop("log", Math.log);
export const log1pP = floatUnop("log1p", Math.log1p);
export const expm1P = floatUnop("expm1", Math.expm1);
export const tanhP = floatUnop("tanh", Math.tanh);
export const logisticP = floatUnop("logistic", (a) => 1 / (1 + Math.exp(-a)));
export const sinP = floatUnop("sin", Math.sin);
export const cosP = floatUnop("cos", Math.cos);
export const tanP = floatUnop("tan", Math.tan);
export const asinP = floatUnop("asin", Math.asin);
export const acosP = floatUnop("acos", Math.acos);
export const atanP = floatUnop("atan", Math.atan);
export const sinhP = floatUnop("sinh", Math.sinh);
export const coshP = floatUnop("cosh", Math.cosh);
export const asinhP = floatUnop("asinh", Math.asinh);
export const acoshP = floatUnop("acosh", Math.acosh);
export const atanhP = floatUnop("atanh", Math.atanh);
export const sqrtP = floatUnop("sqrt", Math.sqrt);
export const rsqrtP = floatUnop("rsqrt", (a) => 1 / Math.sqrt(a));
export const cbrtP = floatUnop("cbrt", Math.cbrt);
// abs of INT32_MIN wraps to itself, as in XLA; unsigned ints are rejected, as in JAX.
export const absP = unop("abs", { ...floats(Math.abs), int32: Math.abs });
export const squareP = unop("square", { ...floats((a) => a * a), ...ints(imulSquare) });
export const erfP = floatUnop("erf", sp.erf);
export const erfcP = floatUnop("erfc", sp.erfc);
export const erfInvP = floatUnop("erf_inv", sp.erfInv);
export const lgammaP = floatUnop("lgamma", sp.lgamma);
export const digammaP = floatUnop("digamma", sp.digamma);
export const notP = unop("not", { bool: (a) => 1 - a, ...ints((a) => ~a) });
export const populationCountP = unop("population_count", ints(popcount));
export const clzP = unop("clz", ints(Math.clz32));

function popcount(a: number): number {
  let v = a >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** jax.lax.RoundingMethod. */
export const RoundingMethod = { AWAY_FROM_ZERO: 0, TO_NEAREST_EVEN: 1 } as const;
export type RoundingMethod = (typeof RoundingMethod)[keyof typeof RoundingMethod];

export interface RoundParams {
  rounding_method: RoundingMethod;
}
export const roundP = unary<RoundParams>("round", FLOATS, (_d, { rounding_method }) =>
  rounding_method === RoundingMethod.TO_NEAREST_EVEN ? sp.roundHalfEven : sp.roundAwayFromZero,
);

export interface IntegerPowParams {
  y: number;
}
/** x^y by repeated squaring (as XLA expands integer_pow); ints wrap modulo 2^32. */
function integerPowKernel(dtype: DType, y: number): F1 {
  const n = Math.abs(y);
  const times = isFloating(dtype) ? mulK : Math.imul;
  return (a) => {
    let acc = 1;
    for (let k = n, b = a; k > 0; k = Math.floor(k / 2), b = times(b, b)) {
      if (k % 2 === 1) acc = times(acc, b);
    }
    return y < 0 ? 1 / acc : acc;
  };
}
export const integerPowP = unary<IntegerPowParams>(
  "integer_pow",
  [...FLOATS, ...INTS],
  (d, { y }) => integerPowKernel(d, y),
  {
    check: (x, { y }) => {
      if (!Number.isSafeInteger(y)) {
        throw new TypeError(`lax.integerPow: the exponent y must be an integer, got ${y}`);
      }
      if (y < 0 && !isFloating(x.dtype)) {
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

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;
// Float to int truncates toward zero and saturates, with NaN -> 0 (XLA CPU's conversion).
const floatToInt32 = (a: number) =>
  Number.isNaN(a) ? 0 : a <= INT32_MIN ? INT32_MIN : a >= INT32_MAX ? INT32_MAX : Math.trunc(a);
const floatToUint32 = (a: number) =>
  Number.isNaN(a) || a <= 0 ? 0 : a >= UINT32_MAX ? UINT32_MAX : Math.trunc(a);
const toBool = (a: number) => (a !== 0 ? 1 : 0); // NaN -> true, as x != 0

/** The conversion kernel, or null where storing into the output's typed array converts exactly. */
function converter(from: DType, to: DType): F1 | null {
  if (to === "bool") return from === "bool" ? null : toBool;
  if (isFloating(from) && to === "int32") return floatToInt32;
  if (isFloating(from) && to === "uint32") return floatToUint32;
  return null; // float <-> float rounds, int <-> int wraps, int/bool -> float is exact
}

function convertAval(
  avals: ShapedArray[],
  { new_dtype, weak_type }: ConvertElementTypeParams,
): ShapedArray[] {
  checkArity("lax.convertElementType", avals, 1);
  if (!isDType(new_dtype)) {
    throw new TypeError(
      `lax.convertElementType: new_dtype must be one of ${ALL_DTYPES.join(", ")}, got ${String(new_dtype)}`,
    );
  }
  return [new ShapedArray(avals[0]!.shape, new_dtype, weak_type && new_dtype !== "bool")];
}
export const convertElementTypeP = new Primitive<ConvertElementTypeParams>("convert_element_type", {
  abstractEval: convertAval,
  impl: (args, params) => {
    const x = args[0]!;
    const aval = convertAval([x.aval], params)[0]!;
    const out = allocate(aval.dtype, aval.size);
    const f = converter(x.dtype, aval.dtype);
    if (f === null) out.set(x.data);
    else map1(f, x.data, out);
    return result(aval, out);
  },
});

export const copyP = new Primitive("copy", {
  abstractEval: (avals) => {
    checkArity("lax.copy", avals, 1);
    return [avals[0]!];
  },
  impl: ([x]) => result(x!.aval, x!.data.slice()),
});

// --- Binary primitives -----------------------------------------------------------

/** A binary primitive on operands of one shape and dtype; `outDtype` fixes the result's. */
function binop(name: string, kernels: Kernels<F2>, outDtype?: DType): Primitive {
  const op = laxName(name);
  const allowed = ALL_DTYPES.filter((d) => kernels[d] !== undefined);
  const abstractEval = (avals: ShapedArray[]): ShapedArray[] => {
    checkArity(op, avals, 2);
    checkSame(op, ["x", "y"], avals);
    const [x, y] = avals as [ShapedArray, ShapedArray];
    checkDtype(op, "x", x.dtype, allowed);
    if (outDtype !== undefined) return [new ShapedArray(x.shape, outDtype, false)];
    return [new ShapedArray(x.shape, x.dtype, x.weakType && y.weakType)];
  };
  return new Primitive(name, {
    abstractEval,
    impl: ([x, y]) => {
      const aval = abstractEval([x!.aval, y!.aval])[0]!;
      const out = allocate(aval.dtype, aval.size);
      map2(kernels[x!.dtype]!, x!.data, y!.data, out);
      return result(aval, out);
    },
  });
}

const addK: F2 = (a, b) => a + b;
const subK: F2 = (a, b) => a - b;
const fdiv: F2 = (a, b) => a / b;
const maxK: F2 = (a, b) => Math.max(a, b); // NaN-propagating, as XLA
const minK: F2 = (a, b) => Math.min(a, b);
// Integer division truncates toward zero; x / 0 is -1 (all ones) and INT32_MIN / -1 wraps.
const idiv: F2 = (a, b) => (b === 0 ? -1 : (a / b) | 0);
const udiv: F2 = (a, b) => (b === 0 ? UINT32_MAX : Math.trunc(a / b));
// JS % is C's fmod (the sign of the dividend); XLA defines x % 0 as x for integers.
const irem: F2 = (a, b) => (b === 0 ? a : a % b);
const frem: F2 = (a, b) => a % b;

export const addP = binop("add", { ...floats(addK), ...ints(addK) });
export const subP = binop("sub", { ...floats(subK), ...ints(subK) });
export const mulP = binop("mul", { ...floats(mulK), ...ints(Math.imul) });
export const divP = binop("div", { ...floats(fdiv), int32: idiv, uint32: udiv });
export const remP = binop("rem", { ...floats(frem), ...ints(irem) });
export const maxP = binop("max", every(maxK));
export const minP = binop("min", every(minK));
export const atan2P = binop("atan2", floats(Math.atan2));
export const nextafterP = binop("nextafter", { float32: sp.nextafter32, float64: sp.nextafter64 });

export const eqP = binop(
  "eq",
  every((a, b) => (a === b ? 1 : 0)),
  "bool",
);
export const neP = binop(
  "ne",
  every((a, b) => (a !== b ? 1 : 0)),
  "bool",
);
export const ltP = binop(
  "lt",
  every((a, b) => (a < b ? 1 : 0)),
  "bool",
);
export const leP = binop(
  "le",
  every((a, b) => (a <= b ? 1 : 0)),
  "bool",
);
export const gtP = binop(
  "gt",
  every((a, b) => (a > b ? 1 : 0)),
  "bool",
);
export const geP = binop(
  "ge",
  every((a, b) => (a >= b ? 1 : 0)),
  "bool",
);

// On bools (stored 0/1) the bitwise operators are the logical ones.
const bitwise = (f: F2): Kernels<F2> => ({ bool: f, ...ints(f) });
export const andP = binop(
  "and",
  bitwise((a, b) => a & b),
);
export const orP = binop(
  "or",
  bitwise((a, b) => a | b),
);
export const xorP = binop(
  "xor",
  bitwise((a, b) => a ^ b),
);

// Shift amounts are read as unsigned; from 32 on, XLA gives 0, or the sign for arithmetic shifts.
export const shiftLeftP = binop(
  "shift_left",
  ints((a, b) => (b >>> 0 >= 32 ? 0 : a << b)),
);
export const shiftRightLogicalP = binop(
  "shift_right_logical",
  ints((a, b) => (b >>> 0 >= 32 ? 0 : a >>> b)),
);
export const shiftRightArithmeticP = binop(
  "shift_right_arithmetic",
  ints((a, b) => (b >>> 0 >= 32 ? (a | 0) >> 31 : (a | 0) >> b)),
);

/** pow: a float base; the exponent has the base's dtype or is an integer. */
function powAval(avals: ShapedArray[]): ShapedArray[] {
  checkArity("lax.pow", avals, 2);
  const [x, y] = avals as [ShapedArray, ShapedArray];
  checkDtype("lax.pow", "x", x.dtype, FLOATS);
  if (!INTS.includes(y.dtype)) checkSame("lax.pow", ["x", "y"], avals);
  else checkSame("lax.pow", ["x", "y"], [x, y.withDtype(x.dtype, y.weakType)]);
  return [new ShapedArray(x.shape, x.dtype, x.weakType && y.weakType)];
}
export const powP = new Primitive("pow", {
  abstractEval: powAval,
  impl: (args) => {
    const aval = powAval(avalsOf(args))[0]!;
    const out = allocate(aval.dtype, aval.size);
    map2(sp.cpow, args[0]!.data, args[1]!.data, out);
    return result(aval, out);
  },
});

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
export const selectNP = new Primitive("select_n", {
  abstractEval: selectNAval,
  impl: (args) => {
    const aval = selectNAval(avalsOf(args))[0]!;
    const [which, ...cases] = args as [ArrayImpl, ...ArrayImpl[]];
    const n = cases.length;
    const w = which.data;
    // Out-of-range indices pick the first or last case, as XLA's nested selects do.
    const clampIndex = (k: number) => (k <= 0 ? 0 : k >= n ? n - 1 : k);
    if (which.ndim === 0) return result(aval, cases[clampIndex(w[0]!)]!.data.slice());
    const out = allocate(aval.dtype, aval.size);
    const cs = cases.map((c) => c.data);
    for (let i = 0; i < out.length; i++) out[i] = cs[clampIndex(w[i]!)]![i]!;
    return result(aval, out);
  },
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
export const clampP = new Primitive("clamp", {
  abstractEval: clampAval,
  impl: (args) => {
    const aval = clampAval(avalsOf(args))[0]!;
    const [lo, x, hi] = args as [ArrayImpl, ArrayImpl, ArrayImpl];
    const out = allocate(aval.dtype, aval.size);
    // A 0-d bound is read with stride 0.
    const sl = lo.ndim === 0 ? 0 : 1;
    const sh = hi.ndim === 0 ? 0 : 1;
    const [l, v, h] = [lo.data, x.data, hi.data];
    for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(v[i]!, l[i * sl]!), h[i * sh]!);
    return result(aval, out);
  },
});

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
  const arrs = xs.map((x, i) =>
    asFloat ? ArrayImpl.scalar(x as number, defaultFloat(), true) : asArray(x, op, names[i]),
  );
  const avals = arrs.map((a) => a.aval);
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
    if (a.dtype === target.dtype && a.weakType === target.weakType) return a;
    const x = xs[i]!;
    return raw(x)
      ? ArrayImpl.scalar(x, target.dtype, target.weakType)
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
      `lax.convertElementType: newDtype must be one of ${ALL_DTYPES.join(", ")}, got ${String(newDtype)}`,
    );
  }
  const params = { new_dtype: canonicalize(newDtype), weak_type: weakType && newDtype !== "bool" };
  const arr = asArray(x, "lax.convertElementType", "x");
  if (arr.dtype === params.new_dtype && arr.weakType === params.weak_type) return arr;
  // A JS scalar is a constant: convert it now rather than staging a conversion.
  if (!isArray(x)) return convertElementTypeP.rules.impl([arr as ArrayImpl], params)[0]!;
  return bind1(convertElementTypeP, [arr], params);
}

/** `lax.copy`: the same values in a new array. */
export function copy(x: ArrayLike): Array {
  return bind1(copyP, [asArray(x, "lax.copy", "x")], {});
}
