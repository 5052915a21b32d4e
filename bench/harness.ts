/**
 * Timing helpers for the benchmarks: warm up, repeat, report the median.
 * Fast calls are timed in batches so that the timer's resolution and the
 * loop around them do not dominate; slow calls are timed one by one under a
 * time budget.
 */

export interface Timing {
  /** Median milliseconds per call. */
  ms: number;
  /** Fastest batch, milliseconds per call. */
  minMs: number;
  /** How many timed samples the median is over. */
  samples: number;
  /** Calls per timed sample. */
  batch: number;
}

export interface MeasureOptions {
  /** Stop repeating once this much time has been spent timing (default 1500 ms). */
  budgetMs?: number;
  /** Always take at least this many samples (default 5; slow calls over the budget take 1). */
  minSamples?: number;
  /** Never take more than this many samples (default 200). */
  maxSamples?: number;
  /** Warm-up time before timing starts (default 300 ms, and at least 2 calls). */
  warmupMs?: number;
}

const now = (): number => performance.now();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function summarize(samples: number[], batch: number): Timing {
  return { ms: median(samples), minMs: Math.min(...samples), samples: samples.length, batch };
}

/**
 * The measuring policy, shared by the sync and async loops: warm up (lets V8
 * and WebAssembly tier up, fills caches and buffer pools), then batch fast
 * calls so that one sample lasts at least 2 ms, and sample until the budget
 * is spent.
 */
class Sampler {
  private readonly budget: number;
  private readonly maxSamples: number;
  private readonly warmupMs: number;
  private readonly wantSamples: number;
  private warmCalls = 0;
  private warmStart = now();
  private last = 0;
  private timingStart = 0;
  private minSamples = 0;
  readonly samples: number[] = [];
  batch = 1;

  constructor(opts: MeasureOptions) {
    this.budget = opts.budgetMs ?? 1500;
    this.maxSamples = opts.maxSamples ?? 200;
    this.warmupMs = opts.warmupMs ?? 300;
    this.wantSamples = opts.minSamples ?? 5;
  }

  /** Records one warm-up call; true while warming up should go on. */
  warming(ms: number): boolean {
    if (this.warmCalls === 0) this.warmStart = now() - ms;
    this.warmCalls++;
    this.last = ms;
    if (this.warmCalls < 2 || (now() - this.warmStart < this.warmupMs && ms < this.warmupMs)) {
      return true;
    }
    this.batch = Math.max(1, Math.min(10_000, Math.ceil(2 / Math.max(this.last, 1e-4))));
    this.minSamples = this.last > this.budget ? 1 : this.wantSamples;
    this.timingStart = now();
    return false;
  }

  /** Records one timed batch; true while more samples are wanted. */
  sampling(batchMs: number): boolean {
    this.samples.push(batchMs / this.batch);
    const n = this.samples.length;
    return n < this.minSamples || (n < this.maxSamples && now() - this.timingStart < this.budget);
  }

  result(): Timing {
    return summarize(this.samples, this.batch);
  }
}

/**
 * Lets the event loop turn (timers, I/O, FinalizationRegistry callbacks), as
 * an application's loop does between frames or batches. Not timed.
 */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Times `fn` (synchronous; it must finish its work before returning). The
 * calls of one sample run back to back; between samples the event loop turns.
 */
export async function measure(fn: () => void, opts: MeasureOptions = {}): Promise<Timing> {
  const s = new Sampler(opts);
  for (;;) {
    const t = now();
    fn();
    if (!s.warming(now() - t)) break;
    await turn();
  }
  for (;;) {
    const t = now();
    for (let i = 0; i < s.batch; i++) fn();
    if (!s.sampling(now() - t)) break;
    await turn();
  }
  return s.result();
}

/** Times an asynchronous `fn` (for peers whose results are ready only after a promise). */
export async function measureAsync(
  fn: () => Promise<void>,
  opts: MeasureOptions = {},
): Promise<Timing> {
  const s = new Sampler(opts);
  for (;;) {
    const t = now();
    await fn();
    if (!s.warming(now() - t)) break;
    await turn();
  }
  for (;;) {
    const t = now();
    for (let i = 0; i < s.batch; i++) await fn();
    if (!s.sampling(now() - t)) break;
    await turn();
  }
  return s.result();
}

/**
 * Times a call that can be made only once per fresh object (the first call
 * of a new jit): `make()` builds the object untimed, then its call is timed.
 */
export async function measureCold(
  make: () => () => void | Promise<void>,
  reps = 5,
): Promise<Timing> {
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const fn = make();
    const t = now();
    await fn();
    samples.push(now() - t);
  }
  return summarize(samples, 1);
}

/** Deterministic data: uniform in [lo, hi) from a 32-bit seed (mulberry32). */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}
