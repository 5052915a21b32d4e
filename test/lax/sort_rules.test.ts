/**
 * The differentiation and batching rules of sort and top_k: gradients
 * against NumPy (the weights scattered back through argsort, from
 * test/fixtures/reduction_rules.py), jvp/vjp against finite differences to
 * second order on inputs without ties, several operands sorted together
 * (integer keys get zero tangents), and vmap against a loop over examples
 * with the batch axis anywhere (the sorted dimension included), and vmap of
 * grad.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Array, grad, jit, jvp, lax, vmap, withX64 } from "../../src/index.js";
import {
  arr,
  checkGrads2,
  distinctArray,
  expectClose,
  expectSame,
  loop,
  randomArray,
  readFixture,
  rng,
  vals,
  weighted,
} from "../util/index.js";

interface SortCase {
  shape: number[];
  axis?: number;
  k?: number;
  x: number[];
  w: number[];
  grad: number[];
}
const fixtures = readFixture<{ sort: Record<string, SortCase> }>("reduction_rules.json").sort;

type Unary = (x: Array) => Array;
const caseFn = (c: SortCase): Unary =>
  c.k === undefined ? (x) => lax.sort(x, { dimension: c.axis! }) : (x) => lax.topK(x, c.k!)[0];

describe("gradients against NumPy (weights scattered back through argsort)", () => {
  for (const [name, c] of Object.entries(fixtures)) {
    it(`${name}: grad and jvp in float64, grad, jit(grad) and vmap(grad) in float32`, () => {
      const f = caseFn(c);
      withX64(() => {
        const x = arr(c.x, c.shape, "float64");
        const w = arr(c.w, f(x).shape, "float64");
        expectClose(grad(weighted(f, w))(x), c.grad, `${name} grad`, 0, 0);
        const t = randomArray(c.shape, "float64", rng(3));
        const [, dy] = jvp(weighted(f, w), [x], [t]) as Array[];
        const want = c.grad.reduce((s, g, i) => s + g * vals(t)[i]!, 0);
        expectClose(dy, [want], `${name} jvp`, 1e-12, 1e-13);
      });
      const x = arr(c.x, c.shape);
      const w = arr(c.w, f(x).shape);
      const g = grad(weighted(f, w)) as Unary;
      expectClose(g(x), c.grad, `${name} float32 grad`, 0, 0);
      expectSame(jit(g)(x), g(x) as Array, `${name} jit(grad)`);
      const xs = lax.concatenate([lax.expandDims(x, [0]), lax.expandDims(lax.neg(x), [0])], 0);
      expectSame(vmap(g)(xs), loop(g, [xs], [0], 0, 2)[0]!, `${name} vmap(grad)`);
    });
  }

  it("the tangent is permuted with the values, element for element", () => {
    const x = arr([3, 1, 2], [3]);
    const t = arr([30, 10, 20], [3]);
    const [y, dy] = jvp((v: Array) => lax.sort(v), [x], [t]) as Array[];
    expect(vals(y)).toEqual([1, 2, 3]);
    expect(vals(dy)).toEqual([10, 20, 30]);
    const [vals2, idx] = lax.topK(x, 2);
    expect(vals(vals2)).toEqual([3, 2]);
    expect(vals(idx)).toEqual([0, 2]);
    const [, [dv, di]] = jvp((v: Array) => lax.topK(v, 2), [x], [t]) as [Array[], Array[]];
    expect(vals(dv)).toEqual([30, 20]);
    expect(di!.dtype).toBe("int32");
    expect(vals(di)).toEqual([0, 0]);
  });
});

// --- finite differences ------------------------------------------------------------------

const shapeAndDim = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.integer({ min: 0, max: shape.length - 1 }),
      fc.integer({ min: 0, max: 1 << 30 }),
    ),
  );

const check2 = (f: (...xs: Array[]) => Array | Array[], xs: Array[], what: string) =>
  checkGrads2(f, xs, what, { rtol: 1e-6, atol: 1e-6 });

describe("jvp and vjp against finite differences (float64, to second order)", () => {
  it("sort of one operand along a random dimension", () => {
    fc.assert(
      fc.property(shapeAndDim, ([shape, dimension, seed]) => {
        withX64(() => {
          const x = distinctArray(shape, "float64", rng(seed));
          // A non-linear function of the sorted values, so that second derivatives are not zero.
          const f = (v: Array) =>
            lax.mul(lax.sort(v, { dimension }), lax.sin(lax.sort(v, { dimension })));
          check2(f, [x], `sort ${shape} dimension ${dimension}`);
        });
      }),
      { numRuns: 20 },
    );
  });

  it("several operands sorted together by one or two keys", () => {
    fc.assert(
      fc.property(shapeAndDim, ([shape, dimension, seed]) => {
        const next = rng(seed);
        withX64(() => {
          const keys = distinctArray(shape, "float64", next);
          const values = randomArray(shape, "float64", next);
          const both = (k: Array, v: Array) => lax.sort([k, v], { dimension });
          check2(both, [keys, values], `sort by key ${shape} ${dimension}`);
          // Integer first keys with ties, broken by a float second key.
          const ints = randomArray(shape, "int32", next, 0, 2);
          const byTwo = (k2: Array, v: Array) =>
            lax.sort([ints, k2, v], { dimension, numKeys: 2 }).slice(1);
          check2(byTwo, [keys, values], `sort by two keys ${shape} ${dimension}`);
        });
      }),
      { numRuns: 20 },
    );
  });

  it("top_k", () => {
    fc.assert(
      fc.property(shapeAndDim, ([shape, , seed]) => {
        const k = seed % (shape[shape.length - 1]! + 1);
        withX64(() => {
          const x = distinctArray(shape, "float64", rng(seed));
          const f = (v: Array) => lax.square(lax.topK(v, k)[0]);
          check2(f, [x], `top_k ${shape} k ${k}`);
        });
      }),
      { numRuns: 20 },
    );
  });

  it("integer operands get zero tangents; float operands sorted by them do not", () => {
    const keys = arr([2, 0, 1], [3], "int32");
    const v = arr([0.5, 1.5, 2.5], [3]);
    const f = (k: Array, u: Array) => lax.sort([k, u]);
    const [[sk, sv], [tk, tv]] = jvp(f, [keys, v], [keys, arr([1, 2, 3], [3])]) as [
      Array[],
      Array[],
    ];
    expect(vals(sk)).toEqual([0, 1, 2]);
    expect(vals(sv)).toEqual([1.5, 2.5, 0.5]);
    expect(tk!.dtype).toBe("int32");
    expect(vals(tk)).toEqual([0, 0, 0]);
    expect(vals(tv)).toEqual([2, 3, 1]);
    const g = grad((u: Array) =>
      lax.reduceSum(lax.mul(lax.sort([keys, u])[1]!, arr([1, 10, 100], [3])), [0]),
    );
    expect(vals(g(v))).toEqual([100, 1, 10]);
  });
});

// --- vmap ------------------------------------------------------------------------------------

describe("vmap against a loop over examples", () => {
  const batchCase = shapeAndDim.chain(([shape, dimension, seed]) =>
    fc.tuple(
      fc.constant(shape),
      fc.constant(dimension),
      fc.constant(seed),
      fc.integer({ min: 0, max: shape.length }),
      fc.integer({ min: 1, max: 3 }),
    ),
  );
  const withBatch = (
    shape: number[],
    bd: number | null,
    n: number,
    next: () => number,
    dtype: "float32" | "int32" = "float32",
  ) => {
    const s = [...shape];
    if (bd !== null) s.splice(bd, 0, n);
    return dtype === "int32"
      ? randomArray(s, dtype, next, 0, 2)
      : randomArray(s, dtype, next, -3, 3);
  };

  it("sort of one operand, the batch axis anywhere", () => {
    fc.assert(
      fc.property(batchCase, ([shape, dimension, seed, inAxis, n]) => {
        const x = withBatch(shape, inAxis, n, rng(seed));
        const f = (v: Array) => lax.sort(v, { dimension });
        const outAxis = seed % (shape.length + 1);
        const want = loop(f, [x], [inAxis], outAxis, n)[0]!;
        const got = vmap(f, { inAxes: inAxis, outAxes: outAxis })(x);
        expectSame(got, want, `sort ${shape} dim ${dimension} in ${inAxis} out ${outAxis}`, 0, 0);
      }),
      { numRuns: 40 },
    );
  });

  it("several operands, batched at different axes or not at all", () => {
    fc.assert(
      fc.property(
        batchCase,
        fc.integer({ min: 0, max: 5 }),
        ([shape, dimension, seed, , n], pick) => {
          const next = rng(seed);
          const axisOrNull = (k: number) =>
            k === 0 ? null : Math.floor(next() * (shape.length + 1));
          const ax: (number | null)[] = [
            axisOrNull(pick % 2),
            axisOrNull(1 + (pick % 3)),
            axisOrNull(pick % 3),
          ];
          // At least one operand is batched.
          if (!ax.some((a) => a !== null)) ax[0] = 0;
          const keys = withBatch(shape, ax[0]!, n, next);
          const ints = withBatch(shape, ax[1]!, n, next, "int32");
          const values = withBatch(shape, ax[2]!, n, next);
          const f = (a: Array, b: Array, c: Array) =>
            lax.sort([b, a, c], { dimension, numKeys: 2 });
          const want = loop(f, [keys, ints, values], ax, 0, n);
          const got = vmap(f, { inAxes: ax })(keys, ints, values) as Array[];
          got.forEach((g, i) => {
            expectSame(
              g,
              want[i]!,
              `operand ${i} ${JSON.stringify({ shape, dimension, ax })}`,
              0,
              0,
            );
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("top_k, the batch axis anywhere (the last included)", () => {
    fc.assert(
      fc.property(batchCase, ([shape, , seed, inAxis, n]) => {
        const k = seed % (shape[shape.length - 1]! + 1);
        const x = withBatch(shape, inAxis, n, rng(seed));
        const f = (v: Array) => lax.topK(v, k);
        const outAxis = seed % (shape.length + 1);
        const want = loop(f, [x], [inAxis], outAxis, n);
        const got = vmap(f, { inAxes: inAxis, outAxes: outAxis })(x) as Array[];
        const what = `top_k ${shape} k ${k} in ${inAxis} out ${outAxis}`;
        expectSame(got[0], want[0]!, `${what} values`, 0, 0);
        expectSame(got[1], want[1]!, `${what} indices`, 0, 0);
      }),
      { numRuns: 40 },
    );
  });

  it("vmap of grad and of jvp, the batch axis first and last", () => {
    const x = distinctArray([3, 4], "float32", rng(17));
    for (const inAxis of [0, 1]) {
      const size = x.shape[inAxis]!;
      const len = x.shape[1 - inAxis]!;
      const fs: Record<string, Unary> = {
        sort: (v) => lax.reduceSum(lax.mul(lax.sort(v), lax.iota("float32", len)), [0]),
        top_k: (v) => lax.reduceSum(lax.square(lax.topK(v, 2)[0]), [0]),
      };
      for (const [name, f] of Object.entries(fs)) {
        const g = grad(f) as Unary;
        const want = loop(g, [x], [inAxis], inAxis, size)[0]!;
        const got = vmap(g, { inAxes: inAxis, outAxes: inAxis })(x);
        expectSame(got, want, `${name} vmap(grad) axis ${inAxis}`);
      }
      const t = randomArray(x.shape, "float32", rng(23));
      const tan = (u: Array, s: Array) => jvp((v: Array) => lax.sort(v), [u], [s])[1] as Array;
      const wantT = loop(tan, [x, t], [inAxis, inAxis], 0, size)[0]!;
      expectSame(vmap(tan, { inAxes: [inAxis, inAxis] })(x, t), wantT, `vmap(jvp(sort))`);
    }
  });
});
