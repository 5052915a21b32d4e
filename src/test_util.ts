/**
 * `jax.test_util.check_grads`: compares forward- and reverse-mode derivatives
 * with central finite differences along random directions, up to a given
 * order. Run it in x64 mode (`withX64`) for tight tolerances.
 */

import { jvp, linearize, vjp } from "./api/ad.js";
import { type Array, ArrayImpl } from "./core/array.js";
import { type ArrayLike, asArray } from "./core/convert.js";
import { allocateValues, isFloating } from "./dtype.js";
import * as jnp from "./numpy/index.js";
import { type AnyFn, checkOptions, type OptionKeys } from "./options.js";
import { flatten } from "./tree/index.js";

export interface CheckGradsOptions {
  modes?: readonly ("fwd" | "rev")[];
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random directions (deterministic by default). */
  seed?: number;
}
const CHECK_GRADS_KEYS: OptionKeys<CheckGradsOptions> = {
  modes: true,
  eps: true,
  atol: true,
  rtol: true,
  seed: true,
};

/**
 * A small deterministic generator of uniform numbers in [0, 1) (xorshift32):
 * tests must be reproducible.
 */
export function xorshift32(seed: number): () => number {
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

/** Random directions: uniform in [-1, 1). */
function directions(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() * 2 - 1;
}

function randomLike(x: Array, next: () => number): Array {
  const data = allocateValues(x.dtype, x.size);
  for (let i = 0; i < data.length; i++) data[i] = next();
  return ArrayImpl.fromData(data, x.shape, false, x.dtype);
}

function leavesOf(tree: unknown): Array[] {
  return flatten(tree)[0].map((l) => asArray(l as ArrayLike, "checkGrads"));
}

function inner(a: unknown, b: unknown): number {
  const la = leavesOf(a);
  const lb = leavesOf(b);
  let s = 0;
  la.forEach((x, i) => {
    s += Number(jnp.sum(jnp.multiply(x, lb[i]!)).item());
  });
  return s;
}

function assertClose(what: string, got: unknown, want: unknown, atol: number, rtol: number): void {
  const g = leavesOf(got);
  const w = leavesOf(want);
  if (g.length !== w.length)
    throw new Error(`checkGrads ${what}: ${g.length} outputs vs ${w.length}`);
  g.forEach((x, i) => {
    const a = x.dataSync();
    const b = w[i]!.dataSync();
    for (let k = 0; k < a.length; k++) {
      const diff = Math.abs(Number(a[k]) - Number(b[k]));
      if (!(diff <= atol + rtol * Math.abs(Number(b[k])))) {
        throw new Error(
          `checkGrads ${what}: output ${i} element ${k} is ${a[k]}, expected ${b[k]} (|diff| ${diff.toExponential(3)} > atol ${atol} + rtol ${rtol}·|expected|)`,
        );
      }
    }
  });
}

function addScaled(args: Array[], dirs: Array[], scale: number): Array[] {
  return args.map((a, i) => (isFloating(a.dtype) ? jnp.add(a, jnp.multiply(dirs[i]!, scale)) : a));
}

/** Checks f's JVP against finite differences, and its VJP against its JVP, recursively to `order`. */
export function checkGrads(
  f: AnyFn,
  args: readonly unknown[],
  order = 1,
  options: CheckGradsOptions = {},
): void {
  options = checkOptions("testUtil.checkGrads", options, CHECK_GRADS_KEYS);
  const modes = options.modes ?? ["fwd", "rev"];
  const eps = options.eps ?? 1e-4;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-5;
  const next = directions(options.seed ?? 1234);
  const xs = args.map((a) => asArray(a as ArrayLike, "checkGrads"));
  const dirs = xs.map((x) => randomLike(x, next));

  // Forward mode vs central differences.
  const [, tOut] = jvp(f, xs, dirs);
  const plus = f(...addScaled(xs, dirs, eps));
  const minus = f(...addScaled(xs, dirs, -eps));
  const fd = leavesOf(plus).map((p, i) =>
    jnp.divide(jnp.subtract(p, leavesOf(minus)[i]!), 2 * eps),
  );
  if (modes.includes("fwd")) assertClose("jvp vs finite differences", tOut, fd, atol, rtol);

  if (modes.includes("rev")) {
    // Transpose identity: <ct, J t> == <J^T ct, t>.
    const [out, fVjp] = vjp(f, ...xs);
    const ct = leavesOf(out).map((o) => randomLike(o, next));
    const ctTree = flatten(out)[1].unflatten(ct);
    const grads = fVjp(ctTree);
    const [, lin] = linearize(f, ...xs);
    const lhs = inner(ct, lin(...dirs));
    const rhs = inner(grads, dirs);
    if (!(Math.abs(lhs - rhs) <= atol * 10 + rtol * 10 * Math.abs(lhs))) {
      throw new Error(`checkGrads vjp: <ct, jvp(t)> = ${lhs} but <vjp(ct), t> = ${rhs}`);
    }
  }

  if (order > 1) {
    const dfdx = (...ys: Array[]) => jvp(f, ys, dirs)[1];
    checkGrads(dfdx, xs, order - 1, { ...options, seed: (options.seed ?? 1234) + 1 });
  }
}
