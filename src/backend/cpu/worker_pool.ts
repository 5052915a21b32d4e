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
 *
 * Failures. The devices are started and watched by a supervisor thread
 * (device_supervisor.ts), whose event loop stays free while the caller
 * blocks: a device that dies — an uncaught asynchronous throw, `process.exit`,
 * a failure to start — fails the run it was in at once (the caller and the
 * other devices are woken, no timeout involved) with an error naming the
 * device and the cause, `pmap: device cpu:1 failed: <cause>`; a device that
 * died between calls fails the next call that uses it the same way. A dead
 * device is replaced by a fresh worker on the following call. A device whose
 * shard throws stays up: the call fails with `pmap: device cpu:1 raised: …`
 * and the others stop at their next collective (at once if waiting there).
 *
 * Workers start with their own flags (`execArgv`), not the parent's: flags
 * such as `--input-type=module -e` make no sense for a worker and stop it at
 * start-up.
 */
import type { MessagePort, Worker } from "node:worker_threads";
import type { ClosedJaxpr } from "../../core/jaxpr.js";
import { objectId } from "../../core/object_id.js";
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
import { STATUS, STOPPED, SUPERVISOR_SOURCE } from "./device_supervisor.js";

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
 * The flags a device worker starts with: of the parent's, only those that
 * are safe and useful in a worker (source maps for its stack traces). Module
 * loaders are not inherited: the TypeScript bootstrap registers tsx itself.
 */
export function deviceExecArgv(parent: readonly string[]): string[] {
  return parent.filter((f) => f === "--enable-source-maps");
}

/** Tests only: a device entry (JavaScript evaluated in the worker) in place of the real one; null restores it. */
let entryOverride: string | null = null;
export function setDeviceEntryForTesting(source: string | null): void {
  entryOverride = source;
}

/**
 * The worker's entry, as a string: code to evaluate, or a file URL. From
 * TypeScript sources (tsx, vitest) a small plain-JS bootstrap registers tsx's
 * loader in the worker, then imports the entry (tsx's `--import` flag does not
 * reach a worker's own entry module); from dist/ the entry is plain JS. If
 * the bootstrap fails, the worker ends with that error (an unhandled
 * rejection), which the supervisor reports as a failure to start.
 */
function workerEntry(): { entry: string; eval: boolean } {
  if (entryOverride !== null) return { entry: entryOverride, eval: true };
  const here = import.meta.url;
  if (!here.endsWith(".ts"))
    return { entry: new URL("./device_worker.js", here).href, eval: false };
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
  const code = `import(${JSON.stringify(tsx)})
  .then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return { entry: code, eval: true };
}

/** Programs a device keeps deserialized and compiled. */
const MAX_PROGRAMS_PER_DEVICE = 256;

/** How long a device waits for the others at a collective before giving up (a last resort: a dead device releases them at once). */
const BARRIER_TIMEOUT_MS = 60_000;
/** How long the caller waits for a device to finish a shard (a last resort for a device that runs forever). */
const RUN_TIMEOUT_MS = 10 * 60_000;
/** How long the caller waits for the supervisor thread to start (it is tiny: tens of milliseconds). */
const SUPERVISOR_START_MS = 30_000;

interface DeviceWorker {
  /** Names this worker in the supervisor's messages (a replaced device gets a new key). */
  key: number;
  requests: MessagePort;
  replies: MessagePort;
  /** STATUS words, shared with the worker and the supervisor. */
  status: Int32Array;
  /** Programs this worker has received. */
  programs: Set<number>;
  /** Modules it has been asked to import. */
  imports: number;
}

interface Supervisor {
  worker: Worker;
  /** Its reports of stopped devices (read with receiveMessageOnPort). */
  events: MessagePort;
}

interface Stopped {
  cause: string;
  stack: string;
}

/** Set in device worker threads: a pmap inside a shard cannot start devices of its own. */
let insideDevice = false;
export function markDeviceThread(): void {
  insideDevice = true;
}

class WorkerPool implements DeviceRuntime {
  readonly platform = "cpu";
  private readonly workers = new Map<number, DeviceWorker>();
  private readonly serialized = new WeakMap<ClosedJaxpr, SClosedJaxpr>();
  private readonly exchanges = new WeakMap<ClosedJaxpr, SharedArrayBuffer>();
  private nextKey = 0;
  private supervisor: Supervisor | null = null;
  /** Causes the supervisor reported, by worker key, until a call reads them. */
  private readonly stopped = new Map<number, Stopped>();
  /** importOnDevices modules, in order; null for one that failed to import (reported once, then dropped). */
  readonly imports: (string | null)[] = [];

  constructor(private readonly wt: WorkerThreads) {}

  defaultDeviceCount(): number {
    const os = nodeModule<{ availableParallelism?: () => number; cpus: () => unknown[] }>(
      "node:os",
    );
    return os?.availableParallelism?.() ?? os?.cpus().length ?? 1;
  }

  private startSupervisor(): Supervisor {
    if (this.supervisor !== null) return this.supervisor;
    const { port1, port2 } = new this.wt.MessageChannel();
    const started = new Int32Array(new SharedArrayBuffer(4));
    const worker = new this.wt.Worker(
      `Atomics.store(require("node:worker_threads").workerData.started, 0, 1);
       Atomics.notify(require("node:worker_threads").workerData.started, 0);
       ${SUPERVISOR_SOURCE}`,
      {
        eval: true,
        execArgv: [],
        name: "jaxts-devices",
        workerData: { events: port2, started },
        transferList: [port2],
      },
    );
    worker.unref();
    port1.unref();
    const sup: Supervisor = { worker, events: port1 };
    // Between calls the main thread hears of the supervisor's end; during a
    // call its own exit handler fails the runs it watched.
    worker.on("error", () => {});
    worker.on("exit", () => {
      if (this.supervisor !== sup) return;
      this.supervisor = null;
      this.readEvents(sup);
      for (const w of this.workers.values()) this.closePorts(w);
      this.workers.clear();
    });
    if (Atomics.wait(started, 0, 0, SUPERVISOR_START_MS) === "timed-out") {
      void worker.terminate();
      throw new Error(
        `pmap: the device supervisor thread did not start within ${SUPERVISOR_START_MS} ms`,
      );
    }
    this.supervisor = sup;
    return sup;
  }

  private worker(d: Device): DeviceWorker {
    let w = this.workers.get(d.id);
    if (w === undefined) {
      const sup = this.startSupervisor();
      const req = new this.wt.MessageChannel();
      const rep = new this.wt.MessageChannel();
      const status = new SharedArrayBuffer(STATUS.words * 4);
      const key = this.nextKey++;
      const proc = (globalThis as { process?: NodeProcess }).process;
      sup.worker.postMessage(
        {
          type: "spawn",
          key,
          ...workerEntry(),
          execArgv: deviceExecArgv(proc?.execArgv ?? []),
          workerData: { requests: req.port2, replies: rep.port2, status, device: d.id },
          transfer: [req.port2, rep.port2],
        },
        [req.port2, rep.port2],
      );
      req.port1.unref();
      rep.port1.unref();
      w = {
        key,
        requests: req.port1,
        replies: rep.port1,
        status: new Int32Array(status),
        programs: new Set(),
        imports: 0,
      };
      this.workers.set(d.id, w);
    }
    return w;
  }

  private closePorts(w: DeviceWorker): void {
    w.requests.close();
    w.replies.close();
  }

  /** Forgets a device's worker (stopping it if it still runs): the next call starts a fresh one. */
  private drop(d: Device, w: DeviceWorker): void {
    if (this.workers.get(d.id) === w) this.workers.delete(d.id);
    this.closePorts(w);
    this.supervisor?.worker.postMessage({ type: "stop", key: w.key });
  }

  /** Takes in the supervisor's reports of stopped devices. */
  private readEvents(sup: Supervisor | null = this.supervisor): void {
    if (sup === null) return;
    for (;;) {
      const m = this.wt.receiveMessageOnPort(sup.events);
      if (m === undefined) return;
      const { key, cause, stack } = m.message as { key: number } & Stopped;
      this.stopped.set(key, { cause, stack });
    }
  }

  private stopCause(w: DeviceWorker): Stopped {
    this.readEvents();
    const s = this.stopped.get(w.key);
    this.stopped.delete(w.key);
    return s ?? { cause: "it stopped (no cause was reported)", stack: "" };
  }

  private exchange(closed: ClosedJaxpr, bytes: number): SharedArrayBuffer {
    let sab = this.exchanges.get(closed);
    if (sab === undefined || sab.byteLength < bytes) {
      sab = new SharedArrayBuffer(bytes);
      this.exchanges.set(closed, sab);
    }
    return sab;
  }

  /** The error for stopped devices (the first is the cause; the rest are listed). */
  private stoppedError(devs: Device[], causes: Stopped[], note: string): Error {
    const others = devs.slice(1).map(String);
    const also = others.length === 0 ? "" : ` (${others.join(", ")} failed too)`;
    const err = new Error(`pmap: device ${devs[0]} failed: ${causes[0]!.cause}${note}${also}`);
    err.stack = `${err.name}: ${err.message}\n--- on device ${devs[0]}:\n${causes[0]!.stack}`;
    return err;
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
    const workers = devices.map((d) => this.worker(d));

    // Devices that stopped since their last run fail this call; fresh ones start on the next.
    const gone = workers.flatMap((w, i) => (Atomics.load(w.status, STATUS.dead) === 1 ? [i] : []));
    if (gone.length > 0) {
      const causes = gone.map((i) => this.stopCause(workers[i]!));
      for (const i of gone) this.drop(devices[i]!, workers[i]!);
      throw this.stoppedError(
        gone.map((i) => devices[i]!),
        causes,
        " (after its previous run; the next call starts a fresh device)",
      );
    }

    const programId = objectId(program.closed);
    const control = new SharedArrayBuffer(controlBytes(n));
    const ctl = new Int32Array(control);
    const layout = exchangeLayout(n, program.maxCollectiveBytes);
    const exchange = this.exchange(program.closed, layout.bytes);
    const names = devices.map(String);

    // The supervisor learns the run first, so a device that dies during it fails it at once.
    this.supervisor!.worker.postMessage({ type: "run", keys: workers.map((w) => w.key), control });
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
        imports: this.imports.slice(w.imports).filter((u) => u !== null),
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
      w.requests.postMessage(req);
    });

    // Every device ends: it finishes, raises, or stops (marked by the supervisor, or here after RUN_TIMEOUT_MS).
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    workers.forEach((w, i) => {
      const flag = CONTROL.done + i;
      while (Atomics.load(ctl, flag) === 0) {
        const left = deadline - Date.now();
        if (left <= 0) {
          if (Atomics.compareExchange(ctl, flag, 0, STOPPED) !== 0) break;
          this.stopped.set(w.key, {
            cause: `it did not finish within ${RUN_TIMEOUT_MS} ms and was stopped`,
            stack: "",
          });
          Atomics.compareExchange(ctl, CONTROL.abort, 0, i + 1);
          Atomics.notify(ctl, CONTROL.generation);
          break;
        }
        Atomics.wait(ctl, flag, 0, Math.min(left, 1000));
      }
    });

    const replies: (RunReply | Stopped)[] = workers.map((w, i) => {
      if (Atomics.load(ctl, CONTROL.done + i) === STOPPED) return this.stopCause(w);
      const msg = this.wt.receiveMessageOnPort(w.replies);
      if (msg === undefined) throw new Error(`pmap: internal: device ${names[i]} sent no reply`);
      return msg.message as RunReply;
    });
    const dead = devices.flatMap((_, i) => ("cause" in replies[i]! ? [i] : []));
    for (const i of dead) this.drop(devices[i]!, workers[i]!);
    const failed = replies.flatMap((r, i) => ("cause" in r || !r.ok ? [i] : []));
    if (failed.length === 0) return;
    for (const r of replies) {
      if ("failedImport" in r && r.failedImport !== undefined) {
        const k = this.imports.indexOf(r.failedImport);
        if (k >= 0) this.imports[k] = null;
      }
    }

    // A device that fails before receiving a program must be sent it again.
    for (const w of workers) w.programs.delete(programId);
    // The cause: the device that set the abort flag first, else one that was not merely stopped by another.
    const first = Atomics.load(ctl, CONTROL.abort) - 1;
    const cause = failed.includes(first)
      ? first
      : (failed.find((i) => {
          const r = replies[i]!;
          return "cause" in r || (!r.ok && !r.aborted);
        }) ?? failed[0]!);
    const r = replies[cause]!;
    if ("cause" in r) {
      const order = [cause, ...dead.filter((i) => i !== cause)];
      throw this.stoppedError(
        order.map((i) => devices[i]!),
        order.map((i) => replies[i] as Stopped),
        "",
      );
    }
    const raised = r as Extract<RunReply, { ok: false }>;
    const err = new Error(`pmap: device ${names[cause]} raised: ${raised.message}`);
    err.stack = `${err.name}: ${err.message}\n--- on device ${names[cause]}:\n${raised.stack}`;
    throw err;
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
