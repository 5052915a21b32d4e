import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import { type Array, ArrayImpl } from "../../src/core/array.js";
import { reshape } from "../../src/lax/shape_ops.js";
import {
  dynamicIndexInDim,
  dynamicSlice,
  dynamicSliceInDim,
  dynamicUpdateIndexInDim,
  dynamicUpdateSlice,
  dynamicUpdateSliceInDim,
  type GatherDimensionNumbers,
  type GatherScatterModeName,
  gather,
  indexInDim,
  type ScatterDimensionNumbers,
  scatter,
  scatterAdd,
  scatterMax,
  scatterMin,
  scatterMul,
  scatterSub,
  slice,
  sliceInDim,
} from "../../src/lax/slicing.js";
import {
  arange,
  expectIdentical,
  expectMatches,
  type FxArray,
  fromFixture,
  i32,
  readFixture,
  vals,
} from "../util/index.js";

type Mode = GatherScatterModeName | null;
interface Fixtures {
  slice: { x: FxArray; start: number[]; limit: number[]; strides: number[] | null; out: FxArray }[];
  dynamic_slice: { x: FxArray; starts: number[]; sizes: number[]; out: FxArray }[];
  dynamic_update_slice: { x: FxArray; update: FxArray; starts: number[]; out: FxArray }[];
  gather: {
    name: string;
    x: FxArray;
    indices: FxArray;
    dn: GatherDimensionNumbers;
    sliceSizes: number[];
    mode: Mode;
    fillValue: number | null;
    out: FxArray;
  }[];
  scatter: {
    name: string;
    op: string;
    x: FxArray;
    indices: FxArray;
    updates: FxArray;
    dn: ScatterDimensionNumbers;
    mode: Mode;
    out: FxArray;
  }[];
}
const fx = readFixture<Fixtures>("slicing.json");

const SCATTER = { scatter, scatterAdd, scatterSub, scatterMul, scatterMin, scatterMax };

const int = (v: number) => ArrayImpl.scalar(v, "int32");

/** Eager against the fixture, and jit against eager. */
function check(f: (...xs: Array[]) => Array, inputs: Array[], out: FxArray): void {
  const eager = f(...inputs);
  expectMatches(eager, out);
  expectIdentical(jit(f)(...inputs), eager);
}

describe("slice vs NumPy", () => {
  it.each(fx.slice.map((c) => [JSON.stringify([c.start, c.limit, c.strides]), c] as const))(
    "%s",
    (_, c) => check((x) => slice(x, c.start, c.limit, c.strides), [fromFixture(c.x)], c.out),
  );

  it("sliceInDim and indexInDim take Python-style bounds", () => {
    const x = arange([3, 4]);
    expect(vals(sliceInDim(x, 1, null, 1, 1))).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11]);
    expect(vals(sliceInDim(x, -2, null))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(vals(sliceInDim(x, 0, -1, 2, -1))).toEqual([0, 2, 4, 6, 8, 10]);
    expect(indexInDim(x, -1, 1).shape).toEqual([3, 1]);
    expect(vals(indexInDim(x, -1, 1, false))).toEqual([3, 7, 11]);
    expect(() => indexInDim(x, 3)).toThrow(
      /lax.indexInDim: index 3 is out of bounds for axis 0 with size 3/,
    );
  });
});

describe("dynamic_slice and dynamic_update_slice clamp like XLA", () => {
  it.each(fx.dynamic_slice.map((c) => [JSON.stringify([c.starts, c.sizes]), c] as const))(
    "dynamicSlice %s",
    (_, c) => {
      const x = fromFixture(c.x);
      const starts = c.starts.map(int);
      check((x, ...s) => dynamicSlice(x, s, c.sizes), [x, ...starts], c.out);
      // JS number indices give the same result.
      expectMatches(dynamicSlice(x, c.starts, c.sizes), c.out);
    },
  );

  it.each(fx.dynamic_update_slice.map((c) => [JSON.stringify(c.starts), c] as const))(
    "dynamicUpdateSlice %s",
    (_, c) => {
      const starts = c.starts.map(int);
      check(
        (x, u, ...s) => dynamicUpdateSlice(x, u, s),
        [fromFixture(c.x), fromFixture(c.update), ...starts],
        c.out,
      );
    },
  );

  it("the in-dim wrappers", () => {
    const x = arange([3, 4]);
    expect(vals(dynamicSliceInDim(x, int(1), 2, 1))).toEqual([1, 2, 5, 6, 9, 10]);
    expect(vals(dynamicSliceInDim(x, 3, 2, 1))).toEqual([2, 3, 6, 7, 10, 11]);
    expect(vals(dynamicIndexInDim(x, -1, 0, false))).toEqual([8, 9, 10, 11]);
    expect(dynamicIndexInDim(x, int(1), 1).shape).toEqual([3, 1]);
    const u = ArrayImpl.full([3], -1, "float32");
    expect(vals(dynamicUpdateIndexInDim(x, u, int(-1), 1))).toEqual([
      0, 1, 2, -1, 4, 5, 6, -1, 8, 9, 10, -1,
    ]);
    expect(vals(dynamicUpdateSliceInDim(x, ArrayImpl.full([2, 4], 0, "float32"), 5, 0))).toEqual([
      0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it("traced negative indices wrap under jit (a select in the jaxpr)", () => {
    const x = arange([6]);
    const f = (x: Array, i: Array) => dynamicSlice(x, [i], [2]);
    expect(vals(jit(f)(x, int(-2)))).toEqual([4, 5]);
    expect(vals(jit(f)(x, int(-20)))).toEqual([0, 1]);
    const text = makeJaxpr(f)(x, int(0)).toString();
    expect(text).toContain("select_n");
    expect(text).toContain("dynamic_slice[slice_sizes=(2,)]");
    // Unsigned indices are never negative: no select.
    const u = ArrayImpl.fromData(Uint32Array.of(7), []);
    expect(makeJaxpr(f)(x, u).toString()).not.toContain("select_n");
    expect(vals(f(x, u))).toEqual([4, 5]);
  });

  it("property: the slice is always the clamped window", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: -12, max: 12 }),
        (n, size0, start) => {
          const size = Math.min(size0, n);
          const x = arange([n], "int32");
          const s = start < 0 ? start + n : start;
          const c = Math.min(Math.max(s, 0), n - size);
          const want = globalThis.Array.from({ length: size }, (_, k) => c + k);
          expect(vals(dynamicSlice(x, [int(start)], [size]))).toEqual(want);
          // Writing the slice back where it came from changes nothing.
          const back = dynamicUpdateSlice(x, dynamicSlice(x, [start], [size]), [start]);
          expectIdentical(back, x);
        },
      ),
    );
  });
});

describe("gather vs NumPy fancy indexing", () => {
  it.each(fx.gather.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const opts = { mode: c.mode, fillValue: c.fillValue };
    check(
      (x, i) => gather(x, i, c.dn, c.sliceSizes, opts),
      [fromFixture(c.x), fromFixture(c.indices)],
      c.out,
    );
  });

  it("prints JAX's parameters", () => {
    const f = (x: Array, i: Array) =>
      gather(x, i, { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }, [1, 3], {
        mode: "fill",
      });
    const text = makeJaxpr(f)(arange([4, 3]), i32([1, 2], [2, 1])).toString();
    expect(text).toMatch(/gather\[dimension_numbers=\{offset_dims=\(1,\)/);
    expect(text).toContain("fill_value=NaN");
    expect(text).toContain("mode=fill");
    expect(text).toContain("slice_sizes=(1, 3)");
  });

  it("accepts JAX's snake_case field names for the dimension numbers", () => {
    const x = arange([4, 3]);
    const i = i32([3, 0], [2, 1]);
    const camel = gather(
      x,
      i,
      { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] },
      [1, 3],
    );
    const snake = gather(
      x,
      i,
      { offset_dims: [1], collapsed_slice_dims: [0], start_index_map: [0] },
      [1, 3],
    );
    expectIdentical(snake, camel);
    expect(vals(camel)).toEqual([9, 10, 11, 0, 1, 2]);
    const u = scatterAdd(x, i, camel, {
      update_window_dims: [1],
      inserted_window_dims: [0],
      scatter_dims_to_operand_dims: [0],
    });
    expect(vals(u)).toEqual([0, 2, 4, 3, 4, 5, 6, 7, 8, 18, 20, 22]);
  });

  it("keeps the operand's weak type; the default mode clamps", () => {
    const w = reshape(ArrayImpl.scalar(1.5, "float32", true), [1]);
    const dn = { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] };
    const g = gather(w, i32([5], [1, 1]), dn, [1]);
    expect(g.weakType).toBe(true);
    expect(vals(g)).toEqual([1.5]);
  });

  it("property: x[idx] along any axis is a take", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.nat(2),
        fc.array(fc.nat(10), { minLength: 0, maxLength: 5 }),
        (shape, a, raw) => {
          const axis = a % shape.length;
          const n = shape[axis]!;
          const idx = raw.map((r) => r % n);
          const x = arange(shape);
          // The batch dim takes the axis's place, so the offset dims are all the others.
          const offsetDims = shape.map((_, d) => d).filter((d) => d !== axis);
          const g = gather(
            x,
            i32(idx, [idx.length, 1]),
            { offsetDims, collapsedSliceDims: [axis], startIndexMap: [axis] },
            shape.map((d, k) => (k === axis ? 1 : d)),
          );
          expect(g.shape).toEqual(shape.map((d, k) => (k === axis ? idx.length : d)));
          const want = idx.map((i) => vals(sliceInDim(x, i, i + 1, 1, axis)));
          const got = idx.map((_, j) => vals(sliceInDim(g, j, j + 1, 1, axis)));
          expect(got).toEqual(want);
        },
      ),
    );
  });
});

describe("scatter vs NumPy (.at / ufunc.at)", () => {
  it.each(fx.scatter.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const f = SCATTER[c.op as keyof typeof SCATTER];
    check(
      (x, i, u) => f(x, i, u, c.dn, { mode: c.mode }),
      [fromFixture(c.x), fromFixture(c.indices), fromFixture(c.updates)],
      c.out,
    );
  });

  it("NaN propagates through scatterMin/scatterMax; float32 sums round once per update", () => {
    const x = ArrayImpl.fromData(Float32Array.of(1, Number.NaN, 3), [3]);
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const u = ArrayImpl.fromData(Float32Array.of(Number.NaN, 0, 5), [3]);
    expect(vals(scatterMin(x, i32([0, 1, 2], [3, 1]), u, dn))).toEqual([Number.NaN, Number.NaN, 3]);
    expect(vals(scatterMax(x, i32([0, 1, 2], [3, 1]), u, dn))).toEqual([Number.NaN, Number.NaN, 5]);
    const big = ArrayImpl.fromData(Float32Array.of(16777216), [1]);
    const ones = ArrayImpl.fromData(Float32Array.of(1, 1), [2]);
    // 2^24 + 1 rounds back to 2^24 in float32, twice.
    expect(vals(scatterAdd(big, i32([0, 0], [2, 1]), ones, dn))).toEqual([16777216]);
  });

  it("a JS number update for a 0-d window", () => {
    const x = arange([3], "int32");
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const y = scatterAdd(x, i32([2], [1, 1]), reshape(ArrayImpl.scalar(10, "int32"), [1]), dn);
    expect(vals(y)).toEqual([0, 1, 12]);
    const z = scatter(ArrayImpl.fromData(Float32Array.of(0), []), i32([], [0]), 2.5, {
      updateWindowDims: [],
      insertedWindowDims: [],
      scatterDimsToOperandDims: [],
    });
    expect(vals(z)).toEqual([2.5]);
  });

  it("prints JAX's parameters", () => {
    const dn = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const f = (x: Array, i: Array, u: Array) => scatterAdd(x, i, u, dn);
    const text = makeJaxpr(f)(arange([4, 3]), i32([1], [1, 1]), arange([1, 3])).toString();
    expect(text).toMatch(/scatter_add\[dimension_numbers=\{update_window_dims=\(1,\)/);
    expect(text).toContain("mode=fill");
  });

  it("property: scatterAdd of a gathered slice doubles those rows (unique indices)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.uniqueArray(fc.nat(4), { maxLength: 5 }),
        (rows, cols, raw) => {
          const idx = raw.filter((r) => r < rows);
          const x = arange([rows, cols]);
          const i = i32(idx, [idx.length, 1]);
          const g = gather(x, i, { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }, [
            1,
            cols,
          ]);
          const y = scatterAdd(x, i, g, {
            updateWindowDims: [1],
            insertedWindowDims: [0],
            scatterDimsToOperandDims: [0],
          });
          const xv = vals(x);
          const want = xv.map((v, k) => (idx.includes(Math.floor(k / cols)) ? 2 * v : v));
          expect(vals(y)).toEqual(want);
        },
      ),
    );
  });
});

describe("errors name the function, the arguments and what is allowed", () => {
  const x = arange([4, 3]);
  const gdn = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };
  const sdn = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
  const i = i32([1, 2], [2, 1]);

  it("slice and dynamic slices", () => {
    expect(() => slice(x, [0, 0], [5, 3])).toThrow(
      /lax.slice: need 0 <= start <= limit <= size.*limit_indices \(5, 3\) for operand of shape \(4, 3\)/,
    );
    expect(() => slice(x, [2, 0], [1, 3])).toThrow(
      /lax.slice.*start_indices \(2, 0\), limit_indices \(1, 3\)/,
    );
    expect(() => slice(x, [0], [1])).toThrow(/lax.slice.*one entry per operand dimension/);
    expect(() => slice(x, [0, 0], [4, 3], [1, 0])).toThrow(/lax.slice: strides must be positive/);
    expect(() => dynamicSlice(x, [0, 0], [5, 1])).toThrow(/lax.dynamicSlice.*\(5, 1\).*\(4, 3\)/);
    expect(() => dynamicSlice(x, [0], [1, 1])).toThrow(
      /lax.dynamicSlice.*one index per operand dimension \(2\), got 1/,
    );
    expect(() => dynamicSlice(x, [ArrayImpl.scalar(0, "float32"), 0], [1, 1])).toThrow(
      /lax.dynamicSlice: start indices must be integers of the same dtype, got float32, int32/,
    );
    expect(() => dynamicSlice(x, [i32([0]), 0], [1, 1])).toThrow(
      /lax.dynamicSlice: start indices must be scalars/,
    );
    expect(() => dynamicSlice(x, [0.5, 0], [1, 1])).toThrow(
      /lax.dynamicSlice: start index 0.5 is not an integer/,
    );
    expect(() => dynamicUpdateSlice(x, arange([5, 1]), [0, 0])).toThrow(
      /lax.dynamicUpdateSlice.*update shape \(5, 1\).*operand shape \(4, 3\)/,
    );
    expect(() => dynamicUpdateSlice(x, arange([1, 1], "int32"), [0, 0])).toThrow(
      /lax.dynamicUpdateSlice.*same dtype.*float32.*int32/,
    );
  });

  it("gather", () => {
    expect(() => gather(x, ArrayImpl.fromData(Float32Array.of(1), [1, 1]), gdn, [1, 3])).toThrow(
      /lax.gather: start_indices must have an integer dtype.*float32/,
    );
    expect(() => gather(x, i32([1]), { ...gdn, offsetDims: [1] }, [1, 3])).toThrow(
      /lax.gather: offset_dims \(1,\) contains 1, out of range for an output of rank 1/,
    );
    expect(() => gather(x, ArrayImpl.scalar(1, "int32"), gdn, [1, 3])).toThrow(
      /lax.gather: start_indices must have at least one dimension/,
    );
    expect(() => gather(x, i32([1, 2], [1, 2]), gdn, [1, 3])).toThrow(
      /lax.gather: start_index_map \(0,\) must have one entry per element of the index vectors.*\(1, 2\)/,
    );
    expect(() => gather(x, i, gdn, [2, 3])).toThrow(
      /lax.gather: collapsed_slice_dims.*slice size 1.*slice_sizes\[0\] is 2/,
    );
    expect(() => gather(x, i, gdn, [1, 4])).toThrow(
      /lax.gather: slice_sizes \(1, 4\) do not fit operand of shape \(4, 3\)/,
    );
    expect(() => gather(x, i, gdn, [1])).toThrow(
      /lax.gather: slice_sizes \(1,\) must have one entry per operand dimension/,
    );
    expect(() => gather(x, i, { ...gdn, offsetDims: [] }, [1, 3])).toThrow(
      /lax.gather: every operand dimension must be an offset, collapsed or batching dimension/,
    );
    expect(() =>
      gather(x, i, { ...gdn, collapsedSliceDims: [0, 0], offsetDims: [] }, [1, 3]),
    ).toThrow(/lax.gather: collapsed_slice_dims must not repeat/);
    expect(() => gather(x, i, { ...gdn, startIndexMap: [2] }, [1, 3])).toThrow(
      /lax.gather: start_index_map \(2,\) contains 2/,
    );
    expect(() =>
      gather(
        x,
        i32([0, 0, 0], [3, 1]),
        {
          offsetDims: [],
          collapsedSliceDims: [1],
          startIndexMap: [1],
          operandBatchingDims: [0],
          startIndicesBatchingDims: [0],
        },
        [1, 1],
      ),
    ).toThrow(
      /lax.gather: operand batching dimensions and indices batching dimensions must have the same sizes, got \(4,\) and \(3,\)/,
    );
    expect(() => gather(x, i, gdn, [1, 3], { mode: "wrap" as "clip" })).toThrow(
      /lax.gather: unknown mode "wrap"/,
    );
    expect(() =>
      gather(x, i, { offsetDims: [1] } as unknown as GatherDimensionNumbers, [1, 3]),
    ).toThrow(
      /lax.gather: dimensionNumbers.collapsedSliceDims must be a list of integers, got undefined/,
    );
  });

  it("scatter", () => {
    expect(() => scatterAdd(x, i, arange([2, 3], "int32"), sdn)).toThrow(
      /lax.scatterAdd requires operand and updates to have the same dtype, got float32 and int32/,
    );
    expect(() => scatterAdd(x, i, arange([2]), sdn)).toThrow(
      /lax.scatterAdd: updates must have rank 2/,
    );
    expect(() => scatterAdd(x, i, arange([3, 3]), sdn)).toThrow(
      /lax.scatterAdd: the scatter dimensions of updates must match.*updates dimension 0 has size 3 but scatter_indices dimension 0 has size 2/,
    );
    expect(() => scatter(x, i, arange([2, 4]), sdn)).toThrow(
      /lax.scatter: update window dimension 1 of updates \(size 4\) is larger than operand dimension 1 \(size 3\)/,
    );
    expect(() =>
      scatterMul(arange([2], "bool"), i32([0], [1, 1]), arange([1], "bool"), {
        updateWindowDims: [],
        insertedWindowDims: [0],
        scatterDimsToOperandDims: [0],
      }),
    ).toThrow(/lax.scatterMul does not accept dtype bool/);
    expect(() => scatterAdd(x, i, arange([2, 3]), { ...sdn, insertedWindowDims: [] })).toThrow(
      /lax.scatterAdd: every operand dimension must be an update window, inserted or batching dimension/,
    );
    expect(() =>
      scatterAdd(x, i, arange([2, 3]), { ...sdn, scatterDimsToOperandDims: [0, 1] }),
    ).toThrow(
      /lax.scatterAdd: scatter_dims_to_operand_dims \(0, 1\) must have one entry per element/,
    );
  });
});
