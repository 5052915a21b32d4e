/**
 * The CPU compiler: jaxpr → optimized jaxpr (passes.ts) → steps of fused
 * kernels, matrix products and eager equations (fusion.ts, lower.ts) →
 * code for the kernels (a CodeTarget: WebAssembly, or the JS evaluator of
 * the IR) → an executable over planned buffers (program.ts).
 *
 * `installCompiler()` (install.ts) makes jit and large eager operations use
 * it; the `jaxts_compile` flag switches between it and the interpreter.
 */

import { config } from "../../../config.js";
import type { ShapedArray } from "../../../core/aval.js";
import type { ClosedJaxpr, JaxprEqn } from "../../../core/jaxpr.js";
import { checkJaxpr } from "../../../core/typecheck.js";
import type { Kernel } from "../../../ir/kernel.js";
import { CompileDebug, debugStages } from "./debug.js";
import { type FusionOptions, fuse, type Step } from "./fusion.js";
import { runKernelJs } from "./interp.js";
import { eqnKind, type TargetSupport } from "./lower.js";
import { optimize } from "./passes.js";
import "./dot_step.js";
import "./cumulative_step.js";
import "./gather_step.js";
import "./sort_step.js";
import { type CompiledKernel, compiledKernelFor, compiledKernelNames } from "./library.js";
import { setBodyCompiler } from "./loop_step.js";
import { buildBody, buildExecutable, type Executable, type KernelCode } from "./program.js";
import { KernelVerifyError, verifyKernel } from "./verify.js";

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

/** Whether a compiled library kernel of the target runs this equation (else it runs eagerly). */
export function libraryRuns(e: JaxprEqn, target: CodeTarget = defaultTarget): boolean {
  return libraryKernelFor(e, target) !== null;
}

/** The target's compiled kernel for `e` (WebAssembly routines; the JS target runs them too, on the same memory). */
function libraryKernelFor(e: JaxprEqn, _target: CodeTarget): CompiledKernel | null {
  return compiledKernelFor(e);
}

/**
 * Whether `target` compiles this equation to a kernel or a library kernel
 * (decided by capability: the primitive's lower rule, the equation's dtypes,
 * what the target supports).
 */
export function targetCompiles(e: JaxprEqn, target: CodeTarget): boolean {
  const kind = eqnKind(e, target.support);
  return kind === "library" ? libraryRuns(e, target) : kind !== "other";
}

export interface CompileOptions {
  target?: CodeTarget;
  /** Fuse (default) or make one kernel per equation. */
  fuse?: boolean;
  /** Run an elementwise kernel after a matrix product on each of its row chunks (default true). */
  epilogues?: boolean;
  /** What is compiled, for the stage dumps and check errors (default "jit"). */
  label?: string;
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
  const label = opts.label ?? "jit";
  const checks = config.read("jaxts_enable_checks");
  const stages = debugStages();
  const debug = stages.size > 0 ? new CompileDebug(stages, label) : null;
  debug?.jaxpr(closed.jaxpr);
  if (checks) checkJaxpr(closed, `before the compiler passes (${label})`);
  const jaxpr = optimize(
    closed.jaxpr,
    checks || debug !== null
      ? (pass, before, after) => {
          if (checks) checkJaxpr(after, `after pass ${pass} (${label})`);
          debug?.pass(pass, before, after);
        }
      : undefined,
  );
  const fusion: FusionOptions = {
    target: target.support,
    library: (e) => libraryKernelFor(e, target),
    fuse: opts.fuse ?? true,
  };
  const steps = fuse(jaxpr, fusion);
  const kernels = steps.map((s) => (s.kind === "kernel" ? s.kernel : null));
  // Kernel k of the code is the kernel of step k (non-kernel steps hold no code).
  const list = kernels.filter((k): k is Kernel => k !== null);
  if (checks) verifySteps(steps, label);
  debug?.steps(jaxpr, steps, { ...target, library: compiledKernelNames() });
  debug?.kernels(list);
  debug?.wasm(list, target.name);
  const byStep = codeByStep(target, kernels, list);
  const outAvals: ShapedArray[] = closed.jaxpr.outs.map((a) => a.aval);
  const { exe, info } = buildExecutable(
    closed,
    jaxpr,
    steps,
    byStep,
    outAvals,
    opts.epilogues ?? true,
  );
  debug?.epilogues(info.epilogues);
  return { exe, steps: info.steps, arenaBytes: info.arena.size, epilogues: info.epilogues };
}

/** The target's code for the kernel steps, numbered by step (non-kernel steps hold no code). */
function codeByStep(
  target: CodeTarget,
  kernels: readonly (Kernel | null)[],
  list: readonly Kernel[],
): KernelCode {
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
  return byStep;
}

/**
 * Compiles a loop body (scan, while, cond inside a compiled program:
 * loop_step.ts) the way `compileProgram` compiles a program, as code over
 * addresses the loop driver sets each iteration.
 */
setBodyCompiler((closed) => {
  const target = defaultTarget;
  const jaxpr = optimize(closed.jaxpr);
  const steps = fuse(jaxpr, {
    target: target.support,
    library: (e) => libraryKernelFor(e, target),
  });
  if (config.read("jaxts_enable_checks")) verifySteps(steps, "a loop body");
  const kernels = steps.map((s) => (s.kind === "kernel" ? s.kernel : null));
  const list = kernels.filter((k): k is Kernel => k !== null);
  return buildBody(closed, jaxpr, steps, codeByStep(target, kernels, list));
});

/** Verifies each kernel's IR, and that its arguments match the vars the step binds to them. */
function verifySteps(steps: readonly Step[], label: string): void {
  let k = 0;
  steps.forEach((s, i) => {
    if (s.kind !== "kernel") return;
    const where = `for kernel k${k++} (step ${i}) of ${label}`;
    verifyKernel(s.kernel, where);
    const vars = [...s.ins, ...s.outs];
    const args = s.kernel.args;
    const bad =
      vars.length !== args.length
        ? `${vars.length} vars for ${args.length} arguments`
        : vars
            .map((v, j) =>
              v.aval.dtype === args[j]!.dtype && v.aval.size === args[j]!.size
                ? null
                : `a${j} is ${args[j]!.dtype}×${args[j]!.size} but its var is ${v.aval.str()}`,
            )
            .find((m) => m !== null);
    if (bad) throw new KernelVerifyError(`kernel IR verification failed ${where}: ${bad}`);
  });
}
