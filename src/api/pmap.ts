/**
 * `pmap(f, { axisName, inAxes, outAxes, staticBroadcastedArgnums, devices })`:
 * the user-facing function. It checks the options and arguments (naming each
 * one), matches the axes against the argument and result trees, traces the
 * per-shard program once per signature with the device axis bound (an LRU
 * cache per pmapped function), and binds it as one `xla_pmap` equation
 * (interpreters/pmap.ts), whose impl runs the shards on the devices.
 */
import { config } from "../config.js";
import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ArrayLike, argToArray, describe } from "../core/convert.js";
import type { ClosedJaxpr } from "../core/jaxpr.js";
import { bind, Tracer } from "../core/trace.js";
import { devices as allDevices, type Device, deviceRuntime } from "../devices/device.js";
import { constsAsInputs } from "../interpreters/jit.js";
import { type PmapParams, pmapP, withAxis } from "../interpreters/pmap.js";
import { leafAval, traceToJaxpr } from "../interpreters/staging.js";
import { type AnyFn, checkFunction, checkOptions, kindOf, type OptionKeys } from "../options.js";
import { broadcastPrefix, flatten, leafPaths, type TreeDef } from "../tree/index.js";
import { LruCache, staticKey } from "./jit_cache.js";
import type { AxisSpec } from "./vmap.js";

export interface PmapOptions {
  /** The name collectives use for the device axis. */
  axisName?: string;
  /** Which axis of each argument is split over devices (null: every device gets it whole). */
  inAxes?: AxisSpec;
  /** Where the devices' results stack in each output (null: device 0's result, for values every device agrees on). */
  outAxes?: AxisSpec;
  /** Arguments passed to every device as they are (configuration, not arrays): each distinct value retraces. */
  staticBroadcastedArgnums?: number | readonly number[];
  /** The devices to run on, shard i on devices[i] (default: all of them). */
  devices?: readonly Device[];
}

interface PmapCacheEntry {
  jaxpr: ClosedJaxpr;
  consts: Array[];
  outTree: TreeDef;
  outAxes: (number | null)[];
}

function staticSet(
  spec: PmapOptions["staticBroadcastedArgnums"],
  nargs: number,
  fn: string,
): Set<number> {
  const list = spec === undefined ? [] : typeof spec === "number" ? [spec] : spec;
  return new Set(
    list.map((i) => {
      const j = i < 0 ? i + nargs : i;
      if (!Number.isInteger(j) || j < 0 || j >= nargs) {
        throw new Error(
          `${fn}: staticBroadcastedArgnums entry ${i} is out of range for a call with ${nargs} arguments`,
        );
      }
      return j;
    }),
  );
}

/**
 * `jax.pmap(f, { axisName, inAxes, outAxes, staticBroadcastedArgnums, devices })`:
 * runs f on each device with its slice of the mapped axis (whose size must
 * equal the number of devices), collectives over `axisName` exchanging
 * between devices, and stacks the results (a sharded array: each device's
 * slice stays where it was computed, and passing it back to pmap copies nothing).
 */
const PMAP_KEYS: OptionKeys<PmapOptions> = {
  axisName: true,
  inAxes: true,
  outAxes: true,
  staticBroadcastedArgnums: true,
  devices: true,
};

export function pmap<F extends AnyFn>(fn: F, opts?: PmapOptions): F {
  checkFunction(fn, "pmap");
  const name = fn.name || "fn";
  const op = `pmap(${name})`;
  const options = checkOptions(op, opts, PMAP_KEYS);
  if (options.axisName !== undefined && typeof options.axisName !== "string") {
    throw new TypeError(`${op}: axisName must be a string, got ${kindOf(options.axisName)}`);
  }
  if (options.devices !== undefined && !globalThis.Array.isArray(options.devices)) {
    throw new TypeError(`${op}: devices must be a list of Devices, got ${kindOf(options.devices)}`);
  }
  const axisName = options.axisName ?? null;
  const inAxesOpt = options.inAxes === undefined ? 0 : options.inAxes;
  const outAxesOpt = options.outAxes === undefined ? 0 : options.outAxes;
  const cache = new LruCache<PmapCacheEntry>(() => config.read("jaxts_jit_cache_size"));

  const pmapped = (...args: unknown[]): unknown => {
    const statics = staticSet(options.staticBroadcastedArgnums, args.length, op);
    const dynamic = args.filter((_, i) => !statics.has(i));
    let perArg: readonly AxisSpec[];
    if (globalThis.Array.isArray(inAxesOpt)) {
      if (inAxesOpt.length === args.length) perArg = inAxesOpt.filter((_, i) => !statics.has(i));
      else if (inAxesOpt.length === dynamic.length) perArg = inAxesOpt;
      else {
        throw new Error(
          `${op}: inAxes has ${inAxesOpt.length} entries but the function was called with ` +
            `${args.length} positional arguments; give one entry (a number, null or a pytree prefix) per argument`,
        );
      }
    } else perArg = dynamic.map(() => inAxesOpt);
    const [leaves, inTree] = flatten(dynamic);
    const axes = broadcastPrefix(perArg, dynamic, `${op} inAxes`) as (number | null)[];
    const paths = dynamic.flatMap((a, i) => leafPaths(a, `argument ${i}`));
    const arrays = leaves.map((l, i) => {
      leafAval(l, op, i);
      return argToArray(l as ArrayLike, op, paths[i]);
    });
    const inAxes = arrays.map((a, i) => {
      const ax = axes[i] ?? null;
      if (ax === null) return null;
      if (typeof ax !== "number" || !Number.isInteger(ax)) {
        throw new Error(
          `${op}: inAxes entries must be integers or null, got ${describe(ax)} for ${paths[i]}`,
        );
      }
      if (ax < -a.ndim || ax >= a.ndim) {
        throw new Error(
          `${op}: inAxes ${ax} is out of range for ${paths[i]} of type ${a.aval.str()} (rank ${a.ndim})`,
        );
      }
      return ax < 0 ? ax + a.ndim : ax;
    });
    const n = mappedSize(op, arrays, inAxes, paths);
    const devs = options.devices ?? allDevices();
    if (n !== devs.length) {
      const listed = devs.map(String).join(", ");
      throw new Error(
        options.devices === undefined
          ? `${op}: the mapped axis has size ${n}, but there are ${devs.length} devices (${listed}); ` +
              "the mapped axis must have one entry per device " +
              (deviceRuntime() === null
                ? "(this JavaScript runtime has a single CPU device: map with vmap instead, " +
                  "or pmap an axis of size 1)"
                : `(config.update("jaxts_cpu_devices", ${n}) sets the number of CPU devices, ` +
                  "or pass a list with the devices option)")
          : `${op}: the mapped axis has size ${n}, but the devices option lists ${devs.length} devices (${listed})`,
      );
    }
    const shardAvals = arrays.map((a, i) => {
      const ax = inAxes[i]!;
      const aval = a.aval;
      return ax === null ? aval : aval.withShape(aval.shape.filter((_, k) => k !== ax));
    });
    const key = [
      config.traceKey(),
      String(inTree),
      shardAvals.map((a) => a.key()).join(";"),
      inAxes.join(","),
      n,
      [...statics].map((i) => `${i}=${staticKey(args[i], op, i)}`).join(";"),
    ].join("|");
    let entry = cache.get(key);
    if (entry === undefined) {
      const traced = withAxis(axisName, n, () =>
        traceToJaxpr(
          (...dyn: unknown[]) => {
            let d = 0;
            return fn(...args.map((a, i) => (statics.has(i) ? a : dyn[d++])));
          },
          shardAvals,
          inTree,
          op,
        ),
      );
      const outAvals = traced.closed.outAvals;
      const outAxes = normalizeOutAxes(op, outAxesOpt, traced.outTree, outAvals);
      const consts = [...traced.closed.consts];
      entry = { jaxpr: constsAsInputs(traced.closed), consts, outTree: traced.outTree, outAxes };
      // A trace that closed over tracers of an outer transformation is not reused.
      if (!consts.some((c) => c instanceof Tracer)) cache.set(key, entry);
    }
    const outs = bind(pmapP, [...entry.consts, ...arrays], {
      name,
      jaxpr: entry.jaxpr,
      axisName,
      axisSize: n,
      inAxes: [...entry.consts.map(() => null), ...inAxes],
      outAxes: entry.outAxes,
      devices: devs.map((d) => d.id),
    } satisfies PmapParams);
    return entry.outTree.unflatten(outs);
  };
  Object.defineProperty(pmapped, "name", { value: op });
  return pmapped as F;
}

function mappedSize(
  op: string,
  arrays: Array[],
  inAxes: (number | null)[],
  paths: string[],
): number {
  const sizes = arrays.flatMap((a, i) => {
    const ax = inAxes[i];
    return ax === null || ax === undefined
      ? []
      : [{ size: a.shape[ax]!, where: `axis ${ax} of ${paths[i]} of type ${a.aval.str()}` }];
  });
  if (sizes.length === 0) {
    throw new Error(
      `${op}: pmap needs at least one mapped input (an inAxes entry that is not null)`,
    );
  }
  const distinct = [...new Set(sizes.map((s) => s.size))];
  if (distinct.length > 1) {
    const lines = distinct.map((sz) => {
      const these = sizes.filter((s) => s.size === sz);
      return `  * ${these.length} ${these.length === 1 ? "axis" : "axes"} had size ${sz}, e.g. ${these[0]!.where}`;
    });
    throw new Error(
      `${op} got inconsistent sizes for array axes to be mapped:\n${lines.join("\n")}`,
    );
  }
  return distinct[0]!;
}

function normalizeOutAxes(
  op: string,
  spec: AxisSpec,
  outTree: TreeDef,
  outAvals: ShapedArray[],
): (number | null)[] {
  const placeholder = outTree.unflatten(outAvals.map(() => 0));
  const axes = broadcastPrefix(spec, placeholder, `${op} outAxes`) as (number | null)[];
  return outAvals.map((a, j) => {
    const o = axes[j] ?? null;
    if (o === null) return null;
    const rank = a.ndim + 1;
    if (!Number.isInteger(o) || o < -rank || o >= rank) {
      throw new Error(
        `${op}: outAxes ${describe(o)} is out of range for output ${j} of rank ${rank} (with the device axis)`,
      );
    }
    return o < 0 ? o + rank : o;
  });
}
