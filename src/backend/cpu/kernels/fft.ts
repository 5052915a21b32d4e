/**
 * The CPU backend's library kernel "fft" (lax/fft.ts): XLA's Fft op on
 * fft_core.ts. Complex operands and results are the interleaved storage of
 * complex64 (Float32Array) and complex128 (Float64Array); everything is
 * computed in float64 and a complex64 / float32 result rounded once.
 */
import type { ArrayImpl } from "../../../core/array.js";
import { allocate } from "../../../dtype.js";
import { type FftParams, fftAbstractEval } from "../../../lax/fft.js";
import { cpuArray, cpuData } from "../buffer.js";
import { fftNd } from "./fft_core.js";
import { registerCpuKernel } from "./register.js";

export function fftCpu(x: ArrayImpl, params: FftParams): ArrayImpl {
  const [out] = fftAbstractEval([x.aval], params);
  const data = allocate(out!.dtype, out!.size);
  // A zero length anywhere leaves nothing to transform: empty outputs, or RFFT's zero bin of an
  // empty signal.
  if (data.length > 0 && !params.fft_lengths.includes(0)) {
    const input = cpuData(x);
    if (
      !(input instanceof Float32Array || input instanceof Float64Array) ||
      !(data instanceof Float32Array || data instanceof Float64Array)
    ) {
      throw new TypeError(
        `fft: the CPU kernel takes float storage, got ${x.dtype} → ${out!.dtype}`,
      );
    }
    fftNd(params.fft_type, input, x.shape, params.fft_lengths, data);
  }
  return cpuArray(out!, data);
}

registerCpuKernel<FftParams>("fft", ([x], params) => [fftCpu(x!, params)]);
