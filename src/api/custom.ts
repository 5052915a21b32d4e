/**
 * User-defined derivatives: `customJvp(f).defjvp(rule)` (the rule replaces
 * differentiating f) and `customVjp(f).defvjp(fwd, bwd)` (a forward pass
 * saving residuals, a backward pass using them). Each call flattens its
 * arguments, checks the rules' outputs against the function's output tree
 * and shapes, and binds the primitives of interpreters/custom.ts.
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
import { type AnyFn, checkFunction, checkOptions, kindOf, type OptionKeys } from "../options.js";
import { flatten, type TreeDef } from "../tree/index.js";

export interface CustomJvpFunction<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  /** `f.defjvp((primals, tangents) => [primalOut, tangentOut])`; returns the function itself. */
  defjvp(
    rule: (primals: unknown[], tangents: unknown[]) => [unknown, unknown],
  ): CustomJvpFunction<F>;
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

function customOptions(f: unknown, options: CustomOptions | undefined, op: string): Set<number> {
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
  return new Set(nondiffArgnums ?? []);
}

/**
 * `jax.custom_jvp(f, { nondiffArgnums })`. Non-differentiable arguments are
 * passed to f and the rule as they are (first in the rule's argument list, as JAX does).
 */
export function customJvp<F extends AnyFn>(f: F, options?: CustomOptions): CustomJvpFunction<F> {
  const nondiff = customOptions(f, options, "customJvp");
  const name = f.name || "fn";
  let rule: ((primals: unknown[], tangents: unknown[]) => [unknown, unknown]) | null = null;
  const avalCache = new Map<string, Signature>();
  const sigCache = new Map<string, Signature>();
  const call = (...args: unknown[]): unknown => {
    if (rule === null) {
      throw new Error(
        `customJvp(${name}): no JVP rule defined; call f.defjvp(rule) before using the function`,
      );
    }
    const userRule = rule;
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
      const nd = args.filter((_, i) => nondiff.has(i));
      const primals = inTree.unflatten(ps) as unknown[];
      const tangents = inTree.unflatten(ts) as unknown[];
      const [po, to] = userRule([...nd, ...primals], tangents);
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
  wrapped.defjvp = (r) => {
    checkFunction(r, `customJvp(${name}).defjvp`, "rule");
    rule = r;
    return wrapped;
  };
  Object.defineProperty(wrapped, "name", { value: `customJvp(${name})` });
  return wrapped;
}

export interface CustomVjpFunction<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  /** `f.defvjp(fwd, bwd)`: fwd returns [out, residuals]; bwd(residuals, ct) returns one cotangent per argument. */
  defvjp(
    fwd: (...args: unknown[]) => [unknown, unknown],
    bwd: (...resAndCt: unknown[]) => unknown[],
  ): CustomVjpFunction<F>;
}

/** `jax.custom_vjp(f, { nondiffArgnums })`. */
export function customVjp<F extends AnyFn>(f: F, options?: CustomOptions): CustomVjpFunction<F> {
  const nondiff = customOptions(f, options, "customVjp");
  const name = f.name || "fn";
  let rules: {
    fwd: (...a: unknown[]) => [unknown, unknown];
    bwd: (...a: unknown[]) => unknown[];
  } | null = null;
  const avalCache = new Map<string, Signature>();
  const sigCache = new Map<string, Signature>();
  const call = (...args: unknown[]): unknown => {
    if (rules === null) {
      throw new Error(
        `customVjp(${name}): no VJP rule defined; call f.defvjp(fwd, bwd) before using the function`,
      );
    }
    const { fwd: userFwd, bwd: userBwd } = rules;
    const nd = args.filter((_, i) => nondiff.has(i));
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
