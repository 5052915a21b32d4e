/**
 * Eager elementwise kernels of the CPU: a primitive's lowering (its scalar
 * function in the kernel IR) compiled by the IR's JS evaluator into one
 * closure per operand dtypes and params, cached per primitive, and mapped
 * over the flat operands (of the output's shape, or 0-d). Also the binary
 * special functions the IR has no op for (the incomplete gamma functions),
 * as plain JS loops. Large eager operations run compiled WebAssembly
 * instead (compiler/eager.ts); these serve the small ones.
 */

import type { ArrayImpl } from "../../../core/array.js";
import type { ShapedArray } from "../../../core/aval.js";
import {
  registerElementwiseRunner,
  registerLibraryKernel,
  type ScalarEmit,
} from "../../../core/library.js";
import { allocate, type DType, isComplex } from "../../../dtype.js";
import { compileScalar, type ElementwiseKernel } from "../../../ir/eval.js";
import { igammacKernel, igammaGradAKernel, igammaKernel } from "../../../lax/special_igamma.js";
import { cpuArray, cpuData } from "../buffer.js";

const DTYPE_CODE: Readonly<Record<DType, number>> = {
  bool: 1,
  int32: 2,
  uint32: 3,
  float32: 4,
  float64: 5,
  int8: 6,
  uint8: 7,
  int16: 8,
  uint16: 9,
  float16: 10,
  bfloat16: 11,
  complex64: 12,
  complex128: 13,
  int64: 14,
  uint64: 15,
};

/**
 * A cache key for an elementwise kernel's params (plain data: exponents,
 * dtypes, rounding methods), or null when there are none: no string is
 * built for the common, parameterless case.
 */
function paramsKey(code: number, params: object): string | null {
  let key: string | null = null;
  for (const k in params) {
    const v = (params as Record<string, unknown>)[k];
    if (v !== null && typeof v === "object") return `${code}${JSON.stringify(params)}`;
    key = `${key ?? code}|${String(v)}`;
  }
  return key;
}

/** The eager kernel of one primitive: its compiled closures, by operand dtypes (and params). */
function runElementwise<P>(
  emit: ScalarEmit<P>,
): (args: readonly ArrayImpl[], params: P, out: ShapedArray) => ArrayImpl {
  const byDtypes = new Map<number, ElementwiseKernel>();
  const byParams = new Map<string, ElementwiseKernel>();
  return (args, params, out) => {
    let code = 0;
    for (let i = 0; i < args.length; i++) code = code * 16 + DTYPE_CODE[args[i]!.dtype];
    const key = paramsKey(code, params as object);
    let kernel = key === null ? byDtypes.get(code) : byParams.get(key);
    if (kernel === undefined) {
      // Complex values are pairs the IR does not know: they run in ../complex.ts, never here.
      if (isComplex(out.dtype) || args.some((a) => isComplex(a.dtype))) {
        throw new Error(
          `internal: complex operands reached the real elementwise kernel (${args.map((a) => a.dtype).join(", ")} → ${out.dtype})`,
        );
      }
      kernel = compileScalar(
        emit,
        args.map((a) => a.dtype),
        params,
      );
      if (key === null) byDtypes.set(code, kernel);
      else byParams.set(key, kernel);
    }
    const data = allocate(out.dtype, out.size);
    kernel(
      args.length === 1
        ? [cpuData(args[0]!)]
        : args.length === 2
          ? [cpuData(args[0]!), cpuData(args[1]!)]
          : args.map(cpuData),
      data,
    );
    return cpuArray(out, data);
  };
}

registerElementwiseRunner("cpu", runElementwise);

type F2 = (a: number, b: number) => number;

/** A binary JS kernel over operands of one float dtype and shape (the type rule checked them). */
function binaryJs(name: string, f: F2): void {
  registerLibraryKernel("cpu", name, {
    match: ([x]) => x!.dtype === "float32" || x!.dtype === "float64",
    run: ([x, y]) => {
      const a = cpuData(x!);
      const b = cpuData(y!);
      const out = allocate(x!.dtype, a.length);
      for (let i = 0; i < out.length; i++) out[i] = f(a[i]!, b[i]!);
      return [cpuArray(x!.aval.withDtype(x!.dtype, x!.weakType && y!.weakType), out)];
    },
  });
}

binaryJs("igamma", igammaKernel);
binaryJs("igammac", igammacKernel);
binaryJs("igamma_grad_a", igammaGradAKernel);
