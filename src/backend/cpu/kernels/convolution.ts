/**
 * The reference kernel of conv_general_dilated, on operands already put in
 * the canonical layouts lhs [N, C, ...spatial], rhs [O, I, ...window] and
 * out [N / batchGroups, O, ...spatial].
 *
 * An index map, computed once per call, gives for every window position and
 * output position the offset of the input element it reads inside one
 * channel plane of one image, or -1 where it falls on padding or on a hole
 * of the lhs dilation. The product then runs as im2col, one image (and
 * group) at a time: the patch under every output position is gathered into
 * a contiguous row, and each output element is the dot product of a kernel
 * row with a patch row. Floats accumulate in float64 and are rounded once
 * when stored; integers wrap in 32 bits as XLA's do.
 *
 * The CPU backend's library kernel "conv_general_dilated" (core/library.ts):
 * operands are permuted into the canonical layouts, convolved, and the result
 * permuted into the output spec.
 */
import type { ArrayImpl } from "../../../core/array.js";
import { ShapedArray } from "../../../core/aval.js";
import { allocate, isInteger } from "../../../dtype.js";
import { type ConvGeometry, type ConvParams, convLayout } from "../../../lax/convolution.js";
import { invertPermutation, permuteInto } from "../../../lax/shape_util.js";
import { sizeOf, stridesOf } from "../../../shape.js";
import { cpuArray, cpuData } from "../buffer.js";
import { registerCpuKernel } from "./register.js";

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
 * Runs the convolution: `out` (canonical) is overwritten. Output feature
 * group q (of featureGroups · batchGroups groups, one of the two being 1)
 * reads lhs channels [q·i, (q+1)·i) for feature groups, or lhs images
 * [q·n', (q+1)·n') (n' = n / batchGroups) for batch groups.
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
  const map = transposeMap(indexMap(g), kTotal, sTotal);
  const integer = lhs instanceof Int32Array;
  // The patches of one image and group: patches[s * rowLen + ci * kTotal + k].
  const patches = integer ? new Int32Array(sTotal * rowLen) : new Float64Array(sTotal * rowLen);
  for (let b = 0; b < nOut; b++) {
    for (let q = 0; q < groups; q++) {
      const image = g.batchGroups > 1 ? q * nOut + b : b;
      const chan0 = g.featureGroups > 1 ? q * g.i : 0;
      gatherPatches(lhs, (image * g.c + chan0) * plane, plane, g.i, map, kTotal, sTotal, patches);
      const outBase = (b * g.o + q * og) * sTotal;
      if (integer) {
        productI32(patches as Int32Array, rhs as Int32Array, q * og, og, rowLen, sTotal, out as Int32Array, outBase);
      } else {
        productF64(patches as Float64Array, rhs as Float64Array, q * og, og, rowLen, sTotal, out as Float64Array, outBase);
      } // biome-ignore format: long argument lists read better on one line
    }
  }
}

/** The index map with output positions major: m[s * kTotal + k]. */
function transposeMap(map: Int32Array, kTotal: number, sTotal: number): Int32Array {
  const t = new Int32Array(map.length);
  for (let k = 0; k < kTotal; k++) {
    for (let s = 0; s < sTotal; s++) t[s * kTotal + k] = map[k * sTotal + s]!;
  }
  return t;
}

/** im2col of one image's channels [0, nChan) starting at `base`: one patch row per output position. */
function gatherPatches(
  lhs: Buf,
  base: number,
  plane: number,
  nChan: number,
  map: Int32Array,
  kTotal: number,
  sTotal: number,
  patches: Buf,
): void {
  let dst = 0;
  for (let s = 0; s < sTotal; s++) {
    const m = s * kTotal;
    for (let ci = 0; ci < nChan; ci++) {
      const src = base + ci * plane;
      for (let k = 0; k < kTotal; k++) {
        const off = map[m + k]!;
        patches[dst++] = off < 0 ? 0 : lhs[src + off]!;
      }
    }
  }
}

/**
 * out[outBase + j·S + s] = Σ_k w[(o0 + j)·K + k] · patches[s·K + k]: dot
 * products along contiguous rows, four output features at a time so each
 * patch value loaded serves four sums held in locals.
 */
function productF64(
  patches: Float64Array,
  w: Float64Array,
  o0: number,
  og: number,
  kLen: number,
  sTotal: number,
  out: Float64Array,
  outBase: number,
): void {
  let j = 0;
  for (; j + 4 <= og; j += 4) {
    const w0 = (o0 + j) * kLen;
    const w1 = w0 + kLen;
    const w2 = w1 + kLen;
    const w3 = w2 + kLen;
    const o = outBase + j * sTotal;
    let s = 0;
    // Two output positions at a time: eight sums from six loads per step.
    for (; s + 2 <= sTotal; s += 2) {
      const p = s * kLen;
      const q = p + kLen;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let k = 0; k < kLen; k++) {
        const u = patches[p + k]!;
        const v = patches[q + k]!;
        const x0 = w[w0 + k]!;
        const x1 = w[w1 + k]!;
        const x2 = w[w2 + k]!;
        const x3 = w[w3 + k]!;
        a0 += x0 * u;
        a1 += x1 * u;
        a2 += x2 * u;
        a3 += x3 * u;
        b0 += x0 * v;
        b1 += x1 * v;
        b2 += x2 * v;
        b3 += x3 * v;
      }
      out[o + s] = a0;
      out[o + sTotal + s] = a1;
      out[o + 2 * sTotal + s] = a2;
      out[o + 3 * sTotal + s] = a3;
      out[o + s + 1] = b0;
      out[o + sTotal + s + 1] = b1;
      out[o + 2 * sTotal + s + 1] = b2;
      out[o + 3 * sTotal + s + 1] = b3;
    }
    for (; s < sTotal; s++) {
      const p = s * kLen;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let k = 0; k < kLen; k++) {
        const v = patches[p + k]!;
        a0 += w[w0 + k]! * v;
        a1 += w[w1 + k]! * v;
        a2 += w[w2 + k]! * v;
        a3 += w[w3 + k]! * v;
      }
      out[o + s] = a0;
      out[o + sTotal + s] = a1;
      out[o + 2 * sTotal + s] = a2;
      out[o + 3 * sTotal + s] = a3;
    }
  }
  for (; j < og; j++) {
    const w0 = (o0 + j) * kLen;
    for (let s = 0; s < sTotal; s++) {
      const p = s * kLen;
      let a = 0;
      for (let k = 0; k < kLen; k++) a += w[w0 + k]! * patches[p + k]!;
      out[outBase + j * sTotal + s] = a;
    }
  }
}

/** The same in wrapping 32-bit integer arithmetic. */
function productI32(
  patches: Int32Array,
  w: Int32Array,
  o0: number,
  og: number,
  kLen: number,
  sTotal: number,
  out: Int32Array,
  outBase: number,
): void {
  for (let j = 0; j < og; j++) {
    const w0 = (o0 + j) * kLen;
    for (let s = 0; s < sTotal; s++) {
      const p = s * kLen;
      let a = 0;
      for (let k = 0; k < kLen; k++) a = (a + Math.imul(w[w0 + k]!, patches[p + k]!)) | 0;
      out[outBase + j * sTotal + s] = a;
    }
  }
}

/** conv_general_dilated on the CPU: canonical layouts in, the kernel, the output spec out. */
function convCpu(lhs: ArrayImpl, rhs: ArrayImpl, p: ConvParams): ArrayImpl {
  const L = convLayout(lhs.aval, rhs.aval, p);
  const Buf = isInteger(lhs.dtype) ? Int32Array : Float64Array;
  const [ls, rs, os] = p.dimension_numbers;
  const a = new Buf(lhs.size);
  const b = new Buf(rhs.size);
  permuteInto(cpuData(lhs), lhs.shape, ls, a);
  permuteInto(cpuData(rhs), rhs.shape, rs, b);
  const c = new Buf(sizeOf(L.canonicalOut));
  convKernel(a, b, L.geometry, c);
  const out = allocate(lhs.dtype, c.length);
  permuteInto(c, L.canonicalOut, invertPermutation(os), out);
  return cpuArray(
    new ShapedArray(L.outShape, lhs.dtype, lhs.aval.weakType && rhs.aval.weakType),
    out,
  );
}

registerCpuKernel<ConvParams>("conv_general_dilated", ([lhs, rhs], p) => [convCpu(lhs!, rhs!, p)]);
