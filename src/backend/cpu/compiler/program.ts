/**
 * A compiled program: its steps (fused kernels, matrix products, eager
 * equations), where each value lives, and the function that runs it.
 *
 * Values live in the shared memory (memory.ts): intermediates in one arena
 * block planned by liveness (plan.ts), outputs in blocks of their own that
 * are handed to the caller as zero-copy views. Inputs already in the memory
 * are read in place; others are copied into the arena when a kernel needs
 * them. Eager equations read memory through views and keep their results as
 * JS arrays unless a kernel needs them.
 */
import { ArrayImpl } from "../../../core/array.js";
import type { ShapedArray } from "../../../core/aval.js";
import {
  type Atom,
  type ClosedJaxpr,
  type Jaxpr,
  type JaxprEqn,
  Literal,
  Var,
} from "../../../core/jaxpr.js";
import { itemsize, type TypedArray } from "../../../dtype.js";
import type { DotGeneralParams } from "../../../lax/dot.js";
import { stridesOf } from "../../../shape.js";
import { MatmulKernel } from "../matmul.js";
import {
  addressOf,
  alloc,
  cpuMemory,
  escape,
  free,
  isSharedMemory,
  moveIn,
  sizeClass,
  takeBlock,
  view,
} from "../memory.js";
import { parallelGemmAt, parallelGemmWorkspaceBytes } from "../parallel_gemm.js";
import { poolFor, type ThreadPool } from "../pool.js";
import type { Step } from "./fusion.js";
import { kernelRange } from "./loops.js";
import { type ArenaPlan, type PlanItem, planArena } from "./plan.js";
import { smallDotAt } from "./small_dot.js";

/** The code for a program's kernels: one function per kernel, taking (addresses..., start, end). */
export interface KernelCode {
  /** Runs kernel k over its whole range with these byte addresses. */
  run(k: number, addrs: readonly number[]): void;
  /** Kernel k as a Wasm export, taking (addresses..., start, end); absent: not Wasm. */
  export?(k: number): { module: WebAssembly.Module; name: string };
}

/** How a var's storage is found at run time. */
type Home =
  | { kind: "arg"; index: number; copyTo: number } // copyTo: arena offset, or -1 when never needed in memory
  | { kind: "arena"; offset: number }
  | { kind: "out"; donors: number[] } // a block of its own (or a donated input's), handed to the caller
  | { kind: "js" }; // an eager result no kernel reads

interface DotPlan {
  batch: number;
  m: number;
  n: number;
  k: number;
  aStrides: [number, number, number];
  bStrides: [number, number, number];
  workspace: number; // arena offset
  workspaceBytes: number;
  /** Run the direct kernel (small_dot.ts) instead of the packed GEMM. */
  direct: boolean;
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

/** Elements of work below which a kernel runs on the calling thread alone. */
export const PARALLEL_MIN_WORK = 32768;

let pool: ThreadPool | null = null;
/** The worker pool over the CPU memory (null without a shared memory). */
export function threadPool(): ThreadPool | null {
  if (pool === null && isSharedMemory()) pool = poolFor(cpuMemory());
  return pool;
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
export function planDot(
  e: JaxprEqn,
): Omit<DotPlan, "workspace" | "workspaceBytes" | "direct"> | null {
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

/**
 * Runs the program. `donated[i]` marks argument i as donated (jit's
 * donateArgnums): its block may hold an output, and then the argument is
 * marked deleted.
 */
export type Executable = (args: readonly ArrayImpl[], donated?: readonly boolean[]) => ArrayImpl[];

export interface ProgramInfo {
  steps: readonly Step[];
  arena: ArenaPlan;
  /** Dot steps whose next step runs as their epilogue (see `epilogueScale`). */
  epilogues: number[];
}

/**
 * Whether kernel step s + 1 can run as the epilogue of dot step s, on each
 * row chunk right after the chunk's product: it must be elementwise over the
 * dot's output, read that output only at the element it writes, and have a
 * range whose units are a whole number of output elements per row (aligned,
 * so that chunk boundaries fall where its own would). Its scale (units per
 * row of batch·m), or 0.
 */
function epilogueScale(steps: readonly Step[], s: number, rows: number): number {
  const dot = steps[s];
  const st = steps[s + 1];
  if (dot?.kind !== "dot" || st?.kind !== "kernel" || st.kernel.reduce !== null) return 0;
  const o = dot.eqn.outBinders[0]!;
  const arg = st.ins.indexOf(o);
  if (arg < 0 || rows === 0) return 0;
  const shape = st.kernel.shape;
  let size = 1;
  for (const d of shape) size *= d;
  if (size !== o.aval.size || st.kernel.args[arg]?.size !== o.aval.size) return 0;
  const strides = stridesOf(shape);
  const inPlace = st.kernel.nodes.every(
    (n) =>
      n.op !== "load" ||
      n.arg !== arg ||
      (n.index.offset === 0 && n.index.coeffs.every((c, d) => c === strides[d])),
  );
  if (!inPlace) return 0;
  const r = kernelRange(st.kernel);
  if (r.total % rows !== 0 || r.total * r.work !== size) return 0;
  const scale = r.total / rows;
  return scale % r.align === 0 ? scale : 0;
}

/**
 * The executable for `steps` over `jaxpr` (whose constvars take `consts`),
 * with `code` running the kernel steps in order.
 */
export function buildExecutable(
  closed: ClosedJaxpr,
  jaxpr: Jaxpr,
  steps: readonly Step[],
  code: KernelCode,
  outAvals: readonly ShapedArray[],
  epilogues = true,
): { exe: Executable; info: ProgramInfo } {
  const inVars = [...jaxpr.constvars, ...jaxpr.inBinders];
  const nConsts = jaxpr.constvars.length;
  const outVars = new Set<Var>();
  for (const a of jaxpr.outs) if (a instanceof Var) outVars.add(a);

  // Which vars kernels and products read or write (they need memory).
  const inMemory = new Set<Var>();
  const defStep = new Map<Var, number>();
  const lastUse = new Map<Var, number>();
  const use = (v: Var, s: number) => lastUse.set(v, Math.max(lastUse.get(v) ?? -1, s));
  // Dots that run the next kernel on each chunk: their operands and workspace
  // stay live through that kernel (it writes while other chunks still multiply).
  const scales = new Map<number, number>();
  if (epilogues && code.export !== undefined) {
    steps.forEach((st, s) => {
      if (st.kind !== "dot") return;
      const p = planDot(st.eqn)!;
      if (directDot(p)) return;
      const scale = epilogueScale(steps, s, p.batch * p.m);
      if (scale > 0) scales.set(s, scale);
    });
  }
  steps.forEach((st, s) => {
    if (st.kind === "kernel") {
      for (const v of st.ins) { inMemory.add(v); use(v, s); } // biome-ignore format: compact
      for (const v of st.outs) { inMemory.add(v); defStep.set(v, s); } // biome-ignore format: compact
    } else {
      const last = scales.has(s) ? s + 1 : s;
      for (const a of st.eqn.inputs) if (a instanceof Var) { use(a, last); if (st.kind === "dot") inMemory.add(a); } // biome-ignore format: compact
      for (const v of st.eqn.outBinders) { defStep.set(v, s); if (st.kind === "dot") inMemory.add(v); } // biome-ignore format: compact
    }
  });
  // Eager results read by kernels need memory too (copied in after the eager step).
  const dots = new Map<number, DotPlan>();
  const items: PlanItem[] = [];
  const itemOf = new Map<Var, number>();
  const inputIndex = new Map<Var, number>();
  inVars.forEach((v, i) => {
    if (!inputIndex.has(v)) inputIndex.set(v, i);
  });
  for (const v of inMemory) {
    if (outVars.has(v) && !inputIndex.has(v)) continue; // an output block of its own
    const def = inputIndex.has(v) ? -1 : defStep.get(v)!;
    itemOf.set(v, items.length);
    items.push({
      bytes: v.aval.size * itemsize(v.aval.dtype),
      def,
      lastUse: Math.max(lastUse.get(v) ?? def, def),
    });
  }
  const dotWorkspace = new Map<number, number>();
  steps.forEach((st, s) => {
    if (st.kind !== "dot") return;
    const p = planDot(st.eqn)!;
    const direct = directDot(p);
    dotWorkspace.set(s, items.length);
    const tp = threadPool();
    const bytes = direct
      ? 0
      : Math.max(
          matmulKernel().workspaceBytes(p),
          tp === null ? 0 : parallelGemmWorkspaceBytes(tp, p),
        );
    items.push({ bytes, def: s, lastUse: scales.has(s) ? s + 1 : s });
    dots.set(s, { ...p, workspace: 0, workspaceBytes: bytes, direct });
  });
  const arena = planArena(items, steps.length);
  for (const [s, i] of dotWorkspace) dots.get(s)!.workspace = arena.offsets[i]!;

  // Homes and numeric slots.
  const slot = new Map<Var, number>();
  const homes: Home[] = [];
  const slotVars: Var[] = [];
  const slotOf = (v: Var): number => {
    let k = slot.get(v);
    if (k === undefined) {
      k = homes.length;
      slot.set(v, k);
      slotVars.push(v);
      const item = itemOf.get(v);
      const idx = inputIndex.get(v);
      if (idx !== undefined)
        homes.push({
          kind: "arg",
          index: idx,
          copyTo: item === undefined ? -1 : arena.offsets[item]!,
        });
      else if (outVars.has(v) && inMemory.has(v)) homes.push({ kind: "out", donors: [] });
      else if (item !== undefined) homes.push({ kind: "arena", offset: arena.offsets[item]! });
      else homes.push({ kind: "js" });
    }
    return k;
  };
  for (const v of inVars) slotOf(v);
  for (const st of steps) {
    if (st.kind === "kernel") for (const v of [...st.ins, ...st.outs]) slotOf(v);
    else
      for (const v of [
        ...st.eqn.inputs.filter((a): a is Var => a instanceof Var),
        ...st.eqn.outBinders,
      ])
        slotOf(v);
  }
  const nSlots = homes.length;
  // Donation: the inputs whose blocks an output may take. Safe when nothing
  // reads the input after the output's step starts, or when that step is an
  // elementwise kernel reading the input only at the element it writes.
  const sameElement = (s: number, input: Var, out: Var): boolean => {
    const st = steps[s]!;
    if (st.kind !== "kernel" || st.kernel.reduce !== null) return false;
    const inArg = st.ins.indexOf(input);
    if (inArg < 0) return false; // live through an epilogue it does not read
    const outArg = st.ins.length + st.outs.indexOf(out);
    const strides = stridesOf(st.kernel.shape);
    if (st.kernel.args[outArg]?.size !== input.aval.size) return false;
    return st.kernel.nodes.every(
      (n) =>
        n.op !== "load" ||
        n.arg !== inArg ||
        (n.index.offset === 0 && n.index.coeffs.every((c, d) => c === strides[d])),
    );
  };
  homes.forEach((h, k) => {
    if (h.kind !== "out") return;
    const out = slotVars[k]!;
    const def = defStep.get(out)!;
    const bytes = sizeClass(out.aval.size * itemsize(out.aval.dtype));
    inVars.forEach((v, i) => {
      if (i < nConsts || outVars.has(v) || inputIndex.get(v) !== i) return;
      if (sizeClass(v.aval.size * itemsize(v.aval.dtype)) !== bytes) return;
      const last = lastUse.get(v) ?? -1;
      if (last < def || (last === def && sameElement(def, v, out))) h.donors.push(i);
    });
  });
  const literalArray = (l: Literal) => ArrayImpl.scalar(l.value, l.aval.dtype, l.aval.weakType);

  type Op = (addr: number[], js: (ArrayImpl | undefined)[]) => void;
  const kernelSlots = (st: Step & { kind: "kernel" }) =>
    [...st.ins, ...st.outs].map((v) => slot.get(v)!);
  const ops: Op[] = steps.map((st, s): Op => {
    if (st.kind === "kernel" && scales.has(s - 1)) return () => {}; // ran with the dot
    if (st.kind === "kernel") {
      const slots = [...st.ins, ...st.outs].map((v) => slot.get(v)!);
      const addrs = new Array<number>(slots.length).fill(0);
      return (addr) => {
        for (let i = 0; i < slots.length; i++) addrs[i] = addr[slots[i]!]!;
        code.run(s, addrs);
      };
    }
    if (st.kind === "dot") {
      const d = dots.get(s)!;
      const [a, b] = st.eqn.inputs.map((x) => slot.get(x as Var)!) as [number, number];
      const o = slot.get(st.eqn.outBinders[0]!)!;
      if (d.direct) {
        return (addr) =>
          smallDotAt({
            batch: d.batch, m: d.m, n: d.n, k: d.k,
            a: addr[a]!, aStrides: d.aStrides, b: addr[b]!, bStrides: d.bStrides, out: addr[o]!,
          }); // biome-ignore format: compact
      }
      const scale = scales.get(s);
      const next = steps[s + 1]!;
      if (scale !== undefined && next.kind === "kernel") {
        const ex = code.export!(s + 1);
        const slots = kernelSlots(next);
        return (addr) => {
          const spec = {
            batch: d.batch, m: d.m, n: d.n, k: d.k,
            a: addr[a]!, aStrides: d.aStrides, b: addr[b]!, bStrides: d.bStrides,
            out: addr[o]!, workspace: addr[nSlots]! + d.workspace,
          }; // biome-ignore format: compact
          const addrs = slots.map((k) => addr[k]!);
          const tp = threadPool();
          if (tp !== null && tp.threads > 1) {
            const epilogue = { module: ex.module, exportName: ex.name, args: addrs, scale };
            parallelGemmAt(tp, { ...spec, workspaceBytes: d.workspaceBytes }, epilogue);
          } else {
            matmulKernel().gemmAt(spec);
            code.run(s + 1, addrs);
          }
        };
      }
      return (addr) => {
        const spec = {
          batch: d.batch, m: d.m, n: d.n, k: d.k,
          a: addr[a]!, aStrides: d.aStrides, b: addr[b]!, bStrides: d.bStrides,
          out: addr[o]!, workspace: addr[nSlots]! + d.workspace,
        }; // biome-ignore format: compact
        const tp = threadPool();
        if (tp !== null && tp.threads > 1)
          parallelGemmAt(tp, { ...spec, workspaceBytes: d.workspaceBytes });
        else matmulKernel().gemmAt(spec);
      };
    }
    const e = st.eqn;
    const ins = e.inputs.map((x) => (x instanceof Literal ? literalArray(x) : slot.get(x)!));
    const outs = e.outBinders.map((v) => slot.get(v)!);
    const impl = e.primitive.rules.impl;
    return (addr, js) => {
      const args = ins.map((x) => {
        if (x instanceof ArrayImpl) return x;
        const have = js[x];
        if (have !== undefined) return have;
        const v = slotVars[x]!;
        return new ArrayImpl(v.aval, view(v.aval.dtype, addr[x]!, v.aval.size));
      });
      const rs = impl(args, e.params);
      outs.forEach((k, i) => {
        const r = rs[i]!;
        const h = homes[k]!;
        if (h.kind === "js") {
          // Never keep a view of memory this program will reuse.
          js[k] = addressOf(r.values) >= 0 ? new ArrayImpl(r.aval, r.values.slice()) : r;
        } else {
          view(r.dtype, addr[k]!, r.size).set(r.values);
        }
      });
    };
  });

  const outAtoms = jaxpr.outs;
  // Programs with steps large enough to split wake the pool's workers first,
  // so that they are spinning (not asleep) when the first such step starts.
  const wakesPool = steps.some((st, s) => {
    if (st.kind === "dot") return !dots.get(s)!.direct;
    if (st.kind !== "kernel") return false;
    const r = kernelRange(st.kernel);
    return r.total * r.work >= PARALLEL_MIN_WORK;
  });
  const exe: Executable = (args, donated) => {
    if (wakesPool) threadPool()?.wake();
    const all = nConsts === 0 ? args : [...(closed.consts as ArrayImpl[]), ...args];
    if (args.length !== jaxpr.inBinders.length) {
      throw new Error(
        `compiled program: expected ${jaxpr.inBinders.length} arguments, got ${args.length}`,
      );
    }
    const base = arena.size > 0 ? alloc(arena.size) : 0;
    const addr = new Array<number>(nSlots + 1).fill(0);
    addr[nSlots] = base;
    const js = new Array<ArrayImpl | undefined>(nSlots);
    const outBlocks: number[] = [];
    const taken: ArrayImpl[] = [];
    try {
      for (let k = 0; k < nSlots; k++) {
        const h = homes[k]!;
        if (h.kind === "arg") {
          const x = all[h.index]!;
          js[k] = x;
          if (h.copyTo < 0) continue;
          let at = addressOf(x.values);
          if (at < 0) {
            // Move a large JS array into the memory once, to read it in place from now on.
            const moved = moveIn(x.values);
            if (moved !== null) {
              x.moveStorage(moved);
              at = addressOf(moved);
            }
          }
          if (at >= 0) addr[k] = at;
          else {
            addr[k] = base + h.copyTo;
            view(x.dtype, addr[k]!, x.size).set(x.values);
          }
        } else if (h.kind === "arena") {
          addr[k] = base + h.offset;
        } else if (h.kind === "out") {
          const v = slotVars[k]!;
          const bytes = v.aval.size * itemsize(v.aval.dtype);
          const at = donated === undefined ? -1 : takeDonated(all, h.donors, donated, nConsts, bytes, taken); // biome-ignore format: long
          addr[k] = at >= 0 ? at : alloc(bytes);
          outBlocks.push(k);
        }
      }
      for (const op of ops) op(addr, js);
    } catch (err) {
      for (const k of outBlocks) free(addr[k]!);
      for (const x of taken) x.markDeleted(); // their blocks are gone
      if (arena.size > 0) free(base);
      throw err;
    }
    const made = new Map<number, ArrayImpl>();
    const result = outAtoms.map((a, i) => {
      const aval = outAvals[i]!;
      if (a instanceof Literal) return ArrayImpl.scalar(a.value, aval.dtype, aval.weakType);
      const k = slot.get(a)!;
      const h = homes[k]!;
      if (h.kind === "out") {
        let arr = made.get(k);
        if (arr === undefined) {
          arr = new ArrayImpl(aval, escape(aval.dtype, addr[k]!, aval.size) as TypedArray);
          made.set(k, arr);
        }
        // Two arrays never share a pooled block (donating one must not change the other).
        return arr.aval.equals(aval) ? arr : new ArrayImpl(aval, arr.values.slice());
      }
      const x = js[k];
      if (x !== undefined) {
        if (x.aval.equals(aval)) return x;
        return new ArrayImpl(aval, addressOf(x.values) >= 0 ? x.values.slice() : x.values);
      }
      // An input read in place or an intermediate: copy out of the memory.
      return new ArrayImpl(aval, view(aval.dtype, addr[k]!, aval.size).slice());
    });
    if (arena.size > 0) free(base);
    for (const x of taken) x.markDeleted();
    return result;
  };
  return { exe, info: { steps, arena, epilogues: [...scales.keys()] } };
}

/**
 * The block of a donated argument among `donors` for an output of `bytes`
 * bytes, or -1. The argument must own a pooled block no other argument
 * shares; it joins `taken` (to be marked deleted).
 */
function takeDonated(
  all: readonly ArrayImpl[],
  donors: readonly number[],
  donated: readonly boolean[],
  nConsts: number,
  bytes: number,
  taken: ArrayImpl[],
): number {
  for (const i of donors) {
    const x = all[i]!;
    if (donated[i - nConsts] !== true || taken.includes(x)) continue;
    const at = addressOf(x.values);
    if (at < 0 || all.some((y, j) => j !== i && addressOf(y.values) === at)) continue;
    const got = takeBlock(x.values, bytes);
    if (got >= 0) {
      taken.push(x);
      return got;
    }
  }
  return -1;
}
