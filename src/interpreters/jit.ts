/**
 * jit: trace once per signature (input tree, shapes, dtypes, weak types,
 * static arguments), cache the jaxpr, and run it through `compileJaxpr`. A
 * jitted call is itself a primitive (`pjit`) holding its jaxpr, so outer
 * transformations see one equation and transform the jaxpr, not the JS code.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { compileJaxpr } from "../core/dispatch.js";
import { ClosedJaxpr, Jaxpr } from "../core/jaxpr.js";
import { Primitive } from "../core/primitive.js";
import { bind, Tracer } from "../core/trace.js";
import { flatten, type TreeDef } from "../tree/index.js";
import { leafAval, traceToJaxpr } from "./staging.js";

export interface PjitParams {
  name: string;
  jaxpr: ClosedJaxpr;
}

export const pjitP = new Primitive<PjitParams>(
  "pjit",
  {
    abstractEval: (_avals, { jaxpr }) => jaxpr.outAvals,
    impl: (args, { jaxpr }) => compileJaxpr(jaxpr)(args),
  },
  true,
);

export interface JitOptions {
  /** Positions of arguments that are configuration, not arrays: each distinct value retraces. */
  staticArgnums?: number | readonly number[];
}

interface CacheEntry {
  jaxpr: ClosedJaxpr;
  outTree: TreeDef;
  consts: Array[];
}

// biome-ignore lint/suspicious/noExplicitAny: jit accepts functions of any signature
type AnyFn = (...args: any[]) => any;

/** Identity keys for static arguments that are objects or functions. */
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;
function staticKey(x: unknown): string {
  if (typeof x === "object" && x !== null) {
    let id = objectIds.get(x);
    if (id === undefined) {
      id = nextObjectId++;
      objectIds.set(x, id);
    }
    try {
      return `o${id}:${JSON.stringify(x)}`;
    } catch {
      return `o${id}`;
    }
  }
  if (typeof x === "function") return staticKey(x as unknown as object);
  return `${typeof x}:${String(x)}`;
}

function normalizeStatics(
  staticArgnums: number | readonly number[] | undefined,
  nargs: number,
  fnName: string,
): Set<number> {
  const list = staticArgnums === undefined ? [] : typeof staticArgnums === "number" ? [staticArgnums] : staticArgnums;
  return new Set(
    list.map((i) => {
      const j = i < 0 ? i + nargs : i;
      if (!Number.isInteger(j) || j < 0 || j >= nargs) {
        throw new Error(
          `${fnName}: staticArgnums entry ${i} is out of range for a call with ${nargs} arguments`,
        );
      }
      return j;
    }),
  );
}

/** Re-interleaves static arguments with the (traced) dynamic ones. */
function mergeStatics(args: readonly unknown[], statics: Set<number>, dyn: readonly unknown[]): unknown[] {
  let d = 0;
  return args.map((a, i) => (statics.has(i) ? a : dyn[d++]));
}

export function jit<F extends AnyFn>(fn: F, options: JitOptions = {}): F {
  const name = fn.name || "fn";
  const cache = new Map<string, CacheEntry>();

  const jitted = (...args: unknown[]): unknown => {
    const statics = normalizeStatics(options.staticArgnums, args.length, `jit(${name})`);
    const dynamic = args.filter((_, i) => !statics.has(i));
    const [leaves, inTree] = flatten(dynamic);
    const avals = leaves.map((l) => leafAval(l, `jit(${name})`, 0));
    const key = `${inTree}|${avals.map((a) => a.key()).join(";")}|${[...statics]
      .map((i) => staticKey(args[i]))
      .join(";")}`;

    let entry = cache.get(key);
    if (entry === undefined) {
      const traced = traceToJaxpr(
        (...dyn: unknown[]) => fn(...mergeStatics(args, statics, dyn)),
        avals,
        inTree,
        `jit(${name})`,
      );
      // Constants become explicit inputs of the pjit equation, so that outer
      // transformations see them; a trace that closed over tracers is not reused.
      const consts = [...traced.closed.consts];
      entry = { jaxpr: constsAsInputs(traced.closed), outTree: traced.outTree, consts };
      if (!consts.some((c) => c instanceof Tracer)) cache.set(key, entry);
    }
    const inputs = [...entry.consts, ...leaves.map((l) => asArray(l as ArrayLike, `jit(${name})`))];
    const outs = bind(pjitP, inputs, { name, jaxpr: entry.jaxpr });
    return entry.outTree.unflatten(outs);
  };
  Object.defineProperty(jitted, "name", { value: `jit(${name})` });
  return jitted as F;
}

/** Turns constvars into leading input binders, so constants are passed as arguments. */
function constsAsInputs(closed: ClosedJaxpr): ClosedJaxpr {
  const j = closed.jaxpr;
  if (j.constvars.length === 0) return closed;
  return new ClosedJaxpr(new Jaxpr([], [...j.constvars, ...j.inBinders], j.eqns, j.outs), []);
}

/** `jax.make_jaxpr`: traces `fn` on example arguments and returns its (printable) closed jaxpr. */
export function makeJaxpr<F extends AnyFn>(
  fn: F,
  options: JitOptions = {},
): (...args: Parameters<F>) => ClosedJaxpr {
  const name = fn.name || "fn";
  return (...args: Parameters<F>) => {
    const statics = normalizeStatics(options.staticArgnums, args.length, `makeJaxpr(${name})`);
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
