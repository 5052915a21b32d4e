/**
 * The JAX 103 vmap tutorial (spec/jax-103-vmap-tutorial.txt), ported line by
 * line to jaxts. Every print matches what the tutorial prints.
 */
import {
  type Array,
  type ArrayLike,
  deviceCount,
  grad,
  jacrev,
  jit,
  numpy as jnp,
  lax,
  nn,
  pmap,
  random,
  vmap,
} from "../src/index.js";
import * as optax from "../src/optax/index.js";

const section = (title: string) => console.log(`\n== ${title}`);

// 1. Why vmap exists --------------------------------------------------------------
section("1. Why vmap exists");
{
  const predict = (params: { w: Array; b: ArrayLike }, features: Array) => {
    const logits = features.matmul(params.w).add(params.b);
    return jnp.array([logits, nn.sigmoid(logits)]);
  };
  const batchedPredict = vmap(predict, { inAxes: [null, 0] });

  const params = { w: jnp.array([1.5, -0.5]), b: 0.25 };
  const X = jnp.array([
    [1.0, 2.0],
    [2.5, -1.0],
    [-0.25, 0.75],
  ]);
  const logitsProbs = batchedPredict(params, X);
  console.log("shape:", logitsProbs.shape);
  console.log("first row:", logitsProbs.get(0).toString());
  console.log(logitsProbs.toString());
}

// 2. Controlling input and output axes -----------------------------------------------
section("2. Controlling input and output axes");
{
  const scaledLoss = (scale: ArrayLike, preds: Array, targets: Array) => {
    const residual = preds.sub(targets);
    return jnp.multiply(scale, jnp.sum(residual.pow(2)));
  };
  const batchedLoss = vmap(scaledLoss, { inAxes: [null, 0, 0] });

  const scale = 0.5;
  const preds = jnp.array([
    [0.2, 0.8],
    [0.6, 0.4],
  ]);
  const targets = jnp.array([
    [0.0, 1.0],
    [1.0, 0.0],
  ]);
  console.log(batchedLoss(scale, preds, targets).toString());

  const normalize = (x: Array) => {
    const xCentered = x.sub(jnp.mean(x));
    return xCentered.div(jnp.std(x));
  };
  const images = random.normal(random.PRNGKey(0), [2, 28, 28]);
  console.log("images shape:", images.shape);

  const channelFirstNorm = vmap(normalize, { inAxes: 0, outAxes: 0 })(images);
  console.log("channel_first_norm shape:", channelFirstNorm.shape);

  const channelLastNorm = vmap(normalize, { inAxes: 0, outAxes: -1 })(images);
  console.log("channel_last_norm shape:", channelLastNorm.shape);
}

// 3. Vectorizing functions with multiple batch dimensions ------------------------------
section("3. Vectorizing functions with multiple batch dimensions");
{
  const euclideanDistance = (x: Array, y: Array) => jnp.sqrt(jnp.sum(x.sub(y).pow(2)));
  const pairwiseDist = vmap(vmap(euclideanDistance, { inAxes: [null, 0] }), { inAxes: [0, null] });

  const X = jnp.array([
    [0, 0],
    [1, 0],
    [0, 1],
  ]);
  const Y = jnp.array([
    [0, 0],
    [1, 1],
  ]);
  console.log(pairwiseDist(X, Y).toString());
}

// 4. Differentiation across batches --------------------------------------------------
section("4. Differentiation across batches");
{
  type Params = { w: Array; b: ArrayLike };
  const lossPerExample = (params: Params, x: Array, y: Array) => {
    const logits = x.matmul(params.w).add(params.b);
    return jnp.mean(optax.sigmoidBinaryCrossEntropy(logits, y));
  };
  const gradPerExample = vmap(grad(lossPerExample), { inAxes: [null, 0, 0] });

  const params = { w: jnp.array([1.0, -2.0]), b: 0.3 };
  const features = jnp.array([
    [1.0, 0.0],
    [0.5, 1.5],
    [2.0, -1.0],
  ]);
  const targets = jnp.array([
    [1, 0, 1],
    [0, 1, 0],
    [1, 0, 1],
  ]);
  const grads = gradPerExample(params, features, targets) as { w: Array; b: Array };
  console.log("dw shape:", grads.w.shape);
  console.log("db shape:", grads.b.shape);

  const softmaxLogits = (theta: Array) => nn.softmax(theta);
  const theta = jnp.array([1.0, 0.0, -1.0]);
  const jacobian = jacrev(softmaxLogits)(theta) as Array;
  console.log(jacobian.toString());
}

// 5. Randomness and vmap ------------------------------------------------------------
section("5. Randomness and vmap");
{
  const dropoutLayer = (key: Array, x: Array, rate = 0.1) => {
    const keep = random.bernoulli(key, 1.0 - rate, x.shape);
    return keep.mul(x).div(1.0 - rate);
  };
  const batchedDropout = (key: Array, inputs: Array) => {
    const keys = random.split(key, inputs.shape[0]);
    return vmap(dropoutLayer)(keys, inputs);
  };

  const key = random.PRNGKey(42);
  const activations = jnp.ones([4, 5]);
  console.log(batchedDropout(key, activations).toString());
}

// 6. vmap versus scan versus pmap ----------------------------------------------------
section("6. vmap versus scan versus pmap");
{
  type RnnParams = [Array, Array, Array];
  const rnnCell = (carry: Array, xT: Array, params: RnnParams): [Array, Array] => {
    const hPrev = carry;
    const [wHh, wXh, b] = params;
    const h = jnp.tanh(hPrev.matmul(wHh).add(xT.matmul(wXh)).add(b));
    return [h, h];
  };
  const runSequence = (inputs: Array, params: RnnParams) => {
    const h0 = jnp.zeros(params[0].shape[0]!);
    const [, outputs] = lax.scan((c: Array, x: Array) => rnnCell(c, x, params), h0, inputs);
    return outputs;
  };
  const batchedRunSequence = vmap(runSequence, { inAxes: [0, null] });
  const jittedBatchedRun = jit(batchedRunSequence);

  // The tutorial prints nothing here; we feed a batch through and take a gradient.
  const [k1, k2, k3, k4] = random.split(random.PRNGKey(1), 4) as unknown as Array[];
  const params: RnnParams = [
    random.normal(k1!, [8, 8]).mul(0.3),
    random.normal(k2!, [3, 8]).mul(0.3),
    random.normal(k3!, [8]).mul(0.1),
  ];
  const sequences = random.normal(k4!, [16, 20, 3]);
  const outputs = jittedBatchedRun(sequences, params);
  console.log("batched RNN outputs shape:", outputs.shape);
  const lossFn = (p: RnnParams) => jnp.mean(jittedBatchedRun(sequences, p).pow(2));
  const g = jit(grad(lossFn))(params) as RnnParams;
  console.log(
    "gradient shapes:",
    g.map((x) => x.shape),
  );

  // Distributing the batch across devices: pmap over devices of vmap over
  // each device's share of the sequences, every sequence a scan.
  const nDevices = gcd(sequences.shape[0]!, deviceCount());
  const perDevice = sequences.reshape([nDevices, -1, 20, 3]);
  const pmapped = pmap(vmap(runSequence, { inAxes: [0, null] }), { inAxes: [0, null] });
  const distributed = pmapped(perDevice, params).reshape(outputs.shape);
  console.log("pmap(vmap(RNN)) outputs shape:", distributed.shape);
  const close = (a: Array, b: Array) => (jnp.max(jnp.abs(a.sub(b))).item() as number) < 1e-5;
  console.log("pmap(vmap(RNN)) matches vmap:", close(distributed, outputs));
  const pmapLoss = (p: RnnParams) => jnp.mean(pmapped(perDevice, p).pow(2));
  const gp = grad(pmapLoss)(params) as RnnParams;
  console.log(
    "gradient through pmap matches:",
    gp.every((x, i) => close(x, g[i]!)),
  );
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
