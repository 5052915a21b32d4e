/**
 * BROWSER ONLY: Web Workers from a Blob URL. Shared memory needs a
 * cross-origin isolated page (COOP/COEP headers); elsewhere the pool runs
 * everything on the calling thread.
 */
import type { Spawn } from "./threads.js";

interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: "error", listener: (e: { message?: string }) => void): void;
}

interface WebGlobals {
  Worker?: new (url: string, options?: { name?: string }) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL?: (blob: object) => string };
  crossOriginIsolated?: boolean;
}

const PRELUDE = `
function onExit(fn) {}
self.onmessage = (e) => onMessage(e.data);
`;

/** The browser's thread starter, or null without workers or cross-origin isolation. */
export function spawnWebThread(): Spawn | null {
  const g = globalThis as WebGlobals;
  const { Worker, Blob, URL } = g;
  if (Worker === undefined || Blob === undefined || URL?.createObjectURL === undefined) return null;
  if (g.crossOriginIsolated === false) return null;
  const urls = URL as { createObjectURL(blob: object): string };
  let url: string | null = null;
  return (program, onExit) => {
    url ??= urls.createObjectURL(new Blob([program(PRELUDE)], { type: "text/javascript" }));
    const worker = new Worker(url, { name: "jaxts-pool" });
    worker.addEventListener("error", (e) => onExit(`failed: ${e.message ?? "error"}`));
    return { post: (m) => worker.postMessage(m), terminate: () => worker.terminate() };
  };
}
