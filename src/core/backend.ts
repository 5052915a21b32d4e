/**
 * The Backend interface: what the core asks of the place where arrays live
 * and programs run. A backend registers itself once (`registerBackend`), and
 * that one registration installs everything the layers below use: jit's
 * compiler (core/dispatch.ts), the eager path for large operations
 * (core/trace.ts), the early release of pooled storage (`Array.dispose`,
 * core/array.ts), and the platform whose library kernels the primitives'
 * `impl` rules run (core/library.ts). Reading values goes through it too
 * (`x.data()`, `x.dataSync()`), so a backend whose memory is not the JS
 * heap (a GPU) decides how values come back.
 *
 * The CPU backend (src/backend/cpu/backend.ts: WebAssembly SIMD kernels on a
 * shared memory, JS library kernels) is the one registered today.
 */
import type { DType, TypedArray } from "../dtype.js";
import {
  type ArrayImpl,
  type Buffer,
  type BufferOwner,
  decodeHost,
  hostValues,
  setHostWriter,
} from "./array.js";
import { type Compiler, setCompiler } from "./dispatch.js";
import { setLibraryPlatform } from "./library.js";
import { type EagerHook, setEagerHook } from "./trace.js";

/** One device of a backend, as `jax.devices()` lists it. */
export interface BackendDevice {
  readonly id: number;
  readonly platform: string;
}

/** What a backend can run: decided up front, never by trying and falling back. */
export interface Capabilities {
  /** The dtypes its buffers and kernels take. */
  readonly dtypes: readonly DType[];
  /**
   * Whether it runs primitive `name` on operands of these dtypes (its
   * compiler or library kernels); where not, the caller moves the operands
   * to a backend that does, explicitly — never a silent wrong result.
   */
  primitive(name: string, dtypes: readonly DType[]): boolean;
}

export interface Backend extends BufferOwner {
  /** JAX's platform name (`jax.default_backend()`): "cpu", later "webgpu". */
  readonly platform: string;
  /** Compiles jit's programs; null: the core's interpreter runs them equation by equation. */
  readonly compiler: Compiler | null;
  /** Runs an eager application on compiled kernels, or returns null for the primitive's impl. */
  readonly eager: EagerHook | null;
  readonly capabilities: Capabilities;
  /** Its devices (`jax.devices(platform)`). */
  devices(): readonly BackendDevice[];
  /** A zeroed buffer of `size` elements of `dtype`. */
  allocate(dtype: DType, size: number): Buffer;
  /** A buffer holding host values; the backend takes `values` over (the CPU: no copy). */
  fromHost(values: TypedArray): Buffer;
  /** Writes host values into a buffer this backend allocated, from element `offset` on. */
  write(buffer: Buffer, values: TypedArray, offset?: number): void;
}

let current: Backend | null = null;

/** Makes `backend` the default: jit compiles with it and eager operations run on it. */
export function registerBackend(backend: Backend): void {
  current = backend;
  setCompiler(backend.compiler);
  setEagerHook(backend.eager);
  setHostWriter((values) => backend.fromHost(values));
  setLibraryPlatform(backend.platform);
}

/** The registered backend (an error before any is: import jaxts itself, which registers the CPU). */
export function currentBackend(): Backend {
  if (current === null) {
    throw new Error(
      "no backend is registered: import jaxts itself (it registers the CPU backend), not only a submodule",
    );
  }
  return current;
}

/** `jax.default_backend()`: the platform name of the default backend ("cpu"). */
export function defaultBackend(): string {
  return currentBackend().platform;
}

export { hostValues };

/** `x.data()`: the values once the owning backend has them ready. */
export function hostValuesAsync(x: ArrayImpl): Promise<TypedArray> {
  const b = x.buffer;
  return b.owner.read(b).then((v) => decodeHost(x.dtype, v));
}
