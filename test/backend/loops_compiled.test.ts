/**
 * Compiled loops (compiler/loop_step.ts): scan, while and cond inside a jit
 * program run as loop steps over compiled bodies. Each case checks that the
 * loop is compiled, and that jit gives the eager result bit for bit (eager
 * runs the same compiled bodies once per iteration from JS), and the
 * interpreter's result closely (JAXTS_COMPILE=0 runs every kernel in JS).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { compileProgram } from "../../src/backend/cpu/compiler/index.js";
import { loopStepFor } from "../../src/backend/cpu/compiler/loop_step.js";
import { memoryStats } from "../../src/backend/cpu/memory.js";
import { withFlag } from "../../src/config.js";
import { type Array, type ArrayImpl, hostValues } from "../../src/core/array.js";
import { compilesJaxprs } from "../../src/core/dispatch.js";
import type { ClosedJaxpr, Jaxpr } from "../../src/core/jaxpr.js";
import { grad, jit, numpy as jnp, lax, makeJaxpr, valueAndGrad, vmap } from "../../src/index.js";
import { seeded } from "../util/index.js";

type Fn = (...xs: Array[]) => unknown;

const leaves = (t: unknown): Array[] =>
  globalThis.Array.isArray(t) ? t.flatMap(leaves) : t === null ? [] : [t as Array];
const bits = (t: unknown): number[][] =>
  leaves(t).map((a) => globalThis.Array.from(hostValues(a as ArrayImpl), Number));

/** The loop primitives of a jaxpr, nested bodies included. */
function loopNames(j: Jaxpr): string[] {
  return j.eqns.flatMap((e) =>
    ["scan", "while", "cond"].includes(e.primitive.name) ? [e.primitive.name] : [],
  );
}

/** Checks f's top-level loops compile to loop steps, and jit(f) == f bit for bit, ≈ the interpreter. */
function check(f: Fn, args: Array[], expectLoops = 1): void {
  const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;
  const program = compileProgram(closed);
  const loopSteps = program.steps.filter((s) => s.kind === "eager" && loopStepFor(s.eqn) !== null);
  expect(loopSteps.length).toBeGreaterThanOrEqual(Math.min(expectLoops, loopNames(closed.jaxpr).length)); // biome-ignore format: long
  expect(program.steps.filter((s) => s.kind === "eager").length).toBe(loopSteps.length);
  // With the compiler off (JAXTS_COMPILE=0), eager and jit interpret: the program is compared closely.
  const compiled = bits(program.exe(args as never));
  const eager = compilesJaxprs() ? bits(f(...args)) : compiled;
  expect(bits(jit(f)(...args))).toEqual(compilesJaxprs() ? eager : bits(f(...args)));
  expect(compiled).toEqual(eager);
  const interp = withFlag("jaxts_compile", false, () => bits(jit((...xs: Array[]) => f(...xs))(...args))); // biome-ignore format: long
  interp.forEach((xs, i) => {
    xs.forEach((x, k) => expect(Math.abs(x - eager[i]![k]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(x)))); // biome-ignore format: long
  });
}

describe("compiled scan", () => {
  it("carries of several dtypes and shapes, several xs and ys", () => {
    const f = (a: Array, n: Array, b: Array, xs: Array, zs: Array) =>
      lax.scan(
        ([c, k, flag]: Array[], [x, z]: Array[]) => {
          const c2 = c!.mul(0.9).add(x!);
          return [
            [c2, k!.add(z!), jnp.logicalNot(flag!)],
            [jnp.sum(c2, 1), k!.mul(2), jnp.where(flag!, c2, 0)],
          ];
        },
        [a, n, b],
        [xs, zs],
      );
    const args = [
      seeded([3, 4], 1),
      seeded([5], 2, "int32"),
      jnp.array(true),
      seeded([7, 3, 4], 3),
      seeded([7, 5], 4, "int32"),
    ];
    check(f as Fn, args);
  });

  it("reverse, unroll, length 0, no xs", () => {
    const body = (c: Array, x: Array): [Array, Array] => [jnp.tanh(c.add(x)), c.mul(x)];
    const x = seeded([6, 8], 5);
    const c = seeded([8], 6);
    check((c0, xs) => lax.scan(body, c0, xs, { reverse: true }), [c, x]);
    check((c0, xs) => lax.scan(body, c0, xs, { unroll: 3 }), [c, x]);
    check((c0, xs) => lax.scan(body, c0, xs), [c, seeded([0, 8], 7)]);
    check((c0) => lax.scan((h: Array) => [h.mul(1.5).sub(1), h], c0, null, { length: 5 }), [c]);
    check((c0) => lax.scan((h: Array) => [h, h], c0, null, { length: 0 }), [c]);
    // Repeated ys (the first unread) and a restacked xs: the scan drops them.
    const tidy = (c0: Array, xs: Array) => {
      const [h, ys] = lax.scan(
        (hc: Array, xr: Array): [Array, Array[]] => {
          const y = hc.add(xr);
          return [y, [y, y, xr]];
        },
        c0,
        xs,
      );
      return [h, ys[1]!, ys[2]!.mul(2)];
    };
    check(tidy as Fn, [c, x]);
  });

  it("bodies with products, reductions and gathers; passthrough and literal outputs", () => {
    const w = seeded([16, 16], 8);
    const idx = jnp.array([3, 0, 2, 2, 1], "int32");
    const f = (h0: Array, xs: Array, table: Array) =>
      lax.scan(
        (h: Array, x: Array) => {
          const g = jnp.take(table, idx, 0); // [5, 16]
          const h2 = jnp.tanh(jnp.dot(h, w).add(x).add(jnp.mean(g, 0)));
          return [h2, [jnp.max(h2), h, jnp.array(2.5)]];
        },
        h0,
        xs,
      );
    check(f as Fn, [seeded([4, 16], 9), seeded([9, 4, 16], 10), seeded([6, 16], 11)]);
  });

  it("nested loops: a scan, a while and a cond inside a scan", () => {
    const f = (c0: Array, xs: Array) =>
      lax.scan(
        (c: Array, x: Array) => {
          const [, inner] = lax.scan((a: Array, r: Array) => [a.add(r), a], c, jnp.stack([x, x.mul(2)])); // biome-ignore format: long
          const n = jnp.sum(jnp.abs(x).gt(1)).astype("int32");
          const w = lax.foriLoop(0, n, (_i: Array, v: Array) => v.mul(0.5).add(1), c);
          const s = lax.cond(jnp.sum(x).gt(0), (v: Array) => v.add(1), (v: Array) => v.sub(1), w) as Array; // biome-ignore format: long
          return [s.add(jnp.sum(inner, 0)), s];
        },
        c0,
        xs,
      );
    check(f as Fn, [seeded([5], 12), seeded([11, 5], 13)]);
  });
});

describe("compiled while and cond", () => {
  it("while with a traced trip count; cond and switch at top level", () => {
    const f = (x: Array, n: Array) =>
      lax.foriLoop(0, n, (i: Array, v: Array) => v.mul(1.01).add(i.astype("float32")), x);
    check(f as Fn, [seeded([3, 5], 14), jnp.array(7, "int32")]);
    check(f as Fn, [seeded([3, 5], 14), jnp.array(0, "int32")]);
    check(f as Fn, [seeded([3, 5], 14), jnp.array(1, "int32")]);
    const g = (p: Array, x: Array) =>
      lax.cond(p, (v: Array) => [jnp.exp(v), v], (v: Array) => [v.mul(2), jnp.sum(v).reshape([1]).add(v)], x); // biome-ignore format: long
    check(g as Fn, [jnp.array(true), seeded([4], 15)]);
    check(g as Fn, [jnp.array(false), seeded([4], 15)]);
    const h = (i: Array, x: Array) =>
      lax.switch(i, [(v: Array) => v.add(1), (v: Array) => v.mul(3), (v: Array) => jnp.sin(v)], x);
    for (const k of [-1, 0, 1, 2, 5]) check(h as Fn, [jnp.array(k, "int32"), seeded([6], 16)]);
  });
});

describe("transformations of compiled loops", () => {
  const T = 12;
  const w = seeded([8, 8], 20).mul(0.3);
  const loss = (u: Array, xs: Array) => {
    const [h, hs] = lax.scan(
      (h: Array, x: Array): [Array, Array] => {
        const h2 = jnp.tanh(jnp.dot(x, w).add(jnp.dot(h, u)));
        return [h2, h2];
      },
      jnp.zeros([3, 8]),
      xs,
    );
    return jnp.mean(hs.mul(hs)).add(jnp.sum(h));
  };
  const u = seeded([8, 8], 21).mul(0.3);
  const xs = seeded([T, 3, 8], 22);

  it("grad (a transposed scan) and value-and-grad under jit equal eager", () => {
    check(grad(loss) as Fn, [u, xs], 2);
    check(((a: Array, b: Array) => valueAndGrad(loss)(a, b)) as Fn, [u, xs], 2);
    expect(bits(jit(grad(loss))(u, xs))).toEqual(bits(grad(jit(loss))(u, xs)));
  });

  it("products move out of the scans: the input projection before, weight gradients after", () => {
    const f = (a: Array, b: Array) => valueAndGrad(loss)(a, b);
    const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(u, xs) as ClosedJaxpr;
    const steps = compileProgram(closed).steps;
    const outside = steps.filter((s) => s.kind === "library" && s.eqn.primitive.name === "dot_general"); // biome-ignore format: long
    expect(outside.length).toBeGreaterThanOrEqual(2);
    const scans = steps.flatMap((s) => (s.kind === "eager" && s.eqn.primitive.name === "scan" ? [s.eqn] : [])); // biome-ignore format: long
    // The backward scan carries the hidden state's cotangent alone.
    expect(scans.map((e) => (e.params as { numCarry: number }).numCarry)).toEqual([1, 1]);
    check(f as Fn, [u, xs], 2);
  });

  it("a nested jit is inlined: jit(valueAndGrad(jit(loss))) compiles to the same steps", () => {
    const kinds = (f: (...xs: Array[]) => unknown) =>
      compileProgram(makeJaxpr(f as (...xs: unknown[]) => unknown)(u, xs) as ClosedJaxpr).steps.map(
        (s) => (s.kind === "kernel" ? "kernel" : `${s.kind} ${s.eqn.primitive.name}`),
      );
    const inner = jit(loss);
    expect(kinds((a, b) => valueAndGrad(inner)(a, b))).toEqual(kinds((a, b) => valueAndGrad(loss)(a, b))); // biome-ignore format: long
    expect(bits(jit(valueAndGrad(inner))(u, xs))).toEqual(bits(jit(valueAndGrad(loss))(u, xs)));
  });

  it("vmap of a scan under jit equals a loop over examples", () => {
    const us = jnp.stack([u, u.mul(0.5), u.mul(-1)]);
    const batched = jit(vmap(loss, { inAxes: [0, null] }))(us, xs);
    const each = [0, 1, 2].map((i) => loss(us.get(i), xs));
    const got = bits(batched)[0]!;
    each.forEach((e, i) => expect(Math.abs(got[i]! - bits(e)[0]![0]!)).toBeLessThan(1e-5));
  });

  it("1 and 2 threads give identical bits for a loop of parallel products", () => {
    const big = seeded([256, 256], 23).mul(0.05);
    const f = (h0: Array, xs0: Array) =>
      lax.scan(
        (h: Array, x: Array) => {
          const h2 = jnp.tanh(jnp.dot(h, big).add(x));
          return [h2, jnp.sum(h2, 1)];
        },
        h0,
        xs0,
      );
    const args = [seeded([256, 256], 24), seeded([4, 256, 256], 25)];
    const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;
    const run = (threads: number) =>
      withFlag("jaxts_threads", threads, () => bits(compileProgram(closed).exe(args as never)));
    expect(run(2)).toEqual(run(1));
  });
});

describe("memory", () => {
  it("a 10,000-step scan holds flat memory", () => {
    const f = jit(
      (c0: Array, xs: Array) =>
      lax.scan((c: Array, x: Array): [Array, Array] => [jnp.tanh(c.mul(0.5).add(x)), jnp.sum(c)], c0, xs), // biome-ignore format: long
    );
    const c0 = seeded([256], 30);
    const xs = seeded([10000, 256], 31);
    const run = () => {
      const [c, ys] = f(c0, xs) as [Array, Array];
      const out = [hostValues(c as ArrayImpl)[0]!, hostValues(ys as ArrayImpl)[9999]!];
      c.dispose();
      ys.dispose();
      return out;
    };
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const first = run();
    gc();
    const before = memoryStats();
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < 3; i++) expect(run()).toEqual(first);
    gc();
    const after = memoryStats();
    // No growth of the WebAssembly memory, no blocks left behind, and no JS heap growth
    // worth a megabyte after a collection (30,000 steps: 35 bytes a step would show).
    expect(after.memoryBytes).toBe(before.memoryBytes);
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(1 << 20);
  });

  it("a 10,000-step while loop with a cond in its body holds flat memory", () => {
    const f = jit(
      (x: Array, n: Array) =>
      lax.foriLoop(0, n, (i: Array, v: Array) => lax.cond(i.gt(5000), (a: Array) => a.mul(0.5), (a: Array) => a.add(1), v) as Array, x), // biome-ignore format: long
    );
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const x = seeded([64], 32);
    const n = jnp.array(10000, "int32");
    const first = bits(f(x, n));
    gc();
    const before = memoryStats();
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < 3; i++) expect(bits(f(x, n))).toEqual(first);
    gc();
    expect(memoryStats().memoryBytes).toBe(before.memoryBytes);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(1 << 20);
  });
});
