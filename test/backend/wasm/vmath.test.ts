import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModuleBuilder } from "../../../src/backend/wasm/emitter.js";
import {
  type FmaMode,
  fmaMode,
  fmaProbe,
  setFmaModeForTesting,
} from "../../../src/backend/wasm/fma.js";
import { emitF32, emitF32x4, VMATH_OPS, type VMathOp } from "../../../src/backend/wasm/vmath.js";
import * as sp from "../../../src/ir/special.js";

/** erf in float64: e^{-x²}·2/√π·Σ 2^n x^{2n+1}/(2n+1)!! (positive terms, no cancellation). */
function erf64(x: number): number {
  const ax = Math.abs(x);
  if (Number.isNaN(x)) return Number.NaN;
  if (ax >= 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
  return x < 0 || Object.is(x, -0) ? -r : r;
}

/**
 * Every op computes XLA:CPU's float32 algorithm, so its reference is the
 * evaluator's float32 function (ir/special.ts), bit for bit.
 */
const REFERENCE: Record<VMathOp, (x: number) => number> = {
  exp: sp.xlaExpF32,
  expm1: sp.xlaExpm1F32,
  log: sp.xlaLogF32,
  log1p: sp.xlaLog1pF32,
  tanh: sp.xlaTanhF32,
  logistic: sp.xlaLogisticF32,
  erf: sp.xlaErfF32,
};

/** Max ulps measured over the sweep (stated in vmath.ts); the test asserts these bounds. */
const MAX_ULPS: Record<VMathOp, number> = {
  exp: 0,
  expm1: 0,
  log: 0,
  log1p: 0,
  tanh: 0,
  logistic: 0,
  erf: 0,
};

/** Position of a float32 on the number line in ulps (monotonic; ±0 both map to 0). */
function ordinal(bits: number): number {
  return bits >= 0 ? bits : -(bits & 0x7fffffff);
}

type Kernel = (src: number, dst: number, n: number) => void;
let memory: WebAssembly.Memory;
let kernels: Record<string, Kernel>;
/** The kernels built in each fma mode (wasm/fma.ts), by mode. */
const kernelsByMode: Partial<Record<FmaMode, Record<string, Kernel>>> = {};

/** `v_<op>`: f32x4 loop over n (a multiple of 4) floats; `s_<op>`: the scalar form. */
function buildKernels(): Record<string, Kernel> {
  const mb = new ModuleBuilder({ sharedMemory: false });
  for (const op of VMATH_OPS) {
    mb.addKernel(`v_${op}`, 3, (f) => {
      const i = f.local("i32");
      const x = f.local("v128");
      f.forLoop(
        i,
        0,
        () => f.get(2).i32(4).i32Mul(),
        16,
        () => {
          f.get(0).get(i).i32Add().v128Load().set(x);
          f.get(1).get(i).i32Add();
          emitF32x4(f, op, x);
          f.v128Store();
        },
      );
    });
    mb.addKernel(`s_${op}`, 3, (f) => {
      const i = f.local("i32");
      const x = f.local("f32");
      f.forLoop(
        i,
        0,
        () => f.get(2).i32(4).i32Mul(),
        4,
        () => {
          f.get(0).get(i).i32Add().f32Load().set(x);
          f.get(1).get(i).i32Add();
          emitF32(f, op, x);
          f.f32Store();
        },
      );
    });
  }
  return new WebAssembly.Instance(mb.compile(), { env: { memory } }).exports as unknown as Record<
    string,
    Kernel
  >;
}

/** Every 2^12-th float32 bit pattern of both signs, the specials, and random floats. */
function sweep(): Float32Array {
  const out: number[] = [];
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  for (let b = 0; b < 2 ** 32; b += 4096 + 1) {
    bits[0] = b;
    out.push(f[0]!);
  }
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let k = 0; k < 200000; k++) out.push((rand() - 0.5) * 2 ** (rand() * 20 - 10));
  out.push(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN);
  out.push(1.4e-45, -1.4e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1, -1);
  out.push(88.72283, 88.72284, -87.33654, -103.97208, -103.97209, 9.01, 3.92, -0.5);
  while (out.length % 4 !== 0) out.push(0.25);
  return Float32Array.from(out);
}

let inputs: Float32Array;
const SRC = 0;
let DST = 0;

beforeAll(() => {
  inputs = sweep();
  DST = inputs.length * 4;
  memory = new WebAssembly.Memory({ initial: Math.ceil((inputs.length * 8) / 65536) + 1 });
  new Float32Array(memory.buffer, SRC, inputs.length).set(inputs);
  for (const mode of MODES) {
    setFmaModeForTesting(mode);
    kernelsByMode[mode] = buildKernels();
  }
  setFmaModeForTesting(null);
});

afterAll(() => setFmaModeForTesting(null));

/** relaxed_madd's mode runs where the engine validates it and fuses it (Node >= 22; Node 20 with --experimental-wasm-relaxed-simd). */
const MODES: readonly FmaMode[] = fmaProbe().fused ? ["emulated", "relaxed"] : ["emulated"];

describe("fma capability (wasm/fma.ts)", () => {
  it("chooses relaxed_madd exactly when it validates and is fused", () => {
    const p = fmaProbe();
    expect(p.mode).toBe(p.validates && p.fused ? "relaxed" : "emulated");
    expect(fmaMode()).toBe(p.mode);
    if (!p.validates) expect(p.fused).toBe(false);
  });

  it("turns relaxed SIMD on in Node 20 and 21, and rejects relaxed_madd exactly when the probe says so", () => {
    const major = Number(process.versions.node.split(".")[0]);
    // The probe sets --experimental-wasm-relaxed-simd on the Node versions that flag it.
    if (major >= 20) expect(fmaProbe().validates).toBe(true);
    // A module with relaxed_madd is rejected exactly when the probe says so.
    const mb = new ModuleBuilder({ sharedMemory: false });
    mb.addFunction("f", [], [], (f) => {
      f.op("v128.const", ...new Array<number>(16).fill(0)).op(
        "v128.const",
        ...new Array<number>(16).fill(0),
      );
      f.op("v128.const", ...new Array<number>(16).fill(0))
        .op("f32x4.relaxed_madd")
        .op("drop");
    });
    expect(WebAssembly.validate(mb.build())).toBe(fmaProbe().validates);
  });

  it("the test hook forces a mode and gives the probe's back", () => {
    setFmaModeForTesting("emulated");
    expect(fmaMode()).toBe("emulated");
    setFmaModeForTesting(null);
    expect(fmaMode()).toBe(fmaProbe().mode);
  });
});

function run(name: string): Float32Array {
  kernels[name]!(SRC, DST, inputs.length);
  return new Float32Array(memory.buffer, DST, inputs.length).slice();
}

describe.each(MODES)("vectorized float32 math, fma %s", (mode) => {
  beforeAll(() => {
    kernels = kernelsByMode[mode]!;
  });

  it("reference erf agrees with scipy.special.erf", () => {
    const scipy: [number, number][] = [
      [1e-3, 0.0011283787909692363],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497148],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [3.7, 0.9999998328489421],
    ];
    for (const [x, y] of scipy) expect(Math.abs(erf64(x) - y)).toBeLessThan(4e-16);
  });

  for (const op of VMATH_OPS) {
    it(`${op}: within ${MAX_ULPS[op]} ulps of float64 Math over the float32 range`, () => {
      const got = run(`v_${op}`);
      const bits = new Int32Array(got.buffer);
      const want = new Float32Array(inputs.length);
      for (let i = 0; i < inputs.length; i++) want[i] = REFERENCE[op](inputs[i]!);
      const wantBits = new Int32Array(want.buffer);
      let worst = 0;
      let worstAt = 0;
      const wrong: string[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const w = want[i]!;
        const g = got[i]!;
        if (Number.isNaN(w) || Number.isNaN(g) || (w === 0 && g === 0)) {
          // NaN where the reference is NaN; exact zeros keep their sign (tanh(-0) = -0).
          if (!Object.is(g, w)) wrong.push(`${op}(${inputs[i]}) = ${g}, want ${w}`);
          continue;
        }
        const d = Math.abs(ordinal(bits[i]!) - ordinal(wantBits[i]!));
        if (d > worst) {
          worst = d;
          worstAt = i;
        }
      }
      expect(wrong.slice(0, 10)).toEqual([]);
      expect(
        worst,
        `${op}: ${worst} ulps at x = ${inputs[worstAt]} (got ${got[worstAt]}, want ${want[worstAt]})`,
      ).toBeLessThanOrEqual(MAX_ULPS[op]);
    });

    it(`${op}: the scalar form gives the vector form's bits`, () => {
      const v = new Int32Array(run(`v_${op}`).buffer);
      const s = new Int32Array(run(`s_${op}`).buffer);
      let same = true;
      for (let i = 0; i < v.length; i++) {
        // NaN payloads may differ; both are NaN then.
        if (
          v[i] !== s[i] &&
          !((v[i]! & 0x7fc00000) === 0x7fc00000 && (s[i]! & 0x7fc00000) === 0x7fc00000)
        )
          same = false;
      }
      expect(same).toBe(true);
    });
  }
});
