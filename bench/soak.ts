/**
 * Soak test (not part of `npm test`): a long loop of jitted training steps
 * whose results are left to the garbage collector (no dispose), with a pmap
 * call on a failing device every 1,000 steps, followed by a pmap call that
 * must work on the fresh device.
 *
 *   npm run soak
 *   npm run soak -- --steps 20000 --every 500 --devices 3
 *
 * The device faults cycle through `process.exit` in the middle of a shard, a
 * synchronous throw, and an asynchronous (uncaught) throw that ends the worker
 * after its shard (the next call reports it). Each round checks the error
 * names the faulty device, and times the failing call and the next one.
 *
 * Every round prints the process's memory (RSS, JS heap), the WebAssembly
 * memory of the CPU backend (its size and the bytes held by arrays not yet
 * collected), measured after a full garbage collection (the script runs with
 * --expose-gc; without it, wherever V8's own schedule leaves them). This is a
 * leak check: exits with status 1 on any unexpected error, or when memory
 * grows past its bound between the first report (after warm-up) and the
 * last: RSS by more than --rss-mb (default 100), the JS heap by more than
 * --heap-mb (default 32), the WebAssembly memory by more than --wasm-mb
 * (default 32).
 */
import { parseArgs } from "node:util";
import { memoryStats } from "../src/backend/cpu/memory.js";
import {
  type Array,
  config,
  grad,
  importOnDevices,
  jit,
  numpy as jnp,
  lax,
  nn,
  pmap,
  random,
  tree,
} from "../src/index.js";
import { ASYNC_THROW, deviceFault, EXIT, THROW } from "../test/robustness/device_faults.js";

const { values: opts } = parseArgs({
  options: {
    steps: { type: "string", default: "10000" },
    every: { type: "string", default: "1000" },
    devices: { type: "string", default: "2" },
    "rss-mb": { type: "string", default: "100" },
    "heap-mb": { type: "string", default: "32" },
    "wasm-mb": { type: "string", default: "32" },
  },
});

function positive(name: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v <= 0) {
    throw new Error(`soak: --${name} must be a positive integer, got '${text}'`);
  }
  return v;
}

const STEPS = positive("steps", opts.steps);
const EVERY = positive("every", opts.every);
const DEVICES = positive("devices", opts.devices);
if (DEVICES < 2) throw new Error(`soak: --devices must be at least 2, got ${DEVICES}`);
const BOUND = {
  rss: positive("rss-mb", opts["rss-mb"]),
  heap: positive("heap-mb", opts["heap-mb"]),
  wasm: positive("wasm-mb", opts["wasm-mb"]),
};

// --- the training step ---------------------------------------------------------------

type Params = { w1: Array; b1: Array; w2: Array; b2: Array };
const [BATCH, IN, HIDDEN, OUT] = [32, 64, 128, 10];

function loss(p: Params, x: Array, y: Array): Array {
  const h = nn.relu(jnp.dot(x, p.w1).add(p.b1));
  const logits = jnp.dot(h, p.w2).add(p.b2);
  return jnp.mean(jnp.sum(nn.logSoftmax(logits).mul(y), -1)).neg();
}

const step = jit((p: Params, x: Array, y: Array): [Params, Array] => {
  const g = grad(loss)(p, x, y) as Params;
  const next = tree.map((w: Array, gw: Array) => w.sub(gw.mul(0.05)), p, g) as Params;
  return [next, loss(p, x, y)];
});

const keys = random.split(random.key(0), 4);
let params: Params = {
  w1: random.normal(keys.get(0), [IN, HIDDEN]).mul(0.1),
  b1: jnp.zeros([HIDDEN]),
  w2: random.normal(keys.get(1), [HIDDEN, OUT]).mul(0.1),
  b2: jnp.zeros([OUT]),
};
const x = random.normal(keys.get(2), [BATCH, IN]);
const y = nn.oneHot(random.randint(keys.get(3), [BATCH], 0, OUT), OUT);

// --- the device faults ---------------------------------------------------------------

config.update("jaxts_cpu_devices", DEVICES);
importOnDevices(new URL("../test/robustness/device_faults.ts", import.meta.url).href);
const faultThenSum = pmap((v: Array) => lax.psum(deviceFault(v), "i"), { axisName: "i" });
const sum = pmap((v: Array) => lax.psum(v, "i"), { axisName: "i" });

const KINDS = [
  { name: "process.exit", value: EXIT, error: /failed: it exited with code 3$/ },
  { name: "sync throw", value: THROW, error: /raised: boom \(a synchronous throw/ },
  {
    name: "async throw",
    value: ASYNC_THROW,
    error: /failed: uncaught Error: boom \(an asynchronous/,
  },
] as const;

const unexpected: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function timed(f: () => unknown): { error: Error | null; ms: number } {
  const t0 = performance.now();
  try {
    f();
    return { error: null, ms: performance.now() - t0 };
  } catch (e) {
    return { error: e instanceof Error ? e : new Error(String(e)), ms: performance.now() - t0 };
  }
}

/** One fault round: returns the failing call's and the next call's times in ms. */
async function faultRound(
  round: number,
): Promise<{ kind: string; failMs: number; nextMs: number }> {
  const kind = KINDS[round % KINDS.length]!;
  const victim = round % DEVICES;
  const shards = globalThis.Array.from({ length: DEVICES }, (_, i) =>
    i === victim ? kind.value : i + 1,
  );
  let failing = timed(() => faultThenSum(jnp.array(shards)));
  if (kind.value === ASYNC_THROW) {
    // The shard finished first: this call succeeds; the worker ends right after it.
    if (failing.error !== null) unexpected.push(`round ${round}: ${failing.error.message}`);
    await sleep(100);
    failing = timed(() => sum(jnp.ones([DEVICES])));
  }
  const want = new RegExp(`^pmap: device cpu:${victim} ${kind.error.source}`);
  if (failing.error === null)
    unexpected.push(`round ${round} (${kind.name}): the call did not fail`);
  else if (!want.test(failing.error.message)) {
    unexpected.push(`round ${round} (${kind.name}): ${failing.error.message}`);
  }
  const next = timed(() => {
    const got = sum(jnp.ones([DEVICES])).toArray() as number[];
    if (!got.every((v) => v === DEVICES)) throw new Error(`wrong psum after a fault: ${got}`);
  });
  if (next.error !== null) unexpected.push(`round ${round}, next call: ${next.error.message}`);
  return { kind: kind.name, failMs: failing.ms, nextMs: next.ms };
}

// --- the loop ---------------------------------------------------------------------------

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

/** A full collection (when node runs with --expose-gc), then a turn of the event loop for the finalizers that free collected arrays' memory. */
async function collect(): Promise<void> {
  if (gc === undefined) return;
  gc();
  await sleep(10);
}

function memory(): { rss: number; heap: number; wasm: number; escaped: number } {
  const m = process.memoryUsage();
  const w = memoryStats();
  return {
    rss: m.rss / MB,
    heap: m.heapUsed / MB,
    wasm: w.memoryBytes / MB,
    escaped: w.escapedBytes / MB,
  };
}

const f1 = (v: number) => v.toFixed(1).padStart(7);
console.log(
  `soak: ${STEPS} jitted MLP steps (${IN}-${HIDDEN}-${OUT}, batch ${BATCH}), a failing device every ${EVERY} steps, ${DEVICES} devices`,
);
if (gc === undefined)
  console.log("(no --expose-gc: memory is reported without a collection first)");
console.log(
  "   step  ms/step   loss   rss MB  heap MB  wasm MB  held MB  fault          fail ms  next ms",
);

const reports: ReturnType<typeof memory>[] = [];
let lastLoss = Number.NaN;
let t0 = performance.now();
for (let s = 1; s <= STEPS; s++) {
  try {
    const [p, l] = step(params, x, y);
    params = p;
    if (s % EVERY === 0) lastLoss = l.item() as number;
  } catch (e) {
    unexpected.push(`step ${s}: ${(e as Error).message}`);
    break;
  }
  if (s % EVERY === 0) {
    const msPerStep = (performance.now() - t0) / EVERY;
    const round = await faultRound(s / EVERY - 1);
    await collect();
    const m = memory();
    reports.push(m);
    console.log(
      `${String(s).padStart(7)} ${f1(msPerStep)} ${lastLoss.toFixed(4).padStart(7)} ${f1(m.rss)}  ${f1(m.heap)}  ${f1(m.wasm)}  ${f1(m.escaped)}  ${round.kind.padEnd(13)} ${f1(round.failMs)}  ${f1(round.nextMs)}`,
    );
    t0 = performance.now();
  }
}

const first = reports[0];
const last = reports[reports.length - 1];
const problems = [...unexpected];
if (first !== undefined && last !== undefined) {
  const growth = {
    rss: last.rss - first.rss,
    heap: last.heap - first.heap,
    wasm: last.wasm - first.wasm,
  };
  console.log(
    `growth from the first report to the last: rss ${growth.rss.toFixed(1)} MB (bound ${BOUND.rss}), ` +
      `heap ${growth.heap.toFixed(1)} MB (bound ${BOUND.heap}), wasm ${growth.wasm.toFixed(1)} MB (bound ${BOUND.wasm})`,
  );
  for (const k of ["rss", "heap", "wasm"] as const) {
    if (growth[k] > BOUND[k])
      problems.push(`${k} grew by ${growth[k].toFixed(1)} MB (bound ${BOUND[k]} MB)`);
  }
}
if (!(Number.isFinite(lastLoss) && lastLoss < 2.3))
  problems.push(`the loss did not go down: ${lastLoss}`);
if (problems.length > 0) {
  console.log(`soak: FAILED\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("soak: ok (no unexpected error; memory within its bounds)");
