/**
 * The WebAssembly code target: one module per program holding its kernels
 * (wasm.ts), instantiated on the shared memory, each kernel split across
 * the worker pool when it is large enough to pay for the split.
 */

import type { Kernel } from "../../../ir/kernel.js";
import { ModuleBuilder } from "../../wasm/emitter.js";
import { cpuMemory, isSharedMemory } from "../memory.js";
import type { CodeTarget } from "./index.js";
import { kernelRange } from "./loops.js";
import { type KernelCode, PARALLEL_MIN_WORK, threadPool } from "./program.js";
import { emitKernels, wasmSupport } from "./wasm.js";

type KernelFn = (...args: number[]) => void;

/** The Math functions a module imports, by name. */
function mathImports(module: WebAssembly.Module): WebAssembly.ModuleImports {
  const out: WebAssembly.ModuleImports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === "Math") {
      out[imp.name] = (Math as unknown as Record<string, WebAssembly.ImportValue>)[imp.name]!;
    }
  }
  return out;
}

export function buildWasm(kernels: readonly Kernel[]): KernelCode {
  if (kernels.length === 0) return { run: () => {} };
  const mod = new ModuleBuilder({ sharedMemory: isSharedMemory() });
  emitKernels(mod, kernels);
  const module = mod.compile();
  const instance = new WebAssembly.Instance(module, {
    env: { memory: cpuMemory() },
    Math: mathImports(module),
  });
  const fns = kernels.map((_, i) => instance.exports[`k${i}`] as KernelFn);
  const ranges = kernels.map(kernelRange);
  const callers = kernels.map((kn, i) => callerOf(fns[i]!, kn.args.length));
  const grains = ranges.map((r) => Math.max(1, Math.ceil(PARALLEL_MIN_WORK / 2 / r.work)));
  return {
    export: (k) => ({ module, name: `k${k}` }),
    run(k, addrs) {
      const r = ranges[k]!;
      if (r.total === 0) return;
      const p = r.total * r.work >= PARALLEL_MIN_WORK ? threadPool() : null;
      if (p !== null && p.threads > 1 && r.total >= 2 * grains[k]!) {
        p.parallelFor(module, `k${k}`, addrs, r.total, grains[k]!, { align: r.align });
      } else {
        callers[k]!(addrs, r.total);
      }
    },
  };
}

/**
 * Calls of a kernel function by its arity without spreading an array (a
 * spread allocates on every call: garbage per iteration of a compiled loop).
 */
function callerOf(f: KernelFn, n: number): (a: readonly number[], end: number) => void {
  switch (n) {
    case 1: return (a, e) => f(a[0]!, 0, e); // biome-ignore format: table
    case 2: return (a, e) => f(a[0]!, a[1]!, 0, e); // biome-ignore format: table
    case 3: return (a, e) => f(a[0]!, a[1]!, a[2]!, 0, e); // biome-ignore format: table
    case 4: return (a, e) => f(a[0]!, a[1]!, a[2]!, a[3]!, 0, e); // biome-ignore format: table
    case 5: return (a, e) => f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, 0, e); // biome-ignore format: table
    case 6: return (a, e) => f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, 0, e); // biome-ignore format: table
    default: return (a, e) => f(...a, 0, e); // biome-ignore format: table
  }
}

export const wasmTarget: CodeTarget = { name: "wasm", support: wasmSupport, build: buildWasm };
