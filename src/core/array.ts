/**
 * The Array type users see. `Array` is abstract: during a transformation a
 * function receives tracers (subclasses of Array); outside of one it receives
 * `ArrayImpl`s, which hold their values. The NumPy-style methods (`add`,
 * `sum`, `reshape`, `get`, `at`...) are installed on the prototype by the
 * numpy layer (see numpy/methods.ts), so core stays below numpy.
 */
import {
  allocate,
  type DType,
  dtypeOfTypedArray,
  isComplex,
  isHalf,
  isInt64,
  lanes,
  numberToWords,
  storeScalar,
  type TypedArray,
  toStorage,
} from "../dtype.js";
import { decodeBfloat16, decodeFloat16 } from "../half.js";
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
 * One array's elements where a backend keeps them (the CPU: a typed array
 * on the JS heap or in its WebAssembly memory; a GPU: device memory). Only
 * the owning backend looks inside; everyone else reads values through it
 * (`hostValues` in core/backend.ts, `x.data()`).
 */
export interface Buffer {
  /** The backend that owns the buffer: it reads, frees and computes on it. */
  readonly owner: BufferOwner;
}

/** What an array asks of the backend that owns its buffer. */
export interface BufferOwner {
  /** JAX's platform name of the backend ("cpu"). */
  readonly platform: string;
  /** Returns the buffer's memory now (`dispose`); false when it is not pooled. */
  free(buffer: Buffer): boolean;
  /** A buffer's values, synchronously (the CPU: its storage itself, no copy). */
  readSync(buffer: Buffer): TypedArray;
  /** A buffer's values once they are ready (a GPU backend waits for its queue and copies back). */
  read(buffer: Buffer): Promise<TypedArray>;
}

/**
 * A concrete array: an abstract value plus a backend buffer holding its
 * row-major values. Immutable. Users read values with `await x.data()`,
 * `x.dataSync()`, `toArray()`...; libraries with `hostValues(x)`.
 */
export class ArrayImpl extends Array {
  private storage: Buffer;

  constructor(
    readonly aval: ShapedArray,
    buffer: Buffer,
  ) {
    super();
    this.storage = buffer;
  }

  /** The backend buffer of the array's values (throws once the array was donated to a jitted call). */
  get buffer(): Buffer {
    if (this.storage === DELETED) throw new Error(deletedMessage(this));
    return this.storage;
  }

  /**
   * Backends only: the values move to `to`, a buffer of the same elements
   * (for example in a backend's memory, so later calls read it in place).
   * The array's contents do not change.
   */
  replaceBuffer(to: Buffer): void {
    if (this.storage === DELETED) throw new Error(deletedMessage(this));
    this.storage = to;
  }

  /**
   * Backends only: the array gave its buffer away (donated to a jitted
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
   * Releases the buffer of this array now, when its backend pooled it (a
   * compiled program's output): the array must not be used afterwards, nor
   * arrays that share its buffer. Otherwise memory is reclaimed when the
   * array is garbage-collected; calling this is never required.
   */
  override dispose(): void {
    if (this.storage !== DELETED) this.storage.owner.free(this.storage);
  }

  /** An array of host values on the default backend (which takes `data` over: do not reuse it). */
  static fromHost(aval: ShapedArray, data: TypedArray): ArrayImpl {
    if (hostWriter === null) {
      throw new Error(
        "no backend is registered: import jaxts itself (it registers the CPU backend)",
      );
    }
    return new ArrayImpl(aval, hostWriter(data));
  }

  /**
   * An array over `data` (taken over). The dtype defaults to the typed
   * array's (`dtypeOfTypedArray`: a Uint8Array is bool); pass it for uint8.
   * For a half dtype (float16, bfloat16), a Uint16Array is its storage (bit
   * patterns) and any other typed array holds values, rounded and encoded
   * here (`allocateValues` makes one). For a complex dtype, `data` holds
   * interleaved (re, im) pairs: twice the shape's size. For int64/uint64 a
   * Uint32Array is storage ((lo, hi) word pairs: twice the size), any other
   * typed array values (one per element, exact below 2^53).
   */
  static fromData(
    data: TypedArray,
    shape: Shape,
    weakType = false,
    dtype: DType = dtypeOfTypedArray(data),
  ): ArrayImpl {
    const storage = toStorage(dtype, data);
    if (storage.length !== sizeOf(shape) * lanes(dtype)) {
      throw new Error(
        `Array: ${data.length} values do not fill shape [${shape.join(", ")}] of ${dtype}`,
      );
    }
    return ArrayImpl.fromHost(new ShapedArray(shape, dtype, weakType), storage);
  }

  /** A 0-d array of `value` (for a complex dtype: `value` + 0i, or `im` as its imaginary part). */
  static scalar(value: number | boolean, dtype: DType, weakType = false, im = 0): ArrayImpl {
    return ArrayImpl.full([], value, dtype, weakType, im);
  }

  /** An array of `shape` filled with `value` (for a complex dtype: `value` + `im`·i). */
  static full(
    shape: Shape,
    value: number | boolean,
    dtype: DType,
    weakType = false,
    im = 0,
  ): ArrayImpl {
    const data = allocate(dtype, sizeOf(shape));
    const v = storeScalar(value, dtype);
    if (isComplex(dtype)) {
      for (let i = 0; i < data.length; i += 2) {
        data[i] = v;
        data[i + 1] = im;
      }
    } else if (isInt64(dtype)) {
      // 64-bit integers: (lo, hi) word pairs of the value truncated toward zero.
      const [lo, hi] = numberToWords(Number(value));
      for (let i = 0; i < data.length; i += 2) {
        data[i] = lo;
        data[i + 1] = hi;
      }
    } else {
      data.fill(v);
    }
    return ArrayImpl.fromHost(new ShapedArray(shape, dtype, weakType), data);
  }
}

const DELETED: Buffer = {
  owner: {
    platform: "none",
    free: () => false,
    readSync: () => {
      throw new Error("Array: its buffer was donated");
    },
    read: () => Promise.reject(new Error("Array: its buffer was donated")),
  },
};

function deletedMessage(x: ArrayImpl): string {
  return (
    `Array of shape [${x.shape.join(", ")}] and dtype ${x.dtype} has been deleted: it was ` +
    "donated to a jitted function (donateArgnums), which reused its buffer; use the function's result instead"
  );
}

/**
 * The values of a concrete array as the host sees them: what `numpy/`,
 * `random/`, control flow and printing read instead of an array's storage
 * (the owning backend decides how they come back; the CPU hands its storage
 * over without a copy). Read only: never write into the result. A complex
 * array's values are interleaved (re, im) pairs: twice its size.
 */
export function hostValues(x: ArrayImpl): TypedArray {
  const b = x.buffer;
  return decodeHost(x.dtype, b.owner.readSync(b));
}

/**
 * A buffer's storage as read back from its backend, turned into values: the
 * half dtypes (float16, bfloat16) are stored as 16-bit patterns (Uint16Array)
 * and come back as a new Float32Array of their values (JS has no
 * Float16Array in Node 20; float32 holds every half value exactly); every
 * other dtype's storage is its values, returned as is. `hostValues` and
 * `x.data()` go through here, so no host reader sees a bit pattern as a
 * value; code that moves storage itself (device transfers, serialization)
 * reads `hostStorage`.
 */
export function decodeHost(dtype: DType, storage: TypedArray): TypedArray {
  if (!isHalf(dtype)) return storage;
  const out = new Float32Array(storage.length);
  if (dtype === "float16") decodeFloat16(storage as Uint16Array, out);
  else decodeBfloat16(storage as Uint16Array, out);
  return out;
}

/**
 * An array's storage as its backend holds it: for the half dtypes their
 * 16-bit patterns (Uint16Array), not values (`hostValues` decodes). For code
 * that moves storage (copies between devices, serialization), never for
 * reading values. Read only.
 */
export function hostStorage(x: ArrayImpl): TypedArray {
  const b = x.buffer;
  return b.owner.readSync(b);
}

let hostWriter: ((data: TypedArray) => Buffer) | null = null;

/** Installed by registerBackend (core/backend.ts): where host values become buffers. */
export function setHostWriter(w: (data: TypedArray) => Buffer): void {
  hostWriter = w;
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
