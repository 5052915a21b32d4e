/**
 * The thread pool's own costs: dispatch latency of a trivial kernel (hot
 * workers, and workers woken from sleep) and the parallel matmul's scaling.
 *
 *   npx tsx bench/pool.ts
 */
import { ThreadPool } from "../src/backend/cpu/pool.js";
import { testModule } from "../test/backend/pool_kernels.js";
import { threadedMatmul } from "./threads.js";

const kernels = testModule();
const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });

/** Median of `reps` timings of `f`, in µs. */
function median(reps: number, f: () => void, between?: () => void): number {
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    between?.();
    const t0 = performance.now();
    f();
    t.push((performance.now() - t0) * 1000);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1]!;
}

const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
};

console.log("| dispatch of a 2-element kernel | 1 thread | 2 threads |");
console.log("| --- | --- | --- |");
const pools = [1, 2].map((threads) => new ThreadPool(memory, { threads }));
for (const p of pools) p.warmUp();
const call = (p: ThreadPool) => () => p.parallelFor(kernels, "increment", [0], 2, 1);
const rows: [string, (p: ThreadPool) => number][] = [
  ["back to back (median µs)", (p) => median(20_000, call(p))],
  ["after 2 ms idle (median µs)", (p) => median(300, call(p), () => spin(2))],
];
for (const [label, f] of rows) {
  console.log(`| ${label} | ${pools.map((p) => f(p).toFixed(2)).join(" | ")} |`);
}
const reclaimed = pools[1]!.stats();
console.log(
  `\n(2 threads: ${reclaimed.parallelCalls} split calls, of which the worker joined ${reclaimed.parallelCalls - reclaimed.unclaimedPosts}; it ran ${reclaimed.workerChunks} chunks)\n`,
);

const n = 1024;
const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i));
console.log("| matmul f32 1024³ | GFLOP/s |");
console.log("| --- | --- |");
for (const threads of [1, 2]) {
  const m = await threadedMatmul(a, b, n, threads);
  const before = m.pool.stats().workerChunks;
  const us = median(20, () => void m.run());
  const byWorkers = m.pool.stats().workerChunks - before;
  const gflops = ((2 * n ** 3) / us / 1e3).toFixed(1);
  console.log(
    `| parallelGemmAt, ${threads} thread(s) | ${gflops} (${byWorkers} chunks on workers) |`,
  );
}
