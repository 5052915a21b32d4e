/**
 * How the pool starts threads: one small interface, implemented for Node
 * (threads_node.ts) and browsers (threads_web.ts), picked at run time.
 */
import { spawnNodeThread } from "./threads_node.js";
import { spawnWebThread } from "./threads_web.js";

/** A started worker thread running the pool's worker program. */
export interface Thread {
  post(message: unknown): void;
  terminate(): void;
}

/**
 * Starts a thread running `source` (built by workerSource with a prelude for
 * the platform); `onExit` runs on the caller's event loop when it ends.
 * Threads never keep the process alive.
 */
export type Spawn = (program: (prelude: string) => string, onExit: (why: string) => void) => Thread;

let chosen: Spawn | null | undefined;

/** The platform's way to start threads, or null where there is none. */
export function threadSpawner(): Spawn | null {
  if (chosen === undefined) chosen = spawnNodeThread() ?? spawnWebThread();
  return chosen;
}
