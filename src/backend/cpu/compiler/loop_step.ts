/**
 * Compiled loops: `scan`, `while` and `cond` equations of a compiled program
 * run as steps of their own, a tight driver over their bodies compiled as
 * programs of their own (program.ts `buildBody`) whose inputs and outputs
 * are addresses in the shared memory. Per iteration nothing is allocated and
 * nothing is copied: the carries are double-buffered (the body reads one
 * buffer and writes the other; for a scan the final buffer is the step's own
 * output), a scan's xs row i is read in place at `xs + i·rowBytes` and its ys
 * row i written in place into the stacked output, and the body's
 * intermediates live in an arena inside the step's workspace. A while
 * loop's predicate is one byte of that workspace; a cond's index is read
 * from memory. Bodies that themselves hold loops nest the same way.
 *
 * The driver is JS calling the body's precompiled ops (its kernels are
 * WebAssembly functions, its products the library GEMM split over the
 * thread pool); one WebAssembly function for the whole loop would also need
 * the products and the pool's dispatch inside WebAssembly, and the JS driver
 * costs about a microsecond per step against the tens of microseconds of a
 * body's kernels (RNN value+grad, T 50, hidden 128, one thread: JS is 3 % of
 * the profile, the GEMM 67 %; 18 → 7.3 ms when loops compiled, eager steps
 * before slicing rows, calling the body's executable and stacking in JS).
 * Equations the body leaves eager (no compiled kernel for them) still run
 * their impl once per iteration, inside the compiled body.
 *
 * Literal operands are written into the step's workspace. Equations whose
 * values are half, complex or 64-bit integer dtypes (kept as JS arrays by
 * their eager hooks) stay eager steps (the primitive's impl: a JS loop over
 * the compiled body).
 */
import type { ShapedArray } from "../../../core/aval.js";
import type { ClosedJaxpr, JaxprEqn } from "../../../core/jaxpr.js";
import { isComplex, isHalf, isInt64, itemsize } from "../../../dtype.js";
import type { CondParams } from "../../../lax/control_flow/cond.js";
import type { ScanParams } from "../../../lax/control_flow/scan.js";
import type { WhileParams } from "../../../lax/control_flow/while.js";
import { heapBuffer } from "../memory.js";

/** A compiled loop body: inputs and outputs at the caller's addresses, its arena at `base`. */
export interface BodyCode {
  readonly arenaBytes: number;
  /** Whether its steps split across the thread pool. */
  readonly parallel: boolean;
  run(base: number, ins: readonly number[], outs: readonly number[]): void;
}

/** A loop equation as a step: operands and results at addresses, a workspace of `workspace` bytes. */
export interface LoopStep {
  readonly workspace: number;
  readonly parallel: boolean;
  run(ins: readonly number[], outs: readonly number[], workspace: number): void;
}

export type BodyCompiler = (closed: ClosedJaxpr) => BodyCode;

let compileBody: BodyCompiler | null = null;

/** Installs the compiler of loop bodies (the compiler's entry point does, at load). */
export function setBodyCompiler(c: BodyCompiler): void {
  compileBody = c;
}

const ALIGN = 64;
const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
const bytesOf = (a: ShapedArray): number => a.size * itemsize(a.dtype);

let bytes8: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
let words32: Int32Array<ArrayBufferLike> = new Int32Array(0);
/** The memory as bytes and int32 words, remade only after it grows (no view per iteration). */
function heap(): void {
  const buf = heapBuffer();
  if (bytes8.buffer !== buf) {
    bytes8 = new Uint8Array(buf);
    words32 = new Int32Array(buf, 0, buf.byteLength >> 2);
  }
}

function copy(dst: number, src: number, bytes: number): void {
  if (bytes > 0 && dst !== src) new Uint8Array(heapBuffer()).copyWithin(dst, src, src + bytes);
}

/** Whether `e` runs as a compiled loop step (decided without compiling its bodies). */
export function isLoopStep(e: JaxprEqn): boolean {
  const name = e.primitive.name;
  if (compileBody === null || (name !== "scan" && name !== "while" && name !== "cond"))
    return false;
  const plain = (a: ShapedArray) => !isHalf(a.dtype) && !isComplex(a.dtype) && !isInt64(a.dtype);
  return e.inputs.every((a) => plain(a.aval)) && e.outBinders.every((v) => plain(v.aval));
}

/** The loop step for `e` (its bodies compiled), or null when it stays an eager step. */
export function loopStepFor(e: JaxprEqn): LoopStep | null {
  if (compileBody === null || !isLoopStep(e)) return null;
  const name = e.primitive.name;
  if (name === "scan") return scanStep(e, compileBody);
  if (name === "while") return whileStep(e, compileBody);
  return condStep(e, compileBody);
}

function scanStep(e: JaxprEqn, compile: BodyCompiler): LoopStep {
  const p = e.params as ScanParams;
  const body = compile(p.jaxpr);
  const nC = p.numConsts;
  const nK = p.numCarry;
  const nX = e.inputs.length - nC - nK;
  const nY = e.outBinders.length - nK;
  const carryBytes = e.outBinders.slice(0, nK).map((v) => bytesOf(v.aval));
  const xRow = e.inputs.slice(nC + nK).map((a) => (p.length > 0 ? bytesOf(a.aval) / p.length : 0));
  const yRow = e.outBinders.slice(nK).map((v) => (p.length > 0 ? bytesOf(v.aval) / p.length : 0));
  const yBytes = e.outBinders.slice(nK).map((v) => bytesOf(v.aval));
  const arena = alignUp(body.arenaBytes);
  const carryAt: number[] = [];
  let spare = 0;
  for (const b of carryBytes) {
    carryAt.push(spare);
    spare += alignUp(b);
  }
  const bIns = new Array<number>(nC + nK + nX).fill(0);
  const bOuts = new Array<number>(nK + nY).fill(0);
  // Buffer `length % 2` is the step's own output, so the last iteration writes there.
  const bufs: number[][] = [new Array<number>(nK).fill(0), new Array<number>(nK).fill(0)];
  return {
    workspace: arena + spare,
    parallel: body.parallel,
    run(ins, outs, ws) {
      const last = p.length % 2;
      for (let c = 0; c < nK; c++) {
        bufs[last]![c] = outs[c]!;
        bufs[1 - last]![c] = ws + arena + carryAt[c]!;
      }
      for (let c = 0; c < nK; c++) copy(bufs[0]![c]!, ins[nC + c]!, carryBytes[c]!);
      if (p.length === 0) {
        for (let y = 0; y < nY; y++)
          new Uint8Array(heapBuffer(), outs[nK + y]!, yBytes[y]!).fill(0);
        return;
      }
      for (let i = 0; i < nC; i++) bIns[i] = ins[i]!;
      for (let k = 0; k < p.length; k++) {
        const i = p.reverse ? p.length - 1 - k : k;
        const cur = bufs[k % 2]!;
        const next = bufs[1 - (k % 2)]!;
        for (let c = 0; c < nK; c++) {
          bIns[nC + c] = cur[c]!;
          bOuts[c] = next[c]!;
        }
        for (let x = 0; x < nX; x++) bIns[nC + nK + x] = ins[nC + nK + x]! + i * xRow[x]!;
        for (let y = 0; y < nY; y++) bOuts[nK + y] = outs[nK + y]! + i * yRow[y]!;
        body.run(ws, bIns, bOuts);
      }
    },
  };
}

function whileStep(e: JaxprEqn, compile: BodyCompiler): LoopStep {
  const p = e.params as WhileParams;
  const cond = compile(p.condJaxpr);
  const body = compile(p.bodyJaxpr);
  const nCC = p.condNconsts;
  const nBC = p.bodyNconsts;
  const nK = e.outBinders.length;
  const carryBytes = e.outBinders.map((v) => bytesOf(v.aval));
  const arena = alignUp(Math.max(cond.arenaBytes, body.arenaBytes));
  const carryAt: number[] = [];
  let spare = arena + ALIGN; // the predicate's byte first
  for (const b of carryBytes) {
    carryAt.push(spare);
    spare += alignUp(b);
  }
  const cIns = new Array<number>(nCC + nK).fill(0);
  const bIns = new Array<number>(nBC + nK).fill(0);
  const bOuts = new Array<number>(nK).fill(0);
  const predOut = [0];
  // Ping-pong between the step's outputs and a spare set in the workspace.
  const bufs: number[][] = [new Array<number>(nK).fill(0), new Array<number>(nK).fill(0)];
  return {
    workspace: spare,
    parallel: cond.parallel || body.parallel,
    run(ins, outs, ws) {
      for (let c = 0; c < nK; c++) {
        bufs[0]![c] = outs[c]!;
        bufs[1]![c] = ws + carryAt[c]!;
        copy(outs[c]!, ins[nCC + nBC + c]!, carryBytes[c]!);
      }
      for (let i = 0; i < nCC; i++) cIns[i] = ins[i]!;
      for (let i = 0; i < nBC; i++) bIns[i] = ins[nCC + i]!;
      predOut[0] = ws + arena;
      const pred = ws + arena;
      let k = 0;
      for (;;) {
        const cur = bufs[k % 2]!;
        for (let c = 0; c < nK; c++) cIns[nCC + c] = cur[c]!;
        cond.run(ws, cIns, predOut);
        heap();
        if (bytes8[pred] === 0) break;
        const next = bufs[1 - (k % 2)]!;
        for (let c = 0; c < nK; c++) {
          bIns[nBC + c] = cur[c]!;
          bOuts[c] = next[c]!;
        }
        body.run(ws, bIns, bOuts);
        k++;
      }
      if (k % 2 === 1) for (let c = 0; c < nK; c++) copy(outs[c]!, bufs[1]![c]!, carryBytes[c]!);
    },
  };
}

function condStep(e: JaxprEqn, compile: BodyCompiler): LoopStep {
  const p = e.params as CondParams;
  const branches = p.branches.map((b) => compile(b));
  const ops = new Array<number>(e.inputs.length - 1).fill(0);
  return {
    workspace: alignUp(Math.max(0, ...branches.map((b) => b.arenaBytes))),
    parallel: branches.some((b) => b.parallel),
    run(ins, outs, ws) {
      heap();
      const index = words32[ins[0]! >> 2]!;
      const i = Math.min(Math.max(index, 0), branches.length - 1);
      for (let k = 0; k < ops.length; k++) ops[k] = ins[k + 1]!;
      branches[i]!.run(ws, ops, outs);
    },
  };
}
