/**
 * Python-style control flow on concrete values under autodiff, as JAX allows
 * it: outside jit, a JVP tracer whose primal is concrete (and a partially
 * evaluated value that is known) converts like its value, so `x.item()`,
 * `x < 3` and `if (x.gt(0).item())` work under grad, vjp, jacfwd, jacrev,
 * hessian and in custom rules; under jit or vmap they stay errors
 * (ConcretizationTypeError naming the transformation whose value is unknown).
 */
import { describe, expect, it } from "vitest";
import { ConcretizationTypeError } from "../../src/core/trace.js";
import {
  type Array,
  customJvp,
  customVjp,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  numpy as jnp,
  linearize,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";

/** x² below 3, 3x from 3 on: JS comparison converts the array (Symbol.toPrimitive). */
const piecewise = (x: Array): Array =>
  (x as unknown as number) < 3 ? jnp.square(x) : jnp.multiply(x, 3);
/** sin on the positive side, cos elsewhere: branches on `.item()`. */
const branchy = (x: Array): Array => (x.gt(0).item() ? jnp.sin(x) : jnp.cos(x));

const num = (x: unknown): number => (x as Array).item() as number;

describe("control flow on concrete values under autodiff", () => {
  it("grad and valueAndGrad branch on the value", () => {
    expect(num(grad(piecewise)(jnp.array(2)))).toBe(4);
    expect(num(grad(piecewise)(jnp.array(4)))).toBe(3);
    expect(num(grad(branchy)(jnp.array(1)))).toBeCloseTo(Math.cos(1), 6);
    expect(num(grad(branchy)(jnp.array(-1)))).toBeCloseTo(Math.sin(1), 6);
    const [v, g] = valueAndGrad(piecewise)(jnp.array(5)) as [Array, Array];
    expect([num(v), num(g)]).toEqual([15, 3]);
  });

  it("a loop whose trip count depends on the value", () => {
    // Newton-style: halve until below 1, then square; d/dx of (x / 2^k)² = 2x / 4^k.
    const f = (x: Array): Array => {
      let y = x;
      while ((y.item() as number) >= 1) y = y.div(2);
      return jnp.square(y);
    };
    expect(num(grad(f)(jnp.array(6)))).toBeCloseTo((2 * 6) / 64, 6);
  });

  it("vjp, linearize, jacfwd, jacrev and hessian", () => {
    const [y, pull] = vjp(branchy, jnp.array(1.0));
    expect(num(y)).toBeCloseTo(Math.sin(1), 6);
    expect(num((pull(jnp.array(1.0)) as Array[])[0])).toBeCloseTo(Math.cos(1), 6);
    const [yl, jv] = linearize(piecewise, jnp.array(2.0)) as [Array, (t: Array) => Array];
    expect([num(yl), num(jv(jnp.array(1.0)))]).toEqual([4, 4]);
    expect(num(jacfwd(piecewise)(jnp.array(5.0)))).toBe(3);
    expect(num(jacrev(piecewise)(jnp.array(5.0)))).toBe(3);
    expect(num(hessian(piecewise)(jnp.array(1.0)))).toBe(2);
    expect(num(hessian(piecewise)(jnp.array(4.0)))).toBe(0);
  });

  it("nested grad", () => {
    const f = (x: Array): Array => ((x.item() as number) > 0 ? jnp.power(x, 3) : jnp.negative(x));
    expect(num(grad(grad(f))(jnp.array(2)))).toBe(12);
    expect(num(grad(grad(f))(jnp.array(-2)))).toBe(0);
  });

  it("custom rules see concrete values", () => {
    const f = customJvp((x: Array) => jnp.abs(x));
    f.defjvp((primals, tangents) => {
      const [x] = primals as [Array];
      const [t] = tangents as [Array];
      const s = (x.item() as number) >= 0 ? 1 : -1;
      return [jnp.abs(x), t.mul(s)];
    });
    expect(num(grad(f)(jnp.array(0)))).toBe(1);
    expect(num(grad(f)(jnp.array(-2)))).toBe(-1);
    const g = customVjp((x: Array) => jnp.square(x));
    g.defvjp(
      (...args: unknown[]) => {
        const x = args[0] as Array;
        return [jnp.square(x), (x.item() as number) > 0 ? 2 : 0];
      },
      (res: unknown, ct: unknown) => [(ct as Array).mul(res as number)],
    );
    expect(num(grad(g)(jnp.array(3)))).toBe(2);
    expect(num(grad(g)(jnp.array(-3)))).toBe(0);
  });

  it("under jit or vmap the value is unknown: ConcretizationTypeError naming the transformation", () => {
    expect(() => jit(grad(branchy))(jnp.array(1))).toThrow(ConcretizationTypeError);
    expect(() => jit(grad(branchy))(jnp.array(1))).toThrow(/from jit\(grad\(branchy\)\)/);
    expect(() => vmap(grad(branchy))(jnp.array([1, 2]))).toThrow(ConcretizationTypeError);
    expect(() => grad(jit(branchy))(jnp.array(1))).toThrow(/from jit\(branchy\)/);
  });
});
