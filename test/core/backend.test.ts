/**
 * The Backend interface (core/backend.ts): one registration installs jit's
 * compiler, the eager path, `dispose`, the library platform and read-back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { cpuBackend } from "../../src/backend/cpu/backend.js";
import { installCompiler } from "../../src/backend/cpu/compiler/install.js";
import type { ArrayImpl } from "../../src/core/array.js";
import { type Backend, currentBackend, registerBackend } from "../../src/core/backend.js";
import { defaultBackend, jit, numpy as jnp, lax } from "../../src/index.js";

afterEach(() => installCompiler());

describe("backends", () => {
  it("the CPU backend is the default, as jax.default_backend() says", () => {
    expect(defaultBackend()).toBe("cpu");
    expect(currentBackend()).toBe(cpuBackend);
  });
  it("reading values goes through the registered backend", async () => {
    const reads: string[] = [];
    const spy: Backend = {
      ...cpuBackend,
      readSync: (x: ArrayImpl) => {
        reads.push(`sync ${x.aval.str()}`);
        return x.values;
      },
      read: async (x: ArrayImpl) => {
        reads.push(`async ${x.aval.str()}`);
        return x.values;
      },
    };
    registerBackend(spy);
    const x = jnp.arange(3);
    expect(Array.from(x.dataSync())).toEqual([0, 1, 2]);
    expect(Array.from(await x.data())).toEqual([0, 1, 2]);
    expect(reads).toEqual(["sync i32[3]", "async i32[3]"]);
  });
  it("a backend without a compiler runs jit on the interpreter; its platform picks the library kernels", () => {
    registerBackend({ ...cpuBackend, compiler: null, eager: null });
    expect(jit((x: ReturnType<typeof jnp.ones>) => x.mul(2).sum())(jnp.ones([4])).item()).toBe(8);
    registerBackend({ ...cpuBackend, platform: "nowhere", compiler: null, eager: null });
    expect(defaultBackend()).toBe("nowhere");
    expect(() => lax.sort(jnp.array([3, 1, 2]))).toThrow(
      /sort: the 'nowhere' backend registers no library kernel 'sort'/,
    );
  });
});
