import { describe, expect, it } from "vitest";
import {
  accuracy,
  accuracyOf,
  batched,
  batchedPredict,
  type CnnParams,
  DEFAULTS,
  evaluate,
  initCnn,
  initParams,
  loss,
  type Params,
  parseOptions,
  predict,
  predictCnn,
  progressBar,
  train,
} from "../../examples/mnist.js";
import {
  IMAGE_SIZE,
  loadMnist,
  loadRawDigits,
  MAX_TRAIN,
  NUM_DIGITS,
  NUM_HELD_OUT,
  NUM_PIXELS,
} from "../../examples/mnist_data.js";
import { type Array, grad, jit, numpy as jnp, makeJaxpr, tree } from "../../src/index.js";
import * as random from "../../src/random/index.js";

/** FNV-1a over the float bits of image i: equal images hash equally (a cheap stand-in for the pixels). */
function rowHash(pixels: Float32Array, i: number): number {
  const bits = new Uint32Array(pixels.buffer, pixels.byteOffset + i * NUM_PIXELS * 4, NUM_PIXELS);
  let h = 0x811c9dc5;
  for (const b of bits) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** Whether two typed arrays hold the same bytes (expect().toEqual is slow on 10^5 elements). */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.compare(
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

describe("mnist data loader", () => {
  const full = loadMnist();

  it("holds the package's 10,000 digits, 28×28, labels 0..9", () => {
    expect(IMAGE_SIZE * IMAGE_SIZE).toBe(NUM_PIXELS);
    const raw = loadRawDigits();
    expect(raw.pixels.length).toBe(NUM_DIGITS * NUM_PIXELS);
    expect(raw.labels.length).toBe(NUM_DIGITS);
    const counts = new globalThis.Array<number>(10).fill(0);
    for (const l of raw.labels) counts[l]! += 1;
    // The package's per-class counts (digits/<d>.json).
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  it("splits 8,000 / 2,000 with the right shapes and dtypes", () => {
    expect(full.train.images.shape).toEqual([MAX_TRAIN, NUM_PIXELS]);
    expect(full.train.images.dtype).toBe("float32");
    expect(full.train.labels.shape).toEqual([MAX_TRAIN]);
    expect(full.train.labels.dtype).toBe("int32");
    expect(full.test.images.shape).toEqual([NUM_HELD_OUT, NUM_PIXELS]);
    expect(full.test.images.dtype).toBe("float32");
    expect(full.test.labels.shape).toEqual([NUM_HELD_OUT]);
    expect(full.test.labels.dtype).toBe("int32");
  });

  it("has pixels in [0, 1] with ink in every image, labels in 0..9 with every class in both splits", () => {
    for (const split of [full.train, full.test]) {
      const px = split.images.dataSync();
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of px) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      expect(lo).toBe(0);
      expect(hi).toBe(1);
      const ink = jnp.max(split.images, 1).dataSync();
      expect(ink.every((v) => v > 0.5)).toBe(true);
      const labels = split.labels.dataSync();
      const seen = new Set<number>();
      for (const l of labels) seen.add(l);
      expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it("keeps train and test disjoint and covers all 10,000 digits", () => {
    const hashes = new Set<number>();
    const tr = full.train.images.dataSync() as Float32Array;
    for (let i = 0; i < MAX_TRAIN; i++) hashes.add(rowHash(tr, i));
    const te = full.test.images.dataSync() as Float32Array;
    for (let i = 0; i < NUM_HELD_OUT; i++) hashes.add(rowHash(te, i));
    // The package holds a handful of duplicate images; all others hash apart.
    const raw = loadRawDigits().pixels;
    const distinct = new Set<number>();
    for (let i = 0; i < NUM_DIGITS; i++) distinct.add(rowHash(raw, i));
    expect(hashes.size).toBe(distinct.size);
    // No test image appears in the training set.
    const train = new Set<number>();
    for (let i = 0; i < MAX_TRAIN; i++) train.add(rowHash(tr, i));
    let overlap = 0;
    for (let i = 0; i < NUM_HELD_OUT; i++) if (train.has(rowHash(te, i))) overlap++;
    expect(overlap).toBe(0);
  });

  it("is deterministic per seed; subsets are prefixes; the held-out set does not depend on trainSize", () => {
    const small = loadMnist({ trainSize: 500, testSize: 300 });
    expect(small.train.images.shape).toEqual([500, NUM_PIXELS]);
    expect(small.test.labels.shape).toEqual([300]);
    expect(small.train.labels.toArray()).toEqual(full.train.labels.get(":500").toArray());
    expect(small.test.labels.toArray()).toEqual(full.test.labels.get(":300").toArray());
    expect(sameBytes(small.test.images.dataSync(), full.test.images.get(":300").dataSync())).toBe(
      true,
    );
    const other = loadMnist({ trainSize: 500, seed: 1 });
    expect(other.train.labels.toArray()).not.toEqual(small.train.labels.toArray());
  });

  it("rejects sizes it cannot serve, naming the option and the range", () => {
    expect(() => loadMnist({ trainSize: 8001 })).toThrow(
      /loadMnist: trainSize must be an integer in \[1, 8000\], got 8001/,
    );
    expect(() => loadMnist({ testSize: 0 })).toThrow(/loadMnist: testSize .*\[1, 2000\].*got 0/);
    expect(() => loadMnist({ trainSize: 2.5 })).toThrow(/trainSize/);
  });
});

describe("mnist command line", () => {
  it("reads flags and env vars, flags winning", () => {
    expect(parseOptions([])).toMatchObject({
      epochs: 10,
      batchSize: 64,
      trainSize: 8000,
      testSize: 2000,
    });
    expect(
      parseOptions(["--epochs", "3", "--batch-size=64", "--lr", "0.01"], {
        TRAIN_SIZE: "1000",
        EPOCHS: "7",
      }),
    ).toMatchObject({ epochs: 3, batchSize: 64, trainSize: 1000, learningRate: 0.01 });
    expect(parseOptions([], { LEARNING_RATE: "0.002", HIDDEN: "64" })).toMatchObject({
      learningRate: 0.002,
      hidden: 64,
    });
  });

  it("rejects unknown or malformed options", () => {
    expect(() => parseOptions(["--epoch", "3"])).toThrow(
      /unknown option --epoch; known: --model, --epochs/,
    );
    expect(() => parseOptions(["--epochs", "three"])).toThrow(
      /--epochs must be a non-negative integer, got "three"/,
    );
    expect(() => parseOptions(["--epochs"])).toThrow(/--epochs needs a value/);
    expect(() => parseOptions([], { BATCH_SIZE: "1.5" })).toThrow(/env BATCH_SIZE/);
    expect(() => parseOptions(["3"])).toThrow(/unexpected argument "3"/);
    expect(() => parseOptions(["--model", "rnn"])).toThrow(
      /--model must be one of mlp, cnn, got "rnn"/,
    );
  });

  it("--model (or MODEL) picks the model and its defaults; explicit values still win", () => {
    expect(parseOptions(["--model", "cnn"])).toEqual({ model: "cnn", ...DEFAULTS.cnn });
    expect(parseOptions([], { MODEL: "cnn", EPOCHS: "2" })).toEqual({
      ...DEFAULTS.cnn,
      model: "cnn",
      epochs: 2,
    });
    expect(parseOptions(["--model=mlp"], { MODEL: "cnn" }).model).toBe("mlp");
  });

  it("draws a progress bar", () => {
    expect(progressBar(0, 4, 8)).toBe("[>       ] 0/4");
    expect(progressBar(2, 4, 8)).toBe("[====>   ] 2/4");
    expect(progressBar(4, 4, 8)).toBe("[========] 4/4");
  });
});

describe("mnist model", () => {
  const data = loadMnist({ trainSize: 1000, testSize: 2000 });
  const params = initParams(random.PRNGKey(0), [NUM_PIXELS, 32, 10]);

  it("predicts 10 logits per image; the vmapped model equals a loop over images", () => {
    const images = data.train.images.get(":5");
    const logits = batchedPredict(params, images);
    expect(logits.shape).toEqual([5, 10]);
    const loop = [0, 1, 2, 3, 4].map((i) => predict(params, images.get(i)).toArray() as number[]);
    const got = logits.toArray() as number[][];
    got.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(loop[i]![j]!, 5);
      });
    });
  });

  it("starts near chance: loss about log(10), jit(loss) equals eager", () => {
    const x = data.train.images.get(":256");
    const y = data.train.labels.get(":256");
    const l = loss(params, x, y).item() as number;
    expect(l).toBeGreaterThan(1.5);
    expect(l).toBeLessThan(3.5);
    expect(jit(loss)(params, x, y).item()).toBeCloseTo(l, 5);
  });

  it("accuracy is a jitted vmap that agrees with argmax over a batch", () => {
    const x = data.test.images.get(":200");
    const y = data.test.labels.get(":200");
    const acc = accuracy(params, x, y).item() as number;
    const pred = jnp.argmax(batchedPredict(params, x), -1);
    const ref = jnp.mean(pred.eq(y).astype("float32")).item() as number;
    expect(acc).toBeCloseTo(ref, 6);
    expect(evaluate(params, { images: x, labels: y }, 64)).toBeCloseTo(ref, 6);
  });
});

describe("mnist CNN", () => {
  const data = loadMnist({ trainSize: 100, testSize: 100 });
  const params = initCnn(random.PRNGKey(1), [4, 8]);
  const cnnBatched = batched(predictCnn);

  it("has conv kernels in HWIO and a dense layer over the 7×7 pooled map", () => {
    expect(params.conv1.w.shape).toEqual([3, 3, 1, 4]);
    expect(params.conv2.w.shape).toEqual([3, 3, 4, 8]);
    expect(params.dense.w.shape).toEqual([7 * 7 * 8, 10]);
  });

  it("the vmapped per-image CNN equals a loop over images, and folds the batch into each conv", () => {
    const images = data.train.images.get(":4");
    const logits = cnnBatched(params, images);
    expect(logits.shape).toEqual([4, 10]);
    const loop = jnp.stack([0, 1, 2, 3].map((i) => predictCnn(params, images.get(i))));
    const diff = jnp.max(jnp.abs(logits.sub(loop))).item() as number;
    expect(diff).toBeLessThan(1e-5);
    const text = makeJaxpr((p: CnnParams, x: Array) => cnnBatched(p, x))(params, images).toString();
    expect(text.match(/conv_general_dilated/g)?.length).toBe(2);
    expect(text.match(/reduce_window_max/g)?.length).toBe(2);
  });

  it("jit(grad(loss)) equals the eager gradient; accuracy is a jitted vmap", () => {
    const x = data.train.images.get(":16");
    const y = data.train.labels.get(":16");
    const lossCnn = (p: CnnParams) => loss(p, x, y, null, 0, predictCnn);
    const eager = tree.leaves(grad(lossCnn)(params)) as Array[];
    const jitted = tree.leaves(jit(grad(lossCnn))(params)) as Array[];
    eager.forEach((g, i) => {
      const scale = jnp.max(jnp.abs(g)).item() as number;
      expect(scale).toBeGreaterThan(0);
      const diff = jnp.max(jnp.abs(g.sub(jitted[i]!))).item() as number;
      expect(diff).toBeLessThanOrEqual(1e-5 * scale);
    });
    const pred = jnp.argmax(cnnBatched(params, x), -1);
    const ref = jnp.mean(pred.eq(y).astype("float32")).item() as number;
    expect(accuracyOf(predictCnn)(params, x, y).item()).toBeCloseTo(ref, 6);
  });

  // 1,000 digits, 2 epochs of batch 50, a narrow CNN (4 and 8 channels):
  // 81.8% held-out in ~2 s. The default CNN (16 and 32 channels, 8,000
  // digits, 5 epochs) reaches ~98%.
  it("learns: held-out accuracy clears the floor", () => {
    const small = loadMnist({ trainSize: 1000, testSize: 500 });
    const { history, model } = train(small, {
      model: "cnn",
      channels: [4, 8],
      epochs: 2,
      batchSize: 50,
    });
    expect(model.name).toBe("cnn");
    expect(history[0]!.loss).toBeGreaterThan(1.5 * history[1]!.loss);
    expect(history[1]!.testAccuracy).toBeGreaterThanOrEqual(0.75);
  });
});

describe("mnist training", () => {
  // 2,000 digits, 3 epochs of batch 100 (60 steps), hidden 128: 90.5% held-out
  // accuracy in ~2 s (the full run, 8,000 digits and 10 epochs, reaches ~96%).
  // A float64 NumPy re-implementation of this training gives the same numbers,
  // so the floor guards against regressions, not sampling luck.
  it("learns: held-out accuracy clears the floor and the loss falls", () => {
    const data = loadMnist({ trainSize: 2000 });
    const epochs: number[] = [];
    const { history, params, stats } = train(data, {
      epochs: 3,
      batchSize: 100,
      hidden: 128,
      learningRate: 3e-3,
      onEpoch: (s) => epochs.push(s.epoch),
    });
    expect(epochs).toEqual([1, 2, 3]);
    expect(history.length).toBe(3);
    const last = history.at(-1)!;
    expect(history[0]!.loss).toBeGreaterThan(2 * last.loss);
    expect(last.testAccuracy).toBeGreaterThanOrEqual(0.88);
    expect(last.trainAccuracy).toBeGreaterThanOrEqual(last.testAccuracy);
    expect(last.seconds).toBeGreaterThan(0);
    expect(stats.mean).toBeCloseTo(0.13, 1);
    expect(stats.std).toBeCloseTo(0.31, 1);
    expect((params as Params).map((l) => l.w.shape)).toEqual([
      [NUM_PIXELS, 128],
      [128, 10],
    ]);
  });

  it("rejects a batch larger than the training set", () => {
    const data = loadMnist({ trainSize: 10, testSize: 10 });
    expect(() => train(data, { batchSize: 11 })).toThrow(
      /batchSize 11 is larger than the 10 training digits/,
    );
  });
});
