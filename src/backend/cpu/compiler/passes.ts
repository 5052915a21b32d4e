/**
 * Jaxpr-to-jaxpr simplification before fusion: inlining of calls, constant folding, algebraic
 * simplification, common-subexpression elimination and dead-code
 * elimination. Each pass returns a new Jaxpr over the same Var objects (so
 * the program's inputs and outputs keep their identity) and never changes
 * what the program computes, beyond the sign of a zero (x + 0 → x).
 */
import { ArrayImpl, type Array as JaxArray } from "../../../core/array.js";
import {
  type Atom,
  type ClosedJaxpr,
  Jaxpr,
  type JaxprEqn,
  Literal,
  Var,
} from "../../../core/jaxpr.js";
import { objectId } from "../../../core/object_id.js";
import type { AnyPrimitive } from "../../../core/primitive.js";
import { type DType, isComplex, isDType, isHalf, isInt64 } from "../../../dtype.js";
import type { FlatFn } from "../../../interpreters/custom.js";
import type { CallParams } from "../../../interpreters/jit.js";
import { traceToJaxpr } from "../../../interpreters/staging.js";
import { dotGeneralP } from "../../../lax/dot.js";
import { shapesEqual } from "../../../shape.js";
import { flatten } from "../../../tree/index.js";
import { cpuData } from "../buffer.js";
import { scanProducts } from "./loop_passes.js";

/** Whether an equation may be merged or dropped (its primitive's pure fact). */
const pure = (e: JaxprEqn): boolean => e.primitive.rules.facts.pure;

// --- Stable keys of params (for CSE) ---------------------------------------------

/** A string equal for equal params: plain data by value, anything else (jaxprs, functions) by identity. */
export function paramsKey(params: object): string {
  return JSON.stringify(params, (_k, v: unknown) => {
    // JSON writes -0 as 0 and NaN/±inf as null: numbers that JSON would merge get their own keys.
    if (typeof v === "number" && (Object.is(v, -0) || !Number.isFinite(v)))
      return `#num${String(Object.is(v, -0) ? "-0" : v)}`;
    if (typeof v === "function") return `#fn${objectId(v)}`;
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return `#obj${objectId(v)}`;
    return v;
  });
}

// --- Inlining of calls -------------------------------------------------------------------

/** A call's body as a closed jaxpr over its inputs' types, or null when it is not a call. */
function callBody(e: JaxprEqn): ClosedJaxpr | null {
  const name = e.primitive.name;
  if (name === "pjit" || name === "checkpoint") return (e.params as CallParams).jaxpr;
  if (name === "custom_jvp_call" || name === "custom_vjp_call") {
    // The primal function (its derivative rules were applied before this jaxpr was made).
    const { fun, name: fn } = e.params as { fun: FlatFn; name: string };
    const avals = e.inputs.map((a) => a.aval);
    const [, tree] = flatten(avals.map(() => 0));
    return traceToJaxpr((...xs) => fun(...(xs as JaxArray[])), avals, tree, `inline(${fn})`).closed;
  }
  return null;
}

/**
 * Inlines calls — nested jit (`pjit`), `checkpoint`, and the primal bodies of
 * customJvp/customVjp functions — into the program, so their equations fuse
 * and compile with the rest instead of running as eager steps (an outer
 * transformation already applied the custom rules; what is left to compute
 * is the primal function). A body's 0-d constants become literals; a call
 * whose body closes over a larger constant stays a call.
 */
export function inlineCalls(jaxpr: Jaxpr): Jaxpr {
  const subst = new Map<Var, Atom>();
  const read = (a: Atom): Atom => (a instanceof Var ? (subst.get(a) ?? a) : a);
  const eqns: JaxprEqn[] = [];
  const visit = (list: readonly JaxprEqn[]): void => {
    for (const e0 of list) {
      const e: JaxprEqn = { ...e0, inputs: e0.inputs.map(read) };
      const body = callBody(e);
      const consts = body === null ? null : literalConsts(body);
      if (body === null || consts === null) {
        eqns.push(e);
        continue;
      }
      const inner = body.jaxpr;
      inner.constvars.forEach((v, i) => subst.set(v, consts[i]!));
      inner.inBinders.forEach((v, i) => subst.set(v, e.inputs[i]!));
      visit(inner.eqns);
      inner.outs.forEach((o, i) => subst.set(e.outBinders[i]!, read(o)));
    }
  };
  visit(jaxpr.eqns);
  return new Jaxpr(jaxpr.constvars, jaxpr.inBinders, eqns, jaxpr.outs.map(read));
}

/** A body's constants as literals, or null when one is not 0-d. */
function literalConsts(body: ClosedJaxpr): Literal[] | null {
  const out: Literal[] = [];
  for (const c of body.consts) {
    if (
      !(c instanceof ArrayImpl) ||
      c.ndim !== 0 ||
      isHalf(c.dtype) ||
      isComplex(c.dtype) ||
      isInt64(c.dtype)
    ) {
      return null;
    }
    const v = cpuData(c)[0]!;
    out.push(new Literal(c.dtype === "bool" ? v !== 0 : v, c.aval));
  }
  return out;
}

// --- Constant folding and algebraic simplification ---------------------------------

/** What is known of a value: a scalar broadcast to its shape (literal or splat of one). */
function scalarOf(a: Atom, splats: Map<Var, number | boolean>): number | boolean | undefined {
  if (a instanceof Literal) return a.value;
  return splats.get(a);
}

const isNum = (v: number | boolean | undefined, x: number): boolean =>
  v !== undefined && typeof v === "number" && v === x;

/**
 * Folds scalar computations on literals, turns broadcasts of scalars into
 * known splats, and applies identities (x·1, x+0, x−0, x/1, −(−x), converts
 * and reshapes to the same type, identity transposes). Returns a new jaxpr.
 */
export function simplify(jaxpr: Jaxpr): Jaxpr {
  const subst = new Map<Var, Atom>();
  const splats = new Map<Var, number | boolean>();
  const producer = new Map<Var, JaxprEqn>();
  const read = (a: Atom): Atom => (a instanceof Var ? (subst.get(a) ?? a) : a);
  const eqns: JaxprEqn[] = [];
  for (const e0 of jaxpr.eqns) {
    const inputs = e0.inputs.map(read);
    const e: JaxprEqn = { ...e0, inputs };
    const name = e.primitive.name;
    const out = e.outBinders[0];
    const replace = (a: Atom): boolean => {
      // Only when the types agree exactly (weak types included): the program's types stay.
      if (out === undefined || e.outBinders.length !== 1) return false;
      if (!a.aval.equals(out.aval)) return false;
      subst.set(out, a);
      return true;
    };
    if (pure(e) && out !== undefined && e.outBinders.length === 1) {
      // Scalar folding: every input a literal, a 0-d result.
      if (
        e.primitive.rules.facts.foldable &&
        out.aval.ndim === 0 &&
        inputs.every((a) => a instanceof Literal)
      ) {
        const lit = foldScalar(e.primitive, inputs as Literal[], e.params);
        if (lit !== null && replaceWithLiteral(out, lit, subst)) continue;
      }
      if (name === "broadcast_in_dim") {
        const v = scalarOf(inputs[0]!, splats);
        if (v !== undefined) splats.set(out, v);
        if (shapesEqual(inputs[0]!.aval.shape, out.aval.shape) && replace(inputs[0]!)) continue;
      }
      if (simplifyIdentity(name, e, inputs, splats, producer, replace)) continue;
    }
    for (const v of e.outBinders) producer.set(v, e);
    eqns.push(e);
  }
  const outs = jaxpr.outs.map(read);
  return new Jaxpr(jaxpr.constvars, jaxpr.inBinders, eqns, outs);
}

function replaceWithLiteral(out: Var, lit: Literal, subst: Map<Var, Atom>): boolean {
  if (!lit.aval.equals(out.aval)) return false;
  subst.set(out, lit);
  return true;
}

/**
 * Evaluates an elementwise primitive on literal scalars with its own
 * (reference) kernel. An exception from the kernel propagates: it is the
 * error the interpreter would raise running the equation (a fused kernel
 * would compute a value instead, so it is never swallowed here).
 */
function foldScalar(prim: AnyPrimitive, inputs: Literal[], params: object): Literal | null {
  // Half, complex and 64-bit integer dtypes are never folded: their kernels run in the
  // program (halves.ts, complex.ts, int64.ts).
  const special = (d: DType): boolean => isHalf(d) || isComplex(d) || isInt64(d);
  if (
    inputs.some((l) => special(l.aval.dtype)) ||
    Object.values(params).some((v) => isDType(v) && special(v))
  )
    return null;
  const args = inputs.map((l) => ArrayImpl.scalar(l.value, l.aval.dtype, l.aval.weakType));
  const [r] = prim.rules.impl(args, params);
  if (r === undefined || r.size !== 1) return null;
  const v = cpuData(r)[0]!;
  return new Literal(r.dtype === "bool" ? v !== 0 : v, r.aval);
}

function simplifyIdentity(
  name: string,
  e: JaxprEqn,
  inputs: readonly Atom[],
  splats: Map<Var, number | boolean>,
  producer: Map<Var, JaxprEqn>,
  replace: (a: Atom) => boolean,
): boolean {
  const [x, y] = inputs;
  const sx = x && scalarOf(x, splats);
  const sy = y && scalarOf(y, splats);
  switch (name) {
    case "mul":
      return (isNum(sy, 1) && replace(x!)) || (isNum(sx, 1) && replace(y!));
    case "add":
      return (isNum(sy, 0) && replace(x!)) || (isNum(sx, 0) && replace(y!));
    case "sub":
      return isNum(sy, 0) && replace(x!);
    case "div":
      return isNum(sy, 1) && replace(x!);
    case "neg": {
      const p = x instanceof Var ? producer.get(x) : undefined;
      return p !== undefined && p.primitive.name === "neg" && replace(p.inputs[0]!);
    }
    case "convert_element_type":
    case "copy":
    case "stop_gradient":
    case "reshape":
    case "squeeze":
      // Same type (and for reshapes the same shape): nothing to do.
      return replace(x!);
    case "transpose": {
      const perm = (e.params as { permutation: readonly number[] }).permutation;
      return perm.every((p, i) => p === i) && replace(x!);
    }
    case "select_n": {
      const w = sx;
      if (w === undefined || inputs.length < 2) return false;
      const k = Math.min(Math.max(Number(w), 0), inputs.length - 2);
      return replace(inputs[1 + k]!);
    }
    case "reduce_sum":
    case "reduce_max":
    case "reduce_min":
    case "reduce_prod":
      return (e.params as { axes: readonly number[] }).axes.length === 0 && replace(x!);
    default:
      return false;
  }
}

// --- Common subexpressions and dead code ----------------------------------------------

/** Merges equations that apply the same primitive with the same params to the same inputs. */
export function cse(jaxpr: Jaxpr): Jaxpr {
  const ids = new Map<Var, number>();
  const idOf = (v: Var): number => {
    let id = ids.get(v);
    if (id === undefined) {
      id = ids.size;
      ids.set(v, id);
    }
    return id;
  };
  const subst = new Map<Var, Var>();
  const read = (a: Atom): Atom => (a instanceof Var ? (subst.get(a) ?? a) : a);
  const atomKey = (a: Atom): string =>
    // A -0 literal is not a 0 literal (String(-0) is "0").
    a instanceof Literal
      ? `${Object.is(a.value, -0) ? "-0" : String(a.value)}:${a.aval.key()}`
      : `v${idOf(a)}`;
  const seen = new Map<string, JaxprEqn>();
  const eqns: JaxprEqn[] = [];
  for (const e0 of jaxpr.eqns) {
    const inputs = e0.inputs.map(read);
    const e: JaxprEqn = { ...e0, inputs };
    if (pure(e)) {
      const key = `${e.primitive.name}|${objectId(e.primitive)}|${inputs.map(atomKey).join(",")}|${paramsKey(e.params)}`;
      const prev = seen.get(key);
      if (prev?.outBinders.every((v, i) => v.aval.equals(e.outBinders[i]!.aval))) {
        e.outBinders.forEach((v, i) => subst.set(v, prev.outBinders[i]!));
        continue;
      }
      seen.set(key, e);
    }
    eqns.push(e);
  }
  return new Jaxpr(jaxpr.constvars, jaxpr.inBinders, eqns, jaxpr.outs.map(read));
}

/** Drops equations none of whose outputs are used. */
export function dce(jaxpr: Jaxpr): Jaxpr {
  const live = new Set<Var>();
  for (const a of jaxpr.outs) if (a instanceof Var) live.add(a);
  const kept: JaxprEqn[] = [];
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i]!;
    if (pure(e) && !e.outBinders.some((v) => live.has(v))) continue;
    kept.push(e);
    for (const a of e.inputs) if (a instanceof Var) live.add(a);
  }
  kept.reverse();
  return new Jaxpr(jaxpr.constvars, jaxpr.inBinders, kept, jaxpr.outs);
}

// --- Transposed products ---------------------------------------------------------------

type DotDims = readonly [
  readonly [readonly number[], readonly number[]],
  readonly [readonly number[], readonly number[]],
];

/**
 * transpose(dot_general(a, b)) that swaps the two free parts of the result
 * (reverse mode makes these for every weight gradient) is dot_general(b, a):
 * the product writes the transposed layout directly and no copy runs.
 */
export function foldTransposedProducts(jaxpr: Jaxpr): Jaxpr {
  const uses = new Map<Var, number>();
  const producer = new Map<Var, JaxprEqn>();
  for (const e of jaxpr.eqns) {
    for (const a of e.inputs) if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
    for (const v of e.outBinders) producer.set(v, e);
  }
  for (const a of jaxpr.outs) if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  const eqns = jaxpr.eqns.map((e): JaxprEqn => {
    const x = e.inputs[0];
    if (e.primitive.name !== "transpose" || !(x instanceof Var) || uses.get(x) !== 1) return e;
    const dot = producer.get(x);
    if (dot === undefined || dot.primitive !== dotGeneralP) return e;
    const params = dot.params as { dimension_numbers: DotDims };
    const [[lc, rc], [lb, rb]] = params.dimension_numbers;
    const [l, r] = dot.inputs as [Atom, Atom];
    const nb = lb.length;
    const nl = l.aval.ndim - lc.length - nb;
    const nr = r.aval.ndim - rc.length - nb;
    const want = [
      ...Array.from({ length: nb }, (_, i) => i),
      ...Array.from({ length: nr }, (_, i) => nb + nl + i),
      ...Array.from({ length: nl }, (_, i) => nb + i),
    ];
    const perm = (e.params as { permutation: readonly number[] }).permutation;
    if (!perm.every((p, i) => p === want[i])) return e;
    const swapped: DotDims = [
      [rc, lc],
      [rb, lb],
    ];
    return {
      ...dot,
      inputs: [r, l],
      params: { ...params, dimension_numbers: swapped },
      outBinders: e.outBinders,
    };
  });
  return new Jaxpr(jaxpr.constvars, jaxpr.inBinders, eqns, jaxpr.outs);
}

/** Called after each pass of `optimize` with the pass's name, its input and its result. */
export type PassObserver = (pass: string, before: Jaxpr, after: Jaxpr) => void;

const PIPELINE: readonly (readonly [string, (j: Jaxpr) => Jaxpr])[] = [
  ["inlineCalls", inlineCalls],
  ["simplify", simplify],
  ["cse", cse],
  ["simplify", simplify],
  ["dce", dce],
  ["scanProducts", scanProducts],
  ["foldTransposedProducts", foldTransposedProducts],
  ["dce", dce],
];

/**
 * The whole pipeline: inline calls, simplify, CSE, simplify what CSE exposed, DCE, move
 * products out of scans (loop_passes.ts), fold transposed products, DCE; `observe` sees each pass (checks, stage dumps).
 */
export function optimize(jaxpr: Jaxpr, observe?: PassObserver): Jaxpr {
  let j = jaxpr;
  for (const [name, pass] of PIPELINE) {
    const next = pass(j);
    observe?.(name, j, next);
    j = next;
  }
  return j;
}
