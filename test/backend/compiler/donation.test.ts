/**
 * Buffers across calls: large JS inputs move into the memory once (later
 * calls read them in place), and donated arguments (jit's donateArgnums)
 * lend their blocks to outputs when that is safe, so `p = step(p, x)` loops
 * allocate nothing. Results always equal those of the same call without
 * donation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installCompiler } from "../../../src/backend/cpu/compiler/install.js";
import { addressOf, memoryStats } from "../../../src/backend/cpu/memory.js";
import { config } from "../../../src/config.js";
import { type Array, type ArrayImpl, hostValues } from "../../../src/core/array.js";
import { grad, jit, numpy as jnp, vmap } from "../../../src/index.js";
import { expectClose, seeded } from "../../util/index.js";

let prevFlag = true;
beforeAll(() => {
  installCompiler();
  prevFlag = config.read("jaxts_compile");
  config.update("jaxts_compile", true);
});
afterAll(() => config.update("jaxts_compile", prevFlag));

const at = (x: Array): number => addressOf(hostValues(x as ArrayImpl));
const deleted = (x: Array): boolean => (x as ArrayImpl).isDeleted;
/** A fresh copy (own JS storage), so that donating one copy leaves the reference intact. */
const copy = (x: Array): Array => jnp.array(hostValues(x as ArrayImpl).slice()).reshape(x.shape);

describe("inputs", () => {
  it("move into the memory on first use and keep their values", () => {
    const x = copy(seeded([64, 64], 1));
    const want = hostValues(x as ArrayImpl).slice();
    expect(at(x)).toBe(-1);
    const f = jit((v: Array) => jnp.exp(v));
    const y1 = f(x);
    expect(at(x)).toBeGreaterThan(0);
    expect(globalThis.Array.from(hostValues(x as ArrayImpl))).toEqual(globalThis.Array.from(want));
    const y2 = f(x); // read in place
    expectClose(y1, y2, "", 0, 0);
    expectClose(y1, jnp.exp(jnp.array(want).reshape([64, 64])), "", 1e-6, 1e-6);
  });

  it("stay where they are when small", () => {
    const x = copy(seeded([8], 2));
    jit((v: Array) => jnp.exp(v))(x);
    expect(at(x)).toBe(-1);
  });
});

describe("donateArgnums", () => {
  type P = { w: Array; b: Array };
  const loss = (p: P, x: Array) => jnp.mean(jnp.square(jnp.add(jnp.matmul(x, p.w), p.b)));
  const stepFn = (p: P, x: Array): P => {
    const g = grad(loss)(p, x) as P;
    return { w: jnp.subtract(p.w, jnp.multiply(g.w, 0.1)), b: jnp.subtract(p.b, jnp.multiply(g.b, 0.1)) }; // biome-ignore format: one line
  };
  const x = seeded([16, 32], 3);
  const init = (): P => ({ w: copy(seeded([32, 64], 4)), b: copy(seeded([64], 5)) });

  it("reuses the parameters' blocks for the new parameters and deletes the old ones", () => {
    const plain = jit(stepFn);
    const donating = jit(stepFn, { donateArgnums: 0 });
    const p0 = init();
    const want = plain(init(), x);
    plain(p0, x); // moves p0 into the memory
    const wAt = at(p0.w);
    const got = donating(p0, x);
    expect(at(got.w)).toBe(wAt);
    expect(deleted(p0.w)).toBe(true);
    expect(() => jnp.add(p0.w, 1)).toThrow(/deleted.*donated/);
    expectClose(got.w, want.w, "", 0, 0);
    expectClose(got.b, want.b, "", 0, 0);
  });

  it("trains in a loop without allocating", () => {
    const donating = jit(stepFn, { donateArgnums: [0] });
    const plain = jit(stepFn);
    let p = init();
    let q = init();
    for (let i = 0; i < 5; i++) p = donating(p, x);
    const before = memoryStats();
    for (let i = 0; i < 200; i++) p = donating(p, x);
    const after = memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.escapedBytes).toBe(before.escapedBytes);
    for (let i = 0; i < 205; i++) q = plain(q, x);
    expectClose(p.w, q.w, "", 0, 0);
  });

  it("gives identical results when an output reads the input at other elements", () => {
    // w.T + w: each output element reads two elements of w; w's block must not hold the output.
    const f = (w: Array) => jnp.add(jnp.transpose(w), jnp.multiply(w, 2));
    const w = copy(seeded([48, 48], 6));
    jit(f)(w); // moved into the memory
    const want = jit(f)(copy(w));
    const got = jit(f, { donateArgnums: 0 })(w);
    expectClose(got, want, "", 0, 0);
    expect(deleted(w)).toBe(false);
  });

  it("does not lend a block a later step still reads", () => {
    // exp(w) is an output written before w's last reader (the sum) runs.
    const f = (w: Array) => [jnp.exp(w), jnp.sum(jnp.multiply(w, w))] as const;
    const w = copy(seeded([4096], 7));
    jit(f)(w);
    const [e0, s0] = jit(f)(copy(w));
    const [e1, s1] = jit(f, { donateArgnums: 0 })(w);
    expectClose(e1, e0, "", 0, 0);
    expectClose(s1, s0, "", 0, 0);
  });

  it("keeps an argument passed twice", () => {
    const f = (a: Array, b: Array) => jnp.add(jnp.multiply(a, 3), b);
    const a = copy(seeded([4096], 8));
    jit(f)(a, a);
    const want = jit(f)(copy(a), copy(a));
    const got = jit(f, { donateArgnums: 0 })(a, a);
    expect(deleted(a)).toBe(false);
    expectClose(got, want, "", 0, 0);
  });

  it("returns a donated argument passed through unchanged, valid", () => {
    const f = (a: Array, b: Array) => [a, jnp.add(a, b)] as const;
    const a = copy(seeded([4096], 9));
    const b = copy(seeded([4096], 10));
    jit(f)(a, b);
    const [same, sum] = jit(f, { donateArgnums: [0, 1] })(a, b);
    expect(deleted(a)).toBe(false);
    expectClose(same, a, "", 0, 0);
    expectClose(sum, jnp.add(copy(a), seeded([4096], 10)), "", 0, 0);
  });

  it("is ignored under transformations", () => {
    const f = jit((a: Array) => jnp.multiply(a, a), { donateArgnums: 0 });
    const a = copy(seeded([4, 4096], 11));
    const y = vmap(f)(a);
    expect(deleted(a)).toBe(false);
    expectClose(y, jnp.multiply(a, a), "", 0, 0);
    const g = grad((v: Array) => jnp.sum(f(v)))(a);
    expectClose(g, jnp.multiply(a, 2), "", 0, 0);
    expect(deleted(a)).toBe(false);
  });

  it("names a bad position", () => {
    const f = jit((a: Array) => a, { donateArgnums: 3 });
    expect(() => f(seeded([2], 1))).toThrow(/donateArgnums entry 3 is out of range/);
    const g = jit((a: Array, n: number) => jnp.multiply(a, n), {
      staticArgnums: 1,
      donateArgnums: 1,
    });
    expect(() => g(seeded([2], 1), 2)).toThrow(/both static and donated/);
  });
});
