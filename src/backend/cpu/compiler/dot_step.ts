/**
 * The CPU's compiled dot_general (compiler/library.ts): float32 products
 * whose batch, free and contracting dims each merge into one strided dim run
 * on the packed WebAssembly GEMM (matmul.ts), split across the thread pool
 * by row chunks (parallel_gemm.ts), with the next elementwise kernel as an
 * epilogue on each chunk; small ones run the direct kernel (small_dot.ts).
 */
import { type Atom, type JaxprEqn, Var } from "../../../core/jaxpr.js";
import type { DotGeneralParams } from "../../../lax/dot.js";
import { stridesOf } from "../../../shape.js";
import { MatmulKernel } from "../matmul.js";
import { cpuMemory } from "../memory.js";
import { parallelGemmAt, parallelGemmWorkspaceBytes } from "../parallel_gemm.js";
import { type CompiledKernel, registerCompiledKernel } from "./library.js";
import { threadPool } from "./program.js";
import { smallDotAt } from "./small_dot.js";

/** dot_general as one strided batched product of [batch, m, k] by [batch, k, n]. */
export interface DotPlan {
  batch: number;
  m: number;
  n: number;
  k: number;
  aStrides: [number, number, number];
  bStrides: [number, number, number];
}

/**
 * Products this small run the direct kernel: below it, packing the panels
 * costs more than the arithmetic. A few rows against a contiguous B (a
 * matrix-vector product, an RNN step) also skip packing up to a larger size.
 */
const DIRECT_MAX_MACS = 32768;
const DIRECT_FEW_ROWS = 2;
const DIRECT_FEW_ROWS_MAX_MACS = 1 << 18;

function directDot(p: {
  batch: number;
  m: number;
  n: number;
  k: number;
  bStrides: readonly number[];
}): boolean {
  const macs = p.batch * p.m * p.n * p.k;
  if (macs <= DIRECT_MAX_MACS) return true;
  return (
    p.bStrides[2] === 1 && p.batch * p.m <= DIRECT_FEW_ROWS && macs <= DIRECT_FEW_ROWS_MAX_MACS
  );
}

let matmul: MatmulKernel | null = null;
function matmulKernel(): MatmulKernel {
  if (matmul === null) matmul = MatmulKernel.create(cpuMemory());
  return matmul;
}

/**
 * dot_general as one strided batched product: batch dims, free dims and
 * contracting dims of each operand must each merge into one strided dim. Null when they do not.
 */
export function planDot(e: JaxprEqn): DotPlan | null {
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const [[lc, rc], [lb, rb]] = (e.params as DotGeneralParams).dimension_numbers;
  const free = (nd: number, c: readonly number[], b: readonly number[]) =>
    Array.from({ length: nd }, (_, i) => i).filter((i) => !c.includes(i) && !b.includes(i));
  const ls = lhs.aval.shape;
  const rs = rhs.aval.shape;
  const lst = stridesOf(ls);
  const rst = stridesOf(rs);
  const merge = (shape: readonly number[], st: readonly number[], dims: readonly number[]) => {
    const ds = dims.filter((d) => shape[d] !== 1);
    let size = 1;
    for (const d of dims) size *= shape[d]!;
    if (ds.length === 0) return { size, stride: 0 };
    for (let i = 0; i + 1 < ds.length; i++) {
      if (st[ds[i]!] !== st[ds[i + 1]!]! * shape[ds[i + 1]!]!) return null;
    }
    return { size, stride: st[ds[ds.length - 1]!]! };
  };
  // Contracting dims pair up in order: both sides must merge in that same order.
  const la = merge(ls, lst, lb);
  const ra = merge(rs, rst, rb);
  const lm = merge(ls, lst, free(ls.length, lc, lb));
  const rn = merge(rs, rst, free(rs.length, rc, rb));
  const lk = merge(ls, lst, lc);
  const rk = merge(rs, rst, rc);
  if (!la || !ra || !lm || !rn || !lk || !rk) return null;
  // Size-1 contracting dims can be dropped from one side but not the other: check pairing.
  const nontrivial = lc.filter((d) => ls[d] !== 1).length;
  if (nontrivial !== rc.filter((d) => rs[d] !== 1).length) return null;
  return {
    batch: la.size,
    m: lm.size,
    n: rn.size,
    k: lk.size,
    aStrides: [la.stride, lm.stride, lk.stride],
    bStrides: [ra.stride, rk.stride, rn.stride],
  };
}

/** float32 products with mergeable strides run compiled (a literal operand, a folded constant, has no address). */
function dotMatches(e: JaxprEqn): boolean {
  const p = e.params as DotGeneralParams;
  const [l, r] = e.inputs;
  if (!(l instanceof Var) || !(r instanceof Var)) return false;
  return (
    l.aval.dtype === "float32" &&
    r.aval.dtype === "float32" &&
    e.outBinders[0]!.aval.dtype === "float32" &&
    (p.preferred_element_type === null || p.preferred_element_type === "float32") &&
    planDot(e) !== null
  );
}

/** Arena bytes of the packed panels (the larger of one thread's and the pool's split). */
function workspaceBytes(p: DotPlan): number {
  if (directDot(p)) return 0;
  const tp = threadPool();
  return Math.max(
    matmulKernel().workspaceBytes(p),
    tp === null ? 0 : parallelGemmWorkspaceBytes(tp, p),
  );
}

const plan = (e: JaxprEqn): DotPlan => planDot(e)!;

export const dotKernel: CompiledKernel = {
  name: "dot_general",
  match: dotMatches,
  workspace: (e) => workspaceBytes(plan(e)),
  parallel: (e) => !directDot(plan(e)),
  epilogueRows: (e) => {
    const p = plan(e);
    return directDot(p) ? 0 : p.batch * p.m;
  },
  build(e, epilogue) {
    const d = plan(e);
    // addrs: a, b, out, workspace.
    if (directDot(d)) {
      return (addrs) =>
        smallDotAt({
          batch: d.batch, m: d.m, n: d.n, k: d.k,
          a: addrs[0]!, aStrides: d.aStrides, b: addrs[1]!, bStrides: d.bStrides, out: addrs[2]!,
        }); // biome-ignore format: compact
    }
    const bytes = workspaceBytes(d);
    const spec = (addrs: readonly number[]) => ({
      batch: d.batch, m: d.m, n: d.n, k: d.k,
      a: addrs[0]!, aStrides: d.aStrides, b: addrs[1]!, bStrides: d.bStrides,
      out: addrs[2]!, workspace: addrs[3]!,
    }); // biome-ignore format: compact
    return (addrs, epilogueAddrs) => {
      const tp = threadPool();
      if (tp !== null && tp.threads > 1) {
        const ep =
          epilogue === null
            ? undefined
            : { module: epilogue.module, exportName: epilogue.exportName, args: epilogueAddrs, scale: epilogue.scale }; // biome-ignore format: long
        parallelGemmAt(tp, { ...spec(addrs), workspaceBytes: bytes }, ep);
      } else {
        matmulKernel().gemmAt(spec(addrs));
        epilogue?.run(epilogueAddrs);
      }
    };
  },
};

registerCompiledKernel(dotKernel);

// The other compiled library kernels register when the compiler loads this module.
import "./conv_step.js";
import "./window_step.js";
