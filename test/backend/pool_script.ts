/**
 * A JavaScript kernel for the pool's tests (workers import this file): it
 * calls parallelFor itself, as a kernel driving other kernels would.
 */
import { poolFor } from "../../src/backend/cpu/pool.js";
import { testModule } from "./pool_kernels.js";

let mod: WebAssembly.Module | null = null;

/** dst[i] += 1 for i in [start, end), through a nested parallelFor on the same memory. */
export function nestedIncrement(
  memory: WebAssembly.Memory,
  dst: number,
  start: number,
  end: number,
): void {
  mod ??= testModule();
  poolFor(memory).parallelFor(mod, "increment", [dst + start * 4], end - start, 1);
}
