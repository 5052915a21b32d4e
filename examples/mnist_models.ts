/**
 * The two MNIST models of examples/mnist.ts, each written for ONE image and
 * vmapped over batches by the caller (as in JAX's tutorials):
 *
 * - mlp: 784 → hidden → 10, relu, optional dropout on the hidden layer.
 * - cnn: conv 3×3 (c1) → relu → 2×2 max pool → conv 3×3 (c2) → relu →
 *   2×2 max pool → dense 7·7·c2 → 10. NHWC images, HWIO kernels (Flax's
 *   layouts); under vmap the batch folds into the convolutions' N dim.
 */
import { type JaxArray, numpy as jnp, lax, nn } from "../src/index.js";
import * as initializers from "../src/nn/initializers.js";
import * as random from "../src/random/index.js";
import { IMAGE_SIZE, NUM_CLASSES, NUM_PIXELS } from "./mnist_data.js";

export interface Layer {
  w: JaxArray;
  b: JaxArray;
}
/** The MLP's parameters: one dense layer per entry. */
export type Params = Layer[];

/** One dense layer per consecutive pair of sizes: Glorot-normal weights, zero biases. */
export function initParams(key: JaxArray, sizes: readonly number[]): Params {
  const keys = random.split(key, sizes.length - 1);
  const init = initializers.glorotNormal();
  const [inputs = 0, ...outputs] = sizes;
  let nIn = inputs;
  return outputs.map((nOut, i) => {
    const layer = { w: init(keys.get(i), [nIn, nOut]), b: jnp.zeros([nOut]) };
    nIn = nOut;
    return layer;
  });
}

/**
 * Inverted dropout of ONE example's activations: each is zeroed with
 * probability `rate` and the rest scaled by 1 / (1 - rate), so evaluation
 * needs no rescaling.
 */
export function dropout(key: JaxArray, rate: number, x: JaxArray): JaxArray {
  const keep = random.bernoulli(key, 1 - rate, x.shape);
  return jnp.where(keep, x.div(1 - rate), 0);
}

/**
 * MLP logits for ONE flattened image [784] → [10]; relu between layers. With
 * a key and a rate, the hidden activations go through dropout (training).
 */
export function predict(
  params: Params,
  image: JaxArray,
  key: JaxArray | null = null,
  rate = 0,
): JaxArray {
  const keys = key === null || rate === 0 ? null : random.split(key, params.length);
  let h = image;
  params.forEach(({ w, b }, i) => {
    if (keys !== null && i > 0) h = dropout(keys.get(i), rate, h);
    const z = jnp.dot(h, w).add(b);
    h = i < params.length - 1 ? nn.relu(z) : z;
  });
  return h;
}

export interface CnnParams {
  conv1: Layer;
  conv2: Layer;
  dense: Layer;
}

const NHWC = ["NHWC", "HWIO", "NHWC"] as const;

/**
 * LeCun-normal convolution kernels (Flax's default; fan-in 3·3·inputs), zero
 * biases, and a dense layer scaled down tenfold so that the first logits are
 * small: training starts from near-uniform predictions (loss ≈ log 10)
 * instead of confident random ones, which speeds up the first epoch.
 */
export function initCnn(key: JaxArray, channels: readonly [number, number] = [16, 32]): CnnParams {
  const keys = random.split(key, 3);
  const [k1, k2, k3] = [keys.get(0), keys.get(1), keys.get(2)];
  const [c1, c2] = channels;
  const lecun = initializers.lecunNormal();
  const pooled = (IMAGE_SIZE / 4) * (IMAGE_SIZE / 4) * c2;
  return {
    conv1: { w: lecun(k1, [3, 3, 1, c1]), b: jnp.zeros([c1]) },
    conv2: { w: lecun(k2, [3, 3, c1, c2]), b: jnp.zeros([c2]) },
    dense: { w: lecun(k3, [pooled, NUM_CLASSES]).mul(0.1), b: jnp.zeros([NUM_CLASSES]) },
  };
}

/** 2×2 max pooling with stride 2 of a [1, H, W, C] activation. */
const maxPool = (x: JaxArray): JaxArray =>
  lax.reduceWindow(x, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");

/** A "SAME" 3×3 convolution of a [1, H, W, C] activation, plus bias, relu. */
const convRelu = (x: JaxArray, { w, b }: Layer): JaxArray =>
  nn.relu(lax.convGeneralDilated(x, w, [1, 1], "SAME", null, null, NHWC).add(b));

/** CNN logits for ONE flattened image [784] → [10] (the key and rate are unused: no dropout). */
export function predictCnn(
  params: CnnParams,
  image: JaxArray,
  _key: JaxArray | null = null,
  _rate = 0,
): JaxArray {
  const x = image.reshape([1, IMAGE_SIZE, IMAGE_SIZE, 1]);
  const h1 = maxPool(convRelu(x, params.conv1));
  const h2 = maxPool(convRelu(h1, params.conv2));
  return jnp.dot(h2.reshape([-1]), params.dense.w).add(params.dense.b);
}

/** A model: how to make its parameters and how it maps ONE image to logits. */
export interface Model<P = unknown> {
  name: "mlp" | "cnn";
  /** One line for the log, e.g. "MLP 784-256-10". */
  summary: string;
  init(key: JaxArray): P;
  /** Logits of ONE image. A method, so a `Model<CnnParams>` is also a `Model` (of unknown params). */
  predict(params: P, image: JaxArray, key?: JaxArray | null, rate?: number): JaxArray;
}

export function mlpModel(hidden: number): Model<Params> {
  return {
    name: "mlp",
    summary: `MLP ${NUM_PIXELS}-${hidden}-${NUM_CLASSES}`,
    init: (key) => initParams(key, [NUM_PIXELS, hidden, NUM_CLASSES]),
    predict,
  };
}

export function cnnModel(channels: readonly [number, number] = [16, 32]): Model<CnnParams> {
  const [c1, c2] = channels;
  return {
    name: "cnn",
    summary: `CNN conv3x3(${c1})-maxpool-conv3x3(${c2})-maxpool-dense(10)`,
    init: (key) => initCnn(key, channels),
    predict: predictCnn,
  };
}
