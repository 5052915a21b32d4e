/**
 * What the CPU's runners for the dtypes its kernels do not compute natively
 * share — halves.ts (float16, bfloat16: computed in float32), complex.ts
 * (complex64/128: computed on their parts) and int64.ts (int64/uint64: on
 * their words or as BigInts): deciding whether an application of a
 * primitive is theirs. Each runner takes an application when an operand has
 * one of its dtypes or a param names one (convert_element_type's new_dtype,
 * iota's dtype...), except applications of primitives holding jaxprs
 * (control flow, calls), whose inner equations each come back to the
 * runners one by one.
 */
import type { ArrayImpl } from "../../core/array.js";
import { ClosedJaxpr, Jaxpr } from "../../core/jaxpr.js";

/** How a runner computes an application with the dtypes it maps to (the real kernels). */
export type Run = (args: ArrayImpl[], params: object) => ArrayImpl[];

/**
 * Whether an operand's dtype or a param's value is one `names` picks. No
 * allocation: the eager path asks on every operation.
 */
export function takesDtype(
  args: readonly ArrayImpl[],
  params: object,
  names: (v: unknown) => boolean,
): boolean {
  for (let i = 0; i < args.length; i++) if (names(args[i]!.dtype)) return true;
  for (const k in params) if (names((params as Record<string, unknown>)[k])) return true;
  return false;
}

function isJaxpr(v: unknown): boolean {
  if (v instanceof ClosedJaxpr || v instanceof Jaxpr) return true;
  return globalThis.Array.isArray(v) && v.some(isJaxpr);
}

/** Whether a param holds a jaxpr (or a list of them): control flow and calls. */
export function holdsJaxpr(params: object): boolean {
  for (const k in params) if (isJaxpr((params as Record<string, unknown>)[k])) return true;
  return false;
}
