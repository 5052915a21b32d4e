/**
 * Compiled library kernels of the CPU target: hand-written WebAssembly
 * routines (the packed GEMM, the direct small product) that run one
 * equation on addresses in the shared memory, registered by the name a
 * primitive's lower rule gives (`{ kind: "library", name }`). Each states
 * what it takes (`match`), the scratch memory it needs in the program's
 * arena (`workspace`), whether it splits across the thread pool, whether an
 * elementwise kernel can run on each of its row chunks (an epilogue), and
 * builds the step that runs it. An equation no compiled kernel matches runs
 * its primitive's eager kernel (core/library.ts) inside the program.
 *
 *   registerCompiledKernel({ name: "dot_general", match, workspace, ... });
 */
import type { JaxprEqn } from "../../../core/jaxpr.js";

/** An elementwise kernel to run on each row chunk of a library step's output. */
export interface Epilogue {
  readonly module: WebAssembly.Module;
  readonly exportName: string;
  /** Units of the kernel's range per output row. */
  readonly scale: number;
  /** Runs the kernel over its whole range (when the step does not split). */
  run(addrs: readonly number[]): void;
}

/**
 * A step's runner: `addrs` are the byte addresses of the equation's operands,
 * then its outputs, then its workspace; `epilogueAddrs` the epilogue
 * kernel's arguments (empty without one).
 */
export type LibraryStep = (addrs: readonly number[], epilogueAddrs: readonly number[]) => void;

export interface CompiledKernel {
  readonly name: string;
  /** Whether it runs this equation (dtypes, strides; operands must be variables, not literals). */
  match(e: JaxprEqn): boolean;
  /** Bytes of scratch memory it needs in the arena (0: none). */
  workspace(e: JaxprEqn): number;
  /** Whether it splits across the thread pool (the program wakes the pool first). */
  parallel(e: JaxprEqn): boolean;
  /** Rows of output it finishes chunk by chunk, for an epilogue; 0: it takes none. */
  epilogueRows(e: JaxprEqn): number;
  /** The step for this equation (with an epilogue run on each row chunk, or null). */
  build(e: JaxprEqn, epilogue: Epilogue | null): LibraryStep;
}

const compiled = new Map<string, CompiledKernel[]>();

/** Registers a compiled kernel under its library name (several may match by equation). */
export function registerCompiledKernel(kernel: CompiledKernel): void {
  compiled.set(kernel.name, [...(compiled.get(kernel.name) ?? []), kernel]);
}

/** The compiled kernel that runs `e` (its primitive lowers to a library kernel), or null. */
export function compiledKernelFor(e: JaxprEqn): CompiledKernel | null {
  const lowering = e.primitive.rules.lower;
  if (lowering?.kind !== "library") return null;
  for (const k of compiled.get(lowering.name) ?? []) if (k.match(e)) return k;
  return null;
}

/** The library names with a compiled kernel (for the stage dumps). */
export function compiledKernelNames(): string[] {
  return [...compiled.keys()];
}
