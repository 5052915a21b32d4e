/**
 * The benchmarks of issue 7, their sizes and inputs. Every framework gets
 * the same Float32Array inputs and implements each case the idiomatic way
 * for it (jit where it has one); `verify` results are compared across
 * frameworks so that every column measures the same computation.
 */
import { availableParallelism } from "node:os";
import { randomF32 } from "./harness.js";

export const MATMUL_N = 1024;
export const ELEMENTWISE_N = 1_000_000;
export const MLP = { batch: 128, input: 784, hidden: 256, output: 10, lr: 0.01 } as const;
export const LOGREG = { batch: 256, features: 100 } as const;
/** The CNN train step: NHWC 28×28×1 images, 3×3 "SAME" convolutions (16, 32), 2×2 max pools, dense 7·7·32 → 10. */
export const CNN = { batch: 64, size: 28, c1: 16, c2: 32, classes: 10, lr: 0.01 } as const;
/** The RNN: `lax.scan` of h = tanh(x W + h U + b) over T steps; loss mean(hs²); value and grads of W, U, b. */
export const RNN = { steps: 50, batch: 32, input: 32, hidden: 128 } as const;
/** The transformer block (pre-LN, causal attention, GELU MLP 4×); loss mean(out²); forward + backward. */
export const TFM = { batch: 16, seq: 128, width: 256, heads: 4, mlp: 1024 } as const;

export type CaseId =
  | "matmul"
  | "matmulKernel"
  | "matmulThreads"
  | "elementwise"
  | "elementwiseGc"
  | "mlpStep"
  | "perExampleGrads"
  | "tinyEager"
  | "tinyJit"
  | "rnnGrad"
  | "transformerBlock"
  | "mlpFirstCall"
  | "cnnStep";

export interface CaseInfo {
  id: CaseId;
  title: string;
  /** Floating-point operations per call, to report GFLOP/s instead of time. */
  flops?: number;
  /** A case that computes the same result: results are checked against its. */
  sameAs?: CaseId;
}

export const CASES: readonly CaseInfo[] = [
  { id: "matmul", title: "matmul f32 1024³ (jit)", flops: 2 * MATMUL_N ** 3 },
  {
    id: "matmulKernel",
    title: "matmul f32 1024³, kernel alone",
    flops: 2 * MATMUL_N ** 3,
    sameAs: "matmul",
  },
  {
    id: "matmulThreads",
    title: `matmul f32 1024³, kernel on ${availableParallelism()} workers`,
    flops: 2 * MATMUL_N ** 3,
    sameAs: "matmul",
  },
  { id: "elementwise", title: "jit(x => tanh(x*2+1)*x), 1e6 f32" },
  {
    id: "elementwiseGc",
    title: "the same, results left to the GC (no dispose)",
    sameAs: "elementwise",
  },
  { id: "mlpStep", title: "MLP 784-256-10 batch 128, train step" },
  { id: "perExampleGrads", title: "per-example grads, logreg 100 feat., batch 256" },
  { id: "tinyEager", title: "one op on a 1-element array, eager" },
  { id: "tinyJit", title: "one op on a 1-element array, jitted call" },
  { id: "rnnGrad", title: "RNN scan T=50 batch 32 in 32 hidden 128, value+grad" },
  {
    id: "transformerBlock",
    title: "transformer block seq 128 width 256 4 heads batch 16, fwd+bwd",
  },
  { id: "mlpFirstCall", title: "MLP train step, first call (trace + compile)" },
  {
    id: "cnnStep",
    title: "CNN conv3×3(16)-pool-conv3×3(32)-pool-dense, batch 64, train step",
  },
];

/** How a framework runs one case. */
export type Verify = () => Float32Array | Promise<Float32Array>;
export type Runner =
  | { kind: "sync"; run: () => void; verify?: Verify }
  | { kind: "async"; run: () => Promise<void>; verify?: Verify }
  /** A fresh function per sample (first calls): `make()` returns the call to time. */
  | { kind: "cold"; make: () => () => void | Promise<void> };

export type Suite = Partial<Record<CaseId, Runner>>;

/** What a runner could not do, shown in its cell instead of a time. */
export class Unsupported extends Error {}

export interface Inputs {
  matA: Float32Array;
  matB: Float32Array;
  elem: Float32Array;
  mlp: { w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array };
  mlpX: Float32Array;
  /** One-hot labels, [batch, output]. */
  mlpY: Float32Array;
  logreg: { w: Float32Array; b: Float32Array };
  logregX: Float32Array;
  /** 0/1 labels, [batch]. */
  logregY: Float32Array;
  tinyA: Float32Array;
  tinyB: Float32Array;
  /** W [input, hidden], U [hidden, hidden], b [hidden]; xs [steps, batch, input]. */
  rnn: { w: Float32Array; u: Float32Array; b: Float32Array };
  rnnX: Float32Array;
  /** Projections [width, width] (q, k, v, o), MLP [width, mlp] and [mlp, width]; x [batch, seq, width]. */
  tfm: Record<"wq" | "wk" | "wv" | "wo" | "w1" | "b1" | "w2" | "b2", Float32Array>;
  tfmX: Float32Array;
  /** HWIO kernels, biases, a [7·7·c2, classes] dense layer. */
  cnn: {
    w1: Float32Array;
    b1: Float32Array;
    w2: Float32Array;
    b2: Float32Array;
    w3: Float32Array;
    b3: Float32Array;
  };
  /** NHWC images [batch, 28, 28, 1]. */
  cnnX: Float32Array;
  /** One-hot labels, [batch, classes]. */
  cnnY: Float32Array;
}

export function makeInputs(): Inputs {
  const { batch, input, hidden, output } = MLP;
  const mlpY = new Float32Array(batch * output);
  const labels = randomF32(batch, 7, 0, output);
  for (let i = 0; i < batch; i++) mlpY[i * output + Math.floor(labels[i]!)] = 1;
  const { c1, c2, classes } = CNN;
  const cnnY = new Float32Array(CNN.batch * classes);
  const cnnLabels = randomF32(CNN.batch, 17, 0, classes);
  for (let i = 0; i < CNN.batch; i++) cnnY[i * classes + Math.floor(cnnLabels[i]!)] = 1;
  const logregY = randomF32(LOGREG.batch, 11, 0, 1).map((u) => (u < 0.5 ? 0 : 1));
  return {
    matA: randomF32(MATMUL_N * MATMUL_N, 1),
    matB: randomF32(MATMUL_N * MATMUL_N, 2),
    elem: randomF32(ELEMENTWISE_N, 3, -3, 3),
    mlp: {
      w1: randomF32(input * hidden, 4, -0.05, 0.05),
      b1: new Float32Array(hidden),
      w2: randomF32(hidden * output, 5, -0.1, 0.1),
      b2: new Float32Array(output),
    },
    mlpX: randomF32(batch * input, 6, 0, 1),
    mlpY,
    logreg: { w: randomF32(LOGREG.features, 8, -0.1, 0.1), b: new Float32Array([0.05]) },
    logregX: randomF32(LOGREG.batch * LOGREG.features, 9),
    logregY,
    tinyA: new Float32Array([1.5]),
    tinyB: new Float32Array([2.25]),
    rnn: {
      w: randomF32(RNN.input * RNN.hidden, 21, -0.2, 0.2),
      u: randomF32(RNN.hidden * RNN.hidden, 22, -0.1, 0.1),
      b: randomF32(RNN.hidden, 23, -0.1, 0.1),
    },
    rnnX: randomF32(RNN.steps * RNN.batch * RNN.input, 24, -1, 1),
    tfm: {
      wq: randomF32(TFM.width * TFM.width, 31, -0.06, 0.06),
      wk: randomF32(TFM.width * TFM.width, 32, -0.06, 0.06),
      wv: randomF32(TFM.width * TFM.width, 33, -0.06, 0.06),
      wo: randomF32(TFM.width * TFM.width, 34, -0.06, 0.06),
      w1: randomF32(TFM.width * TFM.mlp, 35, -0.06, 0.06),
      b1: randomF32(TFM.mlp, 36, -0.02, 0.02),
      w2: randomF32(TFM.mlp * TFM.width, 37, -0.03, 0.03),
      b2: randomF32(TFM.width, 38, -0.02, 0.02),
    },
    tfmX: randomF32(TFM.batch * TFM.seq * TFM.width, 39, -1, 1),
    cnn: {
      w1: randomF32(9 * c1, 12, -0.3, 0.3),
      b1: randomF32(c1, 13, -0.1, 0.1),
      w2: randomF32(9 * c1 * c2, 14, -0.1, 0.1),
      b2: randomF32(c2, 15, -0.1, 0.1),
      w3: randomF32(49 * c2 * classes, 16, -0.05, 0.05),
      b3: new Float32Array(classes),
    },
    cnnX: randomF32(CNN.batch * CNN.size * CNN.size, 18, 0, 1),
    cnnY,
  };
}
