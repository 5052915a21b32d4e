/**
 * The compiled sort and top_k (backend/cpu/compiler/sort_step.ts): under
 * jit against the reference JS kernels (JAXTS_COMPILE=0, eager) bit for bit
 * on random shapes, dimensions and key dtypes, with ties, NaN, ±0 and ±∞
 * (stability and JAX's total order), several operands of other dtypes, and
 * that they compile (no eager step) where the keys allow.
 */
import { describe, expect, it } from "vitest";
import { compileProgram } from "../../src/backend/cpu/compiler/index.js";
import { withFlag } from "../../src/config.js";
import { type ArrayImpl, hostValues } from "../../src/core/array.js";
import type { ClosedJaxpr } from "../../src/core/jaxpr.js";
import type { DType } from "../../src/dtype.js";
import { type Array as JArray, jit, numpy as jnp, lax, makeJaxpr } from "../../src/index.js";

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

const SPECIAL = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

function randArray(r: () => number, shape: number[], dtype: DType): JArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const float = dtype.startsWith("float");
  const vals = Array.from({ length: n }, () => {
    if (float && r() < 0.15) return pick(r, SPECIAL);
    if (dtype === "int32" && r() < 0.1) return pick(r, [-2147483648, 2147483647]);
    if (dtype === "uint32" && r() < 0.1) return 4294967295;
    if (dtype === "bool") return r() < 0.5 ? 1 : 0;
    const v = int(r, -4, 4) / (float ? 2 : 1); // few distinct values: ties
    return dtype.startsWith("uint") ? Math.abs(v) : v;
  });
  return jnp.array(vals, dtype).reshape(shape);
}

type Fn = (x: JArray, y: JArray) => JArray | JArray[];
const bits = (x: JArray | JArray[]): number[] =>
  (Array.isArray(x) ? x : [x]).flatMap((y) => Array.from(hostValues(y as ArrayImpl), Number));

function same(f: Fn, args: [JArray, JArray], what: string): void {
  const want = withFlag("jaxts_compile", false, () => bits(f(...args)));
  const got = bits(jit(f)(...args));
  expect(got.length, what).toBe(want.length);
  for (let k = 0; k < want.length; k++) {
    if (!Object.is(got[k], want[k])) expect(`${what} [${k}] ${got[k]}`).toBe(`${what} [${k}] ${want[k]}`); // biome-ignore format: long
  }
}

function eagerSteps(f: Fn, args: [JArray, JArray]): string[] {
  const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;
  return compileProgram(closed).steps.flatMap((s) => (s.kind === "eager" ? [s.eqn.primitive.name] : [])); // biome-ignore format: long
}

const KEYS: DType[] = ["float32", "int32", "uint32"];

describe("compiled sort and top_k", () => {
  it("sort of one or several operands matches the JS kernel on 150 random cases", () => {
    const r = rng(31);
    for (let t = 0; t < 150; t++) {
      const nd = int(r, 1, 3);
      const shape = Array.from({ length: nd }, () => int(r, 0, 9));
      if (r() < 0.2) shape[nd - 1] = int(r, 30, 70); // several merge levels
      const kd = pick(r, [...KEYS, "float64", "int8"] as DType[]);
      const od = pick(r, ["float32", "float64", "int8", "bool", "int32"] as DType[]);
      const dimension = int(r, 0, nd - 1);
      const x = randArray(r, shape, kd);
      const y = randArray(r, shape, od);
      const several = r() < 0.5;
      const numKeys = several && r() < 0.3 ? 2 : 1;
      const f: Fn = several
        ? (a, b) => lax.sort([a, b], { dimension, numKeys })
        : (a) => lax.sort(a, { dimension });
      const what = `#${t} ${shape} ${kd}/${od} dim ${dimension} keys ${numKeys} ${several}`;
      same(f, [x, y], what);
      if (KEYS.includes(kd) && numKeys === 1) expect(eagerSteps(f, [x, y]), what).toEqual([]);
    }
  });

  it("top_k and argsort match the JS kernels on 100 random cases", () => {
    const r = rng(32);
    for (let t = 0; t < 100; t++) {
      const nd = int(r, 1, 3);
      const shape = Array.from({ length: nd }, () => int(r, 1, 9));
      if (r() < 0.3) shape[nd - 1] = int(r, 20, 60);
      const kd = pick(r, KEYS);
      const x = randArray(r, shape, kd);
      const k = int(r, 0, shape[nd - 1]!);
      const f: Fn = r() < 0.6 ? (a) => lax.topK(a, k) : (a) => jnp.argsort(a, { axis: -1 });
      same(f, [x, x], `#${t} ${shape} ${kd} k ${k}`);
      expect(eagerSteps(f, [x, x])).toEqual([]);
    }
  });
});
