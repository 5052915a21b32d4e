/** jnp set operations and more array functions (issue 17) against NumPy float64 fixtures. */
import { describe, expect, it } from "vitest";
import { jit } from "../../src/api/jit.js";
import { vmap } from "../../src/api/vmap.js";
import type { Array } from "../../src/core/array.js";
import { ConcretizationTypeError, ValueError } from "../../src/errors.js";
import { testUtil } from "../../src/index.js";
import * as jnp from "../../src/numpy/index.js";
import { expectClose, loop, randomArray, rng } from "../util/index.js";
import { fixtureTests } from "./extra_fixtures.js";

const rnd = (shape: number[], seed: number): Array => randomArray(shape, "float32", rng(seed));
const GRAD = { atol: 3e-2, rtol: 3e-2, eps: 1e-2 };
const ints = (...v: number[]): Array => jnp.array(new Int32Array(v));

describe("set operations", () => {
  fixtureTests({
    union1d: { f: (a, b) => jnp.union1d(a!, b!), jit: false },
    intersect1d: { f: (a, b) => jnp.intersect1d(a!, b!), jit: false },
    setdiff1d: { f: (a, b) => jnp.setdiff1d(a!, b!), jit: false },
    setxor1d: { f: (a, b) => jnp.setxor1d(a!, b!), jit: false },
    union1d_size: (a, b) => jnp.union1d(a!, b!, { size: 16 }),
    intersect1d_size_fill: (a, b) => jnp.intersect1d(a!, b!, { size: 10, fillValue: -1 }),
    setdiff1d_size: (a, b) => jnp.setdiff1d(a!, b!, { size: 9 }),
    setxor1d_size: (a, b) => jnp.setxor1d(a!, b!, { size: 16 }),
  });

  it("needs a size under jit, and vmaps with one", () => {
    expect(() => jit((a: Array) => jnp.union1d(a, a))(ints(1, 2))).toThrow(ConcretizationTypeError);
    const xs = jnp.array(new Int32Array([1, 2, 2, 5, 3, 3, 4, 1])).reshape([2, 4]);
    const f = (a: Array): Array => jnp.setdiff1d(a, ints(2, 3), { size: 3 });
    expect(vmap(f)(xs).toArray()).toEqual(loop(f, [xs], [0], 0, 2)[0]!.toArray());
    expect(() => jnp.union1d(ints(1), ints(2), { sise: 2 } as never)).toThrow(/size/);
  });
});

describe("more array functions", () => {
  fixtureTests({
    append: (a) => jnp.append(a!, jnp.array([1, 2])),
    append_axis0: (a) => jnp.append(a!, a!.get("0:1"), 0),
    delete: (a) => jnp.delete(a!, [0, 2], 1),
    delete_flat: (a) => jnp.delete(a!, [1, -1]),
    insert_scalar: (a) => jnp.insert(a!, 1, jnp.array([7, 8, 9, 10]), 0),
    insert_scalar_axis1: (a) => jnp.insert(a!, -1, jnp.array([7, 8, 9]), 1),
    insert_list: (a) => jnp.insert(a!, [0, 2, 2], jnp.array([5, 6, 7]), 1),
    insert_flat: (a) => jnp.insert(a!, 3, 9),
    resize: (a) => jnp.resize(a!, [5, 3]),
    trim_zeros: { f: (t) => jnp.trimZeros(t!), jit: false },
    trim_zeros_f: { f: (t) => jnp.trimZeros(t!, "f"), jit: false },
    diagflat: (d) => jnp.diagflat(d!, 1),
    rollaxis: (a) => jnp.rollaxis(a!, 2),
    rollaxis_start: (a) => jnp.rollaxis(a!, 0, 2),
    matvec: (m, v) => jnp.matvec(m!, v!),
    vecmat: (v, m) => jnp.vecmat(v!, m!),
    choose: { f: (i, a, b) => jnp.choose(i!, [a!, b!, 5]), jit: false },
    choose_wrap: (i, a, b) => jnp.choose(i!, [a!, b!, 5], { mode: "wrap" }),
    unwrap: (p) => jnp.unwrap(jnp.remainder(p!, 2 * Math.PI)),
    unwrap_period: (p) => jnp.unwrap(jnp.remainder(p!, 4), { period: 4 }),
    bartlett: () => jnp.bartlett(7),
    blackman: () => jnp.blackman(6),
    hamming: () => jnp.hamming(5),
    hanning: () => jnp.hanning(8),
    kaiser: { f: () => jnp.kaiser(9, 4.5), tol: 1e-4 },
    fromfunction: () =>
      jnp.fromfunction((i, j) => jnp.add(jnp.multiply(i, 3), jnp.square(j)), [3, 4]),
  });

  it("partition, argpartition and top_k as JAX", () => {
    const x = jnp.array([5, 1, 4, 2, 3, 0]);
    const p = jnp.partition(x, 2);
    expect(p.toArray()).toEqual([0, 1, 2, 5, 4, 3]);
    const ip = jnp.argpartition(x, 2);
    expect(x.get(ip).toArray()).toEqual(p.toArray());
    const [v, i] = jnp.topK(x, 2);
    expect(v.toArray()).toEqual([5, 4]);
    expect(i.toArray()).toEqual([0, 2]);
    expect(jnp.sortComplex(jnp.array([3, 1, 2])).dtype).toBe("complex64");
  });

  it("shape helpers, dtype aliases and errors", () => {
    const a = jnp.zeros([2, 3]);
    expect(jnp.ndim(a)).toBe(2);
    expect(jnp.shape(a)).toEqual([2, 3]);
    expect(jnp.size(a)).toBe(6);
    expect(jnp.size(a, 1)).toBe(3);
    expect(jnp.isscalar(3)).toBe(true);
    expect(jnp.isscalar(jnp.array(3))).toBe(true);
    expect(jnp.isscalar(a)).toBe(false);
    expect(jnp.iterable(a)).toBe(true);
    expect(jnp.iterable(jnp.array(1))).toBe(false);
    expect(jnp.iterable([1])).toBe(true);
    expect(jnp.broadcastShapes([2, 1], [3])).toEqual([2, 3]);
    expect(jnp.unstack(a, { axis: 1 }).map((s) => s.shape)).toEqual([[2], [2], [2]]);
    expect(jnp.single).toBe("float32");
    expect(jnp.csingle).toBe("complex64");
    // int_/uint/double are 64-bit, canonicalized to 32 bits without x64 (as JAX).
    expect(jnp.zeros([2], jnp.int_).dtype).toBe("int32");
    expect(jnp.zeros([2], jnp.uint).dtype).toBe("uint32");
    expect(jnp.zeros([2], jnp.double).dtype).toBe("float32");
    expect(() => jnp.choose(ints(0, 3), [1, 2])).toThrow(ValueError);
    expect(() => jit((o: Array) => jnp.delete(jnp.zeros([3]), o))(ints(1))).toThrow(
      ConcretizationTypeError,
    );
  });

  it("insert, unwrap and kaiser differentiate; matvec vmaps", () => {
    testUtil.checkGrads(
      (a: Array, v: Array) => jnp.insert(a, [1, 1], v),
      [rnd([4], 1), rnd([2], 2)],
      1,
      GRAD,
    );
    testUtil.checkGrads((p: Array) => jnp.unwrap(p), [jnp.array([0.1, 2.9, 6.0, 0.2])], 1, GRAD);
    const ms = rnd([3, 2, 4], 3);
    const v = rnd([4], 4);
    const f = (m: Array): Array => jnp.matvec(m, v);
    expectClose(vmap(f)(ms), loop(f, [ms], [0], 0, 3)[0]!, "matvec", 1e-6, 1e-6);
  });
});
