/**
 * The differentiation and batching rules of the elementwise primitives:
 * JVPs and VJPs against mpmath's derivatives (test/fixtures/elementwise_rules.py)
 * and against finite differences (testUtil.checkGrads, in float64), second
 * derivatives, the transpose identity <ct, J t> = <J^T ct, t> of each linear
 * primitive, and vmap against a loop over examples, for in/out axes in every
 * position.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../src/core/aval.js";
import { UndefinedPrimal, Zero } from "../../src/core/primitive.js";
import type { DType } from "../../src/dtype.js";
import {
  type Array,
  ArrayImpl,
  grad,
  jit,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  testUtil,
  vjp,
  vmap,
  withX64,
} from "../../src/index.js";
import {
  arr,
  b8,
  checkVmap,
  expectClose,
  expectSame,
  f32,
  f64,
  i32,
  innerProduct,
  loop,
  randomArray,
  readFixture,
  rng,
  take,
  vals,
} from "../util/index.js";

// --- Fixtures and helpers ------------------------------------------------------------

interface Fixtures {
  unary: Record<string, { x: number[]; d1: number[]; d2: number[] }>;
  binary: Record<string, { x: number[]; y: number[]; dx: number[]; dy: number[] }>;
  pow_int: { x: number[]; y: number[]; dx: number[] };
  polygamma: { m: number[]; x: number[]; out: number[]; dx: number[] };
}
const fixtures = readFixture<Fixtures>("elementwise_rules.json");

type Fn = (...xs: Array[]) => Array;
type Unary = (x: Array) => Array;

const ones = (x: Array) => ArrayImpl.full(x.shape, 1, x.dtype);
const tangentOut = (f: Fn, xs: Array[], ts: Array[]) => jvp(f, xs, ts)[1] as Array;

// --- Unary primitives: derivatives -------------------------------------------------

const UNARY: Record<string, { f: Unary; lo: number; hi: number }> = {
  neg: { f: lax.neg, lo: -3, hi: 3 },
  exp: { f: lax.exp, lo: -3, hi: 3 },
  exp2: { f: lax.exp2, lo: -3, hi: 3 },
  log: { f: lax.log, lo: 0.1, hi: 5 },
  log1p: { f: lax.log1p, lo: -0.5, hi: 3 },
  expm1: { f: lax.expm1, lo: -3, hi: 3 },
  tanh: { f: lax.tanh, lo: -3, hi: 3 },
  logistic: { f: lax.logistic, lo: -5, hi: 5 },
  sin: { f: lax.sin, lo: -3, hi: 3 },
  cos: { f: lax.cos, lo: -3, hi: 3 },
  tan: { f: lax.tan, lo: -1.2, hi: 1.2 },
  asin: { f: lax.asin, lo: -0.9, hi: 0.9 },
  acos: { f: lax.acos, lo: -0.9, hi: 0.9 },
  atan: { f: lax.atan, lo: -3, hi: 3 },
  sinh: { f: lax.sinh, lo: -3, hi: 3 },
  cosh: { f: lax.cosh, lo: -3, hi: 3 },
  asinh: { f: lax.asinh, lo: -3, hi: 3 },
  acosh: { f: lax.acosh, lo: 1.2, hi: 4 },
  atanh: { f: lax.atanh, lo: -0.9, hi: 0.9 },
  sqrt: { f: lax.sqrt, lo: 0.1, hi: 5 },
  rsqrt: { f: lax.rsqrt, lo: 0.1, hi: 5 },
  cbrt: { f: lax.cbrt, lo: 0.1, hi: 5 },
  abs: { f: lax.abs, lo: -3, hi: 3 },
  square: { f: lax.square, lo: -3, hi: 3 },
  erf: { f: lax.erf, lo: -2, hi: 2 },
  erfc: { f: lax.erfc, lo: -2, hi: 2 },
  erf_inv: { f: lax.erfInv, lo: -0.9, hi: 0.9 },
  lgamma: { f: lax.lgamma, lo: 0.3, hi: 6 },
  digamma: { f: lax.digamma, lo: 0.3, hi: 6 },
  integer_pow_3: { f: (x) => lax.integerPow(x, 3), lo: -2, hi: 2 },
  "integer_pow_-2": { f: (x) => lax.integerPow(x, -2), lo: 0.5, hi: 2 },
  copy: { f: lax.copy, lo: -3, hi: 3 },
};

/** Tolerances of derivatives computed in float32 (relative, with an absolute floor near zeros). */
const F32_TOL = { rtol: 2e-6, atol: 1e-6 };

describe("unary primitives: derivatives against mpmath", () => {
  for (const [name, { f }] of Object.entries(UNARY)) {
    const ref = fixtures.unary[name]!;
    it(`${name}: jvp, vjp, second derivatives, in float64`, () => {
      withX64(() => {
        const x = f64(ref.x);
        expectClose(tangentOut(f, [x], [ones(x)]), ref.d1, `${name} jvp`, 1e-12, 1e-14);
        const [, pullback] = vjp(f, x);
        expectClose(pullback(ones(x))[0], ref.d1, `${name} vjp`, 1e-12, 1e-14);
        const d1 = (v: Array) => tangentOut(f, [v], [ones(v)]);
        expectClose(tangentOut(d1, [x], [ones(x)]), ref.d2, `${name} jvp of jvp`, 1e-9, 1e-10);
        // Reverse over reverse on one example, and vmap of reverse over forward on all.
        const g2 = grad(grad(f));
        expectClose(g2(f64([ref.x[0]!], [])), [ref.d2[0]!], `${name} grad(grad)`, 1e-9, 1e-10);
        expectClose(vmap(grad(d1))(x), ref.d2, `${name} vmap(grad(jvp))`, 1e-9, 1e-10);
      });
    });
    it(`${name}: jvp, vmap(grad) and jit(grad) in float32`, () => {
      const x = arr(ref.x);
      const { rtol, atol } = F32_TOL;
      expectClose(tangentOut(f, [x], [ones(x)]), ref.d1, `${name} jvp`, rtol, atol);
      expectClose(vmap(grad(f))(x), ref.d1, `${name} vmap(grad)`, rtol, atol);
      expectClose(jit(vmap(grad(f)))(x), ref.d1, `${name} jit(vmap(grad))`, rtol, atol);
      const d2 = vmap(grad(grad(f)))(x);
      expectClose(d2, ref.d2, `${name} vmap(grad(grad))`, 50 * rtol, 10 * atol);
    });
  }

  it("checkGrads (forward, reverse, to second order) at random points in float64", () => {
    const next = rng(99);
    withX64(() => {
      for (const [name, { f, lo, hi }] of Object.entries(UNARY)) {
        const x = randomArray([2, 3], "float64", next, lo, hi);
        try {
          testUtil.checkGrads(f, [x], 2, { rtol: 1e-6, atol: 1e-6 });
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message}`);
        }
      }
    });
  });

  it("keeps JAX's values at the edges", () => {
    const at = (f: Unary, v: number) => vals(grad(f)(f32([v], [])))[0];
    expect(at(lax.abs, 0)).toBe(1); // abs' at 0 is 1, as in JAX
    expect(at(lax.sqrt, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(at((x) => lax.integerPow(x, 0), 2)).toBe(0);
    expect(at((x) => lax.integerPow(x, 1), 0)).toBe(1);
    expect(at((x) => lax.integerPow(x, 2), 0)).toBe(0);
    // Numerically careful forms stay accurate where the naive ones lose digits.
    expect(at(lax.tanh, 20)).toBe(0);
    // (XLA's float32 exp, hence logistic, is within an ulp: 8e-21 here.)
    expect(at(lax.logistic, -30)).toBeCloseTo(Math.exp(-30), 19);
    expect(at(lax.log1p, 1e-8)).toBeCloseTo(1 - 1e-8, 7);
  });
});

describe("piecewise-constant and integer-valued primitives have zero derivatives", () => {
  const x = arr([-1.5, -0.2, 0.7, 2.5]);
  const floatOps: Record<string, Unary> = {
    sign: lax.sign,
    floor: lax.floor,
    ceil: lax.ceil,
    round: (v) => lax.round(v),
    round_even: (v) => lax.round(v, lax.RoundingMethod.TO_NEAREST_EVEN),
  };
  for (const [name, f] of Object.entries(floatOps)) {
    it(name, () => {
      expect(vals(tangentOut(f, [x], [ones(x)]))).toEqual([0, 0, 0, 0]);
      expect(vals(vmap(grad(f))(x))).toEqual([0, 0, 0, 0]);
    });
  }

  it("comparisons and is_finite: bool outputs with zero (bool) tangents", () => {
    const y = arr([0, 0, 1, 3]);
    for (const f of [lax.eq, lax.ne, lax.lt, lax.le, lax.gt, lax.ge]) {
      const t = tangentOut(f, [x, y], [ones(x), ones(y)]);
      expect(t.dtype).toBe("bool");
      expect(vals(t)).toEqual([0, 0, 0, 0]);
    }
    expect(vals(tangentOut(lax.isFinite, [x], [ones(x)]))).toEqual([0, 0, 0, 0]);
  });

  it("integer and bitwise primitives", () => {
    const i = i32([3, -7, 12, 5]);
    const j = i32([2, 3, -4, 1]);
    const binary: Fn[] = [
      lax.add,
      lax.sub,
      lax.mul,
      lax.div,
      lax.rem,
      lax.max,
      lax.min,
      lax.bitwiseAnd,
      lax.bitwiseOr,
      lax.bitwiseXor,
      lax.shiftLeft,
      lax.shiftRightLogical,
      lax.shiftRightArithmetic,
    ];
    for (const f of binary) {
      const t = tangentOut(f, [i, j], [i, j]);
      expect(t.dtype).toBe("int32");
      expect(vals(t)).toEqual([0, 0, 0, 0]);
    }
    const unary: Unary[] = [
      lax.neg,
      lax.sign,
      lax.abs,
      lax.square,
      lax.bitwiseNot,
      lax.populationCount,
      lax.clz,
      (v) => lax.integerPow(v, 3),
      lax.copy,
    ];
    for (const f of unary) expect(vals(tangentOut(f, [i], [i]))).toEqual([0, 0, 0, 0]);
  });

  it("convert_element_type: zero tangents to and from integers and bools", () => {
    const toInt = (v: Array) => lax.convertElementType(v, "int32");
    const t = tangentOut(toInt, [x], [ones(x)]);
    expect(t.dtype).toBe("int32");
    expect(vals(t)).toEqual([0, 0, 0, 0]);
    // A float computed from a float through an int does not vary.
    const roundTrip = (v: Array) => lax.convertElementType(toInt(v), "float32");
    expect(vals(vmap(grad(roundTrip))(x))).toEqual([0, 0, 0, 0]);
    const toBool = (v: Array) => lax.mul(v, lax.convertElementType(lax.gt(v, 0), "float32"));
    expect(vals(vmap(grad(toBool))(x))).toEqual([0, 0, 1, 1]);
  });
});

// --- Binary primitives: derivatives ------------------------------------------------

const BINARY: Record<string, Fn> = {
  add: lax.add,
  sub: lax.sub,
  mul: lax.mul,
  div: lax.div,
  rem: lax.rem,
  atan2: lax.atan2,
  pow: lax.pow,
  max: lax.max,
  min: lax.min,
};

describe("binary primitives: partial derivatives against mpmath", () => {
  for (const [name, f] of Object.entries(BINARY)) {
    const ref = fixtures.binary[name]!;
    it(`${name} in float64 and float32`, () => {
      withX64(() => {
        const x = f64(ref.x);
        const y = f64(ref.y);
        const zx = ArrayImpl.full(x.shape, 0, "float64");
        expectClose(tangentOut(f, [x, y], [ones(x), zx]), ref.dx, `${name} d/dx`, 1e-12, 1e-14);
        expectClose(tangentOut(f, [x, y], [zx, ones(y)]), ref.dy, `${name} d/dy`, 1e-12, 1e-14);
        const [, pullback] = vjp(f, x, y);
        const [gx, gy] = pullback(ones(x));
        expectClose(gx, ref.dx, `${name} vjp x`, 1e-12, 1e-14);
        expectClose(gy, ref.dy, `${name} vjp y`, 1e-12, 1e-14);
      });
      const x = arr(ref.x);
      const y = arr(ref.y);
      const [gx, gy] = vmap(grad(f, { argnums: [0, 1] }))(x, y) as Array[];
      expectClose(gx, ref.dx, `${name} float32 d/dx`, F32_TOL.rtol, F32_TOL.atol);
      expectClose(gy, ref.dy, `${name} float32 d/dy`, F32_TOL.rtol, F32_TOL.atol);
    });
  }

  it("checkGrads (forward, reverse, to second order) at random points in float64", () => {
    const next = rng(7);
    withX64(() => {
      const domains: Record<string, [number, number, number, number]> = {
        add: [-3, 3, -3, 3],
        sub: [-3, 3, -3, 3],
        mul: [-3, 3, -3, 3],
        div: [-3, 3, 0.5, 3],
        rem: [0.1, 0.9, 1, 1.5], // away from rem's jumps
        atan2: [-3, 3, 0.5, 3],
        pow: [0.2, 3, -2, 3],
        max: [-3, -1, 1, 3], // away from ties
        min: [-3, -1, 1, 3],
        nextafter: [-3, 3, -3, 3],
      };
      for (const [name, [xl, xh, yl, yh]] of Object.entries(domains)) {
        const f = name === "nextafter" ? lax.nextafter : BINARY[name]!;
        const x = randomArray([3, 2], "float64", next, xl, xh);
        const y = randomArray([3, 2], "float64", next, yl, yh);
        try {
          testUtil.checkGrads(f, [x, y], 2, { rtol: 1e-6, atol: 1e-6 });
        } catch (e) {
          throw new Error(`${name}: ${(e as Error).message}`);
        }
      }
    });
  });

  it("max and min split the derivative 50/50 at ties, as JAX", () => {
    const x = arr([1, 2, 3]);
    const y = arr([1, 5, 3]);
    for (const f of [lax.max, lax.min]) {
      const [gx, gy] = vmap(grad(f, { argnums: [0, 1] }))(x, y) as Array[];
      expect(vals(gx)).toEqual(f === lax.max ? [0.5, 0, 0.5] : [0.5, 1, 0.5]);
      expect(vals(gy)).toEqual(f === lax.max ? [0.5, 1, 0.5] : [0.5, 0, 0.5]);
      expect(vals(vmap(grad((v: Array) => f(v, v)))(x))).toEqual([1, 1, 1]);
    }
    // relu's derivative at 0 is 1/2.
    expect(vals(grad((v: Array) => lax.max(v, 0))(f32([0], [])))).toEqual([0.5]);
  });

  it("pow with an integer exponent, and pow at x = 0 (JAX's handling)", () => {
    withX64(() => {
      const ref = fixtures.pow_int;
      const x = f64(ref.x);
      const n = i32(ref.y);
      expectClose(
        tangentOut((v: Array) => lax.pow(v, n), [x], [ones(x)]),
        ref.dx,
        "pow int",
        1e-12,
        1e-14,
      );
      // The integer exponent has no tangent: grad w.r.t. the base only.
      expectClose(
        vmap(grad((v: Array, k: Array) => lax.pow(v, k)))(x, n),
        ref.dx,
        "grad pow int",
        1e-12,
        0,
      );
    });
    const zero = f32([0], []);
    const gx = (y: ArrayImpl) => vals(grad((v: Array) => lax.pow(v, y))(zero))[0];
    const gy = (y: ArrayImpl) => vals(grad((w: Array) => lax.pow(zero, w))(y))[0];
    expect(gx(i32([0], []))).toBe(0); // 0^0 = 1 is constant in x
    expect(gx(i32([1], []))).toBe(1);
    expect(gx(i32([2], []))).toBe(0);
    expect(gx(f32([2], []))).toBe(0);
    expect(gy(f32([2], []))).toBe(0); // log(0) is never formed
    expect(gy(f32([0], []))).toBe(0);
  });

  it("nextafter: slope 1 in x, 0 in y", () => {
    const x = arr([1, -2, 3]);
    const y = arr([2, -3, 3]);
    const [gx, gy] = vmap(grad(lax.nextafter, { argnums: [0, 1] }))(x, y) as Array[];
    expect(vals(gx)).toEqual([1, 1, 1]);
    expect(vals(gy)).toEqual([0, 0, 0]);
  });
});

describe("polygamma", () => {
  const ref = fixtures.polygamma;
  it("values against mpmath, in float64 and float32", () => {
    withX64(() => {
      const out = lax.polygamma(f64(ref.m), f64(ref.x));
      expectClose(out, ref.out, "polygamma float64", 1e-13, 0);
    });
    expectClose(lax.polygamma(arr(ref.m), arr(ref.x)), ref.out, "polygamma float32", 3e-7, 0);
  });

  it("NaN for m that is not a non-negative integer; poles at the non-positive integers", () => {
    const out = lax.polygamma(
      arr([-1, 1.5, Number.NaN, 1, 2, 1]),
      arr([1, 1, 1, 0, -3, Number.POSITIVE_INFINITY]),
    );
    const v = vals(out);
    expect(v.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(v.slice(3)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0]);
    // Huge or infinite orders end quickly (m! overflows).
    const big = vals(lax.polygamma(arr([1e9, Number.POSITIVE_INFINITY, 40]), arr([2, 1, 0.5])));
    expect(big.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(big[2]).toBe(Number.NEGATIVE_INFINITY);
  });

  it("derivatives: x gives polygamma(m + 1, x); digamma's derivative is polygamma(1, x)", () => {
    withX64(() => {
      const m = f64(ref.m);
      const x = f64(ref.x);
      expectClose(
        tangentOut((v: Array) => lax.polygamma(m, v), [x], [ones(x)]),
        ref.dx,
        "d/dx",
        1e-12,
        0,
      );
      const trigamma = fixtures.polygamma.out.filter((_, i) => ref.m[i] === 1);
      const at = f64(ref.x.filter((_, i) => ref.m[i] === 1));
      expectClose(vmap(grad(lax.digamma))(at), trigamma, "digamma'", 1e-12, 0);
      testUtil.checkGrads((v: Array) => lax.polygamma(2, v), [f64([0.7, 2.5, 9])], 2);
    });
  });

  it("is not differentiable in m, as in JAX", () => {
    expect(() => grad((m: Array) => lax.polygamma(m, 2))(f32([1], []))).toThrow(
      /lax\.polygamma: differentiation with respect to m is not supported/,
    );
  });
});

// --- select_n, clamp, convert_element_type -----------------------------------------

describe("select_n, clamp and convert_element_type", () => {
  it("select_n is linear in the cases and not in the predicate", () => {
    const which = b8([1, 0, 1, 0]);
    const a = arr([1, 2, 3, 4]);
    const b = arr([10, 20, 30, 40]);
    const f = (w: Array, p: Array, q: Array) => lax.selectN(w, p, q);
    const [ga, gb] = vmap(grad(f, { argnums: [1, 2] }))(which, a, b) as Array[];
    expect(vals(ga)).toEqual([0, 1, 0, 1]);
    expect(vals(gb)).toEqual([1, 0, 1, 0]);
    // Three cases, an int32 predicate, some cases without tangents.
    const k = i32([2, 0, 1, 2]);
    const c = arr([5, 6, 7, 8]);
    const t = tangentOut((p: Array) => lax.selectN(k, a, p, c), [b], [ones(b)]);
    expect(vals(t)).toEqual([0, 0, 1, 0]);
    withX64(() => {
      const x = f64([0.5, -1, 2, 3]);
      testUtil.checkGrads(
        (p: Array, q: Array) => lax.selectN(lax.gt(p, 1), lax.sin(p), lax.mul(p, q)),
        [x, x],
        2,
      );
    });
  });

  it("clamp: the tangent of whichever of min, x, max the result is", () => {
    const lo = f32([0], []);
    const hi = f32([1], []);
    const x = arr([-1, 0.5, 2, 0.25]);
    const [glo, gx, ghi] = vmap(grad(lax.clamp, { argnums: [0, 1, 2] }), {
      inAxes: [null, 0, null],
    })(lo, x, hi) as Array[];
    expect(vals(glo)).toEqual([1, 0, 0, 0]);
    expect(vals(gx)).toEqual([0, 1, 0, 1]);
    expect(vals(ghi)).toEqual([0, 0, 1, 0]);
    withX64(() => {
      const l = f64([-1, 0, 0.5]);
      const h = f64([2, 0.3, 4]);
      testUtil.checkGrads(lax.clamp, [l, f64([0.5, 1, -2]), h], 2);
      testUtil.checkGrads(lax.clamp, [f64([0.2], []), f64([-1.5, 0.5]), f64([1], [])], 2);
    });
  });

  it("convert_element_type between float types, forward and reverse", () => {
    withX64(() => {
      const x = f64([0.1, 0.2, 0.3]);
      const f = (v: Array) => lax.mul(lax.convertElementType(lax.sin(v), "float32"), 2);
      const [y, t] = jvp(f, [x], [ones(x)]) as [Array, Array];
      expect(y.dtype).toBe("float32");
      expect(t.dtype).toBe("float32");
      const g = vmap(grad(f))(x) as Array;
      expect(g.dtype).toBe("float64");
      expectClose(
        g,
        vals(x).map((v) => 2 * Math.cos(v)),
        "grad through float32",
        1e-7,
        0,
      );
      testUtil.checkGrads(
        (v: Array) => lax.convertElementType(lax.exp(v), "float64"),
        [f32([0.5, 1])],
        2,
        {
          rtol: 1e-2,
          atol: 1e-2,
          eps: 1e-2,
        },
      );
    });
  });
});

// --- Transposes of the linear primitives --------------------------------------------

/** Linear functions of `x` (others fixed), one per linear use of a primitive. */
const LINEAR: Record<string, (c: Array, w: Array) => Fn> = {
  neg: () => (x) => lax.neg(x),
  add: (c) => (x) => lax.add(x, c),
  "add (both)": () => (x) => lax.add(x, x),
  sub: (c) => (x) => lax.sub(c, x),
  "mul (left)": (c) => (x) => lax.mul(x, c),
  "mul (right)": (c) => (x) => lax.mul(c, x),
  "div (numerator)": (c) => (x) => lax.div(x, lax.add(lax.abs(c), 1)),
  copy: () => (x) => lax.copy(x),
  convert: () => (x) => lax.convertElementType(lax.convertElementType(x, "float32"), "float64"),
  "select_n (bool)": (c, w) => (x) => lax.selectN(lax.gt(w, 0.5), x, lax.mul(x, c)),
  "select_n (int32)": (c, w) => (x) => {
    const k = lax.convertElementType(lax.mul(w, 3), "int32");
    return lax.selectN(k, c, lax.neg(x), x);
  },
  "sum of all": (c, w) => (x) =>
    lax.sub(lax.add(lax.mul(x, c), lax.div(x, lax.add(w, 1))), lax.copy(x)),
};

describe("transposes of linear primitives", () => {
  it("satisfy <ct, J t> = <J^T ct, t> over random shapes", () => {
    const shape = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 });
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(LINEAR)), shape, fc.integer(), (name, s, seed) => {
        withX64(() => {
          const next = rng(seed);
          const [x, t, ct, c, w] = [0, 1, 2, 3, 4].map(() =>
            randomArray(s, "float64", next, -2, 2),
          ) as ArrayImpl[];
          const f = LINEAR[name]!(c!, lax.abs(w!) as ArrayImpl);
          const [, lin] = linearize(f, x!);
          const [, pullback] = vjp(f, x!);
          const ctx = pullback(ct!)[0] as Array;
          expect(ctx.shape).toEqual(x!.shape);
          expect(ctx.dtype).toBe("float64");
          const lhs = innerProduct(ct, lin(t!));
          const rhs = innerProduct(ctx, t);
          // The float32 round trip of "convert" rounds t and ct differently.
          const tol = name === "convert" ? 1e-6 : 1e-12;
          expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(tol * (1 + Math.abs(lhs)));
        });
      }),
      { numRuns: 120 },
    );
  });

  const f32 = (shape: number[], weak = false) => new ShapedArray(shape, "float32", weak);
  const ct = arr([1, 2, 3]);
  const y = arr([4, 5, 6]);

  it("give each linear operand a cotangent of exactly its type (weak types restored)", () => {
    const weak = new UndefinedPrimal(f32([3], true));
    const strong = new UndefinedPrimal(f32([3]));
    const [a, b] = lax.addP.rules.transpose!([ct], [weak, strong], {});
    expect((a as Array).aval.equals(f32([3], true))).toBe(true);
    expect((b as Array).aval.equals(f32([3]))).toBe(true);
    const [c, d] = lax.subP.rules.transpose!([ct], [y, weak], {});
    expect(c).toBeNull();
    expect((d as Array).weakType).toBe(true);
    expect(vals(d)).toEqual([-1, -2, -3]);
    const [e] = lax.mulP.rules.transpose!([ct], [weak, y], {});
    expect((e as Array).weakType).toBe(true);
    expect(vals(e)).toEqual([4, 10, 18]);
    const [g] = lax.divP.rules.transpose!([ct], [strong, y], {});
    expectClose(g, [0.25, 0.4, 0.5], "div transpose", 1e-7, 0);
    const [h] = lax.convertElementTypeP.rules.transpose!(
      [ct],
      [new UndefinedPrimal(new ShapedArray([3], "int32", false))],
      { new_dtype: "float32", weak_type: false },
    );
    expect(h).toBeInstanceOf(Zero);
  });

  it("end to end: a weakly-typed 0-d operand gets a weak 0-d cotangent", () => {
    const x = arr([1, 2, 3]);
    const w = ArrayImpl.scalar(2, "float32", true);
    const [, pullback] = vjp((a: Array, b: Array) => lax.mul(lax.add(a, b), b), x, w);
    const [gx, gw] = pullback(ones(x)) as Array[];
    expect(gx!.aval.equals(x.aval)).toBe(true);
    expect(gw!.aval.equals(w.aval)).toBe(true);
    expect(vals(gx)).toEqual([2, 2, 2]);
    expect(vals(gw)).toEqual([18]); // d/dw sum((x + w) w) = sum(x) + 6w
  });

  it("pass symbolic zero cotangents through as zeros", () => {
    const z = new Zero(f32([3]));
    const x = new UndefinedPrimal(f32([3]));
    for (const [prim, args] of [
      [lax.addP, [x, x]],
      [lax.negP, [x]],
      [lax.mulP, [x, y]],
      [lax.selectNP, [b8([1, 0, 1]), x, y]],
    ] as const) {
      const cts = prim.rules.transpose!([z], [...args], {} as never);
      cts.forEach((c, i) => {
        if (args[i] instanceof UndefinedPrimal) expect(c).toBeInstanceOf(Zero);
        else expect(c).toBeNull();
      });
    }
  });

  it("refuse to transpose a non-linear use, with a clear error", () => {
    const x = new UndefinedPrimal(f32([3]));
    expect(() => lax.mulP.rules.transpose!([ct], [x, x], {})).toThrow(
      /lax\.mul: both operands are linear, so the result is not/,
    );
    expect(() => lax.divP.rules.transpose!([ct], [y, x], {})).toThrow(
      /lax\.div is not linear in operand 1/,
    );
    expect(() =>
      lax.selectNP.rules.transpose!(
        [ct],
        [new UndefinedPrimal(new ShapedArray([3], "bool", false)), y, y],
        {},
      ),
    ).toThrow(/lax\.selectN is not linear in operand 0/);
    expect(lax.expP.rules.transpose).toBeNull();
  });
});

// --- Batching ----------------------------------------------------------------------

const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 });

interface BatchCase {
  shape: number[];
  inAxes: (number | null)[];
  outAxis: number;
  size: number;
  seed: number;
}

/**
 * A per-example shape, a batch size, and random in/out axes for `nargs`
 * operands: each batched at any position of its rank + 1, or (with
 * `allowNull`) not at all, at least one batched.
 */
function batchCase(nargs: number, allowNull: boolean): fc.Arbitrary<BatchCase> {
  return shapeArb.chain((shape) => {
    const rank = shape.length;
    const axis = fc.integer({ min: 0, max: rank });
    const one = allowNull ? fc.option(axis, { nil: null }) : axis;
    return fc.record({
      shape: fc.constant(shape),
      inAxes: fc
        .array(one, { minLength: nargs, maxLength: nargs })
        .filter((ins) => ins.some((x) => x !== null)),
      outAxis: fc.integer({ min: -(rank + 1), max: rank }),
      size: fc.integer({ min: 1, max: 3 }),
      seed: fc.integer(),
    });
  });
}

/** Operands of per-example shape `shape`, with the batch inserted at each operand's in axis. */
function batchedArgs(
  shapes: number[][],
  inAxes: (number | null)[],
  size: number,
  dtypes: DType[],
  range: [number, number][],
  seed: number,
): ArrayImpl[] {
  const next = rng(seed);
  return shapes.map((s, i) => {
    const full = [...s];
    if (inAxes[i] !== null) full.splice(inAxes[i]!, 0, size);
    return randomArray(full, dtypes[i]!, next, range[i]![0], range[i]![1]);
  });
}

describe("batching rules: vmap equals a loop over examples", () => {
  it("unary primitives, any in/out axes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(UNARY)),
        batchCase(1, false),
        (name, { shape, inAxes, outAxis, size, seed }) => {
          const { f, lo, hi } = UNARY[name]!;
          const args = batchedArgs([shape], inAxes, size, ["float32"], [[lo, hi]], seed);
          checkVmap(f, args, inAxes, outAxis, size, name);
        },
      ),
      { numRuns: 150 },
    );
  });

  const BINARY_BATCH: Record<
    string,
    { f: Fn; dtype: DType; x: [number, number]; y: [number, number] }
  > = {
    add: { f: lax.add, dtype: "float32", x: [-3, 3], y: [-3, 3] },
    sub: { f: lax.sub, dtype: "int32", x: [-9, 9], y: [-9, 9] },
    mul: { f: lax.mul, dtype: "float32", x: [-3, 3], y: [-3, 3] },
    div: { f: lax.div, dtype: "int32", x: [-20, 20], y: [1, 5] },
    rem: { f: lax.rem, dtype: "float32", x: [-5, 5], y: [1, 2] },
    max: { f: lax.max, dtype: "float32", x: [-3, 3], y: [-3, 3] },
    min: { f: lax.min, dtype: "int32", x: [-3, 3], y: [-3, 3] },
    atan2: { f: lax.atan2, dtype: "float32", x: [-3, 3], y: [-3, 3] },
    pow: { f: lax.pow, dtype: "float32", x: [0.1, 3], y: [-2, 2] },
    nextafter: { f: lax.nextafter, dtype: "float32", x: [-3, 3], y: [-3, 3] },
    polygamma: { f: lax.polygamma, dtype: "float32", x: [0, 3], y: [0.5, 4] },
    lt: { f: lax.lt, dtype: "float32", x: [-3, 3], y: [-3, 3] },
    eq: { f: lax.eq, dtype: "int32", x: [0, 2], y: [0, 2] },
    and: { f: lax.bitwiseAnd, dtype: "bool", x: [0, 1], y: [0, 1] },
    xor: { f: lax.bitwiseXor, dtype: "int32", x: [-99, 99], y: [-99, 99] },
    shift: { f: lax.shiftRightArithmetic, dtype: "int32", x: [-99, 99], y: [0, 40] },
  };

  it("binary primitives, each operand batched at any axis or not at all", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(BINARY_BATCH)),
        batchCase(2, true),
        (name, { shape, inAxes, outAxis, size, seed }) => {
          const { f, dtype, x, y } = BINARY_BATCH[name]!;
          const args = batchedArgs([shape, shape], inAxes, size, [dtype, dtype], [x, y], seed);
          checkVmap(f, args, inAxes, outAxis, size, name);
        },
      ),
      { numRuns: 250 },
    );
  });

  it("primitives with params: integer_pow, round, convert_element_type", () => {
    const fs: Record<string, Fn> = {
      integer_pow: (x) => lax.integerPow(x, 3),
      round: (x) => lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN),
      convert: (x) => lax.convertElementType(x, "int32"),
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(fs)),
        shapeArb,
        fc.integer(),
        (name, shape, seed) => {
          const args = batchedArgs([shape], [0], 2, ["float32"], [[-5, 5]], seed);
          checkVmap(fs[name]!, args, [0], -1, 2, name);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("select_n: predicate 0-d or full, bool or int32, each operand batched or not", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        batchCase(4, true),
        (scalarWhich, intWhich, { shape, inAxes, outAxis, size, seed }) => {
          const ncases = intWhich ? 3 : 2;
          // A 0-d predicate is batched at 0 or not at all.
          const axes = inAxes
            .slice(0, ncases + 1)
            .map((a, i) => (i === 0 && scalarWhich && a !== null ? 0 : a));
          fc.pre(axes.some((a) => a !== null));
          const cases = globalThis.Array.from({ length: ncases }, () => ({
            shape,
            dtype: "float32" as DType,
            range: [-3, 3] as [number, number],
          }));
          const operands = [
            {
              shape: scalarWhich ? [] : shape,
              dtype: (intWhich ? "int32" : "bool") as DType,
              range: [0, intWhich ? 3 : 1] as [number, number],
            },
            ...cases,
          ];
          const args = batchedArgs(
            operands.map((o) => o.shape),
            axes,
            size,
            operands.map((o) => o.dtype),
            operands.map((o) => o.range),
            seed,
          );
          const f = (w: Array, ...cs: Array[]) => lax.selectN(w, ...cs);
          checkVmap(
            f,
            args,
            axes,
            outAxis,
            size,
            `select_n ${JSON.stringify({ scalarWhich, intWhich })}`,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("clamp: bounds 0-d or full, each operand batched or not", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        batchCase(3, true),
        (scalarLo, scalarHi, { shape, inAxes, outAxis, size, seed }) => {
          // A 0-d bound is batched at 0 or not at all.
          const scalar = [scalarLo, false, scalarHi];
          const axes = inAxes.map((a, i) => (scalar[i] && a !== null ? 0 : a));
          const shapes = scalar.map((sc) => (sc ? [] : shape));
          const ranges: [number, number][] = [
            [-2, 0],
            [-3, 3],
            [0, 2],
          ];
          const args = batchedArgs(
            shapes,
            axes,
            size,
            ["float32", "float32", "float32"],
            ranges,
            seed,
          );
          checkVmap(
            lax.clamp,
            args,
            axes,
            outAxis,
            size,
            `clamp ${JSON.stringify({ scalarLo, scalarHi })}`,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("vmap of grad, with one argument unbatched", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(BINARY)),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (name, size, seed) => {
          const f = BINARY[name]!;
          const g = grad((x: Array, y: Array) => lax.mul(f(x, lax.sin(y)), lax.exp(x)), {
            argnums: [0, 1],
          });
          const range: [number, number] = name === "pow" ? [0.3, 2] : [-2, 2];
          for (const inAxes of [
            [0, null],
            [null, 0],
            [0, 0],
          ] as (number | null)[][]) {
            const args = batchedArgs(
              [[], []],
              inAxes,
              size,
              ["float32", "float32"],
              [range, [0.5, 1.5]],
              seed,
            );
            const [gx, gy] = vmap(g, { inAxes })(args[0]!, args[1]!);
            const per = [0, 1].map(
              (k) =>
                loop((...a: Array[]) => g(...(a as [Array, Array]))[k]!, args, inAxes, 0, size)[0]!,
            );
            expectSame(gx, per[0]!, `${name} d/dx ${JSON.stringify(inAxes)}`);
            expectSame(gy, per[1]!, `${name} d/dy ${JSON.stringify(inAxes)}`);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("nested vmap moves each batch dimension independently", () => {
    const x = randomArray([2, 3, 4], "float32", rng(3), -2, 2);
    const y = randomArray([4, 3], "float32", rng(4), -2, 2);
    const f = (a: Array, b: Array) => lax.add(lax.mul(a, b), lax.sin(a));
    const inner = vmap(f, { inAxes: [1, 0], outAxes: 1 });
    const got = vmap(inner, { inAxes: [0, null], outAxes: 2 })(x, y) as ArrayImpl;
    expect(got.shape).toEqual([3, 4, 2]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const want = f(take(take(x, 0, i), 0, j), take(y, 1, j));
        expectClose(take(take(got, 2, i), 0, j), vals(want), `nested ${i} ${j}`, 1e-6, 0);
      }
    }
  });
});

// --- Errors and jaxprs --------------------------------------------------------------

describe("errors and staged rules", () => {
  it("vmap reports per-example shape mismatches, naming the op and the shapes", () => {
    const x = randomArray([2, 3], "float32", rng(1), -1, 1);
    const y = randomArray([4], "float32", rng(2), -1, 1);
    expect(() => vmap(lax.add, { inAxes: [0, null] })(x, y)).toThrow(/lax\.add.*\(3,\).*\(4,\)/);
  });

  it("the derivative rules stage the formulas JAX uses", () => {
    const s = String(makeJaxpr(grad(lax.tanh))(f32([0.5], [])));
    expect(s).toMatch(/tanh/);
    expect(s).not.toMatch(/cosh|exp/);
    const r = String(makeJaxpr(vmap(grad(lax.sin)))(arr([0.5, 1])));
    expect(r).toMatch(/cos/);
  });

  it("jit of grad equals eager grad", () => {
    const f = (x: Array) => lax.mul(lax.logistic(lax.pow(x, 1.5)), lax.atan2(x, lax.erfc(x)));
    const x = arr([0.3, 0.9, 1.7, 2.2]);
    expectSame(jit(vmap(grad(f)))(x), vmap(grad(f))(x) as ArrayImpl, "jit(vmap(grad))");
  });
});
