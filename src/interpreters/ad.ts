/**
 * Reverse-mode machinery, the JAX way: linearize is the JVP (jvp.ts) under
 * partial evaluation with the tangents unknown, and the backward pass
 * transposes the resulting linear jaxpr, equation by equation, backwards.
 * The user-facing functions built on it (grad, vjp, jacrev, ...) are in api/.
 */

import { type Array, ArrayImpl } from "../core/array.js";
import { type ClosedJaxpr, type Jaxpr, Literal, type Var } from "../core/jaxpr.js";
import { type Tangent, UndefinedPrimal, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { addTangents, instantiate } from "../lax/ad_util.js";
import { jvpFlat } from "./jvp.js";
import { PartialVal, partialEvalFlat } from "./partial_eval.js";

/** A function linearized at primals: its outputs there, and the linear jaxpr [consts, tangents] → tangents out. */
export interface Linearized {
  primalsOut: Array[];
  jaxpr: Jaxpr;
  consts: Array[];
}

/** Linearizes a flat function: JVP under partial evaluation with the tangents unknown. */
export function linearizeFlat(f: (...xs: Array[]) => Array[], primals: Array[]): Linearized {
  const n = primals.length;
  const pvalsIn = [
    ...primals.map((p) => PartialVal.known(p)),
    ...primals.map((p) => PartialVal.unknown(p.aval)),
  ];
  const fJvp = (...xs: Array[]): Array[] => {
    const [pOut, tOut] = jvpFlat(f, xs.slice(0, n), xs.slice(n));
    return [...pOut, ...tOut.map(instantiate)];
  };
  // The tangent outputs (second half) always belong to the linear jaxpr, a zero one as a constant.
  const { jaxpr, pvalsOut, consts } = partialEvalFlat(fJvp, pvalsIn, (i, count) => i >= count / 2);
  const primalsOut = pvalsOut.slice(0, pvalsOut.length / 2).map((p, i) => {
    if (p.known === null) throw new Error(`linearize: internal: primal output ${i} is not known`);
    return p.known;
  });
  return { primalsOut, jaxpr, consts };
}

/** Evaluates the transpose of a linear jaxpr: cotangents of the outputs → cotangents of the linear inputs. */
export function backwardPass(
  jaxpr: Jaxpr,
  args: (Array | UndefinedPrimal)[],
  cts: Tangent[],
  consts: readonly Array[] = [],
): Tangent[] {
  const primalEnv = new Map<Var, Array>();
  jaxpr.constvars.forEach((v, i) => primalEnv.set(v, consts[i]!));
  jaxpr.inBinders.forEach((v, i) => {
    const a = args[i]!;
    if (!(a instanceof UndefinedPrimal)) primalEnv.set(v, a);
  });
  const ctEnv = new Map<Var, Tangent>();
  const writeCt = (v: Var | Literal, ct: Tangent | null): void => {
    if (ct === null || v instanceof Literal) return;
    const prev = ctEnv.get(v);
    ctEnv.set(v, prev === undefined ? ct : addTangents(prev, ct));
  };
  const readPrimal = (a: Var | Literal): Array | UndefinedPrimal =>
    a instanceof Literal
      ? ArrayImpl.scalar(a.value, a.aval.dtype, a.aval.weakType)
      : (primalEnv.get(a) ?? new UndefinedPrimal(a.aval));
  // Forward sweep: equations that do not touch the linear inputs are evaluated
  // (this recomputes checkpointed primal values inside the linear jaxpr).
  const linearEqns: (typeof jaxpr.eqns)[number][] = [];
  for (const eqn of jaxpr.eqns) {
    const ins = eqn.inputs.map(readPrimal);
    if (ins.some((p) => p instanceof UndefinedPrimal)) {
      linearEqns.push(eqn);
      continue;
    }
    const outs = bind(eqn.primitive, ins as Array[], eqn.params);
    eqn.outBinders.forEach((v, i) => primalEnv.set(v, outs[i]!));
  }
  jaxpr.outs.forEach((o, i) => writeCt(o, cts[i]!));
  for (let k = linearEqns.length - 1; k >= 0; k--) {
    const eqn = linearEqns[k]!;
    const ctsOut = eqn.outBinders.map((v) => {
      const ct = ctEnv.get(v);
      ctEnv.delete(v);
      return ct ?? new Zero(v.aval);
    });
    if (ctsOut.every((c) => c instanceof Zero)) continue;
    const primalsIn = eqn.inputs.map(readPrimal);
    const rule = eqn.primitive.rules.transpose;
    if (!rule) {
      throw new Error(
        `Transpose rule (for reverse-mode differentiation) for '${eqn.primitive.name}' not implemented`,
      );
    }
    const ctsIn = rule(ctsOut, primalsIn, eqn.params);
    eqn.inputs.forEach((a, i) => {
      if (primalsIn[i] instanceof UndefinedPrimal) writeCt(a, ctsIn[i] ?? null);
    });
  }
  return jaxpr.inBinders
    .filter((_, i) => args[i] instanceof UndefinedPrimal)
    .map((v) => ctEnv.get(v) ?? new Zero(v.aval));
}

/** Transposes a closed jaxpr: cotangents for its undefined (linear) arguments, null for the rest. */
export function backwardPassAll(
  closed: ClosedJaxpr,
  args: (Array | UndefinedPrimal)[],
  cts: Tangent[],
): (Tangent | null)[] {
  const ctsIn = backwardPass(closed.jaxpr, args, cts, closed.consts);
  let k = 0;
  return args.map((a) => (a instanceof UndefinedPrimal ? ctsIn[k++]! : null));
}
