/**
 * customJvp / customVjp with JAX's conventions (jax.custom_jvp, jax.custom_vjp):
 * with nondiffArgnums the JVP rule is rule(...nondiffArgs, primals, tangents),
 * fwd takes f's arguments, bwd is bwd(...nondiffArgs, residuals, g); defjvps
 * takes one tangent function per argument. The examples are JAX's docs'.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp } from "../../src/api/ad.js";
import { customJvp, customVjp } from "../../src/api/custom.js";
import { jit } from "../../src/api/jit.js";
import type { Array } from "../../src/core/array.js";
import * as jnp from "../../src/numpy/index.js";
import { vals } from "../util/index.js";

const close = (x: unknown, expected: number[]) =>
  vals(x).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));

describe("customJvp with nondiffArgnums (JAX: rule(nondiff..., primals, tangents))", () => {
  it("the custom_jvp docs' app example: a function as a nondiff argument", () => {
    const app = customJvp((f: (y: Array) => Array, x: Array) => f(x), { nondiffArgnums: [0] });
    app.defjvp((f: (y: Array) => Array, [x]: [Array], [xDot]: [Array]) => [
      f(x as Array),
      (xDot as Array).mul(2),
    ]);
    const g = grad((x: Array) => app((y: Array) => y.mul(y), x));
    close(g(jnp.array(3)), [2]);
    close(
      app((y: Array) => y.mul(y), jnp.array(3)),
      [9],
    );
  });

  it("nondiff arguments come in the order nondiffArgnums lists them, each on its own", () => {
    const seen: unknown[][] = [];
    const f = customJvp((a: number, x: Array, _b: string) => x.mul(a), { nondiffArgnums: [2, 0] });
    f.defjvp((b: string, a: number, primals: Array[], tangents: Array[]) => {
      seen.push([b, a, primals.length, tangents.length]);
      return [primals[0]!.mul(a), tangents[0]!.mul(10 * a)];
    });
    const [y, t] = jvp((x: Array) => f(3, x, "s"), [jnp.array(2)], [jnp.array(1)]);
    close(y as Array, [6]);
    close(t as Array, [30]);
    expect(seen).toEqual([["s", 3, 1, 1]]);
    expect(() => (f as (...a: unknown[]) => unknown)(3, jnp.array(1))).toThrow(
      /nondiffArgnums has position 2/,
    );
  });

  it("outputs whose shape depends on a nondiff scalar are traced per value", () => {
    const tile = customJvp((n: number, x: Array) => jnp.tile(x, [n]), { nondiffArgnums: [0] });
    tile.defjvp((n: number, [x]: [Array], [t]: [Array]) => [jnp.tile(x, [n]), jnp.tile(t, [n])]);
    expect(tile(2, jnp.array([1, 2])).shape).toEqual([4]);
    expect(tile(3, jnp.array([1, 2])).shape).toEqual([6]);
    close(grad((x: Array) => jnp.sum(tile(3, x)))(jnp.array([1, 2])), [3, 3]);
  });

  it("jnp.linalg.pinv (nondiff rtol and hermitian) still differentiates", () => {
    const a = jnp.array([
      [2, 1],
      [1, 3],
    ]);
    const g = grad((x: Array) => jnp.sum(jnp.linalg.pinv(x)))(a);
    const inv = jnp.linalg.inv(a);
    // d sum(A⁻¹) = -A⁻ᵀ 1 1ᵀ A⁻ᵀ for an invertible A.
    const ones = jnp.ones([2, 2]);
    close(g, vals(jnp.negative(jnp.matmul(jnp.matmul(inv.T, ones), inv.T))));
  });
});

describe("customJvp.defjvps (JAX: one tangent function per argument)", () => {
  it("the custom_jvp docs' f(x, y) = sin(x)·y example", () => {
    const f = customJvp((x: Array, y: Array) => jnp.sin(x).mul(y));
    f.defjvps(
      (xDot: Array, _out: Array, x: Array, y: Array) => jnp.cos(x).mul(xDot).mul(y),
      (yDot: Array, _out: Array, x: Array, _y: Array) => jnp.sin(x).mul(yDot),
    );
    const [x, y] = [jnp.array(2), jnp.array(3)];
    close(f(x, y), [Math.sin(2) * 3]);
    close(grad(f)(x, y), [Math.cos(2) * 3]);
    close(grad(f, { argnums: 1 })(x, y), [Math.sin(2)]);
    close(jit(grad(f))(x, y), [Math.cos(2) * 3]);
    const [, t] = jvp(f, [x, y], [jnp.array(1), jnp.array(1)]);
    close(t as Array, [Math.cos(2) * 3 + Math.sin(2)]);
  });

  it("null for an argument the output does not depend on; all null gives zero tangents", () => {
    const f = customJvp((x: Array, y: Array) => x.mul(2).add(y.mul(0)));
    f.defjvps((g: Array) => g.mul(7), null);
    close(grad(f)(jnp.array(1), jnp.array(1)), [7]);
    close(grad(f, { argnums: 1 })(jnp.array(1), jnp.array(1)), [0]);
    const h = customJvp((x: Array) => x.mul(2));
    h.defjvps(null);
    close(grad(h)(jnp.array(1)), [0]);
  });

  it("pytree outputs sum per leaf; the wrong number of functions or nondiffArgnums is an error", () => {
    const f = customJvp((x: Array, y: Array) => ({ a: x.mul(y), b: x }));
    f.defjvps(
      (g: Array, _o: unknown, _x: Array, y: Array) => ({ a: g.mul(y), b: g }),
      (g: Array, _o: unknown, x: Array) => ({ a: g.mul(x), b: jnp.zerosLike(g) }),
    );
    const [, t] = jvp(f, [jnp.array(2), jnp.array(5)], [jnp.array(1), jnp.array(1)]);
    close((t as { a: Array }).a, [7]);
    close((t as { b: Array }).b, [1]);
    const bad = customJvp((x: Array, y: Array) => x.mul(y));
    bad.defjvps((g: Array) => g);
    expect(() => grad(bad)(jnp.array(1), jnp.array(1))).toThrow(
      /got 1 tangent function\(s\) for 2/,
    );
    const nd = customJvp((n: number, x: Array) => x.mul(n), { nondiffArgnums: [0] });
    expect(() => nd.defjvps(null, (g: Array) => g)).toThrow(
      /can't use defjvps with nondiffArgnums/,
    );
  });
});

describe("customVjp with nondiffArgnums (JAX: fwd(all args), bwd(nondiff..., res, g))", () => {
  it("the custom_vjp docs' app example", () => {
    const app = customVjp((f: (y: Array) => Array, x: Array) => f(x), { nondiffArgnums: [0] });
    const fwdArgs: unknown[] = [];
    app.defvjp(
      (f: unknown, x: unknown) => {
        fwdArgs.push(typeof f, (x as Array).shape);
        return [(f as (y: Array) => Array)(x as Array), x];
      },
      (f: unknown, x: unknown, g: unknown) => {
        expect(typeof f).toBe("function");
        expect(vals(x as Array)).toEqual([4]);
        return [(g as Array).mul(5)];
      },
    );
    close(grad((x: Array) => app((y: Array) => y.mul(y), x))(jnp.array(4)), [5]);
    expect(fwdArgs).toEqual(["function", []]);
  });

  it("several nondiff arguments reach bwd in nondiffArgnums order", () => {
    const f = customVjp((x: Array, a: number, b: number) => x.mul(a).add(b), {
      nondiffArgnums: [2, 1],
    });
    f.defvjp(
      (x: unknown, a: unknown, b: unknown) => [
        (x as Array).mul(a as number).add(b as number),
        null,
      ],
      (b: unknown, a: unknown, _res: unknown, g: unknown) => [
        (g as Array).mul(100 * (a as number) + (b as number)),
      ],
    );
    close(grad((x: Array) => f(x, 3, 1))(jnp.array(2)), [301]);
  });
});
