/**
 * Collectives between device threads over shared memory, and the code a
 * device runs for one shard of a pmap. Every device writes its operand to its
 * own slot of a shared exchange area, meets the others at a barrier, then
 * reads all slots and computes its own result, in member order — so a psum
 * gives bitwise the same value on every device (data-parallel parameters stay
 * identical). Two halves of the exchange area alternate between consecutive
 * collectives, so one barrier per collective suffices: a device cannot
 * overwrite a half before everyone has left the collective that read it.
 *
 * Plain JS (SharedArrayBuffer and Atomics), no Node API: the thread plumbing
 * lives in backend/cpu/worker_pool.ts.
 */
import { ArrayImpl, decodeHost, hostStorage, hostValues } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { compileJaxpr } from "../core/dispatch.js";
import type { ClosedJaxpr } from "../core/jaxpr.js";
import { allocate, type DType, isHalf, itemsize, type TypedArray } from "../dtype.js";
import {
  type AllGatherParams,
  type AxisName,
  type CollectiveRuntime,
  type NamedParams,
  type PpermuteParams,
  type PsumScatterParams,
  ppermuteSources,
  setCollectiveRuntime,
} from "../lax/parallel.js";
import { sizeOf } from "../shape.js";
import type { BufferRef, ShardInput } from "./device.js";
import { sharedView } from "./device.js";
import { deserializeClosedJaxpr, type SClosedJaxpr } from "./serialize.js";

/** Layout of the Int32 control area shared by the devices of one run. */
export const CONTROL = {
  /** Devices arrived at the current barrier. */
  count: 0,
  /** Barrier generation: bumped when everyone has arrived. */
  generation: 1,
  /** 0, or 1 + the index of the device that failed (everyone else stops at its next barrier). */
  abort: 2,
  /** done[i] at `done + i`: 0 running, 1 finished, 2 failed, 3 stopped (the device died: see backend/cpu/device_supervisor.ts). */
  done: 3,
} as const;

export function controlBytes(n: number): number {
  return (CONTROL.done + n) * 4;
}

/** One device's part of a run: what the main thread sends it. */
export interface RunRequest {
  programId: number;
  /** The program, when this device has not seen `programId` before. */
  program?: SClosedJaxpr;
  /** Programs the device can forget. */
  evict?: number[];
  axisName: AxisName | null;
  index: number;
  /** The device names along the axis, for error messages. */
  deviceNames: string[];
  inputs: ShardInput[];
  outputs: BufferRef[];
  control: SharedArrayBuffer;
  exchange: SharedArrayBuffer;
  /** Bytes per device slot in each half of the exchange area. */
  slotBytes: number;
  timeoutMs: number;
}

export type RunReply =
  | { ok: true }
  | {
      ok: false;
      message: string;
      stack: string;
      aborted: boolean;
      /** The importOnDevices module whose import failed, when that is the failure. */
      failedImport?: string;
    };

/** Thrown on the devices that stop because another one failed. */
export class CollectiveAborted extends Error {
  override name = "CollectiveAborted";
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The exchange area for n devices and collective operands up to `maxBytes`. */
export function exchangeLayout(n: number, maxBytes: number): { slotBytes: number; bytes: number } {
  const slotBytes = align8(Math.max(maxBytes, 8));
  return { slotBytes, bytes: 2 * n * slotBytes };
}

class SharedComm implements CollectiveRuntime {
  private readonly ctl: Int32Array;
  private readonly n: number;
  private calls = 0;

  constructor(private readonly req: RunRequest) {
    this.ctl = new Int32Array(req.control);
    this.n = req.deviceNames.length;
  }

  axisIndex(name: AxisName): number | undefined {
    return name === this.req.axisName ? this.req.index : undefined;
  }

  /** Marks the run failed and wakes every device waiting at a barrier. */
  abort(): void {
    Atomics.compareExchange(this.ctl, CONTROL.abort, 0, this.req.index + 1);
    Atomics.notify(this.ctl, CONTROL.generation);
  }

  private checkAbort(op: string): void {
    const a = Atomics.load(this.ctl, CONTROL.abort);
    if (a !== 0) {
      throw new CollectiveAborted(
        `${op}: stopped because device ${this.req.deviceNames[a - 1]} failed`,
      );
    }
  }

  private barrier(op: string): void {
    const ctl = this.ctl;
    this.checkAbort(op);
    const gen = Atomics.load(ctl, CONTROL.generation);
    if (Atomics.add(ctl, CONTROL.count, 1) === this.n - 1) {
      Atomics.store(ctl, CONTROL.count, 0);
      Atomics.add(ctl, CONTROL.generation, 1);
      Atomics.notify(ctl, CONTROL.generation);
      return;
    }
    const deadline = Date.now() + this.req.timeoutMs;
    while (Atomics.load(ctl, CONTROL.generation) === gen) {
      this.checkAbort(op);
      const left = deadline - Date.now();
      if (left <= 0) {
        this.abort();
        throw new Error(
          `${op}: device ${this.req.deviceNames[this.req.index]} waited ${this.req.timeoutMs} ms ` +
            "for the other devices at a collective; they never arrived",
        );
      }
      Atomics.wait(ctl, CONTROL.generation, gen, Math.min(left, 1000));
    }
  }

  /** Publishes x, waits for everyone, and returns every member's operand (views, in member order). */
  private exchange(op: string, x: ArrayImpl): TypedArray[] {
    const bytes = hostStorage(x).byteLength;
    if (bytes > this.req.slotBytes) {
      throw new Error(
        `internal: ${op} operand of ${bytes} bytes exceeds the planned ${this.req.slotBytes}`,
      );
    }
    const half = this.calls++ % 2;
    const base = half * this.n * this.req.slotBytes;
    const slot = (i: number): BufferRef => ({
      buffer: this.req.exchange,
      byteOffset: base + i * this.req.slotBytes,
      length: x.size,
    });
    sharedView(x.dtype, slot(this.req.index)).set(hostStorage(x));
    this.barrier(op);
    return globalThis.Array.from({ length: this.n }, (_, i) => sharedView(x.dtype, slot(i)));
  }

  run(
    op: "psum" | "pmax" | "pmin" | "all_gather" | "ppermute" | "psum_scatter",
    x: ArrayImpl,
    params: NamedParams,
  ): ArrayImpl {
    const parts = this.exchange(`lax.${op}`, x);
    if (isHalf(x.dtype) && op !== "all_gather" && op !== "ppermute") {
      // float16/bfloat16 parts are bit patterns: reduce their values in
      // float32 and round the result to the half format (backend/cpu/halves.ts).
      const wide = ArrayImpl.fromData(hostValues(x), x.shape, x.weakType, "float32");
      const values = parts.map((q) => decodeHost(x.dtype, q));
      const r =
        op === "psum_scatter"
          ? scatterParts(wide, values, params as PsumScatterParams, this.req.index)
          : reduceParts(op, wide, values);
      return ArrayImpl.fromData(hostValues(r), r.shape, x.weakType, x.dtype);
    }
    switch (op) {
      case "psum":
      case "pmax":
      case "pmin":
        return reduceParts(op, x, parts);
      case "all_gather":
        return gatherParts(x, parts, params as AllGatherParams);
      case "ppermute": {
        const src = ppermuteSources((params as PpermuteParams).perm, this.n)[this.req.index]!;
        const out = allocate(x.dtype, x.size);
        if (src >= 0) out.set(parts[src]!);
        return ArrayImpl.fromHost(x.aval, out);
      }
      case "psum_scatter":
        return scatterParts(x, parts, params as PsumScatterParams, this.req.index);
    }
  }
}

function reduceParts(op: "psum" | "pmax" | "pmin", x: ArrayImpl, parts: TypedArray[]): ArrayImpl {
  const out = allocate(x.dtype, x.size);
  out.set(parts[0]!);
  for (let j = 1; j < parts.length; j++) {
    const p = parts[j]!;
    if (op === "psum") for (let k = 0; k < out.length; k++) out[k]! += p[k]!;
    else if (op === "pmax") for (let k = 0; k < out.length; k++) out[k] = Math.max(out[k]!, p[k]!);
    else for (let k = 0; k < out.length; k++) out[k] = Math.min(out[k]!, p[k]!);
  }
  return ArrayImpl.fromHost(x.aval, out);
}

/** Stacking (or concatenating) at `axis`: for each index before it, every member's block in turn. */
function gatherParts(x: ArrayImpl, parts: TypedArray[], p: AllGatherParams): ArrayImpl {
  const inner = sizeOf(x.shape.slice(p.axis));
  const outer = x.size / Math.max(inner, 1);
  const out = allocate(x.dtype, x.size * parts.length);
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const part of parts) {
      out.set(part.subarray(i * inner, (i + 1) * inner), o);
      o += inner;
    }
  }
  const shape = [...x.shape];
  if (p.tiled) shape[p.axis] = shape[p.axis]! * parts.length;
  else shape.splice(p.axis, 0, parts.length);
  return ArrayImpl.fromHost(x.aval.withShape(shape), out);
}

/** This member's block of the sum along the scatter dimension. */
function scatterParts(
  x: ArrayImpl,
  parts: TypedArray[],
  p: PsumScatterParams,
  me: number,
): ArrayImpl {
  const n = parts.length;
  const d = p.scatterDimension;
  const inner = sizeOf(x.shape.slice(d + 1));
  const dimLen = x.shape[d]!;
  const block = dimLen / n;
  const outer = sizeOf(x.shape.slice(0, d));
  const out = allocate(x.dtype, outer * block * inner);
  for (let i = 0; i < outer; i++) {
    const src = (i * dimLen + me * block) * inner;
    const dst = i * block * inner;
    for (const part of parts) {
      for (let k = 0; k < block * inner; k++) out[dst + k]! += part[src + k]!;
    }
  }
  const shape = [...x.shape];
  if (p.tiled) shape[d] = block;
  else shape.splice(d, 1);
  return ArrayImpl.fromHost(x.aval.withShape(shape), out);
}

// --- running a shard ------------------------------------------------------------------

const programs = new Map<number, ClosedJaxpr>();

function programFor(req: RunRequest): ClosedJaxpr {
  // The caller decides which programs a device keeps (it knows what it sent).
  for (const id of req.evict ?? []) programs.delete(id);
  if (req.program !== undefined) programs.set(req.programId, deserializeClosedJaxpr(req.program));
  const closed = programs.get(req.programId);
  if (closed === undefined) throw new Error(`internal: device has no program ${req.programId}`);
  return closed;
}

function inputArray(input: ShardInput): ArrayImpl {
  return ArrayImpl.fromHost(
    new ShapedArray(input.shape, input.dtype, input.weakType),
    sharedView(input.dtype, input),
  );
}

/**
 * Runs one shard: its program on its inputs (shared memory, not copied),
 * collectives through the exchange area, results written to `outputs`.
 * Never throws: a failure is the reply, and it aborts the other devices.
 */
export function runShard(req: RunRequest): RunReply {
  const comm = new SharedComm(req);
  const prev = setCollectiveRuntime(comm);
  try {
    const closed = programFor(req);
    const outs = compileJaxpr(closed)(req.inputs.map(inputArray));
    outs.forEach((o, i) => {
      const ref = req.outputs[i]!;
      if (o.size !== ref.length) {
        throw new Error(`internal: output ${i} has ${o.size} values, ${ref.length} expected`);
      }
      sharedView(o.dtype, ref).set(hostStorage(o));
    });
    return { ok: true };
  } catch (e) {
    comm.abort();
    const err = e instanceof Error ? e : new Error(String(e));
    return {
      ok: false,
      message: err.message,
      stack: err.stack ?? "",
      aborted: err instanceof CollectiveAborted,
    };
  } finally {
    setCollectiveRuntime(prev);
  }
}

/** The bytes of the largest collective operand in a program, nested jaxprs included. */
export function maxCollectiveBytes(closed: ClosedJaxpr): number {
  const collective = new Set(["psum", "pmax", "pmin", "all_gather", "ppermute", "psum_scatter"]);
  let max = 0;
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== "object") return;
    if (globalThis.Array.isArray(x)) {
      for (const v of x) visit(v);
      return;
    }
    const j = (x as { jaxpr?: unknown }).jaxpr;
    const eqns = (x as { eqns?: unknown }).eqns;
    if (globalThis.Array.isArray(eqns)) {
      for (const e of eqns as ClosedJaxpr["jaxpr"]["eqns"]) {
        if (collective.has(e.primitive.name)) {
          for (const a of e.inputs) max = Math.max(max, bytesOf(a.aval.shape, a.aval.dtype));
        }
        for (const v of Object.values(e.params)) visit(v);
      }
    } else if (j !== undefined) visit(j);
    else if (Object.getPrototypeOf(x) === Object.prototype)
      for (const v of Object.values(x)) visit(v);
  };
  visit(closed.jaxpr);
  return max;
}

function bytesOf(shape: readonly number[], dtype: DType): number {
  return sizeOf(shape) * itemsize(dtype);
}
