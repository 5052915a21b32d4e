/**
 * The numerical FFT alone (src/backend/cpu/kernels/fft_core.ts): NumPy's
 * results (test/fixtures/fft.py) for the transforms it does without
 * cropping, padding or normalization options, an O(n²) DFT for every length
 * 1..130 and some large primes (Bluestein), round trips, strided axes, and
 * float32 outputs rounded once from float64.
 */
import { describe, expect, it } from "vitest";
import {
  type FftKind,
  fftAxis,
  fftNd,
  getPlan,
  irfftRows,
  rfftRows,
} from "../../src/backend/cpu/kernels/fft_core.js";
import { readFixture } from "../util/index.js";

interface FxData {
  shape: number[];
  dtype: "float64" | "complex128";
  data: (number | [number, number])[];
}
interface FxCase {
  name: string;
  fn: string;
  x?: FxData;
  args: { n?: number; s?: number[]; axis?: number; axes?: number[]; norm?: string };
  out: FxData;
}
const { cases } = readFixture<{ cases: FxCase[] }>("fft.json");

/** Interleaved complex values of a fixture array (real ones get zero imaginary parts). */
function complexOf(a: FxData): Float64Array {
  const out = new Float64Array(2 * a.data.length);
  a.data.forEach((v, i) => {
    if (typeof v === "number") out[2 * i] = v;
    else [out[2 * i], out[2 * i + 1]] = v;
  });
  return out;
}

function realOf(a: FxData): Float64Array {
  return Float64Array.from(a.data as number[]);
}

/** Deterministic values in [-1, 1). */
function noise(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** The DFT by definition in float64, angles reduced exactly (kt mod n). */
function dft(x: Float64Array, n: number, inverse = false): Float64Array {
  const out = new Float64Array(2 * n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const a = (sign * 2 * Math.PI * ((k * t) % n)) / n;
      const c = Math.cos(a);
      const s = Math.sin(a);
      re += x[2 * t]! * c - x[2 * t + 1]! * s;
      im += x[2 * t]! * s + x[2 * t + 1]! * c;
    }
    out[2 * k] = inverse ? re / n : re;
    out[2 * k + 1] = inverse ? im / n : im;
  }
  return out;
}

/** max |a - b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  let mag = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    mag = Math.max(mag, Math.abs(b[i]!));
  }
  return mag === 0 ? err : err / mag;
}

const KIND: Record<string, FftKind> = { fft: "FFT", ifft: "IFFT", rfft: "RFFT", irfft: "IRFFT" };

describe("fft_core against NumPy's fixtures", () => {
  const plain = (c: FxCase) =>
    c.x !== undefined &&
    c.args.n === undefined &&
    c.args.s === undefined &&
    (c.args.norm === undefined || c.args.norm === "backward");

  it("fft / ifft along any axis", () => {
    let count = 0;
    for (const c of cases.filter((c) => (c.fn === "fft" || c.fn === "ifft") && plain(c))) {
      const shape = c.x!.shape;
      const axis = ((c.args.axis ?? -1) + shape.length) % shape.length;
      const data = complexOf(c.x!);
      const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      fftAxis(data, outer, shape[axis]!, inner, c.fn === "ifft");
      expect(relErr(data, complexOf(c.out)), c.name).toBeLessThan(1e-14);
      count++;
    }
    expect(count).toBeGreaterThan(30);
  });

  it("fft2 / fftn / ifftn on trailing axes with fftNd", () => {
    let count = 0;
    for (const c of cases.filter((c) => /^i?fft(2|n)$/.test(c.fn) && plain(c))) {
      const shape = c.x!.shape;
      const k = c.fn.endsWith("2") ? 2 : shape.length;
      const axes = c.args.axes?.map((a) => (a + shape.length) % shape.length);
      const trailing = Array.from({ length: k }, (_, i) => shape.length - k + i);
      if (axes && [...axes].sort().join() !== trailing.join()) continue;
      const out = new Float64Array(2 * c.out.data.length);
      fftNd(c.fn.startsWith("i") ? "IFFT" : "FFT", complexOf(c.x!), shape, shape.slice(-k), out);
      expect(relErr(out, complexOf(c.out)), c.name).toBeLessThan(1e-14);
      count++;
    }
    expect(count).toBeGreaterThan(10);
  });

  it("rfft / irfft on the last axis", () => {
    let count = 0;
    for (const c of cases) {
      if (c.fn !== "rfft" && c.fn !== "irfft") continue;
      if (c.args.norm !== undefined && c.args.norm !== "backward") continue;
      const shape = c.x!.shape;
      if (c.args.axis !== undefined && c.args.axis !== -1 && c.args.axis !== shape.length - 1)
        continue;
      const last = shape[shape.length - 1]!;
      const n = c.args.n ?? (c.fn === "rfft" ? last : 2 * (last - 1));
      if (c.fn === "rfft" ? n !== last : Math.floor(n / 2) + 1 !== last) continue;
      const input = c.fn === "rfft" ? realOf(c.x!) : complexOf(c.x!);
      const expected = c.fn === "rfft" ? complexOf(c.out) : realOf(c.out);
      const out = new Float64Array(expected.length);
      fftNd(KIND[c.fn]!, input, shape, [n], out);
      expect(relErr(out, expected), c.name).toBeLessThan(1e-14);
      count++;
    }
    expect(count).toBeGreaterThan(25);
  });

  it("rfftn / irfftn on all axes", () => {
    let count = 0;
    for (const c of cases.filter((c) => (c.fn === "rfftn" || c.fn === "irfftn") && plain(c))) {
      if (c.args.axes !== undefined) continue;
      const shape = c.x!.shape;
      const real = c.fn === "rfftn";
      const lengths = real ? shape : c.out.shape;
      const expected = real ? complexOf(c.out) : realOf(c.out);
      const out = new Float64Array(expected.length);
      fftNd(real ? "RFFT" : "IRFFT", real ? realOf(c.x!) : complexOf(c.x!), shape, lengths, out);
      expect(relErr(out, expected), c.name).toBeLessThan(1e-14);
      count++;
    }
    expect(count).toBeGreaterThan(5);
  });
});

const LENGTHS = [...Array.from({ length: 130 }, (_, i) => i + 1), 131, 257, 509, 1009, 2039];

describe("fft_core against the O(n²) DFT", () => {
  it("forward and inverse complex transforms, n = 1..130 and primes to 2039", () => {
    let worst = 0;
    for (const n of LENGTHS) {
      const x = noise(2 * n, n);
      const fwd = new Float64Array(x);
      fftAxis(fwd, 1, n, 1, false);
      const e = relErr(fwd, dft(x, n));
      worst = Math.max(worst, e);
      expect(e, `n=${n}`).toBeLessThan(1e-14);
      const inv = new Float64Array(x);
      fftAxis(inv, 1, n, 1, true);
      expect(relErr(inv, dft(x, n, true)), `inverse n=${n}`).toBeLessThan(1e-14);
    }
    expect(worst).toBeLessThan(5e-15);
  });

  it("real-to-complex and complex-to-real, n = 1..130 and primes", () => {
    for (const n of LENGTHS) {
      const x = noise(n, 7 * n + 1);
      const asComplex = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) asComplex[2 * i] = x[i]!;
      const full = dft(asComplex, n);
      const h = Math.floor(n / 2) + 1;
      const half = new Float64Array(2 * h);
      rfftRows(x, half, 1, n);
      expect(relErr(half, full.subarray(0, 2 * h)), `rfft n=${n}`).toBeLessThan(1e-14);
      const back = new Float64Array(n);
      irfftRows(half, back, 1, n);
      expect(relErr(back, x), `irfft n=${n}`).toBeLessThan(1e-14);
    }
  });

  it("irfft ignores the imaginary parts of the DC and Nyquist bins", () => {
    for (const n of [1, 2, 3, 4, 7, 8, 10, 33, 64]) {
      const h = Math.floor(n / 2) + 1;
      const spec = noise(2 * h, n + 3);
      const clean = new Float64Array(spec);
      clean[1] = 0;
      if (n % 2 === 0) clean[2 * h - 1] = 0;
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      irfftRows(spec, a, 1, n);
      irfftRows(clean, b, 1, n);
      expect(relErr(a, b), `n=${n}`).toBeLessThan(1e-15);
      // And it is the real part of the inverse of the Hermitian extension.
      const ext = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) {
        const j = k < h ? k : n - k;
        ext[2 * k] = clean[2 * j]!;
        ext[2 * k + 1] = k < h ? clean[2 * j + 1]! : -clean[2 * j + 1]!;
      }
      const ref = dft(ext, n, true).filter((_, i) => i % 2 === 0);
      expect(relErr(b, ref), `n=${n}`).toBeLessThan(1e-14);
    }
  });

  it("inverse(forward(x)) ≈ x for large and awkward lengths", () => {
    for (const n of [1, 4096, 4099, 3 * 5 * 7 * 11 * 13, 2 * 8191, 65536, 6 * 31 * 29]) {
      const x = noise(2 * n, n);
      const y = new Float64Array(x);
      fftAxis(y, 1, n, 1, false);
      fftAxis(y, 1, n, 1, true);
      expect(relErr(y, x), `n=${n}`).toBeLessThan(1e-14);
    }
  });

  it("plans are cached per length and use Bluestein only past the direct radices", () => {
    expect(getPlan(360)).toBe(getPlan(360));
    expect(getPlan(29 * 31).bluestein).toBeNull();
    expect(getPlan(37).bluestein).not.toBeNull();
    expect(() => getPlan(0)).toThrow(/length/);
  });
});

describe("fft_core layouts and float32", () => {
  it("a strided axis equals transposing, transforming rows and transposing back", () => {
    const [outer, n, inner] = [3, 12, 5];
    const x = noise(2 * outer * n * inner, 11);
    const strided = new Float64Array(x);
    fftAxis(strided, outer, n, inner, false);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const row = new Float64Array(2 * n);
        for (let t = 0; t < n; t++) {
          row[2 * t] = x[2 * ((o * n + t) * inner + i)]!;
          row[2 * t + 1] = x[2 * ((o * n + t) * inner + i) + 1]!;
        }
        const ref = dft(row, n);
        for (let t = 0; t < n; t++) {
          const at = 2 * ((o * n + t) * inner + i);
          expect(strided[at]).toBeCloseTo(ref[2 * t]!, 12);
          expect(strided[at + 1]).toBeCloseTo(ref[2 * t + 1]!, 12);
        }
      }
    }
  });

  it("fftNd over 3 axes equals 1-D transforms axis by axis, for every kind", () => {
    const shape = [2, 3, 4, 6];
    const size = 2 * 3 * 4 * 6;
    const x = noise(2 * size, 5);
    const out = new Float64Array(2 * size);
    fftNd("FFT", x, shape, [3, 4, 6], out);
    const ref = new Float64Array(x);
    fftAxis(ref, 2, 3, 24, false);
    fftAxis(ref, 6, 4, 6, false);
    fftAxis(ref, 24, 6, 1, false);
    expect(relErr(out, ref)).toBeLessThan(1e-15);
    // RFFT then IRFFT over the same axes gives the real input back.
    const real = noise(size, 9);
    const spec = new Float64Array(2 * 2 * 3 * 4 * 4);
    fftNd("RFFT", real, shape, [3, 4, 6], spec);
    const back = new Float64Array(size);
    fftNd("IRFFT", spec, [2, 3, 4, 4], [3, 4, 6], back);
    expect(relErr(back, real)).toBeLessThan(1e-14);
  });

  it("float32 results are the float64 results rounded once", () => {
    for (const kind of ["FFT", "IFFT", "RFFT", "IRFFT"] as const) {
      for (const n of [8, 30, 97, 1000]) {
        const rows = 4;
        const h = Math.floor(n / 2) + 1;
        const inLen = kind === "RFFT" ? rows * n : kind === "IRFFT" ? 2 * rows * h : 2 * rows * n;
        const outLen = kind === "RFFT" ? 2 * rows * h : kind === "IRFFT" ? rows * n : inLen;
        const shape = [rows, kind === "IRFFT" ? h : n];
        const x32 = new Float32Array(noise(inLen, n));
        const out32 = new Float32Array(outLen);
        const out64 = new Float64Array(outLen);
        fftNd(kind, x32, shape, [n], out32);
        fftNd(kind, new Float64Array(x32), shape, [n], out64);
        let differ = 0;
        let mag = 0;
        for (const v of out64) mag = Math.max(mag, Math.abs(v));
        for (let i = 0; i < outLen; i++) {
          if (out32[i] !== Math.fround(out64[i]!)) differ++;
          expect(Math.abs(out32[i]! - out64[i]!)).toBeLessThanOrEqual(mag * 2 ** -24);
        }
        expect(differ, `${kind} n=${n}`).toBe(0);
      }
    }
  });

  it("empty batches and length-1 transforms", () => {
    fftNd("FFT", new Float64Array(0), [0, 4], [4], new Float64Array(0));
    const one = new Float64Array([3, -2]);
    fftAxis(one, 1, 1, 1, true);
    expect([...one]).toEqual([3, -2]);
    const r = new Float32Array(2);
    fftNd("RFFT", new Float32Array([5]), [1], [1], r);
    expect([...r]).toEqual([5, 0]);
  });
});
