/**
 * The benchmarks in jaxts, written as a JAX user would write them, with the
 * public API only (jit, grad, vmap, jnp, donateArgnums, dispose). The rows
 * "kernel alone" and "kernel on N workers" call the matmul kernel directly,
 * to show what the jitted product costs on top of it.
 */

import { matmul as matmulKernel } from "../src/backend/cpu/matmul.js";
import { type Array, grad, jit, numpy as jnp, lax, nn, tree, vmap } from "../src/index.js";
import { type Inputs, LOGREG, MATMUL_N, MLP, type Suite } from "./cases.js";
import { threadedMatmul } from "./threads.js";

type MlpParams = { w1: Array; b1: Array; w2: Array; b2: Array };
type LogregParams = { w: Array; b: Array };

const arr = (data: Float32Array, shape: number[]): Array => jnp.array(data).reshape(shape);
const f32 = async (x: Array): Promise<Float32Array> => (await x.data()) as Float32Array;
const disposeAll = (t: unknown): void => void tree.map((a: Array) => a.dispose(), t);

function mlpLoss(p: MlpParams, x: Array, y: Array): Array {
  const h = nn.relu(jnp.dot(x, p.w1).add(p.b1));
  const logits = jnp.dot(h, p.w2).add(p.b2);
  return jnp.mean(jnp.sum(nn.logSoftmax(logits).mul(y), -1)).neg();
}

/** A fresh train-step function each time, so that a new jit traces and compiles it again. */
function makeMlpStep(): (p: MlpParams, x: Array, y: Array) => MlpParams {
  return (p, x, y) => {
    const g = grad(mlpLoss)(p, x, y) as MlpParams;
    return tree.map((w: Array, gw: Array) => w.sub(gw.mul(MLP.lr)), p, g) as MlpParams;
  };
}

/** Binary cross-entropy of ONE example, written with logSigmoid for stability. */
function logregLoss(p: LogregParams, x: Array, y: Array): Array {
  const z = jnp.dot(x, p.w).add(p.b.get(0));
  return y
    .mul(nn.logSigmoid(z))
    .add(y.neg().add(1).mul(nn.logSigmoid(z.neg())))
    .neg();
}

export async function jaxtsSuite(inp: Inputs): Promise<Suite> {
  const { batch, input, hidden, output } = MLP;
  const a = arr(inp.matA, [MATMUL_N, MATMUL_N]);
  const b = arr(inp.matB, [MATMUL_N, MATMUL_N]);
  const matmul = jit((x: Array, y: Array) => jnp.matmul(x, y));
  const kernelOut = new Float32Array(MATMUL_N * MATMUL_N);
  const runKernel = () => matmulKernel(inp.matA, inp.matB, MATMUL_N, MATMUL_N, MATMUL_N, kernelOut);
  const threaded = await threadedMatmul(inp.matA, inp.matB, MATMUL_N);

  const x = arr(inp.elem, [inp.elem.length]);
  const elementwise = jit((v: Array) => jnp.tanh(v.mul(2).add(1)).mul(v));

  const init = (): MlpParams => ({
    w1: arr(inp.mlp.w1, [input, hidden]),
    b1: arr(inp.mlp.b1, [hidden]),
    w2: arr(inp.mlp.w2, [hidden, output]),
    b2: arr(inp.mlp.b2, [output]),
  });
  const mx = arr(inp.mlpX, [batch, input]);
  const my = arr(inp.mlpY, [batch, output]);
  // The parameters are donated: the new ones take the old ones' buffers, as
  // the peers' loops free (TF.js dispose) or move (jax-js) the old parameters.
  const step = jit(makeMlpStep(), { donateArgnums: 0 });
  let params = init();

  const lp: LogregParams = { w: arr(inp.logreg.w, [LOGREG.features]), b: arr(inp.logreg.b, [1]) };
  const lx = arr(inp.logregX, [LOGREG.batch, LOGREG.features]);
  const ly = arr(inp.logregY, [LOGREG.batch]);
  const perExample = jit(vmap(grad(logregLoss), { inAxes: [null, 0, 0] }));

  const ta = arr(inp.tinyA, [1]);
  const tb = arr(inp.tinyB, [1]);
  const tinyJit = jit((u: Array, v: Array) => lax.add(u, v));

  return {
    // Results are disposed as the peers dispose theirs (tf.dispose, jax-js's
    // .dispose()); "left to the GC" shows the automatic path.
    matmul: { kind: "sync", run: () => matmul(a, b).dispose(), verify: () => f32(matmul(a, b)) },
    // The WebAssembly kernel on Float32Arrays, copies in and out included.
    matmulKernel: { kind: "sync", run: runKernel, verify: () => Float32Array.from(runKernel()) },
    // The same kernel split by rows over the thread pool's workers.
    matmulThreads: {
      kind: "async",
      run: threaded.run,
      verify: async () => {
        await threaded.run();
        return threaded.result();
      },
    },
    elementwise: {
      kind: "sync",
      run: () => elementwise(x).dispose(),
      verify: () => f32(elementwise(x)),
    },
    elementwiseGc: {
      kind: "sync",
      run: () => void elementwise(x),
      verify: () => f32(elementwise(x)),
    },
    mlpStep: {
      kind: "sync",
      run: () => {
        params = step(params, mx, my);
      },
      verify: () => f32(jit(makeMlpStep())(init(), mx, my).w2),
    },
    perExampleGrads: {
      kind: "sync",
      run: () => disposeAll(perExample(lp, lx, ly)),
      verify: () => f32((perExample(lp, lx, ly) as LogregParams).w),
    },
    tinyEager: {
      kind: "sync",
      run: () => void lax.add(ta, tb),
      verify: () => f32(lax.add(ta, tb)),
    },
    tinyJit: { kind: "sync", run: () => void tinyJit(ta, tb), verify: () => f32(tinyJit(ta, tb)) },
    mlpFirstCall: {
      kind: "cold",
      make: () => {
        const fresh = jit(makeMlpStep());
        const p = init();
        return () => disposeAll(fresh(p, mx, my));
      },
    },
  };
}
