/**
 * jit's static arguments by name (staticArgnames: the position the function
 * declares the name at, since JS has no keyword arguments) and
 * jax.disable_jit (disableJit / the jax_disable_jit flag).
 */
import { describe, expect, it } from "vitest";
import { paramNames } from "../../src/api/param_names.js";
import { type Array, config, disableJit, jit, numpy as jnp } from "../../src/index.js";

describe("paramNames", () => {
  it("reads the declared parameters of every function form", () => {
    expect(paramNames((x: number, n: number) => x + n)?.names).toEqual(["x", "n"]);
    expect(paramNames((x: number) => x)?.names).toEqual(["x"]);
    function f(
      a: number,
      /* a comment, with a comma */ b = [1, 2],
      { c }: { c: number } = { c: 1 },
    ) {
      return a + b.length + c;
    }
    expect(paramNames(f)?.names).toEqual(["a", "b", null]);
    const g = async (x: number, ...rest: number[]) => x + rest.length;
    expect(paramNames(g)).toEqual({ names: ["x", "rest"], rest: true });
    const o = {
      m(p: string, q = "a,b") {
        return p + q;
      },
    };
    expect(paramNames(o.m)?.names).toEqual(["p", "q"]);
    expect(paramNames(Math.max)).toBeNull();
  });
});

describe("jit staticArgnames", () => {
  it("a named parameter is static: its value is part of the cache key", () => {
    let traces = 0;
    const f = jit(
      (x: Array, n: number) => {
        traces++;
        return x.mul(n);
      },
      { staticArgnames: "n" },
    );
    expect(globalThis.Array.from(f(jnp.array([1, 2]), 3).dataSync())).toEqual([3, 6]);
    f(jnp.array([1, 2]), 3);
    expect(traces).toBe(1);
    // A static argument is a JS value while tracing: it can drive control flow.
    const g = jit((x: Array, mode: string) => (mode === "double" ? x.mul(2) : x.add(1)), {
      staticArgnames: ["mode"],
    });
    expect(globalThis.Array.from(g(jnp.array([1]), "double").dataSync())).toEqual([2]);
    expect(globalThis.Array.from(g(jnp.array([1]), "inc").dataSync())).toEqual([2]);
    expect(traces).toBe(1);
  });

  it("combines with staticArgnums and names an unknown parameter", () => {
    const f = jit((a: number, x: Array, b: number) => x.mul(a).add(b), {
      staticArgnums: [0],
      staticArgnames: ["b"],
    });
    expect(f(2, jnp.array(1), 5).item()).toBe(7);
    expect(() => jit((x: Array) => x, { staticArgnames: ["n"] })).toThrow(
      /staticArgnames entry 'n' is not a named parameter of the function \(its parameters: x\)/,
    );
    expect(() => jit((x: Array) => x, { staticArgnames: [3 as unknown as string] })).toThrow(
      /staticArgnames must be a string or a list of strings/,
    );
    expect(() => jit((...xs: Array[]) => xs[0]!, { staticArgnames: "xs" })).toThrow(
      /not a named parameter/,
    );
  });
});

describe("disableJit", () => {
  it("runs jitted bodies eagerly, so concrete values can be read inside", () => {
    const f = jit((x: Array) => {
      // item() needs a concrete value: an error under jit, fine with jit disabled.
      const v = x.item() as number;
      return x.mul(v);
    });
    expect(() => f(jnp.array(3))).toThrow(/traced value/);
    expect(disableJit(() => f(jnp.array(3)).item())).toBe(9);
    expect(config.read("jax_disable_jit")).toBe(false);
    expect(disableJit(() => disableJit(() => config.read("jax_disable_jit"), false))).toBe(false);
    expect(() => disableJit(3 as unknown as () => void)).toThrow(/body must be a function/);
  });
});
