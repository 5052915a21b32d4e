/**
 * The compiler's jaxpr passes (constant folding, simplification, CSE, DCE)
 * and its fusion grouping, on small programs: each pass's result is checked
 * structurally and by evaluating it against the original jaxpr.
 */
import { describe, expect, it } from "vitest";
import { fuse } from "../../../src/backend/cpu/compiler/fusion.js";
import { jsTarget } from "../../../src/backend/cpu/compiler/index.js";
import { compiledKernelFor } from "../../../src/backend/cpu/compiler/library.js";
import { cse, dce, optimize, simplify } from "../../../src/backend/cpu/compiler/passes.js";
import type { Array } from "../../../src/core/array.js";
import { type ClosedJaxpr, evalJaxpr, type Jaxpr } from "../../../src/core/jaxpr.js";
import { grad, numpy as jnp, lax, makeJaxpr, nn } from "../../../src/index.js";
import { expectClose, seeded } from "../../util/index.js";

const jaxprOf = (f: (...xs: Array[]) => unknown, ...args: Array[]): ClosedJaxpr =>
  makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;

const prims = (j: Jaxpr): string[] => j.eqns.map((e) => e.primitive.name);

/** The optimized jaxpr computes what the original does. */
function checkSame(closed: ClosedJaxpr, optimized: Jaxpr, args: Array[]): void {
  const want = evalJaxpr(closed.jaxpr, closed.consts, args);
  const got = evalJaxpr(optimized, closed.consts, args);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expectClose(g, want[i], `output ${i}`, 0, 0));
}

const fusionOpts = { target: jsTarget.support, library: compiledKernelFor };

describe("compiler passes", () => {
  const x = seeded([3, 4], 1);

  it("DCE drops equations whose results are unused", () => {
    const closed = jaxprOf((a) => {
      jnp.exp(a); // unused
      return jnp.add(a, a);
    }, x);
    expect(prims(closed.jaxpr)).toContain("exp");
    const out = dce(closed.jaxpr);
    expect(prims(out)).toEqual(["add"]);
    checkSame(closed, out, [x]);
  });

  it("CSE merges identical equations", () => {
    const closed = jaxprOf((a) => jnp.add(jnp.sin(a), jnp.sin(a)), x);
    expect(prims(closed.jaxpr).filter((p) => p === "sin")).toHaveLength(2);
    const out = cse(closed.jaxpr);
    expect(prims(out).filter((p) => p === "sin")).toHaveLength(1);
    checkSame(closed, out, [x]);
  });

  it("CSE keeps equations with different params apart", () => {
    const closed = jaxprOf((a) => jnp.add(jnp.sum(a, 0), jnp.sum(a, 1).sum()), x);
    const out = cse(closed.jaxpr);
    expect(prims(out).filter((p) => p === "reduce_sum")).toHaveLength(3);
    checkSame(closed, out, [x]);
  });

  it("folds scalar constants and removes identities", () => {
    const closed = jaxprOf(
      (a) => jnp.add(jnp.multiply(a, lax.div(lax.add(1, 1), 2)), lax.sub(lax.mul(3, 0), 0)),
      x,
    );
    const out = optimize(closed.jaxpr);
    // a * (2/2) + (3*0 - 0) is a.
    expect(prims(out)).toEqual([]);
    expect(out.outs[0]).toBe(closed.jaxpr.inBinders[0]);
    checkSame(closed, out, [x]);
  });

  it("removes double negation, same-type converts and identity transposes", () => {
    const closed = jaxprOf(
      (a) => lax.neg(lax.neg(lax.transpose(lax.convertElementType(a, "float32"), [0, 1]))),
      x,
    );
    const out = simplify(closed.jaxpr);
    expect(dce(out).eqns).toHaveLength(0);
    checkSame(closed, dce(out), [x]);
  });

  it("keeps x * 0 (NaN and infinities make it not zero)", () => {
    const closed = jaxprOf((a) => jnp.multiply(a, 0), x);
    expect(prims(optimize(closed.jaxpr))).toContain("mul");
  });

  it("folds a transpose of a product into the product", () => {
    const a = seeded([5, 3], 12);
    const b = seeded([5, 4], 13);
    const closed = jaxprOf(
      (p, q) =>
        jnp.transpose(
          lax.dotGeneral(p, q, [
            [[0], [0]],
            [[], []],
          ]),
        ),
      a,
      b,
    );
    const out = optimize(closed.jaxpr);
    expect(prims(out).filter((p) => p === "transpose")).toEqual([]);
    expect(prims(out)).toContain("dot_general");
    checkSame(closed, out, [a, b]);
    // A batched product too: [b, m, n] -> [b, n, m].
    const c = seeded([2, 3, 4], 14);
    const d = seeded([2, 4, 5], 15);
    const batched = jaxprOf((p, q) => jnp.transpose(jnp.matmul(p, q), [0, 2, 1]), c, d);
    const out2 = optimize(batched.jaxpr);
    expect(prims(out2)).toEqual(["dot_general"]);
    checkSame(batched, out2, [c, d]);
  });

  it("keeps the types of the outputs", () => {
    const closed = jaxprOf((a) => jnp.add(a, 0), seeded([3], 2, "int32"));
    const out = optimize(closed.jaxpr);
    expect(out.outs[0]!.aval.equals(closed.jaxpr.outs[0]!.aval)).toBe(true);
  });
});

describe("fusion grouping", () => {
  it("fuses an elementwise chain into one kernel", () => {
    const closed = jaxprOf(
      (a) => jnp.multiply(jnp.tanh(jnp.add(jnp.multiply(a, 2), 1)), a),
      seeded([1000], 3),
    );
    const steps = fuse(optimize(closed.jaxpr), fusionOpts);
    expect(steps.map((s) => s.kind)).toEqual(["kernel"]);
    const k = steps[0]!.kind === "kernel" ? steps[0]!.kernel : null;
    expect(k!.shape).toEqual([1000]);
    expect(k!.nodes.filter((n) => n.op === "load")).toHaveLength(1); // x is loaded once
  });

  it("fuses broadcasts and transposes into the loads' strides", () => {
    const closed = jaxprOf(
      (a, b) => jnp.add(jnp.transpose(a), jnp.reshape(b, [1, 3])),
      seeded([3, 4], 4),
      seeded([3], 5),
    );
    const steps = fuse(optimize(closed.jaxpr), fusionOpts);
    expect(steps).toHaveLength(1);
    const k = steps[0]!.kind === "kernel" ? steps[0]!.kernel : null;
    const loads = k!.nodes.filter((n) => n.op === "load");
    expect(loads.map((n) => (n.op === "load" ? n.index.coeffs : []))).toEqual([
      [1, 4],
      [0, 1],
    ]);
  });

  it("fuses the producer of a reduction into it and coalesces its loops", () => {
    const closed = jaxprOf((a) => jnp.sum(jnp.exp(a), [1, 2]), seeded([5, 6, 7], 6));
    const steps = fuse(optimize(closed.jaxpr), fusionOpts);
    expect(steps).toHaveLength(1);
    const k = steps[0]!.kind === "kernel" ? steps[0]!.kernel : null;
    expect(k!.reduce).toBe("sum");
    expect(k!.shape).toEqual([5, 42]);
    expect(k!.reduced).toEqual([false, true]);
  });

  it("stores values used twice and merges kernels of one shape", () => {
    const closed = jaxprOf(
      (a) => {
        const e = jnp.exp(a);
        return [jnp.sin(e), jnp.cos(e)];
      },
      seeded([64], 7),
    );
    const steps = fuse(optimize(closed.jaxpr), fusionOpts);
    // e, sin(e), cos(e): one kernel with three outputs... e is stored, the others reuse it.
    expect(steps).toHaveLength(1);
    const k = steps[0]!.kind === "kernel" ? steps[0]!.kernel : null;
    expect(k!.outputs).toHaveLength(3);
    expect(k!.nodes.filter((n) => n.op === "unary" && n.fn === "exp")).toHaveLength(1);
  });

  it("stores the input of a reshape that merges computed dims", () => {
    const closed = jaxprOf((a) => jnp.reshape(jnp.transpose(jnp.exp(a)), [12]), seeded([3, 4], 8));
    const steps = fuse(optimize(closed.jaxpr), fusionOpts);
    expect(steps.length).toBeGreaterThan(1);
  });

  it("splits an MLP gradient into products, fused kernels and reductions", () => {
    const mlp = (w: Array, b: Array, xs: Array) =>
      jnp.mean(nn.logsumexp(jnp.add(jnp.matmul(xs, w), b), -1));
    const closed = jaxprOf(
      grad(mlp) as (...xs: Array[]) => unknown,
      seeded([8, 4], 9),
      seeded([4], 10),
      seeded([16, 8], 11),
    );
    const steps = fuse(optimize(closed.jaxpr), fusionOpts);
    const kinds = steps.map((s) => s.kind);
    expect(kinds.filter((k) => k === "library").length).toBeGreaterThanOrEqual(2);
    expect(kinds).not.toContain("eager");
    expect(steps.length).toBeLessThan(optimize(closed.jaxpr).eqns.length);
  });
});
