import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import { withFlag } from "../../src/config.js";
import { type Array, ArrayImpl } from "../../src/core/array.js";
import {
  at,
  getItem,
  type Index,
  IndexError,
  NonConcreteBooleanIndexError,
} from "../../src/numpy/indexing.js";
import "../../src/numpy/methods.js";
import fixtures from "../fixtures/indexing.json" with { type: "json" };
import {
  arange,
  b8,
  expectIdentical,
  expectMatches,
  type FxArray,
  f32,
  fromFixture,
  i32,
  vals,
} from "../util/index.js";

// --- fixtures ----------------------------------------------------------------------------

type Enc = FxArray;
type EncIndex = number | string | null | { list: number[] } | { bools: boolean[] } | { arr: Enc };
type GetCase = { name: string; shape: number[]; index: EncIndex[]; out: Enc };
type AtCase = { name: string; x: Enc; index: EncIndex[]; op: string; values: Enc; out: Enc };
const getCases = fixtures.get as unknown as GetCase[];
const atCases = fixtures.at as unknown as AtCase[];

function decodeIndex(i: EncIndex): Index {
  if (i === null || typeof i === "number" || typeof i === "string") return i;
  if ("list" in i) return i.list;
  if ("bools" in i) return i.bools;
  return fromFixture(i.arr);
}

/** The index with its integer Arrays passed as jit arguments (traced); masks stay concrete. */
function jitWithTracedIndices(
  x: Array,
  index: Index[],
  f: (x: Array, idx: Index[]) => Array,
): Array {
  const slots = index.flatMap((i, k) => (i instanceof ArrayImpl && i.dtype !== "bool" ? [k] : []));
  const g = jit((xx: Array, ...arrs: Array[]) => {
    const idx = [...index];
    slots.forEach((k, j) => {
      idx[k] = arrs[j]!;
    });
    return f(xx, idx);
  });
  return g(x, ...slots.map((k) => index[k] as Array));
}

const AT_OPS: Record<string, (x: Array, idx: Index[], v: Array) => Array> = {
  set: (x, idx, v) => at(x, idx).set(v),
  add: (x, idx, v) => at(x, idx).add(v),
  mul: (x, idx, v) => at(x, idx).mul(v),
  min: (x, idx, v) => at(x, idx).min(v),
  max: (x, idx, v) => at(x, idx).max(v),
  divide: (x, idx, v) => at(x, idx).divide(v),
  power: (x, idx, v) => at(x, idx).power(v),
};

describe("x.get: NumPy indexing vs NumPy", () => {
  it.each(getCases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const x = arange(c.shape);
    const idx = c.index.map(decodeIndex);
    const y = getItem(x, idx);
    expect(y.dtype).toBe("float32");
    expectMatches(y, c.out, 0);
    // jit with x traced and integer index arrays traced gives the same.
    expectIdentical(jitWithTracedIndices(x, idx, getItem), y);
  });

  it("int32 arrays keep their dtype", () => {
    const y = getItem(arange([3, 4], "int32"), [[2, 0], "::-2"]);
    expect(y.dtype).toBe("int32");
    expect(vals(y)).toEqual([11, 9, 3, 1]);
  });

  it("bool arrays index like any other", () => {
    const y = getItem(b8([true, false, true, true]), [[1, -1]]);
    expect(y.dtype).toBe("bool");
    expect(vals(y)).toEqual([0, 1]);
  });
});

describe("x.at(...): functional updates vs NumPy", () => {
  it.each(atCases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const x = fromFixture(c.x);
    const idx = c.index.map(decodeIndex);
    const v = fromFixture(c.values);
    const f = AT_OPS[c.op]!;
    const y = f(x, idx, v);
    expect(y.dtype).toBe("float32");
    expectMatches(y, c.out, c.op === "power" || c.op === "divide" ? 2e-6 : 1e-6);
    expectIdentical(
      jitWithTracedIndices(x, idx, (xx, ii) => f(xx, ii, v)),
      y,
    );
  });

  it("values broadcast to the indexed shape and are cast to x's dtype", () => {
    const x = arange([2, 3], "int32");
    const y = at(x, [":", "1:"]).set(f32([7.9, -2.5]));
    expect(y.dtype).toBe("int32");
    expect(vals(y)).toEqual([0, 7, -2, 3, 7, -2]);
    expect(vals(at(x, [0]).add(1))).toEqual([1, 2, 3, 3, 4, 5]);
    const b = at(b8([false, false, true]), [[0, 1]]).set(true);
    expect(b.dtype).toBe("bool");
    expect(vals(b)).toEqual([1, 1, 1]);
  });

  it("out-of-bounds updates are dropped by default; mode clip clamps", () => {
    const x = f32([0, 0, 0]);
    expect(vals(at(x, [[0, 5, -1, -7]]).set(f32([1, 2, 3, 4])))).toEqual([1, 0, 3]);
    expect(vals(at(x, [3]).add(1))).toEqual([0, 0, 0]);
    expect(vals(at(x, [[5]]).set(9, { mode: "clip" }))).toEqual([0, 0, 9]);
  });

  it("repeated indices accumulate for add, mul, min and max", () => {
    const x = f32([1, 1, 1]);
    expect(vals(at(x, [[0, 0, 2, 0]]).add(2))).toEqual([7, 1, 3]);
    expect(vals(at(x, [[1, 1, 1]]).mul(3))).toEqual([1, 27, 1]);
    expect(vals(at(x, [[1, 1]]).min(f32([0.5, -4])))).toEqual([1, -4, 1]);
    expect(vals(at(x, [[2, 2]]).max(f32([5, 3])))).toEqual([1, 1, 5]);
  });

  it("divide and power act as JAX's (x / scattered product, x ** scattered product)", () => {
    const x = f32([8, 2, 3]);
    expect(vals(at(x, [[0, 0]]).divide(2))).toEqual([2, 2, 3]);
    expect(vals(at(x, [1]).power(3))).toEqual([8, 8, 3]);
  });

  it("updates with a full slice, a 0-d array, a new axis, a 0-d mask", () => {
    const x = arange([2, 2]);
    expect(vals(at(x, [":"]).set(5))).toEqual([5, 5, 5, 5]);
    expect(vals(at(x, []).add(f32([1, 2])))).toEqual([1, 3, 3, 5]);
    expect(vals(at(arange([]), []).set(4))).toEqual([4]);
    expect(vals(at(x, [null, 1]).mul(2))).toEqual([0, 1, 4, 6]);
    expect(vals(at(x, [b8([true], [])]).set(-1))).toEqual([-1, -1, -1, -1]);
    expect(vals(at(x, [b8([false], [])]).set(-1))).toEqual([0, 1, 2, 3]);
    expect(vals(at(x, [i32([-1], []), 0]).set(9))).toEqual([0, 1, 9, 3]);
  });

  it("at(...).get matches get, and takes an out-of-bounds mode", () => {
    const x = arange([4]);
    expectIdentical(at(x, ["::-1"]).get(), getItem(x, ["::-1"]));
    expect(vals(at(x, [[1, 7, -9]]).get({ mode: "fill" }))).toEqual([1, Number.NaN, Number.NaN]);
    expect(vals(at(x, [[1, 7]]).get({ mode: "fill", fillValue: -1 }))).toEqual([1, -1]);
    expect(vals(at(x, [[1, 7, -9]]).get({ mode: "clip" }))).toEqual([1, 3, 0]);
    expect(vals(at(x, [9]).get({ mode: "clip" }))).toEqual([3]);
    expect(vals(at(arange([3], "int32"), [[5]]).get({ mode: "fill" }))).toEqual([-(2 ** 31)]);
  });
});

// JAX's out-of-bounds rules (jnp.ndarray.at docs; jax/_src/numpy/indexing.py): reads clamp
// ("promise_in_bounds", which XLA's gather clamps; a static integer goes through a clamping
// dynamic_slice), updates drop ("drop"/"fill"); negative static indices wrap once, then clamp.
describe("out-of-bounds indices (JAX's defaults and modes)", () => {
  it("reads clamp static integers, JS arrays and Array indices, eager and under jit", () => {
    const x = arange([10], "int32");
    expect(vals(getItem(x, [11]))).toEqual([9]);
    expect(vals(getItem(x, [-15]))).toEqual([0]);
    expect(vals(getItem(x, [[1, 20, -3, -30]]))).toEqual([1, 9, 7, 0]);
    expect(vals(getItem(x, [i32([1, 20, -3], [3])]))).toEqual([1, 9, 7]);
    const m = arange([2, 3]);
    expect(vals(getItem(m, [5, -9]))).toEqual([3]);
    expect(vals(getItem(m, [5]))).toEqual([3, 4, 5]);
    const g = jit((xx: Array, i: Array) => xx.get(i));
    expect(vals(g(x, i32([25], [])))).toEqual([9]);
    expect(vals(jit((xx: Array) => xx.get(12))(x))).toEqual([9]);
  });

  it("the jnp.ndarray.at docstring's examples", () => {
    const x = arange([5]);
    expect(vals(at(x, [10]).add(10))).toEqual([0, 1, 2, 3, 4]);
    expect(vals(at(x, [20]).add(10, { mode: "clip" }))).toEqual([0, 1, 2, 3, 14]);
    expect(vals(at(x, [20]).get())).toEqual([4]);
    expect(vals(at(x, [20]).get({ mode: "fill" }))).toEqual([Number.NaN]);
    expect(vals(at(x, [20]).get({ mode: "fill", fillValue: -1 }))).toEqual([-1]);
    expect(vals(at(x, [-1]).set(99))).toEqual([0, 1, 2, 3, 99]);
    expect(vals(at(x, [-1]).set(99, { wrapNegativeIndices: false, mode: "drop" }))).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it("every mode on get, set, add, mul, min and max", () => {
    const x = f32([1, 2, 3]);
    const idx = [[0, 7]] as Index[];
    for (const mode of ["drop", "fill", "promise_in_bounds"] as const) {
      expect(vals(at(x, idx).set(9, { mode }))).toEqual([9, 2, 3]);
      expect(vals(at(x, idx).add(9, { mode }))).toEqual([10, 2, 3]);
      expect(vals(at(x, idx).mul(9, { mode }))).toEqual([9, 2, 3]);
      expect(vals(at(x, idx).min(0, { mode }))).toEqual([0, 2, 3]);
      expect(vals(at(x, idx).max(9, { mode }))).toEqual([9, 2, 3]);
    }
    expect(vals(at(x, idx).set(9, { mode: "clip" }))).toEqual([9, 2, 9]);
    expect(vals(at(x, idx).add(9, { mode: "clip" }))).toEqual([10, 2, 12]);
    expect(vals(at(x, idx).mul(2, { mode: "clip" }))).toEqual([2, 2, 6]);
    expect(vals(at(x, idx).min(0, { mode: "clip" }))).toEqual([0, 2, 0]);
    expect(vals(at(x, idx).max(5, { mode: "clip" }))).toEqual([5, 2, 5]);
    expect(vals(at(x, idx).get({ mode: "clip" }))).toEqual([1, 3]);
    expect(vals(at(x, idx).get({ mode: "promise_in_bounds" }))).toEqual([1, 3]);
    expect(vals(at(x, idx).get({ mode: "drop" }))).toEqual([1, Number.NaN]);
    expect(vals(at(x, idx).get({ mode: "fill", fillValue: 0 }))).toEqual([1, 0]);
  });

  it("fill defaults: NaN, the signed minimum, the unsigned maximum, true", () => {
    const fill = (a: Array) => vals(at(a, [4]).get({ mode: "fill" }));
    expect(fill(f32([1, 2]))).toEqual([Number.NaN]);
    expect(fill(i32([1, 2]))).toEqual([-(2 ** 31)]);
    expect(fill(arange([2], "uint32"))).toEqual([2 ** 32 - 1]);
    expect(fill(b8([false, false]))).toEqual([1]);
  });

  it("wrapNegativeIndices: false makes negative indices out of bounds", () => {
    const x = arange([4]);
    expect(vals(at(x, [[-1, 1]]).get({ wrapNegativeIndices: false }))).toEqual([0, 1]);
    expect(vals(at(x, [[-1, 1]]).get({ wrapNegativeIndices: false, mode: "fill" }))).toEqual([
      Number.NaN,
      1,
    ]);
    expect(vals(at(x, [i32([-1], [])]).add(5, { wrapNegativeIndices: false }))).toEqual([
      0, 1, 2, 3,
    ]);
  });

  it("options are checked", () => {
    const x = arange([4]);
    expect(() => at(x, [0]).get({ fill_value: 1 } as never)).toThrow(
      /unknown option 'fill_value' \(did you mean 'fillValue'\?\)/,
    );
    expect(() => at(x, [0]).set(1, { fillValue: 1 } as never)).toThrow(
      /unknown option 'fillValue'/,
    );
    expect(() => at(x, [0]).get({ wrapNegativeIndices: 1 } as never)).toThrow(/must be a boolean/);
    expect(() => at(x, [0]).get({ fillValue: "x" } as never)).toThrow(/fillValue must be a scalar/);
    expect(() => at(x, [0]).add(1, { mode: "wrap" } as never)).toThrow(/mode must be one of/);
  });
});

describe("traced indices under jit", () => {
  it("a traced integer gathers, wrapping negatives and clamping out-of-bounds", () => {
    const x = arange([5, 2]);
    const f = jit((xx: Array, i: Array) => getItem(xx, [i, ":"]));
    for (const [i, want] of [
      [0, [0, 1]],
      [3, [6, 7]],
      [-1, [8, 9]],
      [-5, [0, 1]],
      [7, [8, 9]],
    ] as const) {
      expect(vals(f(x, i32([i], [])))).toEqual(want);
      expect(vals(getItem(x, [i32([i], []), ":"]))).toEqual(want);
    }
  });

  it("traced index arrays broadcast and update", () => {
    const x = arange([3, 4]);
    const f = jit((xx: Array, i: Array, j: Array) => at(xx, [i, j]).add(10));
    const y = f(x, i32([0, 2, 0]), i32([1, 3, 1]));
    expect(vals(y)).toEqual([0, 21, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21]);
  });

  it("static indices lower to slice/rev/reshape, no gather", () => {
    const text = makeJaxpr((x: Array) => getItem(x, [1, "::-2", null]))(arange([3, 5])).toString();
    expect(text).not.toMatch(/gather/);
    expect(text).toMatch(/slice/);
    expect(text).toMatch(/rev/);
  });

  it("advanced indices lower to one gather; updates to one scatter", () => {
    const g = makeJaxpr((x: Array) => getItem(x, [[0, 2], ":", "::2"]))(
      arange([3, 4, 5]),
    ).toString();
    expect(g.match(/gather/g)).toHaveLength(1);
    const s = makeJaxpr((x: Array) => at(x, [[0, 2], 1]).add(1))(arange([3, 4])).toString();
    expect(s.match(/scatter-add|scatter_add/g)).toHaveLength(1);
  });

  it("a traced boolean mask is a NonConcreteBooleanIndexError that suggests jnp.where", () => {
    const f = jit((x: Array, m: Array) => getItem(x, [m]));
    expect(() => f(arange([3]), b8([true, false, true]))).toThrow(NonConcreteBooleanIndexError);
    expect(() => f(arange([3]), b8([true, false, true]))).toThrow(
      /boolean indices must be concrete.*bool\[3\].*jnp\.where/s,
    );
    // A concrete (closed-over) mask is fine under jit.
    const mask = b8([true, false, true]);
    expect(vals(jit((x: Array) => getItem(x, [mask]))(arange([3])))).toEqual([0, 2]);
  });
});

describe("Array methods", () => {
  it("x.get and x.at call getItem and at", () => {
    const x = arange([2, 3]);
    expectIdentical(x.get(1, "::-1"), getItem(x, [1, "::-1"]));
    expect(vals(x.at(0, [0, 0]).add(1))).toEqual([2, 1, 2, 3, 4, 5]);
    expect([...x].map((row) => vals(row))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    const f = jit((xx: Array, i: Array) => xx.get(":", i).sum());
    expect(vals(f(x, i32([-1], [])))).toEqual([7]);
  });
});

describe("index errors", () => {
  const x = arange([2, 3]);
  it("too many indices names the rank and the count", () => {
    expect(() => getItem(x, [0, 1, 2])).toThrow(IndexError);
    expect(() => getItem(x, [0, 1, 2])).toThrow(
      /too many indices.*\(2, 3\) is 2-dimensional, but 3 were indexed/,
    );
    expect(() => getItem(x, [b8([true, false, true, true, false, false], [2, 3]), 0])).toThrow(
      /2-dimensional, but 3 were indexed/,
    );
  });
  // JAX's rule: static indices are checked only under jax_check_static_indices (off by
  // default; reads clamp), and only static integers (not index arrays); an axis of size 0
  // cannot be indexed at all.
  it("an out-of-range static integer names index, axis and size (jax_check_static_indices)", () => {
    withFlag("jax_check_static_indices", true, () => {
      expect(() => getItem(x, [0, 3])).toThrow(IndexError);
      expect(() => getItem(x, [0, 3])).toThrow(/index 3 is out of bounds for axis 1 with size 3/);
      expect(() => getItem(x, [-3])).toThrow(/index -3 is out of bounds for axis 0 with size 2/);
      expect(() => at(x, [-1]).get({ wrapNegativeIndices: false })).toThrow(
        /index -1 is out of bounds for axis 0 with size 2/,
      );
      expect(vals(getItem(x, [":", [0, 5]]))).toEqual([0, 2, 3, 5]);
      expect(vals(at(x, [0, 3]).get({ mode: "clip" }))).toEqual([2]);
      expect(vals(at(x, [0, 3]).get({ mode: "fill", fillValue: -1 }))).toEqual([-1]);
    });
    expect(vals(getItem(x, [0, 3]))).toEqual([2]);
    expect(() => getItem(arange([0]), [0])).toThrow(/out of bounds for axis 0 with size 0/);
  });
  it("a malformed slice string", () => {
    expect(() => getItem(x, ["1:2:3:4"])).toThrow(/malformed slice string "1:2:3:4" at position 0/);
    expect(() => getItem(x, ["a:b"])).toThrow(/malformed slice string/);
    expect(() => getItem(x, ["1"])).toThrow(/malformed slice string "1".*with a number/);
    expect(() => getItem(x, ["::0"])).toThrow(/slice step cannot be zero/);
    expect(() => getItem(x, ["...", "..."])).toThrow(/single ellipsis/);
  });
  it("a float index array names its dtype", () => {
    expect(() => getItem(x, [f32([0, 1])])).toThrow(
      /integer or boolean type.*dtype float32.*position 0/,
    );
    expect(() => getItem(x, [1.5])).toThrow(/index 1.5 at position 0 is not an integer/);
    expect(() => getItem(x, [[0, 0.5] as number[]])).toThrow(/only integers.*number 0.5/);
  });
  it("a mask whose shape does not match", () => {
    expect(() => getItem(x, [b8([true, false, true])])).toThrow(
      /boolean index did not match indexed array along axis 0; size of axis is 2 but size of corresponding boolean axis is 3/,
    );
  });
  it("index arrays that do not broadcast", () => {
    expect(() =>
      getItem(x, [
        [0, 1],
        [0, 1, 2],
      ]),
    ).toThrow(
      /shape mismatch: indexing arrays could not be broadcast together with shapes \(2,\) \(3,\)/,
    );
  });
  it("values that do not broadcast to the indexed shape", () => {
    expect(() => at(x, [0]).set(f32([1, 2]))).toThrow(
      /x\.at\(\.\.\.\)\.set: cannot broadcast values of shape \(2,\) to the indexed shape \(3,\)/,
    );
  });
  it("unsupported index kinds and modes", () => {
    expect(() => getItem(x, [{} as unknown as Index])).toThrow(/unsupported index an object/);
    expect(() => at(x, [0]).get({ mode: "wrap" as "clip" })).toThrow(/mode must be one of/);
  });
});

// --- properties ------------------------------------------------------------------------------

/** Python's `range(n)[start:stop:step]`, written out from the language reference. */
function sliceRange(n: number, start: number | null, stop: number | null, step: number): number[] {
  const bound = (b: number | null, dflt: number, lo: number, hi: number) => {
    if (b === null) return dflt;
    const v = b < 0 ? b + n : b;
    return Math.min(Math.max(v, lo), hi);
  };
  const out: number[] = [];
  if (step > 0) {
    for (let i = bound(start, 0, 0, n); i < bound(stop, n, 0, n); i += step) out.push(i);
  } else {
    for (let i = bound(start, n - 1, -1, n - 1); i > bound(stop, -1, -1, n - 1); i += step)
      out.push(i);
  }
  return out;
}

const sliceArb = fc.record({
  start: fc.option(fc.integer({ min: -7, max: 7 }), { nil: null }),
  stop: fc.option(fc.integer({ min: -7, max: 7 }), { nil: null }),
  step: fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
});
const sliceStr = (s: { start: number | null; stop: number | null; step: number }) =>
  `${s.start ?? ""}:${s.stop ?? ""}:${s.step}`;

describe("properties", () => {
  it("a slice string selects Python's range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), sliceArb, (n, s) => {
        const want = sliceRange(n, s.start, s.stop, s.step);
        expect(vals(getItem(arange([n]), [sliceStr(s)]))).toEqual(want);
      }),
    );
  });

  it("static slices (fast path) equal the gather path (a traced integer alongside)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        sliceArb,
        sliceArb,
        (a, b, c, s1, s2) => {
          const x = arange([a, b, c]);
          const i = Math.floor(a / 2);
          const fast = getItem(x, [i, sliceStr(s1), sliceStr(s2)]);
          const viaGather = getItem(x, [i32([i], []), sliceStr(s1), sliceStr(s2)]);
          expectIdentical(viaGather, fast);
        },
      ),
    );
  });

  it("setting x[idx] to x[idx] gives x back; setting zeros reads back zeros", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        sliceArb,
        fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        (a, b, s, rows) => {
          const x = arange([a, b]);
          const idx: Index[] = [
            rows.map((r) => r % a).filter((r, k, all) => all.indexOf(r) === k),
            sliceStr(s),
          ];
          expectIdentical(at(x, idx).set(getItem(x, idx)), x);
          const z = getItem(at(x, idx).set(0), idx);
          expect(vals(z).every((v) => v === 0)).toBe(true);
        },
      ),
    );
  });

  it("jit of get equals eager for random static indices", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        sliceArb,
        (a, b, s) => {
          const x = arange([a, b]);
          const idx: Index[] = [null, sliceStr(s), -1];
          expectIdentical(jit((xx: Array) => getItem(xx, idx))(x), getItem(x, idx));
        },
      ),
    );
  });
});
