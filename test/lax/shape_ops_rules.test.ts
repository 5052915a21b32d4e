/**
 * The differentiation and batching rules of the shape primitives
 * (broadcast_in_dim, reshape, transpose, squeeze, concatenate, pad, rev,
 * iota): gradients against NumPy references (test/fixtures/shape_ops_rules.py),
 * jvp/vjp against finite differences to second order (testUtil.checkGrads, in
 * float64), the transpose identity <ct, f(t)> == <f^T(ct), t> of every
 * primitive on random shapes and parameters, exact types of cotangents, and
 * vmap against a loop over examples with batch axes in every position,
 * including vmap of grad and jvp, grad of vmap, and jit of both.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Zero } from "../../src/core/primitive.js";
import type { DType } from "../../src/dtype.js";
import {
  type Array,
  ArrayImpl,
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
  allAxes,
  arr,
  expectClose,
  expectSame,
  loop,
  randomArray,
  readFixture,
  rng,
  vals,
} from "../util/index.js";

type Fn = (...xs: Array[]) => Array;
const total = (x: Array) => lax.reduceSum(x, allAxes(x));
const inner = (a: Array, b: Array) => vals(a).reduce((s, v, i) => s + v * vals(b)[i]!, 0);
const range = (n: number) => globalThis.Array.from({ length: n }, (_, i) => i);

// --- gradients against NumPy references -------------------------------------------

interface FxArray {
  shape: number[];
  data: number[];
}
interface FxCase {
  params: Record<string, unknown>;
  xs: FxArray[];
  y: FxArray;
  w: FxArray;
  grads: FxArray[];
}
const fixtures = readFixture<Record<string, FxCase[]>>("shape_ops_rules.json");

/** The function a fixture case differentiates. */
function fixtureFn(name: string, p: Record<string, unknown>): Fn {
  const ints = (k: string) => p[k] as number[];
  switch (name) {
    case "broadcast_in_dim":
      return (x) => lax.broadcastInDim(x, ints("shape"), ints("broadcast_dimensions"));
    case "reshape":
      return (x) => lax.reshape(x, ints("new_sizes"));
    case "transpose":
      return (x) => lax.transpose(x, ints("permutation"));
    case "squeeze":
      return (x) => lax.squeeze(x, ints("dimensions"));
    case "concatenate":
      return (...xs) => lax.concatenate(xs, p.dimension as number);
    case "pad":
      return (x, v) => lax.pad(x, v, p.padding_config as number[][]);
    case "rev":
      return (x) => lax.rev(x, ints("dimensions"));
    default:
      throw new Error(`no function for fixture ${name}`);
  }
}

describe("gradients against NumPy references", () => {
  for (const [name, cases] of Object.entries(fixtures)) {
    cases.forEach((c, k) => {
      it(`${name} #${k}: value, grad and jvp in float64; grad and jit(grad) in float32`, () => {
        const f = fixtureFn(name, c.params);
        const argnums = range(c.xs.length);
        const run = (dtype: DType, rtol: number) => {
          const xs = c.xs.map((x) => arr(x.data, x.shape, dtype));
          const w = arr(c.w.data, c.w.shape, dtype);
          const loss = (...args: Array[]) => total(lax.mul(f(...args), w));
          expectClose(f(...xs), c.y.data, `${name} value`, rtol, rtol);
          const g = grad(loss, { argnums }) as (...a: Array[]) => Array[];
          const gs = g(...xs);
          gs.forEach((gi, i) => {
            expect(gi.shape).toEqual(c.grads[i]!.shape);
            expectClose(gi, c.grads[i]!.data, `${name} grad ${i}`, rtol, rtol);
          });
          // Forward mode: the directional derivative along ts is sum_i <grad_i, t_i>.
          const next = rng(k + 3);
          const ts = xs.map((x) => randomArray(x.shape, dtype, next));
          const [, dy] = jvp(loss, xs, ts) as [Array, Array];
          const want = c.grads.reduce(
            (s, gi, i) => s + gi.data.reduce((a, v, j) => a + v * vals(ts[i])[j]!, 0),
            0,
          );
          expectClose(dy, [want], `${name} jvp`, rtol * 10, rtol * 10);
          return { g, xs, gs };
        };
        withX64(() => run("float64", 1e-12));
        const { g, xs, gs } = run("float32", 1e-6);
        jit(g)(...xs).forEach((gi, i) => {
          expectSame(gi, gs[i]!, `${name} jit(grad) ${i}`);
        });
      });
    });
  }
});

// --- random cases of every primitive (fast-check) ------------------------------------

/** A primitive applied with fixed parameters to inputs of the given shapes. */
interface OpCase {
  what: string;
  inputs: number[][];
  f: Fn;
}

const dimSize = fc.integer({ min: 1, max: 3 });
const shapeOf = (minLength: number, maxLength: number) =>
  fc.array(dimSize, { minLength, maxLength });
const flags = (n: number) => fc.array(fc.boolean(), { minLength: n, maxLength: n });

const CASES: Record<string, fc.Arbitrary<OpCase>> = {
  broadcast_in_dim: shapeOf(0, 4)
    .chain((shape) => fc.tuple(fc.constant(shape), fc.subarray(range(shape.length)), flags(4)))
    .map(([shape, dims, unit]) => ({
      what: `broadcast_in_dim to ${JSON.stringify(shape)} dims ${JSON.stringify(dims)}`,
      inputs: [dims.map((d, i) => (unit[i] ? 1 : shape[d]!))],
      f: (x) => lax.broadcastInDim(x, shape, dims),
    })),
  reshape: fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
    .chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(shape, { minLength: shape.length, maxLength: shape.length }),
        flags(shape.length + 1),
      ),
    )
    .map(([shape, factors, merge]) => {
      // Regroup the shuffled sizes: merged neighbours multiply; maybe a trailing 1.
      const sizes: number[] = [];
      factors.forEach((d, i) => {
        if (i > 0 && merge[i]) sizes[sizes.length - 1]! *= d;
        else sizes.push(d);
      });
      if (merge[0]) sizes.push(1);
      return {
        what: `reshape ${JSON.stringify(shape)} to ${JSON.stringify(sizes)}`,
        inputs: [shape],
        f: (x) => lax.reshape(x, sizes),
      };
    }),
  transpose: shapeOf(0, 4)
    .chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(range(shape.length), {
          minLength: shape.length,
          maxLength: shape.length,
        }),
      ),
    )
    .map(([shape, perm]) => ({
      what: `transpose ${JSON.stringify(shape)} by ${JSON.stringify(perm)}`,
      inputs: [shape],
      f: (x) => lax.transpose(x, perm),
    })),
  squeeze: fc
    .array(fc.constantFrom(1, 1, 2, 3), { minLength: 1, maxLength: 4 })
    .chain((shape) =>
      fc.tuple(fc.constant(shape), fc.subarray(range(shape.length).filter((i) => shape[i] === 1))),
    )
    .map(([shape, dims]) => ({
      what: `squeeze ${JSON.stringify(shape)} dims ${JSON.stringify(dims)}`,
      inputs: [shape],
      f: (x) => lax.squeeze(x, dims),
    })),
  concatenate: shapeOf(1, 3)
    .chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.integer({ min: 0, max: shape.length - 1 }),
        fc.array(dimSize, { minLength: 1, maxLength: 3 }),
      ),
    )
    .map(([shape, dim, sizes]) => ({
      what: `concatenate ${sizes.length} operands of ${JSON.stringify(shape)} along ${dim} with sizes ${sizes}`,
      inputs: sizes.map((n) => shape.map((d, i) => (i === dim ? n : d))),
      f: (...xs) => lax.concatenate(xs, dim),
    })),
  pad: fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: -2, max: 3 }),
        fc.integer({ min: -2, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
      ),
      { minLength: 0, maxLength: 3 },
    )
    .filter((dims) => dims.every(([n, lo, hi, it]) => n + lo + hi + Math.max(n - 1, 0) * it >= 0))
    .map((dims) => {
      const config = dims.map(([, lo, hi, it]) => [lo, hi, it]);
      return {
        what: `pad ${JSON.stringify(dims.map((d) => d[0]))} with config ${JSON.stringify(config)}`,
        inputs: [dims.map((d) => d[0]), []],
        f: (x, v) => lax.pad(x, v, config),
      };
    }),
  rev: shapeOf(0, 3)
    .chain((shape) => fc.tuple(fc.constant(shape), fc.subarray(range(shape.length))))
    .map(([shape, dims]) => ({
      what: `rev ${JSON.stringify(shape)} dims ${JSON.stringify(dims)}`,
      inputs: [shape],
      f: (x) => lax.rev(x, dims),
    })),
};

const seedArb = fc.integer({ min: 1, max: 100000 });

/** Runs `check` with the message of the case prepended to any failure. */
function withCase(c: OpCase, check: () => void): void {
  try {
    check();
  } catch (e) {
    throw new Error(`${c.what}: ${(e as Error).message}`);
  }
}

/**
 * The transpose identity of a function linear in all of its inputs:
 * <ct, f(ts)> == sum_i <f^T(ct)_i, t_i>; cotangents have their input's type.
 */
function checkLinear(f: Fn, ts: Array[], next: () => number, tol = 1e-9): void {
  const y = f(...ts);
  const ct = randomArray(y.shape, y.dtype, next);
  const [, pullback] = vjp(f, ...ts);
  const cts = pullback(ct) as Array[];
  cts.forEach((c, i) => {
    expect(
      c.aval.equals(ts[i]!.aval),
      `cotangent ${i}: ${c.aval.str()} vs ${ts[i]!.aval.str()}`,
    ).toBe(true);
  });
  const lhs = inner(ct, y);
  const rhs = cts.reduce((s, c, i) => s + inner(c, ts[i]!), 0);
  if (!(Math.abs(lhs - rhs) <= tol * (1 + Math.abs(lhs)))) {
    throw new Error(`<ct, f(t)> = ${lhs} but <f^T(ct), t> = ${rhs}`);
  }
}

describe("transpose rules: <ct, f(t)> == <f^T(ct), t>", () => {
  for (const [name, arb] of Object.entries(CASES)) {
    it(`${name} (all operands linear, random shapes and parameters)`, () => {
      fc.assert(
        fc.property(arb, seedArb, (c, seed) => {
          withX64(() =>
            withCase(c, () => {
              const next = rng(seed);
              checkLinear(
                c.f,
                c.inputs.map((s) => randomArray(s, "float64", next)),
                next,
              );
            }),
          );
        }),
        { numRuns: 40 },
      );
    });
  }

  it("pad and concatenate with only some operands linear", () => {
    withX64(() => {
      const next = rng(17);
      const x = randomArray([3, 2], "float64", next);
      const v = arr([1.5], [], "float64");
      const cfg = [
        [1, -1, 2],
        [-1, 2, 0],
      ];
      // Padding value fixed (at zero, so that the map is linear): the operand's cotangent alone.
      checkLinear((u) => lax.pad(u, arr([0], [], "float64"), cfg), [x], next);
      // Operand fixed: pad(x, v) = pad(x, 0) + v·pad(0, 1), linear in v up to a constant.
      const fv = (w: Array) => lax.sub(lax.pad(x, w, cfg), lax.pad(x, 0, cfg));
      checkLinear(fv, [v], next);
      // The other operands fixed (at zero, so that the map is linear): their cotangents are not asked for.
      const other = lax.broadcastInDim(arr([0], [], "float64"), [3, 4], []);
      checkLinear((u) => lax.concatenate([other, u, other], 1), [x], next);
    });
  });

  it("cotangents keep the operand's exact type: weak scalars broadcast, weak padding values", () => {
    const weak = ArrayImpl.scalar(2, "float32", true);
    const [y, pullback] = vjp((s: Array) => lax.broadcastInDim(s, [2, 3], []), weak);
    expect((y as Array).weakType).toBe(true);
    const [ct] = pullback(ArrayImpl.full([2, 3], 1, "float32")) as Array[];
    expect(ct!.aval.equals(weak.aval)).toBe(true);
    expect(vals(ct)).toEqual([6]);
    const x = arr([1, 2, 3], [3]);
    const [, padBack] = vjp((u: Array, s: Array) => lax.pad(u, s, [[1, 1, 1]]), x, weak);
    const [cx, cv] = padBack(arr([1, 2, 3, 4, 5, 6, 7], [7])) as Array[];
    expect(cx!.aval.equals(x.aval)).toBe(true);
    expect(vals(cx)).toEqual([2, 4, 6]);
    expect(cv!.aval.equals(weak.aval)).toBe(true);
    expect(vals(cv)).toEqual([1 + 3 + 5 + 7]);
    const [, catBack] = vjp(
      (a: Array, b: Array) => lax.concatenate([a, b], 0),
      weak.reshape([1]),
      x,
    );
    const [ca] = catBack(arr([1, 2, 3, 4], [4])) as Array[];
    expect(ca!.aval.equals(weak.reshape([1]).aval)).toBe(true);
  });

  it("concatenate with an empty operand, and pad that removes everything", () => {
    withX64(() => {
      const next = rng(5);
      const ts = [
        [2, 0],
        [2, 3],
        [2, 1],
      ].map((s) => randomArray(s, "float64", next));
      checkLinear((...xs) => lax.concatenate(xs, 1), ts, next);
      const x = randomArray([2, 2], "float64", next);
      checkLinear(
        (u, v) =>
          lax.pad(u, v, [
            [-2, 1, 0],
            [0, 0, 1],
          ]),
        [x, arr([0.5], [], "float64")],
        next,
      );
    });
  });
});

// --- finite differences, to second order -------------------------------------------------

describe("jvp and vjp against finite differences (float64, to second order)", () => {
  for (const [name, arb] of Object.entries(CASES)) {
    it(`${name}, alone and inside sin (random shapes and parameters)`, () => {
      fc.assert(
        fc.property(arb, seedArb, (c, seed) => {
          withX64(() =>
            withCase(c, () => {
              const next = rng(seed);
              const xs = c.inputs.map((s) => randomArray(s, "float64", next));
              const opts = { rtol: 1e-6, atol: 1e-7, seed };
              testUtil.checkGrads(c.f, xs, 2, opts);
              testUtil.checkGrads((...a: Array[]) => lax.sin(c.f(...a)), xs, 2, opts);
            }),
          );
        }),
        { numRuns: 12 },
      );
    });
  }

  it("grad of grad through concatenate, pad, broadcast_in_dim and reshape", () => {
    withX64(() => {
      const x = arr([0.5, -1, 2], [3], "float64");
      // sum(sin([y, y])) has gradient 2 cos(y); the gradient of its sum is -2 sin(x).
      const g1 = (y: Array) => grad((u: Array) => total(lax.sin(lax.concatenate([u, u], 0))))(y);
      const h1 = grad((y: Array) => total(g1(y) as Array))(x);
      expectClose(
        h1,
        vals(x).map((v) => -2 * Math.sin(v)),
        "concatenate",
        1e-12,
        1e-12,
      );
      const g2 = (y: Array) => grad((u: Array) => total(lax.sin(lax.pad(u, 0, [[1, 2, 1]]))))(y);
      const h2 = grad((y: Array) => total(g2(y) as Array))(x);
      expectClose(
        h2,
        vals(x).map((v) => -Math.sin(v)),
        "pad",
        1e-12,
        1e-12,
      );
      const g3 = (y: Array) =>
        grad((u: Array) => total(lax.sin(lax.reshape(lax.broadcastInDim(u, [2, 3], [1]), [6]))))(y);
      const h3 = grad((y: Array) => total(g3(y) as Array))(x);
      expectClose(
        h3,
        vals(x).map((v) => -2 * Math.sin(v)),
        "broadcast",
        1e-12,
        1e-12,
      );
    });
  });
});

// --- integer-valued results and iota ------------------------------------------------------

describe("integer values and iota have zero tangents", () => {
  it("shape ops of integer arrays have zero tangents of the same dtype", () => {
    const i = arr([3, -1, 2, 5, 4, 0], [2, 3], "int32");
    const ops: Fn[] = [
      (v) => lax.broadcastInDim(v, [4, 2, 3], [1, 2]),
      (v) => lax.reshape(v, [3, 2]),
      (v) => lax.transpose(v, [1, 0]),
      (v) => lax.squeeze(lax.reshape(v, [1, 6]), [0]),
      (v) => lax.concatenate([v, v], 1),
      (v) =>
        lax.pad(v, 7, [
          [1, 0, 1],
          [0, -1, 0],
        ]),
      (v) => lax.rev(v, [0]),
    ];
    for (const f of ops) {
      const [y, dy] = jvp(f, [i], [i]) as Array[];
      expect(dy!.dtype).toBe(y!.dtype);
      expect(dy!.shape).toEqual(y!.shape);
      expect(vals(dy).every((v) => v === 0)).toBe(true);
    }
  });

  it("iota: its jvp rule gives a zero tangent; a float function of it differentiates", () => {
    const params = { dimension: 1, dtype: "int32" as DType, shape: [2, 3] };
    const [[y], [t]] = lax.iotaP.rule("jvp")([], [], params);
    expect(vals(y)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(t).toBeInstanceOf(Zero);
    expect(t!.aval.equals(y!.aval)).toBe(true);
    const f = (x: Array) =>
      total(lax.mul(x, lax.convertElementType(lax.broadcastedIota("int32", [2, 3], 1), "float32")));
    const x = arr([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(vals(grad(f)(x))).toEqual([0, 1, 2, 0, 1, 2]);
    // Under vmap, iota is unbatched (a constant per example).
    const h = (v: Array) => lax.add(v, lax.iota("float32", 3));
    expectSame(
      vmap(h, { inAxes: 1 })(arr([1, 2, 3, 4, 5, 6], [3, 2])),
      loop(h, [arr([1, 2, 3, 4, 5, 6], [3, 2])], [1], 0, 2)[0]!,
      "vmap iota",
    );
    const [[yb], [db]] = lax.iotaP.rule("batch")([], [], params, { size: 4, name: null });
    expect(yb!.shape).toEqual([2, 3]);
    expect(db).toBeNull();
  });
});

// --- vmap -----------------------------------------------------------------------------------

interface BatchSetup {
  inAxes: (number | null)[];
  outAxis: number;
  size: number;
  args: Array[];
}

/** Batch axes for a case (each input: null or a position; at least one batched) and batched inputs. */
function batchSetup(c: OpCase, seed: number, dtype: DType): BatchSetup {
  const next = rng(seed);
  const size = 1 + Math.floor(next() * 3);
  const inAxes = c.inputs.map((s): number | null =>
    next() < 0.25 ? null : Math.floor(next() * (s.length + 1)),
  );
  if (!inAxes.some((a) => a !== null)) inAxes[0] = 0;
  const args = c.inputs.map((s, i) => {
    const shape = [...s];
    if (inAxes[i] !== null) shape.splice(inAxes[i]!, 0, size);
    return randomArray(shape, dtype, next, -3, 3);
  });
  const rank = c.f(...c.inputs.map((s) => randomArray(s, dtype, next))).ndim + 1;
  const outAxis = Math.floor(next() * 2 * rank) - rank;
  return { inAxes, outAxis, size, args };
}

const describeSetup = (s: BatchSetup) => `inAxes ${JSON.stringify(s.inAxes)}, outAxes ${s.outAxis}`;

describe("vmap against a loop over examples", () => {
  for (const [name, arb] of Object.entries(CASES)) {
    it(`${name}: batch axes in every position, float32 and int32, eager and jit`, () => {
      fc.assert(
        fc.property(arb, seedArb, fc.constantFrom<DType>("float32", "int32"), (c, seed, dtype) => {
          withCase(c, () => {
            const s = batchSetup(c, seed, dtype);
            const want = loop(c.f, s.args, s.inAxes, s.outAxis, s.size)[0]!;
            const vf = vmap(c.f, { inAxes: s.inAxes, outAxes: s.outAxis });
            expectSame(vf(...s.args), want, describeSetup(s), 0, 0);
            expectSame(jit(vf)(...s.args), want, `jit ${describeSetup(s)}`, 0, 0);
          });
        }),
        { numRuns: 40 },
      );
    });
  }

  it("pad with a batched padding value (alone, and with a batched operand)", () => {
    const cfg = [
      [1, -1, 1],
      [2, 0, 0],
    ];
    const f = (x: Array, v: Array) => lax.pad(x, v, cfg);
    const x = randomArray([2, 3], "float32", rng(1));
    const xs = randomArray([2, 4, 3], "float32", rng(2));
    const vs = arr([7, 8, 9, 10], [4]);
    for (const [args, inAxes] of [
      [
        [x, vs],
        [null, 0],
      ],
      [
        [xs, vs],
        [1, 0],
      ],
    ] as [Array[], (number | null)[]][]) {
      for (const outAxis of [0, 2, -1]) {
        const want = loop(f, args, inAxes, outAxis, 4)[0]!;
        expectSame(
          vmap(f, { inAxes, outAxes: outAxis })(args[0]!, args[1]!),
          want,
          `pad ${inAxes}`,
          0,
          0,
        );
      }
    }
  });

  it("vmap of vmap: two batch dimensions", () => {
    const x = randomArray([2, 3, 4], "float32", rng(3));
    const f = (v: Array) =>
      lax.concatenate(
        [
          lax.rev(v, [0]),
          lax.reshape(lax.broadcastInDim(v, [3, 2], [1]), [6]),
          lax.pad(v, 0.5, [[1, 0, 1]]),
        ],
        0,
      );
    const got = vmap(vmap(f, { inAxes: 1 }), { inAxes: 2 })(x);
    const want = loop((u) => loop(f, [u], [1], 0, 3)[0]!, [x], [2], 0, 4)[0]!;
    expectSame(got, want, "vmap(vmap)", 0, 0);
  });

  it("batch rules move no data where they need not: no transpose in the jaxpr", () => {
    const x = randomArray([2, 5, 3], "float32", rng(4));
    // Each with the output axis where its batch rule leaves the batch dimension.
    const fs: Record<string, [Fn, number]> = {
      broadcast_in_dim: [(v) => lax.broadcastInDim(v, [4, 2, 3], [1, 2]), 2],
      squeeze: [(v) => lax.squeeze(lax.broadcastInDim(v, [2, 1, 3], [0, 2]), [1]), 1],
      rev: [(v) => lax.rev(v, [0, 1]), 1],
      concatenate: [(v) => lax.concatenate([v, v], 1), 1],
      pad: [
        (v) =>
          lax.pad(v, 0, [
            [1, 1, 1],
            [0, 2, 0],
          ]),
        1,
      ],
    };
    for (const [name, [f, outAxes]] of Object.entries(fs)) {
      const vf = vmap(f, { inAxes: 1, outAxes });
      const text = makeJaxpr(vf)(x).toString();
      expect(text, name).not.toMatch(/transpose/);
      expectSame(vf(x), loop(f, [x], [1], outAxes, 5)[0]!, name, 0, 0);
    }
  });
});

describe("vmap and the derivatives", () => {
  for (const [name, arb] of Object.entries(CASES)) {
    it(`${name}: vmap(grad), jit(vmap(grad)), vmap(jvp) and grad(vmap)`, () => {
      fc.assert(
        fc.property(arb, seedArb, (c, seed) => {
          withCase(c, () => {
            const s = batchSetup(c, seed, "float32");
            const argnums = range(c.inputs.length);
            const g = grad((...xs: Array[]) => total(lax.sin(c.f(...xs))), { argnums }) as (
              ...xs: Array[]
            ) => Array[];
            const want = loop(g, s.args, s.inAxes, 0, s.size);
            const got = vmap(g, { inAxes: s.inAxes })(...s.args);
            const gotJit = jit(vmap(g, { inAxes: s.inAxes }))(...s.args);
            want.forEach((w, i) => {
              expectSame(got[i], w, `vmap(grad) ${i} ${describeSetup(s)}`, 1e-6, 1e-6);
              expectSame(gotJit[i], w, `jit(vmap(grad)) ${i} ${describeSetup(s)}`, 1e-6, 1e-6);
            });
            const next = rng(seed + 1);
            const ts = s.args.map((a) => randomArray(a.shape, "float32", next));
            const n = c.inputs.length;
            const tangent = (...a: Array[]) => jvp(c.f, a.slice(0, n), a.slice(n))[1] as Array;
            const axes2 = [...s.inAxes, ...s.inAxes];
            const wantT = loop(tangent, [...s.args, ...ts], axes2, s.outAxis, s.size)[0]!;
            const gotT = vmap(tangent, { inAxes: axes2, outAxes: s.outAxis })(...s.args, ...ts);
            expectSame(gotT, wantT, `vmap(jvp) ${describeSetup(s)}`, 0, 0);
          });
          // grad of vmap: the outputs of the batch rules transpose (in float64).
          withX64(() =>
            withCase(c, () => {
              const s = batchSetup(c, seed, "float64");
              const vf = vmap(c.f, { inAxes: s.inAxes, outAxes: s.outAxis });
              checkLinear(vf, s.args, rng(seed + 2));
            }),
          );
        }),
        { numRuns: 15 },
      );
    });
  }
});
