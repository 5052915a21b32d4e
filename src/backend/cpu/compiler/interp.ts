/**
 * The JS target's kernel runner: a whole kernel evaluated over the CPU
 * memory with the IR's scalar semantics (ir/eval.ts, every node computes in
 * doubles and rounds to its dtype), used to test the lowering independently
 * of code generation and to run kernels where WebAssembly is unavailable.
 */
import { castScalar, type DType, isFloating } from "../../../dtype.js";
import {
  binaryFn,
  convertFn,
  type F1,
  reduceFn,
  reduceIdentity,
  unaryFn,
} from "../../../ir/eval.js";
import type { Kernel, Node } from "../../../ir/kernel.js";
import { nodeDtype } from "../../../ir/kernel.js";
import { view } from "../memory.js";

/** Evaluates kernel `k` with its arguments at byte addresses `addrs` in the CPU memory. */
export function runKernelJs(k: Kernel, addrs: readonly number[]): void {
  const bufs = k.args.map((a, i) => view(a.dtype, addrs[i]!, a.size));
  const fns = k.nodes.map((n) => nodeFn(n));
  const rank = k.shape.length;
  const total = k.shape.reduce((a, b) => a * b, 1);
  if (total === 0 && k.reduce === null) return;
  const keptStrides: number[] = [];
  {
    let s = 1;
    for (let d = rank - 1; d >= 0; d--) {
      keptStrides[d] = k.reduced[d] ? 0 : s;
      if (!k.reduced[d]) s *= k.shape[d]!;
    }
  }
  const outDtypes = k.outputs.map((o) => k.args[o.arg]!.dtype);
  // Reductions fold into float64 accumulators (as the eager kernels), rounded once at the end.
  const accs =
    k.reduce === null
      ? null
      : k.outputs.map((o, j) =>
          new Float64Array(k.args[o.arg]!.size).fill(reduceIdentity(k.reduce!, outDtypes[j]!)),
        );
  const fold =
    k.reduce === null ? null : k.outputs.map((_, j) => reduceFn(k.reduce!, outDtypes[j]!));
  const vals = new Float64Array(k.nodes.length);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let r = flat;
    let out = 0;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = r % k.shape[d]!;
      r = Math.floor(r / k.shape[d]!);
      out += idx[d]! * keptStrides[d]!;
    }
    for (let i = 0; i < fns.length; i++) vals[i] = fns[i]!(vals, idx, bufs);
    k.outputs.forEach((o, j) => {
      const v = vals[o.node]!;
      if (accs === null) bufs[o.arg]![out] = v;
      else {
        const acc = accs[j]!;
        // Integer folds wrap as they go; float ones keep float64 precision.
        const r = fold![j]!(acc[out]!, v);
        acc[out] = isFloating(outDtypes[j]!) ? r : castScalar(r, outDtypes[j]!);
      }
    });
  }
  accs?.forEach((acc, j) => {
    const b = bufs[k.outputs[j]!.arg]!;
    for (let i = 0; i < acc.length; i++) b[i] = acc[i]!;
  });
}

type NodeFn = (
  vals: Float64Array,
  idx: readonly number[],
  bufs: readonly ArrayLike<number>[],
) => number;

function nodeFn(n: Node): NodeFn {
  const cast =
    (d: DType): F1 =>
    (v) =>
      castScalar(v, d);
  const out = cast(nodeDtype(n));
  const at = (a: { offset: number; coeffs: readonly number[] }, idx: readonly number[]) => {
    let s = a.offset;
    for (let d = 0; d < a.coeffs.length; d++) s += a.coeffs[d]! * idx[d]!;
    return s;
  };
  switch (n.op) {
    case "load":
      return (_v, idx, bufs) => bufs[n.arg]![at(n.index, idx)]!;
    case "const":
      return () => out(n.value);
    case "coord":
      return (_v, idx) => out(at(n.index, idx));
    case "unary": {
      const f = unaryFn(n.fn, n.dtype);
      return (v) => out(f(v[n.x]!));
    }
    case "binary": {
      const f = binaryFn(n.fn, n.dtype);
      return (v) => out(f(v[n.a]!, v[n.b]!));
    }
    case "select": {
      const last = n.cases.length - 1;
      return (v) => {
        const w = v[n.which]!;
        return v[n.cases[w <= 0 ? 0 : Math.min(w, last)]!]!;
      };
    }
    case "convert": {
      const f = convertFn(n.from, n.dtype);
      return (v) => out(f(v[n.x]!));
    }
  }
}
