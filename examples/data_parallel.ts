/**
 * Data-parallel training with pmap: an MLP classifier on synthetic data, the
 * global batch split over CPU devices (worker threads). Each device computes
 * the gradient of its slice, `pmean` averages the gradients over the device
 * axis, and every device applies the same update, so the parameters stay
 * identical everywhere (the loop checks it). The same global batch runs on 1
 * and on 2 devices; the step time and the speed-up are printed, with the CPU
 * time of all threads per step: when it exceeds the step time, several cores
 * worked at once (on a machine busy with other work, the speed-up is capped
 * by the share of the cores it gets).
 *
 *   npm run example:data-parallel
 *   npm run example:data-parallel -- --steps 20 --batch 2048 --hidden 512
 */
import {
  config,
  devicePutReplicated,
  devices,
  grad,
  type JaxArray,
  numpy as jnp,
  lax,
  nn,
  pmap,
  random,
  tree,
} from "../src/index.js";
import * as initializers from "../src/nn/initializers.js";

interface Options {
  steps: number;
  batch: number;
  features: number;
  hidden: number;
  classes: number;
  lr: number;
}

function parseOptions(argv: readonly string[]): Options {
  const opts: Options = {
    steps: 20,
    batch: 2048,
    features: 256,
    hidden: 512,
    classes: 10,
    lr: 0.1,
  };
  const isOption = (key: string): key is keyof Options => key in opts;
  const args = [...argv];
  while (args.length > 0) {
    const flag = args.shift() ?? "";
    const raw = args.shift();
    const key = flag.replace(/^--/, "");
    const value = Number(raw);
    if (!isOption(key) || !Number.isFinite(value)) {
      throw new Error(`data_parallel: unknown option or bad value: ${flag} ${raw}`);
    }
    opts[key] = value;
  }
  return opts;
}

interface Layer {
  w: JaxArray;
  b: JaxArray;
}
type Params = Layer[];

/** Layers from `inputs` features through each of `sizes` (one layer per size). */
function initParams(key: JaxArray, inputs: number, sizes: readonly number[]): Params {
  const init = initializers.glorotNormal();
  const keys = random.split(key, sizes.length);
  let nIn = inputs;
  return sizes.map((nOut, i) => {
    const layer = { w: init(keys.get(i), [nIn, nOut]), b: jnp.zeros([nOut]) };
    nIn = nOut;
    return layer;
  });
}

function logits(params: Params, x: JaxArray): JaxArray {
  let h = x;
  params.forEach((layer, i) => {
    h = h.matmul(layer.w).add(layer.b);
    if (i < params.length - 1) h = nn.relu(h);
  });
  return h;
}

function loss(params: Params, x: JaxArray, labels: JaxArray): JaxArray {
  const logp = nn.logSoftmax(logits(params, x));
  return jnp.mean(jnp.takeAlongAxis(logp, labels.reshape([-1, 1]), 1)).neg();
}

/** One SGD step on this device's slice; gradients and loss averaged over the devices. */
function makeStep(lr: number) {
  return (params: Params, x: JaxArray, labels: JaxArray): [Params, JaxArray] => {
    const g = lax.pmean(grad(loss)(params, x, labels), "batch");
    const next = tree.map((p, d) => p.sub(d.mul(lr)), params, g);
    return [next, lax.pmean(loss(params, x, labels), "batch")];
  };
}

/** Synthetic classification data: labels from a random "teacher" network. */
function makeData(opts: Options): { x: JaxArray; labels: JaxArray } {
  const keys = random.split(random.PRNGKey(0), 2);
  const x = random.normal(keys.get(0), [opts.batch, opts.features]);
  const teacher = initParams(keys.get(1), opts.features, [64, opts.classes]);
  return { x, labels: jnp.argmax(logits(teacher, x), 1) };
}

/** A training run on the first `nDevices` devices: its step, and its record of step times and losses. */
function trainer(opts: Options, nDevices: number, data: { x: JaxArray; labels: JaxArray }) {
  const devs = devices().slice(0, nDevices);
  const per = opts.batch / nDevices;
  // The global batch as [devices, per-device batch, ...]: slice d goes to device d.
  const x = data.x.reshape([nDevices, per, opts.features]);
  const labels = data.labels.reshape([nDevices, per]);
  const init = initParams(random.PRNGKey(1), opts.features, [
    opts.hidden,
    opts.hidden,
    opts.classes,
  ]);
  let params = tree.map((p) => devicePutReplicated(p, devs), init);
  const pstep = pmap(makeStep(opts.lr), { axisName: "batch", devices: devs });
  const losses: number[] = [];
  const times: number[] = [];
  /** CPU time of all threads per step: the work, whatever share of the cores the machine gives. */
  const cpu: number[] = [];
  return {
    nDevices,
    losses,
    times,
    cpu,
    step(timed: boolean): void {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const [next, l] = pstep(params, x, labels);
      const loss = Number(l.get(0).item());
      if (timed) {
        times.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
      params = next;
      losses.push(loss);
    },
    /** Whether every device holds the same parameters. */
    replicasAgree(): boolean {
      return tree.leaves(params).every((p) => jnp.all(p.eq(p.get(0))).item() === true);
    },
  };
}

/** xs[i] (from the end for negative i); NaN past the ends. */
const at = (xs: readonly number[], i: number): number => xs.at(i) ?? Number.NaN;
const median = (xs: number[]): number =>
  at(
    [...xs].sort((a, b) => a - b),
    Math.floor(xs.length / 2),
  );

function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  config.update("jaxts_cpu_devices", 2);
  const data = makeData(opts);
  console.log(
    `MLP ${opts.features}-${opts.hidden}-${opts.hidden}-${opts.classes}, global batch ${opts.batch}, ` +
      `${opts.steps} timed steps`,
  );
  const one = trainer(opts, 1, data);
  const two = trainer(opts, 2, data);
  const runs = [one, two];
  // The first steps start the workers and trace and compile the step. The
  // timed steps alternate between the runs, so that other load on the
  // machine affects both alike.
  for (let i = 0; i < 2; i++) for (const r of runs) r.step(false);
  for (let i = 0; i < opts.steps; i++) for (const r of runs) r.step(true);
  for (const r of runs) {
    const n = r.nDevices;
    console.log(
      `${n} device${n > 1 ? "s" : " "}: ${median(r.times).toFixed(1)} ms/step (median; best ` +
        `${Math.min(...r.times).toFixed(1)}; CPU ${median(r.cpu).toFixed(1)}), loss ${at(r.losses, 0).toFixed(4)} → ` +
        `${at(r.losses, -1).toFixed(4)}, parameters identical on every device: ${r.replicasAgree()}`,
    );
  }
  const diff = Math.max(...one.losses.map((l, i) => Math.abs(l - at(two.losses, i))));
  console.log(`largest loss difference between 1 and 2 devices: ${diff.toExponential(2)}`);
  console.log(`speed-up on 2 devices: ${(median(one.times) / median(two.times)).toFixed(2)}x`);
}

main();
