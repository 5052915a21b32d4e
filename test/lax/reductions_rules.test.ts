/**
 * The differentiation and batching rules of the reductions (reduce_*,
 * argmax/argmin) and cumulative ops: gradients against NumPy references
 * (test/fixtures/reduction_rules.py: zeros in products, ties in max/min),
 * jvp/vjp against finite differences to second order (testUtil.checkGrads, in
 * float64), the transpose identity of the linear ones (reduce_sum, cumsum),
 * zero tangents of integer-valued results, and vmap against a loop over
 * examples for batch axes in every position, including vmap of grad.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../src/dtype.js";
import {
  type Array,
  ArrayImpl,
  grad,
  jit,
  jvp,
  lax,
  testUtil,
  vjp,
  vmap,
  withX64,
} from "../../src/index.js";
import {
  arr,
  checkGrads2,
  checkTranspose,
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

interface Case {
  shape: number[];
  x: number[];
  w: number[];
  grad: number[];
  axes?: number[];
  axis?: number;
  reverse?: boolean;
}
const fixtures = readFixture<{ reductions: Record<string, Case> }>(
  "reduction_rules.json",
).reductions;

type Unary = (x: Array) => Array;
type Reducer = (x: Array, axes: readonly number[]) => Array;
type Cumulative = (x: Array, options?: lax.CumulativeOptions) => Array;

const REDUCERS: Record<string, Reducer> = {
  reduce_sum: lax.reduceSum,
  reduce_prod: lax.reduceProd,
  reduce_max: lax.reduceMax,
  reduce_min: lax.reduceMin,
};
const CUMULATIVE: Record<string, Cumulative> = {
  cumsum: lax.cumsum,
  cumprod: lax.cumprod,
  cummax: lax.cummax,
  cummin: lax.cummin,
  cumlogsumexp: lax.cumlogsumexp,
};

/** sum(w * f(x)): a scalar whose gradient is the vjp of f at w. */
/** The function a fixture case differentiates, and its weights' shape. */
function caseFn(name: string, c: Case): Unary {
  const kind = name.split("_")[0]!;
  if (kind in CUMULATIVE) {
    return (x) => CUMULATIVE[kind]!(x, { axis: c.axis!, reverse: c.reverse! });
  }
  const reducer = { prod: lax.reduceProd, max: lax.reduceMax, min: lax.reduceMin }[kind]!;
  return (x) => reducer(x, c.axes!);
}

describe("gradients against NumPy references", () => {
  for (const [name, c] of Object.entries(fixtures)) {
    it(`${name}: grad and jvp in float64, grad, jit and vmap in float32`, () => {
      const f = caseFn(name, c);
      withX64(() => {
        const x = arr(c.x, c.shape, "float64");
        const w = arr(c.w, f(x).shape, "float64");
        expectClose(grad(weighted(f, w))(x), c.grad, `${name} grad`, 1e-12, 1e-13);
        // Forward mode: the directional derivative along t is <grad, t>.
        const t = randomArray(c.shape, "float64", rng(5));
        const [, dy] = jvp(weighted(f, w), [x], [t]) as [Array, Array];
        const want = c.grad.reduce((s, g, i) => s + g * vals(t)[i]!, 0);
        expectClose(dy, [want], `${name} jvp`, 1e-12, 1e-13);
      });
      const x = arr(c.x, c.shape);
      const w = arr(c.w, f(x).shape);
      const g = grad(weighted(f, w));
      expectClose(g(x), c.grad, `${name} float32 grad`, 1e-5, 1e-6);
      expectSame(jit(g)(x), g(x) as Array, `${name} jit(grad)`);
    });
  }

  it("reduce_prod's gradient is exact with one and with several zeros in a group", () => {
    const x = arr([2, 0, 3, 0, 5, 0, 1, 4, 7], [3, 3]);
    const g = grad((v: Array) => lax.reduceSum(lax.reduceProd(v, [1]), [0]))(x);
    expect(vals(g)).toEqual([0, 6, 0, 0, 0, 0, 28, 7, 4]);
  });

  it("reduce_max and reduce_min split the tangent evenly among ties, as JAX does", () => {
    const x = arr([1, 3, 3, 2, 2, 2], [2, 3]);
    const gmax = grad((v: Array) => lax.reduceSum(lax.reduceMax(v, [1]), [0]))(x);
    expectClose(gmax, [0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3], "max ties");
    const gmin = grad((v: Array) => lax.reduceMin(v, [0, 1]))(x);
    expectClose(gmin, [1, 0, 0, 0, 0, 0], "min");
  });

  it("cumlogsumexp stays finite at -inf", () => {
    const x = arr([Number.NEGATIVE_INFINITY, 0, 1], [3]);
    const g = grad((v: Array) => lax.reduceSum(lax.cumlogsumexp(v), [0]))(x);
    const e = Math.E;
    // y0 = x0 even at -inf; later outputs give x0 no weight (exp(-inf - y) = 0).
    expectClose(g, [1, 1 + 1 / (1 + e), e / (1 + e)], "cumlogsumexp at -inf");
  });

  it("an empty product has a gradient of the operand's (empty) shape", () => {
    const x = ArrayImpl.fromData(new Float32Array(0), [0, 3]);
    const g = grad((v: Array) => lax.reduceSum(lax.reduceProd(v, [0]), [0]))(x) as Array;
    expect(g.shape).toEqual([0, 3]);
    const [y, dy] = jvp((v: Array) => lax.reduceProd(v, [0]), [x], [x]) as Array[];
    expect(vals(y)).toEqual([1, 1, 1]);
    expect(vals(dy)).toEqual([0, 0, 0]);
  });
});

// --- finite differences, to second order --------------------------------------------

/** A random shape of rank 1..3 and a random subset of its axes (fast-check). */
const shapeAndAxes = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.subarray(shape.map((_, i) => i)),
      fc.integer({ min: 0, max: 1000 }),
    ),
  );

const check2 = (f: Unary, x: Array, what: string) =>
  checkGrads2(f, [x], what, { rtol: 1e-5, atol: 1e-6 });

describe("jvp and vjp against finite differences (float64, to second order)", () => {
  for (const [name, reducer] of Object.entries(REDUCERS)) {
    it(`${name} over random axes`, () => {
      fc.assert(
        fc.property(shapeAndAxes, ([shape, axes, seed]) => {
          withX64(() => {
            // Distinct values: max and min are differentiable there.
            const x = distinctArray(shape, "float64", rng(seed));
            const scaled = name === "reduce_prod" ? lax.mul(x, 0.5) : x;
            check2((v) => reducer(v, axes), scaled, `${name} ${JSON.stringify({ shape, axes })}`);
          });
        }),
        { numRuns: 15 },
      );
    });
  }

  for (const [name, cum] of Object.entries(CUMULATIVE)) {
    it(`${name} along random axes, forward and reverse`, () => {
      fc.assert(
        fc.property(shapeAndAxes, fc.boolean(), ([shape, , seed], reverse) => {
          const axis = seed % shape.length;
          withX64(() => {
            const x = lax.mul(distinctArray(shape, "float64", rng(seed)), 0.5);
            check2((v) => cum(v, { axis, reverse }), x, `${name} ${shape} ${axis} ${reverse}`);
          });
        }),
        { numRuns: 10 },
      );
    });
  }

  it("higher-order: grad(grad) of products and cumulative products", () => {
    withX64(() => {
      // d²/dx² of x·y·z summed: the Hessian of a product has zero diagonal.
      const h = grad((v: Array) =>
        lax.reduceSum(grad((u: Array) => lax.reduceProd(u, [0]))(v) as Array, [0]),
      );
      expectClose(h(arr([2, 3, 5], [3], "float64")), [8, 7, 5], "grad(grad(prod))", 1e-12);
      const x = arr([0.5, -1.5, 2, 0.25], [4], "float64");
      testUtil.checkGrads((v: Array) => lax.cumprod(v), [x], 3, { rtol: 1e-5, atol: 1e-6 });
    });
  });
});

// --- the linear primitives' transposes -------------------------------------------------

describe("transpose rules: <ct, f(t)> == <f^T(ct), t>", () => {
  it("reduce_sum over random axes", () => {
    fc.assert(
      fc.property(shapeAndAxes, ([shape, axes, seed]) => {
        withX64(() => {
          const next = rng(seed);
          const t = randomArray(shape, "float64", next);
          const f = (v: Array) => lax.reduceSum(v, axes);
          const ct = randomArray(f(t).shape, "float64", next);
          checkTranspose(f, t, ct, `reduce_sum ${JSON.stringify({ shape, axes })}`);
        });
      }),
      { numRuns: 25 },
    );
  });

  it("cumsum along random axes, forward and reverse", () => {
    fc.assert(
      fc.property(shapeAndAxes, fc.boolean(), ([shape, , seed], reverse) => {
        withX64(() => {
          const next = rng(seed);
          const axis = seed % shape.length;
          const t = randomArray(shape, "float64", next);
          const ct = randomArray(shape, "float64", next);
          const f = (v: Array) => lax.cumsum(v, { axis, reverse });
          checkTranspose(f, t, ct, `cumsum ${shape} axis ${axis} reverse ${reverse}`);
        });
      }),
      { numRuns: 25 },
    );
  });

  it("cotangents keep the operand's exact type (weak types included)", () => {
    const weak = ArrayImpl.fromData(new Float32Array([1, 2, 3, 4]), [2, 2], true);
    for (const f of [(v: Array) => lax.reduceSum(v, [1]), (v: Array) => lax.cumsum(v)]) {
      const [y, pullback] = vjp(f, weak);
      const [ct] = pullback(ArrayImpl.full((y as Array).shape, 1, "float32")) as Array[];
      expect(ct!.aval.equals(weak.aval)).toBe(true);
    }
  });
});

// --- integer-valued results ---------------------------------------------------------------

describe("integer- and bool-valued results have zero tangents", () => {
  const x = arr([3, 1, 2, 5, 4, 0], [2, 3]);
  const t = ArrayImpl.full([2, 3], 1, "float32");

  it("argmax and argmin", () => {
    for (const f of [(v: Array) => lax.argmax(v, 1), (v: Array) => lax.argmin(v, 0, "uint32")]) {
      const [y, dy] = jvp(f, [x], [t]) as Array[];
      expect(dy!.dtype).toBe(y!.dtype);
      expect(vals(dy)).toEqual(vals(y).map(() => 0));
    }
    // A float function of an argmax does not vary with the input.
    const g = grad((v: Array) =>
      lax.reduceSum(lax.convertElementType(lax.argmax(v, 1), "float32"), [0]),
    );
    expect(vals(g(x))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("integer reductions and cumulative ops, and reduce_and/or/xor", () => {
    const i = arr([3, -1, 2, 5, 4, 0], [2, 3], "int32");
    const ops: Unary[] = [
      (v) => lax.reduceSum(v, [1]),
      (v) => lax.reduceProd(v, [0]),
      (v) => lax.reduceMax(v, [1]),
      (v) => lax.reduceMin(v, [0, 1]),
      (v) => lax.reduceAnd(v, [1]),
      (v) => lax.reduceOr(v, [0]),
      (v) => lax.reduceXor(v, [1]),
      (v) => lax.cumsum(v, { axis: 1 }),
      (v) => lax.cumprod(v),
      (v) => lax.cummax(v, { axis: 1, reverse: true }),
    ];
    for (const f of ops) {
      const [y, dy] = jvp(f, [i], [i]) as Array[];
      expect(dy!.dtype).toBe(y!.dtype);
      expect(vals(dy).every((v) => v === 0)).toBe(true);
    }
    const b = arr([1, 0, 1, 1, 1, 0], [2, 3], "bool");
    const [, db] = jvp((v: Array) => lax.reduceOr(v, [1]), [b], [b]) as Array[];
    expect(db!.dtype).toBe("bool");
    expect(vals(db)).toEqual([0, 0]);
  });
});

// --- vmap ---------------------------------------------------------------------------------

/** A random per-example shape, axes, batch position and output position (fast-check). */
const batchCase = shapeAndAxes.chain(([shape, axes, seed]) =>
  fc.tuple(
    fc.constant(shape),
    fc.constant(axes),
    fc.constant(seed),
    fc.integer({ min: 0, max: shape.length }),
    fc.integer({ min: 1, max: 3 }),
  ),
);

/** vmap(f) with the batch at `inAxis` (and a chosen out axis) equals f on each example, stacked. */
function checkVmap(f: Unary, x: Array, inAxis: number, seed: number, what: string): void {
  const size = x.shape[inAxis]!;
  // The result's rank with the batch axis; out axes from -rank to rank - 1.
  const rank = loop(f, [x], [inAxis], 0, size)[0]!.ndim;
  const outAxis = (seed % rank) - (seed % 2 === 0 ? 0 : rank);
  const want = loop(f, [x], [inAxis], outAxis, size)[0]!;
  const got = vmap(f, { inAxes: inAxis, outAxes: outAxis })(x);
  expectSame(got, want, `${what} (inAxes ${inAxis}, outAxes ${outAxis})`, 1e-6, 1e-6);
}

function batched(shape: number[], inAxis: number, n: number, dtype: DType, seed: number) {
  const full = [...shape];
  full.splice(inAxis, 0, n);
  return dtype.startsWith("float") && seed % 3 === 0
    ? distinctArray(full, dtype, rng(seed))
    : randomArray(full, dtype, rng(seed), -3, 3);
}

describe("vmap against a loop over examples", () => {
  const reducers: Record<string, [Reducer, DType]> = {
    reduce_sum: [lax.reduceSum, "float32"],
    reduce_prod: [lax.reduceProd, "float32"],
    reduce_max: [lax.reduceMax, "float32"],
    reduce_min: [lax.reduceMin, "int32"],
    reduce_and: [lax.reduceAnd, "bool"],
    reduce_or: [lax.reduceOr, "int32"],
    reduce_xor: [lax.reduceXor, "bool"],
  };
  for (const [name, [reducer, dtype]] of Object.entries(reducers)) {
    it(`${name} (${dtype})`, () => {
      fc.assert(
        fc.property(batchCase, ([shape, axes, seed, inAxis, n]) => {
          const x = batched(shape, inAxis, n, dtype, seed);
          checkVmap((v) => reducer(v, axes), x, inAxis, seed, `${name} axes ${axes}`);
        }),
        { numRuns: 20 },
      );
    });
  }

  it("argmax and argmin", () => {
    fc.assert(
      fc.property(batchCase, ([shape, , seed, inAxis, n]) => {
        const axis = seed % shape.length;
        const x = batched(shape, inAxis, n, "float32", seed);
        checkVmap((v) => lax.argmax(v, axis), x, inAxis, seed, `argmax axis ${axis}`);
        checkVmap((v) => lax.argmin(v, axis, "uint32"), x, inAxis, seed + 1, `argmin ${axis}`);
      }),
      { numRuns: 20 },
    );
  });

  for (const [name, cum] of Object.entries(CUMULATIVE)) {
    it(name, () => {
      fc.assert(
        fc.property(batchCase, fc.boolean(), ([shape, , seed, inAxis, n], reverse) => {
          const axis = seed % shape.length;
          const x = batched(shape, inAxis, n, "float32", seed);
          checkVmap((v) => cum(v, { axis, reverse }), x, inAxis, seed, `${name} axis ${axis}`);
        }),
        { numRuns: 15 },
      );
    });
  }

  it("vmap of vmap: two batch dims", () => {
    const x = randomArray([2, 3, 4], "float32", rng(3));
    const f = (v: Array) => lax.reduceMax(v, [0]);
    const got = vmap(vmap(f, { inAxes: 1 }), { inAxes: 2 })(x) as Array;
    const want = loop((u) => loop(f, [u], [1], 0, 3)[0]!, [x], [2], 0, 4)[0]!;
    expectSame(got, want, "vmap(vmap(reduce_max))");
  });
});

describe("vmap of the derivatives", () => {
  const fns: Record<string, Unary> = {
    reduce_sum: (v) => lax.reduceSum(lax.mul(v, v), [0]),
    reduce_prod: (v) => lax.reduceProd(v, [0]),
    reduce_max: (v) => lax.reduceMax(lax.sin(v), [0]),
    cumsum: (v) => lax.reduceSum(lax.mul(lax.cumsum(v, { reverse: true }), v), [0]),
    cumprod: (v) => lax.reduceSum(lax.cumprod(v), [0]),
    cummax: (v) => lax.reduceSum(lax.cummax(v), [0]),
    cummin: (v) => lax.reduceSum(lax.cummin(v, { reverse: true }), [0]),
    cumlogsumexp: (v) => lax.reduceSum(lax.cumlogsumexp(v), [0]),
  };
  for (const [name, f] of Object.entries(fns)) {
    it(`${name}: vmap(grad), jit(vmap(grad)) and vmap of jvp`, () => {
      for (const inAxis of [0, 1]) {
        const x = lax.mul(distinctArray([3, 4], "float32", rng(inAxis + 11)), 0.5);
        const g = grad(f);
        const want = loop(g as Unary, [x], [inAxis], 0, x.shape[inAxis]!)[0]!;
        expectSame(vmap(g, { inAxes: inAxis })(x), want, `${name} vmap(grad)`, 1e-5, 1e-6);
        expectSame(jit(vmap(g, { inAxes: inAxis }))(x), want, `${name} jit`, 1e-5, 1e-6);
        const t = randomArray(x.shape, "float32", rng(7));
        const tangent = (u: Array, s: Array) => jvp(f, [u], [s])[1] as Array;
        const wantT = loop(tangent, [x, t], [inAxis, inAxis], 0, x.shape[inAxis]!)[0]!;
        const gotT = vmap(tangent, { inAxes: [inAxis, inAxis] })(x, t);
        expectSame(gotT, wantT, `${name} vmap(jvp)`, 1e-5, 1e-6);
      }
    });
  }

  it("grad of vmap (the batch rules' outputs transpose)", () => {
    const x = randomArray([3, 4], "float32", rng(9));
    const f = (v: Array) =>
      lax.reduceSum(
        vmap((u: Array) => lax.cumsum(lax.mul(u, u)), { inAxes: 1, outAxes: 1 })(v),
        [0, 1],
      );
    const want = grad((v: Array) => lax.reduceSum(lax.cumsum(lax.mul(v, v), { axis: 0 }), [0, 1]))(
      x,
    );
    expectSame(grad(f)(x), want as Array, "grad(vmap(cumsum))");
  });
});
