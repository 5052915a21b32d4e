/**
 * The benchmarks in jax-js 0.1.25 on its wasm backend (one thread in Node,
 * which has no Web Workers). jax-js moves its arguments (reference counting):
 * a value used twice is passed as `x.ref`. Work is dispatched lazily, so each
 * timed call waits for its result with `blockUntilReady` (or reads the one
 * value of a 1-element result).
 */
import {
  blockUntilReady,
  defaultDevice,
  grad,
  init,
  type Array as JArray,
  jit,
  lax,
  nn,
  numpy as np,
  tree,
  vmap,
} from "@jax-js/jax";
import { CNN, type Inputs, LOGREG, MATMUL_N, MLP, type Suite } from "./cases.js";
import { concatF32 } from "./jaxts.js";

type MlpParams = { w1: JArray; b1: JArray; w2: JArray; b2: JArray };
type LogregParams = { w: JArray; b: JArray };
type CnnParams = { w1: JArray; b1: JArray; w2: JArray; b2: JArray; w3: JArray; b3: JArray };

/**
 * jax-js convolves NCHW by OIHW only and pools the trailing dims (no padding,
 * no init: VALID max): kernels are kept OIHW, biases [C, 1, 1], and the last
 * activation goes back to NHWC before the dense layer (the same math).
 */
function cnnLoss(p: CnnParams, x: JArray, y: JArray): JArray {
  const layer = (h: JArray, w: JArray, b: JArray) => {
    const c = lax.convGeneralDilated(h, w, [1, 1], "SAME");
    return lax.reduceWindow(nn.relu(c.add(b)), (v: JArray) => np.max(v), [2, 2], [2, 2]);
  };
  const h2 = layer(layer(x, p.w1, p.b1), p.w2, p.b2);
  const flat = np.transpose(h2, [0, 2, 3, 1]).reshape([CNN.batch, -1]);
  const logits = np.dot(flat, p.w3).add(p.b3);
  return np.mean(np.sum(nn.logSoftmax(logits).mul(y), -1)).mul(-1);
}

function makeCnnStep() {
  return (p: CnnParams, x: JArray, y: JArray): CnnParams => {
    const g = grad(cnnLoss)(tree.ref(p), x, y) as CnnParams;
    return tree.map((w: JArray, gw: JArray) => w.sub(gw.mul(CNN.lr)), p, g) as CnnParams;
  };
}

export async function initJaxJs(): Promise<string> {
  const devices = await init("wasm");
  if (!devices.includes("wasm")) throw new Error("jax-js wasm backend unavailable");
  defaultDevice("wasm");
  return "jax-js 0.1.25 wasm";
}

const arr = (data: Float32Array, shape: number[]): JArray =>
  np.array(data as Float32Array<ArrayBuffer>).reshape(shape);
const read = async (x: JArray): Promise<Float32Array> =>
  Float32Array.from((await x.data()) as Float32Array);

function mlpLoss(p: MlpParams, x: JArray, y: JArray): JArray {
  const h = nn.relu(np.dot(x, p.w1).add(p.b1));
  const logits = np.dot(h, p.w2).add(p.b2);
  return np.mean(np.sum(nn.logSoftmax(logits).mul(y), -1)).mul(-1);
}

function makeMlpStep() {
  return (p: MlpParams, x: JArray, y: JArray): MlpParams => {
    const g = grad(mlpLoss)(tree.ref(p), x, y) as MlpParams;
    return tree.map((w: JArray, gw: JArray) => w.sub(gw.mul(MLP.lr)), p, g) as MlpParams;
  };
}

function logregLoss(p: LogregParams, x: JArray, y: JArray): JArray {
  const z = np.dot(x, p.w).add(p.b.reshape([]));
  const pos = y.ref.mul(nn.logSigmoid(z.ref));
  const neg = np.subtract(1, y).mul(nn.logSigmoid(z.mul(-1)));
  return pos.add(neg).mul(-1);
}

export function jaxJsSuite(inp: Inputs): Suite {
  const { batch, input, hidden, output } = MLP;
  const a = arr(inp.matA, [MATMUL_N, MATMUL_N]);
  const b = arr(inp.matB, [MATMUL_N, MATMUL_N]);
  const x = arr(inp.elem, [inp.elem.length]);
  const elementwise = jit((v: JArray) => np.tanh(v.ref.mul(2).add(1)).mul(v));

  const init: MlpParams = {
    w1: arr(inp.mlp.w1, [input, hidden]),
    b1: arr(inp.mlp.b1, [hidden]),
    w2: arr(inp.mlp.w2, [hidden, output]),
    b2: arr(inp.mlp.b2, [output]),
  };
  let params = tree.ref(init);
  const mx = arr(inp.mlpX, [batch, input]);
  const my = arr(inp.mlpY, [batch, output]);
  const step = jit(makeMlpStep());

  const lp: LogregParams = { w: arr(inp.logreg.w, [LOGREG.features]), b: arr(inp.logreg.b, [1]) };
  const lx = arr(inp.logregX, [LOGREG.batch, LOGREG.features]);
  const ly = arr(inp.logregY, [LOGREG.batch]);
  const perExample = jit(vmap(grad(logregLoss), [null, 0, 0]));

  const ta = arr(inp.tinyA, [1]);
  const tb = arr(inp.tinyB, [1]);
  const tinyJit = jit((u: JArray, v: JArray) => np.add(u, v));

  const { c1, c2, classes, size } = CNN;
  const oihw = (w: JArray) => np.transpose(w, [3, 2, 0, 1]);
  const hwio = (w: JArray) => np.transpose(w, [2, 3, 1, 0]);
  const cnnInit: CnnParams = {
    w1: oihw(arr(inp.cnn.w1, [3, 3, 1, c1])),
    b1: arr(inp.cnn.b1, [c1, 1, 1]),
    w2: oihw(arr(inp.cnn.w2, [3, 3, c1, c2])),
    b2: arr(inp.cnn.b2, [c2, 1, 1]),
    w3: arr(inp.cnn.w3, [49 * c2, classes]),
    b3: arr(inp.cnn.b3, [classes]),
  };
  let cnnParams = tree.ref(cnnInit);
  const cx = arr(inp.cnnX, [CNN.batch, 1, size, size]);
  const cy = arr(inp.cnnY, [CNN.batch, classes]);
  const cnnStep = jit(makeCnnStep());

  return {
    cnnStep: {
      kind: "async",
      run: async () => {
        cnnParams = await blockUntilReady(cnnStep(cnnParams, cx.ref, cy.ref));
      },
      verify: async () => {
        const { w1, b1, w2, b2, w3, b3 } = cnnStep(tree.ref(cnnInit), cx.ref, cy.ref);
        tree.dispose([b1, b2, w3, b3]);
        return concatF32(await read(hwio(w1)), await read(hwio(w2)));
      },
    },
    matmul: {
      kind: "async",
      run: async () => (await blockUntilReady(np.matmul(a.ref, b.ref))).dispose(),
      verify: () => read(np.matmul(a.ref, b.ref)),
    },
    elementwise: {
      kind: "async",
      run: async () => (await blockUntilReady(elementwise(x.ref))).dispose(),
      verify: () => read(elementwise(x.ref)),
    },
    mlpStep: {
      kind: "async",
      run: async () => {
        params = await blockUntilReady(step(params, mx.ref, my.ref));
      },
      verify: async () => {
        const { w1, b1, w2, b2 } = step(tree.ref(init), mx.ref, my.ref);
        tree.dispose([w1, b1, b2]);
        return read(w2); // reading moves (disposes) w2
      },
    },
    perExampleGrads: {
      kind: "async",
      run: async () =>
        tree.dispose(await blockUntilReady(perExample(tree.ref(lp), lx.ref, ly.ref))),
      verify: async () => {
        const g = perExample(tree.ref(lp), lx.ref, ly.ref) as LogregParams;
        g.b.dispose();
        return read(g.w);
      },
    },
    // A 1-element result is read synchronously: cheaper than awaiting a promise.
    tinyEager: {
      kind: "sync",
      run: () => void np.add(ta.ref, tb.ref).dataSync(),
      verify: () => read(np.add(ta.ref, tb.ref)),
    },
    tinyJit: {
      kind: "sync",
      run: () => void tinyJit(ta.ref, tb.ref).dataSync(),
      verify: () => read(tinyJit(ta.ref, tb.ref)),
    },
    mlpFirstCall: {
      kind: "cold",
      make: () => {
        const fresh = jit(makeMlpStep());
        return async () =>
          tree.dispose(await blockUntilReady(fresh(tree.ref(init), mx.ref, my.ref)));
      },
    },
  };
}
