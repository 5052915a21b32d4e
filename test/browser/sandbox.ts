/**
 * A browser-like global scope for running browser bundles in Node: a fresh
 * V8 context (its own Object, Array, WebAssembly...) given only the web
 * APIs a browser page has, and none of Node's (process, Buffer, require,
 * global, setImmediate...), so code that reaches for Node fails here as it
 * would in a browser. No Worker: kernels run on the page's thread.
 */
import vm from "node:vm";

export interface SandboxOptions {
  /**
   * A cross-origin isolated page (COOP/COEP headers): SharedArrayBuffer and
   * Atomics exist and crossOriginIsolated is true. Otherwise both are
   * removed, as browsers do for pages that are not isolated.
   */
  isolated: boolean;
}

export interface Sandbox {
  context: vm.Context;
  /** What the page wrote with console.log/warn/error. */
  logs: string[];
  /** Runs a classic script in the page; returns its completion value. */
  run(code: string, filename: string): unknown;
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
    navigator: { hardwareConcurrency: 4, userAgent: "jaxts-browser-sandbox" },
    location: new URL("https://example.test/index.html"),
    crossOriginIsolated: options.isolated,
  };
  const host = globalThis as unknown as Record<string, unknown>;
  for (const name of WEB_GLOBALS) {
    if (host[name] !== undefined) page[name] = host[name];
  }
  const context = vm.createContext(page, { name: "browser-sandbox" });
  // The context's own builtins (WebAssembly, SharedArrayBuffer...) come from V8;
  // window/self alias the global as on a page.
  vm.runInContext(
    `globalThis.window = globalThis; globalThis.self = globalThis;
     ${options.isolated ? "" : "delete globalThis.SharedArrayBuffer; delete globalThis.Atomics;"}`,
    context,
  );
  return {
    context,
    logs,
    run: (code, filename) => vm.runInContext(code, context, { filename }),
  };
}
