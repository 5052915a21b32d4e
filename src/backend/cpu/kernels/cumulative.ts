/**
 * The CPU kernels of the cumulative reductions (lax/control_flow/cumulative.ts):
 * each accumulates in float64 along its axis and rounds once per element
 * stored; integer results wrap modulo 2^32 (`| 0` and Math.imul work modulo
 * 2^32 for uint32 too). Math.max/Math.min propagate NaN, as lax.max/min do.
 */
import { registerLibraryKernel } from "../../../core/library.js";
import { allocate, type DType, isFloating } from "../../../dtype.js";
import type { CumulativeParams } from "../../../lax/control_flow/cumulative.js";
import { aroundAxis } from "../../../lax/reductions.js";
import { cpuArray, cpuData } from "../buffer.js";

type Combine = (a: number, b: number) => number;

/** log(exp(a) + exp(b)) without overflow; infinities and NaN handled like np.logaddexp. */
function logaddexp(a: number, b: number): number {
  const m = Math.max(a, b);
  if (Number.isNaN(m)) return m;
  if (m === Infinity || m === -Infinity) return m;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

const COMBINE: Readonly<Record<string, (dtype: DType) => Combine>> = {
  cumsum: (d) => (isFloating(d) ? (a, b) => a + b : (a, b) => (a + b) | 0),
  cumprod: (d) => (isFloating(d) ? (a, b) => a * b : Math.imul),
  cummax: () => Math.max,
  cummin: () => Math.min,
  cumlogsumexp: () => logaddexp,
};

for (const [name, combine] of Object.entries(COMBINE)) {
  registerLibraryKernel<CumulativeParams>("cpu", name, {
    match: () => true,
    run: ([x], params) => {
      const f = combine(x!.dtype);
      const [outer, n, inner] = aroundAxis(x!.shape, params.axis);
      const data = cpuData(x!);
      const out = allocate(x!.dtype, data.length);
      const acc = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        for (let step = 0; step < n; step++) {
          const k = params.reverse ? n - 1 - step : step;
          const row = (o * n + k) * inner;
          for (let j = 0; j < inner; j++) {
            const v = data[row + j]!;
            acc[j] = step === 0 ? v : f(acc[j]!, v);
            out[row + j] = acc[j]!;
          }
        }
      }
      return [cpuArray(x!.aval, out)];
    },
  });
}
