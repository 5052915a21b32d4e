/**
 * `checkpoint(f)` (also `remat`): stages f to a jaxpr once per signature (an
 * LRU cache per function) and binds it as one `checkpoint` equation
 * (interpreters/remat.ts), so reverse mode recomputes f's intermediates in
 * the backward pass instead of saving them.
 */
import { config } from "../config.js";
import type { Array } from "../core/array.js";
import { type ArrayLike, argToArray } from "../core/convert.js";
import type { ClosedJaxpr } from "../core/jaxpr.js";
import { bind, Tracer } from "../core/trace.js";
import { constsAsInputs } from "../interpreters/jit.js";
import { checkpointP } from "../interpreters/remat.js";
import { leafAval, traceToJaxpr } from "../interpreters/staging.js";
import { type AnyFn, checkFunction, checkOptions, type OptionKeys } from "../options.js";
import { flatten, type TreeDef } from "../tree/index.js";
import { LruCache } from "./jit_cache.js";

/**
 * `jax.checkpoint`'s options. JAX's `prevent_cse`, `policy` and
 * `static_argnums` are not supported yet: every residual is recomputed.
 */
export type CheckpointOptions = Record<string, never>;
const CHECKPOINT_KEYS: OptionKeys<CheckpointOptions> = {};

/** `jax.checkpoint(f)` (also `jax.remat`), typed as f. */
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
