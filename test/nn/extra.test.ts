/**
 * jax.nn's remaining activations and dotProductAttention (issue 17): values
 * against float64 formulas, jit against eager, gradients by finite
 * differences, and attention against a loop over (batch, head, query).
 */
import { describe, expect, it } from "vitest";
import {
  type Array,
  grad,
  jit,
  numpy as jnp,
  nn,
  random,
  testUtil,
  vmap,
} from "../../src/index.js";
import { vals } from "../util/index.js";

const xs = [-3, -1.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 3];
const softplus64 = (x: number) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);
const sigmoid64 = (x: number) => 1 / (1 + Math.exp(-x));

function close(actual: number[], expected: number[], tol = 2e-6): void {
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e))))
      throw new Error(`element ${i}: ${a} vs ${e}`);
  });
}

describe("activations against float64 formulas", () => {
  const cases: [string, (x: Array) => Array, (x: number) => number][] = [
    ["mish", nn.mish, (x) => x * Math.tanh(softplus64(x))],
    ["squareplus", (x) => nn.squareplus(x), (x) => (x + Math.sqrt(x * x + 4)) / 2],
    ["sparsePlus", nn.sparsePlus, (x) => (x <= -1 ? 0 : x >= 1 ? x : (x + 1) ** 2 / 4)],
    ["sparseSigmoid", nn.sparseSigmoid, (x) => 0.5 * Math.min(Math.max(x + 1, 0), 2)],
    ["softSign", nn.softSign, (x) => x / (Math.abs(x) + 1)],
    ["hardSilu", nn.hardSilu, (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6],
    ["tanh", nn.tanh, Math.tanh],
    ["identity", nn.identity, (x) => x],
  ];
  for (const [name, f, ref] of cases) {
    it(`${name}: eager and jit`, () => {
      const x = jnp.array(xs);
      close(vals(f(x)), xs.map(ref));
      close(vals(jit(f)(x)), xs.map(ref));
    });
  }

  it("log1mexp on both sides of log 2", () => {
    const pos = [1e-6, 0.01, 0.5, Math.LN2, 1, 5, 30];
    close(
      vals(nn.log1mexp(jnp.array(pos))),
      pos.map((x) => Math.log(-Math.expm1(-x))),
      1e-5,
    );
  });

  it("glu halves the axis", () => {
    const x = jnp.array([
      [1, 2, -1, 0.5],
      [0, -2, 3, 1],
    ]);
    const want = [1 * sigmoid64(-1), 2 * sigmoid64(0.5), 0 * sigmoid64(3), -2 * sigmoid64(1)];
    close(vals(nn.glu(x)), want);
    expect(nn.glu(x, 0).shape).toEqual([1, 4]);
    expect(() => nn.glu(jnp.ones([3]))).toThrow(/even/);
  });

  it("logmeanexp", () => {
    const x = jnp.array([
      [1, 2, 3],
      [-1, 0, 100],
    ]);
    const lme = (r: number[]) =>
      Math.log(r.reduce((s, v) => s + Math.exp(v - 100), 0) / r.length) + 100;
    close(vals(nn.logmeanexp(x, { axis: 1 })), [lme([1, 2, 3]), lme([-1, 0, 100])], 1e-6);
    close(vals(nn.logmeanexp(x)), [lme([1, 2, 3, -1, 0, 100])], 1e-6);
    expect(nn.logmeanexp(x, { axis: 0, keepdims: true }).shape).toEqual([1, 3]);
  });

  it("gradients match finite differences", () => {
    const x = jnp.array([-2.5, -0.7, 0.3, 0.8, 2.2], "float32");
    for (const f of [nn.mish, (a: Array) => nn.squareplus(a), nn.sparsePlus, nn.log1mexp]) {
      const arg = f === nn.log1mexp ? jnp.abs(x).add(0.1) : x;
      testUtil.checkGrads((a: Array) => f(a), [arg], 1, { modes: ["rev"], rtol: 2e-2, atol: 2e-2 });
    }
    close(vals(grad((a: Array) => jnp.sum(nn.sparsePlus(a)))(x)), vals(nn.sparseSigmoid(x)), 1e-6);
  });
});

/** Attention for one (batch, query head) pair, in float64: softmax(q·kᵀ·scale + bias)·v. */
function attendRef(
  q: number[][],
  k: number[][],
  v: number[][],
  scale: number,
  keep: (t: number, s: number) => boolean,
  bias: (t: number, s: number) => number,
): number[][] {
  return q.map((qt, t) => {
    const logits = k.map((ks, s) => {
      const l = qt.reduce((acc, qi, h) => acc + qi * ks[h]!, 0) * scale + bias(t, s);
      return keep(t, s) ? l : -0.7 * 3.4028234663852886e38;
    });
    const m = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - m));
    const z = e.reduce((a, b) => a + b, 0);
    return v[0]!.map((_, h) => e.reduce((acc, w, s) => acc + (w / z) * v[s]![h]!, 0));
  });
}

describe("dotProductAttention (the 'xla' implementation's semantics)", () => {
  const [kq, kk, kv, kb] = random.splitList(random.PRNGKey(7), 4) as [Array, Array, Array, Array];
  const B = 2;
  const T = 3;
  const S = 4;
  const N = 4;
  const K = 2;
  const H = 5;
  const q = random.normal(kq, [B, T, N, H]);
  const k = random.normal(kk, [B, S, K, H]);
  const v = random.normal(kv, [B, S, K, H]);
  const bias = random.normal(kb, [1, N, T, S]);
  const Q = q.toArray() as number[][][][];
  const Kk = k.toArray() as number[][][][];
  const V = v.toArray() as number[][][][];
  const Bi = bias.toArray() as number[][][][];
  const sel = (x: number[][][][], b: number, n: number) => x[b]!.map((row) => row[n]!);

  function reference(
    keep: (b: number, t: number, s: number) => boolean,
    withBias: boolean,
    scale = 1 / Math.sqrt(H),
  ): number[] {
    const out: number[][][][] = [];
    for (let b = 0; b < B; b++) {
      const heads: number[][][] = [];
      for (let n = 0; n < N; n++) {
        const g = Math.floor(n / (N / K));
        heads.push(
          attendRef(
            sel(Q, b, n),
            sel(Kk, b, g),
            sel(V, b, g),
            scale,
            (t, s) => keep(b, t, s),
            (t, s) => (withBias ? Bi[0]![n]![t]![s]! : 0),
          ),
        );
      }
      out.push(globalThis.Array.from({ length: T }, (_, t) => heads.map((hd) => hd[t]!)));
    }
    return out.flat(3);
  }

  it("plain, grouped heads", () => {
    const y = nn.dotProductAttention(q, k, v);
    expect(y.shape).toEqual([B, T, N, H]);
    close(
      vals(y),
      reference(() => true, false),
      1e-5,
    );
  });

  it("bias, causal mask, scale, and key/value lengths", () => {
    const y = nn.dotProductAttention(q, k, v, {
      bias,
      isCausal: true,
      scale: 0.3,
      keyValueSeqLengths: jnp.array([4, 2], "int32"),
    });
    const lens = [4, 2];
    close(
      vals(y),
      reference((b, t, s) => s <= t && s < lens[b]!, true, 0.3),
      1e-5,
    );
  });

  it("a boolean mask, under jit and vmap (unbatched inputs)", () => {
    const mask = jnp.array([
      [true, false, true, true],
      [true, true, false, true],
      [false, true, true, true],
    ]);
    const f = (qq: Array, kk2: Array, vv: Array) =>
      nn.dotProductAttention(qq, kk2, vv, { mask: jnp.broadcastTo(mask, [N, T, S]) });
    const y = jit(vmap(f))(q, k, v);
    const m = mask.toArray() as boolean[][];
    close(
      vals(y),
      reference((_b, t, s) => m[t]![s]!, false),
      1e-5,
    );
  });

  it("gradient with respect to the query matches finite differences", () => {
    testUtil.checkGrads(
      (qq: Array) => nn.dotProductAttention(qq, k, v, { isCausal: true }),
      [q],
      1,
      {
        modes: ["rev"],
        rtol: 3e-2,
        atol: 3e-2,
      },
    );
  });

  it("errors name the shapes and options", () => {
    expect(() => nn.dotProductAttention(q, k.get(":", ":", 0), v)).toThrow(/rank 4/);
    expect(() => nn.dotProductAttention(q, k, v, { is_causal: true } as never)).toThrow(/isCausal/);
  });
});
