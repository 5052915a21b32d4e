/**
 * The benchmarks in jaxts, written as a JAX user would write them, with the
 * public API only (jit, grad, vmap, jnp, donateArgnums, dispose). The rows
 * "kernel alone" and "kernel on N workers" call the matmul kernel directly,
 * to show what the jitted product costs on top of it.
 */

import { matmul as matmulKernel } from "../src/backend/cpu/matmul.js";
import {
  type Array,
  grad,
  jit,
  numpy as jnp,
  lax,
  nn,
  tree,
  valueAndGrad,
  vmap,
} from "../src/index.js";
import { CNN, type Inputs, LOGREG, MATMUL_N, MLP, RNN, type Suite, TFM } from "./cases.js";
import { threadedMatmul } from "./threads.js";

type MlpParams = { w1: Array; b1: Array; w2: Array; b2: Array };
type LogregParams = { w: Array; b: Array };
type CnnParams = { w1: Array; b1: Array; w2: Array; b2: Array; w3: Array; b3: Array };

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

const NHWC = ["NHWC", "HWIO", "NHWC"] as const;
const convRelu = (x: Array, w: Array, b: Array): Array =>
  nn.relu(lax.convGeneralDilated(x, w, [1, 1], "SAME", null, null, NHWC).add(b));
const maxPool = (x: Array): Array =>
  lax.reduceWindow(x, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");

function cnnLoss(p: CnnParams, x: Array, y: Array): Array {
  const h1 = maxPool(convRelu(x, p.w1, p.b1));
  const h2 = maxPool(convRelu(h1, p.w2, p.b2));
  const logits = jnp.dot(h2.reshape([CNN.batch, -1]), p.w3).add(p.b3);
  return jnp.mean(jnp.sum(nn.logSoftmax(logits).mul(y), -1)).neg();
}

function makeCnnStep(): (p: CnnParams, x: Array, y: Array) => CnnParams {
  return (p, x, y) => {
    const g = grad(cnnLoss)(p, x, y) as CnnParams;
    return tree.map((w: Array, gw: Array) => w.sub(gw.mul(CNN.lr)), p, g) as CnnParams;
  };
}

/** The updated first and second kernels, one array (what every framework's verify returns). */
export function concatF32(...xs: Float32Array[]): Float32Array {
  const out = new Float32Array(xs.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of xs) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

type RnnParams = { w: Array; u: Array; b: Array };
/** mean(hs²) over the hidden states of h = tanh(x W + h U + b), h₀ = 0, by `lax.scan`. */
function rnnLoss(p: RnnParams, xs: Array): Array {
  const h0 = jnp.zeros([RNN.batch, RNN.hidden]);
  const [, hs] = lax.scan(
    (h: Array, x: Array): [Array, Array] => {
      const h2 = jnp.tanh(jnp.dot(x, p.w).add(jnp.dot(h, p.u)).add(p.b));
      return [h2, h2];
    },
    h0,
    xs,
  );
  return jnp.mean(hs.mul(hs));
}

type TfmParams = Record<"wq" | "wk" | "wv" | "wo" | "w1" | "b1" | "w2" | "b2", Array>;
const layerNorm = (x: Array): Array => {
  const xc = x.sub(jnp.mean(x, -1, { keepdims: true }));
  return xc.mul(lax.rsqrt(jnp.mean(xc.mul(xc), -1, { keepdims: true }).add(1e-5)));
};
/** A pre-LN block: x + attn(ln(x)), then + mlp(ln(·)); causal 4-head attention; loss mean(out²). */
function tfmLoss(p: TfmParams, x: Array): Array {
  const { batch, seq, width, heads } = TFM;
  const d = width / heads;
  const split = (t: Array) => t.reshape([batch, seq, heads, d]).transpose([0, 2, 1, 3]);
  const a = layerNorm(x);
  const q = split(jnp.matmul(a, p.wq));
  const k = split(jnp.matmul(a, p.wk));
  const v = split(jnp.matmul(a, p.wv));
  const s = jnp.matmul(q, k.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(d));
  const mask = jnp.tril(jnp.ones([seq, seq], "bool"));
  const att = nn.softmax(jnp.where(mask, s, -1e9), -1);
  const o = jnp.matmul(att, v).transpose([0, 2, 1, 3]).reshape([batch, seq, width]);
  const h = x.add(jnp.matmul(o, p.wo));
  const m = nn.gelu(jnp.matmul(layerNorm(h), p.w1).add(p.b1));
  const out = h.add(jnp.matmul(m, p.w2).add(p.b2));
  return jnp.mean(out.mul(out));
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

  const { c1, c2, classes, size } = CNN;
  const cnnInit = (): CnnParams => ({
    w1: arr(inp.cnn.w1, [3, 3, 1, c1]),
    b1: arr(inp.cnn.b1, [c1]),
    w2: arr(inp.cnn.w2, [3, 3, c1, c2]),
    b2: arr(inp.cnn.b2, [c2]),
    w3: arr(inp.cnn.w3, [49 * c2, classes]),
    b3: arr(inp.cnn.b3, [classes]),
  });
  const cx = arr(inp.cnnX, [CNN.batch, size, size, 1]);
  const cy = arr(inp.cnnY, [CNN.batch, classes]);
  const cnnStep = jit(makeCnnStep(), { donateArgnums: 0 });
  let cnnParams = cnnInit();

  const rnnP: RnnParams = {
    w: arr(inp.rnn.w, [RNN.input, RNN.hidden]),
    u: arr(inp.rnn.u, [RNN.hidden, RNN.hidden]),
    b: arr(inp.rnn.b, [RNN.hidden]),
  };
  const rnnX = arr(inp.rnnX, [RNN.steps, RNN.batch, RNN.input]);
  const rnnGrad = jit(valueAndGrad(rnnLoss));
  const { width, mlp } = TFM;
  const tfmP: TfmParams = {
    wq: arr(inp.tfm.wq, [width, width]),
    wk: arr(inp.tfm.wk, [width, width]),
    wv: arr(inp.tfm.wv, [width, width]),
    wo: arr(inp.tfm.wo, [width, width]),
    w1: arr(inp.tfm.w1, [width, mlp]),
    b1: arr(inp.tfm.b1, [mlp]),
    w2: arr(inp.tfm.w2, [mlp, width]),
    b2: arr(inp.tfm.b2, [width]),
  };
  const tfmX = arr(inp.tfmX, [TFM.batch, TFM.seq, width]);
  const tfmGrad = jit(valueAndGrad(tfmLoss));

  return {
    rnnGrad: {
      kind: "sync",
      run: () => disposeAll(rnnGrad(rnnP, rnnX)),
      verify: async () => {
        const [, g] = rnnGrad(rnnP, rnnX) as [Array, RnnParams];
        return f32(g.u);
      },
    },
    transformerBlock: {
      kind: "sync",
      run: () => disposeAll(tfmGrad(tfmP, tfmX)),
      verify: async () => {
        const [, g] = tfmGrad(tfmP, tfmX) as [Array, TfmParams];
        return f32(g.wq);
      },
    },
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
    cnnStep: {
      kind: "sync",
      run: () => {
        cnnParams = cnnStep(cnnParams, cx, cy);
      },
      verify: async () => {
        const next = jit(makeCnnStep())(cnnInit(), cx, cy);
        return concatF32(await f32(next.w1), await f32(next.w2));
      },
    },
  };
}
