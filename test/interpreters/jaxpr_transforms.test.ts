/**
 * The one-helper-per-transformation module: each derived jaxpr is cached per
 * jaxpr and pattern (so rules of pjit, pmap, cond, scan and while reuse them
 * and their compiled code), and the derived jaxprs compute what they say.
 */
import { describe, expect, it } from "vitest";
import type { Array } from "../../src/core/array.js";
import { type ClosedJaxpr, evalClosedJaxpr } from "../../src/core/jaxpr.js";
import { jit, numpy as jnp, jvp, lax, makeJaxpr, vmap } from "../../src/index.js";
import {
  batchJaxpr,
  jvpJaxpr,
  partialEvalJaxpr,
  rearrangeBinders,
  transposeJaxpr,
} from "../../src/interpreters/jaxpr_transforms.js";
import { expectClose } from "../util/index.js";

const f = (x: Array, y: Array) => [jnp.sin(jnp.multiply(x, y)), jnp.add(x, 1)];
const closed = (): ClosedJaxpr => makeJaxpr(f)(jnp.array([1, 2]), jnp.array([3, 4]));

describe("jaxpr transformations", () => {
  it("jvpJaxpr: [primals, nonzero tangents] → [primal outs, tangents], cached per pattern", () => {
    const c = closed();
    const a = jvpJaxpr(c, [true, false], true);
    expect(jvpJaxpr(c, [true, false], true)).toBe(a);
    expect(jvpJaxpr(c, [false, true], true)).not.toBe(a);
    expect(a.jaxpr.inAvals.length).toBe(3);
    expect(a.outNonzeros).toEqual([true, true]);
    const [x, y, tx] = [jnp.array([1, 2]), jnp.array([3, 4]), jnp.array([1, 0])];
    const outs = evalClosedJaxpr(a.jaxpr, [x, y, tx]);
    const [, tOut] = jvp(f, [x, y], [tx, jnp.zeros([2])]) as [Array[], Array[]];
    expectClose(outs[2]!, tOut[0]!);
    expectClose(outs[3]!, tOut[1]!);
  });

  it("jvpJaxpr without instantiation leaves zero tangents out", () => {
    const c = makeJaxpr((x: Array, y: Array) => [jnp.multiply(x, 2), y])(
      jnp.array([1, 2]),
      jnp.array([3, 4]),
    );
    const { jaxpr, outNonzeros } = jvpJaxpr(c, [true, false], false);
    expect(outNonzeros).toEqual([true, false]);
    expect(jaxpr.outAvals.length).toBe(3);
  });

  it("partialEvalJaxpr and batchJaxpr are cached per pattern and axis", () => {
    const c = closed();
    expect(partialEvalJaxpr(c, [false, true])).toBe(partialEvalJaxpr(c, [false, true]));
    const axis = { size: 3, name: null };
    const b = batchJaxpr(c, [true, false], axis);
    expect(batchJaxpr(c, [true, false], { size: 3, name: null })).toBe(b);
    expect(batchJaxpr(c, [true, false], axis, true)).not.toBe(b);
    // Two symbols with one description are two axes.
    const s1 = batchJaxpr(c, [true, false], { size: 3, name: Symbol("i") });
    const s2 = batchJaxpr(c, [true, false], { size: 3, name: Symbol("i") });
    expect(s2).not.toBe(s1);
  });

  it("transposeJaxpr: the cotangent of a linear input", () => {
    const c = makeJaxpr((x: Array, w: Array) => [jnp.multiply(x, w)])(
      jnp.array([1, 2]),
      jnp.array([3, 4]),
    );
    const t = transposeJaxpr(c, [true, false], [true]);
    expect(transposeJaxpr(c, [true, false], [true])).toBe(t);
    const [ct] = evalClosedJaxpr(t, [jnp.array([3, 4]), jnp.array([1, 10])]);
    expectClose(ct!, jnp.array([3, 40]));
  });

  it("rearrangeBinders interleaves primal and tangent groups without tracing", () => {
    const c = makeJaxpr((a: Array, b: Array, c2: Array, d: Array) => [a, b, c2, d])(
      jnp.array(1),
      jnp.array([1, 2]),
      jnp.array([1, 2, 3]),
      jnp.array([[1]]),
    );
    const r = rearrangeBinders(c, [1, 1], [1, 1], [2], [2]);
    expect(r.jaxpr.eqns).toBe(c.jaxpr.eqns);
    expect(r.inAvals.map((a) => a.shape)).toEqual([[], [3], [2], [1, 1]]);
    expect(() => rearrangeBinders(c, [1], [1], [2], [2])).toThrow(/do not cover the 4 inputs/);
  });

  it("jvp of a while loop reuses its JVP body (no retrace per call)", () => {
    const loop = (x: Array) =>
      lax.whileLoop(
        ([i]: [Array, Array]) => jnp.less(i, 3),
        ([i, v]: [Array, Array]) => [jnp.add(i, 1), jnp.sin(v)] as [Array, Array],
        [jnp.array(0), x] as [Array, Array],
      )[1];
    // One staged while equation, differentiated twice.
    const staged = makeJaxpr(loop)(jnp.array(0.5));
    const run = (x: Array) => evalClosedJaxpr(staged, [x])[0]!;
    const bodyOf = () => {
      const j = makeJaxpr((x: Array, t: Array) => jvp(run, [x], [t]))(jnp.array(0.5), jnp.array(1));
      const w = j.jaxpr.eqns.find((e) => e.primitive.name === "while")!;
      return (w.params as { bodyJaxpr: ClosedJaxpr }).bodyJaxpr;
    };
    expect(bodyOf()).toBe(bodyOf());
    const [, t] = jvp(jit(loop), [jnp.array(0.5)], [jnp.array(1)]) as [Array, Array];
    // d/dx sin(sin(sin(x))) at 0.5.
    const s1 = Math.sin(0.5);
    const s2 = Math.sin(s1);
    expectClose(t, jnp.array(Math.cos(s2) * Math.cos(s1) * Math.cos(0.5)));
    // vmap of the jitted loop still works (the batched body is cached per axis).
    const v = vmap(jit(loop))(jnp.array([0.5, 1]));
    expectClose(v, jnp.sin(jnp.sin(jnp.sin(jnp.array([0.5, 1])))));
  });
});
