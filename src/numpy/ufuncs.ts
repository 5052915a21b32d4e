/**
 * Elementwise NumPy functions (`jnp.add`, `jnp.exp`, `jnp.less`...): promote
 * dtypes the JAX way, broadcast, then apply the lax primitive.
 */
import { customJvp } from "../api/custom.js";
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import {
  checkDtype,
  type DType,
  isBool,
  isComplex,
  isFloating,
  isInexact,
  isInteger,
  isUnsigned,
} from "../dtype.js";
import * as lax from "../lax/index.js";
import { checkOptions, kindOf } from "../options.js";
import { cast, promoteArgs, promoteArgsInexact, toArrays } from "./util.js";

type Unary = (x: ArrayLike) => Array;
type Binary = (x: ArrayLike, y: ArrayLike) => Array;

/** A function of floats: ints and bools are promoted to the default float first. */
function inexactUnary(name: string, f: (x: Array) => Array): Unary {
  return (x) => f(promoteArgsInexact(`jnp.${name}`, x)[0]!);
}
/** A function on any numeric dtype, keeping the dtype. */
function numericUnary(name: string, f: (x: Array) => Array): Unary {
  return (x) => f(promoteArgs(`jnp.${name}`, x)[0]!);
}
function numericBinary(name: string, f: (x: Array, y: Array) => Array): Binary {
  return (x, y) => {
    const [a, b] = promoteArgs(`jnp.${name}`, x, y);
    return f(a!, b!);
  };
}
function inexactBinary(name: string, f: (x: Array, y: Array) => Array): Binary {
  return (x, y) => {
    const [a, b] = promoteArgsInexact(`jnp.${name}`, x, y);
    return f(a!, b!);
  };
}
function noBool(name: string, x: Array): void {
  if (isBool(x.dtype)) {
    throw new TypeError(
      `jnp.${name}: not supported for bool inputs (got dtype bool); use jnp.logical_* or astype`,
    );
  }
}

// --- arithmetic ---------------------------------------------------------------
export const add: Binary = numericBinary("add", (a, b) =>
  isBool(a.dtype) ? lax.bitwiseOr(a, b) : lax.add(a, b),
);
export const subtract: Binary = numericBinary("subtract", (a, b) => {
  noBool("subtract", a);
  return lax.sub(a, b);
});
export const multiply: Binary = numericBinary("multiply", (a, b) =>
  isBool(a.dtype) ? lax.bitwiseAnd(a, b) : lax.mul(a, b),
);
export const divide: Binary = inexactBinary("divide", lax.div);
export const trueDivide = divide;

/** Python floor division: rounds toward minus infinity. */
export const floorDivide: Binary = numericBinary("floor_divide", (a, b) => {
  noBool("floor_divide", a);
  if (isUnsigned(a.dtype)) return lax.div(a, b);
  if (isInteger(a.dtype)) {
    const q = lax.div(a, b);
    // C division truncates; step down when the signs differ and there is a remainder.
    const fix = lax.bitwiseAnd(
      lax.ne(lax.lt(a, zerosOf(a)), lax.lt(b, zerosOf(b))),
      lax.ne(lax.rem(a, b), zerosOf(a)),
    );
    return lax.selectN(fix, q, lax.sub(q, onesOf(q)));
  }
  return lax.floor(lax.div(a, b));
});

/** Python modulo: the result takes the sign of the divisor. */
export const remainder: Binary = numericBinary("remainder", (a, b) => {
  noBool("remainder", a);
  const r = lax.rem(a, b);
  if (isUnsigned(a.dtype)) return r;
  const fix = lax.bitwiseAnd(
    lax.ne(r, zerosOf(r)),
    lax.ne(lax.lt(r, zerosOf(r)), lax.lt(b, zerosOf(b))),
  );
  return lax.selectN(fix, r, lax.add(r, b));
});
export const mod = remainder;
export const fmod: Binary = numericBinary("fmod", (a, b) => {
  noBool("fmod", a);
  return lax.rem(a, b);
});

function zerosOf(x: Array): Array {
  return filled(x, 0);
}
function onesOf(x: Array): Array {
  return filled(x, 1);
}
/** An array like x (shape and dtype) filled with v. */
function filled(x: Array, v: number): Array {
  return lax.broadcastInDim(lax.convertElementType(v, x.dtype), x.shape, []);
}

/**
 * `jnp.power`. A JS integer exponent becomes `integer_pow` (as Python's
 * `x ** 2` does in JAX, which keeps gradients exact at 0); integer arrays use
 * repeated squaring; floats use `pow`.
 */
export function power(x: ArrayLike, y: ArrayLike): Array {
  if (typeof y === "number" && Number.isInteger(y) && Math.abs(y) <= 1 << 30) {
    const [a] = promoteArgs("jnp.power", x, y);
    if (!(isInteger(a!.dtype) && y < 0)) return lax.integerPow(a!, y);
  }
  const [a, b] = promoteArgs("jnp.power", x, y);
  if (isInexact(a!.dtype)) return lax.pow(a!, b!);
  noBool("power", a!);
  return intPower(a!, b!);
}
export const pow = power;

/** Integer power by squaring over the 32 bits of the exponent (negative exponents give 0, as NumPy's ints would error). */
function intPower(base: Array, exp: Array): Array {
  let acc = filled(base, 1);
  let b = base;
  let e = exp;
  for (let bit = 0; bit < 32; bit++) {
    const odd = lax.ne(lax.bitwiseAnd(e, onesOf(e)), zerosOf(e));
    acc = lax.selectN(odd, acc, lax.mul(acc, b));
    b = lax.mul(b, b);
    e = lax.shiftRightLogical(e, onesOf(e));
  }
  return acc;
}

export const negative: Unary = numericUnary("negative", (x) => {
  noBool("negative", x);
  return lax.neg(x);
});
export const positive: Unary = numericUnary("positive", (x) => x);
export const absolute: Unary = numericUnary("absolute", (x) =>
  isBool(x.dtype) || isUnsigned(x.dtype) ? x : lax.abs(x),
);
export const abs = absolute;
export const sign: Unary = numericUnary("sign", (x) => (isBool(x.dtype) ? x : lax.sign(x)));
export const square: Unary = numericUnary("square", (x) => lax.integerPow(x, 2));
export const reciprocal: Unary = inexactUnary("reciprocal", (x) => lax.integerPow(x, -1));
export const maximum: Binary = numericBinary("maximum", lax.max);
export const minimum: Binary = numericBinary("minimum", lax.min);

/**
 * fmax/fmin ignore NaNs (return the other operand). As JAX's (lax_numpy.py), x1 where
 * it wins strictly or x2 is NaN, else x2: a tie's gradient goes all to x2.
 */
export const fmax: Binary = numericBinary("fmax", (a, b) =>
  lax.selectN(lax.bitwiseOr(lax.gt(a, b), lax.ne(b, b)), b, a),
);
export const fmin: Binary = numericBinary("fmin", (a, b) =>
  lax.selectN(lax.bitwiseOr(lax.lt(a, b), lax.ne(b, b)), b, a),
);

// --- transcendental -----------------------------------------------------------
export const exp: Unary = inexactUnary("exp", lax.exp);
export const exp2: Unary = inexactUnary("exp2", lax.exp2);
export const expm1: Unary = inexactUnary("expm1", lax.expm1);
export const log: Unary = inexactUnary("log", lax.log);
export const log1p: Unary = inexactUnary("log1p", lax.log1p);
export const log2: Unary = inexactUnary("log2", (x) => lax.div(lax.log(x), lax.log(filled(x, 2))));
export const log10: Unary = inexactUnary("log10", (x) =>
  lax.div(lax.log(x), lax.log(filled(x, 10))),
);
export const sqrt: Unary = inexactUnary("sqrt", lax.sqrt);
export const cbrt: Unary = inexactUnary("cbrt", lax.cbrt);
export const sin: Unary = inexactUnary("sin", lax.sin);
export const cos: Unary = inexactUnary("cos", lax.cos);
export const tan: Unary = inexactUnary("tan", lax.tan);
export const arcsin: Unary = inexactUnary("arcsin", lax.asin);
export const arccos: Unary = inexactUnary("arccos", lax.acos);
export const arctan: Unary = inexactUnary("arctan", lax.atan);
export const sinh: Unary = inexactUnary("sinh", lax.sinh);
export const cosh: Unary = inexactUnary("cosh", lax.cosh);
export const tanh: Unary = inexactUnary("tanh", lax.tanh);
export const arcsinh: Unary = inexactUnary("arcsinh", lax.asinh);
export const arccosh: Unary = inexactUnary("arccosh", lax.acosh);
export const arctanh: Unary = inexactUnary("arctanh", lax.atanh);
export const arctan2: Binary = inexactBinary("arctan2", lax.atan2);
/**
 * JAX's composition (ufuncs.py): big·sqrt(1 + (small/big)²), big itself where big = 0
 * (gradient 1/2 to each leg at (0, 0), through the max/min tie), inf where a leg is inf.
 */
export const hypot: Binary = inexactBinary("hypot", (a, b) => {
  const [x, y] = [lax.abs(a), lax.abs(b)];
  const anyInf = lax.bitwiseOr(lax.eq(x, Infinity), lax.eq(y, Infinity));
  const [big, small] = [lax.max(x, y), lax.min(x, y)];
  const zero = lax.eq(big, zerosOf(big));
  const r = lax.div(small, lax.selectN(zero, big, onesOf(big)));
  const h = lax.selectN(zero, lax.mul(big, lax.sqrt(lax.add(onesOf(r), lax.mul(r, r)))), big);
  return lax.selectN(anyInf, h, filled(h, Infinity));
});
export const deg2rad: Unary = inexactUnary("deg2rad", (x) => lax.mul(x, Math.PI / 180));
export const rad2deg: Unary = inexactUnary("rad2deg", (x) => lax.mul(x, 180 / Math.PI));
export const radians = deg2rad;
export const degrees = rad2deg;
export const logaddexp: Binary = inexactBinary("logaddexp", lax.logaddexp);

/** x with +inf replaced by 0 (JAX's _replace_inf). */
const replaceInf = (x: Array): Array => lax.selectN(lax.eq(x, Infinity), x, zerosOf(x));
/**
 * log2(2^x + 2^y) without overflow, with JAX's custom jvp (lax/other.py): the tangent of
 * each operand weighted by 2^(operand - out), +inf read as 0 (1/2 each at a tie).
 */
const logaddexp2Custom = customJvp(function logaddexp2(x: Array, y: Array): Array {
  const delta = lax.sub(x, y);
  const smooth = lax.mul(lax.log1p(lax.exp2(lax.neg(lax.abs(delta)))), 1 / Math.LN2);
  return lax.selectN(lax.ne(delta, delta), lax.add(lax.max(x, y), smooth), lax.add(x, y));
}).defjvp(([x, y], [tx, ty]) => {
  const out = logaddexp2Custom(x as Array, y as Array);
  const w = (a: Array) => lax.exp2(lax.sub(replaceInf(a), replaceInf(out)));
  return [out, lax.add(lax.mul(tx as Array, w(x as Array)), lax.mul(ty as Array, w(y as Array)))];
});
export const logaddexp2: Binary = inexactBinary("logaddexp2", (a, b) => logaddexp2Custom(a, b));

/**
 * The k-th derivative of sin(x)/x at 0, as a function of x whose jvp is the next one
 * (JAX's _sinc_maclaurin): sinc's derivatives of every order at 0 are exact.
 */
const sincTerms: ((x: Array) => Array)[] = [];
function sincMaclaurin(k: number): (x: Array) => Array {
  const c = k % 2 === 1 ? 0 : (-1) ** (k / 2) / (k + 1);
  sincTerms[k] ??= customJvp(function sincMaclaurin(x: Array): Array {
    return lax.add(lax.mul(x, 0), c);
  }).defjvp(([x], [t]) => [
    sincMaclaurin(k)(x as Array),
    lax.mul(sincMaclaurin(k + 1)(x as Array), t as Array),
  ]);
  return sincTerms[k]!;
}
/** sin(πx)/(πx): the Maclaurin series at 0 and 0 at ±inf, as JAX's. */
export const sinc: Unary = inexactUnary("sinc", (x) => {
  const px = lax.mul(x, Math.PI);
  const zero = lax.eq(x, zerosOf(x));
  const inf = lax.eq(lax.abs(x), Infinity);
  const safe = lax.selectN(lax.bitwiseOr(zero, inf), px, onesOf(px));
  const out = lax.selectN(zero, lax.div(lax.sin(safe), safe), sincMaclaurin(0)(px));
  return lax.selectN(inf, out, zerosOf(out));
});

// --- rounding -----------------------------------------------------------------
function keepInts(name: string, f: (x: Array) => Array): Unary {
  return numericUnary(name, (x) => {
    if (isComplex(x.dtype)) {
      throw new TypeError(`jnp.${name}: not supported for complex inputs (got ${x.dtype})`);
    }
    return isFloating(x.dtype) ? f(x) : x;
  });
}
export const floor: Unary = keepInts("floor", lax.floor);
export const ceil: Unary = keepInts("ceil", lax.ceil);
export const trunc: Unary = keepInts("trunc", (x) =>
  lax.selectN(lax.lt(x, zerosOf(x)), lax.floor(x), lax.ceil(x)),
);
export const fix = trunc;
export const rint: Unary = keepInts("rint", (x) => lax.round(x, 1));

/** `jnp.round(x, decimals=0)`: halves round to even, as NumPy. */
export function round(x: ArrayLike, decimals = 0): Array {
  if (!Number.isSafeInteger(decimals)) {
    throw new TypeError(`jnp.round: decimals must be an integer, got ${kindOf(decimals)}`);
  }
  const [a] = promoteArgs("jnp.round", x);
  // Complex numbers round their parts, as NumPy's.
  if (isComplex(a!.dtype))
    return lax.complex(round(lax.real(a!), decimals), round(lax.imag(a!), decimals));
  if (!isFloating(a!.dtype)) return a!;
  if (decimals === 0) return lax.round(a!, 1);
  const f = 10 ** decimals;
  return lax.div(lax.round(lax.mul(a!, f), 1), f);
}
export const around = round;

// --- comparison and logic -----------------------------------------------------
export const equal: Binary = numericBinary("equal", lax.eq);
export const notEqual: Binary = numericBinary("not_equal", lax.ne);
export const less: Binary = numericBinary("less", lax.lt);
export const lessEqual: Binary = numericBinary("less_equal", lax.le);
export const greater: Binary = numericBinary("greater", lax.gt);
export const greaterEqual: Binary = numericBinary("greater_equal", lax.ge);

function asBool(x: Array): Array {
  return isBool(x.dtype) ? x : lax.ne(x, zerosOf(x));
}
function logicalBinary(name: string, f: (a: Array, b: Array) => Array): Binary {
  return (x, y) => {
    const [a, b] = promoteArgs(`jnp.${name}`, ...toArrays(`jnp.${name}`, [x, y]).map(asBool));
    return f(a!, b!);
  };
}
export const logicalAnd: Binary = logicalBinary("logical_and", lax.bitwiseAnd);
export const logicalOr: Binary = logicalBinary("logical_or", lax.bitwiseOr);
export const logicalXor: Binary = logicalBinary("logical_xor", lax.bitwiseXor);
export const logicalNot: Unary = (x) =>
  lax.bitwiseNot(asBool(toArrays("jnp.logical_not", [x])[0]!));

function bitwise(name: string, f: (a: Array, b: Array) => Array): Binary {
  return numericBinary(name, (a, b) => {
    if (isFloating(a.dtype)) {
      throw new TypeError(
        `jnp.${name}: only integer and bool inputs are supported, got ${a.dtype}`,
      );
    }
    return f(a, b);
  });
}
export const bitwiseAnd: Binary = bitwise("bitwise_and", lax.bitwiseAnd);
export const bitwiseOr: Binary = bitwise("bitwise_or", lax.bitwiseOr);
export const bitwiseXor: Binary = bitwise("bitwise_xor", lax.bitwiseXor);
export const leftShift: Binary = bitwise("left_shift", lax.shiftLeft);
export const rightShift: Binary = bitwise("right_shift", (a, b) =>
  isUnsigned(a.dtype) ? lax.shiftRightLogical(a, b) : lax.shiftRightArithmetic(a, b),
);
export const bitwiseNot: Unary = numericUnary("bitwise_not", (x) => {
  if (isFloating(x.dtype)) {
    throw new TypeError(
      `jnp.bitwise_not: only integer and bool inputs are supported, got ${x.dtype}`,
    );
  }
  return lax.bitwiseNot(x);
});
export const invert = bitwiseNot;

// --- floating-point classification --------------------------------------------
/**
 * A floating-point test; of a complex number, `combine` joins the tests of its
 * parts (isnan: either part NaN; isfinite: both finite; isinf: either inf).
 */
function classify(
  name: string,
  f: (x: Array) => Array,
  forInts: boolean,
  combine: ((re: Array, im: Array) => Array) | null = null,
): Unary {
  return (x) => {
    const a = promoteArgs(`jnp.${name}`, x)[0]!;
    if (isComplex(a.dtype)) {
      if (combine === null) {
        throw new TypeError(`jnp.${name}: not supported for complex inputs (got ${a.dtype})`);
      }
      return combine(f(lax.real(a)), f(lax.imag(a)));
    }
    return isFloating(a.dtype)
      ? f(a)
      : lax.broadcastInDim(lax.convertElementType(forInts, "bool", false), a.shape, []);
  };
}
export const isnan: Unary = classify("isnan", (x) => lax.ne(x, x), false, lax.bitwiseOr);
export const isfinite: Unary = classify("isfinite", lax.isFinite, true, lax.bitwiseAnd);
export const isinf: Unary = classify(
  "isinf",
  (x) => lax.eq(lax.abs(x), Number.POSITIVE_INFINITY),
  false,
  lax.bitwiseOr,
);
export const isposinf: Unary = classify(
  "isposinf",
  (x) => lax.eq(x, Number.POSITIVE_INFINITY),
  false,
);
export const isneginf: Unary = classify(
  "isneginf",
  (x) => lax.eq(x, Number.NEGATIVE_INFINITY),
  false,
);
export const signbit: Unary = (x) => {
  const a = promoteArgs("jnp.signbit", x)[0]!;
  if (!isFloating(a.dtype)) return lax.lt(a, zerosOf(a));
  // -0.0 and -nan have the sign bit set: 1/x distinguishes -0.0.
  return lax.bitwiseOr(
    lax.lt(a, zerosOf(a)),
    lax.bitwiseAnd(lax.eq(a, zerosOf(a)), lax.lt(lax.div(onesOf(a), a), zerosOf(a))),
  );
};
export const copysign: Binary = inexactBinary("copysign", (a, b) =>
  lax.selectN(signbit(b), lax.abs(a), lax.neg(lax.abs(a))),
);

/** `jnp.nan_to_num(x, { nan, posinf, neginf })`. */
export function nanToNum(
  x: ArrayLike,
  options: { nan?: number; posinf?: number; neginf?: number } = {},
): Array {
  options = checkOptions("jnp.nan_to_num", options, { nan: true, posinf: true, neginf: true });
  const a = promoteArgs("jnp.nan_to_num", x)[0]!;
  // Complex numbers replace in each part, as NumPy's.
  if (isComplex(a.dtype)) {
    return lax.complex(nanToNum(lax.real(a), options), nanToNum(lax.imag(a), options));
  }
  if (!isFloating(a.dtype)) return a;
  const big = a.dtype === "float64" ? Number.MAX_VALUE : 3.4028234663852886e38;
  let out = lax.selectN(lax.ne(a, a), a, filled(a, options.nan ?? 0));
  out = lax.selectN(lax.eq(out, Number.POSITIVE_INFINITY), out, filled(a, options.posinf ?? big));
  return lax.selectN(lax.eq(out, Number.NEGATIVE_INFINITY), out, filled(a, options.neginf ?? -big));
}

/** `x.astype(dtype)` / `jnp.astype`. */
export function astype(x: ArrayLike, dtype: DType): Array {
  const d = checkDtype("jnp.astype", dtype);
  if (d === undefined) throw new TypeError("jnp.astype: dtype is required, got undefined");
  return cast(toArrays("jnp.astype", [x])[0]!, d);
}
