import { describe, expect, it } from "vitest";
import type { Array } from "../../src/index.js";
import { grad, jit, numpy as jnp, jvp, lax, testUtil, vmap, withX64 } from "../../src/index.js";
import { approx } from "../util/index.js";

/** The tutorial's RNN cell and sequence runner. */
function rnnCell(h: Array, x: Array, params: [Array, Array, Array]): [Array, Array] {
  const [whh, wxh, b] = params;
  const hNew = jnp.tanh(h.matmul(whh).add(x.matmul(wxh)).add(b));
  return [hNew, hNew];
}
function runSequence(inputs: Array, params: [Array, Array, Array]): Array {
  const h0 = jnp.zeros(params[0].shape[0]!);
  const [, outputs] = lax.scan((c: Array, x: Array) => rnnCell(c, x, params), h0, inputs);
  return outputs;
}
function runLoop(inputs: Array, params: [Array, Array, Array]): Array {
  let h = jnp.zeros(params[0].shape[0]!);
  const outs: Array[] = [];
  for (let t = 0; t < inputs.shape[0]!; t++) {
    [h] = rnnCell(h, inputs.get(t), params);
    outs.push(h);
  }
  return jnp.stack(outs);
}

const params: [Array, Array, Array] = [
  jnp.array([
    [0.5, -0.2],
    [0.1, 0.3],
  ]),
  jnp.array([
    [0.2, 0.1, -0.3],
    [0.4, -0.5, 0.2],
  ]).T,
  jnp.array([0.05, -0.05]),
];
const seqs = jnp.array([
  [
    [1, 0, -1],
    [0.5, 0.5, 0.5],
    [-1, 2, 0],
    [0, 0, 1],
  ],
  [
    [0, 1, 0],
    [1, 1, 1],
    [2, -1, 0.5],
    [-0.5, 0, 0],
  ],
]);

describe("lax.scan", () => {
  it("matches a JS loop, eagerly and under jit", () => {
    approx(runSequence(seqs.get(0), params), runLoop(seqs.get(0), params));
    approx(jit(runSequence)(seqs.get(0), params), runLoop(seqs.get(0), params));
  });

  it("the tutorial's jit(vmap(runSequence, inAxes [0, null]))", () => {
    const batched = jit(vmap(runSequence, { inAxes: [0, null] }));
    const out = batched(seqs, params);
    expect(out.shape).toEqual([2, 4, 2]);
    approx(out, jnp.stack([runLoop(seqs.get(0), params), runLoop(seqs.get(1), params)]));
  });

  it("gradients with respect to the parameters match the unrolled loop", () => {
    const loss = (p: [Array, Array, Array]) =>
      jnp.sum(vmap(runSequence, { inAxes: [0, null] })(seqs, p));
    const lossLoop = (p: [Array, Array, Array]) =>
      jnp.sum(jnp.stack([runLoop(seqs.get(0), p), runLoop(seqs.get(1), p)]));
    const g = grad(loss)(params) as Array[];
    const gLoop = grad(lossLoop)(params) as Array[];
    g.forEach((x, i) => approx(x, gLoop[i]));
    const gJit = jit(grad(loss))(params) as Array[];
    gJit.forEach((x, i) => approx(x, gLoop[i]));
  });

  it("reverse, xs null with length, pytree carries", () => {
    const [c, ys] = lax.scan(
      (c: { s: Array }, x: Array) => [{ s: c.s.add(x) }, c.s],
      { s: jnp.array(0) },
      jnp.arange(5).astype("float32"),
      {
        reverse: true,
      },
    );
    expect(c.s.toArray()).toEqual(10);
    expect(ys.toArray()).toEqual([10, 9, 7, 4, 0]);
    const [n] = lax.scan((c: Array) => [c.mul(2), null], jnp.array(1), null, { length: 10 });
    expect(n.toArray()).toEqual(1024);
  });

  it("gradients against finite differences (x64)", () => {
    withX64(() => {
      const f = (x: Array) =>
        lax.scan(
          (c: Array, w: Array) => [jnp.sin(c.mul(w)), c],
          x,
          jnp.array([0.5, 1.5, -0.7], "float64"),
        )[0];
      testUtil.checkGrads(f, [jnp.array(0.8, "float64")], 2);
    });
  });

  it("10,000 steps run without stack growth, forward and reverse", () => {
    const f = (x: Array) =>
      lax.scan((c: Array) => [c.mul(0.9999).add(0.0001), null], x, null, { length: 10000 })[0];
    approx(f(jnp.array(1)), jnp.array(1), 1e-4);
    approx(grad(f)(jnp.array(1)), jnp.array(0.9999 ** 10000), 1e-3);
  });

  it("errors name the carry leaf and both types", () => {
    expect(() =>
      lax.scan((c: Array, x: Array) => [jnp.stack([c, c]), x], jnp.array(0), jnp.ones([3])),
    ).toThrow(/lax\.scan: .*f32\[\] on input but f32\[2\] on output/);
  });
});

describe("lax.cond and lax.switch", () => {
  const f = (x: Array) =>
    lax.cond(
      x.gt(0),
      (v: Array) => v.mul(2),
      (v: Array) => v.neg(),
      x,
    ) as Array;
  it("selects a branch, eagerly, under jit and with grad", () => {
    expect(f(jnp.array(3)).toArray()).toEqual(6);
    expect(jit(f)(jnp.array(-3)).toArray()).toEqual(3);
    expect((grad(f)(jnp.array(3)) as Array).toArray()).toEqual(2);
    expect((grad(f)(jnp.array(-3)) as Array).toArray()).toEqual(-1);
    expect((jit(grad(f))(jnp.array(-3)) as Array).toArray()).toEqual(-1);
  });
  it("under vmap with a batched predicate becomes a select", () => {
    expect(vmap(f)(jnp.array([1, -2, 3])).toArray()).toEqual([2, 2, 6]);
    expect((vmap(grad(f))(jnp.array([1, -2, 3])) as Array).toArray()).toEqual([2, -1, 2]);
  });
  it("switch clamps the index", () => {
    const branches = [(x: Array) => x, (x: Array) => x.mul(10), (x: Array) => x.mul(100)];
    expect((lax.switch(5, branches, jnp.array(1)) as Array).toArray()).toEqual(100);
    expect((lax.switch(-1, branches, jnp.array(1)) as Array).toArray()).toEqual(1);
  });
  it("errors: mismatched branch outputs, non-scalar predicate", () => {
    expect(() =>
      lax.cond(
        true,
        (x: Array) => x,
        (x: Array) => jnp.stack([x, x]),
        jnp.array(1),
      ),
    ).toThrow(/branch 0 and branch 1 outputs/);
    expect(() =>
      lax.cond(
        jnp.array([true, false]),
        (x: Array) => x,
        (x: Array) => x,
        jnp.array(1),
      ),
    ).toThrow(/must be a scalar/);
  });
});

describe("lax.whileLoop and lax.foriLoop", () => {
  it("while loop, eager and jit", () => {
    const f = (n: Array) =>
      lax.whileLoop(
        ([i]: Array[]) => i!.lt(n),
        ([i, s]: Array[]) => [i!.add(1), s!.add(i!)],
        [jnp.array(0, "int32"), jnp.array(0, "int32")],
      );
    expect((f(jnp.array(5, "int32"))[1] as Array).toArray()).toEqual(10);
    expect((jit(f)(jnp.array(5, "int32"))[1] as Array).toArray()).toEqual(10);
  });
  it("under vmap with a batched predicate, finished lanes stay unchanged", () => {
    const f = (n: Array) =>
      lax.whileLoop(
        (s: Array) => s.lt(n),
        (s: Array) => s.add(3),
        jnp.array(0, "int32"),
      );
    expect(vmap(f)(jnp.array([1, 5, 10], "int32")).toArray()).toEqual([3, 6, 12]);
  });
  it("forward mode works; reverse mode gives JAX's error", () => {
    const f = (x: Array) =>
      lax.whileLoop(
        (c: Array[]) => c[0]!.lt(3),
        (c: Array[]) => [c[0]!.add(1), c[1]!.mul(x)],
        [jnp.array(0, "int32"), jnp.array(1)],
      )[1] as Array;
    const [y, t] = jvp(f, [jnp.array(2)], [jnp.array(1)]) as Array[];
    expect(y!.toArray()).toEqual(8);
    expect(t!.toArray()).toEqual(12);
    expect(() => grad(f)(jnp.array(2))).toThrow(
      /Reverse-mode differentiation does not work for lax.whileLoop/,
    );
  });
  it("foriLoop with static bounds is a scan (reverse mode works)", () => {
    const f = (x: Array) => lax.foriLoop(0, 4, (_i: Array, v: Array) => v.mul(x), jnp.array(1));
    expect(f(jnp.array(2)).toArray()).toEqual(16);
    approx(grad(f)(jnp.array(2)), jnp.array(32));
  });
});

describe("lax.map and lax.associativeScan", () => {
  it("map over the leading axis", () => {
    expect(
      lax
        .map(
          (x: Array) => x.sum(),
          jnp.array([
            [1, 2],
            [3, 4],
          ]),
        )
        .toArray(),
    ).toEqual([3, 7]);
  });
  it("associativeScan equals cumsum, forward and reverse, odd and even lengths", () => {
    for (const n of [1, 2, 5, 8]) {
      const x = jnp.arange(n).astype("float32");
      expect(lax.associativeScan((a: Array, b: Array) => a.add(b), x).toArray()).toEqual(
        jnp.cumsum(x).toArray(),
      );
      expect(
        lax.associativeScan((a: Array, b: Array) => a.add(b), x, { reverse: true }).toArray(),
      ).toEqual(jnp.flip(jnp.cumsum(jnp.flip(x))).toArray());
    }
  });
});
