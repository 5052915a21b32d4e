import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import { type Array, ArrayImpl } from "../../src/core/array.js";
import { bind1 } from "../../src/core/trace.js";
import type { DType } from "../../src/dtype.js";
import {
  broadcast,
  broadcastedIota,
  broadcastInDim,
  broadcastInDimP,
  broadcastToRank,
  collapse,
  concatenate,
  expandDims,
  iota,
  pad,
  reshape,
  rev,
  squeeze,
  transpose,
} from "../../src/lax/shape_ops.js";
import { slice } from "../../src/lax/slicing.js";
import { stridesOf } from "../../src/shape.js";
import {
  arange,
  expectIdentical,
  expectMatches,
  type FxArray,
  fromFixture,
  readFixture,
  vals,
} from "../util/index.js";

interface Case {
  op: string;
  args: unknown[];
  inputs: FxArray[];
  out: FxArray;
}
const { cases } = readFixture<{ cases: Case[] }>("shape_ops.json");

type Nums = number[];
/** Each fixture op as a function of its array inputs (the static args are bound). */
const OPS: Record<string, (args: unknown[]) => (...xs: Array[]) => Array> = {
  broadcastInDim:
    ([s, d]) =>
    (x) =>
      broadcastInDim(x, s as Nums, d as Nums),
  reshape:
    ([s, d]) =>
    (x) =>
      reshape(x, s as Nums, d as Nums | null),
  transpose:
    ([p]) =>
    (x) =>
      transpose(x, p as Nums),
  squeeze:
    ([d]) =>
    (x) =>
      squeeze(x, d as Nums),
  expandDims:
    ([d]) =>
    (x) =>
      expandDims(x, d as Nums),
  concatenate:
    ([d]) =>
    (...xs) =>
      concatenate(xs, d as number),
  pad:
    ([c]) =>
    (x, v) =>
      pad(x, v, c as Nums[]),
  rev:
    ([d]) =>
    (x) =>
      rev(x, d as Nums),
  broadcastedIota:
    ([t, s, d]) =>
    () =>
      broadcastedIota(t as DType, s as Nums, d as number),
};

describe("shape primitives vs NumPy", () => {
  it("has fixtures for every op", () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(Object.keys(OPS)));
  });

  it.each(cases.map((c, i) => [`${i} ${c.op} ${JSON.stringify(c.args)}`, c] as const))(
    "%s",
    (_, c) => {
      const f = OPS[c.op]!(c.args);
      const xs = c.inputs.map(fromFixture);
      const eager = f(...xs);
      expectMatches(eager, c.out);
      // jit compiles the same primitives: it must give the very same values.
      expectIdentical(jit(f)(...xs), eager);
    },
  );
});

describe("jaxprs", () => {
  it("prints the primitives with JAX's parameter names", () => {
    const f = (x: Array) =>
      rev(
        pad(transpose(broadcastInDim(x, [2, 3], [1]), [1, 0]), 0, [
          [1, 0, 0],
          [0, 0, 1],
        ]),
        [0],
      );
    const text = makeJaxpr(f)(arange([3])).toString();
    expect(text).toContain("broadcast_in_dim[broadcast_dimensions=(1,) shape=(2, 3)]");
    expect(text).toContain("transpose[permutation=(1, 0)]");
    expect(text).toContain("pad[padding_config=((1, 0, 0), (0, 0, 1))]");
    expect(text).toContain("rev[dimensions=(0,)]");
    const g = (x: Array) => squeeze(reshape(x, [1, 3]), [0]);
    const t2 = makeJaxpr(g)(arange([3])).toString();
    expect(t2).toContain("reshape[dimensions=None new_sizes=(1, 3)]");
    expect(t2).toContain("squeeze[dimensions=(0,)]");
    const t3 = makeJaxpr(() => broadcastedIota("int32", [2, 3], 1))().toString();
    expect(t3).toContain("iota[dimension=1 dtype=int32 shape=(2, 3)]");
  });

  it("skips identity operations as jax.lax does", () => {
    const x = arange([2, 3]);
    expect(reshape(x, [2, 3])).toBe(x);
    expect(transpose(x, [0, 1])).toBe(x);
    expect(squeeze(x, [])).toBe(x);
    expect(concatenate([x], 0)).toBe(x);
    expect(broadcast(x, [])).toBe(x);
  });
});

describe("wrappers", () => {
  it("broadcast prepends dimensions; broadcastToRank prepends 1s", () => {
    const x = arange([2]);
    const y = broadcast(x, [3, 1]);
    expect(y.shape).toEqual([3, 1, 2]);
    expect(vals(y)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(broadcastToRank(x, 3).shape).toEqual([1, 1, 2]);
  });

  it("collapse merges a range of dimensions (Python slice bounds)", () => {
    const x = arange([2, 3, 4, 5]);
    expect(collapse(x, 1, 3).shape).toEqual([2, 12, 5]);
    expect(collapse(x, 0).shape).toEqual([120]);
    expect(collapse(x, -2).shape).toEqual([2, 3, 20]);
    expect(vals(collapse(x, 1, 3))).toEqual(vals(x));
  });

  it("iota counts along one axis", () => {
    expect(vals(iota("int32", 4))).toEqual([0, 1, 2, 3]);
    expect(iota("float32", 3).dtype).toBe("float32");
    expect(iota("int32", 0).shape).toEqual([0]);
  });

  it("pad takes a JS number padding value in the operand's dtype, weakly", () => {
    const x = arange([2], "int32");
    const y = pad(x, 9, [[1, 1, 1]]);
    expect(y.dtype).toBe("int32");
    expect(vals(y)).toEqual([9, 0, 9, 1, 9]);
    const z = pad(arange([2]), 0.5, [[0, 1, 0]]);
    expect(vals(z)).toEqual([0, 1, 0.5]);
  });

  it("keeps weak types (a weak scalar broadcast stays weak)", () => {
    const w = ArrayImpl.scalar(2, "float32", true);
    expect(broadcastInDim(w, [3], []).weakType).toBe(true);
    expect(reshape(w, [1]).weakType).toBe(true);
    expect(iota("int32", 3).weakType).toBe(false);
    const strong = ArrayImpl.full([1], 1, "float32");
    expect(concatenate([reshape(w, [1]), strong], 0).weakType).toBe(false);
  });

  it("handles empty arrays", () => {
    const e = arange([0, 3]);
    expect(transpose(e, [1, 0]).shape).toEqual([3, 0]);
    expect(broadcastInDim(e, [2, 0, 3], [1, 2]).shape).toEqual([2, 0, 3]);
    expect(rev(e, [0, 1]).shape).toEqual([0, 3]);
    expect(
      vals(
        pad(e, 1, [
          [1, 0, 0],
          [0, 0, 0],
        ]),
      ),
    ).toEqual([1, 1, 1]);
  });
});

// --- properties over random shapes ------------------------------------------------

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });
/** A shape and a permutation of its axes. */
const shapePermArb = shapeArb.chain((s) =>
  fc
    .shuffledSubarray(
      s.map((_, i) => i),
      { minLength: s.length, maxLength: s.length },
    )
    .map((p) => [s, p] as const),
);

const inverse = (p: readonly number[]) => {
  const inv = p.map(() => 0);
  p.forEach((q, i) => {
    inv[q] = i;
  });
  return inv;
};

describe("properties", () => {
  it("reshape to a flat vector and back is the identity", () => {
    fc.assert(
      fc.property(shapeArb, (s) => {
        const x = arange(s);
        const flat = reshape(x, [x.size]);
        expect(vals(flat)).toEqual(vals(x));
        expectIdentical(reshape(flat, s), x);
      }),
    );
  });

  it("transpose by a permutation, then by its inverse, is the identity", () => {
    fc.assert(
      fc.property(shapePermArb, ([s, p]) => {
        const x = arange(s);
        const t = transpose(x, p);
        expect(t.shape).toEqual(p.map((i) => s[i]));
        expectIdentical(transpose(t, inverse(p)), x);
        // Element check: t[i] = x[i permuted back].
        const ts = stridesOf(t.shape);
        const xs = stridesOf(s);
        const tv = vals(t);
        const xv = vals(x);
        for (let k = 0; k < tv.length; k++) {
          let src = 0;
          p.forEach((q, d) => {
            src += (Math.floor(k / ts[d]!) % t.shape[d]!) * xs[q]!;
          });
          expect(tv[k]).toBe(xv[src]);
        }
      }),
    );
  });

  it("broadcastInDim then slicing out one copy gives the operand back", () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        (s, extra) => {
          const x = arange(s);
          const out = [...extra, ...s];
          const dims = s.map((_, i) => extra.length + i);
          const b = broadcastInDim(x, out, dims);
          expect(b.shape).toEqual(out);
          const one = slice(
            b,
            out.map(() => 0),
            [...extra.map(() => 1), ...s],
          );
          expectIdentical(reshape(one, s), x);
        },
      ),
    );
  });

  it("rev twice is the identity; pad then un-pad is the identity", () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.array(fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2)), { minLength: 4, maxLength: 4 }),
        (s, cfg) => {
          const x = arange(s);
          const dims = s.map((_, i) => i).filter((i) => i % 2 === 0);
          expectIdentical(rev(rev(x, dims), dims), x);
          const c = s.map((_, i) => cfg[i]!);
          const padded = pad(x, -1, c);
          expect(padded.shape).toEqual(
            s.map((d, i) => d + c[i]![0] + c[i]![1] + (d - 1) * c[i]![2]),
          );
          // Removing lo/hi with negative padding, then the interior with a strided slice.
          const cropped = pad(
            padded,
            0,
            c.map(([lo, hi]) => [-lo, -hi, 0]),
          );
          const strided = slice(
            cropped,
            s.map(() => 0),
            cropped.shape,
            c.map(([, , interior]) => interior + 1),
          );
          expectIdentical(strided, x);
        },
      ),
    );
  });

  it("concatenate then slice returns the pieces", () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.length > 0),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 3 }),
        (s, sizes) => {
          const axis = s.length - 1;
          const pieces = sizes.map((n) => arange(s.map((d, i) => (i === axis ? n : d))));
          const joined = concatenate(pieces, axis);
          let start = 0;
          for (const p of pieces) {
            const n = p.shape[axis]!;
            const got = slice(
              joined,
              s.map((_, i) => (i === axis ? start : 0)),
              joined.shape.map((d, i) => (i === axis ? start + n : d)),
            );
            expectIdentical(got, p);
            start += n;
          }
        },
      ),
    );
  });
});

// --- errors ---------------------------------------------------------------------

describe("errors name the function, the arguments and what is allowed", () => {
  const x = arange([2, 3]);

  it("broadcastInDim", () => {
    expect(() => broadcastInDim(x, [2, 4], [0, 1])).toThrow(
      /lax.broadcastInDim.*\(2, 3\).*\(2, 4\).*\(0, 1\)/,
    );
    expect(() => broadcastInDim(x, [3, 2], [1])).toThrow(
      /lax.broadcastInDim.*length of broadcast_dimensions/,
    );
    expect(() => broadcastInDim(x, [3], [0, 1])).toThrow(/lax.broadcastInDim.*rank/);
    expect(() => broadcastInDim(x, [3, 2, 3], [2, 0])).toThrow(/strictly increasing.*\(2, 0\)/);
    expect(() => broadcastInDim(x, [2, 3], [0, 2])).toThrow(/dimensions of the target shape/);
    expect(() => broadcastInDim(x, [2, -3], [0, 1])).toThrow(
      /lax.broadcastInDim: shape must be .*shape\[1\] is -3: negative dimensions are not allowed/,
    );
    // The primitive checks its params too (e.g. when bound by a transformation rule).
    expect(() =>
      bind1(broadcastInDimP, [x], { shape: [2, 4], broadcast_dimensions: [0, 1] }),
    ).toThrow(/lax.broadcastInDim/);
  });

  it("reshape / transpose / squeeze / expandDims", () => {
    expect(() => reshape(x, [4, 2])).toThrow(
      /lax.reshape.*\(4, 2\).*total size 8.*\(2, 3\).*total size 6/,
    );
    expect(() => reshape(x, [-1, 6])).toThrow(/lax.reshape.*non-negative/);
    expect(() => transpose(x, [0, 0])).toThrow(/lax.transpose.*\(0, 0\).*\(2, 3\)/);
    expect(() => transpose(x, [1])).toThrow(/lax.transpose.*permutation/);
    expect(() => squeeze(x, [1])).toThrow(/lax.squeeze.*dimension 1 of size 3/);
    expect(() => squeeze(x, [2])).toThrow(/lax.squeeze.*out of bounds/);
    expect(() => expandDims(x, [3])).toThrow(/lax.expandDims.*out of bounds/);
    expect(() => expandDims(x, [0, 0])).toThrow(/lax.expandDims.*repeated/);
  });

  it("concatenate / pad / rev / iota", () => {
    const y = arange([2, 4], "int32");
    expect(() => concatenate([x, y], 1)).toThrow(/lax.concatenate.*same dtype.*float32, int32/);
    expect(() => concatenate([x, arange([3, 3])], 1)).toThrow(
      /lax.concatenate.*except in the concatenated dimension 1.*\(2, 3\), \(3, 3\)/,
    );
    expect(() => concatenate([x, x], 2)).toThrow(/lax.concatenate: dimension 2 is out of bounds/);
    expect(() => concatenate([x, arange([6])], 0)).toThrow(/lax.concatenate.*different ranks/);
    expect(() => concatenate([], 0)).toThrow(/lax.concatenate.*at least one operand/);
    expect(() => pad(x, 0, [[0, 0, 0]])).toThrow(/lax.pad.*one \(lo, hi, interior\).*\(2, 3\)/);
    expect(() =>
      pad(x, 0, [
        [0, 0, -1],
        [0, 0, 0],
      ]),
    ).toThrow(/lax.pad: interior padding must be non-negative/);
    expect(() =>
      pad(x, 0, [
        [-3, 0, 0],
        [0, 0, 0],
      ]),
    ).toThrow(/lax.pad.*non-negative.*\(-1, 3\)/);
    expect(() =>
      pad(x, arange([2]), [
        [0, 0, 0],
        [0, 0, 0],
      ]),
    ).toThrow(/lax.pad: padding_value must be a scalar/);
    expect(() =>
      pad(x, ArrayImpl.scalar(0, "int32"), [
        [0, 0, 0],
        [0, 0, 0],
      ]),
    ).toThrow(/lax.pad.*same dtype.*float32 and int32/);
    expect(() =>
      pad(y, 0.5, [
        [0, 0, 0],
        [0, 0, 0],
      ]),
    ).toThrow(/lax.pad.*same dtype.*int32 and float32/);
    expect(() => rev(x, [2])).toThrow(/lax.rev.*\(2,\).*out of bounds.*allowed: 0 to 1/);
    expect(() => rev(x, [1, 1])).toThrow(/lax.rev.*unique/);
    expect(() => iota("bool", 3)).toThrow(/lax.broadcastedIota does not accept dtype bool/);
    expect(() => broadcastedIota("int32", [2, 3], 2)).toThrow(
      /lax.broadcastedIota.*dimension 2.*out of bounds/,
    );
  });
});
