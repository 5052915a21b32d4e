/**
 * The one definition of scalar semantics: what every kernel-IR node computes
 * (kernel.ts). Each node computes in doubles and rounds its result to its
 * dtype (float32 once per node, integers modulo 2^bits: int8 to uint32), with XLA's
 * integer division by zero, shifts past the bit width and saturating
 * float-to-int conversion. The JS target of the compiler evaluates kernels
 * with these functions; the eager kernels of the elementwise primitives run
 * the primitive's lowering compiled by `compileScalar` into one closure per
 * (lowering, dtypes, params), mapped over the flat operands; code
 * generators (WebAssembly) must agree with them, up to a few ulps in the
 * transcendental functions.
 */
import { config } from "../config.js";
import {
  castScalar,
  type DType,
  intBits,
  intRange,
  isFloating,
  isUnsigned,
  type TypedArray,
} from "../dtype.js";
import {
  type BinaryOp,
  isComparison,
  type ReduceOp,
  type ScalarBuilder,
  type UnaryOp,
} from "./kernel.js";
import * as sp from "./special.js";

export type F1 = (a: number) => number;
export type F2 = (a: number, b: number) => number;

const UINT32_MAX = 4294967295;

function popcount(a: number): number {
  let v = a >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** An integer dtype's bit width and mask (32 for bool and the floats: unused there). */
function widthOf(dtype: DType): { bits: number; mask: number } {
  const bits = intBits(dtype) ?? 32;
  return { bits, mask: bits === 32 ? -1 : (1 << bits) - 1 };
}

/**
 * float32: XLA:CPU's approximation (JAX's numbers) unless
 * `jaxts_correctly_rounded_f32` asks for the correctly rounded one (read per
 * call, since compiled closures outlive a config change).
 */
function xlaF32(dtype: DType, xla: F1, exact: F1): F1 {
  if (dtype !== "float32") return exact;
  return (a) => (config.read("jaxts_correctly_rounded_f32") ? exact(a) : xla(a));
}

/** The scalar function of a unary op on a dtype. */
export function unaryFn(op: UnaryOp, dtype: DType): F1 {
  const int = !isFloating(dtype);
  const { bits, mask } = widthOf(dtype);
  switch (op) {
    case "neg": return (a) => -a;
    case "abs": return Math.abs; // abs of INT32_MIN wraps to itself when stored, as XLA
    case "sign": return isUnsigned(dtype) ? (a) => (a > 0 ? 1 : 0) : (a) => (a > 0 ? 1 : a < 0 ? -1 : a); // keeps -0 and NaN
    case "floor": return Math.floor;
    case "ceil": return Math.ceil;
    case "round_even": return sp.roundHalfEven;
    case "round_away": return sp.roundAwayFromZero;
    case "sqrt": return Math.sqrt;
    case "rsqrt": return (a) => 1 / Math.sqrt(a);
    case "cbrt": return Math.cbrt;
    case "exp": return xlaF32(dtype, sp.xlaExpF32, Math.exp);
    case "exp2": return (a) => 2 ** a;
    case "log": return xlaF32(dtype, sp.xlaLogF32, Math.log);
    case "log1p": return xlaF32(dtype, sp.xlaLog1pF32, Math.log1p);
    case "expm1": return xlaF32(dtype, sp.xlaExpm1F32, Math.expm1);
    case "tanh": return xlaF32(dtype, sp.xlaTanhF32, Math.tanh);
    case "logistic": return xlaF32(dtype, sp.xlaLogisticF32, (a) => 1 / (1 + Math.exp(-a)));
    case "sin": return Math.sin;
    case "cos": return Math.cos;
    case "tan": return Math.tan;
    case "asin": return Math.asin;
    case "acos": return Math.acos;
    case "atan": return Math.atan;
    case "sinh": return Math.sinh;
    case "cosh": return Math.cosh;
    case "asinh": return Math.asinh;
    case "acosh": return Math.acosh;
    case "atanh": return Math.atanh;
    case "erf": return xlaF32(dtype, sp.xlaErfF32, sp.erf);
    case "erfc": return sp.erfc;
    case "erf_inv": return dtype === "float32" ? sp.erfInv32 : sp.erfInv; // XLA's float32 algorithm
    case "lgamma": return sp.lgamma;
    case "digamma": return sp.digamma;
    case "square": return int ? (a) => Math.imul(a, a) : (a) => a * a;
    case "not": return dtype === "bool" ? (a) => 1 - a : (a) => ~a;
    case "is_finite": return (a) => (Number.isFinite(a) ? 1 : 0);
    // Narrow ints count within their width (their stored value is sign- or zero-extended).
    case "clz": return bits === 32 ? Math.clz32 : (a) => Math.clz32(a & mask) - (32 - bits);
    case "population_count": return bits === 32 ? popcount : (a) => popcount(a & mask);
  }
} // biome-ignore format: a table

/** The scalar function of a binary op on its operands' dtype (XLA's integer semantics). */
export function binaryFn(op: BinaryOp, dtype: DType): F2 {
  const int = intBits(dtype) !== undefined;
  const { bits, mask } = widthOf(dtype);
  // A narrow int's value read as its signed type (arithmetic shifts of unsigned ints, as XLA).
  const sext = bits === 32 ? (a: number) => a | 0 : (a: number) => (a << (32 - bits)) >> (32 - bits);
  switch (op) {
    case "add": return (a, b) => a + b;
    case "sub": return (a, b) => a - b;
    case "mul": return int ? Math.imul : (a, b) => a * b;
    case "div":
      // Integer division truncates toward zero; x / 0 is -1 (all ones) and INT32_MIN / -1 wraps.
      if (dtype === "int32") return (a, b) => (b === 0 ? -1 : (a / b) | 0);
      if (dtype === "uint32") return (a, b) => (b === 0 ? UINT32_MAX : Math.trunc(a / b));
      // Narrow ints: -1 wraps to all ones (255 for uint8) and -128 / -1 to -128 when rounded.
      if (int) return (a, b) => (b === 0 ? -1 : Math.trunc(a / b));
      return (a, b) => a / b;
    // JS % is C's fmod (the sign of the dividend); XLA defines x % 0 as x for integers.
    case "rem": return int ? (a, b) => (b === 0 ? a : a % b) : (a, b) => a % b;
    case "max": return Math.max; // NaN-propagating, -0 < +0 (IEEE 754-2019 maximum)
    case "min": return Math.min;
    case "atan2": return Math.atan2;
    case "eq": return (a, b) => (a === b ? 1 : 0);
    case "ne": return (a, b) => (a !== b ? 1 : 0);
    case "lt": return (a, b) => (a < b ? 1 : 0);
    case "le": return (a, b) => (a <= b ? 1 : 0);
    case "gt": return (a, b) => (a > b ? 1 : 0);
    case "ge": return (a, b) => (a >= b ? 1 : 0);
    // On bools (stored 0/1) the bitwise operators are the logical ones.
    case "and": return (a, b) => a & b;
    case "or": return (a, b) => a | b;
    case "xor": return (a, b) => a ^ b;
    // Shift amounts are read as unsigned; from the bit width on, 0, or the sign for arithmetic shifts.
    case "shift_left": return (a, b) => (b >>> 0 >= bits ? 0 : a << b);
    case "shift_right_logical": return (a, b) => (b >>> 0 >= bits ? 0 : (a & mask) >>> b);
    case "shift_right_arithmetic": return (a, b) => (b >>> 0 >= bits ? sext(a) >> 31 : sext(a) >> b);
    case "nextafter": return dtype === "float32" ? sp.nextafter32 : sp.nextafter64;
    case "polygamma": return sp.polygamma;
    case "pow": return sp.cpow;
  }
} // biome-ignore format: a table

/** The float-to-int conversions XLA's CPU backend performs (truncate, saturate, NaN to 0). */
export function convertFn(from: DType, to: DType): F1 {
  if (to === "bool") return (a) => (a !== 0 ? 1 : 0); // NaN -> true, as x != 0
  if (isFloating(from) && intBits(to) !== undefined) {
    // Saturating at the target's range (XLA's fptosi.sat), for every integer width.
    const [lo, hi] = intRange(to);
    return (a) => (Number.isNaN(a) ? 0 : a <= lo ? lo : a >= hi ? hi : Math.trunc(a));
  }
  return (a) => a; // float <-> float rounds, int <-> int wraps, int/bool -> float is exact
}

export function reduceIdentity(op: ReduceOp, dtype: DType): number {
  switch (op) {
    case "sum": case "or": case "xor": return 0;
    case "prod": return 1;
    case "and": return dtype === "bool" ? 1 : isUnsigned(dtype) ? intRange(dtype)[1] : -1;
    case "max": return isFloating(dtype) ? -Infinity : dtype === "bool" ? 0 : intRange(dtype)[0];
    case "min": return isFloating(dtype) ? Infinity : dtype === "bool" ? 1 : intRange(dtype)[1];
  }
} // biome-ignore format: a table

export function reduceFn(op: ReduceOp, dtype: DType): F2 {
  const int = intBits(dtype) !== undefined;
  switch (op) {
    case "sum": return (a, b) => a + b;
    case "prod": return int ? Math.imul : (a, b) => a * b;
    case "max": return Math.max;
    case "min": return Math.min;
    case "and": return (a, b) => a & b;
    case "or": return (a, b) => a | b;
    case "xor": return (a, b) => a ^ b;
  }
} // biome-ignore format: a table

// --- Lowerings compiled to closures --------------------------------------------

/** A node as a closure of the operands' values (the first three by argument, all in `r`). */
type G = (a: number, b: number, c: number, r: readonly number[]) => number;

interface Compiled {
  readonly dtype: DType;
  readonly g: G;
  /** The scalar function itself when the node is that op applied to the operands in order. */
  readonly raw: F1 | F2 | null;
}

/** Rounds a node's value to its dtype; null where that is the identity (float64). */
function rounding(d: DType): F1 | null {
  if (d === "float64") return null;
  if (d === "float32") return Math.fround;
  return (v) => castScalar(v, d);
}

/**
 * Builds closures instead of nodes: the lowering of an elementwise primitive
 * becomes one JS function of its operands' values, every node rounding as
 * the IR defines (the last one is left to the store into the output array,
 * which rounds identically).
 */
class ClosureBuilder implements ScalarBuilder {
  readonly nodes: Compiled[] = [];
  constructor(private readonly inputs: readonly DType[]) {
    inputs.forEach((d, k) => {
      const g: G =
        k === 0
          ? (a) => a
          : k === 1
            ? (_a, b) => b
            : k === 2
              ? (_a, _b, c) => c
              : (_a, _b, _c, r) => r[k]!;
      this.nodes.push({ dtype: d, g, raw: null });
    });
  }
  private push(dtype: DType, g: G, raw: F1 | F2 | null = null): number {
    this.nodes.push({ dtype, g, raw });
    return this.nodes.length - 1;
  }
  private node(x: number): Compiled {
    const n = this.nodes[x];
    if (n === undefined) throw new Error(`kernel IR: node ${x} does not exist`);
    return n;
  }
  /** The closure of node x rounded to its dtype (operands are stored values: no rounding). */
  private value(x: number): G {
    const n = this.node(x);
    const r = x < this.inputs.length ? null : rounding(n.dtype);
    const g = n.g;
    return r === null ? g : (a, b, c, rs) => r(g(a, b, c, rs));
  }
  dtype(x: number): DType {
    return this.node(x).dtype;
  }
  konst(value: number, dtype: DType): number {
    const c = castScalar(value, dtype);
    return this.push(dtype, () => c);
  }
  unary(fn: UnaryOp, x: number): number {
    const d = this.dtype(x);
    const f = unaryFn(fn, d);
    const g = this.value(x);
    const out = fn === "is_finite" ? "bool" : d;
    return this.push(
      out,
      (a, b, c, r) => f(g(a, b, c, r)),
      x === 0 && this.inputs.length === 1 ? f : null,
    );
  }
  binary(fn: BinaryOp, x: number, y: number): number {
    const d = this.dtype(x);
    if (this.dtype(y) !== d) {
      throw new TypeError(`kernel IR: ${fn} of ${d} and ${this.dtype(y)} (operands must agree)`);
    }
    const f = binaryFn(fn, d);
    const gx = this.value(x);
    const gy = this.value(y);
    const raw = x === 0 && y === 1 && this.inputs.length === 2 ? f : null;
    return this.push(
      isComparison(fn) ? "bool" : d,
      (a, b, c, r) => f(gx(a, b, c, r), gy(a, b, c, r)),
      raw,
    );
  }
  select(which: number, cases: readonly number[]): number {
    const w = this.value(which);
    const gs = cases.map((c) => this.value(c));
    const last = gs.length - 1;
    const d = this.dtype(cases[0]!);
    if (last === 1) {
      const [g0, g1] = gs as [G, G];
      return this.push(d, (a, b, c, r) => (w(a, b, c, r) <= 0 ? g0(a, b, c, r) : g1(a, b, c, r)));
    }
    return this.push(d, (a, b, c, r) => {
      const k = w(a, b, c, r);
      return gs[k <= 0 ? 0 : Math.min(k, last)]!(a, b, c, r);
    });
  }
  convert(x: number, to: DType): number {
    const from = this.dtype(x);
    if (from === to) return x;
    const f = convertFn(from, to);
    const g = this.value(x);
    return this.push(
      to,
      (a, b, c, r) => f(g(a, b, c, r)),
      x === 0 && this.inputs.length === 1 ? f : null,
    );
  }
  coord(): number {
    throw new Error("kernel IR: a coordinate (iota) has no value outside a kernel");
  }
}

/** An elementwise lowering: the scalar result node from the operands' nodes. */
export type ScalarLowering<P> = (b: ScalarBuilder, xs: readonly number[], params: P) => number;

/** A lowering compiled for operands of given dtypes: maps flat operands into `out`. */
export type ElementwiseKernel = (args: readonly TypedArray[], out: TypedArray) => void;

const EMPTY: readonly number[] = [];

function map1(f: F1, x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]!);
}

function map2(f: F2, x: TypedArray, y: TypedArray, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]!, y[i]!);
}

/**
 * Compiles `lower` for operands of dtypes `inputs` into a kernel over flat
 * arrays: operands have the output's length, except 0-d ones (a clamp bound,
 * a select_n predicate), read at index 0 for every element.
 */
export function compileScalar<P>(
  lower: ScalarLowering<P>,
  inputs: readonly DType[],
  params: P,
): ElementwiseKernel {
  if (inputs.length === 0) {
    throw new Error(
      "kernel IR: an elementwise kernel over flat operands needs at least one operand",
    );
  }
  const b = new ClosureBuilder(inputs);
  const top = lower(
    b,
    inputs.map((_, k) => k),
    params,
  );
  const n = inputs.length;
  if (top < n) {
    // An operand itself (copy): the store converts, as a node would.
    return (args, out) => {
      const x = args[top]!;
      if (x.length === out.length) out.set(x);
      else out.fill(x[0]!);
    };
  }
  const node = b.nodes[top]!;
  const g = node.g;
  const f1: F1 = n === 1 && node.raw !== null ? (node.raw as F1) : (a) => g(a, 0, 0, EMPTY);
  const f2: F2 = n === 2 && node.raw !== null ? (node.raw as F2) : (a, b) => g(a, b, 0, EMPTY);
  return (args, out) => {
    const len = out.length;
    if (n === 1 && args[0]!.length === len) return map1(f1, args[0]!, out);
    if (n === 2 && args[0]!.length === len && args[1]!.length === len) {
      return map2(f2, args[0]!, args[1]!, out);
    }
    // 0-d operands are read with stride 0.
    const strides = args.map((x) => (x.length === len ? 1 : 0));
    if (n <= 3) {
      const [x, y, z] = [args[0]!, args[1] ?? args[0]!, args[2] ?? args[0]!];
      const [sx, sy, sz] = [strides[0]!, strides[1] ?? 0, strides[2] ?? 0];
      for (let i = 0; i < len; i++) out[i] = g(x[i * sx]!, y[i * sy]!, z[i * sz]!, EMPTY);
      return;
    }
    const r = new Array<number>(n).fill(0);
    for (let i = 0; i < len; i++) {
      for (let k = 0; k < n; k++) r[k] = args[k]![i * strides[k]!]!;
      out[i] = g(r[0]!, r[1]!, r[2]!, r);
    }
  };
}
