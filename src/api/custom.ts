/**
 * User-defined derivatives: `customJvp(f).defjvp(rule)` (the rule replaces
 * differentiating f), `customJvp(f).defjvps(...)` (one tangent function per
 * argument) and `customVjp(f).defvjp(fwd, bwd)` (a forward pass saving
 * residuals, a backward pass using them). Each call flattens its arguments,
 * checks the rules' outputs against the function's output tree and shapes,
 * and binds the primitives of interpreters/custom.ts.
 *
 * With `nondiffArgnums` the rules take JAX's arguments: the JVP rule is
 * `rule(...nondiffArgs, primals, tangents)` (primals and tangents of the
 * other arguments only); fwd takes all arguments as f does; bwd is
 * `bwd(...nondiffArgs, residuals, cotangent)` and returns one cotangent per
 * differentiable argument. The non-differentiable arguments come in the
 * order `nondiffArgnums` lists them, as in JAX.
 */

import type { Array } from "../core/array.js";
import { type ArrayLike, argToArray, asArray } from "../core/convert.js";
import { Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import {
  customJvpCallP,
  customVjpCallP,
  type FlatFn,
  type Signature,
  signatureOf,
} from "../interpreters/custom.js";
import { instantiate } from "../lax/ad_util.js";
import { add } from "../lax/elementwise.js";
import { type AnyFn, checkFunction, checkOptions, kindOf, type OptionKeys } from "../options.js";
import { flatten, map, type TreeDef } from "../tree/index.js";

/**
 * A JVP rule: `(primals, tangents) => [primalOut, tangentOut]`, or with
 * nondiffArgnums `(...nondiffArgs, primals, tangents) => ...` (one signature,
 * so a rule may call the function it is defined on).
 */
// biome-ignore lint/suspicious/noExplicitAny: the rule's arguments are the user's types
export type JvpRule = (...nondiffPrimalsTangents: any[]) => [unknown, unknown];

/** One argument's tangent function for `defjvps`: (its tangent, the primal output, ...primals). */
// biome-ignore lint/suspicious/noExplicitAny: tangents and primals are the user's types
export type ArgJvp = (g: any, ans: any, ...primals: any[]) => unknown;

export interface CustomJvpFunction<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  /**
   * `f.defjvp((primals, tangents) => [primalOut, tangentOut])`; with
   * nondiffArgnums, JAX's `rule(...nondiffArgs, primals, tangents)`. Returns the function itself.
   */
  defjvp(rule: JvpRule): CustomJvpFunction<F>;
  /**
   * JAX's `f.defjvps(jvp0, jvp1, ...)`: one function per argument, `jvpI(gI,
   * primalOut, ...primals)`, giving that argument's contribution to the output
   * tangent (null: the output does not depend on it); the contributions are
   * summed. Not with nondiffArgnums (as in JAX). Returns the function itself.
   */
  defjvps(...jvps: (ArgJvp | null)[]): CustomJvpFunction<F>;
}

function flatArgs(op: string, args: unknown[]): [Array[], TreeDef] {
  const [leaves, tree] = flatten(args);
  return [leaves.map((l, i) => argToArray(l as ArrayLike, op, `argument leaf ${i}`)), tree];
}

/** Options of customJvp/customVjp. */
export interface CustomOptions {
  /** Positions of arguments that are not differentiated (passed to the rules as they are). */
  nondiffArgnums?: readonly number[];
}
const CUSTOM_KEYS: OptionKeys<CustomOptions> = { nondiffArgnums: true };

/** The nondiffArgnums, in the order given (the order the rules receive the arguments in). */
function customOptions(f: unknown, options: CustomOptions | undefined, op: string): number[] {
  checkFunction(f, op, "f");
  const { nondiffArgnums } = checkOptions(op, options, CUSTOM_KEYS);
  if (
    nondiffArgnums !== undefined &&
    !(
      globalThis.Array.isArray(nondiffArgnums) &&
      nondiffArgnums.every((i) => Number.isInteger(i) && i >= 0)
    )
  ) {
    throw new TypeError(
      `${op}: nondiffArgnums must be a list of non-negative integers, got ${kindOf(nondiffArgnums)}`,
    );
  }
  const list = [...(nondiffArgnums ?? [])];
  if (new Set(list).size !== list.length) {
    throw new TypeError(`${op}: nondiffArgnums has a repeated position: [${list.join(", ")}]`);
  }
  return list;
}

/** The arguments at the nondiffArgnums positions, in the order listed; a position past the end is an error. */
function nondiffArgs(op: string, args: unknown[], order: readonly number[]): unknown[] {
  return order.map((i) => {
    if (i >= args.length) {
      throw new TypeError(
        `${op}: nondiffArgnums has position ${i}, but the function was called with ${args.length} argument(s)`,
      );
    }
    return args[i];
  });
}

interface Caches {
  avalCache: Map<string, Signature>;
  sigCache: Map<string, Signature>;
}

/**
 * The output-signature caches of one custom function, per value of its
 * non-differentiable arguments (the output's shapes may depend on them):
 * shared across calls whose nondiff arguments are the same JS scalars, fresh
 * for a call with a function or object among them (not comparable by value).
 */
function signatureCaches(): (nd: readonly unknown[]) => Caches {
  const byStatics = new Map<string, Caches>();
  const fresh = (): Caches => ({ avalCache: new Map(), sigCache: new Map() });
  return (nd) => {
    const scalar = (v: unknown) => v === null || (typeof v !== "object" && typeof v !== "function");
    if (!nd.every(scalar)) return fresh();
    const key = nd.map((v) => `${typeof v}:${String(v)}`).join("|");
    let c = byStatics.get(key);
    if (c === undefined) {
      if (byStatics.size >= 64) byStatics.clear();
      c = fresh();
      byStatics.set(key, c);
    }
    return c;
  };
}

/**
 * `jax.custom_jvp(f, { nondiffArgnums })`. Non-differentiable arguments are
 * passed to f and the rule as they are (first in the rule's argument list, as JAX does).
 */
export function customJvp<F extends AnyFn>(f: F, options?: CustomOptions): CustomJvpFunction<F> {
  const nondiffOrder = customOptions(f, options, "customJvp");
  const nondiff = new Set(nondiffOrder);
  const name = f.name || "fn";
  let rule: JvpRule | null = null;
  const caches = signatureCaches();
  const call = (...args: unknown[]): unknown => {
    if (rule === null) {
      throw new Error(
        `customJvp(${name}): no JVP rule defined; call f.defjvp(rule) before using the function`,
      );
    }
    const userRule = rule;
    const nd = nondiffArgs(`customJvp(${name})`, args, nondiffOrder);
    const { avalCache, sigCache } = caches(nd);
    const statics = args.map((a, i) => (nondiff.has(i) ? a : undefined));
    const dynArgs = args.filter((_, i) => !nondiff.has(i));
    const [leaves, inTree] = flatArgs(`customJvp(${name})`, dynArgs);
    const merge = (dyn: unknown[]): unknown[] => {
      let d = 0;
      return statics.map((s, i) => (nondiff.has(i) ? s : dyn[d++]));
    };
    const { outTree } = signatureOf(
      (...dyn) => f(...merge(dyn)),
      leaves.map((l) => l.aval),
      inTree,
      sigCache,
      `customJvp(${name})`,
    );
    const fun: FlatFn = (...xs) =>
      flatten(f(...merge(inTree.unflatten(xs) as unknown[])))[0].map((l, i) =>
        asArray(l as ArrayLike, `customJvp(${name})`, `output ${i}`),
      );
    const jvp = (ps: Array[], ts: Array[]): [Array[], Array[]] => {
      const primals = inTree.unflatten(ps) as unknown[];
      const tangents = inTree.unflatten(ts) as unknown[];
      const ruleOut: unknown = userRule(...nd, primals, tangents);
      if (!globalThis.Array.isArray(ruleOut) || ruleOut.length !== 2) {
        throw new TypeError(
          `customJvp(${name}): the JVP rule must return [primalOut, tangentOut], got ${kindOf(ruleOut)}`,
        );
      }
      const [po, to] = ruleOut as [unknown, unknown];
      const [pl, pt] = flatten(po);
      const [tl, tt] = flatten(to);
      if (!pt.equals(tt) || !pt.equals(outTree)) {
        throw new Error(
          `customJvp(${name}): the rule's primal output ${pt} and tangent output ${tt} must both have ` +
            `the structure of the function's output, ${outTree}`,
        );
      }
      const pArr = pl.map((l) =>
        asArray(l as ArrayLike, `customJvp(${name}) rule`, "primal output"),
      );
      const tArr = tl.map((l, i) => {
        const t = asArray(l as ArrayLike, `customJvp(${name}) rule`, "tangent output");
        const p = pArr[i]!;
        if (t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k])) {
          throw new Error(
            `customJvp(${name}): the rule's tangent output ${i} has shape ${t.aval.str()} but the primal output has ${p.aval.str()}`,
          );
        }
        return t;
      });
      return [pArr, tArr];
    };
    const outs = bind(customJvpCallP, leaves, { name, fun, jvp, avalCache });
    return outTree.unflatten(outs);
  };
  const wrapped = call as unknown as CustomJvpFunction<F>;
  wrapped.defjvp = (r: JvpRule) => {
    checkFunction(r, `customJvp(${name}).defjvp`, "rule");
    rule = r;
    return wrapped;
  };
  wrapped.defjvps = (...jvps: (ArgJvp | null)[]) => {
    const op = `customJvp(${name}).defjvps`;
    if (nondiffOrder.length > 0)
      throw new TypeError(`${op}: can't use defjvps with nondiffArgnums`);
    jvps.forEach((j, i) => {
      if (j !== null) checkFunction(j, op, `jvp ${i}`);
    });
    rule = (primals: unknown[], tangents: unknown[]): [unknown, unknown] => {
      if (jvps.length !== primals.length) {
        throw new TypeError(
          `${op}: got ${jvps.length} tangent function(s) for ${primals.length} argument(s); give one ` +
            "per argument (null for an argument the output does not depend on)",
        );
      }
      const ans = (wrapped as AnyFn)(...primals);
      const parts = jvps.flatMap((j, i) => (j === null ? [] : [j(tangents[i], ans, ...primals)]));
      if (parts.length === 0)
        return [ans, map((a: Array) => zerosOf(asArray(a, op, "output")), ans)];
      const sum = (...ts: ArrayLike[]) => ts.reduce((acc, t) => add(acc, t));
      return [ans, map(sum, parts[0], ...parts.slice(1))];
    };
    return wrapped;
  };
  Object.defineProperty(wrapped, "name", { value: `customJvp(${name})` });
  return wrapped;
}

export interface CustomVjpFunction<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  /**
   * `f.defvjp(fwd, bwd)`: fwd takes f's arguments and returns [out,
   * residuals]; bwd(residuals, ct) returns one cotangent per argument (null: zero).
   * With nondiffArgnums, bwd(...nondiffArgs, residuals, ct) returns one per
   * differentiable argument, as in JAX.
   */
  defvjp(
    fwd: (...args: unknown[]) => [unknown, unknown],
    bwd: (...resAndCt: unknown[]) => unknown[],
  ): CustomVjpFunction<F>;
}

/** `jax.custom_vjp(f, { nondiffArgnums })`. */
export function customVjp<F extends AnyFn>(f: F, options?: CustomOptions): CustomVjpFunction<F> {
  const nondiffOrder = customOptions(f, options, "customVjp");
  const nondiff = new Set(nondiffOrder);
  const name = f.name || "fn";
  let rules: {
    fwd: (...a: unknown[]) => [unknown, unknown];
    bwd: (...a: unknown[]) => unknown[];
  } | null = null;
  const caches = signatureCaches();
  const call = (...args: unknown[]): unknown => {
    if (rules === null) {
      throw new Error(
        `customVjp(${name}): no VJP rule defined; call f.defvjp(fwd, bwd) before using the function`,
      );
    }
    const { fwd: userFwd, bwd: userBwd } = rules;
    const nd = nondiffArgs(`customVjp(${name})`, args, nondiffOrder);
    const { avalCache, sigCache } = caches(nd);
    const dynArgs = args.filter((_, i) => !nondiff.has(i));
    const [leaves, inTree] = flatArgs(`customVjp(${name})`, dynArgs);
    const merge = (dyn: unknown[]): unknown[] => {
      let d = 0;
      return args.map((a, i) => (nondiff.has(i) ? a : dyn[d++]));
    };
    const { outTree, outAvals } = signatureOf(
      (...dyn) => f(...merge(dyn)),
      leaves.map((l) => l.aval),
      inTree,
      sigCache,
      `customVjp(${name})`,
    );
    const numOut = outAvals.length;
    const toArrs = (xs: unknown[], what: string) =>
      xs.map((l) => asArray(l as ArrayLike, `customVjp(${name})`, what));
    const fun: FlatFn = (...xs) =>
      toArrs(flatten(f(...merge(inTree.unflatten(xs) as unknown[])))[0], "output");
    // The residuals' tree is learned when fwd runs (always before bwd).
    let resTree: TreeDef | null = null;
    const fwd: FlatFn = (...xs) => {
      const [out, res] = userFwd(...merge(inTree.unflatten(xs) as unknown[]));
      const [rl, rt] = flatten(res);
      resTree = rt;
      return [...toArrs(flatten(out)[0], "output"), ...toArrs(rl, "residual")];
    };
    const bwd = (res: Array[], cts: Array[]): Array[] => {
      if (resTree === null) throw new Error(`customVjp(${name}): internal: bwd ran before fwd`);
      const resVal = resTree.unflatten(res);
      const grads = userBwd(...nd, resVal, outTree.unflatten(cts));
      if (!globalThis.Array.isArray(grads) || grads.length !== dynArgs.length) {
        throw new Error(
          `customVjp(${name}): bwd must return an array with one cotangent per differentiable argument ` +
            `(${dynArgs.length}), got ${globalThis.Array.isArray(grads) ? grads.length : typeof grads}`,
        );
      }
      const [gl, gt] = flatten(grads);
      if (!gt.equals(inTree)) {
        throw new Error(
          `customVjp(${name}): bwd returned cotangents of structure ${gt}, expected ${inTree}`,
        );
      }
      return gl.map((g, i) =>
        g === null
          ? zerosOf(leaves[i]!)
          : asArray(g as ArrayLike, `customVjp(${name})`, "cotangent"),
      );
    };
    const outs = bind(customVjpCallP, leaves, { name, fun, fwd, numOut, bwd, avalCache });
    return outTree.unflatten(outs);
  };
  const wrapped = call as unknown as CustomVjpFunction<F>;
  wrapped.defvjp = (fwd, bwd) => {
    checkFunction(fwd, `customVjp(${name}).defvjp`, "fwd");
    checkFunction(bwd, `customVjp(${name}).defvjp`, "bwd");
    rules = { fwd, bwd };
    return wrapped;
  };
  Object.defineProperty(wrapped, "name", { value: `customVjp(${name})` });
  return wrapped;
}

function zerosOf(x: Array): Array {
  return instantiate(new Zero(x.aval));
}
