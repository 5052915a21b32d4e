/**
 * Transformations reject wrong inputs up front with named errors (issue 12):
 * non-functions, async functions, unknown or Python-spelled options; static
 * arguments are hashed by value and jit's cache is bounded; jax_debug_nans
 * and jax_debug_infs name the primitive that made the value.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  type Array,
  checkpoint,
  config,
  customJvp,
  customVjp,
  FloatingPointError,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  numpy as jnp,
  jvp,
  linearize,
  makeJaxpr,
  pmap,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";

// biome-ignore lint/suspicious/noExplicitAny: the tests pass wrong kinds on purpose
type Loose = any;
const loose = (x: unknown): Loose => x;

afterEach(() => {
  config.update("jax_debug_nans", false);
  config.update("jax_debug_infs", false);
  config.update("jaxts_jit_cache_size", 4096);
});

describe("transformations check their function", () => {
  const transforms: [string, (f: Loose) => unknown][] = [
    ["jit", (f) => jit(f)],
    ["vmap", (f) => vmap(f)],
    ["grad", (f) => grad(f)],
    ["valueAndGrad", (f) => valueAndGrad(f)],
    ["jacfwd", (f) => jacfwd(f)],
    ["jacrev", (f) => jacrev(f)],
    ["hessian", (f) => hessian(f)],
    ["pmap", (f) => pmap(f)],
    ["checkpoint", (f) => checkpoint(f)],
    ["makeJaxpr", (f) => makeJaxpr(f)],
    ["customJvp", (f) => customJvp(f)],
    ["customVjp", (f) => customVjp(f)],
    ["vjp", (f) => vjp(f, 1)],
    ["linearize", (f) => linearize(f, 1)],
    ["jvp", (f) => jvp(f, [1], [1])],
  ];
  it.each(transforms)("%s rejects a non-function when applied, naming itself", (name, t) => {
    for (const bad of [5, undefined, null, "f", {}, [1]]) {
      expect(() => t(bad)).toThrow(TypeError);
      expect(() => t(bad)).toThrow(new RegExp(`^${name}: (fn|f) must be a function, got`));
    }
  });
  it.each(transforms)("%s rejects an async function up front", (name, t) => {
    const f = async (x: Array) => x;
    expect(() => t(f)).toThrow(new RegExp(`^${name}: (fn|f) \\(f\\) is an async function`));
  });
  it("a function that returns a Promise is an error, and the Promise is marked handled", async () => {
    let rejected = false;
    const f = (x: Array): Promise<Array> =>
      Promise.reject(new Error(`inside ${x.shape}`)).finally(() => {
        rejected = true;
      });
    expect(() => jit(f)(jnp.ones([2]))).toThrow(/jit\(f\): the function returned a Promise/);
    expect(() => vmap(f)(jnp.ones([2]))).toThrow(/vmap\(f\): the function returned a Promise/);
    // A Promise is not a scalar: a type error too (issue 16); the runtime check stays.
    // @ts-expect-error grad of a function returning a Promise
    expect(() => grad(f)(1)).toThrow(/grad\(f\): the function returned a Promise/);
    // Let the rejections settle: an unhandled one would fail the test run.
    await new Promise((r) => setTimeout(r, 10));
    expect(rejected).toBe(true);
  });
  it("undefined passed to a jitted function is reported as undefined", () => {
    expect(() => jit((x: Array) => jnp.sin(x))(loose(undefined))).toThrow(/got undefined$/);
  });
});

describe("options objects are validated", () => {
  const f = (x: Array) => x.sum();
  const cases: [string, () => unknown, RegExp][] = [
    [
      "jit",
      () => jit(f, loose({ static_argnums: 0 })),
      /^jit\(f\): unknown option 'static_argnums' \(did you mean 'staticArgnums'\?\); valid: staticArgnums, staticArgnames, donateArgnums$/,
    ],
    [
      "jit",
      () => jit(f, loose({ static_argnames: ["x"] })),
      /unknown option 'static_argnames' \(did you mean 'staticArgnames'\?\)/,
    ],
    [
      "jit",
      () => jit(f, loose({ staticArgnums: "0" })),
      /staticArgnums must be an integer or a list of integers/,
    ],
    [
      "vmap",
      () => vmap(f, loose({ in_axes: 0 })),
      /^vmap\(f\): unknown option 'in_axes' \(did you mean 'inAxes'\?\)/,
    ],
    ["vmap", () => vmap(f, loose({ axisSize: -1 })), /axisSize must be a non-negative integer/],
    [
      "grad",
      () => grad(f, loose({ has_aux: true })),
      /^grad\(f\): unknown option 'has_aux' \(did you mean 'hasAux'\?\)/,
    ],
    [
      "grad",
      () => grad(f, loose({ argnums: [] })),
      /argnums must be an integer or a non-empty list/,
    ],
    ["grad", () => grad(f, loose({ hasAux: 1 })), /hasAux must be a boolean/],
    [
      "valueAndGrad",
      () => valueAndGrad(f, loose({ argnum: 0 })),
      /unknown option 'argnum' \(did you mean 'argnums'\?\)/,
    ],
    [
      "jacfwd",
      () => jacfwd(f, loose({ reduce_axes: [] })),
      /^jacfwd\(f\): unknown option 'reduce_axes'/,
    ],
    ["jacrev", () => jacrev(f, loose({ has_aux: true })), /^jacrev\(f\): unknown option 'has_aux'/],
    [
      "hessian",
      () => hessian(f, loose({ has_aux: true })),
      /^hessian\(f\): unknown option 'has_aux'/,
    ],
    [
      "pmap",
      () => pmap(f, loose({ axis_name: "i" })),
      /^pmap\(f\): unknown option 'axis_name' \(did you mean 'axisName'\?\)/,
    ],
    [
      "customJvp",
      () => customJvp(f, loose({ nondiff_argnums: [0] })),
      /^customJvp: unknown option 'nondiff_argnums' \(did you mean 'nondiffArgnums'\?\)/,
    ],
    [
      "customVjp",
      () => customVjp(f, loose({ nondiffArgnums: 1 })),
      /nondiffArgnums must be a list/,
    ],
    [
      "makeJaxpr",
      () => makeJaxpr(f, loose({ static_argnums: 0 })),
      /^makeJaxpr\(f\): unknown option 'static_argnums'/,
    ],
    [
      "checkpoint",
      () => checkpoint(f, loose({ policy: null })),
      /^checkpoint\(f\): unknown option 'policy'/,
    ],
    ["jit", () => jit(f, loose([0])), /^jit\(f\): options must be an object/],
  ];
  it.each(cases)("%s: %s", (_name, call, message) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });
  it("config.update checks names and value types", () => {
    expect(() => config.update(loose("jax_debug_nan"), true)).toThrow(
      /unknown flag 'jax_debug_nan'/,
    );
    expect(() => config.update("jax_debug_nans", loose(1))).toThrow(
      /flag 'jax_debug_nans' takes a boolean, got number 1/,
    );
    expect(() => config.update("jaxts_jit_cache_size", -1)).toThrow(/non-negative integer/);
  });
});

describe("jit's cache", () => {
  it("hashes static arguments by value (a fresh object with the same content reuses the trace)", () => {
    let traces = 0;
    const f = jit(
      (x: Array, o: { n: number; tags: string[] }) => {
        traces++;
        return x.mul(o.n);
      },
      { staticArgnums: 1 },
    );
    for (let i = 0; i < 5; i++) f(jnp.ones([2]), { n: 3, tags: ["a", "b"] });
    expect(traces).toBe(1);
    expect(f(jnp.ones([2]), { tags: ["a", "b"], n: 3 }).toArray()).toEqual([3, 3]);
    expect(traces).toBe(1);
    f(jnp.ones([2]), { n: 4, tags: ["a", "b"] });
    expect(traces).toBe(2);
  });
  it("keys functions by identity and a function as a static argument works", () => {
    let traces = 0;
    const f = jit(
      (x: Array, g: (y: Array) => Array) => {
        traces++;
        return g(x);
      },
      { staticArgnums: [-1] },
    );
    const double = (y: Array) => y.mul(2);
    expect(f(jnp.ones([2]), double).toArray()).toEqual([2, 2]);
    f(jnp.ones([2]), double);
    expect(traces).toBe(1);
    expect(f(jnp.ones([2]), (y: Array) => y.mul(3)).toArray()).toEqual([3, 3]);
    expect(traces).toBe(2);
  });
  it("rejects unhashable static arguments with a named error", () => {
    const f = jit((x: Array, _s: unknown) => x, { staticArgnums: 1 });
    expect(() => f(jnp.ones([2]), jnp.ones([2]))).toThrow(
      /^jit\(fn\): static argument 1 is an Array \(f32\[2\]\), which is not hashable/,
    );
    expect(() => f(jnp.ones([2]), { w: new Float32Array(2) })).toThrow(
      /static argument 1\.w is a Float32Array, which is not hashable/,
    );
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => f(jnp.ones([2]), cyclic)).toThrow(/refers to itself/);
  });
  it("is shared by jit(f) of the same function", () => {
    let traces = 0;
    const f = (x: Array) => {
      traces++;
      return x.add(1);
    };
    jit(f)(jnp.ones([3]));
    jit(f)(jnp.ones([3]));
    expect(traces).toBe(1);
    // Other static positions are another cache.
    jit(f, { staticArgnums: [] })(jnp.ones([3]));
    expect(traces).toBe(1);
  });
  it("is bounded by jaxts_jit_cache_size (least recently used dropped)", () => {
    config.update("jaxts_jit_cache_size", 3);
    let traces = 0;
    const f = jit((x: Array) => {
      traces++;
      return x.sum();
    });
    for (let n = 1; n <= 5; n++) f(jnp.ones([n]));
    expect(traces).toBe(5);
    f(jnp.ones([5]));
    f(jnp.ones([4]));
    expect(traces).toBe(5); // still cached
    f(jnp.ones([1]));
    expect(traces).toBe(6); // dropped, traced again
  });
  it("a loop over fresh static objects holds a bounded cache", () => {
    config.update("jaxts_jit_cache_size", 16);
    const f = jit((x: Array, o: { k: number }) => x.mul(o.k), { staticArgnums: 1 });
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 2000; i++) f(jnp.ones([2]), { k: i % 4 });
    // 4 distinct values: 4 traces, whatever the number of calls.
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(20e6);
  });
});

describe("jax_debug_nans and jax_debug_infs", () => {
  const f = (x: Array) => jnp.log(x.mul(2).sub(3)).add(1);
  it("eager: the primitive that made the NaN raises FloatingPointError", () => {
    config.update("jax_debug_nans", true);
    expect(() => f(jnp.array([1, 2, 3]))).toThrow(FloatingPointError);
    expect(() => f(jnp.array([1, 2, 3]))).toThrow(/^invalid value \(nan\) encountered in log/);
    expect(f(jnp.array([2, 3])).shape).toEqual([2]);
  });
  it("jit: re-runs de-optimized and names the equation inside, through nested jit", () => {
    config.update("jax_debug_nans", true);
    const inner = jit(f);
    const outer = jit((x: Array) => inner(x).mul(2));
    let message = "";
    try {
      outer(jnp.linspace(0, 4, 50_000));
    } catch (e) {
      expect(e).toBeInstanceOf(FloatingPointError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^invalid value \(nan\) encountered in log/);
    expect(message).toMatch(/inside pjit 'f'/);
  });
  it("infinities with jax_debug_infs; nothing is checked when the flags are off", () => {
    const g = jit((x: Array) => jnp.exp(x.div(0)).sum());
    expect(g(jnp.array([1, 2])).item()).toBe(Number.POSITIVE_INFINITY);
    config.update("jax_debug_infs", true);
    expect(() => g(jnp.array([1, 2]))).toThrow(/^invalid value \(inf\) encountered in div/);
    config.update("jax_debug_infs", false);
    config.update("jax_debug_nans", true);
    // An infinity is not a NaN.
    expect(g(jnp.array([1, 2])).item()).toBe(Number.POSITIVE_INFINITY);
  });
  it("under grad, the NaN of the backward pass is found", () => {
    config.update("jax_debug_nans", true);
    const h = (x: Array) => jnp.sqrt(x).sum();
    expect(() => grad(h)(jnp.array([0, -1]))).toThrow(FloatingPointError);
  });
});
