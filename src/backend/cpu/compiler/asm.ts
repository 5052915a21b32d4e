/**
 * What the kernel code generator needs from a WebAssembly function builder:
 * locals, constants, structured control flow, and instructions by their
 * text-format names ("f32.add", "i32.load", "f32x4.extract_lane"...) with
 * their immediates. `wasm.ts` writes kernels against this interface; it is
 * implemented on the project's emitter (src/backend/wasm/emitter.ts).
 */
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";

export interface Asm {
  local(t: ValType): number;
  get(i: number): this;
  set(i: number): this;
  tee(i: number): this;
  i32(v: number): this;
  f32(v: number): this;
  f64(v: number): this;
  /** An instruction by its text-format name; memory ops take (align log2, offset), lane ops their lane. */
  op(name: string, ...immediates: number[]): this;
  block(): this;
  loop(): this;
  if_(): this;
  else_(): this;
  end(): this;
  br(depth: number): this;
  brIf(depth: number): this;
  call(fn: number): this;
}

/** A module of kernels: imports (memory, Math functions), exported functions, then compilation. */
export interface AsmModule {
  /** Imports Math.<name> taking and returning f64 (arity 1 or 2); returns the function index. */
  importMath(name: string, arity: 1 | 2): number;
  /** Adds an exported function with i32 params and no result. */
  addKernel(name: string, nParams: number, build: (a: Asm) => void): void;
  compile(): WebAssembly.Module;
}
