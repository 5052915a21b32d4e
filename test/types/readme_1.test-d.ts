/** The README's example 1, verbatim but for the import paths (test/types/no_casts.test.ts checks it). */
import { grad, type JaxArray, jit, numpy as jnp, nn, random, vmap } from "../../src/index.js";
import * as optax from "../../src/optax/index.js";

type Params = { w: JaxArray; b: number };
const predict = (params: Params, x: JaxArray) => nn.sigmoid(x.matmul(params.w).add(params.b));
const loss = (params: Params, x: JaxArray, y: JaxArray) =>
  jnp.mean(optax.sigmoidBinaryCrossEntropy(x.matmul(params.w).add(params.b), y));

// Types flow: (params: Params, x: JaxArray, y: JaxArray) => { w: JaxArray; b: JaxArray }
const perExampleGrads = jit(vmap(grad(loss), { inAxes: [null, 0, 0] }));
const x = random.normal(random.PRNGKey(0), [8, 3]);
const y = jnp.array([1, 0, 1, 1, 0, 0, 1, 0]);
console.log(predict({ w: jnp.ones([3]), b: 0 }, x).toString()); // printed exactly as NumPy prints
console.log(perExampleGrads({ w: jnp.ones([3]), b: 0 }, x, y)); // { b: Array(...), w: Array(...) }
