/**
 * The CPU backend's buffers: a typed array on the JS heap, or a view into
 * the WebAssembly memory (memory.ts) that a compiled program wrote and that
 * is returned to the pool when the array is garbage-collected or disposed.
 * CPU kernels read and make arrays through `cpuData` and `cpuArray`; no
 * other layer sees a buffer's storage.
 */

import { ArrayImpl, type Buffer, type BufferOwner } from "../../core/array.js";
import type { ShapedArray } from "../../core/aval.js";
import type { TypedArray } from "../../dtype.js";

let owner: BufferOwner | null = null;

/** Set once by the CPU backend object (backend.ts), which owns every CpuBuffer. */
export function setCpuOwner(o: BufferOwner): void {
  owner = o;
}

export class CpuBuffer implements Buffer {
  constructor(readonly data: TypedArray) {}
  get owner(): BufferOwner {
    if (owner === null) throw new Error("CPU backend: not initialized");
    return owner;
  }
}

/** The values of an array the CPU holds (an error naming the platform where another backend does). */
export function cpuData(x: ArrayImpl): TypedArray {
  const b = x.buffer;
  if (b instanceof CpuBuffer) return b.data;
  throw new Error(
    `CPU backend: an array of shape [${x.shape.join(", ")}] (${x.dtype}) lives on ` +
      `'${b.owner.platform}'; move it with jax.devicePut before running it on the CPU`,
  );
}

/** An array of `aval` whose values are `data` (taken over, not copied). */
export function cpuArray(aval: ShapedArray, data: TypedArray): ArrayImpl {
  return new ArrayImpl(aval, new CpuBuffer(data));
}
