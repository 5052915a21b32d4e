/**
 * A browser-like global scope for running browser bundles in Node: a fresh
 * V8 context (its own Object, Array, WebAssembly...) given only the web
 * APIs a browser page has, and none of Node's (process, Buffer, require,
 * global, setImmediate...), so code that reaches for Node fails here as it
 * would in a browser. Without `workers`, there is no Worker: kernels run on
 * the page's thread.
 */
import vm from "node:vm";
import { Worker as NodeWorker } from "node:worker_threads";

export interface SandboxOptions {
  /**
   * A cross-origin isolated page (COOP/COEP headers): SharedArrayBuffer and
   * Atomics exist and crossOriginIsolated is true. Otherwise both are
   * removed, as browsers do for pages that are not isolated.
   */
  isolated: boolean;
  /**
   * Give the page `Worker` (for Blob URLs of classic scripts, run on Node
   * worker threads with a web-style `self.onmessage`/`postMessage`) and make
   * Atomics.wait throw on the page's thread as browsers do.
   */
  workers?: boolean;
  /** navigator.hardwareConcurrency (default 4): the library's default thread count. */
  cores?: number;
}

export interface Sandbox {
  context: vm.Context;
  /** What the page wrote with console.log/warn/error. */
  logs: string[];
  /** Runs a classic script in the page; returns its completion value. */
  run(code: string, filename: string): unknown;
  /**
   * Runs a bundled ES module without exports (import.meta.url defined away)
   * with a module's scoping: strict, its top-level names private, top-level
   * await allowed. Resolves when its body has run.
   */
  runModule(code: string, url: string): Promise<void>;
  /** Ends the page's workers. */
  close(): Promise<void>;
}

/** Web APIs Node shares with browsers, passed through by reference. */
const WEB_GLOBALS = [
  "TextEncoder",
  "TextDecoder",
  "URL",
  "URLSearchParams",
  "Blob",
  "AbortController",
  "AbortSignal",
  "Event",
  "EventTarget",
  "MessageChannel",
  "MessagePort",
  "BroadcastChannel",
  "performance",
  "crypto",
  "fetch",
  "structuredClone",
  "atob",
  "btoa",
  "queueMicrotask",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
] as const;

export function browserSandbox(options: SandboxOptions): Sandbox {
  const logs: string[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]): void => {
      logs.push(`${level}${args.map(String).join(" ")}`);
    };
  const page: Record<string, unknown> = {
    console: {
      log: record(""),
      info: record(""),
      debug: record(""),
      warn: record("warn: "),
      error: record("error: "),
    },
    navigator: { hardwareConcurrency: options.cores ?? 4, userAgent: "jaxts-browser-sandbox" },
    location: new URL("https://example.test/index.html"),
    crossOriginIsolated: options.isolated,
  };
  const host = globalThis as unknown as Record<string, unknown>;
  for (const name of WEB_GLOBALS) {
    if (host[name] !== undefined) page[name] = host[name];
  }
  const threads: NodeWorker[] = [];
  if (options.workers) Object.assign(page, webWorkers(threads));
  const context = vm.createContext(page, { name: "browser-sandbox" });
  // The context's own builtins (WebAssembly, SharedArrayBuffer...) come from V8;
  // window/self alias the global as on a page.
  vm.runInContext(
    `globalThis.window = globalThis; globalThis.self = globalThis;
     ${options.isolated ? "" : "delete globalThis.SharedArrayBuffer; delete globalThis.Atomics;"}
     ${options.workers ? MAIN_THREAD_ATOMICS : ""}`,
    context,
  );
  return {
    context,
    logs,
    run: (code, filename) => vm.runInContext(code, context, { filename }),
    runModule: async (code, url) => {
      if (/^(import|export)[\s{*]/m.test(code) || /\bimport\.meta\b/.test(code)) {
        throw new Error(
          `runModule(${url}): the bundle still imports, exports or names import.meta`,
        );
      }
      // On one line, so that the module's line numbers stay right in stack traces.
      const wrapped = `(async () => { "use strict"; ${code}\n})()`;
      await (vm.runInContext(wrapped, context, { filename: url }) as Promise<void>);
    },
    close: async () => {
      await Promise.all(threads.map((t) => t.terminate()));
    },
  };
}

/** Browsers refuse to block the page's thread. */
const MAIN_THREAD_ATOMICS = `{
  Atomics.wait = function wait() {
    throw new TypeError("Atomics.wait cannot be called in this context");
  };
}`;

/** Sets up a worker thread as a dedicated web worker scope before the page's script runs. */
const WORKER_PRELUDE = `
const { parentPort } = require("node:worker_threads");
globalThis.self = globalThis;
let handler = null;
Object.defineProperty(globalThis, "onmessage", {
  get: () => handler,
  set: (f) => { handler = f; },
});
parentPort.on("message", (data) => handler?.({ data }));
globalThis.postMessage = (m) => parentPort.postMessage(m);
`;

interface WorkerEvent {
  message?: string;
}

/** Worker, Blob and URL.createObjectURL for classic-script Blob URLs, on Node worker threads. */
function webWorkers(threads: NodeWorker[]): Record<string, unknown> {
  const texts = new WeakMap<Blob, string>();
  const scripts = new Map<string, string>();
  class PageBlob extends Blob {
    constructor(parts: string[], options?: BlobPropertyBag) {
      super(parts, options);
      texts.set(this, parts.join(""));
    }
  }
  class PageURL extends URL {
    static override createObjectURL(blob: Blob): string {
      const url = URL.createObjectURL(blob);
      scripts.set(url, texts.get(blob) ?? "");
      return url;
    }
  }
  class PageWorker {
    private readonly thread: NodeWorker;
    constructor(url: string) {
      const source = scripts.get(url);
      if (source === undefined) throw new TypeError(`sandbox Worker: unknown script URL ${url}`);
      this.thread = new NodeWorker(WORKER_PRELUDE + source, { eval: true });
      this.thread.unref();
      threads.push(this.thread);
    }
    postMessage(message: unknown): void {
      this.thread.postMessage(message);
    }
    terminate(): void {
      void this.thread.terminate();
    }
    addEventListener(type: string, listener: (e: WorkerEvent) => void): void {
      if (type === "error") this.thread.on("error", (e: Error) => listener({ message: e.message }));
    }
  }
  return { Worker: PageWorker, Blob: PageBlob, URL: PageURL };
}
