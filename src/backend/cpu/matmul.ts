/**
 * float32 matrix multiplication in WebAssembly SIMD128: blocked for cache,
 * packed panels, a register-tiled f32x4 micro-kernel (GotoBLAS/BLIS).
 *
 *   matmul(a, b, m, k, n, out?)
 *     out[m, n] = a[m, k] · b[k, n], row-major and contiguous.
 *
 *   gemm(a, b, out, spec)
 *     batched and strided, so every transpose of dot_general is free:
 *       out[outOffset + bi*outStrides[0] + i*outStrides[1] + j] (+)=
 *         Σ_p a[aOffset + bi*aStrides[0] + i*aStrides[1] + p*aStrides[2]]
 *           · b[bOffset + bi*bStrides[0] + p*bStrides[1] + j*bStrides[2]]
 *     (strides in elements, non-negative; a batch stride of 0 broadcasts).
 *
 *   MatmulKernel.create(memory).gemmAt(spec)
 *     the same on byte offsets into a WebAssembly.Memory the caller owns
 *     (compiled programs keep their buffers there), with a scratch area of
 *     `workspaceBytes(spec)` bytes.
 *
 * Accumulation is in float32: results differ from the float64-accumulating
 * reference kernel by at most (k + 2) ulps of Σ|a·b|. NaN and infinities
 * propagate as in IEEE arithmetic (padding lanes are discarded, never mixed
 * into results). Full panels of A contiguous along k are packed with a 4×4
 * SIMD transpose (`transposePanel`): a convolution's patches (n = 16, 32)
 * spent over half the product packing A; 12544×144×32 went from 6.2 to
 * 3.8 ms on one thread (loaded 2-core EPYC, same bits).
 * The blocking loops are the Wasm export `gemmRows` over a
 * range of the batch·m rows, so that a thread pool can split them
 * (parallel_gemm.ts).
 */

import { ModuleBuilder, type ValType } from "../wasm/emitter.js";
import { PANEL_ROWS, paddedPanel, transposePanel, upTo } from "./matmul_panels.js";

export type Strides3 = readonly [batch: number, row: number, col: number];
export type Strides2 = readonly [batch: number, row: number];

/** The problem shape and operand layout (offsets and strides in elements). */
export interface GemmSpec {
  batch: number;
  m: number;
  n: number;
  k: number;
  aOffset?: number;
  aStrides: Strides3;
  bOffset?: number;
  bStrides: Strides3;
  outOffset?: number;
  /** Output strides (columns are contiguous); default: contiguous [batch, m, n]. */
  outStrides?: Strides2;
  /** Add the product into `out` instead of overwriting it. */
  accumulate?: boolean;
}

/** `gemmAt`'s arguments: the shape, strides in elements, and byte addresses in the memory. */
export interface GemmAtSpec {
  batch: number;
  m: number;
  n: number;
  k: number;
  a: number;
  aStrides: Strides3;
  b: number;
  bStrides: Strides3;
  out: number;
  outStrides?: Strides2;
  accumulate?: boolean;
  /**
   * A is already packed in panels (`packedALayout`; batch 1, or a batch stride
   * aStrides[0]): aStrides[1] is the padded row count, aStrides[2] unused.
   */
  packedA?: boolean;
  /** Byte address of `workspaceBytes(spec)` bytes of scratch, 16-byte aligned. */
  workspace: number;
}

/**
 * Where `gemmAt` with `packedA` reads A[i][p] (float offsets): k runs in
 * blocks of `kb` (the last one shorter); block [pc, pc + kc) holds `mPad`
 * rows (m rounded up to MR) as panels of MR rows, k-major:
 *   offset(i, p) = mPad·pc + ⌊i / MR⌋·MR·kc + (p − pc)·MR + i mod MR.
 * Rows past m may hold anything (their results are discarded). A producer
 * (the convolution's patch packing, conv_gather.ts) writes this layout
 * directly, so the product skips its packing pass.
 */
export function packedALayout(
  m: number,
  n: number,
  k: number,
): { mr: number; kb: number; mPad: number } {
  return { mr: MR, kb: blockSize(k, kcMax(n), 1), mPad: roundUp(m, MR) };
}

// Register tile: MR rows x NR columns of C in 2·MR f32x4 accumulators. With
// V8's 15 allocatable xmm registers, 5x8 (10 accumulators, 2 B vectors, the
// A broadcast and a product) is the largest tile without spills; measured at
// ~48 GFLOP/s in L1 on Zen 5 (a 4x8 tile gives ~41, unrolling the k loop
// makes TurboFan hoist the loads and spill).
const MR = 5;
const NR = 8;
// Cache blocking: a KC x NR panel of B (8 KiB) stays in L1 while MC x KC of
// packed A (120 KiB) stays in L2.
const KC = 256;
const MC = 120;
const NC = 2048;
// Products of at most SMALL_N columns (a convolution's 16 or 32 features) take k in
// blocks of up to KC_SMALL_N: B's panel (16 KiB) still fits L1, A's block (240 KiB)
// L2, and C is not read back once per extra k block (12544×288×16: 5.3 → 4.2 ms).
const SMALL_N = 64;
const KC_SMALL_N = 512;
const kcMax = (n: number): number => (n <= SMALL_N ? KC_SMALL_N : KC);
const F32 = 4;

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/** A tuple of exactly N elements of T (N a literal). */
type Tuple<T, N extends number, R extends T[] = []> = R["length"] extends N
  ? R
  : Tuple<T, N, [...R, T]>;

/** `make(0), …, make(n - 1)` typed as a tuple of n, so that destructuring it needs no `!`. */
function tuple<T, N extends number>(n: N, make: (i: number) => T): Tuple<T, N> {
  return Array.from({ length: n }, (_, i) => make(i)) as Tuple<T, N>;
}

/**
 * Splits `total` into equal blocks of at most about `max`, in multiples of
 * `quantum`: k = 784 gives 4 x 196 rather than 3 x 256 + 16 (a thin last
 * block pays the tile loads and stores of C for little work).
 */
function blockSize(total: number, max: number, quantum: number): number {
  const t = Math.max(total, 1);
  return roundUp(Math.ceil(t / Math.ceil(t / max)), quantum);
}

interface Exports {
  gemmRows(...args: number[]): void;
  gemmRowsPacked(...args: number[]): void;
  packA(src: number, rs: number, cs: number, mc: number, kc: number, dst: number): void;
  packB(src: number, rs: number, cs: number, kc: number, nc: number, dst: number): void;
  macro(
    mc: number,
    nc: number,
    kc: number,
    ap: number,
    bp: number,
    c: number,
    ldc: number,
    acc: number,
    tile: number,
  ): void;
}

const compiled = new Map<boolean, WebAssembly.Module>();

/**
 * The module is generated and compiled once per memory kind (a shared memory
 * must be imported as shared); instances share it. Its export `gemmRows`
 * runs as a thread-pool kernel (parallel_gemm.ts).
 */
export function kernelModule(sharedMemory: boolean): WebAssembly.Module {
  let mod = compiled.get(sharedMemory);
  if (mod === undefined) {
    mod = new WebAssembly.Module(buildModule(sharedMemory));
    compiled.set(sharedMemory, mod);
  }
  return mod;
}

export class MatmulKernel {
  private constructor(
    readonly memory: WebAssembly.Memory,
    private readonly fns: Exports,
  ) {}

  /**
   * A kernel working in `memory` (imported as env.memory; a fresh one by
   * default). A shared memory works too: one kernel per worker, each with
   * its own workspace, can split a product by rows (offset `a` and `out`,
   * shrink `m`) or by columns (offset `b` and `out`, shrink `n`).
   */
  static create(memory: WebAssembly.Memory = new WebAssembly.Memory({ initial: 1 })): MatmulKernel {
    const isShared =
      typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const instance = new WebAssembly.Instance(kernelModule(isShared), { env: { memory } });
    return new MatmulKernel(memory, instance.exports as unknown as Exports);
  }

  /** Scratch bytes `gemmAt` needs for this shape: packed panels of A and B and one tile. */
  workspaceBytes(spec: { m: number; n: number; k: number }): number {
    const kc = blockSize(spec.k, kcMax(spec.n), 1);
    const a = blockSize(spec.m, MC, MR) * kc;
    const b = blockSize(spec.n, NC, NR) * kc;
    return (a + b + MR * NR) * F32;
  }

  /** The product on byte addresses in `memory`; arguments are not validated here. */
  gemmAt(s: GemmAtSpec): void {
    const { batch, m, n, k } = s;
    const [ob, ldc] = s.outStrides ?? [m * n, n];
    const [ab, ar, ac] = s.aStrides;
    const [bb, br, bc] = s.bStrides;
    const acc = s.accumulate ? 1 : 0;
    (s.packedA ? this.fns.gemmRowsPacked : this.fns.gemmRows)(
      m,
      n,
      k,
      s.a,
      ab,
      ar,
      ac,
      s.b,
      bb,
      br,
      bc,
      s.out,
      ob,
      ldc,
      acc,
      s.workspace,
      0,
      batch * m,
    );
  }
}

// ---------------------------------------------------------------------------
// Float32Array entry points: operands outside the kernel's memory are copied
// in (O(size), small beside the O(m·n·k) product), the result copied out.

let shared: MatmulKernel | null = null;

const isCount = (x: number): boolean => Number.isInteger(x) && x >= 0;
const list = (xs: readonly number[]): string => `[${xs.join(", ")}]`;

/** Last element index an operand view reaches, or -1 when it is empty. */
function reach(
  batch: number,
  rows: number,
  cols: number,
  offset: number,
  s: readonly number[],
): number {
  if (batch === 0 || rows === 0 || cols === 0) return -1;
  return offset + (batch - 1) * s[0]! + (rows - 1) * s[1]! + (cols - 1) * (s[2] ?? 1);
}

function checkView(
  op: string,
  name: string,
  arr: Float32Array,
  batch: number,
  rows: number,
  cols: number,
  offset: number,
  strides: readonly number[],
): number {
  if (!(arr instanceof Float32Array)) {
    throw new TypeError(`${op}: ${name} must be a Float32Array, got ${typeof arr}`);
  }
  if (!isCount(offset)) {
    throw new Error(`${op}: ${name} offset must be a non-negative integer, got ${offset}`);
  }
  if (!strides.every(isCount)) {
    throw new Error(`${op}: ${name}Strides must be non-negative integers, got ${list(strides)}`);
  }
  const last = reach(batch, rows, cols, offset, strides);
  if (last >= arr.length) {
    throw new Error(
      `${op}: ${name} has ${arr.length} elements, but batch ${batch} × ${list([rows, cols])} ` +
        `with offset ${offset} and strides ${list(strides)} reaches element ${last}`,
    );
  }
  return last;
}

/** out[m, n] = a[m, k] · b[k, n] (row-major, contiguous); allocates `out` when not given. */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  out?: Float32Array,
): Float32Array {
  for (const [name, v] of [
    ["m", m],
    ["k", k],
    ["n", n],
  ] as const) {
    if (!isCount(v)) throw new Error(`matmul: ${name} must be a non-negative integer, got ${v}`);
  }
  const need = (name: string, arr: Float32Array | undefined, r: number, c: number) => {
    if (arr !== undefined && arr.length !== r * c) {
      throw new Error(
        `matmul: ${name} has ${arr.length} elements, but ${list([r, c])} needs ${r * c}`,
      );
    }
  };
  need("a", a, m, k);
  need("b", b, k, n);
  need("out", out, m, n);
  const result = out ?? new Float32Array(m * n);
  return gemm(a, b, result, { batch: 1, m, n, k, aStrides: [0, k, 1], bStrides: [0, n, 1] });
}

/** The batched, strided product (see the file comment); returns `out`. */
export function gemm(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  spec: GemmSpec,
): Float32Array {
  const op = "gemm";
  const { batch, m, n, k } = spec;
  for (const [name, v] of [
    ["batch", batch],
    ["m", m],
    ["n", n],
    ["k", k],
  ] as const) {
    if (!isCount(v)) throw new Error(`${op}: ${name} must be a non-negative integer, got ${v}`);
  }
  const aOff = spec.aOffset ?? 0;
  const bOff = spec.bOffset ?? 0;
  const oOff = spec.outOffset ?? 0;
  const os = spec.outStrides ?? [m * n, n];
  const aLast = checkView(op, "a", a, batch, m, k, aOff, spec.aStrides);
  const bLast = checkView(op, "b", b, batch, k, n, bOff, spec.bStrides);
  checkView(op, "out", out, batch, m, n, oOff, os);
  if (batch === 0 || m === 0 || n === 0) return out;

  // Lay out in the kernel's memory: [a span][b span][contiguous result][workspace].
  shared ??= MatmulKernel.create();
  const kernel = shared;
  const aSpan = aLast + 1 - aOff;
  const bSpan = bLast + 1 - bOff;
  const cSize = batch * m * n;
  const aAt = 0;
  const bAt = roundUp((aAt / F32 + aSpan) * F32, 16);
  const cAt = roundUp(bAt + bSpan * F32, 16);
  const wsAt = roundUp(cAt + cSize * F32, 16);
  ensureBytes(kernel.memory, wsAt + kernel.workspaceBytes(spec), op);
  const heap = new Float32Array(kernel.memory.buffer);
  if (aSpan > 0) heap.set(a.subarray(aOff, aOff + aSpan), aAt / F32);
  if (bSpan > 0) heap.set(b.subarray(bOff, bOff + bSpan), bAt / F32);
  kernel.gemmAt({
    batch,
    m,
    n,
    k,
    a: aAt,
    aStrides: spec.aStrides,
    b: bAt,
    bStrides: spec.bStrides,
    out: cAt,
    workspace: wsAt,
  });
  const c = heap.subarray(cAt / F32, cAt / F32 + cSize);
  if (!spec.accumulate && os[0] === m * n && os[1] === n) {
    out.set(c, oOff);
    return out;
  }
  for (let q = 0; q < batch; q++) {
    for (let i = 0; i < m; i++) {
      const src = (q * m + i) * n;
      const dst = oOff + q * os[0] + i * os[1];
      if (spec.accumulate) for (let j = 0; j < n; j++) out[dst + j] = out[dst + j]! + c[src + j]!;
      else out.set(c.subarray(src, src + n), dst);
    }
  }
  return out;
}

function ensureBytes(memory: WebAssembly.Memory, bytes: number, op: string): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
  } catch {
    throw new RangeError(
      `${op}: the operands need ${bytes} bytes of WebAssembly memory, more than can be allocated`,
    );
  }
}

// ---------------------------------------------------------------------------
// Code generation. Loops count up with signed compares (sizes stay far below
// 2^31); `forLoop` bodies leave with br(2).

function buildModule(sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  if (MR !== PANEL_ROWS) throw new Error("matmul: transposePanel packs PANEL_ROWS rows, not MR");
  const mb = new ModuleBuilder({ sharedMemory });
  const i32x = (n: number): ValType[] => new Array<ValType>(n).fill("i32");
  const NV = NR / 4;

  // kern(kc, ap, bp, c, ldcBytes, acc): the MR x NR tile of C (+)= Ap · Bp.
  const kern = mb.addFunction(
    "kern",
    i32x(6),
    [],
    (k) => {
      const [KCp, AP, BP, C, LDC, ACC] = [0, 1, 2, 3, 4, 5];
      const acc: number[][] = [];
      for (let i = 0; i < MR; i++) acc.push(Array.from({ length: NV }, () => k.local("v128")));
      const bv = Array.from({ length: NV }, () => k.local("v128"));
      const av = k.local("v128");
      const row = k.local("i32");
      for (const r of acc) for (const x of r) k.f32x4Const(0).set(x);
      k.block().get(KCp).i32Eqz().brIf(0).loop();
      for (let j = 0; j < NV; j++)
        k.get(BP)
          .v128Load(16 * j)
          .set(bv[j]!);
      for (let i = 0; i < MR; i++) {
        k.get(AP)
          .v128Load32Splat(i * 4)
          .set(av);
        for (let j = 0; j < NV; j++) {
          k.get(acc[i]![j]!).get(av).get(bv[j]!).f32x4Mul().f32x4Add().set(acc[i]![j]!);
        }
      }
      k.get(AP)
        .i32(MR * 4)
        .i32Add()
        .set(AP);
      k.get(BP)
        .i32(NR * 4)
        .i32Add()
        .set(BP);
      k.get(KCp).i32(1).i32Sub().tee(KCp).brIf(0).end().end();
      // The tile into C, row by row: added to C (acc) or stored over it.
      const storeTile = (add: boolean) => {
        for (let i = 0; i < MR; i++) {
          for (let j = 0; j < NV; j++) {
            k.get(row);
            if (add)
              k.get(row)
                .v128Load(16 * j)
                .get(acc[i]![j]!)
                .f32x4Add();
            else k.get(acc[i]![j]!);
            k.v128Store(16 * j);
          }
          k.get(row).get(LDC).i32Add().set(row);
        }
      };
      k.get(C).set(row).get(ACC).if_();
      storeTile(true);
      k.else_();
      storeTile(false);
      k.end();
    },
    { export: false },
  );

  // packA(src, rsBytes, csBytes, mc, kc, dst): panels of MR rows, zero-padded.
  const packA = mb.addFunction("packA", i32x(6), [], (f) => {
    const [SRC, RS, CS, MCp, KCp, DST] = [0, 1, 2, 3, 4, 5];
    const [ir, p, rows] = tuple(3, () => f.local("i32"));
    const r = Array.from({ length: MR }, () => f.local("i32"));
    const v = Array.from({ length: 4 }, () => f.local("v128"));
    const [v4, t0, t1, t2, t3] = tuple(5, () => f.local("v128"));
    upTo(f, ir, MCp, MR, () => {
      f.get(MCp).get(ir).i32Sub().set(rows);
      // A full panel of rows contiguous along k: transposePanel (same bits, a copy).
      f.get(rows).i32(MR).i32GeU().get(CS).i32(4).i32Eq().i32And().if_();
      transposePanel(f, { src: SRC, rs: RS, first: ir, kc: KCp, dst: DST, p, ptrs: r, v, v4, t: [t0, t1, t2, t3] }); // biome-ignore format: long
      f.else_();
      paddedPanel(f, {
        src: SRC,
        first: ir,
        count: MCp,
        lineStride: RS,
        step: CS,
        kc: KCp,
        dst: DST,
        live: rows,
        ptrs: r,
        p,
      });
      f.end();
    });
  });

  // packB(src, rsBytes, csBytes, kc, nc, dst): panels of NR columns, zero-padded.
  const packB = mb.addFunction("packB", i32x(6), [], (f) => {
    const [SRC, RS, CS, KCp, NCp, DST] = [0, 1, 2, 3, 4, 5];
    const [jr, p, cols, s] = tuple(4, () => f.local("i32"));
    const c = Array.from({ length: NR }, () => f.local("i32"));
    upTo(f, jr, NCp, NR, () => {
      f.get(NCp).get(jr).i32Sub().set(cols);
      // Full panel of contiguous columns: copy rows with vector loads.
      f.get(cols).i32(NR).i32GeU().get(CS).i32(4).i32Eq().i32And().if_();
      f.get(SRC).get(jr).get(CS).i32Mul().i32Add().set(s);
      upTo(f, p, KCp, 1, () => {
        for (let v = 0; v < NV; v++)
          f.get(DST)
            .get(s)
            .v128Load(16 * v)
            .v128Store(16 * v);
        f.get(s).get(RS).i32Add().set(s);
        f.get(DST)
          .i32(NR * 4)
          .i32Add()
          .set(DST);
      });
      f.else_();
      paddedPanel(f, {
        src: SRC,
        first: jr,
        count: NCp,
        lineStride: CS,
        step: RS,
        kc: KCp,
        dst: DST,
        live: cols,
        ptrs: c,
        p,
      });
      f.end();
    });
  });

  // macro(mc, nc, kc, ap, bp, c, ldcBytes, acc, tile): all tiles of a block;
  // edge tiles go through the scratch tile and are copied element by element.
  const macro = mb.addFunction("macro", i32x(9), [], (f) => {
    const [MCp, NCp, KCp, AP, BP, C, LDC, ACC, TILE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const [jr, ir, rows, cols, i, j, cp, wp] = tuple(8, () => f.local("i32"));
    const panelArgs = () => {
      f.get(KCp).get(AP).get(ir).get(KCp).i32Mul().i32(4).i32Mul().i32Add();
      f.get(BP).get(jr).get(KCp).i32Mul().i32(4).i32Mul().i32Add();
    };
    upTo(f, jr, NCp, NR, () => {
      f.get(NCp).get(jr).i32Sub().set(cols);
      upTo(f, ir, MCp, MR, () => {
        f.get(MCp).get(ir).i32Sub().set(rows);
        f.get(rows).i32(MR).i32GeU().get(cols).i32(NR).i32GeU().i32And().if_();
        panelArgs();
        f.get(C).get(ir).get(LDC).i32Mul().i32Add().get(jr).i32(4).i32Mul().i32Add();
        f.get(LDC).get(ACC).call(kern);
        f.else_();
        panelArgs();
        f.get(TILE)
          .i32(NR * 4)
          .i32(0)
          .call(kern);
        f.get(rows).i32(MR).get(rows).i32(MR).i32LtS().select().set(rows);
        f.get(cols).i32(NR).get(cols).i32(NR).i32LtS().select().set(cols);
        upTo(f, i, rows, 1, () => {
          f.get(C).get(ir).get(i).i32Add().get(LDC).i32Mul().i32Add();
          f.get(jr).i32(4).i32Mul().i32Add().set(cp);
          f.get(TILE)
            .get(i)
            .i32(NR * 4)
            .i32Mul()
            .i32Add()
            .set(wp);
          upTo(f, j, cols, 1, () => {
            f.get(cp).get(wp).f32Load();
            f.get(cp).f32Load().f32(0).get(ACC).select().f32Add();
            f.f32Store();
            f.get(cp).i32(4).i32Add().set(cp).get(wp).i32(4).i32Add().set(wp);
          });
        });
        f.end();
      });
    });
  });
  addGemmRows(mb, packA, packB, macro, false);
  addGemmRows(mb, packA, packB, macro, true);
  return mb.build();
}

/**
 * gemmRows(m, n, k, a, ab, ar, ac, b, bb, br, bc, out, ob, ldc, accumulate,
 * workspace, start, end): rows [start, end) of the batch·m rows of the
 * product (byte addresses, strides in elements, accumulate 0 or 1), each
 * batch's share blocked as one product:
 * for every NB-column and KB-deep block, pack B, then pack and multiply A in
 * MB-row blocks. The block sizes depend on the rows of the share, so a
 * thread's workspace covers its largest share (parallel_gemm.ts).
 */
function addGemmRows(
  mb: ModuleBuilder,
  packA: number,
  packB: number,
  macro: number,
  packed: boolean,
): void {
  const params = new Array<ValType>(18).fill("i32");
  mb.addFunction(packed ? "gemmRowsPacked" : "gemmRows", params, [], (f) => {
    const [M, N, K, A, AB, AR, AC, B, BB, BR, BC, OUT, OB, LDC, ACCUM, WS, START, END] = tuple(
      18,
      (i) => i,
    );
    const [r, q, i0, rows, KB, MB, NB, ap, bp, tile, a, b, c] = tuple(13, () => f.local("i32"));
    const [jc, nc, pc, kc, ic, mc, acc, t, u] = tuple(9, () => f.local("i32"));
    const g = (i: number) => f.get(i);
    // min(x, y) of two side-effect-free pushes.
    const min = (x: () => void, y: () => void) => {
      x();
      y();
      x();
      y();
      f.i32LtS().select();
    };
    // blockSize(total, max, quantum) (see above) into `dst`, through locals t and u.
    const blockSizeInto = (dst: number, total: () => void, max: number, quantum: number) => {
      total();
      f.set(t);
      f.get(t).i32(1).get(t).i32(1).i32GtS().select().set(t);
      f.get(t)
        .i32(max - 1)
        .i32Add()
        .i32(max)
        .i32DivU()
        .set(u); // blocks
      f.get(t).get(u).i32Add().i32(1).i32Sub().get(u).i32DivU(); // ceil(t / blocks)
      f.i32(quantum - 1)
        .i32Add()
        .i32(quantum)
        .i32DivU()
        .i32(quantum)
        .i32Mul()
        .set(dst);
    };
    // for (i = 0; i < end; i += step) with the end and the step held in locals.
    const loopBy = (i: number, end: number, step: number, body: () => void) => {
      f.i32(0).set(i).block().loop();
      f.get(i).get(end).i32GeS().brIf(1);
      body();
      f.get(i).get(step).i32Add().set(i).br(0).end().end();
    };
    const bytes = (x: () => void) => {
      x();
      f.i32(F32).i32Mul();
    };

    // dst = min(block, total - at): the extent of the block that starts at `at`.
    const blockAt = (dst: number, block: number, total: number, at: number) => {
      min(
        () => f.get(block),
        () => f.get(total).get(at).i32Sub(),
      );
      f.set(dst);
    };
    // fn(base + (outer·rs + inner·cs) bytes, rs bytes, cs bytes, ...sizes, dst): packA or packB.
    const pack = (
      fn: number,
      base: number,
      [outer, rs]: [number, number],
      [inner, cs]: [number, number],
      sizes: readonly number[],
      dst: number,
    ) => {
      bytes(() => f.get(outer).get(rs).i32Mul().get(inner).get(cs).i32Mul().i32Add());
      f.get(base).i32Add();
      bytes(() => f.get(rs));
      bytes(() => f.get(cs));
      for (const size of sizes) f.get(size);
      f.get(dst).call(fn);
    };

    f.get(M).i32Eqz().get(N).i32Eqz().i32Or().if_().return_().end();
    f.get(N).i32(SMALL_N).i32LeS().if_();
    blockSizeInto(KB, () => g(K), KC_SMALL_N, 1);
    f.else_();
    blockSizeInto(KB, () => g(K), KC, 1);
    f.end();
    blockSizeInto(NB, () => g(N), NC, NR);
    f.get(START).set(r);
    f.block().loop();
    f.get(r).get(END).i32GeS().brIf(1);
    // This batch's share of the rows: batch q, rows i0 .. i0 + rows.
    f.get(r).get(M).i32DivU().set(q);
    f.get(r).get(q).get(M).i32Mul().i32Sub().set(i0);
    min(
      () => f.get(M).get(i0).i32Sub(),
      () => f.get(END).get(r).i32Sub(),
    );
    f.set(rows);
    bytes(() => f.get(q).get(AB).i32Mul().get(i0).get(AR).i32Mul().i32Add());
    f.get(A).i32Add().set(a);
    bytes(() => f.get(q).get(BB).i32Mul());
    f.get(B).i32Add().set(b);
    bytes(() => f.get(q).get(OB).i32Mul().get(i0).get(LDC).i32Mul().i32Add());
    f.get(OUT).i32Add().set(c);
    f.get(K).i32Eqz().if_();
    // Nothing to sum: the product is zero (unless it adds into out).
    f.get(ACCUM).i32Eqz().if_();
    upTo(f, t, rows, 1, () => {
      bytes(() => f.get(t).get(LDC).i32Mul());
      f.get(c).i32Add().i32(0);
      bytes(() => f.get(N));
      f.memoryFill();
    });
    f.end();
    f.else_();
    blockSizeInto(MB, () => g(rows), MC, MR);
    f.get(WS).set(ap);
    bytes(() => f.get(MB).get(KB).i32Mul());
    f.get(ap).i32Add().set(bp);
    bytes(() => f.get(NB).get(KB).i32Mul());
    f.get(bp).i32Add().set(tile);
    loopBy(jc, N, NB, () => {
      blockAt(nc, NB, N, jc);
      loopBy(pc, K, KB, () => {
        blockAt(kc, KB, K, pc);
        pack(packB, b, [pc, BR], [jc, BC], [kc, nc], bp);
        f.get(ACCUM).get(pc).i32(0).i32GtS().i32Or().set(acc);
        loopBy(ic, rows, MB, () => {
          blockAt(mc, MB, rows, ic);
          if (packed) {
            // A already in panels (see `packedALayout`): this block's panels in place.
            bytes(() => f.get(AR).get(pc).i32Mul().get(i0).get(ic).i32Add().get(kc).i32Mul().i32Add()); // biome-ignore format: long
            bytes(() => f.get(q).get(AB).i32Mul());
            f.i32Add().get(A).i32Add().set(ap);
          } else {
            pack(packA, a, [ic, AR], [pc, AC], [mc, kc], ap);
          }
          f.get(mc).get(nc).get(kc).get(ap).get(bp);
          bytes(() => f.get(ic).get(LDC).i32Mul().get(jc).i32Add());
          f.get(c).i32Add();
          bytes(() => f.get(LDC));
          f.get(acc).get(tile).call(macro);
        });
      });
    });
    f.end();
    f.get(r).get(rows).i32Add().set(r).br(0).end().end();
  });
}
