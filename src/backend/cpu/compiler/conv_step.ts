/**
 * The CPU's compiled conv_general_dilated (compiler/library.ts), float32,
 * every configuration the primitive allows: strides, padding (negative
 * crops), lhs and rhs dilation, feature and batch groups, any dimension
 * numbers, any number of spatial dims. It runs as an implicit GEMM:
 *
 *   1. pad:    the lhs, padded and lhs-dilated, into a zeroed buffer P (skipped
 *              without padding or dilation: P is the lhs in place);
 *   2. im2col: the patches into A[G][M][K], M = output rows (batch × output
 *              positions), K = window positions × input features of a group;
 *              with one group, straight into the GEMM's packed panels
 *              (conv_gather.ts packPatches, matmul.ts packedALayout: rows
 *              five at a time through a SIMD transpose), so that the
 *              product skips its own packing pass;
 *   3. GEMM:   out[q] = A[q] · W[q] on the packed WebAssembly GEMM (matmul.ts),
 *              split across the thread pool by rows, with the next elementwise
 *              kernel (bias add, relu) as an epilogue on each chunk;
 *   4. the product scattered into the output layout, when its rows or
 *      features do not merge into one stride (a staged copy).
 *
 * Steps 1, 2 and 4 are one table-driven gather kernel (conv_gather.ts). The
 * order of K (window-major or feature-major) and P's layout (features last
 * or first) are chosen per equation by a cost model of the copies, so that
 * the kernel W is read in place by the GEMM when its dims merge (HWIO and
 * OIHW forward kernels, and the cotangent in the filter gradient, do) and
 * runs of the gather are long (an NHWC 3×3 window over 16 channels copies
 * three runs of 48 floats). The output rows are ordered by the output's
 * strides, so the filter gradient (HWIO output, batch role = I) writes in
 * place too.
 *
 * Results: float32 accumulation as the GEMM's, within (k + 2) ulps of Σ|a·b|
 * of the float64-accumulating eager kernel; bit-identical on any number of
 * threads. Products up to SMALL_MAX_MACS run the direct kernel instead, with
 * the eager kernel's bits. Measured on the 2-core EPYC under load (bench
 * cnnStep, batch 64): the CNN train step went from 254 ms (convolutions as
 * JS eager steps) to 54 ms with this kernel, 31–37 ms with the compiled
 * pools (window_step.ts); PyTorch 7.5 ms in the same sitting. Then, with the
 * patches packed into the panels, the SIMD packing, k blocks of 512 at
 * n ≤ 64 and SIMD pool gradients: 14–19 ms (min–median, load average 5–8;
 * JAXTS_DEBUG=profile: the four 3×3 convolutions of the second layer and
 * its gradients 1.7–2.5 ms each at their fastest).
 */
import { type JaxprEqn, Var } from "../../../core/jaxpr.js";
import { type ConvGeometry, type ConvParams, convLayout } from "../../../lax/convolution.js";
import { stridesOf } from "../../../shape.js";
import { MatmulKernel, packedALayout } from "../matmul.js";
import { cpuMemory, heapBuffer } from "../memory.js";
import { parallelGemmAt, parallelGemmWorkspaceBytes } from "../parallel_gemm.js";
import { gatherAt, packPatchesAt, runsOf, zeroAt } from "./conv_gather.js";
import { type CompiledKernel, registerCompiledKernel } from "./library.js";
import { threadPool } from "./program.js";
import { smallDotAt } from "./small_dot.js";

/** One table-driven copy (conv_gather.ts): byte offsets per row, runs per row. */
interface Copy {
  rowSrc: Int32Array;
  rowDst: Int32Array;
  runs: Int32Array;
  floatsPerRow: number;
}

/** Where P's elements are, in floats: batch, feature and spatial strides. */
interface Layout {
  n: number;
  c: number;
  x: number[];
}

export interface ConvPlan {
  g: ConvGeometry;
  /** Groups (products), rows per group, features per group, contraction length. */
  G: number;
  M: number;
  og: number;
  K: number;
  /** Padding copy into P, or null when P is the lhs in place. */
  pad: Copy | null;
  pBytes: number;
  im2col: Copy;
  /** Kernel repack into [G][K][og], or null when the GEMM reads it in place. */
  rhsCopy: Copy | null;
  /** B's strides in floats (of the rhs, or of the repacked copy). */
  bStrides: [number, number, number];
  /** Staged product into the output, or null when the GEMM writes it in place. */
  staging: Copy | null;
  outStrides: [number, number];
  /** Whether the output has no elements, or K is 0 (an all-zero result). */
  empty: boolean;
  zero: boolean;
  /** A small product: the direct kernel, the eager kernel's bits (see SMALL_MAX_MACS). */
  small: boolean;
  /**
   * The patches packed straight into the GEMM's panels (one group, a GEMM
   * product): runs [srcBytes, dstBytes, panelStrideBytes, floats] split at
   * the k blocks, and the padded row count; null: im2col then the GEMM packs.
   */
  packed: { runs: Int32Array; mPad: number } | null;
}

/** The im2col runs [srcBytes, kBytes, bytes] as packPatches runs in the GEMM's panel layout. */
function packedRuns(im: Int32Array, M: number, og: number, K: number): ConvPlan["packed"] {
  const { mr, kb, mPad } = packedALayout(M, og, K);
  const out: number[] = [];
  for (let j = 0; j < im.length; j += 3) {
    const src = im[j]!;
    const k0 = im[j + 1]! / 4;
    const len = im[j + 2]! / 4;
    for (let k = k0; k < k0 + len; ) {
      const pc = Math.floor(k / kb) * kb;
      const kc = Math.min(kb, K - pc);
      const end = Math.min(k0 + len, pc + kc);
      out.push(src + (k - k0) * 4, (mPad * pc + (k - pc) * mr) * 4, mr * kc * 4, end - k);
      k = end;
    }
  }
  return { runs: Int32Array.from(out), mPad };
}

/**
 * Products up to this many multiply-adds run the direct kernel (small_dot.ts)
 * on patches in the eager kernel's order (features major, window minor):
 * float64 products summed in order and rounded once, the eager kernel's bits.
 */
const SMALL_MAX_MACS = 1 << 16;

const align16 = (x: number): number => Math.ceil(x / 16) * 16;
const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** Row-major enumeration of `sizes`, calling `f` with the index vector. */
function forEachIndex(sizes: readonly number[], f: (idx: readonly number[]) => void): void {
  if (sizes.some((s) => s === 0)) return;
  const idx = new Array<number>(sizes.length).fill(0);
  for (;;) {
    f(idx);
    let d = sizes.length - 1;
    for (; d >= 0; d--) {
      if (++idx[d]! < sizes[d]!) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Cost of a copy in scalar-copy units: a run costs ~6, a float a quarter (f32x4) plus its tail. */
function copyCost(c: { runs: Int32Array; rowSrc: { length: number } }): number {
  let perRow = 2;
  for (let j = 0; j < c.runs.length; j += 3) {
    const len = c.runs[j + 2]! / 4;
    perRow += 6 + (len >> 2) + (len & 3);
  }
  return perRow * c.rowSrc.length;
}

/** The stride `offs` advance by at every step, or null when they do not form a progression from 0. */
function progression(offs: ArrayLike<number>): number | null {
  if (offs.length === 0) return 0;
  if (offs[0] !== 0) return null;
  const st = offs.length > 1 ? offs[1]! : 0;
  if (st < 0) return null;
  for (let i = 0; i < offs.length; i++) if (offs[i] !== i * st) return null;
  return st;
}

function makeCopy(
  rowSrc: readonly number[],
  rowDst: readonly number[],
  runs: Int32Array,
  floatsPerRow: number,
): Copy {
  const src = new Int32Array(rowSrc.length);
  const dst = new Int32Array(rowDst.length);
  for (let r = 0; r < src.length; r++) {
    src[r] = rowSrc[r]! * 4;
    dst[r] = rowDst[r]! * 4;
  }
  return { rowSrc: src, rowDst: dst, runs, floatsPerRow };
}

/** The plan of a float32 convolution (everything but addresses). */
export function planConv(e: JaxprEqn): ConvPlan {
  const [lhs, rhs] = e.inputs as [Var, Var];
  const p = e.params as ConvParams;
  const { geometry: g, outShape } = convLayout(lhs.aval, rhs.aval, p);
  const [ls, rs, os] = p.dimension_numbers;
  const nsp = g.window.length;
  const lst = stridesOf(lhs.aval.shape);
  const rst = stridesOf(rhs.aval.shape);
  const ost = stridesOf(outShape);
  const sN = lst[ls[0]!]!;
  const sC = lst[ls[1]!]!;
  const sX = ls.slice(2).map((d) => lst[d]!);
  const sO = rst[rs[0]!]!;
  const sI = rst[rs[1]!]!;
  const sK = rs.slice(2).map((d) => rst[d]!);
  const oN = ost[os[0]!]!;
  const oO = ost[os[1]!]!;
  const oS = os.slice(2).map((d) => ost[d]!);
  const G = g.featureGroups * g.batchGroups;
  const nOut = g.n / g.batchGroups;
  const og = g.o / G;
  const K = g.i * prod(g.window);
  const M = nOut * prod(g.outSpatial);
  const empty = prod(outShape) === 0;
  const zero = !empty && K === 0;
  const small = G * M * og * K <= SMALL_MAX_MACS;

  // Output rows ordered by the output's strides (largest first), so they merge when they can.
  const rowDims = [{ size: nOut, stride: oN, dim: -1 }];
  g.outSpatial.forEach((size, d) => rowDims.push({ size, stride: oS[d]!, dim: d }));
  rowDims.sort((a, b) => b.stride - a.stride);
  // Per row: its batch index, output position (rowO[r·nsp + d]) and output offset.
  const rowB = new Int32Array(M);
  const rowO = new Int32Array(M * nsp);
  const rowOut = new Int32Array(M);
  const rSize = Int32Array.from(rowDims, (r) => r.size);
  const rStride = Int32Array.from(rowDims, (r) => r.stride);
  const rDim = Int32Array.from(rowDims, (r) => r.dim);
  for (let r = 0; r < M; r++) {
    let rem = r;
    let off = 0;
    for (let k = rowDims.length - 1; k >= 0; k--) {
      const i = rem % rSize[k]!;
      rem = (rem - i) / rSize[k]!;
      if (rDim[k]! < 0) rowB[r] = i;
      else rowO[r * nsp + rDim[k]!] = i;
      off += i * rStride[k]!;
    }
    rowOut[r] = off;
  }
  const rowStride = progression(rowOut);
  // The direct kernel writes [G][M][og] row-major: in place only when that is the output.
  const outDirect = small
    ? rowStride === og && (og <= 1 || oO === 1) && (G === 1 || og * oO === M * og)
    : rowStride !== null && (og <= 1 || oO === 1);

  // P: the padded, dilated lhs. Layout candidates: in place, features last, features first.
  const noPad =
    p.padding.every(([lo, hi]) => lo === 0 && hi === 0) && g.lhsDilation.every((x) => x === 1);
  const pSp = g.inSpatial.map((n, d) =>
    Math.max(0, (n === 0 ? 0 : (n - 1) * g.lhsDilation[d]! + 1) + p.padding[d]![0] + p.padding[d]![1]),
  ); // biome-ignore format: long
  const spSize = prod(pSp);
  const xStrides = (inner: number) => stridesOf(pSp).map((s) => s * inner);
  const layouts: { lay: Layout; inPlace: boolean }[] = [];
  if (noPad) layouts.push({ lay: { n: sN, c: sC, x: sX }, inPlace: true });
  layouts.push({ lay: { n: g.c * spSize, c: 1, x: xStrides(g.c) }, inPlace: false });
  layouts.push({ lay: { n: g.c * spSize, c: spSize, x: xStrides(1) }, inPlace: false });

  // Rows of the padding copy: batch and every spatial dim but the last; a row's elements are
  // the last spatial dim's positions (those inside P) by features, merged into runs
  // (an NHWC row of 28 positions × 16 features is one run of 448 floats).
  const padCopy = (lay: Layout): Copy => {
    const outer = Math.max(0, nsp - 1);
    const src: number[] = [];
    const dst: number[] = [];
    forEachIndex([g.n, ...g.inSpatial.slice(0, outer)], (idx) => {
      let s = idx[0]! * sN;
      let t = idx[0]! * lay.n;
      for (let d = 0; d < outer; d++) {
        const q = idx[d + 1]! * g.lhsDilation[d]! + g.padLo[d]!;
        if (q < 0 || q >= pSp[d]!) return;
        s += idx[d + 1]! * sX[d]!;
        t += q * lay.x[d]!;
      }
      src.push(s);
      dst.push(t);
    });
    const es: number[] = [];
    const ed: number[] = [];
    const last = nsp - 1;
    const xs = nsp === 0 ? [0] : Array.from({ length: g.inSpatial[last]! }, (_, x) => x);
    for (const x of xs) {
      const q = nsp === 0 ? 0 : x * g.lhsDilation[last]! + g.padLo[last]!;
      if (nsp > 0 && (q < 0 || q >= pSp[last]!)) continue;
      for (let c = 0; c < g.c; c++) {
        es.push((nsp === 0 ? 0 : x * sX[last]!) + c * sC);
        ed.push((nsp === 0 ? 0 : q * lay.x[last]!) + c * lay.c);
      }
    }
    return makeCopy(src, dst, runsOf(es, ed), es.length);
  };

  // K orders: window-major (features innermost) or feature-major.
  // K's index in each order: its input feature ci[kk] and window position k[kk·nsp + d]
  // (typed arrays: a filter gradient's K is batch × positions, 50176 in the CNN step).
  const kIndex = (order: "window" | "feature"): { ci: Int32Array; k: Int32Array } => {
    const ci = new Int32Array(K);
    const k = new Int32Array(K * nsp);
    const wsz = prod(g.window);
    for (let kk = 0; kk < K; kk++) {
      const c = order === "window" ? kk % g.i : Math.floor(kk / wsz);
      let w = order === "window" ? Math.floor(kk / g.i) : kk % wsz;
      ci[kk] = c;
      for (let d = nsp - 1; d >= 0; d--) {
        const x = w % g.window[d]!;
        w = (w - x) / g.window[d]!;
        k[kk * nsp + d] = x;
      }
    }
    return { ci, k };
  };
  // Offsets of K's elements: feature stride `cs`, window stride `ws[d]` per spatial dim.
  const kOffsets = (ks: { ci: Int32Array; k: Int32Array }, cs: number, ws: readonly number[]) => {
    const out = new Float64Array(K);
    for (let kk = 0; kk < K; kk++) {
      let off = ks.ci[kk]! * cs;
      for (let d = 0; d < nsp; d++) off += ks.k[kk * nsp + d]! * ws[d]!;
      out[kk] = off;
    }
    return out;
  };
  const kIota = Int32Array.from({ length: K }, (_, kk) => kk);

  const groupBase = (q: number, lay: Layout) =>
    (g.batchGroups > 1 ? q * nOut : 0) * lay.n + (g.featureGroups > 1 ? q * g.i : 0) * lay.c;

  // Staging of the product into the output (the same for every candidate).
  let staging: Copy | null = null;
  if (!outDirect) {
    const rowSrc = new Int32Array(G * M);
    const rowDst = new Int32Array(G * M);
    for (let q = 0; q < G; q++) {
      for (let r = 0; r < M; r++) {
        rowSrc[q * M + r] = (q * M + r) * og * 4;
        rowDst[q * M + r] = (q * og * oO + rowOut[r]!) * 4;
      }
    }
    const js = Array.from({ length: og }, (_, j) => j);
    const runs = runsOf(
      js,
      js.map((j) => j * oO),
    );
    staging = { rowSrc, rowDst, runs, floatsPerRow: og };
  }

  let best: { cost: number; plan: ConvPlan; im2col: () => Copy } | null = null;
  for (const order of small ? (["feature"] as const) : (["window", "feature"] as const)) {
    const ks = kIndex(order);
    const colR = kOffsets(ks, sI, sK);
    const kStride = progression(colR);
    let rhsCopy: Copy | null = null;
    let bStrides: [number, number, number];
    if (kStride !== null) {
      bStrides = [og * sO, kStride, sO];
    } else {
      const src: number[] = [];
      const dst: number[] = [];
      for (let q = 0; q < G; q++) {
        colR.forEach((c, kk) => {
          src.push(q * og * sO + c);
          dst.push((q * K + kk) * og);
        });
      }
      const js = Array.from({ length: og }, (_, j) => j);
      rhsCopy = makeCopy(
        src,
        dst,
        runsOf(
          js.map((j) => j * sO),
          js,
        ),
        og,
      );
      bStrides = [K * og, og, 1];
    }
    for (const { lay, inPlace } of layouts) {
      const colP = kOffsets(
        ks,
        lay.c,
        lay.x.map((x, d) => x * g.rhsDilation[d]!),
      );
      // The patch copy's rows are built for the chosen candidate only (M can be 10⁵).
      const imRuns = runsOf(colP, kIota);
      const im2col = (): Copy => {
        const rowSrc = new Int32Array(G * M);
        const rowDst = new Int32Array(G * M);
        for (let q = 0; q < G; q++) {
          const base = groupBase(q, lay);
          for (let r = 0; r < M; r++) {
            let off = base + rowB[r]! * lay.n;
            for (let d = 0; d < nsp; d++) off += rowO[r * nsp + d]! * g.strides[d]! * lay.x[d]!;
            rowSrc[q * M + r] = off * 4;
            rowDst[q * M + r] = (q * M + r) * K * 4;
          }
        }
        return { rowSrc, rowDst, runs: imRuns, floatsPerRow: K };
      };
      const pad = inPlace ? null : padCopy(lay);
      const cost =
        copyCost({ runs: imRuns, rowSrc: { length: G * M } }) +
        (pad === null ? 0 : copyCost(pad) + (g.c * g.n * spSize) / 8) +
        (rhsCopy === null ? 0 : copyCost(rhsCopy)) +
        (staging === null ? 0 : copyCost(staging));
      if (best === null || cost < best.cost) {
        best = {
          cost,
          im2col,
          plan: {
            g, G, M, og, K, pad, pBytes: inPlace ? 0 : g.n * g.c * spSize * 4, im2col: EMPTY_COPY,
            rhsCopy, bStrides, staging,
            outStrides: outDirect ? [og * oO, rowStride ?? 0] : [M * og, og],
            empty, zero, small, packed: null,
          }, // biome-ignore format: compact
        };
      }
    }
  }
  const pl = { ...best!.plan, im2col: best!.im2col() };
  if (G === 1 && !small && !empty && !zero) pl.packed = packedRuns(pl.im2col.runs, M, og, K);
  return pl;
}

const EMPTY_COPY: Copy = {
  rowSrc: new Int32Array(0),
  rowDst: new Int32Array(0),
  runs: new Int32Array(0),
  floatsPerRow: 0,
};

/** Byte offsets of the workspace regions, and the total. */
interface Regions {
  padTables: number;
  p: number;
  imTables: number;
  a: number;
  rhsTables: number;
  b: number;
  stTables: number;
  st: number;
  gemm: number;
  gemmBytes: number;
  total: number;
}

const tableBytes = (c: Copy | null): number =>
  c === null ? 0 : align16(c.rowSrc.byteLength * 2 + c.runs.byteLength);

let matmul: MatmulKernel | null = null;
const matmulKernel = (): MatmulKernel => (matmul ??= MatmulKernel.create(cpuMemory()));

function gemmShape(pl: ConvPlan) {
  return { batch: pl.G, m: pl.M, n: pl.og, k: pl.K };
}

function regions(pl: ConvPlan): Regions {
  let at = 0;
  const take = (bytes: number) => {
    const o = at;
    at += align16(bytes);
    return o;
  };
  const padTables = take(tableBytes(pl.pad));
  const p = take(pl.pBytes);
  const imTables = take(
    pl.packed === null ? tableBytes(pl.im2col) : pl.M * 4 + pl.packed.runs.byteLength,
  );
  const a = take((pl.packed === null ? pl.G * pl.M : pl.packed.mPad) * pl.K * 4);
  const rhsTables = take(tableBytes(pl.rhsCopy));
  const b = take(pl.rhsCopy === null ? 0 : pl.G * pl.K * pl.og * 4);
  const stTables = take(tableBytes(pl.staging));
  const st = take(pl.staging === null ? 0 : pl.G * pl.M * pl.og * 4);
  const shape = gemmShape(pl);
  const tp = threadPool();
  const gemmBytes = Math.max(
    matmulKernel().workspaceBytes(shape),
    tp === null ? 0 : parallelGemmWorkspaceBytes(tp, shape),
  );
  const gemm = take(pl.small ? 0 : gemmBytes);
  return { padTables, p, imTables, a, rhsTables, b, stTables, st, gemm, gemmBytes, total: at };
}

/** Writes a copy's tables at `at` and runs it from `src` to `dst`. */
function runCopy(c: Copy, at: number, src: number, dst: number): void {
  const buf = heapBuffer();
  const n = c.rowSrc.length;
  new Int32Array(buf, at, n).set(c.rowSrc);
  new Int32Array(buf, at + n * 4, n).set(c.rowDst);
  new Int32Array(buf, at + n * 8, c.runs.length).set(c.runs);
  gatherAt(src, dst, at, at + n * 4, at + n * 8, c.runs.length / 3, n, c.floatsPerRow);
}

function convMatches(e: JaxprEqn): boolean {
  const [l, r] = e.inputs;
  if (!(l instanceof Var) || !(r instanceof Var)) return false;
  return (
    l.aval.dtype === "float32" &&
    r.aval.dtype === "float32" &&
    e.outBinders[0]!.aval.dtype === "float32"
  );
}

/** Plans are cached per equation: match, workspace and build all ask. */
const plans = new WeakMap<JaxprEqn, ConvPlan>();
function plan(e: JaxprEqn): ConvPlan {
  let pl = plans.get(e);
  if (pl === undefined) {
    pl = planConv(e);
    plans.set(e, pl);
  }
  return pl;
}

/** Whether the product's rows are the output, contiguous and in order (an epilogue can follow). */
function rowsInPlace(pl: ConvPlan): boolean {
  return !pl.small && pl.G === 1 && pl.staging === null && pl.outStrides[1] === pl.og;
}

export const convKernel: CompiledKernel = {
  name: "conv_general_dilated",
  match: convMatches,
  workspace: (e) => {
    const pl = plan(e);
    return pl.empty || pl.zero ? 0 : regions(pl).total;
  },
  parallel: (e) => !plan(e).empty,
  epilogueRows: (e) => {
    const pl = plan(e);
    return !pl.empty && !pl.zero && rowsInPlace(pl) ? pl.M : 0;
  },
  build(e, epilogue) {
    const pl = plan(e);
    const outBytes = e.outBinders[0]!.aval.size * 4;
    // addrs: lhs, rhs, out, workspace.
    return (addrs, epilogueAddrs) => {
      const [lhs, rhs, out, ws] = addrs as [number, number, number, number];
      if (pl.empty) return;
      if (pl.zero) {
        new Uint8Array(heapBuffer(), out, outBytes).fill(0);
        epilogue?.run(epilogueAddrs);
        return;
      }
      const R = regions(pl);
      let src = lhs;
      if (pl.pad !== null) {
        zeroAt(ws + R.p, pl.pBytes);
        runCopy(pl.pad, ws + R.padTables, lhs, ws + R.p);
        src = ws + R.p;
      }
      if (pl.packed === null) runCopy(pl.im2col, ws + R.imTables, src, ws + R.a);
      else {
        const { runs, mPad } = pl.packed;
        const t = ws + R.imTables;
        const buf = heapBuffer();
        new Int32Array(buf, t, pl.M).set(pl.im2col.rowSrc);
        new Int32Array(buf, t + pl.M * 4, runs.length).set(runs);
        packPatchesAt(src, ws + R.a, t, t + pl.M * 4, runs.length / 4, pl.M, mPad / 5, 5 * pl.K);
      }
      let b = rhs;
      if (pl.rhsCopy !== null) {
        runCopy(pl.rhsCopy, ws + R.rhsTables, rhs, ws + R.b);
        b = ws + R.b;
      }
      const spec = {
        ...gemmShape(pl),
        a: ws + R.a,
        aStrides: pl.packed === null ? ([pl.M * pl.K, pl.K, 1] as const) : ([0, pl.packed.mPad, 0] as const), // biome-ignore format: long
        packedA: pl.packed !== null,
        b,
        bStrides: pl.bStrides,
        out: pl.staging === null ? out : ws + R.st,
        outStrides: pl.outStrides,
        workspace: ws + R.gemm,
      };
      if (pl.small) {
        smallDotAt(spec);
        epilogue?.run(epilogueAddrs);
        if (pl.staging !== null) runCopy(pl.staging, ws + R.stTables, ws + R.st, out);
        return;
      }
      const tp = threadPool();
      const ep =
        epilogue === null
          ? undefined
          : { module: epilogue.module, exportName: epilogue.exportName, args: epilogueAddrs, scale: epilogue.scale }; // biome-ignore format: long
      if (tp !== null && tp.threads > 1) {
        parallelGemmAt(tp, { ...spec, workspaceBytes: R.gemmBytes }, ep);
      } else {
        matmulKernel().gemmAt(spec);
        epilogue?.run(epilogueAddrs);
      }
      if (pl.staging !== null) runCopy(pl.staging, ws + R.stTables, ws + R.st, out);
    };
  },
};

registerCompiledKernel(convKernel);
