/**
 * The benchmarks in TensorFlow.js (cpu or wasm backend). TF.js has no jit
 * and no vmap: the same computations run op by op, per-example gradients in
 * a loop over the examples. Ops on these backends finish before returning.
 */
// The union package registers the gradients (tfjs-core alone has none) and the cpu backend.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { CNN, type Inputs, LOGREG, MATMUL_N, MLP, type Suite } from "./cases.js";
import { concatF32 } from "./jaxts.js";

export type TfBackend = "cpu" | "wasm";

/** Selects the backend; returns a short description (threads for wasm). */
export async function initTf(backend: TfBackend): Promise<string> {
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) throw new Error(`TF.js backend ${backend} unavailable`);
  tf.enableProdMode();
  return `TF.js ${tf.version_core} ${backend}`;
}

const read = async (t: tf.Tensor): Promise<Float32Array> => {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return Float32Array.from(d);
};

function mlpLoss(
  w1: tf.Tensor,
  b1: tf.Tensor,
  w2: tf.Tensor,
  b2: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
) {
  const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
  const logits = tf.add(tf.matMul(h, w2), b2);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), y), -1))) as tf.Scalar;
}

/** The CNN's loss: NHWC, HWIO kernels, "SAME" 3×3 convolutions, 2×2 max pools. */
function cnnLoss(ps: tf.Tensor[], x: tf.Tensor4D, y: tf.Tensor): tf.Scalar {
  const [w1, b1, w2, b2, w3, b3] = ps as [tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor, tf.Tensor2D, tf.Tensor];
  const conv = (h: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor) =>
    tf.maxPool(tf.relu(tf.add(tf.conv2d(h, w, 1, "same"), b)) as tf.Tensor4D, 2, 2, "valid");
  const h2 = conv(conv(x, w1, b1), w2, b2);
  const logits = tf.add(tf.matMul(tf.reshape(h2, [CNN.batch, -1]) as tf.Tensor2D, w3), b3);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), y), -1))) as tf.Scalar;
} // biome-ignore format: long tuple type

export function tfSuite(inp: Inputs): Suite {
  const { batch, input, hidden, output } = MLP;
  const a = tf.tensor2d(inp.matA, [MATMUL_N, MATMUL_N]);
  const b = tf.tensor2d(inp.matB, [MATMUL_N, MATMUL_N]);
  const x = tf.tensor1d(inp.elem);
  const elementwise = () => tf.tidy(() => tf.mul(tf.tanh(tf.add(tf.mul(x, 2), 1)), x));

  let params: tf.Tensor[] = [
    tf.tensor2d(inp.mlp.w1, [input, hidden]),
    tf.tensor1d(inp.mlp.b1),
    tf.tensor2d(inp.mlp.w2, [hidden, output]),
    tf.tensor1d(inp.mlp.b2),
  ];
  const init = params.map((p) => p.clone());
  const mx = tf.tensor2d(inp.mlpX, [batch, input]);
  const my = tf.tensor2d(inp.mlpY, [batch, output]);
  const lossGrads = tf.grads((w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) =>
    mlpLoss(w1, b1, w2, b2, mx, my),
  );
  const step = (ps: tf.Tensor[]): tf.Tensor[] =>
    tf.tidy(() => {
      const gs = lossGrads(ps);
      return ps.map((p, i) => tf.sub(p, tf.mul(gs[i]!, MLP.lr)));
    });

  const lw = tf.tensor1d(inp.logreg.w);
  const lb = tf.tensor1d(inp.logreg.b);
  const lx = tf.tensor2d(inp.logregX, [LOGREG.batch, LOGREG.features]);
  const examples = tf.unstack(lx);
  const labels = Array.from(inp.logregY, (v) => tf.scalar(v));
  const exampleGrads = examples.map((xi, i) =>
    tf.grads((w: tf.Tensor, bb: tf.Tensor) => {
      const z = tf.add(tf.sum(tf.mul(xi, w)), tf.reshape(bb, []));
      // -[y log σ(z) + (1-y) log σ(-z)] = softplus(z) - y z (TF.js's logSigmoid gradient fails here)
      return tf.sub(tf.softplus(z), tf.mul(labels[i]!, z)) as tf.Scalar;
    }),
  );
  const perExample = () => tf.tidy(() => tf.stack(exampleGrads.map((g) => g([lw, lb])[0]!)));

  const ta = tf.tensor1d(inp.tinyA);
  const tb = tf.tensor1d(inp.tinyB);

  const { c1, c2, classes, size } = CNN;
  const cnnInit: tf.Tensor[] = [
    tf.tensor4d(inp.cnn.w1, [3, 3, 1, c1]),
    tf.tensor1d(inp.cnn.b1),
    tf.tensor4d(inp.cnn.w2, [3, 3, c1, c2]),
    tf.tensor1d(inp.cnn.b2),
    tf.tensor2d(inp.cnn.w3, [49 * c2, classes]),
    tf.tensor1d(inp.cnn.b3),
  ];
  let cnnParams = cnnInit.map((p) => p.clone());
  const cx = tf.tensor4d(inp.cnnX, [CNN.batch, size, size, 1]);
  const cy = tf.tensor2d(inp.cnnY, [CNN.batch, classes]);
  const cnnGrads = tf.grads((...ps: tf.Tensor[]) => cnnLoss(ps, cx, cy));
  const cnnStep = (ps: tf.Tensor[]): tf.Tensor[] =>
    tf.tidy(() => {
      const gs = cnnGrads(ps);
      return ps.map((p, i) => tf.sub(p, tf.mul(gs[i]!, CNN.lr)));
    });

  return {
    cnnStep: {
      kind: "sync",
      run: () => {
        const next = cnnStep(cnnParams);
        for (const p of cnnParams) p.dispose();
        cnnParams = next;
      },
      verify: async () => {
        const next = cnnStep(cnnInit);
        const out = concatF32(await read(next[0]!), await read(next[2]!));
        tf.dispose(next);
        return out;
      },
    },
    matmul: {
      kind: "sync",
      run: () => tf.matMul(a, b).dispose(),
      verify: () => read(tf.matMul(a, b)),
    },
    elementwise: {
      kind: "sync",
      run: () => elementwise().dispose(),
      verify: () => read(elementwise()),
    },
    mlpStep: {
      kind: "sync",
      run: () => {
        const next = step(params);
        for (const p of params) p.dispose();
        params = next;
      },
      verify: async () => {
        const next = step(init);
        const w2 = await read(next[2]!);
        tf.dispose(next);
        return w2;
      },
    },
    perExampleGrads: {
      kind: "sync",
      run: () => perExample().dispose(),
      verify: () => read(perExample()),
    },
    tinyEager: {
      kind: "sync",
      run: () => tf.add(ta, tb).dispose(),
      verify: () => read(tf.add(ta, tb)),
    },
  };
}
