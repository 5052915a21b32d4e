/**
 * NumPy's functions of complex numbers: `real`, `imag`, `conj`/`conjugate`,
 * `angle`, `iscomplex`, `isreal`, `iscomplexobj`, `isrealobj`. As JAX's
 * (and NumPy's), they take real arrays too: `real(x)` is x, `imag(x)` zeros
 * of x's dtype, `conj(x)` x itself (no complex dtype appears), `angle(x)`
 * 0 or π by the sign.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import { defaultFloat, isComplex, isInexact } from "../dtype.js";
import * as lax from "../lax/index.js";
import { checkOptions } from "../options.js";
import { cast, promoteArgs } from "./util.js";

/**
 * A complex number as JS code writes one: `jnp.array([{ re: 1, im: 2 }])`
 * makes a complex array, and `toArray()` of one gives these back.
 */
export interface Complex {
  re: number;
  im: number;
}

/** Whether `x` is a `{ re, im }` complex number (two numbers, nothing else). */
export function isComplexValue(x: unknown): x is Complex {
  if (typeof x !== "object" || x === null || globalThis.Array.isArray(x)) return false;
  const o = x as Record<string, unknown>;
  return typeof o.re === "number" && typeof o.im === "number" && Object.keys(o).length === 2;
}

function one(op: string, x: ArrayLike): Array {
  return promoteArgs(op, x)[0]!;
}

/** `jnp.real`: the real part (a real array is its own). */
export function real(x: ArrayLike): Array {
  const a = one("jnp.real", x);
  return isComplex(a.dtype) ? lax.real(a) : a;
}

/** `jnp.imag`: the imaginary part (zeros of a real array's dtype). */
export function imag(x: ArrayLike): Array {
  const a = one("jnp.imag", x);
  if (isComplex(a.dtype)) return lax.imag(a);
  return lax.broadcastInDim(lax.convertElementType(0, a.dtype, a.weakType), a.shape, []);
}

/** `jnp.conjugate`: the complex conjugate (a real array is its own). */
export function conjugate(x: ArrayLike): Array {
  const a = one("jnp.conjugate", x);
  return isComplex(a.dtype) ? lax.conj(a) : a;
}
export const conj = conjugate;

/** `jnp.angle(z, { deg })`: the argument of z, atan2(imag, real), in radians or degrees. */
export function angle(z: ArrayLike, options: { deg?: boolean } = {}): Array {
  const { deg = false } = checkOptions("jnp.angle", options, { deg: true });
  const a = one("jnp.angle", z);
  let re = real(a);
  let im = imag(a);
  if (!isInexact(re.dtype)) {
    re = cast(re, defaultFloat());
    im = cast(im, re.dtype);
  }
  const r = lax.atan2(im, re);
  return deg ? lax.mul(r, 180 / Math.PI) : r;
}

/** `jnp.iscomplex`: elementwise, whether the imaginary part is nonzero. */
export function iscomplex(x: ArrayLike): Array {
  const i = imag(x);
  return lax.ne(i, lax.broadcastInDim(lax.convertElementType(0, i.dtype), i.shape, []));
}

/** `jnp.isreal`: elementwise, whether the imaginary part is zero. */
export function isreal(x: ArrayLike): Array {
  const i = imag(x);
  return lax.eq(i, lax.broadcastInDim(lax.convertElementType(0, i.dtype), i.shape, []));
}

/** `jnp.iscomplexobj`: whether x has a complex dtype. */
export function iscomplexobj(x: ArrayLike): boolean {
  return isComplex(one("jnp.iscomplexobj", x).dtype);
}

/** `jnp.isrealobj`: whether x has no complex dtype. */
export function isrealobj(x: ArrayLike): boolean {
  return !iscomplexobj(x);
}
