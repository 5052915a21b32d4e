/**
 * GEMM epilogues: an elementwise kernel right after a matrix product (bias,
 * relu) runs on each row chunk of the product on the same thread. Checked
 * bit for bit against the same program with epilogues off, at 1 and 2
 * threads, and against the interpreter; and that the fused step is used.
 */
import { describe, expect, it } from "vitest";
import { compileProgram } from "../../../src/backend/cpu/compiler/index.js";
import { threadPool } from "../../../src/backend/cpu/compiler/program.js";
import { wasmTarget } from "../../../src/backend/cpu/compiler/target.js";
import { withFlag } from "../../../src/config.js";
import { type Array, type ArrayImpl, hostValues } from "../../../src/core/array.js";
import { type ClosedJaxpr, evalJaxpr } from "../../../src/core/jaxpr.js";
import { numpy as jnp, lax, makeJaxpr } from "../../../src/index.js";
import { expectClose, seeded } from "../../util/index.js";

type Fn = (...xs: Array[]) => unknown;

const bits = (a: ArrayImpl) => globalThis.Array.from(hostValues(a));

/** Compiles f with and without epilogues at 1 and 2 threads; all must agree bit for bit. */
function check(f: Fn, args: ArrayImpl[], what: string, fused = true): void {
  const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;
  const want = evalJaxpr(closed.jaxpr, closed.consts, args) as ArrayImpl[];
  const on = compileProgram(closed, { target: wasmTarget });
  const off = compileProgram(closed, { target: wasmTarget, epilogues: false });
  expect(off.epilogues, what).toEqual([]);
  expect(on.epilogues.length > 0, `${what}: epilogue used`).toBe(fused);
  for (const e of on.epilogues) {
    expect(on.steps[e]!.kind).toBe("library");
    expect(on.steps[e + 1]!.kind).toBe("kernel");
  }
  const base = withFlag("jaxts_threads", 1, () => off.exe(args));
  base.forEach((b, i) =>
    expectClose(b, want[i]!, `${what} output ${i} vs interpreter`, 1e-4, 1e-4),
  );
  for (const threads of [1, 2]) {
    for (const [name, p] of [
      ["epilogues", on],
      ["no epilogues", off],
    ] as const) {
      const pool = threadPool();
      const calls = pool?.stats().parallelCalls ?? 0;
      const got = withFlag("jaxts_threads", threads, () => p.exe(args));
      // The products here are large enough to split: 2 threads must really split them.
      if (threads === 2 && pool?.parallel === true) {
        expect(pool.stats().parallelCalls, `${what}: split`).toBeGreaterThan(calls);
      }
      got.forEach((g, i) => {
        expect(bits(g), `${what} output ${i}, ${name}, ${threads} threads`).toEqual(bits(base[i]!));
      });
    }
  }
}

describe("gemm epilogues", () => {
  it("dense + bias + relu (an MLP layer), and two layers", () => {
    const x = seeded([200, 96], 1);
    const w1 = seeded([96, 128], 2);
    const b1 = seeded([128], 3);
    const w2 = seeded([128, 40], 4);
    const b2 = seeded([40], 5);
    const layer = (x: Array, w: Array, b: Array) => jnp.maximum(jnp.add(jnp.matmul(x, w), b), 0);
    check(layer as Fn, [x, w1, b1], "one layer");
    const mlp = (x: Array, w1: Array, b1: Array, w2: Array, b2: Array) =>
      jnp.add(jnp.matmul(layer(x, w1, b1), w2), b2);
    check(mlp as Fn, [x, w1, b1, w2, b2], "two layers");
  });

  it("the product also as an output, and an epilogue with several outputs", () => {
    const x = seeded([150, 64], 6);
    const w = seeded([64, 72], 7);
    const b = seeded([72], 8);
    const f = (x: Array, w: Array, b: Array) => {
      const y = jnp.matmul(x, w);
      const z = jnp.add(y, b);
      return [y, z, jnp.tanh(z)];
    };
    check(f as Fn, [x, w, b], "outputs");
  });

  it("transposed operands", () => {
    const xt = seeded([80, 160], 9);
    const wt = seeded([96, 80], 10);
    const b = seeded([96], 11);
    const f = (xt: Array, wt: Array, b: Array) =>
      jnp.maximum(jnp.add(jnp.matmul(jnp.transpose(xt), jnp.transpose(wt)), b), 0);
    check(f as Fn, [xt, wt, b], "transposed");
  });

  it("batch dims", () => {
    const a = seeded([3, 70, 48], 12);
    const w = seeded([3, 48, 64], 13);
    const b = seeded([3, 1, 64], 14);
    const f = (a: Array, w: Array, b: Array) =>
      jnp.maximum(
        jnp.multiply(
          lax.dotGeneral(a, w, [
            [[2], [1]],
            [[0], [0]],
          ]),
          b,
        ),
        0,
      );
    check(f as Fn, [a, w, b], "batched");
  });

  it("not fused when the kernel reads the product at other elements", () => {
    const x = seeded([120, 80], 15);
    const w = seeded([80, 120], 16);
    const f = (x: Array, w: Array) => {
      const y = jnp.matmul(x, w);
      return jnp.add(y, jnp.transpose(y));
    };
    check(f as Fn, [x, w], "transposed read", false);
  });
});
