import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import { type Array, ArrayImpl, hostValues } from "../../src/core/array.js";
import { type DotDimensionNumbers, dot, dotGeneral } from "../../src/lax/dot.js";
import { expectIdentical, expectMatches, fromFixture, seeded, vals } from "../util/index.js";
import { fixtures } from "./reductions_fixtures.js";

const MM: DotDimensionNumbers = [
  [[1], [0]],
  [[], []],
];

describe("dot_general vs NumPy einsum", () => {
  it.each(
    fixtures.dot.map(
      (c, i) =>
        [
          `${i}: ${c.spec} ${c.lhs.dtype}${JSON.stringify(c.lhs.shape)}·${JSON.stringify(c.rhs.shape)}`,
          c,
        ] as const,
    ),
  )("%s", (_, c) => {
    const l = fromFixture(c.lhs);
    const r = fromFixture(c.rhs);
    const eager = dotGeneral(l, r, c.dn);
    expectMatches(eager, c.out);
    expectIdentical(jit((a: Array, b: Array) => dotGeneral(a, b, c.dn))(l, r), eager);
  });
});

/** Naive batched matmul on [nb, m, k] × [nb, k, n] in exact integer arithmetic. */
function naiveBmm(a: ArrayImpl, b: ArrayImpl): number[] {
  const [nb, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const out: number[] = [];
  for (let p = 0; p < nb; p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++)
          s += hostValues(a)[(p * m + i) * k + q]! * hostValues(b)[(p * k + q) * n + j]!;
        out.push(s);
      }
  return out;
}

describe("dot_general properties", () => {
  const dims = fc.integer({ min: 0, max: 5 });
  it("batched matmul equals a naive loop (int32, exact) for random sizes", () => {
    fc.assert(
      fc.property(dims, dims, dims, dims, fc.nat(), (nb, m, k, n, seed) => {
        const a = seeded([nb, m, k], seed + 1, "int32");
        const b = seeded([nb, k, n], seed + 2, "int32");
        const out = dotGeneral(a, b, [
          [[2], [1]],
          [[0], [0]],
        ]);
        expect(out.shape).toEqual([nb, m, n]);
        expect(vals(out)).toEqual(naiveBmm(a, b));
      }),
    );
  });

  it("moving dims around only permutes the output (lhs transposed, batch last)", () => {
    fc.assert(
      fc.property(dims, dims, dims, dims, fc.nat(), (nb, m, k, n, seed) => {
        const a = seeded([nb, m, k], seed + 1, "int32");
        const b = seeded([nb, k, n], seed + 2, "int32");
        // The same contraction with lhs as [k, m, nb] and rhs as [n, nb, k].
        const at = new Int32Array(a.size);
        const bt = new Int32Array(b.size);
        for (let p = 0; p < nb; p++)
          for (let i = 0; i < m; i++)
            for (let q = 0; q < k; q++)
              at[(q * m + i) * nb + p] = hostValues(a)[(p * m + i) * k + q]!;
        for (let p = 0; p < nb; p++)
          for (let q = 0; q < k; q++)
            for (let j = 0; j < n; j++)
              bt[(j * nb + p) * k + q] = hostValues(b)[(p * k + q) * n + j]!;
        const out = dotGeneral(
          ArrayImpl.fromData(at, [k, m, nb]),
          ArrayImpl.fromData(bt, [n, nb, k]),
          [
            [[0], [2]],
            [[2], [1]],
          ],
        );
        expect(out.shape).toEqual([nb, m, n]);
        expect(vals(out)).toEqual(naiveBmm(a, b));
      }),
    );
  });

  it("float32 results are the float64 sums rounded once", () => {
    fc.assert(
      fc.property(dims, dims, dims, fc.nat(), (m, k, n, seed) => {
        const a = seeded([1, m, k], seed + 1);
        const b = seeded([1, k, n], seed + 2);
        const out = dotGeneral(a, b, [
          [[2], [1]],
          [[0], [0]],
        ]);
        expect(vals(out)).toEqual(naiveBmm(a, b).map(Math.fround));
      }),
    );
  });

  it("a 256x256x256 float32 matmul is not naive-slow", () => {
    const a = seeded([256, 256], 1);
    const b = seeded([256, 256], 2);
    dotGeneral(a, b, MM); // warm up
    const t0 = performance.now();
    const out = dotGeneral(a, b, MM);
    const ms = performance.now() - t0;
    expect(out.shape).toEqual([256, 256]);
    // The target is well under 100 ms; the bound is loose so a busy machine does not fail it.
    expect(ms).toBeLessThan(500);
  });
});

describe("dot_general types", () => {
  it("preferredElementType sets the output dtype", () => {
    const a = seeded([2, 3], 1, "int32");
    const b = seeded([3, 2], 2, "int32");
    const f = dotGeneral(a, b, MM, { preferredElementType: "float32" });
    expect(f.dtype).toBe("float32");
    expect(vals(f)).toEqual(vals(dotGeneral(a, b, MM)));
    // float64 is canonicalized to float32 without x64, as in JAX.
    expect(
      dotGeneral(seeded([2, 3], 1), seeded([3, 2], 2), MM, { preferredElementType: "float64" })
        .dtype,
    ).toBe("float32");
  });

  it("bool dot is 'any a and b'", () => {
    const a = ArrayImpl.fromData(new Uint8Array([1, 0, 1, 0, 0, 0]), [2, 3]);
    const b = ArrayImpl.fromData(
      new Uint8Array(globalThis.Array.from({ length: 3 * 300 }, () => 1)),
      [3, 300],
    );
    const out = dotGeneral(a, b, MM);
    expect(out.dtype).toBe("bool");
    const d = vals(out);
    expect(d.slice(0, 300).every((v) => v === 1)).toBe(true);
    expect(d.slice(300).every((v) => v === 0)).toBe(true);
  });

  it("is weak only when both operands are", () => {
    const w = ArrayImpl.scalar(2.5, "float32", true);
    expect(
      dotGeneral(w, w, [
        [[], []],
        [[], []],
      ]).weakType,
    ).toBe(true);
    expect(
      dotGeneral(w, ArrayImpl.scalar(2, "float32"), [
        [[], []],
        [[], []],
      ]).weakType,
    ).toBe(false);
  });

  it("prints JAX-style jaxprs", () => {
    const text = makeJaxpr((a: Array, b: Array) => dotGeneral(a, b, MM))(
      seeded([2, 3], 1),
      seeded([3, 4], 2),
    );
    expect(text.toString()).toContain(
      "c:f32[2,4] = dot_general[dimension_numbers=(((1,), (0,)), ((), ())) precision=None preferred_element_type=None] a b",
    );
  });
});

describe("lax.dot", () => {
  const m = seeded([3, 4], 1, "int32");
  const v = seeded([4], 2, "int32");
  const w = seeded([3], 3, "int32");
  const mm = seeded([4, 2], 4, "int32");
  const ref = (a: ArrayImpl, b: ArrayImpl) =>
    naiveBmm(
      ArrayImpl.fromData(hostValues(a), [1, a.ndim === 1 ? 1 : a.shape[0]!, a.shape[a.ndim - 1]!]),
      ArrayImpl.fromData(hostValues(b), [1, b.shape[0]!, b.ndim === 1 ? 1 : b.shape[1]!]),
    );
  it("vector·vector, matrix·vector, vector·matrix, matrix·matrix", () => {
    expect(dot(v, v).shape).toEqual([]);
    expect(vals(dot(v, v))).toEqual(ref(v, v));
    expect(dot(m, v).shape).toEqual([3]);
    expect(vals(dot(m, v))).toEqual(ref(m, v));
    expect(dot(w, m).shape).toEqual([4]);
    expect(vals(dot(w, m))).toEqual(ref(w, m));
    expect(dot(m, mm).shape).toEqual([3, 2]);
    expect(vals(dot(m, mm))).toEqual(ref(m, mm));
  });

  it("rejects other ranks and mismatched inner dimensions", () => {
    expect(() => dot(m, w)).toThrow(
      /lax\.dot: incompatible shapes for dot: got \(3, 4\) and \(3,\)/,
    );
    expect(() => dot(seeded([2, 3, 4], 1), v)).toThrow(
      /lax\.dot: incompatible shapes for dot: got \(2, 3, 4\) and \(4,\)/,
    );
  });
});

describe("dot_general errors", () => {
  const a = seeded([2, 3], 1);
  const b = seeded([4, 5], 2);
  it("names mismatched contracting dims, their sizes and the shapes", () => {
    expect(() => dotGeneral(a, b, MM)).toThrow(
      /lax\.dotGeneral: lhs contracting dimensions \(1,\) and rhs contracting dimensions \(0,\) must have the same sizes, got \(3,\) and \(4,\) \(lhs shape \(2, 3\), rhs shape \(4, 5\)\)/,
    );
  });

  it("names mismatched batch dims", () => {
    expect(() =>
      dotGeneral(seeded([2, 3, 4], 1), seeded([3, 4, 5], 2), [
        [[2], [1]],
        [[0], [0]],
      ]),
    ).toThrow(
      /lhs batch dimensions \(0,\) and rhs batch dimensions \(0,\) must have the same sizes, got \(2,\) and \(3,\)/,
    );
    expect(() =>
      dotGeneral(a, a, [
        [[], []],
        [[0], []],
      ]),
    ).toThrow(
      /requires equal numbers of lhs and rhs batch dimensions, got lhs batch \(0,\) and rhs batch \(\)/,
    );
  });

  it("checks dims are in range and distinct", () => {
    expect(() =>
      dotGeneral(a, a, [
        [[2], [0]],
        [[], []],
      ]),
    ).toThrow(
      /lhs contracting dimension 2 is out of bounds for lhs of shape \(2, 3\) \(allowed: 0 to 1\)/,
    );
    expect(() =>
      dotGeneral(a, a, [
        [[0], [0]],
        [[0], [1]],
      ]),
    ).toThrow(/lhs batch and contracting dimensions \(0, 0\) must be distinct/);
  });

  it("requires equal dtypes and a compatible preferred type", () => {
    expect(() => dotGeneral(a, seeded([3, 2], 1, "int32"), MM)).toThrow(
      /lax\.dotGeneral: lhs and rhs must have the same dtype, got float32 and int32/,
    );
    expect(() => dotGeneral(a, seeded([3, 2], 1), MM, { preferredElementType: "int32" })).toThrow(
      /preferredElementType int32 is not allowed for float32 inputs/,
    );
  });

  it("checks under tracing too", () => {
    expect(() => makeJaxpr((x: Array, y: Array) => dotGeneral(x, y, MM))(a, b)).toThrow(
      /must have the same sizes/,
    );
  });
});
