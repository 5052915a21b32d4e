/**
 * `jnp.convolve` and `jnp.correlate`: 1-D discrete convolution and
 * cross-correlation, each one `conv_general_dilated` (as JAX computes them),
 * so they differentiate, vmap and jit like any convolution.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import { defaultFloat, isInexact } from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, type OptionKeys, showValue } from "../options.js";
import { shapeStr } from "../shape.js";
import { cast, resultType, toArrays } from "./util.js";

export type ConvolveMode = "full" | "same" | "valid";

export interface ConvolveOptions {
  /** Accepted for JAX compatibility; the CPU kernels always use full precision. */
  precision?: lax.Precision | null;
}
const CONVOLVE_KEYS: OptionKeys<ConvolveOptions> = { precision: true };

function conv1d(
  op: "convolve" | "correlate",
  a: ArrayLike,
  v: ArrayLike,
  mode: ConvolveMode,
  options: ConvolveOptions,
): Array {
  const name = `jnp.${op}`;
  let [x, y] = toArrays(name, [a, v]) as [Array, Array];
  if (x.ndim !== 1 || y.ndim !== 1) {
    throw new ValueError(
      `${name}: only 1-dimensional inputs are supported, got shapes ${shapeStr(x.shape)} and ${shapeStr(y.shape)}`,
    );
  }
  if (x.size === 0 || y.size === 0) {
    throw new ValueError(
      `${name}: inputs cannot be empty, got shapes ${shapeStr(x.shape)} and ${shapeStr(y.shape)}`,
    );
  }
  let { dtype, weakType } = resultType(x, y);
  if (!isInexact(dtype)) {
    dtype = defaultFloat();
    weakType = false;
  }
  x = cast(x, dtype, weakType && x.weakType);
  y = cast(y, dtype, weakType && y.weakType);
  // The longer input slides under the shorter one; a correlation whose
  // operands were swapped is read backwards (NumPy's convention).
  let reverseOut = false;
  if (x.size < y.size) {
    [x, y] = [y, x];
    reverseOut = op === "correlate";
  }
  if (op === "convolve") y = lax.rev(y, [0]);
  const n = y.size;
  let padding: [number, number];
  if (mode === "valid") padding = [0, 0];
  else if (mode === "same") padding = [Math.floor(n / 2), n - Math.floor(n / 2) - 1];
  else if (mode === "full") padding = [n - 1, n - 1];
  else {
    throw new ValueError(`${name}: mode must be "full", "same" or "valid", got ${showValue(mode)}`);
  }
  const out = lax.convGeneralDilated(
    lax.reshape(x, [1, 1, x.size]),
    lax.reshape(y, [1, 1, n]),
    [1],
    [padding],
    null,
    null,
    null,
    1,
    1,
    options.precision ?? null,
  );
  const flat = lax.reshape(out, [out.size]);
  return reverseOut ? lax.rev(flat, [0]) : flat;
}

/** `jnp.convolve(a, v, mode = "full")`: the discrete linear convolution of two 1-D arrays. */
export function convolve(
  a: ArrayLike,
  v: ArrayLike,
  mode: ConvolveMode = "full",
  options: ConvolveOptions = {},
): Array {
  options = checkOptions("jnp.convolve", options, CONVOLVE_KEYS);
  return conv1d("convolve", a, v, mode, options);
}

/** `jnp.correlate(a, v, mode = "valid")`: the cross-correlation of two 1-D arrays. */
export function correlate(
  a: ArrayLike,
  v: ArrayLike,
  mode: ConvolveMode = "valid",
  options: ConvolveOptions = {},
): Array {
  options = checkOptions("jnp.correlate", options, CONVOLVE_KEYS);
  return conv1d("correlate", a, v, mode, options);
}
