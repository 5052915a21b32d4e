/**
 * The kernel IR verifier: the invariants every target relies on, checked
 * after lowering while `jaxts_enable_checks` is on (compileProgram calls
 * `verifyKernel` on each kernel). A kernel is well formed when
 *
 * - its loop box has one `reduced` flag per dim, non-negative integer
 *   extents, and reduced dims only with a `reduce` operation;
 * - its arguments are the inputs first, then the outputs, with integer sizes;
 * - every node's operands refer to earlier nodes, and their dtypes are the
 *   ones the op takes (a unary or binary op computes on its own dtype, a
 *   select picks among cases of its dtype by a bool or integer, a convert
 *   reads its `from` dtype, a load reads an input argument of its dtype);
 * - every affine index has one coefficient per loop dim, and a load stays
 *   inside its argument for every loop index: over the box, the index ranges
 *   from offset + Σ min(0, c·(e−1)) to offset + Σ max(0, c·(e−1)), which must
 *   lie in [0, size);
 * - each output argument is stored exactly once, from a node of its dtype,
 *   and holds as many elements as the kept (non-reduced) dims span.
 *
 * A failure is a KernelVerifyError naming the stage, the kernel (printed)
 * and the fault: a bug in the compiler.
 */
import {
  BINARY_OPS,
  type Kernel,
  kernelToString,
  type Node,
  nodeDtype,
  UNARY_OPS,
} from "../../../ir/kernel.js";

export class KernelVerifyError extends Error {
  override name = "KernelVerifyError";
}

const UNARY = new Set<string>(UNARY_OPS);
const BINARY = new Set<string>(BINARY_OPS);
const REDUCE = new Set<string>(["sum", "prod", "max", "min", "and", "or", "xor"]);

/** Verifies one kernel; throws a KernelVerifyError naming `stage` at the first fault. */
export function verifyKernel(k: Kernel, stage: string): void {
  const problem = kernelProblem(k);
  if (problem !== null) {
    throw new KernelVerifyError(
      `kernel IR verification failed ${stage}: ${problem}\n${kernelToString(k)}`,
    );
  }
}

/** The first fault of a kernel, or null. */
export function kernelProblem(k: Kernel): string | null {
  const rank = k.shape.length;
  if (k.reduced.length !== rank) {
    return `${k.reduced.length} reduced flags for ${rank} loop dims`;
  }
  for (const e of k.shape) {
    if (!Number.isSafeInteger(e) || e < 0) return `loop extent ${e} is not a non-negative integer`;
  }
  if (k.reduce !== null && !REDUCE.has(k.reduce)) return `unknown reduction '${k.reduce}'`;
  if (k.reduce === null && k.reduced.some((r) => r)) return "reduced dims without a reduction";
  let seenOutput = false;
  for (const [i, a] of k.args.entries()) {
    if (!Number.isSafeInteger(a.size) || a.size < 0) return `a${i} has size ${a.size}`;
    if (a.output) seenOutput = true;
    else if (seenOutput) return `input a${i} comes after an output argument`;
  }
  const empty = k.shape.some((e) => e === 0);
  for (const [i, n] of k.nodes.entries()) {
    const p = nodeProblem(k, n, i, empty);
    if (p !== null) return `%${i} (${n.op}): ${p}`;
  }
  return outputsProblem(k);
}

function nodeProblem(k: Kernel, n: Node, i: number, empty: boolean): string | null {
  const operand = (j: number, what: string): string | null =>
    Number.isSafeInteger(j) && j >= 0 && j < i
      ? null
      : `${what} %${j} is not an earlier node (forward or dangling reference)`;
  const dtypeOf = (j: number) => nodeDtype(k.nodes[j]!);
  const sameAs = (j: number, what: string): string | null =>
    operand(j, what) ??
    (dtypeOf(j) === n.dtype
      ? null
      : `${what} %${j} is ${dtypeOf(j)}, the op computes on ${n.dtype}`);
  switch (n.op) {
    case "load": {
      const a = k.args[n.arg];
      if (a === undefined) return `loads a${n.arg}, but the kernel has ${k.args.length} arguments`;
      if (a.output) return `loads the output argument a${n.arg}`;
      if (a.dtype !== n.dtype) return `loads ${n.dtype} from a${n.arg} of dtype ${a.dtype}`;
      const p = affineProblem(k, n.index.offset, n.index.coeffs);
      if (p !== null || empty) return p;
      const [lo, hi] = affineRange(k.shape, n.index.offset, n.index.coeffs);
      return lo >= 0 && hi < a.size
        ? null
        : `index ${lo}..${hi} over the loop box [${k.shape.join(",")}] leaves a${n.arg} (${a.size} elements)`;
    }
    case "coord":
      return affineProblem(k, n.index.offset, n.index.coeffs);
    case "const":
      return typeof n.value === "number" ? null : `constant ${String(n.value)} is not a number`;
    case "unary":
      return UNARY.has(n.fn) ? sameAs(n.x, "operand") : `unknown unary op '${n.fn}'`;
    case "binary":
      if (!BINARY.has(n.fn)) return `unknown binary op '${n.fn}'`;
      return sameAs(n.a, "operand a") ?? sameAs(n.b, "operand b");
    case "select": {
      if (n.cases.length === 0) return "no cases";
      const w = operand(n.which, "selector");
      if (w !== null) return w;
      const wd = dtypeOf(n.which);
      if (wd !== "bool" && wd !== "int32" && wd !== "uint32") return `selector is ${wd}`;
      for (const c of n.cases) {
        const p = sameAs(c, "case");
        if (p !== null) return p;
      }
      return null;
    }
    case "convert": {
      const p = operand(n.x, "operand");
      if (p !== null) return p;
      return dtypeOf(n.x) === n.from
        ? null
        : `converts from ${n.from} but operand %${n.x} is ${dtypeOf(n.x)}`;
    }
  }
}

function affineProblem(k: Kernel, offset: number, coeffs: readonly number[]): string | null {
  if (coeffs.length !== k.shape.length) {
    return `index has ${coeffs.length} coefficients for ${k.shape.length} loop dims`;
  }
  if (!Number.isSafeInteger(offset) || !coeffs.every(Number.isSafeInteger)) {
    return `index ${offset} + [${coeffs.join(",")}]·i is not integral`;
  }
  return null;
}

/** The least and greatest value of offset + Σ c_d·i_d over 0 ≤ i_d < shape[d] (shape nonempty). */
export function affineRange(
  shape: readonly number[],
  offset: number,
  coeffs: readonly number[],
): [number, number] {
  let lo = offset;
  let hi = offset;
  coeffs.forEach((c, d) => {
    const span = c * (shape[d]! - 1);
    if (span < 0) lo += span;
    else hi += span;
  });
  return [lo, hi];
}

function outputsProblem(k: Kernel): string | null {
  const kept = k.shape.reduce((p, e, d) => (k.reduced[d] ? p : p * e), 1);
  const stored = new Set<number>();
  for (const o of k.outputs) {
    const a = k.args[o.arg];
    if (a === undefined || !a.output) return `output stores to a${o.arg}, not an output argument`;
    if (stored.has(o.arg)) return `output a${o.arg} is stored twice`;
    stored.add(o.arg);
    const n = k.nodes[o.node];
    if (n === undefined || !Number.isSafeInteger(o.node) || o.node < 0) {
      return `output a${o.arg} stores %${o.node}, which is not a node`;
    }
    if (nodeDtype(n) !== a.dtype) {
      return `output a${o.arg} (${a.dtype}) stores %${o.node} of dtype ${nodeDtype(n)}`;
    }
    if (a.size !== kept) {
      return `output a${o.arg} holds ${a.size} elements, the kept loop dims span ${kept}`;
    }
  }
  for (const [i, a] of k.args.entries()) {
    if (a.output && !stored.has(i)) return `output argument a${i} is never stored`;
  }
  return null;
}
