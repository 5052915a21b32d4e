/**
 * The 8- and 16-bit integer dtypes (int8, uint8, int16, uint16): JAX's
 * promotion table, NumPy's wrapping arithmetic and conversions
 * (test/fixtures/small_ints.py), XLA's saturating float→int conversion, and
 * jit (WebAssembly) against the eager kernels bit for bit.
 */
import { describe, expect, it } from "vitest";
import "../../src/index.js";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import { config } from "../../src/config.js";
import type { Array } from "../../src/core/array.js";
import { type DType, promoteTypes, type TypeInfo } from "../../src/dtype.js";
import * as lax from "../../src/lax/index.js";
import * as jnp from "../../src/numpy/index.js";
import * as random from "../../src/random/index.js";
import fixtures from "../fixtures/small_ints.json" with { type: "json" };

const SMALL: readonly DType[] = ["int8", "uint8", "int16", "uint16"];
const vals = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);

// --- Promotion ---------------------------------------------------------------------------------

// JAX's binary promotion table, from the docs' "Type promotion semantics"
// (https://docs.jax.dev/en/latest/type_promotion.html), restricted to our
// types, in its notation: b1 bool, u1/u2/u4 uint8/16/32, i1/i2/i4/i8
// int8/16/32/64, bf bfloat16, f2/f4/f8 float16/32/64, i*/f* weak int/float. i8 (int64) is what
// JAX canonicalizes to int32 without x64 (and we have no int64 storage).
const CODES = [
  "b1",
  "u1",
  "u2",
  "u4",
  "i1",
  "i2",
  "i4",
  "bf",
  "f2",
  "f4",
  "f8",
  "i*",
  "f*",
] as const;
const TABLE = `
b1: b1 u1 u2 u4 i1 i2 i4 bf f2 f4 f8 i* f*
u1: u1 u1 u2 u4 i2 i2 i4 bf f2 f4 f8 u1 f*
u2: u2 u2 u2 u4 i4 i4 i4 bf f2 f4 f8 u2 f*
u4: u4 u4 u4 u4 i8 i8 i8 bf f2 f4 f8 u4 f*
i1: i1 i2 i4 i8 i1 i2 i4 bf f2 f4 f8 i1 f*
i2: i2 i2 i4 i8 i2 i2 i4 bf f2 f4 f8 i2 f*
i4: i4 i4 i4 i8 i4 i4 i4 bf f2 f4 f8 i4 f*
bf: bf bf bf bf bf bf bf bf f4 f4 f8 bf bf
f2: f2 f2 f2 f2 f2 f2 f2 f4 f2 f4 f8 f2 f2
f4: f4 f4 f4 f4 f4 f4 f4 f4 f4 f4 f8 f4 f4
f8: f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8
i*: i* u1 u2 u4 i1 i2 i4 bf f2 f4 f8 i* f*
f*: f* f* f* f* f* f* f* bf f2 f4 f8 f* f*
`;

function typeOf(code: string): TypeInfo {
  const strong: Record<string, DType> = {
    b1: "bool",
    u1: "uint8",
    u2: "uint16",
    u4: "uint32",
    i1: "int8",
    i2: "int16",
    i4: "int32",
    i8: config.x64 ? "int64" : "int32", // int64, canonicalized without x64
    bf: "bfloat16",
    f2: "float16",
    f4: "float32",
    f8: config.x64 ? "float64" : "float32",
  };
  if (code === "i*") return { dtype: config.x64 ? "int64" : "int32", weakType: true };
  if (code === "f*") return { dtype: config.x64 ? "float64" : "float32", weakType: true };
  return { dtype: strong[code]!, weakType: false };
}

function checkTable(): void {
  const rows = TABLE.trim().split("\n");
  expect(rows.length).toBe(CODES.length);
  for (const row of rows) {
    const [a, rest] = row.split(":") as [string, string];
    const outs = rest.trim().split(/\s+/);
    outs.forEach((o, j) => {
      const b = CODES[j]!;
      const got = promoteTypes(typeOf(a), typeOf(b));
      expect({ a, b, ...got }).toEqual({ a, b, ...typeOf(o) });
    });
  }
}

describe("promotion", () => {
  it("is JAX's table for all pairs of bool, the ints, the floats and weak types", checkTable);
  it("is JAX's table with x64 (float64 and weak float64)", () => {
    config.update("jax_enable_x64", true);
    try {
      checkTable();
    } finally {
      config.update("jax_enable_x64", false);
    }
  });
  it("applies to operations, jnp.promoteTypes and JS numbers", () => {
    const i8 = jnp.array([1, 2], "int8");
    const u8 = jnp.array([1, 2], "uint8");
    expect(i8.add(u8).dtype).toBe("int16");
    expect(u8.add(jnp.array([1], "uint16")).dtype).toBe("uint16");
    expect(i8.add(1).dtype).toBe("int8");
    expect(u8.mul(2.5).dtype).toBe("float32");
    expect(jnp.promoteTypes("uint16", "int8")).toBe("int32");
    expect(jnp.promoteTypes("uint8", jnp.bool_)).toBe("uint8");
    // A JS number the dtype cannot hold is an error, as JAX's OverflowError.
    expect(() => i8.add(200)).toThrow(RangeError);
    expect(() => jnp.array([300], "uint8")).toThrow(/300.*uint8/);
    expect(() => jnp.array([-1], "uint16")).toThrow(RangeError);
    expect(vals(u8.add(255))).toEqual([0, 1]);
  });
});

// --- NumPy fixtures ----------------------------------------------------------------------------

type Bin = { op: string; dtype: DType; a: number[]; b: number[]; out: number[] };
type Un = { op: string; dtype: DType; a: number[]; out: number[] };
type Conv = { from: DType; to: DType; a: number[]; out: number[] };
const fx = fixtures as unknown as { binary: Bin[]; unary: Un[]; convert: Conv[] };

const BINARY: Record<string, (a: Array, b: Array) => Array> = {
  add: lax.add,
  sub: lax.sub,
  mul: lax.mul,
  div: lax.div,
  rem: lax.rem,
  max: lax.max,
  min: lax.min,
  and: lax.bitwiseAnd,
  or: lax.bitwiseOr,
  xor: lax.bitwiseXor,
  lt: lax.lt,
  le: lax.le,
  eq: lax.eq,
  ne: lax.ne,
  gt: lax.gt,
  ge: lax.ge,
  shift_left: lax.shiftLeft,
  shift_right_logical: lax.shiftRightLogical,
  shift_right_arithmetic: lax.shiftRightArithmetic,
};
const UNARY: Record<string, (a: Array) => Array> = {
  neg: lax.neg,
  not: lax.bitwiseNot,
  square: lax.square,
  abs: lax.abs,
  sign: lax.sign,
};

describe("arithmetic and conversions match NumPy", () => {
  it("has fixtures", () => {
    expect(fx.binary.length).toBeGreaterThan(60);
  });
  for (const c of fx.binary) {
    it(`${c.op} ${c.dtype}`, () => {
      const f = BINARY[c.op]!;
      const a = jnp.array(c.a, c.dtype);
      const b = jnp.array(c.b, c.dtype);
      const want = c.out.map(Number);
      expect(vals(f(a, b))).toEqual(want);
      expect(vals(jit(f)(a, b))).toEqual(want);
    });
  }
  for (const c of fx.unary) {
    it(`${c.op} ${c.dtype}`, () => {
      const f = UNARY[c.op]!;
      const a = jnp.array(c.a, c.dtype);
      expect(vals(f(a))).toEqual(c.out);
      expect(vals(jit(f)(a))).toEqual(c.out);
    });
  }
  for (const c of fx.convert) {
    it(`${c.from} -> ${c.to}`, () => {
      const f = (x: Array) => lax.convertElementType(x, c.to);
      const a = jnp.array(c.a, c.from);
      expect(vals(f(a))).toEqual(c.out);
      expect(vals(jit(f)(a))).toEqual(c.out);
      expect(vals(a.astype(c.to))).toEqual(c.out);
    });
  }
});

describe("XLA's semantics beyond NumPy's", () => {
  it("wraps at the width, even inside one fused expression", () => {
    const a = jnp.array([127, -128, 100], "int8");
    expect(vals(a.add(1))).toEqual([-128, -127, 101]);
    expect(vals(lax.abs(a))).toEqual([127, -128, 100]);
    // (a + a) / 2 wraps after the add, as XLA computes each op in int8.
    const f = (x: Array) => lax.div(lax.add(x, x), jnp.array(2, "int8"));
    expect(vals(f(a))).toEqual([-1, 0, -28]);
    expect(vals(jit(f)(a))).toEqual([-1, 0, -28]);
  });
  it("divides by zero as XLA (all ones) and shifts past the width to 0 or the sign", () => {
    for (const d of SMALL) {
      const a = jnp.array([5, 0, 100], d);
      const z = jnp.zeros([3], d);
      const ones = d.startsWith("u") ? (d === "uint8" ? 255 : 65535) : -1;
      expect(vals(lax.div(a, z))).toEqual([ones, ones, ones]);
      expect(vals(lax.rem(a, z))).toEqual([5, 0, 100]);
      const w = d.endsWith("8") ? 8 : 16;
      const big = jnp.full([3], w, d);
      expect(vals(lax.shiftLeft(a, big))).toEqual([0, 0, 0]);
      expect(vals(lax.shiftRightLogical(a, big))).toEqual([0, 0, 0]);
    }
    const n = jnp.array([-100, 100], "int8");
    expect(vals(lax.shiftRightArithmetic(n, jnp.array([9, 9], "int8")))).toEqual([-1, 0]);
    // An arithmetic shift of an unsigned type shifts its signed reading (XLA).
    const u = jnp.array([200, 100], "uint8");
    expect(vals(lax.shiftRightArithmetic(u, jnp.array([1, 1], "uint8")))).toEqual([228, 50]);
  });
  it("counts bits within the width", () => {
    const a = jnp.array([-1, 1, 0, -128], "int8");
    expect(vals(lax.populationCount(a))).toEqual([8, 1, 0, 1]);
    expect(vals(lax.clz(a))).toEqual([0, 7, 8, 0]);
    const u = jnp.array([1, 65535, 256], "uint16");
    expect(vals(lax.clz(u))).toEqual([15, 0, 7]);
    expect(vals(jit(lax.clz)(u))).toEqual([15, 0, 7]);
  });
  it("saturates float→int conversions, NaN to 0", () => {
    const x = jnp.array([300.5, -300, Number.NaN, Infinity, -Infinity, 3.7]);
    expect(vals(x.astype("int8"))).toEqual([127, -128, 0, 127, -128, 3]);
    expect(vals(x.astype("uint8"))).toEqual([255, 0, 0, 255, 0, 3]);
    expect(vals(x.astype("int16"))).toEqual([300, -300, 0, 32767, -32768, 3]);
    expect(vals(x.astype("uint16"))).toEqual([300, 0, 0, 65535, 0, 3]);
    for (const d of SMALL) {
      const f = (y: Array) => lax.convertElementType(y, d);
      expect(vals(jit(f)(x))).toEqual(vals(f(x)));
    }
  });
});

// --- jit against eager, bit for bit ------------------------------------------------------------

function pseudoRandom(d: DType, n: number, seed: number): Array {
  const v: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    v.push(s >>> 8);
  }
  return jnp.array(v, "uint32").astype(d);
}

describe("jit (WebAssembly) agrees with eager bit for bit", () => {
  const N = 1500; // large enough for compiled kernels
  const unary: Record<string, (a: Array) => Array | Array[]> = {
    ...UNARY,
    popcount: lax.populationCount,
    clz: lax.clz,
    fused: (a) => lax.mul(lax.add(a, a), lax.sub(a, lax.bitwiseNot(a))),
    convert: (a) => [...SMALL, "int32", "uint32", "float32", "bool"].map((t) => lax.convertElementType(a, t as DType)),
    fromFloat: (a) => SMALL.map((t) => lax.convertElementType(lax.mul(lax.convertElementType(a, "float32"), 3.7), t)),
    sum: (a) => lax.reduceSum(a, [0]),
    prod: (a) => lax.reduceProd(a, [0]),
    max: (a) => lax.reduceMax(a, [0]),
    min: (a) => lax.reduceMin(a, [0]),
    rows: (a) => [lax.reduceSum(lax.reshape(a, [30, 50]), [1]), lax.reduceMax(lax.reshape(a, [30, 50]), [0])],
    iota: (a) => lax.add(a, lax.iota(a.dtype, N)),
    jnpSum: (a) => jnp.sum(a),
    cumsum: (a) => jnp.cumsum(a),
  }; // biome-ignore format: a table
  for (const d of SMALL) {
    it(`${d}`, () => {
      const a = pseudoRandom(d, N, 1);
      const b = pseudoRandom(d, N, 7);
      for (const [name, f] of Object.entries(BINARY)) {
        expect([name, vals(jit(f)(a, b))]).toEqual([name, vals(f(a, b))]);
      }
      for (const [name, f0] of Object.entries(unary)) {
        if (name === "abs" && d.startsWith("u")) continue;
        const f = (x: Array) => [f0(x)].flat();
        const e = f(a);
        const j = jit(f)(a);
        e.forEach((x, k) => {
          expect([name, k, j[k]!.dtype, vals(j[k]!)]).toEqual([name, k, x.dtype, vals(x)]);
        });
      }
    });
  }
});

// --- Dtype helpers and printing -------------------------------------------------------------------

describe("jnp reductions (JAX's _promote_integer_dtype)", () => {
  it("sum, prod, cumsum promote to int32/uint32; max, min, lax.reduce_sum keep the dtype", () => {
    const a = jnp.array([100, 100, -128], "int8");
    const u = jnp.array([200, 100, 255], "uint8");
    expect([jnp.sum(a).dtype, vals(jnp.sum(a))]).toEqual(["int32", [72]]);
    expect([jnp.sum(u).dtype, vals(jnp.sum(u))]).toEqual(["uint32", [555]]);
    expect(jnp.prod(jnp.ones([2], "int16")).dtype).toBe("int32");
    expect(jnp.prod(jnp.ones([2], "uint16")).dtype).toBe("uint32");
    expect([jnp.cumsum(u).dtype, vals(jnp.cumsum(u))]).toEqual(["uint32", [200, 300, 555]]);
    expect(jnp.sum(a, { dtype: "int8" }).dtype).toBe("int8");
    expect([jnp.max(a).dtype, jnp.min(u).dtype]).toEqual(["int8", "uint8"]);
    expect([lax.reduceSum(a, [0]).dtype, vals(lax.reduceSum(a, [0]))]).toEqual(["int8", [72]]);
    expect(vals(lax.reduceSum(u, [0]))).toEqual([43]);
    expect(jnp.mean(a).dtype).toBe("float32");
    expect(vals(jnp.argmax(a))).toEqual([0]);
  });
});

describe("dtype helpers", () => {
  it("iinfo and finfo", () => {
    expect(jnp.iinfo("int8")).toMatchObject({ bits: 8, min: -128, max: 127, dtype: "int8" });
    expect(jnp.iinfo(jnp.uint8)).toMatchObject({ bits: 8, min: 0, max: 255 });
    expect(jnp.iinfo("int16")).toMatchObject({ bits: 16, min: -32768, max: 32767 });
    expect(jnp.iinfo(jnp.zeros([2], "uint16"))).toMatchObject({ bits: 16, min: 0, max: 65535 });
    expect(jnp.iinfo("uint32").max).toBe(4294967295);
    expect(() => jnp.iinfo("float32")).toThrow(TypeError);
    const f = jnp.finfo("float32");
    expect([f.bits, f.eps, f.tiny, f.max, f.resolution]).toEqual([
      32,
      2 ** -23,
      2 ** -126,
      3.4028234663852886e38,
      Math.fround(1e-6),
    ]);
    expect(f.min).toBe(-f.max);
    expect(jnp.finfo("float64").eps).toBe(Number.EPSILON);
    expect(() => jnp.finfo("int8")).toThrow(TypeError);
  });
  it("issubdtype, dtype and the dtype constants", () => {
    for (const d of SMALL) {
      expect(jnp.issubdtype(d, jnp.integer)).toBe(true);
      expect(jnp.issubdtype(d, jnp.number)).toBe(true);
      expect(jnp.issubdtype(d, jnp.floating)).toBe(false);
      expect(jnp.issubdtype(d, jnp.signedinteger)).toBe(!d.startsWith("u"));
      expect(jnp.issubdtype(d, jnp.unsignedinteger)).toBe(d.startsWith("u"));
    }
    expect(jnp.issubdtype("float32", jnp.inexact)).toBe(true);
    expect(jnp.issubdtype("bool", jnp.bool_)).toBe(true);
    expect(jnp.issubdtype("bool", jnp.number)).toBe(false);
    expect(jnp.issubdtype(jnp.signedinteger, jnp.integer)).toBe(true);
    expect(jnp.issubdtype("int8", "int16")).toBe(false);
    expect([jnp.int8, jnp.uint8, jnp.int16, jnp.uint16]).toEqual(SMALL);
    expect(jnp.dtype(jnp.ones([1], "int16"))).toBe("int16");
    expect(jnp.dtype("uint8")).toBe("uint8");
    expect(jnp.dtype("int64")).toBe("int64");
    expect(() => jnp.dtype("int128" as DType)).toThrow(TypeError);
  });
  it("typed arrays keep their type; prints as NumPy and JAX", () => {
    expect(jnp.array(new Uint8Array([1, 255])).dtype).toBe("uint8");
    expect(jnp.array(new Int8Array([1, -1])).dtype).toBe("int8");
    expect(jnp.array(new Int16Array([1])).dtype).toBe("int16");
    expect(jnp.array(new Uint16Array([1])).dtype).toBe("uint16");
    expect(() => jnp.array(new Int16Array([300]), "int8")).toThrow(RangeError);
    const a = jnp.array([127, -128, 5], "int8");
    expect(a.toString()).toBe("[ 127 -128    5]");
    expect(makeJaxpr((x: Array) => x.add(1))(a).toString()).toContain("a:i8[3]");
  });
});

// --- random ----------------------------------------------------------------------------------------

describe("random bits and randint of narrow types (JAX's threefry_random_bits)", () => {
  const key = random.PRNGKey(42);
  it("partitionable (the default): the low bits of each 32-bit draw", () => {
    const words = vals(random.bits(key, [7]));
    const u8 = random.bits(key, [7], "uint8");
    expect(u8.dtype).toBe("uint8");
    expect(vals(u8)).toEqual(words.map((w) => w & 0xff));
    expect(vals(random.bits(key, [7], "uint16"))).toEqual(words.map((w) => w & 0xffff));
  });
  it("original: words cut into pieces, low bits first (bits.view(dtype)[:size])", () => {
    random.withThreefryPartitionable(false, () => {
      const words = vals(random.bits(key, [3]));
      const piece = (i: number, w: number) => (words[Math.floor(i / (32 / w))]! >>> (w * (i % (32 / w)))) & (2 ** w - 1); // biome-ignore format: long
      const u8 = vals(random.bits(key, [2, 5], "uint8"));
      expect(u8).toEqual(u8.map((_, i) => piece(i, 8)));
      const u16 = vals(random.bits(key, [5], "uint16"));
      expect(u16).toEqual(u16.map((_, i) => piece(i, 16)));
      expect(random.bits(key, [0], "uint8").shape).toEqual([0]);
      expect(vals(jit((k: Array) => random.bits(k, [2, 5], "uint8"))(key))).toEqual(u8);
    });
  });
  it("randint draws in the dtype's width and range", () => {
    for (const d of SMALL) {
      const [lo, hi] = d === "int8" ? [-128, 128] : d === "uint8" ? [0, 256] : d === "int16" ? [-32768, 32768] : [0, 65536]; // biome-ignore format: long
      const x = random.randint(key, [4000], lo, hi, d);
      expect(x.dtype).toBe(d);
      const v = vals(x);
      // 4000 draws reach both ends of an 8-bit range (maxval = 2^8 included: JAX's out-of-range span).
      if (d.endsWith("8")) expect([Math.min(...v), Math.max(...v)]).toEqual([lo, hi - 1]);
      expect(v.every((t) => t >= lo && t < hi)).toBe(true);
      const small = vals(random.randint(key, [1000], -3, 5, d.startsWith("u") ? "uint8" : d));
      expect(small.every((t) => t >= (d.startsWith("u") ? 0 : -3) && t < 5)).toBe(true);
      const f = (k: Array) => random.randint(k, [50], 1, 100, d);
      expect(vals(jit(f)(key))).toEqual(vals(f(key)));
    }
  });
});
