/** References for transformations: vmap as a loop over examples, and the transpose identity. */
import { expect } from "vitest";
import { type Array, type ArrayImpl, jit, lax, testUtil, vjp, vmap } from "../../src/index.js";
import { stack, take, vals } from "./arrays.js";
import { expectSame } from "./assert.js";

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

/** Every axis of x, for a reduction to a scalar. */
export const allAxes = (x: Array): number[] => x.shape.map((_, i) => i);

/** Σ f(...xs)·w over all elements: its gradient is f's vjp at the cotangent w. */
export function weighted<A extends Array[]>(f: (...xs: A) => Array, w: Array): (...xs: A) => Array {
  return (...xs) => {
    const y = lax.mul(f(...xs), w);
    return lax.reduceSum(y, allAxes(y));
  };
}

/** testUtil.checkGrads to second order, its error prefixed with `what` (the failing case). */
export function checkGrads2(
  f: (...xs: Array[]) => Array | Array[],
  xs: Array[],
  what: string,
  options: Parameters<typeof testUtil.checkGrads>[3],
): void {
  try {
    testUtil.checkGrads(f, xs, 2, options);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

/** Σ a·b over all elements (of arrays or number lists). */
export function innerProduct(a: unknown, b: unknown): number {
  const x = vals(a);
  const y = vals(b);
  return x.reduce((s, v, i) => s + v * y[i]!, 0);
}

/**
 * The transpose identity of a linear f at random t and ct:
 * <ct, f(t)> == <f^T(ct), t>, with f^T the vjp (the transpose rules).
 */
export function checkTranspose(
  f: (x: Array) => Array,
  t: Array,
  ct: Array,
  what: string,
  tol = 1e-9,
): void {
  const ft = f(t);
  expect(ft.shape, what).toEqual(ct.shape);
  const [, pullback] = vjp(f, t);
  const [ctIn] = pullback(ct) as Array[];
  expect(ctIn!.shape, `${what}: cotangent shape`).toEqual(t.shape);
  expect(ctIn!.dtype, `${what}: cotangent dtype`).toBe(t.dtype);
  const lhs = innerProduct(ct, ft);
  const rhs = innerProduct(ctIn!, t);
  if (!(Math.abs(lhs - rhs) <= tol * (1 + Math.abs(lhs)))) {
    throw new Error(`${what}: <ct, f(t)> = ${lhs} but <f^T(ct), t> = ${rhs}`);
  }
}

/** vmap of f, eager and under jit, against the loop over examples. */
export function checkVmap(
  f: (...xs: Array[]) => Array,
  args: Array[],
  inAxes: (number | null)[],
  outAxis: number,
  size: number,
  what: string,
): void {
  const want = loop(f, args, inAxes, outAxis, size)[0]!;
  const where = `${what} ${JSON.stringify({ shapes: args.map((a) => a.shape), inAxes, outAxis })}`;
  expectSame(vmap(f, { inAxes, outAxes: outAxis })(...args), want, where);
  expectSame(jit(vmap(f, { inAxes, outAxes: outAxis }))(...args), want, `jit ${where}`);
}
