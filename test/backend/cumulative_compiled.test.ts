/**
 * The compiled cumulative reductions and argmax/argmin (backend/cpu/
 * compiler/cumulative_step.ts): under jit against the reference JS kernels
 * (JAXTS_COMPILE=0, eager) bit for bit on random shapes, axes, directions
 * and dtypes, with NaN, ±0 and ties; compiled (no eager step) where the
 * dtype allows; 1 vs 2 threads; cumsum's gradient by finite differences.
 */
import { afterEach, describe, expect, it } from "vitest";
import { compileProgram } from "../../src/backend/cpu/compiler/index.js";
import { setThreads } from "../../src/backend/cpu/pool.js";
import { withFlag } from "../../src/config.js";
import { type ArrayImpl, hostValues } from "../../src/core/array.js";
import type { ClosedJaxpr } from "../../src/core/jaxpr.js";
import type { DType } from "../../src/dtype.js";
import { grad, type Array as JArray, jit, numpy as jnp, lax, makeJaxpr } from "../../src/index.js";

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
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[int(r, 0, xs.length - 1)]!;

/** Random values with ties, and for floats NaN and ±0; large ones for integer wrapping. */
function randArray(r: () => number, shape: number[], dtype: DType): JArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const float = dtype.startsWith("float");
  const vals = Array.from({ length: n }, () => {
    const u = r();
    if (float && u < 0.03) return Number.NaN;
    if (float && u < 0.08) return u < 0.055 ? -0 : 0;
    if ((dtype === "int32" || dtype === "uint32") && u < 0.1)
      return dtype === "uint32" ? 4e9 : 2e9 * (u < 0.05 ? -1 : 1);
    const v = int(r, -6, 6) / (float ? 2 : 1);
    return dtype.startsWith("uint") ? Math.abs(v) : v;
  });
  return jnp.array(vals, dtype).reshape(shape);
}

type Fn = (x: JArray) => JArray;
const bits = (x: JArray): number[] => Array.from(hostValues(x as ArrayImpl), Number);

function same(f: Fn, x: JArray, what: string): void {
  const want = withFlag("jaxts_compile", false, () => bits(f(x)));
  const got = bits(jit(f)(x));
  expect(got.length, what).toBe(want.length);
  for (let k = 0; k < want.length; k++) {
    if (!Object.is(got[k], want[k])) expect(`${what} [${k}] ${got[k]}`).toBe(`${what} [${k}] ${want[k]}`); // biome-ignore format: long
  }
}

function eagerSteps(f: Fn, x: JArray): string[] {
  const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(x) as ClosedJaxpr;
  return compileProgram(closed).steps.flatMap((s) => (s.kind === "eager" ? [s.eqn.primitive.name] : [])); // biome-ignore format: long
}

afterEach(() => setThreads(null));

const COMPILED: DType[] = ["float32", "float64", "int32", "uint32"];

describe("compiled cumulative reductions and argmax/argmin", () => {
  it("cumsum/cumprod/cummax/cummin match the JS kernels on 200 random cases", () => {
    const r = rng(21);
    const ops = {
      cumsum: lax.cumsum,
      cumprod: lax.cumprod,
      cummax: lax.cummax,
      cummin: lax.cummin,
    };
    for (let t = 0; t < 200; t++) {
      const nd = int(r, 1, 3);
      const shape = Array.from({ length: nd }, () => int(r, 0, 7));
      const dtype = pick(r, [...COMPILED, "int8", "float16"] as DType[]);
      const name = pick(r, Object.keys(ops) as (keyof typeof ops)[]);
      const axis = int(r, 0, nd - 1);
      const reverse = r() < 0.5;
      const x = randArray(r, shape, dtype);
      const f: Fn = (a) => ops[name](a, { axis, reverse });
      same(f, x, `#${t} ${name} ${shape} ${dtype} axis ${axis} ${reverse}`);
      if (COMPILED.includes(dtype)) expect(eagerSteps(f, x)).toEqual([]);
    }
  });

  it("argmax/argmin match the JS kernels on 150 random cases", () => {
    const r = rng(22);
    for (let t = 0; t < 150; t++) {
      const nd = int(r, 1, 3);
      const shape = Array.from({ length: nd }, () => int(r, 1, 7));
      const dtype = pick(r, ["float32", "float64", "int32", "uint8"] as DType[]);
      const axis = int(r, 0, nd - 1);
      const x = randArray(r, shape, dtype);
      const f: Fn = r() < 0.5 ? (a) => jnp.argmax(a, { axis }) : (a) => jnp.argmin(a, { axis });
      same(f, x, `#${t} ${shape} ${dtype} axis ${axis}`);
      if (dtype !== "uint8") expect(eagerSteps(f, x)).toEqual([]);
    }
  });

  it("large cases split across threads give the same bits on 1 and 2 threads", () => {
    const r = rng(23);
    const x = randArray(r, [300, 200], "float32");
    const fs: Fn[] = [
      (a) => lax.cumsum(a, { axis: 1 }),
      (a) => lax.cumprod(a.mul(0.5), { axis: 0, reverse: true }),
      (a) => jnp.argmax(a, { axis: 1 }),
      (a) => jnp.argmin(a, { axis: 0 }),
    ];
    for (const f of fs) {
      const want = withFlag("jaxts_compile", false, () => bits(f(x)));
      for (const threads of [1, 2]) {
        setThreads(threads);
        expect(bits(jit(f)(x))).toEqual(want);
      }
    }
  });

  it("cumsum's gradient matches finite differences", () => {
    const r = rng(24);
    const x = jnp
      .array(
        Array.from({ length: 20 }, () => r() - 0.5),
        "float32",
      )
      .reshape([4, 5]);
    const w = jnp
      .array(
        Array.from({ length: 20 }, () => r() * 2 - 1),
        "float32",
      )
      .reshape([4, 5]);
    const loss = (a: JArray) => jnp.sum(jnp.sin(lax.cumsum(a, { axis: 1 })).mul(w));
    const g = bits(jit(grad(loss))(x));
    const base = bits(x);
    base.forEach((_, k) => {
      const h = 1e-2;
      const at = (d: number) => {
        const v = base.slice();
        v[k]! += d;
        return bits(loss(jnp.array(v, "float32").reshape([4, 5])))[0]!;
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(fd - g[k]!)).toBeLessThan(2e-2);
    });
  });
});
