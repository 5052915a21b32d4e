/**
 * The kernel IR: what one fused loop computes, independent of the target
 * (WebAssembly today; WGSL could be emitted from the same IR). It sits below
 * lax: each elementwise primitive's `lower` rule builds its scalar function
 * from these nodes through a `ScalarBuilder`, view primitives rewrite an
 * `Affine` coordinate, and the evaluator (eval.ts) gives every node its one
 * meaning, used by the eager kernels, the JS target and constant folding.
 *
 * A kernel iterates over a box of loop indices `shape` (outermost first).
 * Its body is an SSA list of scalar nodes; loads read buffer elements at an
 * affine function of the loop indices (strides express broadcasts,
 * transposes and reshapes). Each output stores one node at the row-major
 * position of the kept (non-reduced) indices; in a reduction kernel the node
 * is folded over the reduced indices with `reduce`'s operation instead.
 * Nodes compute with the eager kernels' semantics: a result is exactly the
 * value the reference kernel stores (float32 rounding, int32/uint32 wrapping,
 * XLA's integer division by zero...), except transcendental functions, which
 * may differ by a few ulps.
 */
import type { DType } from "../dtype.js";

/** element index = offset + Σ coeffs[d] · i_d (d over the kernel's loop dims). */
export interface Affine {
  readonly offset: number;
  readonly coeffs: readonly number[];
}

export const UNARY_OPS = [
  "neg", "abs", "sign", "floor", "ceil", "round_even", "round_away", "sqrt", "rsqrt", "cbrt",
  "exp", "exp2", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos", "tan", "asin", "acos",
  "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "square", "not", "is_finite",
  "clz", "population_count", "erf_inv", "lgamma", "digamma",
] as const; // biome-ignore format: a list of names
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  "add", "sub", "mul", "div", "rem", "max", "min", "atan2", "eq", "ne", "lt", "le", "gt",
  "ge", "and", "or", "xor", "shift_left", "shift_right_logical", "shift_right_arithmetic",
  "nextafter", "polygamma", "pow",
] as const; // biome-ignore format: a list of names
export type BinaryOp = (typeof BINARY_OPS)[number];

export type ReduceOp = "sum" | "prod" | "max" | "min" | "and" | "or" | "xor";

/** A scalar computation; operands refer to earlier nodes by position. */
export type Node =
  | { readonly op: "load"; readonly arg: number; readonly index: Affine; readonly dtype: DType }
  | { readonly op: "const"; readonly value: number; readonly dtype: DType }
  /** The loop-index expression itself, as a value (iota). */
  | { readonly op: "coord"; readonly index: Affine; readonly dtype: DType }
  | { readonly op: "unary"; readonly fn: UnaryOp; readonly x: number; readonly dtype: DType }
  | {
      readonly op: "binary";
      readonly fn: BinaryOp;
      readonly a: number;
      readonly b: number;
      /** The operands' dtype; comparisons produce bool. */
      readonly dtype: DType;
    }
  /** cases[clamp(which, 0, n-1)]; `which` is bool or int32. */
  | {
      readonly op: "select";
      readonly which: number;
      readonly cases: readonly number[];
      readonly dtype: DType;
    }
  | { readonly op: "convert"; readonly x: number; readonly from: DType; readonly dtype: DType };

export interface KernelArg {
  readonly dtype: DType;
  readonly output: boolean;
  /** Elements of the buffer (for bounds in tests and printing). */
  readonly size: number;
}

export interface KernelOutput {
  readonly arg: number;
  readonly node: number;
}

export interface Kernel {
  readonly args: readonly KernelArg[];
  /** Loop extents, outermost first. */
  readonly shape: readonly number[];
  /** Per loop dim: folded by `reduce` (true) or kept (false). */
  readonly reduced: readonly boolean[];
  readonly nodes: readonly Node[];
  readonly outputs: readonly KernelOutput[];
  /** The reduction of a kernel with reduced dims (all of its outputs fold with it). */
  readonly reduce: ReduceOp | null;
}

// --- What lowering rules build with ---------------------------------------------

/**
 * Builds scalar nodes for a lowering rule: the compiler's kernel builder and
 * the evaluator's closure compiler both implement it. Nodes are numbers;
 * each knows its dtype (binary operands share one; comparisons give bool).
 */
export interface ScalarBuilder {
  dtype(x: number): DType;
  konst(value: number, dtype: DType): number;
  unary(fn: UnaryOp, x: number): number;
  binary(fn: BinaryOp, a: number, b: number): number;
  /** cases[clamp(which, 0, n-1)]; the cases share one dtype. */
  select(which: number, cases: readonly number[]): number;
  /** x converted to `to` (XLA's conversions); x itself when the dtype is already `to`. */
  convert(x: number, to: DType): number;
  /** The output coordinate along `dim` as a value (iota); only inside a kernel. */
  coord(dim: number, dtype: DType): number;
}

/**
 * Where a view reads its operand for an output coordinate: the operand's
 * coordinate (one affine per operand dim), or its row-major element offset
 * (a reshape), which the compiler unflattens when it is affine.
 */
export type ViewIndex = { readonly coords: readonly Affine[] } | { readonly flat: Affine };

/** The constant affine c over `rank` loop dims. */
export function affineConst(rank: number, c: number): Affine {
  return { offset: c, coeffs: new Array<number>(rank).fill(0) };
}

/** Σ scales[k] · terms[k] over `rank` loop dims. */
export function affineCombine(
  rank: number,
  terms: readonly Affine[],
  scales: readonly number[],
): Affine {
  let offset = 0;
  const coeffs = new Array<number>(rank).fill(0);
  terms.forEach((a, k) => {
    const s = scales[k]!;
    if (s === 0) return;
    offset += s * a.offset;
    a.coeffs.forEach((c, d) => {
      coeffs[d]! += s * c;
    });
  });
  return { offset, coeffs };
}

/** The dtype a node produces. */
export function nodeDtype(n: Node): DType {
  if (n.op === "binary" && isComparison(n.fn)) return "bool";
  if (n.op === "unary" && n.fn === "is_finite") return "bool";
  return n.dtype;
}

export function isComparison(op: BinaryOp): boolean {
  return op === "eq" || op === "ne" || op === "lt" || op === "le" || op === "gt" || op === "ge";
}

/** The kernel in a readable form, for tests and debugging. */
export function kernelToString(k: Kernel): string {
  const aff = (a: Affine): string => {
    const terms = a.coeffs.flatMap((c, d) => (c === 0 ? [] : [c === 1 ? `i${d}` : `${c}*i${d}`]));
    if (a.offset !== 0 || terms.length === 0) terms.push(String(a.offset));
    return terms.join("+");
  };
  const lines = k.nodes.map((n, i) => {
    const rhs = (() => {
      switch (n.op) {
        case "load":
          return `load a${n.arg}[${aff(n.index)}]`;
        case "const":
          return `${n.value}`;
        case "coord":
          return `coord(${aff(n.index)})`;
        case "unary":
          return `${n.fn} %${n.x}`;
        case "binary":
          return `${n.fn} %${n.a} %${n.b}`;
        case "select":
          return `select %${n.which} ${n.cases.map((c) => `%${c}`).join(" ")}`;
        case "convert":
          return `convert %${n.x} ${n.from}`;
      }
    })();
    return `  %${i}:${nodeDtype(n)} = ${rhs}`;
  });
  const dims = k.shape.map((s, d) => (k.reduced[d] ? `${s}r` : `${s}`)).join(",");
  const outs = k.outputs.map((o) => `a${o.arg}=%${o.node}`).join(" ");
  return [
    `kernel[${dims}]${k.reduce ? ` reduce_${k.reduce}` : ""} {`,
    ...lines,
    `  ${outs}`,
    "}",
  ].join("\n");
}
