/**
 * The compiled pooling windows (backend/cpu/compiler/window_step.ts):
 * reduce_window max/min under jit against the interpreter (compiler off) on random
 * configurations (1–3 dims, strides, padding incl. negative, base and window
 * dilation: exact, so bit-identical), the max-pool gradient
 * (select_and_scatter_add) under jit against eager, and 1 vs 2 threads.
 */
import { afterEach, describe, expect, it } from "vitest";
import { setThreads } from "../../src/backend/cpu/pool.js";
import { config } from "../../src/config.js";
import { grad, type Array as JArray, jit, numpy as jnp, lax } from "../../src/index.js";

/** `f()` with the compiler off: the interpreter's kernels, the reference. */
function uncompiled<T>(f: () => T): T {
  const prev = config.read("jaxts_compile");
  config.update("jaxts_compile", false);
  try {
    return f();
  } finally {
    config.update("jaxts_compile", prev);
  }
}

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

function randArray(r: () => number, shape: number[]): JArray {
  const n = shape.reduce((a, b) => a * b, 1);
  // Few distinct values: ties exercise the selection order.
  return jnp.array(Float32Array.from({ length: n }, () => int(r, -4, 4) / 2)).reshape(shape);
}

const values = async (x: JArray) => Array.from((await x.data()) as Float32Array);

afterEach(() => setThreads(null));

describe("compiled reduce_window and select_and_scatter_add", () => {
  it("reduce_window max/min match eager on 150 random configurations", async () => {
    const r = rng(42);
    for (let t = 0; t < 150; t++) {
      const nd = int(r, 1, 4);
      const shape = Array.from({ length: nd }, () => int(r, 1, nd > 2 ? 5 : 8));
      const dims = shape.map(() => int(r, 1, 3));
      const strides = shape.map(() => int(r, 1, 2));
      const base = shape.map(() => (r() < 0.2 ? 2 : 1));
      const wdil = shape.map(() => (r() < 0.2 ? 2 : 1));
      const pad = shape.map((): [number, number] => [int(r, -1, 2), int(r, 0, 2)]);
      shape.forEach((n, d) => {
        const span = (dims[d]! - 1) * wdil[d]! + 1;
        const padded = (n - 1) * base[d]! + 1 + pad[d]![0] + pad[d]![1];
        if (padded < span) pad[d]![1] += span - padded;
      });
      const x = randArray(r, shape);
      const kind = r() < 0.5 ? "max" : "min";
      const op = kind === "max" ? lax.max : lax.min;
      const init = kind === "max" ? -Infinity : Infinity;
      const f = (a: JArray) => lax.reduceWindow(a, init, op, dims, strides, pad, base, wdil);
      const what = `case ${t}: ${kind} ${JSON.stringify({ shape, dims, strides, pad, base, wdil })}`;
      expect(await values(jit(f)(x)), what).toEqual(await values(uncompiled(() => f(x))));
    }
  });

  it("max-pool gradients match eager (NHWC, VALID and SAME)", async () => {
    const r = rng(3);
    for (const [pad, size, stride] of [
      ["VALID", 2, 2],
      ["VALID", 3, 2],
      ["SAME", 2, 2],
      ["VALID", 3, 1],
    ] as const) {
      const x = randArray(r, [3, 9, 8, 5]);
      const loss = (a: JArray) =>
        jnp.sum(
          lax
            .reduceWindow(a, -Infinity, lax.max, [1, size, size, 1], [1, stride, stride, 1], pad)
            .mul(jnp.arange(5).add(1)),
        );
      const want = await values(uncompiled(() => grad(loss)(x) as JArray));
      const got = await values(jit(grad(loss))(x) as JArray);
      const what = `${pad} ${size} ${stride}`;
      expect(got.length, what).toBe(want.length);
      got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${what} [${i}]`).toBeLessThan(1e-5));
    }
  });

  it("max-pool gradients on f32x4 lanes: ties, NaN, -0, disjoint/covering/overlapping windows, bits as eager on 1 and 2 threads", async () => {
    const r = rng(11);
    for (const [c, size, stride, n] of [
      [8, 2, 2, 2], // disjoint, covering: the store variant
      [16, 2, 3, 2], // disjoint, not covering
      [4, 3, 2, 1], // overlapping: one thread, added in window order
      [16, 2, 2, 40], // large enough to split across threads
    ] as const) {
      const shape = [n, 10, 9, c];
      const size0 = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: size0 }, () => int(r, -4, 4) / 2);
      for (let i = 0; i < size0; i += 37) data[i] = Number.NaN;
      const x = jnp.array(data).reshape(shape);
      const outShape = [n, Math.floor((10 - size) / stride) + 1, Math.floor((9 - size) / stride) + 1, c]; // biome-ignore format: long
      const ct = randArray(r, outShape).mul(-0.5); // includes -0
      const loss = (a: JArray) =>
        jnp.sum(
          lax
            .reduceWindow(
              a,
              -Infinity,
              lax.max,
              [1, size, size, 1],
              [1, stride, stride, 1],
              "VALID",
            )
            .mul(ct),
        );
      const want = (await uncompiled(() => grad(loss)(x) as JArray).data()) as Float32Array;
      for (const threads of [1, 2]) {
        setThreads(threads);
        const got = (await (jit(grad(loss))(x) as JArray).data()) as Float32Array;
        const what = `${JSON.stringify(shape)} ${size} ${stride} threads ${threads}`;
        expect(new Uint32Array(got.buffer), what).toEqual(new Uint32Array(want.buffer));
      }
    }
  });

  it("gives the same bits on 1 and 2 threads", async () => {
    const r = rng(8);
    const x = randArray(r, [32, 28, 28, 16]);
    const f = (a: JArray) => lax.reduceWindow(a, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"); // biome-ignore format: long
    const outs: number[][] = [];
    for (const threads of [1, 2]) {
      setThreads(threads);
      outs.push(await values(jit(f)(x)));
    }
    expect(outs[1]).toEqual(outs[0]);
  });
});
