/**
 * jaxts: JAX for TypeScript.
 *
 *   import * as jax from "jaxts";
 *   import { jit, numpy as jnp, lax, tree } from "jaxts";
 */
import { installCompiler } from "./backend/cpu/compiler/install.js";
import * as numpy from "./numpy/index.js";

// The CPU backend: jit compiles to WebAssembly kernels (config flag jaxts_compile;
// JAXTS_COMPILE=0 interprets), and its library kernels (shapes, slices, reductions,
// products, convolutions, gathers/scatters, sorts, windows, factorizations) run eager work.
installCompiler();

export {
  type GradOptions,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  linearize,
  valueAndGrad,
  vjp,
  vjpWithAux,
} from "./api/ad.js";
export { checkpoint, remat } from "./api/checkpoint.js";
export { customJvp, customVjp } from "./api/custom.js";
export * as dtypes from "./api/dtypes.js";
export {
  blockUntilReady,
  deviceGet,
  evalShape,
  ShapeDtypeStruct,
  type ShapesOf,
} from "./api/eval_shape.js";
export { disableJit, type JitOptions, jit, makeJaxpr } from "./api/jit.js";
export {
  debugInfs,
  debugNans,
  effectsBarrier,
  enableChecks,
  enableX64,
  hostCount,
  hostId,
  hostIds,
  jacobian,
  linearTranspose,
  localDeviceCount,
  namedCall,
  namedScope,
  printEnvironmentInfo,
  processCount,
  processIndex,
  processIndices,
  threefryPartitionable,
  typeof,
} from "./api/misc.js";
export { type PmapOptions, pmap } from "./api/pmap.js";
export type {
  ArgIndex,
  Argnums,
  AsArrays,
  Grad,
  GradsOf,
  Jacobian,
  MapLeaves,
  Selected,
  Tangent,
} from "./api/types.js";
export { type VmapOptions, vmap } from "./api/vmap.js";
export { config, withX64 } from "./config.js";
/**
 * The array type is `Array`, as JAX's `jax.Array`; `JaxArray` is the same
 * class under a name that does not shadow JavaScript's global `Array` in a
 * file that imports it (`import { type JaxArray } from "jaxts"`).
 */
export { Array, Array as JaxArray, ArrayImpl } from "./core/array.js";
export { ShapedArray } from "./core/aval.js";
export { defaultBackend } from "./core/backend.js";
export type { ArrayLike } from "./core/convert.js";
export { ClosedJaxpr, Jaxpr } from "./core/jaxpr.js";
export { FloatingPointError } from "./core/trace.js";
export {
  Device,
  deviceCount,
  devicePut,
  devicePutReplicated,
  devicePutSharded,
  devices,
  importOnDevices,
  localDevices,
  type Sharding,
} from "./devices/index.js";
export type { DType } from "./dtype.js";
export * as errors from "./errors.js";
export {
  ConcretizationTypeError,
  IndexError,
  KeyReuseError,
  NonConcreteBooleanIndexError,
  TracerArrayConversionError,
  TracerBoolConversionError,
  TracerIntegerConversionError,
  UnexpectedTracerError,
  ValueError,
} from "./errors.js";
export * as lax from "./lax/index.js";
export * as nn from "./nn/index.js";
export * as random from "./random/index.js";
export * as scipy from "./scipy/index.js";
export * as testUtil from "./test_util.js";
export * as tree from "./tree/index.js";
export * as treeUtil from "./tree/tree_util.js";
export { numpy };
