/**
 * CPU kernels of the primitives between complex and real numbers
 * (lax/complex.ts): `real` and `imag` pick one number of each interleaved
 * pair, `complex` interleaves two real arrays, `conj` negates the imaginary
 * parts (of a real operand: pairs with a zero imaginary part). A 0-d operand
 * of `complex` broadcasts, as every elementwise kernel's.
 */

import { allocate, complexDtype, isComplex, realDtype } from "../../../dtype.js";
import type { ConjParams } from "../../../lax/complex.js";
import { cpuArray, cpuData } from "../buffer.js";
import { registerCpuKernel } from "./register.js";

function part(name: string, offset: 0 | 1): void {
  registerCpuKernel(name, ([x]) => {
    const d = cpuData(x!);
    const n = x!.size;
    const out = allocate(realDtype(x!.dtype), n);
    for (let i = 0; i < n; i++) out[i] = d[2 * i + offset]!;
    return [cpuArray(x!.aval.withDtype(realDtype(x!.dtype), x!.weakType), out)];
  });
}
part("real", 0);
part("imag", 1);

registerCpuKernel("complex", ([x, y]) => {
  const re = cpuData(x!);
  const im = cpuData(y!);
  const shape = x!.size >= y!.size ? x!.shape : y!.shape;
  const n = Math.max(x!.size, y!.size);
  const dtype = complexDtype(x!.dtype);
  const out = allocate(dtype, n);
  const sx = x!.size === 1 ? 0 : 1;
  const sy = y!.size === 1 ? 0 : 1;
  for (let i = 0; i < n; i++) {
    out[2 * i] = re[i * sx]!;
    out[2 * i + 1] = im[i * sy]!;
  }
  return [cpuArray(x!.aval.withShape(shape).withDtype(dtype, x!.weakType && y!.weakType), out)];
});

registerCpuKernel<ConjParams>("conj", ([x]) => {
  const d = cpuData(x!);
  const n = x!.size;
  const dtype = complexDtype(x!.dtype);
  const out = allocate(dtype, n);
  if (isComplex(x!.dtype)) {
    for (let i = 0; i < n; i++) {
      out[2 * i] = d[2 * i]!;
      out[2 * i + 1] = -d[2 * i + 1]!;
    }
  } else {
    // conj of a real number: the number, with imaginary part -0 (JAX's conj of x + 0i).
    for (let i = 0; i < n; i++) {
      out[2 * i] = d[i]!;
      out[2 * i + 1] = -0;
    }
  }
  return [cpuArray(x!.aval.withDtype(dtype, x!.weakType), out)];
});
