/**
 * The module graph of `src/`, read from the source text: one edge per static
 * `import`/`export ... from` of a relative path (`import type` and
 * `export type` statements are left out: they are erased and order nothing at
 * run time; dynamic `import()` is left out too). Used by the layering test
 * (test/core/layers.test.ts) and runnable as a report:
 *
 *   npx tsx test/util/import_graph.ts      # cycles and layer violations
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Module id: the path under src/ without extension, e.g. "interpreters/ad". */
export type ModuleId = string;

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return listTs(p);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [p] : [];
  });
}

const idOf = (file: string): ModuleId =>
  relative(SRC, file).replace(/\\/g, "/").replace(/\.ts$/, "");

/** Static import/export statements with a module specifier (possibly spanning lines). */
const STATEMENT = /^(import|export)\s+(type\s+)?(?:[^;'"]*?\sfrom\s+)?["']([^"']+)["'];?/gm;

/** Runtime edges of every module under src/ (type-only imports excluded). */
export function importGraph(): Map<ModuleId, Set<ModuleId>> {
  const files = listTs(SRC);
  const ids = new Set(files.map(idOf));
  const graph = new Map<ModuleId, Set<ModuleId>>();
  for (const file of files) {
    const from = idOf(file);
    const edges = new Set<ModuleId>();
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(STATEMENT)) {
      const typeOnly = m[2] !== undefined;
      const spec = m[3]!;
      if (typeOnly || !spec.startsWith(".")) continue;
      const target = idOf(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      const id = ids.has(target) ? target : `${target}/index`;
      if (!ids.has(id))
        throw new Error(`import_graph: ${from} imports ${spec}, which is not a module`);
      edges.add(id);
    }
    graph.set(from, edges);
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan), each sorted; largest first. */
export function cycles(graph: Map<ModuleId, Set<ModuleId>>): ModuleId[][] {
  let counter = 0;
  const index = new Map<ModuleId, number>();
  const low = new Map<ModuleId, number>();
  const onStack = new Set<ModuleId>();
  const stack: ModuleId[] = [];
  const out: ModuleId[][] = [];
  // Iterative Tarjan: a frame is a node and the iterator over its successors.
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const frames: [ModuleId, Iterator<ModuleId>][] = [];
    const visit = (v: ModuleId) => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      frames.push([v, (graph.get(v) ?? new Set<ModuleId>()).values()]);
    };
    visit(root);
    while (frames.length > 0) {
      const [v, it] = frames[frames.length - 1]!;
      const next = it.next();
      if (!next.done) {
        const w = next.value;
        if (!index.has(w)) visit(w);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1]![0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: ModuleId[] = [];
        let w: ModuleId;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) out.push(scc.sort());
      }
    }
  }
  return out.sort((a, b) => b.length - a.length || a[0]!.localeCompare(b[0]!));
}

/**
 * The layer of a module (DESIGN.md, bottom to top): a module may import only
 * from its own layer or below. Top-level files not listed are their own layer.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["dtype", "shape", "options", "config", "errors", "half"],
  ["tree"],
  ["core"],
  ["ir"],
  ["lax"],
  ["interpreters"],
  ["api"],
  ["backend"],
  ["devices"],
  ["numpy", "scipy"],
  ["random", "nn", "optax", "test_util"],
  ["index"],
];

export function layerOf(id: ModuleId): number {
  const top = id.split("/")[0]!;
  const i = LAYERS.findIndex((names) => names.includes(top));
  if (i < 0) throw new Error(`import_graph: module ${id} is in no layer`);
  return i;
}

/** Edges from a module to a module of a higher layer, as "from -> to". */
export function layerViolations(graph: Map<ModuleId, Set<ModuleId>>): string[] {
  const out: string[] = [];
  for (const [from, tos] of graph) {
    for (const to of tos) if (layerOf(to) > layerOf(from)) out.push(`${from} -> ${to}`);
  }
  return out.sort();
}

/** Edges between two given top-level folders, in either direction, within one cycle. */
export function edgesWithin(
  graph: Map<ModuleId, Set<ModuleId>>,
  scc: readonly ModuleId[],
): string[] {
  const members = new Set(scc);
  const out: string[] = [];
  for (const from of scc) {
    for (const to of graph.get(from) ?? []) if (members.has(to)) out.push(`${from} -> ${to}`);
  }
  return out.sort();
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  const sccs = cycles(graph);
  console.log(`${graph.size} modules, ${sccs.length} import cycle(s)`);
  for (const scc of sccs) {
    console.log(`\ncycle of ${scc.length} modules:\n  ${scc.join("\n  ")}`);
    console.log(`edges:\n  ${edgesWithin(graph, scc).join("\n  ")}`);
  }
  const bad = layerViolations(graph);
  console.log(
    `\n${bad.length} layer violation(s) (an import from a higher layer):\n  ${bad.join("\n  ")}`,
  );
}
