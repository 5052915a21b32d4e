/**
 * What the control-flow primitives share: their construction, tracing user
 * functions and rule bodies to jaxprs, and small list helpers for their
 * operand groups.
 *
 * Control flow sits above the interpreters (its rules transform sub-jaxprs
 * with jvp, vmap and partial evaluation), so unlike the other lax families
 * it imports from interpreters/.
 */

import type { Array, ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, argToArray } from "../../core/convert.js";
import { compileJaxpr, compilesJaxprs } from "../../core/dispatch.js";
import { ClosedJaxpr, Jaxpr, type JaxprEqn, Var } from "../../core/jaxpr.js";
import {
  OPAQUE,
  Primitive,
  type PrimitiveRules,
  type Tangent,
  Zero,
} from "../../core/primitive.js";
import { promoteTypes } from "../../dtype.js";
import { constsAsInputs } from "../../interpreters/jit.js";
import {
  type PartialEvalTrace,
  type PETracer,
  partialEvalRules,
} from "../../interpreters/partial_eval.js";
import { traceToJaxpr } from "../../interpreters/staging.js";
import { shapesEqual } from "../../shape.js";
import { flatten, leafPaths, type TreeDef } from "../../tree/index.js";
import { convertElementType } from "../elementwise.js";

/** Traces a flat function of arrays to a closed jaxpr (used inside rules). */
export { traceFlat } from "../../interpreters/jaxpr_transforms.js";

/**
 * A control-flow primitive: it returns a list of outputs, runs its impl (no
 * lowering), is opaque to the compiler's passes, and partially evaluates by
 * its own rule (registered in partialEvalRules).
 */
export function controlFlowPrimitive<P extends object>(
  name: string,
  rules: Pick<PrimitiveRules<P>, "abstractEval" | "impl" | "jvp" | "batch" | "transpose">,
  partialEval: (trace: PartialEvalTrace, tracers: PETracer[], p: P) => PETracer[],
): Primitive<P> {
  const prim = new Primitive<P>(name, { lower: null, facts: OPAQUE, ...rules }, true);
  partialEvalRules.set(prim, (trace, tracers, params) => partialEval(trace, tracers, params as P));
  return prim;
}

export interface TracedUserFn {
  /** Inputs: the closed-over constants first, then the function's flat arguments. */
  jaxpr: ClosedJaxpr;
  consts: Array[];
  outTree: TreeDef;
}

/** Traces a user's pytree function; its closed-over arrays become leading operands. */
export function traceUser(
  fn: (...args: unknown[]) => unknown,
  avals: readonly ShapedArray[],
  inTree: TreeDef,
  op: string,
): TracedUserFn {
  const traced = traceToJaxpr(fn, avals, inTree, op);
  return {
    jaxpr: constsAsInputs(traced.closed),
    consts: [...traced.closed.consts],
    outTree: traced.outTree,
  };
}

/** Flattens a pytree of arrays/numbers to arrays. */
export function flatArrays(tree: unknown, op: string, what: string): [Array[], TreeDef] {
  const [leaves, def] = flatten(tree);
  return [leaves.map((l, i) => argToArray(l as ArrayLike, op, `${what} leaf ${i}`)), def];
}

/** Splits a list into consecutive groups of the given sizes. */
export function splitList<T>(xs: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  let k = 0;
  for (const n of sizes) {
    out.push(xs.slice(k, k + n));
    k += n;
  }
  return out;
}

export function count(flags: readonly boolean[]): number {
  return flags.reduce((n, b) => n + (b ? 1 : 0), 0);
}

export function orFlags(a: readonly boolean[], b: readonly boolean[]): boolean[] {
  return a.map((x, i) => x || (b[i] ?? false));
}

export function sameFlags(a: readonly boolean[], b: readonly boolean[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Tangents for `vals` where only the flagged ones are given (the rest are symbolic zeros). */
export function spreadTangents(
  vals: readonly Array[],
  given: readonly Array[],
  flags: readonly boolean[],
): Tangent[] {
  let k = 0;
  return vals.map((v, i) => (flags[i] ? given[k++]! : new Zero(v.aval)));
}

/**
 * Checks that a loop body's or branch's output types match the expected ones,
 * naming the leaf and both types (as JAX's errors do).
 */
export function checkTypes(
  op: string,
  what: string,
  expectedTree: TreeDef,
  expected: readonly ShapedArray[],
  gotTree: TreeDef,
  got: readonly ShapedArray[],
  example: unknown,
): void {
  if (!expectedTree.equals(gotTree)) {
    throw new TypeError(
      `${op}: ${what} must have the same tree structure: expected ${expectedTree}, got ${gotTree}`,
    );
  }
  const paths = leafPaths(example);
  expected.forEach((e, i) => {
    const g = got[i]!;
    if (!e.sameType(g)) {
      throw new TypeError(
        `${op}: ${what} must have identical types; the leaf at ${paths[i] || "the root"} is ${e.str()} ` +
          `on input but ${g.str()} on output`,
      );
    }
  });
}

export function falses(n: number): boolean[] {
  return globalThis.Array.from({ length: n }, () => false);
}

/**
 * JAX's weak-type promotion of loop carries (`_promote_weak_typed_inputs`):
 * a weak-typed initial carry (a JS number) whose body output has another
 * type takes the promotion of the two, so `foriLoop(0, n, body, 0)` with a
 * float body has a float carry. The new carry types, or null when none
 * changes (the caller retraces the body with them and casts the inits).
 */
export function promoteWeakCarries(
  carry: readonly ShapedArray[],
  out: readonly ShapedArray[],
): ShapedArray[] | null {
  let changed = false;
  const next = carry.map((a, i) => {
    const o = out[i];
    if (!a.weakType || o === undefined || a.equals(o) || !shapesEqual(a.shape, o.shape)) return a;
    const t = promoteTypes(
      { dtype: a.dtype, weakType: true },
      { dtype: o.dtype, weakType: o.weakType },
    );
    const p = new ShapedArray(a.shape, t.dtype, t.weakType);
    if (p.equals(a)) return a;
    changed = true;
    return p;
  });
  return changed ? next : null;
}

/** The initial carries cast to `avals` (after `promoteWeakCarries`). */
export function castCarries(inits: readonly Array[], avals: readonly ShapedArray[]): Array[] {
  return inits.map((l, i) =>
    l.aval.equals(avals[i]!) ? l : convertElementType(l, avals[i]!.dtype, avals[i]!.weakType),
  );
}

const loopPrograms = new WeakMap<object, Map<string, ClosedJaxpr>>();
const running = new Set<object>();

/**
 * Runs a loop equation eagerly as a compiled program of that one equation,
 * where the compiler is on: the backend runs it as a compiled loop (no JS
 * per iteration; the bodies' code is the jit's, so eager and jit agree bit
 * for bit). Null where it is off, or when the program would run this impl
 * again (the backend left the equation as an eager step): then the impl
 * loops in JS.
 */
export function runCompiledLoop<P extends object>(
  prim: Primitive<P>,
  args: readonly ArrayImpl[],
  params: P,
): ArrayImpl[] | null {
  if (!compilesJaxprs() || running.has(params)) return null;
  let byAvals = loopPrograms.get(params);
  if (byAvals === undefined) {
    byAvals = new Map();
    loopPrograms.set(params, byAvals);
  }
  const key = args.map((a) => a.aval.key()).join(";");
  let closed = byAvals.get(key);
  if (closed === undefined) {
    const ins = args.map((a) => new Var(a.aval));
    const outs = prim.rules.abstractEval(
      ins.map((v) => v.aval),
      params,
    );
    const binders = outs.map((a) => new Var(a));
    const eqn: JaxprEqn = { primitive: prim, inputs: ins, params, outBinders: binders };
    closed = new ClosedJaxpr(new Jaxpr([], ins, [eqn], binders), []);
    byAvals.set(key, closed);
  }
  running.add(params);
  try {
    return compileJaxpr(closed)(args);
  } finally {
    running.delete(params);
  }
}
