/**
 * Partial evaluation (as in Autodidax): run a function on values some of which
 * are known and some unknown. Operations on known values run now (so Python-
 * style control flow on concrete primals still works under grad); operations
 * touching unknowns are recorded, and the recorded part becomes a jaxpr.
 * Linearization is JVP under partial evaluation with the tangents unknown.
 */

import type { Array, ArrayImpl } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import {
  type Atom,
  ClosedJaxpr,
  evalClosedJaxpr,
  Jaxpr,
  type JaxprEqn,
  Var,
} from "../core/jaxpr.js";
import type { AnyPrimitive } from "../core/primitive.js";
import { bind, concreteValueOf, newMain, Trace, Tracer } from "../core/trace.js";
import { flatten } from "../tree/index.js";
import { traceToJaxpr } from "./staging.js";

/** A value that is either known now (`known`) or only known by type. */
export class PartialVal {
  private constructor(
    readonly aval: ShapedArray,
    readonly known: Array | null,
  ) {}
  static known(x: Array): PartialVal {
    return new PartialVal(x.aval, x);
  }
  static unknown(aval: ShapedArray): PartialVal {
    return new PartialVal(aval, null);
  }
  get isKnown(): boolean {
    return this.known !== null;
  }
}

type Recipe = { kind: "lambda" } | { kind: "const"; val: Array } | { kind: "eqn"; eqn: EqnRecipe };

interface EqnRecipe {
  prim: AnyPrimitive;
  tracersIn: PETracer[];
  params: object;
  tracersOut: PETracer[];
}

export class PETracer extends Tracer {
  constructor(
    readonly trace: PartialEvalTrace,
    readonly pval: PartialVal,
    public recipe: Recipe | null,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.pval.aval;
  }
  override fullLower(): Array {
    return this.pval.known ?? this;
  }
  /** Concrete when its value is known (JAX: a known partial value converts like the value). */
  override toConcrete(): ArrayImpl | null {
    const k = this.pval.known;
    return k === null ? null : concreteValueOf(k);
  }
  override unknownBelow(): Tracer {
    const k = this.pval.known;
    return k instanceof Tracer ? k.unknownBelow() : this;
  }
}

/** Per-primitive partial-evaluation rules (for primitives holding jaxprs, such as pjit). */
export type PartialEvalRule = (
  trace: PartialEvalTrace,
  tracers: PETracer[],
  params: object,
) => PETracer[];
export const partialEvalRules = new Map<AnyPrimitive, PartialEvalRule>();

export class PartialEvalTrace extends Trace {
  newArg(pval: PartialVal): PETracer {
    return new PETracer(this, pval, { kind: "lambda" });
  }
  pure(x: Array): Array {
    return new PETracer(this, PartialVal.known(x), null);
  }
  instantiateConst(t: PETracer): PETracer {
    if (!t.pval.isKnown) return t;
    return new PETracer(this, PartialVal.unknown(t.aval), { kind: "const", val: t.pval.known! });
  }
  processPrimitive(prim: AnyPrimitive, args: Array[], params: object): Array[] {
    const tracers = args as PETracer[];
    if (tracers.every((t) => t.pval.isKnown)) {
      return bind(
        prim,
        tracers.map((t) => t.pval.known!),
        params,
      );
    }
    const rule = partialEvalRules.get(prim);
    if (rule) return rule(this, tracers, params);
    return this.recordEqn(
      prim,
      tracers.map((t) => this.instantiateConst(t)),
      params,
    );
  }
  /** Records an equation on (instantiated) tracers; its outputs are unknown. */
  recordEqn(prim: AnyPrimitive, tracersIn: PETracer[], params: object): PETracer[] {
    const avalsOut = prim.rules.abstractEval(
      tracersIn.map((t) => t.aval),
      params,
    );
    const tracersOut = avalsOut.map((a) => new PETracer(this, PartialVal.unknown(a), null));
    const eqn: EqnRecipe = { prim, tracersIn, params, tracersOut };
    for (const t of tracersOut) t.recipe = { kind: "eqn", eqn };
    return tracersOut;
  }
}

/** Builds the jaxpr of the unknown part: inputs are the constants (residuals), then the unknown inputs. */
export function tracersToJaxpr(tracersIn: PETracer[], tracersOut: PETracer[]): [Jaxpr, Array[]] {
  const vars = new Map<PETracer, Var>();
  for (const t of tracersIn) vars.set(t, new Var(t.aval));
  const constVars = new Map<Array, Var>();
  const constvars: Var[] = [];
  const consts: Array[] = [];
  const eqns: JaxprEqn[] = [];
  const seenEqns = new Set<EqnRecipe>();
  const inputs = new Set(tracersIn);

  for (const t of toposort(tracersOut)) {
    const r = t.recipe;
    if (r === null || r.kind === "lambda") {
      if (!inputs.has(t)) throw new Error("internal: partial evaluation reached an unbound tracer");
    } else if (r.kind === "const") {
      let v = constVars.get(r.val);
      if (v === undefined) {
        v = new Var(r.val.aval);
        constVars.set(r.val, v);
        constvars.push(v);
        consts.push(r.val);
      }
      vars.set(t, v);
    } else if (!seenEqns.has(r.eqn)) {
      seenEqns.add(r.eqn);
      const outBinders = r.eqn.tracersOut.map((o) => {
        const v = new Var(o.aval);
        vars.set(o, v);
        return v;
      });
      eqns.push({
        primitive: r.eqn.prim,
        inputs: r.eqn.tracersIn.map((i) => vars.get(i)! as Atom),
        params: r.eqn.params,
        outBinders,
      });
    }
  }
  const jaxpr = new Jaxpr(
    [],
    [...constvars, ...tracersIn.map((t) => vars.get(t)!)],
    eqns,
    tracersOut.map((t) => vars.get(t)!),
  );
  return [jaxpr, consts];
}

function parents(t: PETracer): PETracer[] {
  return t.recipe?.kind === "eqn" ? t.recipe.eqn.tracersIn : [];
}

/** Tracers in dependency order (inputs before their users), iteratively so deep chains do not overflow the stack. */
function toposort(outs: PETracer[]): PETracer[] {
  const order: PETracer[] = [];
  const state = new Map<PETracer, 1 | 2>();
  for (const root of outs) {
    const stack: [PETracer, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const [t, expanded] = stack.pop()!;
      if (expanded) {
        if (state.get(t) !== 2) {
          state.set(t, 2);
          order.push(t);
        }
        continue;
      }
      if (state.has(t)) continue;
      state.set(t, 1);
      stack.push([t, true]);
      for (const p of parents(t)) if (!state.has(p)) stack.push([p, false]);
    }
  }
  return order;
}

/**
 * Runs `f` on partially known inputs. Returns the jaxpr of the unknown part
 * (inputs: residual constants, then the unknown inputs), the partial values
 * of all outputs, and the residuals.
 */
export function partialEvalFlat(
  f: (...xs: Array[]) => Array[],
  pvalsIn: PartialVal[],
  /** Which outputs must be part of the jaxpr even when known (given the output count). */
  instantiate: (index: number, count: number) => boolean,
): { jaxpr: Jaxpr; pvalsOut: PartialVal[]; consts: Array[] } {
  return newMain(PartialEvalTrace, null, "linearize", (main) => {
    const trace = main.trace as PartialEvalTrace;
    const tracersIn = pvalsIn.map((p) => trace.newArg(p));
    const outs = f(...tracersIn);
    const tracersOut = outs.map((o, i) => {
      const t = o instanceof PETracer && o.trace === trace ? o : (trace.pure(o) as PETracer);
      return instantiate(i, outs.length) ? trace.instantiateConst(t) : t;
    });
    const unknownIn = tracersIn.filter((t) => !t.pval.isKnown);
    const unknownOut = tracersOut.filter((t) => !t.pval.isKnown);
    const [jaxpr, consts] = tracersToJaxpr(unknownIn, unknownOut);
    return { jaxpr, pvalsOut: tracersOut.map((t) => t.pval), consts };
  });
}

export interface JaxprSplit {
  /** [known inputs] → [known outputs, residuals]. */
  known: ClosedJaxpr;
  /** [residuals, unknown inputs] → [unknown outputs]. */
  unknown: ClosedJaxpr;
  outUnknowns: boolean[];
  numRes: number;
  /** For each residual, the position among the known inputs of the input it simply is, or -1. */
  resInputIndex: number[];
}

/**
 * Splits a jaxpr by which inputs are unknown, by running it under partial
 * evaluation with the known inputs staged: every primitive's own partial-eval
 * rule applies (so nested scan, cond and pjit split correctly). `instantiate`
 * forces outputs into the unknown part (loop carries need fixed types).
 */
export function splitJaxpr(
  closed: ClosedJaxpr,
  inUnknowns: readonly boolean[],
  instantiate: readonly boolean[] = [],
): JaxprSplit {
  const knownAvals = closed.inAvals.filter((_, i) => !inUnknowns[i]);
  let unknownJaxpr: Jaxpr | null = null;
  let outUnknowns: boolean[] = [];
  let resInputIndex: number[] = [];
  const [, tree] = flatten(knownAvals.map(() => 0));
  const traced = traceToJaxpr(
    (...knownIns: unknown[]) => {
      let k = 0;
      const pvals = closed.inAvals.map((a, i) =>
        inUnknowns[i] ? PartialVal.unknown(a) : PartialVal.known(knownIns[k++] as Array),
      );
      const r = partialEvalFlat(
        (...xs) => evalClosedJaxpr(closed, xs),
        pvals,
        (i) => instantiate[i] ?? false,
      );
      unknownJaxpr = r.jaxpr;
      outUnknowns = r.pvalsOut.map((p) => !p.isKnown);
      resInputIndex = r.consts.map((c) => knownIns.indexOf(c));
      return [...r.pvalsOut.filter((p) => p.isKnown).map((p) => p.known!), ...r.consts];
    },
    knownAvals,
    tree,
    "partial_eval",
  );
  const unknown = new ClosedJaxpr(unknownJaxpr as unknown as Jaxpr, []);
  return {
    known: traced.closed,
    unknown,
    outUnknowns,
    numRes: resInputIndex.length,
    resInputIndex,
  };
}
