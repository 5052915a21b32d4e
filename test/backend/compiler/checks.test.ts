/**
 * Checks and visibility in the CPU compiler: the kernel IR verifier rejects
 * broken kernels, `jaxts_enable_checks` type-checks the jaxpr after each
 * pass, `jaxts_debug` prints each stage through one sink, and an eager
 * application is compiled or not by capability, with compiler exceptions
 * surfacing instead of falling back to the JS kernel.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CompileDebug,
  debugStages,
  setDebugSink,
} from "../../../src/backend/cpu/compiler/debug.js";
import { EAGER_MIN_SIZE } from "../../../src/backend/cpu/compiler/eager.js";
import {
  type CodeTarget,
  compileProgram,
  getDefaultTarget,
  jsTarget,
  setDefaultTarget,
} from "../../../src/backend/cpu/compiler/index.js";
import { installCompiler } from "../../../src/backend/cpu/compiler/install.js";
import { optimize } from "../../../src/backend/cpu/compiler/passes.js";
import {
  affineRange,
  KernelVerifyError,
  verifyKernel,
} from "../../../src/backend/cpu/compiler/verify.js";
import { config, DEBUG_STAGES, parseDebugStages, withFlag } from "../../../src/config.js";
import type { Array } from "../../../src/core/array.js";
import { ShapedArray } from "../../../src/core/aval.js";
import { ClosedJaxpr, Jaxpr, type JaxprEqn, Literal, Var } from "../../../src/core/jaxpr.js";
import { bind } from "../../../src/core/trace.js";
import { jit, numpy as jnp, lax, makeJaxpr } from "../../../src/index.js";
import type { Kernel, Node } from "../../../src/ir/kernel.js";
import { expectClose, seeded } from "../../util/index.js";

let prevCompile = true;
beforeAll(() => {
  installCompiler();
  prevCompile = config.read("jaxts_compile");
  config.update("jaxts_compile", true);
});
afterAll(() => config.update("jaxts_compile", prevCompile));

const jaxprOf = (f: (...xs: Array[]) => unknown, ...args: Array[]): ClosedJaxpr =>
  makeJaxpr(f as (...xs: unknown[]) => unknown)(...args) as ClosedJaxpr;

/** A kernel over [4] adding a0 and a1 into a2 (all float32[4]), with `nodes` replacing its body. */
function kernel(nodes: Node[], over: Partial<Kernel> = {}): Kernel {
  return {
    args: [
      { dtype: "float32", output: false, size: 4 },
      { dtype: "float32", output: false, size: 4 },
      { dtype: "float32", output: true, size: 4 },
    ],
    shape: [4],
    reduced: [false],
    nodes,
    outputs: [{ arg: 2, node: nodes.length - 1 }],
    reduce: null,
    ...over,
  };
}
const load = (arg: number, offset: number, c: number): Node => ({
  op: "load",
  arg,
  index: { offset, coeffs: [c] },
  dtype: "float32",
});
const add = (a: number, b: number): Node => ({ op: "binary", fn: "add", a, b, dtype: "float32" });

describe("kernel IR verifier", () => {
  it("accepts a well-formed kernel, including a reversed (negative-stride) load", () => {
    expect(() =>
      verifyKernel(kernel([load(0, 0, 1), load(1, 3, -1), add(0, 1)]), "t"),
    ).not.toThrow();
    expect(affineRange([4, 3], 10, [-2, 1])).toEqual([4, 12]);
  });

  it("rejects an affine load past its argument for the last loop index", () => {
    const k = kernel([load(0, 1, 1), load(1, 0, 1), add(0, 1)]);
    expect(() => verifyKernel(k, "after lowering")).toThrow(KernelVerifyError);
    expect(() => verifyKernel(k, "after lowering")).toThrow(
      /kernel IR verification failed after lowering: %0 \(load\): index 1\.\.4 over the loop box \[4\] leaves a0 \(4 elements\)\nkernel\[4\] \{/,
    );
    const below = kernel([load(0, 2, -1), load(1, 0, 1), add(0, 1)]);
    expect(() => verifyKernel(below, "t")).toThrow(/index -1\.\.2 over the loop box/);
  });

  it("rejects a forward reference and a dangling output", () => {
    expect(() => verifyKernel(kernel([add(1, 2), load(0, 0, 1), load(1, 0, 1)]), "t")).toThrow(
      /%0 \(binary\): operand a %1 is not an earlier node/,
    );
    const k = kernel([load(0, 0, 1)], { outputs: [{ arg: 2, node: 5 }] });
    expect(() => verifyKernel(k, "t")).toThrow(/output a2 stores %5, which is not a node/);
  });

  it("rejects dtype mismatches: operands, loads, converts, outputs", () => {
    const intLoad: Node = { op: "load", arg: 1, index: { offset: 0, coeffs: [1] }, dtype: "int32" };
    const i32 = kernel([load(0, 0, 1), intLoad, add(0, 1)], {
      args: [
        { dtype: "float32", output: false, size: 4 },
        { dtype: "int32", output: false, size: 4 },
        { dtype: "float32", output: true, size: 4 },
      ],
    });
    expect(() => verifyKernel(i32, "t")).toThrow(
      /%2 \(binary\): operand b %1 is int32, the op computes on float32/,
    );
    const wrongLoad = kernel([intLoad, load(0, 0, 1), add(0, 1)]);
    expect(() => verifyKernel(wrongLoad, "t")).toThrow(/loads int32 from a1 of dtype float32/);
    const conv = kernel([load(0, 0, 1), { op: "convert", x: 0, from: "int32", dtype: "float32" }]);
    expect(() => verifyKernel(conv, "t")).toThrow(/converts from int32 but operand %0 is float32/);
    const cmp = kernel([
      load(0, 0, 1),
      load(1, 0, 1),
      { op: "binary", fn: "lt", a: 0, b: 1, dtype: "float32" },
    ]);
    expect(() => verifyKernel(cmp, "t")).toThrow(/output a2 \(float32\) stores %2 of dtype bool/);
  });

  it("rejects reduced dims without a reduction, wrong output sizes, unstored outputs", () => {
    const body = [load(0, 0, 1), load(1, 0, 1), add(0, 1)];
    expect(() => verifyKernel(kernel(body, { reduced: [true] }), "t")).toThrow(
      /reduced dims without a reduction/,
    );
    const summed = kernel(body, { reduced: [true], reduce: "sum" });
    expect(() => verifyKernel(summed, "t")).toThrow(
      /output a2 holds 4 elements, the kept loop dims span 1/,
    );
    expect(() => verifyKernel(kernel(body, { outputs: [] }), "t")).toThrow(
      /output argument a2 is never stored/,
    );
    expect(() => verifyKernel(kernel(body, { reduced: [] }), "t")).toThrow(
      /0 reduced flags for 1 loop dims/,
    );
  });

  it("every kernel the compiler makes for a mixed program passes", () => {
    const f = (x: Array, w: Array) => {
      const h = jnp.tanh(jnp.dot(x, w)).add(jnp.arange(4).astype("float32"));
      return [jnp.sum(h, 0), jnp.transpose(h).reshape([2, 16]), jnp.max(x, 1)];
    };
    const x = seeded([8, 5], 1);
    const w = seeded([5, 4], 2);
    const closed = jaxprOf(f, x, w);
    for (const target of [jsTarget, getDefaultTarget()]) {
      withFlag("jaxts_enable_checks", true, () => {
        const p = compileProgram(closed, { target });
        for (const s of p.steps) if (s.kind === "kernel") verifyKernel(s.kernel, "t");
        const got = p.exe([x, w].map((a) => a as never));
        const want = f(x, w);
        got.forEach((g, i) => expectClose(g, want[i]!, `output ${i}`));
      });
    }
  });

  it("reshaping an empty broadcast lowers to in-range indices (was a NaN offset)", () => {
    const x = jnp.zeros([0]);
    const closed = jaxprOf((a) => jnp.tile(a, 0), x);
    withFlag("jaxts_enable_checks", true, () => {
      const p = compileProgram(closed);
      for (const s of p.steps) {
        if (s.kind !== "kernel") continue;
        for (const n of s.kernel.nodes) {
          if (n.op === "load") expect(Number.isInteger(n.index.offset)).toBe(true);
        }
      }
      expect(jit((a: Array) => jnp.tile(a, 0))(x).shape).toEqual([0]);
    });
  });
});

describe("jaxts_enable_checks in the compiler", () => {
  it("type-checks the jaxpr after each pass, in pipeline order", () => {
    const closed = jaxprOf((x) => x.mul(1).add(x.mul(1)), jnp.ones([3]));
    const seen: string[] = [];
    optimize(closed.jaxpr, (pass, before, after) => {
      expect(before).toBeInstanceOf(Jaxpr);
      expect(after).toBeInstanceOf(Jaxpr);
      seen.push(pass);
    });
    expect(seen).toEqual([
      "inlineCalls",
      "simplify",
      "cse",
      "simplify",
      "dce",
      "scanProducts",
      "foldTransposedProducts",
      "dce",
    ]);
  });

  it("an exception while folding constants surfaces (was swallowed, leaving the kernel's value)", () => {
    const eqn = jaxprOf((x, y) => lax.add(x, y), jnp.ones([]), jnp.ones([])).jaxpr.eqns[0]!;
    const f32 = new ShapedArray([], "float32");
    const out = new Var(f32);
    const e: JaxprEqn = {
      ...eqn,
      inputs: [new Literal(1, f32), new Literal(2, f32)],
      outBinders: [out],
    };
    const rules = eqn.primitive.rules as { impl: unknown };
    const impl = rules.impl;
    rules.impl = () => {
      throw new RangeError("injected impl failure");
    };
    try {
      expect(() => optimize(new Jaxpr([], [], [e], [out]))).toThrow(/injected impl failure/);
    } finally {
      rules.impl = impl;
    }
    const folded = optimize(new Jaxpr([], [], [e], [out]));
    expect(folded.eqns).toHaveLength(0);
    expect((folded.outs[0] as Literal).value).toBe(3);
  });

  it("names the stage of a broken jaxpr handed to the compiler", () => {
    const add = jaxprOf((x, y) => lax.add(x, y), jnp.ones([2]), jnp.ones([2])).jaxpr.eqns[0]!;
    const a = new Var(new ShapedArray([2], "float32"));
    const c = new Var(new ShapedArray([3], "float32"));
    const e: JaxprEqn = { ...add, inputs: [a, a], outBinders: [c] };
    const broken = new ClosedJaxpr(new Jaxpr([], [a], [e], [c]), []);
    withFlag("jaxts_enable_checks", true, () => {
      expect(() => compileProgram(broken, { label: "test program" })).toThrow(
        /jaxpr type error before the compiler passes \(test program\): equation 0/,
      );
    });
  });

  it("a program compiles and runs the same with checks on", () => {
    const f = jit((x: Array) => jnp.exp(x).sum().add(jnp.max(x)));
    const x = seeded([64, 33], 3);
    const want = f(x);
    withFlag("jaxts_enable_checks", true, () => {
      const g = jit((y: Array) => jnp.exp(y).sum().add(jnp.max(y)));
      expectClose(g(x), want, "checked");
    });
  });
});

describe("jaxts_debug stage dumps", () => {
  let lines: string[] = [];
  let prevSink: ((t: string) => void) | null = null;
  beforeAll(() => {
    prevSink = setDebugSink((t) => lines.push(t));
  });
  afterEach(() => {
    lines = [];
  });
  afterAll(() => {
    if (prevSink !== null) setDebugSink(prevSink);
  });

  it("prints the jaxpr, each pass that changed it, the steps, the kernels and the module", () => {
    const f = jit((x: Array, w: Array) => jnp.tanh(jnp.dot(x, w).mul(1)).sum(0));
    const x = seeded([8, 16], 4);
    const w = seeded([16, 4], 5);
    withFlag("jaxts_debug", "jaxpr,passes,steps,kernels,wasm", () => f(x, w));
    const text = lines.join("\n");
    expect(text).toMatch(/\[jaxts_debug jaxpr\] program \d+ \(jit\) jaxpr to compile:\n\{ lambda/);
    expect(text).toContain("e:f32[8,4] = mul c d");
    // x·1 is gone after the first simplify; unchanged passes print nothing.
    expect(text).toMatch(/\[jaxts_debug passes\] program \d+ \(jit\) after pass simplify:/);
    expect(text).not.toMatch(/after pass foldTransposedProducts/);
    expect(text).toMatch(/\[jaxts_debug steps\] program \d+ \(jit\) 2 steps:/);
    expect(text).toMatch(/0: library dot_general \(a b\) -> \(c\)/);
    expect(text).toMatch(/1: kernel k0 \[8r,4\] reduce_sum \(c\) -> \(/);
    expect(text).toMatch(
      /\[jaxts_debug kernels\] program \d+ \(jit\) kernel k0:\nkernel\[8r,4\] reduce_sum \{/,
    );
    expect(text).toMatch(
      /\[jaxts_debug wasm\] program \d+ \(jit\) WebAssembly module:\n {2}\d+ bytes/,
    );
    expect(text).toMatch(/export k0: function \(2 addresses, start, end\)/);
    expect(text).toMatch(/func \d+: \d+ bytes of code/);
  });

  it("only the stages asked for; an eager step says why it is eager", () => {
    // A sort on two keys still runs its eager kernel (compiler/sort_step.ts sorts one key).
    const f = jit((x: Array) => lax.sort([x.mul(2), x], { numKeys: 2 })[0]!.add(1));
    withFlag("jaxts_debug", " steps ", () => f(seeded([32], 6)));
    const text = lines.join("\n");
    expect(text).not.toMatch(/jaxts_debug (jaxpr|passes|kernels|wasm)/);
    expect(text).toMatch(
      /\d: eager sort \(\w+ \w+\) -> \(\w+ \w+\): the target's library kernel 'sort' does not take this equation/,
    );
  });

  it("eager compilations are labelled with their primitive", () => {
    const big = seeded([EAGER_MIN_SIZE * 2], 7);
    withFlag("jaxts_debug", "jaxpr", () => jnp.exp(big.add(0.5)));
    expect(lines.join("\n")).toMatch(/program \d+ \(eager (add|exp)\) jaxpr to compile/);
  });

  it("stays silent when off, and rejects unknown stage names listing the valid ones", () => {
    withFlag("jaxts_debug", "", () => jit((x: Array) => x.mul(3))(jnp.ones([3])));
    expect(lines).toEqual([]);
    expect(() => config.update("jaxts_debug", "jaxpr,kernal")).toThrow(
      /config.update\('jaxts_debug'\): unknown debug stage 'kernal'; valid: jaxpr, passes, steps, kernels, wasm, profile/,
    );
    expect(() => config.update("jaxts_debug", true as unknown as string)).toThrow(TypeError);
    expect(() => parseDebugStages("wasm,bogus", "JAXTS_DEBUG")).toThrow(
      /JAXTS_DEBUG: unknown debug stage 'bogus'/,
    );
    expect(parseDebugStages("wasm, jaxpr,,wasm", "x")).toEqual(["wasm", "jaxpr"]);
    expect(DEBUG_STAGES).toEqual(["jaxpr", "passes", "steps", "kernels", "wasm", "profile"]);
    withFlag("jaxts_debug", "", () => expect(debugStages().size).toBe(0));
    withFlag("jaxts_debug", "wasm,steps", () =>
      expect([...debugStages()]).toEqual(["wasm", "steps"]),
    );
    const d = new CompileDebug(new Set(["steps"]), "x");
    expect(d.on("steps")).toBe(true);
    expect(d.on("wasm")).toBe(false);
  });
});

describe("eager compilation is decided by capability", () => {
  const n = EAGER_MIN_SIZE * 2;
  const big = seeded([n], 8);
  const failing = (support: CodeTarget["support"]): CodeTarget => ({
    name: "failing-test-target",
    support,
    build: () => {
      throw new Error("injected target failure");
    },
  });
  let saved: CodeTarget | null = null;
  beforeAll(() => {
    saved = getDefaultTarget();
  });
  afterEach(() => {
    if (saved !== null) setDefaultTarget(saved);
  });

  it("a compiler exception surfaces as an internal error naming the primitive", () => {
    setDefaultTarget(failing({ unary: () => true, binary: () => true }));
    expect(() => jnp.exp(big)).toThrow(
      /internal compiler error: compiling the eager application of exp on \(f32\[32768\]\) for target 'failing-test-target' failed \(a bug in jaxts\): injected target failure/,
    );
  });

  it("an application the target cannot compile runs its JS kernel without reaching the compiler", () => {
    // The target supports no op: exp is not compiled, so the failing build is never called.
    setDefaultTarget(failing({ unary: () => false, binary: () => false }));
    const want = withFlag("jaxts_compile", false, () => jnp.exp(big));
    expectClose(jnp.exp(big), want, "exp");
    // Sorting has no kernel lowering on any target.
    const sorted = jnp.sort(big);
    expectClose(
      sorted,
      withFlag("jaxts_compile", false, () => jnp.sort(big)),
      "sort",
    );
  });

  it("invalid arguments still get the primitive's own named error", () => {
    const a = seeded([n / 64, 64], 9);
    const b = seeded([n / 64, 64], 10);
    const dot = jaxprOf((x, y) => jnp.matmul(x, y), jnp.ones([2, 3]), jnp.ones([3, 2])).jaxpr
      .eqns[0]!;
    // Past lax's own checks, straight to the primitive: its abstractEval names the fault.
    const run = () => bind(dot.primitive, [a, b], dot.params);
    expect(run).toThrow(/lax.dotGeneral: lhs contracting dimensions .* must have the same sizes/);
    expect(run).not.toThrow(/internal compiler error/);
  });
});
