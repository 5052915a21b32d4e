/**
 * The float32 matmul (matmul.ts) split over the thread pool: the rows of a
 * batched product, counted across the batch, are divided into contiguous
 * chunks, and each thread runs the matmul module's Wasm export `gemmRows` on
 * its rows with its own workspace (an ordinary pool kernel: nothing for
 * workers to import, so it works the same from a bundle).
 *
 * Splitting rows changes no result bit: every output element is accumulated
 * over k in the same blocks and order whatever rows its tile shares.
 */
import { type GemmAtSpec, kernelModule, MatmulKernel } from "./matmul.js";
import { type AfterStep, partition, type ThreadPool } from "./pool.js";

/** Chunk boundaries at multiples of the kernel's register tile height keep tiles full. */
const ROW_ALIGN = 5;
/** Multiply-adds below which a chunk is not worth a thread (~10 µs of work). */
const MIN_MACS_PER_CHUNK = 1 << 18;

interface Shape {
  batch: number;
  m: number;
  n: number;
  k: number;
}

/** Row counts of the per-batch shares (blocked separately) in a chunk [s, e) of batch·m rows. */
function pieces(s: number, e: number, m: number): number[] {
  const first = Math.min(m - (s % m), e - s);
  const rest = e - s - first;
  const out = [first];
  if (rest >= m) out.push(m);
  if (rest % m > 0) out.push(rest % m);
  return out;
}

/** Rows per chunk at least, so that each chunk has enough work. */
const minRows = ({ n, k }: Shape): number =>
  Math.max(ROW_ALIGN, Math.ceil(MIN_MACS_PER_CHUNK / Math.max(1, n * k)));

/** A kernel on a memory of its own, to ask workspace sizes. */
let probe: MatmulKernel | null = null;

/**
 * Workspace one chunk needs: the most any of its per-batch shares needs, over
 * every partition into up to `chunks` chunks (the kernel's need is not
 * monotonic in m, so each call's row count is checked).
 */
function chunkWorkspace(shape: Shape, chunks: number): number {
  // Cached: a compiled program asks for the same shapes on every call.
  const key = `${shape.batch},${shape.m},${shape.n},${shape.k},${chunks}`;
  let bytes = workspaceCache.get(key);
  if (bytes === undefined) {
    if (workspaceCache.size >= 1024) workspaceCache.clear();
    bytes = computeChunkWorkspace(shape, chunks);
    workspaceCache.set(key, bytes);
  }
  return bytes;
}

const workspaceCache = new Map<string, number>();

function computeChunkWorkspace(shape: Shape, chunks: number): number {
  probe ??= MatmulKernel.create();
  const kernel = probe;
  const { batch, m, n, k } = shape;
  const rows = batch * m;
  const sizes = new Set<number>();
  for (let q = 1; q <= chunks; q++) {
    const bounds = partition(rows, q, ROW_ALIGN);
    for (let c = 0; c + 1 < bounds.length; c++) {
      for (const p of pieces(bounds[c]!, bounds[c + 1]!, m)) sizes.add(p);
    }
  }
  let most = 0;
  for (const r of sizes) most = Math.max(most, kernel.workspaceBytes({ m: r, n, k }));
  return Math.ceil(most / 16) * 16;
}

/** Bytes of workspace `parallelGemmAt` can use on `pool` for this shape (all chunks). */
export function parallelGemmWorkspaceBytes(pool: ThreadPool, shape: Shape): number {
  if (shape.batch * shape.m * shape.n === 0) return 0;
  const chunks = chunksFor(pool, shape);
  return chunks * chunkWorkspace(shape, chunks);
}

function chunksFor(pool: ThreadPool, shape: Shape): number {
  const rows = shape.batch * shape.m;
  return Math.max(1, Math.min(pool.threads, Math.floor(rows / minRows(shape))));
}

/**
 * `MatmulKernel.gemmAt` split over the pool's threads: the same product, in
 * the pool's memory, with `workspaceBytes` bytes of scratch at `workspace`
 * (`parallelGemmWorkspaceBytes`; with less, it uses fewer threads).
 * `epilogue` runs on each chunk's rows right after its product, on the same
 * thread (its range is in rows of batch·m times its scale).
 */
export function parallelGemmAt(
  pool: ThreadPool,
  spec: GemmAtSpec & { workspaceBytes: number },
  epilogue?: AfterStep,
): void {
  const { batch, m, n, k } = spec;
  if (batch === 0 || m === 0 || n === 0) return;
  let chunks = chunksFor(pool, spec);
  let perChunk = chunkWorkspace(spec, chunks);
  while (chunks > 1 && chunks * perChunk > spec.workspaceBytes) {
    chunks--;
    perChunk = chunkWorkspace(spec, chunks);
  }
  if (perChunk > spec.workspaceBytes) {
    throw new Error(
      `parallelGemmAt: workspace of ${spec.workspaceBytes} bytes is too small for ` +
        `[${batch}, ${m}, ${k}] x [${batch}, ${k}, ${n}]; it needs ${perChunk}`,
    );
  }
  const [ab, ar, ac] = spec.aStrides;
  const [bb, br, bc] = spec.bStrides;
  const [ob, ldc] = spec.outStrides ?? [m * n, n];
  const args = [m, n, k, spec.a, ab, ar, ac, spec.b, bb, br, bc, spec.out, ob, ldc];
  args.push(spec.accumulate ? 1 : 0, spec.workspace);
  const shared =
    typeof SharedArrayBuffer !== "undefined" && pool.memory.buffer instanceof SharedArrayBuffer;
  const fn = spec.packedA ? "gemmRowsPacked" : "gemmRows";
  pool.parallelFor(kernelModule(shared), fn, args, batch * m, minRows(spec), {
    align: ROW_ALIGN,
    maxThreads: chunks,
    // One chunk per thread: each gemmAt call packs its own copy of B panels.
    chunksPerThread: 1,
    scratch: { arg: args.length - 1, bytesPerThread: perChunk },
    ...(epilogue === undefined ? {} : { after: epilogue }),
  });
}
