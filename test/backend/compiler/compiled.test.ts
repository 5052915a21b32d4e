/**
 * Compiled programs against the interpreter (evalJaxpr on the eager
 * kernels): hand-picked programs over every fused op, dtype and layout, and
 * fuzzed random programs (random shapes, broadcasts, reductions, transposes,
 * reshapes), element by element, on every code target.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CodeTarget,
  compileProgram,
  jsTarget,
} from "../../../src/backend/cpu/compiler/index.js";
import { wasmTarget } from "../../../src/backend/cpu/compiler/target.js";
import { withFlag } from "../../../src/config.js";
import { type Array, type ArrayImpl, hostValues } from "../../../src/core/array.js";
import { type ClosedJaxpr, evalJaxpr } from "../../../src/core/jaxpr.js";
import type { DType } from "../../../src/dtype.js";
import { grad, numpy as jnp, lax, makeJaxpr, nn } from "../../../src/index.js";
import { expectClose, i32, rng, seeded } from "../../util/index.js";

const targets: CodeTarget[] = [jsTarget, wasmTarget];

type Fn = (...xs: Array[]) => unknown;

/** Runs f compiled (fused and unfused) and interpreted; compares every output. */
function check(target: CodeTarget, f: Fn, args: ArrayImpl[], tol = 2e-5, what = ""): void {
  const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;
  const want = evalJaxpr(closed.jaxpr, closed.consts, args) as ArrayImpl[];
  for (const fuse of [true, false]) {
    const got = compileProgram(closed, { target, fuse }).exe(args);
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => {
      const w = want[i]!;
      const tag = `${what} output ${i} (${fuse ? "fused" : "unfused"}, ${target.name})`;
      expect(g.aval.equals(w.aval), tag).toBe(true);
      const exact = !w.dtype.startsWith("float");
      expectClose(g, w, tag, exact ? 0 : tol, exact ? 0 : tol);
    });
  }
}

const x34 = seeded([3, 4], 1);
const y34 = seeded([3, 4], 2);
const pos34 = jnp.add(jnp.abs(seeded([3, 4], 3)), 0.1) as ArrayImpl;
const unit34 = jnp.multiply(seeded([3, 4], 4), 0.45) as ArrayImpl; // in (-0.9, 0.9)
const i34 = seeded([3, 4], 5, "int32");
const j34 = seeded([3, 4], 6, "int32");
const u34 = seeded([3, 4], 7, "uint32");
const b34 = seeded([3, 4], 8, "bool");

for (const target of targets) {
  describe(`compiled vs interpreted (${target.name})`, () => {
    it("float32 unary ops", () => {
      const ops: [string, (x: Array) => Array, ArrayImpl][] = [
        ["neg", lax.neg, x34], ["abs", lax.abs, x34], ["sign", lax.sign, x34],
        ["floor", lax.floor, x34], ["ceil", lax.ceil, x34], ["round", (x) => lax.round(x), x34],
        ["sqrt", lax.sqrt, pos34], ["rsqrt", lax.rsqrt, pos34], ["cbrt", lax.cbrt, x34],
        ["exp", lax.exp, x34], ["exp2", lax.exp2, x34], ["log", lax.log, pos34],
        ["log1p", lax.log1p, pos34], ["expm1", lax.expm1, x34], ["tanh", lax.tanh, x34],
        ["logistic", lax.logistic, x34], ["sin", lax.sin, x34], ["cos", lax.cos, x34],
        ["tan", lax.tan, unit34], ["asin", lax.asin, unit34], ["acos", lax.acos, unit34],
        ["atan", lax.atan, x34], ["sinh", lax.sinh, x34], ["cosh", lax.cosh, x34],
        ["asinh", lax.asinh, x34], ["acosh", (x) => lax.acosh(lax.add(x, 1)), pos34],
        ["atanh", lax.atanh, unit34], ["erf", lax.erf, x34], ["erfc", lax.erfc, x34],
        ["square", lax.square, x34], ["is_finite", lax.isFinite, x34],
        ["integer_pow 3", (x) => lax.integerPow(x, 3), x34],
        ["integer_pow -2", (x) => lax.integerPow(x, -2), pos34],
      ]; // biome-ignore format: a table
      for (const [name, op, a] of ops) check(target, (x) => op(lax.mul(x, 1.5)), [a], 2e-5, name);
    });

    it("float32 binary ops, comparisons, select and clamp", () => {
      const ops: [string, (x: Array, y: Array) => Array][] = [
        ["add", lax.add], ["sub", lax.sub], ["mul", lax.mul], ["div", lax.div], ["rem", lax.rem],
        ["max", lax.max], ["min", lax.min], ["atan2", lax.atan2], ["eq", lax.eq], ["ne", lax.ne],
        ["lt", lax.lt], ["le", lax.le], ["gt", lax.gt], ["ge", lax.ge],
        ["select", (x, y) => lax.selectN(lax.lt(x, y), x, y)],
        ["clamp", (x, y) => lax.clamp(-0.5, lax.add(x, y), 0.75)],
      ]; // biome-ignore format: a table
      for (const [name, op] of ops) check(target, op, [x34, y34], 2e-5, name);
    });

    it("integer, unsigned and bool ops (exact)", () => {
      const ops: [string, (x: Array, y: Array) => Array, ArrayImpl, ArrayImpl][] = [
        ["add", lax.add, i34, j34], ["sub", lax.sub, i34, j34], ["mul", lax.mul, i34, j34],
        ["div", lax.div, i34, j34], ["rem", lax.rem, i34, j34], ["max", lax.max, i34, j34],
        ["min", lax.min, i34, j34], ["and", lax.bitwiseAnd, i34, j34],
        ["or", lax.bitwiseOr, i34, j34], ["xor", lax.bitwiseXor, i34, j34],
        ["shl", lax.shiftLeft, i34, j34], ["shr", lax.shiftRightArithmetic, i34, j34],
        ["shrl", lax.shiftRightLogical, i34, j34], ["lt", lax.lt, i34, j34],
        ["udiv", lax.div, u34, u34], ["urem", lax.rem, u34, u34], ["umax", lax.max, u34, u34],
        ["ult", lax.lt, u34, lax.add(u34, 1) as ArrayImpl], ["band", lax.bitwiseAnd, b34, b34],
        ["bxor", lax.bitwiseXor, b34, lax.bitwiseNot(b34) as ArrayImpl],
        ["neg", (x) => lax.neg(x), i34, i34], ["abs", (x) => lax.abs(x), i34, i34],
        ["sign", (x) => lax.sign(x), i34, i34], ["square", (x) => lax.square(x), i34, i34],
        ["not", (x) => lax.bitwiseNot(x), i34, i34], ["clz", (x) => lax.clz(x), i34, i34],
        ["popcnt", (x) => lax.populationCount(x), u34, u34],
      ]; // biome-ignore format: a table
      for (const [name, op, a, b] of ops) check(target, op, [a, b], 0, name);
    });

    it("conversions between every pair of dtypes", () => {
      const dtypes: DType[] = ["float32", "int32", "uint32", "bool"];
      const src = jnp.multiply(seeded([3, 4], 9), 7e9) as ArrayImpl; // saturating float → int
      for (const from of dtypes) {
        for (const to of dtypes) {
          const a = lax.convertElementType(lax.mul(seeded([3, 4], 10), 4), from) as ArrayImpl;
          check(target, (x) => lax.convertElementType(x, to), [a], 0, `${from}→${to}`);
        }
        check(target, (x) => lax.convertElementType(x, "int32"), [src], 0, "saturate");
        check(target, (x) => lax.convertElementType(x, "uint32"), [src], 0, "saturate u");
      }
    });

    it("broadcasts, transposes, reshapes, squeezes and iota", () => {
      const a = seeded([2, 3, 4], 11);
      const v = seeded([4], 12);
      check(target, (x, y) => jnp.add(x, y), [a, v]);
      check(target, (x) => jnp.transpose(x, [2, 0, 1]), [a]);
      check(target, (x) => jnp.exp(jnp.transpose(jnp.sin(x), [1, 2, 0])), [a]);
      check(target, (x) => jnp.reshape(jnp.exp(x), [6, 4]), [a]);
      check(target, (x) => jnp.reshape(jnp.exp(x), [2, 12]), [a]);
      check(target, (x) => jnp.reshape(jnp.exp(x), [2, 3, 2, 2]), [a]);
      check(target, (x) => jnp.reshape(jnp.transpose(jnp.exp(x)), [24]), [a]);
      check(target, (x) => jnp.squeeze(jnp.exp(jnp.reshape(x, [2, 1, 12])), 1), [a]);
      check(target, (x) => jnp.add(x, lax.broadcastedIota("float32", [2, 3, 4], 1)), [a]);
      check(target, (x) => jnp.multiply(jnp.expandDims(x, 0), jnp.expandDims(x, 1)), [v]);
    });

    it("reductions over every axis set", () => {
      const a = seeded([3, 4, 5], 13);
      const axesSets = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
      for (const axes of axesSets) {
        const tag = `axes ${axes}`;
        check(target, (x) => jnp.sum(jnp.exp(x), axes), [a], 2e-5, `sum ${tag}`);
        check(target, (x) => jnp.max(jnp.sin(x), axes), [a], 0, `max ${tag}`);
        check(target, (x) => jnp.min(x, axes), [a], 0, `min ${tag}`);
        check(target, (x) => jnp.prod(jnp.add(jnp.multiply(x, 0.1), 1), axes), [a], 2e-5, tag);
      }
      const ia = seeded([3, 4, 5], 14, "int32");
      check(target, (x) => jnp.sum(x, [1]), [ia], 0, "int sum");
      check(target, (x) => jnp.max(x, [0, 2]), [ia], 0, "int max");
      check(target, (x) => jnp.any(jnp.greater(x, 5), [2]), [ia], 0, "any");
      check(target, (x) => jnp.all(jnp.greater(x, -5), [0]), [ia], 0, "all");
      check(target, (x) => jnp.mean(jnp.exp(x), 1), [a], 2e-5, "mean");
      check(target, (x) => jnp.sum(x, [0]), [seeded([0, 3], 15)], 0, "empty");
    });

    it("products: matmul, batched, transposed operands, and non-float fallbacks", () => {
      const m = seeded([5, 7], 16);
      const n = seeded([7, 3], 17);
      check(target, (x, y) => jnp.matmul(x, y), [m, n], 1e-5);
      check(target, (x, y) => jnp.matmul(jnp.transpose(x), y), [seeded([7, 5], 18), n], 1e-5);
      check(target, (x, y) => jnp.matmul(x, jnp.transpose(y)), [m, seeded([3, 7], 19)], 1e-5);
      check(target, (x, y) => jnp.matmul(x, y), [seeded([2, 5, 7], 20), seeded([2, 7, 3], 21)]);
      check(target, (x, y) => jnp.dot(x, y), [seeded([7], 22), seeded([7], 23)], 1e-5);
      check(
        target,
        (x, y) => jnp.matmul(x, y),
        [seeded([4, 6], 24, "int32"), seeded([6, 2], 25, "int32")],
        0,
      );
      check(
        target,
        (x, y) =>
          lax.dotGeneral(x, y, [
            [
              [1, 2],
              [0, 1],
            ],
            [[], []],
          ]),
        [seeded([3, 4, 5], 26), seeded([4, 5, 2], 27)],
        1e-5,
      );
      check(
        target,
        (x, w, b) => nn.relu(jnp.add(jnp.matmul(x, w), b)),
        [seeded([8, 6], 28), seeded([6, 4], 29), seeded([4], 30)],
        1e-5,
      );
    });

    it("eager fallbacks inside a program (sort, cumsum, gather, scan)", () => {
      const a = seeded([4, 6], 31);
      check(target, (x) => jnp.exp(jnp.sort(jnp.sin(x), 1)), [a]);
      check(target, (x) => jnp.multiply(jnp.cumsum(x, 0), 2), [a]);
      check(target, (x) => jnp.add(jnp.take(x, i32([2, 0, 1]), 0), 1), [a]);
      check(
        target,
        (x) =>
          lax.scan(
            (c: Array, r: Array) => [jnp.add(c, jnp.tanh(r)), jnp.multiply(c, 2)],
            jnp.zeros([6]),
            x,
          ),
        [a],
      );
    });

    it("outputs that are inputs, literals or repeated", () => {
      const a = seeded([5], 32);
      check(target, (x) => [x, x], [a]);
      check(target, (x) => [jnp.exp(x), jnp.exp(x), x], [a]);
      check(target, (x) => [jnp.add(x, 1), 3], [a]);
      check(target, (x) => jnp.add(x, 1), [seeded([], 33)]);
    });

    it("an MLP's gradient", () => {
      const mlp = (p: { w1: Array; b1: Array; w2: Array }, x: Array, y: Array) => {
        const h = nn.relu(jnp.add(jnp.matmul(x, p.w1), p.b1));
        return jnp.mean(jnp.sum(jnp.multiply(nn.logSoftmax(jnp.matmul(h, p.w2)), y), -1));
      };
      const p = { w1: seeded([12, 16], 34), b1: seeded([16], 35), w2: seeded([16, 5], 36) };
      const x = seeded([9, 12], 37);
      const y = seeded([9, 5], 38);
      const g = (w1: Array, b1: Array, w2: Array, xs: Array, ys: Array) => {
        const r = grad(mlp)({ w1, b1, w2 }, xs, ys) as { w1: Array; b1: Array; w2: Array };
        return [r.w1, r.b1, r.w2];
      };
      check(target, g, [p.w1, p.b1, p.w2, x, y], 1e-4);
    });

    it("fuzzed random programs", () => {
      fc.assert(
        fc.property(fc.nat(), fc.integer({ min: 1, max: 7 }), (seed, steps) => {
          const prog = randomProgram(seed, steps);
          check(target, prog.f, prog.args, 1e-4, prog.desc);
        }),
        { numRuns: 60 },
      );
    });
  });
}

/** A random program: a chain of elementwise, broadcast, transpose, reshape and reduction steps. */
function randomProgram(seed: number, steps: number): { f: Fn; args: ArrayImpl[]; desc: string } {
  const next = rng(seed + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const rank = pick([0, 1, 2, 3]);
  const shape = globalThis.Array.from({ length: rank }, () => pick([1, 2, 3, 5, 8]));
  const args = [seeded(shape, seed), seeded(shape.slice(pick([0, 1])), seed + 7)];
  const ops: string[] = [];
  const plan = globalThis.Array.from({ length: steps }, () => [next(), next(), next()] as const);
  const f: Fn = (a, b) => {
    let x = a;
    let y = b;
    for (const [r0, r1, r2] of plan) {
      const nd = x.ndim;
      const choice = Math.floor(r0 * 8);
      if (choice === 0) {
        x = jnp.tanh(jnp.add(jnp.multiply(x, 1.5), 0.25));
        ops.push("tanh");
      } else if (choice === 1) {
        const fits =
          y.ndim <= nd && y.shape.every((d, i) => d === 1 || d === x.shape[nd - y.ndim + i]);
        x = jnp.add(x, fits ? y : jnp.sum(y));
        ops.push("add-bcast");
      } else if (choice === 2 && nd >= 2) {
        const perm = globalThis.Array.from({ length: nd }, (_, i) => i).sort(() => r1 - 0.5);
        x = jnp.transpose(jnp.exp(jnp.multiply(x, 0.5)), perm.reverse());
        ops.push(`transpose ${perm}`);
      } else if (choice === 3 && nd >= 1) {
        const axis = Math.floor(r1 * nd);
        x = r2 < 0.5 ? jnp.sum(x, axis) : jnp.max(x, axis);
        ops.push(`reduce ${axis}`);
      } else if (choice === 4 && x.size > 0) {
        x = jnp.reshape(jnp.sin(x), r1 < 0.5 ? [x.size] : [1, ...x.shape, 1]);
        ops.push("reshape");
      } else if (choice === 5) {
        x = jnp.where(jnp.greater(x, 0), x, jnp.multiply(x, 0.1));
        ops.push("leaky");
      } else if (choice === 6) {
        y = jnp.multiply(y, 2);
        x = jnp.subtract(x, jnp.mean(x));
        ops.push("center");
      } else {
        x = jnp.expandDims(jnp.cos(x), Math.floor(r1 * (nd + 1)));
        ops.push("expand");
      }
    }
    return [x, y];
  };
  return { f, args, desc: `seed ${seed} shape [${shape}] ops ${ops.join(", ")}` };
}

describe("threads", () => {
  it("1 and 2 threads give identical bits (elementwise, reductions, products)", () => {
    const f = (x: Array, w: Array) => {
      const h = jnp.tanh(jnp.add(jnp.multiply(x, 2), 1));
      return [h, jnp.sum(h, 1), jnp.max(h, 0), jnp.matmul(h, w)];
    };
    const x = seeded([512, 256], 40);
    const w = seeded([256, 64], 41);
    const closed = makeJaxpr(f as (...xs: unknown[]) => unknown)(x, w) as ClosedJaxpr;
    const run = (threads: number) =>
      withFlag("jaxts_threads", threads, () =>
        compileProgram(closed, { target: wasmTarget }).exe([x, w]),
      );
    const one = run(1);
    const two = run(2);
    one.forEach((o, i) => {
      expect(globalThis.Array.from(hostValues(two[i]!)), `output ${i}`).toEqual(
        globalThis.Array.from(hostValues(o)),
      );
    });
  });
});
