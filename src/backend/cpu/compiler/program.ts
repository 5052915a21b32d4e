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
 *
 * Loops (scan, while, cond: loop_step.ts) run as steps of their own: their
 * operands and results live in memory, and their bodies are programs built
 * here too (`buildBody`), whose inputs and outputs are addresses the loop
 * driver sets each iteration, over an arena inside the loop's workspace.
 */
import { ArrayImpl } from "../../../core/array.js";
import type { ShapedArray } from "../../../core/aval.js";
import { type ClosedJaxpr, type Jaxpr, Literal, Var } from "../../../core/jaxpr.js";
import { itemsize, type TypedArray } from "../../../dtype.js";
import { stridesOf } from "../../../shape.js";
import { CpuBuffer, cpuArray, cpuData } from "../buffer.js";
import { runComplex } from "../complex.js";
import { runHalves } from "../halves.js";
import { runInt64 } from "../int64.js";
import {
  addressOf,
  alloc,
  cpuMemory,
  escape,
  free,
  heapBuffer,
  isSharedMemory,
  moveIn,
  sizeClass,
  takeBlock,
  view,
} from "../memory.js";
import { poolFor, type ThreadPool } from "../pool.js";
import { profiledOps } from "./debug.js";
import type { Step } from "./fusion.js";
import { type BodyCode, type LoopStep, loopStepFor } from "./loop_step.js";
import { kernelRange } from "./loops.js";
import { type ArenaPlan, type PlanItem, planArena } from "./plan.js";

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
  | { kind: "js" } // an eager result no kernel reads
  | { kind: "io" }; // a body's input or output: its address is set by the caller

/** Elements of work below which a kernel runs on the calling thread alone. */
export const PARALLEL_MIN_WORK = 32768;

let pool: ThreadPool | null = null;
/** The worker pool over the CPU memory (null without a shared memory). */
export function threadPool(): ThreadPool | null {
  if (pool === null && isSharedMemory()) pool = poolFor(cpuMemory());
  return pool;
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
  if (dot?.kind !== "library" || st?.kind !== "kernel" || st.kernel.reduce !== null) return 0;
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

type Op = (addr: number[], js: (ArrayImpl | undefined)[]) => void;

/** A program's steps as ops over numbered slots (addr[nSlots]: the arena's base). */
interface Assembled {
  ops: Op[];
  homes: Home[];
  slot: Map<Var, number>;
  slotVars: Var[];
  nSlots: number;
  arena: ArenaPlan;
  scales: Map<number, number>;
  inputIndex: Map<Var, number>;
  outVars: Set<Var>;
  defStep: Map<Var, number>;
  lastUse: Map<Var, number>;
  wakesPool: boolean;
}

/**
 * The ops of `steps` over `jaxpr`'s values. `body`: every input and output
 * var is an "io" slot whose address the caller sets (a loop body); else
 * inputs are "arg" slots and outputs own blocks.
 */
function assemble(
  jaxpr: Jaxpr,
  steps: readonly Step[],
  code: KernelCode,
  epilogues: boolean,
  body: boolean,
): Assembled {
  const inVars = [...jaxpr.constvars, ...jaxpr.inBinders];
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
  if (epilogues) {
    steps.forEach((st, s) => {
      if (st.kind !== "library") return;
      const rows = st.kernel.epilogueRows(st.eqn);
      if (rows === 0) return;
      const scale = epilogueScale(steps, s, rows);
      if (scale > 0) scales.set(s, scale);
    });
  }
  const loops = new Map<number, LoopStep>();
  steps.forEach((st, s) => {
    if (st.kind !== "eager") return;
    const l = loopStepFor(st.eqn);
    if (l !== null) loops.set(s, l);
  });
  steps.forEach((st, s) => {
    if (st.kind === "kernel") {
      for (const v of st.ins) { inMemory.add(v); use(v, s); } // biome-ignore format: compact
      for (const v of st.outs) { inMemory.add(v); defStep.set(v, s); } // biome-ignore format: compact
    } else {
      const last = scales.has(s) ? s + 1 : s;
      const mem = st.kind === "library" || loops.has(s);
      for (const a of st.eqn.inputs) if (a instanceof Var) { use(a, last); if (mem) inMemory.add(a); } // biome-ignore format: compact
      for (const v of st.eqn.outBinders) { defStep.set(v, s); if (mem) inMemory.add(v); } // biome-ignore format: compact
    }
  });
  if (body) for (const v of [...inVars, ...outVars]) inMemory.add(v);
  // Eager results read by kernels need memory too (copied in after the eager step).
  const items: PlanItem[] = [];
  const itemOf = new Map<Var, number>();
  const inputIndex = new Map<Var, number>();
  inVars.forEach((v, i) => {
    if (!inputIndex.has(v)) inputIndex.set(v, i);
  });
  for (const v of inMemory) {
    if (outVars.has(v) && !inputIndex.has(v)) continue; // an output block of its own
    if (body && inputIndex.has(v)) continue; // at the caller's address
    const def = inputIndex.has(v) ? -1 : defStep.get(v)!;
    itemOf.set(v, items.length);
    items.push({
      bytes: v.aval.size * itemsize(v.aval.dtype),
      def,
      lastUse: Math.max(lastUse.get(v) ?? def, def),
    });
  }
  // Library steps' workspaces: arena items live through the step (and its epilogue).
  const workspaceItem = new Map<number, number>();
  steps.forEach((st, s) => {
    const l = loops.get(s);
    if (st.kind === "kernel" || (st.kind !== "library" && l === undefined)) return;
    workspaceItem.set(s, items.length);
    // A loop's literal operands are written after its own workspace, 8 bytes each.
    const lits = st.eqn.inputs.filter((x) => x instanceof Literal).length;
    const bytes = st.kind === "library" ? st.kernel.workspace(st.eqn) : l!.workspace + 8 * lits;
    items.push({ bytes, def: s, lastUse: scales.has(s) ? s + 1 : s });
  });
  const arena = planArena(items, steps.length);

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
      if (body && (idx !== undefined || outVars.has(v))) homes.push({ kind: "io" });
      else if (idx !== undefined)
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
  const literalArray = (l: Literal) => ArrayImpl.scalar(l.value, l.aval.dtype, l.aval.weakType);

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
    if (st.kind === "library") {
      const e = st.eqn;
      const slots = [...e.inputs.map((x) => slot.get(x as Var)!), ...e.outBinders.map((v) => slot.get(v)!)]; // biome-ignore format: long
      const workspace = arena.offsets[workspaceItem.get(s)!]!;
      const scale = scales.get(s);
      const next = steps[s + 1]!;
      const epilogue =
        scale !== undefined && next.kind === "kernel"
          ? { ...exportOf(code, s + 1), scale, run: (addrs: readonly number[]) => code.run(s + 1, addrs) } // biome-ignore format: long
          : null;
      const epilogueSlots = epilogue !== null && next.kind === "kernel" ? kernelSlots(next) : [];
      const run = st.kernel.build(e, epilogue);
      const addrs = new Array<number>(slots.length + 1).fill(0);
      return (addr) => {
        for (let i = 0; i < slots.length; i++) addrs[i] = addr[slots[i]!]!;
        addrs[slots.length] = addr[nSlots]! + workspace;
        run(
          addrs,
          epilogueSlots.map((k) => addr[k]!),
        );
      };
    }
    const loop = loops.get(s);
    if (loop !== undefined) {
      const e = st.eqn;
      const inSlots = e.inputs.map((x) => (x instanceof Literal ? -1 : slot.get(x)!));
      const outSlots = e.outBinders.map((v) => slot.get(v)!);
      const workspace = arena.offsets[workspaceItem.get(s)!]!;
      const ins = new Array<number>(inSlots.length).fill(0);
      const outs = new Array<number>(outSlots.length).fill(0);
      const lits = e.inputs.flatMap((x, i) => (x instanceof Literal ? [{ i, value: literalArray(x) }] : [])); // biome-ignore format: long
      return (addr) => {
        for (let i = 0; i < inSlots.length; i++) ins[i] = addr[inSlots[i]!]!;
        lits.forEach((l, k) => {
          ins[l.i] = addr[nSlots]! + workspace + loop.workspace + 8 * k;
          view(l.value.dtype, ins[l.i]!, 1).set(cpuData(l.value));
        });
        for (let i = 0; i < outSlots.length; i++) outs[i] = addr[outSlots[i]!]!;
        loop.run(ins, outs, addr[nSlots]! + workspace);
      };
    }
    const e = st.eqn;
    const ins = e.inputs.map((x) => (x instanceof Literal ? literalArray(x) : slot.get(x)!));
    const outs = e.outBinders.map((v) => slot.get(v)!);
    const prim = e.primitive;
    // Half dtypes: the float32 kernel, rounded (halves.ts); complex dtypes on their parts
    // (complex.ts); 64-bit integers on their words or as BigInts (int64.ts): as eagerly.
    const wide = (args: ArrayImpl[], params: object): ArrayImpl[] =>
      runInt64(prim, args, params, prim.rules.impl) ?? prim.rules.impl(args, params);
    const kernel = (args: ArrayImpl[], params: object): ArrayImpl[] =>
      runComplex(prim, args, params, wide) ?? wide(args, params);
    const impl = (args: ArrayImpl[], params: object): ArrayImpl[] =>
      runHalves(prim, args, params, kernel) ?? kernel(args, params);
    return (addr, js) => {
      const args = ins.map((x) => {
        if (x instanceof ArrayImpl) return x;
        const have = js[x];
        if (have !== undefined) return have;
        const v = slotVars[x]!;
        return cpuArray(v.aval, view(v.aval.dtype, addr[x]!, v.aval.size));
      });
      const rs = impl(args, e.params);
      outs.forEach((k, i) => {
        const r = rs[i]!;
        const h = homes[k]!;
        if (h.kind === "js") {
          // Never keep a view of memory this program will reuse.
          js[k] = addressOf(cpuData(r)) >= 0 ? cpuArray(r.aval, cpuData(r).slice()) : r;
        } else {
          view(r.dtype, addr[k]!, r.size).set(cpuData(r));
        }
      });
    };
  });

  // Programs with steps large enough to split wake the pool's workers first,
  // so that they are spinning (not asleep) when the first such step starts.
  const wakesPool = steps.some((st, s) => {
    if (st.kind === "library") return st.kernel.parallel(st.eqn);
    if (st.kind !== "kernel") return loops.get(s)?.parallel ?? false;
    const r = kernelRange(st.kernel);
    return r.total * r.work >= PARALLEL_MIN_WORK;
  });
  return { ops, homes, slot, slotVars, nSlots, arena, scales, inputIndex, outVars, defStep, lastUse, wakesPool }; // biome-ignore format: long
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
  const a = assemble(jaxpr, steps, code, epilogues && code.export !== undefined, false);
  const ops = profiledOps(a.ops, steps);
  const { homes, slot, slotVars, nSlots, arena, scales, inputIndex, outVars, defStep, lastUse, wakesPool } = a; // biome-ignore format: long
  const inVars = [...jaxpr.constvars, ...jaxpr.inBinders];
  const nConsts = jaxpr.constvars.length;
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
  const outAtoms = jaxpr.outs;
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
          let at = addressOf(cpuData(x));
          if (at < 0) {
            // Move a large JS array into the memory once, to read it in place from now on.
            const moved = moveIn(cpuData(x));
            if (moved !== null) {
              x.replaceBuffer(new CpuBuffer(moved));
              at = addressOf(moved);
            }
          }
          if (at >= 0) addr[k] = at;
          else {
            addr[k] = base + h.copyTo;
            view(x.dtype, addr[k]!, x.size).set(cpuData(x));
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
          arr = cpuArray(aval, escape(aval.dtype, addr[k]!, aval.size) as TypedArray);
          made.set(k, arr);
        }
        // Two arrays never share a pooled block (donating one must not change the other).
        return arr.aval.equals(aval) ? arr : cpuArray(aval, cpuData(arr).slice());
      }
      const x = js[k];
      if (x !== undefined) {
        if (x.aval.equals(aval)) return x;
        return cpuArray(aval, addressOf(cpuData(x)) >= 0 ? cpuData(x).slice() : cpuData(x));
      }
      // An input read in place or an intermediate: copy out of the memory.
      return cpuArray(aval, view(aval.dtype, addr[k]!, aval.size).slice());
    });
    if (arena.size > 0) free(base);
    for (const x of taken) x.markDeleted();
    return result;
  };
  return { exe, info: { steps, arena, epilogues: [...scales.keys()] } };
}

function exportOf(code: KernelCode, k: number): { module: WebAssembly.Module; exportName: string } {
  const ex = code.export!(k);
  return { module: ex.module, exportName: ex.name };
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
    const at = addressOf(cpuData(x));
    if (at < 0 || all.some((y, j) => j !== i && addressOf(cpuData(y)) === at)) continue;
    const got = takeBlock(cpuData(x), bytes);
    if (got >= 0) {
      taken.push(x);
      return got;
    }
  }
  return -1;
}

/**
 * A loop body: `steps` over `jaxpr` as code that reads its inputs and writes
 * its outputs at addresses the caller gives, its intermediates in an arena
 * at the base the caller gives (`arenaBytes` long). Nothing is allocated per
 * call; outputs that are literals, inputs or repeats of another output are
 * copied in after the steps.
 */
export function buildBody(
  closed: ClosedJaxpr,
  jaxpr: Jaxpr,
  steps: readonly Step[],
  code: KernelCode,
): BodyCode {
  const a = assemble(jaxpr, steps, code, code.export !== undefined, true);
  const { ops, homes, slot, nSlots, arena, inputIndex, wakesPool } = a;
  const inVars = [...jaxpr.constvars, ...jaxpr.inBinders];
  const nConsts = jaxpr.constvars.length;
  const inSlots = inVars.map((v) => slot.get(v)!);
  const addr = new Array<number>(nSlots + 1).fill(0);
  // Constants: copied once into blocks the body keeps.
  closed.consts.forEach((c, i) => {
    const x = c as ArrayImpl;
    const at = alloc(Math.max(1, x.size * itemsize(x.dtype)));
    view(x.dtype, at, x.size).set(cpuData(x));
    addr[inSlots[i]!] = at;
  });
  const arenaSlots: [number, number][] = [];
  homes.forEach((h, k) => {
    if (h.kind === "arena") arenaSlots.push([k, h.offset]);
  });
  const owned: [number, number][] = []; // [slot, output position]
  const copies: { j: number; from: number; bytes: number }[] = []; // from: a slot
  const literals: { j: number; value: ArrayImpl }[] = [];
  const owner = new Set<Var>();
  jaxpr.outs.forEach((o, j) => {
    if (o instanceof Literal) {
      literals.push({ j, value: ArrayImpl.scalar(o.value, o.aval.dtype, o.aval.weakType) });
    } else if (inputIndex.has(o) || owner.has(o)) {
      copies.push({ j, from: slot.get(o)!, bytes: o.aval.size * itemsize(o.aval.dtype) });
    } else {
      owner.add(o);
      owned.push([slot.get(o)!, j]);
    }
  });
  const js = new Array<ArrayImpl | undefined>(nSlots);
  let base = -1;
  return {
    arenaBytes: arena.size,
    parallel: wakesPool,
    run(at, ins, outs) {
      if (at !== base) {
        base = at;
        addr[nSlots] = at;
        for (const [k, o] of arenaSlots) addr[k] = at + o;
      }
      for (let i = 0; i < ins.length; i++) addr[inSlots[nConsts + i]!] = ins[i]!;
      for (let i = 0; i < owned.length; i++) addr[owned[i]![0]] = outs[owned[i]![1]]!;
      for (let i = 0; i < ops.length; i++) ops[i]!(addr, js);
      if (copies.length > 0) {
        const u8 = new Uint8Array(heapBuffer());
        for (const c of copies) u8.copyWithin(outs[c.j]!, addr[c.from]!, addr[c.from]! + c.bytes);
      }
      for (const l of literals) view(l.value.dtype, outs[l.j]!, 1).set(cpuData(l.value));
    },
  };
}
