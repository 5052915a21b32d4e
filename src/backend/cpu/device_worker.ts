/**
 * NODE-ONLY: the entry of a CPU device worker thread (see worker_pool.ts).
 * It loads jaxts (all primitives register themselves on import), then runs
 * each shard request and replies on its port before marking itself done in
 * the run's shared control area, which is what the blocked caller waits on.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import type { RunReply, RunRequest } from "../../devices/collectives.js";

const { replies } = workerData as { replies: MessagePort };

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

function finish(req: RunRequest, reply: RunReply): void {
  replies.postMessage(reply);
  const ctl = new Int32Array(req.control);
  // Collectives.CONTROL.done, without loading the module when loading failed.
  const DONE = 3;
  Atomics.store(ctl, DONE + req.index, reply.ok ? 1 : 2);
  Atomics.notify(ctl, DONE + req.index);
}

function failure(e: unknown): RunReply {
  const err = e instanceof Error ? e : new Error(String(e));
  return { ok: false, message: err.message, stack: err.stack ?? "", aborted: false };
}

let queue: Promise<void> = Promise.resolve();

parentPort!.on("message", (req: RunRequest & { imports: string[] }) => {
  queue = queue.then(async () => {
    let run: Runner;
    try {
      run = await ready;
      for (const url of req.imports) await import(url);
    } catch (e) {
      // Stop the other devices too, as a failing shard does.
      const ctl = new Int32Array(req.control);
      Atomics.compareExchange(ctl, 2, 0, req.index + 1);
      Atomics.notify(ctl, 1);
      finish(req, failure(e));
      return;
    }
    finish(req, run(req));
  });
});
