import { describe, expect, it } from "vitest";
import type { Array } from "../../src/index.js";
import { grad, jit, numpy as jnp } from "../../src/index.js";
import * as optax from "../../src/optax/index.js";
import { approx } from "../util/index.js";

/** Runs `steps` updates of an optimizer on fixed gradients, returning the params after each. */
function run(opt: optax.GradientTransformation, p0: number[], grads: number[][]): number[][] {
  let params: unknown = { w: jnp.array(p0) };
  let state = opt.init(params);
  const out: number[][] = [];
  for (const g of grads) {
    const [updates, next] = opt.update({ w: jnp.array(g) }, state, params);
    state = next;
    params = optax.applyUpdates(params, updates);
    out.push(((params as { w: Array }).w.toArray() as number[]).slice());
  }
  return out;
}

/** The same optimizer written out in float64 JS, straight from optax's formulas. */
function reference(
  step: (p: number, g: number, s: Record<string, number>, t: number) => number,
  p0: number[],
  grads: number[][],
): number[][] {
  const states = p0.map(() => ({}) as Record<string, number>);
  let params = [...p0];
  return grads.map((g, t) => {
    params = params.map((p, i) => step(p, g[i]!, states[i]!, t + 1));
    return [...params];
  });
}

const p0 = [0.5, -1.5, 2.0];
const grads = [
  [0.1, -0.2, 0.3],
  [0.4, 0.1, -0.5],
  [-0.3, 0.2, 0.05],
  [0.2, -0.4, 0.1],
  [0.0, 0.3, -0.2],
];

describe("optax optimizers match optax's formulas over several steps", () => {
  it("sgd, with momentum and nesterov", () => {
    approx(
      run(optax.sgd(0.1), p0, grads),
      reference((p, g) => p - 0.1 * g, p0, grads),
    );
    approx(
      run(optax.sgd(0.1, { momentum: 0.9 }), p0, grads),
      reference(
        (p, g, s) => {
          s.t = g + 0.9 * (s.t ?? 0);
          return p - 0.1 * s.t;
        },
        p0,
        grads,
      ),
    );
    approx(
      run(optax.sgd(0.1, { momentum: 0.9, nesterov: true }), p0, grads),
      reference(
        (p, g, s) => {
          s.t = g + 0.9 * (s.t ?? 0);
          return p - 0.1 * (g + 0.9 * s.t);
        },
        p0,
        grads,
      ),
    );
  });

  const adamRef =
    (lr: number, b1: number, b2: number, eps: number, wd = 0) =>
    (p: number, g: number, s: Record<string, number>, t: number) => {
      s.m = (1 - b1) * g + b1 * (s.m ?? 0);
      s.v = (1 - b2) * g * g + b2 * (s.v ?? 0);
      const mh = s.m / (1 - b1 ** t);
      const vh = s.v / (1 - b2 ** t);
      return p - lr * (mh / (Math.sqrt(vh) + eps) + wd * p);
    };

  it("adam and adamw", () => {
    approx(run(optax.adam(0.01), p0, grads), reference(adamRef(0.01, 0.9, 0.999, 1e-8), p0, grads));
    approx(
      run(optax.adamw(0.01, { weightDecay: 0.1 }), p0, grads),
      reference(adamRef(0.01, 0.9, 0.999, 1e-8, 0.1), p0, grads),
    );
  });

  it("rmsprop, adagrad, lion", () => {
    approx(
      run(optax.rmsprop(0.01), p0, grads),
      reference(
        (p, g, s) => {
          s.nu = 0.1 * g * g + 0.9 * (s.nu ?? 0);
          return p - (0.01 * g) / Math.sqrt(s.nu + 1e-8);
        },
        p0,
        grads,
      ),
    );
    approx(
      run(optax.adagrad(0.1), p0, grads),
      reference(
        (p, g, s) => {
          s.acc = g * g + (s.acc ?? 0.1);
          return p - 0.1 * (s.acc > 0 ? g / Math.sqrt(s.acc + 1e-7) : 0);
        },
        p0,
        grads,
      ),
    );
    approx(
      run(optax.lion(0.01, { weightDecay: 0.01 }), p0, grads),
      reference(
        (p, g, s) => {
          const u = Math.sign(0.1 * g + 0.9 * (s.m ?? 0));
          s.m = 0.01 * g + 0.99 * (s.m ?? 0);
          return p - 0.01 * (u + 0.01 * p);
        },
        p0,
        grads,
      ),
    );
  });

  it("clip_by_global_norm and chain", () => {
    const opt = optax.chain(optax.clipByGlobalNorm(0.1), optax.sgd(1.0));
    const norm = (g: number[]) => Math.sqrt(g.reduce((a, x) => a + x * x, 0));
    approx(
      run(opt, p0, grads),
      reference(
        (p, g, _s, t) => {
          const n = norm(grads[t - 1]!);
          return p - (n < 0.1 ? g : (g / n) * 0.1);
        },
        p0,
        grads,
      ),
    );
  });

  it("schedules", () => {
    const at = (s: optax.Schedule, c: number) =>
      Number(jnp.asarray(s(jnp.array(c, "int32"))).item());
    expect(at(optax.exponentialDecay(1, 10, 0.5), 20)).toBeCloseTo(0.25, 6);
    expect(at(optax.exponentialDecay(1, 10, 0.5, { staircase: true }), 15)).toBeCloseTo(0.5, 6);
    expect(at(optax.cosineDecaySchedule(1, 100), 50)).toBeCloseTo(0.5, 6);
    expect(at(optax.warmupCosineDecaySchedule(0, 1, 10, 110), 5)).toBeCloseTo(0.5, 6);
    expect(at(optax.warmupCosineDecaySchedule(0, 1, 10, 110), 60)).toBeCloseTo(0.5, 6);
    expect(at(optax.piecewiseConstantSchedule(1, { 10: 0.1, 20: 0.5 }), 15)).toBeCloseTo(0.1, 6);
    expect(at(optax.piecewiseConstantSchedule(1, { 10: 0.1, 20: 0.5 }), 25)).toBeCloseTo(0.05, 6);
    expect(at(optax.constantSchedule(3), 7)).toBe(3);
    // A schedule as learning rate counts steps.
    const lr = run(optax.sgd(optax.linearSchedule(0.1, 0.0, 4)), [0], [[1], [1], [1], [1]]).map(
      (r) => r[0]!,
    );
    approx([lr], [[-0.1, -0.175, -0.225, -0.25]]);
  });

  it("losses", () => {
    const l = optax.sigmoidBinaryCrossEntropy(jnp.array([0.5, -1]), jnp.array([1, 0]));
    const sp = (x: number) => Math.log1p(Math.exp(x));
    approx([l.toArray() as number[]], [[sp(-0.5), sp(-1)]]);
    const ce = optax.softmaxCrossEntropyWithIntegerLabels(
      jnp.array([[1, 2, 3]]),
      jnp.array([2], "int32"),
    );
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    approx([ce.toArray() as number[]], [[lse - 3]]);
    const ce2 = optax.softmaxCrossEntropy(jnp.array([[1, 2, 3]]), jnp.array([[0, 0, 1]]));
    approx([ce2.toArray() as number[]], [[lse - 3]]);
    approx([optax.huberLoss(jnp.array([0.5, 3])).toArray() as number[]], [[0.125, 2.5]]);
    approx([optax.l2Loss(jnp.array([2]), jnp.array([1])).toArray() as number[]], [[0.5]]);
  });

  it("a jitted training step", () => {
    const opt = optax.adam(0.1);
    const loss = (p: { w: Array }) => jnp.sum(jnp.square(p.w.sub(3)));
    const step = jit((p: { w: Array }, s: unknown) => {
      const g = grad(loss)(p);
      const [u, ns] = opt.update(g, s, p);
      return [optax.applyUpdates(p, u), ns] as const;
    });
    let p = { w: jnp.array([0, 1]) };
    let s = opt.init(p);
    for (let i = 0; i < 200; i++) [p, s] = step(p, s) as unknown as [{ w: Array }, unknown];
    approx([p.w.toArray() as number[]], [[3, 3]], 1e-2);
  });
});
