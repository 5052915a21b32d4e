/**
 * The matmul kernel split by rows over the thread pool (parallelGemmAt) on
 * one shared WebAssembly memory: how the kernel scales across cores.
 */
import { availableParallelism } from "node:os";
import { parallelGemmAt, parallelGemmWorkspaceBytes } from "../src/backend/cpu/parallel_gemm.js";
import { ThreadPool } from "../src/backend/cpu/pool.js";

export interface ThreadedMatmul {
  threads: number;
  /** The pool's counters (chunks its caller had to run itself, ...). */
  pool: ThreadPool;
  /** out = a · b in the shared memory. */
  run(): Promise<void>;
  result(): Float32Array;
}

const PAGE = 65536;

export async function threadedMatmul(
  a: Float32Array,
  b: Float32Array,
  n: number,
  threads = availableParallelism(),
): Promise<ThreadedMatmul> {
  const aAt = 64;
  const bAt = aAt + n * n * 4;
  const outAt = bAt + n * n * 4;
  const wsAt = outAt + n * n * 4;
  const probe = new ThreadPool(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }), {
    threads,
  });
  const shape = { batch: 1, m: n, n, k: n };
  const workspaceBytes = parallelGemmWorkspaceBytes(probe, shape);
  const pages = Math.ceil((wsAt + workspaceBytes) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true });
  const heap = new Float32Array(memory.buffer);
  heap.set(a, aAt / 4);
  heap.set(b, bAt / 4);
  const pool = new ThreadPool(memory, { threads });
  const product = () =>
    parallelGemmAt(pool, {
      ...shape,
      a: aAt,
      aStrides: [0, n, 1],
      b: bAt,
      bStrides: [0, n, 1],
      out: outAt,
      workspace: wsAt,
      workspaceBytes,
    });
  // Workers import the kernel on first use (the caller runs their rows until
  // then): let them, so that timings see every thread.
  for (let i = 0; i < 50; i++) {
    const before = pool.stats().workerChunks;
    product();
    if (pool.stats().workerChunks > before) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    threads: pool.threads,
    pool,
    run: async () => product(),
    result: () => Float32Array.from(new Float32Array(memory.buffer, outAt, n * n)),
  };
}
