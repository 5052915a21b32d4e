/**
 * The Backend interface (core/backend.ts): one registration installs jit's
 * compiler, the eager path, the library platform and where host values go;
 * arrays hold a buffer of their backend, which reads and frees it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { cpuBackend } from "../../src/backend/cpu/backend.js";
import { CpuBuffer } from "../../src/backend/cpu/buffer.js";
import { installCompiler } from "../../src/backend/cpu/compiler/install.js";
import { ArrayImpl, type Buffer } from "../../src/core/array.js";
import { ShapedArray } from "../../src/core/aval.js";
import { type Backend, currentBackend, registerBackend } from "../../src/core/backend.js";
import type { TypedArray } from "../../src/dtype.js";
import { defaultBackend, devices, jit, numpy as jnp, lax } from "../../src/index.js";

afterEach(() => installCompiler());

/** A backend that keeps values in its own buffers and logs every read. */
function spyBackend(reads: string[]): Backend {
  class SpyBuffer implements Buffer {
    constructor(readonly data: TypedArray) {}
    get owner(): Backend {
      return spy;
    }
  }
  const dataOf = (b: Buffer) => (b as SpyBuffer).data;
  const spy: Backend = {
    ...cpuBackend,
    platform: "spy",
    compiler: null,
    eager: null,
    fromHost: (values) => new SpyBuffer(values),
    readSync: (b) => {
      reads.push(`sync ${dataOf(b).length}`);
      return dataOf(b);
    },
    read: async (b) => {
      reads.push(`async ${dataOf(b).length}`);
      return dataOf(b);
    },
    free: () => false,
  };
  return spy;
}

describe("backends", () => {
  it("the CPU backend is the default, as jax.default_backend() says", () => {
    expect(defaultBackend()).toBe("cpu");
    expect(currentBackend()).toBe(cpuBackend);
    expect((jnp.arange(3) as ArrayImpl).buffer).toBeInstanceOf(CpuBuffer);
  });

  it("host values go to the default backend's buffers, and reads go to the buffer's owner", async () => {
    const reads: string[] = [];
    registerBackend(spyBackend(reads));
    const x = jnp.arange(3) as ArrayImpl;
    expect(x.buffer.owner.platform).toBe("spy");
    expect(Array.from(x.dataSync())).toEqual([0, 1, 2]);
    expect(Array.from(await x.data())).toEqual([0, 1, 2]);
    expect(reads).toEqual(["sync 3", "async 3"]);
    // The CPU's kernels take only CPU buffers: an error naming the platform, never a wrong read.
    registerBackend(cpuBackend);
    expect(() => lax.sort(x)).toThrow(/lives on 'spy'; move it with jax.devicePut/);
  });

  it("allocates, writes and reads CPU buffers; a write that does not fit is an error", () => {
    const b = cpuBackend.allocate("float32", 4);
    expect(Array.from(cpuBackend.readSync(b))).toEqual([0, 0, 0, 0]);
    cpuBackend.write(b, new Float32Array([1, 2]), 1);
    expect(Array.from(cpuBackend.readSync(b))).toEqual([0, 1, 2, 0]);
    expect(() => cpuBackend.write(b, new Float32Array([1, 2]), 3)).toThrow(/does not fit/);
    expect(() => cpuBackend.write(b, new Int32Array([1]), 0)).toThrow(/Int32Array/);
    const x = new ArrayImpl(new ShapedArray([4], "float32"), b);
    expect(Array.from(x.dataSync())).toEqual([0, 1, 2, 0]);
    expect(cpuBackend.free(b)).toBe(false); // a JS-heap buffer is not pooled
  });

  it("states its capabilities and devices", () => {
    const caps = cpuBackend.capabilities;
    expect(caps.dtypes).toContain("float64");
    expect(caps.primitive("sort", ["float32"])).toBe(true);
    expect(caps.primitive("add", ["int32", "int32"])).toBe(true);
    expect(caps.primitive("cumsum", ["float64"])).toBe(true);
    expect(caps.primitive("no_such_primitive", ["float32"])).toBe(false);
    expect(caps.primitive("add", ["complex64", "complex64"])).toBe(true);
    expect(caps.primitive("add", ["float8_e4m3fn" as "float32"])).toBe(false);
    const devs = cpuBackend.devices();
    expect(devs.length).toBeGreaterThanOrEqual(1);
    expect(devs.map((d) => d.platform)).toEqual(devs.map(() => "cpu"));
    expect(devs.map((d) => d.id)).toEqual(devices().map((d) => d.id));
  });

  it("a backend without a compiler runs jit on the interpreter; its platform picks the library kernels", () => {
    registerBackend({ ...cpuBackend, compiler: null, eager: null });
    expect(jit((x: ReturnType<typeof jnp.ones>) => x.mul(2).sum())(jnp.ones([4])).item()).toBe(8);
    registerBackend({ ...cpuBackend, platform: "nowhere", compiler: null, eager: null });
    expect(defaultBackend()).toBe("nowhere");
    expect(() => lax.sort(jnp.array([3, 1, 2]))).toThrow(
      /sort: the 'nowhere' backend registers no library kernel 'sort'/,
    );
    // Its capabilities say so up front.
    expect(cpuBackend.capabilities.primitive("sort", ["float32"])).toBe(true);
  });
});
