/**
 * Small kernel modules for the thread pool's tests, built with the project's
 * emitter: each export takes (pointers..., start, end) over float32 elements
 * and imports env.memory.
 */
import { type FunctionBuilder, ModuleBuilder } from "../../src/backend/wasm/emitter.js";

/** Pushes the byte address base + 4 i. */
const at = (f: FunctionBuilder, base: number, i: number) =>
  f.get(base).get(i).i32(2).op("i32.shl").op("i32.add");

/** dst[i] += 1 for i in [start, end) (locals: dst, start, end; start is advanced). */
const increment = (f: FunctionBuilder, dst: number, start: number, end: number) =>
  f.forLoop(
    start,
    () => f.get(start),
    () => f.get(end),
    1,
    () => {
      at(f, dst, start);
      at(f, dst, start).f32Load().f32(1).op("f32.add").f32Store();
    },
  );

/**
 * The test module:
 *   affine(src, dst, start, end):   dst[i] = sqrt(src[i]·1.5 + 0.25) / (src[i] + 3)
 *   exp(src, dst, start, end):      dst[i] = f32(Math.exp(src[i]))   (an imported JS function)
 *   increment(dst, start, end):     dst[i] += 1
 *   trapAt(k, dst, start, end):     dst[i] += 1, then traps (unreachable) if start <= k < end
 * importing env.memory as a shared memory (or not).
 */
export function testModule(sharedMemory = true): WebAssembly.Module {
  const mb = new ModuleBuilder({ sharedMemory });
  const exp = mb.importMath("exp", 1);
  mb.addKernel("affine", 4, (f) => {
    f.forLoop(
      2,
      () => f.get(2),
      () => f.get(3),
      1,
      () => {
        at(f, 1, 2);
        at(f, 0, 2).f32Load().f32(1.5).op("f32.mul").f32(0.25).op("f32.add").op("f32.sqrt");
        at(f, 0, 2).f32Load().f32(3).op("f32.add").op("f32.div");
        f.f32Store();
      },
    );
  });
  mb.addKernel("exp", 4, (f) => {
    f.forLoop(
      2,
      () => f.get(2),
      () => f.get(3),
      1,
      () => {
        at(f, 1, 2);
        at(f, 0, 2).f32Load().op("f64.promote_f32").call(exp).op("f32.demote_f64").f32Store();
      },
    );
  });
  mb.addKernel("increment", 3, (f) => increment(f, 0, 1, 2));
  mb.addKernel("trapAt", 4, (f) => {
    const from = f.local("i32");
    f.get(2).set(from);
    increment(f, 1, 2, 3);
    f.get(0).get(from).op("i32.ge_s").get(0).get(3).op("i32.lt_s").op("i32.and");
    f.if_().unreachable().end();
  });
  return mb.compile();
}
