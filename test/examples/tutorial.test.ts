import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What spec/jax-103-vmap-tutorial.txt prints, section by section. */
const expected = {
  "1. Why vmap exists": [
    "shape: (3, 2)",
    // NumPy (and so JAX) pads this row to the width its own elements need; the
    // tutorial's text shows one space more, which no float32 value reproduces.
    "first row: [0.75      0.6791787]",
    "[[ 0.75        0.6791787 ]",
    " [ 4.5         0.9890131 ]",
    " [-0.5         0.37754068]]",
  ],
  "2. Controlling input and output axes": [
    "[0.04 0.16]",
    "images shape: (2, 28, 28)",
    "channel_first_norm shape: (2, 28, 28)",
    "channel_last_norm shape: (28, 28, 2)",
  ],
  "3. Vectorizing functions with multiple batch dimensions": [
    "[[0.        1.4142135]",
    " [1.        1.       ]",
    " [1.        1.       ]]",
  ],
  "5. Randomness and vmap": [
    "[[1.1111112 1.1111112 0.        1.1111112 1.1111112]",
    " [1.1111112 1.1111112 1.1111112 1.1111112 1.1111112]",
    " [1.1111112 1.1111112 1.1111112 1.1111112 1.1111112]",
    " [1.1111112 1.1111112 1.1111112 1.1111112 1.1111112]]",
  ],
};

/** The tutorial's Jacobian of softmax (section 4). */
const tutorialJacobian = [
  [0.22269541, -0.1628034, -0.05989202],
  [-0.1628034, 0.18483643, -0.02203304],
  [-0.05989202, -0.02203305, 0.08192506],
];

function sections(output: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith("== ")) {
      current = [];
      map.set(line.slice(3), current);
    } else if (line.length > 0) current.push(line);
  }
  return map;
}

describe("npm run demo: the tutorial's programs", () => {
  const run = spawnSync(process.execPath, ["--import", "tsx", "examples/tutorial.ts"], {
    cwd: root,
    encoding: "utf8",
  });
  const out = sections(run.stdout);

  it("runs without errors", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  for (const [title, lines] of Object.entries(expected)) {
    it(`prints what the tutorial prints: ${title}`, () => {
      expect(out.get(title)).toEqual(lines);
    });
  }

  it("section 4: per-example gradient shapes and the softmax Jacobian", () => {
    const lines = out.get("4. Differentiation across batches")!;
    expect(lines.slice(0, 2)).toEqual(["dw shape: (3, 2)", "db shape: (3,)"]);
    // XLA's float32 exp differs from the correctly rounded one in the last
    // bit, so the 8th significant digit may differ: compare to 2 float32 ulps.
    const rows = lines
      .slice(2)
      .map((l) => l.replace(/[[\]]/g, " ").trim().split(/\s+/).map(Number));
    rows.forEach((row, i) =>
      row.forEach((v, j) => {
        expect(Math.abs(v - tutorialJacobian[i]![j]!)).toBeLessThanOrEqual(3e-8);
      }),
    );
  });

  it("section 6: the batched RNN runs under jit, differentiates, and runs as pmap(vmap(scan))", () => {
    expect(out.get("6. vmap versus scan versus pmap")).toEqual([
      "batched RNN outputs shape: (16, 20, 8)",
      "gradient shapes: [ (8, 8), (3, 8), (8,) ]",
      "pmap(vmap(RNN)) outputs shape: (16, 20, 8)",
      "pmap(vmap(RNN)) matches vmap: true",
      "gradient through pmap matches: true",
    ]);
  });
});
