/**
 * Half-precision storage formats: IEEE 754 binary16 (`float16`) and bfloat16
 * (the upper half of a float32), each held as 16-bit patterns (Uint16Array)
 * and computed in float32, as XLA does where the hardware has no half
 * arithmetic. Conversions from float32 round to nearest, ties to even (XLA's
 * and NumPy's `astype`); NaN becomes the quiet NaN of the format with its
 * sign (0x7e00, bfloat16 0x7fc0, as XLA's conversions), overflow goes to
 * infinity, float16 keeps subnormals (down to 2^-24) and flushes nothing.
 * Pure functions of numbers: they serve every backend's host path.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 bit pattern of `x` (rounded to float32 first). */
function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

/** The float32 with bit pattern `bits`. */
function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** The binary16 bit pattern nearest to `x` (rounded to float32 first, as a float32 operand). */
export function float16Bits(x: number): number {
  const b = bitsOf(x);
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00); // NaN (canonical, as XLA's), inf
  // Unbiased exponent e: binary16 normals have e in [-14, 15].
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00; // overflow: infinity
  if (e >= -14) {
    // Normal: 10 mantissa bits kept, 13 dropped, rounded to nearest even (a carry may reach inf).
    const kept = ((e + 15) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    const up = rest > 0x1000 || (rest === 0x1000 && (kept & 1) === 1) ? 1 : 0;
    return sign | (kept + up);
  }
  if (e < -25) return sign; // below half the smallest subnormal: zero
  // Subnormal: the value is m · 2^-24 with m = (1.mant) · 2^(e + 24), rounded to nearest even.
  const full = mant | 0x800000; // 24 significant bits, value full · 2^(e - 23)
  const shift = -e - 1; // bits dropped: (e - 23) - (-24) = e + 1 < 0
  const kept = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  const up = rest > half || (rest === half && (kept & 1) === 1) ? 1 : 0;
  return sign | (kept + up);
}

/** The value of the binary16 bit pattern `h` (exact as a float32). */
export function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The bfloat16 bit pattern nearest to `x` (rounded to float32 first). */
export function bfloat16Bits(x: number): number {
  const b = bitsOf(x);
  if ((b & 0x7fffffff) > 0x7f800000) return ((b >>> 16) & 0x8000) | 0x7fc0; // NaN
  const up = 0x7fff + ((b >>> 16) & 1);
  return ((b + up) >>> 16) & 0xffff;
}

/** The value of the bfloat16 bit pattern `h` (exact as a float32). */
export function bfloat16Value(h: number): number {
  return fromBits((h & 0xffff) << 16);
}

/** `x` rounded to the nearest float16 (the value a float16 store then load gives). */
export function roundFloat16(x: number): number {
  return float16Value(float16Bits(x));
}

/** `x` rounded to the nearest bfloat16. */
export function roundBfloat16(x: number): number {
  return bfloat16Value(bfloat16Bits(x));
}

/** Writes the float16 patterns of `src` into `dst` (same length). */
export function encodeFloat16(src: ArrayLike<number>, dst: Uint16Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = float16Bits(src[i]!);
}

/** Writes the values of the float16 patterns `src` into `dst` (same length). */
export function decodeFloat16(src: Uint16Array, dst: Float32Array | Float64Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = float16Value(src[i]!);
}

/** Writes the bfloat16 patterns of `src` into `dst` (same length). */
export function encodeBfloat16(src: ArrayLike<number>, dst: Uint16Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = bfloat16Bits(src[i]!);
}

/** Writes the values of the bfloat16 patterns `src` into `dst` (same length). */
export function decodeBfloat16(src: Uint16Array, dst: Float32Array | Float64Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = bfloat16Value(src[i]!);
}
