import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import type { Array } from "../../src/core/array.js";
import * as p from "../../src/numpy/products.js";
import { sizeOf, stridesOf } from "../../src/shape.js";
import { arange, b8, expectIdentical, f32, i32, vals } from "../util/index.js";
import { type Enc, expectCloseToFixture, fixture } from "./helpers.js";

const table: Record<string, (...xs: Array[]) => Array> = {
  matmul_2d: (a, b) => p.matmul(a, b),
  matmul_batch_lhs: (a, b) => p.matmul(a, b),
  matmul_batch_rhs: (a, b) => p.matmul(a, b),
  matmul_vec_mat: (a, b) => p.matmul(a, b),
  matmul_mat_vec: (a, b) => p.matmul(a, b),
  matmul_vec_vec: (a, b) => p.matmul(a, b),
  matmul_broadcast: (a, b) => p.matmul(a, b),
  matmul_broadcast2: (a, b) => p.matmul(a, b),
  matmul_batchvec: (a, b) => p.matmul(a, b),
  matmul_int: (a, b) => p.matmul(a, b),
  dot_nd: (a, b) => p.dot(a, b),
  dot_mat_vec: (a, b) => p.dot(a, b),
  inner: (a, b) => p.inner(a, b),
  vdot: (a, b) => p.vdot(a, b),
  outer: (a, b) => p.outer(a, b),
  tensordot_pairs: (a, b) =>
    p.tensordot(a, b, [
      [1, 2],
      [1, 0],
    ]),
  tensordot_2: (a, b) => p.tensordot(a, b),
  tensordot_0: (a, b) => p.tensordot(a, b, 0),
  einsum_matmul: (a, b) => p.einsum("ij,jk->ik", a, b),
  einsum_implicit: (a, b) => p.einsum("ij,jk", a, b),
  einsum_implicit_order: (a) => p.einsum("ba", a),
  einsum_trace: (a) => p.einsum("ii->", a),
  einsum_diag: (a) => p.einsum("ii->i", a),
  einsum_transpose: (a) => p.einsum("ij->ji", a),
  einsum_bmm: (a, b) => p.einsum("bij,bjk->bik", a, b),
  einsum_ellipsis: (a, b) => p.einsum("...ij,...jk->...ik", a, b),
  einsum_dotvec: (a, b) => p.einsum("i,i", a, b),
  einsum_hadamard: (a, b) => p.einsum("ij,ij->ij", a, b),
  einsum_chain: (a, b, c) => p.einsum("ijk,kl,lm->ijm", a, b, c),
  einsum_outer: (a, b) => p.einsum("ab,cd->abcd", a, b),
  einsum_sum_ellipsis: (a) => p.einsum("...i->...", a),
  einsum_repeat3: (a) => p.einsum("iij->ij", a),
  einsum_batch_outer: (a, b) => p.einsum("bi,bj->bij", a, b),
  einsum_sumout: (a, b) => p.einsum("ij,k->i", a, b),
  einsum_weird: (a, b, c) => p.einsum("iJ,Jk,ki->", a, b, c),
  trace: (a) => p.trace(a),
  trace_offset1: (a) => p.trace(a, 1),
  diagonal_axes: (a) => p.diagonal(a, -1, 2, 0),
  diagonal_off2: (a) => p.diagonal(a, 2),
  diag_k1: (v) => p.diag(v, 1),
  diag_km2: (v) => p.diag(v, -2),
  diag_2d_km1: (a) => p.diag(a, -1),
  kron: (a, b) => p.kron(a, b),
  cross3: (a, b) => p.cross(a, b),
  cross2: (a, b) => p.cross(a, b),
  cross_axis0_32: (a, b) => p.cross(a, b, { axisa: 0, axisb: 0 }),
};

describe("jnp products vs NumPy", () => {
  for (const [name, f] of Object.entries(table)) {
    it(name, () => {
      const { inputs, out } = fixture(name);
      const eager = f(...inputs);
      expectCloseToFixture(eager, out as Enc, 5e-6);
      expectIdentical(jit(f)(...inputs), eager);
    });
  }
});

describe("dtypes", () => {
  it("ints stay int32, bools give bool, preferredElementType converts", () => {
    const a = i32([1, 2, 3, 4], [2, 2]);
    expect(p.matmul(a, a).dtype).toBe("int32");
    expect(vals(p.matmul(a, a))).toEqual([7, 10, 15, 22]);
    const m = p.matmul(a, a, { preferredElementType: "float32" });
    expect(m.dtype).toBe("float32");
    const b = b8([true, false, false, false], [2, 2]);
    const bb = p.matmul(b, b8([false, true, true, false], [2, 2]));
    expect(bb.dtype).toBe("bool");
    expect(vals(bb)).toEqual([0, 1, 0, 0]);
    expect(p.matmul(a, f32([1, 1])).dtype).toBe("float32");
    expect(p.einsum("ij,jk", a, a).dtype).toBe("int32");
    expect(p.trace(b8([true, false, true, true], [2, 2])).dtype).toBe("int32");
  });
  it("dot with a scalar multiplies", () => {
    expect(vals(p.dot(2, f32([1, 2])))).toEqual([2, 4]);
    expect(vals(p.inner(f32([1, 2]), 3))).toEqual([3, 6]);
  });
});

describe("no broadcast materialization: products are single dot_generals", () => {
  const jaxprOf = (f: (...xs: Array[]) => Array, ...xs: Array[]) => makeJaxpr(f)(...xs).toString();
  it("einsum contracts with dot_general, not mul + reduce", () => {
    const text = jaxprOf(
      (a, b) => p.einsum("bij,bjk->bik", a, b),
      arange([5, 2, 3]),
      arange([5, 3, 4]),
    );
    expect(text).toMatch(/dot_general/);
    expect(text).not.toMatch(/\bmul\b|reduce_sum|broadcast_in_dim/);
    const chain = jaxprOf(
      (a, b, c) => p.einsum("ij,jk,kl->il", a, b, c),
      arange([2, 3]),
      arange([3, 4]),
      arange([4, 5]),
    );
    expect(chain.match(/dot_general/g)?.length).toBe(2);
  });
  it("matmul of a batch by a matrix does not broadcast the matrix", () => {
    const text = jaxprOf((a, b) => p.matmul(a, b), arange([7, 2, 3]), arange([3, 4]));
    expect(text).toMatch(/dot_general/);
    expect(text).not.toMatch(/broadcast_in_dim/);
    const text2 = jaxprOf((a, b) => p.matmul(a, b), arange([2, 1, 3, 4]), arange([5, 4, 2]));
    expect(text2).not.toMatch(/broadcast_in_dim/);
  });
});

describe("errors", () => {
  const a = arange([2, 3]);
  const b = arange([4, 5]);
  it("matmul", () => {
    expect(() => p.matmul(a, b)).toThrow(
      /jnp.matmul: size mismatch.*\(2, 3\) and \(4, 5\).*\(3\).*\(4\)/,
    );
    expect(() => p.matmul(f32([5], []), a)).toThrow(/jnp.matmul: operand 0 is 0-d/);
    expect(() => p.matmul(arange([2, 2, 3]), arange([3, 3, 2]))).toThrow(
      /jnp.matmul: batch dimensions \(2,\) and \(3,\)/,
    );
  });
  it("dot, tensordot, vdot", () => {
    expect(() => p.dot(a, b)).toThrow(
      /jnp.dot: shapes \(2, 3\) and \(4, 5\) not aligned: 3 \(dim 1\) != 4 \(dim 0\)/,
    );
    expect(() => p.tensordot(a, b, 1)).toThrow(/jnp.tensordot: shapes .* not aligned/);
    expect(() => p.tensordot(a, b, 3)).toThrow(/jnp.tensordot: axes 3 must be/);
    expect(() => p.tensordot(a, b, [[0, 1], [0]])).toThrow(/same number of axes/);
    expect(() => p.vdot(a, b)).toThrow(/jnp.vdot: the arrays must have the same size/);
  });
  it("einsum", () => {
    expect(() => p.einsum("ij,jk->ik", a)).toThrow(
      /jnp.einsum: subscripts 'ij,jk->ik' name 2 operand\(s\), but 1 were given/,
    );
    expect(() => p.einsum("ijk", a)).toThrow(
      /jnp.einsum: operand 0 has 2 dimension\(s\) \(shape \(2, 3\)\), but its subscripts 'ijk' name 3/,
    );
    expect(() => p.einsum("i2", a)).toThrow(/invalid subscript character '2'/);
    expect(() => p.einsum("ij->k", a)).toThrow(/output subscript 'k' does not appear/);
    expect(() => p.einsum("ij,ij", a, b)).toThrow(
      /size of label 'i' in operand 1 \(4\) does not match previous terms \(2\)/,
    );
    expect(() => p.einsum("ij->ii", a)).toThrow(/repeat a label/);
  });
  it("diagonal and diag", () => {
    expect(() => p.diagonal(arange([3]))).toThrow(
      /jnp.diagonal: requires an array of at least two dimensions/,
    );
    expect(() => p.diagonal(a, 0, 1, -1)).toThrow(/axis1 and axis2 cannot be the same/);
    expect(() => p.diag(arange([2, 2, 2]))).toThrow(/jnp.diag: input must be 1-D or 2-D/);
    expect(() => p.cross(arange([4]), arange([4]))).toThrow(/jnp.cross: incompatible dimensions/);
  });
  it("diagonal edge cases", () => {
    expect([...p.diagonal(a, 5).shape]).toEqual([0]);
    expect(vals(p.diag(f32([]), 0))).toEqual([]);
    expect(vals(p.diag(f32([7]), 0))).toEqual([7]);
  });
});

/** Naive matmul over broadcast batch dims (NumPy semantics), int data so results are exact. */
function naiveMatmul(
  x: number[],
  xs: number[],
  y: number[],
  ys: number[],
): { data: number[]; shape: number[] } {
  const xv = xs.length === 1;
  const yv = ys.length === 1;
  const X = xv ? [1, ...xs] : xs;
  const Y = yv ? [...ys, 1] : ys;
  const [m, k] = X.slice(-2) as [number, number];
  const n = Y[Y.length - 1]!;
  const bx = X.slice(0, -2);
  const by = Y.slice(0, -2);
  const L = Math.max(bx.length, by.length);
  const pad = (s: number[]) => [...new globalThis.Array<number>(L - s.length).fill(1), ...s];
  const px = pad(bx);
  const py = pad(by);
  const batch = px.map((d, i) => Math.max(d, py[i]!));
  const out: number[] = [];
  const bsx = stridesOf(px);
  const bsy = stridesOf(py);
  const bs = stridesOf(batch);
  for (let bi = 0; bi < sizeOf(batch); bi++) {
    let ox = 0;
    let oy = 0;
    batch.forEach((_, d) => {
      const idx = Math.floor(bi / bs[d]!) % batch[d]!;
      ox += (px[d] === 1 ? 0 : idx) * bsx[d]!;
      oy += (py[d] === 1 ? 0 : idx) * bsy[d]!;
    });
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += x[ox * m * k + i * k + t]! * y[oy * k * n + t * n + j]!;
        out.push(s);
      }
  }
  return { data: out, shape: [...batch, ...(xv ? [] : [m]), ...(yv ? [] : [n])] };
}

describe("properties", () => {
  it("matmul broadcasting matches a naive loop", () => {
    const dim = fc.integer({ min: 1, max: 3 });
    const batchPair = fc.array(
      fc.tuple(dim, fc.constantFrom("both", "lhs1", "rhs1", "lhsOnly", "rhsOnly")),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(batchPair, dim, dim, dim, fc.boolean(), fc.boolean(), (bp, m, k, n, xv, yv) => {
        // Batch dims are built right-aligned; "only" dims must lead, so drop them after a present one.
        const bx: number[] = [];
        const by: number[] = [];
        // A dim absent on one side must lead: once that side has dims, it gets a broadcast 1 instead.
        bp.forEach(([d, kind]) => {
          const lhsOnly = kind === "lhsOnly" && by.length === 0;
          const rhsOnly = kind === "rhsOnly" && bx.length === 0;
          if (!rhsOnly) bx.push(kind === "lhs1" || kind === "rhsOnly" ? 1 : d);
          if (!lhsOnly) by.push(kind === "rhs1" || kind === "lhsOnly" ? 1 : d);
        });
        const xs = xv ? [k] : [...bx, m, k];
        const ys = yv ? [k] : [...by, k, n];
        const x = globalThis.Array.from({ length: sizeOf(xs) }, (_, i) => (i % 7) - 3);
        const y = globalThis.Array.from({ length: sizeOf(ys) }, (_, i) => (i % 5) - 2);
        const want = naiveMatmul(x, xs, y, ys);
        const got = p.matmul(i32(x, xs), i32(y, ys));
        expect([...got.shape]).toEqual(want.shape);
        expect(vals(got)).toEqual(want.data);
      }),
      { numRuns: 150 },
    );
  });

  it("einsum matches explicit loops over all label values", () => {
    const letters = ["a", "b", "c", "d"];
    const spec = fc
      .record({
        sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
        ops: fc.array(fc.array(fc.constantFrom(...letters), { maxLength: 3 }), {
          minLength: 1,
          maxLength: 3,
        }),
        outMask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        explicit: fc.boolean(),
      })
      .filter(({ ops }) => ops.some((o) => o.length > 0));
    fc.assert(
      fc.property(spec, ({ sizes, ops, outMask, explicit }) => {
        const size = (l: string) => sizes[letters.indexOf(l)]!;
        const used = letters.filter((l) => ops.some((o) => o.includes(l)));
        let out: string[];
        if (explicit) out = used.filter((l) => outMask[letters.indexOf(l)]);
        else {
          const counts = used.map((l) => ops.flat().filter((q) => q === l).length);
          out = used.filter((_, i) => counts[i] === 1).sort();
        }
        const subs = ops.map((o) => o.join("")).join(",") + (explicit ? `->${out.join("")}` : "");
        const arrays = ops.map((o, j) => {
          const shape = o.map(size);
          return {
            shape,
            data: globalThis.Array.from({ length: sizeOf(shape) }, (_, i) => ((i * 3 + j) % 5) - 2),
          };
        });
        // Loop over every assignment of the used labels.
        const outShape = out.map(size);
        const want = new globalThis.Array<number>(sizeOf(outShape)).fill(0);
        const total = sizeOf(used.map(size));
        for (let t = 0; t < total; t++) {
          const val: Record<string, number> = {};
          let rem = t;
          for (const l of used) {
            val[l] = rem % size(l);
            rem = Math.floor(rem / size(l));
          }
          let prod = 1;
          ops.forEach((o, j) => {
            const st = stridesOf(arrays[j]!.shape);
            prod *= arrays[j]!.data[o.reduce((acc, l, d) => acc + val[l]! * st[d]!, 0)]!;
          });
          const ost = stridesOf(outShape);
          want[out.reduce((acc, l, d) => acc + val[l]! * ost[d]!, 0)]! += prod;
        }
        const got = p.einsum(subs, ...arrays.map((a) => i32(a.data, a.shape)));
        expect([...got.shape], subs).toEqual(outShape);
        expect(vals(got), subs).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it("trace equals the sum of diag for any offset", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: -5, max: 5 }),
        (n, m, k) => {
          const x = arange([n, m]);
          const d = vals(p.diagonal(x, k));
          const want: number[] = [];
          for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < m) want.push(i * m + i + k);
          expect(d).toEqual(want);
          expect(vals(p.trace(x, k))).toEqual([want.reduce((s, v) => s + v, 0)]);
        },
      ),
    );
  });
});
