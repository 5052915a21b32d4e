/** Helpers shared by jax.scipy's modules: float promotion and broadcasting of several operands. */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import { defaultFloat, isInexact } from "../dtype.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";

/**
 * The operands in one float dtype (JAX's promote_args_inexact): NumPy's
 * promotion of their dtypes, the default float for integers and bools; JS
 * numbers take the others' dtype. Shapes are broadcast together.
 */
export function promoteInexact(op: string, ...xs: ArrayLike[]): Array[] {
  const arrs = xs.map((x, i) => {
    try {
      return jnp.asarray(x as Parameters<typeof jnp.asarray>[0]);
    } catch (e) {
      throw new TypeError(`${op}: argument ${i} is not an array or number (${String(e)})`);
    }
  });
  const { dtype, weakType } = jnp.resultType(...arrs);
  const target = isInexact(dtype) ? dtype : defaultFloat();
  const converted = arrs.map((a) =>
    a.dtype === target ? a : lax.convertElementType(a, target, weakType && a.weakType),
  );
  return converted.length > 1 ? jnp.broadcastArrays(...converted) : converted;
}
