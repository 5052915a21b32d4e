/**
 * The one step from a jaxpr to something that runs: `compileJaxpr`. The
 * default executes the jaxpr equation by equation on the eager kernels; a
 * backend compiler (WebAssembly, later) replaces it with `setCompiler`.
 */
import type { ArrayImpl } from "./array.js";
import { type ClosedJaxpr, evalClosedJaxpr } from "./jaxpr.js";

export type Executable = (args: readonly ArrayImpl[]) => ArrayImpl[];
export type Compiler = (closed: ClosedJaxpr) => Executable;

const interpret: Compiler = (closed) => (args) => evalClosedJaxpr(closed, args) as ArrayImpl[];

let compiler: Compiler = interpret;
const cache = new WeakMap<ClosedJaxpr, Executable>();

export function setCompiler(c: Compiler | null): void {
  compiler = c ?? interpret;
}

export function compileJaxpr(closed: ClosedJaxpr): Executable {
  let exe = cache.get(closed);
  if (exe === undefined) {
    exe = compiler(closed);
    cache.set(closed, exe);
  }
  return exe;
}
