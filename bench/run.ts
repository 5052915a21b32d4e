/**
 * jaxts beside its peers, in one Node process: TensorFlow.js (wasm and cpu
 * backends) and jax-js 0.1.25 (wasm backend). Prints one markdown table:
 * each framework's median time (GFLOP/s for matmul) and, in parentheses,
 * how many times longer the peer takes than jaxts (> 1: jaxts is faster).
 *
 *   npm run bench
 *   npm run bench -- --only matmul,mlpStep --peers tfjs-wasm,jax-js --budget 3000
 *
 * Before timing, every peer's result is compared with jaxts's so that all
 * columns compute the same thing; a mismatch is printed under the table.
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import {
  CASES,
  type CaseId,
  type CaseInfo,
  makeInputs,
  type Runner,
  type Suite,
  Unsupported,
} from "./cases.js";
import { measure, measureAsync, measureCold, type Timing } from "./harness.js";
import { initJaxJs, jaxJsSuite } from "./jaxjs.js";
import { jaxtsSuite } from "./jaxts.js";
import { initTf, tfSuite } from "./tfjs.js";

interface Framework {
  id: string;
  title: string;
  /** Sets the framework up and builds its runners. */
  setup: () => Promise<{ description: string; suite: Suite }>;
}

const FRAMEWORKS: Framework[] = [
  {
    id: "jaxts",
    title: "jaxts",
    setup: async () => ({
      description: "jaxts (this repository)",
      suite: await jaxtsSuite(inputs),
    }),
  },
  {
    id: "tfjs-wasm",
    title: "TF.js wasm",
    setup: async () => ({ description: await initTf("wasm"), suite: tfSuite(inputs) }),
  },
  {
    id: "tfjs-cpu",
    title: "TF.js cpu",
    setup: async () => ({ description: await initTf("cpu"), suite: tfSuite(inputs) }),
  },
  {
    id: "jax-js",
    title: "jax-js wasm",
    setup: async () => ({ description: await initJaxJs(), suite: jaxJsSuite(inputs) }),
  },
];

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    peers: { type: "string" },
    budget: { type: "string", default: "1500" },
    "no-verify": { type: "boolean", default: false },
  },
});
const only = args.only ? new Set(args.only.split(",")) : null;
const peers = args.peers ? new Set(args.peers.split(",")) : null;
const budgetMs = Number(args.budget);
for (const id of only ?? []) {
  if (!CASES.some((c) => c.id === id)) {
    throw new Error(`bench: unknown case '${id}' (cases: ${CASES.map((c) => c.id).join(", ")})`);
  }
}
const cases = CASES.filter((c) => only === null || only.has(c.id));
const frameworks = FRAMEWORKS.filter((f) => f.id === "jaxts" || peers === null || peers.has(f.id));
const inputs = makeInputs();

type Cell = Timing | { error: string } | null;

async function time(runner: Runner): Promise<Timing> {
  const opts = { budgetMs };
  switch (runner.kind) {
    case "sync":
      return measure(runner.run, opts);
    case "async":
      return measureAsync(runner.run, opts);
    case "cold":
      return measureCold(runner.make);
  }
}

/** Largest |a - b| relative to the largest |reference|; NaN when shapes differ. */
function mismatch(ref: Float32Array, got: Float32Array): number {
  if (ref.length !== got.length) return Number.NaN;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]!));
    diff = Math.max(diff, Math.abs(ref[i]! - got[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

const results = new Map<string, Map<CaseId, Cell>>();
const references = new Map<CaseId, Float32Array>();
const notes: string[] = [];
const descriptions: string[] = [];

for (const fw of frameworks) {
  let suite: Suite;
  try {
    const s = await fw.setup();
    suite = s.suite;
    descriptions.push(s.description);
  } catch (e) {
    notes.push(`${fw.title}: setup failed: ${(e as Error).message}`);
    continue;
  }
  const row = new Map<CaseId, Cell>();
  results.set(fw.id, row);
  for (const c of cases) {
    const runner = suite[c.id];
    if (runner === undefined) {
      row.set(c.id, null);
      continue;
    }
    process.stderr.write(`${fw.title}: ${c.title} ... `);
    try {
      if (!args["no-verify"] && "verify" in runner && runner.verify !== undefined) {
        const got = await runner.verify();
        const ref = references.get(c.sameAs ?? c.id);
        if (ref === undefined) references.set(c.sameAs ?? c.id, got);
        else {
          const err = mismatch(ref, got);
          if (!(err < 1e-3))
            notes.push(`${fw.title}, ${c.title}: result differs from jaxts (${err})`);
        }
      }
      const t = await time(runner);
      row.set(c.id, t);
      process.stderr.write(`${fmtTime(t.ms)}\n`);
    } catch (e) {
      const msg = e instanceof Unsupported ? e.message : `failed: ${(e as Error).message}`;
      row.set(c.id, { error: msg.split("\n")[0]!.slice(0, 60) });
      process.stderr.write(`${msg}\n`);
    }
  }
}

function fmtTime(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 1) return `${ms.toFixed(ms >= 100 ? 0 : ms >= 10 ? 1 : 2)} ms`;
  return `${(ms * 1000).toFixed(ms >= 0.01 ? 1 : 2)} µs`;
}

function fmtCell(c: CaseInfo, cell: Cell | undefined, ours: Cell | undefined): string {
  if (cell === null || cell === undefined) return "—";
  if ("error" in cell) return cell.error;
  const value = c.flops ? `${(c.flops / cell.ms / 1e6).toFixed(1)} GFLOP/s` : fmtTime(cell.ms);
  if (ours === null || ours === undefined || "error" in ours || cell === ours) return value;
  const ratio = cell.ms / ours.ms;
  return `${value} (${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×)`;
}

const shown = frameworks.filter((f) => results.has(f.id));
const lines = [
  `| benchmark | ${shown.map((f) => f.title).join(" | ")} |`,
  `| --- | ${shown.map(() => "---").join(" | ")} |`,
];
for (const c of cases) {
  const ours = results.get("jaxts")?.get(c.id);
  lines.push(
    `| ${c.title} | ${shown.map((f) => fmtCell(c, results.get(f.id)?.get(c.id), ours)).join(" | ")} |`,
  );
}
const cpu = cpus();
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, Node ${process.version}`,
);
console.log(`${descriptions.join("; ")}`);
console.log("Medians; (n×) = peer time / jaxts time, above 1 when jaxts is faster.\n");
console.log(lines.join("\n"));
if (notes.length > 0) console.log(`\n${notes.map((n) => `- ${n}`).join("\n")}`);
