/**
 * The primitives between complex and real numbers: `real`, `imag`, `conj`
 * and `complex`, as jax.lax's. All four are linear over the reals; their
 * transposes follow JAX's convention for complex cotangents (a cotangent is
 * the conjugate of the usual gradient, so `grad` of a real function of z is
 * ∂f/∂x - i ∂f/∂y, and no rule conjugates except conj's own):
 *
 *   real(z)       transpose ct → ct + 0i
 *   imag(z)       transpose ct → 0 - ct·i
 *   complex(x, y) transpose ct → (real(ct), -imag(ct))
 *   conj(z)       transpose ct → conj(ct) (real(ct) for a real operand)
 *
 * The kernels read the interleaved pairs themselves (backend/cpu/kernels/complex.ts).
 */
import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { libraryImpl } from "../core/library.js";
import { OPAQUE, Primitive, type TransposeRule, UndefinedPrimal, Zero } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { complexDtype, type DType, isComplex, realDtype } from "../dtype.js";
import { castToAval, isZero, zerosLike } from "./ad_util.js";
import { neg } from "./elementwise.js";
import {
  batchElementwise,
  COMPLEX,
  checkArity,
  checkDtype,
  checkSame,
  INEXACT,
} from "./elementwise_util.js";
import { broadcastInDim } from "./shape_ops.js";

export interface ConjParams {
  input_dtype: DType;
}

/** A primitive linear in every operand: its tangent is itself applied to the tangents. */
function linearPrimitive<P extends object>(
  name: string,
  abstractEval: (avals: ShapedArray[], params: P) => ShapedArray[],
  transpose: (ct: Array, params: P) => Array[],
): Primitive<P> {
  const prim: Primitive<P> = new Primitive<P>(name, {
    abstractEval,
    impl: libraryImpl<P>(name, abstractEval),
    jvp: (primals, tangents, params) => {
      const ans = bind1(prim, primals, params);
      if (tangents.every(isZero)) return [[ans], [new Zero(ans.aval)]];
      const ts = tangents.map((t, i) => (isZero(t) ? zerosLike(primals[i]!.aval) : t));
      return [[ans], [bind1(prim, ts, params)]];
    },
    transpose: ((cts, args, params) => {
      const ct = cts[0]!;
      const out = isZero(ct) ? null : transpose(ct, params);
      return args.map((a, i) => {
        if (!(a instanceof UndefinedPrimal)) return null;
        return out === null ? new Zero(a.aval) : castToAval(out[i]!, a.aval);
      });
    }) as TransposeRule<P>,
    batch: (args, dims, params, axis) => batchElementwise(prim, args, dims, params, axis),
    lower: null,
    facts: OPAQUE,
  });
  return prim;
}

function partAval(op: string): (avals: ShapedArray[]) => ShapedArray[] {
  return (avals) => {
    checkArity(op, avals, 1);
    const x = avals[0]!;
    checkDtype(op, "x", x.dtype, COMPLEX);
    return [new ShapedArray(x.shape, realDtype(x.dtype), x.weakType)];
  };
}

export const realP: Primitive = linearPrimitive("real", partAval("lax.real"), (ct) => [
  complex(ct, 0),
]);

export const imagP: Primitive = linearPrimitive("imag", partAval("lax.imag"), (ct) => [
  complex(0, neg(ct)),
]);

export const complexP: Primitive = linearPrimitive(
  "complex",
  (avals) => {
    checkArity("lax.complex", avals, 2);
    checkSame("lax.complex", ["x", "y"], avals);
    const [x, y] = avals as [ShapedArray, ShapedArray];
    checkDtype("lax.complex", "x", x.dtype, ["float32", "float64"]);
    return [new ShapedArray(x.shape, complexDtype(x.dtype), x.weakType && y.weakType)];
  },
  (ct) => [real(ct), imag(neg(ct))],
);

export const conjP: Primitive<ConjParams> = linearPrimitive<ConjParams>(
  "conj",
  (avals) => {
    checkArity("lax.conj", avals, 1);
    const x = avals[0]!;
    checkDtype("lax.conj", "x", x.dtype, INEXACT);
    return [new ShapedArray(x.shape, complexDtype(x.dtype), x.weakType)];
  },
  (ct, { input_dtype }) => [isComplex(input_dtype) ? conj(ct) : real(ct)],
);

/** `lax.real`: the real part of a complex array. */
export function real(x: ArrayLike): Array {
  return bind1(realP, [asArray(x, "lax.real", "x")], {});
}

/** `lax.imag`: the imaginary part of a complex array. */
export function imag(x: ArrayLike): Array {
  return bind1(imagP, [asArray(x, "lax.imag", "x")], {});
}

/**
 * `lax.complex(x, y)`: x + yi from real arrays of one float dtype (float32 →
 * complex64, float64 → complex128); JS numbers take the other operand's dtype.
 */
export function complex(x: ArrayLike, y: ArrayLike): Array {
  const op = "lax.complex";
  let a = asArray(x, op, "x");
  let b = asArray(y, op, "y");
  // Weak operands (JS numbers) adopt the other's dtype; two weak ones are the default float.
  if (a.weakType && !b.weakType) a = castToAval(a, a.aval.withDtype(b.dtype, true));
  else if (b.weakType && !a.weakType) b = castToAval(b, b.aval.withDtype(a.dtype, true));
  else if (a.weakType && b.weakType) {
    const f = a.dtype === "float64" || b.dtype === "float64" ? "float64" : "float32";
    a = castToAval(a, a.aval.withDtype(f, true));
    b = castToAval(b, b.aval.withDtype(f, true));
  }
  if (a.ndim === 0 && b.ndim > 0) a = broadcastInDim(a, b.shape, []);
  if (b.ndim === 0 && a.ndim > 0) b = broadcastInDim(b, a.shape, []);
  return bind1(complexP, [a, b], {});
}

/** `lax.conj`: the complex conjugate (a real operand becomes complex, as in JAX). */
export function conj(x: ArrayLike): Array {
  const a = asArray(x, "lax.conj", "x");
  return bind1(conjP, [a], { input_dtype: a.dtype });
}
