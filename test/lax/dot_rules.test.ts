/**
 * The differentiation and batching rules of dot_general: gradients of both
 * operands against np.einsum (test/fixtures/reduction_rules.py), jvp/vjp
 * against finite differences to second order, the transpose identity with
 * either operand linear, and vmap against a loop over examples with either or
 * both operands batched at any position — as one dot_general, never one per
 * example — over random dimension numbers (fast-check).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UndefinedPrimal } from "../../src/core/primitive.js";
import {
  type Array,
  ArrayImpl,
  grad,
  jit,
  jvp,
  lax,
  makeJaxpr,
  vjp,
  vmap,
  withX64,
} from "../../src/index.js";
import {
  allAxes,
  arr,
  checkGrads2,
  checkTranspose,
  expectClose,
  expectSame,
  loop,
  randomArray,
  readFixture,
  rng,
  vals,
  weighted,
} from "../util/index.js";

type DN = lax.DotDimensionNumbers;
interface DotCase {
  lhs_shape: number[];
  rhs_shape: number[];
  dn: DN;
  lhs: number[];
  rhs: number[];
  w: number[];
  out_shape: number[];
  out: number[];
  glhs: number[];
  grhs: number[];
}
const fixtures = readFixture<{ dot: Record<string, DotCase> }>("reduction_rules.json").dot;

type Binary = (a: Array, b: Array) => Array;
/** sum(w * f(a, b)): its gradients are the vjps of f at w. */
describe("gradients against np.einsum", () => {
  for (const [name, c] of Object.entries(fixtures)) {
    it(`${name}: both operands, in float64 and float32, eager and jit`, () => {
      const f: Binary = (a, b) => lax.dotGeneral(a, b, c.dn);
      withX64(() => {
        const l = arr(c.lhs, c.lhs_shape, "float64");
        const r = arr(c.rhs, c.rhs_shape, "float64");
        const w = arr(c.w, c.out_shape, "float64");
        expectClose(f(l, r), c.out, `${name} value`, 1e-12, 1e-13);
        const [gl, gr] = grad(weighted(f, w), { argnums: [0, 1] })(l, r) as Array[];
        expectClose(gl, c.glhs, `${name} d/dlhs`, 1e-12, 1e-13);
        expectClose(gr, c.grhs, `${name} d/drhs`, 1e-12, 1e-13);
        // Forward mode in each operand separately.
        const zl = ArrayImpl.full(l.shape, 0, "float64");
        const zr = ArrayImpl.full(r.shape, 0, "float64");
        const tl = randomArray(l.shape, "float64", rng(1));
        const tr = randomArray(r.shape, "float64", rng(2));
        const dot = (a: readonly number[], b: Array) =>
          a.reduce((s, v, i) => s + v * vals(b)[i]!, 0);
        const [, dyl] = jvp(weighted(f, w), [l, r], [tl, zr]) as Array[];
        expectClose(dyl, [dot(c.glhs, tl)], `${name} jvp lhs`, 1e-12, 1e-13);
        const [, dyr] = jvp(weighted(f, w), [l, r], [zl, tr]) as Array[];
        expectClose(dyr, [dot(c.grhs, tr)], `${name} jvp rhs`, 1e-12, 1e-13);
      });
      const l = arr(c.lhs, c.lhs_shape);
      const r = arr(c.rhs, c.rhs_shape);
      const w = arr(c.w, c.out_shape);
      const g = grad(weighted(f, w), { argnums: [0, 1] });
      const [gl, gr] = g(l, r) as Array[];
      expectClose(gl, c.glhs, `${name} float32 d/dlhs`, 1e-5, 1e-6);
      expectClose(gr, c.grhs, `${name} float32 d/drhs`, 1e-5, 1e-6);
      const [jl, jr] = jit(g)(l, r) as Array[];
      expectSame(jl, gl!, `${name} jit d/dlhs`);
      expectSame(jr, gr!, `${name} jit d/drhs`);
    });
  }
});

// --- random dimension numbers ------------------------------------------------------------

interface RandomDot {
  lshape: number[];
  rshape: number[];
  dn: DN;
}

/**
 * A random dot_general: 0-2 batch, contracting, lhs-free and rhs-free dims of
 * sizes 1-3, each operand's dims in a random order.
 */
function randomDot(next: () => number): RandomDot {
  const count = () => Math.floor(next() * 3);
  const size = () => 1 + Math.floor(next() * 3);
  const batch = globalThis.Array.from({ length: count() }, size);
  const contract = globalThis.Array.from({ length: count() }, size);
  const place = (free: number) => {
    const dims = [
      ...batch.map((s, i) => ({ kind: "b", i, s })),
      ...contract.map((s, i) => ({ kind: "c", i, s })),
      ...globalThis.Array.from({ length: free }, (_, i) => ({ kind: "f", i, s: size() })),
    ];
    for (let i = dims.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [dims[i], dims[j]] = [dims[j]!, dims[i]!];
    }
    const where = (kind: string, n: number) =>
      globalThis.Array.from({ length: n }, (_, i) =>
        dims.findIndex((d) => d.kind === kind && d.i === i),
      );
    return {
      shape: dims.map((d) => d.s),
      b: where("b", batch.length),
      c: where("c", contract.length),
    };
  };
  const l = place(count());
  const r = place(count());
  return {
    lshape: l.shape,
    rshape: r.shape,
    dn: [
      [l.c, r.c],
      [l.b, r.b],
    ],
  };
}

const seeds = fc.integer({ min: 1, max: 1 << 30 });

describe("over random dimension numbers", () => {
  it("jvp and vjp against finite differences, to second order (float64)", () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const next = rng(seed);
        const { lshape, rshape, dn } = randomDot(next);
        withX64(() => {
          const l = randomArray(lshape, "float64", next);
          const r = randomArray(rshape, "float64", next);
          const f: Binary = (a, b) => lax.dotGeneral(a, b, dn);
          const what = JSON.stringify({ lshape, rshape, dn });
          checkGrads2(f, [l, r], what, { rtol: 1e-6, atol: 1e-6 });
        });
      }),
      { numRuns: 40 },
    );
  });

  it("transpose identity with the lhs linear and with the rhs linear", () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const next = rng(seed);
        const { lshape, rshape, dn } = randomDot(next);
        withX64(() => {
          const l = randomArray(lshape, "float64", next);
          const r = randomArray(rshape, "float64", next);
          const out = lax.dotGeneral(l, r, dn);
          const ct = randomArray(out.shape, "float64", next);
          const what = JSON.stringify({ lshape, rshape, dn });
          checkTranspose((a) => lax.dotGeneral(a, r, dn), l, ct, `lhs linear ${what}`);
          checkTranspose((b) => lax.dotGeneral(l, b, dn), r, ct, `rhs linear ${what}`);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("vmap with either or both operands batched at any position, as one dot_general", () => {
    fc.assert(
      fc.property(
        seeds,
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        (seed, which, n) => {
          const next = rng(seed);
          const { lshape, rshape, dn } = randomDot(next);
          const f: Binary = (a, b) => lax.dotGeneral(a, b, dn);
          const lbd = which === 1 ? null : Math.floor(next() * (lshape.length + 1));
          const rbd = which === 0 ? null : Math.floor(next() * (rshape.length + 1));
          const withBatch = (shape: number[], bd: number | null) => {
            const s = [...shape];
            if (bd !== null) s.splice(bd, 0, n);
            return randomArray(s, "float32", next);
          };
          const l = withBatch(lshape, lbd);
          const r = withBatch(rshape, rbd);
          const outRank = lax.dotGeneral(
            randomArray(lshape, "float32", next),
            randomArray(rshape, "float32", next),
            dn,
          ).ndim;
          const outAxis = Math.floor(next() * (outRank + 1));
          const what = JSON.stringify({ lshape, rshape, dn, lbd, rbd, outAxis });
          const want = loop(f, [l, r], [lbd, rbd], outAxis, n)[0]!;
          const vf = vmap(f, { inAxes: [lbd, rbd], outAxes: outAxis });
          expectSame(vf(l, r), want, what, 1e-5, 1e-6);
          const jaxpr = makeJaxpr(vf)(l, r).toString();
          expect(jaxpr.match(/dot_general/g)?.length, `${what}\n${jaxpr}`).toBe(1);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("vmap of grad and grad of vmap", () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const next = rng(seed);
        const { lshape, rshape, dn } = randomDot(next);
        const n = 2;
        const l = randomArray([n, ...lshape], "float32", next);
        const r = randomArray(rshape, "float32", next);
        const out = lax.dotGeneral(randomArray(lshape, "float32", next), r, dn);
        const w = randomArray(out.shape, "float32", next);
        const g = grad(
          weighted((a, b) => lax.dotGeneral(a, b, dn), w),
          { argnums: [0, 1] },
        );
        const perExample = (a: Array) => g(a, r) as Array[];
        const [wl, wr] = loop(perExample, [l], [0], 0, n);
        const [gl, gr] = vmap(perExample)(l) as Array[];
        const what = JSON.stringify({ lshape, rshape, dn });
        expectSame(gl, wl!, `vmap(grad) lhs ${what}`, 1e-5, 1e-6);
        expectSame(gr, wr!, `vmap(grad) rhs ${what}`, 1e-5, 1e-6);
        // grad of a vmapped dot: the rhs shared by all examples gets the summed cotangent.
        const total = (a: Array, b: Array) => {
          const ys = vmap((u: Array) => lax.mul(lax.dotGeneral(u, b, dn), w))(a);
          return lax.reduceSum(ys, allAxes(ys));
        };
        const [hl, hr] = grad(total, { argnums: [0, 1] })(l, r) as Array[];
        expectSame(hl, wl!, `grad(vmap) lhs ${what}`, 1e-5, 1e-6);
        const summed = lax.reduceSum(wr!, [0]);
        expectSame(hr, summed, `grad(vmap) rhs ${what}`, 1e-5, 1e-5);
      }),
      { numRuns: 30 },
    );
  });
});

describe("dtypes", () => {
  it("with preferredElementType the cotangents have the operands' dtype", () => {
    withX64(() => {
      const l = randomArray([2, 3], "float32", rng(4));
      const r = randomArray([3, 4], "float32", rng(5));
      const f = (a: Array, b: Array) =>
        lax.reduceSum(lax.dot(a, b, { preferredElementType: "float64" }), [0, 1]);
      const [gl, gr] = grad(f, { argnums: [0, 1] })(l, r) as Array[];
      expect(gl!.dtype).toBe("float32");
      expect(gr!.dtype).toBe("float32");
      const rowSums = [0, 1, 2].map((k) =>
        vals(r)
          .slice(4 * k, 4 * k + 4)
          .reduce((s, v) => s + v, 0),
      );
      expectClose(gl, [...rowSums, ...rowSums], "d/dlhs", 1e-6, 1e-6);
      const [, dy] = jvp(
        (a: Array) => lax.dot(a, r, { preferredElementType: "float64" }),
        [l],
        [l],
      );
      expect((dy as Array).dtype).toBe("float64");
    });
  });

  it("integer dots have zero tangents; a weak operand's cotangent stays weak", () => {
    const a = arr([1, 2, 3, 4], [2, 2], "int32");
    const [y, dy] = jvp((u: Array) => lax.dot(u, u), [a], [a]) as Array[];
    expect(dy!.dtype).toBe(y!.dtype);
    expect(vals(dy)).toEqual([0, 0, 0, 0]);
    const [, dyf] = jvp((u: Array) => lax.dot(u, u, { preferredElementType: "float32" }), [a], [a]);
    expect((dyf as Array).dtype).toBe("float32");
    expect(vals(dyf)).toEqual([0, 0, 0, 0]);
    const weak = ArrayImpl.fromData(new Float32Array([1, 2, 3]), [3], true);
    const strong = arr([4, 5, 6], [3]);
    const [, pullback] = vjp((u: Array) => lax.dot(u, strong), weak);
    const [ct] = pullback(ArrayImpl.scalar(1, "float32")) as Array[];
    expect(ct!.aval.equals(weak.aval)).toBe(true);
    expect(vals(ct)).toEqual([4, 5, 6]);
  });

  it("transposing a product of two linear operands is an error that names dot_general", () => {
    const x = arr([1, 2, 3], [3]);
    // The square's jvp is linear in each tangent separately, so reverse mode works...
    expect(vals(grad((u: Array) => lax.dot(u, u))(x))).toEqual([2, 4, 6]);
    // ...but the transpose rule itself refuses two linear operands.
    const rule = lax.dotGeneralP.rule("transpose");
    const u = new UndefinedPrimal(x.aval);
    expect(() =>
      rule([x], [u, u], {
        dimension_numbers: [
          [[0], [0]],
          [[], []],
        ],
        precision: null,
        preferred_element_type: null,
      }),
    ).toThrow(/lax.dotGeneral: both operands are linear.*\(3,\)/);
  });
});
