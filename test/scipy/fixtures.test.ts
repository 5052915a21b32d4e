/**
 * jax.scipy against SciPy (test/fixtures/scipy_ref.py): every case in float64
 * (x64) and, where its arguments are float32 numbers, in float32 against SciPy
 * at the float32-rounded arguments; jit against eager for each case.
 */
import { describe, expect, it } from "vitest";
import { type Array, jit, numpy as jnp, lax, scipy, withX64 } from "../../src/index.js";
import fixtures from "../fixtures/scipy.json" with { type: "json" };
import { expectMatches, expectSame, type FxArray, fromFixture } from "../util/index.js";

const { special, stats, linalg } = scipy;

interface Case {
  fn: string;
  args: FxArray[];
  opts: Record<string, unknown>;
  out: FxArray;
  out32: FxArray | null;
  rtol: number;
  rtol32: number;
}

type Fn = (args: Array[], opts: Record<string, unknown>) => Array;

function logsumexpCase([a, b]: Array[], opts: Record<string, unknown>): Array {
  const o = {
    axis: opts.axis as number | undefined,
    keepdims: opts.keepdims as boolean | undefined,
    b: opts.b ? b : undefined,
  };
  if (opts.returnSign) {
    const [v, s] = special.logsumexp(a!, { ...o, returnSign: true });
    return opts.returnSign === "sign" ? s : v;
  }
  return special.logsumexp(a!, o);
}

const elementwise =
  (f: (...xs: Array[]) => Array): Fn =>
  (args) =>
    f(...args);
const distributions: Record<string, Record<string, (...xs: Array[]) => Array>> = {
  norm: stats.norm,
  bernoulli: stats.bernoulli,
  binom: stats.binom,
  poisson: stats.poisson,
  beta: stats.beta,
  gamma: stats.gamma,
  chi2: stats.chi2,
  t: stats.t,
  uniform: stats.uniform,
  expon: stats.expon,
  laplace: stats.laplace,
  logistic: stats.logistic,
  cauchy: stats.cauchy,
  multivariateNormal: stats.multivariateNormal,
};

function lookup(name: string): Fn {
  const [mod, fn, variant] = name.split(".") as [string, string, string | undefined];
  if (mod === "special") {
    if (fn === "logsumexp") return logsumexpCase;
    if (fn === "multigammaln") return ([a], o) => special.multigammaln(a!, o.d as number);
    if (fn === "softmax") return ([a]) => special.softmax(a!, -1);
    if (fn === "logSoftmax") return ([a]) => special.logSoftmax(a!, -1);
    const f = (special as unknown as Record<string, (...xs: Array[]) => Array>)[fn];
    if (!f) throw new Error(`no jax.scipy.special.${fn}`);
    return elementwise(f);
  }
  if (mod === "lax") return ([a, x]) => lax.igammaGradA(a!, x!);
  if (mod === "stats") {
    const f = distributions[fn]?.[variant!];
    if (!f) throw new Error(`no jax.scipy.stats.${fn}.${variant}`);
    return elementwise(f);
  }
  if (fn === "choSolve")
    return ([a, b]) => linalg.choSolve(linalg.choFactor(a!, variant === "lower"), b!);
  if (fn === "choFactor") return ([a]) => linalg.choFactor(a!, variant === "lower")[0];
  if (fn === "expm") return ([a]) => linalg.expm(a!);
  if (fn === "luFactor") return ([a]) => linalg.luFactor(a!)[0];
  if (fn === "luSolve")
    return ([a, b]) => linalg.luSolve(linalg.luFactor(a!), b!, Number(variant) as 0 | 1);
  throw new Error(`no case runner for ${name}`);
}

const cases = (fixtures as { cases: Case[] }).cases;
const labelled = cases.map((c, i) => [`${c.fn} #${i}`, c] as const);

/** Upper triangles below the diagonal are garbage in SciPy's cho_factor: compare the triangle only. */
function normalize(name: string, out: Array): Array {
  if (name === "linalg.choFactor.upper") return jnp.triu(out);
  if (name === "linalg.choFactor.lower") return jnp.tril(out);
  return out;
}

describe("jax.scipy vs SciPy, float64", () => {
  it.each(labelled)("%s", (_, c) => {
    withX64(() => {
      const f = lookup(c.fn);
      const args = c.args.map(fromFixture);
      const out = normalize(c.fn, f(args, c.opts));
      expectMatches(out, c.out, c.rtol);
      const compiled = normalize(c.fn, jit((...xs: Array[]) => f(xs, c.opts))(...args));
      expectSame(compiled, out, "jit vs eager", 1e-12, 1e-300);
    });
  });
});

describe("jax.scipy vs SciPy, float32", () => {
  const f32Cases = labelled.filter(([, c]) => c.out32 !== null);
  it("covers most cases", () => expect(f32Cases.length).toBeGreaterThan(70));
  it.each(f32Cases)("%s", (_, c) => {
    const f = lookup(c.fn);
    const args = c.args.map((a) => fromFixture(a).astype("float32"));
    const out = normalize(c.fn, f(args, c.opts));
    expectMatches(out, { ...c.out32!, dtype: "float32" }, c.rtol32);
    const compiled = normalize(c.fn, jit((...xs: Array[]) => f(xs, c.opts))(...args));
    expectSame(compiled, out, "jit vs eager", 1e-5, 1e-30);
  });
});
