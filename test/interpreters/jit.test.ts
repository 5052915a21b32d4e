import { describe, expect, it } from "vitest";
import type { Array, ArrayLike } from "../../src/index.js";
import {
  ConcretizationTypeError,
  jit,
  numpy as jnp,
  makeJaxpr,
  UnexpectedTracerError,
  withX64,
} from "../../src/index.js";

const close = (a: Array, b: Array) => expect(a.toArray()).toEqual(b.toArray());

describe("jit", () => {
  it("matches eager evaluation", () => {
    const f = (x: Array, y: Array) => jnp.tanh(x.mul(2).add(1)).mul(x).sub(y.sum());
    const x = jnp.array([
      [0.5, -1.0],
      [2.0, 0.25],
    ]);
    const y = jnp.array([1, 2, 3]);
    close(jit(f)(x, y), f(x, y));
  });

  it("traces once per signature and caches", () => {
    let traces = 0;
    const f = jit((x: ArrayLike) => {
      traces++;
      return jnp.multiply(x, x);
    });
    f(jnp.ones([3]));
    f(jnp.zeros([3]));
    expect(traces).toBe(1);
    f(jnp.ones([4]));
    expect(traces).toBe(2);
    f(jnp.ones([4], "int32"));
    expect(traces).toBe(3);
    f(2.5); // a JS number is a weak-typed scalar: a new signature
    f(3.5);
    expect(traces).toBe(4);
  });

  it("takes pytrees in and out, with static arguments", () => {
    let traces = 0;
    const f = jit(
      (p: { w: Array; b: Array }, n: number) => {
        traces++;
        return { out: p.w.mul(n).add(p.b), n };
      },
      { staticArgnums: [1] },
    );
    const p = { w: jnp.array([1, 2]), b: jnp.array(0.5) };
    const r = f(p, 3);
    expect(r.out.toArray()).toEqual([3.5, 6.5]);
    expect((r.n as unknown as Array).item()).toBe(3);
    f(p, 3);
    expect(traces).toBe(1);
    f(p, 4);
    expect(traces).toBe(2);
  });

  it("closes over constants", () => {
    const c = jnp.array([10, 20]);
    const f = jit((x: Array) => x.add(c));
    expect(f(jnp.array([1, 2])).toArray()).toEqual([11, 22]);
  });

  it("nested jit", () => {
    const inner = jit((x: Array) => x.mul(3));
    const outer = jit((x: Array) => inner(x).add(1));
    expect(outer(jnp.array([1, 2])).toArray()).toEqual([4, 7]);
  });

  it("explains converting a traced value to a JS value", () => {
    const f = jit((x: Array) => (Number(x) > 0 ? x : x.neg()));
    expect(() => f(jnp.array(1))).toThrow(ConcretizationTypeError);
    expect(() => f(jnp.array(1))).toThrow(/lax\.cond/);
    expect(() => jit((x: Array) => x.item())(jnp.array(1))).toThrow(
      /Array\.item.*traced value \(f32\[\]\)/,
    );
  });

  it("reports leaked tracers", () => {
    let leaked: Array | null = null;
    jit((x: Array) => {
      leaked = x;
      return x;
    })(jnp.array(1));
    expect(() => (leaked as unknown as Array).add(1)).toThrow(UnexpectedTracerError);
    expect(() => (leaked as unknown as Array).add(1)).toThrow(/escaped from jit/);
  });

  it("rejects bad static argnums and non-array arguments", () => {
    expect(() => jit((x: Array) => x, { staticArgnums: [3] })(jnp.ones(2))).toThrow(
      /staticArgnums entry 3 is out of range for a call with 1 arguments/,
    );
    expect(() => jit((s: unknown) => s)("hello")).toThrow(/not a valid JAX type/);
  });
});

describe("makeJaxpr", () => {
  it("prints a readable jaxpr like JAX's", () => {
    const f = (x: Array) => jnp.sin(x.mul(2));
    const text = makeJaxpr(f)(jnp.ones([3])).toString();
    expect(text).toBe(
      [
        "{ lambda ; a:f32[3]. let",
        "    b:f32[3] = broadcast_in_dim[broadcast_dimensions=() shape=(3,)] 2.0:f32[]",
        "    c:f32[3] = mul a b",
        "    d:f32[3] = sin c",
        "  in (d,) }",
      ].join("\n"),
    );
  });

  it("shows constants and nested jit", () => {
    const c = jnp.array([1, 2, 3]);
    const g = jit((x: Array) => x.add(c));
    const text = makeJaxpr((x: Array) => g(x).sum())(jnp.ones([3])).toString();
    expect(text).toContain("pjit[");
    expect(text).toContain("reduce_sum");
    expect(text).toMatch(/\{ lambda a:f32\[3\] ; b:f32\[3\]\. let/);
  });
});

describe("jit and config", () => {
  it("retraces when x64 changes", () => {
    const f = jit((x: Array) => x.mul(0.1));
    expect(f(jnp.array(1)).dtype).toBe("float32");
    withX64(() => {
      expect(f(jnp.array(1, "float64")).dtype).toBe("float64");
      expect(jnp.array(1.5).dtype).toBe("float64");
    });
    expect(f(jnp.array(1)).dtype).toBe("float32");
  });
});
