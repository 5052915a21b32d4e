/**
 * The eager kernels of the shape primitives (lax/shape_ops.ts), the CPU
 * backend's library kernels named as the primitives: broadcast_in_dim,
 * reshape, transpose, squeeze, concatenate, pad, rev and iota. Every one is a
 * copy (each output element is read from one input element, or is a fill
 * value), so the strided copy of strided.ts serves most of them; the views
 * among them (broadcast_in_dim, reshape, transpose, squeeze) compile to index
 * maps and run here only eagerly.
 */
import type { ArrayImpl } from "../../../core/array.js";
import type { ShapedArray } from "../../../core/aval.js";
import { allocate, type TypedArray } from "../../../dtype.js";
import {
  type BroadcastInDimParams,
  broadcastInDimShape,
  type ConcatenateParams,
  concatenateAval,
  type IotaParams,
  iotaAval,
  type PadParams,
  padAval,
  type ReshapeParams,
  type RevParams,
  reshapeCheck,
  type SqueezeParams,
  squeezeShape,
  type TransposeParams,
  transposeShape,
} from "../../../lax/shape_ops.js";
import { checkDims } from "../../../lax/shape_util.js";
import { sizeOf, stridesOf } from "../../../shape.js";
import { cpuArray, cpuData } from "../buffer.js";
import { registerCpuKernel } from "./register.js";
import { stridedCopy, stridedWrite } from "./strided.js";

function one(aval: ShapedArray, data: TypedArray): ArrayImpl[] {
  return [cpuArray(aval, data)];
}

/** Operand dimension i of x repeats along result dimension broadcast_dimensions[i] (stride 0 if size 1). */
export function broadcastInDimCpu(x: ArrayImpl, p: BroadcastInDimParams): ArrayImpl[] {
  const shape = broadcastInDimShape(x.aval, p);
  const xs = stridesOf(x.shape);
  const strides = new globalThis.Array<number>(shape.length).fill(0);
  p.broadcast_dimensions.forEach((d, i) => {
    strides[d] = x.shape[i] === 1 ? 0 : xs[i]!;
  });
  return one(x.aval.withShape(shape), stridedCopy(cpuData(x), x.dtype, shape, strides, 0));
}

/** x's elements transposed by `perm` (result dimension i is x's dimension perm[i]). */
function transposeData(x: ArrayImpl, perm: readonly number[]): TypedArray {
  const shape = transposeShape(x.aval, perm);
  const xs = stridesOf(x.shape);
  return stridedCopy(
    cpuData(x),
    x.dtype,
    shape,
    perm.map((q) => xs[q]!),
    0,
  );
}

/** A row-major reshape: a copy of the elements (transposed first when `dimensions` is given). */
export function reshapeCpu(x: ArrayImpl, p: ReshapeParams): ArrayImpl[] {
  reshapeCheck(x.aval, p);
  const data = p.dimensions === null ? cpuData(x).slice() : transposeData(x, p.dimensions);
  return one(x.aval.withShape(p.new_sizes), data);
}

export function transposeCpu(x: ArrayImpl, p: TransposeParams): ArrayImpl[] {
  return one(
    x.aval.withShape(transposeShape(x.aval, p.permutation)),
    transposeData(x, p.permutation),
  );
}

export function squeezeCpu(x: ArrayImpl, p: SqueezeParams): ArrayImpl[] {
  return one(x.aval.withShape(squeezeShape(x.aval, p.dimensions)), cpuData(x).slice());
}

/** The operands joined along `dimension`: each contributes a block of each output row. */
export function concatenateCpu(args: readonly ArrayImpl[], p: ConcatenateParams): ArrayImpl[] {
  const aval = concatenateAval(
    args.map((a) => a.aval),
    p.dimension,
  );
  const out = allocate(aval.dtype, aval.size);
  // Each operand contributes a block of rows of length (its dim size × inner size).
  const outer = sizeOf(aval.shape.slice(0, p.dimension));
  const inner = sizeOf(aval.shape.slice(p.dimension + 1));
  const outRow = aval.shape[p.dimension]! * inner;
  let col = 0;
  for (const a of args) {
    const row = a.shape[p.dimension]! * inner;
    for (let o = 0; o < outer; o++) {
      out.set(cpuData(a).subarray(o * row, (o + 1) * row), o * outRow + col);
    }
    col += row;
  }
  return one(aval, out);
}

/** The padding value everywhere, then the operand's elements that land inside written at their places. */
export function padCpu(x: ArrayImpl, v: ArrayImpl, p: PadParams): ArrayImpl[] {
  const aval = padAval(x.aval, v.aval, p.padding_config);
  const out = allocate(aval.dtype, aval.size);
  out.fill(cpuData(v)[0]!);
  // Operand element i lands at lo + i·(interior + 1); keep the elements that land inside.
  const os = stridesOf(aval.shape);
  const xs = stridesOf(x.shape);
  const first: number[] = [];
  const kept: number[] = [];
  p.padding_config.forEach(([lo, , interior], d) => {
    const step = interior + 1;
    const i0 = Math.max(0, Math.ceil(-lo / step));
    const i1 = Math.min(x.shape[d]! - 1, Math.floor((aval.shape[d]! - 1 - lo) / step));
    first.push(i0);
    kept.push(Math.max(0, i1 - i0 + 1));
  });
  if (sizeOf(kept) === 0) return one(aval, out);
  const src = stridedCopy(
    cpuData(x),
    x.dtype,
    kept,
    xs,
    first.reduce((o, i, d) => o + i * xs[d]!, 0),
  );
  const dstStrides = os.map((s, d) => s * (p.padding_config[d]![2] + 1));
  const dst0 = first.reduce((o, i, d) => {
    const [lo, , interior] = p.padding_config[d]!;
    return o + (lo + i * (interior + 1)) * os[d]!;
  }, 0);
  stridedWrite(out, src, kept, dstStrides, dst0);
  return one(aval, out);
}

/** x read backwards along `dimensions` (negative strides from the last element). */
export function revCpu(x: ArrayImpl, p: RevParams): ArrayImpl[] {
  checkDims("lax.rev", "dimensions", p.dimensions, x.shape);
  const strides = stridesOf(x.shape);
  let offset = 0;
  for (const d of p.dimensions) {
    offset += (x.shape[d]! - 1) * strides[d]!;
    strides[d] = -strides[d]!;
  }
  const empty = x.size === 0;
  return one(x.aval, stridedCopy(cpuData(x), x.dtype, x.shape, strides, empty ? 0 : offset));
}

/** Each element's index along `dimension`. */
export function iotaCpu(p: IotaParams): ArrayImpl[] {
  const aval = iotaAval(p);
  const out = allocate(aval.dtype, aval.size);
  const inner = sizeOf(p.shape.slice(p.dimension + 1));
  const n = p.shape[p.dimension]!;
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(i / inner) % n;
  return one(aval, out);
}

registerCpuKernel<BroadcastInDimParams>("broadcast_in_dim", ([x], p) => broadcastInDimCpu(x!, p));
registerCpuKernel<ReshapeParams>("reshape", ([x], p) => reshapeCpu(x!, p));
registerCpuKernel<TransposeParams>("transpose", ([x], p) => transposeCpu(x!, p));
registerCpuKernel<SqueezeParams>("squeeze", ([x], p) => squeezeCpu(x!, p));
registerCpuKernel<ConcatenateParams>("concatenate", concatenateCpu);
registerCpuKernel<PadParams>("pad", ([x, v], p) => padCpu(x!, v!, p));
registerCpuKernel<RevParams>("rev", ([x], p) => revCpu(x!, p));
registerCpuKernel<IotaParams>("iota", (_, p) => iotaCpu(p));
