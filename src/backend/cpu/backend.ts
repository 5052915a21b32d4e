/**
 * The CPU backend (core/backend.ts): jit's programs compile to WebAssembly
 * SIMD kernels on one shared memory (compiler/), large eager operations run
 * the same kernels, the other eager operations run the JS library kernels
 * (kernels/), and arrays returned by kernels are pooled views into the
 * memory (memory.ts) that `dispose()` returns early. Without WebAssembly the
 * backend has no compiler: jaxprs run on the core's interpreter.
 */
import type { Backend } from "../../core/backend.js";
import type { Compiler } from "../../core/dispatch.js";
import { eagerCompiled } from "./compiler/eager.js";
import { compileProgram, setDefaultTarget } from "./compiler/index.js";
import { wasmTarget } from "./compiler/target.js";
import "./kernels/index.js";
import { release } from "./memory.js";

const hasWasm = typeof WebAssembly !== "undefined";

const compiler: Compiler = (closed) => compileProgram(closed).exe;

export const cpuBackend: Backend = {
  platform: "cpu",
  // Without WebAssembly the interpreter is faster than the JS IR evaluator.
  compiler: hasWasm ? compiler : null,
  eager: hasWasm ? eagerCompiled : null,
  release,
  readSync: (x) => x.values,
  read: async (x) => x.values,
};

/** The kernels programs compile for (WebAssembly, where the JS runtime has it). */
export function setCpuTarget(): void {
  if (hasWasm) setDefaultTarget(wasmTarget);
}
