/**
 * The reference kernel of dot_general (lax/dot.ts), the CPU backend's
 * library kernel "dot_general" (core/library.ts) for eager products.
 *
 * The operands are packed into contiguous [batch, M, K] and [batch, K, N]
 * blocks and multiplied by an i-k-j loop whose inner loop walks contiguous
 * rows. Float products accumulate in float64 per output element and are
 * rounded once when stored; integer products wrap in 32 bits (int32 and
 * uint32 share the bits); a bool product is "any product true".
 */
import type { ArrayImpl } from "../../../core/array.js";
import { allocate, isBool, isInteger, type TypedArray } from "../../../dtype.js";
import { type DotGeneralParams, dotLayout, dotOutAval } from "../../../lax/dot.js";
import { permuteInto } from "../../../lax/shape_util.js";
import { type Shape, sizeOf } from "../../../shape.js";
import { cpuArray, cpuData } from "../buffer.js";
import { registerCpuKernel } from "./register.js";

/**
 * C[b] = A[b] · B[b] for A: [nb, m, k], B: [nb, k, n], accumulating rows in
 * float64, or with `int` in wrapping 32-bit integer arithmetic (int32 and
 * uint32 share the bits).
 */
function matmulInto(
  a: Float64Array | Int32Array,
  b: Float64Array | Int32Array,
  nb: number,
  m: number,
  k: number,
  n: number,
  out: TypedArray,
  int: boolean,
): void {
  const row = int ? new Int32Array(n) : new Float64Array(n);
  for (let p = 0; p < nb; p++) {
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const ai = (p * m + i) * k;
      for (let q = 0; q < k; q++) {
        const av = a[ai + q]!;
        const bq = (p * k + q) * n;
        if (int) for (let j = 0; j < n; j++) row[j] = (row[j]! + Math.imul(av, b[bq + j]!)) | 0;
        else for (let j = 0; j < n; j++) row[j]! += av * b[bq + j]!;
      }
      out.set(row, (p * m + i) * n);
    }
  }
}

/** dot_general of two arrays, any dtypes and dimension numbers the abstract rule accepts. */
export function dotGeneralCpu(lhs: ArrayImpl, rhs: ArrayImpl, params: DotGeneralParams): ArrayImpl {
  const L = dotLayout(lhs.aval, rhs.aval, params);
  const size = (s: Shape, dims: number[]) => sizeOf(dims.map((d) => s[d]!));
  const nb = size(lhs.shape, L.lb);
  const m = size(lhs.shape, L.lfree);
  const k = size(lhs.shape, L.lc);
  const n = size(rhs.shape, L.rfree);
  const out = allocate(L.outDtype, nb * m * n);
  const lhsPerm = [...L.lb, ...L.lfree, ...L.lc];
  const rhsPerm = [...L.rb, ...L.rc, ...L.rfree];
  const int = isInteger(lhs.dtype) && isInteger(L.outDtype);
  const a = int ? new Int32Array(lhs.size) : new Float64Array(lhs.size);
  const b = int ? new Int32Array(rhs.size) : new Float64Array(rhs.size);
  permuteInto(cpuData(lhs), lhs.shape, lhsPerm, a);
  permuteInto(cpuData(rhs), rhs.shape, rhsPerm, b);
  if (isBool(L.outDtype)) {
    // A bool result is "any product true": count in float64 (a Uint8Array would wrap counts).
    const counts = new Float64Array(out.length);
    matmulInto(a, b, nb, m, k, n, counts, false);
    for (let i = 0; i < counts.length; i++) out[i] = counts[i]! !== 0 ? 1 : 0;
  } else {
    matmulInto(a, b, nb, m, k, n, out, int);
  }
  return cpuArray(dotOutAval(lhs.aval, rhs.aval, params, L), out);
}

registerCpuKernel<DotGeneralParams>("dot_general", ([lhs, rhs], params) => [
  dotGeneralCpu(lhs!, rhs!, params),
]);
