/**
 * The eager kernels of the slicing primitives (lax/slicing.ts), the CPU
 * backend's library kernels named as the primitives: slice (a strided copy
 * of a static window), dynamic_slice and dynamic_update_slice (the window
 * placed at the start indices clamped into range, as XLA does: the whole
 * window always lies inside the operand).
 */
import type { ArrayImpl } from "../../../core/array.js";
import type { NoParams } from "../../../core/primitive.js";
import {
  type DynamicSliceParams,
  dynamicSliceAval,
  dynamicUpdateSliceAval,
  type SliceParams,
  sliceShape,
} from "../../../lax/slicing.js";
import { type Shape, stridesOf } from "../../../shape.js";
import { cpuArray, cpuData } from "../buffer.js";
import { registerCpuKernel } from "./register.js";
import { stridedCopy, stridedWrite } from "./strided.js";

/** XLA's rule: each start index is clamped so that the whole window lies inside the operand. */
function clampedStarts(indices: readonly ArrayImpl[], shape: Shape, window: Shape): number[] {
  return indices.map((i, d) =>
    Math.min(Math.max(Number(cpuData(i)[0]!), 0), shape[d]! - window[d]!),
  );
}

/** x[start:limit:strides]: a strided copy from the window's first element. */
export function sliceCpu(x: ArrayImpl, p: SliceParams): ArrayImpl[] {
  const shape = sliceShape(x.aval, p);
  const xs = stridesOf(x.shape);
  const offset = p.start_indices.reduce((o, s, i) => o + s * xs[i]!, 0);
  const strides = xs.map((s, i) => s * (p.strides?.[i] ?? 1));
  const empty = shape.includes(0);
  const data = stridedCopy(cpuData(x), x.dtype, shape, strides, empty ? 0 : offset);
  return [cpuArray(x.aval.withShape(shape), data)];
}

/** The window of `slice_sizes` at the clamped start indices. */
export function dynamicSliceCpu(args: readonly ArrayImpl[], p: DynamicSliceParams): ArrayImpl[] {
  const aval = dynamicSliceAval(
    args.map((a) => a.aval),
    p.slice_sizes,
  );
  const [x, ...idx] = args;
  const starts = clampedStarts(idx, x!.shape, p.slice_sizes);
  const xs = stridesOf(x!.shape);
  const offset = aval.size === 0 ? 0 : starts.reduce((o, s, i) => o + s * xs[i]!, 0);
  return [cpuArray(aval, stridedCopy(cpuData(x!), x!.dtype, aval.shape, xs, offset))];
}

/** A copy of the operand with the update written at the clamped start indices. */
export function dynamicUpdateSliceCpu(args: readonly ArrayImpl[]): ArrayImpl[] {
  const aval = dynamicUpdateSliceAval(args.map((a) => a.aval));
  const [x, u, ...idx] = args;
  const out = cpuData(x!).slice();
  if (u!.size === 0) return [cpuArray(aval, out)];
  const starts = clampedStarts(idx, x!.shape, u!.shape);
  const xs = stridesOf(x!.shape);
  const offset = starts.reduce((o, s, i) => o + s * xs[i]!, 0);
  stridedWrite(out, cpuData(u!), u!.shape, xs, offset);
  return [cpuArray(aval, out)];
}

registerCpuKernel<SliceParams>("slice", ([x], p) => sliceCpu(x!, p));
registerCpuKernel<DynamicSliceParams>("dynamic_slice", dynamicSliceCpu);
registerCpuKernel<NoParams>("dynamic_update_slice", dynamicUpdateSliceCpu);
