/**
 * The float16 and bfloat16 dtypes: stored as 16-bit patterns, computed in
 * float32 and rounded after every primitive (backend/cpu/halves.ts), as
 * XLA:CPU does. float16 against NumPy's float16 arithmetic (which rounds
 * after every operation too), bfloat16 against NumPy float32 arithmetic
 * rounded to bfloat16 independently (test/fixtures/halfs.py), bit for bit,
 * eagerly and under jit; printing against NumPy; promotion, creation,
 * conversion, reductions, sort, finfo, random.
 */
import { describe, expect, it } from "vitest";
import "../../src/index.js";
import { jit, makeJaxpr } from "../../src/api/jit.js";
import { config } from "../../src/config.js";
import { type Array, ArrayImpl, hostStorage, hostValues } from "../../src/core/array.js";
import type { DType } from "../../src/dtype.js";
import { bfloat16Bits, float16Bits, roundBfloat16, roundFloat16 } from "../../src/half.js";
import * as lax from "../../src/lax/index.js";
import * as jnp from "../../src/numpy/index.js";
import { reprArray } from "../../src/numpy/printing.js";
import * as random from "../../src/random/index.js";
import fixtures from "../fixtures/halfs.json" with { type: "json" };

type Half = "float16" | "bfloat16";
const HALVES: readonly Half[] = ["float16", "bfloat16"];

interface Cases {
  a: number[];
  b: number[];
  c: number[];
  add: number[];
  sub: number[];
  mul: number[];
  div: number[];
  sqrt: number[];
  fma: number[];
  from_f64: number[];
}
const FX = fixtures as unknown as Record<Half, Cases> & {
  float16: { a32_bits: number[]; to_int32: number[] };
  printing: { data: (number | string)[]; str: string; repr0: string }[];
};

function repr(x: Array): string {
  const a = x as ArrayImpl;
  return reprArray(hostValues(a), a.shape, a.dtype, a.weakType);
}

/** A half array from its bit patterns. */
function fromBits(bits: readonly number[], dtype: Half): Array {
  return ArrayImpl.fromData(Uint16Array.from(bits), [bits.length], false, dtype);
}

function bitsOf(x: Array): number[] {
  return [...(hostStorage(x as ArrayImpl) as Uint16Array)];
}

/** Patterns compared with NaNs made canonical (NumPy keeps payloads; XLA's NaN is the quiet one). */
function canon(bits: readonly number[], dtype: Half): number[] {
  const [exp, mant] = dtype === "float16" ? [0x7c00, 0x03ff] : [0x7f80, 0x007f];
  return bits.map((b) => ((b & exp) === exp && (b & mant) !== 0 ? 0x7fff : b));
}

function expectBits(got: Array, want: readonly number[], dtype: Half): void {
  expect(got.dtype).toBe(dtype);
  const g = canon(bitsOf(got), dtype);
  const w = canon(want, dtype);
  const bad = g.flatMap((v, i) => (v === w[i] ? [] : [`[${i}] ${v.toString(16)} vs ${w[i]!.toString(16)}`])); // biome-ignore format: long
  expect(bad.slice(0, 5)).toEqual([]);
}

describe("promotion", () => {
  it("follows JAX's lattice: ints and weak floats go to the half, the halves meet at float32", () => {
    const h = jnp.array([1, 2], "float16");
    const b = jnp.array([1, 2], "bfloat16");
    expect(h.add(b).dtype).toBe("float32");
    expect(h.add(1.5).dtype).toBe("float16");
    expect(b.mul(2).dtype).toBe("bfloat16");
    expect(h.add(jnp.array([1], "int32")).dtype).toBe("float16");
    expect(b.add(jnp.array([1], "int8")).dtype).toBe("bfloat16");
    expect(h.add(jnp.array([1], "float32")).dtype).toBe("float32");
    expect(jnp.promoteTypes("float16", "bfloat16")).toBe("float32");
    expect(jnp.promoteTypes("uint32", "bfloat16")).toBe("bfloat16");
    expect([jnp.float16, jnp.bfloat16]).toEqual(["float16", "bfloat16"]);
    expect(jnp.issubdtype(jnp.float16, "floating")).toBe(true);
    expect(jnp.issubdtype("bfloat16", "inexact")).toBe(true);
  });

  it("names f16 and bf16 in jaxprs", () => {
    const jp = makeJaxpr((x: Array) => x.mul(2))(jnp.zeros([2], "float16"));
    expect(jp.toString()).toContain("f16[2]");
    const jb = makeJaxpr((x: Array) => x.mul(2))(jnp.zeros([2], "bfloat16"));
    expect(jb.toString()).toContain("bf16[2]");
  });
});

describe("storage and host values", () => {
  it("stores 2-byte patterns; every host read sees values (a Float32Array)", async () => {
    for (const d of HALVES) {
      const x = jnp.array([0.1, -2.5, 70000, 1e-9], d);
      const s = hostStorage(x as ArrayImpl);
      expect(s).toBeInstanceOf(Uint16Array);
      expect(s.byteLength).toBe(8);
      const round = d === "float16" ? roundFloat16 : roundBfloat16;
      const want = [0.1, -2.5, 70000, 1e-9].map(round);
      expect([...hostValues(x as ArrayImpl)]).toEqual(want);
      expect(x.dataSync()).toBeInstanceOf(Float32Array);
      expect([...x.dataSync()]).toEqual(want);
      expect([...(await x.data())]).toEqual(want);
      expect(x.toArray()).toEqual(want);
      expect(x.get(1).item()).toBe(-2.5);
    }
  });

  it("converts JS numbers by rounding; overflow is infinity, not an error", () => {
    expect(jnp.array(1e6, "float16").item()).toBe(Number.POSITIVE_INFINITY);
    expect(jnp.array(0.1, "float16").item()).toBe(roundFloat16(0.1));
    expect(jnp.full([2], 1 / 3, "bfloat16").toArray()).toEqual([0.333984375, 0.333984375]);
    expect(jnp.arange(0, 3, 1, "float16").toArray()).toEqual([0, 1, 2]);
    expect(jnp.eye(2, undefined, { dtype: "bfloat16" }).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(jnp.array(new Uint16Array([1, 2, 3]), "float16").toArray()).toEqual([1, 2, 3]);
    expect(jnp.array(new Float32Array([0.1]), "bfloat16").toArray()).toEqual([roundBfloat16(0.1)]);
  });
});

describe("conversions", () => {
  it("float32 → float16 rounds to nearest even as NumPy; float16 → int32 truncates", () => {
    const x = jnp.array(new Float32Array(new Uint32Array(FX.float16.a32_bits).buffer), "float32");
    expectBits(x.astype("float16"), FX.float16.from_f64, "float16");
    expectBits(lax.convertElementType(x, "bfloat16"), FX.bfloat16.from_f64, "bfloat16");
    const h = fromBits(FX.float16.a, "float16");
    const finite = jnp.where(jnp.isfinite(h), h, 0);
    expect([...finite.astype("int32").dataSync()]).toEqual(FX.float16.to_int32);
  });

  it("converts to and from every dtype, eagerly and under jit", () => {
    const vals = [0, 1, -2, 3.5, 100, 127];
    for (const d of HALVES) {
      for (const to of [
        "bool",
        "int8",
        "uint8",
        "int16",
        "uint16",
        "int32",
        "uint32",
        "float32",
        "bfloat16",
        "float16",
      ] as DType[]) {
        // biome-ignore format: long
        const x = jnp.array(vals.map((v) => Math.abs(v)), d);
        const eager = x.astype(to);
        const jitted = jit((y: Array) => y.astype(to))(x);
        expect(eager.dtype).toBe(to);
        expect(jitted.toArray()).toEqual(eager.toArray());
        expect(jnp.array(vals.map(Math.abs), to).astype(d).toArray()).toEqual(
          jnp.array(vals.map(Math.abs), to).astype("float32").astype(d).toArray(),
        );
      }
    }
    expect(jnp.array([1.7, -1.7, 300], "float16").astype("int8").toArray()).toEqual([1, -1, 127]);
  });
});

describe("arithmetic: float32 rounded after every operation", () => {
  const ops: [keyof Cases, (a: Array, b: Array, c: Array) => Array][] = [
    ["add", (a, b) => a.add(b)],
    ["sub", (a, b) => a.sub(b)],
    ["mul", (a, b) => a.mul(b)],
    ["div", (a, b) => a.div(b)],
    ["sqrt", (a) => jnp.sqrt(jnp.abs(a))],
    ["fma", (a, b, c) => a.mul(b).add(c)],
  ];
  for (const d of HALVES) {
    for (const [name, f] of ops) {
      it(`${d} ${name}: NumPy ${d === "float16" ? "float16" : "float32 + bfloat16 rounding"}, eager and jit`, () => {
        // biome-ignore format: long
        const fx = FX[d];
        const [a, b, c] = [fromBits(fx.a, d), fromBits(fx.b, d), fromBits(fx.c, d)];
        expectBits(f(a, b, c), fx[name], d);
        expectBits(jit(f)(a, b, c), fx[name], d);
      });
    }
  }

  it("jit equals eager bit for bit for the elementwise ops, reductions, dot and sort", () => {
    const unary: ((x: Array) => Array)[] = [
      jnp.exp, jnp.log, jnp.sin, jnp.cos, jnp.tanh, jnp.abs, jnp.negative, jnp.floor, jnp.sign,
      (x) => jnp.square(x), (x) => jnp.reciprocal(x), (x) => lax.logistic(x), (x) => lax.erf(x),
      (x) => x.mul(x).sub(x.div(3)).add(0.1), (x) => jnp.maximum(x, 0.5), (x) => x.lt(0.3),
      (x) => jnp.sum(x), (x) => jnp.mean(x), (x) => jnp.max(x), (x) => jnp.prod(x.div(4)),
      (x) => jnp.sort(x), (x) => jnp.cumsum(x), (x) => jnp.matmul(x.reshape([4, 8]), x.reshape([8, 4])),
      (x) => jnp.concatenate([x, x.mul(2)]), (x) => x.get(jnp.array([3, 1, 0], "int32")),
      (x) => x.reshape([4, 8]).T, (x) => jnp.var(x), (x) => jnp.argmax(x),
    ]; // biome-ignore format: a list
    for (const d of HALVES) {
      const x = jnp.linspace(-3, 5, 32, { dtype: d });
      for (const f of unary) {
        const e = f(x);
        const j = jit(f)(x);
        expect(j.dtype).toBe(e.dtype);
        expect(j.toArray()).toEqual(e.toArray());
      }
    }
  });

  it("large arrays (the compiled eager path) round as the small ones", () => {
    for (const d of HALVES) {
      const x = jnp.linspace(-3, 5, 40000, { dtype: d });
      const big = x.mul(1.1).add(0.3);
      const small = x
        .get(jnp.arange(0, 10, 1, "int32"))
        .mul(1.1)
        .add(0.3);
      expect(big.get(jnp.arange(0, 10, 1, "int32")).toArray()).toEqual(small.toArray());
      expect(jit((y: Array) => y.mul(1.1).add(0.3))(x).toArray()).toEqual(big.toArray());
    }
  });
});

describe("reductions and sort", () => {
  it("sum and dot accumulate in float32 and round once; mean and var compute in float32 (JAX's _upcast_f16)", () => {
    // biome-ignore format: long
    const x = jnp.full([4096], 1, "float16");
    // float16 per-step accumulation would stop at 2048.
    expect(jnp.sum(x).item()).toBe(4096);
    expect(jnp.sum(x).dtype).toBe("float16");
    expect(jnp.mean(x).dtype).toBe("float16");
    const v = [0.1, 0.7, 2.3, 5.9];
    const h = jnp.array(v, "float16");
    const hv = v.map(roundFloat16);
    const mean32 = Math.fround(hv.reduce((s, e) => Math.fround(s + e), 0) / 4);
    expect(jnp.mean(h).item()).toBe(roundFloat16(mean32));
    expect(jnp.dot(jnp.full([3000], 1, "bfloat16"), jnp.full([3000], 1, "bfloat16")).item()).toBe(
      roundBfloat16(3000),
    );
  });

  it("sorts by value with NaN last", () => {
    for (const d of HALVES) {
      const x = jnp.array([3, Number.NaN, -1, 0.5, Number.NEGATIVE_INFINITY], d);
      expect(jnp.sort(x).toArray()).toEqual([Number.NEGATIVE_INFINITY, -1, 0.5, 3, Number.NaN]);
      expect(jnp.argsort(x).toArray()).toEqual([4, 2, 3, 0, 1]);
    }
  });
});

describe("printing", () => {
  it("prints float16 as NumPy (its own shortest digits)", () => {
    for (const c of FX.printing) {
      const vals = c.data.map((v) =>
        typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v,
      );
      const x = jnp.array(vals, "float16");
      expect(x.toString()).toBe(c.str);
      expect(jnp.array(vals[0]!, "float16").toString()).toBe(c.repr0);
    }
    expect(repr(jnp.array([0.1, 1.5], "float16"))).toBe("Array([0.1, 1.5], dtype=float16)");
  });

  it("prints bfloat16 with the shortest digits that round-trip to the same bfloat16", () => {
    expect(jnp.array(0.1, "bfloat16").toString()).toBe("0.1");
    expect(jnp.array([0.1, 2.71, 2], "bfloat16").toString()).toBe("[0.1 2.7 2. ]");
    expect(repr(jnp.array([1 / 3], "bfloat16"))).toBe("Array([0.334], dtype=bfloat16)");
    expect(bfloat16Bits(0.334)).toBe(bfloat16Bits(1 / 3));
    expect(float16Bits(0.1)).toBe(float16Bits(0.09997));
  });
});

describe("finfo and random", () => {
  it("jnp.finfo of the halves (NumPy's float16, ml_dtypes' bfloat16)", () => {
    const h = jnp.finfo("float16");
    expect([h.bits, h.eps, h.max, h.tiny, h.smallestSubnormal, h.nmant, h.precision]).toEqual([
      16,
      2 ** -10,
      65504,
      2 ** -14,
      2 ** -24,
      10,
      3,
    ]);
    const b = jnp.finfo("bfloat16");
    expect([b.bits, b.eps, b.tiny, b.nmant, b.precision]).toEqual([16, 0.0078125, 2 ** -126, 7, 2]);
    expect(b.max).toBeCloseTo(3.3895e38, -34);
  });

  it("random.uniform draws 16 bits and keeps nmant of them (JAX's _uniform)", () => {
    for (const d of HALVES) {
      const nmant = d === "float16" ? 10 : 7;
      const key = random.key(0);
      const u = random.uniform(key, [64], d);
      expect(u.dtype).toBe(d);
      const bits16 = random.bits(key, [64], "uint16").toArray() as number[];
      expect(u.toArray()).toEqual(bits16.map((b) => (b >>> (16 - nmant)) * 2 ** -nmant));
      const n = random.normal(key, [1000], d);
      expect(n.dtype).toBe(d);
      const m = jnp.mean(n).item() as number;
      expect(Math.abs(m)).toBeLessThan(0.15);
    }
  });

  it("float16 math under jax_enable_x64 stays float16", () => {
    config.update("jax_enable_x64", true);
    try {
      const x = jnp.array([1, 2], "float16");
      expect(x.add(0.1).dtype).toBe("float16");
      expect(x.add(jnp.array([1], "float64")).dtype).toBe("float64");
    } finally {
      config.update("jax_enable_x64", false);
    }
  });
});
