import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit } from "../../src/api/jit.js";
import type { Array } from "../../src/core/array.js";
import { ConcretizationTypeError } from "../../src/core/trace.js";
import * as m from "../../src/numpy/manipulation.js";
import * as uf from "../../src/numpy/ufuncs.js";
import { sizeOf } from "../../src/shape.js";
import { arange, b8, expectIdentical, f32, i32, u32, vals } from "../util/index.js";
import { type Enc, expectCloseToFixture, fixture } from "./helpers.js";

const table: Record<string, (...xs: Array[]) => Array> = {
  pad_edge: (x) =>
    m.pad(
      x,
      [
        [3, 4],
        [5, 1],
      ],
      "edge",
    ),
  pad_reflect: (x) =>
    m.pad(
      x,
      [
        [3, 4],
        [5, 1],
      ],
      "reflect",
    ),
  pad_symmetric: (x) =>
    m.pad(
      x,
      [
        [3, 4],
        [5, 1],
      ],
      { mode: "symmetric" },
    ),
  pad_wrap: (x) =>
    m.pad(
      x,
      [
        [3, 4],
        [5, 1],
      ],
      "wrap",
    ),
  pad_constant: (x) =>
    m.pad(
      x,
      [
        [1, 0],
        [2, 3],
      ],
      { constantValues: 7 },
    ),
  pad_reflect_big: (x) => m.pad(x, [9, 7], "reflect"),
  pad_symmetric_big: (x) => m.pad(x, [8, 10], "symmetric"),
  pad_reflect_len1: (x) => m.pad(x, 3, "reflect"),
  tile: (x) => m.tile(x, [2, 1, 3]),
  repeat_counts: (x) => m.repeat(x, [1, 0, 3], 1),
  repeat_flat: (x) => m.repeat(x, 2),
  roll_multi: (x) => m.roll(x, [1, -5], [0, 1]),
  roll_flat: (x) => m.roll(x, 5),
  sort_nan: (x) => m.sort(x),
  argsort_stable: (x) => m.argsort(x),
  argsort_desc: (x) => m.argsort(x, { descending: true }),
  searchsorted_left: (a, v) => m.searchsorted(a, v),
  searchsorted_right: (a, v) => m.searchsorted(a, v, { side: "right" }),
  take_axis1: (x, i) => m.take(x, i, 1),
  take_flat: (x, i) => m.take(x, i),
  take_along_axis1: (x, i) => m.takeAlongAxis(x, i, 1),
  tril_k1: (x) => m.tril(x, 1),
  triu_km1: (x) => m.triu(x, -1),
  argwhere: (x) => m.argwhere(x),
  select: (x) =>
    m.select([uf.less(x, -0.5), uf.greater(x, 0.5)], [uf.multiply(x, 2), uf.multiply(x, 3)], 9),
  clip: (x) => m.clip(x, -0.5, 0.25),
};

describe("jnp manipulation vs NumPy", () => {
  for (const [name, f] of Object.entries(table)) {
    it(name, () => {
      const { inputs, out } = fixture(name);
      const eager = f(...inputs);
      expectCloseToFixture(eager, out as Enc, 1e-6);
      if (name !== "argwhere") expectIdentical(jit(f)(...inputs), eager);
    });
  }
  it("searchsorted by comparing all pairs agrees", () => {
    for (const side of ["left", "right"] as const) {
      const { inputs, out } = fixture(`searchsorted_${side}`);
      expectCloseToFixture(
        m.searchsorted(inputs[0]!, inputs[1]!, { side, method: "compare_all" }),
        out as Enc,
        0,
      );
    }
  });
  it("nonzero, eagerly and under jit with a size", () => {
    const { inputs, out } = fixture("nonzero");
    const outs = out as Enc[];
    const nz = m.nonzero(inputs[0]!);
    for (const [k, a] of nz.entries()) expectCloseToFixture(a, outs[k]!, 0);
    const n = outs[0]!.data.length;
    const f = jit((x: Array) => m.nonzero(x, { size: n + 2, fillValue: -1 }));
    const got = f(inputs[0]!);
    for (const [k, a] of got.entries())
      expect(vals(a)).toEqual([...(outs[k]!.data as number[]), -1, -1]);
    const g = jit((x: Array) => m.argwhere(x, { size: 2 }));
    expect(vals(g(inputs[0]!))).toEqual(vals(m.argwhere(inputs[0]!)).slice(0, 4));
  });
});

describe("shapes", () => {
  const x = arange([2, 3, 4]);
  it("reshape with -1 and Fortran order", () => {
    expect([...m.reshape(x, [-1, 4]).shape]).toEqual([6, 4]);
    expect([...m.reshape(x, 24).shape]).toEqual([24]);
    expect(vals(m.reshape(arange([2, 3]), [3, 2], { order: "F" }))).toEqual([0, 4, 3, 2, 1, 5]);
    expect(vals(m.ravel(arange([2, 3]), { order: "F" }))).toEqual([0, 3, 1, 4, 2, 5]);
    expect([...m.reshape(f32([], [0, 3]), [-1, 3]).shape]).toEqual([0, 3]);
  });
  it("transpose, moveaxis, swapaxes, matrixTranspose", () => {
    expect([...m.transpose(x).shape]).toEqual([4, 3, 2]);
    expect([...m.transpose(x, [1, -1, 0]).shape]).toEqual([3, 4, 2]);
    expect([...m.moveaxis(x, 0, -1).shape]).toEqual([3, 4, 2]);
    expect([...m.moveaxis(x, [0, 1], [-1, -2]).shape]).toEqual([4, 3, 2]);
    expect([...m.swapaxes(x, 0, 2).shape]).toEqual([4, 3, 2]);
    expect(vals(m.transpose(arange([2, 3])))).toEqual([0, 3, 1, 4, 2, 5]);
    expect([...m.matrixTranspose(x).shape]).toEqual([2, 4, 3]);
  });
  it("squeeze, expandDims, atleast", () => {
    const y = arange([1, 3, 1]);
    expect([...m.squeeze(y).shape]).toEqual([3]);
    expect([...m.squeeze(y, -1).shape]).toEqual([1, 3]);
    expect([...m.expandDims(arange([3]), [0, 2]).shape]).toEqual([1, 3, 1]);
    expect([...m.expandDims(arange([3]), -1).shape]).toEqual([3, 1]);
    expect([...m.atleast1d(f32([1], [])).shape]).toEqual([1]);
    expect([...m.atleast2d(arange([3])).shape]).toEqual([1, 3]);
    expect([...m.atleast3d(arange([3])).shape]).toEqual([1, 3, 1]);
    expect([...m.atleast3d(arange([2, 3])).shape]).toEqual([2, 3, 1]);
    expect(m.atleast1d(arange([2]), f32([1], [])).map((a) => a.ndim)).toEqual([1, 1]);
  });
  it("concatenate and stack promote and check shapes", () => {
    const c = m.concatenate([i32([1, 2]), f32([0.5])]);
    expect(c.dtype).toBe("float32");
    expect(vals(c)).toEqual([1, 2, 0.5]);
    expect([...m.concatenate([arange([2, 2]), arange([3])], null).shape]).toEqual([7]);
    expect(m.concatenate([i32([1]), u32([2])]).dtype).toBe("int32");
    expect(() => m.concatenate([i32([1]), 2.5])).toThrow(/same number of dimensions/);
    expect([...m.stack([arange([2, 3]), arange([2, 3])], -1).shape]).toEqual([2, 3, 2]);
    expect([...m.hstack([arange([2]), arange([3])]).shape]).toEqual([5]);
    expect([...m.hstack([arange([2, 1]), arange([2, 3])]).shape]).toEqual([2, 4]);
    expect([...m.vstack([arange([3]), arange([2, 3])]).shape]).toEqual([3, 3]);
    expect([...m.dstack([arange([3]), arange([3])]).shape]).toEqual([1, 3, 2]);
    expect(vals(m.columnStack([f32([1, 2]), f32([3, 4])]))).toEqual([1, 3, 2, 4]);
    expect(vals(m.concatenate([arange([2]), arange([2])], 0, { dtype: "int32" }))).toEqual([
      0, 1, 0, 1,
    ]);
  });
  it("split and arraySplit", () => {
    const s = m.split(arange([6]), 3);
    expect(s.map(vals)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(m.split(arange([6]), [2, -1, 10]).map(vals)).toEqual([[0, 1], [2, 3, 4], [5], []]);
    expect(m.arraySplit(arange([7]), 3).map(vals)).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(m.split(arange([2, 4]), 2, 1).map((a) => [...a.shape])).toEqual([
      [2, 2],
      [2, 2],
    ]);
    expect(m.hsplit(arange([2, 4]), 2).length).toBe(2);
    expect(m.vsplit(arange([4, 2]), [1]).map((a) => a.shape[0])).toEqual([1, 3]);
  });
  it("flip, broadcastArrays, tri", () => {
    expect(vals(m.flip(arange([2, 2])))).toEqual([3, 2, 1, 0]);
    expect(vals(m.fliplr(arange([2, 2])))).toEqual([1, 0, 3, 2]);
    expect(vals(m.flipud(arange([2, 2])))).toEqual([2, 3, 0, 1]);
    expect(vals(m.flip(arange([2, 2]), 1))).toEqual([1, 0, 3, 2]);
    const [a, b] = m.broadcastArrays(arange([3, 1]), i32([1, 2]));
    expect([...a!.shape]).toEqual([3, 2]);
    expect(b!.dtype).toBe("int32");
    expect(vals(m.tri(2, 3, 0))).toEqual([1, 0, 0, 1, 1, 0]);
  });
  it("meshgrid", () => {
    const [xx, yy] = m.meshgrid(f32([1, 2, 3]), f32([4, 5]));
    expect([...xx!.shape]).toEqual([2, 3]);
    expect(vals(xx!)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(vals(yy!)).toEqual([4, 4, 4, 5, 5, 5]);
    const [a, b] = m.meshgrid(f32([1, 2, 3]), f32([4, 5]), { indexing: "ij" });
    expect([...a!.shape]).toEqual([3, 2]);
    expect(vals(b!)).toEqual([4, 5, 4, 5, 4, 5]);
    const [s, t] = m.meshgrid(f32([1, 2, 3]), f32([4, 5]), { sparse: true });
    expect([...s!.shape]).toEqual([1, 3]);
    expect([...t!.shape]).toEqual([2, 1]);
  });
});

describe("selection and gathering", () => {
  it("where promotes and broadcasts; one argument is nonzero", () => {
    const c = b8([true, false, true]);
    const w = m.where(c, f32([1, 2, 3]), 0);
    expect(w.dtype).toBe("float32");
    expect(vals(w)).toEqual([1, 0, 3]);
    expect(m.where(c, 1, 2).dtype).toBe("int32");
    expect(vals(m.where(i32([0, 5, 0]), 1, 2))).toEqual([2, 1, 2]);
    expect([...m.where(b8([true, false], [2, 1]), arange([3]), -1).shape]).toEqual([2, 3]);
    expect(vals(m.where(c)[0]!)).toEqual([0, 2]);
  });
  it("take: negative indices, fill / clip / wrap out of bounds", () => {
    const x = f32([10, 20, 30]);
    expect(vals(m.take(x, i32([-1, 0])))).toEqual([30, 10]);
    expect(vals(m.take(x, [2, 2, -3]))).toEqual([30, 30, 10]);
    const filled = vals(m.take(x, i32([3, -4, 1])));
    expect(filled[0]).toBeNaN();
    expect(filled[1]).toBeNaN();
    expect(filled[2]).toBe(20);
    expect(vals(m.take(x, i32([3, -4]), { mode: "clip" }))).toEqual([30, 10]);
    expect(vals(m.take(x, i32([3, -4]), { mode: "wrap" }))).toEqual([10, 30]);
    expect(vals(m.take(i32([1, 2]), i32([5])))).toEqual([-2147483648]);
    expect(vals(m.take(x, i32([7]), { fillValue: 0 }))).toEqual([0]);
    expect([...m.take(arange([2, 3, 4]), i32([0, 1, 0], [3, 1]), 1).shape]).toEqual([2, 3, 1, 4]);
  });
  it("takeAlongAxis with argsort sorts", () => {
    const x = f32([3, 1, 2, 9, 7, 8], [2, 3]);
    expectIdentical(m.takeAlongAxis(x, m.argsort(x, 1), 1), m.sort(x, 1));
    expectIdentical(m.takeAlongAxis(x, m.argsort(x, 0), 0), m.sort(x, 0));
    expect(vals(m.takeAlongAxis(x, i32([0, 1, 1], [1, 3]), 0))).toEqual([3, 7, 8]);
    expect(vals(m.takeAlongAxis(x, i32([0, -1, 2], [1, 3]), 0))).toEqual([3, 7, Number.NaN]);
  });
  it("sort options", () => {
    const x = f32([3, 1, 2, 9, 7, 8], [2, 3]);
    expect(vals(m.sort(x, null))).toEqual([1, 2, 3, 7, 8, 9]);
    expect(vals(m.sort(x, 0))).toEqual([3, 1, 2, 9, 7, 8]);
    expect(vals(m.sort(x, { descending: true }))).toEqual([3, 2, 1, 9, 8, 7]);
    expect(vals(m.argsort(f32([2, 1, 2, 1]), { descending: true }))).toEqual([0, 2, 1, 3]);
    expect(vals(m.lexsort([i32([1, 0, 1, 0]), i32([1, 1, 0, 0])]))).toEqual([3, 2, 1, 0]);
  });
  it("clip forms", () => {
    const x = f32([-2, 0, 2, Number.NaN]);
    const c = vals(m.clip(x, { min: -1, max: 1 }));
    expect(c.slice(0, 3)).toEqual([-1, 0, 1]);
    expect(c[3]).toBeNaN();
    expect(vals(m.clip(x, null, 1)).slice(0, 3)).toEqual([-2, 0, 1]);
    expect(m.clip(i32([1, 5]), 0, 2.5).dtype).toBe("float32");
  });
  it("nonzero variants", () => {
    const x = i32([0, 3, 0, 4], [2, 2]);
    expect(m.nonzero(x).map(vals)).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(vals(m.flatnonzero(x))).toEqual([1, 3]);
    expect(vals(m.flatnonzero(x, { size: 3, fillValue: 9 }))).toEqual([1, 3, 9]);
    expect(vals(m.nonzero(x, { size: 1 })[1]!)).toEqual([1]);
    expect([...m.argwhere(f32([5], [])).shape]).toEqual([1, 0]);
    expect([...m.argwhere(f32([0], [])).shape]).toEqual([0, 0]);
    expect(vals(m.nonzero(f32([Number.NaN, 0]))[0]!)).toEqual([0]);
  });
  it("unique (eager only)", () => {
    const x = f32([3, 1, Number.NaN, 3, 2, Number.NaN, 1]);
    const u = vals(m.unique(x));
    expect(u.slice(0, 3)).toEqual([1, 2, 3]);
    expect(u[3]).toBeNaN();
    const all = m.uniqueAll(i32([2, 2, 1, 5]));
    expect(vals(all.values)).toEqual([1, 2, 5]);
    expect(vals(all.indices)).toEqual([2, 0, 3]);
    expect(vals(all.inverseIndices)).toEqual([1, 1, 0, 2]);
    expect(vals(all.counts)).toEqual([1, 2, 1]);
    expect(() => jit((a: Array) => m.unique(a))(x)).toThrow(ConcretizationTypeError);
  });
  it("repeat with traced counts needs totalRepeatLength", () => {
    const f = jit((x: Array, r: Array) => m.repeat(x, r, 0, { totalRepeatLength: 5 }));
    expect(vals(f(f32([7, 8, 9]), i32([2, 0, 3])))).toEqual([7, 7, 9, 9, 9]);
    expect(() => jit((x: Array, r: Array) => m.repeat(x, r, 0))(f32([1]), i32([1]))).toThrow(
      /jnp.repeat.*totalRepeatLength/,
    );
  });
  it("roll with a traced shift", () => {
    const f = jit((x: Array, s: Array) => m.roll(x, s, 0));
    expect(vals(f(arange([5]), i32([2], [])))).toEqual([3, 4, 0, 1, 2]);
    expect(vals(f(arange([5]), i32([-7], [])))).toEqual([2, 3, 4, 0, 1]);
  });
});

describe("errors name the function and the shapes", () => {
  const x = arange([2, 3]);
  it("shape errors", () => {
    expect(() => m.reshape(x, [4, -1])).toThrow(
      /jnp.reshape: cannot reshape array of shape \(2, 3\) \(size 6\) into shape \(4, -1\)/,
    );
    expect(() => m.reshape(x, [-1, -1])).toThrow(/only specify one unknown dimension/);
    expect(() => m.transpose(x, [0])).toThrow(
      /jnp.transpose: axes \(0,\) don't match an array of rank 2/,
    );
    expect(() => m.transpose(x, [0, 0])).toThrow(/not a permutation/);
    expect(() => m.squeeze(x, 0)).toThrow(
      /jnp.squeeze: cannot select axis 0 to squeeze out: it has size 2/,
    );
    expect(() => m.swapaxes(x, 0, 2)).toThrow(
      /jnp.swapaxes: axis2 2 is out of bounds for an array of rank 2/,
    );
    expect(() => m.moveaxis(x, [0, 1], [0])).toThrow(/jnp.moveaxis: source and destination/);
  });
  it("joining and splitting errors", () => {
    expect(() => m.concatenate([x, arange([2, 2])], 0)).toThrow(
      /along dimension 1, the array at index 0 has size 3 and the array at index 1 has size 2/,
    );
    expect(() => m.concatenate([x, arange([6])])).toThrow(/same number of dimensions/);
    expect(() => m.concatenate([f32([1], [])])).toThrow(
      /zero-dimensional arrays cannot be concatenated/,
    );
    expect(() => m.concatenate([])).toThrow(/jnp.concatenate: need at least one array/);
    expect(() => m.stack([x, arange([3, 2])])).toThrow(
      /jnp.stack: all input arrays must have the same shape/,
    );
    expect(() => m.split(arange([5]), 2)).toThrow(
      /jnp.split: array split does not result in an equal division/,
    );
  });
  it("other errors", () => {
    expect(() => m.where(b8([true]), 1, undefined as unknown as number)).toThrow(
      /either both or neither/,
    );
    expect(() => m.select([uf.greater(x, 1)], [x, x])).toThrow(
      /jnp.select: condlist and choicelist must have the same length/,
    );
    expect(() => m.select([x], [x])).toThrow(/invalid entry 0 in condlist/);
    expect(() => m.pad(x, 1, "median" as "edge")).toThrow(
      /jnp.pad: mode "median" is not supported/,
    );
    expect(() => m.pad(x, -1)).toThrow(/pad widths must be non-negative/);
    expect(() => m.pad(f32([], [0]), 1, "edge")).toThrow(/can't extend empty axis 0/);
    expect(() => m.take(x, f32([0.5]))).toThrow(/jnp.take: indices must be integers/);
    expect(() => m.takeAlongAxis(x, i32([0]), 1)).toThrow(
      /jnp.take_along_axis: indices and arr must have the same number of dimensions/,
    );
    expect(() => m.tril(arange([3]))).toThrow(/jnp.tril: argument must be at least 2-D/);
    expect(() => m.searchsorted(x, 1)).toThrow(/jnp.searchsorted: a should be 1-dimensional/);
    expect(() => m.nonzero(f32([1], []))).toThrow(/jnp.nonzero: calling nonzero on 0-d arrays/);
    expect(() => m.repeat(x, [1, 2], 1)).toThrow(/jnp.repeat: repeats has 2 entries, but axis 1/);
    expect(() => m.sort(f32([1], []))).toThrow(/jnp.sort: cannot sort a 0-d array/);
  });
});

const smallShape = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 });

describe("properties", () => {
  it("reshape round-trips through any permutation of transpose", () => {
    fc.assert(
      fc.property(smallShape, fc.integer({ min: 0, max: 1000 }), (shape, seed) => {
        const perm = shape
          .map((_, i) => i)
          .sort((a, b) => ((a * 7 + seed) % 5) - ((b * 7 + seed) % 5));
        const x = arange(shape);
        const t = m.transpose(x, perm);
        expect([...t.shape]).toEqual(perm.map((p) => shape[p]));
        const inv = perm.map((_, i) => perm.indexOf(i));
        expectIdentical(m.transpose(t, inv), x);
        expectIdentical(m.reshape(m.ravel(x), shape), x);
      }),
    );
  });
  it("concatenate then split recovers the parts", () => {
    fc.assert(
      fc.property(
        smallShape,
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (shape, lens, a) => {
          const axis = a % shape.length;
          const parts = lens.map((l) => arange(shape.map((d, i) => (i === axis ? l : d))));
          const c = m.concatenate(parts, axis);
          const cuts: number[] = [];
          let acc = 0;
          for (const l of lens.slice(0, -1)) {
            acc += l;
            cuts.push(acc);
          }
          for (const [i, p] of m.split(c, cuts, axis).entries()) expectIdentical(p, parts[i]!);
        },
      ),
    );
  });
  it("pad in every mode keeps the original in the middle and has the right shape", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), {
          minLength: 3,
          maxLength: 3,
        }),
        fc.constantFrom("constant", "edge", "reflect", "symmetric", "wrap" as const),
        (shape, w, mode) => {
          const widths = shape.map((_, i) => w[i]!);
          const x = arange(shape);
          const y = m.pad(x, widths, mode as m.PadMode);
          expect([...y.shape]).toEqual(shape.map((d, i) => d + widths[i]![0] + widths[i]![1]));
          let mid = y;
          shape.forEach((d, i) => {
            mid = m.split(mid, [widths[i]![0], widths[i]![0] + d], i)[1]!;
          });
          expectIdentical(mid, x);
        },
      ),
      { numRuns: 80 },
    );
  });
  it("roll by s then -s is the identity; sort is ordered and argsort is a permutation", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: -20, max: 20 }),
        (data, s) => {
          const x = f32(data);
          expectIdentical(m.roll(m.roll(x, s), -s), x);
          const sorted = vals(m.sort(x));
          expect(sorted).toEqual([...data].sort((a, b) => a - b));
          const perm = vals(m.argsort(x));
          expect([...perm].sort((a, b) => a - b)).toEqual(data.map((_, i) => i));
          perm.slice(1).forEach((p, i) => {
            const q = perm[i]!;
            expect(data[q]! < data[p]! || (data[q] === data[p] && q < p)).toBe(true);
          });
        },
      ),
    );
  });
  it("tile and repeat sizes", () => {
    fc.assert(
      fc.property(
        smallShape,
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }),
        fc.integer({ min: 0, max: 3 }),
        (shape, reps, r) => {
          const x = arange(shape);
          const t = m.tile(x, reps);
          expect(t.size).toBe(sizeOf(shape) * sizeOf(reps));
          expect(m.repeat(x, r).size).toBe(sizeOf(shape) * r);
        },
      ),
    );
  });
});
