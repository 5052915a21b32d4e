/**
 * NODE ONLY: worker_threads, reached through process.getBuiltinModule so that
 * nothing in the library imports "node:*" statically (browsers load this file
 * too and get null).
 */
import type { Spawn } from "./threads.js";

interface NodeWorker {
  postMessage(message: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
  on(event: "exit", listener: (code: number) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
}

interface WorkerThreadsModule {
  Worker: new (
    source: string,
    options: { eval: true; name?: string; stdout?: boolean; execArgv?: string[] },
  ) => NodeWorker;
}

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
}

const PRELUDE = `
// (process.getBuiltinModule, not require: it works whether the program runs
// as CommonJS or as an ES module.)
const builtin = (id) => process.getBuiltinModule(id);
function onExit(fn) { process.on("exit", fn); }
builtin("node:worker_threads").parentPort.on("message", onMessage);
`;

/** Node's thread starter, or null outside Node (or a Node without getBuiltinModule). */
export function spawnNodeThread(): Spawn | null {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const wt = proc?.getBuiltinModule?.("node:worker_threads") as WorkerThreadsModule | undefined;
  if (wt === undefined) return null;
  return (program, onExit) => {
    // Its own flags, not the parent's (e.g. `--input-type=module -e` is for the
    // parent's program only); the program needs none.
    const worker = new wt.Worker(program(PRELUDE), {
      eval: true,
      name: "jaxts-pool",
      execArgv: [],
    });
    // An idle pool never keeps the process alive; a busy one is waited for
    // synchronously by the caller anyway.
    worker.unref();
    worker.on("exit", (code) => onExit(`exited with code ${code}`));
    worker.on("error", (e) => onExit(`failed: ${e.message}`));
    return {
      post: (m) => worker.postMessage(m),
      terminate: () => void worker.terminate(),
    };
  };
}
