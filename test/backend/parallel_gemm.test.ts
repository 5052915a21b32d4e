import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type GemmAtSpec, MatmulKernel } from "../../src/backend/cpu/matmul.js";
import { parallelGemmAt, parallelGemmWorkspaceBytes } from "../../src/backend/cpu/parallel_gemm.js";
import { setThreads, ThreadPool } from "../../src/backend/cpu/pool.js";

const memory = new WebAssembly.Memory({ initial: 1024, maximum: 65536, shared: true });
const heap = new Float32Array(memory.buffer);
const pool = new ThreadPool(memory);
const single = MatmulKernel.create(memory);

// Byte addresses: operands, two outputs, workspace.
const A = 0;
const B = 16 << 20;
const OUT1 = 32 << 20;
const OUT2 = 40 << 20;
const WS = 48 << 20;

function fill(at: number, n: number, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    heap[at / 4 + i] = i % 23 === 4 ? 0 : ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
}

interface Case {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
}

/** The spec of a case: a [batch, m, k] or [batch, k, m] (transposed), b likewise; padded out. */
function specOf(c: Case, out: number): GemmAtSpec {
  const { batch, m, n, k } = c;
  return {
    batch,
    m,
    n,
    k,
    a: A,
    aStrides: [m * k + 3, c.transA ? 1 : k, c.transA ? m : 1],
    b: B,
    bStrides: [k * n + 5, c.transB ? 1 : n, c.transB ? k : 1],
    out,
    outStrides: [m * (n + 2), n + 2],
    accumulate: c.accumulate ?? false,
    workspace: WS,
  };
}

/** Runs a case single-threaded and split; returns both outputs' bits. */
function run(c: Case): [Uint32Array, Uint32Array] {
  const size = c.batch * c.m * (c.n + 2);
  fill(A, c.batch * (c.m * c.k + 3), c.m + c.k);
  fill(B, c.batch * (c.k * c.n + 5), c.n + 7);
  fill(OUT1, size, 99); // the accumulate base (and the padding columns, which must survive)
  heap.copyWithin(OUT2 / 4, OUT1 / 4, OUT1 / 4 + size);
  single.gemmAt(specOf(c, OUT1));
  const workspaceBytes = parallelGemmWorkspaceBytes(pool, c);
  expect(WS + workspaceBytes).toBeLessThanOrEqual(memory.buffer.byteLength);
  parallelGemmAt(pool, { ...specOf(c, OUT2), workspaceBytes });
  return [
    new Uint32Array(memory.buffer, OUT1, size).slice(),
    new Uint32Array(memory.buffer, OUT2, size).slice(),
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // Workers instantiate the matmul module when first sent it; until then the
  // caller runs their chunks. Wait until a worker has run one.
  setThreads(2);
  const big: Case = { batch: 1, m: 200, n: 256, k: 256 };
  for (let i = 0; i < 100; i++) {
    const before = pool.stats().workerChunks;
    run(big);
    if (pool.stats().workerChunks > before) break;
    await sleep(50);
  }
  expect(pool.stats().parallelCalls).toBeGreaterThan(0);
}, 30_000);

afterEach(() => setThreads(null));
afterAll(() => pool.dispose());

describe("parallelGemmAt", () => {
  it("gives the single-threaded kernel's bits for every thread count", () => {
    const cases: Case[] = [
      { batch: 1, m: 256, n: 128, k: 200 },
      { batch: 1, m: 251, n: 33, k: 300, transA: true },
      { batch: 3, m: 47, n: 64, k: 100, transB: true },
      { batch: 4, m: 130, n: 20, k: 257, transA: true, transB: true },
      { batch: 2, m: 121, n: 200, k: 64, accumulate: true },
      { batch: 1, m: 1000, n: 8, k: 40 },
      { batch: 1, m: 3, n: 5, k: 7 },
      { batch: 2, m: 60, n: 70, k: 0 },
      { batch: 2, m: 0, n: 4, k: 4 },
    ];
    for (const t of [1, 2, 3]) {
      setThreads(t);
      for (const c of cases) {
        const [want, got] = run(c);
        expect(got, `${t} threads, ${JSON.stringify(c)}`).toEqual(want);
      }
    }
    expect(pool.stats().workersLost).toEqual([]);
  });

  it("matches a float64 product", () => {
    setThreads(2);
    const c: Case = { batch: 1, m: 97, n: 41, k: 260 };
    run(c);
    const s = specOf(c, OUT2);
    let worst = 0;
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let sum = 0;
        let mag = 0;
        for (let p = 0; p < c.k; p++) {
          const x =
            heap[(A >> 2) + i * s.aStrides[1] + p]! * heap[(B >> 2) + p * s.bStrides[1] + j]!;
          sum += x;
          mag += Math.abs(x);
        }
        const got = heap[(OUT2 >> 2) + i * (c.n + 2) + j]!;
        worst = Math.max(worst, Math.abs(got - sum) / ((c.k + 2) * 2 ** -24 * mag + 1e-30));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("matches float64 products: batched, transposed, accumulating, padded, k = 0", () => {
    setThreads(2);
    const cases: Case[] = [
      { batch: 3, m: 47, n: 19, k: 70, transA: true, accumulate: true },
      { batch: 2, m: 33, n: 12, k: 300, transB: true },
      { batch: 2, m: 9, n: 6, k: 0 },
      { batch: 2, m: 9, n: 6, k: 0, accumulate: true },
    ];
    for (const c of cases) {
      const size = c.batch * c.m * (c.n + 2);
      fill(OUT2, size, 99);
      const base = heap.slice(OUT2 / 4, OUT2 / 4 + size);
      run(c);
      const s = specOf(c, OUT2);
      const [ab, ar, ac] = s.aStrides;
      const [bb, br, bc] = s.bStrides;
      let worst = 0;
      for (let q = 0; q < c.batch; q++) {
        for (let i = 0; i < c.m; i++) {
          for (let j = 0; j < c.n + 2; j++) {
            const at = q * c.m * (c.n + 2) + i * (c.n + 2) + j;
            const got = heap[OUT2 / 4 + at]!;
            // Padding columns are never written.
            if (j >= c.n) {
              expect(got).toBe(base[at]);
              continue;
            }
            let sum = c.accumulate ? base[at]! : 0;
            let mag = Math.abs(sum);
            for (let p = 0; p < c.k; p++) {
              const x =
                heap[A / 4 + q * ab + i * ar + p * ac]! * heap[B / 4 + q * bb + p * br + j * bc]!;
              sum += x;
              mag += Math.abs(x);
            }
            worst = Math.max(worst, Math.abs(got - sum) / ((c.k + 2) * 2 ** -24 * mag + 1e-30));
          }
        }
      }
      expect(worst, JSON.stringify(c)).toBeLessThanOrEqual(1);
    }
  });

  it("uses fewer threads when given less workspace, and names a workspace too small", () => {
    setThreads(3);
    const c: Case = { batch: 1, m: 300, n: 64, k: 300 };
    const full = parallelGemmWorkspaceBytes(pool, c);
    const one = single.workspaceBytes(c);
    expect(full).toBeGreaterThanOrEqual(3 * one);
    const calls = pool.stats().parallelCalls;
    fill(A, c.m * c.k + 3, 1);
    fill(B, c.k * c.n + 5, 2);
    parallelGemmAt(pool, { ...specOf(c, OUT2), workspaceBytes: Math.ceil(one / 16) * 16 });
    expect(pool.stats().parallelCalls).toBe(calls); // one chunk: no split
    single.gemmAt(specOf(c, OUT1));
    const size = c.m * (c.n + 2);
    expect(new Uint32Array(memory.buffer, OUT2, size)).toEqual(
      new Uint32Array(memory.buffer, OUT1, size),
    );
    expect(() => parallelGemmAt(pool, { ...specOf(c, OUT2), workspaceBytes: 1000 })).toThrow(
      /parallelGemmAt: workspace of 1000 bytes is too small for \[1, 300, 300\] x \[1, 300, 64\]/,
    );
  });
});
