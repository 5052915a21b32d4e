/**
 * A small program run twice by browser.test.ts: in Node from the sources, and
 * bundled for the browser inside a sandbox without Node's globals. Both runs
 * must print the same and compute the same numbers.
 *
 * It touches what a browser page would: random keys, an MLP trained by
 * jit(grad), vmap of per-example gradients, printing, and a computation large
 * enough to grow the WebAssembly memory while earlier outputs are still held
 * (a non-shared memory detaches its old buffer on growth).
 */

import { threadPool } from "../../src/backend/cpu/compiler/program.js";
import { isSharedMemory, memoryStats } from "../../src/backend/cpu/memory.js";
import { type Array, grad, jit, numpy as jnp, nn, random, tree, vmap } from "../../src/index.js";

export interface ProgramResult {
  /** Printed arrays: exact text, comparable across runs. */
  printed: string[];
  /** Computed values, compared within float32 tolerance. */
  numbers: Record<string, number[]>;
  /** Which CPU paths ran. */
  platform: {
    sharedMemory: boolean;
    parallel: boolean;
    memoryBytes: number;
    /** Kernel chunks worker threads ran, and the workers lost with why. */
    workerChunks: number;
    workersLost: string[];
  };
}

interface Params {
  w1: Array;
  b1: Array;
  w2: Array;
  b2: Array;
}

const CLASSES = 4;

function mlp(p: Params, x: Array): Array {
  return nn.relu(x.matmul(p.w1).add(p.b1)).matmul(p.w2).add(p.b2);
}

function loss(p: Params, x: Array, y: Array): Array {
  const logp = nn.logSoftmax(mlp(p, x));
  return jnp.mean(jnp.sum(nn.oneHot(y, CLASSES).mul(logp), { axis: -1 })).neg();
}

const values = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);
const leaves = (g: Params): number[] => [g.w1, g.b1, g.w2, g.b2].flatMap(values);

export function runProgram(): ProgramResult {
  const printed: string[] = [];
  const numbers: Record<string, number[]> = {};

  const [k1, k2, k3, k4, k5] = random.splitList(random.PRNGKey(0), 5) as [
    Array,
    Array,
    Array,
    Array,
    Array,
  ];
  let params: Params = {
    w1: random.normal(k1, [8, 32]).mul(0.3),
    b1: jnp.zeros([32]),
    w2: random.normal(k2, [32, CLASSES]).mul(0.3),
    b2: jnp.zeros([CLASSES]),
  };
  const x = random.normal(k3, [64, 8]);
  const y = random.randint(k4, [64], 0, CLASSES);
  printed.push(random.normal(k5, [2, 3]).toString());
  printed.push(y.get("0:12").toString());

  // Gradients: compiled and interpreted.
  const gradLoss = grad(loss) as (p: Params, x: Array, y: Array) => Params;
  const g0 = jit(gradLoss)(params, x, y);
  numbers.gradJit = leaves(g0);
  numbers.gradEager = leaves(gradLoss(params, x, y));

  // Per-example gradients with vmap; their mean is the batch gradient.
  const perExample = vmap(
    (p: Params, xi: Array, yi: Array) => gradLoss(p, xi.get(null), yi.get(null)),
    { inAxes: [null, 0, 0] },
  ) as (p: Params, x: Array, y: Array) => Params;
  const pe = jit(perExample)(params, x, y);
  numbers.perExampleW2 = values(pe.w2.get(":5"));
  numbers.perExampleMean = leaves(tree.map((g: Array) => jnp.mean(g, { axis: 0 }), pe) as Params);

  // Training: an early output is held across everything that follows.
  const step = jit(
    (p: Params, x: Array, y: Array) =>
      tree.map((w: Array, g: Array) => w.sub(g.mul(0.5)), p, gradLoss(p, x, y)) as Params,
  );
  const jitLoss = jit(loss);
  const firstLoss = jitLoss(params, x, y);
  const firstLossValue = values(firstLoss);
  const losses: number[] = [];
  for (let i = 0; i < 25; i++) {
    params = step(params, x, y);
    losses.push(jitLoss(params, x, y).item() as number);
  }
  numbers.losses = losses;
  printed.push(jnp.round(nn.softmax(mlp(params, x.get(":3"))), 3).toString());

  // Large enough to grow the memory (it starts at 1 MiB).
  const a = random.normal(random.PRNGKey(1), [384, 384]);
  const b = random.normal(random.PRNGKey(2), [384, 384]);
  const big = jit((a: Array, b: Array) => jnp.tanh(a.matmul(b).div(20)))(a, b);
  numbers.bigCorner = values(big.get(":4", ":4"));
  numbers.bigSum = values(jnp.sum(big));
  // Arrays returned before the growth still read their own values.
  numbers.firstLossBefore = firstLossValue;
  numbers.firstLossAfter = values(firstLoss);
  numbers.g0After = leaves(g0);

  // With workers, go on with large products until a worker has taken a chunk: on a
  // loaded machine the workers may be descheduled through the whole program (for
  // up to 10 s; the test then checks that one did).
  const pool = threadPool();
  const product = jit((a: Array, b: Array) => a.matmul(b));
  const deadline = Date.now() + 10_000;
  while (pool?.parallel && pool.stats().workerChunks === 0 && Date.now() < deadline) {
    product(a, b).dispose();
  }

  return {
    printed,
    numbers,
    platform: {
      sharedMemory: isSharedMemory(),
      parallel: threadPool()?.parallel ?? false,
      memoryBytes: memoryStats().memoryBytes,
      workerChunks: threadPool()?.stats().workerChunks ?? 0,
      workersLost: threadPool()?.stats().workersLost ?? [],
    },
  };
}
