/**
 * What the kernel code generator (wasm.ts) needs from a WebAssembly builder:
 * locals, constants, structured control flow, and instructions by their
 * text-format names ("f32.add", "i32.load", "f32x4.extract_lane"...) with
 * their immediates. The project's emitter implements it.
 */
export type {
  FunctionBuilder as Asm,
  ModuleBuilder as AsmModule,
  ValType,
} from "../../wasm/emitter.js";
