import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type GemmSpec, gemm, MatmulKernel, matmul } from "../../src/backend/cpu/matmul.js";

/** Deterministic values in [-1, 1) with a few exact zeros, as float32. */
function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = i % 17 === 5 ? 0 : ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

interface Layout {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Padding elements at the start of a and b and between batches (non-contiguous views). */
  pad: number;
}

/** A batched, strided problem and its operands (a: [batch, m, k] or [batch, k, m] when transposed). */
function problem({ batch, m, n, k, transA, transB, pad }: Layout, seed = 1) {
  const aBatch = m * k + pad;
  const bBatch = k * n + pad;
  const a = data(pad + batch * aBatch, seed);
  const b = data(pad + batch * bBatch, seed + 1000);
  const spec: GemmSpec = {
    batch,
    m,
    n,
    k,
    aOffset: pad,
    aStrides: [aBatch, transA ? 1 : k, transA ? m : 1],
    bOffset: pad,
    bStrides: [bBatch, transB ? 1 : n, transB ? k : 1],
  };
  return { a, b, spec };
}

/**
 * float64 reference, and per element the bound a float32 dot product of
 * length k can be off by: (k + 2) ulps of the sum of |products| (the
 * classical γ_k bound for any summation order).
 */
function reference(a: Float32Array, b: Float32Array, s: GemmSpec) {
  const { batch, m, n, k } = s;
  const want = new Float64Array(batch * m * n);
  const tol = new Float64Array(batch * m * n);
  const [ab, ar, ac] = s.aStrides;
  const [bb, br, bc] = s.bStrides;
  for (let q = 0; q < batch; q++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let mag = 0;
        for (let p = 0; p < k; p++) {
          const x =
            a[(s.aOffset ?? 0) + q * ab + i * ar + p * ac]! *
            b[(s.bOffset ?? 0) + q * bb + p * br + j * bc]!;
          sum += x;
          mag += Math.abs(x);
        }
        want[(q * m + i) * n + j] = sum;
        tol[(q * m + i) * n + j] = (k + 2) * 2 ** -24 * mag + 1e-30;
      }
    }
  }
  return { want, tol };
}

function expectClose(got: Float32Array, want: Float64Array, tol: Float64Array, offset = 0): void {
  let worst = 0;
  let where = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[offset + i]!;
    const w = want[i]!;
    const bad = Number.isNaN(w) ? !Number.isNaN(g) : Math.abs(g - w) > tol[i]!;
    if (bad || (Math.abs(g - w) / tol[i]! > worst && !Number.isNaN(w))) {
      worst = bad ? Number.POSITIVE_INFINITY : Math.abs(g - w) / tol[i]!;
      where = i;
      if (bad) break;
    }
  }
  if (worst > 1) {
    expect.fail(
      `element ${where}: got ${got[offset + where]}, want ${want[where]} ± ${tol[where]}`,
    );
  }
}

function check(layout: Layout, seed = 1): void {
  const { a, b, spec } = problem(layout, seed);
  const out = new Float32Array(layout.batch * layout.m * layout.n).fill(Number.NaN);
  expect(gemm(a, b, out, spec)).toBe(out);
  const { want, tol } = reference(a, b, spec);
  expectClose(out, want, tol);
}

const plain = { batch: 1, transA: false, transB: false, pad: 0 };

describe("matmul (float32 WebAssembly SIMD kernel)", () => {
  it("matches a float64 loop on square, odd and degenerate sizes", () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [2, 3, 4],
      [5, 8, 8],
      [7, 13, 9],
      [1, 37, 50],
      [50, 37, 1],
      [1, 1, 33],
      [33, 1, 1],
      [64, 64, 64],
      [17, 300, 23],
      [130, 70, 270],
    ] as const) {
      const a = data(m * k, m + k);
      const b = data(k * n, n + 7);
      const got = matmul(a, b, m, k, n);
      const { want, tol } = reference(a, b, {
        batch: 1,
        m,
        n,
        k,
        aStrides: [0, k, 1],
        bStrides: [0, n, 1],
      });
      expect(got.length).toBe(m * n);
      expectClose(got, want, tol);
    }
  });

  it("spans several cache blocks in every dimension", () => {
    check({ ...plain, m: 263, n: 1043, k: 530 });
  });

  it("K = 0 gives zeros; M = 0 or N = 0 gives an empty result", () => {
    expect(Array.from(matmul(new Float32Array(0), new Float32Array(0), 2, 0, 3))).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
    const out = new Float32Array(6).fill(7);
    matmul(new Float32Array(0), new Float32Array(0), 3, 0, 2, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(matmul(new Float32Array(0), data(12, 1), 0, 4, 3).length).toBe(0);
    expect(matmul(data(12, 1), new Float32Array(0), 3, 4, 0).length).toBe(0);
  });

  it("writes into a given output and returns it", () => {
    const out = new Float32Array(4);
    const got = matmul(
      new Float32Array([1, 2, 3, 4]),
      new Float32Array([5, 6, 7, 8]),
      2,
      2,
      2,
      out,
    );
    expect(got).toBe(out);
    expect(Array.from(out)).toEqual([19, 22, 43, 50]);
  });

  it("handles transposed operands through strides", () => {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        check({ ...plain, m: 21, n: 19, k: 45, transA, transB }, 3);
        check({ ...plain, m: 140, n: 90, k: 270, transA, transB }, 4);
      }
    }
  });

  it("runs batches with offsets, padding between batches, and a broadcast operand", () => {
    check({ batch: 3, m: 9, n: 11, k: 7, transA: true, transB: false, pad: 5 });
    check({ batch: 4, m: 1, n: 1, k: 100, transA: false, transB: false, pad: 0 });
    const { a, b, spec } = problem({ ...plain, batch: 3, m: 6, n: 10, k: 12 });
    const shared: GemmSpec = { ...spec, bStrides: [0, spec.bStrides[1], spec.bStrides[2]] };
    const out = new Float32Array(3 * 6 * 10);
    gemm(a, b, out, shared);
    const { want, tol } = reference(a, b, shared);
    expectClose(out, want, tol);
  });

  it("accumulates into the output and honours output offsets and strides", () => {
    const { a, b, spec } = problem({ ...plain, batch: 2, m: 13, n: 17, k: 29 });
    const base = data(2 * 13 * 17 + 3, 9);
    const out = Float32Array.from(base);
    gemm(a, b, out, { ...spec, outOffset: 3, accumulate: true });
    const { want, tol } = reference(a, b, spec);
    for (let i = 0; i < want.length; i++) {
      want[i] = want[i]! + base[3 + i]!;
      tol[i] = tol[i]! + 2 ** -24 * Math.abs(want[i]!);
    }
    expect(Array.from(out.subarray(0, 3))).toEqual(Array.from(base.subarray(0, 3)));
    expectClose(out, want, tol, 3);

    // Rows of 5 inside rows of 8: the 3 columns past each row stay untouched.
    const wide = new Float32Array(4 * 8).fill(-1);
    const a2 = data(4 * 6, 2);
    const b2 = data(6 * 5, 3);
    gemm(a2, b2, wide, {
      batch: 1,
      m: 4,
      n: 5,
      k: 6,
      aStrides: [0, 6, 1],
      bStrides: [0, 5, 1],
      outStrides: [0, 8],
    });
    const r = reference(a2, b2, {
      batch: 1,
      m: 4,
      n: 5,
      k: 6,
      aStrides: [0, 6, 1],
      bStrides: [0, 5, 1],
    });
    for (let i = 0; i < 4; i++) {
      expectClose(
        wide.subarray(i * 8, i * 8 + 5),
        r.want.subarray(i * 5, i * 5 + 5),
        r.tol.subarray(i * 5, i * 5 + 5),
      );
      expect(Array.from(wide.subarray(i * 8 + 5, i * 8 + 8))).toEqual([-1, -1, -1]);
    }
  });

  it("propagates NaN and infinities as IEEE arithmetic does", () => {
    const a = new Float32Array([1, Number.NaN, 2, 3, 0, 1, Number.POSITIVE_INFINITY, 1, 1]);
    const b = new Float32Array([1, 0, 1, 1, 1, 0, 0, 1, 1]);
    const got = matmul(a, b, 3, 3, 3);
    // row 0 has NaN: every entry NaN; row 1: 3*1 + 0*1 + 1*0, ...; row 2: inf * (1, 0, 1) -> inf, NaN, inf
    expect(Array.from(got.subarray(0, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(got.subarray(3, 6))).toEqual([3, 1, 4]);
    expect(got[6]).toBe(Number.POSITIVE_INFINITY);
    expect(got[7]).toBeNaN();
    expect(got[8]).toBe(Number.POSITIVE_INFINITY);
  });

  it("does not read or write outside the operands' views", () => {
    // Operands placed inside larger arrays: garbage (NaN) around them must not leak in.
    const m = 11;
    const k = 10;
    const n = 9;
    const a = new Float32Array(200).fill(Number.NaN);
    a.set(data(m * k, 1), 50);
    const b = new Float32Array(300).fill(Number.NaN);
    b.set(data(k * n, 2), 100);
    const out = new Float32Array(m * n + 20).fill(Number.NaN);
    const spec: GemmSpec = {
      batch: 1,
      m,
      n,
      k,
      aOffset: 50,
      aStrides: [0, k, 1],
      bOffset: 100,
      bStrides: [0, n, 1],
      outOffset: 10,
    };
    gemm(a, b, out, spec);
    const { want, tol } = reference(a, b, spec);
    expectClose(out, want, tol, 10);
    expect(out.subarray(0, 10).every(Number.isNaN)).toBe(true);
    expect(out.subarray(10 + m * n).every(Number.isNaN)).toBe(true);
  });

  it("matches the float64 loop on random shapes, transposes and batches (property)", () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 0, max: 40 }),
          n: fc.integer({ min: 0, max: 40 }),
          k: fc.integer({ min: 0, max: 70 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          pad: fc.integer({ min: 0, max: 3 }),
        }),
        fc.integer({ min: 1, max: 1 << 30 }),
        (layout, seed) => check(layout, seed),
      ),
      { numRuns: 150 },
    );
  });

  it.each([
    ["plain", false],
    ["shared", true],
  ])("runs on operands that already live in the kernel's WebAssembly memory (%s)", (_, shared) => {
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 256, shared });
    const kernel = MatmulKernel.create(memory);
    const m = 12;
    const k = 20;
    const n = 10;
    const spec = { batch: 1, m, n, k, aStrides: [0, k, 1] as const, bStrides: [0, n, 1] as const };
    const aAt = 64;
    const bAt = aAt + m * k * 4;
    const outAt = bAt + k * n * 4;
    const wsAt = outAt + m * n * 4;
    const need = wsAt + kernel.workspaceBytes(spec);
    if (need > memory.buffer.byteLength)
      memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    const heap = new Float32Array(memory.buffer);
    const a = data(m * k, 5);
    const b = data(k * n, 6);
    heap.set(a, aAt / 4);
    heap.set(b, bAt / 4);
    kernel.gemmAt({ ...spec, a: aAt, b: bAt, out: outAt, workspace: wsAt });
    const { want, tol } = reference(a, b, spec);
    expectClose(new Float32Array(memory.buffer, outAt, m * n), want, tol);
  });

  it("explains bad arguments", () => {
    const a = data(6, 1);
    const b = data(6, 2);
    expect(() => matmul(a, b, 2, 3, 3)).toThrow(/matmul: b has 6 elements, .*\[3, 3\].*needs 9/);
    expect(() => matmul(a, b, 2.5, 3, 2)).toThrow(
      /matmul: m must be a non-negative integer, got 2.5/,
    );
    expect(() => matmul(a, b, 2, 3, 2, new Float32Array(3))).toThrow(
      /matmul: out has 3 elements.*needs 4/,
    );
    expect(() =>
      gemm(a, b, new Float32Array(4), {
        batch: 1,
        m: 2,
        n: 2,
        k: 3,
        aStrides: [0, 3, -1],
        bStrides: [0, 2, 1],
      }),
    ).toThrow(/gemm: aStrides must be non-negative integers, got \[0, 3, -1\]/);
    expect(() =>
      gemm(a, b, new Float32Array(4), {
        batch: 2,
        m: 2,
        n: 2,
        k: 3,
        aStrides: [6, 3, 1],
        bStrides: [0, 2, 1],
      }),
    ).toThrow(
      /gemm: a has 6 elements, but batch 2 × \[2, 3\] with offset 0 and strides \[6, 3, 1\] reaches element 11/,
    );
  });
});
