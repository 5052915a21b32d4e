/**
 * `config.jaxts_max_memory_mb` bounds the CPU backend's WebAssembly memory
 * (which never shrinks): loops that drop large outputs, jitted or eager,
 * synchronous or yielding, stay under it with correct results; freed blocks
 * of other sizes are merged to serve a larger request; a request over the cap
 * is a RangeError naming it, after which the backend works; the setting and
 * its environment variable are validated.
 *
 * Its own file: the memory must start small (see memory.test.ts for 2 GiB+).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installCompiler } from "../../src/backend/cpu/compiler/install.js";
import { alloc, free, memoryStats } from "../../src/backend/cpu/memory.js";
import { type Array, type ArrayImpl, hostValues } from "../../src/core/array.js";
import { config, jit, numpy as jnp } from "../../src/index.js";

const CAP_MB = 48;
const CAP = CAP_MB * 2 ** 20;

let prevCompile = true;
beforeAll(() => {
  installCompiler();
  prevCompile = config.read("jaxts_compile");
  config.update("jaxts_compile", true);
  // Set before the memory first grows past it (it cannot shrink).
  expect(memoryStats().memoryBytes).toBeLessThan(CAP / 2);
  config.update("jaxts_max_memory_mb", CAP_MB);
});
afterAll(() => {
  config.update("jaxts_max_memory_mb", 0);
  config.update("jaxts_compile", prevCompile);
});

const N = 1_000_000; // 4 MB float32 outputs
const body = (x: Array) => jnp.add(jnp.multiply(x, 2), 1);
const x = jnp.arange(N);
const at = (a: Array, i: number): number => hostValues(a as ArrayImpl)[i]!;

describe("jaxts_max_memory_mb", () => {
  for (const [name, f, steps] of [
    ["jitted", jit(body), 150],
    ["eager", body, 60],
  ] as const) {
    it(`keeps a synchronous loop of ${name} 1e6-element results under the cap`, () => {
      const kept: Array[] = [];
      for (let i = 0; i < steps; i++) {
        const y = f(x) as Array;
        if (i % 20 === 0) kept.push(y); // some results outlive the loop
        expect(memoryStats().memoryBytes).toBeLessThanOrEqual(CAP);
      }
      for (const y of kept) {
        expect(at(y, 0)).toBe(1);
        expect(at(y, 123456)).toBe(246913);
        expect(at(y, N - 1)).toBe(2 * (N - 1) + 1);
      }
      expect(memoryStats().limitBytes).toBe(CAP);
    });
  }

  it("keeps a yielding loop under the cap", async () => {
    const f = jit((a: Array) => jnp.tanh(a));
    const ones = jnp.ones([N]);
    for (let i = 0; i < 120; i++) {
      const y = f(ones) as Array;
      if (i % 40 === 0) expect(at(y, N - 1)).toBeCloseTo(Math.tanh(1), 6);
      if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(memoryStats().memoryBytes).toBeLessThanOrEqual(CAP);
  });

  it("merges free blocks of other sizes to serve a larger request", () => {
    const blocks: number[] = [];
    // Fill all the room under the cap with 1 MiB blocks, then free them.
    for (;;) {
      try {
        blocks.push(alloc(2 ** 20));
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        break;
      }
    }
    expect(blocks.length).toBeGreaterThan(8);
    for (const b of blocks) free(b);
    const want = Math.floor(blocks.length * 0.6) * 2 ** 20;
    const big = alloc(want); // no pooled block of its class, no room above: merged ones
    expect(memoryStats().memoryBytes).toBeLessThanOrEqual(CAP);
    free(big);
    expect(at(jit(body)(x) as Array, 7)).toBe(15);
  });

  it("throws a RangeError naming the cap for a request over it, then works", () => {
    const big = jit((a: Array) => jnp.broadcastTo(a, [16 * 2 ** 20])); // 64 MiB
    const one = jnp.array(2.5);
    expect(() => big(one)).toThrow(RangeError);
    expect(() => big(one)).toThrow(
      /out of memory: cannot allocate 67108864 bytes .*under the cap jaxts_max_memory_mb = 48.*raise jaxts_max_memory_mb/,
    );
    expect(at(jit(body)(x) as Array, 9)).toBe(19);
    expect(memoryStats().memoryBytes).toBeLessThanOrEqual(CAP);
  });

  it("validates the setting", () => {
    for (const bad of [-1, 8, 15, 4097, 1.5, Number.NaN]) {
      expect(() => config.update("jaxts_max_memory_mb", bad)).toThrow(
        /jaxts_max_memory_mb.*0 \(no cap but WebAssembly's 4096 MiB\)|non-negative integer/,
      );
    }
    expect(() => config.update("jaxts_max_memory_mb", "64" as unknown as number)).toThrow(
      TypeError,
    );
    expect(config.read("jaxts_max_memory_mb")).toBe(CAP_MB);
  });

  it("validates JAXTS_MAX_MEMORY_MB", () => {
    const configUrl = new URL("../../src/config.ts", import.meta.url).href;
    const run = (value: string) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `const { config } = await import(${JSON.stringify(configUrl)});` +
            `console.log(config.read("jaxts_max_memory_mb"));`,
        ],
        {
          cwd: fileURLToPath(new URL("../..", import.meta.url)),
          env: { ...process.env, JAXTS_MAX_MEMORY_MB: value },
          encoding: "utf8",
        },
      );
    const ok = run("512");
    expect(ok.stdout.trim()).toBe("512");
    const bad = run("lots");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(
      /JAXTS_MAX_MEMORY_MB must be 0 .* or an integer from 16 to 4096, got 'lots'/,
    );
  }, 30_000);
});
