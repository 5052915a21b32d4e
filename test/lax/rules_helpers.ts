/**
 * Helpers shared by the rule tests of the reduction, dot and sort families:
 * deterministic random arrays, closeness checks, the vmap reference (f on
 * each example, stacked), and the transpose identity <ct, f(t)> = <f^T(ct), t>
 * of a linear function.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { allocate, type DType } from "../../src/dtype.js";
import { type Array, ArrayImpl, vjp } from "../../src/index.js";

export type Fn = (...xs: Array[]) => Array;

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")) as T;
}

export function arr(values: readonly number[], shape: readonly number[], dtype: DType = "float32") {
  const data = allocate(dtype, values.length);
  values.forEach((v, i) => {
    data[i] = v;
  });
  return ArrayImpl.fromData(data, [...shape]);
}

export const vals = (x: unknown): number[] =>
  globalThis.Array.from((x as ArrayImpl).values, Number);

/** A small deterministic generator (fast-check supplies the seeds). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** Uniform values in [lo, hi) (integers floored, bools by threshold). */
export function randomArray(
  shape: readonly number[],
  dtype: DType,
  next: () => number,
  lo = -2,
  hi = 2,
): ArrayImpl {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * next();
    data[i] =
      dtype === "bool" ? (next() > 0.5 ? 1 : 0) : dtype.startsWith("float") ? v : Math.floor(v);
  }
  return ArrayImpl.fromData(data, [...shape]);
}

/** Distinct values (a shuffled grid), so that orders and extremes have no ties. */
export function distinctArray(shape: readonly number[], dtype: DType, next: () => number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = globalThis.Array.from({ length: n }, (_, i) => i * 0.375 - n * 0.1875);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return arr(v, shape, dtype);
}

export function expectClose(
  got: unknown,
  want: readonly number[],
  what: string,
  rtol = 1e-6,
  atol = 1e-6,
): void {
  const g = vals(got);
  expect(g.length, what).toBe(want.length);
  want.forEach((w, i) => {
    const ok = Number.isNaN(w)
      ? Number.isNaN(g[i]!)
      : g[i] === w || Math.abs(g[i]! - w) <= atol + rtol * Math.abs(w);
    if (!ok) throw new Error(`${what}: element ${i} is ${g[i]}, expected ${w}`);
  });
}

/** Same shape, dtype and (closely) values. */
export function expectSame(got: unknown, want: Array, what: string, rtol = 1e-6, atol = 1e-6) {
  const g = got as ArrayImpl;
  expect(g.shape, what).toEqual(want.shape);
  expect(g.dtype, what).toBe(want.dtype);
  expectClose(g, vals(want), what, rtol, atol);
}

/** Example i of x along `axis`. */
export function take(x: Array, axis: number, i: number): ArrayImpl {
  const a = x as ArrayImpl;
  const shape = [...a.shape];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const n = shape[axis]!;
  const out = allocate(a.dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) out[o * inner + k] = a.values[(o * n + i) * inner + k]!;
  }
  shape.splice(axis, 1);
  return ArrayImpl.fromData(out, shape);
}

/** Stacks equal-shaped arrays along a new `axis`. */
export function stack(xs: Array[], axis: number): ArrayImpl {
  const first = xs[0] as ArrayImpl;
  const shape = [...first.shape];
  const inner = shape.slice(axis).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const n = xs.length;
  const out = allocate(first.dtype, outer * n * inner);
  xs.forEach((x, i) => {
    const d = (x as ArrayImpl).values;
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) out[(o * n + i) * inner + k] = d[o * inner + k]!;
    }
  });
  shape.splice(axis, 0, n);
  return ArrayImpl.fromData(out, shape);
}

/** The reference for vmap: f on each example, outputs stacked along `outAxis`. */
export function loop(
  f: (...xs: Array[]) => Array | Array[],
  args: Array[],
  inAxes: readonly (number | null)[],
  outAxis: number,
  size: number,
): ArrayImpl[] {
  const outs: Array[][] = [];
  for (let i = 0; i < size; i++) {
    const r = f(...args.map((a, k) => (inAxes[k] === null ? a : take(a, inAxes[k]!, i))));
    outs.push(globalThis.Array.isArray(r) ? r : [r]);
  }
  return outs[0]!.map((o, j) =>
    stack(
      outs.map((r) => r[j]!),
      outAxis < 0 ? outAxis + o.ndim + 1 : outAxis,
    ),
  );
}

function dotAll(a: Array, b: Array): number {
  const x = vals(a);
  const y = vals(b);
  return x.reduce((s, v, i) => s + v * y[i]!, 0);
}

/**
 * The transpose identity of a linear f at random t and ct:
 * <ct, f(t)> == <f^T(ct), t>, with f^T the vjp (the transpose rules).
 */
export function checkTranspose(f: Fn, t: Array, ct: Array, what: string, tol = 1e-9): void {
  const ft = f(t);
  expect(ft.shape, what).toEqual(ct.shape);
  const [, pullback] = vjp(f, t);
  const [ctIn] = pullback(ct) as Array[];
  expect(ctIn!.shape, `${what}: cotangent shape`).toEqual(t.shape);
  expect(ctIn!.dtype, `${what}: cotangent dtype`).toBe(t.dtype);
  const lhs = dotAll(ct, ft);
  const rhs = dotAll(ctIn!, t);
  if (!(Math.abs(lhs - rhs) <= tol * (1 + Math.abs(lhs)))) {
    throw new Error(`${what}: <ct, f(t)> = ${lhs} but <f^T(ct), t> = ${rhs}`);
  }
}
