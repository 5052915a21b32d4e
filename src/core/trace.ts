/**
 * The interpreter stack (as in Autodidax). Every transformation is a Trace
 * with its own Tracer type; `bind` finds the innermost (highest-level) trace
 * among the arguments and hands it the primitive. Level 0 is eager
 * evaluation. A "dynamic" trace (jit/makeJaxpr staging) captures every
 * operation, even those on constants.
 */

import { config } from "../config.js";
import { isInexact } from "../dtype.js";
import { ConcretizationTypeError, UnexpectedTracerError } from "../errors.js";
import { Array, ArrayImpl, hostValues } from "./array.js";
import type { ShapedArray } from "./aval.js";
import { ClosedJaxpr, evalClosedJaxpr } from "./jaxpr.js";
import type { AnyPrimitive } from "./primitive.js";

export class MainTrace {
  readonly trace: Trace;
  active = true;
  constructor(
    readonly level: number,
    traceType: TraceClass,
    /** Per-transformation data (e.g. the jaxpr builder, the vmap axis). */
    readonly globalData: unknown,
    /** The transformation's user-facing name, for error messages. */
    readonly transform: string,
  ) {
    this.trace = new traceType(this);
  }
}

export type TraceClass = new (main: MainTrace) => Trace;

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a value from a lower level as a tracer of this trace. */
  abstract pure(x: Array): Array;
  lift(x: Array): Array {
    return this.pure(x);
  }
  abstract processPrimitive(prim: AnyPrimitive, args: Array[], params: object): Array[];
}

export abstract class Tracer extends Array {
  abstract get trace(): Trace;
  /** The value this tracer stands for at a lower level, when it carries nothing more. */
  fullLower(): Array {
    return this;
  }
  /**
   * The concrete value this tracer's value is known to be, or null (JAX's
   * `to_concrete_value`): a JVP tracer over a concrete primal, a partially
   * evaluated value that is known. Under `grad` outside `jit`, this is what
   * lets Python-style control flow branch on the value (`x.item()`, `x < 3`).
   */
  toConcrete(): ArrayImpl | null {
    return null;
  }
  /** The tracer whose value is unknown, below this one (what a concretization error names). */
  unknownBelow(): Tracer {
    return this;
  }
}

/** x's concrete value when it has one (an array, or a tracer whose value is known), else null. */
export function concreteValueOf(x: Array): ArrayImpl | null {
  if (x instanceof ArrayImpl) return x;
  return x instanceof Tracer ? x.toConcrete() : null;
}

/** A backend's eager path: the result of an application, or null to run the primitive's impl. */
export type EagerHook = (
  prim: AnyPrimitive,
  args: ArrayImpl[],
  params: object,
) => ArrayImpl[] | null;
let eagerHook: EagerHook | null = null;

/** Installs a backend's eager path (e.g. compiled kernels for large operands); null removes it. */
export function setEagerHook(hook: EagerHook | null): void {
  eagerHook = hook;
}

function evalPrimitive(prim: AnyPrimitive, args: ArrayImpl[], params: object): Array[] {
  if (config.read("jax_debug_nans") || config.read("jax_debug_infs")) {
    return evalChecked(prim, args, params);
  }
  const outs = eagerHook === null ? null : eagerHook(prim, args, params);
  return outs ?? prim.rules.impl(args, params);
}

/** `evalPrimitive` under jax_debug_nans/infs: an error from inside a jitted call names the call. */
function evalChecked(prim: AnyPrimitive, args: ArrayImpl[], params: object): Array[] {
  const outs = insideCall(
    prim,
    params,
    () =>
      (eagerHook === null ? null : eagerHook(prim, args, params)) ?? prim.rules.impl(args, params),
  );
  checkDebugValues(prim, args, params, outs);
  return outs;
}

/** Runs `fn`; a FloatingPointError raised inside a call primitive (pjit) gets the call's name. */
function insideCall<T>(prim: AnyPrimitive, params: object, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const name = (params as { name?: unknown }).name;
    if (e instanceof FloatingPointError && typeof name === "string") {
      e.message += `\n  inside ${prim.name} '${name}'`;
    }
    throw e;
  }
}

/** JAX's FloatingPointError: `jax_debug_nans`/`jax_debug_infs` found a NaN or an infinity. */
export class FloatingPointError extends Error {
  override name = "FloatingPointError";
}

/** Which non-finite value (if any) the flags ask about appears in `x`. */
function badValue(x: Array): "nan" | "inf" | null {
  if (!(x instanceof ArrayImpl) || !isInexact(x.dtype) || x.isDeleted) return null;
  const nans = config.read("jax_debug_nans");
  const infs = config.read("jax_debug_infs");
  const v = hostValues(x);
  for (let i = 0; i < v.length; i++) {
    const e = v[i]!;
    if (!Number.isFinite(e)) {
      if (Number.isNaN(e)) {
        if (nans) return "nan";
      } else if (infs) return "inf";
    }
  }
  return null;
}

/**
 * `jax_debug_nans`/`jax_debug_infs`: raises at the primitive whose outputs
 * hold a NaN/infinity. A primitive that calls a jaxpr with the same inputs
 * (a jitted call) is first re-run de-optimized, equation by equation, so the
 * error names the equation inside it that made the value, as JAX does.
 */
function checkDebugValues(
  prim: AnyPrimitive,
  args: ArrayImpl[],
  params: object,
  outs: Array[],
): void {
  let bad: "nan" | "inf" | null = null;
  for (const o of outs) {
    bad = badValue(o);
    if (bad !== null) break;
  }
  if (bad === null) return;
  const closed = (params as { jaxpr?: unknown }).jaxpr;
  if (
    closed instanceof ClosedJaxpr &&
    closed.inAvals.length === args.length &&
    closed.inAvals.every((a, i) => a.key() === args[i]!.aval.key()) &&
    !args.some((a) => a.isDeleted)
  ) {
    // Raises at the inner equation (its own check runs on each eager primitive).
    insideCall(prim, params, () => evalClosedJaxpr(closed, args));
  }
  const flag = bad === "nan" ? "jax_debug_nans" : "jax_debug_infs";
  throw new FloatingPointError(
    `invalid value (${bad}) encountered in ${prim.name} (config flag ${flag} is on; ` +
      `the inputs were ${args.map((a) => a.aval.str()).join(", ") || "none"})`,
  );
}

class EvalTrace extends Trace {
  pure(x: Array): Array {
    return x;
  }
  processPrimitive(prim: AnyPrimitive, args: Array[], params: object): Array[] {
    return evalPrimitive(prim, args as ArrayImpl[], params);
  }
}

const traceStack: MainTrace[] = [new MainTrace(0, EvalTrace, null, "eager evaluation")];
let dynamicTrace: MainTrace = traceStack[0]!;

/** Runs `fn` with a new main trace pushed on the stack. */
export function newMain<T>(
  traceType: TraceClass,
  globalData: unknown,
  transform: string,
  fn: (main: MainTrace) => T,
): T {
  const main = new MainTrace(traceStack.length, traceType, globalData, transform);
  traceStack.push(main);
  try {
    return fn(main);
  } finally {
    traceStack.pop();
    main.active = false;
  }
}

/** Runs `fn` with a new main trace that also captures operations on constants. */
export function newDynamic<T>(
  traceType: TraceClass,
  globalData: unknown,
  transform: string,
  fn: (main: MainTrace) => T,
): T {
  return newMain(traceType, globalData, transform, (main) => {
    const prev = dynamicTrace;
    dynamicTrace = main;
    try {
      return fn(main);
    } finally {
      dynamicTrace = prev;
    }
  });
}

/** The active main traces bound to an axis name (vmap/pmap with axisName), innermost last. */
export function findAxisMain(name: string | symbol): MainTrace | undefined {
  for (let i = traceStack.length - 1; i >= 0; i--) {
    const main = traceStack[i]!;
    const data = main.globalData as { name?: unknown } | null;
    if (data !== null && typeof data === "object" && data.name === name) return main;
  }
  return undefined;
}

/** The axis names currently bound, for error messages. */
export function boundAxisNames(): (string | symbol)[] {
  return traceStack
    .map((m) => (m.globalData as { name?: unknown } | null)?.name)
    .filter((n): n is string | symbol => typeof n === "string" || typeof n === "symbol");
}

// jax.errors' classes (src/errors.ts), thrown here and re-exported for core's importers.
export { ConcretizationTypeError, UnexpectedTracerError };

function tracerError(t: Tracer): UnexpectedTracerError {
  return new UnexpectedTracerError(
    `Encountered an unexpected tracer (${t.aval.str()}) that escaped from ${t.trace.main.transform}: ` +
      "a value computed inside a transformed function was stored outside it (in a global, a closure " +
      "or an object) and used after the transformation returned. Return the value from the " +
      "function instead, or pass it in as an argument.",
  );
}

function findTopTrace(args: readonly Array[]): Trace {
  let top = dynamicTrace;
  for (const x of args) {
    if (x instanceof Tracer) {
      const main = x.trace.main;
      if (!main.active) throw tracerError(x);
      if (main.level > top.level) top = main;
    }
  }
  return top.trace;
}

function fullRaise(trace: Trace, x: Array): Array {
  if (!(x instanceof Tracer)) return trace.pure(x);
  const main = x.trace.main;
  if (main === trace.main) return x;
  if (main.level < trace.main.level) return trace.lift(x);
  throw tracerError(x);
}

function fullLower(x: Array): Array {
  return x instanceof Tracer ? x.fullLower() : x;
}

/** Applies a primitive to arguments at whatever level of transformation they live. */
export function bind(prim: AnyPrimitive, args: readonly Array[], params: object): Array[] {
  let trace = findTopTrace(args);
  if (prim.collective) {
    // A collective belongs to the trace binding its axis name even when its
    // operands do not vary along that axis (a constant in a jaxpr evaluated under vmap).
    const axisMain = findAxisMain((params as { axisName?: string | symbol }).axisName ?? "");
    if (axisMain !== undefined && axisMain.level > trace.main.level) trace = axisMain.trace;
  }
  if (trace.main.level === 0) return evalPrimitive(prim, args as ArrayImpl[], params);
  const raised = args.map((x) => fullRaise(trace, x));
  return trace.processPrimitive(prim, raised, params).map(fullLower);
}

/** `bind` for primitives with a single result. */
export function bind1(prim: AnyPrimitive, args: readonly Array[], params: object): Array {
  return bind(prim, args, params)[0]!;
}

/** The abstract value of any array or tracer (what tracing knows of it). */
export function getAval(x: Array): ShapedArray {
  return x.aval;
}

/** Whether `x` holds a concrete value here (not a tracer of an active transformation). */
export function isConcrete(x: Array): x is ArrayImpl {
  return x instanceof ArrayImpl;
}

/**
 * The concrete value of `x`, or an error explaining what to do instead: a
 * ConcretizationTypeError, or the class given for the conversion that needed
 * the value, as JAX's Tracer methods raise them (`__bool__`:
 * TracerBoolConversionError, `__index__`: TracerIntegerConversionError,
 * `__array__`: TracerArrayConversionError).
 */
export function concreteOrError(
  x: Array,
  context: string,
  errorClass: new (message: string) => Error = ConcretizationTypeError,
): ArrayImpl {
  const c = concreteValueOf(x);
  if (c !== null) return c;
  const t = (x as Tracer).unknownBelow();
  throw new errorClass(
    `${context}: attempted to use a traced value (${x.aval.str()}) from ${t.trace.main.transform} ` +
      "as a concrete JS value. Its value is not known while tracing. Use lax.cond or lax.switch " +
      "for branching on it, lax.whileLoop or lax.foriLoop for loops, or mark the argument static " +
      "(jit's staticArgnums) if it really is a constant.",
  );
}
