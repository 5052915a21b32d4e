/**
 * Before/after in one process: loads jaxts's benchmark suite from two
 * checkouts (each its own module graph, memory and worker pool) and times
 * their synchronous cases interleaved, round by round, so that a noisy
 * machine slows both sides alike. Reports the median of the rounds' per-call
 * times and the ratio after / before (above 1: slower after).
 *
 *   npx tsx bench/ab.ts <before-checkout> <after-checkout> [--rounds 15] [--only mlpStep,...]
 *
 * Both checkouts need their dependencies installed (`npm ci`). The inputs are
 * the same for both (made by the after checkout's bench/cases.ts).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { CaseId, Inputs, Runner, Suite } from "./cases.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string", default: "15" }, only: { type: "string" } },
});
if (positionals.length !== 2) {
  throw new Error("bench/ab.ts: give two checkouts: <before> <after>");
}
const [beforeDir, afterDir] = positionals.map((p) => resolve(p)) as [string, string];
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 3)
  throw new Error("bench/ab.ts: --rounds must be an integer ≥ 3");
const only = args.only ? new Set(args.only.split(",")) : null;

type SuiteModule = { jaxtsSuite(inp: Inputs): Promise<Suite> };
const cases = (await import(`${afterDir}/bench/cases.ts`)) as {
  makeInputs(): Inputs;
  CASES: readonly { id: CaseId; title: string }[];
};
const inputs = cases.makeInputs();
const load = async (dir: string) =>
  ((await import(`${dir}/bench/jaxts.ts`)) as SuiteModule).jaxtsSuite(inputs);
const [before, after] = [await load(beforeDir), await load(afterDir)];

type Sync = Extract<Runner, { kind: "sync" }>;
const syncOf = (s: Suite, id: CaseId): Sync | null => {
  const r = s[id];
  return r !== undefined && r.kind === "sync" ? r : null;
};

/** Calls per timed block: enough for ~20 ms, from one warm-up timing. */
function callsPer(run: () => void): number {
  for (let i = 0; i < 3; i++) run();
  const t = performance.now();
  run();
  const ms = Math.max(performance.now() - t, 1e-3);
  return Math.max(1, Math.min(5000, Math.round(20 / ms)));
}

function block(run: () => void, n: number): number {
  const t = performance.now();
  for (let i = 0; i < n; i++) run();
  return ((performance.now() - t) / n) * 1000;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

console.log(
  `before: ${beforeDir}\nafter:  ${afterDir}\n${rounds} interleaved rounds, medians (µs per call)\n`,
);
console.log("| benchmark | before | after | after / before |\n| --- | --- | --- | --- |");
for (const c of cases.CASES) {
  if (only !== null && !only.has(c.id)) continue;
  const a = syncOf(before, c.id);
  const b = syncOf(after, c.id);
  if (a === null || b === null) continue;
  const n = Math.max(callsPer(a.run), callsPer(b.run));
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so that neither always follows the other.
    if (r % 2 === 0) {
      ta.push(block(a.run, n));
      tb.push(block(b.run, n));
    } else {
      tb.push(block(b.run, n));
      ta.push(block(a.run, n));
    }
  }
  const [ma, mb] = [median(ta), median(tb)];
  console.log(`| ${c.title} | ${ma.toFixed(2)} | ${mb.toFixed(2)} | ${(mb / ma).toFixed(3)} |`);
}
process.exit(0);
