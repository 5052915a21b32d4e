/**
 * The `pjit` primitive: a jitted call is one equation holding its jaxpr, so
 * outer transformations see one equation and transform the jaxpr, not the JS
 * code (jvp, batching and partial evaluation through the cached helpers of
 * jaxpr_transforms.ts; transpose by the backward pass of the linear jaxpr).
 * Its impl compiles the jaxpr (`compileJaxpr`). `jit` itself, with its trace
 * cache and static arguments, is in api/jit.ts.
 */
import type { Array } from "../core/array.js";
import { compileJaxpr } from "../core/dispatch.js";
import { ClosedJaxpr, Jaxpr } from "../core/jaxpr.js";
import { OPAQUE, Primitive, type PrimitiveRules, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { moveaxis } from "../lax/batch_util.js";
import { backwardPassAll } from "./ad.js";
import { batchJaxpr, jvpJaxpr, partialEvalJaxpr } from "./jaxpr_transforms.js";
import { type PETracer, partialEvalRules } from "./partial_eval.js";

/** Params of a primitive that calls a jaxpr (pjit, checkpoint). */
export interface CallParams {
  name: string;
  jaxpr: ClosedJaxpr;
}
export interface PjitParams extends CallParams {
  /** Per input: donated by the caller (jit's donateArgnums); only on concrete top-level calls. */
  donated?: readonly boolean[];
}

/**
 * The rules every jaxpr-calling primitive shares: vmap batches its jaxpr,
 * jvp differentiates its jaxpr (once per pattern, cached), transpose runs the
 * backward pass of its linear jaxpr — so transformations of a jitted function
 * work on its jaxpr, never re-tracing the JS function.
 */
export function callRules<P extends CallParams>(
  self: () => Primitive<P>,
): Omit<PrimitiveRules<P>, "impl"> {
  return {
    lower: null,
    facts: OPAQUE,
    abstractEval: (_avals, { jaxpr }) => jaxpr.outAvals,
    batch: (args, dims, allParams, axis) => {
      const params = withoutDonation(allParams);
      const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
      const batched = batchJaxpr(
        params.jaxpr,
        dims.map((d) => d !== null),
        axis,
        true,
      ).jaxpr;
      const outs = bind(self(), moved, { ...params, name: `vmap(${params.name})`, jaxpr: batched });
      return [outs, outs.map(() => 0)];
    },
    jvp: (primals, tangents, allParams) => {
      const params = withoutDonation(allParams);
      const nonzero = tangents.map((t) => !(t instanceof Zero));
      const { jaxpr } = jvpJaxpr(params.jaxpr, nonzero, true);
      const tIn = tangents.filter((t): t is Array => !(t instanceof Zero));
      const outs = bind(self(), [...primals, ...tIn], {
        ...params,
        name: `jvp(${params.name})`,
        jaxpr,
      });
      const n = outs.length / 2;
      return [outs.slice(0, n), outs.slice(n)];
    },
    transpose: (cts, args, params) => backwardPassAll(params.jaxpr, args, cts),
  };
}

/** Params for a transformed call: donation applies to the concrete call only. */
function withoutDonation<P extends CallParams>(params: P): P {
  if (!("donated" in params)) return params;
  const { donated: _, ...rest } = params as P & PjitParams;
  return rest as unknown as P;
}

export const pjitP: Primitive<PjitParams> = new Primitive<PjitParams>(
  "pjit",
  {
    ...callRules(() => pjitP),
    impl: (args, { jaxpr, donated }) => compileJaxpr(jaxpr)(args, donated),
  },
  true,
);

/** Linearizing through pjit: run the known part now, record the unknown part as one pjit equation. */
partialEvalRules.set(pjitP, (trace, tracers, params) => {
  const { jaxpr: closed, name } = params as PjitParams;
  const { known, unknown, outUnknowns, numRes } = partialEvalJaxpr(
    closed,
    tracers.map((t) => !t.pval.isKnown),
  );
  const knownVals = tracers.filter((t) => t.pval.isKnown).map((t) => t.pval.known!);
  const outs1Res = bind(pjitP, knownVals, { name, jaxpr: known });
  const outs1 = outs1Res.slice(0, outs1Res.length - numRes);
  const res = outs1Res.slice(outs1Res.length - numRes);
  const resTracers = res.map((r) => trace.instantiateConst(trace.pure(r) as PETracer));
  const unknownTracers = tracers.filter((t) => !t.pval.isKnown);
  const outs2 = trace.recordEqn(pjitP, [...resTracers, ...unknownTracers], {
    name: `linear(${name})`,
    jaxpr: unknown,
  });
  let i1 = 0;
  let i2 = 0;
  return outUnknowns.map((u) => (u ? outs2[i2++]! : (trace.pure(outs1[i1++]!) as PETracer)));
});

/** Turns constvars into leading input binders, so constants are passed as arguments. */
export function constsAsInputs(closed: ClosedJaxpr): ClosedJaxpr {
  const j = closed.jaxpr;
  if (j.constvars.length === 0) return closed;
  return new ClosedJaxpr(new Jaxpr([], [...j.constvars, ...j.inBinders], j.eqns, j.outs), []);
}
