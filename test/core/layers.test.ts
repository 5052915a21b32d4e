/**
 * The module graph of src/ keeps its shape: import cycles are pinned (a new
 * one, or a pinned one that grows, fails here), and the interpreters/lax/api
 * layers import only downward, except the edges JAX itself has (control
 * flow primitives transforming their bodies with the interpreters, and
 * lax rules differentiating a composition of lax ops in forward mode).
 * `npx tsx test/util/import_graph.ts` prints the whole report.
 */
import { describe, expect, it } from "vitest";
import { cycles, importGraph, layerOf, layerViolations } from "../util/import_graph.js";

/**
 * The cycles allowed today. lax's core families import each other (as JAX's
 * lax.py and slicing.py do), numpy's manipulation/selection/sorting and
 * linalg modules call each other, and the jaxpr printer binds via the trace.
 */
const ALLOWED_CYCLES: readonly (readonly string[])[] = [
  [
    "lax/ad_util",
    "lax/batch_util",
    "lax/complex",
    "lax/elementwise",
    "lax/elementwise_util",
    "lax/gather_scatter",
    "lax/gather_scatter_util",
    "lax/reductions",
    "lax/shape_ops",
    "lax/shape_util",
    "lax/slicing",
  ],
  ["numpy/linalg", "numpy/linalg/norms", "numpy/linalg/products"],
  ["numpy/manipulation", "numpy/selection", "numpy/sorting"],
  ["core/jaxpr", "core/trace"],
];

/** Upward edges into interpreters/ from lax/ that JAX has too. */
function allowedLaxToInterpreters(edge: string): boolean {
  const [from, to] = edge.split(" -> ") as [string, string];
  if (!to.startsWith("interpreters/")) return false;
  // Control flow traces and transforms its bodies (JAX's lax/control_flow does).
  if (from.startsWith("lax/control_flow/")) return true;
  // reduce_prod's jvp is the forward-mode jvp of a product tree (JAX: api.jvp in lax.py).
  return from === "lax/reductions" && to === "interpreters/jvp";
}

const graph = importGraph();

describe("module layering", () => {
  it("finds every module's imports (sanity: known edges are present)", () => {
    expect(graph.get("api/jit")?.has("interpreters/jit")).toBe(true);
    expect(graph.get("lax/control_flow/scan")?.has("interpreters/jaxpr_transforms")).toBe(true);
    expect(graph.get("index")?.has("api/ad")).toBe(true);
  });

  it("has only the pinned import cycles", () => {
    const found = cycles(graph);
    const key = (c: readonly string[]) => c.join(",");
    expect(found.map(key).sort()).toEqual(ALLOWED_CYCLES.map(key).sort());
  });

  it("has no cycle through interpreters/ or api/ (the 17-module interpreters-lax cycle is gone)", () => {
    for (const c of cycles(graph)) {
      expect(c.filter((m) => m.startsWith("interpreters/") || m.startsWith("api/"))).toEqual([]);
    }
  });

  it("no cycle spans two top-level folders", () => {
    for (const c of cycles(graph)) {
      expect(new Set(c.map((m) => m.split("/")[0])).size).toBe(1);
    }
  });

  it("lax imports interpreters only where JAX does; nothing below api imports api", () => {
    const bad = layerViolations(graph).filter((edge) => {
      const [from, to] = edge.split(" -> ") as [string, string];
      if (to.startsWith("api/")) return true;
      if (from.startsWith("lax/") && to.startsWith("interpreters/")) {
        return !allowedLaxToInterpreters(edge);
      }
      return from.startsWith("interpreters/") && to.startsWith("api/");
    });
    expect(bad).toEqual([]);
  });

  it("only backends touch storage: numpy, lax, random and the transformations import no backend module", () => {
    const front = ["numpy/", "lax/", "random/", "scipy/", "nn/", "optax/", "api/", "interpreters/"];
    const bad: string[] = [];
    for (const [from, tos] of graph) {
      if (!front.some((f) => from.startsWith(f))) continue;
      for (const to of tos) if (to.startsWith("backend/")) bad.push(`${from} -> ${to}`);
    }
    expect(bad).toEqual([]);
  });

  it("places the layers in DESIGN.md's order", () => {
    expect(layerOf("core/trace")).toBeLessThan(layerOf("lax/elementwise"));
    expect(layerOf("lax/elementwise")).toBeLessThan(layerOf("interpreters/ad"));
    expect(layerOf("interpreters/ad")).toBeLessThan(layerOf("api/ad"));
    expect(() => layerOf("nowhere/x")).toThrow(/in no layer/);
  });
});
