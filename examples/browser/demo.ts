/**
 * The vmap tutorial's programs (see examples/tutorial.ts) plus a jitted MLP
 * training loop and a matmul timing, written for a web page: `runDemo`
 * prints line by line through `print` and lets the page repaint between
 * sections. main.ts wires it to index.html; test/browser runs it in a
 * browser-like sandbox.
 */
import {
  type ArrayLike,
  grad,
  type JaxArray,
  jacrev,
  jit,
  numpy as jnp,
  nn,
  random,
  tree,
  vmap,
} from "../../src/index.js";

export type Print = (line: string) => void;

interface PageInfo {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
}

/** What the platform allows: threads need SharedArrayBuffer, i.e. a cross-origin isolated page. */
export function environment(): string {
  const g: PageInfo = globalThis;
  const shared = typeof SharedArrayBuffer !== "undefined";
  const cores = g.navigator?.hardwareConcurrency ?? "?";
  return `crossOriginIsolated: ${g.crossOriginIsolated ?? "n/a"}, SharedArrayBuffer: ${shared}, cores: ${cores} (${shared ? "kernels may use Web Workers" : "kernels run on this thread"})`;
}

const ms = (t0: number) => `${(performance.now() - t0).toFixed(1)} ms`;

export async function runDemo(print: Print, repaint: () => Promise<void> = async () => {}) {
  const section = async (title: string) => {
    await repaint();
    print(`\n== ${title}`);
  };
  print(environment());

  await section("1. vmap: a batched prediction");
  {
    const predict = (params: { w: JaxArray; b: ArrayLike }, features: JaxArray) => {
      const logits = features.matmul(params.w).add(params.b);
      return jnp.array([logits, nn.sigmoid(logits)]);
    };
    const params = { w: jnp.array([1.5, -0.5]), b: 0.25 };
    const X = jnp.array([
      [1.0, 2.0],
      [2.5, -1.0],
      [-0.25, 0.75],
    ]);
    print(vmap(predict, { inAxes: [null, 0] })(params, X).toString());
  }

  await section("2. Nested vmap: pairwise distances");
  {
    const dist = (x: JaxArray, y: JaxArray) => jnp.sqrt(jnp.sum(x.sub(y).pow(2)));
    const pairwise = vmap(vmap(dist, { inAxes: [null, 0] }), { inAxes: [0, null] });
    const X = jnp.array([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    const Y = jnp.array([
      [0, 0],
      [1, 1],
    ]);
    print(pairwise(X, Y).toString());
  }

  await section("3. Differentiation: the Jacobian of softmax");
  print(jacrev((t: JaxArray) => nn.softmax(t))(jnp.array([1.0, 0.0, -1.0])).toString());

  await section("4. Randomness and vmap: dropout with one key per example");
  {
    const dropout = (key: JaxArray, x: JaxArray, rate = 0.1) =>
      random
        .bernoulli(key, 1 - rate, x.shape)
        .mul(x)
        .div(1 - rate);
    const keys = random.split(random.PRNGKey(42), 4);
    print(vmap(dropout)(keys, jnp.ones([4, 5])).toString());
  }

  await section("5. jit(grad): training a small MLP");
  {
    type Params = { w1: JaxArray; b1: JaxArray; w2: JaxArray; b2: JaxArray };
    const keys = random.split(random.PRNGKey(0), 3);
    const [k1, k2, k3] = [keys.get(0), keys.get(1), keys.get(2)];
    let params: Params = {
      w1: random.normal(k1, [2, 32]).mul(0.5),
      b1: jnp.zeros([32]),
      w2: random.normal(k2, [32, 1]).mul(0.2),
      b2: jnp.zeros([1]),
    };
    // Points in the plane; the label says whether they lie inside the unit circle.
    const x = random.uniform(k3, [256, 2], { minval: -1.5, maxval: 1.5 });
    const y = jnp.less(jnp.sum(x.pow(2), { axis: 1, keepdims: true }), 1).astype("float32");
    const loss = (p: Params, x: JaxArray, y: JaxArray) => {
      const h = jnp.tanh(x.matmul(p.w1).add(p.b1));
      const logits = h.matmul(p.w2).add(p.b2);
      return jnp.mean(nn.softplus(logits).sub(logits.mul(y)));
    };
    const step = jit(
      (p: Params, x: JaxArray, y: JaxArray): Params =>
        tree.map((w, g) => w.sub(g.mul(1.0)), p, grad(loss)(p, x, y)),
    );
    const lossJit = jit(loss);
    let t0 = performance.now();
    params = step(params, x, y);
    print(`first step (traces and compiles): ${ms(t0)}`);
    print(`loss after 1 step: ${Number(lossJit(params, x, y).item()).toFixed(4)}`);
    t0 = performance.now();
    const steps = 300;
    for (let i = 0; i < steps; i++) params = step(params, x, y);
    print(`${steps} more steps: ${ms(t0)}`);
    print(`loss after ${steps + 1} steps: ${Number(lossJit(params, x, y).item()).toFixed(4)}`);
  }

  await section("6. A 512x512 float32 matmul under jit");
  {
    const a = random.normal(random.PRNGKey(1), [512, 512]);
    const b = random.normal(random.PRNGKey(2), [512, 512]);
    const mm = jit((a: JaxArray, b: JaxArray) => a.matmul(b));
    mm(a, b);
    const reps = 10;
    const t0 = performance.now();
    let c = a;
    for (let i = 0; i < reps; i++) c = mm(a, b);
    const sec = (performance.now() - t0) / 1000 / reps;
    print(`${((2 * 512 ** 3) / sec / 1e9).toFixed(1)} GFLOP/s; c[0, :3] = ${c.get(0, ":3")}`);
  }
}
