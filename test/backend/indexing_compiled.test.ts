/**
 * The compiled gathers, scatters and dynamic slices (backend/cpu/compiler/
 * gather_step.ts): under jit against the reference JS kernels
 * (JAXTS_COMPILE=0, eager) bit for bit on random dimension numbers, shapes,
 * dtypes, modes and indices in and out of bounds; that the common cases
 * compile to library steps (not eager ones); 1 vs 2 threads; the embedding
 * gradient by finite differences.
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
const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

function randArray(r: () => number, shape: number[], dtype: DType): JArray {
  const n = prod(shape);
  const lo = dtype.startsWith("uint") ? 0 : -8;
  const vals = Array.from({ length: n }, () => int(r, lo, 8) / (dtype.startsWith("float") ? 4 : 1));
  return jnp.array(vals, dtype).reshape(shape);
}

type Fn = (...xs: JArray[]) => JArray;
const bits = (x: JArray): number[] => Array.from(hostValues(x as ArrayImpl), Number);

/** jit(f) against the JS kernels, bit for bit (NaN equal to NaN). */
function same(f: Fn, args: JArray[], what: string): void {
  const want = withFlag("jaxts_compile", false, () => bits(f(...args)));
  const got = bits(jit(f)(...args));
  expect(got.length, what).toBe(want.length);
  for (let k = 0; k < want.length; k++) {
    if (!Object.is(got[k], want[k])) expect(`${what} [${k}] ${got[k]}`).toBe(`${what} [${k}] ${want[k]}`); // biome-ignore format: long
  }
}

/** The primitives of f's program that run as eager steps. */
function eagerSteps(f: Fn, args: JArray[]): string[] {
  const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;
  return compileProgram(closed).steps.flatMap((s) => (s.kind === "eager" ? [s.eqn.primitive.name] : [])); // biome-ignore format: long
}

interface Config {
  shape: number[];
  dnums: {
    offset_dims: number[];
    collapsed_slice_dims: number[];
    start_index_map: number[];
  };
  sliceSizes: number[];
  idxShape: number[];
  outRank: number;
}

/** A random gather configuration (no batching dims). */
function randomConfig(r: () => number): Config {
  const nd = int(r, 1, 3);
  const shape = Array.from({ length: nd }, () => int(r, 1, 6));
  const dims = Array.from({ length: nd }, (_, d) => d);
  const map = dims.filter(() => r() < 0.6);
  if (map.length === 0) map.push(int(r, 0, nd - 1));
  const start_index_map = r() < 0.5 ? map : [...map].reverse();
  const collapsed = map.filter(() => r() < 0.6).sort((a, b) => a - b);
  const sliceSizes = shape.map((s, d) => (collapsed.includes(d) ? 1 : int(r, 0, s)));
  const batch = Array.from({ length: int(r, 0, 2) }, () => int(r, 1, 4));
  const idxShape = [...batch, start_index_map.length];
  const nOffset = nd - collapsed.length;
  const outRank = batch.length + nOffset;
  const positions = Array.from({ length: outRank }, (_, d) => d);
  const offset_dims: number[] = [];
  // Offset dims: trailing (the common layout) or scattered.
  if (r() < 0.5) for (let k = 0; k < nOffset; k++) offset_dims.push(outRank - nOffset + k);
  else {
    const shuffled = positions.sort(() => r() - 0.5).slice(0, nOffset);
    offset_dims.push(...shuffled.sort((a, b) => a - b));
  }
  return {
    shape,
    dnums: { offset_dims, collapsed_slice_dims: collapsed, start_index_map },
    sliceSizes,
    idxShape,
    outRank,
  };
}

function randomIndices(r: () => number, c: Config): JArray {
  const n = prod(c.idxShape);
  const k = c.dnums.start_index_map.length;
  const vals = Array.from({ length: n }, (_, i) => {
    const s = c.shape[c.dnums.start_index_map[i % k]!]!;
    return r() < 0.8 ? int(r, 0, s - 1) : int(r, -3, s + 3);
  });
  return jnp.array(vals, "int32").reshape(c.idxShape);
}

afterEach(() => setThreads(null));

const DTYPES: DType[] = ["float32", "float64", "int32", "int8", "uint8", "bool", "float16", "complex64"]; // biome-ignore format: long

describe("compiled gather and scatter", () => {
  it("gather matches the JS kernel on 200 random configurations, dtypes and modes", () => {
    const r = rng(7);
    for (let t = 0; t < 200; t++) {
      const c = randomConfig(r);
      const dtype = pick(r, DTYPES);
      const mode = pick(r, ["clip", "fill", "promise_in_bounds"] as const);
      const x = randArray(r, c.shape, dtype === "bool" ? "int32" : dtype);
      const xs = dtype === "bool" ? x.gt(0) : x;
      const idx = randomIndices(r, c);
      const f: Fn = (a, i) => lax.gather(a, i, c.dnums, c.sliceSizes, { mode });
      same(f, [xs, idx], `#${t} ${JSON.stringify(c)} ${dtype} ${mode}`);
      if (!["float16", "complex64"].includes(dtype)) expect(eagerSteps(f, [xs, idx])).toEqual([]);
    }
  });

  it("scatter and scatter_add match the JS kernel on 200 random configurations", () => {
    const r = rng(11);
    for (let t = 0; t < 200; t++) {
      const c = randomConfig(r);
      const dtype = pick(r, ["float32", "float64", "int32", "int8", "float16"] as DType[]);
      const mode = pick(r, ["clip", "fill", "promise_in_bounds"] as const);
      const add = r() < 0.6;
      const x = randArray(r, c.shape, dtype);
      const idx = randomIndices(r, c);
      const outShape = lax.gather(x, idx, c.dnums, c.sliceSizes).shape;
      const u = randArray(r, [...outShape], dtype);
      const dn = {
        update_window_dims: c.dnums.offset_dims,
        inserted_window_dims: c.dnums.collapsed_slice_dims,
        scatter_dims_to_operand_dims: c.dnums.start_index_map,
      };
      const op = add ? lax.scatterAdd : lax.scatter;
      const f: Fn = (a, i, v) => op(a, i, v, dn, { mode });
      same(f, [x, idx, u], `#${t} ${JSON.stringify(c)} ${dtype} ${mode} ${add}`);
      if (dtype !== "float16" && (!add || dtype !== "int8")) {
        expect(eagerSteps(f, [x, idx, u])).toEqual([]);
      }
    }
  });

  it("embedding lookup and its gradient compile, match the JS kernels on 1 and 2 threads, and the gradient matches finite differences", () => {
    const r = rng(3);
    const V = 300;
    const D = 64;
    const table = randArray(r, [V, D], "float32");
    const ids = jnp.array(
      Array.from({ length: 2000 }, () => int(r, 0, V - 1)),
      "int32",
    );
    const w = randArray(r, [D], "float32");
    const loss = (t: JArray, i: JArray) => jnp.sum(jnp.tanh(jnp.take(t, i, { axis: 0 }).mul(w)));
    const g = grad(loss);
    expect(eagerSteps(g, [table, ids])).toEqual([]);
    const ref = withFlag("jaxts_compile", false, () => bits(g(table, ids)));
    for (const threads of [1, 2]) {
      setThreads(threads);
      expect(bits(jit(g)(table, ids))).toEqual(ref);
      expect(bits(jit((t: JArray, i: JArray) => jnp.take(t, i, { axis: 0 }))(table, ids))).toEqual(
        withFlag("jaxts_compile", false, () => bits(jnp.take(table, ids, { axis: 0 }))),
      );
    }
    // Finite differences (float32, a small table: the sum stays well conditioned).
    const small = randArray(r, [6, 4], "float32");
    const few = jnp.array([0, 2, 2, 5, 1, 2], "int32");
    const w4 = randArray(r, [4], "float32");
    const l2 = (t: JArray, i: JArray) => jnp.sum(jnp.tanh(jnp.take(t, i, { axis: 0 }).mul(w4)));
    const gs = bits(jit(grad(l2))(small, few));
    const base = bits(small);
    base.forEach((_, k) => {
      const h = 1e-2;
      const at = (d: number) => {
        const v = base.slice();
        v[k]! += d;
        return bits(l2(jnp.array(v, "float32").reshape([6, 4]), few))[0]!;
      };
      expect(Math.abs((at(h) - at(-h)) / (2 * h) - gs[k]!)).toBeLessThan(1e-2);
    });
  });
});

describe("compiled dynamic_slice and dynamic_update_slice", () => {
  it("match the JS kernels with starts in and out of bounds, traced and literal", () => {
    const r = rng(5);
    for (let t = 0; t < 150; t++) {
      const nd = int(r, 1, 3);
      const shape = Array.from({ length: nd }, () => int(r, 1, 6));
      const sizes = shape.map((s) => int(r, 0, s));
      const dtype = pick(r, ["float32", "int8", "float64", "uint8", "int32"] as DType[]);
      const x = randArray(r, shape, dtype);
      const starts = shape.map((s) => int(r, -3, s + 2));
      const idt = starts.every((s) => s >= 0) ? pick(r, ["int32", "uint8", "int16"] as DType[]) : "int32"; // biome-ignore format: long
      const sIdx = starts.map((s) => jnp.array(s, idt));
      const literal = r() < 0.3;
      const ds: Fn = literal
        ? (a) => lax.dynamicSlice(a, starts, sizes)
        : (a, ...ss) => lax.dynamicSlice(a, ss, sizes);
      same(ds, [x, ...sIdx], `ds #${t} ${shape} ${sizes} ${starts} ${dtype}`);
      expect(eagerSteps(ds, [x, ...sIdx])).toEqual([]);
      const u = randArray(r, sizes, dtype);
      const dus: Fn = literal
        ? (a, v) => lax.dynamicUpdateSlice(a, v!, starts)
        : (a, v, ...ss) => lax.dynamicUpdateSlice(a, v!, ss);
      same(dus, [x, u, ...sIdx], `dus #${t} ${shape} ${sizes} ${starts} ${dtype}`);
      expect(eagerSteps(dus, [x, u, ...sIdx])).toEqual([]);
    }
  });
});

describe("compiled concatenate and rev", () => {
  it("matches the JS kernel on 100 random cases (empty operands, every axis, several dtypes)", () => {
    const r = rng(9);
    for (let t = 0; t < 100; t++) {
      const nd = int(r, 1, 3);
      const shape = Array.from({ length: nd }, () => int(r, 1, 5));
      const d = int(r, 0, nd - 1);
      const dtype = pick(r, ["float32", "int8", "float64", "bool", "int32"] as DType[]);
      const xs = Array.from({ length: int(r, 1, 4) }, () => {
        const s = [...shape];
        s[d] = int(r, 0, 4);
        const x = randArray(r, s, dtype === "bool" ? "int32" : dtype);
        return dtype === "bool" ? x.gt(0) : x;
      });
      const f: Fn = (...as) => lax.concatenate(as, d);
      same(f, xs, `#${t} ${shape} ${dtype} axis ${d} ${xs.length}`);
      expect(eagerSteps(f, xs)).toEqual([]);
    }
  });

  it("rev matches the JS kernel on 100 random cases", () => {
    const r = rng(10);
    for (let t = 0; t < 100; t++) {
      const nd = int(r, 1, 3);
      const shape = Array.from({ length: nd }, () => int(r, 0, 5));
      const dims = shape.map((_, d) => d).filter(() => r() < 0.5);
      const dtype = pick(r, ["float32", "int8", "float64", "int32"] as DType[]);
      const x = randArray(r, shape, dtype);
      const f: Fn = (a) => lax.rev(a, dims);
      same(f, [x], `#${t} ${shape} ${dtype} ${dims}`);
      expect(eagerSteps(f, [x])).toEqual([]);
    }
  });
});
