import { describe, expect, it } from "vitest";
import type { Array } from "../../src/index.js";
import {
  checkpoint,
  customJvp,
  customVjp,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  numpy as jnp,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  testUtil,
  UnexpectedTracerError,
  valueAndGrad,
  vjp,
  withX64,
} from "../../src/index.js";
import { approx } from "../util/index.js";

describe("forward and reverse mode", () => {
  it("jvp of sin is cos", () => {
    const x = jnp.array([0.1, 0.2, 0.3]);
    const [y, t] = jvp((v: Array) => jnp.sin(v), [x], [jnp.ones([3])]) as [Array, Array];
    approx(y, jnp.sin(x));
    approx(t, jnp.cos(x));
  });

  it("grad of a scalar function, with argnums and hasAux", () => {
    const f = (x: Array, y: Array) => jnp.sum(x.mul(x).mul(y));
    const x = jnp.array([1, 2]);
    const y = jnp.array([3, 4]);
    approx(grad(f)(x, y), x.mul(y).mul(2));
    const [gx, gy] = grad(f, { argnums: [0, 1] })(x, y) as Array[];
    approx(gx, x.mul(y).mul(2));
    approx(gy, x.mul(x));
    const [g, aux] = grad((v: Array) => [jnp.sum(v.mul(v)), v.mul(10)], { hasAux: true })(
      x,
    ) as Array[];
    approx(g, x.mul(2));
    approx(aux, x.mul(10));
    const [val, g2] = valueAndGrad(f)(x, y) as Array[];
    approx(val, jnp.array(19));
    approx(g2, x.mul(y).mul(2));
  });

  it("grad over pytrees", () => {
    const loss = (p: { w: Array; b: Array }, x: Array) => jnp.sum(jnp.tanh(x.matmul(p.w).add(p.b)));
    const p = {
      w: jnp.array([
        [0.1, 0.2],
        [0.3, -0.4],
      ]),
      b: jnp.array([0.5, -0.5]),
    };
    const g = grad(loss)(p, jnp.array([1, 2])) as { w: Array; b: Array };
    expect(g.w.shape).toEqual([2, 2]);
    expect(g.b.shape).toEqual([2]);
    withX64(() => {
      testUtil.checkGrads(
        (w: Array) => loss({ w, b: p.b.astype("float64") }, jnp.array([1, 2], "float64")),
        [p.w.astype("float64")],
        2,
      );
    });
  });

  it("higher order: grad(grad), jacfwd(jacrev), hessian", () => {
    const f = (x: Array) => jnp.sum(x.pow(3));
    const x = jnp.array(2.0);
    approx(grad(grad(f))(x), jnp.array(12));
    const h = hessian((v: Array) => jnp.sum(v.pow(3)))(jnp.array([1, 2])) as Array;
    approx(
      h,
      jnp.array([
        [6, 0],
        [0, 12],
      ]),
    );
    const j = jacfwd(jacrev((v: Array) => jnp.sum(v.pow(3))))(jnp.array([1, 2])) as Array;
    approx(j, h);
  });

  it("Jacobian layouts follow JAX: output shape then input shape", () => {
    const f = (x: Array) => x.sum(1);
    const x = jnp.ones([2, 3]);
    expect((jacrev(f)(x) as Array).shape).toEqual([2, 2, 3]);
    expect((jacfwd(f)(x) as Array).shape).toEqual([2, 2, 3]);
    approx(jacrev(f)(x), jacfwd(f)(x));
  });

  it("grad of jit and jit of grad; jit differentiated through its jaxpr", () => {
    let traces = 0;
    const f = jit((x: Array) => {
      traces++;
      return jnp.sum(jnp.sin(x).mul(x));
    });
    const x = jnp.array([0.5, 1.5]);
    const want = jnp.cos(x).mul(x).add(jnp.sin(x));
    approx(grad(f)(x), want);
    approx(
      grad(f)(x.add(1)),
      jnp
        .cos(x.add(1))
        .mul(x.add(1))
        .add(jnp.sin(x.add(1))),
    );
    expect(traces).toBe(1);
    approx(jit(grad((v: Array) => jnp.sum(jnp.sin(v).mul(v))))(x), want);
  });

  it("vjp, linearize, and the transpose identity", () => {
    const f = (x: Array) => jnp.exp(x).mul(x.sum());
    const x = jnp.array([0.1, -0.3, 0.7]);
    const [y, fVjp] = vjp(f, x);
    const [y2, fLin] = linearize(f, x);
    approx(y, y2);
    const t = jnp.array([1, 2, 3]);
    const ct = jnp.array([-1, 0.5, 2]);
    const lhs = jnp.sum(ct.mul(fLin(t) as Array));
    const rhs = jnp.sum((fVjp(ct)[0] as Array).mul(t));
    approx(lhs, rhs, 1e-5);
  });

  it("stopGradient, customJvp and customVjp", () => {
    approx(
      grad((x: Array) => jnp.sum(lax.stopGradient(x).mul(x)))(jnp.array([3.0])),
      jnp.array([3.0]),
    );
    const f = customJvp((x: Array) => jnp.sin(x));
    f.defjvp(([x], [t]) => [jnp.sin(x as Array), (t as Array).mul(100)]);
    approx(grad((x: Array) => jnp.sum(f(x)))(jnp.array([1.0])), jnp.array([100]));
    approx(jit(grad((x: Array) => jnp.sum(f(x))))(jnp.array([1.0])), jnp.array([100]));
    const clip = customVjp((x: Array) => x.mul(2));
    clip.defvjp(
      (x) => [(x as Array).mul(2), null],
      (_res, ct) => [jnp.clip(ct as Array, -1, 1)],
    );
    approx(grad((x: Array) => jnp.sum(clip(x).mul(5)))(jnp.array([1.0, 2.0])), jnp.array([1, 1]));
  });

  it("a customJvp function applied to a tangent is transposed through its body", () => {
    const triple = customJvp((x: Array) => x.mul(3));
    triple.defjvp(([x], [t]) => [(x as Array).mul(3), (t as Array).mul(3)]);
    const s = customJvp((x: Array) => jnp.sin(x));
    s.defjvp(([x], [t]) => [jnp.sin(x as Array), triple(t as Array).mul(jnp.cos(x as Array))]);
    const x = jnp.array([0.2, 1.1]);
    const want = jnp.cos(x).mul(3);
    approx(grad((v: Array) => jnp.sum(s(v)))(x), want);
    approx(jit(grad((v: Array) => jnp.sum(s(v))))(x), want);
  });

  it("checkpoint recomputes instead of saving residuals", () => {
    const g = checkpoint((x: Array) => jnp.sin(jnp.sin(x)));
    const x = jnp.array([0.3, 0.9]);
    approx(grad((v: Array) => jnp.sum(g(v)))(x), jnp.cos(jnp.sin(x)).mul(jnp.cos(x)));
    expect(makeJaxpr(g)(x).toString()).toContain("checkpoint");
  });

  it("errors: non-scalar output, integer input, argnums, leaked tracer", () => {
    expect(() => grad((x: Array) => x.mul(2))(jnp.ones([3]))).toThrow(/scalar-output.*\(3,\)/);
    expect(() => grad((x: Array) => x.astype("float32").sum())(jnp.array([1, 2], "int32"))).toThrow(
      /argument 0 has dtype int32/,
    );
    // argnums out of range is a type error too (issue 16); the runtime check stays.
    // @ts-expect-error argnums 2 for a function of one parameter
    expect(() => grad((x: Array) => x.sum(), { argnums: 2 })(jnp.ones([2]))).toThrow(
      /argnums 2 is out of range.*1 positional argument/,
    );
    let leaked: Array | null = null;
    grad((x: Array) => {
      leaked = x;
      return x.sum();
    })(jnp.ones([2]));
    expect(() => (leaked as unknown as Array).mul(2)).toThrow(UnexpectedTracerError);
  });
});

describe("reverse-mode cost", () => {
  const chain = (n: number) => (x: Array) => {
    let y = x;
    for (let i = 0; i < n; i++) y = jnp.sin(y).mul(1.01);
    return jnp.sum(y);
  };
  const stagedSize = (n: number) =>
    makeJaxpr((x: Array) => grad(chain(n))(x))(jnp.ones([4])).jaxpr.eqns.length;

  it("the program for a 1000-step chain's gradient is linear in the steps, not quadratic", () => {
    const s250 = stagedSize(250);
    const s500 = stagedSize(500);
    const s1000 = stagedSize(1000);
    expect(s500 / s250).toBeLessThan(2.1);
    expect(s1000 / s500).toBeLessThan(2.1);
    expect(s1000).toBeLessThan(1000 * 8);
  });

  it("a 1000-step chain differentiates eagerly without deep recursion", () => {
    const g = grad(chain(1000))(jnp.array([0.1, 0.2])) as Array;
    expect(g.shape).toEqual([2]);
    for (const v of g.toArray() as number[]) expect(Number.isFinite(v)).toBe(true);
  });
});
