/**
 * The CPU backend's memory: the pooled allocator, zero-copy outputs that stay
 * valid when the memory grows, early release with dispose(), and a
 * 10,000-step jitted training loop whose memory stays flat.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileProgram } from "../../../src/backend/cpu/compiler/index.js";
import { installCompiler } from "../../../src/backend/cpu/compiler/install.js";
import {
  addressOf,
  alloc,
  cpuMemory,
  free,
  memoryStats,
  setEscapeBudget,
  sizeClass,
} from "../../../src/backend/cpu/memory.js";
import { type Array, type ArrayImpl, hostValues } from "../../../src/core/array.js";
import type { ClosedJaxpr } from "../../../src/core/jaxpr.js";
import { config, grad, jit, numpy as jnp, makeJaxpr, nn } from "../../../src/index.js";
import { expectClose, seeded } from "../../util/index.js";

// The compiled path is under test even when the suite runs with JAXTS_COMPILE=0.
let prevFlag = true;
beforeAll(() => {
  installCompiler();
  prevFlag = config.read("jaxts_compile");
  config.update("jaxts_compile", true);
});
afterAll(() => config.update("jaxts_compile", prevFlag));

describe("pooled allocator", () => {
  it("rounds requests to size classes at most 25% larger", () => {
    for (const n of [1, 15, 16, 17, 255, 256, 257, 1000, 4096, 5000, 1e6, 3e7]) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c % 16).toBe(0);
      if (n > 256) expect(c).toBeLessThanOrEqual(n * 1.25 + 16);
    }
  });

  it("reuses freed blocks of a class and aligns to 16 bytes", () => {
    const a = alloc(1000);
    expect(a % 16).toBe(0);
    free(a);
    const b = alloc(1000);
    expect(b).toBe(a);
    free(b);
  });

  it("uses one shared memory", () => {
    expect(cpuMemory().buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe("program outputs", () => {
  const closed = makeJaxpr((x: Array) => jnp.exp(x))(seeded([1000], 1)) as ClosedJaxpr;
  const { exe } = compileProgram(closed);

  it("are views into the memory that stay valid when it grows", () => {
    const x = seeded([1000], 1);
    const [y] = exe([x]) as [ArrayImpl];
    expect(addressOf(hostValues(y))).toBeGreaterThan(0);
    const want = globalThis.Array.from(hostValues(y));
    const before = cpuMemory().buffer.byteLength;
    const big = alloc(before + 64 * 2 ** 20); // forces growth
    expect(cpuMemory().buffer.byteLength).toBeGreaterThan(before);
    expect(globalThis.Array.from(hostValues(y))).toEqual(want);
    expectClose(y, jnp.exp(x));
    // A view made before the growth is still recognized as memory (read in place).
    expect(addressOf(hostValues(y))).toBeGreaterThan(0);
    const [z] = exe([y]) as [ArrayImpl];
    expectClose(z, jnp.exp(jnp.exp(x)), "", 1e-5, 1e-5);
    free(big);
  });

  it("return their block on dispose()", () => {
    const [y] = exe([seeded([1000], 2)]) as [ArrayImpl];
    const live = memoryStats().escapedBytes;
    y.dispose();
    expect(memoryStats().escapedBytes).toBeLessThan(live);
    y.dispose(); // twice is harmless
  });

  it("are copied to JS arrays above the escape budget", () => {
    const prev = setEscapeBudget(0);
    try {
      const [y] = exe([seeded([1000], 3)]) as [ArrayImpl];
      expect(addressOf(hostValues(y))).toBe(-1);
      expectClose(y, jnp.exp(seeded([1000], 3)));
    } finally {
      setEscapeBudget(prev);
    }
  });
});

describe("a loop that drops its outputs", () => {
  it("reclaims them when the event loop turns, without copying outputs", async () => {
    const prev = setEscapeBudget(32 * 2 ** 20);
    try {
      const f = jit((x: Array) => jnp.multiply(jnp.tanh(x), x));
      const x = seeded([256 * 1024], 12); // 1 MiB outputs
      const c0 = memoryStats().copiedOutputs;
      const calls = 300;
      for (let i = 0; i < calls; i++) {
        f(x);
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Without collection hints every call past the 32nd would copy (the views are
      // found dead only by full collections, which V8 would not run here): 268 of 300.
      // Under CPU load a collection can lag a few calls (32 copies were seen), so the
      // bound is a fifth of the calls.
      expect(memoryStats().copiedOutputs - c0).toBeLessThan(calls / 5);
      expect(memoryStats().escapedBytes).toBeLessThanOrEqual(32 * 2 ** 20);
    } finally {
      setEscapeBudget(prev);
    }
  });
});

describe("a long jitted training loop", () => {
  let prevBudget = 0;
  beforeAll(() => {
    // A small budget: outputs are copied once 1 MiB is held, as in a long synchronous loop.
    prevBudget = setEscapeBudget(2 ** 20);
  });
  afterAll(() => setEscapeBudget(prevBudget));

  it("holds flat memory over 10,000 steps", () => {
    expect(config.read("jaxts_compile")).toBe(true);
    type P = { w1: Array; b1: Array; w2: Array };
    const loss = (p: P, x: Array, y: Array) => {
      const h = nn.relu(jnp.add(jnp.matmul(x, p.w1), p.b1));
      return jnp.mean(jnp.square(jnp.subtract(jnp.matmul(h, p.w2), y)));
    };
    const step = jit((p: P, x: Array, y: Array) => {
      const g = grad(loss)(p, x, y) as P;
      return {
        w1: jnp.subtract(p.w1, jnp.multiply(g.w1, 0.01)),
        b1: jnp.subtract(p.b1, jnp.multiply(g.b1, 0.01)),
        w2: jnp.subtract(p.w2, jnp.multiply(g.w2, 0.01)),
      };
    });
    let p: P = { w1: seeded([8, 16], 4), b1: seeded([16], 5), w2: seeded([16, 4], 6) };
    const x = seeded([32, 8], 7);
    const y = seeded([32, 4], 8);
    const first = loss(p, x, y) as ArrayImpl;
    const run = (n: number) => {
      for (let i = 0; i < n; i++) p = step(p, x, y) as P;
    };
    run(500); // warm up: compile, fill the pool
    const mem0 = memoryStats();
    const heap0 = process.memoryUsage().heapUsed;
    run(9500);
    const mem1 = memoryStats();
    const heap1 = process.memoryUsage().heapUsed;
    expect(mem1.memoryBytes - mem0.memoryBytes).toBeLessThanOrEqual(4 * 2 ** 20);
    expect(mem1.liveBytes - mem0.liveBytes).toBeLessThanOrEqual(2 * 2 ** 20);
    expect(heap1 - heap0).toBeLessThan(64 * 2 ** 20);
    // And it trained.
    const last = loss(p, x, y) as ArrayImpl;
    expect(hostValues(last)[0]!).toBeLessThan(hostValues(first)[0]!);
  }, 120_000);
});
