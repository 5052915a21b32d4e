/**
 * No silent wrong numbers (issue 12): a JS number converts from its own value
 * to the dtype it meets (an error where an integer dtype cannot hold it, never
 * a wrapped int32); jnp.array rejects ragged nesting and non-numbers, and reads
 * every typed array in one copy; products, sums and max/min give the same
 * numbers under jit as eagerly, both below and above the size where eager
 * operations run the compiled kernels (EAGER_MIN_SIZE).
 */
import { describe, expect, it } from "vitest";
import { EAGER_MIN_SIZE } from "../../src/backend/cpu/compiler/eager.js";
import { type Array, jit, numpy as jnp, lax, withX64 } from "../../src/index.js";

// biome-ignore lint/suspicious/noExplicitAny: the tests pass wrong kinds on purpose
const loose = (f: unknown) => f as (...args: any[]) => Array;
const F32_MAX = 3.4028234663852886e38;

describe("JS numbers convert from their own value", () => {
  const x = () => jnp.zeros([3]);

  it("x.at(i).set, jnp.pad and lax.pad with 3e9 on float32 give 3e9", () => {
    expect(x().at(0).set(3e9).toArray()).toEqual([3e9, 0, 0]);
    expect(jnp.pad(x(), 1, { constantValues: 3e9 }).toArray()).toEqual([3e9, 0, 0, 0, 3e9]);
    expect(lax.pad(x(), 3e9, [[1, 0, 0]]).toArray()).toEqual([3e9, 0, 0, 0]);
    expect(jit((y: Array) => y.at(1).set(3e9))(x()).toArray()).toEqual([0, 3e9, 0]);
    expect(jit((y: Array) => jnp.pad(y, 1, { constantValues: 3e9 }))(x()).toArray()).toEqual([
      3e9, 0, 0, 0, 3e9,
    ]);
  });

  it("lax.convertElementType(3e9, float32) is 3e9; into int32 it is an error", () => {
    const y = lax.convertElementType(3e9, "float32");
    expect(y.dtype).toBe("float32");
    expect(y.item()).toBe(3e9);
    expect(() => lax.convertElementType(3e9, "int32")).toThrow(
      /lax\.convertElementType: the JS integer 3000000000 is too large to convert to int32/,
    );
    expect(() => lax.convertElementType(Number.NaN, "int32")).toThrow(/NaN.*int32/);
    expect(lax.convertElementType(-2.7, "int32").item()).toBe(-2);
  });

  it("operations with a float32 array take 3e9 as 3e9 (jnp, lax, methods, jit)", () => {
    expect(jnp.full([2], 3e9).toArray()).toEqual([3e9, 3e9]);
    expect(jnp.fullLike(x(), 3e9).toArray()).toEqual([3e9, 3e9, 3e9]);
    expect(x().add(3e9).toArray()).toEqual([3e9, 3e9, 3e9]);
    expect(jnp.maximum(x(), 3e9).toArray()).toEqual([3e9, 3e9, 3e9]);
    expect(lax.add(jnp.array(1), 3e9).item()).toBe(3e9);
    expect(jit((y: Array) => jnp.where(y.gt(0), y, 3e9))(x()).toArray()).toEqual([3e9, 3e9, 3e9]);
  });

  it("an int32 destination that cannot hold the number is an error naming value and dtype", () => {
    const i = jnp.array([1, 2], "int32");
    const msg = /the JS integer 3000000000 is too large to convert to int32/;
    expect(() => i.at(0).set(3e9)).toThrow(msg);
    expect(() => jnp.pad(i, 1, { constantValues: 3e9 })).toThrow(msg);
    expect(() => lax.pad(i, 3e9, [[1, 0, 0]])).toThrow(msg);
    expect(() => jnp.full([2], 3e9, "int32")).toThrow(msg);
    expect(() => i.add(3e9)).toThrow(msg);
    expect(() => lax.add(i, 3e9)).toThrow(msg);
    expect(() => i.at(5).get({ mode: "fill", fillValue: 3e9 })).toThrow(msg);
    expect(() => jnp.full([2], -1, "uint32")).toThrow(/-1 is too large to convert to uint32/);
    // A bare integral JS number is a weak int32 (a Python int in JAX): JAX's OverflowError.
    expect(() => lax.neg(3e9)).toThrow(/lax\.neg: the JS integer 3000000000 .* int32/);
  });

  it("jnp.nanToNum replaces ±inf with the dtype's finite extremes", () => {
    const y = jnp.nanToNum(jnp.array([Number.NaN, Infinity, -Infinity, 1.5]));
    expect(y.toArray()).toEqual([0, F32_MAX, -F32_MAX, 1.5]);
    withX64(() => {
      const z = jnp.nanToNum(jnp.array([Number.NaN, Infinity, -Infinity], "float64"));
      expect(z.dtype).toBe("float64");
      expect(z.toArray()).toEqual([0, Number.MAX_VALUE, -Number.MAX_VALUE]);
    });
  });
});

describe("jnp.array checks its input", () => {
  it("a value an integer dtype cannot hold is an error naming it and the dtype", () => {
    expect(() => jnp.array([2 ** 40], "int32")).toThrow(
      /jnp\.array: the JS integer 1099511627776 is too large to convert to int32/,
    );
    expect(() => jnp.array(3e9, "int32")).toThrow(/3000000000 .* int32/);
    expect(() => jnp.array([-1], "uint32")).toThrow(/-1 .* uint32/);
    expect(() => jnp.array([Number.NaN], "int32")).toThrow(/NaN is not representable in int32/);
    expect(jnp.array([2 ** 32 - 1], "uint32").toArray()).toEqual([2 ** 32 - 1]);
    expect(jnp.array([-(2 ** 31), 2.9], "int32").toArray()).toEqual([-(2 ** 31), 2]);
    // JS numbers make the default float dtype (JS cannot tell 1 from 1.0), which holds 2^40.
    const f = jnp.array([2 ** 40]);
    expect(f.dtype).toBe("float32");
    expect(f.toArray()).toEqual([2 ** 40]);
  });

  it("ragged or inhomogeneous nesting is NumPy's 'inhomogeneous shape' error", () => {
    expect(() =>
      jnp.array([
        [1, [2]],
        [3, 4],
      ]),
    ).toThrow(
      /setting an array element with a sequence.*inhomogeneous shape after 2 dimensions \(detected shape \(2, 2\).*index \[0, 1\]/,
    );
    expect(() => jnp.array([[1, 2], [3]])).toThrow(
      /inhomogeneous shape after 1 dimensions .*index \[1\] expected a list of length 2, got a list of length 1/,
    );
    expect(() => jnp.array([[1, 2], 3])).toThrow(
      /index \[1\] expected a list of length 2, got number 3/,
    );
    expect(() => jnp.array([1, [2, 3]])).toThrow(/index \[1\] expected a scalar/);
    expect(() => jnp.array([jnp.ones([2]), 1])).toThrow(/inhomogeneous/);
  });

  it("non-numbers are named errors", () => {
    const msg =
      /jnp\.array: elements must be numbers, booleans, \{ re, im \} complex numbers or Arrays, got/;
    expect(() => loose(jnp.array)(["a"])).toThrow(/got string a/);
    expect(() => loose(jnp.array)([undefined])).toThrow(/got undefined/);
    expect(() => loose(jnp.array)([{}])).toThrow(msg);
    expect(() => loose(jnp.array)([1, null])).toThrow(/got null/);
    expect(() => loose(jnp.array)([1n])).toThrow(/got bigint 1/);
    expect(() => loose(jnp.array)(new DataView(new ArrayBuffer(4)))).toThrow(
      /cannot make an array from an object of type DataView/,
    );
  });
});

describe("jnp.array from typed arrays", () => {
  it("each kind makes the dtype that holds its values", () => {
    const cases: [ArrayBufferView & { length: number }, string, number[]][] = [
      [new Float32Array([1.5, -2]), "float32", [1.5, -2]],
      [new Float64Array([0.1, 2]), "float32", [Math.fround(0.1), 2]],
      [new Int32Array([-5, 7]), "int32", [-5, 7]],
      [new Int16Array([-300, 7]), "int16", [-300, 7]],
      [new Int8Array([-3, 5]), "int8", [-3, 5]],
      [new Uint32Array([2 ** 32 - 1]), "uint32", [2 ** 32 - 1]],
      [new Uint16Array([65535]), "uint16", [65535]],
      [new Uint8Array([0, 5, 255]), "uint8", [0, 5, 255]],
      [new Uint8ClampedArray([0, 255]), "uint8", [0, 255]],
      [new BigInt64Array([1n, -2n]), "int32", [1, -2]],
      [new BigUint64Array([2n ** 32n - 1n]), "uint32", [2 ** 32 - 1]],
    ];
    for (const [src, dtype, values] of cases) {
      const a = loose(jnp.array)(src);
      expect([src.constructor.name, a.dtype]).toEqual([src.constructor.name, dtype]);
      expect(a.toArray()).toEqual(values);
    }
    withX64(() => {
      const a = jnp.array(new Float64Array([0.1]));
      expect(a.dtype).toBe("float64");
      expect(a.item()).toBe(0.1);
    });
  });

  it("converts to a requested dtype, with an error where a value does not fit", () => {
    expect(jnp.array(new Float64Array([1.7, -2.7]), "int32").toArray()).toEqual([1, -2]);
    expect(jnp.array(new Uint8Array([0, 5]), "bool").toArray()).toEqual([false, true]);
    expect(jnp.array(new Int32Array([3]), "float32").toArray()).toEqual([3]);
    expect(() => jnp.array(new Float32Array([1, 3e9]), "int32")).toThrow(
      /jnp\.array: element \[1\] of the Float32Array, 3000000000, is not representable in int32/,
    );
    expect(() => jnp.array(new Int32Array([-1]), "uint32")).toThrow(/element \[0\].*-1.*uint32/);
    expect(() => jnp.array(new Uint32Array([2 ** 31]), "int32")).toThrow(/2147483648.*int32/);
    expect(() => jnp.array(new Float64Array([Number.NaN]), "int32")).toThrow(/NaN.*int32/);
    expect(() => loose(jnp.array)(new BigInt64Array([2n ** 40n]))).toThrow(
      /element \[0\] of the BigInt64Array, 1099511627776, is not representable in int32/,
    );
  });

  it("copies (later writes to the source do not change the array)", () => {
    const src = new Float32Array([1, 2]);
    const a = jnp.array(src);
    src[0] = 9;
    expect(a.toArray()).toEqual([1, 2]);
  });

  it("reads a large typed array in one copy (no JS array in between)", () => {
    const n = 3e7;
    const src = new Float32Array(n);
    src[n - 1] = 7;
    const t0 = performance.now();
    const a = jnp.array(src);
    const ms = performance.now() - t0;
    expect(a.shape).toEqual([n]);
    expect(
      a
        .at(n - 1)
        .get()
        .item(),
    ).toBe(7);
    // Through a JS array this takes seconds and gigabytes; one typed copy takes ~0.1 s.
    expect(ms).toBeLessThan(5000);
  });
});

// --- reductions: eager and jit agree --------------------------------------------

function f32(values: number[]): Array {
  return jnp.array(new Float32Array(values));
}

/** The product of float32 values folded in order in float64, rounded once (eager's definition). */
function seqProd(values: Float32Array): number {
  let p = 1;
  for (const v of values) p *= v;
  return Math.fround(p);
}

const orders: Record<string, (n: number) => Float32Array> = {
  alternating: (n) => Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1e-30 : 1e30)),
  "small then large": (n) => Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 1e-30 : 1e30)),
  "large then small": (n) => Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 1e30 : 1e-30)),
  "pairs of 4": (n) => Float32Array.from({ length: n }, (_, i) => (i % 8 < 4 ? 1e20 : 1e-20)),
  "near one": (n) =>
    Float32Array.from({ length: n }, (_, i) => 1 + ((i * 7919) % 13) * 1e-4 - 6e-4),
};

describe("products: the same in-order product eagerly and under jit", () => {
  const prodJit = jit((x: Array) => jnp.prod(x));
  for (const n of [10240, 4 * EAGER_MIN_SIZE + 3]) {
    for (const [name, make] of Object.entries(orders)) {
      it(`${name}, ${n} values`, () => {
        const v = make(n);
        const x = jnp.array(v);
        const want = seqProd(v);
        const eager = jnp.prod(x).item();
        const jitted = prodJit(x).item();
        expect(Object.is(eager, want)).toBe(true);
        expect(Object.is(jitted, want)).toBe(true);
      });
    }
  }

  it("alternating 1e30 and 1e-30: finite, never NaN (per-lane partial products)", () => {
    const x = jnp.array(orders.alternating!(10240));
    expect(prodJit(x).item()).toBeCloseTo(1, 3);
    expect(jnp.prod(x).item()).toBeCloseTo(1, 3);
  });

  it("rows and columns of a matrix (both loop layouts), fused with an elementwise producer", () => {
    const rows = 6;
    const cols = 1030;
    const v = orders.alternating!(rows * cols);
    const m = jnp.array(v).reshape([rows, cols]);
    const f = (x: Array) => [jnp.prod(x.mul(1), 1), jnp.prod(x.mul(1), 0)] as const;
    const [e1, e0] = f(m);
    const [j1, j0] = jit((x: Array) => [...f(x)])(m);
    expect(j1!.toArray()).toEqual(e1.toArray());
    expect(j0!.toArray()).toEqual(e0.toArray());
    for (let r = 0; r < rows; r++) {
      expect((e1.toArray() as number[])[r]).toBe(seqProd(v.subarray(r * cols, (r + 1) * cols)));
    }
  });

  it("float64 under x64", () => {
    withX64(() => {
      const v = Float64Array.from({ length: 20000 }, (_, i) => (i % 2 ? 1e-200 : 1e200));
      const x = jnp.array(v);
      expect(jit((y: Array) => jnp.prod(y))(x).item()).toBe(jnp.prod(x).item());
      expect(jnp.prod(x).item()).toBeCloseTo(1, 10);
    });
  });
});

describe("sums: eager and jit agree to float32 rounding", () => {
  it("random-sign values of mixed magnitude", () => {
    for (const n of [10240, 4 * EAGER_MIN_SIZE + 3]) {
      const v = Float32Array.from(
        { length: n },
        (_, i) => Math.sin(i * 12.9898) * 10 ** (((i * 7) % 9) - 4),
      );
      const x = jnp.array(v);
      const exact = v.reduce((s, a) => s + a, 0);
      const eager = Number(jnp.sum(x).item());
      const jitted = jit((y: Array) => jnp.sum(y))(x).item() as number;
      const ulp = Math.abs(exact) * 2 ** -23;
      expect(Math.abs(eager - exact)).toBeLessThanOrEqual(ulp);
      expect(Math.abs(jitted - exact)).toBeLessThanOrEqual(ulp);
    }
  });
});

describe("max/min: IEEE 754-2019 maximum/minimum everywhere (NaN propagates, -0 < +0)", () => {
  const sign = (a: Array) => (Object.is(a.item(), -0) ? "-0" : String(a.item()));
  const pairs: [number, number][] = [
    [-0, 0],
    [0, -0],
  ];

  it("reductions of [-0, 0] and [0, -0], small and large, eager and jit", () => {
    for (const [a, b] of pairs) {
      for (const n of [2, 4 * EAGER_MIN_SIZE]) {
        const v = Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? a : b));
        const x = jnp.array(v);
        expect([a, b, n, sign(jnp.max(x)), sign(jnp.min(x))]).toEqual([a, b, n, "0", "-0"]);
        const j = jit((y: Array) => [jnp.max(y), jnp.min(y)]);
        const [mx, mn] = j(x);
        expect([a, b, n, sign(mx!), sign(mn!)]).toEqual([a, b, n, "0", "-0"]);
        expect(sign(lax.reduceMax(x, [0]))).toBe("0");
        expect(sign(lax.reduceMin(x, [0]))).toBe("-0");
        expect(sign(lax.reduceWindow(x, -Infinity, "max", [n], [1], "VALID").reshape([]))).toBe(
          "0",
        );
        expect(sign(lax.reduceWindow(x, Infinity, "min", [n], [1], "VALID").reshape([]))).toBe(
          "-0",
        );
      }
    }
  });

  it("elementwise lax.max/min and jnp.maximum/minimum, eager and jit", () => {
    for (const [a, b] of pairs) {
      const x = f32([a]);
      const y = f32([b]);
      const run = (p: Array, q: Array) => [
        lax.max(p, q),
        lax.min(p, q),
        jnp.maximum(p, q),
        jnp.minimum(p, q),
      ];
      const eager = run(x, y).map((r) => sign(r.reshape([])));
      const jitted = jit(run)(x, y).map((r) => sign(r.reshape([])));
      expect(eager).toEqual(["0", "-0", "0", "-0"]);
      expect(jitted).toEqual(eager);
    }
  });

  it("NaN propagates in reductions and elementwise, eager and jit", () => {
    for (const n of [5, 4 * EAGER_MIN_SIZE]) {
      const v = Float32Array.from({ length: n }, (_, i) => i);
      v[n >> 1] = Number.NaN;
      const x = jnp.array(v);
      const both = (y: Array) => [
        jnp.max(y),
        jnp.min(y),
        jnp.maximum(y, 0).sum(),
        lax.min(y, y).sum(),
      ];
      for (const r of [...both(x), ...jit(both)(x)]) expect(r.item()).toBeNaN();
    }
  });
});
