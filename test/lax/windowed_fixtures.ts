/** The windowed-reduction fixtures (test/fixtures/windowed.py) and how a case is called. */
import type { Array } from "../../src/core/array.js";
import type { DType } from "../../src/dtype.js";
import { lax } from "../../src/index.js";
import { arr, decodeNumber, type Num, readFixture } from "../util/index.js";

export interface WindowCase {
  name: string;
  op: "add" | "max" | "min";
  dtype: DType;
  init: Num;
  shape: number[];
  x: Num[];
  window: number[];
  strides: number[];
  padding: lax.WindowPadding;
  /** The padding resolved to [lo, hi] pairs by the fixture script. */
  pads: [number, number][];
  base_dilation: number[];
  window_dilation: number[];
  out_shape: number[];
  out: Num[];
  w?: number[];
  grad?: number[];
}

export interface CnnCase {
  x: number[];
  x_shape: number[];
  w: number[];
  b: number[];
  pooled_shape: number[];
  pooled: number[];
  loss: number;
  grad_x: number[];
  grad_w: number[];
}

export const fixtures = readFixture<{ cases: WindowCase[]; cnn: CnnCase }>("windowed.json");

/** The case's operand (in its dtype; float64 needs x64 enabled by the caller). */
export const operandOf = (c: WindowCase, dtype: DType = c.dtype): Array => arr(c.x, c.shape, dtype);

/**
 * The case's reduce_window as a function of the operand; `explicit` passes
 * the resolved [lo, hi] pairs instead of "SAME"/"VALID". The computation is
 * given as a name or as the lax function, alternately.
 */
export function windowFn(c: WindowCase, explicit = false, byFunction = false): (x: Array) => Array {
  const computation = byFunction ? { add: lax.add, max: lax.max, min: lax.min }[c.op] : c.op;
  const init = decodeNumber(c.init);
  return (x) =>
    lax.reduceWindow(
      x,
      init,
      computation,
      c.window,
      c.strides,
      explicit ? c.pads : c.padding,
      c.base_dilation,
      c.window_dilation,
    );
}
