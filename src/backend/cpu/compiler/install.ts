/**
 * Registers the CPU backend (backend/cpu/backend.ts) as the default: jit
 * compiles through its compiler and large eager operations run its kernels,
 * both while the `jaxts_compile` flag is on.
 */
import { registerBackend } from "../../../core/backend.js";
import { cpuBackend, setCpuTarget } from "../backend.js";

export function installCompiler(): void {
  setCpuTarget();
  registerBackend(cpuBackend);
}
