/**
 * The compiled float32 convolution (backend/cpu/compiler/conv_step.ts)
 * against the interpreter's kernel (compiler off: float64 accumulation) on random configurations:
 * 1–3 spatial dims, strides, explicit and negative padding, lhs and rhs
 * dilation, feature and batch groups, random dimension numbers; the input
 * and filter gradients (the transposed convolutions JAX emits) under jit
 * against eager; the fused bias+relu epilogue; 1 vs 2 threads bit-identical.
 */
import { afterEach, describe, expect, it } from "vitest";
import { setThreads } from "../../src/backend/cpu/pool.js";
import { config } from "../../src/config.js";
import { grad, type Array as JArray, jit, numpy as jnp, lax, nn } from "../../src/index.js";

/** `f()` with the compiler off: the interpreter's kernels, an independent float64-accumulating reference. */
function uncompiled<T>(f: () => T): T {
  const prev = config.read("jaxts_compile");
  config.update("jaxts_compile", false);
  try {
    return f();
  } finally {
    config.update("jaxts_compile", prev);
  }
}
const interpreted = async (f: () => JArray): Promise<Float32Array> =>
  (await uncompiled(f).data()) as Float32Array;

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: () => number, lo: number, hi: number): number =>
  lo + Math.floor(r() * (hi - lo + 1));

function shuffle<T>(r: () => number, xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function randArray(r: () => number, shape: number[]): JArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return jnp.array(Float32Array.from({ length: n }, () => r() * 2 - 1)).reshape(shape);
}

interface Config {
  lhsShape: number[];
  rhsShape: number[];
  strides: number[];
  padding: [number, number][];
  lhsDil: number[];
  rhsDil: number[];
  dn: [number[], number[], number[]];
  fgc: number;
  bgc: number;
}

/** A random valid convolution. */
function randomConfig(r: () => number, big = false): Config {
  const nsp = int(r, 1, 3);
  const small = nsp === 3 && !big;
  const groups = int(r, 1, 3);
  const useBatch = r() < 0.3 && groups > 1;
  const fgc = useBatch ? 1 : groups;
  const bgc = useBatch ? groups : 1;
  const i = int(r, 1, big ? 12 : 3);
  const c = i * fgc;
  const n = int(r, 1, big ? 5 : 3) * bgc;
  const o = int(r, 1, big ? 20 : 4) * groups;
  const window = Array.from({ length: nsp }, () => int(r, 1, small ? 2 : 3));
  const inSp = Array.from({ length: nsp }, () =>
    int(r, small ? 2 : 3, big ? (nsp === 3 ? 6 : 13) : small ? 4 : 7),
  );
  const strides = window.map(() => int(r, 1, 2));
  const lhsDil = window.map(() => (r() < 0.25 ? 2 : 1));
  const rhsDil = window.map(() => (r() < 0.25 ? 2 : 1));
  const padding = window.map((): [number, number] => [int(r, -1, 2), int(r, -1, 2)]);
  // Keep every output dim non-negative: the padded, dilated input covers the dilated window.
  inSp.forEach((s, d) => {
    const span = (window[d]! - 1) * rhsDil[d]! + 1;
    const padded = (s - 1) * lhsDil[d]! + 1 + padding[d]![0] + padding[d]![1];
    if (padded < span) padding[d]![1] += span - padded;
  });
  const nd = nsp + 2;
  const perm = () =>
    shuffle(
      r,
      Array.from({ length: nd }, (_, k) => k),
    );
  const dn: [number[], number[], number[]] = [perm(), perm(), perm()];
  const place = (spec: number[], sizes: number[]) => {
    const shape = new Array<number>(nd);
    spec.forEach((dim, k) => {
      shape[dim] = sizes[k]!;
    });
    return shape;
  };
  return {
    lhsShape: place(dn[0], [n, c, ...inSp]),
    rhsShape: place(dn[1], [o, i, ...window]),
    strides,
    padding,
    lhsDil,
    rhsDil,
    dn,
    fgc,
    bgc,
  };
}

const conv = (cfg: Config) => (x: JArray, w: JArray) =>
  lax.convGeneralDilated(x, w, cfg.strides, cfg.padding, cfg.lhsDil, cfg.rhsDil, cfg.dn, cfg.fgc, cfg.bgc); // biome-ignore format: long

async function close(got: JArray, want: JArray, what: string): Promise<void> {
  expect(got.shape, what).toEqual(want.shape);
  const g = (await got.data()) as Float32Array;
  const w = (await want.data()) as Float32Array;
  let scale = 1e-6;
  for (const v of w) scale = Math.max(scale, Math.abs(v));
  for (let k = 0; k < w.length; k++) {
    if (!(Math.abs(g[k]! - w[k]!) <= 1e-5 * scale)) {
      throw new Error(`${what}: element ${k}: ${g[k]} vs ${w[k]} (scale ${scale})`);
    }
  }
}

afterEach(() => setThreads(null));

describe("compiled conv_general_dilated", () => {
  it("matches the eager kernel on 120 random configurations", async () => {
    const r = rng(1234);
    for (let t = 0; t < 120; t++) {
      const cfg = randomConfig(r);
      const x = randArray(r, cfg.lhsShape);
      const w = randArray(r, cfg.rhsShape);
      const f = conv(cfg);
      await close(
        jit(f)(x, w),
        uncompiled(() => f(x, w)),
        `case ${t}: ${JSON.stringify(cfg)}`,
      );
    }
  });

  it("matches a float64 reference within float32 accumulation error on larger random configurations (the packed GEMM)", async () => {
    // The GEMM sums in float32, in blocks: each element is within (K + 2)·2⁻²⁴·Σ|x·w| of the
    // float64-accumulated eager kernel, Σ|x·w| being the same convolution of |x| and |w|.
    const r = rng(4321);
    for (let t = 0; t < 30; t++) {
      const cfg = randomConfig(r, true);
      const x = randArray(r, cfg.lhsShape);
      const w = randArray(r, cfg.rhsShape);
      const f = conv(cfg);
      const got = (await jit(f)(x, w).data()) as Float32Array;
      const want = await interpreted(() => f(x, w));
      const mag = await interpreted(() => f(jnp.abs(x), jnp.abs(w)));
      const [, i, ...win] = cfg.dn[1].map((d) => cfg.rhsShape[d]!);
      const K = i! * win.reduce((a, b) => a * b, 1);
      const what = `case ${t}: ${JSON.stringify(cfg)}`;
      expect(got.length, what).toBe(want.length);
      for (let k = 0; k < want.length; k++) {
        const bound = (K + 2) * 2 ** -24 * mag[k]! + 1e-30;
        if (!(Math.abs(got[k]! - want[k]!) <= bound)) {
          throw new Error(`${what}: element ${k}: ${got[k]} vs ${want[k]} (bound ${bound})`);
        }
      }
    }
  });

  it("computes a filter gradient with a long contraction (k blocks, split runs) within float32 error", async () => {
    const r = rng(77);
    const x = randArray(r, [8, 20, 20, 6]);
    const w = randArray(r, [3, 3, 6, 12]);
    const ct = randArray(r, [8, 20, 20, 12]);
    // The filter gradient, a convolution over K = 8·20·20 = 3200 (batch × positions).
    const gw = (a: JArray, c: JArray) =>
      grad(
        (v: JArray) =>
        jnp.sum(lax.convGeneralDilated(a, v, [1, 1], "SAME", null, null, ["NHWC", "HWIO", "NHWC"]).mul(c)), // biome-ignore format: long
      )(w) as JArray;
    const got = (await jit(gw)(x, ct).data()) as Float32Array;
    const want = await interpreted(() => gw(x, ct));
    const mag = await interpreted(() => gw(jnp.abs(x), jnp.abs(ct)));
    for (let k = 0; k < want.length; k++) {
      const bound = (3200 + 2) * 2 ** -24 * mag[k]!;
      expect(Math.abs(got[k]! - want[k]!), `element ${k}`).toBeLessThanOrEqual(bound);
    }
  });

  it("computes input and filter gradients under jit as eager", async () => {
    const r = rng(99);
    for (let t = 0; t < 40; t++) {
      const cfg = randomConfig(r);
      const x = randArray(r, cfg.lhsShape);
      const w = randArray(r, cfg.rhsShape);
      const loss = (a: JArray, b: JArray) => jnp.sum(jnp.sin(conv(cfg)(a, b)));
      const g = grad(loss, { argnums: [0, 1] });
      const [ex, ew] = uncompiled(() => g(x, w) as [JArray, JArray]);
      const [jx, jw] = jit(g)(x, w) as [JArray, JArray];
      const what = `case ${t}: ${JSON.stringify(cfg)}`;
      await close(jx, ex, `${what} (lhs grad)`);
      await close(jw, ew, `${what} (rhs grad)`);
    }
  });

  it("runs a CNN layer (NHWC, bias, relu epilogue) as eager", async () => {
    const r = rng(7);
    const x = randArray(r, [8, 12, 12, 3]);
    const w = randArray(r, [3, 3, 3, 16]);
    const b = randArray(r, [16]);
    const f = (a: JArray, k: JArray, c: JArray) =>
      nn.relu(lax.convGeneralDilated(a, k, [1, 1], "SAME", null, null, ["NHWC", "HWIO", "NHWC"]).add(c)); // biome-ignore format: long
    await close(
      jit(f)(x, w, b),
      uncompiled(() => f(x, w, b)),
      "conv+bias+relu",
    );
  });

  it("gives the same bits on 1 and 2 threads", async () => {
    const r = rng(5);
    const x = randArray(r, [16, 20, 20, 8]);
    const w = randArray(r, [3, 3, 8, 24]);
    const f = (a: JArray, k: JArray) => {
      const loss = (u: JArray, v: JArray) =>
        jnp.sum(jnp.tanh(lax.convGeneralDilated(u, v, [1, 1], "SAME", null, null, ["NHWC", "HWIO", "NHWC"]))); // biome-ignore format: long
      return grad(loss, { argnums: [0, 1] })(a, k) as [JArray, JArray];
    };
    const outs: Float32Array[][] = [];
    for (const threads of [1, 2]) {
      setThreads(threads);
      const [gx, gw] = jit(f)(x, w);
      outs.push([(await gx.data()) as Float32Array, (await gw.data()) as Float32Array]);
    }
    expect(outs[1]![0]).toEqual(outs[0]![0]);
    expect(outs[1]![1]).toEqual(outs[0]![1]);
  });
});
