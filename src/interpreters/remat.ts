/**
 * `checkpoint` (remat): reverse mode saves no residuals from inside the
 * checkpointed function; the backward pass recomputes them from its inputs.
 * The function is staged to a jaxpr held by a `checkpoint` primitive; its
 * partial-evaluation rule keeps the whole jaxpr in the linear part, whose
 * non-linear equations the backward pass re-evaluates (see ad.backwardPass).
 */
import { config } from "../config.js";
import type { Array } from "../core/array.js";
import { type ArrayLike, argToArray } from "../core/convert.js";
import { ClosedJaxpr, evalClosedJaxpr, Jaxpr } from "../core/jaxpr.js";
import { Primitive } from "../core/primitive.js";
import { bind, Tracer } from "../core/trace.js";
import { type AnyFn, checkFunction, checkOptions, type OptionKeys } from "../options.js";
import { flatten, type TreeDef } from "../tree/index.js";
import { type CallParams, cachedSplit, callRules, constsAsInputs } from "./jit.js";
import { LruCache } from "./jit_cache.js";
import { type PETracer, partialEvalRules } from "./partial_eval.js";
import { leafAval, traceToJaxpr } from "./staging.js";

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
  const { known, outUnknowns } = cachedSplit(closed, inUnknowns);
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

/**
 * `jax.checkpoint`'s options. JAX's `prevent_cse`, `policy` and
 * `static_argnums` are not supported yet: every residual is recomputed.
 */
export type CheckpointOptions = Record<string, never>;
const CHECKPOINT_KEYS: OptionKeys<CheckpointOptions> = {};

/** `jax.checkpoint(f)` (also `jax.remat`). */
export function checkpoint<F extends AnyFn>(fn: F, options?: CheckpointOptions): F {
  checkFunction(fn, "checkpoint");
  const name = fn.name || "fn";
  checkOptions(`checkpoint(${name})`, options, CHECKPOINT_KEYS);
  const cache = new LruCache<{ jaxpr: ClosedJaxpr; outTree: TreeDef; consts: Array[] }>(() =>
    config.read("jaxts_jit_cache_size"),
  );
  const wrapped = (...args: unknown[]): unknown => {
    const [leaves, inTree] = flatten(args);
    const avals = leaves.map((l) => leafAval(l, `checkpoint(${name})`, 0));
    const key = `${inTree}|${avals.map((a) => a.key()).join(";")}`;
    let entry = cache.get(key);
    if (entry === undefined) {
      const traced = traceToJaxpr(
        (...xs: unknown[]) => fn(...xs),
        avals,
        inTree,
        `checkpoint(${name})`,
      );
      const consts = [...traced.closed.consts];
      entry = { jaxpr: constsAsInputs(traced.closed), outTree: traced.outTree, consts };
      if (!consts.some((c) => c instanceof Tracer)) cache.set(key, entry);
    }
    const inputs: Array[] = [
      ...entry.consts,
      ...leaves.map((l) => argToArray(l as ArrayLike, `checkpoint(${name})`)),
    ];
    const outs = bind(checkpointP, inputs, { name, jaxpr: entry.jaxpr });
    return entry.outTree.unflatten(outs);
  };
  return wrapped as F;
}

export const remat = checkpoint;
