/**
 * One helper per transformation of a closed jaxpr, each cached per jaxpr and
 * pattern: the rules of every primitive that holds jaxprs (pjit, checkpoint,
 * pmap, cond, scan, while) derive their transformed bodies here, never by
 * re-tracing user code, and repeated transformations of the same jaxpr (an
 * eager grad loop, a retraced outer function) reuse the derived jaxprs, and
 * so their compiled code.
 *
 * - `jvpJaxpr(closed, nonzeros, instantiate)`: [primals, nonzero tangents] →
 *   [primal outs, tangent outs that are nonzero or instantiated].
 * - `partialEvalJaxpr(closed, unknowns, instantiate)`: the known part
 *   ([known ins] → [known outs, residuals]) and the unknown part
 *   ([residuals, unknown ins] → [unknown outs]).
 * - `batchJaxpr(closed, batched, axis, forceOut)`: inputs and outputs batched
 *   at axis 0 where marked.
 * - `transposeJaxpr(closed, linear, ctNonzeros)`: the backward pass,
 *   [non-linear inputs, nonzero output cotangents] → [linear inputs' cotangents].
 * - `rearrangeBinders`: reorders the binders of a derived jaxpr into the
 *   operand groups a primitive uses (scan's [consts, carry, xs]), by renaming
 *   only: no tracing.
 */
import type { Array } from "../core/array.js";
import { ClosedJaxpr, evalClosedJaxpr, Jaxpr } from "../core/jaxpr.js";
import { type AxisData, type Tangent, UndefinedPrimal, Zero } from "../core/primitive.js";
import { instantiate as instantiateZero } from "../lax/ad_util.js";
import { flatten } from "../tree/index.js";
import { backwardPass } from "./ad.js";
import { type BatchedJaxpr, traceBatchedJaxpr } from "./batching.js";
import { jvpFlat } from "./jvp.js";
import { type JaxprSplit, splitJaxpr } from "./partial_eval.js";
import { traceToJaxpr } from "./staging.js";

export type { BatchedJaxpr } from "./batching.js";
export type { JaxprSplit } from "./partial_eval.js";

/**
 * A cache of things derived from a jaxpr, keyed by the jaxpr (weakly: it is
 * forgotten with the jaxpr) and a pattern string.
 */
export function derivedJaxprCache<T>(): (closed: ClosedJaxpr, key: string, make: () => T) => T {
  const cache = new WeakMap<ClosedJaxpr, Map<string, T>>();
  return (closed, key, make) => {
    let byKey = cache.get(closed);
    if (byKey === undefined) {
      byKey = new Map();
      cache.set(closed, byKey);
    }
    let out = byKey.get(key);
    if (out === undefined) {
      out = make();
      byKey.set(key, out);
    }
    return out;
  };
}

/** A pattern of flags as a cache key ("1" true, "0" false). */
export const flagsKey = (flags: readonly boolean[]): string =>
  flags.map((b) => (b ? "1" : "0")).join("");

const symbolIds = new Map<symbol, number>();

/** An axis as a cache key: its size and name (distinct symbols of one description differ). */
function axisKey(axis: AxisData): string {
  const name = axis.name;
  if (typeof name !== "symbol") return `${axis.size}|${name === null ? "null" : `s${name}`}`;
  let id = symbolIds.get(name);
  if (id === undefined) {
    id = symbolIds.size;
    symbolIds.set(name, id);
  }
  return `${axis.size}|y${id}`;
}

/** Traces a flat function of arrays to a closed jaxpr. */
export function traceFlat(
  f: (...xs: Array[]) => Array[],
  avals: Parameters<typeof traceToJaxpr>[1],
  transform: string,
): ClosedJaxpr {
  const [, tree] = flatten(avals.map(() => 0));
  return traceToJaxpr((...xs: unknown[]) => f(...(xs as Array[])), avals, tree, transform).closed;
}

// --- jvp -------------------------------------------------------------------------

export interface JvpJaxpr {
  /** [primals, tangents of the nonzero inputs] → [primal outs, tangents of the `outNonzeros` outputs]. */
  jaxpr: ClosedJaxpr;
  /** Per output: whether its tangent is an output of `jaxpr` (nonzero, or instantiated). */
  outNonzeros: boolean[];
}

const jvpJaxprs = derivedJaxprCache<JvpJaxpr>();

/**
 * The JVP of `closed` for a pattern of nonzero input tangents. `instantiate`
 * (one flag per output, or one for all) makes a zero output tangent an
 * output of zeros rather than leaving it out.
 */
export function jvpJaxpr(
  closed: ClosedJaxpr,
  nonzeros: readonly boolean[],
  instantiate: boolean | readonly boolean[] = true,
): JvpJaxpr {
  const inst = (j: number): boolean =>
    typeof instantiate === "boolean" ? instantiate : (instantiate[j] ?? false);
  const instKey = typeof instantiate === "boolean" ? String(instantiate) : flagsKey(instantiate);
  return jvpJaxprs(closed, `${flagsKey(nonzeros)}|${instKey}`, () => {
    const inAvals = closed.inAvals;
    const n = inAvals.length;
    const outNonzeros: boolean[] = [];
    const jaxpr = traceFlat(
      (...xs) => {
        let k = n;
        const tangents: Tangent[] = inAvals.map((a, i) => (nonzeros[i] ? xs[k++]! : new Zero(a)));
        const [pOut, tOut] = jvpFlat(
          (...ps: Array[]) => evalClosedJaxpr(closed, ps),
          xs.slice(0, n),
          tangents,
        );
        outNonzeros.length = 0;
        const ts: Array[] = [];
        tOut.forEach((t, j) => {
          const present = !(t instanceof Zero) || inst(j);
          outNonzeros.push(present);
          if (present) ts.push(instantiateZero(t));
        });
        return [...pOut, ...ts];
      },
      [...inAvals, ...inAvals.filter((_, i) => nonzeros[i])],
      "jvp",
    );
    return { jaxpr, outNonzeros };
  });
}

// --- partial evaluation ----------------------------------------------------------

const splitJaxprs = derivedJaxprCache<JaxprSplit>();

/**
 * `closed` split by which inputs are unknown (see `splitJaxpr`); `instantiate`
 * forces chosen outputs into the unknown part (loop carries need fixed types).
 */
export function partialEvalJaxpr(
  closed: ClosedJaxpr,
  unknowns: readonly boolean[],
  instantiate: readonly boolean[] = [],
): JaxprSplit {
  return splitJaxprs(closed, `${flagsKey(unknowns)}|${flagsKey(instantiate)}`, () =>
    splitJaxpr(closed, unknowns, instantiate),
  );
}

// --- batching --------------------------------------------------------------------

const batchedJaxprs = derivedJaxprCache<BatchedJaxpr>();

/**
 * `closed` batched along axis 0 of the inputs marked batched; batched outputs
 * have the batch at axis 0, and `forceOut` batches chosen outputs even when
 * they do not vary (control flow needs fixed loop-carried types).
 */
export function batchJaxpr(
  closed: ClosedJaxpr,
  inBatched: readonly boolean[],
  axis: AxisData,
  forceOut: boolean | readonly boolean[] = false,
): BatchedJaxpr {
  const forceKey = typeof forceOut === "boolean" ? String(forceOut) : flagsKey(forceOut);
  return batchedJaxprs(closed, `${flagsKey(inBatched)}|${axisKey(axis)}|${forceKey}`, () =>
    traceBatchedJaxpr(closed, inBatched, axis, forceOut),
  );
}

// --- transposition ---------------------------------------------------------------

const transposedJaxprs = derivedJaxprCache<ClosedJaxpr>();

/**
 * The transpose of `closed`, linear in the inputs marked `linear`:
 * [non-linear inputs, cotangents of the outputs marked `ctNonzeros`] →
 * [cotangents of the linear inputs] (zeros instantiated).
 */
export function transposeJaxpr(
  closed: ClosedJaxpr,
  linear: readonly boolean[],
  ctNonzeros: readonly boolean[],
): ClosedJaxpr {
  return transposedJaxprs(closed, `${flagsKey(linear)}|${flagsKey(ctNonzeros)}`, () => {
    const inAvals = closed.inAvals;
    const outAvals = closed.outAvals;
    return traceFlat(
      (...xs) => {
        let k = 0;
        const args = inAvals.map((a, i) => (linear[i] ? new UndefinedPrimal(a) : xs[k++]!));
        const cts: Tangent[] = outAvals.map((a, j) => (ctNonzeros[j] ? xs[k++]! : new Zero(a)));
        return backwardPass(closed.jaxpr, args, cts, closed.consts).map(instantiateZero);
      },
      [...inAvals.filter((_, i) => !linear[i]), ...outAvals.filter((_, j) => ctNonzeros[j])],
      "transpose",
    );
  });
}

// --- reordering binders ----------------------------------------------------------

/**
 * Interleaves primal and tangent binder groups: a jaxpr whose inputs are
 * [p_1 … p_m, t_1 … t_m] (each p_i a group of `primalIns[i]` binders, each
 * t_i of `tangentIns[i]`) becomes one with inputs [p_1, t_1, …, p_m, t_m];
 * outputs likewise. The equations are shared: nothing is traced.
 */
export function rearrangeBinders(
  closed: ClosedJaxpr,
  primalIns: readonly number[],
  tangentIns: readonly number[],
  primalOuts: readonly number[],
  tangentOuts: readonly number[],
): ClosedJaxpr {
  const j = closed.jaxpr;
  return new ClosedJaxpr(
    new Jaxpr(
      j.constvars,
      interleave(j.inBinders, primalIns, tangentIns, "inputs"),
      j.eqns,
      interleave(j.outs, primalOuts, tangentOuts, "outputs"),
    ),
    closed.consts,
  );
}

function interleave<T>(
  xs: readonly T[],
  primal: readonly number[],
  tangent: readonly number[],
  what: string,
): T[] {
  const total = [...primal, ...tangent].reduce((a, b) => a + b, 0);
  if (total !== xs.length || primal.length !== tangent.length) {
    throw new Error(
      `rearrangeBinders: internal: groups [${primal}] and [${tangent}] do not cover the ${xs.length} ${what}`,
    );
  }
  const out: T[] = [];
  let p = 0;
  let t = primal.reduce((a, b) => a + b, 0);
  primal.forEach((n, i) => {
    out.push(...xs.slice(p, p + n));
    p += n;
    const m = tangent[i]!;
    out.push(...xs.slice(t, t + m));
    t += m;
  });
  return out;
}
