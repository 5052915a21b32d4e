import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  getThreads,
  partition,
  poolFor,
  setThreads,
  ThreadPool,
} from "../../src/backend/cpu/pool.js";
import type { Thread } from "../../src/backend/cpu/threads.js";
import { ModuleBuilder } from "../../src/backend/wasm/emitter.js";
import { config } from "../../src/config.js";
import { testModule } from "./pool_kernels.js";

// Every thread the pool starts, so a test can end one behind its back.
const started: Thread[] = vi.hoisted(() => []);
vi.mock("../../src/backend/cpu/threads.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/backend/cpu/threads.js")>();
  return {
    ...real,
    threadSpawner: () => {
      const spawn = real.threadSpawner();
      if (spawn === null) return null;
      return (program: (prelude: string) => string, onExit: (why: string) => void) => {
        const t = spawn(program, onExit);
        started.push(t);
        return t;
      };
    },
  };
});

const mod = testModule();
const PAGE = 65536;

function sharedMemory(pages = 64): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true });
}

/** Deterministic values in [-2, 2), with a few negative ones that make sqrt NaN. */
function fill(heap: Float32Array, at: number, n: number, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    heap[at + i] = ((s >>> 0) / 2 ** 32) * 4 - 2;
  }
}

/** The affine kernel in float32 arithmetic. */
const affine = (x: number): number => {
  const f = Math.fround;
  return f(f(Math.sqrt(f(f(x * 1.5) + 0.25))) / f(x + 3));
};

/** Bits of a float32 range, for exact comparisons (NaN payloads included). */
const bits = (heap: Float32Array, at: number, n: number): Uint32Array =>
  new Uint32Array(heap.buffer, at * 4, n).slice();

// Pools made by a test, ended after it (poolFor's are reused across tests).
const pools: ThreadPool[] = [];
const newPool = (memory: WebAssembly.Memory, options?: { threads?: number }): ThreadPool => {
  const pool = new ThreadPool(memory, options);
  pools.push(pool);
  return pool;
};

afterEach(() => {
  setThreads(null);
  for (const p of pools.splice(0)) p.dispose();
});

describe("partition", () => {
  it("splits into near-equal aligned chunks covering the range", () => {
    expect(partition(10, 1, 1)).toEqual([0, 10]);
    expect(partition(10, 2, 1)).toEqual([0, 5, 10]);
    expect(partition(10, 3, 4)).toEqual([0, 4, 8, 10]);
    expect(partition(1000, 4, 16)).toEqual([0, 256, 496, 752, 1000]);
    // Chunks that would be empty after alignment are dropped.
    expect(partition(6, 4, 4)).toEqual([0, 4, 6]);
    expect(partition(3, 4, 4)).toEqual([0, 3]);
  });
});

describe("ThreadPool.parallelFor", () => {
  it("computes every element once, on workers and the caller", () => {
    const memory = sharedMemory();
    const pool = poolFor(memory);
    expect(pool.parallel).toBe(true);
    setThreads(3);
    const heap = new Float32Array(memory.buffer);
    for (const n of [1, 7, 64, 1001, 65536, 200_003]) {
      const src = 16;
      const dst = 16 + 262_144;
      fill(heap, src, n, n);
      heap.fill(Number.NaN, dst, dst + n + 8);
      heap[dst + n] = 12345; // just past the range: must stay untouched
      pool.parallelFor(mod, "affine", [src * 4, dst * 4], n, 1);
      // (toEqual counts NaN as equal to NaN, whatever its bits.)
      const want = Float32Array.from(heap.subarray(src, src + n), affine);
      expect(heap.subarray(dst, dst + n)).toEqual(want);
      expect(heap[dst + n]).toBe(12345);
    }
    expect(pool.stats().parallelCalls).toBeGreaterThan(0);
    expect(pool.stats().workersStarted).toBe(2);
  });

  it("gives identical bits for thread counts 1 to 4", () => {
    const memory = sharedMemory();
    const pool = newPool(memory);
    const heap = new Float32Array(memory.buffer);
    const n = 123_457;
    fill(heap, 0, n, 7);
    for (const kernel of ["affine", "exp"]) {
      const results: Uint32Array[] = [];
      for (const t of [1, 2, 3, 4]) {
        setThreads(t);
        heap.fill(0, n, 2 * n);
        pool.parallelFor(mod, kernel, [0, n * 4], n, 1000, { align: 4 });
        results.push(bits(heap, n, n));
      }
      for (const r of results.slice(1)) expect(r).toEqual(results[0]);
      // The exp kernel calls the imported Math.exp on every thread.
      if (kernel === "exp") {
        for (let i = 0; i < n; i += 997) expect(heap[n + i]).toBe(Math.fround(Math.exp(heap[i]!)));
      }
    }
  });

  it("runs on the caller only with one thread or small ranges", () => {
    const memory = sharedMemory();
    const pool = newPool(memory);
    const heap = new Float32Array(memory.buffer);
    setThreads(1);
    pool.parallelFor(mod, "increment", [0], 100_000, 1);
    setThreads(4);
    pool.parallelFor(mod, "increment", [0], 100_000, 60_000); // one chunk of >= minGrain
    expect(pool.stats().parallelCalls).toBe(0);
    expect(pool.stats().workersStarted).toBe(0);
    expect(heap.subarray(0, 100_000).every((x) => x === 2)).toBe(true);
  });

  it("falls back to the calling thread on a memory that is not shared", () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536 });
    const pool = newPool(memory);
    expect(pool.parallel).toBe(false);
    expect(pool.threads).toBe(1);
    setThreads(4);
    pool.parallelFor(testModule(false), "increment", [0], 1000, 1);
    expect(new Float32Array(memory.buffer, 0, 1000).every((x) => x === 1)).toBe(true);
  });

  it("handles many back-to-back dispatches, switching thread counts", () => {
    const memory = sharedMemory();
    const pool = newPool(memory);
    const heap = new Float32Array(memory.buffer);
    const n = 4099;
    const reps = 3000;
    // Three distinct modules in turn: workers get each once, then switch freely.
    const mods = [mod, testModule(), testModule()];
    for (let r = 0; r < reps; r++) {
      setThreads(1 + (r % 4));
      pool.parallelFor(mods[r % 3]!, "increment", [64], n, 1 + (r % 7));
    }
    const got = heap.subarray(16, 16 + n);
    expect(got.every((x) => x === reps)).toBe(true);
    expect(heap[15]).toBe(0);
    expect(heap[16 + n]).toBe(0);
    expect(pool.stats().parallelCalls).toBeGreaterThan(reps / 2);
    expect(pool.stats().workerModules).toEqual([3, 3, 3]);
  });

  it("keeps serving after its workers idled back to their event loops", async () => {
    const memory = sharedMemory(257);
    const pool = newPool(memory);
    setThreads(2);
    pool.warmUp();
    await new Promise((r) => setTimeout(r, 700)); // > IDLE_YIELD_MS: workers yield and resume
    const n = 1 << 22;
    let joined = false;
    // The worker joins in while the caller runs its first chunks (tries for up to
    // 10 s: waking an idle thread can take a while on a busy machine).
    const deadline = Date.now() + 10_000;
    for (let i = 0; (i < 5 || Date.now() < deadline) && !joined; i++) {
      pool.wake();
      const before = pool.stats().workerChunks;
      pool.parallelFor(mod, "increment", [0], n, 1);
      joined = pool.stats().workerChunks > before;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(joined).toBe(true);
  });

  it("advances a scratch argument by thread", () => {
    const memory = sharedMemory();
    const pool = newPool(memory);
    const heap = new Float32Array(memory.buffer);
    setThreads(3);
    const n = 30_000;
    const stride = 40_000; // elements between the threads' scratch areas
    // 20 rounds, and more while no worker ran a chunk (a loaded machine may deschedule them).
    const deadline = Date.now() + 10_000;
    for (
      let rep = 0;
      rep < 20 || (pool.stats().workerChunks === 0 && Date.now() < deadline);
      rep++
    ) {
      heap.fill(0, 0, 3 * stride);
      pool.parallelFor(mod, "increment", [0], n, 1, {
        scratch: { arg: 0, bytesPerThread: stride * 4 },
      });
      // Each chunk landed in the area of the one thread that ran it.
      for (let i = 0; i < n; i++) {
        const hits = [0, 1, 2].map((t) => heap[t * stride + i]!);
        if (hits.some((x) => x !== 0 && x !== 1) || hits[0]! + hits[1]! + hits[2]! !== 1) {
          expect.fail(`element ${i}: thread areas hold ${hits}`);
        }
      }
      expect(heap.subarray(n, stride).every((x) => x === 0)).toBe(true);
    }
    expect(pool.stats().workerChunks).toBeGreaterThan(0);
  });

  it("splits into chunksPerThread chunks per thread, taken as threads go", () => {
    const memory = sharedMemory();
    const pool = newPool(memory);
    setThreads(2);
    pool.warmUp();
    const before = pool.stats().workerChunks;
    // 2 threads x 8 chunks; the worker gets through some of them (on a loaded
    // machine it may be descheduled for a while: go on for up to 10 s).
    let calls = 0;
    const deadline = Date.now() + 10_000;
    while (calls < 20 || (pool.stats().workerChunks === before && Date.now() < deadline)) {
      pool.parallelFor(mod, "increment", [0], 1 << 19, 1, { chunksPerThread: 8 });
      calls++;
    }
    const heap = new Float32Array(memory.buffer, 0, 1 << 19);
    expect(heap.every((x) => x === calls)).toBe(true);
    expect(pool.stats().workerChunks - before).toBeGreaterThan(0);
    expect(pool.stats().workerChunks - before).toBeLessThan(calls * 16);
  });

  it("sees the memory grow", () => {
    const memory = sharedMemory(1);
    const pool = newPool(memory);
    setThreads(2);
    pool.parallelFor(mod, "increment", [0], 1000, 1);
    memory.grow(15);
    const at = 14 * PAGE;
    pool.parallelFor(mod, "increment", [at], 16_000, 1);
    const heap = new Float32Array(memory.buffer);
    expect(heap.subarray(at / 4, at / 4 + 16_000).every((x) => x === 1)).toBe(true);
  });
});

describe("ThreadPool errors", () => {
  it("reports a trap with the kernel, thread and range, and keeps working", () => {
    const memory = sharedMemory(257);
    const pool = newPool(memory);
    setThreads(2);
    const n = 10_000;
    const error = (k: number, total: number, minGrain = 1): string => {
      try {
        pool.parallelFor(mod, "trapAt", [k, 0], total, minGrain);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    // A trap in a call too small to split, and on one thread.
    expect(error(3, 4, 8)).toBe(
      "ThreadPool.parallelFor: kernel 'trapAt' failed on the calling thread over [0, 4) of 4: " +
        "RuntimeError: unreachable",
    );
    setThreads(1);
    expect(error(5, n)).toMatch(/failed on the calling thread over \[0, 10000\) of 10000/);
    // Split: 2 threads x 4 chunks, taken by whichever thread comes first.
    setThreads(2);
    expect(error(0, n)).toMatch(
      /^ThreadPool.parallelFor: kernel 'trapAt' failed on (the calling thread|worker 1) over \[0, 1250\) of 10000: RuntimeError: unreachable$/,
    );
    // The last chunk, until the worker has run it once (the caller's chunks are long).
    const big = 1 << 22;
    const messages = new Set<string>();
    // On a loaded machine the worker may be descheduled for a while: retry for up to 10 s.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !messages.has("worker")) {
      const m = error(big - 1, big);
      expect(m).toMatch(
        /kernel 'trapAt' failed on (worker 1|the calling thread) over \[3670016, 4194304\) of 4194304: RuntimeError: unreachable$/,
      );
      messages.add(m.includes("worker 1") ? "worker" : "caller");
    }
    expect(messages.has("worker")).toBe(true);
    // Out of bounds everywhere: every chunk's failure is named (a worker stops
    // at its first; the other chunks go to the others).
    let oob = "";
    try {
      pool.parallelFor(mod, "increment", [memory.buffer.byteLength], n, 1);
    } catch (e) {
      oob = (e as Error).message;
    }
    const ranges = [
      ...oob.matchAll(/over \[(\d+), (\d+)\) of 10000: RuntimeError: memory access out of bounds/g),
    ];
    expect(ranges.map((r) => Number(r[1])).sort((x, y) => x - y)).toEqual(
      partition(n, 8, 1).slice(0, -1),
    );
    pool.parallelFor(mod, "increment", [0], n, 1);
    pool.parallelFor(mod, "trapAt", [-1, 0], n, 1);
    const counts = new Float32Array(memory.buffer, 0, big);
    // 2 (error(5), error(0)) + 2 after, below n; one per try beyond n.
    expect(counts[n - 1]! - counts[n]!).toBe(4);
    expect(pool.stats().workersLost).toEqual([]);
  });

  it("names a missing export, a bad import and too many arguments", () => {
    const pool = newPool(sharedMemory(1));
    expect(() => pool.parallelFor(mod, "nope", [], 10)).toThrow(
      /no exported function 'nope' \(exports: affine, exp, increment, trapAt\)/,
    );
    expect(() => pool.parallelFor(mod, "increment", Array(41).fill(0), 10)).toThrow(
      /'increment' has 41 arguments; at most 40/,
    );
    const mb = new ModuleBuilder({ sharedMemory: true });
    mb.importFunction("env", "log", [], []);
    mb.addKernel("f", 2, () => {});
    const bad = mb.compile();
    expect(() => pool.parallelFor(bad, "f", [], 10)).toThrow(/'f' imports function env\.log/);
  });

  it("replaces a worker that died, without losing work", async () => {
    const memory = sharedMemory();
    const pool = newPool(memory);
    setThreads(2);
    const before = started.length;
    pool.warmUp();
    expect(started.length).toBe(before + 1);
    started[before]!.terminate();
    await new Promise((r) => setTimeout(r, 200)); // the exit event arrives
    pool.parallelFor(mod, "increment", [0], 50_000, 1);
    pool.parallelFor(mod, "increment", [0], 50_000, 1);
    expect(new Float32Array(memory.buffer, 0, 50_000).every((x) => x === 2)).toBe(true);
    const stats = pool.stats();
    expect(stats.workersLost).toEqual(["worker 1 exited with code 1"]);
    expect(stats.workersStarted).toBe(2);
  });
});

describe("thread settings", () => {
  it("validates and restores the thread count", () => {
    setThreads(3);
    expect(getThreads()).toBe(3);
    expect(() => setThreads(0)).toThrow(/setThreads: expected a positive integer or null, got 0/);
    expect(() => setThreads(1.5)).toThrow(/got 1.5/);
    setThreads(null);
    expect(getThreads()).toBeGreaterThanOrEqual(1);
    config.update("jaxts_threads", 2);
    expect(getThreads()).toBe(2);
    expect(() => config.update("jaxts_threads", -1)).toThrow(
      /flag 'jaxts_threads' takes a non-negative integer, got -1/,
    );
    expect(getThreads()).toBe(2);
    config.update("jaxts_threads", 0);
    // A pool's own count overrides the setting.
    const pool = newPool(sharedMemory(1), { threads: 1 });
    expect(pool.threads).toBe(1);
    pool.parallelFor(mod, "increment", [0], 10_000, 1);
    expect(pool.stats().workersStarted).toBe(0);
    expect(() => new ThreadPool(sharedMemory(1), { threads: 0 })).toThrow(
      /ThreadPool: threads must be a positive integer, got 0/,
    );
  });

  it("drops collected modules in the workers", () => {
    const pool = fileURLToPath(new URL("../../src/backend/cpu/pool.ts", import.meta.url));
    const kernels = fileURLToPath(new URL("./pool_kernels.ts", import.meta.url));
    // 200 programs' modules, each run once and then dropped by the caller.
    const script = `
      const { ThreadPool } = await import(${JSON.stringify(pool)});
      const { testModule } = await import(${JSON.stringify(kernels)});
      const memory = new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
      const pool = new ThreadPool(memory, { threads: 2 });
      let mods = [];
      for (let i = 0; i < 200; i++) {
        mods.push(testModule());
        pool.parallelFor(mods[i], "increment", [0], 60000, 1);
      }
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      // Idle workers take in queued messages every few hundred ms.
      for (let i = 0; i < 100 && pool.stats().workerModules[0] < 200; i++) await sleep(50);
      const held = pool.stats().workerModules[0];
      mods = null;
      for (let i = 0; i < 40 && pool.stats().workerModules[0] >= 20; i++) {
        globalThis.gc();
        await sleep(100); // finalizers run, then the worker takes in the drops
      }
      console.log(held, pool.stats().workerModules[0]);
    `;
    const r = spawnSync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^\d+ \d+\n$/);
    const [held, after] = r.stdout.trim().split(" ").map(Number);
    expect(held).toBe(200);
    expect(after).toBeLessThan(20);
  });

  it("lets the process exit normally with workers started", () => {
    const pool = fileURLToPath(new URL("../../src/backend/cpu/pool.ts", import.meta.url));
    const kernels = fileURLToPath(new URL("./pool_kernels.ts", import.meta.url));
    const script = `
      const { poolFor, setThreads } = await import(${JSON.stringify(pool)});
      const { testModule } = await import(${JSON.stringify(kernels)});
      const memory = new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
      setThreads(3);
      poolFor(memory).parallelFor(testModule(), "increment", [0], 60000, 1);
      const stats = poolFor(memory).stats();
      console.log(new Float32Array(memory.buffer)[59999], stats.workersStarted, stats.workersLost.length);
    `;
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("1 2 0");
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
