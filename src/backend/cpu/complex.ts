/**
 * The complex dtypes (complex64, complex128) on the CPU. Their storage is
 * interleaved (re, im) pairs of float32 or float64 (src/dtype.ts); the
 * kernels of kernels/ and the IR's evaluator know only real numbers, so
 * every application of a primitive that takes or makes a complex array runs
 * here, by what the primitive does with the two parts:
 *
 * - componentwise: data movement and sums (reshape, transpose, slices,
 *   gather/scatter, concatenate, pad, select_n, reduce_sum, cumsum, add,
 *   sub, neg...) apply to the real and the imaginary parts alone: the real
 *   kernel runs twice, on each part;
 * - bilinear: mul, dot_general and conv_general_dilated are
 *   (a + bi)(c + di) = (ac - bd) + (ad + bc)i: four real applications;
 * - complex functions (div, exp, log, sqrt, trig and hyperbolic functions,
 *   pow, abs, sign, eq/ne...): elementwise loops over the pairs, on the
 *   scalar functions of ir/complex.ts, computed in doubles and rounded once
 *   per part into the output's storage;
 * - conversions to, from and between complex dtypes; reduce_prod and cumprod
 *   as sequential complex products.
 *
 * real, imag, conj, complex and fft have kernels of their own that read the
 * pairs (kernels/complex.ts, kernels/fft.ts); primitives holding jaxprs run
 * their equations one by one and each comes back here. A primitive with no
 * way to compute complex values is a TypeError naming it and the dtypes —
 * never real kernels run over pairs. Both the eager path (backend.ts) and
 * the compiled programs' JS steps (compiler/program.ts) call `runComplex`;
 * the WebAssembly compiler never sees a complex dtype (compiler/lower.ts),
 * so jit equals eager.
 */
import { ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import type { AnyPrimitive } from "../../core/primitive.js";
import { allocate, isComplex, realDtype, type TypedArray } from "../../dtype.js";
import * as C from "../../ir/complex.js";
import { sizeOf, stridesOf } from "../../shape.js";
import { cpuArray, cpuData } from "./buffer.js";
import { holdsJaxpr, type Run, takesDtype } from "./special_dtypes.js";

type Kernel = (
  args: readonly ArrayImpl[],
  params: Record<string, unknown>,
  outs: ShapedArray[],
  run: Run,
) => ArrayImpl[];

/** Primitives whose kernels read complex pairs themselves. */
const NATIVE = new Set(["real", "imag", "conj", "complex", "fft"]);
/** Collectives move and sum storage themselves (devices/collectives.ts); a sum of pairs is the pairs' sum. */
const COLLECTIVES = new Set(["psum", "all_gather", "ppermute", "psum_scatter"]);

function namesComplex(v: unknown): boolean {
  return v === "complex64" || v === "complex128";
}

/** Params with every complex dtype named replaced by its parts' dtype. */
function realParams(params: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const k in params) {
    const v = params[k];
    if (namesComplex(v)) {
      out ??= { ...params };
      out[k] = realDtype(v as "complex64");
    }
  }
  return out ?? params;
}

// --- Parts -------------------------------------------------------------------------

/** The real and imaginary parts of a complex array, as two real arrays. */
export function splitComplex(x: ArrayImpl): [ArrayImpl, ArrayImpl] {
  const d = cpuData(x);
  const part = realDtype(x.dtype);
  const n = x.size;
  const re = allocate(part, n);
  const im = allocate(part, n);
  for (let i = 0; i < n; i++) {
    re[i] = d[2 * i]!;
    im[i] = d[2 * i + 1]!;
  }
  const aval = new ShapedArray(x.shape, part, x.weakType);
  return [cpuArray(aval, re), cpuArray(aval, im)];
}

/** The complex array of `aval` with parts `re` and `im` (real arrays of its size; null: zero). */
export function joinComplex(aval: ShapedArray, re: ArrayImpl, im: ArrayImpl | null): ArrayImpl {
  const out = allocate(aval.dtype, aval.size);
  const r = cpuData(re);
  const n = aval.size;
  for (let i = 0; i < n; i++) out[2 * i] = r[i]!;
  if (im !== null) {
    const m = cpuData(im);
    for (let i = 0; i < n; i++) out[2 * i + 1] = m[i]!;
  }
  return cpuArray(aval, out);
}

// --- Strategies ----------------------------------------------------------------------

/**
 * The real kernel on the real parts, then on the imaginary parts. A gather's
 * `fill_value` (a JS number: a real fill) fills the imaginary parts with 0,
 * so a NaN fill is NaN + 0i, as JAX's.
 */
const componentwise: Kernel = (args, params, outs, run) => {
  const p = realParams(params);
  const pIm = typeof p.fill_value === "number" ? { ...p, fill_value: 0 } : p;
  const split = args.map((a) => (isComplex(a.dtype) ? splitComplex(a) : null));
  const re = run(
    args.map((a, i) => split[i]?.[0] ?? a),
    p,
  );
  const im = run(
    args.map((a, i) => split[i]?.[1] ?? a),
    pIm,
  );
  return outs.map((aval, i) =>
    isComplex(aval.dtype) ? joinComplex(aval, re[i]!, im[i]!) : new ArrayImpl(aval, re[i]!.buffer),
  );
};

/** A complex output of a real kernel (iota with a complex dtype): the imaginary part is 0. */
const fromReal: Kernel = (args, params, outs, run) => {
  const re = run([...args], realParams(params));
  return outs.map((aval, i) => joinComplex(aval, re[i]!, null));
};

/** (a + bi)·(c + di) for a kernel bilinear in its two operands. */
const bilinear: Kernel = (args, params, [out], run) => {
  const p = realParams(params);
  const [x, y] = args as [ArrayImpl, ArrayImpl];
  const [xr, xi] = isComplex(x.dtype) ? splitComplex(x) : [x, null];
  const [yr, yi] = isComplex(y.dtype) ? splitComplex(y) : [y, null];
  const one = (a: ArrayImpl, b: ArrayImpl): TypedArray => cpuData(run([a, b], p)[0]!);
  const n = out!.size;
  const data = allocate(out!.dtype, n);
  const ac = one(xr, yr);
  for (let i = 0; i < n; i++) data[2 * i] = ac[i]!;
  if (xi !== null && yi !== null) {
    const bd = one(xi, yi);
    for (let i = 0; i < n; i++) data[2 * i] = ac[i]! - bd[i]!;
  }
  if (yi !== null) {
    const ad = one(xr, yi);
    for (let i = 0; i < n; i++) data[2 * i + 1] = ad[i]!;
  }
  if (xi !== null) {
    const bc = one(xi, yr);
    for (let i = 0; i < n; i++) data[2 * i + 1] = (yi !== null ? data[2 * i + 1]! : 0) + bc[i]!;
  }
  return [cpuArray(out!, data)];
};

/** The i-th operand's parts at flat index i (a 0-d operand broadcasts). */
function reader(x: ArrayImpl): (i: number) => C.Pair {
  const d = cpuData(x);
  const scalar = x.size === 1;
  if (isComplex(x.dtype)) {
    return scalar ? () => [d[0]!, d[1]!] : (i) => [d[2 * i]!, d[2 * i + 1]!];
  }
  return scalar ? () => [d[0]!, 0] : (i) => [d[i]!, 0];
}

/** An elementwise kernel from a function of the operands' pairs to a pair. */
function mapComplex(f: (xs: C.Pair[], params: Record<string, unknown>) => C.Pair): Kernel {
  return (args, params, [out]) => {
    const reads = args.map(reader);
    const n = out!.size;
    const data = allocate(out!.dtype, n);
    const xs: C.Pair[] = new globalThis.Array(args.length);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < reads.length; k++) xs[k] = reads[k]!(i);
      const [re, im] = f(xs, params);
      data[2 * i] = re;
      data[2 * i + 1] = im;
    }
    return [cpuArray(out!, data)];
  };
}

/** An elementwise kernel from the operands' pairs to a real (or bool) value. */
function mapToReal(f: (xs: C.Pair[]) => number): Kernel {
  return (args, _params, [out]) => {
    const reads = args.map(reader);
    const n = out!.size;
    const data = allocate(out!.dtype, n);
    const xs: C.Pair[] = new globalThis.Array(args.length);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < reads.length; k++) xs[k] = reads[k]!(i);
      data[i] = f(xs);
    }
    return [cpuArray(out!, data)];
  };
}

const unary = (f: (a: number, b: number) => C.Pair): Kernel =>
  mapComplex((xs) => f(xs[0]![0], xs[0]![1]));

const binary = (f: (a: number, b: number, c: number, d: number) => C.Pair): Kernel =>
  mapComplex((xs) => f(xs[0]![0], xs[0]![1], xs[1]![0], xs[1]![1]));

/** convert_element_type to, from and between complex dtypes. */
const convert: Kernel = (args, params, [out], run) => {
  const x = args[0]!;
  if (isComplex(x.dtype) && isComplex(out!.dtype))
    return unary((a, b) => [a, b])([x], params, [out!], run);
  if (isComplex(x.dtype)) {
    const [re, im] = splitComplex(x);
    // JAX: a complex value is true when either part is nonzero; other dtypes take the real part.
    if (out!.dtype === "bool") {
      const r = cpuData(re);
      const m = cpuData(im);
      const data = allocate("bool", x.size);
      for (let i = 0; i < x.size; i++) data[i] = r[i] !== 0 || m[i] !== 0 ? 1 : 0;
      return [cpuArray(out!, data)];
    }
    return [new ArrayImpl(out!, run([re], params)[0]!.buffer)];
  }
  const re = run([x], realParams(params))[0]!;
  return [joinComplex(out!, re, null)];
};

/**
 * Flat indices of a reduction: element (o, r) of the output index o and the
 * reduced index r sits at base[o] + offs[r] (both row-major).
 */
function reductionIndex(shape: readonly number[], axes: readonly number[]) {
  const strides = stridesOf(shape);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const offsets = (dims: number[]): Int32Array => {
    const out = new Int32Array(sizeOf(dims.map((d) => shape[d]!)));
    let n = 1;
    for (let k = dims.length - 1; k >= 0; k--) {
      const d = dims[k]!;
      const len = shape[d]!;
      for (let j = n * len - 1; j >= 0; j--) {
        out[j] = out[j % n]! + Math.floor(j / n) * strides[d]!;
      }
      n *= len;
    }
    return out;
  };
  return { base: offsets(kept), offs: offsets([...axes].sort((a, b) => a - b)) };
}

const reduceProd: Kernel = (args, params, [out]) => {
  const x = args[0]!;
  const d = cpuData(x);
  const { base, offs } = reductionIndex(x.shape, params.axes as number[]);
  const data = allocate(out!.dtype, out!.size);
  for (let o = 0; o < base.length; o++) {
    let re = 1;
    let im = 0;
    for (let r = 0; r < offs.length; r++) {
      const k = 2 * (base[o]! + offs[r]!);
      [re, im] = C.cmul(re, im, d[k]!, d[k + 1]!);
    }
    data[2 * o] = re;
    data[2 * o + 1] = im;
  }
  return [cpuArray(out!, data)];
};

const cumprod: Kernel = (args, params, [out]) => {
  const x = args[0]!;
  const axis = params.axis as number;
  const d = cpuData(x);
  const { base, offs } = reductionIndex(x.shape, [axis]);
  const data = allocate(out!.dtype, out!.size);
  const order = params.reverse ? [...offs].reverse() : offs;
  for (let o = 0; o < base.length; o++) {
    let re = 1;
    let im = 0;
    for (const off of order) {
      const k = 2 * (base[o]! + off);
      [re, im] = C.cmul(re, im, d[k]!, d[k + 1]!);
      data[k] = re;
      data[k + 1] = im;
    }
  }
  return [cpuArray(out!, data)];
};

const exp2 = (a: number, b: number): C.Pair => C.cexp(a * Math.LN2, b * Math.LN2);

// --- Lexicographic order (JAX orders complex numbers by real part, then imaginary part, for
// max/min, their reductions, argmax/argmin and sort; a NaN in either part wins, as a float NaN
// propagates through max/min) ------------------------------------------------------------------

const hasNaN = (a: number, b: number): boolean => Number.isNaN(a) || Number.isNaN(b);

/** Whether (a, b) comes after (c, d) in the lexicographic order (NaNs first to win). */
function after(a: number, b: number, c: number, d: number): boolean {
  if (hasNaN(a, b)) return !hasNaN(c, d);
  if (hasNaN(c, d)) return false;
  return a > c || (a === c && b > d);
}

function choose(max: boolean): Kernel {
  return binary((a, b, c, d) => {
    if (hasNaN(a, b)) return [a, b];
    if (hasNaN(c, d)) return [c, d];
    return after(a, b, c, d) === max ? [a, b] : [c, d];
  });
}

/** reduce_max / reduce_min: the lexicographic extreme over `axes`. */
function reduceChoose(max: boolean): Kernel {
  return (args, params, [out]) => {
    const x = args[0]!;
    const d = cpuData(x);
    const { base, offs } = reductionIndex(x.shape, params.axes as number[]);
    const data = allocate(out!.dtype, out!.size);
    for (let o = 0; o < base.length; o++) {
      let k = 2 * (base[o]! + offs[0]!);
      for (let r = 1; r < offs.length && !hasNaN(d[k]!, d[k + 1]!); r++) {
        const j = 2 * (base[o]! + offs[r]!);
        if (hasNaN(d[j]!, d[j + 1]!) || after(d[j]!, d[j + 1]!, d[k]!, d[k + 1]!) === max) k = j;
      }
      data[2 * o] = d[k]!;
      data[2 * o + 1] = d[k + 1]!;
    }
    return [cpuArray(out!, data)];
  };
}

/** argmax / argmin: the first index of the lexicographic extreme (of the first NaN). */
function argChoose(max: boolean): Kernel {
  return (args, params, [out]) => {
    const x = args[0]!;
    const d = cpuData(x);
    const { base, offs } = reductionIndex(x.shape, params.axes as number[]);
    const data = allocate(out!.dtype, out!.size);
    for (let o = 0; o < base.length; o++) {
      let best = 0;
      let k = 2 * (base[o]! + offs[0]!);
      for (let r = 1; r < offs.length && !hasNaN(d[k]!, d[k + 1]!); r++) {
        const j = 2 * (base[o]! + offs[r]!);
        const wins = hasNaN(d[j]!, d[j + 1]!) || after(d[j]!, d[j + 1]!, d[k]!, d[k + 1]!) === max;
        // Ties keep the first index: "after" is strict both ways.
        if (wins && (hasNaN(d[j]!, d[j + 1]!) || d[j] !== d[k] || d[j + 1] !== d[k + 1])) {
          best = r;
          k = j;
        }
      }
      data[o] = best;
    }
    return [cpuArray(out!, data)];
  };
}

/**
 * sort with complex operands: each complex key becomes two real keys (real
 * part, then imaginary part) and each complex payload two payloads; the real
 * sort runs once and the pairs are joined again.
 */
const sortComplex: Kernel = (args, params, outs, run) => {
  const numKeys = params.num_keys as number;
  const parts: ArrayImpl[] = [];
  let keys = 0;
  args.forEach((a, i) => {
    if (isComplex(a.dtype)) {
      parts.push(...splitComplex(a));
      if (i < numKeys) keys += 2;
    } else {
      parts.push(a);
      if (i < numKeys) keys += 1;
    }
  });
  const sorted = run(parts, { ...params, num_keys: keys });
  let at = 0;
  return outs.map((aval) => {
    if (isComplex(aval.dtype)) {
      const z = joinComplex(aval, sorted[at]!, sorted[at + 1]!);
      at += 2;
      return z;
    }
    return sorted[at++]!;
  });
};

const KERNELS: Readonly<Record<string, Kernel>> = {
  // Componentwise.
  add: componentwise,
  sub: componentwise,
  neg: componentwise,
  copy: componentwise,
  stop_gradient: componentwise,
  broadcast_in_dim: componentwise,
  reshape: componentwise,
  squeeze: componentwise,
  transpose: componentwise,
  rev: componentwise,
  slice: componentwise,
  dynamic_slice: componentwise,
  dynamic_update_slice: componentwise,
  concatenate: componentwise,
  pad: componentwise,
  gather: componentwise,
  scatter: componentwise,
  scatter_add: componentwise,
  scatter_sub: componentwise,
  select_n: componentwise,
  reduce_sum: componentwise,
  cumsum: componentwise,
  reduce_window_sum: componentwise,
  iota: fromReal,
  // Bilinear.
  mul: bilinear,
  dot_general: bilinear,
  conv_general_dilated: bilinear,
  // Complex functions.
  div: binary(C.cdiv),
  pow: binary(C.cpowc),
  integer_pow: mapComplex((xs, p) => C.cipow(xs[0]![0], xs[0]![1], p.y as number)),
  square: unary((a, b) => C.cmul(a, b, a, b)),
  sign: unary(C.csign),
  exp: unary(C.cexp),
  exp2: unary(exp2),
  log: unary(C.clog),
  expm1: unary(C.cexpm1),
  log1p: unary(C.clog1p),
  sqrt: unary(C.csqrt),
  rsqrt: unary(C.crsqrt),
  sin: unary(C.csin),
  cos: unary(C.ccos),
  tan: unary(C.ctan),
  asin: unary(C.casin),
  acos: unary(C.cacos),
  atan: unary(C.catan),
  sinh: unary(C.csinh),
  cosh: unary(C.ccosh),
  tanh: unary(C.ctanh),
  asinh: unary(C.casinh),
  acosh: unary(C.cacosh),
  atanh: unary(C.catanh),
  logistic: unary(C.clogistic),
  abs: mapToReal((xs) => C.cabs(xs[0]![0], xs[0]![1])),
  eq: mapToReal(([x, y]) => (x![0] === y![0] && x![1] === y![1] ? 1 : 0)),
  ne: mapToReal(([x, y]) => (x![0] !== y![0] || x![1] !== y![1] ? 1 : 0)),
  convert_element_type: convert,
  reduce_prod: reduceProd,
  cumprod,
  // Lexicographic order.
  max: choose(true),
  min: choose(false),
  reduce_max: reduceChoose(true),
  reduce_min: reduceChoose(false),
  argmax: argChoose(true),
  argmin: argChoose(false),
  sort: sortComplex,
};

/**
 * The application of `prim` when a complex dtype takes part (in an operand,
 * an output or a dtype param), computed as the module header says; null
 * when none does, for primitives holding jaxprs and for those whose kernels
 * read pairs themselves.
 */
export function runComplex(
  prim: AnyPrimitive,
  args: readonly ArrayImpl[],
  params: object,
  run: Run,
): ArrayImpl[] | null {
  if (!takesDtype(args, params, namesComplex)) return null;
  if (NATIVE.has(prim.name) || COLLECTIVES.has(prim.name) || holdsJaxpr(params)) return null;
  const p = params as Record<string, unknown>;
  const outs = prim.rules.abstractEval(
    args.map((a) => a.aval),
    params,
  );
  const kernel = KERNELS[prim.name];
  if (kernel === undefined) {
    const dtypes = args.map((a) => a.dtype).join(", ");
    throw new TypeError(
      `${prim.name}: the CPU backend computes no complex values for this primitive ` +
        `(operand dtypes: ${dtypes || "none"})`,
    );
  }
  return kernel(args, p, outs, run);
}
