/** `lax`: the primitives' public wrappers, grouped by family. */

export { stopGradient, stopGradientP } from "./ad_util.js";
export * from "./complex.js";
export * from "./control_flow/index.js";
export * from "./convolution.js";
export * from "./dot.js";
export * from "./elementwise.js";
export * from "./extras.js";
export { FftType, type FftTypeName, fft, fftP } from "./fft.js";
export * as linalg from "./linalg.js";
export * from "./parallel.js";
export * from "./reductions.js";
export * from "./shape_ops.js";
export * from "./slicing.js";
export * from "./sort.js";
export {
  igamma,
  igammac,
  igammacP,
  igammaGradA,
  igammaGradAP,
  igammaP,
} from "./special_igamma.js";
export {
  reduceWindow,
  reduceWindowMaxP,
  reduceWindowMinP,
  reduceWindowSumP,
  type SelectParams,
  selectAndGatherAddP,
  selectAndScatterAddP,
  type WindowComputation,
  type WindowPadding,
  type WindowParams,
} from "./windowed.js";
