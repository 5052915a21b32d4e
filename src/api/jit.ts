/**
 * `jit` and `makeJaxpr`: trace once per signature (input tree, shapes,
 * dtypes, weak types, tracing flags, static arguments' values), cache the
 * jaxpr per function (jit_cache.ts), and bind it as one `pjit` equation
 * (interpreters/jit.ts) whose impl runs the compiled program.
 */
import { config, withFlag } from "../config.js";
import type { Array } from "../core/array.js";
import { type ArrayLike, argToArray } from "../core/convert.js";
import type { ClosedJaxpr } from "../core/jaxpr.js";
import { bind, Tracer } from "../core/trace.js";
import { constsAsInputs, type PjitParams, pjitP } from "../interpreters/jit.js";
import { leafAval, traceToJaxpr } from "../interpreters/staging.js";
import { type AnyFn, checkFunction, checkOptions, kindOf, type OptionKeys } from "../options.js";
import { flatten, type TreeDef } from "../tree/index.js";
import { staticKey, traceCache } from "./jit_cache.js";
import { paramNames } from "./param_names.js";

export interface JitOptions {
  /** Positions of arguments that are configuration, not arrays: each distinct value retraces. */
  staticArgnums?: number | readonly number[];
  /**
   * Names of parameters that are static, as `staticArgnums`: JS has no
   * keyword arguments, so a name stands for the position `fn` declares it at
   * (read from its parameter list; an error when `fn` has no such parameter).
   */
  staticArgnames?: string | readonly string[];
  /**
   * Positions of arguments whose buffers the call may reuse for its outputs
   * (JAX's donate_argnums), e.g. the parameters in `params = step(params, x)`:
   * the loop then allocates nothing new. An argument whose buffer was reused
   * is deleted (using it throws); one that could not be reused stays valid.
   * A hint: ignored under transformations and by the interpreter.
   */
  donateArgnums?: number | readonly number[];
}

interface CacheEntry {
  jaxpr: ClosedJaxpr;
  outTree: TreeDef;
  consts: Array[];
}

const JIT_KEYS: OptionKeys<JitOptions> = {
  staticArgnums: true,
  staticArgnames: true,
  donateArgnums: true,
};

/** The positions `fn` declares the parameters `names` at (jit's staticArgnames). */
function argnamePositions(
  fn: AnyFn,
  x: string | readonly string[] | undefined,
  op: string,
): readonly number[] {
  if (x === undefined) return [];
  const list = typeof x === "string" ? [x] : x;
  if (!globalThis.Array.isArray(list) || list.some((n) => typeof n !== "string")) {
    throw new TypeError(
      `${op}: staticArgnames must be a string or a list of strings, got ${kindOf(x)}`,
    );
  }
  const params = paramNames(fn);
  return list.map((name) => {
    const i = params?.names.indexOf(name) ?? -1;
    if (i < 0 || (params!.rest && i === params!.names.length - 1)) {
      const declared = params === null ? "its parameters cannot be read from its source" : `its parameters: ${params.names.map((n) => n ?? "<destructured>").join(", ")}`; // biome-ignore format: long
      throw new TypeError(
        `${op}: staticArgnames entry '${name}' is not a named parameter of the function (${declared}); ` +
          "JS has no keyword arguments, so a static name must be a declared parameter — or use staticArgnums",
      );
    }
    return i;
  });
}

/** Positions as a list, each an integer (range-checked per call, when the arity is known). */
function argnumList(
  x: number | readonly number[] | undefined,
  fnName: string,
  option: string,
): readonly number[] {
  if (x === undefined || x === null) return [];
  const list = typeof x === "number" ? [x] : x;
  if (!globalThis.Array.isArray(list) || list.some((i) => !Number.isInteger(i))) {
    throw new TypeError(
      `${fnName}: ${option} must be an integer or a list of integers, got ${kindOf(x)}`,
    );
  }
  return list;
}

function normalizeStatics(
  staticArgnums: readonly number[],
  nargs: number,
  fnName: string,
): Set<number> {
  return new Set(
    staticArgnums.map((i) => {
      const j = i < 0 ? i + nargs : i;
      if (j < 0 || j >= nargs) {
        throw new Error(
          `${fnName}: staticArgnums entry ${i} is out of range for a call with ${nargs} arguments`,
        );
      }
      return j;
    }),
  );
}

/** Re-interleaves static arguments with the (traced) dynamic ones. */
function mergeStatics(
  args: readonly unknown[],
  statics: Set<number>,
  dyn: readonly unknown[],
): unknown[] {
  let d = 0;
  return args.map((a, i) => (statics.has(i) ? a : dyn[d++]));
}

/**
 * `jax.jit(fn, { staticArgnums, donateArgnums })`: traces `fn` once per call
 * signature and runs the compiled program. Traces are cached per function
 * (see jit_cache.ts), so `jit(f)` of the same `f` reuses them. Typed as f
 * itself (a JS number f returns comes back as a 0-d Array, typed as f says).
 */
export function jit<F extends AnyFn>(fn: F, options?: JitOptions): F {
  checkFunction(fn, "jit");
  const name = fn.name || "fn";
  const op = `jit(${name})`;
  const opts = checkOptions(op, options, JIT_KEYS);
  const staticArgnums = [
    ...new Set([
      ...argnumList(opts.staticArgnums, op, "staticArgnums"),
      ...argnamePositions(fn, opts.staticArgnames, op),
    ]),
  ];
  const donateArgnums = argnumList(opts.donateArgnums, op, "donateArgnums");
  const cache = traceCache<CacheEntry>(fn, staticArgnums.join(","));

  const jitted = (...args: unknown[]): unknown => {
    if (config.read("jax_disable_jit")) return fn(...args);
    const statics = normalizeStatics(staticArgnums, args.length, op);
    const dynamic = args.filter((_, i) => !statics.has(i));
    const [leaves, inTree] = flatten(dynamic);
    const avals = leaves.map((l) => leafAval(l, op, 0));
    const staticKeys = [...statics].map((i) => `${i}=${staticKey(args[i], op, i)}`).join(";");
    const key = `${config.traceKey()}|${args.length}|${inTree}|${avals.map((a) => a.key()).join(";")}|${staticKeys}`;

    let entry = cache.get(key);
    if (entry === undefined) {
      const traced = traceToJaxpr(
        (...dyn: unknown[]) => fn(...mergeStatics(args, statics, dyn)),
        avals,
        inTree,
        op,
      );
      // Constants become explicit inputs of the pjit equation, so that outer
      // transformations see them; a trace that closed over tracers is not reused.
      const consts = [...traced.closed.consts];
      entry = { jaxpr: constsAsInputs(traced.closed), outTree: traced.outTree, consts };
      if (!consts.some((c) => c instanceof Tracer)) cache.set(key, entry);
    }
    const inputs = [...entry.consts, ...leaves.map((l) => argToArray(l as ArrayLike, op))];
    const donated = donatedLeaves(donateArgnums, args, statics, entry.consts.length, name);
    const params: PjitParams =
      donated !== null && !inputs.some((x) => x instanceof Tracer)
        ? { name, jaxpr: entry.jaxpr, donated }
        : { name, jaxpr: entry.jaxpr };
    const outs = bind(pjitP, inputs, params);
    return entry.outTree.unflatten(outs);
  };
  Object.defineProperty(jitted, "name", { value: `jit(${name})` });
  return jitted as F;
}

/** Per pjit input (constants first): whether it is a leaf of a donated argument; null if none. */
function donatedLeaves(
  donateArgnums: readonly number[],
  args: readonly unknown[],
  statics: Set<number>,
  nConsts: number,
  name: string,
): boolean[] | null {
  if (donateArgnums.length === 0) return null;
  const donate = new Set<number>();
  for (const i of donateArgnums) {
    const j = i < 0 ? i + args.length : i;
    if (j < 0 || j >= args.length) {
      throw new Error(
        `jit(${name}): donateArgnums entry ${i} is out of range for a call with ${args.length} arguments`,
      );
    }
    donate.add(j);
  }
  if (donate.size === 0) return null;
  const out = new globalThis.Array<boolean>(nConsts).fill(false);
  args.forEach((a, i) => {
    if (statics.has(i)) {
      if (donate.has(i)) {
        throw new Error(`jit(${name}): argument ${i} is both static and donated`);
      }
      return;
    }
    const n = flatten(a)[0].length;
    for (let k = 0; k < n; k++) out.push(donate.has(i));
  });
  return out;
}

/** `jax.make_jaxpr`'s options. */
export interface MakeJaxprOptions {
  /** Positions of arguments that are configuration (see JitOptions). */
  staticArgnums?: number | readonly number[];
}
const MAKE_JAXPR_KEYS: OptionKeys<MakeJaxprOptions> = { staticArgnums: true };

/** `jax.make_jaxpr`: traces `fn` on example arguments and returns its (printable) closed jaxpr. */
export function makeJaxpr<F extends AnyFn>(
  fn: F,
  options?: MakeJaxprOptions,
): (...args: Parameters<F>) => ClosedJaxpr {
  checkFunction(fn, "makeJaxpr");
  const name = fn.name || "fn";
  const opts = checkOptions(`makeJaxpr(${name})`, options, MAKE_JAXPR_KEYS);
  const staticArgnums = argnumList(opts.staticArgnums, `makeJaxpr(${name})`, "staticArgnums");
  return (...args: Parameters<F>) => {
    const statics = normalizeStatics(staticArgnums, args.length, `makeJaxpr(${name})`);
    const dynamic = args.filter((_, i) => !statics.has(i));
    const [leaves, inTree] = flatten(dynamic);
    const avals = leaves.map((l) => leafAval(l, `makeJaxpr(${name})`, 0));
    return traceToJaxpr(
      (...dyn: unknown[]) => fn(...mergeStatics(args, statics, dyn)),
      avals,
      inTree,
      `makeJaxpr(${name})`,
    ).closed;
  };
}

/**
 * `jax.disable_jit()`: runs `body` with jitted functions running their
 * bodies eagerly, op by op (`disable` false re-enables jit inside an outer
 * disableJit). The previous setting is restored afterwards.
 */
export function disableJit<T>(body: () => T, disable = true): T {
  if (typeof body !== "function") {
    throw new TypeError(`disableJit: body must be a function, got ${kindOf(body)}`);
  }
  if (typeof disable !== "boolean") {
    throw new TypeError(`disableJit: disable must be a boolean, got ${kindOf(disable)}`);
  }
  return withFlag("jax_disable_jit", disable, body);
}
