/** The fixtures of test/fixtures/numpy_extra.json (issue 17's jnp functions) and a table runner. */
import { expect, it } from "vitest";
import { jit } from "../../src/api/jit.js";
import type { Array } from "../../src/core/array.js";
import type { DType } from "../../src/dtype.js";
import fixtures from "../fixtures/numpy_extra.json" with { type: "json" };
import { arr, decodeNumber, expectClose, type Num } from "../util/index.js";

type Enc = { shape: number[]; dtype: string; data: Num[] };
type Case = { inputs: Enc[]; out: Enc | Enc[] };
const cases = fixtures as unknown as Record<string, Case>;

const DT: Record<string, DType> = {
  float32: "float32",
  float64: "float32",
  int32: "int32",
  int64: "int32",
  bool: "bool",
};

export function inputsOf(name: string): Array[] {
  const c = cases[name];
  if (c === undefined)
    throw new Error(`no fixture ${name}: run python3 test/fixtures/numpy_extra.py`);
  return c.inputs.map((e) => arr(e.data, e.shape, DT[e.dtype]!));
}

function check(name: string, got: Array | Array[], tol: number, label = name): void {
  const want = cases[name]!.out;
  const ws = globalThis.Array.isArray(want) ? want : [want];
  const gs = globalThis.Array.isArray(got) ? got : [got];
  expect(gs.length, name).toBe(ws.length);
  ws.forEach((w, i) => {
    expect([...gs[i]!.shape], `${label} output ${i} shape`).toEqual(w.shape);
    expectClose(gs[i]!, w.data.map(decodeNumber), `${label} output ${i}`, tol, tol);
  });
}

export type Entry =
  | ((...xs: Array[]) => Array | Array[])
  | { f: (...xs: Array[]) => Array | Array[]; jit?: boolean; tol?: number };

/** One test per fixture: eagerly and under jit (unless the entry says jit: false). */
export function fixtureTests(table: Record<string, Entry>): void {
  for (const [name, entry] of Object.entries(table)) {
    const {
      f,
      jit: withJit = true,
      tol = 2e-5,
    } = typeof entry === "function" ? { f: entry } : entry;
    it(name, () => {
      const xs = inputsOf(name);
      check(name, f(...xs), tol);
      if (withJit) check(name, jit(f)(...xs) as Array | Array[], tol, `${name} (jit)`);
    });
  }
}
