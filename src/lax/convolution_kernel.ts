/**
 * The reference kernel of conv_general_dilated, on operands already put in
 * the canonical layouts lhs [N, C, ...spatial], rhs [O, I, ...window] and
 * out [N / batchGroups, O, ...spatial].
 *
 * An index map, computed once per call, gives for every window position and
 * output position the offset of the input element it reads inside one
 * channel plane of one image, or -1 where it falls on padding or on a hole
 * of the lhs dilation. The product then runs as im2col streamed one row at a
 * time: for each input channel and window position the row of input values
 * under it is gathered (one value per output position) and added, scaled by
 * each output feature's weight, into that feature's accumulator row. The
 * inner loops walk contiguous rows. Floats accumulate in float64 and are
 * rounded once when stored; integers wrap in 32 bits as XLA's do.
 */
import { type Shape, sizeOf, stridesOf } from "../shape.js";

/** Everything the kernel needs to know, in canonical order (spatial dims as the rhs spec orders them). */
export interface ConvGeometry {
  /** lhs batch and feature sizes. */
  n: number;
  c: number;
  /** rhs output and input feature sizes (i = c / featureGroups). */
  o: number;
  i: number;
  inSpatial: number[];
  window: number[];
  outSpatial: number[];
  strides: number[];
  /** Low padding per spatial dim (high padding is implied by the output size). */
  padLo: number[];
  lhsDilation: number[];
  rhsDilation: number[];
  featureGroups: number;
  batchGroups: number;
}

type Buf = Float64Array | Int32Array;

/**
 * map[k * S + s]: the offset inside one input plane read by window position k
 * (row-major over the window) at output position s (row-major over the
 * output), or -1. Built one spatial dim at a time.
 */
function indexMap(g: ConvGeometry): Int32Array {
  const nd = g.window.length;
  const inStrides = stridesOf(g.inSpatial);
  // Per dim: table[kd * outD + od] = input index along the dim, or -1.
  const tables = g.window.map((kSize, d) => {
    const outD = g.outSpatial[d]!;
    const nIn = g.inSpatial[d]!;
    const ld = g.lhsDilation[d]!;
    const t = new Int32Array(kSize * outD);
    for (let k = 0; k < kSize; k++) {
      for (let o = 0; o < outD; o++) {
        // Position in the dilated, padded input.
        const p = o * g.strides[d]! + k * g.rhsDilation[d]! - g.padLo[d]!;
        t[k * outD + o] = p >= 0 && p % ld === 0 && p / ld < nIn ? p / ld : -1;
      }
    }
    return t;
  });
  const kTotal = sizeOf(g.window);
  const sTotal = sizeOf(g.outSpatial);
  const map = new Int32Array(kTotal * sTotal);
  const kIdx = new Int32Array(nd);
  // Offsets of the output positions for one window position, extended dim by dim.
  let offs = new Int32Array(sTotal);
  let next = new Int32Array(sTotal);
  for (let k = 0; k < kTotal; k++) {
    let len = 1;
    offs[0] = 0;
    for (let d = 0; d < nd; d++) {
      const outD = g.outSpatial[d]!;
      const t = tables[d]!;
      const base = kIdx[d]! * outD;
      const st = inStrides[d]!;
      for (let p = 0; p < len; p++) {
        const prev = offs[p]!;
        for (let o = 0; o < outD; o++) {
          const v = t[base + o]!;
          next[p * outD + o] = prev < 0 || v < 0 ? -1 : prev + v * st;
        }
      }
      len *= outD;
      [offs, next] = [next, offs];
    }
    map.set(offs.subarray(0, sTotal), k * sTotal);
    for (let d = nd - 1; d >= 0; d--) {
      if (++kIdx[d]! < g.window[d]!) break;
      kIdx[d] = 0;
    }
  }
  return map;
}

/**
 * Runs the convolution: `out` (canonical, zero-filled or not) is overwritten.
 * Output feature group q (of featureGroups · batchGroups groups, one of the
 * two being 1) reads lhs channels [q·i, (q+1)·i) for feature groups, or lhs
 * images [q·n', (q+1)·n') (n' = n / batchGroups) for batch groups.
 */
export function convKernel(lhs: Buf, rhs: Buf, g: ConvGeometry, out: Buf): void {
  const groups = g.featureGroups * g.batchGroups;
  const nOut = g.n / g.batchGroups;
  const og = g.o / groups;
  const kTotal = sizeOf(g.window);
  const sTotal = sizeOf(g.outSpatial);
  const plane = sizeOf(g.inSpatial);
  const rowLen = g.i * kTotal;
  if (out.length === 0) return;
  if (rowLen === 0 || og === 0) {
    out.fill(0);
    return;
  }
  const map = indexMap(g);
  const integer = lhs instanceof Int32Array;
  const acc = integer ? new Int32Array(og * sTotal) : new Float64Array(og * sTotal);
  const row = integer ? new Int32Array(sTotal) : new Float64Array(sTotal);
  for (let b = 0; b < nOut; b++) {
    for (let q = 0; q < groups; q++) {
      const image = g.batchGroups > 1 ? q * nOut + b : b;
      const chan0 = g.featureGroups > 1 ? q * g.i : 0;
      const imageBase = (image * g.c + chan0) * plane;
      acc.fill(0);
      for (let ci = 0; ci < g.i; ci++) {
        const planeBase = imageBase + ci * plane;
        for (let k = 0; k < kTotal; k++) {
          const m = k * sTotal;
          for (let s = 0; s < sTotal; s++) {
            const off = map[m + s]!;
            row[s] = off < 0 ? 0 : lhs[planeBase + off]!;
          }
          const wk = ci * kTotal + k;
          if (integer) {
            axpyI32(
              acc as Int32Array,
              row as Int32Array,
              rhs as Int32Array,
              q * og,
              og,
              rowLen,
              wk,
            );
          } else {
            axpyF64(
              acc as Float64Array,
              row as Float64Array,
              rhs as Float64Array,
              q * og,
              og,
              rowLen,
              wk,
            );
          }
        }
      }
      out.set(acc, (b * g.o + q * og) * sTotal);
    }
  }
}

/** acc[j] += w[o0 + j, wk] · row, for the og output features of a group. */
function axpyF64(
  acc: Float64Array,
  row: Float64Array,
  w: Float64Array,
  o0: number,
  og: number,
  rowLen: number,
  wk: number,
): void {
  const s = row.length;
  for (let j = 0; j < og; j++) {
    const wv = w[(o0 + j) * rowLen + wk]!;
    if (wv === 0) continue;
    const base = j * s;
    for (let t = 0; t < s; t++) acc[base + t]! += wv * row[t]!;
  }
}

function axpyI32(
  acc: Int32Array,
  row: Int32Array,
  w: Int32Array,
  o0: number,
  og: number,
  rowLen: number,
  wk: number,
): void {
  const s = row.length;
  for (let j = 0; j < og; j++) {
    const wv = w[(o0 + j) * rowLen + wk]!;
    if (wv === 0) continue;
    const base = j * s;
    for (let t = 0; t < s; t++) acc[base + t] = (acc[base + t]! + Math.imul(wv, row[t]!)) | 0;
  }
}

/** Copies x (row-major `shape`) transposed by `perm` into `out` (out dim i = x dim perm[i]). */
export function permuteInto(
  data: ArrayLike<number>,
  shape: Shape,
  perm: readonly number[],
  out: { [i: number]: number; set(a: ArrayLike<number>, offset?: number): void },
): void {
  const total = sizeOf(shape);
  if (total === 0) return;
  if (perm.every((p, i) => p === i)) {
    out.set(data);
    return;
  }
  const strides = stridesOf(shape);
  const dims = perm.map((p) => shape[p]!);
  const st = perm.map((p) => strides[p]!);
  const nd = dims.length;
  const n = dims[nd - 1]!;
  const s = st[nd - 1]!;
  const idx = new Int32Array(nd);
  let src = 0;
  for (let dst = 0; dst < total; dst += n) {
    for (let j = 0; j < n; j++) out[dst + j] = data[src + j * s]!;
    for (let d = nd - 2; d >= 0; d--) {
      src += st[d]!;
      if (++idx[d]! < dims[d]!) break;
      src -= st[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
}
