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
  /**
   * Releases the array's storage now instead of when it is garbage-collected
   * (never required). The array must not be used afterwards. A no-op for
   * arrays whose storage is not pooled, and for traced values.
   */
  dispose(): void {}
}

/**
 * A concrete array: an abstract value plus its row-major values. Immutable.
 * (`values` is the storage; users read it with `await x.data()`, `toArray()`...)
 */
export class ArrayImpl extends Array {
  private storage: TypedArray;

  constructor(
    readonly aval: ShapedArray,
    values: TypedArray,
  ) {
    super();
    this.storage = values;
  }

  /** The row-major values (throws once the array was donated to a jitted call). */
  get values(): TypedArray {
    if (this.storage === DELETED) throw new Error(deletedMessage(this));
    return this.storage;
  }

  /**
   * Backends only: `values` moves to `to`, a copy of the same elements (for
   * example into a backend's memory, so later calls read it in place). The
   * array's contents do not change.
   */
  moveStorage(to: TypedArray): void {
    if (to.length !== this.storage.length || to.constructor !== this.storage.constructor) {
      throw new Error("ArrayImpl.moveStorage: the new storage must have the same type and length");
    }
    this.storage = to;
  }

  /**
   * Backends only: the array gave its storage away (donated to a jitted
   * call, `jit(f, { donateArgnums })`); using it afterwards throws.
   */
  markDeleted(): void {
    this.storage = DELETED;
  }

  /** Whether the array was donated to a jitted call (its values are gone). */
  get isDeleted(): boolean {
    return this.storage === DELETED;
  }

  /**
   * Releases the storage of this array now, when a backend pooled it (a
   * compiled program's output): the array must not be used afterwards, nor
   * arrays that share its storage. Otherwise storage is reclaimed when the
   * array is garbage-collected; calling this is never required.
   */
  override dispose(): void {
    if (this.storage !== DELETED) releaseHook?.(this.storage);
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

const DELETED: TypedArray = new Float32Array(0);

function deletedMessage(x: ArrayImpl): string {
  return (
    `Array of shape [${x.shape.join(", ")}] and dtype ${x.dtype} has been deleted: it was ` +
    "donated to a jitted function (donateArgnums), which reused its buffer; use the function's result instead"
  );
}

let releaseHook: ((values: TypedArray) => boolean) | null = null;

/** Installed by a backend that pools array storage (see backend/cpu/memory.ts). */
export function setReleaseHook(hook: ((values: TypedArray) => boolean) | null): void {
  releaseHook = hook;
}

export function isArray(x: unknown): x is Array {
  return x instanceof Array;
}

// `using x = f(...)` (explicit resource management) releases early too, where the runtime has it.
const disposeSymbol = (Symbol as { dispose?: symbol }).dispose;
if (typeof disposeSymbol === "symbol") {
  Object.defineProperty(Array.prototype, disposeSymbol, {
    value(this: Array): void {
      this.dispose();
    },
    writable: true,
    configurable: true,
  });
}
