/**
 * NODE-ONLY: the entry of a CPU device worker thread (see worker_pool.ts).
 * It loads jaxts (all primitives register themselves on import), marks
 * itself ready in its status area, then runs each shard request arriving on
 * its `requests` port and replies on its `replies` port before marking itself
 * done in the run's shared control area, which is what the blocked caller
 * waits on.
 *
 * If the library fails to load, the worker ends with that error (an uncaught
 * exception): the device supervisor reports it as a failure to start and the
 * next call starts a fresh worker. A module from `importOnDevices` that fails
 * to import fails the run it arrived with, naming the module (the caller then
 * drops it from the list, so that it is reported once).
 */
import { type MessagePort, workerData } from "node:worker_threads";
import type { RunReply, RunRequest } from "../../devices/collectives.js";

const { requests, replies, status } = workerData as {
  requests: MessagePort;
  replies: MessagePort;
  status: SharedArrayBuffer;
};

type Runner = (req: RunRequest) => RunReply;

const ready: Promise<Runner> = (async () => {
  const { config } = await import("../../index.js");
  // The devices are the parallelism: kernels inside one run on its own thread only.
  config.update("jaxts_threads", 1);
  const pool = await import("./worker_pool.js");
  pool.markDeviceThread();
  const { runShard } = await import("../../devices/collectives.js");
  return runShard;
})();

ready.then(
  // STATUS.ready (device_supervisor.ts), without importing it before the library loaded.
  () => Atomics.store(new Int32Array(status), 1, 1),
  (e: unknown) => {
    // A failure to start ends the worker with its error (the supervisor reports it).
    queueMicrotask(() => {
      throw e;
    });
  },
);

function finish(req: RunRequest, reply: RunReply): void {
  replies.postMessage(reply);
  const ctl = new Int32Array(req.control);
  // CONTROL.done (collectives.ts), without loading the module when loading failed.
  const DONE = 3;
  Atomics.store(ctl, DONE + req.index, reply.ok ? 1 : 2);
  Atomics.notify(ctl, DONE + req.index);
}

type Failure = Extract<RunReply, { ok: false }>;

function failure(e: unknown, what: string): Failure {
  const err = e instanceof Error ? e : new Error(String(e));
  return { ok: false, message: `${what}${err.message}`, stack: err.stack ?? "", aborted: false };
}

let queue: Promise<void> = Promise.resolve();

requests.on("message", (req: RunRequest & { imports: string[] }) => {
  queue = queue.then(async () => {
    let run: Runner;
    try {
      run = await ready;
    } catch {
      return; // the worker is ending with the error; the supervisor fails the run
    }
    // Every module is tried; the first that fails to import fails this run.
    let failed: Failure | null = null;
    for (const url of req.imports) {
      try {
        await import(url);
      } catch (e) {
        failed ??= {
          ...failure(e, `importing ${url} (importOnDevices) failed: `),
          failedImport: url,
        };
      }
    }
    if (failed !== null) {
      // Stop the other devices too, as a failing shard does (CONTROL.abort, CONTROL.generation).
      const ctl = new Int32Array(req.control);
      Atomics.compareExchange(ctl, 2, 0, req.index + 1);
      Atomics.notify(ctl, 1);
      finish(req, failed);
      return;
    }
    finish(req, run(req));
  });
});
