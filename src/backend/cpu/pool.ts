/**
 * A thread pool over one shared WebAssembly.Memory: compiled kernels of the
 * form `export(...args, start, end)` run split over [0, total) on worker
 * threads and the calling thread, synchronously (jit calls are synchronous).
 *
 *   const pool = poolFor(memory);
 *   pool.parallelFor(module, "kernel", [ptrA, ptrB], total, minGrain, { align: 4 });
 *
 * Dispatch goes through a SharedArrayBuffer control block with one slot per
 * worker (see pool_worker.ts): a job costs a few stores and an
 * Atomics.notify, no message. Workers spin briefly after each job, so
 * back-to-back kernels find them awake, then sleep in Atomics.wait. New
 * modules reach workers by postMessage (once per module and worker).
 *
 * The calling thread takes the first chunk, then collects the others; a
 * chunk that no worker has claimed by then is claimed back and run by the
 * caller. So a slow, busy or still-starting worker never delays a call, and
 * the partition (hence every result bit) depends only on the thread count
 * and `align`, never on which thread ran what.
 *
 * Kernels are wasm exports only (drivers such as the blocked matmul are Wasm
 * too), so workers need nothing but the modules they are posted, bundled or
 * not. A trap on any thread becomes an Error on the caller,
 * naming the kernel, thread and range. A worker that ends unasked is noticed
 * through a flag its exit handler sets and its 'exit' event: its unclaimed
 * chunk is reclaimed (a running one fails the call), and a fresh worker
 * takes its slot on the next call. A kernel that never returns blocks its
 * call: wasm cannot be preempted.
 *
 * Without shared memory (a browser page that is not cross-origin isolated, a
 * non-shared memory), without workers, or with one thread, everything runs
 * on the calling thread.
 */
import { config } from "../../config.js";
import { Job, Slot, State, workerSource } from "./pool_worker.js";
import { type Thread, threadSpawner } from "./threads.js";

type KernelFn = (...args: number[]) => unknown;

/** How a parallelFor splits its range. */
export interface ParallelOptions {
  /** Chunk boundaries are multiples of this (e.g. the SIMD width, so tails never move). */
  align?: number;
  /** At most this many threads (e.g. as many as there is scratch for). */
  maxThreads?: number;
  /**
   * Chunks per thread (default 4): threads take chunks as they go, so a
   * thread that the OS delays holds up one small chunk, not a share. 1 for
   * kernels whose chunks repeat work (the matmul packs B in each chunk).
   */
  chunksPerThread?: number;
  /**
   * Per-thread scratch: argument `arg` (a byte address) is advanced by
   * `bytesPerThread` times the thread's index (the caller is 0), so threads
   * get disjoint scratch. Reserve `pool.threads * bytesPerThread` bytes.
   */
  scratch?: { arg: number; bytesPerThread: number };
  /**
   * A second export run on each chunk [start, end) right after the first, on
   * the same thread, over [start * scale, end * scale) (e.g. an elementwise
   * epilogue over the rows a matmul chunk just wrote, while they are in cache).
   */
  after?: AfterStep;
}

/** The second export of a parallelFor's chunks (ParallelOptions.after). */
export interface AfterStep {
  module: WebAssembly.Module;
  exportName: string;
  args: readonly number[];
  /** Units of its range per unit of the first export's range (a positive integer). */
  scale: number;
}

/** An after-step resolved against the pool's module records. */
interface ThenJob {
  rec: ModuleRecord;
  fn: number;
  args: readonly number[];
  scale: number;
}

export interface PoolStats {
  /** Threads a parallelFor uses now (workers + the caller). */
  threads: number;
  /** Workers started so far (respawns included). */
  workersStarted: number;
  /** Workers that ended without being asked to, with the reason. */
  workersLost: string[];
  /** Calls that ran split over more than one chunk. */
  parallelCalls: number;
  /** Chunks run by workers (the caller ran the rest). */
  workerChunks: number;
  /** Posts to a worker that it had not taken up when the caller ran out of chunks. */
  unclaimedPosts: number;
  /** Modules each live worker holds an instance of. */
  workerModules: number[];
}

/** Most threads a pool uses (the control block has one slot per worker). */
export const MAX_THREADS = 64;

/** How long the first call waits for freshly started workers (where the caller may block). */
const STARTUP_MS = 2000;
/** How long the caller spins on a running chunk before sleeping. */
const CALLER_SPIN_MS = 0.2;
/** Sleep slices while a chunk runs; between them the caller checks for a dead worker. */
const WAIT_SLICE_MS = 50;

// ---------------------------------------------------------------------------
// Thread count setting: config's jaxts_threads (0: the default).

let hardware = 0;

/** Hardware threads: navigator.hardwareConcurrency or os.availableParallelism() (asked once: it costs µs per call, on every kernel split). */
export function hardwareThreads(): number {
  if (hardware === 0) hardware = askHardwareThreads();
  return hardware;
}

function askHardwareThreads(): number {
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?: (id: string) => unknown };
  };
  const n = g.navigator?.hardwareConcurrency;
  if (typeof n === "number" && n > 0) return n;
  const os = g.process?.getBuiltinModule?.("node:os") as
    | { availableParallelism?: () => number; cpus?: () => unknown[] }
    | undefined;
  return os?.availableParallelism?.() ?? os?.cpus?.().length ?? 1;
}

function envThreads(): number | null {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const v = g.process?.env?.JAXTS_THREADS;
  if (v === undefined || v === "") return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`JAXTS_THREADS must be a positive integer, got '${v}'`);
  }
  return n;
}

const defaultThreads = (): number => envThreads() ?? hardwareThreads();

/**
 * Sets how many threads kernels split over (the caller included): the same
 * as `config.update("jaxts_threads", n)`. 1 runs everything on the calling
 * thread; null restores the default (the JAXTS_THREADS environment
 * variable, else the hardware thread count).
 */
export function setThreads(n: number | null): void {
  if (n !== null && (!Number.isInteger(n) || n < 1)) {
    throw new Error(`setThreads: expected a positive integer or null, got ${n}`);
  }
  config.update("jaxts_threads", n ?? 0);
}

/** The thread count kernels split over now. */
export function getThreads(): number {
  const n = config.read("jaxts_threads");
  if (n === 0) return Math.min(defaultThreads(), MAX_THREADS);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`config jaxts_threads must be a positive integer or 0 (default), got ${n}`);
  }
  return Math.min(n, MAX_THREADS);
}

// ---------------------------------------------------------------------------

/** A kernel module as the pool knows it. */
interface ModuleRecord {
  id: number;
  /** Exported function names; jobs name one by index. */
  names: string[];
  index: Map<string, number>;
  /** The message that gives a worker this module. */
  message: object;
  /** The caller's own functions, made on first use. */
  fns: KernelFn[] | null;
  makeFns(): KernelFn[];
}

interface Worker {
  slot: number;
  thread: Thread;
  /** Ids of the modules this worker has been sent. */
  sent: Set<number>;
  /** Why it ended, once it did. */
  lost: string | null;
  /** Whether the caller has waited for it to start. */
  awaited: boolean;
}

let nextModuleId = 1;

/** Imports a kernel module gets: the shared memory and Math functions. */
function kernelImports(module: WebAssembly.Module, memory: WebAssembly.Memory, kernel: string) {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  const math = Math as unknown as Record<string, unknown>;
  for (const imp of WebAssembly.Module.imports(module)) {
    let value: WebAssembly.ImportValue;
    if (imp.kind === "memory" && imp.module === "env" && imp.name === "memory") {
      value = memory;
    } else if (
      imp.kind === "function" &&
      imp.module === "Math" &&
      typeof math[imp.name] === "function"
    ) {
      value = math[imp.name] as WebAssembly.ImportValue;
    } else {
      throw new Error(
        `ThreadPool: kernel '${kernel}' imports ${imp.kind} ${imp.module}.${imp.name}; ` +
          "kernel modules may import only env.memory and Math functions",
      );
    }
    imports[imp.module] ??= {};
    imports[imp.module]![imp.name] = value;
  }
  return imports;
}

/** Byte offset of a worker's slot in the control block. */
const slotBase = (slot: number): number => Job.bytes + slot * Slot.bytes;

/** Whether this thread may block in Atomics.wait (browsers' main thread may not). */
function callerCanBlock(i32: Int32Array): boolean {
  try {
    Atomics.wait(i32, 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class ThreadPool {
  private readonly i32: Int32Array | null = null;
  private readonly f64: Float64Array | null = null;
  private readonly u16: Uint16Array | null = null;
  private readonly control: SharedArrayBuffer | null = null;
  private readonly canBlock: boolean = false;
  private busy = false;
  private readonly workers: (Worker | null)[] = [];
  private readonly records = new WeakMap<WebAssembly.Module, ModuleRecord>();
  /** Workers keep an instance per module: a collected module is dropped there too. */
  private readonly collected = new FinalizationRegistry<number>((id) => {
    for (const w of this.workers) {
      if (w?.sent.delete(id)) w.thread.post({ type: "drop", id });
    }
  });
  private readonly counters = {
    workersStarted: 0,
    parallelCalls: 0,
    unclaimedPosts: 0,
    chunksOfPastWorkers: 0,
    lost: [] as string[],
  };

  /**
   * A pool for kernels working in `memory` (workers get it if it is shared),
   * splitting over `options.threads` threads, or the global setting.
   */
  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly options: { threads?: number } = {},
  ) {
    const t = options.threads;
    if (t !== undefined && (!Number.isInteger(t) || t < 1)) {
      throw new Error(`ThreadPool: threads must be a positive integer, got ${t}`);
    }
    const shared =
      typeof SharedArrayBuffer === "function" &&
      typeof Atomics === "object" &&
      memory.buffer instanceof SharedArrayBuffer;
    // Pool workers themselves never start threads.
    const inWorker = (globalThis as { jaxtsPoolWorker?: boolean }).jaxtsPoolWorker === true;
    if (shared && !inWorker && threadSpawner() !== null) {
      this.control = new SharedArrayBuffer(Job.bytes + (MAX_THREADS - 1) * Slot.bytes);
      this.i32 = new Int32Array(this.control);
      this.f64 = new Float64Array(this.control);
      this.u16 = new Uint16Array(this.control);
      this.canBlock = callerCanBlock(this.i32);
    }
  }

  /** Whether kernels can run on worker threads here at all. */
  get parallel(): boolean {
    return this.control !== null;
  }

  /** Threads a parallelFor splits over now (1 without workers). */
  get threads(): number {
    if (!this.parallel) return 1;
    return Math.min(this.options.threads ?? getThreads(), MAX_THREADS);
  }

  /**
   * Runs `exports[exportName](...args, start, end)` over a partition of
   * [0, total) into contiguous chunks of at least `minGrain` (boundaries at
   * multiples of `align`), on up to `threads` threads (workers and the
   * caller) taking chunks as they go; returns when all are done. The
   * partition depends only on the thread count and the options. A trap anywhere throws an Error naming the
   * kernel and range once every chunk has finished; the pool stays usable.
   * Chunks must write disjoint memory.
   */
  parallelFor(
    module: WebAssembly.Module,
    exportName: string,
    args: readonly number[],
    total: number,
    minGrain = 1,
    options: ParallelOptions = {},
  ): void {
    const t = options.after;
    let then: ThenJob | null = null;
    if (t !== undefined) {
      if (!Number.isInteger(t.scale) || t.scale < 1 || t.args.length > Slot.maxArgs) {
        throw new Error(
          `ThreadPool.parallelFor: after-step '${t.exportName}' needs a positive integer scale ` +
            `(got ${t.scale}) and at most ${Slot.maxArgs} arguments (got ${t.args.length})`,
        );
      }
      const rec = this.record(t.module, t.exportName);
      then = { rec, fn: rec.index.get(t.exportName)!, args: t.args, scale: t.scale };
    }
    this.run(this.record(module, exportName), exportName, args, total, minGrain, options, then);
  }

  private run(
    rec: ModuleRecord,
    exportName: string,
    args: readonly number[],
    total: number,
    minGrain: number,
    options: ParallelOptions,
    then: ThenJob | null,
  ): void {
    const fn = rec.index.get(exportName)!;
    if (args.length > Slot.maxArgs) {
      throw new Error(
        `ThreadPool.parallelFor: kernel '${exportName}' has ${args.length} arguments; at most ${Slot.maxArgs}`,
      );
    }
    if (!Number.isInteger(total) || total < 0) {
      throw new Error(`ThreadPool.parallelFor: total must be a non-negative integer, got ${total}`);
    }
    if (total === 0) return;
    const align = Math.max(1, Math.floor(options.align ?? 1));
    const most = Math.floor(total / Math.max(1, minGrain));
    // A kernel that itself calls parallelFor (on the caller's chunk) runs inline.
    const want = Math.min(this.busy ? 1 : this.threads, options.maxThreads ?? this.threads, most);
    const workers = want > 1 ? this.readyWorkers(want - 1) : [];
    const threads = workers.length + 1;
    const perThread = Math.max(1, Math.floor(options.chunksPerThread ?? 4));
    const chunks = Math.max(threads, Math.min(threads * perThread, most, Job.maxChunks));
    const bounds = partition(total, threads === 1 ? 1 : chunks, align);
    const scratch = options.scratch;
    const threadArgs = (t: number): readonly number[] => {
      if (scratch === undefined || t === 0) return args;
      const out = args.slice();
      out[scratch.arg] = args[scratch.arg]! + t * scratch.bytesPerThread;
      return out;
    };
    if (bounds.length <= 2) {
      const errors: string[] = [];
      this.runHere(rec, fn, args, 0, total, total, errors, then);
      this.throwIfAny(errors, exportName);
      return;
    }
    this.counters.parallelCalls++;
    this.busy = true;
    try {
      this.split(rec, fn, exportName, bounds, workers, threadArgs, then);
    } finally {
      this.busy = false;
    }
  }

  private split(
    rec: ModuleRecord,
    fn: number,
    exportName: string,
    bounds: readonly number[],
    workers: readonly Worker[],
    threadArgs: (t: number) => readonly number[],
    then: ThenJob | null,
  ): void {
    const chunks = bounds.length - 1;
    const total = bounds[chunks]!;
    const i32 = this.i32!;
    const f64 = this.f64!;
    for (let c = 0; c <= chunks; c++) f64[(Job.bounds >> 3) + c] = bounds[c]!;
    i32[Job.chunks >> 2] = chunks;
    Atomics.store(i32, Job.next >> 2, 0);
    for (let t = 1; t <= workers.length; t++) {
      const w = workers[t - 1]!;
      for (const r of then === null ? [rec] : [rec, then.rec]) {
        if (!w.sent.has(r.id)) {
          w.thread.post({ ...r.message, id: r.id });
          w.sent.add(r.id);
        }
      }
      const base = slotBase(w.slot);
      i32[(base + Slot.thenModule) >> 2] = then === null ? 0 : then.rec.id;
      if (then !== null) {
        i32[(base + Slot.thenExport) >> 2] = then.fn;
        i32[(base + Slot.thenNargs) >> 2] = then.args.length;
        i32[(base + Slot.thenScale) >> 2] = then.scale;
        const ta = (base + Slot.thenArgs) >> 3;
        for (let k = 0; k < then.args.length; k++) f64[ta + k] = then.args[k]!;
      }
      const a = threadArgs(t);
      i32[(base + Slot.module) >> 2] = rec.id;
      i32[(base + Slot.export) >> 2] = fn;
      i32[(base + Slot.nargs) >> 2] = a.length;
      for (let k = 0; k < a.length; k++) f64[((base + Slot.args) >> 3) + k] = a[k]!;
      Atomics.store(i32, (base + Slot.state) >> 2, State.posted);
      Atomics.notify(i32, (base + Slot.state) >> 2);
    }
    const errors: string[] = [];
    const args = threadArgs(0);
    for (;;) {
      const c = Atomics.add(i32, Job.next >> 2, 1);
      if (c >= chunks) break;
      this.runHere(rec, fn, args, bounds[c]!, bounds[c + 1]!, total, errors, then);
    }
    for (const w of workers) this.collect(w, total, errors);
    this.throwIfAny(errors, exportName);
  }

  /**
   * A hint that parallel kernels follow shortly (e.g. at the start of a
   * compiled program): sleeping workers wake and spin for about a
   * millisecond, so the first kernel does not pay their wake-up latency
   * (tens of µs, far more after a long idle on a virtual machine).
   */
  wake(): void {
    if (this.i32 === null || this.threads < 2) return;
    for (const w of this.workers) {
      if (w == null || w.lost !== null) continue;
      Atomics.add(this.i32, (slotBase(w.slot) + Slot.wake) >> 2, 1);
      Atomics.notify(this.i32, (slotBase(w.slot) + Slot.state) >> 2);
    }
  }

  /** Starts the workers now (and, where the caller may block, waits until they run). */
  warmUp(): void {
    if (this.threads > 1) this.readyWorkers(this.threads - 1);
  }

  stats(): PoolStats {
    const { workersStarted, parallelCalls, unclaimedPosts, lost } = this.counters;
    const live = this.workers.filter((w): w is Worker => w != null && w.lost === null);
    return {
      threads: this.threads,
      workersStarted,
      workersLost: lost.slice(),
      parallelCalls,
      workerChunks: this.workerChunks(),
      unclaimedPosts,
      workerModules: live.map((w) => this.i32![(slotBase(w.slot) + Slot.modules) >> 2]!),
    };
  }

  private workerChunks(): number {
    let n = this.counters.chunksOfPastWorkers;
    if (this.i32 === null) return n;
    for (let s = 0; s < MAX_THREADS - 1; s++) n += this.i32[(slotBase(s) + Slot.chunksRun) >> 2]!;
    return n;
  }

  /** Ends the workers; a later parallelFor starts fresh ones. */
  dispose(): void {
    for (let s = 0; s < this.workers.length; s++) {
      const w = this.workers[s];
      if (w == null) continue;
      w.lost = "disposed";
      w.thread.terminate();
      this.workers[s] = null;
    }
  }

  // -------------------------------------------------------------------------

  private record(module: WebAssembly.Module, exportName: string): ModuleRecord {
    let rec = this.records.get(module);
    if (rec === undefined) {
      const names = WebAssembly.Module.exports(module)
        .filter((e) => e.kind === "function")
        .map((e) => e.name);
      // Validates the imports up front, so workers cannot fail on them.
      kernelImports(module, this.memory, exportName);
      const memory = this.memory;
      rec = {
        id: nextModuleId++,
        names,
        index: new Map(names.map((n, i) => [n, i])),
        message: { type: "module", module, names },
        fns: null,
        makeFns: () => {
          const inst = new WebAssembly.Instance(module, kernelImports(module, memory, exportName));
          return names.map((n) => inst.exports[n] as KernelFn);
        },
      };
      this.records.set(module, rec);
      this.collected.register(module, rec.id);
    }
    if (!rec.index.has(exportName)) {
      throw new Error(
        `ThreadPool.parallelFor: the module has no exported function '${exportName}' ` +
          `(exports: ${rec.names.join(", ") || "none"})`,
      );
    }
    return rec;
  }

  private runHere(
    rec: ModuleRecord,
    fn: number,
    args: readonly number[],
    start: number,
    end: number,
    total: number,
    errors: string[],
    then: ThenJob | null = null,
  ): void {
    try {
      rec.fns ??= rec.makeFns();
      rec.fns[fn]!(...args, start, end);
      if (then !== null) {
        then.rec.fns ??= then.rec.makeFns();
        then.rec.fns[then.fn]!(...then.args, start * then.scale, end * then.scale);
      }
    } catch (e) {
      errors.push(`on the calling thread over [${start}, ${end}) of ${total}: ${describe(e)}`);
    }
  }

  /** Waits for a worker posted to: cancels the post if it never joined, else waits until it is done. */
  private collect(w: Worker, total: number, errors: string[]): void {
    const i32 = this.i32!;
    const base = slotBase(w.slot);
    const st = (base + Slot.state) >> 2;
    const where = () => {
      const start = this.f64![(base + Slot.start) >> 3]!;
      const end = this.f64![(base + Slot.end) >> 3]!;
      return start < 0
        ? `on worker ${w.slot + 1}`
        : `on worker ${w.slot + 1} over [${start}, ${end}) of ${total}`;
    };
    const t0 = performance.now();
    for (let k = 1; ; k++) {
      const s = Atomics.load(i32, st);
      if (s === State.done) break;
      if (s === State.failed) {
        errors.push(`${where()}: ${this.errorText(base)}`);
        break;
      }
      if (s === State.posted) {
        if (Atomics.compareExchange(i32, st, State.posted, State.idle) === State.posted) {
          this.counters.unclaimedPosts++;
          if (i32[(base + Slot.dead) >> 2] !== 0) this.lose(w, "exited");
          return;
        }
        continue;
      }
      if (s === State.idle) {
        errors.push(`on worker ${w.slot + 1}: internal error, its post vanished`);
        return;
      }
      // Running on the worker.
      if (i32[(base + Slot.dead) >> 2] !== 0) {
        this.lose(w, "exited while running a kernel");
        errors.push(`${where()}: the worker exited while running it`);
        break;
      }
      if ((k & 255) === 0 && performance.now() - t0 > CALLER_SPIN_MS && this.canBlock) {
        Atomics.wait(i32, st, State.running, WAIT_SLICE_MS);
      }
    }
    Atomics.store(i32, st, State.idle);
  }

  private errorText(base: number): string {
    const n = this.i32![(base + Slot.errorLength) >> 2]!;
    const at = (base + Slot.error) >> 1;
    return String.fromCharCode(...this.u16!.subarray(at, at + n));
  }

  private throwIfAny(errors: string[], name: string): void {
    if (errors.length > 0) {
      throw new Error(`ThreadPool.parallelFor: kernel '${name}' failed ${errors.join("; ")}`);
    }
  }

  /** Marks a worker as gone (its slot is reused by a fresh one on the next call). */
  private lose(w: Worker, why: string): void {
    if (this.workers[w.slot] !== w) return;
    this.workers[w.slot] = null;
    if (w.lost === null) {
      w.lost = why;
      this.counters.lost.push(`worker ${w.slot + 1} ${why}`);
    }
    w.thread.terminate();
  }

  /** Up to `n` started, live workers, starting missing ones. */
  private readyWorkers(n: number): Worker[] {
    if (this.control === null) return [];
    const i32 = this.i32!;
    for (let s = 0; s < n; s++) {
      const w = this.workers[s];
      if (w != null && w.lost === null && i32[(slotBase(s) + Slot.dead) >> 2] === 0) continue;
      if (w != null) this.lose(w, w.lost ?? "exited");
      this.spawn(s);
    }
    if (this.canBlock) {
      // The first use waits for workers to start (tens of ms), so that a
      // call split N ways really runs on N threads from the start.
      const t0 = performance.now();
      for (let s = 0; s < n; s++) {
        const w = this.workers[s]!;
        if (w.awaited) continue;
        w.awaited = true;
        const ready = (slotBase(w.slot) + Slot.ready) >> 2;
        while (Atomics.load(i32, ready) === 0) {
          const left = STARTUP_MS - (performance.now() - t0);
          if (left <= 0 || w.lost !== null) break;
          Atomics.wait(i32, ready, 0, left);
        }
      }
    }
    const out: Worker[] = [];
    for (let s = 0; s < n; s++) {
      const w = this.workers[s]!;
      const base = slotBase(s);
      if (i32[(base + Slot.ready) >> 2] === 1 && i32[(base + Slot.dead) >> 2] === 0) out.push(w);
    }
    return out;
  }

  private spawn(slot: number): Worker {
    const i32 = this.i32!;
    const base = slotBase(slot);
    this.counters.chunksOfPastWorkers += i32[(base + Slot.chunksRun) >> 2]!;
    for (const field of [
      Slot.chunksRun,
      Slot.state,
      Slot.dead,
      Slot.ready,
      Slot.errorLength,
      Slot.wake,
      Slot.modules,
    ]) {
      i32[(base + field) >> 2] = 0;
    }
    const spawn = threadSpawner()!;
    const w: Worker = {
      slot,
      thread: null as unknown as Thread,
      sent: new Set(),
      lost: null,
      awaited: false,
    };
    w.thread = spawn(workerSource, (why) => {
      if (w.lost !== null) return; // ended on purpose
      Atomics.store(i32, (base + Slot.dead) >> 2, 1);
      this.lose(w, why);
    });
    w.thread.post({ type: "init", control: this.control, memory: this.memory, slot });
    this.workers[slot] = w;
    this.counters.workersStarted++;
    return w;
  }
}

/** Chunk boundaries: `parts` near-equal pieces of [0, total), inner ones multiples of `align`. */
export function partition(total: number, parts: number, align: number): number[] {
  const bounds = [0];
  for (let p = 1; p < parts; p++) {
    const b = Math.round((p * total) / parts / align) * align;
    if (b > bounds[bounds.length - 1]! && b < total) bounds.push(b);
  }
  bounds.push(total);
  return bounds;
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

const pools = new WeakMap<WebAssembly.Memory, ThreadPool>();

/** The pool for `memory` (one per memory, created on first use). */
export function poolFor(memory: WebAssembly.Memory): ThreadPool {
  let pool = pools.get(memory);
  if (pool === undefined) {
    pool = new ThreadPool(memory);
    pools.set(memory, pool);
  }
  return pool;
}
