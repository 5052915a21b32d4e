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
import type { TypedArray } from "../dtype.js";
import { type ArrayImpl, setReleaseHook } from "./array.js";
import { type Compiler, setCompiler } from "./dispatch.js";
import { setLibraryPlatform } from "./library.js";
import { type EagerHook, setEagerHook } from "./trace.js";

export interface Backend {
  /** JAX's platform name (`jax.default_backend()`): "cpu", later "webgpu". */
  readonly platform: string;
  /** Compiles jit's programs; null: the core's interpreter runs them equation by equation. */
  readonly compiler: Compiler | null;
  /** Runs an eager application on compiled kernels, or returns null for the primitive's impl. */
  readonly eager: EagerHook | null;
  /** Returns an array's pooled storage now (`dispose`); false when it is not the backend's. */
  release(values: TypedArray): boolean;
  /** An array's values, synchronously (the CPU: its storage itself, no copy). */
  readSync(x: ArrayImpl): TypedArray;
  /** An array's values once they are ready (a GPU backend waits for its queue and copies back). */
  read(x: ArrayImpl): Promise<TypedArray>;
}

let current: Backend | null = null;

/** Makes `backend` the default: jit compiles with it and eager operations run on it. */
export function registerBackend(backend: Backend): void {
  current = backend;
  setCompiler(backend.compiler);
  setEagerHook(backend.eager);
  setReleaseHook((values) => backend.release(values));
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

/**
 * The values of a concrete array as the host sees them: what `numpy/`,
 * `random/` and printing read instead of an array's storage (the backend
 * decides how they come back; the CPU hands its storage over without a copy).
 */
export function hostValues(x: ArrayImpl): TypedArray {
  return currentBackend().readSync(x);
}
