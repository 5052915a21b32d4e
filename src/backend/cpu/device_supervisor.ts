/**
 * NODE-ONLY: the device supervisor, a small thread that starts the CPU
 * device workers and watches them (see worker_pool.ts).
 *
 * Why a thread of its own: a pmap call blocks the main thread in
 * `Atomics.wait` until every device is done, so the main thread's event loop
 * cannot see a device's 'error' or 'exit' event while it waits. The
 * supervisor's event loop never blocks: when a device dies (an uncaught
 * asynchronous throw, `process.exit`, a failure to start), it posts the cause
 * to the main thread, marks the device dead in its status word, and, if the
 * device was part of a run, marks it failed in that run's control area (done
 * = STOPPED), sets the run's abort flag and wakes everyone — the caller and
 * the other devices waiting at a collective — at once.
 *
 * Plain JavaScript evaluated as CommonJS (`eval: true`, `execArgv: []`), so it
 * starts whatever flags the parent process was given.
 *
 * Messages from the main thread:
 * - `{ type: "spawn", key, entry, eval, execArgv, workerData, transfer }`:
 *   starts a device worker (`key` names it in the events it posts);
 *   `workerData.status` is its Int32 status area (STATUS below).
 * - `{ type: "run", keys, control }`: device keys[i] is member i of the run
 *   whose control area is `control` (a device already dead is marked at once).
 * - `{ type: "stop", key }`: terminates that device and forgets it.
 * Events to the main thread (its `events` port, read with receiveMessageOnPort):
 * - `{ key, cause, stack }` when a device has stopped.
 */
import { CONTROL } from "../../devices/collectives.js";

/** A device's status area (Int32 words), written by the device and the supervisor. */
export const STATUS = {
  /** 1 once the device has stopped (set by the supervisor, after posting the cause). */
  dead: 0,
  /** 1 once the device has loaded the library and listens for runs (set by the device). */
  ready: 1,
  words: 2,
} as const;

/** `done[i]` of a run's control area for a device that stopped (1 finished, 2 raised). */
export const STOPPED = 3;

export const SUPERVISOR_SOURCE = `
const wt = require("node:worker_threads");
const { events } = wt.workerData;
const DONE = ${CONTROL.done}, ABORT = ${CONTROL.abort}, GENERATION = ${CONTROL.generation};
const DEAD = ${STATUS.dead}, READY = ${STATUS.ready}, STOPPED = ${STOPPED};
const devices = new Map();

function describe(e) {
  if (e instanceof Error) return e.name + ": " + e.message;
  return "a thrown " + typeof e + ": " + String(e);
}

function markRun(d) {
  if (d.run === null) return;
  const { ctl, index } = d.run;
  d.run = null;
  if (Atomics.compareExchange(ctl, DONE + index, 0, STOPPED) !== 0) return;
  Atomics.compareExchange(ctl, ABORT, 0, index + 1);
  Atomics.notify(ctl, GENERATION);
  Atomics.notify(ctl, DONE + index);
}

function died(key, why, stack) {
  const d = devices.get(key);
  if (d === undefined || d.dead) return;
  d.dead = true;
  const started = Atomics.load(d.status, READY) === 1;
  const cause = started ? why : "it failed to start: " + why;
  events.postMessage({ key, cause, stack });
  Atomics.store(d.status, DEAD, 1);
  markRun(d);
}

function spawn(m) {
  const d = { worker: null, status: new Int32Array(m.workerData.status), run: null, dead: false, error: null };
  devices.set(m.key, d);
  try {
    d.worker = new wt.Worker(m.eval ? m.entry : new URL(m.entry), {
      eval: m.eval,
      execArgv: m.execArgv,
      workerData: m.workerData,
      transferList: m.transfer,
    });
  } catch (e) {
    died(m.key, describe(e), String(e && e.stack));
    return;
  }
  d.worker.on("error", (e) => {
    const started = Atomics.load(d.status, READY) === 1;
    d.error ??= { why: (started ? "uncaught " : "") + describe(e), stack: String(e && e.stack) };
  });
  d.worker.on("exit", (code) => {
    if (d.error !== null) died(m.key, d.error.why, d.error.stack);
    else died(m.key, "it exited with code " + code, "");
  });
}

wt.parentPort.on("message", (m) => {
  if (m.type === "spawn") spawn(m);
  else if (m.type === "run") {
    const ctl = new Int32Array(m.control);
    m.keys.forEach((key, index) => {
      const d = devices.get(key);
      if (d === undefined) return;
      d.run = { ctl, index };
      if (d.dead) markRun(d);
    });
  } else if (m.type === "stop") {
    const d = devices.get(m.key);
    devices.delete(m.key);
    if (d !== undefined && d.worker !== null && !d.dead) d.worker.terminate();
  }
});

// Should the supervisor itself stop, no run is left waiting for a device it watched.
process.on("exit", () => {
  for (const [key, d] of devices) died(key, "its supervisor thread stopped", "");
});
`;
