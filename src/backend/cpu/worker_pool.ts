/**
 * NODE-ONLY (loaded everywhere, active only in Node): CPU devices as worker
 * threads. Node's modules are reached through `process.getBuiltinModule` when
 * the pool first runs, never by a static import, so other runtimes can load
 * this file and simply have no device runtime.
 *
 * Each device is a worker that loads jaxts itself (device_worker.ts) and runs
 * shards of pmap programs. The main thread's calls are synchronous: it posts
 * one request per device, then blocks in `Atomics.wait` until every device
 * has marked itself done in the shared control area, and reads the replies
 * with `receiveMessageOnPort`. Workers are unref'ed, so an idle pool does not
 * keep the process alive.
 */
import type { MessagePort, Worker } from "node:worker_threads";
import type { ClosedJaxpr } from "../../core/jaxpr.js";
import {
  CONTROL,
  controlBytes,
  exchangeLayout,
  type RunReply,
  type RunRequest,
} from "../../devices/collectives.js";
import {
  type BufferRef,
  type Device,
  type DeviceProgram,
  type DeviceRuntime,
  type ShardInput,
  setDeviceRuntime,
} from "../../devices/device.js";
import { type SClosedJaxpr, serializeClosedJaxpr } from "../../devices/serialize.js";

type WorkerThreads = typeof import("node:worker_threads");

interface NodeProcess {
  getBuiltinModule?: (name: string) => unknown;
  execArgv: string[];
}

function nodeModule<T>(name: string): T | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return proc?.getBuiltinModule?.(name) as T | undefined;
}

/**
 * The worker's entry. From TypeScript sources (tsx, vitest) a small plain-JS
 * bootstrap registers tsx's loader in the worker, then imports the entry
 * (tsx's `--import` flag does not reach a worker's own entry module); from
 * dist/ the entry is plain JS.
 */
function workerEntry(): [string | URL, { eval?: boolean }] {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return [new URL("./device_worker.js", here), {}];
  const entry = new URL("./device_worker.ts", here).href;
  const mod = nodeModule<{ createRequire: (from: string) => { resolve: (id: string) => string } }>(
    "node:module",
  );
  let tsx = "tsx/esm/api";
  try {
    const path = mod?.createRequire(here).resolve("tsx/esm/api");
    // The ES module next to the CommonJS file `require` resolves.
    if (path !== undefined) tsx = new URL(`file://${path.replace(/\.cjs$/, ".mjs")}`).href;
  } catch {
    // Not resolvable from here: the bare name, resolved from the working directory.
  }
  // If the bootstrap itself fails, every request is answered with that failure (never a hang).
  const code = `import(${JSON.stringify(tsx)})
  .then((api) => { api.register(); return import(${JSON.stringify(entry)}); })
  .catch((e) => {
    const wt = require("node:worker_threads");
    wt.parentPort.on("message", (req) => {
      wt.workerData.replies.postMessage({ ok: false, message: "the device failed to start: " + e.message, stack: String(e.stack), aborted: false });
      const c = new Int32Array(req.control);
      Atomics.store(c, ${CONTROL.done} + req.index, 2);
      Atomics.notify(c, ${CONTROL.done} + req.index);
    });
  });`;
  return [code, { eval: true }];
}

/** Programs a device keeps deserialized and compiled. */
const MAX_PROGRAMS_PER_DEVICE = 256;

/** How long a device waits for the others at a collective before giving up (a last resort). */
const BARRIER_TIMEOUT_MS = 60_000;
/** How long the caller waits for a device to finish a shard (generous: the first run loads the library). */
const RUN_TIMEOUT_MS = 10 * 60_000;

interface DeviceWorker {
  worker: Worker;
  replies: MessagePort;
  /** Programs this worker has received. */
  programs: Set<number>;
  /** Modules it has been asked to import. */
  imports: number;
}

/** Set in device worker threads: a pmap inside a shard cannot start devices of its own. */
let insideDevice = false;
export function markDeviceThread(): void {
  insideDevice = true;
}

class WorkerPool implements DeviceRuntime {
  readonly platform = "cpu";
  private readonly workers = new Map<number, DeviceWorker>();
  private readonly programIds = new WeakMap<ClosedJaxpr, number>();
  private readonly serialized = new WeakMap<ClosedJaxpr, SClosedJaxpr>();
  private readonly exchanges = new WeakMap<ClosedJaxpr, SharedArrayBuffer>();
  private nextProgramId = 0;
  readonly imports: string[] = [];

  constructor(private readonly wt: WorkerThreads) {}

  defaultDeviceCount(): number {
    const os = nodeModule<{ availableParallelism?: () => number; cpus: () => unknown[] }>(
      "node:os",
    );
    return os?.availableParallelism?.() ?? os?.cpus().length ?? 1;
  }

  private worker(d: Device): DeviceWorker {
    let w = this.workers.get(d.id);
    if (w === undefined) {
      const { port1, port2 } = new this.wt.MessageChannel();
      const options = { workerData: { replies: port2, device: d.id }, transferList: [port2] };
      const [entry, how] = workerEntry();
      const worker = new this.wt.Worker(entry, { ...options, ...how });
      worker.unref();
      port1.unref();
      w = { worker, replies: port1, programs: new Set(), imports: 0 };
      this.workers.set(d.id, w);
    }
    return w;
  }

  private programId(closed: ClosedJaxpr): number {
    let id = this.programIds.get(closed);
    if (id === undefined) {
      id = this.nextProgramId++;
      this.programIds.set(closed, id);
    }
    return id;
  }

  private exchange(closed: ClosedJaxpr, bytes: number): SharedArrayBuffer {
    let sab = this.exchanges.get(closed);
    if (sab === undefined || sab.byteLength < bytes) {
      sab = new SharedArrayBuffer(bytes);
      this.exchanges.set(closed, sab);
    }
    return sab;
  }

  execute(
    program: DeviceProgram,
    devices: readonly Device[],
    inputs: readonly ShardInput[][],
    outputs: readonly BufferRef[][],
  ): void {
    if (insideDevice) {
      throw new Error("pmap: a pmap inside a pmapped function is not supported (nested pmap)");
    }
    const n = devices.length;
    const ids = new Set(devices.map((d) => d.id));
    if (ids.size !== n) {
      throw new Error(`pmap: devices must be distinct, got ${devices.join(", ")}`);
    }
    const programId = this.programId(program.closed);
    const control = new SharedArrayBuffer(controlBytes(n));
    const ctl = new Int32Array(control);
    const layout = exchangeLayout(n, program.maxCollectiveBytes);
    const exchange = this.exchange(program.closed, layout.bytes);
    const names = devices.map(String);
    const workers = devices.map((d) => this.worker(d));

    workers.forEach((w, i) => {
      const req: RunRequest & { imports: string[] } = {
        programId,
        axisName: program.axisName,
        index: i,
        deviceNames: names,
        inputs: inputs[i]!,
        outputs: outputs[i]!,
        control,
        exchange,
        slotBytes: layout.slotBytes,
        timeoutMs: BARRIER_TIMEOUT_MS,
        imports: this.imports.slice(w.imports),
      };
      if (!w.programs.has(programId)) {
        // Each device keeps a bounded number of programs: the oldest ones go.
        if (w.programs.size >= MAX_PROGRAMS_PER_DEVICE) {
          const old = [...w.programs].slice(0, w.programs.size - MAX_PROGRAMS_PER_DEVICE + 1);
          for (const id of old) w.programs.delete(id);
          req.evict = old;
        }
        let s = this.serialized.get(program.closed);
        if (s === undefined) {
          s = serializeClosedJaxpr(program.closed, "pmap");
          this.serialized.set(program.closed, s);
        }
        req.program = s;
        w.programs.add(programId);
      }
      w.imports = this.imports.length;
      w.worker.postMessage(req);
    });

    const replies: RunReply[] = workers.map((w, i) => {
      const flag = CONTROL.done + i;
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      while (Atomics.load(ctl, flag) === 0) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`pmap: device ${names[i]} did not finish within ${RUN_TIMEOUT_MS} ms`);
        }
        Atomics.wait(ctl, flag, 0, Math.min(left, 1000));
      }
      const msg = this.wt.receiveMessageOnPort(w.replies);
      if (msg === undefined) throw new Error(`pmap: internal: device ${names[i]} sent no reply`);
      return msg.message as RunReply;
    });

    // The device that failed first is the cause; the others stopped because of it.
    const failures = replies.flatMap((r, i) => (r.ok ? [] : [{ r, i }]));
    if (failures.length > 0) {
      const cause = failures.find((f) => !f.r.ok && !f.r.aborted) ?? failures[0]!;
      const r = cause.r as Extract<RunReply, { ok: false }>;
      // A device that fails before receiving a program must be sent it again.
      for (const w of workers) w.programs.delete(programId);
      const err = new Error(`pmap: device ${names[cause.i]} raised: ${r.message}`);
      err.stack = `${err.name}: ${err.message}\n--- on device ${names[cause.i]}:\n${r.stack}`;
      throw err;
    }
  }
}

/** Every device imports `url` (an ES module URL) before running its next program: custom primitives live there. */
export function importOnDevices(url: string): void {
  if (pool === null) return;
  pool.imports.push(url);
}

let pool: WorkerPool | null = null;

const wt = nodeModule<WorkerThreads>("node:worker_threads");
if (wt !== undefined && typeof SharedArrayBuffer !== "undefined") {
  pool = new WorkerPool(wt);
  setDeviceRuntime(pool);
}
