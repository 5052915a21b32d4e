/**
 * Library kernels per backend platform (core/library.ts): a primitive whose
 * impl is a library kernel runs the default platform's kernel that matches,
 * and without one raises an error naming the primitive and the platform.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type ArrayImpl, hostValues, ArrayImpl as Impl } from "../../src/core/array.js";
import {
  findLibraryKernel,
  libraryImpl,
  registerLibraryKernel,
  setLibraryPlatform,
} from "../../src/core/library.js";
import { numpy as jnp, lax } from "../../src/index.js";

afterEach(() => setLibraryPlatform("cpu"));

describe("library kernels", () => {
  it("the CPU backend registers the convolution and window kernels", () => {
    const x = jnp.ones([1, 1, 4, 4]) as ArrayImpl;
    const w = jnp.ones([1, 1, 2, 2]) as ArrayImpl;
    const params = { window_strides: [1, 1] };
    expect(findLibraryKernel("conv_general_dilated", [x, w], params)).not.toBeNull();
    const y = lax.convGeneralDilated(x, w, [1, 1], "VALID");
    expect(y.shape).toEqual([1, 1, 3, 3]);
    expect(jnp.max(y).item()).toBe(4);
  });
  it("another platform without kernels is a named error, not a fallback", () => {
    const x = jnp.ones([1, 1, 4, 4]);
    setLibraryPlatform("webgpu");
    expect(() => lax.reduceWindow(x, 0, "add", [1, 1, 2, 2], [1, 1, 1, 1], "VALID")).toThrow(
      /reduce_window_sum: the 'webgpu' backend registers no library kernel 'reduce_window_sum'/,
    );
  });
  it("the CPU backend registers the product, gather/scatter and sort kernels", () => {
    const x = jnp.arange(6, undefined, undefined, "float32").reshape([2, 3]) as ArrayImpl;
    const names = ["dot_general", "gather", "sort", "top_k"];
    for (const s of ["", "_add", "_sub", "_mul", "_min", "_max"]) names.push(`scatter${s}`);
    for (const name of names) expect(findLibraryKernel(name, [x], {}), name).not.toBeNull();
    expect(lax.dot(x, x.T).toArray()).toEqual([
      [5, 14],
      [14, 50],
    ]);
    expect(lax.sort(jnp.array([3, 1, 2])).toArray()).toEqual([1, 2, 3]);
  });
  it("sorts, products and gathers on a platform without kernels are named errors", () => {
    const x = jnp.array([3, 1, 2]);
    const idx = jnp.array([[0]], "int32");
    setLibraryPlatform("webgpu");
    expect(() => lax.sort(x)).toThrow(
      /sort: the 'webgpu' backend registers no library kernel 'sort'/,
    );
    expect(() => lax.topK(x, 1)).toThrow(/top_k: the 'webgpu' backend registers no library kernel/);
    expect(() => lax.dot(x, x)).toThrow(/dot_general: the 'webgpu' backend registers no library/);
    const dims = { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] };
    expect(() => lax.gather(x, idx, dims, [1])).toThrow(
      /gather: the 'webgpu' backend registers no/,
    );
    expect(() => x.at(0).add(1)).toThrow(/scatter_add: the 'webgpu' backend registers no/);
  });
  it("the CPU backend registers the shape, slicing, reduction and matrix kernels", () => {
    const x = jnp.arange(6, undefined, undefined, "float32").reshape([2, 3]) as ArrayImpl;
    const names = ["broadcast_in_dim", "reshape", "transpose", "squeeze", "concatenate", "pad"];
    names.push("rev", "iota", "slice", "dynamic_slice", "dynamic_update_slice", "argmax", "argmin");
    for (const r of ["sum", "prod", "max", "min", "and", "or", "xor"]) names.push(`reduce_${r}`);
    names.push(
      "cholesky",
      "triangular_solve",
      "lu",
      "lu_pivots_to_permutation",
      "qr",
      "eigh",
      "svd",
    );
    for (const name of names) expect(findLibraryKernel(name, [x], {}), name).not.toBeNull();
    expect(lax.rev(lax.slice(x, [0, 1], [2, 3]), [1]).toArray()).toEqual([
      [2, 1],
      [5, 4],
    ]);
  });
  it("shapes, slices, reductions and factorizations on a platform without kernels are named errors", () => {
    const x = jnp.array([3, 1, 2]);
    const i = jnp.array(1, "int32");
    const m = jnp.array([
      [2, 1],
      [1, 2],
    ]);
    const piv = jnp.array([1, 1], "int32");
    setLibraryPlatform("webgpu");
    const missing = (name: string) =>
      new RegExp(`^${name}: the 'webgpu' backend registers no library kernel '${name}'`);
    expect(() => jnp.ones([2, 2])).toThrow(missing("broadcast_in_dim"));
    expect(() => lax.broadcastedIota("int32", [2, 2], 0)).toThrow(missing("iota"));
    expect(() => lax.transpose(x.reshape([3, 1]), [1, 0])).toThrow(missing("reshape"));
    expect(() => lax.concatenate([x, x], 0)).toThrow(missing("concatenate"));
    expect(() => lax.pad(x, 0, [[1, 1, 0]])).toThrow(missing("pad"));
    expect(() => lax.rev(x, [0])).toThrow(missing("rev"));
    expect(() => lax.slice(x, [1], [2])).toThrow(missing("slice"));
    // Dynamic slices clamp their indices first: elementwise work, which runs on the platform too.
    const noElementwise = /^the 'webgpu' backend registers no elementwise runner/;
    expect(() => lax.dynamicSlice(x, [i], [1])).toThrow(noElementwise);
    expect(() => lax.dynamicUpdateSlice(x, x, [i])).toThrow(noElementwise);
    expect(() => lax.add(x, x)).toThrow(noElementwise);
    expect(() => lax.cumsum(x)).toThrow(missing("cumsum"));
    expect(() => lax.igamma(jnp.array(1.0), jnp.array(2.0))).toThrow(missing("igamma"));
    expect(() => lax.reduceSum(x, [0])).toThrow(missing("reduce_sum"));
    expect(() => lax.reduceMax(x, [0])).toThrow(missing("reduce_max"));
    expect(() => lax.argmax(x, 0)).toThrow(missing("argmax"));
    expect(() => lax.argmin(x, 0)).toThrow(missing("argmin"));
    expect(() => lax.linalg.cholesky(m, { symmetrizeInput: false })).toThrow(missing("cholesky"));
    expect(() => lax.linalg.qr(m)).toThrow(missing("qr"));
    expect(() => lax.linalg.eigh(m, { symmetrizeInput: false })).toThrow(missing("eigh"));
    expect(() => lax.linalg.svd(m)).toThrow(missing("svd"));
    expect(() => lax.linalg.lu(m)).toThrow(missing("lu"));
    expect(() => lax.linalg.luPivotsToPermutation(piv, 2)).toThrow(
      missing("lu_pivots_to_permutation"),
    );
    expect(() => lax.linalg.triangularSolve(m, m, { leftSide: true })).toThrow(
      missing("triangular_solve"),
    );
  });
  it("picks the first kernel whose match takes the operands", () => {
    const run = (tag: number) => (args: readonly ArrayImpl[]) => [
      Impl.scalar(tag + args.length, "float32"),
    ];
    registerLibraryKernel<{ big: boolean }>("test", "pick", {
      match: (_a, p) => p.big,
      run: run(10),
    });
    registerLibraryKernel<{ big: boolean }>("test", "pick", { match: () => true, run: run(20) });
    setLibraryPlatform("test");
    const impl = libraryImpl<{ big: boolean }>("pick");
    const one = [Impl.scalar(1, "float32")];
    expect(hostValues(impl(one, { big: true })[0]!)[0]).toBe(11);
    expect(hostValues(impl(one, { big: false })[0]!)[0]).toBe(21);
    registerLibraryKernel<object>("test", "never", { match: () => false, run: run(0) });
    expect(() => libraryImpl("never")(one, {})).toThrow(
      /never: no 'test' library kernel takes operands \(f32\[\]\)/,
    );
  });
});
