/**
 * Stage dumps of a compilation (`JAXTS_DEBUG=jaxpr,passes,steps,kernels,wasm`
 * or `config.update("jaxts_debug", "...")`): the jaxpr compiled, the jaxpr
 * after each pass that changed it, the steps (kernels, products, eager
 * equations with the reason), each kernel's IR and the WebAssembly module
 * (size, imports, exports, the byte size of each function body).
 *
 * Everything goes through one sink, `console.error` unless `setDebugSink`
 * replaces it (tests collect the text). Each dump starts with a header line
 * `[jaxts_debug <stage>] program <n> (<label>)`, n counting compilations.
 * Variables in the steps are named as the printed jaxpr of the last pass
 * names them. Nothing here runs while `jaxts_debug` is empty.
 *
 * `profile` times each step of the programs compiled while it is on
 * (`profiledOps`, wrapped around the program's ops) and prints, at process
 * exit, each step's mean and fastest wall time per call and its share: the
 * CNN train step's convolutions, pools and their gradients read apart.
 */
import { config, type DebugStage, parseDebugStages } from "../../../config.js";
import { type Jaxpr, type JaxprEqn, Literal, type Var, varName } from "../../../core/jaxpr.js";
import { type Kernel, kernelToString } from "../../../ir/kernel.js";
import { ModuleBuilder } from "../../wasm/emitter.js";
import { describeFma } from "../../wasm/fma.js";
import { isSharedMemory } from "../memory.js";
import type { Step } from "./fusion.js";
import { isLoopStep } from "./loop_step.js";
import { eqnKind, type TargetSupport } from "./lower.js";
import { emitKernels } from "./wasm.js";

export type DebugSink = (text: string) => void;

let sink: DebugSink = (text) => console.error(text);

/** Replaces the sink of the stage dumps; returns the previous one (to restore). */
export function setDebugSink(s: DebugSink): DebugSink {
  const prev = sink;
  sink = s;
  return prev;
}

let parsedText = "";
let parsed: ReadonlySet<DebugStage> = new Set();

/** The stages `jaxts_debug` asks for now (empty: dumps off). */
export function debugStages(): ReadonlySet<DebugStage> {
  const text = config.read("jaxts_debug");
  if (text !== parsedText) {
    parsed = new Set(parseDebugStages(text, "jaxts_debug"));
    parsedText = text;
  }
  return parsed;
}

let programs = 0;

/** The dumps of one compilation. */
export class CompileDebug {
  readonly id = ++programs;
  constructor(
    readonly stages: ReadonlySet<DebugStage>,
    readonly label: string,
  ) {}

  on(stage: DebugStage): boolean {
    return this.stages.has(stage);
  }

  print(stage: DebugStage, title: string, body: string): void {
    sink(`[jaxts_debug ${stage}] program ${this.id} (${this.label}) ${title}\n${body}`);
  }

  jaxpr(j: Jaxpr): void {
    if (this.on("jaxpr")) this.print("jaxpr", "jaxpr to compile:", j.toString());
  }

  /** A pass's result, when it changed the printed jaxpr. */
  pass(name: string, before: Jaxpr, after: Jaxpr): void {
    if (!this.on("passes")) return;
    const text = after.toString();
    if (text !== before.toString()) this.print("passes", `after pass ${name}:`, text);
  }

  steps(
    jaxpr: Jaxpr,
    steps: readonly Step[],
    target: { name: string; support: TargetSupport; library: readonly string[] },
  ): void {
    if (!this.on("steps")) return;
    const name = varNames(jaxpr);
    const vars = (vs: readonly (Var | Literal)[]) =>
      vs.map((v) => (v instanceof Literal ? String(v.value) : name(v))).join(" ");
    let k = 0;
    const lines = steps.map((s, i) => {
      if (s.kind === "kernel") {
        const dims = s.kernel.shape.map((e, d) => (s.kernel.reduced[d] ? `${e}r` : e)).join(",");
        return `  ${i}: kernel k${k++} [${dims}]${s.kernel.reduce ? ` reduce_${s.kernel.reduce}` : ""} (${vars(s.ins)}) -> (${vars(s.outs)})`;
      }
      const e = s.eqn;
      const io = `(${vars(e.inputs)}) -> (${vars(e.outBinders)})`;
      if (s.kind === "library") return `  ${i}: library ${s.kernel.name} ${io}`;
      if (isLoopStep(e)) return `  ${i}: loop ${e.primitive.name} ${io} (compiled body, loop_step.ts)`; // biome-ignore format: long
      return `  ${i}: eager ${e.primitive.name} ${io}: ${eagerReason(s.eqn, target)}`;
    });
    this.print("steps", `${steps.length} steps:`, lines.join("\n"));
  }

  /** The library steps whose next step (a kernel) runs on each of their row chunks. */
  epilogues(steps: readonly number[]): void {
    if (!this.on("steps") || steps.length === 0) return;
    const text = steps.map((s) => `  step ${s + 1} runs on each row chunk of step ${s}`);
    this.print("steps", "epilogues:", text.join("\n"));
  }

  kernels(kernels: readonly Kernel[]): void {
    if (!this.on("kernels")) return;
    kernels.forEach((kn, i) => {
      this.print("kernels", `kernel k${i}:`, kernelToString(kn));
    });
  }

  wasm(kernels: readonly Kernel[], targetName: string): void {
    if (!this.on("wasm")) return;
    if (targetName !== "wasm") {
      this.print("wasm", "no WebAssembly module:", `  target '${targetName}'`);
      return;
    }
    if (kernels.length === 0) {
      this.print("wasm", "no WebAssembly module:", "  the program has no kernels");
      return;
    }
    const mod = new ModuleBuilder({ sharedMemory: isSharedMemory() });
    emitKernels(mod, kernels);
    this.print("wasm", "WebAssembly module:", describeModule(mod.build(), kernels));
  }
}

/** Why an equation runs eagerly (its primitive's own implementation). */
function eagerReason(
  e: JaxprEqn,
  target: { name: string; support: TargetSupport; library: readonly string[] },
): string {
  const lowering = e.primitive.rules.lower;
  if (lowering?.kind === "library" && !target.library.includes(lowering.name)) {
    return `no kernel lowering: target '${target.name}' has no library kernel '${lowering.name}' (its eager implementation runs)`;
  }
  if (lowering?.kind === "library") {
    return `the target's library kernel '${lowering.name}' does not take this equation (dtypes, strides or a literal operand); its eager implementation runs`;
  }
  const dtypes = e.inputs.map((a) => a.aval.dtype).join(", ");
  const anyTarget: TargetSupport = { unary: () => true, binary: () => true };
  return eqnKind(e, anyTarget) === "other"
    ? "no kernel lowering (its eager implementation runs)"
    : `target '${target.name}' lacks it on (${dtypes})`;
}

/**
 * The names JaxprPrinter gives a jaxpr's variables (in order of first
 * appearance: constvars, arguments, then each equation's out binders).
 */
function varNames(j: Jaxpr): (v: Var) => string {
  const names = new Map<Var, string>();
  const add = (v: Var) => {
    if (!names.has(v)) names.set(v, varName(names.size));
  };
  for (const v of j.constvars) add(v);
  for (const v of j.inBinders) add(v);
  for (const e of j.eqns) for (const v of e.outBinders) add(v);
  return (v) => names.get(v) ?? "?";
}

/** Size, imports, exports and function body sizes of a module's bytes. */
function describeModule(bytes: Uint8Array, kernels: readonly Kernel[]): string {
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const imports = WebAssembly.Module.imports(module).map(
    (i) => `${i.module}.${i.name} (${i.kind})`,
  );
  const exports = WebAssembly.Module.exports(module);
  const bodies = codeBodySizes(bytes);
  const nImportedFns = WebAssembly.Module.imports(module).filter(
    (i) => i.kind === "function",
  ).length;
  const lines = [
    `  ${bytes.length} bytes`,
    `  imports: ${imports.join(", ")}`,
    `  ${describeFma()}`,
  ];
  for (const x of exports) {
    const m = /^k(\d+)$/.exec(x.name);
    const k = m === null ? undefined : kernels[Number(m[1])];
    const params = k === undefined ? "" : ` (${k.args.length} addresses, start, end)`;
    lines.push(`  export ${x.name}: ${x.kind}${params}`);
  }
  bodies.forEach((size, i) => {
    lines.push(`  func ${i + nImportedFns}: ${size} bytes of code`);
  });
  return lines.join("\n");
}

/** The byte size of each function body in the module's code section. */
function codeBodySizes(bytes: Uint8Array): number[] {
  let p = 8; // magic and version
  const uleb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = uleb();
    if (id !== 10) {
      p += size;
      continue;
    }
    const count = uleb();
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const n = uleb();
      out.push(n);
      p += n;
    }
    return out;
  }
  return [];
}

/** Per-step wall times of the programs compiled while `profile` was on. */
interface StepProfile {
  program: number;
  labels: string[];
  ms: Float64Array;
  /** The fastest call of each step (less noisy on a loaded machine). */
  min: Float64Array;
  calls: number;
}
const profiles: StepProfile[] = [];
let profilePrinter = false;

function stepLabel(s: Step): string {
  if (s.kind === "kernel") {
    const dims = s.kernel.shape.map((e, d) => (s.kernel.reduced[d] ? `${e}r` : e)).join(",");
    return `kernel [${dims}]${s.kernel.reduce ? ` reduce_${s.kernel.reduce}` : ""}`;
  }
  const e = s.eqn;
  const shapes = [...e.inputs, ...e.outBinders].map((v) => `[${v.aval.shape.join(",")}]`);
  return `${s.kind === "library" ? "library" : isLoopStep(e) ? "loop" : "eager"} ${e.primitive.name} ${shapes.join(" ")}`; // biome-ignore format: long
}

/** Prints every profiled program's per-step times (ms per call, share of the total). */
export function printProfiles(): void {
  for (const p of profiles) {
    if (p.calls === 0) continue;
    const total = p.ms.reduce((a, b) => a + b, 0);
    const minTotal = p.min.reduce((a, b) => a + b, 0);
    const rows = p.labels.map((l, i) => {
      const ms = p.ms[i]! / p.calls;
      const pct = total > 0 ? (100 * p.ms[i]!) / total : 0;
      return `  ${String(i).padStart(3)}: ${ms.toFixed(3).padStart(8)} ms (min ${p.min[i]!.toFixed(3).padStart(7)}) ${pct.toFixed(1).padStart(5)}%  ${l}`;
    });
    sink(
      `[jaxts_debug profile] program ${p.program}: ${p.calls} calls, ${(total / p.calls).toFixed(3)} ms per call in steps (sum of the steps' fastest: ${minTotal.toFixed(3)} ms)\n${rows.join("\n")}`,
    );
  }
}

/**
 * With `profile` on (JAXTS_DEBUG=profile), each step of the program is timed
 * (wall clock, `performance.now`) and a per-step table is printed when the
 * process exits (or by `printProfiles`); otherwise `ops` unchanged.
 */
export function profiledOps<A extends unknown[]>(
  ops: readonly ((...args: A) => void)[],
  steps: readonly Step[],
): readonly ((...args: A) => void)[] {
  if (!debugStages().has("profile")) return ops;
  const prof: StepProfile = {
    program: programs,
    labels: steps.map(stepLabel),
    ms: new Float64Array(ops.length),
    min: new Float64Array(ops.length).fill(Number.POSITIVE_INFINITY),
    calls: 0,
  };
  profiles.push(prof);
  const proc = (globalThis as { process?: { on?: (ev: string, f: () => void) => void } }).process;
  if (!profilePrinter && proc?.on !== undefined) {
    profilePrinter = true;
    proc.on("exit", printProfiles);
  }
  return ops.map((op, i) => (...args: A) => {
    const t0 = performance.now();
    op(...args);
    const dt = performance.now() - t0;
    prof.ms[i]! += dt;
    if (dt < prof.min[i]!) prof.min[i] = dt;
    if (i === 0) prof.calls++;
  });
}
