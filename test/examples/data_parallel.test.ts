import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("npm run example:data-parallel (small sizes)", () => {
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "examples/data_parallel.ts",
      "--steps",
      "3",
      "--batch",
      "64",
      "--hidden",
      "32",
    ],
    { cwd: root, encoding: "utf8" },
  );
  const lines = run.stdout.trim().split("\n");

  it("runs without errors", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("trains identically on 1 and 2 devices, parameters replicated on every device", () => {
    expect(lines[0]).toBe("MLP 256-32-32-10, global batch 64, 3 timed steps");
    for (const l of lines.slice(1, 3)) {
      expect(l).toMatch(/ms\/step .* parameters identical on every device: true$/);
      // The loss goes down over the 5 steps (2 warm-up, 3 timed).
      const [, first, last] = l.match(/loss ([\d.]+) → ([\d.]+)/)!;
      expect(Number(last)).toBeLessThan(Number(first));
    }
    const diff = Number(lines[3]!.match(/devices: (\S+)$/)![1]);
    expect(diff).toBeLessThan(1e-5);
    expect(lines[4]).toMatch(/^speed-up on 2 devices: [\d.]+x$/);
  });
});
