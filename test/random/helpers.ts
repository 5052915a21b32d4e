/** Helpers of the random tests: raw data, known-answer seeds, and goodness-of-fit statistics. */

import { erf } from "../../src/ir/special.js";
import * as random from "../../src/random/index.js";

/** Runs `fn` with jax_threefry_partitionable=False (JAX's scheme before 0.5). */
export const legacy = <T>(fn: () => T): T => random.withThreefryPartitionable(false, fn);

/** zlib.adler32 of a string's UTF-8 bytes. */
export function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of new TextEncoder().encode(s)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The key of a RandomValuesCase in JAX's tests/random_test.py: adler32(name + prng_impl). */
export const caseKey = (name: string) => random.PRNGKey(adler32(`${name}threefry2x32`));

/**
 * float32 values printed by NumPy with `precision` decimals (floatmode
 * "maxprec"): either the value's shortest round-trip digits, when there are
 * at most that many decimals, or the value rounded to `precision` decimals.
 */
export function expectPrinted(actual: number[], printed: number[], precision = 2): void {
  const half = 0.5 * 10 ** -precision + 1e-9;
  actual.forEach((a, i) => {
    const p = printed[i]!;
    if (!(Math.fround(p) === Math.fround(a) || Math.abs(a - p) <= half)) {
      throw new Error(`element ${i}: ${a} does not print as ${p} with precision ${precision}`);
    }
  });
}

/** The Kolmogorov–Smirnov statistic of samples against a CDF. */
export function ksStatistic(samples: number[], cdf: (x: number) => number): number {
  const xs = [...samples].sort((a, b) => a - b);
  const n = xs.length;
  let d = 0;
  xs.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}

/** The KS critical value at significance 0.001 for n samples (asymptotic). */
export const ksCritical = (n: number) => 1.9495 / Math.sqrt(n);

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
export function variance(xs: number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
}

/** Pearson's chi-square statistic of counts against probabilities. */
export function chiSquare(counts: number[], probs: number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - n * probs[i]!) ** 2 / (n * probs[i]!), 0);
}

/** Chi-square critical values at significance 0.001 by degrees of freedom. */
export const CHI2_CRIT_001: Record<number, number> = {
  1: 10.83,
  2: 13.82,
  3: 16.27,
  4: 18.47,
  5: 20.52,
  6: 22.46,
  9: 27.88,
};

export const normalCdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
export const normalPdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
