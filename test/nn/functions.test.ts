import { describe, expect, it } from "vitest";
import type { Array } from "../../src/index.js";
import { grad, jit, numpy as jnp, nn, testUtil, vmap, withX64 } from "../../src/index.js";

const xs = [-30, -4.5, -1, -0.25, 0, 0.3, 1, 2.5, 30];

/** float64 references written from the functions' definitions. */
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const erf = (x: number) => {
  // Abramowitz–Stegun 7.1.26 is too crude; integrate the series instead (|x| small here).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const refs: Record<string, (x: number) => number> = {
  relu: (x) => Math.max(x, 0),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  sigmoid,
  softplus,
  softsign: (x) => x / (Math.abs(x) + 1),
  silu: (x) => x * sigmoid(x),
  logSigmoid: (x) => -softplus(-x),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  celu: (x) => Math.max(x, 0) + Math.expm1(Math.min(x, 0)),
  selu: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x)),
  leakyRelu: (x) => (x >= 0 ? x : 0.01 * x),
  hardTanh: (x) => Math.min(Math.max(x, -1), 1),
  gelu: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
};

describe("nn activations against float64 references", () => {
  for (const [name, ref] of Object.entries(refs)) {
    it(name, () => {
      withX64(() => {
        const f = (nn as unknown as Record<string, (x: Array) => Array>)[name]!;
        const out = f(jnp.array(xs, "float64")).toArray() as number[];
        out.forEach((v, i) => expect(v).toBeCloseTo(ref(xs[i]!), 12));
      });
    });
  }

  it("exact gelu", () => {
    withX64(() => {
      const small = xs.filter((x) => Math.abs(x) < 5);
      const out = nn.gelu(jnp.array(small, "float64"), false).toArray() as number[];
      out.forEach((v, i) =>
        expect(v).toBeCloseTo((small[i]! * (1 + erf(small[i]! / Math.SQRT2))) / 2, 12),
      );
    });
  });

  it("stable at large magnitudes in float32 (no inf/nan)", () => {
    const big = jnp.array([-1000, -100, 100, 1000]);
    for (const f of [nn.sigmoid, nn.softplus, nn.logSigmoid, nn.silu, nn.elu, nn.gelu]) {
      for (const v of f(big).toArray() as number[]) expect(Number.isFinite(v)).toBe(true);
    }
    expect(nn.logSigmoid(jnp.array(-1000)).item()).toBe(-1000);
  });

  it("gradients match finite differences (x64)", () => {
    withX64(() => {
      const x = jnp.array([-1.3, -0.2, 0.4, 2.1], "float64");
      for (const f of [
        nn.sigmoid,
        nn.softplus,
        nn.silu,
        nn.logSigmoid,
        nn.elu,
        nn.celu,
        nn.selu,
        nn.gelu,
        nn.softsign,
      ]) {
        testUtil.checkGrads((v: Array) => f(v), [x], 2);
      }
    });
  });
});

describe("softmax family", () => {
  const x = [
    [1, 2, 3],
    [-1000, 0, 1000],
  ];
  it("softmax and logSoftmax are stable and normalized", () => {
    const s = nn.softmax(jnp.array(x)).toArray() as number[][];
    s.forEach((row) => expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6));
    expect(s[1]).toEqual([0, 0, 1]);
    const ls = nn.logSoftmax(jnp.array(x)).toArray() as number[][];
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    ls[0]!.forEach((v, i) => expect(v).toBeCloseTo(x[0]![i]! - lse, 6));
    expect(ls[1]![2]).toBe(0);
  });

  it("logsumexp with axis, keepdims, b and -inf rows", () => {
    const a = jnp.array([
      [0, Math.log(3)],
      [-Infinity, -Infinity],
    ]);
    const r = nn.logsumexp(a, { axis: 1 }).toArray() as number[];
    expect(r[0]).toBeCloseTo(Math.log(4), 6);
    expect(r[1]).toBe(-Infinity);
    expect(nn.logsumexp(a, { axis: 1, keepdims: true }).shape).toEqual([2, 1]);
    expect(nn.logsumexp(jnp.array([0, 0]), { b: jnp.array([1, 3]) }).item()).toBeCloseTo(
      Math.log(4),
      6,
    );
  });

  it("softmax Jacobian rows sum to zero; vmap and jit agree", () => {
    const f = (v: Array) => nn.softmax(v);
    const theta = jnp.array([1.0, 0.0, -1.0]);
    const g = grad((v: Array) => jnp.sum(f(v).mul(jnp.array([1, 2, 3]))))(theta) as Array;
    expect(Math.abs(jnp.sum(g).item() as number)).toBeLessThan(1e-6);
    const batch = jnp.array([
      [1, 0, -1],
      [2, 2, 2],
    ]);
    expect(vmap(f)(batch).toArray()).toEqual(jit(vmap(f))(batch).toArray());
  });

  it("oneHot and standardize", () => {
    expect(nn.oneHot(jnp.array([0, 2], "int32"), 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(nn.oneHot(jnp.array([1], "int32"), 2, { axis: 0 }).shape).toEqual([2, 1]);
    const s = nn.standardize(jnp.array([1, 2, 3, 4])).toArray() as number[];
    expect(s.reduce((a, b) => a + b)).toBeCloseTo(0, 5);
    expect(s.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 3);
  });
});
