/**
 * The thread pool's worker: plain JavaScript in a string, so the same code
 * runs from the TypeScript sources (vitest, tsx) and from dist/, in Node
 * (`new Worker(src, { eval: true })`) and in browsers (a Blob URL). It needs
 * nothing but the shared control block, the shared WebAssembly.Memory and the
 * modules it is sent.
 *
 * Protocol (layout constants below, shared with pool.ts):
 * - `{ type: "init", control, memory, slot }` once; the worker sets READY.
 * - `{ type: "module", id, module, names }` for each kernel module it will
 *   run; it instantiates the module with env.memory = the shared memory and
 *   `Math` imports, keeping `names` (export names) as an index.
 * - Jobs come through the control block, not messages: the caller writes
 *   the chunk boundaries into the job area and, in each worker's slot, the
 *   module id, export index and arguments; then stores STATE = POSTED and
 *   notifies. A worker joins by compareExchange POSTED -> RUNNING (the
 *   caller cancels a post nobody took once it has run out of chunks), then
 *   takes chunks with Atomics.add on the job's counter, calling
 *   export(...args, start, end) for each (then, when the slot names a second
 *   export, that one over [start, end) times its scale), and stores DONE or FAILED (with the
 *   error text and the chunk in its slot) and notifies.
 * - `{ type: "drop", id }` when the caller's module was collected.
 * - Waiting: a short spin, then Atomics.wait; a notify without a job (the
 *   caller's wake()) makes it spin a while longer. A job naming a module the worker
 *   has not seen yet makes it return to its event loop, where the module's
 *   message (always posted before the job) arrives and resumes the loop; so
 *   does a long idle, to take in "drop" messages.
 */

/** The job area at the start of the control block: chunk counter and boundaries. */
export const Job = {
  bytes: 4096,
  // int32 fields (byte offsets)
  next: 0,
  chunks: 4,
  // float64 boundaries of the chunks
  bounds: 16,
  maxChunks: 256,
} as const;

/** Byte layout of one worker's slot in the control block (after the job area). */
export const Slot = {
  bytes: 1536,
  // int32 fields (byte offsets)
  state: 0,
  dead: 4,
  ready: 8,
  module: 12,
  export: 16,
  nargs: 20,
  errorLength: 24,
  wake: 28,
  /** How many modules the worker holds (for leak checks). */
  modules: 32,
  /** Chunks this worker has run. */
  chunksRun: 36,
  // A second export run on each chunk after the first (module 0: none), over
  // the chunk's range times `thenScale`, with its arguments at `thenArgs`.
  thenModule: 40,
  thenExport: 44,
  thenNargs: 48,
  thenScale: 52,
  // float64 fields (byte offsets): the chunk running or failed (start -1: none)
  start: 64,
  end: 72,
  args: 80,
  maxArgs: 40,
  // UTF-16 error text
  error: 400,
  maxErrorChars: 312,
  thenArgs: 1024,
} as const;

/** Values of a slot's `state` word. */
export const State = { idle: 0, posted: 1, running: 2, done: 3, failed: 4 } as const;

/** How long an idle worker spins before it sleeps (back-to-back kernels stay hot). */
export const SPIN_MS = 0.05;

/** How long a worker woken by `ThreadPool.wake` spins waiting for a job. */
export const WAKE_SPIN_MS = 1;

/** How long an idle worker sleeps before it returns to its event loop for messages. */
export const IDLE_YIELD_MS = 250;

/** The worker program; `prelude` adapts it to Node or the browser (see threads_*.ts). */
export function workerSource(prelude: string): string {
  return `"use strict";
const SLOT = ${JSON.stringify(Slot)};
const JOB = ${JSON.stringify(Job)};
const ST = ${JSON.stringify(State)};
const SPIN_MS = ${SPIN_MS};
const IDLE_YIELD_MS = ${IDLE_YIELD_MS};
const WAKE_SPIN_MS = ${WAKE_SPIN_MS};
let i32 = null, f64 = null, u16 = null, memory = null, base = 0;
globalThis.jaxtsPoolWorker = true;
const later = typeof setImmediate === "function" ? setImmediate : (f) => setTimeout(f, 0);
// One pending resume at most: each runs the loop until it blocks for a while,
// so several queued in one turn would keep the event loop from the messages.
let scheduled = false;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  later(() => {
    scheduled = false;
    resume();
  });
}
let looping = false;
let wakes = 0;
const modules = new Map();

function setModule(id, entry) {
  if (entry === null) modules.delete(id);
  else modules.set(id, entry);
  Atomics.store(i32, (base + SLOT.modules) >> 2, modules.size);
}

function instantiate(module, names) {
  try {
    const imports = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      const ns = imports[imp.module] || (imports[imp.module] = {});
      ns[imp.name] = imp.kind === "memory" ? memory : Math[imp.name];
    }
    const exports = new WebAssembly.Instance(module, imports).exports;
    return { fns: names.map((n) => exports[n]), error: null };
  } catch (e) {
    return { fns: [], error: "instantiating the module in a worker: " + String(e) };
  }
}

function fail(message) {
  const text = String(message).slice(0, SLOT.maxErrorChars);
  const at = (base + SLOT.error) >> 1;
  for (let k = 0; k < text.length; k++) u16[at + k] = text.charCodeAt(k);
  i32[(base + SLOT.errorLength) >> 2] = text.length;
  return false;
}

function runJob() {
  const m = modules.get(i32[(base + SLOT.module) >> 2]);
  f64[(base + SLOT.start) >> 3] = -1;
  if (m.error !== null) return fail(m.error);
  const fn = m.fns[i32[(base + SLOT.export) >> 2]];
  const n = i32[(base + SLOT.nargs) >> 2];
  const args = new Array(n + 2);
  const a = (base + SLOT.args) >> 3;
  for (let k = 0; k < n; k++) args[k] = f64[a + k];
  const chunks = i32[JOB.chunks >> 2];
  const thenId = i32[(base + SLOT.thenModule) >> 2];
  let then = null, thenArgs = null, tn = 0, scale = 1;
  if (thenId !== 0) {
    const tm = modules.get(thenId);
    if (tm.error !== null) return fail(tm.error);
    then = tm.fns[i32[(base + SLOT.thenExport) >> 2]];
    tn = i32[(base + SLOT.thenNargs) >> 2];
    scale = i32[(base + SLOT.thenScale) >> 2];
    thenArgs = new Array(tn + 2);
    const ta = (base + SLOT.thenArgs) >> 3;
    for (let k = 0; k < tn; k++) thenArgs[k] = f64[ta + k];
  }
  for (;;) {
    const c = Atomics.add(i32, JOB.next >> 2, 1);
    if (c >= chunks) return true;
    args[n] = f64[(JOB.bounds >> 3) + c];
    args[n + 1] = f64[(JOB.bounds >> 3) + c + 1];
    f64[(base + SLOT.start) >> 3] = args[n];
    f64[(base + SLOT.end) >> 3] = args[n + 1];
    try {
      fn(...args);
      if (then !== null) {
        thenArgs[tn] = args[n] * scale;
        thenArgs[tn + 1] = args[n + 1] * scale;
        then(...thenArgs);
      }
    } catch (e) {
      return fail((e && e.name ? e.name + ": " : "") + (e && e.message !== undefined ? e.message : String(e)));
    }
    i32[(base + SLOT.chunksRun) >> 2]++;
  }
}

// The job loop runs until it must return to the event loop (a module it
// lacks, or a long idle); the next message or timer resumes it.
function resume() {
  if (looping || i32 === null) return;
  looping = true;
  try {
    loop();
  } finally {
    looping = false;
  }
}

function haveModules() {
  const then = i32[(base + SLOT.thenModule) >> 2];
  return modules.has(i32[(base + SLOT.module) >> 2]) && (then === 0 || modules.has(then));
}

function loop() {
  const st = (base + SLOT.state) >> 2;
  for (;;) {
    let s = Atomics.load(i32, st);
    if (s !== ST.posted) {
      const t0 = performance.now();
      for (let k = 1; (s = Atomics.load(i32, st)) !== ST.posted; k++) {
        if ((k & 1023) === 0 && performance.now() - t0 > SPIN_MS) break;
      }
      while (s !== ST.posted) {
        if (Atomics.wait(i32, st, s, IDLE_YIELD_MS) === "timed-out") {
          // Long idle: let the event loop deliver messages (modules to drop).
          schedule();
          return;
        }
        s = Atomics.load(i32, st);
        const hint = Atomics.load(i32, (base + SLOT.wake) >> 2);
        if (s !== ST.posted && hint !== wakes) {
          // A wake() hint that kernels are coming: stay awake a while.
          wakes = hint;
          const t1 = performance.now();
          for (let k = 1; (s = Atomics.load(i32, st)) !== ST.posted; k++) {
            if ((k & 1023) === 0 && performance.now() - t1 > WAKE_SPIN_MS) break;
          }
        }
      }
    }
    // Module fields are only rewritten while the slot is not posted to us, so
    // any id read here belongs to a job posted to this worker: its module
    // message was sent before it.
    if (!haveModules()) return;
    if (Atomics.compareExchange(i32, st, ST.posted, ST.running) !== ST.posted) continue;
    if (!haveModules()) {
      // Claimed a newer job whose module has not arrived: hand it back.
      Atomics.store(i32, st, ST.posted);
      Atomics.notify(i32, st);
      return;
    }
    const ok = runJob();
    Atomics.store(i32, st, ok ? ST.done : ST.failed);
    Atomics.notify(i32, st);
  }
}

function onMessage(msg) {
  if (msg.type === "init") {
    i32 = new Int32Array(msg.control);
    f64 = new Float64Array(msg.control);
    u16 = new Uint16Array(msg.control);
    memory = msg.memory;
    base = JOB.bytes + msg.slot * SLOT.bytes;
    onExit(() => {
      Atomics.store(i32, (base + SLOT.dead) >> 2, 1);
      Atomics.notify(i32, (base + SLOT.state) >> 2);
    });
    Atomics.store(i32, (base + SLOT.ready) >> 2, 1);
    Atomics.notify(i32, (base + SLOT.ready) >> 2);
  } else if (msg.type === "module") {
    setModule(msg.id, instantiate(msg.module, msg.names));
  } else if (msg.type === "drop") {
    setModule(msg.id, null);
  }
  // Resume after the other queued messages (a blocked loop would hold them back).
  schedule();
}

${prelude}
`;
}
