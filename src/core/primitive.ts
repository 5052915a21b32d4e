/**
 * Primitives and the slots for their rules. Each primitive is defined once,
 * in its lax/ family file, with all of its rules together (DESIGN.md).
 *
 * Rule signatures are stated here, in core, so that every family file is
 * typed against them. A rule a primitive lacks is a clear error naming the
 * primitive and the rule (see `Primitive.rule`), never a silent fallback.
 */

import type { Affine, ReduceOp, ScalarBuilder, ViewIndex } from "../ir/kernel.js";
import type { Array, ArrayImpl } from "./array.js";
import type { ShapedArray } from "./aval.js";

/** A tangent or cotangent that is known to be zero, without materializing it. */
export class Zero {
  /** Makes Zero nominal: an Array (which also has `aval`) is never a Zero to the type checker. */
  declare private readonly zeroBrand: never;
  constructor(readonly aval: ShapedArray) {}
}
export type Tangent = Array | Zero;

/** The linear (not-yet-known) input of a transpose rule. */
export class UndefinedPrimal {
  constructor(readonly aval: ShapedArray) {}
}

/** Where the batch dimension of a value sits under vmap; null: not batched. */
export type BatchDim = number | null;
export interface AxisData {
  size: number;
  name: string | symbol | null;
}

export type AbstractEvalRule<P> = (avals: ShapedArray[], params: P) => ShapedArray[];
export type ImplRule<P> = (args: ArrayImpl[], params: P) => ArrayImpl[];
export type JvpRule<P> = (primals: Array[], tangents: Tangent[], params: P) => [Array[], Tangent[]];
export type TransposeRule<P> = (
  cts: Tangent[],
  args: (Array | UndefinedPrimal)[],
  params: P,
) => (Tangent | null)[];
export type BatchRule<P> = (
  args: Array[],
  dims: BatchDim[],
  params: P,
  axis: AxisData,
) => [Array[], BatchDim[]];

/**
 * How the compiler emits a primitive (the backend-neutral kernel IR):
 * - elementwise: its scalar function of the operands' nodes (0-d operands
 *   are read at the empty coordinate); the evaluator of the IR runs the same
 *   rule for the eager kernels, so scalar semantics are written once;
 * - view: where it reads its operand for an output coordinate (`applies`:
 *   whether these params make it a view at all);
 * - reduce: the reduction over `params.axes` of its one operand;
 * - library: a named kernel a backend provides (products, convolutions...).
 */
export type Lowering<P> =
  | {
      readonly kind: "elementwise";
      readonly emit: (b: ScalarBuilder, xs: readonly number[], params: P) => number;
    }
  | {
      readonly kind: "view";
      readonly index: (coords: readonly Affine[], view: ViewContext, params: P) => ViewIndex;
      readonly applies?: (params: P) => boolean;
    }
  | { readonly kind: "reduce"; readonly op: ReduceOp }
  | { readonly kind: "library"; readonly name: string };

/** What a view's index rule knows of its application. */
export interface ViewContext {
  /** Loop dims of the kernel (the length of every Affine's coeffs). */
  readonly rank: number;
  readonly operand: ShapedArray;
  readonly out: ShapedArray;
}

/**
 * What the compiler's passes may assume of a primitive:
 * - pure: a function of its inputs, with no effects (CSE may merge two
 *   applications, DCE may drop an unused one);
 * - foldable: constant folding may evaluate it (with `impl`) on literals;
 * - cost: "free" — a copy or reinterpretation of its operand, as fast eagerly
 *   as compiled; "cheap" — recomputed in every kernel that uses it rather
 *   than stored (views, iota, conversions); "compute" — everything else.
 */
export interface PrimitiveFacts {
  readonly pure: boolean;
  readonly foldable: boolean;
  readonly cost: "free" | "cheap" | "compute";
}

/** The facts of a pure primitive that is neither folded nor cheap (most of them). */
export const OPAQUE: PrimitiveFacts = { pure: true, foldable: false, cost: "compute" };

/**
 * All of a primitive's rules. Every slot must be written down (a missing one
 * is a compile error); `null` states that the rule does not exist, e.g. no
 * transpose for a non-linear primitive, and using it is a clear error.
 */
export interface PrimitiveRules<P> {
  /** Output types from input types; throws a clear error on bad input. */
  abstractEval: AbstractEvalRule<P>;
  /** Eager evaluation on concrete arrays (the reference CPU kernels). */
  impl: ImplRule<P>;
  /** Forward-mode derivative. */
  jvp: JvpRule<P> | null;
  /** Reverse mode for linear primitives: cotangents of the linear inputs. */
  transpose: TransposeRule<P> | null;
  /** vmap: computes on the whole batch, moving or using the batch dimension. */
  batch: BatchRule<P> | null;
  /** How the compiler emits it (null: it runs its impl, one equation at a time). */
  lower: Lowering<P> | null;
  /** What the compiler's passes may assume of it. */
  facts: PrimitiveFacts;
}

export type RuleName = Exclude<keyof PrimitiveRules<unknown>, "facts">;

/** The params of a primitive without parameters. */
export type NoParams = {};

export class Primitive<P extends object = NoParams> {
  constructor(
    readonly name: string,
    readonly rules: PrimitiveRules<P>,
    /** True when the primitive returns a list of outputs (e.g. sort of several operands). */
    readonly multipleResults = false,
    /** Collectives over a named axis (psum...): their batch rule runs even on unbatched inputs. */
    readonly collective = false,
  ) {
    // By name, so that a jaxpr sent to another thread (a pmap device) finds its primitives.
    if (registry.has(name)) duplicateNames.add(name);
    else registry.set(name, this as AnyPrimitive);
  }

  rule<K extends RuleName>(kind: K): NonNullable<PrimitiveRules<P>[K]> {
    const r = this.rules[kind];
    if (r === undefined || r === null) {
      throw new Error(`Primitive '${this.name}' has no ${kind} rule`);
    }
    return r as NonNullable<PrimitiveRules<P>[K]>;
  }

  toString(): string {
    return this.name;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds primitives of every parameter type
export type AnyPrimitive = Primitive<any>;

const registry = new Map<string, AnyPrimitive>();
const duplicateNames = new Set<string>();

/** The primitive with this name (every primitive registers itself when its module loads). */
/** The primitive registered under `name`, or null when none (or several) is. */
export function findPrimitive(name: string): AnyPrimitive | null {
  const p = registry.get(name);
  return p === undefined || duplicateNames.has(name) ? null : p;
}

/** The names of every registered primitive (sorted). */
export function primitiveNames(): string[] {
  return [...registry.keys()].sort();
}

export function primitiveByName(name: string): AnyPrimitive {
  const p = registry.get(name);
  if (p === undefined || duplicateNames.has(name)) {
    throw new Error(
      p === undefined
        ? `no primitive named '${name}' is loaded here (a custom primitive must be defined in a module every device imports)`
        : `primitive name '${name}' is defined more than once; it cannot be looked up by name`,
    );
  }
  return p;
}
