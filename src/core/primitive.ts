/**
 * Primitives and the slots for their rules. Each primitive is defined once,
 * in its lax/ family file, with all of its rules together (DESIGN.md).
 *
 * Rule signatures are stated here, in core, so that every family file is
 * typed against them. A rule a primitive lacks is a clear error naming the
 * primitive and the rule (see `Primitive.rule`), never a silent fallback.
 */

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
}

export type RuleName = keyof PrimitiveRules<unknown>;

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
