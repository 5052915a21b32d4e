/**
 * What the elementwise primitives (elementwise.ts) share: dtype and shape
 * checks, the factories that make unary and binary primitives from their
 * scalar function in the kernel IR (the `lower` rule, which the IR's
 * evaluator also runs as the eager kernel: scalar semantics are written
 * once, in ir/eval.ts), and the derived rules: JVPs from per-operand derivative
 * formulas, transposes of linear operands, and the batch rule every
 * elementwise primitive uses.
 *
 * Internal: import the primitives and wrappers from elementwise.ts (this
 * module's rules call its wrappers at run time, never while loading).
 */
import type { Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { elementwiseImpl, libraryImpl } from "../core/library.js";
import {
  type AxisData,
  type BatchDim,
  type JvpRule,
  OPAQUE,
  Primitive,
  type PrimitiveFacts,
  type Tangent,
  type TransposeRule,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind, bind1 } from "../core/trace.js";
import { type DType, isInexact } from "../dtype.js";
import type { BinaryOp, ScalarBuilder, UnaryOp } from "../ir/kernel.js";
import { shapeStr, shapesEqual } from "../shape.js";
import { addTangents, castToAval, isZero } from "./ad_util.js";
import { alignBatched } from "./batch_util.js";
import { broadcastInDim } from "./shape_ops.js";

export const FLOATS: readonly DType[] = ["float16", "bfloat16", "float32", "float64"];
export const INTS: readonly DType[] = [
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
];
export const COMPLEX: readonly DType[] = ["complex64", "complex128"];
/** Floats and complex: JAX's `inexact` dtypes. */
export const INEXACT: readonly DType[] = [...FLOATS, ...COMPLEX];
/** Integers and floats: the dtypes with an order. */
export const REAL: readonly DType[] = [...FLOATS, ...INTS];
/** Every number dtype: integers, floats and complex. */
export const NUMERIC: readonly DType[] = [...REAL, ...COMPLEX];

// --- Checks shared by the abstract evaluation rules ---------------------------

// The public names of primitives whose jax.lax function has another name.
const API_NAMES: Record<string, string> = {
  and: "bitwiseAnd",
  or: "bitwiseOr",
  xor: "bitwiseXor",
  not: "bitwiseNot",
};

/** `lax.<camelCase name>`, as users call it: is_finite -> lax.isFinite. */
export function laxName(prim: string): string {
  const n = API_NAMES[prim] ?? prim.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return `lax.${n}`;
}

export function describeAval(a: ShapedArray): string {
  return `${a.dtype}${a.weakType ? " (weak)" : ""} ${shapeStr(a.shape)}`;
}

export function checkArity(op: string, avals: readonly ShapedArray[], n: number): void {
  if (avals.length !== n) {
    throw new TypeError(`${op} takes ${n} operand${n === 1 ? "" : "s"}, got ${avals.length}`);
  }
}

export function checkDtype(op: string, arg: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype)) {
    throw new TypeError(
      `${op} does not accept dtype ${dtype} (argument ${arg}); accepted dtypes: ${allowed.join(", ")}`,
    );
  }
}

/** Operands of an n-ary op must agree in shape and dtype (weak types aside). */
export function checkSame(
  op: string,
  names: readonly string[],
  avals: readonly ShapedArray[],
): void {
  const [first] = avals;
  const got = () => avals.map((a, i) => `${names[i]}: ${describeAval(a)}`).join(", ");
  if (avals.some((a) => a.dtype !== first!.dtype)) {
    throw new TypeError(`${op} requires arguments to have the same dtype, got ${got()}`);
  }
  if (avals.some((a) => !shapesEqual(a.shape, first!.shape))) {
    throw new TypeError(`${op} requires arguments to have the same shape, got ${got()}`);
  }
}

// --- Results ---------------------------------------------------------------------

export function avalsOf(args: readonly ArrayImpl[]): ShapedArray[] {
  return args.map((a) => a.aval);
}

// --- Differentiation and batching rules shared by the primitives ------------------

/**
 * One operand's tangent contribution (JAX's defjvp2): from its tangent g,
 * the primitive's output and the operands. Formulas follow JAX's.
 */
export type Deriv = (g: Array, ans: Array, ...xs: Array[]) => Array;
/**
 * One Deriv per operand (null: the output does not vary with it), or "zero"
 * everywhere; a function of the params when they matter (integer_pow).
 */
export type Derivs<P> =
  | readonly (Deriv | null)[]
  | "zero"
  | ((params: P) => readonly (Deriv | null)[] | "zero");

/**
 * The JVP rule from per-operand derivatives. Integer and bool operands have
 * no tangent, and integer- or bool-valued outputs a zero one (JAX's float0);
 * the tangent gets exactly the output's type (a weak operand's tangent may be weak).
 */
export function jvpFrom<P extends object>(prim: () => Primitive<P>, derivs: Derivs<P>): JvpRule<P> {
  return (primals, tangents, params) => {
    const ans = bind1(prim(), primals, params);
    const ds = typeof derivs === "function" ? derivs(params) : derivs;
    let t: Tangent = new Zero(ans.aval);
    if (ds !== "zero" && isInexact(ans.dtype)) {
      tangents.forEach((g, i) => {
        const d = ds[i];
        if (d && !isZero(g) && isInexact(primals[i]!.dtype))
          t = addTangents(t, d(g, ans, ...primals));
      });
    }
    return [[ans], [isZero(t) ? t : castToAval(t, ans.aval)]];
  };
}

/** A linear operand's cotangent from the output's cotangent and the operands. */
export type CtRule = (ct: Array, args: readonly (Array | UndefinedPrimal)[]) => Tangent;

/** The transpose rule of a primitive linear in the operands that have a CtRule. */
export function transposeFrom<P extends object>(
  name: string,
  rules: readonly (CtRule | null)[],
): TransposeRule<P> {
  return (cts, args) => {
    const ct = cts[0]!;
    return args.map((a, i) => {
      if (!(a instanceof UndefinedPrimal)) return null;
      const rule = rules[i];
      if (!rule)
        throw new Error(`${laxName(name)} is not linear in operand ${i}: it has no transpose`);
      if (isZero(ct)) return new Zero(a.aval);
      const c = rule(ct, args);
      // Cotangents have exactly the operand's type: undo promotion of weak operands.
      return isZero(c) ? c : castToAval(c, a.aval);
    });
  };
}

/** The non-linear operand of a transposed product or quotient. */
export function known(a: Array | UndefinedPrimal, name: string): Array {
  if (a instanceof UndefinedPrimal) {
    throw new Error(
      `${laxName(name)}: both operands are linear, so the result is not; it has no transpose`,
    );
  }
  return a;
}

/**
 * The batch rule of every elementwise primitive: operands of the per-example
 * result rank are aligned on one batch dimension (alignBatched); a batched
 * operand that is 0-d per example (a clamp bound, a select_n predicate) is
 * broadcast to the full shape, and an unbatched 0-d one is kept as it is.
 */
export function batchElementwise<P extends object>(
  prim: Primitive<P>,
  args: Array[],
  dims: BatchDim[],
  params: P,
  axis: AxisData,
): [Array[], BatchDim[]] {
  const rank = (i: number) => args[i]!.ndim - (dims[i] === null ? 0 : 1);
  const main = args.reduce((best, _, i) => (rank(i) > rank(best) ? i : best), 0);
  const shape = args[main]!.shape.filter((_, k) => k !== dims[main]);
  const ins = args.map((a, i) =>
    rank(i) < shape.length && dims[i] !== null ? broadcastInDim(a, [axis.size, ...shape], [0]) : a,
  );
  const inDims = dims.map((d, i) => (ins[i] !== args[i] ? 0 : d));
  const full = ins.flatMap((a, i) =>
    a.ndim - (inDims[i] === null ? 0 : 1) === shape.length ? [i] : [],
  );
  const [aligned, d] = alignBatched(
    full.map((i) => ins[i]!),
    full.map((i) => inDims[i]!),
  );
  full.forEach((i, k) => {
    ins[i] = aligned[k]!;
  });
  return [bind(prim, ins, params), [d]];
}

/** The scalar function of an elementwise primitive in the kernel IR (its `lower` rule). */
export type Emit<P> = (b: ScalarBuilder, xs: readonly number[], params: P) => number;

/** The facts of an elementwise primitive: pure and foldable; `cost` as given. */
function elementwiseFacts(cost: PrimitiveFacts["cost"]): PrimitiveFacts {
  return { pure: true, foldable: true, cost };
}

/**
 * Assembles an elementwise primitive from its type rule and its scalar
 * function in the kernel IR (which is also its eager kernel), plus the
 * derived jvp, transpose and batch rules.
 */
export function elementwise<P extends object>(
  name: string,
  abstractEval: (avals: ShapedArray[], params: P) => ShapedArray[],
  emit: Emit<P>,
  derivs: Derivs<P>,
  opts: { transpose?: readonly (CtRule | null)[]; cost?: PrimitiveFacts["cost"] } = {},
): Primitive<P> {
  const prim: Primitive<P> = new Primitive<P>(name, {
    abstractEval,
    impl: elementwiseImpl(abstractEval, emit),
    jvp: jvpFrom(() => prim, derivs),
    transpose: opts.transpose ? transposeFrom(name, opts.transpose) : null,
    batch: (args, dims, params, axis) => batchElementwise(prim, args, dims, params, axis),
    lower: { kind: "elementwise", emit },
    facts: elementwiseFacts(opts.cost ?? "compute"),
  });
  return prim;
}

// --- Primitive factories -------------------------------------------------------

/**
 * A unary primitive: `emit` is its scalar function, `allowed` lists the
 * accepted dtypes, `outDtype` fixes the result dtype and `check` validates
 * the params against the operand.
 */
export function unary<P extends object>(
  name: string,
  allowed: readonly DType[],
  emit: Emit<P>,
  jvp: Derivs<P>,
  opts: {
    outDtype?: DType | ((x: DType) => DType);
    check?: (x: ShapedArray, params: P) => void;
    transpose?: CtRule;
  } = {},
): Primitive<P> {
  const op = laxName(name);
  const { outDtype, check, transpose } = opts;
  const abstractEval = (avals: ShapedArray[], params: P): ShapedArray[] => {
    checkArity(op, avals, 1);
    const x = avals[0]!;
    checkDtype(op, "x", x.dtype, allowed);
    check?.(x, params);
    if (outDtype === undefined) return [x];
    if (typeof outDtype === "function") {
      const d = outDtype(x.dtype);
      return [d === x.dtype ? x : new ShapedArray(x.shape, d, x.weakType)];
    }
    return [new ShapedArray(x.shape, outDtype, false)];
  };
  return elementwise(name, abstractEval, emit, jvp, { transpose: transpose && [transpose] });
}

/** The unary primitive of the IR op of the same name, without params. */
export function unop(
  name: UnaryOp,
  allowed: readonly DType[],
  jvp: Deriv | "zero",
  opts: { outDtype?: DType | ((x: DType) => DType); transpose?: CtRule } = {},
): Primitive {
  const emit: Emit<object> = (b, [x]) => b.unary(name, x!);
  return unary<object>(name, allowed, emit, jvp === "zero" ? jvp : [jvp], opts);
}

export function floatUnop(name: UnaryOp, jvp: Deriv | "zero"): Primitive {
  return unop(name, FLOATS, jvp);
}

/** A unary function of floats and complex numbers (its complex kernel: backend/cpu/complex.ts). */
export function inexactUnop(name: UnaryOp, jvp: Deriv | "zero"): Primitive {
  return unop(name, INEXACT, jvp);
}

/** A binary primitive on operands of one shape and dtype; `outDtype` fixes the result's. */
function binary(
  name: string,
  allowed: readonly DType[],
  emit: Emit<object>,
  jvp: Derivs<object>,
  opts: { outDtype?: DType; transpose?: readonly (CtRule | null)[] } = {},
): Primitive {
  const { outDtype, transpose } = opts;
  const op = laxName(name);
  const abstractEval = (avals: ShapedArray[]): ShapedArray[] => {
    checkArity(op, avals, 2);
    checkSame(op, ["x", "y"], avals);
    const [x, y] = avals as [ShapedArray, ShapedArray];
    checkDtype(op, "x", x.dtype, allowed);
    if (outDtype !== undefined) return [new ShapedArray(x.shape, outDtype, false)];
    return [new ShapedArray(x.shape, x.dtype, x.weakType && y.weakType)];
  };
  return elementwise(name, abstractEval, emit, jvp, { transpose });
}

/** The binary primitive of the IR op of the same name. */
export function binop(
  name: BinaryOp,
  allowed: readonly DType[],
  jvp: Derivs<object>,
  opts: { outDtype?: DType; transpose?: readonly (CtRule | null)[] } = {},
): Primitive {
  return binary(name, allowed, (b, [x, y]) => b.binary(name, x!, y!), jvp, opts);
}

/** A binary primitive whose scalar function is composed of IR ops by `emit`. */
export function composedBinop(
  name: string,
  allowed: readonly DType[],
  emit: Emit<object>,
  jvp: Derivs<object>,
): Primitive {
  return binary(name, allowed, emit, jvp);
}

/**
 * A binary primitive computed by JS kernels the IR has no op for (the
 * incomplete gamma functions): the compiler runs it one equation at a time.
 */
export function jsBinop(name: string, allowed: readonly DType[], jvp: Derivs<object>): Primitive {
  const op = laxName(name);
  const abstractEval = (avals: ShapedArray[]): ShapedArray[] => {
    checkArity(op, avals, 2);
    checkSame(op, ["x", "y"], avals);
    const [x, y] = avals as [ShapedArray, ShapedArray];
    checkDtype(op, "x", x.dtype, allowed);
    return [new ShapedArray(x.shape, x.dtype, x.weakType && y.weakType)];
  };
  const prim: Primitive = new Primitive(name, {
    abstractEval,
    impl: libraryImpl(name, abstractEval),
    jvp: jvpFrom(() => prim, jvp),
    transpose: null,
    batch: (args, dims, params, axis) => batchElementwise(prim, args, dims, params, axis),
    lower: null,
    facts: OPAQUE,
  });
  return prim;
}
