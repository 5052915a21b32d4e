/**
 * The 64-bit integer dtypes (int64, uint64; real under `jax_enable_x64`) on
 * the CPU. Their storage is little-endian (lo, hi) pairs of 32-bit words in
 * a Uint32Array (src/dtype.ts); the kernels of kernels/ and the IR's
 * evaluator know only 32-bit integers, so every application of a primitive
 * that takes or makes a 64-bit integer array runs here, by what the
 * primitive does with the words:
 *
 * - index operands (gather, scatter, dynamic_slice, dynamic_update_slice)
 *   narrow to int32, clamped to int32's range (an index past it is out of
 *   bounds either way, and clamps as JAX's would, never wraps);
 * - data movement (reshape, transpose, slices, gather/scatter, concatenate,
 *   pad, select_n, broadcast, rev...) and the bitwise reductions run the
 *   uint32 kernel twice, on the low words and on the high words;
 * - an int64 output of a primitive whose operands are not 64-bit (iota,
 *   argmax's index_dtype) runs the 32-bit kernel and widens the result;
 * - sort splits each 64-bit key into two keys (high word, signed for int64,
 *   then low word) and each other 64-bit operand into its two words;
 * - scatter_add/sub sum 16-bit limbs in float64 (exact) and carry them;
 *   dot_general and conv_general_dilated are bilinear: the products of the
 *   operands' 16-bit limbs in float64, summed with carries modulo 2^64
 *   (exact while a contraction has under 2^21 terms);
 * - arithmetic (add, sub, mul, div, rem, comparisons, shifts, bit counts,
 *   conversions, reductions, cumulative ops, clamp, integer_pow...) runs
 *   per element on BigInt values read through a BigInt64Array view of the
 *   words, with XLA's semantics: wrapping modulo 2^64, x / 0 = -1 (all
 *   ones), x % 0 = x, MIN / -1 = MIN, shifts past 63 give 0 (or the sign),
 *   float → int conversion saturating with NaN → 0. Measured eagerly on
 *   10^6 int64 elements (2-core dev machine, under load): add ~30 ms, mul
 *   ~50 ms, sum ~25 ms, a reshape+transpose (on the words) ~40 ms — some
 *   50-100× slower than int32's WebAssembly kernels.
 *
 * A primitive with no way to compute 64-bit integers is a TypeError naming
 * it (scatter_mul/min/max, windows, top_k on int64). Both the eager path
 * (backend.ts) and the compiled programs' JS steps (compiler/program.ts)
 * call `runInt64`; the WebAssembly compiler never sees a 64-bit integer
 * (compiler/lower.ts), so jit equals eager.
 */
import { ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import type { AnyPrimitive } from "../../core/primitive.js";
import {
  allocate,
  castScalar,
  type DType,
  intRangeBig,
  isFloating,
  isInt64,
  type TypedArray,
} from "../../dtype.js";
import { sizeOf, stridesOf } from "../../shape.js";
import { cpuArray, cpuData } from "./buffer.js";
import { holdsJaxpr, type Run, takesDtype } from "./special_dtypes.js";

type Params = Record<string, unknown>;
type Kernel = (args: ArrayImpl[], params: Params, outs: ShapedArray[], run: Run) => ArrayImpl[];

/** Collectives move storage themselves (devices/collectives.ts). */
const COLLECTIVES = new Set(["all_gather", "ppermute"]);

const names64 = (v: unknown): boolean => v === "int64" || v === "uint64";

/** Params with every 64-bit integer dtype named replaced by `by(dtype)`. */
function mapParams(params: Params, by: (d: "int64" | "uint64") => DType): Params {
  let out: Params | null = null;
  for (const k in params) {
    const v = params[k];
    if (names64(v)) {
      out ??= { ...params };
      out[k] = by(v as "int64");
    }
  }
  return out ?? params;
}
const to32 = (d: DType): DType => (d === "int64" ? "int32" : "uint32");

// --- Words and BigInt views -----------------------------------------------------------

/** A 64-bit array's values as a BigInt64Array (int64) or BigUint64Array (uint64), a view where aligned. */
function bigs(x: ArrayImpl): BigInt64Array | BigUint64Array {
  let d = cpuData(x) as Uint32Array;
  if (d.byteOffset % 8 !== 0) d = new Uint32Array(d);
  return x.dtype === "int64"
    ? new BigInt64Array(d.buffer, d.byteOffset, x.size)
    : new BigUint64Array(d.buffer, d.byteOffset, x.size);
}

/** An output array of `aval` (64-bit) and a BigInt64Array to write it (stores wrap modulo 2^64). */
function output(aval: ShapedArray): [ArrayImpl, BigInt64Array] {
  const data = allocate(aval.dtype, aval.size) as Uint32Array;
  return [cpuArray(aval, data), new BigInt64Array(data.buffer, data.byteOffset, aval.size)];
}

/** The low and the high words of a 64-bit array, as two uint32 arrays. */
export function splitWords(x: ArrayImpl): [ArrayImpl, ArrayImpl] {
  const d = cpuData(x);
  const n = x.size;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    lo[i] = d[2 * i]!;
    hi[i] = d[2 * i + 1]!;
  }
  const aval = new ShapedArray(x.shape, "uint32", x.weakType);
  return [cpuArray(aval, lo), cpuArray(aval, hi)];
}

/** The 64-bit array of `aval` from its low and high words. */
export function joinWords(aval: ShapedArray, lo: TypedArray, hi: TypedArray): ArrayImpl {
  const n = aval.size;
  const out = allocate(aval.dtype, n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = lo[i]!;
    out[2 * i + 1] = hi[i]!;
  }
  return cpuArray(aval, out);
}

/** A 32-bit integer (or bool) result widened to 64 bits: sign-extended from int32/int8/int16, else zero-extended. */
function widen(aval: ShapedArray, r: ArrayImpl): ArrayImpl {
  const d = cpuData(r);
  const signed = r.dtype === "int32" || r.dtype === "int16" || r.dtype === "int8";
  const out = allocate(aval.dtype, aval.size);
  for (let i = 0; i < aval.size; i++) {
    const v = d[i]!;
    out[2 * i] = v >>> 0;
    out[2 * i + 1] = signed && v < 0 ? 0xffffffff : 0;
  }
  return cpuArray(aval, out);
}

/** int64 index values narrowed to int32, clamped to its range (out of bounds stays out of bounds). */
function narrowIndex(x: ArrayImpl): ArrayImpl {
  const b = bigs(x);
  const out = new Int32Array(x.size);
  for (let i = 0; i < out.length; i++) {
    const v = b[i]!;
    out[i] = v > 2147483647n ? 2147483647 : v < -2147483648n ? -2147483648 : Number(v);
  }
  return cpuArray(new ShapedArray(x.shape, "int32", x.weakType), out);
}

/** Which operands of a primitive are indices. */
function isIndexArg(prim: string, i: number): boolean {
  if (prim === "gather" || prim.startsWith("scatter")) return i === 1;
  if (prim === "dynamic_slice") return i >= 1;
  if (prim === "dynamic_update_slice") return i >= 2;
  return false;
}

// --- Strategies -------------------------------------------------------------------------

/** The uint32 kernel on the low words, then on the high words. */
const byWords: Kernel = (args, params, outs, run) => {
  const p = mapParams(params, () => "uint32");
  const split = args.map((a) => (isInt64(a.dtype) ? splitWords(a) : null));
  const lo = run(
    args.map((a, i) => split[i]?.[0] ?? a),
    p,
  );
  const hi = run(
    args.map((a, i) => split[i]?.[1] ?? a),
    p,
  );
  return outs.map((aval, i) =>
    isInt64(aval.dtype)
      ? joinWords(aval, cpuData(lo[i]!), cpuData(hi[i]!))
      : new ArrayImpl(aval, lo[i]!.buffer),
  );
};

/** The 32-bit kernel for a 64-bit output of non-64-bit operands, widened. */
const widened: Kernel = (args, params, outs, run) => {
  const rs = run(args, mapParams(params, to32));
  return outs.map((aval, i) => (isInt64(aval.dtype) ? widen(aval, rs[i]!) : rs[i]!));
};

/** Reads operand values as BigInt at a flat index (a one-element operand broadcasts). */
function reader(x: ArrayImpl): (i: number) => bigint {
  if (isInt64(x.dtype)) {
    const b = bigs(x);
    return x.size === 1 ? () => b[0]! : (i) => b[i]!;
  }
  const d = cpuData(x);
  return x.size === 1 ? () => BigInt(d[0]!) : (i) => BigInt(d[i]!);
}

/** An elementwise kernel from a function of BigInt operands (64-bit or bool output). */
function mapBig(f: (xs: bigint[], p: Params, signed: boolean) => bigint | boolean): Kernel {
  return (args, params, [out]) => {
    const reads = args.map(reader);
    const signed = args.some((a) => a.dtype === "int64");
    const n = out!.size;
    const xs: bigint[] = new globalThis.Array(args.length);
    if (out!.dtype === "bool") {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < reads.length; k++) xs[k] = reads[k]!(i);
        data[i] = f(xs, params, signed) ? 1 : 0;
      }
      return [cpuArray(out!, data)];
    }
    const [arr, w] = output(out!);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < reads.length; k++) xs[k] = reads[k]!(i);
      w[i] = f(xs, params, signed) as bigint;
    }
    return [arr];
  };
}

const wrap = (v: bigint, signed: boolean): bigint =>
  signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v);
const ALL_ONES = -1n;

function div(a: bigint, b: bigint, signed: boolean): bigint {
  if (b === 0n) return ALL_ONES;
  return wrap(a / b, signed);
}
function rem(a: bigint, b: bigint): bigint {
  return b === 0n ? a : a % b;
}
function shift(kind: "l" | "rl" | "ra", a: bigint, s: bigint, signed: boolean): bigint {
  const n = BigInt.asUintN(64, s);
  if (n >= 64n) return kind === "ra" && signed && a < 0n ? ALL_ONES : 0n;
  if (kind === "l") return a << n;
  if (kind === "rl") return BigInt.asUintN(64, a) >> n;
  return signed ? a >> n : a >> n;
}
function popcount(a: bigint): bigint {
  let v = BigInt.asUintN(64, a);
  let c = 0n;
  while (v !== 0n) {
    v &= v - 1n;
    c++;
  }
  return c;
}
function clz(a: bigint): bigint {
  const v = BigInt.asUintN(64, a);
  return v === 0n ? 64n : BigInt(64 - v.toString(2).length);
}
function ipow(a: bigint, y: number, signed: boolean): bigint {
  let acc = 1n;
  let base = a;
  for (let k = Math.abs(y); k > 0; k >>= 1) {
    if (k & 1) acc = wrap(acc * base, signed);
    base = wrap(base * base, signed);
  }
  return y < 0 ? div(1n, acc, signed) : acc;
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** A float (or bool/int) value converted to a 64-bit integer, saturating as XLA (NaN → 0). */
function fromNumber(v: number, to: DType): bigint {
  if (Number.isNaN(v)) return 0n;
  const [lo, hi] = intRangeBig(to);
  if (v <= Number(lo)) return lo;
  if (v >= Number(hi)) return hi; // Number(hi) is 2^63 or 2^64: at or past it saturates
  return BigInt(Math.trunc(v));
}

/** A 64-bit integer rounded once to float32 (rounding to odd at 53 bits first keeps it exact). */
function toFloat32(v: bigint): number {
  const a = v < 0n ? -v : v;
  if (a < 1n << 53n) return Math.fround(Number(v));
  const drop = BigInt(a.toString(2).length - 53);
  let t = a >> drop;
  if (t << drop !== a) t |= 1n;
  const r = Math.fround(Number(t) * 2 ** Number(drop));
  return v < 0n ? -r : r;
}

/** convert_element_type to, from and between the 64-bit integers. */
const convert: Kernel = (args, _params, [out]) => {
  const x = args[0]!;
  const to = out!.dtype;
  const n = x.size;
  if (isInt64(x.dtype) && isInt64(to)) {
    return [cpuArray(out!, (cpuData(x) as Uint32Array).slice())];
  }
  if (isInt64(x.dtype)) {
    const b = bigs(x);
    const words = cpuData(x);
    const data = allocate(to, n);
    if (to === "float32") for (let i = 0; i < n; i++) data[i] = toFloat32(b[i]!);
    else if (to === "float64") for (let i = 0; i < n; i++) data[i] = Number(b[i]!);
    else if (to === "bool") {
      for (let i = 0; i < n; i++) data[i] = words[2 * i]! !== 0 || words[2 * i + 1]! !== 0 ? 1 : 0;
    } else if (isFloating(to)) {
      throw new TypeError(`convert_element_type: ${x.dtype} → ${to} reached the 64-bit kernel`);
    } else {
      // Integers wrap: the low word, cast to the narrower type.
      for (let i = 0; i < n; i++) data[i] = castScalar(words[2 * i]!, to);
    }
    return [cpuArray(out!, data)];
  }
  const d = cpuData(x);
  const [arr, w] = output(out!);
  if (isFloating(x.dtype)) for (let i = 0; i < n; i++) w[i] = fromNumber(d[i]!, to);
  else for (let i = 0; i < n; i++) w[i] = BigInt(d[i]!);
  return [arr];
};

// --- Reductions and scans -------------------------------------------------------------

/** Flat indices of a reduction: element (o, r) sits at base[o] + offs[r] (row-major). */
function reductionIndex(shape: readonly number[], axes: readonly number[]) {
  const strides = stridesOf(shape);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const offsets = (dims: number[]): Int32Array => {
    const out = new Int32Array(sizeOf(dims.map((d) => shape[d]!)));
    let n = 1;
    for (let k = dims.length - 1; k >= 0; k--) {
      const d = dims[k]!;
      const len = shape[d]!;
      for (let j = n * len - 1; j >= 0; j--) out[j] = out[j % n]! + Math.floor(j / n) * strides[d]!;
      n *= len;
    }
    return out;
  };
  return { base: offsets(kept), offs: offsets([...axes].sort((a, b) => a - b)) };
}

function reduce(
  f: (a: bigint, b: bigint, signed: boolean) => bigint,
  init: (d: DType) => bigint,
): Kernel {
  return (args, params, [out]) => {
    const x = args[0]!;
    const b = bigs(x);
    const signed = x.dtype === "int64";
    const { base, offs } = reductionIndex(x.shape, params.axes as number[]);
    const [arr, w] = output(out!);
    for (let o = 0; o < base.length; o++) {
      let acc = init(x.dtype);
      for (let r = 0; r < offs.length; r++) acc = f(acc, b[base[o]! + offs[r]!]!, signed);
      w[o] = acc;
    }
    return [arr];
  };
}

function argMinMax(better: (a: bigint, b: bigint) => boolean): Kernel {
  return (args, params, [out]) => {
    const x = args[0]!;
    const b = bigs(x);
    const { base, offs } = reductionIndex(x.shape, params.axes as number[]);
    const idx = new Float64Array(base.length);
    for (let o = 0; o < base.length; o++) {
      let best = 0;
      for (let r = 1; r < offs.length; r++) {
        if (better(b[base[o]! + offs[r]!]!, b[base[o]! + offs[best]!]!)) best = r;
      }
      idx[o] = best;
    }
    if (isInt64(out!.dtype)) {
      const [arr, w] = output(out!);
      for (let o = 0; o < idx.length; o++) w[o] = BigInt(idx[o]!);
      return [arr];
    }
    const data = allocate(out!.dtype, out!.size);
    data.set(idx);
    return [cpuArray(out!, data)];
  };
}

function cumulative(f: (a: bigint, b: bigint, signed: boolean) => bigint): Kernel {
  return (args, params, [out]) => {
    const x = args[0]!;
    const b = bigs(x);
    const signed = x.dtype === "int64";
    const { base, offs } = reductionIndex(x.shape, [params.axis as number]);
    const order = params.reverse ? [...offs].reverse() : offs;
    const [arr, w] = output(out!);
    for (let o = 0; o < base.length; o++) {
      let acc: bigint | null = null;
      for (const off of order) {
        const v = b[base[o]! + off]!;
        acc = acc === null ? v : f(acc, v, signed);
        w[base[o]! + off] = acc;
      }
    }
    return [arr];
  };
}

// --- Sort, limbs -------------------------------------------------------------------------

/** sort: each 64-bit key becomes two keys (high word, low word), each other operand its words. */
const sort: Kernel = (args, params, outs, run) => {
  const numKeys = params.num_keys as number;
  const ins: ArrayImpl[] = [];
  let keys = 0;
  args.forEach((a, i) => {
    if (!isInt64(a.dtype)) {
      ins.push(a);
      if (i < numKeys) keys++;
      return;
    }
    const [lo, hi] = splitWords(a);
    if (i < numKeys) {
      // int64's high word orders as a signed int32 (the kernel reads the typed array's values).
      const h = cpuData(hi);
      const hiKey =
        a.dtype === "int64"
          ? cpuArray(hi.aval.withDtype("int32"), new Int32Array(h.buffer, h.byteOffset, h.length))
          : hi;
      ins.push(hiKey, lo);
      keys += 2;
    } else {
      ins.push(lo, hi);
    }
  });
  // Non-key operands follow the keys: move the split keys' words into place.
  const rs = run(ins, { ...params, num_keys: keys });
  let k = 0;
  return outs.map((aval, i) => {
    if (!isInt64(aval.dtype)) return rs[k++]!;
    const a = rs[k++]!;
    const b = rs[k++]!;
    return i < numKeys
      ? joinWords(aval, cpuData(b), cpuData(a))
      : joinWords(aval, cpuData(a), cpuData(b));
  });
};

/** A 64-bit array's 16-bit limbs (least significant first), as float64 arrays. */
function limbs(x: ArrayImpl): ArrayImpl[] {
  const d = cpuData(x);
  const n = x.size;
  const ls = [0, 1, 2, 3].map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const lo = d[2 * i]!;
    const hi = d[2 * i + 1]!;
    ls[0]![i] = lo & 0xffff;
    ls[1]![i] = lo >>> 16;
    ls[2]![i] = hi & 0xffff;
    ls[3]![i] = hi >>> 16;
  }
  const aval = new ShapedArray(x.shape, "float64", false);
  return ls.map((l) => cpuArray(aval, l));
}

/** Σ parts[k]·2^(16·shifts[k]) modulo 2^64, per element, into a 64-bit array of `aval`. */
function carry(aval: ShapedArray, parts: TypedArray[], shifts: number[]): ArrayImpl {
  const [arr, w] = output(aval);
  for (let i = 0; i < aval.size; i++) {
    let acc = 0n;
    for (let k = 0; k < parts.length; k++) {
      acc += BigInt(parts[k]![i]!) << BigInt(16 * shifts[k]!);
    }
    w[i] = acc;
  }
  return arr;
}

/** scatter_add: the float64 scatter_add of each limb (exact sums), carried. */
const scatterAdd: Kernel = (args, params, [out], run) => {
  const [x, idx, u] = args as [ArrayImpl, ArrayImpl, ArrayImpl];
  const xl = limbs(x);
  const ul = limbs(u);
  const p = mapParams(params, () => "float64");
  const parts = xl.map((l, k) => cpuData(run([l, idx, ul[k]!], p)[0]!));
  return [carry(out!, parts, [0, 1, 2, 3])];
};

/** scatter_sub: scatter_add of the negated updates. */
const scatterSub: Kernel = (args, params, outs, run) => {
  const [x, idx, u] = args as [ArrayImpl, ArrayImpl, ArrayImpl];
  const [negU, w] = output(u.aval);
  const b = bigs(u);
  for (let i = 0; i < b.length; i++) w[i] = -b[i]!;
  return scatterAdd([x, idx, negU], params, outs, run);
};

/** A bilinear kernel (dot_general, conv_general_dilated): limb products in float64, carried. */
const bilinear: Kernel = (args, params, [out], run) => {
  const [x, y] = args as [ArrayImpl, ArrayImpl];
  const p = mapParams(params, () => "float64");
  const xl = limbs(x);
  const yl = limbs(y);
  const parts: TypedArray[] = [];
  const shifts: number[] = [];
  for (let i = 0; i < 4; i++) {
    for (let j = 0; i + j < 4; j++) {
      parts.push(cpuData(run([xl[i]!, yl[j]!], p)[0]!));
      shifts.push(i + j);
    }
  }
  return [carry(out!, parts, shifts)];
};

// --- The table ---------------------------------------------------------------------------

const b2 = (f: (a: bigint, b: bigint, signed: boolean) => bigint | boolean): Kernel =>
  mapBig((xs, _p, s) => f(xs[0]!, xs[1]!, s));
const b1 = (f: (a: bigint, signed: boolean) => bigint): Kernel =>
  mapBig((xs, _p, s) => f(xs[0]!, s));

const KERNELS: Readonly<Record<string, Kernel>> = {
  // Data movement and bitwise operations, on the words.
  copy: byWords,
  stop_gradient: byWords,
  broadcast_in_dim: byWords,
  reshape: byWords,
  squeeze: byWords,
  transpose: byWords,
  rev: byWords,
  slice: byWords,
  dynamic_slice: byWords,
  dynamic_update_slice: byWords,
  concatenate: byWords,
  pad: byWords,
  gather: byWords,
  scatter: byWords,
  select_n: byWords,
  and: byWords,
  or: byWords,
  xor: byWords,
  not: byWords,
  reduce_and: byWords,
  reduce_or: byWords,
  reduce_xor: byWords,
  // Arithmetic, per element on BigInts.
  add: b2((a, b) => a + b),
  sub: b2((a, b) => a - b),
  mul: b2((a, b) => a * b),
  div: b2(div),
  rem: b2(rem),
  max: b2(max),
  min: b2(min),
  neg: b1((a) => -a),
  abs: b1((a) => (a < 0n ? -a : a)),
  sign: b1((a) => (a > 0n ? 1n : a < 0n ? -1n : 0n)),
  square: b1((a) => a * a),
  population_count: b1(popcount),
  clz: b1(clz),
  shift_left: b2((a, b, s) => shift("l", a, b, s)),
  shift_right_logical: b2((a, b, s) => shift("rl", a, b, s)),
  shift_right_arithmetic: b2((a, b, s) => shift("ra", a, b, s)),
  integer_pow: mapBig((xs, p, s) => ipow(xs[0]!, p.y as number, s)),
  clamp: mapBig(([lo, x, hi]) => min(max(x!, lo!), hi!)),
  eq: b2((a, b) => a === b),
  ne: b2((a, b) => a !== b),
  lt: b2((a, b) => a < b),
  le: b2((a, b) => a <= b),
  gt: b2((a, b) => a > b),
  ge: b2((a, b) => a >= b),
  convert_element_type: convert,
  reduce_sum: reduce(
    (a, b) => a + b,
    () => 0n,
  ),
  reduce_prod: reduce(
    (a, b, s) => wrap(a * b, s),
    () => 1n,
  ),
  reduce_max: reduce(max, (d) => intRangeBig(d)[0]),
  reduce_min: reduce(min, (d) => intRangeBig(d)[1]),
  argmax: argMinMax((a, b) => a > b),
  argmin: argMinMax((a, b) => a < b),
  cumsum: cumulative((a, b, s) => wrap(a + b, s)),
  cumprod: cumulative((a, b, s) => wrap(a * b, s)),
  cummax: cumulative(max),
  cummin: cumulative(min),
  sort,
  scatter_add: scatterAdd,
  scatter_sub: scatterSub,
  dot_general: bilinear,
  conv_general_dilated: bilinear,
};

/**
 * The application of `prim` when a 64-bit integer dtype takes part (in an
 * operand, an output or a dtype param), computed as the module header says;
 * null when none does, and for primitives holding jaxprs (their equations
 * each come back here).
 */
export function runInt64(
  prim: AnyPrimitive,
  args: readonly ArrayImpl[],
  params: object,
  run: Run,
): ArrayImpl[] | null {
  if (!takesDtype(args, params, names64)) return null;
  if (COLLECTIVES.has(prim.name) || holdsJaxpr(params)) return null;
  const p = params as Params;
  const name = prim.name;
  let ins = args as ArrayImpl[];
  if (args.some((a, i) => isInt64(a.dtype) && isIndexArg(name, i))) {
    ins = args.map((a, i) => (isInt64(a.dtype) && isIndexArg(name, i) ? narrowIndex(a) : a));
  }
  const outs = prim.rules.abstractEval(
    ins.map((a) => a.aval),
    params,
  );
  const any64 = ins.some((a) => isInt64(a.dtype));
  if (!any64 && !outs.some((o) => isInt64(o.dtype))) {
    const rs = run(ins, params);
    return rs.map((r, i) => (outs[i]!.equals(r.aval) ? r : new ArrayImpl(outs[i]!, r.buffer)));
  }
  if (name === "pow") {
    // A float base with a 64-bit integer exponent: the exponent as float64 (exact below 2^53).
    const [x, y] = ins as [ArrayImpl, ArrayImpl];
    const yv = bigs(y);
    const f = new Float64Array(y.size);
    for (let i = 0; i < f.length; i++) f[i] = Number(yv[i]!);
    return run([x, cpuArray(y.aval.withDtype("float64"), f)], params);
  }
  const kernel = !any64 && name !== "convert_element_type" ? widened : (KERNELS[name] ?? null);
  if (kernel === null) {
    const dtypes = ins.map((a) => a.dtype).join(", ");
    throw new TypeError(
      `${name}: the CPU backend computes no 64-bit integer values for this primitive ` +
        `(operand dtypes: ${dtypes || "none"})`,
    );
  }
  return kernel(ins, p, outs, run);
}
