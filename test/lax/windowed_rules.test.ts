/**
 * The differentiation and batching rules of the windowed primitives:
 * gradients of every float fixture case against NumPy (test/fixtures/
 * windowed.py; ties go to the first element in row-major window order),
 * jvp/vjp against finite differences to second order (float64), the
 * transpose identity of reduce_window_sum and of the select_and_gather_add /
 * select_and_scatter_add pair, vmap against a loop over examples (batch
 * dims anywhere, batched and unbatched operands, vmap of grad), and a small
 * NHWC CNN with max and average pooling, its loss and gradients against
 * NumPy's hand-written backpropagation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bind1 } from "../../src/core/trace.js";
import {
  type Array,
  ArrayImpl,
  grad,
  jit,
  numpy as jnp,
  jvp,
  lax,
  testUtil,
  valueAndGrad,
  vmap,
  withX64,
} from "../../src/index.js";
import {
  allAxes,
  arr,
  checkGrads2,
  checkTranspose,
  checkVmap,
  distinctArray,
  expectClose,
  expectSame,
  loop,
  randomArray,
  rng,
  vals,
  weighted,
} from "../util/index.js";
import { fixtures, operandOf, type WindowCase, windowFn } from "./windowed_fixtures.js";

type Unary = (x: Array) => Array;
/** sum(w * f(x)): a scalar whose gradient is the vjp of f at w. */
const withGrad = fixtures.cases.filter((c): c is WindowCase & { w: number[]; grad: number[] } =>
  globalThis.Array.isArray(c.grad),
);

describe("gradients against NumPy references", () => {
  it("covers sums, max and min, ties and non-identity inits", () => {
    const names = withGrad.map((c) => c.name).join("; ");
    for (const s of ["add", "max", "min", "ties", "init", "dilation"]) expect(names).toContain(s);
  });

  it.each(withGrad.map((c, i) => [`${i}: ${c.name}`, c] as const))("%s", (_, c) => {
    const f = windowFn(c);
    withX64(() => {
      const x = operandOf(c, "float64");
      const w = arr(c.w, c.out_shape, "float64");
      expectClose(grad(weighted(f, w))(x), c.grad, "float64 grad", 1e-12, 1e-13);
      // Forward mode: the directional derivative along t is <grad, t>.
      const t = randomArray(c.shape, "float64", rng(5));
      const [, dy] = jvp(weighted(f, w), [x], [t]) as [Array, Array];
      const want = c.grad.reduce((s, g, i) => s + g * vals(t)[i]!, 0);
      expectClose(dy, [want], "float64 jvp", 1e-12, 1e-13);
    });
    const x = operandOf(c, "float32");
    const g = grad(weighted(f, arr(c.w, c.out_shape)));
    expectClose(g(x), c.grad, "float32 grad", 1e-5, 1e-6);
    expectSame(jit(g)(x), g(x) as Array, "jit(grad)");
  });

  it("a max pool's gradient goes to the first of tied elements, row-major", () => {
    // Every 2x2 window holds 1 twice: on its first row for the first window, on the second.
    const x = arr([1, 1, 0, 0, 0, 0, 1, 1], [2, 4]);
    const f = (v: Array) =>
      lax.reduceSum(lax.reduceWindow(v, -Infinity, "max", [2, 2], [2, 2], "VALID"), [0, 1]);
    expect(vals(grad(f)(x))).toEqual([1, 0, 0, 0, 0, 0, 1, 0]);
    // All equal: the window's first element.
    const ones = ArrayImpl.full([3, 3], 1, "float32");
    const g = grad((v: Array) =>
      lax.reduceSum(lax.reduceWindow(v, Infinity, "min", [2, 2], [1, 1], "VALID"), [0, 1]),
    )(ones);
    expect(vals(g)).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0]);
  });

  it("integer windows have zero tangents", () => {
    const x = arr([3, -1, 2, 5, 4, 0], [2, 3], "int32");
    for (const op of ["add", "max", "min"] as const) {
      const f = (v: Array) => lax.reduceWindow(v, 0, op, [1, 2], [1, 1], "SAME");
      const [y, dy] = jvp(f, [x], [x]) as Array[];
      expect(dy!.dtype).toBe(y!.dtype);
      expect(vals(dy).every((v) => v === 0)).toBe(true);
    }
  });
});

// --- finite differences ---------------------------------------------------------------

const check2 = (f: Unary, x: Array, what: string) =>
  checkGrads2(f, [x], what, { rtol: 1e-5, atol: 1e-6 });

describe("jvp and vjp against finite differences (float64, to second order)", () => {
  // Empty windows give ±inf, whose finite differences are NaN (their tangent is 0).
  const smooth = withGrad.filter(
    (c) => !c.name.includes("ties") && !c.out.some((v) => v === "inf" || v === "-inf"),
  );
  it.each(smooth.map((c, i) => [`${i}: ${c.name}`, c] as const))("%s", (_, c) => {
    withX64(() => check2(windowFn(c), operandOf(c, "float64"), c.name));
  });

  it("a smooth function of max and average pools (second order through the pools)", () => {
    withX64(() => {
      const x = lax.mul(distinctArray([2, 4, 4, 2], "float64", rng(3)), 0.25);
      const f = (v: Array) => {
        const m = lax.reduceWindow(
          lax.sin(v),
          -Infinity,
          "max",
          [1, 2, 2, 1],
          [1, 1, 1, 1],
          "SAME",
        );
        const a = lax.reduceWindow(lax.mul(m, v), 0, "add", [1, 3, 3, 1], [1, 2, 2, 1], "SAME");
        return lax.mul(a, a);
      };
      check2(f, x, "pools");
    });
  });
});

// --- transposes -------------------------------------------------------------------------

/** Random window params for a random shape of rank 1..3 (fast-check). */
const windowCase = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => {
    const perDim = (min: number, max: number) =>
      fc.array(fc.integer({ min, max }), { minLength: shape.length, maxLength: shape.length });
    return fc.record({
      shape: fc.constant(shape),
      window: perDim(1, 3),
      strides: perDim(1, 3),
      lo: perDim(-1, 2),
      hi: perDim(-1, 2),
      bdil: perDim(1, 2),
      wdil: perDim(1, 2),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
  })
  .filter((c) => c.shape.every((n, i) => (n - 1) * c.bdil[i]! + 1 + c.lo[i]! + c.hi[i]! >= 0));
type RandomCase = typeof windowCase extends fc.Arbitrary<infer T> ? T : never;

const paramsOf = (c: RandomCase): lax.WindowParams => ({
  window_dimensions: c.window,
  window_strides: c.strides,
  padding: c.lo.map((l, i) => [l, c.hi[i]!] as const),
  base_dilation: c.bdil,
  window_dilation: c.wdil,
});
const rwOf =
  (op: lax.WindowComputation, c: RandomCase): Unary =>
  (x) =>
    lax.reduceWindow(x, 0, op, c.window, c.strides, paramsOf(c).padding, c.bdil, c.wdil);

describe("transpose rules: <ct, f(t)> == <f^T(ct), t>", () => {
  it("reduce_window_sum (JAX's pad + reduce_window_sum of the cotangent)", () => {
    fc.assert(
      fc.property(windowCase, (c) => {
        withX64(() => {
          const next = rng(c.seed);
          const t = randomArray(c.shape, "float64", next);
          const f = rwOf("add", c);
          checkTranspose(f, t, randomArray(f(t).shape, "float64", next), JSON.stringify(c));
        });
      }),
      { numRuns: 60 },
    );
  });

  it("select_and_gather_add and select_and_scatter_add are each other's transposes", () => {
    fc.assert(
      fc.property(windowCase, fc.boolean(), (c, ge) => {
        withX64(() => {
          const next = rng(c.seed);
          const x = randomArray(c.shape, "float64", next, -2, 2);
          const p = { ...paramsOf(c), select_prim: ge ? ("ge" as const) : ("le" as const) };
          const gather = (t: Array) => bind1(lax.selectAndGatherAddP, [t, x], p);
          const scatter = (s: Array) => bind1(lax.selectAndScatterAddP, [s, x], p);
          const t = randomArray(c.shape, "float64", next);
          const s = randomArray(gather(t).shape, "float64", next);
          checkTranspose(gather, t, s, `gather ${JSON.stringify(c)}`);
          checkTranspose(scatter, s, t, `scatter ${JSON.stringify(c)}`);
        });
      }),
      { numRuns: 40 },
    );
  });

  it("the selection primitives name themselves in shape errors", () => {
    const x = ArrayImpl.full([4, 4], 0, "float32");
    const p = {
      window_dimensions: [2, 2],
      window_strides: [2, 2],
      padding: [
        [0, 0],
        [0, 0],
      ] as const,
      base_dilation: [1, 1],
      window_dilation: [1, 1],
      select_prim: "ge" as const,
    };
    expect(() => bind1(lax.selectAndScatterAddP, [x, x], p)).toThrow(
      /select_and_scatter_add: the source must have shape \(2, 2\) \(the windows'\), got float32\(4, 4\)/,
    );
    expect(() =>
      bind1(lax.selectAndGatherAddP, [ArrayImpl.full([2, 2], 0, "float32"), x], p),
    ).toThrow(/select_and_gather_add: the tangent must have shape \(4, 4\)/);
  });
});

// --- vmap ---------------------------------------------------------------------------------

describe("vmap against a loop over examples", () => {
  for (const op of ["add", "max", "min"] as const) {
    it(`reduce_window ${op}, batch dim anywhere (eager and jit)`, () => {
      fc.assert(
        fc.property(windowCase, fc.integer({ min: 1, max: 3 }), (c, n) => {
          const inAxis = c.seed % (c.shape.length + 1);
          const full = [...c.shape];
          full.splice(inAxis, 0, n);
          const x = distinctArray(full, "float32", rng(c.seed));
          const outAxis = (c.seed >> 2) % (c.shape.length + 1);
          checkVmap(rwOf(op, c), [x], [inAxis], outAxis, n, `${op} ${JSON.stringify(c)}`);
        }),
        { numRuns: 20 },
      );
    });
  }

  it("vmap of grad and of jvp (batch rules of select_and_gather_add/scatter_add)", () => {
    fc.assert(
      fc.property(windowCase, fc.boolean(), (c, useMax) => {
        const f = rwOf(useMax ? "max" : "min", c);
        const loss = (v: Array) => lax.reduceSum(lax.mul(f(v), f(v)), allAxes(f(v)));
        const x = distinctArray([2, ...c.shape], "float32", rng(c.seed));
        const g = grad(loss) as Unary;
        expectSame(
          vmap(g)(x),
          loop(g, [x], [0], 0, 2)[0]!,
          `vmap(grad) ${JSON.stringify(c)}`,
          1e-5,
        );
        // Batched tangent with an unbatched primal, and both batched at other positions.
        const t = randomArray([2, ...c.shape], "float32", rng(c.seed + 1));
        const x0 = distinctArray(c.shape, "float32", rng(c.seed + 2));
        const tan = (u: Array, s: Array) => jvp(f, [u], [s])[1] as Array;
        checkVmap(tan, [x0, t], [null, 0], 0, 2, "vmap(jvp) unbatched primal");
        const xt = lax.transpose(x, [...c.shape.map((_, i) => i + 1), 0]);
        checkVmap(tan, [xt, t], [c.shape.length, 0], 0, 2, "vmap(jvp) batched both");
      }),
      { numRuns: 20 },
    );
  });

  it("grad of vmap of a max pool", () => {
    const x = distinctArray([3, 4, 5], "float32", rng(9));
    const pool = (u: Array) => lax.reduceWindow(u, -Infinity, "max", [2, 2], [1, 2], "SAME");
    const viaVmap = (v: Array) => lax.reduceSum(lax.sin(vmap(pool, { inAxes: 1 })(v)), [0, 1, 2]);
    const direct = (v: Array) =>
      lax.reduceSum(
        lax.sin(lax.reduceWindow(v, -Infinity, "max", [2, 1, 2], [1, 1, 2], "SAME")),
        [0, 1, 2],
      );
    expectSame(grad(viaVmap)(x), grad(direct)(x) as Array, "grad(vmap(pool))");
  });
});

// --- a CNN over NHWC ---------------------------------------------------------------------

/** Dense per pixel, relu, 2x2 max pool, 3x3 average pool without padding, 0.5·Σ a². */
function cnnLoss(x: Array, w: Array, b: Array): Array {
  const h = lax.max(jnp.add(jnp.matmul(x, w), b), 0);
  const p = lax.reduceWindow(h, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
  const win = [1, 3, 3, 1];
  const ones = [1, 1, 1, 1];
  const s = lax.reduceWindow(p, 0, lax.add, win, ones, "SAME");
  // Flax's avg_pool with count_include_pad=False: divide by the real elements per window.
  const count = lax.reduceWindow(jnp.onesLike(p), 0, "add", win, ones, "SAME");
  const a = lax.div(s, count);
  return lax.mul(0.5, lax.reduceSum(lax.mul(a, a), allAxes(a)));
}

describe("a small CNN with max and average pooling", () => {
  const c = fixtures.cnn;
  const args = (dtype: "float32" | "float64") => [
    arr(c.x, c.x_shape, dtype),
    arr(c.w, [3, 4], dtype),
    arr(c.b, [4], dtype),
  ];

  it("loss and gradients against NumPy (float64), float32 and jit", () => {
    withX64(() => {
      const [x, w, b] = args("float64");
      const vg = valueAndGrad(cnnLoss, { argnums: [0, 1] });
      const [loss, [gx, gw]] = vg(x!, w!, b!) as [Array, Array[]];
      expectClose(loss, [c.loss], "loss", 1e-12);
      expectClose(gx!, c.grad_x, "grad x", 1e-10, 1e-12);
      expectClose(gw!, c.grad_w, "grad w", 1e-10, 1e-12);
    });
    const [x, w, b] = args("float32");
    const g = grad(cnnLoss, { argnums: [0, 1] });
    const [gx, gw] = g(x!, w!, b!) as Array[];
    expectClose(gx!, c.grad_x, "float32 grad x", 1e-4, 1e-5);
    expectClose(gw!, c.grad_w, "float32 grad w", 1e-4, 1e-4);
    const [jx, jw] = jit(g)(x!, w!, b!) as Array[];
    expectSame(jx!, gx!, "jit grad x", 1e-5, 1e-6);
    expectSame(jw!, gw!, "jit grad w", 1e-5, 1e-6);
  });

  it("against finite differences (float64)", () => {
    withX64(() => {
      const [x, w, b] = args("float64");
      testUtil.checkGrads(cnnLoss, [x!, w!, b!], 1, { rtol: 1e-5, atol: 1e-6 });
    });
  });

  it("per-example gradients with vmap match a loop", () => {
    const [x, w, b] = args("float32");
    const perExample = (xi: Array) =>
      grad((v: Array) => cnnLoss(lax.expandDims(xi, [0]), v, b!))(w!) as Array;
    const want = loop(perExample, [x!], [0], 0, 2)[0]!;
    expectSame(vmap(perExample)(x!), want, "vmap(grad) over examples", 1e-5, 1e-6);
  });
});
