/**
 * Jaxprs as plain data, to send a program to a device worker: primitives by
 * name (looked up in the receiving thread's registry), variables by number,
 * params recursively (nested jaxprs included), constants as typed arrays.
 * The result is structured-clonable (postMessage); no JSON round trip, so
 * NaN, infinities and typed arrays survive.
 *
 * custom_jvp/custom_vjp calls hold JS functions, which cannot cross threads:
 * differentiation has already happened by the time a program runs, so they
 * are replaced by a call of their primal function's jaxpr.
 */
import { type Array, ArrayImpl, hostStorage } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type Atom, ClosedJaxpr, Jaxpr, type JaxprEqn, Literal, Var } from "../core/jaxpr.js";
import { Primitive, primitiveByName } from "../core/primitive.js";
import { isConcrete } from "../core/trace.js";
import type { DType, TypedArray } from "../dtype.js";
import { traceToJaxpr } from "../interpreters/staging.js";
import { flatten } from "../tree/index.js";

type SAval = [shape: number[], dtype: DType, weak: boolean];
type SAtom = number | { lit: number | boolean; aval: SAval };

interface SEqn {
  prim: string;
  inputs: SAtom[];
  params: SValue;
  outs: number[];
}

export interface SJaxpr {
  /** The type of each variable, indexed by variable number. */
  vars: SAval[];
  constvars: number[];
  inBinders: number[];
  eqns: SEqn[];
  outs: SAtom[];
}

export interface SClosedJaxpr {
  jaxpr: SJaxpr;
  consts: SArray[];
}

interface SArray {
  aval: SAval;
  data: TypedArray;
}

type SValue =
  | number
  | string
  | boolean
  | null
  | SValue[]
  | { $: "undefined" }
  | { $: "object"; fields: [string, SValue][] }
  | { $: "jaxpr"; jaxpr: SJaxpr }
  | { $: "closed"; closed: SClosedJaxpr }
  | { $: "aval"; aval: SAval }
  | { $: "array"; array: SArray }
  | { $: "primitive"; name: string };

const sAval = (a: ShapedArray): SAval => [[...a.shape], a.dtype, a.weakType];
const dAval = ([shape, dtype, weak]: SAval): ShapedArray => new ShapedArray(shape, dtype, weak);

function sArray(x: Array, where: string): SArray {
  if (!isConcrete(x)) {
    throw new Error(
      `${where}: a constant of the program is a tracer (${x.aval.str()}); it cannot be sent to a device`,
    );
  }
  return { aval: sAval(x.aval), data: hostStorage(x) };
}

/** Call primitives holding JS functions: replaced by a pjit of the traced function. */
const INLINED = new Set(["custom_jvp_call", "custom_vjp_call"]);

interface FunctionCallParams {
  name: string;
  fun: (...xs: Array[]) => Array[];
}

function inlineCall(eqn: JaxprEqn): JaxprEqn {
  const p = eqn.params as FunctionCallParams;
  const avals = eqn.inputs.map((a) => a.aval);
  const [, tree] = flatten(avals.map(() => 0));
  const traced = traceToJaxpr((...xs) => p.fun(...(xs as Array[])), avals, tree, p.name);
  return {
    ...eqn,
    primitive: primitiveByName("pjit"),
    params: { name: p.name, jaxpr: traced.closed },
  };
}

class Serializer {
  private readonly ids = new Map<Var, number>();
  private readonly vars: SAval[] = [];

  constructor(private readonly where: string) {}

  private v(x: Var): number {
    let id = this.ids.get(x);
    if (id === undefined) {
      id = this.vars.length;
      this.vars.push(sAval(x.aval));
      this.ids.set(x, id);
    }
    return id;
  }

  private atom(a: Atom): SAtom {
    return a instanceof Literal ? { lit: a.value, aval: sAval(a.aval) } : this.v(a);
  }

  jaxpr(j: Jaxpr): SJaxpr {
    const constvars = j.constvars.map((x) => this.v(x));
    const inBinders = j.inBinders.map((x) => this.v(x));
    const eqns = j.eqns.map((e0) => {
      const e = INLINED.has(e0.primitive.name) ? inlineCall(e0) : e0;
      if (
        typeof e.params === "object" &&
        Object.values(e.params).some((x) => typeof x === "function")
      ) {
        throw new Error(
          `${this.where}: primitive '${e.primitive.name}' holds a JS function in its params and cannot run on a device`,
        );
      }
      return {
        prim: e.primitive.name,
        inputs: e.inputs.map((a) => this.atom(a)),
        params: value(e.params, this.where),
        outs: e.outBinders.map((x) => this.v(x)),
      };
    });
    const outs = j.outs.map((a) => this.atom(a));
    return { vars: this.vars, constvars, inBinders, eqns, outs };
  }
}

function value(x: unknown, where: string): SValue {
  if (x === undefined) return { $: "undefined" };
  if (x === null || typeof x === "number" || typeof x === "string" || typeof x === "boolean") {
    return x;
  }
  if (globalThis.Array.isArray(x)) return x.map((v) => value(v, where));
  if (x instanceof ClosedJaxpr) return { $: "closed", closed: serializeClosedJaxpr(x, where) };
  if (x instanceof Jaxpr) return { $: "jaxpr", jaxpr: new Serializer(where).jaxpr(x) };
  if (x instanceof ShapedArray) return { $: "aval", aval: sAval(x) };
  if (x instanceof ArrayImpl) return { $: "array", array: sArray(x, where) };
  if (x instanceof Primitive) return { $: "primitive", name: x.name };
  if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return {
      $: "object",
      fields: Object.entries(x as object).map(([k, v]) => [k, value(v, where)]),
    };
  }
  throw new Error(
    `${where}: cannot send a parameter of type ${typeof x === "object" ? (x as object).constructor.name : typeof x} to a device`,
  );
}

/** A closed jaxpr as plain, structured-clonable data. */
export function serializeClosedJaxpr(closed: ClosedJaxpr, where = "pmap"): SClosedJaxpr {
  return {
    jaxpr: new Serializer(where).jaxpr(closed.jaxpr),
    consts: closed.consts.map((c) => sArray(c, where)),
  };
}

function dArray(a: SArray): ArrayImpl {
  const [shape, dtype, weak] = a.aval;
  return ArrayImpl.fromData(a.data, shape, weak, dtype);
}

function dJaxpr(s: SJaxpr): Jaxpr {
  const vars = s.vars.map((a) => new Var(dAval(a)));
  const atom = (a: SAtom): Atom =>
    typeof a === "number" ? vars[a]! : new Literal(a.lit, dAval(a.aval));
  const eqns: JaxprEqn[] = s.eqns.map((e) => ({
    primitive: primitiveByName(e.prim),
    inputs: e.inputs.map(atom),
    params: dValue(e.params) as object,
    outBinders: e.outs.map((i) => vars[i]!),
  }));
  return new Jaxpr(
    s.constvars.map((i) => vars[i]!),
    s.inBinders.map((i) => vars[i]!),
    eqns,
    s.outs.map(atom),
  );
}

function dValue(x: SValue): unknown {
  if (x === null || typeof x !== "object") return x;
  if (globalThis.Array.isArray(x)) return x.map(dValue);
  switch (x.$) {
    case "undefined":
      return undefined;
    case "object":
      return Object.fromEntries(x.fields.map(([k, v]) => [k, dValue(v)]));
    case "jaxpr":
      return dJaxpr(x.jaxpr);
    case "closed":
      return deserializeClosedJaxpr(x.closed);
    case "aval":
      return dAval(x.aval);
    case "array":
      return dArray(x.array);
    case "primitive":
      return primitiveByName(x.name);
  }
}

export function deserializeClosedJaxpr(s: SClosedJaxpr): ClosedJaxpr {
  return new ClosedJaxpr(dJaxpr(s.jaxpr), s.consts.map(dArray));
}
