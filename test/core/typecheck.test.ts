/**
 * The jaxpr type checker (core/typecheck.ts): traced jaxprs pass it, and
 * deliberately broken ones are rejected with the stage, the equation and the
 * mismatch named. With `jaxts_enable_checks` on, tracing checks every jaxpr.
 */
import { describe, expect, it } from "vitest";
import { withFlag } from "../../src/config.js";
import type { Array } from "../../src/core/array.js";
import { ShapedArray } from "../../src/core/aval.js";
import { ClosedJaxpr, Jaxpr, type JaxprEqn, Literal, Var } from "../../src/core/jaxpr.js";
import { type NoParams, Primitive } from "../../src/core/primitive.js";
import { bind } from "../../src/core/trace.js";
import {
  checkJaxpr,
  JaxprTypeError,
  typecheckClosedJaxpr,
  typecheckJaxpr,
} from "../../src/core/typecheck.js";
import { grad, jit, numpy as jnp, lax, makeJaxpr, vmap } from "../../src/index.js";

const f32 = (...shape: number[]) => new ShapedArray(shape, "float32");
const jaxprOf = (f: (...xs: Array[]) => unknown, ...args: Array[]): ClosedJaxpr =>
  makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;

/** The `add` primitive, taken from a traced jaxpr. */
const addPrim = jaxprOf((x, y) => lax.add(x, y), jnp.ones([2]), jnp.ones([2])).jaxpr.eqns[0]!
  .primitive;

const eqn = (inputs: (Var | Literal)[], outBinders: Var[]): JaxprEqn => ({
  primitive: addPrim,
  inputs,
  params: {},
  outBinders,
});

describe("jaxpr type checker", () => {
  it("accepts traced jaxprs (elementwise, reductions, grad, vmap, jit, scan, cond)", () => {
    const x = jnp.arange(6).reshape([2, 3]).astype("float32");
    const cases: ClosedJaxpr[] = [
      jaxprOf((a) => jnp.sum(jnp.tanh(a).mul(2), 0), x),
      jaxprOf((a) => grad((b: Array) => jnp.sum(jnp.sin(b)))(a), x),
      jaxprOf((a) => vmap((r: Array) => jnp.dot(r, r))(a), x),
      jaxprOf((a) => jit((b: Array) => b.mul(3))(a), x),
      jaxprOf(
        (a) => lax.scan((c: Array, r: Array) => [c.add(r), c] as [Array, Array], a.sum(0), a),
        x,
      ),
      jaxprOf(
        (a) =>
          lax.cond(
            a.sum().gt(0),
            (b: Array) => b.mul(2),
            (b: Array) => b.neg(),
            a,
          ),
        x,
      ),
    ];
    for (const c of cases) expect(() => typecheckClosedJaxpr(c, "in test")).not.toThrow();
  });

  it("rejects an out binder whose type abstractEval does not give", () => {
    const a = new Var(f32(2));
    const b = new Var(f32(2));
    const c = new Var(f32(3)); // add of two f32[2] is f32[2]
    const j = new Jaxpr([], [a, b], [eqn([a, b], [c])], [c]);
    expect(() => typecheckJaxpr(j, "after pass cse")).toThrow(JaxprTypeError);
    expect(() => typecheckJaxpr(j, "after pass cse")).toThrow(
      /after pass cse: equation 0 \(c:f32\[3\] = add a b\): out binder 0 is f32\[3\] but add's abstractEval on \(f32\[2\], f32\[2\]\) gives f32\[2\]/,
    );
  });

  it("rejects a dtype mismatch between out binder and abstractEval", () => {
    const a = new Var(f32(2));
    const c = new Var(new ShapedArray([2], "int32"));
    const j = new Jaxpr([], [a], [eqn([a, a], [c])], [c]);
    expect(() => typecheckJaxpr(j, "s")).toThrow(/out binder 0 is i32\[2\].*gives f32\[2\]/);
  });

  it("rejects operands abstractEval refuses, naming its error", () => {
    const a = new Var(f32(2));
    const b = new Var(f32(3));
    const c = new Var(f32(2));
    const j = new Jaxpr([], [a, b], [eqn([a, b], [c])], [c]);
    expect(() => typecheckJaxpr(j, "s")).toThrow(/add's abstractEval rejects its inputs: /);
  });

  it("rejects a use before definition, a double binding and an unbound output", () => {
    const a = new Var(f32(2));
    const b = new Var(f32(2)); // never bound
    const c = new Var(f32(2));
    const useBefore = new Jaxpr([], [a], [eqn([a, b], [c])], [c]);
    expect(() => typecheckJaxpr(useBefore, "s")).toThrow(
      /equation 0 .*operand 1 \(f32\[2\]\) is used before it is bound/,
    );
    const twice = new Jaxpr([], [a], [eqn([a, a], [a])], [a]);
    expect(() => typecheckJaxpr(twice, "s")).toThrow(
      /out binder 0 binds a variable .* bound before/,
    );
    const unbound = new Jaxpr([], [a], [], [b]);
    expect(() => typecheckJaxpr(unbound, "s")).toThrow(/output 0 \(f32\[2\]\) is used before/);
  });

  it("rejects ill-formed literals", () => {
    const a = new Var(f32(2));
    const c = new Var(f32(2));
    const bad = new Literal(1, f32(2));
    const j = new Jaxpr([], [a], [eqn([a, bad], [c])], [c]);
    expect(() => typecheckJaxpr(j, "s")).toThrow(/operand 1: literal of non-scalar type f32\[2\]/);
    const i = new ShapedArray([], "int32");
    const x = new Var(i);
    const y = new Var(i);
    const half = new Jaxpr([], [x], [eqn([x, new Literal(1.5, i)], [y])], [y]);
    expect(() => typecheckJaxpr(half, "s")).toThrow(/int32 literal holds the non-integer 1.5/);
  });

  it("checks jaxprs nested in params (a broken jitted body)", () => {
    const outer = jaxprOf((x) => jit((y: Array) => y.mul(2))(x), jnp.ones([2]));
    const call = outer.jaxpr.eqns[0]!;
    const inner = (call.params as { jaxpr: ClosedJaxpr }).jaxpr;
    // The body's output binder claims the wrong shape; the call's own types stay consistent.
    const e0 = inner.jaxpr.eqns[0]!;
    const wrong = new Var(f32(5));
    const broken = new ClosedJaxpr(
      new Jaxpr(
        inner.jaxpr.constvars,
        inner.jaxpr.inBinders,
        [{ ...e0, outBinders: [wrong] }],
        [wrong],
      ),
      inner.consts,
    );
    const brokenCall: JaxprEqn = {
      ...call,
      params: { ...call.params, jaxpr: broken },
      outBinders: [new Var(f32(5))],
    };
    const j = new Jaxpr(
      outer.jaxpr.constvars,
      outer.jaxpr.inBinders,
      [brokenCall],
      [brokenCall.outBinders[0]!],
    );
    expect(() => typecheckJaxpr(j, "after tracing")).toThrow(
      /after tracing, equation 0 \(.*pjit.*\): param jaxpr: equation 0 \(.*\): out binder 0 is f32\[5\] but .* gives f32\[2\]/,
    );
  });

  it("checks a closed jaxpr's constants against its constvars", () => {
    const c = new Var(f32(3));
    const j = new Jaxpr([c], [], [], [c]);
    const closed = new ClosedJaxpr(j, [jnp.ones([4])]);
    expect(() => typecheckClosedJaxpr(closed, "s")).toThrow(
      /constant 0 is f32\[4\] but its constvar is f32\[3\]/,
    );
  });

  it("ignores weak types, as JAX's typematch does", () => {
    const a = new Var(f32(2));
    const c = new Var(new ShapedArray([2], "float32", true));
    const j = new Jaxpr([], [a], [eqn([a, a], [c])], [c]);
    expect(() => typecheckJaxpr(j, "s")).not.toThrow();
  });

  it("checkJaxpr runs only with jaxts_enable_checks on", () => {
    const a = new Var(f32(2));
    const c = new Var(f32(3));
    const j = new Jaxpr([], [a], [eqn([a, a], [c])], [c]);
    withFlag("jaxts_enable_checks", false, () => expect(() => checkJaxpr(j, "s")).not.toThrow());
    withFlag("jaxts_enable_checks", true, () => expect(() => checkJaxpr(j, "s")).toThrow(/s: /));
  });

  it("with checks on, tracing type-checks the jaxpr it made", () => {
    // A primitive whose abstractEval changes its answer: tracing records f32[n], the check sees f32[n+1].
    let calls = 0;
    const drifting = new Primitive<NoParams>("test_typecheck_drifting", {
      abstractEval: ([x]: ShapedArray[]) => [f32(x!.shape[0]! + calls++)],
      impl: () => {
        throw new Error("not evaluated");
      },
      jvp: null,
      transpose: null,
      batch: null,
    } as unknown as ConstructorParameters<typeof Primitive<NoParams>>[1]);
    const f = (x: Array) => bind(drifting, [x], {})[0]!;
    withFlag("jaxts_enable_checks", true, () => {
      expect(() => jaxprOf(f, jnp.ones([2]))).toThrow(
        /jaxpr type error after tracing for makeJaxpr.*test_typecheck_drifting.*out binder 0 is f32\[2\]/,
      );
    });
    withFlag("jaxts_enable_checks", false, () =>
      expect(() => jaxprOf(f, jnp.ones([2]))).not.toThrow(),
    );
  });
});
