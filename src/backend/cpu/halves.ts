/**
 * The half dtypes (float16, bfloat16) on the CPU, as XLA:CPU computes them:
 * stored at their width (Uint16Array bit patterns, src/half.ts), computed in
 * float32. Every application of a primitive that takes or makes a half
 * array runs here: its half operands widen to float32 arrays (exactly),
 * dtype params naming a half dtype name float32, the primitive's float32
 * kernel runs (the same kernels, float32 functions and accumulation as for
 * float32), and each half output is rounded to its format (to nearest, ties
 * to even). So every primitive rounds once, at its result, as each HLO
 * instruction does after XLA's float-normalization pass: a reduction or a
 * dot accumulates in float32 and rounds its result, a sort compares values
 * and moves them exactly. (Moving values through float32 keeps every
 * half value; a NaN comes back as the format's quiet NaN with its sign.)
 *
 * Both the eager path (backend.ts's hook) and the compiled programs' JS
 * steps (compiler/program.ts) call `runHalves`; the WebAssembly compiler
 * never sees a half dtype (compiler/lower.ts's `eqnKind` makes such
 * equations 'other', run by these kernels inside the program), so jit
 * equals eager bit for bit. The kernels (kernels/, ir/eval.ts) never see a
 * pattern.
 */
import { ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
import type { AnyPrimitive } from "../../core/primitive.js";
import { isHalf } from "../../dtype.js";
import { decodeBfloat16, decodeFloat16, encodeBfloat16, encodeFloat16 } from "../../half.js";
import { cpuArray, cpuData } from "./buffer.js";
import { holdsJaxpr, type Run, takesDtype } from "./special_dtypes.js";

/** Collectives move and reduce half values themselves (devices/collectives.ts). */
const COLLECTIVES = new Set(["psum", "pmax", "pmin", "all_gather", "ppermute", "psum_scatter"]);

function namesHalf(v: unknown): boolean {
  return v === "float16" || v === "bfloat16";
}

/** A half array's values as a float32 array (exact). */
export function widenHalf(x: ArrayImpl): ArrayImpl {
  const bits = cpuData(x) as Uint16Array;
  const out = new Float32Array(bits.length);
  if (x.dtype === "float16") decodeFloat16(bits, out);
  else decodeBfloat16(bits, out);
  return cpuArray(new ShapedArray(x.shape, "float32", x.weakType), out);
}

/** Float values rounded to the half dtype of `aval` (to nearest, ties to even). */
export function narrowHalf(values: ArrayLike<number>, aval: ShapedArray): ArrayImpl {
  const bits = new Uint16Array(values.length);
  if (aval.dtype === "float16") encodeFloat16(values, bits);
  else encodeBfloat16(values, bits);
  return cpuArray(aval, bits);
}

/**
 * The application of `prim` when a half dtype takes part (in an operand, an
 * output or a dtype param), computed as the module header says; null when
 * none does, for primitives holding jaxprs (control flow, calls), whose
 * inner equations each come back here, and for the collectives.
 */
export function runHalves(
  prim: AnyPrimitive,
  args: readonly ArrayImpl[],
  params: object,
  run: Run,
): ArrayImpl[] | null {
  if (!takesDtype(args, params, namesHalf) || holdsJaxpr(params)) return null;
  const entries = Object.entries(params);
  if (COLLECTIVES.has(prim.name)) return null;
  const outAvals = prim.rules.abstractEval(
    args.map((a) => a.aval),
    params,
  );
  const wide = args.map((a) => (isHalf(a.dtype) ? widenHalf(a) : a));
  const wideParams = entries.some(([, v]) => namesHalf(v))
    ? (Object.fromEntries(entries.map(([k, v]) => [k, namesHalf(v) ? "float32" : v])) as object)
    : params;
  const rs = run(wide, wideParams);
  return rs.map((r, i) => {
    const aval = outAvals[i] ?? r.aval;
    if (isHalf(aval.dtype)) return narrowHalf(cpuData(r), aval);
    return aval.equals(r.aval) ? r : new ArrayImpl(aval, r.buffer);
  });
}
