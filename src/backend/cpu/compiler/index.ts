/**
 * The CPU compiler: jaxpr → optimized jaxpr (passes.ts) → steps of fused
 * kernels, matrix products and eager equations (fusion.ts, lower.ts) →
 * code for the kernels (a CodeTarget: WebAssembly, or the JS evaluator of
 * the IR) → an executable over planned buffers (program.ts).
 *
 * `installCompiler()` (install.ts) makes jit and large eager operations use
 * it; the `jaxts_compile` flag switches between it and the interpreter.
 */
import type { ShapedArray } from "../../../core/aval.js";
import { type ClosedJaxpr, type JaxprEqn, Var } from "../../../core/jaxpr.js";
import type { DotGeneralParams } from "../../../lax/dot.js";
import { type FusionOptions, fuse, type Step } from "./fusion.js";
import { runKernelJs } from "./interp.js";
import type { Kernel } from "../../../ir/kernel.js";
import type { TargetSupport } from "./lower.js";
import { optimize } from "./passes.js";
import { buildExecutable, type Executable, type KernelCode, planDot } from "./program.js";

/** Where kernels become code. */
export interface CodeTarget {
  readonly name: string;
  readonly support: TargetSupport;
  build(kernels: readonly Kernel[]): KernelCode;
}

/** The JS evaluator of the IR: every op, slowly (the reference, and the fallback without WebAssembly). */
export const jsTarget: CodeTarget = {
  name: "js",
  support: { unary: () => true, binary: () => true },
  build: (kernels) => ({ run: (k, addrs) => runKernelJs(kernels[k]!, addrs) }),
};

let defaultTarget: CodeTarget = jsTarget;

/** Sets the target new programs compile for (the WebAssembly target installs itself). */
export function setDefaultTarget(t: CodeTarget): void {
  defaultTarget = t;
}

export function getDefaultTarget(): CodeTarget {
  return defaultTarget;
}

/** float32 products with mergeable strides run compiled (small ones on the direct kernel). */
function dotSupported(e: JaxprEqn): boolean {
  const p = e.params as DotGeneralParams;
  const [l, r] = e.inputs;
  const out = e.outBinders[0]!;
  // A literal operand (folded constant) has no buffer: the eager kernel takes it.
  if (!(l instanceof Var) || !(r instanceof Var)) return false;
  const plan = planDot(e);
  return (
    l!.aval.dtype === "float32" &&
    r!.aval.dtype === "float32" &&
    out.aval.dtype === "float32" &&
    (p.preferred_element_type === null || p.preferred_element_type === "float32") &&
    plan !== null
  );
}

export interface CompileOptions {
  target?: CodeTarget;
  /** Fuse (default) or make one kernel per equation. */
  fuse?: boolean;
  /** Run an elementwise kernel after a matrix product on each of its row chunks (default true). */
  epilogues?: boolean;
}

export interface CompiledProgram {
  exe: Executable;
  steps: readonly Step[];
  /** Bytes of the intermediates' arena. */
  arenaBytes: number;
  /** Steps of matrix products whose next step (an elementwise kernel) runs on each row chunk. */
  epilogues: readonly number[];
}

/** Compiles a closed jaxpr; the executable returns arrays of the jaxpr's output types. */
export function compileProgram(closed: ClosedJaxpr, opts: CompileOptions = {}): CompiledProgram {
  const target = opts.target ?? defaultTarget;
  const jaxpr = optimize(closed.jaxpr);
  const fusion: FusionOptions = { target: target.support, dotSupported, fuse: opts.fuse ?? true };
  const steps = fuse(jaxpr, fusion);
  const kernels = steps.map((s) => (s.kind === "kernel" ? s.kernel : null));
  // Kernel k of the code is the kernel of step k (non-kernel steps hold no code).
  const list = kernels.filter((k): k is Kernel => k !== null);
  const code = target.build(list);
  const index = new Map<number, number>();
  let n = 0;
  kernels.forEach((k, s) => {
    if (k !== null) index.set(s, n++);
  });
  const byStep: KernelCode = { run: (s, addrs) => code.run(index.get(s)!, addrs) };
  if (code.export !== undefined) {
    const ex = code.export.bind(code);
    byStep.export = (s) => ex(index.get(s)!);
  }
  const outAvals: ShapedArray[] = closed.jaxpr.outs.map((a) => a.aval);
  const { exe, info } = buildExecutable(
    closed,
    jaxpr,
    steps,
    byStep,
    outAvals,
    opts.epilogues ?? true,
  );
  return { exe, steps: info.steps, arenaBytes: info.arena.size, epilogues: info.epilogues };
}
