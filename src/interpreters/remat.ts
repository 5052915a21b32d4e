/**
 * The `checkpoint` primitive (remat): reverse mode saves no residuals from
 * inside the checkpointed function; the backward pass recomputes them from
 * its inputs. `checkpoint(f)` (api/checkpoint.ts) stages the function to a
 * jaxpr held by this primitive; its partial-evaluation rule keeps the whole
 * jaxpr in the linear part, whose non-linear equations the backward pass
 * re-evaluates (see ad.backwardPass).
 */
import { ClosedJaxpr, evalClosedJaxpr, Jaxpr } from "../core/jaxpr.js";
import { Primitive } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { partialEvalJaxpr } from "./jaxpr_transforms.js";
import { type CallParams, callRules } from "./jit.js";
import { type PETracer, partialEvalRules } from "./partial_eval.js";

export const checkpointP: Primitive<CallParams> = new Primitive<CallParams>(
  "checkpoint",
  {
    ...callRules(() => checkpointP),
    impl: (args, { jaxpr }) => evalClosedJaxpr(jaxpr, args) as never,
  },
  true,
);

partialEvalRules.set(checkpointP, (trace, tracers, params) => {
  const { jaxpr: closed, name } = params as CallParams;
  const inUnknowns = tracers.map((t) => !t.pval.isKnown);
  const { known, outUnknowns } = partialEvalJaxpr(closed, inUnknowns);
  // Known outputs now, from a jaxpr that returns no residuals.
  const numKnownOuts = outUnknowns.filter((u) => !u).length;
  const knownOnly = new ClosedJaxpr(
    new Jaxpr(
      known.jaxpr.constvars,
      known.jaxpr.inBinders,
      known.jaxpr.eqns,
      known.jaxpr.outs.slice(0, numKnownOuts),
    ),
    known.consts,
  );
  const knownVals = tracers.filter((t) => t.pval.isKnown).map((t) => t.pval.known!);
  const knownOuts = bind(checkpointP, knownVals, { name, jaxpr: knownOnly });
  // The unknown outputs: the whole function again, inputs known and unknown alike.
  const j = closed.jaxpr;
  const unknownOnly = new ClosedJaxpr(
    new Jaxpr(
      j.constvars,
      j.inBinders,
      j.eqns,
      j.outs.filter((_, i) => outUnknowns[i]),
    ),
    closed.consts,
  );
  const ins = tracers.map((t) => trace.instantiateConst(t));
  const unknownOuts = trace.recordEqn(checkpointP, ins, {
    name: `remat(${name})`,
    jaxpr: unknownOnly,
  });
  let k = 0;
  let u = 0;
  return outUnknowns.map((unk) =>
    unk ? unknownOuts[u++]! : (trace.pure(knownOuts[k++]!) as PETracer),
  );
});
