/** jnp functional helpers and extra ufuncs (issue 17) against NumPy float64 fixtures. */
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
const u8 = (x: Array): Array => x.astype(jnp.uint8);

describe("functional helpers", () => {
  fixtureTests({
    vectorize_scalar: (a, b) =>
      jnp.vectorize((x, y) => jnp.add(jnp.multiply(x!, y!), jnp.sin(x!)))(a!, b!),
    vectorize_signature: (m, v) =>
      jnp.vectorize((a, b) => jnp.matmul(a!, b!), { signature: "(n,k),(k)->(n)" })(m!, v!),
    vectorize_multi: (v) =>
      jnp.vectorize((a) => [jnp.max(a!), jnp.min(a!)], { signature: "(n)->(),()" })(v!),
    apply_along_axis: (a) =>
      jnp.applyAlongAxis((v) => jnp.multiply(jnp.cumsum(v), v.get(0)), 1, a!),
    apply_along_axis_scalar: (a) => jnp.applyAlongAxis((v) => jnp.sum(jnp.square(v)), -1, a!),
    apply_over_axes: (a) => jnp.applyOverAxes((x, ax) => jnp.sum(x, ax), a!, [0, 2]),
    piecewise: (x) =>
      jnp.piecewise(
        x!,
        [jnp.less(x!, -0.5), jnp.greater(x!, 0.5)],
        [(v) => jnp.negative(v), (v) => jnp.square(v), 7],
      ),
    trapezoid: (y) => jnp.trapezoid(y!),
    trapezoid_dx_axis0: (y) => jnp.trapezoid(y!, null, { dx: 0.5, axis: 0 }),
    trapezoid_x: (y, x) => jnp.trapezoid(y!, x!),
    extract: { f: (e) => jnp.extract(jnp.greater(e!, 0), e!), jit: false },
    extract_size: (e) => jnp.extract(jnp.greater(e!, 0), e!, { size: 12, fillValue: -1 }),
    compress_axis1: { f: (c, e) => jnp.compress(c!, e!, 1), jit: false },
    place: {
      f: (p) => jnp.place(p!, jnp.greater(p!, 0), jnp.array([10, 20]), { inplace: false }),
      jit: false,
    },
    put_wrap: (p) =>
      jnp.put(p!, jnp.array(new Int32Array([0, 5, 13])), jnp.array([1, 2, 3]), {
        mode: "wrap",
        inplace: false,
      }),
    put_clip: (p) =>
      jnp.put(p!, jnp.array(new Int32Array([0, 5, 13])), jnp.array([1, 2, 3]), {
        mode: "clip",
        inplace: false,
      }),
  });

  it("vectorize: excluded arguments, errors, and grads through it", () => {
    const f = jnp.vectorize((x: Array, p: Array) => jnp.power(x, p), { excluded: [1] });
    expect(f(jnp.array([1, 2, 3]), jnp.array(2)).toArray()).toEqual([1, 4, 9]);
    const dot = jnp.vectorize((a: Array, b: Array) => jnp.dot(a, b), { signature: "(n),(n)->()" });
    expect(() => dot(jnp.ones([2, 3]), jnp.ones([4]))).toThrow(ValueError);
    expect(() => jnp.vectorize((a: Array) => a, { signature: "(n)->" })).toThrow(ValueError);
    testUtil.checkGrads(
      (a: Array, b: Array) => dot(a, b) as Array,
      [rnd([3, 4], 1), rnd([4], 2)],
      1,
      GRAD,
    );
  });

  it("compress and extract need a size under jit", () => {
    const x = jnp.array([1, -2, 3]);
    expect(() => jit((v: Array) => jnp.extract(jnp.greater(v, 0), v))(x)).toThrow(
      ConcretizationTypeError,
    );
    expect(jnp.compress(jnp.array([false, true, true]), x).toArray()).toEqual([-2, 3]);
    expect(() => jnp.put(x, jnp.array(new Int32Array([0])), 1)).toThrow(/inplace/);
  });

  it("trapezoid and piecewise differentiate; apply_along_axis vmaps", () => {
    testUtil.checkGrads(
      (y: Array) => jnp.trapezoid(y, jnp.array([0, 0.5, 2, 2.5])),
      [rnd([3, 4], 3)],
      1,
      GRAD,
    );
    testUtil.checkGrads(
      (x: Array) =>
        jnp.piecewise(x, [jnp.less(x, 0)], [(v) => jnp.square(v), (v) => jnp.multiply(v, 3)]),
      [jnp.array([-1.5, -0.7, 0.6, 1.2])],
      1,
      GRAD,
    );
    const xs = rnd([3, 4, 5], 4);
    const f = (a: Array): Array => jnp.applyAlongAxis((v) => jnp.cumsum(v), 0, a);
    expectClose(vmap(f)(xs), loop(f, [xs], [0], 0, 3)[0]!, "apply_along_axis", 1e-6, 1e-6);
  });
});

describe("extra ufuncs", () => {
  fixtureTests({
    gcd: (a, b) => jnp.gcd(a!, b!),
    lcm: (a, b) => jnp.lcm(a!, b!),
    divmod: (a, b) => jnp.divmod(a!, b!),
    frexp: (x) => jnp.frexp(x!),
    ldexp: (m, e) => jnp.ldexp(m!, e!),
    modf: (x) => jnp.modf(x!),
    float_power: (a, b) => jnp.floatPower(a!, b!),
    heaviside: (x) => jnp.heaviside(x!, 0.5),
    i0: (x) => jnp.i0(x!),
    logspace: () => jnp.logspace(0, 2, 5),
    logspace_base2_noend: () => jnp.logspace(1, 4, 6, { endpoint: false, base: 2 }),
    geomspace: () => jnp.geomspace(1, 1000, 4),
    geomspace_neg: () => jnp.geomspace(-2, -64, 6),
    packbits: (b) => jnp.packbits(b!),
    packbits_axis1_little: (b) => jnp.packbits(b!, 1, { bitorder: "little" }),
    unpackbits: (u) => jnp.unpackbits(u8(u!)),
    unpackbits_axis1_count: (u) => jnp.unpackbits(u8(u!), 1, { count: -3, bitorder: "little" }),
    bitwise_count: (x) => jnp.bitwiseCount(x!),
  });

  it("dtypes, aliases and errors", () => {
    expect(jnp.packbits(jnp.array([true, false])).dtype).toBe("uint8");
    expect(jnp.frexp(jnp.array([3]))[1].dtype).toBe("int32");
    expect(jnp.gcd(jnp.array(new Int32Array([12])), 18).toArray()).toEqual([6]);
    expect(() => jnp.gcd(jnp.array([1.5]), 2)).toThrow(TypeError);
    expect(() => jnp.ldexp(2, jnp.array([1.5]))).toThrow(TypeError);
    expect(jnp.acos).toBe(jnp.arccos);
    expect(jnp.atan2).toBe(jnp.arctan2);
    expect(jnp.permuteDims(jnp.zeros([2, 3]), [1, 0]).shape).toEqual([3, 2]);
    expect(jnp.fabs(jnp.array([-2])).toArray()).toEqual([2]);
  });

  it("i0 differentiates (its derivative is i1); gcd vmaps", () => {
    testUtil.checkGrads((x: Array) => jnp.i0(x), [jnp.array([-2, 0.3, 1.7, 4])], 1, GRAD);
    const a = jnp.array(new Int32Array([12, 35, 81, 7]));
    const b = jnp.array(new Int32Array([18, 14, 27, 0]));
    expect(vmap((x: Array, y: Array) => jnp.gcd(x, y))(a, b).toArray()).toEqual([6, 7, 27, 7]);
  });
});
