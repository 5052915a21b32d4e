/**
 * NumPy-exact text for arrays: `str(np.asarray(x))` and JAX's `repr(x)`.
 *
 * Follows NumPy 2.x `np.array2string` with its default options (legacy=False,
 * precision=8, floatmode="maxprec", linewidth=75, threshold=1000, edgeitems=3,
 * sign="-"). Float digits come from a port of the Dragon4 algorithm in the
 * variant NumPy uses (exact big-integer arithmetic, unique shortest digits,
 * optional cutoffs), because the padding and cutoff rules depend on its exact
 * digit strings and rounding, which JS's own number formatting does not offer.
 */
import {
  type DType,
  isComplex,
  isFloating,
  isInt64,
  realDtype,
  type TypedArray,
  wordsToBigInt,
} from "../dtype.js";
import { bfloat16Bits, float16Bits, roundBfloat16, roundFloat16 } from "../half.js";
import { shapeStr, sizeOf, stridesOf } from "../shape.js";

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 8;
const LOG10_2 = 0.3010299956639812;

type FloatDType = "float16" | "bfloat16" | "float32" | "float64";

/** Where positional notation stops: 10^precision (NumPy's finfo precision; ml_dtypes' for bfloat16). */
const MAX_POSITIONAL: Readonly<Record<FloatDType, number>> = {
  float16: 1e3,
  bfloat16: 1e2,
  float32: 1e6,
  float64: 1e8,
};

/** Rounding to the dtype: how NumPy compares a dtype's values. */
const IN_DTYPE: Readonly<Record<FloatDType, (v: number) => number>> = {
  float16: roundFloat16,
  bfloat16: roundBfloat16,
  float32: Math.fround,
  float64: (v) => v,
};

/** Exactly NumPy's `str(np.asarray(x))` for an array of this dtype (row-major data). */
export function formatArray(data: TypedArray, shape: readonly number[], dtype: DType): string {
  // NumPy prints a 0-d array like the scalar it holds, with no precision limit.
  if (shape.length === 0) {
    if (isInt64(dtype)) return wordsToBigInt(data[0]!, data[1]!, dtype === "int64").toString();
    return isComplex(dtype)
      ? complexScalarStr(data[0]!, data[1]!, dtype)
      : scalarStr(data[0]!, dtype);
  }
  return array2string(data, shape, dtype, " ", "", "");
}

/**
 * Exactly JAX's `repr(x)` for a jax.Array: `Array([0.04, 0.16], dtype=float32)`,
 * `Array(1., dtype=float32, weak_type=True)`, multi-line with the continuation
 * indentation of the "Array(" prefix.
 */
export function reprArray(
  data: TypedArray,
  shape: readonly number[],
  dtype: DType,
  weakType: boolean,
): string {
  const prefix = "Array(";
  const dtypeStr = weakType ? `dtype=${dtype}, weak_type=True` : `dtype=${dtype}`;
  const body =
    sizeOf(shape) === 0
      ? `[], shape=${shapeStr(shape)}`
      : array2string(data, shape, dtype, ", ", prefix, ",");
  // JAX's own measure of the last line (two more than its length); when the dtype
  // would not fit it widens the gap to the prefix length rather than breaking the line.
  const lastLineLen = body.length - body.lastIndexOf("\n") + 1;
  const gap = lastLineLen + dtypeStr.length + 2 > LINE_WIDTH ? " ".repeat(prefix.length) : " ";
  return `${prefix}${body},${gap}${dtypeStr})`;
}

// ---------------------------------------------------------------------------
// Layout: NumPy's _formatArray (nesting, wrapping, summarization).

/**
 * The indices printed along an axis of this length; `null` marks the "..."
 * gap. Summarized, only the edge items are listed (NumPy's
 * `_leading_trailing`), so printing takes time independent of the size.
 */
function shownIndices(length: number, summarize: boolean): (number | null)[] {
  if (!summarize || length <= 2 * EDGE_ITEMS) return Array.from({ length }, (_, i) => i);
  const out: (number | null)[] = [];
  for (let i = 0; i < EDGE_ITEMS; i++) out.push(i);
  out.push(null);
  for (let i = length - EDGE_ITEMS; i < length; i++) out.push(i);
  return out;
}

/** Flat offsets of every printed element: the formatter is sized on these alone. */
function shownOffsets(shape: readonly number[], strides: number[], summarize: boolean): number[] {
  const out: number[] = [];
  const visit = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      out.push(offset);
      return;
    }
    for (const i of shownIndices(shape[axis]!, summarize)) {
      if (i !== null) visit(axis + 1, offset + i * strides[axis]!);
    }
  };
  visit(0, 0);
  return out;
}

function array2string(
  data: TypedArray,
  shape: readonly number[],
  dtype: DType,
  separator: string,
  prefix: string,
  suffix: string,
): string {
  if (sizeOf(shape) === 0) return "[]";
  const strides = stridesOf(shape);
  const summarize = sizeOf(shape) > THRESHOLD;
  const shown = shownOffsets(shape, strides, summarize);
  const formatValue = isComplex(dtype)
    ? complexFormatter(data, shown, dtype)
    : isInt64(dtype)
      ? int64Formatter(data, shown, dtype === "int64")
      : valueFormatter(data, shown, dtype, shape.length === 0);
  const lineWidth = LINE_WIDTH - suffix.length;
  // Continuation lines skip the opening "[" and the prefix.
  const firstIndent = " ".repeat(1 + prefix.length);

  const recurse = (axis: number, offset: number, indent: string, width: number): string => {
    if (axis === shape.length) return formatValue(offset);
    const items = shownIndices(shape[axis]!, summarize);
    const child = (i: number | null): string =>
      i === null ? "..." : recurse(axis + 1, offset + i * strides[axis]!, `${indent} `, width - 1);
    let s = "";
    if (axis === shape.length - 1) {
      // Innermost axis: fill lines with elements, leaving room for the separator or "]".
      const elemWidth = width - Math.max(separator.trimEnd().length, 1);
      let line = indent;
      items.forEach((i, k) => {
        const word = child(i);
        // Wrapping a line that holds nothing but the indent would not help.
        if (line.length + word.length > elemWidth && line.length > indent.length) {
          s += `${line.trimEnd()}\n`;
          line = indent;
        }
        line += word;
        if (k < items.length - 1) line += separator;
      });
      s += line;
    } else {
      // Outer axes: one sub-array per line, with a blank line per extra level of nesting.
      const rowSep = separator.trimEnd() + "\n".repeat(shape.length - axis - 1);
      s = items.map((i) => indent + child(i)).join(rowSep);
    }
    return `[${s.slice(indent.length)}]`;
  };
  return recurse(0, 0, firstIndent, lineWidth);
}

// ---------------------------------------------------------------------------
// Element formatters: NumPy's BoolFormat, IntegerFormat, FloatingFormat and
// ComplexFloatingFormat. Each is sized on the shown elements and then formats
// the element at a flat offset.

function valueFormatter(
  data: TypedArray,
  offsets: number[],
  dtype: DType,
  zeroDim: boolean,
): (offset: number) => string {
  const format = elementFormatter(
    offsets.map((o) => data[o]!),
    dtype,
    zeroDim,
  );
  return (o) => format(data[o]!);
}

/**
 * IntegerFormat for int64/uint64, whose storage holds (lo, hi) word pairs:
 * exact decimal values (BigInt), right-aligned to the widest shown one.
 */
function int64Formatter(
  data: TypedArray,
  offsets: number[],
  signed: boolean,
): (offset: number) => string {
  const str = (o: number): string =>
    wordsToBigInt(data[2 * o]!, data[2 * o + 1]!, signed).toString();
  let width = 0;
  for (const o of offsets) width = Math.max(width, str(o).length);
  return (o) => str(o).padStart(width);
}

/**
 * ComplexFloatingFormat: the real parts and the imaginary parts each get a
 * FloatingFormat of their own (the imaginary one always signed), and the
 * "j" goes before the imaginary part's trailing padding.
 */
function complexFormatter(
  data: TypedArray,
  offsets: number[],
  dtype: DType,
): (offset: number) => string {
  const part = realDtype(dtype) as FloatDType;
  const re = floatFormatter(
    offsets.map((o) => data[2 * o]!),
    part,
  );
  const im = floatFormatter(
    offsets.map((o) => data[2 * o + 1]!),
    part,
    true,
  );
  return (o) => {
    const i = im(data[2 * o + 1]!);
    const end = i.trimEnd().length;
    return `${re(data[2 * o]!)}${i.slice(0, end)}j${i.slice(end)}`;
  };
}

/**
 * NumPy's str of a complex scalar: `(1+2j)`, or `2j` when the real part is
 * +0; each part in its shortest digits without a trailing point.
 */
function complexScalarStr(re: number, im: number, dtype: DType): string {
  const part = realDtype(dtype) as FloatDType;
  const either = (x: number, plus: boolean): string => {
    if (Number.isNaN(x)) return plus ? "+nan" : "nan";
    if (!Number.isFinite(x)) return x > 0 ? (plus ? "+inf" : "inf") : "-inf";
    const a = Math.abs(x);
    const maxPositional = part === "float64" ? 1e16 : MAX_POSITIONAL[part];
    const parts = floatParts(x, part);
    const o = { precision: -1, minDigits: -1, trim: "-" as const, plus };
    return x === 0 || (a >= 1e-4 && a < maxPositional)
      ? formatPositional(parts, o)
      : formatScientific(parts, o);
  };
  if (re === 0 && !Object.is(re, -0)) return `${either(im, false)}j`;
  return `(${either(re, false)}${either(im, true)}j)`;
}

function elementFormatter(values: number[], dtype: DType, zeroDim: boolean): (x: number) => string {
  switch (dtype) {
    case "bool": {
      // " True" lines up with "False", except in a 0-d array.
      const trueStr = zeroDim ? "True" : " True";
      return (x) => (x ? trueStr : "False");
    }
    case "int8":
    case "uint8":
    case "int16":
    case "uint16":
    case "int32":
    case "uint32": {
      let lo = values[0]!;
      let hi = values[0]!;
      for (const v of values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const width = Math.max(String(lo).length, String(hi).length);
      return (x) => String(x).padStart(width);
    }
    case "float16":
    case "bfloat16":
    case "float32":
    case "float64":
      return floatFormatter(values, dtype);
    case "complex64":
    case "complex128":
    case "int64":
    case "uint64":
      throw new TypeError(`printing: ${dtype} values are formatted in pairs`);
  }
}

/** NumPy's str of a scalar: shortest round-trip digits, no precision cap. */
function scalarStr(x: number, dtype: DType): string {
  if (dtype === "bool") return x ? "True" : "False";
  if (!isFloating(dtype)) return String(x); // the integers
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  // Positional up to about the dtype's decimal precision, scientific beyond.
  const maxPositional = dtype === "float64" ? 1e16 : MAX_POSITIONAL[dtype as FloatDType];
  const a = Math.abs(x);
  const parts = floatParts(x, dtype as FloatDType);
  if (x === 0 || (a >= 1e-4 && a < maxPositional)) {
    return formatPositional(parts, { precision: -1, minDigits: -1, trim: "0" });
  }
  return formatScientific(parts, { precision: -1, minDigits: -1, trim: "-" });
}

/**
 * FloatingFormat in "maxprec" mode: a first pass prints every shown finite value
 * to choose exponent notation and the widths; the formatter then pads each value
 * to those widths.
 */
function floatFormatter(values: number[], dtype: FloatDType, plus = false): (x: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  // Comparisons and the max/min ratio are computed in the array's own dtype.
  const inDType = IN_DTYPE[dtype];
  let expFormat = false;
  const nonZero = finite.filter((v) => v !== 0).map(Math.abs);
  if (nonZero.length > 0) {
    let lo = nonZero[0]!;
    let hi = nonZero[0]!;
    for (const v of nonZero) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const maxPositional = MAX_POSITIONAL[dtype]; // 10**min(8, finfo.precision)
    expFormat = hi >= maxPositional || lo < inDType(1e-4) || inDType(hi / lo) > 1000;
  }

  // Widths of the integer and fraction parts (for scientific: mantissa digits
  // after the point and exponent digits), from the first pass.
  let padLeft = 0;
  let padRight = 0;
  let precision = 0;
  let expSize = 0;
  if (finite.length > 0 && expFormat) {
    const strs = finite.map((v) =>
      formatScientific(floatParts(v, dtype), {
        precision: PRECISION,
        minDigits: -1,
        trim: ".",
        plus,
      }),
    );
    const mantissas = strs.map((s) => s.split("e")[0]!.split("."));
    expSize = Math.max(...strs.map((s) => s.split("e")[1]!.length)) - 1;
    precision = Math.max(...mantissas.map(([, frac]) => frac!.length));
    padLeft = Math.max(...mantissas.map(([int]) => int!.length));
    padRight = expSize + 2 + precision;
  } else if (finite.length > 0) {
    const strs = finite.map((v) =>
      formatPositional(floatParts(v, dtype), {
        precision: PRECISION,
        minDigits: -1,
        trim: ".",
        plus,
      }),
    );
    const split = strs.map((s) => s.split("."));
    padLeft = Math.max(...split.map(([int]) => int!.length));
    padRight = Math.max(...split.map(([, frac]) => frac!.length));
  }
  if (finite.length !== values.length) {
    // Make room for "nan", "inf" and "-inf" right-aligned at the column's end.
    const negInf = plus || values.some((v) => v === Number.NEGATIVE_INFINITY) ? 1 : 0;
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + negInf - (padRight + 1));
  }
  const width = padLeft + padRight + 1;

  // Scientific: every value shows the same number of digits, and NumPy generates
  // real digits (not zeros) up to that count, so 1e-5 as float32 prints as 9.9999997e-06.
  const format = expFormat
    ? (parts: FloatParts) =>
        formatScientific(parts, {
          precision,
          minDigits: precision,
          trim: "k",
          padLeft,
          expDigits: expSize,
          plus,
        })
    : (parts: FloatParts) =>
        formatPositional(parts, {
          precision: PRECISION,
          minDigits: 0,
          trim: ".",
          padLeft,
          padRight,
          plus,
        });
  const plusSign = plus ? "+" : "";
  return (x) => {
    if (Number.isNaN(x)) return `${plusSign}nan`.padStart(width);
    if (!Number.isFinite(x)) return (x > 0 ? `${plusSign}inf` : "-inf").padStart(width);
    return format(floatParts(x, dtype));
  };
}

// ---------------------------------------------------------------------------
// Dragon4 digit generation and NumPy's positional / scientific layouts.

/** A finite float as `mantissa * 2**exponent`, the form Dragon4 works on. */
interface FloatParts {
  negative: boolean;
  mantissa: bigint;
  exponent: number;
  /** Index of the highest set bit of the mantissa. */
  mantissaBit: number;
  /** The gap to the float below is half the gap above (an exact power of two). */
  unequalMargins: boolean;
}

const bitsView = new DataView(new ArrayBuffer(8));

/** Fraction bits and exponent bias of each float format. */
const FORMAT_BITS: Readonly<Record<FloatDType, readonly [number, number]>> = {
  float16: [10, 15],
  bfloat16: [7, 127],
  float32: [23, 127],
  float64: [52, 1023],
};

function floatParts(x: number, dtype: FloatDType): FloatParts {
  let negative: boolean;
  let biased: number;
  let fraction: bigint;
  const [fractionBits, bias] = FORMAT_BITS[dtype];
  if (dtype === "float16" || dtype === "bfloat16") {
    const bits = dtype === "float16" ? float16Bits(x) : bfloat16Bits(x);
    negative = bits >>> 15 === 1;
    biased = (bits >>> fractionBits) & (dtype === "float16" ? 0x1f : 0xff);
    fraction = BigInt(bits & ((1 << fractionBits) - 1));
  } else if (dtype === "float32") {
    bitsView.setFloat32(0, x);
    const bits = bitsView.getUint32(0);
    negative = bits >>> 31 === 1;
    biased = (bits >>> 23) & 0xff;
    fraction = BigInt(bits & 0x7fffff);
  } else {
    bitsView.setFloat64(0, x);
    const bits = bitsView.getBigUint64(0);
    negative = bits >> 63n === 1n;
    biased = Number((bits >> 52n) & 0x7ffn);
    fraction = bits & ((1n << 52n) - 1n);
  }
  if (biased === 0) {
    // Subnormal (or zero): no implicit leading bit, equal margins.
    const mantissaBit = fraction === 0n ? 0 : fraction.toString(2).length - 1;
    return {
      negative,
      mantissa: fraction,
      exponent: 1 - bias - fractionBits,
      mantissaBit,
      unequalMargins: false,
    };
  }
  return {
    negative,
    mantissa: (1n << BigInt(fractionBits)) | fraction,
    exponent: biased - bias - fractionBits,
    mantissaBit: fractionBits,
    unequalMargins: biased !== 1 && fraction === 0n,
  };
}

interface Digits {
  digits: string;
  /** Decimal exponent of the first digit. */
  exponent: number;
}

/**
 * Shortest digits that uniquely identify the float (ties to the neighbour
 * included when the mantissa is even, as in IEEE round-half-even), stopping
 * at `cutoffMax` digits (total, or past the point) and continuing with real
 * digits until `cutoffMin`; -1 means no limit. The last digit is rounded to
 * nearest, ties to even.
 */
function dragon4(
  p: FloatParts,
  cutoffMode: "total" | "fraction",
  cutoffMax: number,
  cutoffMin: number,
): Digits {
  if (p.mantissa === 0n) return { digits: "0", exponent: 0 };
  const isEven = (p.mantissa & 1n) === 0n;
  // value / scale is the float; the margins are half the gaps to its neighbours.
  let value: bigint;
  let scale: bigint;
  let marginHigh: bigint;
  if (p.exponent >= 0) {
    value = p.mantissa << BigInt(p.exponent + 2);
    scale = 4n;
    marginHigh = 1n << BigInt(p.exponent + 1);
  } else {
    value = p.mantissa << 2n;
    scale = 1n << BigInt(2 - p.exponent);
    marginHigh = 2n;
  }
  let marginLow = p.unequalMargins ? marginHigh / 2n : marginHigh;

  // Estimate of floor(log10(value)) + 1 that is exact or one too low (Burger & Dybvig).
  let digitExponent = Math.ceil((p.mantissaBit + p.exponent) * LOG10_2 - 0.69);
  if (cutoffMax >= 0 && cutoffMode === "fraction" && digitExponent <= -cutoffMax) {
    // Nothing above the cutoff digit: start there, rounding decides the digit.
    digitExponent = -cutoffMax + 1;
  }
  if (digitExponent > 0) {
    scale *= 10n ** BigInt(digitExponent);
  } else if (digitExponent < 0) {
    const pow = 10n ** BigInt(-digitExponent);
    value *= pow;
    marginLow *= pow;
    marginHigh *= pow;
  }
  if (value >= scale) {
    digitExponent += 1;
  } else {
    value *= 10n;
    marginLow *= 10n;
    marginHigh *= 10n;
  }

  let cutoffMaxExponent = Number.NEGATIVE_INFINITY;
  if (cutoffMax >= 0) {
    cutoffMaxExponent = cutoffMode === "total" ? digitExponent - cutoffMax : -cutoffMax;
  }
  let cutoffMinExponent = digitExponent;
  if (cutoffMin >= 0) {
    const desired = cutoffMode === "total" ? digitExponent - cutoffMin : -cutoffMin;
    cutoffMinExponent = Math.min(cutoffMinExponent, desired);
  }
  let exponent = digitExponent - 1;

  const digits: number[] = [];
  let digit: number;
  let low: boolean;
  let high: boolean;
  for (;;) {
    digitExponent -= 1;
    digit = Number(value / scale);
    value %= scale;
    // Stop once the digits so far identify the float, or at the cutoff.
    low = isEven ? value <= marginLow : value < marginLow;
    const upper = value + marginHigh;
    high = isEven ? upper >= scale : upper > scale;
    if (
      ((low || high) && digitExponent <= cutoffMinExponent) ||
      digitExponent === cutoffMaxExponent
    ) {
      break;
    }
    digits.push(digit);
    value *= 10n;
    marginLow *= 10n;
    marginHigh *= 10n;
  }

  // Round the final digit: towards the side that still identifies the float, else
  // to nearest with ties to an even digit.
  let roundDown = low;
  if (low === high) {
    const twice = value * 2n;
    roundDown = twice < scale || (twice === scale && digit % 2 === 0);
  }
  if (roundDown) {
    digits.push(digit);
  } else {
    digits.push(digit + 1);
    // Carry through trailing nines, dropping them.
    while (digits.length > 1 && digits[digits.length - 1] === 10) {
      digits.pop();
      digits[digits.length - 1]! += 1;
    }
    if (digits[0] === 10) {
      digits[0] = 1;
      exponent += 1;
    }
  }
  return { digits: digits.join(""), exponent };
}

/**
 * Trailing-zero handling, as NumPy's `trim` argument: "k" keeps zeros and pads to
 * `minFraction`, "." trims zeros but keeps the point, "0" keeps one zero after the
 * point, "-" trims zeros and the point.
 */
type Trim = "k" | "." | "0" | "-";

function trimFraction(fraction: string, minFraction: number, trim: Trim): string {
  if (trim === "k") return fraction.padEnd(minFraction, "0");
  const trimmed = fraction.replace(/0+$/, "");
  return trim === "0" && trimmed === "" ? "0" : trimmed;
}

/** What the positional and scientific forms share. */
interface DigitOptions {
  /** Maximum digits after the point, -1 for none. */
  precision: number;
  /** Minimum digits after the point, -1 for none. */
  minDigits: number;
  trim: Trim;
  padLeft?: number;
  /** Print "+" before non-negative values (NumPy's sign="+"). */
  plus?: boolean;
}

interface PositionalOptions extends DigitOptions {
  padRight?: number;
}

/** `np.format_float_positional(x, unique=True, fractional=True, ...)`. */
function formatPositional(p: FloatParts, o: PositionalOptions): string {
  const sign = p.negative ? "-" : o.plus ? "+" : "";
  const { digits, exponent } = dragon4(p, "fraction", o.precision, o.minDigits);
  let whole: string;
  let fraction: string;
  if (exponent >= 0) {
    whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    fraction = digits.slice(exponent + 1);
  } else {
    whole = "0";
    fraction = "0".repeat(-exponent - 1) + digits;
  }
  fraction = trimFraction(fraction, Math.max(o.minDigits, 0), o.trim);
  const point = fraction !== "" || o.trim !== "-" ? "." : "";
  let s = sign + whole + point + fraction;
  const padRight = o.padRight ?? -1;
  if (padRight >= fraction.length) {
    s += " ".repeat(padRight - fraction.length + (point === "" ? 1 : 0));
  }
  return s.padStart(s.length + Math.max(0, (o.padLeft ?? -1) - sign.length - whole.length));
}

interface ScientificOptions extends DigitOptions {
  /** Minimum exponent digits; -1 means 2. */
  expDigits?: number;
}

/** `np.format_float_scientific(x, unique=True, ...)`. */
function formatScientific(p: FloatParts, o: ScientificOptions): string {
  const sign = p.negative ? "-" : o.plus ? "+" : "";
  const { digits, exponent } = dragon4(
    p,
    "total",
    o.precision < 0 ? -1 : o.precision + 1,
    o.minDigits < 0 ? -1 : o.minDigits + 1,
  );
  // Unlike the positional form, a point followed by trimmed zeros stays.
  const point = digits.length > 1 || o.trim !== "-" ? "." : "";
  const fraction = trimFraction(digits.slice(1), Math.max(o.minDigits, 0), o.trim);
  const expDigits = o.expDigits === undefined || o.expDigits < 0 ? 2 : Math.min(o.expDigits, 5);
  const exp = `e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(expDigits, "0")}`;
  const pad = " ".repeat(Math.max(0, (o.padLeft ?? -1) - 1 - sign.length));
  return pad + sign + digits[0] + point + fraction + exp;
}
