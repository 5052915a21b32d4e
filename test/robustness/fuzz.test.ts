/**
 * Bad inputs at the public API, drawn at random (issue 12): wrong kinds,
 * shapes, dtypes and axes; NaN, ±Inf, −0 and huge values; ragged nesting.
 * Every call must either raise a named error (an Error whose message names
 * the function, never a crash deep inside such as "Cannot read properties of
 * undefined") or return the reference result — the same values as `jit` of the
 * same call and, for elementwise functions on floats, as the float64 JS
 * computation rounded to float32 — and the library must work afterwards.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isArray } from "../../src/core/array.js";
import {
  grad,
  type Array as JaxArray,
  jit,
  numpy as jnp,
  lax,
  nn,
  random,
  tree,
  vmap,
} from "../../src/index.js";

// biome-ignore lint/suspicious/noExplicitAny: the fuzzer passes every kind of value on purpose
type Loose = any;

/** Messages of JS engine errors that mean the library crashed inside instead of checking. */
const CRASH =
  /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Maximum call stack|Invalid array length|Invalid typed array length|undefined is not|null is not|Cannot convert|circular structure|unreachable|memory access out of bounds|Array buffer allocation failed|\[object Object\]/;

const SPECIAL = [
  Number.NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1,
  -1,
  0.5,
  1e38,
  -3e38,
  3e9,
  2 ** 31,
  1e-45,
  7,
];

const shapeArb = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 });
const dtypeArb = fc.constantFrom("float32", "int32", "uint32", "bool");

/** A valid array of a random shape and dtype, with special values among ordinary ones. */
const arrayArb: fc.Arbitrary<JaxArray> = fc
  .tuple(
    shapeArb,
    dtypeArb,
    fc.array(fc.oneof(fc.constantFrom(...SPECIAL), fc.double({ min: -10, max: 10, noNaN: true })), {
      minLength: 27,
      maxLength: 27,
    }),
  )
  .map(([shape, dtype, pool]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = Array.from({ length: n }, (_, i) => pool[i % pool.length]!);
    const x = jnp.array(
      vals.map((v) => (Number.isFinite(v) ? Math.trunc(v * 100) / 100 : v)),
      "float32",
    );
    return (
      dtype === "float32"
        ? x
        : dtype === "bool"
          ? x.gt(0)
          : jnp.nanToNum(jnp.clip(x, -1e6, 1e6)).astype(dtype)
    ).reshape(shape);
  });

/** Anything a user might pass by mistake. */
const junkArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    3e9,
    2 ** 53,
    1e39,
    -1,
    1.5,
    true,
    "1",
    "float32",
    "abc",
    {},
    { axis: 0 },
    [1, [2]],
    [[1, 2], [3]],
    [],
    [[]],
    [Number.NaN],
    [undefined],
    new Float32Array(3),
    new Int8Array(2),
    () => 1,
    Symbol("s"),
    10n,
  ),
  fc.integer({ min: -5, max: 5 }),
  fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 3 }),
);

const argArb = fc.oneof(
  { weight: 3, arbitrary: arrayArb as fc.Arbitrary<unknown> },
  { weight: 2, arbitrary: junkArb },
);

interface Target {
  name: string;
  /** What the message must mention (the function's name as users know it). */
  names: RegExp;
  call: (args: Loose[]) => unknown;
  nargs: number;
  /** A float64 reference for one element, for elementwise functions on float32 inputs. */
  ref?: (...x: number[]) => number;
}

const unary = (name: string, f: (x: Loose) => unknown, ref?: (x: number) => number): Target => ({
  name: `jnp.${name}`,
  names: new RegExp(name, "i"),
  call: ([x]) => f(x),
  nargs: 1,
  ...(ref ? { ref } : {}),
});
const binary = (
  name: string,
  f: (x: Loose, y: Loose) => unknown,
  ref?: (x: number, y: number) => number,
): Target => ({
  name: `jnp.${name}`,
  names: new RegExp(name.replace(/([A-Z])/g, "_?$1"), "i"),
  call: ([x, y]) => f(x, y),
  nargs: 2,
  ...(ref ? { ref: ref as (...x: number[]) => number } : {}),
});
const withArg = (name: string, f: (x: Loose, a: Loose) => unknown): Target => ({
  name: `jnp.${name}`,
  names: new RegExp(name.replace(/([A-Z])/g, "_?$1"), "i"),
  call: ([x, a]) => f(x, a),
  nargs: 2,
});

const TARGETS: Target[] = [
  unary("sin", jnp.sin, Math.sin),
  unary("exp", jnp.exp, Math.exp),
  unary("log", jnp.log, Math.log),
  unary("sqrt", jnp.sqrt, Math.sqrt),
  unary("abs", jnp.abs, Math.abs),
  unary("tanh", jnp.tanh, Math.tanh),
  unary("negative", jnp.negative, (x) => -x),
  unary("floor", jnp.floor, Math.floor),
  unary("isnan", jnp.isnan),
  unary("nanToNum", jnp.nanToNum),
  unary("sign", jnp.sign),
  unary("ravel", jnp.ravel),
  unary("argsort", jnp.argsort),
  unary("cumsum", jnp.cumsum),
  binary("add", jnp.add, (a, b) => a + b),
  binary("multiply", jnp.multiply, (a, b) => a * b),
  binary("divide", jnp.divide, (a, b) => a / b),
  binary("maximum", jnp.maximum, (a, b) =>
    Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b),
  ),
  binary("minimum", jnp.minimum, (a, b) =>
    Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b),
  ),
  binary("power", jnp.power),
  binary("arctan2", jnp.arctan2, Math.atan2),
  binary("equal", jnp.equal),
  binary("where", (c, x) => jnp.where(c, x, 0)),
  binary("matmul", jnp.matmul),
  withArg("sum", (x, a) => jnp.sum(x, a)),
  withArg("prod", (x, a) => jnp.prod(x, a)),
  withArg("max", (x, a) => jnp.max(x, a)),
  withArg("mean", (x, a) => jnp.mean(x, a)),
  withArg("argmax", (x, a) => jnp.argmax(x, a)),
  withArg("reshape", (x, a) => jnp.reshape(x, a)),
  withArg("transpose", (x, a) => jnp.transpose(x, a)),
  withArg("expandDims", (x, a) => jnp.expandDims(x, a)),
  withArg("squeeze", (x, a) => jnp.squeeze(x, a)),
  withArg("flip", (x, a) => jnp.flip(x, a)),
  withArg("sort", (x, a) => jnp.sort(x, a)),
  withArg("astype", (x, a) => jnp.astype(x, a)),
  withArg("tile", (x, a) => jnp.tile(x, a)),
  withArg("concatenate", (x, a) => jnp.concatenate([x, x], a)),
  withArg("stack", (x, a) => jnp.stack([x, x], a)),
  withArg("take", (x, a) => jnp.take(x, a)),
  withArg("get", (x, a) => (isArray(x) ? x.get(a) : jnp.asarray(x).get(a))),
  withArg("at", (x, a) => (isArray(x) ? x.at(0).set(a) : jnp.asarray(x).at(0).set(a))),
  withArg("pad", (x, a) => jnp.pad(x, 1, { constantValues: a })),
  withArg("clip", (x, a) => jnp.clip(x, a, 5)),
  withArg("full", (s, v) => jnp.full(s, v)),
  withArg("zeros", (s, d) => jnp.zeros(s, d)),
  withArg("arange", (a, b) => jnp.arange(a, b)),
  withArg("linspace", (a, n) => jnp.linspace(0, a, n)),
  withArg("eye", (n, m) => jnp.eye(n, m)),
  withArg("array", (v, d) => jnp.array(v, d)),
  withArg("convertElementType", (x, d) => lax.convertElementType(x, d)),
  withArg("broadcastTo", (x, s) => jnp.broadcastTo(x, s)),
  withArg("normal", (k, s) => random.normal(random.PRNGKey(Number.isInteger(k) ? k : 0), s)),
  withArg("uniform", (_k, s) => random.uniform(random.PRNGKey(0), s)),
  withArg("randint", (lo, hi) => random.randint(random.PRNGKey(1), [3], lo, hi)),
  withArg("PRNGKey", (seed) => random.PRNGKey(seed)),
  withArg("split", (x, n) => jnp.split(x, n)),
  withArg("repeat", (x, n) => jnp.repeat(x, n)),
  withArg("cumprod", (x, a) => jnp.cumprod(x, a)),
  withArg("argsort", (x, a) => jnp.argsort(x, a)),
  withArg("round", (x, d) => jnp.round(x, d)),
  withArg("dot", (x, y) => jnp.dot(x, y)),
  withArg("outer", (x, y) => jnp.outer(x, y)),
  withArg("einsum", (x, y) => jnp.einsum("ij,jk->ik", x, y)),
  withArg("inv", (x) => jnp.linalg.inv(x)),
  withArg("solve", (x, y) => jnp.linalg.solve(x, y)),
  withArg("softmax", (x, a) => nn.softmax(x, a)),
  withArg("oneHot", (x, n) => nn.oneHot(x, n)),
  withArg("reshape", (x, s) => lax.reshape(x, s)),
  withArg("slice", (x, s) => lax.slice(x, s, s)),
  withArg("dynamicSlice", (x, i) => lax.dynamicSlice(x, [i], [1])),
  withArg("selectN", (c, x) => lax.selectN(c, [x, x] as Loose)),
  withArg("jit", (x, y) => jit((a: JaxArray, b: JaxArray) => jnp.add(a, b))(x, y)),
  withArg("vmap", (x, y) => vmap((a: JaxArray, b: JaxArray) => jnp.multiply(a, b))(x, y)),
  withArg("grad", (x, y) => grad((a: JaxArray, b: JaxArray) => jnp.sum(jnp.sin(a).mul(b)))(x, y)),
  withArg("map", (x, y) => tree.map((a: Loose, b: Loose) => jnp.add(a, b), x, y)),
];

function leavesOf(r: unknown): JaxArray[] {
  if (isArray(r)) return [r];
  if (globalThis.Array.isArray(r)) return r.flatMap(leavesOf);
  throw new Error(`not an array result: ${String(r)}`);
}

function close(a: number, b: number, dtype: string): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (dtype !== "float32" && dtype !== "float64") return false;
  return (
    Math.abs(a - b) <= 1e-5 * Math.max(Math.abs(a), Math.abs(b), 1e-30) ||
    (!Number.isFinite(a) && a === b)
  );
}

function expectSameArrays(got: JaxArray[], want: JaxArray[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(g.shape, what).toEqual(w.shape);
    expect(g.dtype, what).toBe(w.dtype);
    const gv = Array.from(g.reshape([-1]).toArray() as (number | boolean)[], Number);
    const wv = Array.from(w.reshape([-1]).toArray() as (number | boolean)[], Number);
    gv.forEach((x, k) => {
      if (!close(x, wv[k]!, g.dtype))
        expect.fail(`${what}: element ${k} is ${x}, expected ${wv[k]}`);
    });
  });
}

function expectNamedError(e: unknown, t: Target, args: unknown[]): void {
  const what = `${t.name}(${args.map(show).join(", ")})`;
  if (!(e instanceof Error)) expect.fail(`${what} threw a non-Error: ${String(e)}`);
  const msg = e.message;
  if (CRASH.test(msg)) expect.fail(`${what} crashed inside: ${e.name}: ${msg}\n${e.stack}`);
  if (!t.names.test(msg) && !/jnp\.|lax\.|random\./.test(msg)) {
    expect.fail(`${what}: the error does not name the function: ${e.name}: ${msg}`);
  }
}

function show(x: unknown): string {
  if (isArray(x)) return `Array(${x.dtype}[${x.shape}])`;
  if (typeof x === "symbol" || typeof x === "bigint") return String(x);
  if (typeof x === "function") return "fn";
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** The library still works: a jitted and an eager computation give known answers. */
function sanity(): void {
  const y = jit((x: JaxArray) => x.mul(2).add(1))(jnp.arange(4));
  expect(y.toArray()).toEqual([1, 3, 5, 7]);
  expect(jnp.sum(jnp.ones([3, 3])).item()).toBe(9);
}

function checkCall(t: Target, args: unknown[]): void {
  if (process.env.FUZZ_TRACE) process.stderr.write(`${t.name}(${args.map(show).join(", ")})\n`);
  let eager: unknown;
  try {
    eager = t.call(args);
  } catch (e) {
    expectNamedError(e, t, args);
    sanity();
    return;
  }
  const what = `${t.name}(${args.map(show).join(", ")})`;
  const want = leavesOf(eager);
  // Huge (lazily allocated) results are not compared element by element.
  if (want.some((w) => w.size > 1e6)) return;
  // jit of the same call (arrays become jaxpr constants; operations on them are staged).
  let jitted: unknown;
  try {
    jitted = jit(() => t.call(args))();
  } catch (e) {
    // Concrete-value checks cannot run while tracing, and a compiled program may
    // need memory an eager broadcast does not; anything else is a disagreement.
    const benign =
      (e as Error).name === "ConcretizationTypeError" || /out of memory/.test((e as Error).message);
    if (!benign) {
      expect.fail(
        `${what} works eagerly but jit raised ${(e as Error).name}: ${(e as Error).message}`,
      );
    }
  }
  if (jitted !== undefined) expectSameArrays(leavesOf(jitted), want, `jit vs eager: ${what}`);
  // Elementwise float32 functions against float64 JS, rounded to float32.
  if (
    t.ref &&
    want.length === 1 &&
    want[0]!.dtype === "float32" &&
    args.slice(0, t.nargs).every((a) => isArray(a) && a.dtype === "float32")
  ) {
    const ins = (args.slice(0, t.nargs) as JaxArray[]).map(
      (a) => jnp.broadcastTo(a, want[0]!.shape).reshape([-1]).toArray() as number[],
    );
    const out = want[0]!.reshape([-1]).toArray() as number[];
    out.forEach((y, k) => {
      const r = Math.fround(t.ref!(...ins.map((v) => v[k]!)));
      const tol = 4 * 2 ** -23 * Math.max(Math.abs(r), 2 ** -126);
      const ok = Number.isNaN(r) ? Number.isNaN(y) : y === r || Math.abs(y - r) <= tol;
      if (!ok) expect.fail(`${what}: element ${k} is ${y}, the float64 reference gives ${r}`);
    });
  }
  sanity();
}

describe("fuzzing the public API with bad inputs", () => {
  it("every call raises a named error or returns the reference result", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TARGETS),
        fc.array(argArb, { minLength: 2, maxLength: 2 }),
        (t, args) => {
          checkCall(t, args);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 600) },
    );
  });
  it("each target at least once with valid arrays and with junk", () => {
    for (const t of TARGETS) {
      fc.assert(
        fc.property(fc.array(arrayArb, { minLength: 2, maxLength: 2 }), junkArb, (arrays, junk) => {
          checkCall(t, arrays);
          checkCall(t, [arrays[0], junk]);
          checkCall(t, [junk, arrays[0]]);
        }),
        { numRuns: 5 },
      );
    }
  });
});

// FUZZ_SURVEY=<n> npx vitest run test/robustness/fuzz.test.ts: runs n cases and lists every
// distinct failure instead of stopping at the first (for fixing many at once).
describe.runIf(process.env.FUZZ_SURVEY !== undefined)("survey", () => {
  it("lists the distinct failures", () => {
    const seen = new Map<string, string>();
    fc.assert(
      fc.property(
        fc.constantFrom(...TARGETS),
        fc.array(argArb, { minLength: 2, maxLength: 2 }),
        (t, args) => {
          try {
            checkCall(t, args);
          } catch (e) {
            const msg = (e as Error).message.split("\n")[0]!;
            const key = `${t.name}: ${msg.replace(/\(.*?\) /, "").slice(0, 160)}`;
            if (!seen.has(key)) seen.set(key, msg);
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_SURVEY) || 2000 },
    );
    console.log([...seen.values()].sort().join("\n"));
  }, 900_000);
});
