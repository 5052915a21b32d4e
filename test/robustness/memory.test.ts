/**
 * The CPU backend's memory past 2 GiB: block headers above 2^31 are found
 * (unsigned offsets), compiled programs read and write arrays there and keep
 * working after those blocks are freed, and a request past WebAssembly's
 * 4 GiB is a RangeError "out of memory" that leaves the backend working.
 *
 * Cheap: the 2 GiB block below is never touched, so it costs address space,
 * not pages. (Its own file: the memory never shrinks, so the other memory
 * tests start from a small one.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installCompiler } from "../../src/backend/cpu/compiler/install.js";
import { addressOf, alloc, free, memoryStats } from "../../src/backend/cpu/memory.js";
import { type Array, type ArrayImpl, hostValues } from "../../src/core/array.js";
import { config, jit, numpy as jnp } from "../../src/index.js";

let prevCompile = true;
beforeAll(() => {
  installCompiler();
  prevCompile = config.read("jaxts_compile");
  config.update("jaxts_compile", true);
});
afterAll(() => config.update("jaxts_compile", prevCompile));

const f = jit((x: Array) => jnp.add(jnp.multiply(x, 2), 1));
const x = jnp.arange(5000);
const valuesOf = (a: Array): ArrayLike<number> => hostValues(a as ArrayImpl);

function expectF(y: Array): void {
  const v = valuesOf(y);
  expect(v.length).toBe(5000);
  for (const i of [0, 1, 2047, 4999]) expect(v[i]).toBe(2 * i + 1);
}

describe("memory past 2^31 bytes", () => {
  it("allocates, runs programs and frees blocks above 2 GiB", () => {
    const big = alloc(2 ** 31 + 12345);
    expect(memoryStats().memoryBytes).toBeGreaterThan(2 ** 31);
    // Outputs of these calls live above 2^31 (the big block is below them).
    const ys = [f(x), f(x), f(x)] as Array[];
    for (const y of ys) {
      expect(addressOf(hostValues(y as ArrayImpl))).toBeGreaterThan(2 ** 31);
      expectF(y);
    }
    // A program reads an input that lives above 2^31 in place.
    expectF(jit((a: Array) => a)(ys[0]!) as Array);
    const g = jit((a: Array) => jnp.divide(jnp.subtract(a, 1), 2));
    const back = valuesOf(g(ys[1]!) as Array);
    expect(back[4999]).toBe(4999);
    // Frees of blocks above 2^31 (the failure before: "free of an unknown block").
    for (const y of ys) y.dispose();
    free(big);
    // Later compiled operations still work.
    for (let i = 0; i < 3; i++) expectF(f(x) as Array);
    // The freed block is found again by a request of its size class.
    expect(alloc(2 ** 31 + 1)).toBe(big);
    free(big);
  });

  it("throws a RangeError naming the bytes past 4 GiB and keeps working", () => {
    const before = memoryStats();
    expect(() => alloc(2 ** 32)).toThrow(
      /CPU backend: out of memory: cannot allocate 4294967296 bytes .*in use: \d+ bytes/,
    );
    expect(memoryStats().liveBytes).toBe(before.liveBytes);
    expectF(f(x) as Array);
    // The same from a program whose output does not fit (4 GiB of float32).
    const huge = jit((a: Array) => jnp.broadcastTo(a, [2 ** 30]));
    const one = jnp.array(1.5);
    const live = memoryStats().liveBytes;
    let err: unknown;
    try {
      huge(one);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect(String(err)).toMatch(/out of memory: cannot allocate 4294967296 bytes/);
    expect(String(err)).toMatch(/WebAssembly's limit of 4096\.0 MiB/);
    expect(memoryStats().liveBytes).toBe(live);
    expectF(f(x) as Array);
    expect(valuesOf(jnp.sum(jnp.ones([100])))[0]).toBe(100);
  });

  it("rejects byte counts that are not counts", () => {
    expect(() => alloc(-1)).toThrow(/alloc takes a byte count, got -1/);
    expect(() => alloc(Number.NaN)).toThrow(/alloc takes a byte count, got NaN/);
  });
});
