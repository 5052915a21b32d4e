/**
 * User-defined derivatives: `customJvp` (a JVP rule replaces differentiating
 * the function) and `customVjp` (a forward pass saving residuals and a
 * backward pass using them). Each call is a primitive whose params hold the
 * user's functions, so it survives staging: `jit` of a customJvp function
 * still uses the rule when differentiated later.
 */

import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ArrayLike, argToArray, asArray } from "../core/convert.js";
import { Primitive, type Tangent, UndefinedPrimal, Zero } from "../core/primitive.js";
import { bind, getAval } from "../core/trace.js";
import { instantiate } from "../lax/ad_util.js";
import { moveBatchAxis } from "../lax/batch_util.js";
import { type AnyFn, checkFunction, checkOptions, kindOf, type OptionKeys } from "../options.js";
import { flatten, type TreeDef } from "../tree/index.js";
import { vmap } from "./batching.js";
import { backwardPassAll } from "./jit.js";
import { traceToJaxpr } from "./staging.js";

type FlatFn = (...xs: Array[]) => Array[];

interface Signature {
  outAvals: ShapedArray[];
  outTree: TreeDef;
}

/** Traces a pytree function abstractly (once per input signature) for its output types and tree. */
function signatureOf(
  f: (...args: unknown[]) => unknown,
  avals: ShapedArray[],
  inTree: TreeDef,
  cache: Map<string, Signature>,
  op: string,
): Signature {
  const key = `${inTree}|${avals.map((a) => a.key()).join(";")}`;
  let sig = cache.get(key);
  if (sig === undefined) {
    const traced = traceToJaxpr(f, avals, inTree, op);
    sig = { outAvals: traced.closed.outAvals, outTree: traced.outTree };
    cache.set(key, sig);
  }
  return sig;
}

function flatSignature(
  fn: FlatFn,
  avals: ShapedArray[],
  cache: Map<string, Signature>,
  op: string,
): ShapedArray[] {
  const [, tree] = flatten(avals.map(() => 0));
  return signatureOf((...xs) => fn(...(xs as Array[])), avals, tree, cache, op).outAvals;
}

/** Moves every batched input to axis 0, broadcasting unbatched ones: rules then see uniform batches. */
function allBatchedAtZero(args: Array[], dims: (number | null)[], size: number): Array[] {
  return args.map((a, i) => moveBatchAxis(a, dims[i] ?? null, 0, size));
}

// --- custom_jvp -------------------------------------------------------------------

interface CustomJvpParams {
  name: string;
  fun: FlatFn;
  /** [primals, tangents] → [primal outs, tangent outs], all flat. */
  jvp: (primals: Array[], tangents: Array[]) => [Array[], Array[]];
  avalCache: Map<string, Signature>;
}

export const customJvpCallP: Primitive<CustomJvpParams> = new Primitive<CustomJvpParams>(
  "custom_jvp_call",
  {
    abstractEval: (avals, p) => flatSignature(p.fun, avals, p.avalCache, `customJvp(${p.name})`),
    impl: (args, p) => p.fun(...args) as never,
    jvp: (primals, tangents, p) => {
      const [pOut, tOut] = p.jvp(primals, tangents.map(instantiate));
      return [pOut, tOut];
    },
    batch: (args, dims, p, axis) => {
      const xs = allBatchedAtZero(args, dims, axis.size);
      const fun = vmap(p.fun, { inAxes: 0, outAxes: 0, axisSize: axis.size }) as FlatFn;
      const n = xs.length;
      const jvpFlat = (...pt: Array[]) => {
        const [po, to] = p.jvp(pt.slice(0, n), pt.slice(n));
        return [...po, ...to];
      };
      const bJvp = vmap(jvpFlat, { inAxes: 0, outAxes: 0, axisSize: axis.size }) as FlatFn;
      const outs = bind(customJvpCallP, xs, {
        name: `vmap(${p.name})`,
        fun,
        jvp: (ps: Array[], ts: Array[]) => {
          const o = bJvp(...ps, ...ts);
          return [o.slice(0, o.length / 2), o.slice(o.length / 2)];
        },
        avalCache: new Map(),
      });
      return [outs, outs.map(() => 0)];
    },
    // Reached when the function is applied to a linear value (inside another rule, or a
    // linear function given a custom jvp): its primal body is linear there, so transpose it.
    transpose: (cts, args, p) => {
      const avals = args.map((a) => (a instanceof UndefinedPrimal ? a.aval : getAval(a)));
      const [, tree] = flatten(avals.map(() => 0));
      const { closed } = traceToJaxpr(
        (...xs) => p.fun(...(xs as Array[])),
        avals,
        tree,
        `transpose(customJvp(${p.name}))`,
      );
      return backwardPassAll(closed, args, cts);
    },
  },
  true,
);

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

// --- custom_vjp -------------------------------------------------------------------

interface CustomVjpParams {
  name: string;
  fun: FlatFn;
  /** Forward pass: outputs followed by the residual arrays. */
  fwd: FlatFn;
  numOut: number;
  /** Backward pass: (residuals, output cotangents) → input cotangents. */
  bwd: (res: Array[], cts: Array[]) => Array[];
  avalCache: Map<string, Signature>;
}

interface CustomLinParams {
  name: string;
  numRes: number;
  bwd: (res: Array[], cts: Array[]) => Array[];
  outAvals: ShapedArray[];
}

/** The tangent map of a custom_vjp function: linear, known only through its transpose (bwd). */
export const customLinP: Primitive<CustomLinParams> = new Primitive<CustomLinParams>(
  "custom_lin",
  {
    abstractEval: (_avals, p) => p.outAvals,
    impl: (_args, p) => {
      throw new Error(
        `can't apply forward-mode autodiff (jvp) to a customVjp function (${p.name}); use vjp/grad, or customJvp`,
      );
    },
    jvp: (_primals, _tangents, p) => {
      throw new Error(
        `can't apply forward-mode autodiff (jvp) to a customVjp function (${p.name}); use vjp/grad, or customJvp`,
      );
    },
    transpose: (cts, args, p) => {
      const res = args.slice(0, p.numRes) as Array[];
      const grads = p.bwd(res, cts.map(instantiate));
      return [...res.map(() => null), ...grads];
    },
    batch: null,
  },
  true,
);

export const customVjpCallP: Primitive<CustomVjpParams> = new Primitive<CustomVjpParams>(
  "custom_vjp_call",
  {
    abstractEval: (avals, p) => flatSignature(p.fun, avals, p.avalCache, `customVjp(${p.name})`),
    impl: (args, p) => p.fun(...args) as never,
    jvp: (primals, tangents, p) => {
      const outsRes = p.fwd(...primals);
      const outs = outsRes.slice(0, p.numOut);
      const res = outsRes.slice(p.numOut);
      const tIn = tangents.map(instantiate);
      const tOut = bind(customLinP, [...res, ...tIn], {
        name: p.name,
        numRes: res.length,
        bwd: p.bwd,
        outAvals: outs.map((o) => o.aval),
      });
      return [outs, tOut as Tangent[]];
    },
    batch: (args, dims, p, axis) => {
      const xs = allBatchedAtZero(args, dims, axis.size);
      const opts = { inAxes: 0, outAxes: 0, axisSize: axis.size } as const;
      const bwd = vmap(
        (...rc: Array[]) =>
          p.bwd(rc.slice(0, rc.length - p.numOut), rc.slice(rc.length - p.numOut)),
        opts,
      );
      const outs = bind(customVjpCallP, xs, {
        name: `vmap(${p.name})`,
        fun: vmap(p.fun, opts) as FlatFn,
        fwd: vmap(p.fwd, opts) as FlatFn,
        numOut: p.numOut,
        bwd: (res: Array[], cts: Array[]) => bwd(...res, ...cts) as Array[],
        avalCache: new Map(),
      });
      return [outs, outs.map(() => 0)];
    },
    transpose: null,
  },
  true,
);

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
