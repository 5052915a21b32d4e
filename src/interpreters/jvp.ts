/**
 * Forward-mode differentiation as a trace: a JVPTracer carries a primal and
 * its tangent (a symbolic `Zero` where nothing flows), and each primitive's
 * jvp rule maps both at once. Only core is needed, so lax rules that
 * differentiate a composition of lax ops (reduce_prod, the cumulative ops)
 * use `jvpFlat` without tying lax to the rest of the AD machinery.
 */

import type { Array, ArrayImpl } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type AnyPrimitive, type Tangent, Zero } from "../core/primitive.js";
import { bind, concreteValueOf, newMain, Trace, Tracer } from "../core/trace.js";

export class JVPTracer extends Tracer {
  constructor(
    readonly trace: JVPTrace,
    readonly primal: Array,
    readonly tangent: Tangent,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
  /** Concrete when its primal is (JAX: a JVP tracer converts like its primal). */
  override toConcrete(): ArrayImpl | null {
    return concreteValueOf(this.primal);
  }
  override unknownBelow(): Tracer {
    return this.primal instanceof Tracer ? this.primal.unknownBelow() : this;
  }
}

export class JVPTrace extends Trace {
  pure(x: Array): Array {
    return new JVPTracer(this, x, new Zero(x.aval));
  }
  processPrimitive(prim: AnyPrimitive, args: Array[], params: object): Array[] {
    const tracers = args as JVPTracer[];
    const primals = tracers.map((t) => t.primal);
    const tangents = tracers.map((t) => t.tangent);
    if (tangents.every((t) => t instanceof Zero)) {
      return bind(prim, primals, params).map((p) => new JVPTracer(this, p, new Zero(p.aval)));
    }
    const rule = prim.rules.jvp;
    if (!rule)
      throw new Error(`Differentiation rule for '${prim.name}' not implemented (no jvp rule)`);
    const [pOut, tOut] = rule(primals, tangents, params);
    return pOut.map((p, i) => new JVPTracer(this, p, tOut[i]!));
  }
}

/** Flat JVP: primals and tangents in, primals and (possibly symbolic-zero) tangents out. */
export function jvpFlat(
  f: (...xs: Array[]) => Array[],
  primals: Array[],
  tangents: Tangent[],
): [Array[], Tangent[]] {
  return newMain(JVPTrace, null, "jvp", (main) => {
    const trace = main.trace as JVPTrace;
    const ins = primals.map((p, i) => new JVPTracer(trace, p, tangents[i]!));
    const outs = f(...ins);
    const pOut: Array[] = [];
    const tOut: Tangent[] = [];
    for (const o of outs) {
      if (o instanceof JVPTracer && o.trace === trace) {
        pOut.push(o.primal);
        tOut.push(o.tangent);
      } else {
        pOut.push(o);
        tOut.push(new Zero(o.aval));
      }
    }
    return [pOut, tOut];
  });
}
