/**
 * jit: trace once per signature (input tree, shapes, dtypes, weak types,
 * static arguments), cache the jaxpr, and run it through `compileJaxpr`. A
 * jitted call is itself a primitive (`pjit`) holding its jaxpr, so outer
 * transformations see one equation and transform the jaxpr, not the JS code.
 */
import { config } from "../config.js";
import type { Array } from "../core/array.js";
import { type ArrayLike, argToArray } from "../core/convert.js";
import { compileJaxpr } from "../core/dispatch.js";
import { ClosedJaxpr, evalClosedJaxpr, Jaxpr } from "../core/jaxpr.js";
import {
  type AxisData,
  Primitive,
  type PrimitiveRules,
  type Tangent,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind, Tracer } from "../core/trace.js";
import { instantiate } from "../lax/ad_util.js";
import { moveaxis } from "../lax/batch_util.js";
import { checkFunction, checkOptions, kindOf, type OptionKeys } from "../options.js";
import { flatten, type TreeDef } from "../tree/index.js";
import { backwardPass, jvpFlat } from "./ad.js";
import { batchJaxpr } from "./batching.js";
import { staticKey, traceCache } from "./jit_cache.js";
import { type JaxprSplit, type PETracer, partialEvalRules, splitJaxpr } from "./partial_eval.js";
import { leafAval, traceToJaxpr } from "./staging.js";

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
    abstractEval: (_avals, { jaxpr }) => jaxpr.outAvals,
    batch: (args, dims, allParams, axis) => {
      const params = withoutDonation(allParams);
      const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
      const batched = batchJaxprAllOut(
        params.jaxpr,
        dims.map((d) => d !== null),
        axis,
      );
      const outs = bind(self(), moved, { ...params, name: `vmap(${params.name})`, jaxpr: batched });
      return [outs, outs.map(() => 0)];
    },
    jvp: (primals, tangents, allParams) => {
      const params = withoutDonation(allParams);
      const nonzero = tangents.map((t) => !(t instanceof Zero));
      const jvpJaxpr = jvpOfJaxpr(params.jaxpr, nonzero);
      const tIn = tangents.filter((t): t is Array => !(t instanceof Zero));
      const outs = bind(self(), [...primals, ...tIn], {
        ...params,
        name: `jvp(${params.name})`,
        jaxpr: jvpJaxpr,
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

/** Reverse mode through pjit: the backward pass of its (linear) jaxpr, one cotangent per input. */
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

/**
 * A cache of things derived from a jaxpr (its JVP, batched or split forms),
 * keyed by the jaxpr and a pattern string: transformations of a jitted
 * function then reuse the same derived jaxprs, and so their compiled code.
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

const flagsKey = (flags: readonly boolean[]): string => flags.map((b) => (b ? "1" : "0")).join("");

const jvpJaxprs = derivedJaxprCache<ClosedJaxpr>();

/** The jaxpr of the JVP of `closed`: [primals, nonzero tangents] → [primal outs, tangent outs]. */
function jvpOfJaxpr(closed: ClosedJaxpr, nonzero: boolean[]): ClosedJaxpr {
  return jvpJaxprs(closed, flagsKey(nonzero), () => {
    const inAvals = closed.inAvals;
    const tAvals = inAvals.filter((_, i) => nonzero[i]);
    const avals = [...inAvals, ...tAvals];
    const n = inAvals.length;
    const f = (...xs: unknown[]): Array[] => {
      const primals = xs.slice(0, n) as Array[];
      let k = n;
      const tangents: Tangent[] = inAvals.map((a, i) =>
        nonzero[i] ? (xs[k++] as Array) : new Zero(a),
      );
      const [pOut, tOut] = jvpFlat(
        (...ps: Array[]) => evalClosedJaxpr(closed, ps),
        primals,
        tangents,
      );
      return [...pOut, ...tOut.map(instantiate)];
    };
    const [, tree] = flatten(avals.map(() => 0));
    return traceToJaxpr(f, avals, tree, "jvp").closed;
  });
}

const splitJaxprs = derivedJaxprCache<JaxprSplit>();

/** `splitJaxpr`, cached per jaxpr and pattern of unknown inputs. */
export function cachedSplit(
  closed: ClosedJaxpr,
  inUnknowns: boolean[],
  instantiate: boolean[] = [],
): JaxprSplit {
  return splitJaxprs(closed, `${flagsKey(inUnknowns)}|${flagsKey(instantiate)}`, () =>
    splitJaxpr(closed, inUnknowns, instantiate),
  );
}

/** Linearizing through pjit: run the known part now, record the unknown part as one pjit equation. */
partialEvalRules.set(pjitP, (trace, tracers, params) => {
  const { jaxpr: closed, name } = params as PjitParams;
  const { known, unknown, outUnknowns, numRes } = cachedSplit(
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

const batchedJaxprs = derivedJaxprCache<ClosedJaxpr>();

/** `closed` batched at axis 0 of the marked inputs, every output batched at 0 (cached per pattern). */
function batchJaxprAllOut(
  closed: ClosedJaxpr,
  inBatched: readonly boolean[],
  axis: AxisData,
): ClosedJaxpr {
  const key = `${flagsKey(inBatched)}|${axis.size}|${String(axis.name)}`;
  return batchedJaxprs(closed, key, () => batchJaxpr(closed, inBatched, axis, true).jaxpr);
}

export interface JitOptions {
  /** Positions of arguments that are configuration, not arrays: each distinct value retraces. */
  staticArgnums?: number | readonly number[];
  /**
   * Positions of arguments whose buffers the call may reuse for its outputs
   * (JAX's donate_argnums), e.g. the parameters in `params = step(params, x)`:
   * the loop then allocates nothing new. An argument whose buffer was reused
   * is deleted (using it throws); one that could not be reused stays valid.
   * A hint: ignored under transformations and by the interpreter.
   */
  donateArgnums?: number | readonly number[];
}

interface CacheEntry {
  jaxpr: ClosedJaxpr;
  outTree: TreeDef;
  consts: Array[];
}

// biome-ignore lint/suspicious/noExplicitAny: jit accepts functions of any signature
type AnyFn = (...args: any[]) => any;

const JIT_KEYS: OptionKeys<JitOptions> = { staticArgnums: true, donateArgnums: true };

/** Positions as a list, each an integer (range-checked per call, when the arity is known). */
function argnumList(
  x: number | readonly number[] | undefined,
  fnName: string,
  option: string,
): readonly number[] {
  if (x === undefined || x === null) return [];
  const list = typeof x === "number" ? [x] : x;
  if (!globalThis.Array.isArray(list) || list.some((i) => !Number.isInteger(i))) {
    throw new TypeError(
      `${fnName}: ${option} must be an integer or a list of integers, got ${kindOf(x)}`,
    );
  }
  return list;
}

function normalizeStatics(
  staticArgnums: readonly number[],
  nargs: number,
  fnName: string,
): Set<number> {
  return new Set(
    staticArgnums.map((i) => {
      const j = i < 0 ? i + nargs : i;
      if (j < 0 || j >= nargs) {
        throw new Error(
          `${fnName}: staticArgnums entry ${i} is out of range for a call with ${nargs} arguments`,
        );
      }
      return j;
    }),
  );
}

/** Re-interleaves static arguments with the (traced) dynamic ones. */
function mergeStatics(
  args: readonly unknown[],
  statics: Set<number>,
  dyn: readonly unknown[],
): unknown[] {
  let d = 0;
  return args.map((a, i) => (statics.has(i) ? a : dyn[d++]));
}

/**
 * `jax.jit(fn, { staticArgnums, donateArgnums })`: traces `fn` once per call
 * signature and runs the compiled program. Traces are cached per function
 * (see jit_cache.ts), so `jit(f)` of the same `f` reuses them.
 */
export function jit<F extends AnyFn>(fn: F, options?: JitOptions): F {
  checkFunction(fn, "jit");
  const name = fn.name || "fn";
  const op = `jit(${name})`;
  const opts = checkOptions(op, options, JIT_KEYS);
  const staticArgnums = argnumList(opts.staticArgnums, op, "staticArgnums");
  const donateArgnums = argnumList(opts.donateArgnums, op, "donateArgnums");
  const cache = traceCache<CacheEntry>(fn, staticArgnums.join(","));

  const jitted = (...args: unknown[]): unknown => {
    const statics = normalizeStatics(staticArgnums, args.length, op);
    const dynamic = args.filter((_, i) => !statics.has(i));
    const [leaves, inTree] = flatten(dynamic);
    const avals = leaves.map((l) => leafAval(l, op, 0));
    const staticKeys = [...statics].map((i) => `${i}=${staticKey(args[i], op, i)}`).join(";");
    const key = `${config.traceKey()}|${args.length}|${inTree}|${avals.map((a) => a.key()).join(";")}|${staticKeys}`;

    let entry = cache.get(key);
    if (entry === undefined) {
      const traced = traceToJaxpr(
        (...dyn: unknown[]) => fn(...mergeStatics(args, statics, dyn)),
        avals,
        inTree,
        op,
      );
      // Constants become explicit inputs of the pjit equation, so that outer
      // transformations see them; a trace that closed over tracers is not reused.
      const consts = [...traced.closed.consts];
      entry = { jaxpr: constsAsInputs(traced.closed), outTree: traced.outTree, consts };
      if (!consts.some((c) => c instanceof Tracer)) cache.set(key, entry);
    }
    const inputs = [...entry.consts, ...leaves.map((l) => argToArray(l as ArrayLike, op))];
    const donated = donatedLeaves(donateArgnums, args, statics, entry.consts.length, name);
    const params: PjitParams =
      donated !== null && !inputs.some((x) => x instanceof Tracer)
        ? { name, jaxpr: entry.jaxpr, donated }
        : { name, jaxpr: entry.jaxpr };
    const outs = bind(pjitP, inputs, params);
    return entry.outTree.unflatten(outs);
  };
  Object.defineProperty(jitted, "name", { value: `jit(${name})` });
  return jitted as F;
}

/** Per pjit input (constants first): whether it is a leaf of a donated argument; null if none. */
function donatedLeaves(
  donateArgnums: readonly number[],
  args: readonly unknown[],
  statics: Set<number>,
  nConsts: number,
  name: string,
): boolean[] | null {
  if (donateArgnums.length === 0) return null;
  const donate = new Set<number>();
  for (const i of donateArgnums) {
    const j = i < 0 ? i + args.length : i;
    if (j < 0 || j >= args.length) {
      throw new Error(
        `jit(${name}): donateArgnums entry ${i} is out of range for a call with ${args.length} arguments`,
      );
    }
    donate.add(j);
  }
  if (donate.size === 0) return null;
  const out = new globalThis.Array<boolean>(nConsts).fill(false);
  args.forEach((a, i) => {
    if (statics.has(i)) {
      if (donate.has(i)) {
        throw new Error(`jit(${name}): argument ${i} is both static and donated`);
      }
      return;
    }
    const n = flatten(a)[0].length;
    for (let k = 0; k < n; k++) out.push(donate.has(i));
  });
  return out;
}

/** Turns constvars into leading input binders, so constants are passed as arguments. */
export function constsAsInputs(closed: ClosedJaxpr): ClosedJaxpr {
  const j = closed.jaxpr;
  if (j.constvars.length === 0) return closed;
  return new ClosedJaxpr(new Jaxpr([], [...j.constvars, ...j.inBinders], j.eqns, j.outs), []);
}

/** `jax.make_jaxpr`'s options. */
export interface MakeJaxprOptions {
  /** Positions of arguments that are configuration (see JitOptions). */
  staticArgnums?: number | readonly number[];
}
const MAKE_JAXPR_KEYS: OptionKeys<MakeJaxprOptions> = { staticArgnums: true };

/** `jax.make_jaxpr`: traces `fn` on example arguments and returns its (printable) closed jaxpr. */
export function makeJaxpr<F extends AnyFn>(
  fn: F,
  options?: MakeJaxprOptions,
): (...args: Parameters<F>) => ClosedJaxpr {
  checkFunction(fn, "makeJaxpr");
  const name = fn.name || "fn";
  const opts = checkOptions(`makeJaxpr(${name})`, options, MAKE_JAXPR_KEYS);
  const staticArgnums = argnumList(opts.staticArgnums, `makeJaxpr(${name})`, "staticArgnums");
  return (...args: Parameters<F>) => {
    const statics = normalizeStatics(staticArgnums, args.length, `makeJaxpr(${name})`);
    const dynamic = args.filter((_, i) => !statics.has(i));
    const [leaves, inTree] = flatten(dynamic);
    const avals = leaves.map((l) => leafAval(l, `makeJaxpr(${name})`, 0));
    return traceToJaxpr(
      (...dyn: unknown[]) => fn(...mergeStatics(args, statics, dyn)),
      avals,
      inTree,
      `makeJaxpr(${name})`,
    ).closed;
  };
}
