/**
 * `lax.fft(x, fftType, fftLengths)`: XLA's Fft op, as JAX's `jax.lax.fft`.
 *
 * The transform acts on the trailing `fftLengths.length` axes (1 to 3):
 *   FFT    complex → complex, e^{-2πi kt/n}, unnormalized;
 *   IFFT   complex → complex, e^{+2πi kt/n}, scaled 1/n per axis;
 *   RFFT   real → complex: the last axis of length n becomes n/2+1;
 *   IRFFT  complex → real: the last axis of n/2+1 becomes n (the imaginary
 *          parts of the DC and, for even n, Nyquist bins are ignored).
 * The wrapper promotes its input as JAX's: to a complex dtype for FFT, IFFT
 * and IRFFT (float32 → complex64, float64 → complex128, integers to the
 * default complex), to a float for RFFT (integers to the default float).
 *
 * The primitive is linear. Its transposes are JAX's (jax/_src/lax/fft.py):
 * FFT's and IFFT's DFT matrices are symmetric, so each is its own
 * transpose; RFFT's is N·IRFFT(conj(t)/mask) and IRFFT's conj(RFFT(t)·mask/N)
 * with mask 1 at the DC (and, for even n, Nyquist) bin and 2 elsewhere
 * (the bins RFFT keeps once for two Hermitian partners), N the product of the
 * lengths. The eager and compiled kernel is the library kernel "fft"
 * (backend/cpu/kernels/fft.ts on fft_core.ts).
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type Primitive, type Tangent, Zero } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import {
  allocate,
  canonicalize,
  complexDtype,
  type DType,
  defaultFloat,
  isComplex,
  isFloating,
  realDtype,
} from "../dtype.js";
import { ValueError } from "../errors.js";
import { shapeStr } from "../shape.js";
import { castToAval } from "./ad_util.js";
import { moveaxis } from "./batch_util.js";
import { conj } from "./complex.js";
import { convertElementType, mul } from "./elementwise.js";
import { libraryPrimitive } from "./linalg/library_primitive.js";
import { broadcastInDim } from "./shape_ops.js";

export type FftTypeName = "FFT" | "IFFT" | "RFFT" | "IRFFT";

/** JAX's `lax.FftType` enum: `lax.fft(x, lax.FftType.RFFT, [n])`. */
export const FftType = {
  FFT: "FFT",
  IFFT: "IFFT",
  RFFT: "RFFT",
  IRFFT: "IRFFT",
} as const satisfies Record<FftTypeName, FftTypeName>;

export interface FftParams {
  fft_type: FftTypeName;
  fft_lengths: readonly number[];
}

const TYPE_NAMES: readonly FftTypeName[] = ["FFT", "IFFT", "RFFT", "IRFFT"];

/**
 * An FFT type from any of JAX's spellings: "FFT", "fft", "FftType.FFT",
 * "jax.lax.FftType.FFT", or the enum's integer value (0 FFT, 1 IFFT, 2 RFFT, 3 IRFFT).
 */
export function fftTypeOf(t: unknown): FftTypeName {
  if (typeof t === "number" && Number.isInteger(t) && t >= 0 && t < 4) return TYPE_NAMES[t]!;
  if (typeof t === "string") {
    const name = t.slice(t.lastIndexOf(".") + 1).toUpperCase();
    const found = TYPE_NAMES.find((n) => n === name);
    if (found) return found;
    throw new ValueError(
      `lax.fft: unknown FFT type '${t}'; expected one of FFT, IFFT, RFFT, IRFFT (lax.FftType)`,
    );
  }
  throw new TypeError(
    `lax.fft: fftType must be a string or lax.FftType value, got ${typeof t === "object" ? String(t) : typeof t}`,
  );
}

function lengthsStr(lengths: readonly number[]): string {
  return `(${lengths.join(", ")}${lengths.length === 1 ? "," : ""})`;
}

/** The output type of an fft, with JAX's checks (ValueError naming lax.fft, the shapes and dtypes). */
export function fftAbstractEval([x]: ShapedArray[], params: FftParams): ShapedArray[] {
  const { fft_type: type, fft_lengths: lengths } = params;
  const aval = x!;
  const k = lengths.length;
  if (!TYPE_NAMES.includes(type)) fftTypeOf(type);
  lengths.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 0) {
      throw new ValueError(
        `lax.fft: fftLengths must be non-negative integers, got ${String(n)} at position ${i}`,
      );
    }
  });
  if (k < 1 || k > 3) {
    throw new ValueError(
      `lax.fft: only 1D, 2D and 3D FFTs are supported (as XLA's), got fftLengths ${lengthsStr(lengths)}`,
    );
  }
  if (k > aval.ndim) {
    throw new ValueError(
      `lax.fft: the operand of shape ${shapeStr(aval.shape)} must have at least as many dimensions ` +
        `as fftLengths ${lengthsStr(lengths)}`,
    );
  }
  const lead = aval.shape.slice(0, aval.ndim - k);
  const minor = aval.shape.slice(aval.ndim - k);
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  if (type === "RFFT") {
    if (aval.dtype !== "float32" && aval.dtype !== "float64") {
      throw new ValueError(`lax.fft: RFFT input must be float32 or float64, got ${aval.dtype}`);
    }
    if (!same(minor, lengths)) {
      throw new ValueError(
        `lax.fft: RFFT input shape ${shapeStr(aval.shape)} minor dimensions must be equal to ` +
          `fftLengths ${lengthsStr(lengths)}`,
      );
    }
    const out = [...lead, ...lengths.slice(0, -1), Math.floor(lengths[k - 1]! / 2) + 1];
    return [new ShapedArray(out, complexDtype(aval.dtype))];
  }
  if (!isComplex(aval.dtype)) {
    throw new ValueError(
      `lax.fft: ${type} input must be complex64 or complex128, got ${aval.dtype}`,
    );
  }
  if (type === "IRFFT") {
    const want = [...lengths.slice(0, -1), Math.floor(lengths[k - 1]! / 2) + 1];
    if (!same(minor, want)) {
      throw new ValueError(
        `lax.fft: IRFFT input shape ${shapeStr(aval.shape)} minor dimensions must be equal to all ` +
          `except the last fftLength, and the last to n // 2 + 1 = ${want[k - 1]}, got fftLengths ` +
          lengthsStr(lengths),
      );
    }
    return [new ShapedArray([...lead, ...lengths], realDtype(aval.dtype))];
  }
  if (!same(minor, lengths)) {
    throw new ValueError(
      `lax.fft: ${type} input shape ${shapeStr(aval.shape)} minor dimensions must be equal to ` +
        `fftLengths ${lengthsStr(lengths)}`,
    );
  }
  return [new ShapedArray(aval.shape, aval.dtype)];
}

/**
 * The mask over the last axis of an RFFT's output (length h, for transform
 * length n): 1 at the DC bin and, for even n, at the Nyquist bin; 2 elsewhere.
 * `invert` gives its reciprocal. As a complex array of `dtype` broadcast to `shape`.
 */
function hermitianMask(n: number, shape: readonly number[], dtype: DType, invert: boolean): Array {
  const h = shape[shape.length - 1]!;
  const data = allocate(dtype, h);
  for (let j = 0; j < h; j++) {
    const once = j === 0 || (n % 2 === 0 && j === h - 1);
    data[2 * j] = once ? 1 : invert ? 0.5 : 2;
  }
  const mask = ArrayImpl.fromData(data, [h], false, dtype);
  return broadcastInDim(mask, shape, [shape.length - 1]);
}

function fftTranspose(t: Array, params: FftParams, aval: ShapedArray): Array {
  const lengths = params.fft_lengths;
  const n = lengths[lengths.length - 1]!;
  const total = lengths.reduce((a, b) => a * b, 1);
  if (params.fft_type === "RFFT") {
    // N · IRFFT(conj(t) / mask): each kept bin stands for itself and its Hermitian partner.
    const masked = mul(conj(t), hermitianMask(n, t.shape, t.dtype, true));
    const x = bind1(fftP, [masked], { fft_type: "IRFFT", fft_lengths: lengths });
    return castToAval(mul(x, total), aval);
  }
  if (params.fft_type === "IRFFT") {
    // conj(RFFT(t) · mask / N), the conj by JAX's convention for complex cotangents.
    const x = bind1(fftP, [t], { fft_type: "RFFT", fft_lengths: lengths });
    const scaled = mul(mul(x, hermitianMask(n, x.shape, x.dtype, false)), 1 / total);
    return castToAval(conj(scaled), aval);
  }
  return bind1(fftP, [t], params);
}

export const fftP: Primitive<FftParams> = libraryPrimitive<FftParams>("fft", {
  abstractEval: fftAbstractEval,
  // Linear: the tangent goes through the same transform.
  jvp: ([x], [t], params) => {
    const y = bind1(fftP, [x!], params);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : bind1(fftP, [t!], params)]];
  },
  transpose: ([ct], [x], params) => {
    const aval = x!.aval;
    if (ct instanceof Zero) return [new Zero(aval)];
    return [fftTranspose(ct as Array, params, aval) as Tangent];
  },
  // The transformed axes are the trailing ones: the batch dim moves to the front.
  batch: ([x], [bdim], params) => [[bind1(fftP, [moveaxis(x!, bdim!, 0)], params)], [0]],
});

/** JAX's promotion of lax.fft's operand: complex for FFT/IFFT/IRFFT, floating for RFFT. */
function promote(x: Array, type: FftTypeName): Array {
  const d = x.dtype;
  if (type === "RFFT") {
    if (isComplex(d)) throw new ValueError("lax.fft: only real valued inputs supported for rfft");
    return isFloating(d) ? convertElementType(x, d) : convertElementType(x, defaultFloat());
  }
  if (isComplex(d)) return convertElementType(x, d);
  const c = isFloating(d) ? complexDtype(d) : canonicalize("complex128");
  return convertElementType(x, c);
}

/**
 * `lax.fft(x, fftType, fftLengths)`: the FFT of the trailing
 * `fftLengths.length` axes (see the module comment). `fftType` is
 * `lax.FftType.FFT` (or "FFT"/"fft"), IFFT, RFFT or IRFFT. An empty
 * `fftLengths` returns the promoted operand, as JAX's.
 */
export function fft(
  x: ArrayLike,
  fftType: FftTypeName | string | number,
  fftLengths: readonly number[],
): Array {
  const type = fftTypeOf(fftType);
  if (!globalThis.Array.isArray(fftLengths)) {
    throw new TypeError(`lax.fft: fftLengths must be a list of integers, got ${typeof fftLengths}`);
  }
  const arr = promote(asArray(x, "lax.fft", "x"), type);
  if (fftLengths.length === 0) return arr;
  return bind1(fftP, [arr], { fft_type: type, fft_lengths: [...fftLengths] });
}
