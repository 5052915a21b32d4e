/**
 * The CPU backend (core/backend.ts): jit's programs compile to WebAssembly
 * SIMD kernels on one shared memory (compiler/), large eager operations run
 * the same kernels, the other eager operations run the JS kernels
 * (kernels/: elementwise lowerings on the IR's evaluator, library kernels),
 * and arrays hold CpuBuffers (buffer.ts): typed arrays on the JS heap, or
 * pooled views into the memory (memory.ts) that `dispose()` returns early.
 * Without WebAssembly the backend has no compiler: jaxprs run on the core's
 * interpreter.
 */
import type { ArrayImpl, Buffer } from "../../core/array.js";
import type { Backend, Capabilities } from "../../core/backend.js";
import type { Compiler } from "../../core/dispatch.js";
import { hasLibraryKernel, libraryNameOf } from "../../core/library.js";
import { findPrimitive } from "../../core/primitive.js";
import { devices } from "../../devices/device.js";
import { ALL_DTYPES, allocate, type DType, type TypedArray } from "../../dtype.js";
import { CpuBuffer, setCpuOwner } from "./buffer.js";
import { eagerCompiled } from "./compiler/eager.js";
import { compileProgram, setDefaultTarget } from "./compiler/index.js";
import { wasmTarget } from "./compiler/target.js";
import { runComplex } from "./complex.js";
import { runHalves } from "./halves.js";
import { runInt64 } from "./int64.js";
import { takesDtype } from "./special_dtypes.js";
import "./kernels/index.js";
import "./worker_pool.js";
import { release } from "./memory.js";

const hasWasm = typeof WebAssembly !== "undefined";

const compiler: Compiler = (closed) => compileProgram(closed).exe;

function dataOf(buffer: Buffer): TypedArray {
  if (buffer instanceof CpuBuffer) return buffer.data;
  throw new Error(`CPU backend: a '${buffer.owner.platform}' buffer is not the CPU's`);
}

/**
 * What the CPU runs: every dtype, and every primitive whose eager kernel is
 * an elementwise lowering (the IR's evaluator takes every op), a view or
 * reduction lowering, a CPU library kernel, or a composition of other
 * primitives (control flow, custom rules).
 */
const capabilities: Capabilities = {
  dtypes: ALL_DTYPES,
  primitive(name: string, dtypes: readonly DType[]): boolean {
    if (!dtypes.every((d) => ALL_DTYPES.includes(d))) return false;
    const prim = findPrimitive(name);
    if (prim === null) return false;
    const library = libraryNameOf(prim.rules.impl);
    return library === null || hasLibraryKernel("cpu", library);
  },
};

/** The dtypes the kernels do not compute natively: the halves, complex and 64-bit integers. */
const SPECIAL = new Set<unknown>([
  "float16",
  "bfloat16",
  "complex64",
  "complex128",
  "int64",
  "uint64",
]);

const isSpecial = (v: unknown): boolean => SPECIAL.has(v);

export const cpuBackend: Backend = {
  platform: "cpu",
  // Without WebAssembly the interpreter is faster than the JS IR evaluator.
  compiler: hasWasm ? compiler : null,
  // Half dtypes: computed in float32 and rounded per primitive (halves.ts); complex
  // dtypes: computed on their real and imaginary parts (complex.ts); 64-bit integers on
  // their words or as BigInts (int64.ts).
  eager: (prim, args, params) => {
    // The common case (only dtypes the kernels compute natively) tests once and makes no closure.
    if (!takesDtype(args, params, isSpecial)) {
      return hasWasm ? eagerCompiled(prim, args, params) : null;
    }
    const kernel = (a: ArrayImpl[], p: object): ArrayImpl[] =>
      (hasWasm ? eagerCompiled(prim, a, p) : null) ?? prim.rules.impl(a, p);
    const wide = (a: ArrayImpl[], p: object): ArrayImpl[] =>
      runInt64(prim, a, p, kernel) ?? kernel(a, p);
    const run = (a: ArrayImpl[], p: object): ArrayImpl[] =>
      runComplex(prim, a, p, wide) ?? wide(a, p);
    return (
      runHalves(prim, args, params, run) ??
      runComplex(prim, args, params, wide) ??
      runInt64(prim, args, params, kernel) ??
      (hasWasm ? eagerCompiled(prim, args, params) : null)
    );
  },
  capabilities,
  devices,
  allocate: (dtype, size) => new CpuBuffer(allocate(dtype, size)),
  fromHost: (values) => new CpuBuffer(values),
  write(buffer, values, offset = 0) {
    const data = dataOf(buffer);
    if (
      values.constructor !== data.constructor ||
      offset < 0 ||
      offset + values.length > data.length
    ) {
      throw new Error(
        `CPU backend: write of ${values.length} ${values.constructor.name} values at ${offset} ` +
          `does not fit a buffer of ${data.length} ${data.constructor.name}`,
      );
    }
    data.set(values, offset);
  },
  free: (buffer) => release(dataOf(buffer)),
  readSync: dataOf,
  read: async (buffer) => dataOf(buffer),
};
setCpuOwner(cpuBackend);

/** The kernels programs compile for (WebAssembly, where the JS runtime has it). */
export function setCpuTarget(): void {
  if (hasWasm) setDefaultTarget(wasmTarget);
}
