/**
 * The compiler inlines calls (compiler/passes.ts inlineCalls): a nested jit,
 * a checkpoint and the primal body of a customJvp/customVjp function compile
 * with the rest of the program instead of running as eager steps — with the
 * same values as the interpreter.
 */
import { describe, expect, it } from "vitest";
import { compileProgram } from "../../../src/backend/cpu/compiler/index.js";
import type { ClosedJaxpr } from "../../../src/core/jaxpr.js";
import {
  type Array,
  checkpoint,
  customJvp,
  customVjp,
  grad,
  jit,
  numpy as jnp,
  makeJaxpr,
  nn,
} from "../../../src/index.js";
import { expectClose, seeded } from "../../util/index.js";

const stepKinds = (f: (x: Array) => Array, x: Array): string[] =>
  compileProgram(makeJaxpr(f)(x) as ClosedJaxpr).steps.map((s) =>
    s.kind === "eager" ? `eager ${s.eqn.primitive.name}` : s.kind,
  );

const softclip = customJvp((x: Array) => jnp.tanh(x).mul(2));
softclip.defjvp((primals, tangents) => {
  const [x] = primals as [Array];
  const [t] = tangents as [Array];
  return [softclip(x), t.mul(2).div(jnp.square(jnp.cosh(x)))];
});
const sq = customVjp((x: Array) => x.mul(x));
sq.defvjp(
  (...args: unknown[]) => [(args[0] as Array).mul(args[0] as Array), args[0]],
  (res: unknown, g: unknown) => [(g as Array).mul(2).mul(res as Array)],
);

describe("inlining calls in compiled programs", () => {
  const x = seeded([64], 4);
  const cases: [string, (x: Array) => Array][] = [
    ["nested jit", (x) => jnp.sin(jit((y: Array) => y.mul(3).add(1))(x))],
    ["checkpoint", (x) => (checkpoint((y: Array) => jnp.exp(y).mul(y)) as (y: Array) => Array)(x).add(1)], // biome-ignore format: long
    ["customJvp body", (x) => softclip(x).add(1)],
    ["customVjp body", (x) => sq(x).add(1)],
    ["nn.relu (a customJvp function) in a gradient", (x) => grad((y: Array) => jnp.sum(nn.relu(y).mul(y)))(x) as Array], // biome-ignore format: long
  ];
  it.each(cases)("%s: no eager step, the interpreter's values", (_, f) => {
    expect(stepKinds(f, x).filter((k) => k.startsWith("eager"))).toEqual([]);
    expectClose(jit(f)(x), f(x));
  });
});
