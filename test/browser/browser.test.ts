/**
 * The library runs in browsers: its browser bundle imports no Node module and
 * names no Node global unguarded, and a program bundled for the browser runs
 * in a page-like sandbox without Node's globals (with and without
 * SharedArrayBuffer, i.e. cross-origin isolated or not) and computes what
 * the same program computes in Node.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, unguardedNodeGlobals } from "./bundle.js";
import { type ProgramResult, runProgram } from "./program.js";
import { browserSandbox } from "./sandbox.js";

const PAGE_URL = "https://example.test/app.js";

describe("browser bundle of src/index.ts", () => {
  let bundle: Awaited<ReturnType<typeof bundleForBrowser>>;
  beforeAll(async () => {
    bundle = await bundleForBrowser("src/index.ts");
  });

  it("imports no Node built-in module", () => {
    expect(bundle.code.length).toBeGreaterThan(100_000);
    expect(bundle.nodeImports).toEqual([]);
  });

  it("names no Node global (process, Buffer, require...) without a typeof guard", () => {
    expect(unguardedNodeGlobals(bundle.code)).toEqual([]);
  });
});

describe("the bundle checks find what they look for", () => {
  it("reports static and dynamic imports of Node built-ins with their importer", async () => {
    const b = await bundleForBrowser({
      contents: `import { readFileSync } from "node:fs";
        import os from "os";
        export const f = () => [readFileSync, os, import("node:worker_threads")];`,
    });
    expect(b.nodeImports.map((i) => `${i.path} ${i.kind} ${i.importer}`).sort()).toEqual([
      "node:fs import-statement <stdin>",
      "node:worker_threads dynamic-import <stdin>",
      "os import-statement <stdin>",
    ]);
  });

  it("reports free Node globals, not guarded, shadowed or quoted ones", () => {
    const code = `// src/a.ts
      const env = process.env.X;
      const ok = typeof process !== "undefined" && globalThis.process?.versions;
      function load(require) { return require("x"); }
      const text = "Buffer.from(s)", tpl = \`\${Buffer.byteLength(text)} global\`;
      const o = { setImmediate, process: 1 };
      // src/b.ts
      if (typeof require === "function") global.x = __dirname;`;
    const uses = unguardedNodeGlobals(code).map((u) => `${u.name} ${u.source}`);
    expect(uses).toEqual([
      "process src/a.ts",
      "Buffer src/a.ts",
      "setImmediate src/a.ts",
      "global src/b.ts",
      "__dirname src/b.ts",
    ]);
  });
});

/** Relative and absolute tolerance for float32 results that may be summed in another order. */
function expectClose(actual: number[], expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const bad = actual.findIndex(
    (a, i) => !(Math.abs(a - expected[i]!) <= 1e-5 + 1e-4 * Math.abs(expected[i]!)),
  );
  expect(bad, `${what}[${bad}]: ${actual[bad]} vs ${expected[bad]}`).toBe(-1);
}

describe("a program bundled for the browser, run in a page without Node", () => {
  let inNode: ProgramResult;
  let code: string;
  beforeAll(async () => {
    inNode = runProgram();
    const b = await bundleForBrowser("test/browser/program_entry.ts", PAGE_URL);
    expect(b.nodeImports).toEqual([]);
    code = b.code;
  });

  it("computes consistently in Node (the reference for the sandbox runs)", () => {
    const n = inNode.numbers;
    expectClose(n.gradJit!, n.gradEager!, "jit(grad) vs grad");
    expectClose(n.perExampleMean!, n.gradJit!, "mean of vmap per-example grads vs batch grad");
    const losses = n.losses!;
    expect(losses.at(-1)!).toBeLessThan(0.5 * n.firstLossBefore![0]!);
  });

  for (const isolated of [false, true]) {
    const page = isolated
      ? "cross-origin isolated (SharedArrayBuffer, shared memory, no Worker)"
      : "not isolated (no SharedArrayBuffer/Atomics: ordinary memory whose views detach on growth)";
    it(`runs in a page ${page} and matches Node`, () => {
      const sandbox = browserSandbox({ isolated });
      sandbox.run(code, PAGE_URL);
      expect(sandbox.logs).toEqual([]);
      const json = sandbox.run("globalThis.jaxtsProgramResult", "result.js");
      const r = JSON.parse(json as string) as ProgramResult;

      expect(r.platform.sharedMemory).toBe(isolated);
      expect(r.platform.parallel).toBe(false);
      // The memory grew past its initial 1 MiB while earlier outputs were held.
      expect(r.platform.memoryBytes).toBeGreaterThan(2 << 20);
      expect(r.numbers.firstLossAfter).toEqual(r.numbers.firstLossBefore);
      expect(r.numbers.g0After).toEqual(r.numbers.gradJit);

      expect(r.printed).toEqual(inNode.printed);
      for (const [k, v] of Object.entries(inNode.numbers)) expectClose(r.numbers[k]!, v, k);
    });
  }

  const devicesProgram = `
    import { deviceCount, devicePut, numpy as jnp, pmap } from "./src/index.js";
    const x = jnp.arange(6).reshape(1, 6);
    globalThis.jaxtsDevices = JSON.stringify({
      count: deviceCount(),
      put: devicePut(x).toArray(),
      pmap: pmap((v) => v.mul(2))(x).toArray(),
    });`;
  const runDevices = async (isolated: boolean) => {
    const b = await bundleForBrowser({ contents: devicesProgram }, PAGE_URL);
    const sandbox = browserSandbox({ isolated });
    sandbox.run(b.code, PAGE_URL);
    return JSON.parse(sandbox.run("globalThis.jaxtsDevices", "devices.js") as string);
  };
  const devicesExpected = { count: 1, put: [[0, 1, 2, 3, 4, 5]], pmap: [[0, 2, 4, 6, 8, 10]] };

  it("has one device, devicePut and pmap in an isolated page", async () => {
    expect(await runDevices(true)).toEqual(devicesExpected);
  });

  // Known bug: src/devices/device.ts sharedRef names SharedArrayBuffer
  // unguarded (instanceof, new), so devicePut throws a ReferenceError where
  // it does not exist. Make this a plain `it` once it is fixed.
  it.fails("has one device, devicePut and pmap in a page that is not isolated", async () => {
    expect(await runDevices(false)).toEqual(devicesExpected);
  });
});
