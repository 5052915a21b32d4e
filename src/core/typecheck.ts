/**
 * The jaxpr type checker (JAX's `core.check_jaxpr`): a jaxpr is well typed
 * when every variable is bound once (as a constvar, an argument or an
 * equation's output) before it is used; every literal is a scalar whose
 * value fits its dtype; each equation's primitive, applied by `abstractEval`
 * to the equation's input types, gives exactly the types of its out binders
 * (shape and dtype; weak types are not compared, as JAX's `typematch`
 * ignores them); and the outputs are bound. Jaxprs nested in params (pjit,
 * scan, cond, while, custom rules) are checked the same way, each in a scope
 * of its own, and a closed jaxpr's constants must have its constvars' types.
 *
 * `checkJaxpr` runs the check only while `jaxts_enable_checks` is on; it is
 * called after tracing and after each compiler pass. A failure is a
 * `JaxprTypeError` naming the stage ("after pass cse"), the equation and the
 * mismatch: a bug in the library, never in the user's program.
 */
import { config } from "../config.js";
import { isInteger } from "../dtype.js";
import type { ShapedArray } from "./aval.js";
import { type Atom, ClosedJaxpr, Jaxpr, type JaxprEqn, Literal, Var } from "./jaxpr.js";

export class JaxprTypeError extends Error {
  override name = "JaxprTypeError";
}

/** Type-checks `jaxpr` when `jaxts_enable_checks` is on (else does nothing). */
export function checkJaxpr(jaxpr: Jaxpr | ClosedJaxpr, stage: string): void {
  if (!config.read("jaxts_enable_checks")) return;
  if (jaxpr instanceof ClosedJaxpr) typecheckClosedJaxpr(jaxpr, stage);
  else typecheckJaxpr(jaxpr, stage);
}

/** Type-checks a closed jaxpr (its constants against its constvars, then the jaxpr). */
export function typecheckClosedJaxpr(closed: ClosedJaxpr, stage: string): void {
  const { jaxpr, consts } = closed;
  consts.forEach((c, i) => {
    const v = jaxpr.constvars[i]!;
    if (!c.aval.sameType(v.aval)) {
      fail(stage, `constant ${i} is ${c.aval.str()} but its constvar is ${v.aval.str()}`);
    }
  });
  typecheckJaxpr(jaxpr, stage);
}

/** Type-checks a jaxpr; throws a JaxprTypeError naming `stage` at the first fault. */
export function typecheckJaxpr(jaxpr: Jaxpr, stage: string): void {
  const defined = new Set<Var>();
  const bind = (v: Var, what: string): void => {
    if (!(v instanceof Var)) fail(stage, `${what} is not a Var`);
    if (defined.has(v)) fail(stage, `${what} binds a variable (${v.aval.str()}) bound before`);
    defined.add(v);
  };
  jaxpr.constvars.forEach((v, i) => bind(v, `constvar ${i}`));
  jaxpr.inBinders.forEach((v, i) => bind(v, `argument ${i}`));
  const use = (a: Atom, what: string, eqn: string): void => {
    if (a instanceof Literal) {
      const problem = literalProblem(a);
      if (problem !== null) fail(stage, `${eqn}${what}: ${problem}`);
    } else if (!(a instanceof Var)) {
      fail(stage, `${eqn}${what} is neither a Var nor a Literal`);
    } else if (!defined.has(a)) {
      fail(stage, `${eqn}${what} (${a.aval.str()}) is used before it is bound`);
    }
  };
  jaxpr.eqns.forEach((e, i) => {
    const where = `equation ${i} (${eqnText(e)}): `;
    e.inputs.forEach((a, k) => use(a, `operand ${k}`, where));
    checkNested(e, stage, where);
    const want = outTypes(e, stage, where);
    if (want.length !== e.outBinders.length) {
      fail(
        stage,
        `${where}${e.primitive.name}'s abstractEval gives ${want.length} outputs, ` +
          `the equation binds ${e.outBinders.length}`,
      );
    }
    e.outBinders.forEach((v, k) => {
      const w = want[k]!;
      if (!v.aval.sameType(w)) {
        fail(
          stage,
          `${where}out binder ${k} is ${v.aval.str()} but ${e.primitive.name}'s abstractEval ` +
            `on (${e.inputs.map((a) => a.aval.str()).join(", ")}) gives ${w.str()}`,
        );
      }
      bind(v, `${where}out binder ${k}`);
    });
  });
  jaxpr.outs.forEach((a, i) => use(a, `output ${i}`, ""));
}

/** The out types `abstractEval` gives for the equation's inputs. */
function outTypes(e: JaxprEqn, stage: string, where: string): ShapedArray[] {
  try {
    return e.primitive.rules.abstractEval(
      e.inputs.map((a) => a.aval),
      e.params,
    );
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return fail(stage, `${where}${e.primitive.name}'s abstractEval rejects its inputs: ${msg}`);
  }
}

/** Checks the jaxprs among an equation's params (in lists and plain objects too). */
function checkNested(e: JaxprEqn, stage: string, where: string): void {
  const visit = (x: unknown, path: string): void => {
    if (x instanceof ClosedJaxpr) {
      typecheckClosedJaxpr(x, `${stage}, ${where}param ${path}`);
    } else if (x instanceof Jaxpr) {
      typecheckJaxpr(x, `${stage}, ${where}param ${path}`);
    } else if (Array.isArray(x)) {
      x.forEach((y, i) => visit(y, `${path}[${i}]`));
    } else if (
      typeof x === "object" &&
      x !== null &&
      Object.getPrototypeOf(x) === Object.prototype
    ) {
      for (const [k, y] of Object.entries(x)) visit(y, `${path}.${k}`);
    }
  };
  for (const [k, v] of Object.entries(e.params)) visit(v, k);
}

/** Why a literal is ill-formed, or null. */
function literalProblem(l: Literal): string | null {
  const { value, aval } = l;
  if (aval.ndim !== 0) return `literal of non-scalar type ${aval.str()}`;
  if (aval.dtype === "bool") {
    return typeof value === "boolean" || value === 0 || value === 1
      ? null
      : `bool literal holds ${String(value)}`;
  }
  if (typeof value !== "number") return `${aval.dtype} literal holds ${String(value)}`;
  if (isInteger(aval.dtype) && !Number.isInteger(value)) {
    return `${aval.dtype} literal holds the non-integer ${value}`;
  }
  return null;
}

/** One equation in jaxpr notation, its variables named locally: operands first (a, b, ...), then outputs. */
export function eqnText(e: JaxprEqn): string {
  const ins = [...new Set(e.inputs.filter((a): a is Var => a instanceof Var))];
  const lines = new Jaxpr([], ins, [e], []).toString().split("\n");
  const text = lines.slice(1, -1).join(" ").trim().replace(/\s+/g, " ");
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

function fail(stage: string, message: string): never {
  throw new JaxprTypeError(`jaxpr type error ${stage}: ${message}`);
}
