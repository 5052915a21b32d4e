/**
 * What the differentiation rules share: symbolic zeros, adding tangents,
 * fitting a tangent or cotangent to its primal's type, and the
 * `stop_gradient` primitive.
 */

import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { Primitive, type Tangent, Zero } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { add, convertElementType } from "./elementwise.js";
import { broadcastInDim } from "./shape_ops.js";

export { Zero };

export function isZero(t: Tangent | null | undefined): t is Zero {
  return t instanceof Zero;
}

/** Zeros of an abstract value's shape and dtype (weak types preserved). */
export function zerosLike(aval: ShapedArray): Array {
  return broadcastInDim(convertElementType(0, aval.dtype, aval.weakType), aval.shape, []);
}

/** Ones of an abstract value's shape and dtype. */
export function onesLike(aval: ShapedArray): Array {
  return broadcastInDim(convertElementType(1, aval.dtype, aval.weakType), aval.shape, []);
}

/** A tangent as an actual array (symbolic zeros become zeros). */
export function instantiate(t: Tangent): Array {
  return t instanceof Zero ? zerosLike(t.aval) : t;
}

/** Sum of two tangents, keeping symbolic zeros symbolic. */
export function addTangents(a: Tangent, b: Tangent): Tangent {
  if (a instanceof Zero) return b;
  if (b instanceof Zero) return a;
  return add(a, b);
}

/**
 * x with exactly the dtype and weak type of `aval`: a tangent gets its primal
 * output's type and a cotangent its operand's (weak operands may have
 * promoted them). A no-op, staging nothing, when the types already agree.
 */
export function castToAval(x: Array, aval: ShapedArray): Array {
  return convertElementType(x, aval.dtype, aval.weakType);
}

/** `lax.stop_gradient`: the identity whose derivative is zero. */
export const stopGradientP: Primitive = new Primitive("stop_gradient", {
  lower: { kind: "elementwise", emit: (_b, [x]) => x! },
  facts: { pure: true, foldable: true, cost: "free" },
  abstractEval: ([x]) => [x!],
  impl: ([x]) => [x!],
  jvp: ([x]) => [[x!], [new Zero(x!.aval)]],
  batch: ([x], [d]) => [[stopGradient(x!)], [d!]],
  transpose: null,
});

export function stopGradient(x: ArrayLike): Array {
  return bind1(stopGradientP, [asArray(x, "lax.stopGradient", "x")], {});
}
