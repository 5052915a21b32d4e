/**
 * test/fixtures/reductions.json (written by reductions.py from NumPy), shared
 * by the reductions, dot and sort tests.
 */
import { type FxArray, readFixture } from "../util/index.js";

export interface Fixtures {
  reductions: { op: string; axes: number[]; x: FxArray; out: FxArray }[];
  argminmax: { name: string; axis: number; x: FxArray; argmax: FxArray; argmin: FxArray }[];
  cumulative: { op: string; axis: number; reverse: boolean; x: FxArray; out: FxArray }[];
  dot: {
    lhs: FxArray;
    rhs: FxArray;
    dn: [[number[], number[]], [number[], number[]]];
    spec: string;
    out: FxArray;
  }[];
  sort: { name: string; dimension: number; x: FxArray; sorted: FxArray; argsort: FxArray }[];
  multikey: { k1: FxArray; k2: FxArray; v: FxArray; order: FxArray };
  topk: { x: FxArray; k: number; values: FxArray; indices: FxArray }[];
}

export const fixtures = readFixture<Fixtures>("reductions.json");
