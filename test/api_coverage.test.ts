/**
 * Coverage of JAX's public API (issue 17): each public name of each JAX module in
 * test/fixtures/jax_api_names.json (JAX's own list at one commit) is looked up in
 * jaxts under its camelCase spelling (`jax.lax.dynamic_slice` → `lax.dynamicSlice`,
 * `jax.scipy.stats.norm.cdf` → `scipy.stats.norm.cdf`), counted per module, and the
 * total is held as a floor so that coverage only goes up. Names left out on purpose
 * (and names pending a later issue) are in test/fixtures/jax_api_excluded.json.
 */
import { describe, expect, it } from "vitest";
import * as jax from "../src/index.js";
import excludedJson from "./fixtures/jax_api_excluded.json" with { type: "json" };
import namesJson from "./fixtures/jax_api_names.json" with { type: "json" };

/** Raise this when names are added; never lower it. */
const FLOOR = 1005;

type Names = { source: string; modules: Record<string, string[]> };
type Excluded = {
  outOfScope: Record<string, Record<string, string>>;
  pending: Record<string, Record<string, string>>;
};
const names = namesJson as Names;
const excluded = excludedJson as unknown as Excluded;

function camel(s: string): string {
  return s.replace(/_([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function lookup(obj: unknown, key: string): unknown {
  if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) return undefined;
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** jaxts's namespace for a JAX module: `jax.scipy.sparse.linalg` → `scipy.sparse.linalg`. */
function moduleOf(mod: string): unknown {
  let cur: unknown = jax;
  for (const part of mod.split(".").slice(1)) cur = lookup(cur, camel(part));
  return cur;
}

/** A stub that throws "not implemented" does not count as a name. */
function isReal(v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v === "function")
    return !/not (yet )?implemented/i.test(Function.prototype.toString.call(v));
  return true;
}

/** Where a JAX name lives in jaxts, or undefined when it is missing. */
function resolve(mod: string, name: string): string | undefined {
  const candidates: [unknown, string, string][] = [];
  const ns = moduleOf(mod);
  const jsName = camel(name);
  for (const n of [jsName, name, `${jsName}_`]) candidates.push([ns, n, `${mod}.${n}`]);
  if (mod === "jax.tree_util") {
    // API.md: `tree_util.tree_map` → `tree.map`.
    const bare = camel(name.replace(/^tree_/, ""));
    candidates.push([lookup(jax, "tree"), bare, `tree.${bare}`]);
  }
  for (const [obj, key, where] of candidates) if (isReal(lookup(obj, key))) return where;
  return undefined;
}

describe("JAX API coverage", () => {
  it("the fixture is JAX's list, with its source commit", () => {
    expect(names.source).toMatch(/commit [0-9a-f]{7,}/);
    expect(Object.keys(names.modules).length).toBeGreaterThanOrEqual(50);
  });

  it("every excluded or pending name is one of JAX's, with a reason", () => {
    for (const group of [excluded.outOfScope, excluded.pending])
      for (const [mod, entries] of Object.entries(group)) {
        const list = names.modules[mod];
        expect(list, mod).toBeDefined();
        for (const [name, reason] of Object.entries(entries)) {
          expect(list, `${mod}.${name}`).toContain(name);
          expect(reason.length, `${mod}.${name} needs a reason`).toBeGreaterThan(10);
        }
      }
  });

  it("counts the names jaxts has, per module, and holds the total as a floor", () => {
    let total = 0;
    let present = 0;
    let out = 0;
    let pend = 0;
    const rows: string[] = [];
    const missing: string[] = [];
    for (const [mod, list] of Object.entries(names.modules)) {
      let have = 0;
      const gone: string[] = [];
      for (const name of list) {
        if (resolve(mod, name) !== undefined) have++;
        else if (excluded.outOfScope[mod]?.[name] !== undefined) out++;
        else if (excluded.pending[mod]?.[name] !== undefined) pend++;
        else gone.push(name);
      }
      total += list.length;
      present += have;
      rows.push(`${mod.padEnd(36)} ${String(have).padStart(4)}/${String(list.length).padEnd(4)}`);
      if (gone.length > 0) missing.push(`${mod}: ${gone.join(" ")}`);
    }
    const pct = ((100 * present) / total).toFixed(1);
    console.log(
      [
        "JAX API coverage (module, present/total):",
        ...rows,
        `${"total".padEnd(36)} ${present}/${total} (${pct} %); excluded ${out}, pending ${pend}`,
        "missing:",
        ...missing,
      ].join("\n"),
    );
    expect(present).toBeGreaterThanOrEqual(FLOOR);
  });
});
