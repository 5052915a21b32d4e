/** jnp polynomials and index helpers (issue 17) against NumPy float64 fixtures. */
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

describe("polynomials", () => {
  fixtureTests({
    polyval: (p, x) => jnp.polyval(p!, x!),
    polyfit: { f: (x, y) => jnp.polyfit(x!, y!, 3) as Array, tol: 2e-3 },
    polyfit_w: { f: (x, y, w) => jnp.polyfit(x!, y!, 2, { w: w! }) as Array, tol: 2e-3 },
    polyfit_2d: { f: (x, y) => jnp.polyfit(x!, y!, 2) as Array, tol: 2e-3 },
    polyfit_cov: { f: (x, y) => jnp.polyfit(x!, y!, 2, { cov: true }) as Array[], tol: 5e-3 },
    polyfit_full_resid: {
      f: (x, y) => (jnp.polyfit(x!, y!, 2, { full: true }) as Array[]).slice(0, 2),
      tol: 5e-3,
    },
    poly: (z) => jnp.poly(z!),
    polyadd: (a, b) => jnp.polyadd(a!, b!),
    polysub: (a, b) => jnp.polysub(a!, b!),
    polymul: (a, b) => jnp.polymul(a!, b!),
    polydiv: { f: (a, b) => jnp.polydiv(a!, b!), tol: 1e-4 },
    polyder: (a) => jnp.polyder(a!),
    polyder_m2: (a) => jnp.polyder(a!, 2),
    polyint: (a) => jnp.polyint(a!),
    polyint_m2_k: (a) => jnp.polyint(a!, 2, { k: [1.5, -2] }),
    vander: (x) => jnp.vander(x!),
    vander_n_increasing: (x) => jnp.vander(x!, 3, { increasing: true }),
  });

  it("polyval on complex coefficients", () => {
    const p = jnp.array([1, 2]).astype(jnp.complex64);
    const y = jnp.polyval(p, jnp.array([3]));
    expect(y.dtype).toBe("complex64");
    expect(jnp.real(y).toArray()).toEqual([5]);
  });

  it("trimLeadingZeros, and its error under jit", () => {
    expect(
      jnp.polymul(jnp.array([0, 0, 1, 2]), jnp.array([1, 1]), { trimLeadingZeros: true }).toArray(),
    ).toEqual([1, 3, 2]);
    expect(() =>
      jit((a: Array) => jnp.polymul(a, a, { trimLeadingZeros: true }))(jnp.array([0, 1])),
    ).toThrow(ConcretizationTypeError);
    expect(() => jnp.polyval(jnp.array([1]), 2, { unrol: 2 } as never)).toThrow(/unroll/);
  });

  it("polyval, polyfit and poly differentiate (finite differences)", () => {
    testUtil.checkGrads(
      (p: Array, x: Array) => jnp.polyval(p, x),
      [rnd([4], 1), rnd([5], 2)],
      1,
      GRAD,
    );
    const x = jnp.linspace(-1, 1, 8);
    testUtil.checkGrads((y: Array) => jnp.polyfit(x, y, 2) as Array, [rnd([8], 3)], 1, GRAD);
    testUtil.checkGrads((z: Array) => jnp.poly(z), [rnd([3], 4)], 1, GRAD);
    testUtil.checkGrads(
      (a: Array, b: Array) => jnp.polymul(a, b),
      [rnd([3], 5), rnd([2], 6)],
      1,
      GRAD,
    );
  });

  it("vmap of polyval and polyder matches a loop", () => {
    const ps = rnd([3, 4], 7);
    const x = rnd([5], 8);
    const f = (p: Array): Array => jnp.polyval(p, x);
    expectClose(vmap(f)(ps), loop(f, [ps], [0], 0, 3)[0]!, "polyval", 1e-6, 1e-6);
    const g = (p: Array): Array => jnp.polyder(p);
    expectClose(vmap(g)(ps), loop(g, [ps], [0], 0, 3)[0]!, "polyder", 1e-6, 1e-6);
  });
});

describe("index tricks", () => {
  fixtureTests({
    tril_indices: () => jnp.trilIndices(4, -1, 5),
    triu_indices: () => jnp.triuIndices(3, 1),
    triu_indices_from: (a) => jnp.triuIndicesFrom(a!, 2),
    tril_indices_from: (a) => jnp.trilIndicesFrom(a!),
    mask_indices: { f: () => jnp.maskIndices(3, (a, k) => jnp.triu(a, k), 1), jit: false },
    indices: () => jnp.indices([2, 3]) as Array,
    unravel_index: (i) => jnp.unravelIndex(i!, [3, 4]),
    ravel_multi_index: { f: (a, b) => jnp.ravelMultiIndex([a!, b!], [3, 5]), jit: false },
    ravel_multi_index_F: {
      f: (a, b) => jnp.ravelMultiIndex([a!, b!], [3, 5], { order: "F" }),
      jit: false,
    },
    ravel_multi_index_wrap: (a, b) => jnp.ravelMultiIndex([a!, b!], [3, 5], { mode: "wrap" }),
    ravel_multi_index_clip: (a, b) => jnp.ravelMultiIndex([a!, b!], [3, 5], { mode: "clip" }),
    rot90: (m) => jnp.rot90(m!),
    rot90_k2: (m) => jnp.rot90(m!, 2),
    rot90_k3_axes: (m) => jnp.rot90(m!, 3, [1, 2]),
    rot90_km1: (m) => jnp.rot90(m!, -1),
    fill_diagonal: (a) => jnp.fillDiagonal(a!, jnp.array([7, 8]), { inplace: false }),
    fill_diagonal_wrap: (a) => jnp.fillDiagonal(a!, 9, { wrap: true, inplace: false }),
    fill_diagonal_3d: (a) => jnp.fillDiagonal(a!, 0, { inplace: false }),
  });

  it("diag_indices, ix_, sparse indices and the errors", () => {
    const a = jnp.arange(16).reshape([4, 4]);
    const [r, c] = jnp.diagIndices(4);
    expect(a.get(r!, c!).toArray()).toEqual([0, 5, 10, 15]);
    expect(jnp.diagIndicesFrom(jnp.zeros([3, 3, 3])).length).toBe(3);
    const [ri, ci] = jnp.ix_(jnp.array(new Int32Array([0, 2])), jnp.array(new Int32Array([1, 3])));
    expect(a.get(ri!, ci!).toArray()).toEqual([
      [1, 3],
      [9, 11],
    ]);
    const sp = jnp.indices([2, 3], jnp.int32, { sparse: true }) as Array[];
    expect(sp.map((s) => s.shape)).toEqual([
      [2, 1],
      [1, 3],
    ]);
    expect(() => jnp.ravelMultiIndex([jnp.array(new Int32Array([3]))], [3])).toThrow(ValueError);
    expect(() =>
      jit((i: Array) => jnp.ravelMultiIndex([i], [3]))(jnp.array(new Int32Array([1]))),
    ).toThrow(ConcretizationTypeError);
    expect(() => jnp.fillDiagonal(a, 1)).toThrow(/inplace/);
    expect(() => jnp.rot90(a, 1, [0, 0])).toThrow(ValueError);
  });

  it("rot90 differentiates and vmaps", () => {
    testUtil.checkGrads((m: Array) => jnp.rot90(m), [rnd([2, 3], 9)], 1, GRAD);
    const ms = rnd([3, 2, 4], 10);
    expectClose(
      vmap((m: Array) => jnp.rot90(m))(ms),
      loop((m) => jnp.rot90(m), [ms], [0], 0, 3)[0]!,
      "rot90",
      0,
      0,
    );
  });
});
