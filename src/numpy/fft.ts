/**
 * `jnp.fft`: NumPy's discrete Fourier transforms as JAX implements them
 * (jax/_src/numpy/fft.py), on `lax.fft`.
 *
 * Arguments keep NumPy's positional order and may also come by name in a
 * trailing options object: `jnp.fft.fft(x, 8, 0, "ortho")`,
 * `jnp.fft.fft(x, { n: 8, axis: 0, norm: "ortho" })`, `jnp.fft.fftn(x, [4, 4], [0, 1])`.
 * - n / s: the transform length along each axis: the input is cropped or
 *   zero-padded to it first (for irfft/irfftn the last axis to n // 2 + 1);
 *   irfft's default n is 2(m - 1).
 * - axis / axes: axis -1 by default; fft2 and friends (-2, -1); fftn and
 *   friends all axes (or the last len(s) when s is given). At most 3 axes
 *   and no repeats, as JAX's (XLA's Fft transforms at most three).
 * - norm: null or "backward" (the inverse scaled 1/n), "ortho" (both
 *   1/√n), "forward" (the forward scaled 1/n).
 * Real inputs of fft/ifft/irfft are promoted to complex by lax.fft
 * (float32 → complex64; complex128 under jax_enable_x64).
 */
import type { Array } from "../core/array.js";
import { type DType, defaultFloat, isComplex } from "../dtype.js";
import { ValueError } from "../errors.js";
import { conj } from "../lax/complex.js";
import { type FftTypeName, fft as laxFft } from "../lax/fft.js";
import * as lax from "../lax/index.js";
import { checkOptions, isPlainObject, type OptionKeys } from "../options.js";
import { normalizeAxis } from "../shape.js";
import { type ArrayInput, asarray } from "./creation.js";
import { moveaxis, roll } from "./manipulation.js";

export type FftNorm = "backward" | "ortho" | "forward" | null;

export interface Fft1dOptions {
  /** Length of the transformed axis (the input is cropped or zero-padded to it). */
  n?: number | null;
  /** The axis to transform (default -1). */
  axis?: number;
  norm?: FftNorm;
}
const FFT1_KEYS: OptionKeys<Fft1dOptions> = { n: true, axis: true, norm: true };

export interface FftNdOptions {
  /** Lengths of the transformed axes. */
  s?: readonly number[] | null;
  /** The axes to transform. */
  axes?: readonly number[] | null;
  norm?: FftNorm;
}
const FFTN_KEYS: OptionKeys<FftNdOptions> = { s: true, axes: true, norm: true };

/**
 * NumPy's positional-or-keyword arguments: the values after the array, in
 * `names`' order, and a trailing options object; a name given both ways is a TypeError.
 */
function parseArgs<T extends object>(
  op: string,
  names: readonly (keyof T & string)[],
  rest: readonly unknown[],
  keys: OptionKeys<T>,
): T {
  let pos = [...rest];
  while (pos.length > 0 && pos[pos.length - 1] === undefined) pos.pop();
  let opts = {} as T;
  const last = pos[pos.length - 1];
  if (pos.length > 0 && isPlainObject(last)) {
    opts = { ...checkOptions(op, last as T, keys) };
    pos = pos.slice(0, -1);
  }
  if (pos.length > names.length) {
    throw new TypeError(
      `${op}: takes at most ${names.length} arguments after the array (${names.join(", ")}), ` +
        `got ${pos.length}`,
    );
  }
  const out = opts as Record<string, unknown>;
  pos.forEach((v, i) => {
    if (v === undefined) return;
    const name = names[i]!;
    if (out[name] !== undefined) {
      throw new TypeError(`${op}: got multiple values for argument '${name}'`);
    }
    out[name] = v;
  });
  return opts;
}

function intArg(op: string, arg: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${op}: ${arg} must be an integer, got ${String(v)}`);
  }
  return v;
}

function intList(op: string, arg: string, v: unknown): number[] {
  if (!globalThis.Array.isArray(v)) {
    throw new TypeError(`${op}: ${arg} must be a list of integers, got ${String(v)}`);
  }
  return v.map((x, i) => intArg(op, `${arg}[${i}]`, x));
}

/** JAX's _fft_norm: the factor applied after lax.fft for `norm`. */
function normFactor(op: string, s: readonly number[], inverse: boolean, norm: unknown): number {
  if (norm === null || norm === undefined || norm === "backward") return 1;
  const n = s.reduce((a, b) => a * b, 1);
  if (norm === "ortho") return inverse ? Math.sqrt(n) : 1 / Math.sqrt(n);
  if (norm === "forward") return inverse ? n : 1 / n;
  throw new ValueError(
    `${op}: invalid norm value ${JSON.stringify(norm)}; should be "backward", "ortho" or "forward"`,
  );
}

/** JAX's _fft_core: the transform `type` of `a` over `axes`, cropped/padded to `s`, normalized. */
function fftCore(
  name: string,
  type: FftTypeName,
  a: ArrayInput,
  sIn: readonly number[] | null | undefined,
  axesIn: readonly number[] | null | undefined,
  norm: unknown,
): Array {
  const op = `jnp.fft.${name}`;
  let arr = asarray(a);
  const s = sIn === null || sIn === undefined ? null : intList(op, "s", sIn);
  if (s?.some((v) => v < 0))
    throw new ValueError(`${op}: shape should be non-negative, got s=${JSON.stringify(s)}`);
  const given = axesIn === null || axesIn === undefined ? null : intList(op, "axes", axesIn);
  if (s && given && s.length !== given.length) {
    throw new ValueError(
      `${op}: shape and axes have different lengths (s=${JSON.stringify(s)}, axes=${JSON.stringify(given)})`,
    );
  }
  const nd = arr.ndim;
  const axes = given
    ? given.map((ax) => normalizeAxis(ax, nd, op, "axes"))
    : globalThis.Array.from({ length: s ? s.length : nd }, (_, i) => nd - (s ? s.length : nd) + i);
  if (axes.some((ax) => ax < 0)) {
    throw new ValueError(`${op}: s=${JSON.stringify(s)} names more axes than the input's ${nd}`);
  }
  if (new Set(axes).size !== axes.length) {
    throw new ValueError(
      `${op}: repeated axes are not supported, got axes ${JSON.stringify(axes)}`,
    );
  }
  if (axes.length > 3) {
    throw new ValueError(
      `${op}: only 1D, 2D and 3D FFTs are supported, got axes ${JSON.stringify(given ?? axes)} ` +
        `for an input of rank ${nd}`,
    );
  }
  if (axes.length === 0) return laxFft(arr, type, []);
  const trailing = axes.map((_, i) => nd - axes.length + i);
  if (given) arr = moveaxis(arr, axes, trailing);
  let lengths: number[];
  if (s) {
    lengths = s;
    const inShape = [...arr.shape];
    trailing.forEach((ax, i) => {
      inShape[ax] = s[i]!;
    });
    if (type === "IRFFT") inShape[nd - 1] = Math.floor(inShape[nd - 1]! / 2) + 1;
    const cropped = arr.shape.map((d, i) => Math.min(d, inShape[i]!));
    if (cropped.some((d, i) => d !== arr.shape[i])) {
      arr = lax.slice(
        arr,
        cropped.map(() => 0),
        cropped,
      );
    }
    if (inShape.some((d, i) => d !== arr.shape[i])) {
      arr = lax.pad(
        arr,
        0,
        inShape.map((d, i) => [0, d - arr.shape[i]!, 0]),
      );
    }
  } else {
    lengths = trailing.map((ax) => arr.shape[ax]!);
    if (type === "IRFFT") lengths[lengths.length - 1] = Math.max(0, 2 * (arr.shape[nd - 1]! - 1));
  }
  let out = laxFft(arr, type, lengths);
  const factor = normFactor(op, lengths, name.startsWith("i"), norm);
  if (factor !== 1) out = lax.mul(out, factor);
  return given ? moveaxis(out, trailing, axes) : out;
}

function core1d(name: string, type: FftTypeName, a: ArrayInput, rest: readonly unknown[]): Array {
  const op = `jnp.fft.${name}`;
  const {
    n,
    axis = -1,
    norm,
  } = parseArgs<Fft1dOptions>(op, ["n", "axis", "norm"], rest, FFT1_KEYS);
  if (globalThis.Array.isArray(axis)) {
    throw new ValueError(
      `${op} does not support multiple axes; use ${op}n (got axis ${JSON.stringify(axis)})`,
    );
  }
  const ax = normalizeAxis(intArg(op, "axis", axis), asarray(a).ndim, op, "axis");
  return fftCore(
    name,
    type,
    a,
    n === null || n === undefined ? null : [intArg(op, "n", n)],
    [ax],
    norm,
  );
}

type Args1d = [
  n?: number | null | Fft1dOptions,
  axis?: number | Fft1dOptions,
  norm?: FftNorm | Fft1dOptions,
  options?: Fft1dOptions,
];
type ArgsNd = [
  s?: readonly number[] | null | FftNdOptions,
  axes?: readonly number[] | null | FftNdOptions,
  norm?: FftNorm | FftNdOptions,
  options?: FftNdOptions,
];

function coreNd(
  name: string,
  type: FftTypeName,
  a: ArrayInput,
  rest: readonly unknown[],
  twoD: boolean,
): Array {
  const op = `jnp.fft.${name}`;
  const o = parseArgs<FftNdOptions>(op, ["s", "axes", "norm"], rest, FFTN_KEYS);
  const axes = o.axes ?? (twoD ? [-2, -1] : null);
  if (twoD && (axes === null || axes.length !== 2)) {
    throw new ValueError(`${op} only supports 2 axes, got axes ${JSON.stringify(axes)}`);
  }
  return fftCore(name, type, a, o.s, axes, o.norm);
}

/** `jnp.fft.fft(a, n?, axis = -1, norm?)`: the 1-D discrete Fourier transform. */
export function fft(a: ArrayInput, ...args: Args1d): Array {
  return core1d("fft", "FFT", a, args);
}
/** `jnp.fft.ifft(a, n?, axis = -1, norm?)`: the 1-D inverse transform. */
export function ifft(a: ArrayInput, ...args: Args1d): Array {
  return core1d("ifft", "IFFT", a, args);
}
/** `jnp.fft.rfft(a, n?, axis = -1, norm?)`: the n/2+1 non-negative frequencies of a real input. */
export function rfft(a: ArrayInput, ...args: Args1d): Array {
  return core1d("rfft", "RFFT", a, args);
}
/** `jnp.fft.irfft(a, n?, axis = -1, norm?)`: the real inverse of rfft (n defaults to 2(m-1)). */
export function irfft(a: ArrayInput, ...args: Args1d): Array {
  return core1d("irfft", "IRFFT", a, args);
}

/** `jnp.fft.hfft(a, n?, axis = -1, norm?)`: the FFT of a signal with Hermitian symmetry (real output). */
export function hfft(a: ArrayInput, ...args: Args1d): Array {
  const op = "jnp.fft.hfft";
  const o = parseArgs<Fft1dOptions>(op, ["n", "axis", "norm"], args, FFT1_KEYS);
  const x = asarray(a);
  const conjA = isComplex(x.dtype) ? conj(x) : x;
  const axis = normalizeAxis(intArg(op, "axis", o.axis ?? -1), x.ndim, op);
  const nn = o.n === null || o.n === undefined ? (x.shape[axis]! - 1) * 2 : intArg(op, "n", o.n);
  return lax.mul(core1d("hfft", "IRFFT", conjA, [o]), nn);
}

/** `jnp.fft.ihfft(a, n?, axis = -1, norm?)`: the inverse of hfft (complex output, n/2+1 bins). */
export function ihfft(a: ArrayInput, ...args: Args1d): Array {
  const op = "jnp.fft.ihfft";
  const o = parseArgs<Fft1dOptions>(op, ["n", "axis", "norm"], args, FFT1_KEYS);
  const x = asarray(a);
  const axis = normalizeAxis(intArg(op, "axis", o.axis ?? -1), x.ndim, op);
  const nn = o.n === null || o.n === undefined ? x.shape[axis]! : intArg(op, "n", o.n);
  return lax.mul(conj(core1d("ihfft", "RFFT", x, [o])), 1 / nn);
}

/** `jnp.fft.fft2(a, s?, axes = [-2, -1], norm?)`. */
export function fft2(a: ArrayInput, ...args: ArgsNd): Array {
  return coreNd("fft2", "FFT", a, args, true);
}
/** `jnp.fft.ifft2(a, s?, axes = [-2, -1], norm?)`. */
export function ifft2(a: ArrayInput, ...args: ArgsNd): Array {
  return coreNd("ifft2", "IFFT", a, args, true);
}
/** `jnp.fft.rfft2(a, s?, axes = [-2, -1], norm?)`. */
export function rfft2(a: ArrayInput, ...args: ArgsNd): Array {
  return coreNd("rfft2", "RFFT", a, args, true);
}
/** `jnp.fft.irfft2(a, s?, axes = [-2, -1], norm?)`. */
export function irfft2(a: ArrayInput, ...args: ArgsNd): Array {
  return coreNd("irfft2", "IRFFT", a, args, true);
}
/** `jnp.fft.fftn(a, s?, axes?, norm?)`: over all axes, or the last len(s). */
export function fftn(a: ArrayInput, ...args: ArgsNd): Array {
  return coreNd("fftn", "FFT", a, args, false);
}
/** `jnp.fft.ifftn(a, s?, axes?, norm?)`. */
export function ifftn(a: ArrayInput, ...args: ArgsNd): Array {
  return coreNd("ifftn", "IFFT", a, args, false);
}
/** `jnp.fft.rfftn(a, s?, axes?, norm?)`: the real transform on the last axis, complex on the others. */
export function rfftn(a: ArrayInput, ...args: ArgsNd): Array {
  return coreNd("rfftn", "RFFT", a, args, false);
}
/** `jnp.fft.irfftn(a, s?, axes?, norm?)`: the inverse of rfftn. */
export function irfftn(a: ArrayInput, ...args: ArgsNd): Array {
  return coreNd("irfftn", "IRFFT", a, args, false);
}

// --- frequencies and shifts ------------------------------------------------------------------

export interface FftFreqOptions {
  /** The sample spacing (default 1.0). */
  d?: number | Array;
  /** The dtype of the frequencies (default: the default float dtype). */
  dtype?: DType | null;
}
const FREQ_KEYS: OptionKeys<FftFreqOptions> = { d: true, dtype: true };

/** k / (d·n) in `dtype`, as JAX's: the integers k in dtype divided by d·n rounded to dtype. */
function freqs(
  op: string,
  n: unknown,
  dIn: number | Array | FftFreqOptions | undefined,
  options: FftFreqOptions | undefined,
  k: (size: number) => number[],
): Array {
  const size = checkN(op, n);
  const byName = isPlainObject(dIn);
  const o = parseArgs<FftFreqOptions>(op, ["d"], byName ? [dIn] : [dIn, options], FREQ_KEYS);
  const d = o.d ?? 1.0;
  if (globalThis.Array.isArray(d)) {
    throw new ValueError(
      `${op}: the d argument only takes a single value, got d = ${JSON.stringify(d)}`,
    );
  }
  const dt = o.dtype ?? defaultFloat();
  const denom =
    typeof d === "number"
      ? asarray(d * size, dt)
      : lax.convertElementType(lax.mul(asarray(d as ArrayInput), size), dt);
  return lax.div(asarray(k(size), dt), denom);
}

function checkN(op: string, n: unknown): number {
  if (globalThis.Array.isArray(n)) {
    throw new ValueError(`${op}: the n argument only takes an int, got n = ${JSON.stringify(n)}`);
  }
  return intArg(op, "n", n);
}

/** `jnp.fft.fftfreq(n, d = 1.0, { dtype })`: [0, 1, ..., -(n//2), ..., -1] / (d·n). */
export function fftfreq(
  n: number,
  d?: number | Array | FftFreqOptions,
  options?: FftFreqOptions,
): Array {
  return freqs("jnp.fft.fftfreq", n, d, options, (size) =>
    globalThis.Array.from({ length: size }, (_, i) =>
      i < Math.floor((size - 1) / 2) + 1 ? i : i - size,
    ),
  );
}

/** `jnp.fft.rfftfreq(n, d = 1.0, { dtype })`: [0, 1, ..., n//2] / (d·n). */
export function rfftfreq(
  n: number,
  d?: number | Array | FftFreqOptions,
  options?: FftFreqOptions,
): Array {
  return freqs("jnp.fft.rfftfreq", n, d, options, (size) =>
    globalThis.Array.from({ length: Math.floor(size / 2) + 1 }, (_, i) => i),
  );
}

interface ShiftOptions {
  axes?: number | readonly number[] | null;
}
const SHIFT_KEYS: OptionKeys<ShiftOptions> = { axes: true };

function shiftBy(
  op: string,
  x: ArrayInput,
  axesIn: number | readonly number[] | null | ShiftOptions | undefined,
  sign: number,
): Array {
  const arr = asarray(x);
  const { axes } = parseArgs<ShiftOptions>(op, ["axes"], [axesIn], SHIFT_KEYS);
  const list =
    axes === null || axes === undefined
      ? arr.shape.map((_, i) => i)
      : typeof axes === "number"
        ? [axes]
        : intList(op, "axes", axes);
  const norm = list.map((ax) => normalizeAxis(ax, arr.ndim, op, "axes"));
  if (norm.length === 0) return arr;
  return roll(
    arr,
    norm.map((ax) => sign * Math.floor(arr.shape[ax]! / 2)),
    norm,
  );
}

/** `jnp.fft.fftshift(x, axes?)`: the zero frequency moved to the center (all axes by default). */
export function fftshift(
  x: ArrayInput,
  axes?: number | readonly number[] | null | ShiftOptions,
): Array {
  return shiftBy("jnp.fft.fftshift", x, axes, 1);
}

/** `jnp.fft.ifftshift(x, axes?)`: the inverse of fftshift. */
export function ifftshift(
  x: ArrayInput,
  axes?: number | readonly number[] | null | ShiftOptions,
): Array {
  return shiftBy("jnp.fft.ifftshift", x, axes, -1);
}
