/**
 * `vmap(fn, { inAxes, outAxes, axisName, axisSize })`: the user-facing
 * batching transformation. It matches `inAxes`/`outAxes` against the
 * argument and result pytrees, checks that every mapped axis has one size
 * (naming each argument), runs `fn` under a BatchTrace (interpreters/
 * batching.ts) and moves each result's batch axis where `outAxes` asks.
 */

import type { Array } from "../core/array.js";
import { type ArrayLike, argToArray, asArray, describe } from "../core/convert.js";
import type { AxisData, BatchDim } from "../core/primitive.js";
import { newMain } from "../core/trace.js";
import { BatchTrace, BatchTracer } from "../interpreters/batching.js";
import { moveBatchAxis } from "../lax/batch_util.js";
import {
  type AnyFn,
  checkFunction,
  checkOptions,
  kindOf,
  type OptionKeys,
  rejectPromise,
} from "../options.js";
import { broadcastPrefix, flatten, leafPaths } from "../tree/index.js";

/** in_axes / out_axes: a number, null, or (for in_axes) one entry per positional argument. */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [k: string]: AxisSpec };

export interface VmapOptions {
  inAxes?: AxisSpec;
  outAxes?: AxisSpec;
  axisName?: string;
  axisSize?: number;
}

const VMAP_KEYS: OptionKeys<VmapOptions> = {
  inAxes: true,
  outAxes: true,
  axisName: true,
  axisSize: true,
};

/**
 * `jax.vmap(fn, { inAxes, outAxes, axisName, axisSize })`. Typed as fn
 * itself: the same parameter and result structure (mapped arguments and
 * results are arrays with one more axis, which the type `Array` does not record).
 */
export function vmap<F extends AnyFn>(fn: F, opts?: VmapOptions): F {
  checkFunction(fn, "vmap");
  const name = fn.name || "fn";
  const options = checkOptions(`vmap(${name})`, opts, VMAP_KEYS);
  if (
    options.axisSize !== undefined &&
    !(Number.isSafeInteger(options.axisSize) && options.axisSize >= 0)
  ) {
    throw new TypeError(
      `vmap(${name}): axisSize must be a non-negative integer, got ${kindOf(options.axisSize)}`,
    );
  }
  if (
    options.axisName !== undefined &&
    typeof options.axisName !== "string" &&
    typeof options.axisName !== "symbol"
  ) {
    throw new TypeError(
      `vmap(${name}): axisName must be a string, got ${kindOf(options.axisName)}`,
    );
  }
  const inAxesOpt = options.inAxes === undefined ? 0 : options.inAxes;
  const outAxesOpt = options.outAxes === undefined ? 0 : options.outAxes;
  const vmapped = (...args: unknown[]): unknown => {
    if (globalThis.Array.isArray(inAxesOpt) && inAxesOpt.length !== args.length) {
      throw new Error(
        `vmap(${name}): inAxes has ${inAxesOpt.length} entries but the function was called with ` +
          `${args.length} positional arguments; give one entry (a number, null or a pytree prefix) per argument`,
      );
    }
    const perArg = globalThis.Array.isArray(inAxesOpt) ? inAxesOpt : args.map(() => inAxesOpt);
    const [leaves, inTree] = flatten(args);
    const axes = broadcastPrefix(perArg, args, `vmap(${name}) inAxes`) as (number | null)[];
    const paths = args.flatMap((a, i) => leafPaths(a, `argument ${i}`));
    const arrays = leaves.map((l, i) => {
      if (axes[i] === null && !(typeof l === "number" || typeof l === "boolean")) return l;
      return argToArray(l as ArrayLike, `vmap(${name})`, paths[i]);
    });
    const inDims = arrays.map((x, i) => {
      const ax = axes[i];
      if (ax === null || ax === undefined) return null;
      if (typeof ax !== "number" || !Number.isInteger(ax)) {
        throw new Error(
          `vmap(${name}): inAxes entries must be integers or null, got ${describe(ax)} for ${paths[i]}`,
        );
      }
      const a = x as Array;
      if (ax < -a.ndim || ax >= a.ndim) {
        throw new Error(
          `vmap(${name}): inAxes ${ax} is out of range for ${paths[i]} of type ${a.aval.str()} ` +
            `(rank ${a.ndim}); a mapped argument needs an axis in [${-a.ndim}, ${a.ndim})`,
        );
      }
      return ax < 0 ? ax + a.ndim : ax;
    });
    const size = axisSizeOf(name, arrays, inDims, paths, options.axisSize);
    const axis: AxisData = { size, name: options.axisName ?? null };
    return newMain(BatchTrace, axis, `vmap(${name})`, (main) => {
      const trace = main.trace as BatchTrace;
      const inTracers = arrays.map((x, i) =>
        inDims[i] === null ? x : new BatchTracer(trace, x as Array, inDims[i]!),
      );
      const out = fn(...(inTree.unflatten(inTracers) as unknown[]));
      rejectPromise(out, `vmap(${name})`);
      const [outLeaves, outTree] = flatten(out);
      const outAxes = broadcastPrefix(outAxesOpt, out, `vmap(${name}) outAxes`) as (
        | number
        | null
      )[];
      const results = outLeaves.map((leaf, i) => {
        const x = asArray(leaf as ArrayLike, `vmap(${name})`, `output ${i}`);
        const t = x instanceof BatchTracer && x.trace.main === main ? x : null;
        const val = t ? t.val : x;
        const bdim = t ? t.batchDim : null;
        const outAxis = outAxes[i] ?? null;
        if (outAxis === null) {
          if (bdim !== null) {
            throw new Error(
              `vmap(${name}): outAxes is null for output ${i}, but that output is batched ` +
                `(it depends on a mapped input); only outputs that do not vary over the batch can have outAxes null`,
            );
          }
          return val;
        }
        const rank = val.ndim + (bdim === null ? 1 : 0);
        if (outAxis < -rank || outAxis >= rank) {
          throw new Error(
            `vmap(${name}): outAxes ${outAxis} is out of range for output ${i} of rank ${rank} (with the batch axis)`,
          );
        }
        return moveBatchAxis(val, bdim, outAxis < 0 ? outAxis + rank : outAxis, size);
      });
      return outTree.unflatten(results);
    });
  };
  Object.defineProperty(vmapped, "name", { value: `vmap(${name})` });
  return vmapped as F;
}

function axisSizeOf(
  name: string,
  arrays: unknown[],
  dims: BatchDim[],
  paths: string[],
  axisSize: number | undefined,
): number {
  const sizes: { size: number; where: string }[] = [];
  dims.forEach((d, i) => {
    if (d === null) return;
    const a = arrays[i] as Array;
    sizes.push({ size: a.shape[d]!, where: `axis ${d} of ${paths[i]} of type ${a.aval.str()}` });
  });
  if (sizes.length === 0) {
    if (axisSize === undefined) {
      throw new Error(
        `vmap(${name}): vmap must have at least one non-null value in inAxes, or an axisSize`,
      );
    }
    return axisSize;
  }
  const distinct = [...new Set(sizes.map((s) => s.size))];
  if (distinct.length > 1 || (axisSize !== undefined && axisSize !== distinct[0])) {
    const lines = distinct.map((sz) => {
      const these = sizes.filter((s) => s.size === sz);
      return these.length === 1
        ? `  * one axis had size ${sz}: ${these[0]!.where}`
        : `  * ${these.length} axes had size ${sz}, e.g. ${these[0]!.where}`;
    });
    if (axisSize !== undefined) lines.push(`  * axisSize was given as ${axisSize}`);
    throw new Error(
      `vmap(${name}) got inconsistent sizes for array axes to be mapped:\n${lines.join("\n")}`,
    );
  }
  return distinct[0]!;
}
