/**
 * How vmath.ts emits float32 fused multiply-adds, decided once per process.
 *
 * XLA:CPU's float32 exp/log/log1p (and so logistic) fuse their Horner steps;
 * base WebAssembly SIMD has no fma, so vmath emulates each one on two f64x2
 * halves (exact product, one float64 add, demote: "emulated"). Relaxed SIMD's
 * `f32x4.relaxed_madd` is a*b + c with one rounding *or* two, the engine's
 * choice by CPU (V8: vfmadd on x64 with FMA3, fmla on arm64, else mul + add),
 * so it is used ("relaxed") only when both hold:
 *
 *   validates  the engine accepts a module using relaxed_madd (Node >= 22 and
 *              current Chrome by default; Node 20 with
 *              --experimental-wasm-relaxed-simd, which the probe turns on:
 *              `enableRelaxedSimdOnOldNode`);
 *   fused      relaxed_madd gives the single-rounding result on probes where
 *              a mul + add, and a float64 add rounded to float32, both differ
 *              (PROBES below), on every one of a few hundred calls (so also
 *              after the engine tiers the probe up).
 *
 * In the relaxed mode exp/log/log1p/logistic run on f32x4 throughout (every
 * other step is one float32 operation), the same bits as ir/special.ts's
 * exact fmaf, including the rare double-rounding cases the emulation could
 * miss. Measured on an AMD EPYC (Zen 4, FMA3, 2 vCPUs under KVM), one
 * thread, ms per 2^20 float32 through the emitted f32x4 loop (min of 40):
 *
 *                                 exp   logistic  log1p   log
 *   emulated (Node 20)            6.2-6.8  6.8-7.5  10.5-11.4  5.8-6.2
 *   relaxed  (Node 20 + flag)     2.2      2.8      4.3-4.6    2.6-2.7
 *   relaxed  (Node 24 default)    2.4-2.6  3.1      6.0        2.7-3.1
 *   before XLA's algorithms       1.9-2.2  2.9      3.6        2.9
 *
 * (the last row: the earlier, non-XLA polynomials, for scale). Jitted
 * exp(x) + sigmoid(x) on 1e6 float32 (2 worker threads, noisy): 9.5-11 ms
 * emulated, 3.4-4.5 ms relaxed.
 *
 * `fmaProbe()` reports the decision (`JAXTS_DEBUG=wasm` prints it with each
 * module); `setFmaModeForTesting` forces a mode for tests (modules compiled
 * before keep theirs).
 */
import { ModuleBuilder } from "./emitter.js";

export type FmaMode = "relaxed" | "emulated";

export interface FmaProbe {
  /** The engine validates f32x4.relaxed_madd. */
  readonly validates: boolean;
  /** relaxed_madd rounded once on every probe (false when it does not validate). */
  readonly fused: boolean;
  /** What vmath emits: "relaxed" exactly when both hold. */
  readonly mode: FmaMode;
}

const P = 2 ** -12;
const U = 2 ** -23;
/**
 * [a, b, c, a*b + c rounded once]: lanes where the unfused mul + add gives
 * something else (0, 0, 1 + 2^-22, 0), as does lane 2's float64 sum demoted.
 */
const PROBES: readonly (readonly [number, number, number, number])[] = [
  [1 + P, 1 + P, -(1 + 2 * P), 2 ** -24],
  [1 + U, 1 - U, -1, -(2 ** -46)],
  [(1 + U) * P, (1 - U) * P, 1 + U, 1 + U],
  // A subnormal result (no flush to zero either).
  [(1 + P) * 2 ** -60, (1 + P) * 2 ** -60, -(1 + 2 * P) * 2 ** -120, 2 ** -144],
];
const CALLS = 300;

let probed: FmaProbe | undefined;
let forced: FmaMode | null = null;

function relaxedModule(): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ sharedMemory: false });
  // probe(p): [p+48] = relaxed_madd([p], [p+16], [p+32])
  mb.addKernel("probe", 1, (f) => {
    f.get(0);
    f.get(0).v128Load(0).get(0).v128Load(16).get(0).v128Load(32);
    f.op("f32x4.relaxed_madd").v128Store(48);
  });
  return mb.build();
}

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * Node 20 and 21 (V8 11.3–11.8) have relaxed SIMD behind
 * --experimental-wasm-relaxed-simd (on by default from Node 22). The flag is
 * process-wide and read when a module is validated, so turning it on here,
 * before the probe's module, gives every later module (and worker thread)
 * the fused path: on Node 20, jitted tanh(x*2+1)*x on 1e6 float32 runs in
 * ~1.7 ms instead of ~5.6 ms emulated. Browsers and other Node versions are
 * untouched; process.getBuiltinModule keeps "node:*" out of static imports.
 */
function enableRelaxedSimdOnOldNode(): void {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const major = Number(proc?.versions?.node?.split(".")[0]);
  if (!(major >= 20 && major < 22)) return;
  const v8 = proc?.getBuiltinModule?.("node:v8") as
    | { setFlagsFromString(flags: string): void }
    | undefined;
  v8?.setFlagsFromString("--experimental-wasm-relaxed-simd");
}

function runProbe(): FmaProbe {
  const no: FmaProbe = { validates: false, fused: false, mode: "emulated" };
  enableRelaxedSimdOnOldNode();
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = relaxedModule();
    if (!WebAssembly.validate(bytes)) return no;
  } catch {
    return no;
  }
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    const probe = inst.exports.probe as (p: number) => void;
    const f = new Float32Array(memory.buffer, 0, 16);
    for (let l = 0; l < 4; l++) {
      const [a, b, c] = PROBES[l]!;
      f[l] = a;
      f[4 + l] = b;
      f[8 + l] = c;
    }
    let fused = true;
    for (let k = 0; k < CALLS && fused; k++) {
      f.fill(Number.NaN, 12, 16);
      probe(0);
      for (let l = 0; l < 4; l++) if (!Object.is(f[12 + l], PROBES[l]![3])) fused = false;
    }
    return { validates: true, fused, mode: fused ? "relaxed" : "emulated" };
  } catch {
    return { validates: true, fused: false, mode: "emulated" };
  }
}

/** The engine's relaxed_madd capability, probed on first use. */
export function fmaProbe(): FmaProbe {
  probed ??= runProbe();
  return probed;
}

/** How vmath emits fused multiply-adds now (the probe's choice unless a test forces one). */
export function fmaMode(): FmaMode {
  return forced ?? fmaProbe().mode;
}

/** Test hook: force a mode (null: back to the probe's). "relaxed" needs `validates`. */
export function setFmaModeForTesting(mode: FmaMode | null): void {
  forced = mode;
}

/** One line for debug dumps. */
export function describeFma(): string {
  const p = fmaProbe();
  const why = !p.validates
    ? "relaxed SIMD not available"
    : p.fused
      ? "relaxed_madd is fused here"
      : "relaxed_madd is not fused here";
  return `float32 fma: ${fmaMode()} (${why}${forced !== null ? "; forced by a test" : ""})`;
}
