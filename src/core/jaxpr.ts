/**
 * Jaxprs: typed SSA programs of primitive applications (JAX's IR), their
 * printer, and the interpreter that evaluates one by binding each equation
 * (so a jaxpr can itself be transformed by whatever traces are active).
 */
import { shapeStr } from "../shape.js";
import { type Array, ArrayImpl } from "./array.js";
import type { ShapedArray } from "./aval.js";
import type { AnyPrimitive } from "./primitive.js";
import { bind } from "./trace.js";

export class Var {
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar constant inlined into an equation. */
export class Literal {
  constructor(
    readonly value: number | boolean,
    readonly aval: ShapedArray,
  ) {}
}

export type Atom = Var | Literal;

export interface JaxprEqn {
  readonly primitive: AnyPrimitive;
  readonly inputs: readonly Atom[];
  readonly params: object;
  readonly outBinders: readonly Var[];
}

export class Jaxpr {
  constructor(
    /** Variables bound to the closed-over constants, then to the arguments. */
    readonly constvars: readonly Var[],
    readonly inBinders: readonly Var[],
    readonly eqns: readonly JaxprEqn[],
    readonly outs: readonly Atom[],
  ) {}

  get inAvals(): ShapedArray[] {
    return this.inBinders.map((v) => v.aval);
  }
  get outAvals(): ShapedArray[] {
    return this.outs.map((v) => v.aval);
  }

  toString(): string {
    return new JaxprPrinter().jaxpr(this, "");
  }
}

/** A jaxpr together with the values of its constvars. */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly Array[],
  ) {
    if (consts.length !== jaxpr.constvars.length) {
      throw new Error(
        `ClosedJaxpr: ${consts.length} constants for ${jaxpr.constvars.length} constvars`,
      );
    }
  }
  get inAvals(): ShapedArray[] {
    return this.jaxpr.inAvals;
  }
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outAvals;
  }
  toString(): string {
    return this.jaxpr.toString();
  }
}

/** Evaluates a jaxpr by binding each equation at the current level of transformation. */
export function evalJaxpr(jaxpr: Jaxpr, consts: readonly Array[], args: readonly Array[]): Array[] {
  if (args.length !== jaxpr.inBinders.length) {
    throw new Error(`evalJaxpr: expected ${jaxpr.inBinders.length} arguments, got ${args.length}`);
  }
  const env = new Map<Var, Array>();
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]!));
  jaxpr.inBinders.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Array =>
    a instanceof Literal ? ArrayImpl.scalar(a.value, a.aval.dtype, a.aval.weakType) : env.get(a)!;
  for (const eqn of jaxpr.eqns) {
    const outs = bind(eqn.primitive, eqn.inputs.map(read), eqn.params);
    eqn.outBinders.forEach((v, i) => env.set(v, outs[i]!));
  }
  return jaxpr.outs.map(read);
}

export function evalClosedJaxpr(closed: ClosedJaxpr, args: readonly Array[]): Array[] {
  return evalJaxpr(closed.jaxpr, closed.consts, args);
}

// --- Printing, in JAX's notation ---------------------------------------------

/** The i-th variable name of a printed jaxpr: a..z, then ba, bb... as JAX names variables. */
export function varName(i: number): string {
  let s = "";
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

function formatLiteral(l: Literal): string {
  const { value, aval } = l;
  if (aval.dtype === "bool") return value ? "True" : "False";
  if (aval.dtype === "float32" || aval.dtype === "float64") {
    const v = Number(value);
    if (Number.isNaN(v)) return `nan:${aval.str()}`;
    if (!Number.isFinite(v)) return `${v < 0 ? "-" : ""}inf:${aval.str()}`;
    const s = Object.is(v, -0)
      ? "-0.0"
      : Number.isInteger(v) && Math.abs(v) < 1e16
        ? `${v}.0`
        : String(v);
    return `${s}:${aval.str()}`;
  }
  return `${value}:${aval.str()}`;
}

class JaxprPrinter {
  private names = new Map<Var, string>();
  private counter = 0;

  private name(v: Var): string {
    let n = this.names.get(v);
    if (n === undefined) {
      n = varName(this.counter++);
      this.names.set(v, n);
    }
    return n;
  }
  private atom(a: Atom): string {
    return a instanceof Literal ? formatLiteral(a) : this.name(a);
  }
  private binder(v: Var): string {
    return `${this.name(v)}:${v.aval.str()}`;
  }

  jaxpr(j: Jaxpr, indent: string): string {
    const consts = j.constvars.map((v) => this.binder(v)).join(" ");
    const ins = j.inBinders.map((v) => this.binder(v)).join(" ");
    const head = `{ lambda ${consts}${consts ? " " : ""}; ${ins}. let`;
    const lines = j.eqns.map((e) => this.eqn(e, `${indent}    `));
    const outs = j.outs.map((a) => this.atom(a)).join(", ");
    const tail = `${indent}  in (${outs}${j.outs.length === 1 ? "," : ""}) }`;
    return [head, ...lines, tail].join("\n");
  }

  private eqn(e: JaxprEqn, indent: string): string {
    const lhs = e.outBinders.map((v) => this.binder(v)).join(" ");
    const params = this.params(e.params, indent);
    const args = e.inputs.map((a) => this.atom(a)).join(" ");
    return `${indent}${lhs} = ${e.primitive.name}${params} ${args}`.trimEnd();
  }

  private params(params: object, indent: string): string {
    const entries = Object.entries(params).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "";
    const parts = entries.map(([k, v]) => `${k}=${this.param(v, indent)}`);
    const oneLine = `[${parts.join(" ")}]`;
    return oneLine.includes("\n")
      ? `[\n${indent}  ${parts.join(`\n${indent}  `)}\n${indent}]`
      : oneLine;
  }

  private param(v: unknown, indent: string): string {
    if (v instanceof Jaxpr) return new JaxprPrinter().jaxpr(v, `${indent}  `);
    if (v instanceof ClosedJaxpr) return new JaxprPrinter().jaxpr(v.jaxpr, `${indent}  `);
    if (v === null) return "None";
    if (typeof v === "boolean") return v ? "True" : "False";
    if (typeof v === "number" || typeof v === "string") return String(v);
    if (globalThis.Array.isArray(v)) {
      if (v.every((x) => typeof x === "number")) return shapeStr(v as number[]);
      const inner = v.map((x) => this.param(x, indent));
      return `(${inner.join(", ")}${v.length === 1 ? "," : ""})`;
    }
    if (typeof v === "object" && v !== null && "name" in v && typeof v.name === "string") {
      return v.name;
    }
    if (typeof v === "function") return v.name || "<function>";
    if (typeof v === "object" && v !== null) {
      const fields = Object.entries(v).filter(([, x]) => x !== undefined);
      return `{${fields.map(([k, x]) => `${k}=${this.param(x, indent)}`).join(" ")}}`;
    }
    return String(v);
  }
}
