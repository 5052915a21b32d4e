/**
 * Whole programs, type-checked by `tsc` (never run): a port of optax's
 * quick-start (a jitted adam step in a training loop, and the same loop as a
 * `lax.scan`), the pytree and optax types it relies on, and the types the
 * MNIST example (examples/mnist*.ts) and the tutorial (examples/tutorial.ts)
 * get from the transformations. Zero casts, zero `!`, zero `any`
 * (test/types/no_casts.test.ts counts them here and in examples/).
 */
import { expectTypeOf } from "vitest";
import { accuracyOf, batched, lossOf, trainModel } from "../../examples/mnist.js";
import type { Mnist } from "../../examples/mnist_data.js";
import {
  type CnnParams,
  cnnModel,
  type Params as MlpParams,
  type Model,
  mlpModel,
  predict,
  predictCnn,
} from "../../examples/mnist_models.js";
import {
  grad,
  type JaxArray,
  jit,
  numpy as jnp,
  lax,
  random,
  tree,
  valueAndGrad,
  vmap,
} from "../../src/index.js";
import * as optax from "../../src/optax/index.js";

// --- optax's quick start, ported line by line -------------------------------------------------
// params = {'w': jnp.zeros(...), 'b': 0.}; optimizer = optax.adam(1e-2)
// opt_state = optimizer.init(params)
// grads = jax.grad(loss)(params, x, y)
// updates, opt_state = optimizer.update(grads, opt_state, params)
// params = optax.apply_updates(params, updates)
type Linear = { w: JaxArray; b: JaxArray };

export function fitLinear(xs: JaxArray, ys: JaxArray, steps: number): Linear {
  const keys = random.split(random.PRNGKey(0), 2);
  let params: Linear = { w: random.normal(keys.get(0), [xs.shape.length]), b: jnp.zeros([]) };
  const predictLinear = (p: Linear, x: JaxArray) => x.matmul(p.w).add(p.b);
  const mse = (p: Linear, x: JaxArray, y: JaxArray) =>
    jnp.mean(jnp.square(predictLinear(p, x).sub(y)));
  const optimizer = optax.adam(1e-2);
  let optState = optimizer.init(params);

  const step = jit((p: Linear, s: optax.OptState, x: JaxArray, y: JaxArray) => {
    const [value, grads] = valueAndGrad(mse)(p, x, y);
    expectTypeOf(grads).toEqualTypeOf<Linear>();
    const [updates, newState] = optimizer.update(grads, s, p);
    expectTypeOf(updates).toEqualTypeOf<Linear>();
    return { params: optax.applyUpdates(p, updates), state: newState, loss: value };
  });
  for (let i = 0; i < steps; i++) {
    const out = step(params, optState, xs, ys);
    expectTypeOf(out.loss).toEqualTypeOf<JaxArray>();
    params = out.params;
    optState = out.state;
  }

  // The same loop as one compiled scan: the carry's type is inferred from init.
  const [[fitted], losses] = lax.scan(
    ([p, s]: [Linear, optax.OptState], _: null): [[Linear, optax.OptState], JaxArray] => {
      const [value, grads] = valueAndGrad(mse)(p, xs, ys);
      const [updates, next] = optimizer.update(grads, s, p);
      return [[optax.applyUpdates(p, updates), next], value];
    },
    [params, optState],
    null,
    { length: steps },
  );
  expectTypeOf(fitted).toEqualTypeOf<Linear>();
  expectTypeOf(losses).toEqualTypeOf<JaxArray>();

  // Per-example gradients: vmap of grad keeps the parameters' structure.
  const perExample = vmap(grad(mse), { inAxes: [null, 0, 0] })(fitted, xs, ys);
  expectTypeOf(perExample).toEqualTypeOf<Linear>();
  return fitted;
}

// --- pytrees ------------------------------------------------------------------------------------
declare const linear: Linear;
expectTypeOf(tree.map((v) => v.mul(2), linear)).toEqualTypeOf<Linear>();
expectTypeOf(tree.map((v) => v.shape, linear)).toEqualTypeOf<{
  w: readonly number[];
  b: readonly number[];
}>();
expectTypeOf(tree.map((a, b) => a.add(b), linear, linear)).toEqualTypeOf<Linear>();
expectTypeOf(tree.leaves(linear)).toEqualTypeOf<JaxArray[]>();
expectTypeOf(tree.leaves({ lr: 0.1, w: linear.w })).toEqualTypeOf<(number | JaxArray)[]>();
const nested: [Linear, { step: number }] = [linear, { step: 0 }];
const [leaves, def] = tree.flatten(nested);
expectTypeOf(leaves).toEqualTypeOf<(JaxArray | number)[]>();
expectTypeOf(
  tree.unflatten(
    def,
    leaves.map((l) => jnp.asarray(l)),
  ),
).toEqualTypeOf<[Linear, { step: JaxArray }]>();
// Unknown trees stay unknown; a function written for arrays is still accepted.
declare const anything: unknown;
expectTypeOf(tree.map((v: JaxArray) => v.sum(), anything)).toEqualTypeOf<unknown>();

// --- optax's transformations carry the user's tree ----------------------------------------------
const transforms = [
  optax.sgd(0.1, { momentum: 0.9 }),
  optax.adamw(1e-3),
  optax.rmsprop(1e-3),
  optax.adagrad(1e-2),
  optax.lion(1e-4),
  optax.chain(optax.clipByGlobalNorm(1), optax.adam(1e-3)),
];
for (const t of transforms) {
  const state = t.init(linear);
  expectTypeOf(t.update(linear, state, linear)).toEqualTypeOf<[Linear, optax.OptState]>();
}
expectTypeOf(optax.applyUpdates(linear, linear)).toEqualTypeOf<Linear>();
// @ts-expect-error the updates must have the parameters' structure
optax.applyUpdates(linear, { w: linear.w });

// --- the MNIST example's types ------------------------------------------------------------------
expectTypeOf(batched(predict)).toEqualTypeOf<(params: MlpParams, images: JaxArray) => JaxArray>();
expectTypeOf(accuracyOf(predictCnn)).parameters.toEqualTypeOf<
  [params: CnnParams, images: JaxArray, labels: JaxArray]
>();
expectTypeOf(mlpModel(256)).toEqualTypeOf<Model<MlpParams>>();
declare const mnist: Mnist;
expectTypeOf(trainModel(cnnModel(), mnist).params).toEqualTypeOf<CnnParams>();
const cnnLoss = (p: CnnParams, images: JaxArray, labels: JaxArray) =>
  lossOf(predictCnn, p, images, labels);
expectTypeOf(grad(cnnLoss)).returns.toEqualTypeOf<CnnParams>();
