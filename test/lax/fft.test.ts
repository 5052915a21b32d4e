/**
 * The `fft` primitive (src/lax/fft.ts): its type rules and errors, JAX's
 * spellings of the FFT type and promotion, jit and vmap against eager and a
 * loop, jvp/grad against finite differences, Parseval's gradient, and the
 * transpose identity <ct, f(t)> = <f^T(ct), t> under JAX's pairing of
 * complex values (Re Σ a·b, no conjugation).
 */
import { describe, expect, it } from "vitest";
import { type Array, ArrayImpl, hostValues } from "../../src/core/array.js";
import { bind1 } from "../../src/core/trace.js";
import { ValueError } from "../../src/errors.js";
import { grad, jit, lax, testUtil, vjp, vmap, withX64 } from "../../src/index.js";
import { complex, conj, imag, real } from "../../src/lax/complex.js";
import { FftType, type FftTypeName, fft, fftP } from "../../src/lax/fft.js";

/** Deterministic values in [-1, 1). */
function noise(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out.push(((s >>> 0) / 2 ** 32) * 2 - 1);
  }
  return out;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function realArr(shape: number[], seed: number, dtype: "float32" | "float64" = "float64"): Array {
  const v = noise(size(shape), seed);
  return ArrayImpl.fromData(
    dtype === "float64" ? new Float64Array(v) : new Float32Array(v),
    shape,
    false,
    dtype,
  );
}

function complexArr(
  shape: number[],
  seed: number,
  dtype: "complex64" | "complex128" = "complex128",
) {
  const v = noise(2 * size(shape), seed);
  return ArrayImpl.fromData(
    dtype === "complex128" ? new Float64Array(v) : new Float32Array(v),
    shape,
    false,
    dtype,
  );
}

const vals = (x: Array): number[] => [...hostValues(x as ArrayImpl)];

/** JAX's pairing: Re Σ a·b for complex arrays (interleaved values), Σ a·b for real ones. */
function pairing(a: Array, b: Array): number {
  const x = vals(a);
  const y = vals(b);
  if (!a.dtype.startsWith("complex")) return x.reduce((s, v, i) => s + v * y[i]!, 0);
  let s = 0;
  for (let i = 0; i < x.length; i += 2) s += x[i]! * y[i]! - x[i + 1]! * y[i + 1]!;
  return s;
}

function expectClose(got: Array, want: Array, tol: number, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  const g = vals(got);
  const w = vals(want);
  const mag = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  g.forEach((v, i) => {
    if (!(Math.abs(v - w[i]!) <= tol * (1 + mag))) {
      throw new Error(`${what}: element ${i} is ${v}, expected ${w[i]}`);
    }
  });
}

/** Cases: type, operand shape, lengths. */
const CASES: [FftTypeName, number[], number[]][] = [
  ["FFT", [6], [6]],
  ["FFT", [3, 5], [5]],
  ["FFT", [2, 3, 4], [3, 4]],
  ["FFT", [2, 3, 4, 2], [3, 4, 2]],
  ["IFFT", [7], [7]],
  ["IFFT", [4, 6], [4, 6]],
  ["RFFT", [8], [8]],
  ["RFFT", [3, 7], [7]],
  ["RFFT", [2, 4, 6], [4, 6]],
  ["RFFT", [2, 3, 4, 5], [3, 4, 5]],
  ["IRFFT", [5], [8]],
  ["IRFFT", [3, 4], [7]],
  ["IRFFT", [2, 4, 4], [4, 6]],
  ["IRFFT", [3, 2, 3], [3, 2, 5]],
];

function operand(type: FftTypeName, shape: number[], seed: number): Array {
  return type === "RFFT" ? realArr(shape, seed) : complexArr(shape, seed);
}

describe("lax.fft types and errors", () => {
  it("output shapes and dtypes", () => {
    withX64(() => {
      for (const [type, shape, lengths] of CASES) {
        const y = fft(operand(type, shape, 1), type, lengths);
        const lead = shape.slice(0, shape.length - lengths.length);
        const n = lengths[lengths.length - 1]!;
        const want =
          type === "RFFT"
            ? [...lead, ...lengths.slice(0, -1), Math.floor(n / 2) + 1]
            : type === "IRFFT"
              ? [...lead, ...lengths]
              : shape;
        expect(y.shape, `${type} ${shape}`).toEqual(want);
        expect(y.dtype).toBe(type === "IRFFT" ? "float64" : "complex128");
      }
    });
    expect(fft(complexArr([4], 1, "complex64"), "IRFFT", [6]).dtype).toBe("float32");
    expect(fft(realArr([4], 1, "float32"), "RFFT", [4]).dtype).toBe("complex64");
  });

  it("JAX's spellings of the type, and promotion", () => {
    expect(lax.fft).toBe(fft);
    expect(lax.FftType.RFFT).toBe("RFFT");
    const x = complexArr([8], 3, "complex64");
    const ref = vals(fft(x, "FFT", [8]));
    for (const t of [FftType.FFT, "fft", "FftType.FFT", "jax.lax.FftType.FFT", 0]) {
      expect(vals(fft(x, t, [8])), String(t)).toEqual(ref);
    }
    expect(vals(fft(x, 1, [8]))).toEqual(vals(fft(x, "IFFT", [8])));
    expect(() => fft(x, "DFT", [8])).toThrow(ValueError);
    expect(() => fft(x, "DFT", [8])).toThrow(/lax\.fft: unknown FFT type 'DFT'/);
    // Real and integer operands become complex64 (complex128 under x64); RFFT takes floats.
    const ints = ArrayImpl.fromData(new Int32Array([1, 2, 3, 4]), [4]);
    expect(fft(ints, "FFT", [4]).dtype).toBe("complex64");
    expect(fft(ints, "RFFT", [4]).dtype).toBe("complex64");
    withX64(() => expect(fft(ints, "FFT", [4]).dtype).toBe("complex128"));
    expect(fft(realArr([4], 2, "float32"), "IRFFT", [6]).dtype).toBe("float32");
    expect(() => fft(x, "RFFT", [8])).toThrow(/only real valued inputs supported for rfft/);
    // An empty fftLengths returns the promoted operand.
    expect(fft(ints, "FFT", []).dtype).toBe("complex64");
  });

  it("shape and dtype errors name lax.fft, the shapes and the lengths", () => {
    const x = complexArr([3, 4], 5, "complex64");
    expect(() => fft(x, "FFT", [5])).toThrow(
      /lax\.fft: FFT input shape \(3, 4\) minor dimensions must be equal to fftLengths \(5,\)/,
    );
    expect(() => fft(x, "FFT", [2, 3, 4])).toThrow(/at least as many dimensions/);
    expect(() => fft(x, "IRFFT", [3, 4])).toThrow(/IRFFT input shape \(3, 4\).*n \/\/ 2 \+ 1 = 3/);
    expect(() => fft(realArr([4], 1, "float32"), "RFFT", [6])).toThrow(/RFFT input shape/);
    const x4 = complexArr([1, 1, 1, 1], 5, "complex64");
    expect(() => fft(x4, "FFT", [1, 1, 1, 1])).toThrow(/only 1D, 2D and 3D FFTs/);
    expect(() =>
      bind1(fftP, [realArr([4], 1, "float32")], { fft_type: "FFT", fft_lengths: [4] }),
    ).toThrow(/FFT input must be complex64 or complex128, got float32/);
    expect(() =>
      bind1(fftP, [complexArr([3], 1, "complex64")], { fft_type: "RFFT", fft_lengths: [3] }),
    ).toThrow(/RFFT input must be float32 or float64, got complex64/);
  });
});

describe("lax.fft transformations", () => {
  it("jit equals eager bit for bit, vmap equals a loop (batch dim anywhere)", () => {
    for (const [type, shape, lengths] of CASES) {
      const f = (x: Array) => fft(x, type, lengths);
      const x = operand(type, shape, 11);
      const what = `${type} ${shape} ${lengths}`;
      withX64(() => expect(vals(jit(f)(x)), what).toEqual(vals(f(x))));
      for (const bdim of [0, shape.length - lengths.length > 0 ? 1 : 0]) {
        const batched = withX64(() => {
          const xs = operand(type, [...shape.slice(0, bdim), 3, ...shape.slice(bdim)], 12);
          const got = vmap(f, { inAxes: bdim, outAxes: 0 })(xs);
          const jitted = jit(vmap(f, { inAxes: bdim, outAxes: 0 }))(xs);
          const idx = (i: number) => [...shape.slice(0, bdim).map(() => ":"), i];
          for (let i = 0; i < 3; i++) {
            const one = f(xs.get(...idx(i)));
            expectClose(got.get(i), one, 1e-14, `vmap ${what} bdim ${bdim} [${i}]`);
          }
          return [got, jitted];
        });
        expect(vals(batched[1]!), `jit vmap ${what}`).toEqual(vals(batched[0]!));
      }
    }
  });

  it("jvp and vjp against finite differences (real and imaginary parts as real arguments)", () => {
    withX64(() => {
      for (const [type, shape, lengths] of CASES) {
        const what = `${type} ${shape} ${lengths}`;
        const parts = (y: Array) => (y.dtype.startsWith("complex") ? [real(y), imag(y)] : [y]);
        const f =
          type === "RFFT"
            ? (x: Array) => parts(fft(x, type, lengths))
            : (re: Array, im: Array) => parts(fft(complex(re, im), type, lengths));
        const args = type === "RFFT" ? [realArr(shape, 3)] : [realArr(shape, 4), realArr(shape, 5)];
        try {
          testUtil.checkGrads(f as (...xs: Array[]) => Array[], args, 2, {
            atol: 1e-7,
            rtol: 1e-7,
          });
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`);
        }
      }
    });
  });

  it("the transpose identity <ct, f(t)> = <f^T(ct), t> with complex cotangents", () => {
    withX64(() => {
      for (const [type, shape, lengths] of CASES) {
        const f = (x: Array) => fft(x, type, lengths);
        const t = operand(type, shape, 21);
        const y = f(t);
        const ct =
          type === "IRFFT" ? realArr([...y.shape], 22) : complexArr([...y.shape], 22, "complex128");
        const [, pullback] = vjp(f, t);
        const [back] = pullback(ct) as Array[];
        expect(back!.shape).toEqual(t.shape);
        expect(back!.dtype).toBe(t.dtype);
        const lhs = pairing(ct, y);
        const rhs = pairing(back!, t);
        expect(Math.abs(lhs - rhs), `${type} ${shape} ${lengths}: ${lhs} vs ${rhs}`).toBeLessThan(
          1e-12 * (1 + Math.abs(lhs)),
        );
      }
    });
  });

  it("grad of Σ|fft(x)|² is 2n·x (Parseval), eagerly and under jit", () => {
    withX64(() => {
      const x = realArr([2, 6], 31);
      const energy = (a: Array) => {
        const y = fft(a, "FFT", [2, 6]);
        return lax.reduceSum(real(lax.mul(y, conj(y))), [0, 1]);
      };
      const want = vals(x).map((v) => 2 * 12 * v);
      for (const g of [grad(energy)(x) as Array, jit(grad(energy))(x) as Array]) {
        vals(g).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 10));
      }
      // The same through rfft: bins 1..n/2-1 count twice.
      const r = realArr([8], 32);
      const rEnergy = (a: Array) => {
        const y = fft(a, "RFFT", [8]);
        const w = ArrayImpl.fromData(new Float64Array([1, 2, 2, 2, 1]), [5]);
        return lax.reduceSum(lax.mul(real(lax.mul(y, conj(y))), w), [0]);
      };
      const rWant = vals(r).map((v) => 2 * 8 * v);
      vals(grad(rEnergy)(r) as Array).forEach((v, i) => expect(v).toBeCloseTo(rWant[i]!, 10));
    });
  });
});
