/**
 * The one step from a jaxpr to something that runs: `compileJaxpr`. The
 * default executes the jaxpr equation by equation on the eager kernels; a
 * backend compiler (the CPU backend's WebAssembly compiler) replaces it with
 * `setCompiler`, and the `jaxts_compile` flag chooses between the two at
 * each call (executables are cached per jaxpr and per choice).
 */
import { config } from "../config.js";
import type { ArrayImpl } from "./array.js";
import { type ClosedJaxpr, evalClosedJaxpr } from "./jaxpr.js";

/**
 * Runs a compiled jaxpr. `donated[i]` marks argument i as donated (jit's
 * donateArgnums): a compiler may reuse its storage for an output and then
 * marks the argument deleted; the interpreter ignores it.
 */
export type Executable = (args: readonly ArrayImpl[], donated?: readonly boolean[]) => ArrayImpl[];
export type Compiler = (closed: ClosedJaxpr) => Executable;

const interpret: Compiler = (closed) => (args) => evalClosedJaxpr(closed, args) as ArrayImpl[];

let compiler: Compiler | null = null;
const interpreted = new WeakMap<ClosedJaxpr, Executable>();
let compiled = new WeakMap<ClosedJaxpr, Executable>();

/** Whether `compileJaxpr` compiles now (a compiler is installed and the `jaxts_compile` flag is on). */
export function compilesJaxprs(): boolean {
  return compiler !== null && config.read("jaxts_compile");
}

/** Installs a compiler (null: interpret always); executables it made before are dropped. */
export function setCompiler(c: Compiler | null): void {
  compiler = c;
  compiled = new WeakMap();
}

export function compileJaxpr(closed: ClosedJaxpr): Executable {
  const useCompiler = compiler !== null && config.read("jaxts_compile");
  const cache = useCompiler ? compiled : interpreted;
  let exe = cache.get(closed);
  if (exe === undefined) {
    exe = useCompiler ? compiler!(closed) : interpret(closed);
    cache.set(closed, exe);
  }
  return exe;
}
