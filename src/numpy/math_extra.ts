/**
 * More elementwise functions and number helpers, as NumPy/JAX: `jnp.gcd`,
 * `lcm`, `frexp`, `ldexp`, `modf`, `divmod`, `float_power`, `heaviside`,
 * `i0`, `logspace`, `geomspace`, `packbits`, `unpackbits`, `bitwise_count`,
 * and the Array-API spellings (`acos`, `atan2`, `bitwise_invert`,
 * `permute_dims`...) of functions jnp already has.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type DType, defaultFloat, isBool, isComplex, isInexact, isUnsigned } from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { normalizeAxis } from "../shape.js";
import { linspace } from "./creation.js";
import { filled } from "./internal.js";
import { moveaxis, ravel, transpose, where } from "./manipulation.js";
import {
  arccos,
  arccosh,
  arcsin,
  arcsinh,
  arctan,
  arctan2,
  arctanh,
  floorDivide,
  invert,
  leftShift,
  remainder,
  rightShift,
} from "./ufuncs.js";
import { cast, promoteArgs, promoteArgsInexact } from "./util.js";

// ---------------------------------------------------------------------------
// Array-API spellings

export const acos = arccos;
export const acosh = arccosh;
export const asin = arcsin;
export const asinh = arcsinh;
export const atan = arctan;
export const atanh = arctanh;
export const atan2 = arctan2;
export const bitwiseInvert = invert;
export const bitwiseLeftShift = leftShift;
export const bitwiseRightShift = rightShift;
/** `jnp.permute_dims(a, axes)`: the Array API's transpose. */
export function permuteDims(a: ArrayLike, axes: readonly number[]): Array {
  return transpose(a, axes);
}

/** `jnp.fabs(x)`: the absolute value of real numbers (complex is a TypeError, as NumPy). */
export function fabs(x: ArrayLike): Array {
  const a = asArray(x, "jnp.fabs", "x");
  if (isComplex(a.dtype))
    throw new TypeError(`jnp.fabs: not supported for complex input (dtype ${a.dtype})`);
  const [f] = promoteArgsInexact("jnp.fabs", a);
  return lax.abs(f!);
}

/** `jnp.bitwise_count(x)`: the number of 1 bits in |x| (uint8), as NumPy. */
export function bitwiseCount(x: ArrayLike): Array {
  const op = "jnp.bitwise_count";
  const a = asArray(x, op, "x");
  if (isInexact(a.dtype))
    throw new TypeError(`${op}: x must be an integer or bool array, got dtype ${a.dtype}`);
  const v = isBool(a.dtype) ? cast(a, "uint8") : isUnsigned(a.dtype) ? a : lax.abs(a);
  return cast(lax.populationCount(v), "uint8");
}

// ---------------------------------------------------------------------------
// Integer helpers: gcd, lcm, divmod

function integerArgs(op: string, x1: ArrayLike, x2: ArrayLike): [Array, Array] {
  const [a, b] = promoteArgs(op, x1, x2);
  if (isInexact(a!.dtype) || isBool(a!.dtype)) {
    throw new TypeError(`${op}: arguments must be integers, got dtype ${a!.dtype}`);
  }
  return [a!, b!];
}

/** `jnp.gcd(x1, x2)`: the greatest common divisor of |x1| and |x2| (Euclid's algorithm, a while loop). */
export function gcd(x1: ArrayLike, x2: ArrayLike): Array {
  const [a0, b0] = integerArgs("jnp.gcd", x1, x2);
  const zero = filled(a0.shape, 0, a0.dtype);
  const init: [Array, Array] = [lax.abs(a0), lax.abs(b0)];
  const [g] = lax.whileLoop(
    ([, b]: [Array, Array]) =>
      lax.reduceOr(
        lax.ne(b, zero),
        a0.shape.map((_, i) => i),
      ),
    ([a, b]: [Array, Array]): [Array, Array] => {
      const nz = lax.ne(b, zero);
      const safe = where(nz, b, filled(b.shape, 1, b.dtype));
      return [where(nz, b, a), where(nz, lax.rem(a, safe), zero)];
    },
    init,
  );
  return g;
}

/** `jnp.lcm(x1, x2)`: the least common multiple of |x1| and |x2| (0 when either is 0). */
export function lcm(x1: ArrayLike, x2: ArrayLike): Array {
  const [a, b] = integerArgs("jnp.lcm", x1, x2);
  const d = gcd(a, b);
  const zero = filled(d.shape, 0, d.dtype);
  const isZero = lax.eq(d, zero);
  const q = lax.div(b, where(isZero, filled(d.shape, 1, d.dtype), d));
  return where(isZero, zero, lax.abs(lax.mul(a, q)));
}

/** `jnp.divmod(x1, x2)` → `[floor_divide(x1, x2), remainder(x1, x2)]`. */
export function divmod(x1: ArrayLike, x2: ArrayLike): [Array, Array] {
  return [floorDivide(x1, x2), remainder(x1, x2)];
}

// ---------------------------------------------------------------------------
// Floating-point decomposition: frexp, ldexp, modf

/**
 * `jnp.frexp(x)` → `[mantissa, exponent]` with x = mantissa·2^exponent,
 * 0.5 <= |mantissa| < 1 (int32 exponent); 0, inf and NaN give (x, 0).
 */
export function frexp(x: ArrayLike): [Array, Array] {
  const op = "jnp.frexp";
  const a = asArray(x, op, "x");
  if (isComplex(a.dtype))
    throw new TypeError(`${op}: not supported for complex input (dtype ${a.dtype})`);
  const [v] = promoteArgsInexact(op, a);
  const f = v!;
  const mag = lax.abs(f);
  const special = lax.bitwiseOr(
    lax.eq(f, filled(f.shape, 0, f.dtype)),
    lax.bitwiseNot(lax.isFinite(f)),
  );
  const safe = where(special, filled(f.shape, 1, f.dtype), mag);
  let e = lax.add(lax.floor(lax.div(lax.log(safe), Math.LN2)), filled(f.shape, 1, f.dtype));
  let m = lax.div(f, pow2(e));
  // log2 may be off by one near powers of two: bring |m| into [0.5, 1).
  const big = lax.ge(lax.abs(m), filled(f.shape, 1, f.dtype));
  m = where(big, lax.mul(m, 0.5), m);
  e = where(big, lax.add(e, 1), e);
  const small = lax.lt(lax.abs(m), filled(f.shape, 0.5, f.dtype));
  m = where(small, lax.mul(m, 2), m);
  e = where(small, lax.sub(e, 1), e);
  return [where(special, f, m), where(special, filled(f.shape, 0, "int32"), cast(e, "int32"))];
}

/** 2^e for a float array of integral e, in two factors so that neither overflows early. */
function pow2(e: Array): Array {
  const h = lax.floor(lax.mul(e, 0.5));
  return lax.mul(lax.exp2(h), lax.exp2(lax.sub(e, h)));
}

/** `jnp.ldexp(x1, x2)`: x1·2^x2 for an integer x2. */
export function ldexp(x1: ArrayLike, x2: ArrayLike): Array {
  const op = "jnp.ldexp";
  const e0 = asArray(x2, op, "x2");
  if (isInexact(e0.dtype) || isBool(e0.dtype)) {
    throw new TypeError(`${op}: x2 must be an integer array, got dtype ${e0.dtype}`);
  }
  const [m, e] = promoteArgsInexact(op, x1, e0);
  return lax.mul(
    lax.mul(m!, pow2(lax.floor(lax.mul(e!, 0.5)))),
    pow2(lax.sub(e!, lax.floor(lax.mul(e!, 0.5)))),
  );
}

/** `jnp.modf(x)` → `[fractional, integral]` parts, both with x's sign. */
export function modf(x: ArrayLike): [Array, Array] {
  const [v] = promoteArgsInexact("jnp.modf", x);
  const f = v!;
  const whole = where(lax.ge(f, filled(f.shape, 0, f.dtype)), lax.floor(f), lax.ceil(f));
  return [lax.sub(f, whole), whole];
}

// ---------------------------------------------------------------------------
// float_power, heaviside, i0

/** `jnp.float_power(x1, x2)`: x1^x2 computed in the inexact dtype (float64 under x64). */
export function floatPower(x1: ArrayLike, x2: ArrayLike): Array {
  const [a, b] = promoteArgsInexact("jnp.float_power", x1, x2);
  return lax.pow(a!, b!);
}

/** `jnp.heaviside(x1, x2)`: 0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0. */
export function heaviside(x1: ArrayLike, x2: ArrayLike): Array {
  const [a, b] = promoteArgsInexact("jnp.heaviside", x1, x2);
  const zero = filled(a!.shape, 0, a!.dtype);
  const one = filled(a!.shape, 1, a!.dtype);
  return where(lax.lt(a!, zero), zero, where(lax.gt(a!, zero), one, b!));
}

/**
 * `jnp.i0(x)`: the modified Bessel function of the first kind, order 0: the
 * power series Σ ((x/2)^k / k!)^2 for |x| <= 30, the asymptotic expansion
 * e^|x|/√(2π|x|)·Σ (2j-1)!!²/(j!·(8|x|)^j) beyond. Differentiable.
 */
export function i0(x: ArrayLike): Array {
  const op = "jnp.i0";
  const a = asArray(x, op, "x");
  if (isComplex(a.dtype))
    throw new TypeError(`${op}: not supported for complex input (dtype ${a.dtype})`);
  const [v] = promoteArgsInexact(op, a);
  const f = v!;
  const ax = lax.abs(f);
  const near = lax.le(ax, filled(f.shape, 30, f.dtype));
  const xs = where(near, ax, filled(f.shape, 0, f.dtype));
  const q = lax.mul(lax.mul(xs, xs), 0.25);
  let term = filled(f.shape, 1, f.dtype);
  let series = term;
  for (let k = 1; k <= 64; k++) {
    term = lax.mul(term, lax.mul(q, 1 / (k * k)));
    series = lax.add(series, term);
  }
  const xl = where(near, filled(f.shape, 31, f.dtype), ax);
  const inv8x = lax.div(filled(f.shape, 0.125, f.dtype), xl);
  let t = filled(f.shape, 1, f.dtype);
  let asym = t;
  for (let j = 1; j <= 12; j++) {
    t = lax.mul(t, lax.mul(inv8x, ((2 * j - 1) * (2 * j - 1)) / j));
    asym = lax.add(asym, t);
  }
  // e^x/√(2πx), split as (e^(x/2))² / √(2πx) to postpone overflow.
  const half = lax.exp(lax.mul(xl, 0.5));
  const pre = lax.div(lax.mul(half, half), lax.sqrt(lax.mul(xl, 2 * Math.PI)));
  return where(near, series, lax.mul(pre, asym));
}

// ---------------------------------------------------------------------------
// logspace, geomspace

export interface LogspaceOptions {
  endpoint?: boolean;
  /** The base of the exponents (default 10). */
  base?: number;
  dtype?: DType;
  axis?: number;
}
const LOGSPACE_KEYS: OptionKeys<LogspaceOptions> = {
  endpoint: true,
  base: true,
  dtype: true,
  axis: true,
};

/** `jnp.logspace(start, stop, num = 50, { endpoint, base, dtype })`: base ** linspace(start, stop). */
export function logspace(
  start: number,
  stop: number,
  num = 50,
  options: LogspaceOptions = {},
): Array {
  const op = "jnp.logspace";
  options = checkOptions(op, options, LOGSPACE_KEYS);
  const dtype = options.dtype ?? defaultFloat();
  const exps = linspace(start, stop, num, {
    endpoint: options.endpoint ?? true,
    dtype: inexactOr(dtype),
  });
  const base = options.base ?? 10;
  const r = lax.pow(filled(exps.shape, base, exps.dtype), exps);
  return cast(r, dtype);
}

function inexactOr(d: DType): DType {
  return isInexact(d) ? d : defaultFloat();
}

export type GeomspaceOptions = Omit<LogspaceOptions, "base">;

/** `jnp.geomspace(start, stop, num = 50, { endpoint, dtype })`: a geometric progression, endpoints exact. */
export function geomspace(
  start: number,
  stop: number,
  num = 50,
  options: GeomspaceOptions = {},
): Array {
  const op = "jnp.geomspace";
  options = checkOptions(op, options, { endpoint: true, dtype: true, axis: true });
  if (start === 0 || stop === 0)
    throw new ValueError(`${op}: geometric sequence cannot include zero`);
  const dtype = options.dtype ?? defaultFloat();
  const endpoint = options.endpoint ?? true;
  const sign = start < 0 && stop < 0 ? -1 : 1;
  const lo = Math.log10(Math.abs(start));
  const hi = Math.log10(Math.abs(stop));
  const fd = inexactOr(dtype);
  let r = lax.mul(logspace(lo, hi, num, { endpoint, dtype: fd }), sign);
  if (num > 0) {
    const idx = lax.iota("int32", num);
    r = where(lax.eq(idx, filled([num], 0, "int32")), filled([num], start, fd), r);
    if (endpoint && num > 1)
      r = where(lax.eq(idx, filled([num], num - 1, "int32")), filled([num], stop, fd), r);
  }
  return cast(r, dtype);
}

// ---------------------------------------------------------------------------
// packbits, unpackbits

export type BitOrder = "big" | "little";

function bitShifts(bitorder: BitOrder, op: string): Array {
  if (bitorder !== "big" && bitorder !== "little") {
    throw new ValueError(`${op}: bitorder must be "big" or "little", got ${String(bitorder)}`);
  }
  const s = [0, 1, 2, 3, 4, 5, 6, 7];
  const vals = bitorder === "big" ? s.reverse() : s;
  return cast(
    lax.concatenate(
      vals.map((v) => filled([1], v, "uint8")),
      0,
    ),
    "uint8",
  );
}

export interface PackbitsOptions {
  /** "big" (default: the first element is the most significant bit) or "little". */
  bitorder?: BitOrder;
}

/** `jnp.packbits(a, axis?, { bitorder })`: 8 truth values per uint8, padded with zeros (no axis: flattened). */
export function packbits(
  a: ArrayLike,
  axis: number | null = null,
  options: PackbitsOptions = {},
): Array {
  const op = "jnp.packbits";
  options = checkOptions(op, options, { bitorder: true });
  let x = asArray(a, op, "a");
  if (isInexact(x.dtype))
    throw new TypeError(`${op}: a must be an integer or bool array, got dtype ${x.dtype}`);
  if (axis == null) {
    x = ravel(x);
    axis = 0;
  }
  const ax = normalizeAxis(axis, x.ndim, op);
  const bits = cast(lax.ne(x, filled(x.shape, 0, x.dtype)), "uint8");
  const moved = moveaxis(bits, ax, -1);
  const n = moved.shape[moved.ndim - 1]!;
  const padded = Math.ceil(n / 8) * 8;
  const lead = moved.shape.slice(0, -1);
  const p =
    padded === n
      ? moved
      : lax.concatenate([moved, filled([...lead, padded - n], 0, "uint8")], moved.ndim - 1);
  const grouped = lax.reshape(p, [...lead, padded / 8, 8]);
  const shifts = lax.broadcastInDim(bitShifts(options.bitorder ?? "big", op), grouped.shape, [
    grouped.ndim - 1,
  ]);
  const packed = lax.reduceSum(lax.shiftLeft(grouped, shifts), [grouped.ndim - 1]);
  return moveaxis(cast(packed, "uint8"), -1, ax);
}

export interface UnpackbitsOptions extends PackbitsOptions {
  /** How many bits to keep along the axis (negative: drop that many from the end; default all). */
  count?: number | null;
}

/** `jnp.unpackbits(a, axis?, { count, bitorder })`: the bits of a uint8 array, 8 per element. */
export function unpackbits(
  a: ArrayLike,
  axis: number | null = null,
  options: UnpackbitsOptions = {},
): Array {
  const op = "jnp.unpackbits";
  options = checkOptions(op, options, { bitorder: true, count: true });
  let x = asArray(a, op, "a");
  if (x.dtype !== "uint8")
    throw new TypeError(
      `${op}: expected an input array of unsigned byte data type, got ${x.dtype}`,
    );
  if (axis == null) {
    x = ravel(x);
    axis = 0;
  }
  const ax = normalizeAxis(axis, x.ndim, op);
  const shape = [...x.shape, 8];
  const xb = lax.broadcastInDim(
    x,
    shape,
    x.shape.map((_, i) => i),
  );
  const shifts = lax.broadcastInDim(bitShifts(options.bitorder ?? "big", op), shape, [x.ndim]);
  const bits = lax.bitwiseAnd(lax.shiftRightLogical(xb, shifts), filled(shape, 1, "uint8"));
  const moved = moveaxis(bits, ax, -2);
  const lead = moved.shape.slice(0, -2);
  const n = moved.shape[moved.ndim - 2]! * 8;
  let flat = lax.reshape(moved, [...lead, n]);
  if (options.count != null) {
    const c = options.count < 0 ? Math.max(n + options.count, 0) : options.count;
    if (!Number.isInteger(c))
      throw new ValueError(`${op}: count must be an integer, got ${String(options.count)}`);
    flat =
      c <= n
        ? lax.sliceInDim(flat, 0, c, 1, flat.ndim - 1)
        : lax.concatenate([flat, filled([...lead, c - n], 0, "uint8")], flat.ndim - 1);
  }
  return moveaxis(flat, -1, ax);
}
