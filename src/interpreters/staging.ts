/**
 * Staging: tracing a JS function into a jaxpr. Every primitive applied to a
 * staging tracer (or, because the staging trace is dynamic, to anything while
 * it is active) becomes an equation; closed-over arrays become constvars, and
 * 0-d ones are inlined as literals.
 */

import { type Array, ArrayImpl, hostValues } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ArrayLike, argAval, asArray, describe } from "../core/convert.js";
import { type Atom, ClosedJaxpr, Jaxpr, type JaxprEqn, Literal, Var } from "../core/jaxpr.js";
import type { AnyPrimitive } from "../core/primitive.js";
import { type MainTrace, newDynamic, Trace, Tracer } from "../core/trace.js";
import { checkJaxpr } from "../core/typecheck.js";
import { isComplex, isInt64 } from "../dtype.js";
import { rejectPromise } from "../options.js";
import { flatten, type TreeDef } from "../tree/index.js";

class JaxprTracer extends Tracer {
  constructor(
    readonly trace: StagingTrace,
    readonly aval: ShapedArray,
  ) {
    super();
  }
}

class JaxprBuilder {
  readonly eqns: JaxprEqn[] = [];
  private readonly vars = new Map<JaxprTracer, Var>();
  private readonly constTracers = new Map<Array, JaxprTracer>();
  private readonly constVals = new Map<Var, Array>();

  newArg(trace: StagingTrace, aval: ShapedArray): JaxprTracer {
    const t = new JaxprTracer(trace, aval);
    this.vars.set(t, new Var(aval));
    return t;
  }

  constTracer(trace: StagingTrace, x: Array): JaxprTracer {
    let t = this.constTracers.get(x);
    if (t === undefined) {
      t = this.newArg(trace, x.aval);
      this.constTracers.set(x, t);
      this.constVals.set(this.vars.get(t)!, x);
    }
    return t;
  }

  varOf(t: JaxprTracer): Var {
    const v = this.vars.get(t);
    if (v === undefined) throw new Error("internal: tracer from another jaxpr builder");
    return v;
  }

  addEqn(prim: AnyPrimitive, ins: JaxprTracer[], params: object, outs: JaxprTracer[]): void {
    this.eqns.push({
      primitive: prim,
      inputs: ins.map((t) => this.varOf(t)),
      params,
      outBinders: outs.map((t) => this.varOf(t)),
    });
  }

  build(inTracers: JaxprTracer[], outTracers: JaxprTracer[]): ClosedJaxpr {
    const inBinders = inTracers.map((t) => this.varOf(t));
    // Scalar concrete constants become literals; the rest stay constvars.
    const literals = new Map<Var, Literal>();
    const constvars: Var[] = [];
    const consts: Array[] = [];
    for (const [v, val] of this.constVals) {
      // A complex or 64-bit integer scalar is two numbers: it stays a constvar.
      const pair = val instanceof ArrayImpl && (isComplex(val.dtype) || isInt64(val.dtype));
      if (val instanceof ArrayImpl && val.aval.ndim === 0 && !pair) {
        literals.set(v, new Literal(hostValues(val)[0]!, val.aval));
      } else {
        constvars.push(v);
        consts.push(val);
      }
    }
    const sub = (a: Atom): Atom => (a instanceof Var ? (literals.get(a) ?? a) : a);
    const eqns = this.eqns.map((e) => ({ ...e, inputs: e.inputs.map(sub) }));
    const outs = outTracers.map((t) => sub(this.varOf(t)));
    return new ClosedJaxpr(new Jaxpr(constvars, inBinders, eqns, outs), consts);
  }
}

class StagingTrace extends Trace {
  private get builder(): JaxprBuilder {
    return this.main.globalData as JaxprBuilder;
  }
  pure(x: Array): Array {
    return this.builder.constTracer(this, x);
  }
  processPrimitive(prim: AnyPrimitive, args: Array[], params: object): Array[] {
    const ins = args as JaxprTracer[];
    const outAvals = prim.rules.abstractEval(
      ins.map((t) => t.aval),
      params,
    );
    const outs = outAvals.map((a) => this.builder.newArg(this, a));
    this.builder.addEqn(prim, ins, params, outs);
    return outs;
  }
}

/** What a traced function returned: its flat outputs and their tree structure. */
export interface TracedJaxpr {
  closed: ClosedJaxpr;
  outTree: TreeDef;
}

/** The abstract value of a pytree leaf passed to a traced function. */
export function leafAval(leaf: unknown, fnName: string, argIndex: number): ShapedArray {
  if (leaf instanceof ArrayImpl || leaf instanceof Tracer) return leaf.aval;
  if (typeof leaf === "number" || typeof leaf === "boolean") return argAval(leaf);
  throw new TypeError(
    `${fnName}: argument ${argIndex} contains ${describe(leaf)}, which is not a valid JAX type ` +
      "(an Array, a number or a boolean); mark the argument static if it is configuration",
  );
}

/**
 * Traces `fn` on arguments of the given abstract values (flat), with the given
 * input tree, into a closed jaxpr. `fn` receives the unflattened arguments.
 */
export function traceToJaxpr(
  fn: (...args: unknown[]) => unknown,
  inAvals: readonly ShapedArray[],
  inTree: TreeDef,
  transform: string,
): TracedJaxpr {
  const builder = new JaxprBuilder();
  return newDynamic(StagingTrace, builder, transform, (main: MainTrace) => {
    const trace = main.trace as StagingTrace;
    const inTracers = inAvals.map((a) => builder.newArg(trace, a));
    const args = inTree.unflatten(inTracers) as unknown[];
    const result = fn(...args);
    rejectPromise(result, transform);
    const [outLeaves, outTree] = flatten(result);
    const outTracers = outLeaves.map((leaf, i) =>
      leaf instanceof JaxprTracer && leaf.trace.main === main
        ? leaf
        : builder.constTracer(trace, asArray(leaf as ArrayLike, transform, `output ${i}`)),
    );
    const closed = builder.build(inTracers, outTracers);
    checkJaxpr(closed, `after tracing for ${transform}`);
    return { closed, outTree };
  });
}
