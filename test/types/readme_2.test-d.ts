/** The README's example 2, verbatim but for the import paths (test/types/no_casts.test.ts checks it). */
import { type JaxArray, jit, numpy as jnp, lax, valueAndGrad } from "../../src/index.js";
import * as optax from "../../src/optax/index.js";

type Linear = { w: JaxArray; b: JaxArray };
const mse = (p: Linear, x: JaxArray, y: JaxArray) =>
  jnp.mean(jnp.square(x.matmul(p.w).add(p.b).sub(y)));
const optimizer = optax.adam(1e-2);
export const step = jit((p: Linear, s: optax.OptState, x: JaxArray, y: JaxArray) => {
  const [loss, grads] = valueAndGrad(mse)(p, x, y); // [JaxArray, Linear]
  const [updates, state] = optimizer.update(grads, s, p); // [Linear, optax.OptState]
  return { params: optax.applyUpdates(p, updates), state, loss }; // params: Linear
});
const withAux = (p: Linear, x: JaxArray): [JaxArray, { logits: JaxArray }] => {
  const logits = x.matmul(p.w).add(p.b);
  return [jnp.mean(logits), { logits }];
};
// (p: Linear, x: JaxArray) => [[JaxArray, { logits: JaxArray }], [Linear, JaxArray]]
export const vg = valueAndGrad(withAux, { argnums: [0, 1], hasAux: true });
// grad(mse, { argnums: 3 }) and grad(mse, { hasAux: true }) are type errors.
// [JaxArray, JaxArray]: the final carry and the stacked outputs
export const cumulative = lax.scan(
  (c: JaxArray, xt: JaxArray): [JaxArray, JaxArray] => [c.add(xt), c],
  jnp.zeros([]),
  jnp.arange(5),
);
