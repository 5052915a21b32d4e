/**
 * pmap: the mapped axis split over devices, one shard per device, each
 * running the same per-shard program (traced once per signature with the
 * mapped axis removed and the axis name bound, so collectives in it become
 * equations) on its own device, in parallel.
 *
 * A pmap call is one primitive, `xla_pmap`, holding the per-shard jaxpr, so
 * transformations of a pmapped function transform that jaxpr: jvp is the pmap
 * of the jvp jaxpr, linearization splits it into a known and an unknown pmap,
 * transpose is the pmap of its backward pass, vmap batches it per shard.
 */
import { config } from "../config.js";
import { type Array, ArrayImpl } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ArrayLike, argToArray, describe } from "../core/convert.js";
import { type ClosedJaxpr, evalClosedJaxpr } from "../core/jaxpr.js";
import {
  type AxisData,
  Primitive,
  type Tangent,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind, newMain, Trace, Tracer } from "../core/trace.js";
import { maxCollectiveBytes } from "../devices/collectives.js";
import {
  devices as allDevices,
  type BufferRef,
  type Device,
  type DeviceProgram,
  deviceBuffer,
  deviceRuntime,
  type ShardInput,
  setSharding,
  sharedRef,
  sharedView,
} from "../devices/device.js";
import { itemsize } from "../dtype.js";
import { instantiate, zerosLike } from "../lax/ad_util.js";
import { moveaxis } from "../lax/batch_util.js";
import { reduceSum } from "../lax/reductions.js";
import { broadcastInDim, concatenate, expandDims, transpose } from "../lax/shape_ops.js";
import { indexInDim } from "../lax/slicing.js";
import { checkFunction, checkOptions, kindOf, type OptionKeys } from "../options.js";
import { broadcastPrefix, flatten, leafPaths, type TreeDef } from "../tree/index.js";
import { backwardPass, jvpFlat } from "./ad.js";
import { type AxisSpec, batchJaxpr } from "./batching.js";
import { cachedSplit, constsAsInputs, derivedJaxprCache } from "./jit.js";
import { LruCache, staticKey } from "./jit_cache.js";
import { type PETracer, partialEvalRules } from "./partial_eval.js";
import { leafAval, traceToJaxpr } from "./staging.js";

import "../backend/cpu/worker_pool.js";

export interface PmapParams {
  name: string;
  /** The per-shard program; constants are inputs. */
  jaxpr: ClosedJaxpr;
  axisName: string | null;
  axisSize: number;
  /** Per input: the axis split over devices, or null for an input every device gets whole. */
  inAxes: readonly (number | null)[];
  /** Per output: where the devices' results stack, or null for device 0's result. */
  outAxes: readonly (number | null)[];
  /** The devices' ids, shard i on devices[i]. */
  devices: readonly number[];
}

// --- binding the axis name while tracing -------------------------------------------

/**
 * A frame on the trace stack that only names the device axis, so collectives
 * traced in the body find its name and size. It never owns tracers: values
 * raised to it stay what they are.
 */
class AxisFrameTrace extends Trace {
  pure(x: Array): Array {
    return x;
  }
  processPrimitive(prim: { name: string }): Array[] {
    throw new Error(`internal: primitive '${prim.name}' reached pmap's axis frame`);
  }
}

function withAxis<T>(name: string | null, size: number, fn: () => T): T {
  const data: AxisData = { name, size };
  return newMain(AxisFrameTrace, data, `pmap(axis ${String(name)})`, () => fn());
}

// --- the primitive -----------------------------------------------------------------

function mappedAval(a: ShapedArray, axis: number | null, size: number): ShapedArray {
  if (axis === null) return a;
  const shape = [...a.shape];
  shape.splice(axis, 0, size);
  return a.withShape(shape);
}

export const pmapP: Primitive<PmapParams> = new Primitive<PmapParams>(
  "xla_pmap",
  {
    abstractEval: (avals, p) => {
      avals.forEach((a, i) => {
        const ax = p.inAxes[i] ?? null;
        if (ax !== null && a.shape[ax] !== p.axisSize) {
          throw new Error(
            `pmap(${p.name}): input ${i} of type ${a.str()} has no axis ${ax} of size ${p.axisSize}`,
          );
        }
      });
      return p.jaxpr.outAvals.map((a, j) => mappedAval(a, p.outAxes[j] ?? null, p.axisSize));
    },
    impl: (args, p) => executePmap(args, p),
    jvp: (primals, tangents, p) => pmapJvp(primals, tangents, p),
    transpose: (cts, args, p) => pmapTranspose(cts, args, p),
    batch: (args, dims, p, axis) => pmapBatch(args, dims, p, axis),
  },
  true,
);

// --- running on devices ------------------------------------------------------------

const programs = new WeakMap<ClosedJaxpr, DeviceProgram>();

function programOf(p: PmapParams): DeviceProgram {
  let prog = programs.get(p.jaxpr);
  if (prog === undefined) {
    prog = {
      closed: p.jaxpr,
      axisName: p.axisName,
      maxCollectiveBytes: maxCollectiveBytes(p.jaxpr),
    };
    programs.set(p.jaxpr, prog);
  }
  return prog;
}

function deviceById(id: number, name: string): Device {
  const d = allDevices().find((x) => x.id === id);
  if (d === undefined) {
    throw new Error(
      `pmap(${name}): device ${id} does not exist (there are ${allDevices().length} devices)`,
    );
  }
  return d;
}

function executePmap(args: ArrayImpl[], p: PmapParams): ArrayImpl[] {
  const runtime = deviceRuntime();
  const n = p.axisSize;
  if (runtime === null) return evalOnCaller(args, p);
  const devs = p.devices.map((id) => deviceById(id, p.name));
  const bodyIn = p.jaxpr.inAvals;
  const inputs: ShardInput[][] = devs.map(() => []);
  args.forEach((x, i) => {
    const ax = p.inAxes[i] ?? null;
    const aval = bodyIn[i]!;
    const ref = sharedRef(ax === null || ax === 0 ? x : (moveaxis(x, ax, 0) as ArrayImpl));
    const chunk = ax === null ? 0 : ref.length / n;
    for (let d = 0; d < n; d++) {
      inputs[d]!.push({
        buffer: ref.buffer,
        byteOffset: ref.byteOffset + d * chunk * itemsize(x.dtype),
        length: ax === null ? ref.length : chunk,
        dtype: aval.dtype,
        shape: [...aval.shape],
        weakType: aval.weakType,
      });
    }
  });
  const outAvals = p.jaxpr.outAvals;
  const stacked = outAvals.map((a) => ({
    aval: a,
    buffer: deviceBuffer(n * a.size * itemsize(a.dtype)),
  }));
  const outputs: BufferRef[][] = devs.map((_, d) =>
    stacked.map(({ aval, buffer }) => ({
      buffer,
      byteOffset: d * aval.size * itemsize(aval.dtype),
      length: aval.size,
    })),
  );
  runtime.execute(programOf(p), devs, inputs, outputs);
  return stacked.map(({ aval, buffer }, j) => {
    const o = p.outAxes[j] ?? null;
    if (o === null) {
      const first = sharedView(aval.dtype, { buffer, byteOffset: 0, length: aval.size });
      return setSharding(new ArrayImpl(aval, first), { devices: [devs[0]!], axis: null });
    }
    const full = new ArrayImpl(
      aval.withShape([n, ...aval.shape]),
      sharedView(aval.dtype, { buffer, byteOffset: 0, length: n * aval.size }),
    );
    const placed = o === 0 ? full : (moveaxis(full, 0, o) as ArrayImpl);
    return setSharding(placed, { devices: devs, axis: o });
  });
}

/**
 * Without a device runtime (no worker threads here) the shards run on the
 * calling thread, as the batched program (collectives as under vmap).
 */
function evalOnCaller(args: ArrayImpl[], p: PmapParams): ArrayImpl[] {
  const inBatched = p.inAxes.map((ax) => ax !== null);
  const axis: AxisData = { name: p.axisName, size: p.axisSize };
  const key = `${flagsKey(inBatched)}|${p.axisSize}|caller`;
  const body = batchedBodies(p.jaxpr, key, () => batchJaxpr(p.jaxpr, inBatched, axis, true).jaxpr);
  const xs = args.map((x, i) => {
    const ax = p.inAxes[i] ?? null;
    return ax === null || ax === 0 ? x : moveaxis(x, ax, 0);
  });
  return evalClosedJaxpr(body, xs).map((o, j) => {
    const ax = p.outAxes[j] ?? null;
    return (ax === null ? indexFirst(o) : moveaxis(o, 0, ax)) as ArrayImpl;
  });
}

function indexFirst(x: Array): Array {
  return indexInDim(x, 0, 0, false);
}

// --- transformation rules ----------------------------------------------------------

const flagsKey = (flags: readonly boolean[]): string => flags.map((b) => (b ? "1" : "0")).join("");

function traceFlat(
  f: (...xs: Array[]) => Array[],
  avals: readonly ShapedArray[],
  p: PmapParams,
  what: string,
): ClosedJaxpr {
  const [, tree] = flatten(avals.map(() => 0));
  return withAxis(p.axisName, p.axisSize, () =>
    traceToJaxpr((...xs) => f(...(xs as Array[])), avals, tree, `${what}(${p.name})`),
  ).closed;
}

const jvpBodies = derivedJaxprCache<ClosedJaxpr>();

/** The per-shard JVP: [primals, nonzero tangents] → [primal outs, tangent outs]. */
function jvpBody(p: PmapParams, nonzero: boolean[]): ClosedJaxpr {
  return jvpBodies(p.jaxpr, flagsKey(nonzero), () => {
    const inAvals = p.jaxpr.inAvals;
    const n = inAvals.length;
    const avals = [...inAvals, ...inAvals.filter((_, i) => nonzero[i])];
    return traceFlat(
      (...xs) => {
        let k = n;
        const tangents: Tangent[] = inAvals.map((a, i) => (nonzero[i] ? xs[k++]! : new Zero(a)));
        const [pOut, tOut] = jvpFlat(
          (...ps: Array[]) => evalClosedJaxpr(p.jaxpr, ps),
          xs.slice(0, n),
          tangents,
        );
        return [...pOut, ...tOut.map(instantiate)];
      },
      avals,
      p,
      "jvp",
    );
  });
}

function pmapJvp(primals: Array[], tangents: Tangent[], p: PmapParams): [Array[], Tangent[]] {
  const nonzero = tangents.map((t) => !(t instanceof Zero));
  const tIn = tangents.filter((t): t is Array => !(t instanceof Zero));
  const outs = bind(pmapP, [...primals, ...tIn], {
    ...p,
    name: `jvp(${p.name})`,
    jaxpr: jvpBody(p, nonzero),
    inAxes: [...p.inAxes, ...p.inAxes.filter((_, i) => nonzero[i])],
    outAxes: [...p.outAxes, ...p.outAxes],
  });
  const m = outs.length / 2;
  return [outs.slice(0, m), outs.slice(m)];
}

/** Linearizing: the known part runs now (residuals stay on their devices), the unknown part is recorded. */
partialEvalRules.set(pmapP, (trace, tracers, params) => {
  const p = params as PmapParams;
  const unknown = tracers.map((t) => !t.pval.isKnown);
  const split = cachedSplit(p.jaxpr, unknown);
  const knownOutAxes = p.outAxes.filter((_, j) => !split.outUnknowns[j]);
  const outs1Res = bind(
    pmapP,
    tracers.filter((t) => t.pval.isKnown).map((t) => t.pval.known!),
    {
      ...p,
      name: `known(${p.name})`,
      jaxpr: split.known,
      inAxes: p.inAxes.filter((_, i) => !unknown[i]),
      outAxes: [...knownOutAxes, ...globalThis.Array<number>(split.numRes).fill(0)],
    },
  );
  const outs1 = outs1Res.slice(0, outs1Res.length - split.numRes);
  const res = outs1Res.slice(outs1Res.length - split.numRes);
  const resTracers = res.map((r) => trace.instantiateConst(trace.pure(r) as PETracer));
  const outs2 = trace.recordEqn(pmapP, [...resTracers, ...tracers.filter((t) => !t.pval.isKnown)], {
    ...p,
    name: `linear(${p.name})`,
    jaxpr: split.unknown,
    inAxes: [...res.map(() => 0), ...p.inAxes.filter((_, i) => unknown[i])],
    outAxes: p.outAxes.filter((_, j) => split.outUnknowns[j]),
  } satisfies PmapParams);
  let i1 = 0;
  let i2 = 0;
  return split.outUnknowns.map((u) => (u ? outs2[i2++]! : (trace.pure(outs1[i1++]!) as PETracer)));
});

const transposeBodies = derivedJaxprCache<ClosedJaxpr>();

/** The per-shard backward pass: [known inputs, nonzero output cotangents] → input cotangents. */
function transposeBody(p: PmapParams, linear: boolean[], ctNonzero: boolean[]): ClosedJaxpr {
  const key = `${flagsKey(linear)}|${flagsKey(ctNonzero)}`;
  return transposeBodies(p.jaxpr, key, () => {
    const inAvals = p.jaxpr.inAvals;
    const outAvals = p.jaxpr.outAvals;
    const known = inAvals.filter((_, i) => !linear[i]);
    const cts = outAvals.filter((_, j) => ctNonzero[j]);
    return traceFlat(
      (...xs) => {
        let k = 0;
        const args = inAvals.map((a, i) => (linear[i] ? new UndefinedPrimal(a) : xs[k++]!));
        const ctsOut: Tangent[] = outAvals.map((a, j) => (ctNonzero[j] ? xs[k++]! : new Zero(a)));
        const ctsIn = backwardPass(p.jaxpr.jaxpr, args, ctsOut, p.jaxpr.consts);
        const linAvals = inAvals.filter((_, i) => linear[i]);
        return ctsIn.map((c, i) => (c instanceof Zero ? zerosLike(linAvals[i]!) : c));
      },
      [...known, ...cts],
      p,
      "transpose",
    );
  });
}

/** An output's cotangent: mapped like the output, or for an unmapped output (device 0's) device 0's alone. */
function ctInput(ct: Array, outAxis: number | null, n: number): [Array, number] {
  if (outAxis !== null) return [ct, outAxis];
  const zeros = broadcastInDim(
    zerosLike(ct.aval),
    [n - 1, ...ct.shape],
    ct.shape.map((_, i) => i + 1),
  );
  return [concatenate([expandDims(ct, [0]), zeros], 0), 0];
}

function pmapTranspose(
  cts: Tangent[],
  args: (Array | UndefinedPrimal)[],
  p: PmapParams,
): (Tangent | null)[] {
  const linear = args.map((a) => a instanceof UndefinedPrimal);
  const ctNonzero = cts.map((c) => !(c instanceof Zero));
  const ctIns = cts.flatMap((c, j) =>
    c instanceof Zero ? [] : [ctInput(c, p.outAxes[j] ?? null, p.axisSize)],
  );
  const outs = bind(
    pmapP,
    [...(args.filter((_, i) => !linear[i]) as Array[]), ...ctIns.map(([c]) => c)],
    {
      ...p,
      name: `transpose(${p.name})`,
      jaxpr: transposeBody(p, linear, ctNonzero),
      inAxes: [...p.inAxes.filter((_, i) => !linear[i]), ...ctIns.map(([, ax]) => ax)],
      // A broadcast input's cotangent sums every device's contribution.
      outAxes: p.inAxes.filter((_, i) => linear[i]).map((ax) => ax ?? 0),
    },
  );
  let k = 0;
  return args.map((_, i) => {
    if (!linear[i]) return null;
    const ct = outs[k++]!;
    return p.inAxes[i] === null ? reduceSum(ct, [0]) : ct;
  });
}

const batchedBodies = derivedJaxprCache<ClosedJaxpr>();

/** vmap of pmap: each shard batched at its axis 0; device axes and batch axes kept apart. */
function pmapBatch(
  args: Array[],
  dims: (number | null)[],
  p: PmapParams,
  axis: AxisData,
): [Array[], (number | null)[]] {
  const inBatched = dims.map((d) => d !== null);
  const moved = args.map((x, i) => {
    const d = dims[i]!;
    const ax = p.inAxes[i] ?? null;
    if (dims[i] === null) return x;
    if (ax === null) return moveaxis(x, d, 0);
    // The device axis first, then the batch: each shard sees its batch at axis 0.
    const m = ax < d ? ax : ax + 1;
    const perm = [m, d, ...x.shape.map((_, k) => k).filter((k) => k !== m && k !== d)];
    return transpose(x, perm);
  });
  const key = `${flagsKey(inBatched)}|${axis.size}|${String(axis.name)}`;
  const body = batchedBodies(p.jaxpr, key, () => batchJaxpr(p.jaxpr, inBatched, axis, true).jaxpr);
  const outs = bind(pmapP, moved, {
    ...p,
    name: `vmap(${p.name})`,
    jaxpr: body,
    inAxes: p.inAxes.map((ax, i) => (ax === null ? null : inBatched[i] ? 0 : ax)),
    outAxes: p.outAxes.map((o) => (o === null ? null : 0)),
  });
  const results = outs.map((y, j) => {
    const o = p.outAxes[j] ?? null;
    if (o === null) return y;
    // [devices, batch, ...] → batch first, the device axis where outAxes puts it.
    return moveaxis(moveaxis(y, 1, 0), 1, o + 1);
  });
  return [results, results.map(() => 0)];
}

// --- the user-facing transformation --------------------------------------------------

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

// biome-ignore lint/suspicious/noExplicitAny: pmap accepts functions of any signature
type AnyFn = (...args: any[]) => any;

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
