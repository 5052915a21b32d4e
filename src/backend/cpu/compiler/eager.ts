/**
 * Eager operations on large arrays run the compiled kernels, one equation at
 * a time: a program of one equation is compiled once per primitive, operand
 * types and params, and cached. Small operations keep the reference JS
 * kernels, whose per-call overhead is lower than any compiled call's.
 */
import { config } from "../../../config.js";
import type { ArrayImpl } from "../../../core/array.js";
import { ShapedArray } from "../../../core/aval.js";
import { ClosedJaxpr, Jaxpr, type JaxprEqn, Var } from "../../../core/jaxpr.js";
import type { AnyPrimitive } from "../../../core/primitive.js";
import { type CompiledProgram, compileProgram, getDefaultTarget, targetCompiles } from "./index.js";
import { paramsKey } from "./passes.js";
import type { Executable } from "./program.js";

/** Operations on fewer elements than this run the JS kernels. */
export const EAGER_MIN_SIZE = 16384;

const cache = new Map<string, Executable | null>();

/**
 * A one-equation program for this application, or null when the target
 * cannot compile it. Whether it compiles is decided up front, by capability
 * (the equation's kind and dtypes, what the target supports); the
 * primitive's abstractEval runs first, so invalid arguments get the
 * primitive's own named error. An exception inside the compiler is a bug:
 * it surfaces as an internal error naming the primitive, never as a silent
 * switch to the JS kernel.
 */
function programFor(
  prim: AnyPrimitive,
  args: readonly ArrayImpl[],
  params: object,
): Executable | null {
  const target = getDefaultTarget();
  const key = `${target.name}|${prim.name}|${args.map((a) => a.aval.key()).join(";")}|${paramsKey(params)}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const ins = args.map((a) => new Var(new ShapedArray(a.shape, a.dtype, a.weakType)));
  const outAvals = prim.rules.abstractEval(
    ins.map((v) => v.aval),
    params,
  );
  const outs = outAvals.map((a) => new Var(a));
  const eqn: JaxprEqn = { primitive: prim, inputs: ins, params, outBinders: outs };
  let exe: Executable | null = null;
  if (targetCompiles(eqn, target)) {
    const what = `${prim.name} on (${ins.map((v) => v.aval.str()).join(", ")})`;
    let program: CompiledProgram;
    try {
      program = compileProgram(new ClosedJaxpr(new Jaxpr([], ins, [eqn], outs), []), {
        label: `eager ${prim.name}`,
      });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(
        `internal compiler error: compiling the eager application of ${what} for target ` +
          `'${target.name}' failed (a bug in jaxts): ${msg}`,
        { cause: err },
      );
    }
    if (program.steps.some((s) => s.kind === "eager")) {
      throw new Error(
        `internal compiler error: the eager application of ${what} was judged compilable for ` +
          `target '${target.name}' but compiled to an eager step (a bug in jaxts)`,
      );
    }
    exe = program.exe;
  }
  if (cache.size > 4096) cache.clear();
  cache.set(key, exe);
  return exe;
}

/**
 * The eager hook: the compiled result of applying `prim`, or null to run its
 * JS implementation (small operands, or no compiled form).
 */
export function eagerCompiled(
  prim: AnyPrimitive,
  args: readonly ArrayImpl[],
  params: object,
): ArrayImpl[] | null {
  let big = false;
  for (let i = 0; i < args.length; i++) if (args[i]!.size >= EAGER_MIN_SIZE) big = true;
  // A "free" primitive (a copy or reinterpretation) is as fast eagerly as compiled.
  if (
    !big ||
    prim.rules.facts.cost === "free" ||
    prim.multipleResults ||
    !config.read("jaxts_compile")
  ) {
    return null;
  }
  const exe = programFor(prim, args, params);
  return exe === null ? null : exe(args);
}
