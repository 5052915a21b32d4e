/**
 * The library runs in browsers: its browser bundle imports no Node module and
 * names no Node global unguarded, and a program bundled for the browser runs
 * in a page-like sandbox without Node's globals (with and without
 * SharedArrayBuffer, i.e. cross-origin isolated or not) and computes what
 * the same program computes in Node.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, unguardedNodeGlobals } from "./bundle.js";
import { type ProgramResult, runProgram } from "./program.js";
import { browserSandbox, type Sandbox, type SandboxOptions } from "./sandbox.js";

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
  // Bundles are files, so that the page's Web Workers can import them by URL.
  const dir = mkdtempSync(join(tmpdir(), "jaxts-browser-"));
  const sandboxes: Sandbox[] = [];
  const open = (options: SandboxOptions) => {
    const s = browserSandbox(options);
    sandboxes.push(s);
    return s;
  };
  /** Bundles `entry` to a file; returns its code and the URL it is at. */
  const bundleFile = async (entry: string | { contents: string }, name: string) => {
    const url = pathToFileURL(join(dir, name)).href;
    const b = await bundleForBrowser(entry, url);
    expect(b.nodeImports).toEqual([]);
    writeFileSync(join(dir, name), b.code);
    return { code: b.code, url };
  };
  let program: { code: string; url: string };
  beforeAll(async () => {
    inNode = runProgram();
    program = await bundleFile("test/browser/program_entry.ts", "program.mjs");
  });
  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("computes consistently in Node (the reference for the sandbox runs)", () => {
    const n = inNode.numbers;
    expectClose(n.gradJit!, n.gradEager!, "jit(grad) vs grad");
    expectClose(n.perExampleMean!, n.gradJit!, "mean of vmap per-example grads vs batch grad");
    const losses = n.losses!;
    expect(losses.at(-1)!).toBeLessThan(0.5 * n.firstLossBefore![0]!);
  });

  const pages: [string, SandboxOptions][] = [
    [
      "not isolated (no SharedArrayBuffer/Atomics: ordinary memory whose views detach on growth)",
      { isolated: false },
    ],
    ["cross-origin isolated, without Worker (shared memory, one thread)", { isolated: true }],
    [
      "cross-origin isolated with Web Workers (kernels split over 2 threads, page may not block)",
      { isolated: true, workers: true, cores: 2 },
    ],
  ];
  for (const [page, options] of pages) {
    it(`runs in a page ${page} and matches Node`, async () => {
      const sandbox = open(options);
      await sandbox.runModule(program.code, program.url);
      expect(sandbox.logs).toEqual([]);
      const json = sandbox.run("globalThis.jaxtsProgramResult", "result.js");
      const r = JSON.parse(json as string) as ProgramResult;

      expect(r.platform.sharedMemory).toBe(options.isolated);
      expect(r.platform.parallel).toBe(options.workers === true);
      if (options.workers) expect(r.platform.workerChunks).toBeGreaterThan(0);
      expect(r.platform.workersLost).toEqual([]);
      // The memory grew past its initial 1 MiB while earlier outputs were held.
      expect(r.platform.memoryBytes).toBeGreaterThan(2 << 20);
      expect(r.numbers.firstLossAfter).toEqual(r.numbers.firstLossBefore);
      expect(r.numbers.g0After).toEqual(r.numbers.gradJit);

      expect(r.printed).toEqual(inNode.printed);
      for (const [k, v] of Object.entries(inNode.numbers)) expectClose(r.numbers[k]!, v, k);
    });
  }

  // The parallel GEMM once was a script kernel that workers imported by its
  // import.meta.url, which bundled is the bundle itself (no such export):
  // every large jitted matmul after the workers loaded it threw.
  it("repeats a large jitted matmul with Web Workers", async () => {
    const probe = await bundleFile(
      {
        contents: `
          import { jit, random } from "./src/index.js";
          const a = random.normal(random.PRNGKey(1), [512, 512]);
          const mm = jit((a, b) => a.matmul(b));
          const first = mm(a, a).get(0, ":4").toArray();
          globalThis.jaxtsMatmul = async () => {
            // Up to 5 s, letting the workers take in the kernel between calls.
            for (let i = 0; i < 20; i++) {
              await new Promise((resolve) => setTimeout(resolve, 250));
              const again = mm(a, a).get(0, ":4").toArray();
              if (JSON.stringify(again) !== JSON.stringify(first)) throw new Error("changed");
            }
            return first;
          };`,
      },
      "matmul.mjs",
    );
    const sandbox = open({ isolated: true, workers: true, cores: 2 });
    await sandbox.runModule(probe.code, probe.url);
    const first = (await sandbox.run("jaxtsMatmul()", "matmul.js")) as number[];
    expect(first.length).toBe(4);
  });

  const devicesProgram = `
    import { deviceCount, devicePut, numpy as jnp, pmap } from "./src/index.js";
    const x = jnp.arange(6).reshape(1, 6);
    globalThis.jaxtsDevices = JSON.stringify({
      count: deviceCount(),
      put: devicePut(x).toArray(),
      pmap: pmap((v) => v.mul(2))(x).toArray(),
    });`;
  const runDevices = async (isolated: boolean) => {
    const b = await bundleFile({ contents: devicesProgram }, `devices-${isolated}.mjs`);
    const sandbox = open({ isolated });
    await sandbox.runModule(b.code, b.url);
    return JSON.parse(sandbox.run("globalThis.jaxtsDevices", "devices.js") as string);
  };
  const devicesExpected = { count: 1, put: [[0, 1, 2, 3, 4, 5]], pmap: [[0, 2, 4, 6, 8, 10]] };

  it("has one device, devicePut and pmap in an isolated page", async () => {
    expect(await runDevices(true)).toEqual(devicesExpected);
  });

  // Without SharedArrayBuffer, device buffers are ordinary ArrayBuffers.
  it("has one device, devicePut and pmap in a page that is not isolated", async () => {
    expect(await runDevices(false)).toEqual(devicesExpected);
  });

  it("says that a page has one device when more are asked for", async () => {
    const b = await bundleFile(
      {
        contents: `
          import { config, devices, numpy as jnp, pmap } from "./src/index.js";
          const message = (f) => { try { f(); return "no error"; } catch (e) { return e.message; } };
          const pmapped = message(() => pmap((v) => v.mul(2))(jnp.ones([2, 3])));
          config.update("jaxts_cpu_devices", 2);
          const asked = message(() => devices());
          config.update("jaxts_cpu_devices", 1);
          globalThis.jaxtsMessages = JSON.stringify({ pmapped, asked, count: devices().length });`,
      },
      "device-count.mjs",
    );
    for (const isolated of [false, true]) {
      const sandbox = open({ isolated });
      await sandbox.runModule(b.code, b.url);
      const r = JSON.parse(sandbox.run("globalThis.jaxtsMessages", "messages.js") as string);
      expect(r.pmapped).toMatch(/mapped axis has size 2, but there are 1 devices/);
      expect(r.pmapped).toMatch(/single CPU device: map with vmap instead/);
      expect(r.pmapped).not.toMatch(/jaxts_cpu_devices/);
      expect(r.asked).toMatch(
        /jaxts_cpu_devices is 2, but this JavaScript runtime has a single CPU device/,
      );
      expect(r.count).toBe(1);
    }
  });
});
