/**
 * Installs the CPU compiler: jit compiles through it (core/dispatch.ts) and
 * large eager operations run its kernels (core/trace.ts), both while the
 * `jaxts_compile` flag is on.
 */
import { type Compiler, setCompiler } from "../../../core/dispatch.js";
import { setEagerHook } from "../../../core/trace.js";
import { eagerCompiled } from "./eager.js";
import { compileProgram, setDefaultTarget } from "./index.js";
import { wasmTarget } from "./target.js";

const compiler: Compiler = (closed) => compileProgram(closed).exe;

export function installCompiler(): void {
  if (typeof WebAssembly === "undefined") return; // the interpreter is faster than the JS IR evaluator
  setDefaultTarget(wasmTarget);
  setCompiler(compiler);
  setEagerHook(eagerCompiled);
}
