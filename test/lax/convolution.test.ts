/**
 * conv_general_dilated and its wrappers against direct loops in NumPy
 * (test/fixtures/convolution.py): strides, "SAME"/"VALID"/explicit and
 * negative padding, lhs and rhs dilation, feature and batch groups, layouts,
 * 0 to 3 spatial dims, float32/float64/int32; jit against eager; jvp/vjp
 * against finite differences (float64, second order); the transpose
 * identity with either operand linear; vmap against a loop with either or
 * both operands mapped at any axis; lax.convTranspose (a scatter in NumPy, and
 * the lhs gradient with transposeKernel); jnp.convolve / jnp.correlate
 * against NumPy; and the errors.
 */
import { describe, expect, it } from "vitest";
import type { DType } from "../../src/dtype.js";
import {
  type Array,
  grad,
  jit,
  numpy as jnp,
  lax,
  makeJaxpr,
  testUtil,
  vjp,
  vmap,
  withX64,
} from "../../src/index.js";
import {
  arr,
  checkTranspose,
  checkVmap,
  expectIdentical,
  expectMatches,
  expectSame,
  type FxArray,
  fromFixture,
  randomArray,
  readFixture,
  rng,
} from "../util/index.js";

interface ConvCase {
  name: string;
  dimension_numbers: [string, string, string];
  lhs: FxArray;
  rhs: FxArray;
  window_strides: number[];
  padding: lax.ConvPadding;
  pads: [number, number][];
  lhs_dilation: number[];
  rhs_dilation: number[];
  feature_group_count: number;
  batch_group_count: number;
  out: FxArray;
}
interface TransposeCase {
  name: string;
  lhs: FxArray;
  rhs: FxArray;
  strides: number[];
  padding: lax.ConvPadding;
  rhs_dilation: number[];
  out: FxArray;
}
interface NumpyCase {
  op: "convolve" | "correlate";
  mode: jnp.ConvolveMode;
  a: FxArray;
  v: FxArray;
  out: FxArray;
}

const fx = readFixture<{ cases: ConvCase[]; transpose: TransposeCase[]; numpy: NumpyCase[] }>(
  "convolution.json",
);
const inDtype = <T>(dtype: DType, f: () => T): T => (dtype === "float64" ? withX64(f) : f());

/** The case's convolution as a function of (lhs, rhs); `explicit` passes the resolved pads. */
function convOf(c: ConvCase, explicit = false): (l: Array, r: Array) => Array {
  return (l, r) =>
    lax.convGeneralDilated(
      l,
      r,
      c.window_strides,
      explicit ? c.pads : c.padding,
      c.lhs_dilation,
      c.rhs_dilation,
      c.dimension_numbers,
      c.feature_group_count,
      c.batch_group_count,
    );
}

const floatCases = fx.cases.filter((c) => c.lhs.dtype !== "int32");
const nonEmpty = floatCases.filter((c) => c.out.data.length > 0);

describe("convGeneralDilated vs direct loops in NumPy", () => {
  it("has fixtures for each parameter", () => {
    const cs = fx.cases;
    expect(cs.some((c) => c.window_strides.some((s) => s > 1))).toBe(true);
    expect(cs.some((c) => c.lhs_dilation.some((d) => d > 1))).toBe(true);
    expect(cs.some((c) => c.rhs_dilation.some((d) => d > 1))).toBe(true);
    expect(cs.some((c) => c.pads.some(([lo, hi]) => lo < 0 || hi < 0))).toBe(true);
    expect(cs.some((c) => c.feature_group_count > 1)).toBe(true);
    expect(cs.some((c) => c.batch_group_count > 1)).toBe(true);
    expect(new Set(cs.map((c) => c.lhs.dtype))).toEqual(new Set(["float32", "float64", "int32"]));
    expect(new Set(cs.map((c) => c.lhs.shape.length))).toEqual(new Set([2, 3, 4, 5]));
  });

  for (const c of fx.cases) {
    it(`${c.name}: eager, explicit pads, and jit`, () => {
      inDtype(c.lhs.dtype, () => {
        const l = fromFixture(c.lhs);
        const r = fromFixture(c.rhs);
        const got = convOf(c)(l, r);
        expectMatches(got, c.out);
        expectIdentical(convOf(c, true)(l, r), got);
        expectIdentical(jit(convOf(c))(l, r), got);
      });
    });
  }

  it("lax.conv and lax.convWithGeneralPadding are NCHW/OIHW convolutions", () => {
    const next = rng(7);
    const x = randomArray([2, 3, 6, 5], "float32", next);
    const w = randomArray([4, 3, 3, 2], "float32", next);
    const full = (pad: lax.ConvPadding, ld: number[] | null, rd: number[] | null) =>
      lax.convGeneralDilated(x, w, [2, 1], pad, ld, rd, ["NCHW", "OIHW", "NCHW"]);
    expectIdentical(lax.conv(x, w, [2, 1], "SAME"), full("SAME", null, null));
    const pads = [
      [1, 2],
      [0, 1],
    ];
    expectIdentical(
      lax.convWithGeneralPadding(x, w, [2, 1], pads, [1, 2], [2, 1]),
      full(pads, [1, 2], [2, 1]),
    );
  });

  it("stages one conv_general_dilated with JAX's params", () => {
    const c = fx.cases.find((k) => k.name === "2d NHWC same")!;
    const text = makeJaxpr(convOf(c))(fromFixture(c.lhs), fromFixture(c.rhs)).toString();
    expect(text.match(/conv_general_dilated/g)?.length).toBe(1);
    expect(text).toContain("feature_group_count=1");
  });
});

describe("convolution derivatives", () => {
  for (const c of nonEmpty) {
    it(`${c.name}: jvp and vjp against finite differences (float64)`, () => {
      withX64(() => {
        const l = fromFixture({ ...c.lhs, dtype: "float64" });
        const r = fromFixture({ ...c.rhs, dtype: "float64" });
        const order = c.name.startsWith("2d NHWC explicit") || c.name.includes("groups 2") ? 2 : 1;
        testUtil.checkGrads(convOf(c), [l, r], order, { rtol: 1e-6, atol: 1e-6 });
      });
    });
  }

  it("the transpose identity with either operand linear, at random cotangents", () => {
    withX64(() => {
      const next = rng(11);
      for (const c of nonEmpty) {
        const f = convOf(c);
        const l = randomArray(c.lhs.shape, "float64", next);
        const r = randomArray(c.rhs.shape, "float64", next);
        const ct = randomArray(c.out.shape, "float64", next);
        checkTranspose((x) => f(x, r), l, ct, `${c.name} (lhs linear)`);
        checkTranspose((w) => f(l, w), r, ct, `${c.name} (rhs linear)`);
      }
    });
  });

  it("gradients of a float32 conv are float32 and match float64", () => {
    const c = fx.cases.find((k) => k.name === "2d NCHW same stride 2")!;
    const loss = (l: Array, r: Array) => jnp.sum(convOf(c)(l, r).mul(convOf(c)(l, r)));
    const [gl, gr] = grad(loss, { argnums: [0, 1] })(fromFixture(c.lhs), fromFixture(c.rhs)) as [
      Array,
      Array,
    ];
    expect(gl.dtype).toBe("float32");
    expect(gr.dtype).toBe("float32");
    withX64(() => {
      const l64 = fromFixture({ ...c.lhs, dtype: "float64" });
      const r64 = fromFixture({ ...c.rhs, dtype: "float64" });
      const [wl, wr] = grad(loss, { argnums: [0, 1] })(l64, r64) as [Array, Array];
      expectSame(gl.astype("float64"), wl, "lhs", 1e-5, 1e-5);
      expectSame(gr.astype("float64"), wr, "rhs", 1e-5, 1e-5);
    });
  });

  it("integer convolutions have zero tangents", () => {
    const c = fx.cases.find((k) => k.lhs.dtype === "int32")!;
    const l = fromFixture(c.lhs);
    const r = fromFixture(c.rhs);
    const [, pull] = vjp((x: Array) => convOf(c)(x, r).astype("float32"), l);
    const [g] = pull(jnp.ones(c.out.shape)) as Array[];
    expect(g!.dtype).toBe("int32");
  });
});

describe("convolution under vmap", () => {
  const size = 3;
  // Mapped axes: none, first, and one in the middle of the operand.
  const axes = (nd: number): (number | null)[] => [null, 0, Math.min(2, nd)];
  for (const c of floatCases) {
    it(`${c.name}: either or both operands mapped, eager and jit, vs a loop`, () => {
      const next = rng(c.name.length);
      const f = convOf(c);
      const nd = c.lhs.shape.length;
      for (const la of axes(nd)) {
        for (const ra of axes(nd)) {
          if (la === null && ra === null) continue;
          const shapeAt = (s: number[], a: number | null) =>
            a === null ? s : [...s.slice(0, a), size, ...s.slice(a)];
          inDtype(c.lhs.dtype, () => {
            const l = randomArray(shapeAt(c.lhs.shape, la), c.lhs.dtype, next);
            const r = randomArray(shapeAt(c.rhs.shape, ra), c.rhs.dtype, next);
            checkVmap(f, [l, r], [la, ra], la === 1 ? 1 : 0, size, c.name);
          });
        }
      }
    });
  }

  it("folds the mapped axis into the convolution: one conv, no per-example loop", () => {
    const c = fx.cases.find((k) => k.name === "feature groups 2")!;
    const l = randomArray([size, ...c.lhs.shape], "float32", rng(3));
    const r = randomArray([size, ...c.rhs.shape], "float32", rng(4));
    const text = makeJaxpr(vmap(convOf(c)))(l, r).toString();
    expect(text.match(/conv_general_dilated/g)?.length).toBe(1);
    expect(text).toContain(`feature_group_count=${2 * size}`);
  });

  it("per-example gradients (vmap of grad) match a loop", () => {
    const c = fx.cases.find((k) => k.name === "2d NHWC same")!;
    const next = rng(5);
    const xs = randomArray([size, ...c.lhs.shape], "float32", next);
    const w = fromFixture(c.rhs);
    const g = (x: Array, k: Array) =>
      grad((kk: Array) => jnp.sum(jnp.tanh(convOf(c)(x, kk))))(k) as Array;
    const got = vmap(g, { inAxes: [0, null] })(xs, w) as Array;
    const want = jnp.stack([0, 1, 2].map((i) => g(xs.get(i), w)));
    expectSame(got, want, "vmap(grad)", 1e-5, 1e-5);
  });
});

describe("lax.convTranspose", () => {
  for (const c of fx.transpose) {
    it(`${c.name}: the scatter in NumPy, eager and jit`, () => {
      const l = fromFixture(c.lhs);
      const r = fromFixture(c.rhs);
      const f = (x: Array, w: Array) =>
        lax.convTranspose(x, w, c.strides, c.padding, c.rhs_dilation);
      const got = f(l, r);
      expectMatches(got, c.out);
      expectIdentical(jit(f)(l, r), got);
    });
  }

  it("with transposeKernel it is the gradient of the strided conv with respect to its input", () => {
    withX64(() => {
      const next = rng(9);
      const w = randomArray([3, 3, 3, 4], "float64", next);
      const dn = ["NHWC", "HWIO", "NHWC"] as const;
      // Sizes for which conv_transpose's SAME/VALID output is exactly the input's size.
      for (const [pad, shape] of [
        ["SAME", [2, 8, 6, 3]],
        ["VALID", [2, 9, 7, 3]],
      ] as const) {
        const x = randomArray(shape, "float64", next);
        const f = (xx: Array) => lax.convGeneralDilated(xx, w, [2, 2], pad, null, null, dn);
        const [y, pull] = vjp(f, x);
        const ct = randomArray((y as Array).shape, "float64", next);
        const [want] = pull(ct) as Array[];
        expectSame(lax.convTranspose(ct, w, [2, 2], pad, null, dn, true), want!, pad, 1e-12, 1e-12);
      }
    });
  });
});

describe("jnp.convolve and jnp.correlate vs NumPy", () => {
  for (const c of fx.numpy) {
    it(`${c.op} ${c.mode}, lengths ${c.a.shape[0]} and ${c.v.shape[0]}`, () => {
      const fn = c.op === "convolve" ? jnp.convolve : jnp.correlate;
      const a = fromFixture(c.a);
      const v = fromFixture(c.v);
      expectMatches(fn(a, v, c.mode), c.out, 1e-5);
    });
  }

  it("defaults (full / valid), integer inputs promote to float, gradients flow", () => {
    const a = arr([1, 2, 3], [3], "int32");
    const v = arr([0, 1, 0.5], [3], "float32");
    expect(jnp.convolve(a, v).toArray()).toEqual([0, 1, 2.5, 4, 1.5]);
    expect(jnp.correlate(a, v).toArray()).toEqual([3.5]);
    expect(jnp.convolve(a, arr([1, 1], [2], "int32")).dtype).toBe("float32");
    const g = grad((x: Array) => jnp.sum(jnp.convolve(x, v, "same")))(a.astype("float32")) as Array;
    // "same" keeps full[1:4] = [x0, x0 / 2 + x1, x1 / 2 + x2].
    expect(g.toArray()).toEqual([1.5, 1.5, 1]);
  });

  it("rejects inputs that are not 1-D, empty inputs and unknown modes", () => {
    expect(() => jnp.convolve(jnp.ones([2, 2]), jnp.ones([2]))).toThrow(
      /jnp.convolve: only 1-dimensional inputs are supported, got shapes \(2, 2\) and \(2,\)/,
    );
    expect(() => jnp.correlate(jnp.ones([0]), jnp.ones([2]))).toThrow(/cannot be empty/);
    expect(() => jnp.convolve(jnp.ones([3]), jnp.ones([2]), "wide" as jnp.ConvolveMode)).toThrow(
      /mode must be "full", "same" or "valid", got "wide"/,
    );
  });
});

describe("convolution errors", () => {
  const x = jnp.ones([2, 4, 5, 5]);
  const w = jnp.ones([6, 2, 3, 3]);
  const conv =
    (...args: Parameters<typeof lax.convGeneralDilated>) =>
    () =>
      lax.convGeneralDilated(...args);

  it("names the argument and shows the shapes", () => {
    expect(conv(x, jnp.ones([6, 3, 3, 3]), [1, 1], "VALID")).toThrow(
      /lax.convGeneralDilated: the lhs feature dimension size divided by featureGroupCount \(4 \/ 1 = 4\) must equal the rhs input feature dimension size \(3\) \(lhs float32\(2, 4, 5, 5\), rhs float32\(6, 3, 3, 3\)\)/,
    );
    expect(conv(x, w, [1, 1], "VALID", null, null, null, 3)).toThrow(
      /featureGroupCount must divide the lhs feature dimension size, but 3 does not divide 4/,
    );
    expect(conv(x, jnp.ones([5, 2, 3, 3]), [1, 1], "VALID", null, null, null, 2)).toThrow(
      /featureGroupCount must divide the rhs output feature dimension size, but 2 does not divide 5/,
    );
    expect(conv(x, jnp.ones([6, 4, 3, 3]), [1, 1], "VALID", null, null, null, 1, 4)).toThrow(
      /batchGroupCount must divide the lhs batch dimension size, but 4 does not divide 2/,
    );
    expect(conv(x, w, [1, 1], "VALID", null, null, null, 2, 2)).toThrow(
      /at most one of featureGroupCount \(2\) and batchGroupCount \(2\) may exceed 1/,
    );
    expect(conv(x, jnp.ones([6, 4, 3]), [1], "VALID")).toThrow(
      /lhs and rhs must have the same rank, got lhs shape \(2, 4, 5, 5\) and rhs shape \(6, 4, 3\)/,
    );
    expect(conv(x, jnp.ones([6, 4, 3, 3], "int32"), [1, 1], "VALID")).toThrow(
      /lhs and rhs must have the same dtype, got float32 and int32/,
    );
    expect(conv(x, jnp.ones([6, 4, 3, 3]), [1, 0], "VALID")).toThrow(
      /windowStrides must be 2 integers >= 1 \(one per spatial dimension\), got \[1, 0\]/,
    );
    expect(conv(x, jnp.ones([6, 4, 3, 3]), [1], "VALID")).toThrow(
      /windowStrides must have one entry per spatial dimension \(2\), got \(1,\)/,
    );
    expect(
      conv(
        x,
        jnp.ones([6, 4, 3, 3]),
        [1, 1],
        [
          [-4, -4],
          [0, 0],
        ],
      ),
    ).toThrow(/negative padding \[-4, -4\] is larger than spatial dimension 0/);
    expect(conv(x, jnp.ones([6, 4, 3, 3]), [1, 1], "FULL" as lax.ConvPadding)).toThrow(
      /padding must be "SAME", "SAME_LOWER", "VALID" or \[lo, hi\] pairs, got "FULL"/,
    );
  });

  it("checks dimension specs", () => {
    const y = jnp.ones([2, 5, 5, 4]);
    const k = jnp.ones([3, 3, 4, 6]);
    expect(conv(y, k, [1, 1], "SAME", null, null, ["NHWC", "HWIO", "NHWC"])().shape).toEqual([
      2, 5, 5, 6,
    ]);
    expect(conv(y, k, [1, 1], "SAME", null, null, ["NHWC", "HWIO", "NHW"])).toThrow(
      /dimension specs \["NHWC","HWIO","NHW"\] must each have one letter per operand dimension/,
    );
    expect(conv(y, k, [1, 1], "SAME", null, null, ["NHWC", "HWIX", "NHWC"])).toThrow(
      /the rhs dimension spec must have exactly one 'O' and one 'I', got "HWIX"/,
    );
    expect(conv(y, k, [1, 1], "SAME", null, null, ["NHWC", "HDIO", "NHWC"])).toThrow(
      /dimension specs must name the same spatial dimensions/,
    );
    expect(
      conv(y, k, [1, 1], "SAME", null, null, [
        [0, 3, 1, 1],
        [3, 2, 0, 1],
        [0, 3, 1, 2],
      ]),
    ).toThrow(/dimensionNumbers lists must each be a permutation of 0..3/);
  });
});
