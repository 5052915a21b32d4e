/**
 * The loop structure of a kernel: which loop dims the thread pool's range
 * [start, end) walks, which ones a reduction counter walks, and the
 * innermost (vectorized) dim:
 *
 *   elementwise, one loop dim:   [start, end) are elements ("ew1")
 *   elementwise, more dims:      [start, end) are rows of the innermost dim ("ew")
 *   reduction over the innermost dim: [start, end) are output elements ("rin")
 *   reduction keeping the innermost dim: [start, end) are output rows ("rout")
 */
import type { Kernel } from "../../../ir/kernel.js";

/** How a kernel's range is split: the units of [start, end), their total, and the work per unit. */
export interface KernelRange {
  total: number;
  /** Elements computed per unit (to pick a grain size). */
  work: number;
  /** Chunk boundaries should be multiples of this. */
  align: number;
}

export interface Layout {
  shape: number[];
  reduced: boolean[];
  inner: number;
  mode: "ew1" | "ew" | "rin" | "rout";
  /** Dims decomposed from the range index. */
  oDims: number[];
  /** Reduced dims decomposed from the reduction counter (not the inner one). */
  qDims: number[];
  Q: number;
  keptStrides: number[];
}

export function layout(k: Kernel): Layout {
  const shape = k.shape.length === 0 ? [1] : [...k.shape];
  const reduced = k.shape.length === 0 ? [false] : [...k.reduced];
  const inner = shape.length - 1;
  const dims = shape.map((_, d) => d);
  const keptStrides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let d = inner; d >= 0; d--) {
    if (!reduced[d]) {
      keptStrides[d] = s;
      s *= shape[d]!;
    }
  }
  const kept = dims.filter((d) => !reduced[d]);
  const red = dims.filter((d) => reduced[d]);
  let mode: Layout["mode"];
  let oDims: number[];
  let qDims: number[];
  if (k.reduce === null || red.length === 0) {
    mode = shape.length === 1 ? "ew1" : "ew";
    oDims = dims.slice(0, inner);
    qDims = [];
  } else if (reduced[inner]) {
    mode = "rin";
    oDims = kept;
    qDims = red.filter((d) => d !== inner);
  } else {
    mode = "rout";
    oDims = kept.filter((d) => d !== inner);
    qDims = red;
  }
  const Q = qDims.reduce((p, d) => p * shape[d]!, 1);
  return { shape, reduced, inner, mode, oDims, qDims, Q, keptStrides };
}

export function kernelRange(k: Kernel): KernelRange {
  const L = layout(k);
  const n = L.shape[L.inner]!;
  const total = L.shape.reduce((p, d) => p * d, 1);
  const oTotal = L.oDims.reduce((p, d) => p * L.shape[d]!, 1);
  if (L.mode === "ew1") return { total: n, work: 1, align: 4 };
  if (oTotal === 0) return { total: 0, work: 1, align: 1 };
  return { total: oTotal, work: Math.max(1, total / oTotal), align: 1 };
}

// --- Emission ------------------------------------------------------------------------
