/**
 * The differentiation and batching rules of the slicing family (slice,
 * dynamic_slice, dynamic_update_slice) and of gather and the scatter family:
 * derivatives against NumPy references (test/fixtures/slicing_rules.py) and
 * against finite differences in float64 (testUtil.checkGrads, to second
 * order), the transpose identity <ct, J t> = <J^T ct, t> of each linear
 * primitive, and vmap against a loop over examples for in/out axes in
 * several positions, including vmap of grad.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../src/core/aval.js";
import { UndefinedPrimal } from "../../src/core/primitive.js";
import type { DType } from "../../src/dtype.js";
import {
  type Array,
  type ArrayImpl,
  grad,
  jit,
  jvp,
  lax,
  makeJaxpr,
  testUtil,
  vjp,
  vmap,
  withX64,
} from "../../src/index.js";
import {
  arr,
  checkGrads2,
  checkTranspose,
  checkVmap,
  expectClose,
  expectSame,
  loop,
  randomArray,
  readFixture,
  rng,
  stack,
  vals,
} from "../util/index.js";

interface Fixtures {
  gather_rows: { x: number[]; idx: number[]; ct: number[]; out: number[]; grad_x: number[] };
  scatter_rows: {
    x: number[];
    idx: number[];
    u: number[];
    ct: number[];
    out: number[];
    grad_x: number[];
    grad_u: number[];
  };
  scatter_add_rows: { out: number[]; grad_u: number[] };
  scatter_mul: Record<"x" | "idx" | "u" | "out" | "grad_x" | "grad_u", number[]>;
  scatter_max: Record<"x" | "idx" | "u" | "out" | "grad_x" | "grad_u", number[]>;
  slice_transpose: { ct: number[]; out: number[] };
}
const fx = readFixture<Fixtures>("slicing_rules.json");

type Fn = (...xs: Array[]) => Array;
type Mode = "clip" | "fill" | "promise_in_bounds";
const MODES: Mode[] = ["promise_in_bounds", "clip", "fill"];

const ints = (values: readonly number[], shape: readonly number[]) => arr(values, shape, "int32");
const sum = (x: Array) =>
  lax.reduceSum(
    x,
    x.shape.map((_, i) => i),
  );

/** Random integer indices in [lo, hi) (duplicates likely when the range is small). */
const randomInts = (shape: readonly number[], lo: number, hi: number, next: () => number) =>
  randomArray(shape, "int32", next, lo, hi);

// --- the gather and scatter configurations under test ------------------------------------

interface GatherCase {
  x: number[];
  idx: number[];
  /** Start indices in [0, hi) keep every window in bounds. */
  hi: number;
  dn: lax.GatherDimensionNumbers;
  sizes: number[];
}

const GATHERS: Record<string, GatherCase> = {
  "rows (x[idx])": {
    x: [5, 3],
    idx: [4, 1],
    hi: 5,
    dn: { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] },
    sizes: [1, 3],
  },
  "2-d windows": {
    x: [5, 4],
    idx: [3, 2],
    hi: 3,
    dn: { offsetDims: [1, 2], collapsedSliceDims: [], startIndexMap: [0, 1] },
    sizes: [2, 2],
  },
  "batching dims": {
    x: [3, 4, 2],
    idx: [3, 2, 1],
    hi: 4,
    dn: {
      offsetDims: [2],
      collapsedSliceDims: [1],
      startIndexMap: [1],
      operandBatchingDims: [0],
      startIndicesBatchingDims: [0],
    },
    sizes: [1, 1, 2],
  },
  "reordered index map, column windows": {
    x: [4, 5],
    idx: [2, 3, 2],
    hi: 3,
    dn: { offsetDims: [2], collapsedSliceDims: [1], startIndexMap: [1, 0] },
    sizes: [2, 1],
  },
};

interface ScatterCase {
  x: number[];
  idx: number[];
  u: number[];
  hi: number;
  dn: lax.ScatterDimensionNumbers;
}

const SCATTERS: Record<string, ScatterCase> = {
  "rows with duplicates": {
    x: [5, 3],
    idx: [4, 1],
    u: [4, 3],
    hi: 5,
    dn: { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] },
  },
  "2-d windows": {
    x: [5, 4],
    idx: [3, 2],
    u: [3, 2, 2],
    hi: 3,
    dn: { updateWindowDims: [1, 2], insertedWindowDims: [], scatterDimsToOperandDims: [0, 1] },
  },
  "batching dims": {
    x: [3, 4, 2],
    idx: [3, 2, 1],
    u: [3, 2, 2],
    hi: 4,
    dn: {
      updateWindowDims: [2],
      insertedWindowDims: [1],
      scatterDimsToOperandDims: [1],
      operandBatchingDims: [0],
      scatterIndicesBatchingDims: [0],
    },
  },
  "scalar elements": {
    x: [6],
    idx: [5, 1],
    u: [5],
    hi: 4,
    dn: { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] },
  },
};

const SCATTER_FNS = {
  scatter: lax.scatter,
  scatter_add: lax.scatterAdd,
  scatter_sub: lax.scatterSub,
  scatter_mul: lax.scatterMul,
  scatter_min: lax.scatterMin,
  scatter_max: lax.scatterMax,
} as const;
type ScatterName = keyof typeof SCATTER_FNS;
const SCATTER_NAMES = Object.keys(SCATTER_FNS) as ScatterName[];

const gatherFn =
  (c: GatherCase, mode: Mode): ((x: Array, idx: Array) => Array) =>
  (x, idx) =>
    lax.gather(x, idx, c.dn, c.sizes, { mode, fillValue: mode === "fill" ? 0 : null });

const scatterFn =
  (name: ScatterName, c: ScatterCase, mode: Mode, unique = false) =>
  (x: Array, idx: Array, u: Array): Array =>
    SCATTER_FNS[name](x, idx, u, c.dn, { mode, uniqueIndices: unique });

/** Distinct, well-separated values, so that max/min have no ties near the evaluation point. */
function spread(shape: readonly number[], next: () => number, dtype: DType = "float64"): ArrayImpl {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = globalThis.Array.from({ length: n }, (_, i) => (i - n / 2) * 0.37 + 0.05 * next());
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return arr(v, shape, dtype);
}

// --- derivatives against NumPy ---------------------------------------------------------------

describe("derivatives against NumPy", () => {
  it("gather: the cotangent is scatter-added back (repeated rows accumulate)", () => {
    const r = fx.gather_rows;
    const x = arr(r.x, [5, 3]);
    const idx = ints(r.idx, [4, 1]);
    const ct = arr(r.ct, [4, 3]);
    const f = (a: Array) => gatherFn(GATHERS["rows (x[idx])"]!, "promise_in_bounds")(a, idx);
    expectClose(f(x), r.out, "gather");
    const [, pullback] = vjp(f, x);
    expectClose((pullback(ct) as Array[])[0], r.grad_x, "gather vjp");
    const g = grad((a: Array) => sum(lax.mul(f(a), ct)));
    expectClose(g(x), r.grad_x, "grad");
    expectClose(jit(g)(x), r.grad_x, "jit(grad)");
  });

  it("scatter (set) with duplicate indices: only the winning update gets the cotangent", () => {
    const r = fx.scatter_rows;
    const c = SCATTERS["rows with duplicates"]!;
    const [x, u, ct] = [arr(r.x, [5, 3]), arr(r.u, [4, 3]), arr(r.ct, [5, 3])];
    const idx = ints(r.idx, [4, 1]);
    const f = (a: Array, b: Array) => scatterFn("scatter", c, "fill")(a, idx, b);
    expectClose(f(x, u), r.out, "scatter");
    const [, pullback] = vjp(f, x, u);
    const [gx, gu] = pullback(ct) as Array[];
    expectClose(gx, r.grad_x, "d/d operand");
    expectClose(gu, r.grad_u, "d/d updates");
    const loss = (a: Array, b: Array) => sum(lax.mul(f(a, b), ct));
    const [jx, ju] = jit(grad(loss, { argnums: [0, 1] }))(x, u) as Array[];
    expectClose(jx, r.grad_x, "jit grad operand");
    expectClose(ju, r.grad_u, "jit grad updates");
  });

  it("scatter_add: the operand's cotangent passes through, the updates' is gathered", () => {
    const r = fx.scatter_rows;
    const c = SCATTERS["rows with duplicates"]!;
    const [x, u, ct] = [arr(r.x, [5, 3]), arr(r.u, [4, 3]), arr(r.ct, [5, 3])];
    const idx = ints(r.idx, [4, 1]);
    const f = (a: Array, b: Array) => scatterFn("scatter_add", c, "fill")(a, idx, b);
    expectClose(f(x, u), fx.scatter_add_rows.out, "scatter_add");
    const [gx, gu] = (vjp(f, x, u)[1] as (ct: Array) => Array[])(ct);
    expectClose(gx, r.ct, "d/d operand");
    expectClose(gu, fx.scatter_add_rows.grad_u, "d/d updates");
    const [, gs] = (
      vjp((a: Array, b: Array) => lax.scatterSub(a, idx, b, c.dn), x, u)[1] as (
        ct: Array,
      ) => Array[]
    )(ct);
    expectClose(
      gs,
      fx.scatter_add_rows.grad_u.map((v) => -v),
      "scatter_sub d/d updates",
    );
  });

  it("scatter_mul: exact products of the other updates, zeros among them included", () => {
    const r = fx.scatter_mul;
    withX64(() => {
      const [x, u] = [arr(r.x, [4], "float64"), arr(r.u, [6], "float64")];
      const idx = ints(r.idx, [6, 1]);
      const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
      const f = (a: Array, b: Array) => sum(lax.scatterMul(a, idx, b, dn));
      expectClose(lax.scatterMul(x, idx, u, dn), r.out, "scatter_mul");
      const [gx, gu] = grad(f, { argnums: [0, 1] })(x, u) as Array[];
      expectClose(gx, r.grad_x, "d/d operand", 1e-12, 0);
      expectClose(gu, r.grad_u, "d/d updates", 1e-12, 0);
      // Promising unique indices takes JAX's simpler rule; it agrees where they are unique.
      const i1 = ints([2, 0, 3], [3, 1]);
      const u1 = arr([1.5, -2, 0], [3], "float64");
      const g1 = (uniqueIndices: boolean) =>
        grad((b: Array) => sum(lax.scatterMul(x, i1, b, dn, { uniqueIndices })))(u1) as Array;
      expectClose(g1(true), vals(g1(false)), "unique", 0, 0);
      expectClose(g1(true), [3, 2, 0.5], "unique values", 0, 0);
    });
  });

  it("scatter_max and scatter_min: ties share the derivative equally, as in JAX", () => {
    const r = fx.scatter_max;
    const [x, u] = [arr(r.x, [4]), arr(r.u, [5])];
    const idx = ints(r.idx, [5, 1]);
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    expectClose(lax.scatterMax(x, idx, u, dn), r.out, "scatter_max");
    const g = (f: typeof lax.scatterMax, a: Array, b: Array) =>
      grad((p: Array, q: Array) => sum(f(p, idx, q, dn)), { argnums: [0, 1] })(a, b) as Array[];
    const [gx, gu] = g(lax.scatterMax, x, u);
    expectClose(gx, r.grad_x, "d/d operand");
    expectClose(gu, r.grad_u, "d/d updates");
    // scatter_min of the negated values mirrors scatter_max.
    const [nx, nu] = g(lax.scatterMin, lax.neg(x), lax.neg(u));
    expectClose(nx, r.grad_x, "min d/d operand");
    expectClose(nu, r.grad_u, "min d/d updates");
    // Forward mode gives the same averages.
    const [, t] = jvp((a: Array) => lax.scatterMax(a, idx, u, dn), [x], [arr([1, 1, 1, 1], [4])]);
    expectClose(t, r.grad_x, "jvp");
  });

  it("slice with strides: the transpose pads the cotangent back into place", () => {
    const r = fx.slice_transpose;
    const f = (x: Array) => lax.slice(x, [1, 0], [6, 3], [2, 2]);
    const [, pullback] = vjp(f, arr(new globalThis.Array(28).fill(0), [7, 4]));
    expectClose((pullback(arr(r.ct, [3, 2])) as Array[])[0], r.out, "slice transpose");
  });
});

// --- finite differences, in float64 ----------------------------------------------------------

/** The nonlinearity that makes second derivatives of linear primitives non-trivial. */
const curve = (y: Array) => lax.mul(lax.sin(y), y);

describe("jvp and vjp against finite differences (float64, to second order)", () => {
  const opts = { eps: 1e-5, atol: 1e-6, rtol: 1e-6 };

  it("slice, dynamic_slice and dynamic_update_slice", () => {
    withX64(() => {
      const next = rng(11);
      const x = randomArray([5, 6], "float64", next);
      const u = randomArray([2, 3], "float64", next);
      const i = ints([3], []);
      const j = ints([-2], []);
      testUtil.checkGrads(
        (a: Array) => curve(lax.slice(curve(a), [1, 0], [5, 6], [3, 2])),
        [x],
        2,
        opts,
      );
      testUtil.checkGrads(
        (a: Array) => curve(lax.dynamicSlice(curve(a), [i, j], [2, 3])),
        [x],
        2,
        opts,
      );
      testUtil.checkGrads(
        (a: Array, b: Array) => curve(lax.dynamicUpdateSlice(curve(a), lax.mul(b, b), [i, j])),
        [x, u],
        2,
        opts,
      );
      // A start index past the end is clamped, for the derivatives too.
      testUtil.checkGrads(
        (a: Array) => lax.dynamicSlice(curve(a), [ints([9], []), j], [2, 3]),
        [x],
        1,
        opts,
      );
    });
  });

  for (const [name, c] of Object.entries(GATHERS)) {
    it(`gather, ${name}, in every mode (out-of-bounds indices included)`, () => {
      withX64(() => {
        for (const mode of MODES) {
          const next = rng(name.length * 7 + mode.length);
          const x = randomArray(c.x, "float64", next);
          const idx = randomInts(c.idx, -2, c.hi + 2, next);
          const f = gatherFn(c, mode);
          testUtil.checkGrads((a: Array) => curve(f(curve(a), idx)), [x], 2, opts);
        }
      });
    });
  }

  for (const [name, c] of Object.entries(SCATTERS)) {
    it(`scatter family, ${name}: operand and updates, every mode`, () => {
      withX64(() => {
        for (const prim of SCATTER_NAMES) {
          for (const mode of MODES) {
            const next = rng(name.length * 13 + prim.length * 3 + mode.length);
            const x = spread(c.x, next);
            const u = spread(c.u, next);
            const idx = randomInts(c.idx, -1, c.hi + 1, next);
            const f = scatterFn(prim, c, mode);
            const g = (a: Array, b: Array) => curve(f(curve(a), idx, curve(b)));
            checkGrads2(g, [x, u], `${prim} ${mode}`, opts);
          }
        }
      });
    });
  }

  it("scatter (set) and scatter_mul with uniqueIndices take JAX's direct rules", () => {
    withX64(() => {
      const c = SCATTERS["rows with duplicates"]!;
      const next = rng(5);
      const x = spread(c.x, next);
      const u = spread(c.u, next);
      const idx = ints([4, 0, 2, 1], [4, 1]);
      for (const prim of ["scatter", "scatter_mul"] as const) {
        const f = scatterFn(prim, c, "fill", true);
        testUtil.checkGrads((a: Array, b: Array) => curve(f(curve(a), idx, b)), [x, u], 2, opts);
      }
    });
  });
});

// --- the transpose identity -------------------------------------------------------------

describe("transposes of the linear primitives: <ct, J t> = <J^T ct, t>", () => {
  it("slice, over random shapes, bounds and strides", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: 6 }),
            fc.nat(),
            fc.nat(),
            fc.integer({ min: 1, max: 3 }),
          ),
          {
            minLength: 0,
            maxLength: 3,
          },
        ),
        fc.nat(),
        (dims, seed) => {
          const shape = dims.map(([n]) => n);
          const start = dims.map(([n, a]) => a % (n + 1));
          const limit = dims.map(([n, , b], k) => start[k]! + (b % (n - start[k]! + 1)));
          const strides = dims.map(([, , , s]) => s);
          const next = rng(seed);
          const f = (x: Array) => lax.slice(x, start, limit, strides);
          const t = randomArray(shape, "float32", next);
          const ct = randomArray(f(t).shape, "float32", next);
          checkTranspose(
            f,
            t,
            ct,
            `slice ${JSON.stringify({ shape, start, limit, strides })}`,
            1e-5,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("dynamic_slice and dynamic_update_slice (in the operand and in the update)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 1, max: 5 }), fc.nat(), fc.integer({ min: -6, max: 6 })),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        fc.nat(),
        (dims, seed) => {
          const shape = dims.map(([n]) => n);
          const sizes = dims.map(([n, s]) => s % (n + 1));
          const starts = dims.map(([, , i]) => ints([i], []));
          const next = rng(seed);
          const x = randomArray(shape, "float32", next);
          const u = randomArray(sizes, "float32", next);
          const ds = (a: Array) =>
            lax.dynamicSlice(a, starts, sizes, { allowNegativeIndices: false });
          const what = JSON.stringify({ shape, sizes, starts: starts.map((s) => vals(s)[0]) });
          checkTranspose(ds, x, randomArray(sizes, "float32", next), `dynamic_slice ${what}`, 1e-5);
          const ct = randomArray(shape, "float32", next);
          const dus = (a: Array) => lax.dynamicUpdateSlice(a, lax.mul(u, 0), starts);
          checkTranspose(dus, x, ct, `dus operand ${what}`, 1e-5);
          const linU = (b: Array) => lax.dynamicUpdateSlice(lax.mul(x, 0), b, starts);
          checkTranspose(linU, u, ct, `dus update ${what}`, 1e-5);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("gather in every mode, over the configurations", () => {
    for (const [name, c] of Object.entries(GATHERS)) {
      for (const mode of MODES) {
        const next = rng(name.length + mode.length);
        const idx = randomInts(c.idx, -2, c.hi + 2, next);
        const f = (x: Array) => gatherFn(c, mode)(x, idx);
        const t = randomArray(c.x, "float32", next);
        checkTranspose(
          f,
          t,
          randomArray(f(t).shape, "float32", next),
          `gather ${name} ${mode}`,
          1e-5,
        );
      }
    }
  });

  it("scatter_add, scatter_sub, scatter, scatter_mul in each linear argument", () => {
    for (const [name, c] of Object.entries(SCATTERS)) {
      for (const mode of MODES) {
        const next = rng(name.length * 3 + mode.length);
        const idx = randomInts(c.idx, -1, c.hi + 1, next);
        const x = randomArray(c.x, "float32", next);
        const u = randomArray(c.u, "float32", next);
        const ct = randomArray(c.x, "float32", next);
        const what = `${name} ${mode}`;
        for (const prim of ["scatter_add", "scatter_sub", "scatter"] as const) {
          const f = scatterFn(prim, c, mode);
          // Linear in (operand, updates) jointly: each alone with the other at zero.
          const zu = lax.mul(u, 0);
          const zx = lax.mul(x, 0);
          checkTranspose((a: Array) => f(a, idx, zu), x, ct, `${prim} operand ${what}`, 1e-5);
          checkTranspose((b: Array) => f(zx, idx, b), u, ct, `${prim} updates ${what}`, 1e-5);
        }
        const mulX = (a: Array) => scatterFn("scatter_mul", c, mode)(a, idx, u);
        checkTranspose(mulX, x, ct, `scatter_mul operand ${what}`, 1e-5);
      }
    }
  });

  it("give each linear operand a cotangent of exactly its type (weak types restored)", () => {
    const weak = (v: number[], shape: number[]) =>
      lax.convertElementType(arr(v, shape), "float32", true);
    const x = arr([1, 2, 3, 4], [4]);
    const wx = weak([1, 2, 3, 4], [4]);
    const wu = weak([5, 6], [2]);
    const idx = ints([3, 0], [2, 1]);
    const i = ints([1], []);
    const gdn = { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] };
    const sdn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const cases: [string, Fn, Array[]][] = [
      ["gather", (a) => lax.gather(a, idx, gdn, [1]), [wx]],
      ["slice", (a) => lax.slice(a, [1], [3]), [wx]],
      ["dynamic_slice", (a) => lax.dynamicSlice(a, [i], [2]), [wx]],
      ["dynamic_update_slice", (a, b) => lax.dynamicUpdateSlice(a, b, [i]), [x, wu]],
      ["scatter_add", (a, b) => lax.scatterAdd(a, idx, b, sdn), [x, wu]],
      ["scatter", (a, b) => lax.scatter(a, idx, b, sdn), [wx, arr([5, 6], [2])]],
    ];
    for (const [name, f, args] of cases) {
      const [out, pullback] = vjp(f, ...args);
      const cts = pullback(arr(vals(out), (out as Array).shape)) as Array[];
      cts.forEach((c, k) => {
        expect(c.shape, `${name} ${k}`).toEqual(args[k]!.shape);
        expect(c.dtype, `${name} ${k}`).toBe("float32");
        expect(c.weakType, `${name} ${k}`).toBe(args[k]!.weakType);
      });
    }
  });

  it("the transpose rules themselves, with the operand and the updates both linear", () => {
    const c = SCATTERS["rows with duplicates"]!;
    const next = rng(3);
    const idx = ints([1, 3, 1, 0], [4, 1]);
    const ct = randomArray(c.x, "float32", next);
    const xa = new ShapedArray(c.x, "float32", false);
    const ua = new ShapedArray(c.u, "float32", false);
    const params = {
      dimension_numbers: {
        update_window_dims: [1],
        inserted_window_dims: [0],
        scatter_dims_to_operand_dims: [0],
        operand_batching_dims: [],
        scatter_indices_batching_dims: [],
      },
      indices_are_sorted: false,
      mode: "fill" as const,
      unique_indices: false,
    };
    const both = [new UndefinedPrimal(xa), idx, new UndefinedPrimal(ua)];
    const [gx, gi, gu] = lax.scatterP.rule("transpose")([ct], both, params);
    expect(gi).toBeNull();
    // Rows 0, 1 and 3 are overwritten; the last update to row 1 wins.
    const want = vals(ct).map((v, k) => ([0, 1, 3].includes(Math.floor(k / 3)) ? 0 : v));
    expectClose(gx, want, "scatter operand");
    const ctRow = (r: number) => vals(ct).slice(3 * r, 3 * r + 3);
    expectClose(gu, [0, 0, 0, ...ctRow(3), ...ctRow(1), ...ctRow(0)], "scatter updates");
    const [ax, , au] = lax.scatterAddP.rule("transpose")([ct], both, params);
    expectClose(ax, vals(ct), "scatter_add operand");
    expectClose(au, [...ctRow(1), ...ctRow(3), ...ctRow(1), ...ctRow(0)], "scatter_add updates");
    expect(() => lax.scatterMulP.rule("transpose")([ct], both, params)).toThrow(
      /lax.scatterMul: operand and updates are both linear/,
    );
  });
});

// --- vmap ---------------------------------------------------------------------------------

/** Stacks n examples made by `make` along `axis` (null: one unbatched value). */
function batchedArg(
  make: (next: () => number) => ArrayImpl,
  axis: number | null,
  n: number,
  next: () => number,
) {
  if (axis === null) return make(next);
  return stack(
    globalThis.Array.from({ length: n }, () => make(next)),
    axis,
  );
}

/** An in-axis for an argument of rank r: null (unbatched) or a position in [0, r]. */
const axisOf = (r: number) => fc.option(fc.integer({ min: 0, max: r }), { nil: null });

describe("batching rules: vmap equals a loop over examples", () => {
  it("slice: the batch dimension in any position", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        (ax, out, n, seed) => {
          const next = rng(seed);
          const x = batchedArg((g) => randomArray([5, 4], "float32", g), ax, n, next);
          const f = (a: Array) => lax.slice(a, [1, 0], [5, 3], [2, 2]);
          checkVmap(f, [x], [ax], out, n, "slice");
        },
      ),
      { numRuns: 30 },
    );
  });

  it("dynamic_slice and dynamic_update_slice: operand, update and each index batched or not", () => {
    fc.assert(
      fc.property(
        axisOf(2),
        axisOf(2),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        (xAx, uAx, iB, jB, out, n, seed) => {
          const next = rng(seed);
          const inAxes = [xAx, uAx, iB ? 0 : null, jB ? 0 : null];
          if (inAxes.every((a) => a === null)) return;
          const x = batchedArg((g) => randomArray([5, 4], "float32", g), xAx, n, next);
          const u = batchedArg((g) => randomArray([2, 3], "float32", g), uAx, n, next);
          // Out-of-range and negative starts (wrapped, then clamped) included.
          const i = batchedArg((g) => randomInts([], -5, 7, g), iB ? 0 : null, n, next);
          const j = batchedArg((g) => randomInts([], -4, 6, g), jB ? 0 : null, n, next);
          const ds = (a: Array, _b: Array, p: Array, q: Array) =>
            lax.dynamicSlice(a, [p, q], [2, 3]);
          const dus = (a: Array, b: Array, p: Array, q: Array) =>
            lax.dynamicUpdateSlice(a, b, [p, q]);
          if (xAx !== null || iB || jB) {
            const dsAxes = [xAx, null, inAxes[2]!, inAxes[3]!];
            checkVmap(ds, [x, u, i, j], dsAxes, Math.min(out, 2), n, "dynamic_slice");
          }
          checkVmap(dus, [x, u, i, j], inAxes, out, n, "dynamic_update_slice");
        },
      ),
      { numRuns: 80 },
    );
  });

  it("gather: operand and indices each batched or not, every configuration and mode", () => {
    const names = Object.keys(GATHERS);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.constantFrom(...MODES),
        axisOf(3),
        axisOf(3),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        (name, mode, xAx, iAx, out, n, seed) => {
          const c = GATHERS[name]!;
          if (xAx === null && iAx === null) return;
          const next = rng(seed);
          const xa = xAx === null ? null : Math.min(xAx, c.x.length);
          const ia = iAx === null ? null : Math.min(iAx, c.idx.length);
          const x = batchedArg((g) => randomArray(c.x, "float32", g), xa, n, next);
          const idx = batchedArg((g) => randomInts(c.idx, -1, c.hi + 1, g), ia, n, next);
          const f = gatherFn(c, mode);
          const outRank = c.dn.offsetDims.length + c.idx.length - 1;
          checkVmap(f, [x, idx], [xa, ia], Math.min(out, outRank), n, `gather ${name} ${mode}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("the scatter family: operand, indices and updates each batched or not", () => {
    const names = Object.keys(SCATTERS);
    fc.assert(
      fc.property(
        fc.constantFrom(...SCATTER_NAMES),
        fc.constantFrom(...names),
        fc.constantFrom(...MODES),
        fc.tuple(axisOf(3), axisOf(3), axisOf(3)),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        (prim, name, mode, [xAx, iAx, uAx], out, n, seed) => {
          const c = SCATTERS[name]!;
          if (xAx === null && iAx === null && uAx === null) return;
          const next = rng(seed);
          const clampAx = (a: number | null, r: number) => (a === null ? null : Math.min(a, r));
          const axes = [
            clampAx(xAx, c.x.length),
            clampAx(iAx, c.idx.length),
            clampAx(uAx, c.u.length),
          ];
          const x = batchedArg((g) => randomArray(c.x, "float32", g), axes[0]!, n, next);
          const idx = batchedArg((g) => randomInts(c.idx, -1, c.hi + 1, g), axes[1]!, n, next);
          const u = batchedArg((g) => randomArray(c.u, "float32", g), axes[2]!, n, next);
          const f = scatterFn(prim, c, mode);
          checkVmap(f, [x, idx, u], axes, Math.min(out, c.x.length), n, `${prim} ${name} ${mode}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("an empty batch (axis size 0)", () => {
    const g = GATHERS["rows (x[idx])"]!;
    const s = SCATTERS["rows with duplicates"]!;
    const x = randomArray([0, ...g.x], "float32", rng(1));
    const idx = randomInts([0, ...g.idx], 0, 1, rng(1));
    const u = randomArray([0, ...s.u], "float32", rng(1));
    expect(vmap(gatherFn(g, "clip"))(x, idx).shape).toEqual([0, 4, 3]);
    expect(
      vmap(gatherFn(g, "clip"), { inAxes: [0, null] })(x, ints([0, 1, 2, 3], [4, 1])).shape,
    ).toEqual([0, 4, 3]);
    expect(vmap(scatterFn("scatter_add", s, "fill"))(x, idx, u).shape).toEqual([0, 5, 3]);
    const ds = (a: Array, i: Array) => lax.dynamicSlice(a, [i, i], [2, 2]);
    expect(vmap(ds)(x, ints([], [0])).shape).toEqual([0, 2, 2]);
  });

  it("batched operand and indices pair up through the batching dimensions (one gather, no loop)", () => {
    const c = GATHERS["rows (x[idx])"]!;
    const f = vmap(gatherFn(c, "clip"));
    const text = makeJaxpr(f)(
      randomArray([3, ...c.x], "float32", rng(1)),
      ints(new globalThis.Array(12).fill(0), [3, 4, 1]),
    ).toString();
    expect(text.match(/gather\[/g)?.length).toBe(1);
    expect(text).toMatch(/operand_batching_dims=\(0,\)/);
    const ds = vmap((x: Array, i: Array) =>
      lax.dynamicSlice(x, [i], [2], { allowNegativeIndices: false }),
    );
    const dsText = makeJaxpr(ds)(
      randomArray([3, 5], "float32", rng(2)),
      ints([0, 1, 2], [3]),
    ).toString();
    expect(dsText).toMatch(/gather\[/);
    expect(dsText).not.toMatch(/dynamic_slice/);
    const dus = vmap((x: Array, u: Array, i: Array) =>
      lax.dynamicUpdateSlice(x, u, [i], { allowNegativeIndices: false }),
    );
    const dusText = makeJaxpr(dus)(
      randomArray([3, 5], "float32", rng(2)),
      randomArray([3, 2], "float32", rng(3)),
      ints([0, 1, 2], [3]),
    ).toString();
    expect(dusText).toMatch(/scatter\[/);
  });
});

describe("vmap of grad, and grad of vmap", () => {
  it("per-example gradients through gather and scatter_add equal a loop", () => {
    const c = SCATTERS["rows with duplicates"]!;
    const g = GATHERS["rows (x[idx])"]!;
    const loss = (x: Array, idx: Array, u: Array) => {
      const y = lax.scatterAdd(x, idx, lax.mul(u, u), c.dn);
      return sum(curve(gatherFn(g, "clip")(y, idx)));
    };
    const next = rng(21);
    const n = 3;
    const x = randomArray([n, ...c.x], "float32", next);
    const idx = stack(
      globalThis.Array.from({ length: n }, () => randomInts(c.idx, 0, c.hi, next)),
      0,
    );
    const u = randomArray(c.u, "float32", next);
    const dfx = grad(loss, { argnums: [0, 2] });
    const per = (a: Array, i: Array, b: Array) => (dfx(a, i, b) as Array[])[0]!;
    const perU = (a: Array, i: Array, b: Array) => (dfx(a, i, b) as Array[])[1]!;
    const inAxes = [0, 0, null];
    expectSame(
      vmap(per, { inAxes })(x, idx, u),
      loop(per, [x, idx, u], inAxes, 0, n)[0]!,
      "d/dx",
      1e-5,
      1e-5,
    );
    expectSame(
      vmap(perU, { inAxes })(x, idx, u),
      loop(perU, [x, idx, u], inAxes, 0, n)[0]!,
      "d/du",
      1e-5,
      1e-5,
    );
    expectSame(
      jit(vmap(perU, { inAxes }))(x, idx, u),
      loop(perU, [x, idx, u], inAxes, 0, n)[0]!,
      "jit",
      1e-5,
      1e-5,
    );
  });

  it("vmap of grad through dynamic_slice / dynamic_update_slice with per-example indices", () => {
    const f = (x: Array, i: Array) =>
      sum(curve(lax.dynamicUpdateSlice(x, lax.dynamicSlice(x, [i], [2]), [lax.sub(i, 1)])));
    const next = rng(4);
    const x = randomArray([4, 6], "float32", next);
    const i = ints([0, 3, 5, 2], [4]);
    const g = (a: Array, b: Array) => grad(f)(a, b) as Array;
    expectSame(vmap(g)(x, i), loop(g, [x, i], [0, 0], 0, 4)[0]!, "vmap(grad)", 1e-5, 1e-5);
  });

  it("grad of a vmapped scatter-max and scatter (set) equals the sum of per-example grads", () => {
    const c = SCATTERS["scalar elements"]!;
    for (const prim of ["scatter_max", "scatter"] as const) {
      const f = scatterFn(prim, c, "fill");
      const next = rng(prim.length);
      const x = spread([3, 6], next, "float32");
      const u = spread([3, 5], next, "float32");
      const idx = stack(
        [
          ints([0, 1, 1, 4, 5], [5, 1]),
          ints([2, 2, 2, 3, 0], [5, 1]),
          ints([5, 4, 3, 2, 1], [5, 1]),
        ],
        0,
      );
      const total = (a: Array, b: Array) => sum(curve(vmap(f)(a, idx, b)));
      const [gx, gu] = grad(total, { argnums: [0, 1] })(x, u) as Array[];
      const each = (a: Array, i: Array, b: Array) =>
        grad((p: Array) => sum(curve(f(p, i, b))))(a) as Array;
      const eachU = (a: Array, i: Array, b: Array) =>
        grad((q: Array) => sum(curve(f(a, i, q))))(b) as Array;
      expectSame(gx, loop(each, [x, idx, u], [0, 0, 0], 0, 3)[0]!, `${prim} d/dx`, 1e-5, 1e-5);
      expectSame(gu, loop(eachU, [x, idx, u], [0, 0, 0], 0, 3)[0]!, `${prim} d/du`, 1e-5, 1e-5);
    }
  });

  it("jvp of vmap equals vmap of jvp for gather", () => {
    const c = GATHERS["2-d windows"]!;
    const f = gatherFn(c, "fill");
    const next = rng(8);
    const x = randomArray([2, ...c.x], "float32", next);
    const t = randomArray([2, ...c.x], "float32", next);
    const idx = randomInts(c.idx, -1, c.hi + 1, next);
    const [, a] = jvp((p: Array) => vmap(f, { inAxes: [0, null] })(p, idx), [x], [t]);
    const b = vmap((p: Array, q: Array) => (jvp((r: Array) => f(r, idx), [p], [q]) as Array[])[1]!)(
      x,
      t,
    );
    expectSame(a as Array, b as Array, "jvp(vmap) vs vmap(jvp)");
  });
});

describe("errors", () => {
  it("scatter_mul is not linear in the updates when indices repeat", () => {
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const x = arr([1, 2, 3], [3]);
    const idx = ints([0, 0], [2, 1]);
    const params = {
      dimension_numbers: {
        update_window_dims: dn.updateWindowDims,
        inserted_window_dims: dn.insertedWindowDims,
        scatter_dims_to_operand_dims: dn.scatterDimsToOperandDims,
        operand_batching_dims: [],
        scatter_indices_batching_dims: [],
      },
      indices_are_sorted: false,
      mode: "fill" as const,
      unique_indices: false,
    };
    const u = new UndefinedPrimal(new ShapedArray([2], "float32", false));
    expect(() => lax.scatterMulP.rule("transpose")([x], [x, idx, u], params)).toThrow(
      /lax.scatterMul: the transpose with respect to updates needs uniqueIndices: true/,
    );
    // With unique indices it is linear: the cotangent is ct·operand at each update.
    const [, , gu] = lax.scatterMulP.rule("transpose")([x], [x, ints([0, 2], [2, 1]), u], {
      ...params,
      unique_indices: true,
    });
    expectClose(gu, [1, 9], "unique");
  });

  it("indices can never be the linear input of a transpose", () => {
    const x = arr([1, 2, 3], [3]);
    const params = {
      dimension_numbers: {
        offset_dims: [],
        collapsed_slice_dims: [0],
        start_index_map: [0],
        operand_batching_dims: [],
        start_indices_batching_dims: [],
      },
      fill_value: null,
      indices_are_sorted: false,
      mode: "clip" as const,
      slice_sizes: [1],
      unique_indices: false,
    };
    const xi = new UndefinedPrimal(x.aval);
    const ii = new UndefinedPrimal(new ShapedArray([2, 1], "int32", false));
    expect(() => lax.gatherP.rule("transpose")([arr([1, 1], [2])], [xi, ii], params)).toThrow(
      /lax.gather: the indices cannot be a linear input/,
    );
  });

  it("grad with respect to integer indices is refused, as in JAX", () => {
    const x = arr([1, 2, 3], [3]);
    const f = (i: Array) => sum(lax.dynamicSlice(x, [i], [1]));
    expect(() => grad(f)(ints([1], []))).toThrow(/requires real- or complex-valued inputs.*int32/);
  });
});
