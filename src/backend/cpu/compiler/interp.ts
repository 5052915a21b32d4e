/**
 * A JS evaluator of the kernel IR: the reference for what each node means
 * (every node computes in doubles and rounds to its dtype, as the eager
 * kernels store their results), used to test the lowering independently of
 * code generation and to run kernels where WebAssembly is unavailable.
 */
import { castScalar, type DType, isFloating } from "../../../dtype.js";
import * as sp from "../../../lax/special.js";
import { view } from "../memory.js";
import type { BinaryOp, Kernel, Node, ReduceOp, UnaryOp } from "./ir.js";
import { nodeDtype } from "./ir.js";

type F1 = (a: number) => number;
type F2 = (a: number, b: number) => number;

const UINT32_MAX = 4294967295;

function popcount(a: number): number {
  let v = a >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** The scalar function of a unary op on a dtype (the eager kernels' definitions). */
export function unaryFn(op: UnaryOp, dtype: DType): F1 {
  const int = !isFloating(dtype);
  switch (op) {
    case "neg": return (a) => -a;
    case "abs": return Math.abs;
    case "sign": return dtype === "uint32" ? (a) => (a > 0 ? 1 : 0) : (a) => (a > 0 ? 1 : a < 0 ? -1 : a);
    case "floor": return Math.floor;
    case "ceil": return Math.ceil;
    case "round_even": return sp.roundHalfEven;
    case "round_away": return sp.roundAwayFromZero;
    case "sqrt": return Math.sqrt;
    case "rsqrt": return (a) => 1 / Math.sqrt(a);
    case "cbrt": return Math.cbrt;
    case "exp": return Math.exp;
    case "exp2": return (a) => 2 ** a;
    case "log": return Math.log;
    case "log1p": return Math.log1p;
    case "expm1": return Math.expm1;
    case "tanh": return Math.tanh;
    case "logistic": return (a) => 1 / (1 + Math.exp(-a));
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
    case "erf": return sp.erf;
    case "erfc": return sp.erfc;
    case "square": return int ? (a) => Math.imul(a, a) : (a) => a * a;
    case "not": return dtype === "bool" ? (a) => 1 - a : (a) => ~a;
    case "is_finite": return (a) => (Number.isFinite(a) ? 1 : 0);
    case "clz": return Math.clz32;
    case "population_count": return popcount;
  }
} // biome-ignore format: a table

/** The scalar function of a binary op on a dtype (XLA's integer semantics, as the eager kernels). */
export function binaryFn(op: BinaryOp, dtype: DType): F2 {
  const int = dtype === "int32" || dtype === "uint32";
  switch (op) {
    case "add": return (a, b) => a + b;
    case "sub": return (a, b) => a - b;
    case "mul": return int ? Math.imul : (a, b) => a * b;
    case "div":
      if (dtype === "int32") return (a, b) => (b === 0 ? -1 : (a / b) | 0);
      if (dtype === "uint32") return (a, b) => (b === 0 ? UINT32_MAX : Math.trunc(a / b));
      return (a, b) => a / b;
    case "rem": return int ? (a, b) => (b === 0 ? a : a % b) : (a, b) => a % b;
    case "max": return Math.max;
    case "min": return Math.min;
    case "atan2": return Math.atan2;
    case "eq": return (a, b) => (a === b ? 1 : 0);
    case "ne": return (a, b) => (a !== b ? 1 : 0);
    case "lt": return (a, b) => (a < b ? 1 : 0);
    case "le": return (a, b) => (a <= b ? 1 : 0);
    case "gt": return (a, b) => (a > b ? 1 : 0);
    case "ge": return (a, b) => (a >= b ? 1 : 0);
    case "and": return (a, b) => a & b;
    case "or": return (a, b) => a | b;
    case "xor": return (a, b) => a ^ b;
    case "shift_left": return (a, b) => (b >>> 0 >= 32 ? 0 : a << b);
    case "shift_right_logical": return (a, b) => (b >>> 0 >= 32 ? 0 : a >>> b);
    case "shift_right_arithmetic": return (a, b) => (b >>> 0 >= 32 ? (a | 0) >> 31 : (a | 0) >> b);
  }
} // biome-ignore format: a table

/** The float-to-int conversions XLA's CPU backend performs (truncate, saturate, NaN to 0). */
export function convertFn(from: DType, to: DType): F1 {
  if (to === "bool") return (a) => (a !== 0 ? 1 : 0);
  if (isFloating(from) && to === "int32") {
    return (a) =>
      Number.isNaN(a)
        ? 0
        : a <= -2147483648
          ? -2147483648
          : a >= 2147483647
            ? 2147483647
            : Math.trunc(a);
  }
  if (isFloating(from) && to === "uint32") {
    return (a) => (Number.isNaN(a) || a <= 0 ? 0 : a >= UINT32_MAX ? UINT32_MAX : Math.trunc(a));
  }
  return (a) => a;
}

export function reduceIdentity(op: ReduceOp, dtype: DType): number {
  switch (op) {
    case "sum": case "or": case "xor": return 0;
    case "prod": return 1;
    case "and": return dtype === "bool" ? 1 : dtype === "uint32" ? UINT32_MAX : -1;
    case "max": return isFloating(dtype) ? -Infinity : dtype === "int32" ? -2147483648 : 0;
    case "min": return isFloating(dtype) ? Infinity : dtype === "int32" ? 2147483647 : dtype === "uint32" ? UINT32_MAX : 1;
  }
} // biome-ignore format: a table

export function reduceFn(op: ReduceOp, dtype: DType): F2 {
  const int = dtype === "int32" || dtype === "uint32";
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

/** Evaluates kernel `k` with its arguments at byte addresses `addrs` in the CPU memory. */
export function runKernelJs(k: Kernel, addrs: readonly number[]): void {
  const bufs = k.args.map((a, i) => view(a.dtype, addrs[i]!, a.size));
  const fns = k.nodes.map((n) => nodeFn(n));
  const rank = k.shape.length;
  const total = k.shape.reduce((a, b) => a * b, 1);
  if (total === 0 && k.reduce === null) return;
  const keptStrides: number[] = [];
  {
    let s = 1;
    for (let d = rank - 1; d >= 0; d--) {
      keptStrides[d] = k.reduced[d] ? 0 : s;
      if (!k.reduced[d]) s *= k.shape[d]!;
    }
  }
  const outDtypes = k.outputs.map((o) => k.args[o.arg]!.dtype);
  // Reductions fold into float64 accumulators (as the eager kernels), rounded once at the end.
  const accs =
    k.reduce === null
      ? null
      : k.outputs.map((o, j) =>
          new Float64Array(k.args[o.arg]!.size).fill(reduceIdentity(k.reduce!, outDtypes[j]!)),
        );
  const fold =
    k.reduce === null ? null : k.outputs.map((_, j) => reduceFn(k.reduce!, outDtypes[j]!));
  const vals = new Float64Array(k.nodes.length);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let r = flat;
    let out = 0;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = r % k.shape[d]!;
      r = Math.floor(r / k.shape[d]!);
      out += idx[d]! * keptStrides[d]!;
    }
    for (let i = 0; i < fns.length; i++) vals[i] = fns[i]!(vals, idx, bufs);
    k.outputs.forEach((o, j) => {
      const v = vals[o.node]!;
      if (accs === null) bufs[o.arg]![out] = v;
      else {
        const acc = accs[j]!;
        // Integer folds wrap as they go; float ones keep float64 precision.
        const r = fold![j]!(acc[out]!, v);
        acc[out] = isFloating(outDtypes[j]!) ? r : castScalar(r, outDtypes[j]!);
      }
    });
  }
  accs?.forEach((acc, j) => {
    const b = bufs[k.outputs[j]!.arg]!;
    for (let i = 0; i < acc.length; i++) b[i] = acc[i]!;
  });
}

type NodeFn = (
  vals: Float64Array,
  idx: readonly number[],
  bufs: readonly ArrayLike<number>[],
) => number;

function nodeFn(n: Node): NodeFn {
  const cast =
    (d: DType): F1 =>
    (v) =>
      castScalar(v, d);
  const out = cast(nodeDtype(n));
  const at = (a: { offset: number; coeffs: readonly number[] }, idx: readonly number[]) => {
    let s = a.offset;
    for (let d = 0; d < a.coeffs.length; d++) s += a.coeffs[d]! * idx[d]!;
    return s;
  };
  switch (n.op) {
    case "load":
      return (_v, idx, bufs) => bufs[n.arg]![at(n.index, idx)]!;
    case "const":
      return () => out(n.value);
    case "coord":
      return (_v, idx) => out(at(n.index, idx));
    case "unary": {
      const f = unaryFn(n.fn, n.dtype);
      return (v) => out(f(v[n.x]!));
    }
    case "binary": {
      const f = binaryFn(n.fn, n.dtype);
      return (v) => out(f(v[n.a]!, v[n.b]!));
    }
    case "select": {
      const last = n.cases.length - 1;
      return (v) => {
        const w = v[n.which]!;
        return v[n.cases[w <= 0 ? 0 : Math.min(w, last)]!]!;
      };
    }
    case "convert": {
      const f = convertFn(n.from, n.dtype);
      return (v) => out(f(v[n.x]!));
    }
  }
}
