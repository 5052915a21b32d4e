/**
 * The batching interpreter (vmap's machinery; `vmap` itself, with its axis
 * handling, is in api/vmap.ts). A BatchTracer carries a value with one extra
 * dimension (at `batchDim`, or none), and every primitive's batch rule says
 * how to compute on the whole batch at once — never a loop.
 */

import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type ClosedJaxpr, evalClosedJaxpr } from "../core/jaxpr.js";
import type { AnyPrimitive, AxisData, BatchDim } from "../core/primitive.js";
import { bind, newMain, Trace, Tracer } from "../core/trace.js";
import { moveBatchAxis } from "../lax/batch_util.js";
import { flatten } from "../tree/index.js";
import { traceToJaxpr } from "./staging.js";

export class BatchTracer extends Tracer {
  constructor(
    readonly trace: BatchTrace,
    readonly val: Array,
    readonly batchDim: BatchDim,
  ) {
    super();
  }
  get aval(): ShapedArray {
    const a = this.val.aval;
    if (this.batchDim === null) return a;
    const shape = a.shape.filter((_, i) => i !== this.batchDim);
    return new ShapedArray(shape, a.dtype, a.weakType);
  }
  override fullLower(): Array {
    return this.batchDim === null ? this.val : this;
  }
}

export class BatchTrace extends Trace {
  get axis(): AxisData {
    return this.main.globalData as AxisData;
  }
  pure(x: Array): Array {
    return new BatchTracer(this, x, null);
  }
  processPrimitive(prim: AnyPrimitive, args: Array[], params: object): Array[] {
    const tracers = args as BatchTracer[];
    const vals = tracers.map((t) => t.val);
    const dims = tracers.map((t) => t.batchDim);
    if (dims.every((d) => d === null) && !prim.collective) {
      return bind(prim, vals, params).map((v) => new BatchTracer(this, v, null));
    }
    const rule = prim.rules.batch;
    if (!rule) {
      throw new Error(`vmap: primitive '${prim.name}' has no batching rule`);
    }
    const [outs, outDims] = rule(vals, dims, params, this.axis);
    return outs.map((v, i) => new BatchTracer(this, v, outDims[i] ?? null));
  }
}

export interface BatchedJaxpr {
  jaxpr: ClosedJaxpr;
  /** Which outputs carry the batch dimension (always at axis 0). */
  outBatched: boolean[];
}

/**
 * The jaxpr of `closed` batched along axis 0 of the inputs marked batched
 * (traced anew: rules use the cached `batchJaxpr` of jaxpr_transforms.ts).
 * Batched outputs have the batch at axis 0; `forceOut` makes chosen outputs
 * batched even when they do not vary (broadcasting them), which control flow
 * needs so that loop-carried types stay fixed.
 */
export function traceBatchedJaxpr(
  closed: ClosedJaxpr,
  inBatched: readonly boolean[],
  axis: AxisData,
  forceOut: readonly boolean[] | boolean = false,
): BatchedJaxpr {
  const avals = closed.inAvals.map((a, i) =>
    inBatched[i] ? a.withShape([axis.size, ...a.shape]) : a,
  );
  const outBatched: boolean[] = [];
  const [, tree] = flatten(avals.map(() => 0));
  const traced = traceToJaxpr(
    (...xs: unknown[]) =>
      newMain(BatchTrace, axis, "vmap", (main) => {
        const trace = main.trace as BatchTrace;
        const ins = (xs as Array[]).map((x, i) =>
          inBatched[i] ? new BatchTracer(trace, x, 0) : x,
        );
        const outs = evalClosedJaxpr(closed, ins);
        return outs.map((o, i) => {
          const t = o instanceof BatchTracer && o.trace.main === main ? o : null;
          const force = typeof forceOut === "boolean" ? forceOut : (forceOut[i] ?? false);
          const batched = t !== null && t.batchDim !== null;
          outBatched.push(batched || force);
          if (!batched && !force) return t ? t.val : o;
          return moveBatchAxis(t ? t.val : o, t ? t.batchDim : null, 0, axis.size);
        });
      }),
    avals,
    tree,
    "vmap",
  );
  return { jaxpr: traced.closed, outBatched };
}

/**
 * A flat function batched along axis 0 of every input and output (inputs
 * must all carry the batch at axis 0; unbatched outputs are broadcast): what
 * rules need to batch a function they hold (custom_jvp's rule and body).
 */
export function batchFlat(
  f: (...xs: Array[]) => Array[],
  axis: AxisData,
  transform: string,
): (...xs: Array[]) => Array[] {
  return (...xs: Array[]) =>
    newMain(BatchTrace, axis, transform, (main) => {
      const trace = main.trace as BatchTrace;
      const outs = f(...xs.map((x) => new BatchTracer(trace, x, 0)));
      return outs.map((o, i) => {
        const x = asArray(o as ArrayLike, transform, `output ${i}`);
        const t = x instanceof BatchTracer && x.trace.main === main ? x : null;
        return moveBatchAxis(t ? t.val : x, t ? t.batchDim : null, 0, axis.size);
      });
    });
}
