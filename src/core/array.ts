/**
 * The Array type users see. `Array` is abstract: during a transformation a
 * function receives tracers (subclasses of Array); outside of one it receives
 * `ArrayImpl`s, which hold their values. The NumPy-style methods (`add`,
 * `sum`, `reshape`, `get`, `at`...) are installed on the prototype by the
 * numpy layer (see numpy/methods.ts), so core stays below numpy.
 */
import { allocate, castScalar, type DType, dtypeOfTypedArray, type TypedArray } from "../dtype.js";
import { type Shape, sizeOf } from "../shape.js";
import { ShapedArray } from "./aval.js";

export abstract class Array {
  abstract get aval(): ShapedArray;
  get shape(): Shape {
    return this.aval.shape;
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  get ndim(): number {
    return this.aval.shape.length;
  }
  get size(): number {
    return this.aval.size;
  }
  get weakType(): boolean {
    return this.aval.weakType;
  }
}

/**
 * A concrete array: an abstract value plus its row-major values. Immutable.
 * (`values` is the storage; users read it with `await x.data()`, `toArray()`...)
 */
export class ArrayImpl extends Array {
  constructor(
    readonly aval: ShapedArray,
    readonly values: TypedArray,
  ) {
    super();
  }

  /**
   * Releases the storage of this array now, when a backend pooled it (a
   * compiled program's output): the array must not be used afterwards, nor
   * arrays that share its storage. Otherwise storage is reclaimed when the
   * array is garbage-collected; calling this is never required.
   */
  dispose(): void {
    releaseHook?.(this.values);
  }

  static fromData(data: TypedArray, shape: Shape, weakType = false): ArrayImpl {
    if (data.length !== sizeOf(shape)) {
      throw new Error(`Array: ${data.length} values do not fill shape [${shape.join(", ")}]`);
    }
    return new ArrayImpl(new ShapedArray(shape, dtypeOfTypedArray(data), weakType), data);
  }

  static scalar(value: number | boolean, dtype: DType, weakType = false): ArrayImpl {
    const data = allocate(dtype, 1);
    data[0] = castScalar(value, dtype);
    return new ArrayImpl(new ShapedArray([], dtype, weakType), data);
  }

  static full(shape: Shape, value: number | boolean, dtype: DType, weakType = false): ArrayImpl {
    const data = allocate(dtype, sizeOf(shape));
    data.fill(castScalar(value, dtype));
    return new ArrayImpl(new ShapedArray(shape, dtype, weakType), data);
  }
}

let releaseHook: ((values: TypedArray) => boolean) | null = null;

/** Installed by a backend that pools array storage (see backend/cpu/memory.ts). */
export function setReleaseHook(hook: ((values: TypedArray) => boolean) | null): void {
  releaseHook = hook;
}

export function isArray(x: unknown): x is Array {
  return x instanceof Array;
}
