/**
 * The primitives of user-defined derivatives: `custom_jvp_call` (a JVP rule
 * replaces differentiating the function), `custom_vjp_call` and `custom_lin`
 * (a forward pass saving residuals and a backward pass using them). Their
 * params hold the user's (flattened) functions, so a call survives staging:
 * `jit` of a customJvp function still uses the rule when differentiated
 * later. The user-facing `customJvp`/`customVjp` are in api/custom.ts.
 */

import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import {
  type AxisData,
  OPAQUE,
  Primitive,
  type Tangent,
  UndefinedPrimal,
} from "../core/primitive.js";
import { bind, getAval } from "../core/trace.js";
import { instantiate } from "../lax/ad_util.js";
import { moveBatchAxis } from "../lax/batch_util.js";
import { flatten, type TreeDef } from "../tree/index.js";
import { backwardPassAll } from "./ad.js";
import { batchFlat } from "./batching.js";
import { traceToJaxpr } from "./staging.js";

export type FlatFn = (...xs: Array[]) => Array[];

export interface Signature {
  outAvals: ShapedArray[];
  outTree: TreeDef;
}

/** Traces a pytree function abstractly (once per input signature) for its output types and tree. */
export function signatureOf(
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

export interface CustomJvpParams {
  name: string;
  fun: FlatFn;
  /** [primals, tangents] → [primal outs, tangent outs], all flat. */
  jvp: (primals: Array[], tangents: Array[]) => [Array[], Array[]];
  avalCache: Map<string, Signature>;
}

export const customJvpCallP: Primitive<CustomJvpParams> = new Primitive<CustomJvpParams>(
  "custom_jvp_call",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: (avals, p) => flatSignature(p.fun, avals, p.avalCache, `customJvp(${p.name})`),
    impl: (args, p) => p.fun(...args) as never,
    jvp: (primals, tangents, p) => {
      const [pOut, tOut] = p.jvp(primals, tangents.map(instantiate));
      return [pOut, tOut];
    },
    batch: (args, dims, p, axis) => {
      const xs = allBatchedAtZero(args, dims, axis.size);
      const batched: AxisData = { size: axis.size, name: null };
      const fun = batchFlat(p.fun, batched, `vmap(${p.name})`);
      const n = xs.length;
      const jvpFlat = (...pt: Array[]) => {
        const [po, to] = p.jvp(pt.slice(0, n), pt.slice(n));
        return [...po, ...to];
      };
      const bJvp = batchFlat(jvpFlat, batched, `vmap(${p.name})`);
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

// --- custom_vjp -------------------------------------------------------------------

export interface CustomVjpParams {
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
    lower: null,
    facts: OPAQUE,
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
    lower: null,
    facts: OPAQUE,
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
      const batched: AxisData = { size: axis.size, name: null };
      const bwd = batchFlat(
        (...rc: Array[]) =>
          p.bwd(rc.slice(0, rc.length - p.numOut), rc.slice(rc.length - p.numOut)),
        batched,
        `vmap(${p.name})`,
      );
      const outs = bind(customVjpCallP, xs, {
        name: `vmap(${p.name})`,
        fun: batchFlat(p.fun, batched, `vmap(${p.name})`),
        fwd: batchFlat(p.fwd, batched, `vmap(${p.name})`),
        numOut: p.numOut,
        bwd: (res: Array[], cts: Array[]) => bwd(...res, ...cts),
        avalCache: new Map(),
      });
      return [outs, outs.map(() => 0)];
    },
    transpose: null,
  },
  true,
);
