import { describe, expect, it } from "vitest";
import type { Array, ArrayLike } from "../../src/index.js";
import { grad, jit, numpy as jnp, lax, makeJaxpr, vmap } from "../../src/index.js";

const rows = (x: Array, axis = 0): Array[] =>
  globalThis.Array.from({ length: x.shape[axis]! }, (_, i) => jnp.take(x, i, { axis }));
const stackEq = (got: Array, parts: Array[], axis = 0) =>
  expect(got.toArray()).toEqual(jnp.stack(parts, axis).toArray());

describe("vmap", () => {
  it("the tutorial's predict: inAxes [null, 0] over a params dict", () => {
    const predict = (params: { w: Array; b: ArrayLike }, features: Array) => {
      const logits = features.matmul(params.w).add(params.b);
      return jnp.array([logits, jnp.tanh(logits)]);
    };
    const params = { w: jnp.array([1.5, -0.5]), b: 0.25 };
    const X = jnp.array([
      [1.0, 2.0],
      [2.5, -1.0],
      [-0.25, 0.75],
    ]);
    const out = vmap(predict, { inAxes: [null, 0] })(params, X);
    expect(out.shape).toEqual([3, 2]);
    stackEq(
      out,
      rows(X).map((x) => predict(params, x)),
    );
  });

  it("inAxes and outAxes in every position", () => {
    const x = jnp.arange(24).reshape(2, 3, 4).astype("float32");
    const f = (v: Array) => jnp.sum(jnp.sin(v), 0);
    for (const inAxis of [0, 1, 2, -1]) {
      for (const outAxis of [0, 1, -1]) {
        const got = vmap(f, { inAxes: inAxis, outAxes: outAxis })(x);
        const ax = inAxis < 0 ? inAxis + 3 : inAxis;
        const parts = rows(x, ax).map(f);
        stackEq(got, parts, outAxis < 0 ? outAxis + 2 : outAxis);
      }
    }
  });

  it("nested vmap: pairwise distances", () => {
    const dist = (x: Array, y: Array) => jnp.sqrt(jnp.sum(x.sub(y).pow(2)));
    const pairwise = vmap(vmap(dist, { inAxes: [null, 0] }), { inAxes: [0, null] });
    const X = jnp.array([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    const Y = jnp.array([
      [0, 0],
      [1, 1],
    ]);
    expect(pairwise(X, Y).toString()).toBe(
      "[[0.        1.4142135]\n [1.        1.       ]\n [1.        1.       ]]",
    );
  });

  it("matmul under vmap is one batched dot_general, not a loop", () => {
    const f = (a: Array, b: Array) => a.matmul(b);
    const text = makeJaxpr(vmap(f))(jnp.ones([8, 3, 4]), jnp.ones([8, 4, 5])).toString();
    expect(text.match(/dot_general/g)?.length).toBe(1);
    const a = jnp.arange(24).reshape(2, 3, 4).astype("float32");
    const b = jnp.arange(40).reshape(2, 4, 5).astype("float32");
    stackEq(vmap(f)(a, b), [f(a.get(0), b.get(0)), f(a.get(1), b.get(1))]);
  });

  it("vmap of jit and jit of vmap", () => {
    const f = (x: Array) => jnp.exp(x).sum();
    const xs = jnp
      .array([
        [1, 2],
        [3, 4],
      ])
      .astype("float32");
    const want = jnp.stack(rows(xs).map(f));
    expect(vmap(jit(f))(xs).toArray()).toEqual(want.toArray());
    expect(jit(vmap(f))(xs).toArray()).toEqual(want.toArray());
  });

  it("per-example gradients: vmap of grad", () => {
    const loss = (w: Array, x: Array) => jnp.sum(jnp.tanh(x.mul(w)));
    const w = jnp.array([0.5, -1.0]);
    const xs = jnp.array([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const got = vmap(grad(loss) as (w: Array, x: Array) => Array, { inAxes: [null, 0] })(w, xs);
    stackEq(
      got,
      rows(xs).map((x) => grad(loss)(w, x) as Array),
    );
  });

  it("outAxes null for unbatched outputs, axisSize with no mapped inputs", () => {
    const f = (x: Array) => [x.mul(2), jnp.array(7)];
    const [a, b] = vmap(f, { outAxes: [0, null] })(jnp.array([1, 2])) as Array[];
    expect(a!.toArray()).toEqual([2, 4]);
    expect(b!.toArray()).toEqual(7);
    const g = vmap(() => jnp.ones([2]), { axisSize: 3, inAxes: [] });
    expect((g() as Array).shape).toEqual([3, 2]);
  });

  it("collectives with axisName: batch-norm style centering", () => {
    const f = (x: Array) => x.sub(lax.pmean(x, "batch"));
    const out = vmap(f, { axisName: "batch" })(jnp.array([1, 2, 3, 6]));
    expect(out.toArray()).toEqual([-2, -1, 0, 3]);
    const s = vmap((x: Array) => lax.psum(x, "i"), { axisName: "i" })(jnp.array([1, 2, 3]));
    expect(s.toArray()).toEqual([6, 6, 6]);
    const idx = vmap((x: Array) => lax.axisIndex("i").add(x.mul(0).astype("int32")), {
      axisName: "i",
    })(jnp.zeros([4]));
    expect(idx.toArray()).toEqual([0, 1, 2, 3]);
    const g = vmap((x: Array) => lax.allGather(x, "i"), { axisName: "i" })(jnp.array([1, 2]));
    expect(g.toArray()).toEqual([
      [1, 2],
      [1, 2],
    ]);
    const mx = vmap((x: Array) => lax.pmax(x, "i"), { axisName: "i" })(jnp.array([1, 5, 2]));
    expect(mx.toArray()).toEqual([5, 5, 5]);
  });

  it("two named axes in nested vmaps", () => {
    const f = (x: Array) => lax.psum(x, "rows");
    const out = vmap(vmap(f, { axisName: "cols" }), { axisName: "rows" })(
      jnp.array([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(out.toArray()).toEqual([
      [4, 6],
      [4, 6],
    ]);
  });

  it("errors: mismatched sizes name each argument, bad axes, unbound names", () => {
    const f = (a: Array, b: Array) => a.add(b);
    expect(() => vmap(f)(jnp.ones([3]), jnp.ones([2]))).toThrow(
      /inconsistent sizes[\s\S]*size 3: axis 0 of argument 0[\s\S]*size 2: axis 0 of argument 1/,
    );
    expect(() => vmap(f, { inAxes: [0] })(jnp.ones([3]), jnp.ones([3]))).toThrow(
      /inAxes has 1 entries/,
    );
    expect(() => vmap(f, { inAxes: [0, 2] })(jnp.ones([3]), jnp.ones([3]))).toThrow(
      /inAxes 2 is out of range for argument 1 of type f32\[3\]/,
    );
    expect(() => vmap((x: Array) => lax.psum(x, "nope"), { axisName: "i" })(jnp.ones([2]))).toThrow(
      /unbound axis name 'nope'.*'i'/,
    );
    expect(() => vmap((x: Array) => x, { outAxes: null })(jnp.ones([2]))).toThrow(
      /outAxes is null/,
    );
    expect(() => vmap(f, { inAxes: [{ w: 0 }, 0] })(jnp.ones([2]), jnp.ones([2]))).toThrow(
      /prefix/,
    );
  });
});
