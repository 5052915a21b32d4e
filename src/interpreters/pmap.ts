/**
 * The pmap primitive, `xla_pmap`: the mapped axis split over devices, one
 * shard per device, each running the same per-shard program (traced with the
 * mapped axis removed and the axis name bound, so collectives in it become
 * equations) on its own device, in parallel.
 *
 * A pmap call is one primitive holding the per-shard jaxpr, so
 * transformations of a pmapped function transform that jaxpr: jvp is the pmap
 * of the jvp jaxpr, linearization splits it into a known and an unknown pmap,
 * transpose is the pmap of its backward pass, vmap batches it per shard.
 * `pmap` itself (argument checks, axes, the trace cache) is in api/pmap.ts.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ClosedJaxpr, evalClosedJaxpr } from "../core/jaxpr.js";
import {
  type AxisData,
  OPAQUE,
  Primitive,
  type Tangent,
  UndefinedPrimal,
  Zero,
} from "../core/primitive.js";
import { bind, newMain, Trace } from "../core/trace.js";
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
import { zerosLike } from "../lax/ad_util.js";
import { moveaxis } from "../lax/batch_util.js";
import { reduceSum } from "../lax/reductions.js";
import { broadcastInDim, concatenate, expandDims, transpose } from "../lax/shape_ops.js";
import { indexInDim } from "../lax/slicing.js";
import { batchJaxpr, jvpJaxpr, partialEvalJaxpr, transposeJaxpr } from "./jaxpr_transforms.js";
import { type PETracer, partialEvalRules } from "./partial_eval.js";

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

/** Runs `fn` with the device axis `name` of `size` bound (tracing a per-shard body). */
export function withAxis<T>(name: string | null, size: number, fn: () => T): T {
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
    lower: null,
    facts: OPAQUE,
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
      return setSharding(ArrayImpl.fromHost(aval, first), { devices: [devs[0]!], axis: null });
    }
    const full = ArrayImpl.fromHost(
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
  const body = batchJaxpr(p.jaxpr, inBatched, axis, true).jaxpr;
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

/** The per-shard JVP, traced with the device axis bound: [primals, nonzero tangents] → [primal outs, tangent outs]. */
function jvpBody(p: PmapParams, nonzero: boolean[]): ClosedJaxpr {
  return withAxis(p.axisName, p.axisSize, () => jvpJaxpr(p.jaxpr, nonzero, true).jaxpr);
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
  const split = partialEvalJaxpr(p.jaxpr, unknown);
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

/** The per-shard backward pass, traced with the device axis bound: [known inputs, nonzero output cotangents] → input cotangents. */
function transposeBody(p: PmapParams, linear: boolean[], ctNonzero: boolean[]): ClosedJaxpr {
  return withAxis(p.axisName, p.axisSize, () => transposeJaxpr(p.jaxpr, linear, ctNonzero));
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
  const body = batchJaxpr(p.jaxpr, inBatched, axis, true).jaxpr;
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
