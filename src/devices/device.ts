/**
 * Devices, as in `jax.devices()`. A CPU device is a worker thread that runs
 * compiled programs (see backend/cpu/worker_pool.ts); all CPU devices share
 * the host's memory, so an array's device says where its computation runs,
 * and a pmap result records which device computed which slice (its sharding).
 *
 * The device runtime is registered by the backend; without one (no worker
 * threads in this JS runtime) there is a single device and pmap evaluates
 * its shards on the calling thread.
 */
import { config } from "../config.js";
import { Array, ArrayImpl, hostStorage } from "../core/array.js";
import type { ClosedJaxpr } from "../core/jaxpr.js";
import { type DType, type TypedArray, typedView } from "../dtype.js";

export class Device {
  constructor(
    readonly id: number,
    readonly platform: string,
  ) {}
  /** JAX's `device_kind`. */
  get deviceKind(): string {
    return this.platform;
  }
  toString(): string {
    return `${this.platform}:${this.id}`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `CpuDevice(id=${this.id})`;
  }
}

/**
 * A slice of a buffer holding one array's values: a SharedArrayBuffer where
 * the JS runtime has one (always when there is a device runtime), else an
 * ordinary ArrayBuffer that the single device reads.
 */
export interface BufferRef {
  buffer: SharedArrayBuffer | ArrayBuffer;
  byteOffset: number;
  /** Number of elements. */
  length: number;
}

/** One shard's input: its values and type. */
export interface ShardInput extends BufferRef {
  dtype: DType;
  shape: number[];
  weakType: boolean;
}

/** What a runtime needs to run one program on several devices, one request per device. */
export interface DeviceProgram {
  /** The per-shard program; identical on every device. */
  closed: ClosedJaxpr;
  /** The name collectives use for the device axis (null: none). */
  axisName: string | null;
  /** The largest collective operand in bytes (sizes the exchange area). */
  maxCollectiveBytes: number;
}

export interface DeviceRuntime {
  readonly platform: string;
  /** The default number of devices (e.g. the number of cores). */
  defaultDeviceCount(): number;
  /** Runs `program` on `devices`, shard i on devices[i]; throws naming the first device that failed. */
  execute(
    program: DeviceProgram,
    devices: readonly Device[],
    inputs: readonly ShardInput[][],
    outputs: readonly BufferRef[][],
  ): void;
}

let runtime: DeviceRuntime | null = null;

/** Registers the backend that runs device programs (the worker pool in Node). */
export function setDeviceRuntime(r: DeviceRuntime | null): void {
  runtime = r;
}

export function deviceRuntime(): DeviceRuntime | null {
  return runtime;
}

const deviceCache = new Map<number, Device>();

function device(id: number): Device {
  let d = deviceCache.get(id);
  if (d === undefined) {
    d = new Device(id, "cpu");
    deviceCache.set(id, d);
  }
  return d;
}

/**
 * The number of CPU devices: the `jaxts_cpu_devices` setting, or the
 * runtime's default. Without a device runtime (browsers: devices are Node
 * worker threads) there is exactly one, and asking for more is an error
 * rather than silently ignored.
 */
export function deviceCount(): number {
  const r = deviceRuntime();
  const n = config.read("jaxts_cpu_devices");
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(
      `config: jaxts_cpu_devices must be a non-negative integer (0: one per core), got ${n}`,
    );
  }
  if (r === null) {
    if (n > 1) {
      throw new Error(
        `config: jaxts_cpu_devices is ${n}, but this JavaScript runtime has a single CPU device ` +
          "(more devices are Node worker threads; in browsers compiled kernels split over Web " +
          "Workers through jaxts_threads instead); set jaxts_cpu_devices to 0 or 1",
      );
    }
    return 1;
  }
  return n > 0 ? n : r.defaultDeviceCount();
}

/** `jax.devices()`: every device, in id order. */
export function devices(): Device[] {
  return globalThis.Array.from({ length: deviceCount() }, (_, i) => device(i));
}

/** `jax.local_devices()`: all devices are local to this process. */
export function localDevices(): Device[] {
  return devices();
}

/** Where an array lives: on one device, or split along `axis` over several (a pmap result). */
export interface Sharding {
  readonly devices: readonly Device[];
  /** The axis split over `devices` (one slice each); null for an array on a single device. */
  readonly axis: number | null;
}

const shardings = new WeakMap<ArrayImpl, Sharding>();

export function shardingOf(x: ArrayImpl): Sharding {
  return shardings.get(x) ?? { devices: [device(0)], axis: null };
}

/** Records where an array lives (the device layer's bookkeeping). */
export function setSharding(x: ArrayImpl, s: Sharding): ArrayImpl {
  shardings.set(x, s);
  return x;
}

declare module "../core/array.js" {
  interface Array {
    /** The device holding this array; an error for an array sharded over several devices. */
    readonly device: Device;
    /** The devices holding this array's slices. */
    devices(): Device[];
    /** Where this array lives: its devices and the axis split over them. */
    readonly sharding: Sharding;
  }
}

/** The placement of a concrete array; a traced value has none. */
function placed(x: Array, what: string): Sharding {
  if (!(x instanceof ArrayImpl)) {
    throw new Error(
      `Array.${what}: a traced value (${x.aval.str()}) has no device; only concrete arrays live on devices`,
    );
  }
  return shardingOf(x);
}

Object.defineProperties(Array.prototype, {
  device: {
    get(this: Array): Device {
      const s = placed(this, "device");
      if (s.devices.length !== 1) {
        throw new Error(
          `Array.device: this array is sharded over ${s.devices.length} devices ` +
            `(${s.devices.join(", ")}); use .devices() or .sharding`,
        );
      }
      return s.devices[0]!;
    },
    configurable: true,
  },
  devices: {
    value(this: Array): Device[] {
      return [...placed(this, "devices()").devices];
    },
    configurable: true,
    writable: true,
  },
  sharding: {
    get(this: Array): Sharding {
      return placed(this, "sharding");
    },
    configurable: true,
  },
});

// --- shared buffers ------------------------------------------------------------------

const sharedCopies = new WeakMap<ArrayImpl, BufferRef>();

/** A typed array of `dtype` over a slice of shared memory. */
export function sharedView(dtype: DType, ref: BufferRef): TypedArray {
  const { buffer, byteOffset, length } = ref;
  return typedView(dtype, buffer, byteOffset, length);
}

/** Whether there is SharedArrayBuffer (a page that is not cross-origin isolated has none). */
const hasShared = (): boolean => typeof SharedArrayBuffer === "function";

/** A zeroed buffer every device can read: shared where the runtime allows it. */
export function deviceBuffer(bytes: number): SharedArrayBuffer | ArrayBuffer {
  return hasShared() ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/**
 * x's values in memory every device reads: its own buffer when already
 * shared, else a shared copy made once per array. Without SharedArrayBuffer
 * there is only the calling thread's device, which reads x's own buffer.
 */
export function sharedRef(x: ArrayImpl): BufferRef {
  const v = hostStorage(x);
  if (!hasShared() || v.buffer instanceof SharedArrayBuffer) {
    return { buffer: v.buffer, byteOffset: v.byteOffset, length: v.length };
  }
  let ref = sharedCopies.get(x);
  if (ref === undefined) {
    ref = { buffer: deviceBuffer(v.byteLength), byteOffset: 0, length: v.length };
    sharedView(x.dtype, ref).set(v);
    sharedCopies.set(x, ref);
  }
  return ref;
}

/** `jax.device_put(x, device)`: x placed on `device` (its values in memory every device reads). */
export function devicePutImpl(x: ArrayImpl, d: Device): ArrayImpl {
  const out = ArrayImpl.fromHost(x.aval, sharedView(x.dtype, sharedRef(x)));
  return setSharding(out, { devices: [d], axis: null });
}
