/**
 * Registration of the CPU backend's library kernels (core/library.ts) that
 * take every call of their primitive: no match condition on dtypes or
 * layouts, as most of this folder's kernels.
 */
import { type LibraryKernel, registerLibraryKernel } from "../../../core/library.js";

const always = (): boolean => true;

/** Registers `run` as the CPU kernel of library name `name`, for all operands and params. */
export function registerCpuKernel<P>(name: string, run: LibraryKernel<P>["run"]): void {
  registerLibraryKernel<P>("cpu", name, { match: always, run });
}
