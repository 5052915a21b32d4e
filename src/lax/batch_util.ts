/** Helpers the batch rules share: moving, adding and aligning batch dimensions. */
import type { Array } from "../core/array.js";
import type { BatchDim } from "../core/primitive.js";
import { broadcastInDim, transpose } from "./shape_ops.js";

/** Moves axis `src` of x to position `dst`. */
export function moveaxis(x: Array, src: number, dst: number): Array {
  if (src === dst) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== src);
  perm.splice(dst, 0, src);
  return transpose(x, perm);
}

/**
 * Puts the batch dimension of x at `dst`; an unbatched x (bdim null) is
 * broadcast along a new axis of the given size there.
 */
export function moveBatchAxis(x: Array, bdim: BatchDim, dst: number, size: number): Array {
  if (bdim !== null) return moveaxis(x, bdim, dst);
  const shape = [...x.shape];
  shape.splice(dst, 0, size);
  const dims = x.shape.map((_, i) => (i < dst ? i : i + 1));
  return broadcastInDim(x, shape, dims);
}

/** The batch dimension moved to the front (broadcast if unbatched). */
export function batchToFront(x: Array, bdim: BatchDim, size: number): Array {
  return moveBatchAxis(x, bdim, 0, size);
}

/**
 * For elementwise primitives: aligns all operands to one full batched shape.
 * Operands already batched at the same dim keep it (no data movement);
 * otherwise the batched ones move to the front. Unbatched operands (of the
 * per-example shape, or 0-d) are broadcast to the full shape.
 */
export function alignBatched(args: Array[], dims: BatchDim[]): [Array[], number] {
  const batched = dims.filter((d): d is number => d !== null);
  const first = batched[0]!;
  const target = batched.every((d) => d === first) ? first : 0;
  const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, target)));
  const full = moved.find((_, i) => dims[i] !== null)!.shape;
  const out = moved.map((a, i) => {
    if (dims[i] !== null) return a;
    const lead = full.length - 1 - a.ndim;
    const mapDims = a.shape.map((_, k) => (k + lead < target ? k + lead : k + lead + 1));
    return broadcastInDim(a, full, mapDims);
  });
  return [out, target];
}
