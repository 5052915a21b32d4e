/**
 * Strided copies on the CPU backend's storage, the loops behind the copy
 * kernels of the shape and slicing primitives (shape.ts, slicing.ts here):
 * each output element is read from one input element at an offset plus a
 * weighted sum of its indices, the weights (strides) 0 for a broadcast and
 * negative for a reversal.
 */
import { allocate, type DType, type TypedArray } from "../../../dtype.js";
import { forEachRow, innerRow } from "../../../lax/shape_util.js";
import { type Shape, sizeOf, stridesOf } from "../../../shape.js";

/**
 * out[i] = src[offset + Σ_k i_k·strides[k]] over the row-major indices i of
 * `outShape`; strides may be 0 (broadcast) or negative (reversal).
 */
export function stridedCopy(
  src: TypedArray,
  dtype: DType,
  outShape: Shape,
  strides: readonly number[],
  offset: number,
): TypedArray {
  const out = allocate(dtype, sizeOf(outShape));
  const os = stridesOf(outShape);
  const [n, s] = innerRow(outShape, strides, os);
  forEachRow(outShape, strides, offset, os, 0, (p, o) => {
    for (let j = 0; j < n!; j++, p += s!) out[o + j] = src[p]!;
  });
  return out;
}

/** The converse of stridedCopy: dst[offset + Σ_k i_k·strides[k]] = src[i] over the indices i of `shape`. */
export function stridedWrite(
  dst: TypedArray,
  src: TypedArray,
  shape: Shape,
  strides: readonly number[],
  offset: number,
): void {
  const ss = stridesOf(shape);
  const [n, s] = innerRow(shape, strides, ss);
  forEachRow(shape, strides, offset, ss, 0, (p, o) => {
    for (let j = 0; j < n!; j++, p += s!) dst[p] = src[o + j]!;
  });
}
