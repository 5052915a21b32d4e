/**
 * Vectorized float32 transcendental functions, emitted inline as f32x4
 * WebAssembly code: exp, expm1, log, log1p, tanh, logistic (sigmoid), erf.
 *
 *   emitF32x4(a, "tanh", x)   pushes tanh of the v128 local `x` (4 lanes)
 *   emitF32(a, "tanh", x)     pushes tanh of the f32 local `x` (loop tails)
 *
 * `a` is any function builder with locals, constants and `op` by text name
 * (`FunctionBuilder` from emitter.ts, or the compiler's `Asm`); temporaries
 * are fresh locals, `x` is left unchanged. The scalar form splats, runs the
 * vector code and extracts lane 0, so tails give the same bits as vectors.
 *
 * Accuracy (float32 results against float64 Math.* rounded to float32;
 * every 4099th float32 bit pattern, 1.05M inputs of both signs, and the
 * test's sweep): at most 1 ulp for exp and log; at most 2 ulps for expm1,
 * log1p, logistic, erf (> 1 ulp on under 0.3% of inputs); tanh at most 3
 * ulps (checked on every float32: 3 ulps only at ±4.5058231, > 1 ulp on 0.3%).
 * NaN, ±Infinity, ±0, overflow to Infinity and gradual underflow to
 * subnormals follow IEEE semantics as Math.* does.
 *
 * Algorithms (coefficients fitted here by weighted minimax, Lawson's
 * iteration, then rounded to float32):
 *   exp/expm1  n = round(x/ln2), r = x - n·ln2 (Cody-Waite: ln2 in two
 *              parts, the high one exact in n·ln2hi), expm1(r) = r + r²·q(r)
 *              (degree 4), scaled by 2^n in two steps so that subnormal
 *              results round once and 2^128 · 0.9 does not overflow early.
 *   log        x = m·2^k with m in [√½, √2) (subnormals prescaled by 2^23),
 *              f = m - 1, s = f/(2+f), log(1+f) = f - f²/2 + s·(f²/2 + R(s²)).
 *   log1p      Kahan's log(u)·x/(u-1) with u = 1 + x.
 *   tanh       u/(-2-u) with u = expm1(-2|x|), sign restored; a leaner expm1
 *              (magic-number rounding gives n and 2^n, ln2 in one part since
 *              |n| ≤ 38 and errors shrink with e^(-2|x|)).
 *   logistic   1/(1+e) or e/(1+e) with e = exp(-|x|): no overflow, and
 *              subnormal results for x below -87.
 *   erf        x·P(x²) below 1; above, 1 - exp(-x²)·G(x) with G a
 *              polynomial in x - 2.25 (erf is 1 in float32 beyond 3.92).
 */
import type { OpName, ValType } from "./emitter.js";

/** What the emitters need from a function builder. */
export interface Emit {
  local(t: ValType): number;
  get(i: number): this;
  set(i: number): this;
  tee(i: number): this;
  i32(v: number): this;
  f32(v: number): this;
  op(name: OpName, ...immediates: number[]): this;
}

export type VMathOp = "exp" | "expm1" | "log" | "log1p" | "tanh" | "logistic" | "erf";
export const VMATH_OPS: readonly VMathOp[] = [
  "exp",
  "expm1",
  "log",
  "log1p",
  "tanh",
  "logistic",
  "erf",
];

const LOG2E = 1.4426950216293335;
// ln2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| < 2^15.
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444170128554e-4;
/** ln2 rounded to float32. */
const LN2 = 0.6931471824645996;
/** 1.5·2^23 + 127: adding it rounds to an integer n in the low bits, biased as an exponent. */
const TANH_MAGIC = 12583039;
/** expm1(r) = r + r²·q(r) on |r| ≤ ln2/2 (relative error 1.4e-8). */
const EXPM1_Q = [
  0.4999999701976776, 0.16666539013385773, 0.04166722297668457, 0.00836717989295721,
  0.0013882387429475784,
];
/** log: R(z) = z·(c0 + c1·z + c2·z²), z = s², |s| ≤ 0.1716 (relative error 9e-10). */
const LOG_R = [0.6666678190231323, 0.3997664153575897, 0.2989794611930847];
const SQRT_HALF_BITS = 0x3f3504f3;
/** erf(x) = x·P(x²) on [0, 1] (relative error 1.4e-9). */
const ERF_P = [
  1.1283791065216064, -0.376126229763031, 0.11283565312623978, -0.02685287594795227,
  0.0051863729022443295, -0.0007991514285095036, 7.787334470776841e-5,
];
/** erfc(x) = exp(-x²)·G(x - 2.25) on [1, 3.95] (error 3e-8 of erf). */
const ERFC_CENTER = 2.25;
const ERFC_G = [
  0.2310849130153656, -0.08849910646677017, 0.03202549368143082, -0.010776444338262081,
  0.0038840656634420156, -0.0013149080332368612, -0.00016454664000775665, -0.00040255518979392946,
];
const ERF_ONE = 3.95;
const SIGN = 0x80000000 | 0;

/** Inline code generation helpers over one builder. */
class Gen {
  constructor(readonly a: Emit) {}

  /** f32x4 constant with `v` in every lane. */
  c(v: number): this {
    F32[0] = v;
    return this.splat(I32[0]!);
  }
  /** i32x4 constant with `v` in every lane. */
  ci(v: number): this {
    return this.splat(v | 0);
  }
  private splat(bits: number): this {
    this.a.op("v128.const", ...splatBytes(bits));
    return this;
  }
  op(name: OpName): this {
    this.a.op(name);
    return this;
  }
  get(i: number): this {
    this.a.get(i);
    return this;
  }
  /** Pops the top of the stack into a fresh v128 local. */
  save(): number {
    const t = this.a.local("v128");
    this.a.set(t);
    return t;
  }
  /** Pushes c[0] + t·(c[1] + t·(...)) for the v128 local `t`. */
  horner(t: number, coeffs: readonly number[]): this {
    this.c(coeffs[coeffs.length - 1]!);
    for (let j = coeffs.length - 2; j >= 0; j--) {
      this.get(t).op("f32x4.mul").c(coeffs[j]!).op("f32x4.add");
    }
    return this;
  }
  /** i32 constant (shift counts). */
  i32(v: number): this {
    this.a.i32(v);
    return this;
  }
  /** Pushes 2^n for the i32x4 local `n` (normal exponents only). */
  pow2(n: number): this {
    return this.get(n).ci(127).op("i32x4.add").i32(23).op("i32x4.shl");
  }
  /** Pushes the value of `mag` with the sign bit of `signOf`. */
  copySign(mag: number, signOf: number): this {
    return this.get(signOf).get(mag).ci(SIGN).op("v128.bitselect");
  }

  /**
   * Leaves n (i32x4) and expm1(r) (f32x4) for x = n·ln2 + r in fresh
   * locals, clamping x to [lo, hi] first (NaN passes through to p).
   */
  reduceExp(x: number, lo: number, hi: number): { n: number; p: number } {
    // pmax/pmin (x < lo ? lo : x) keep NaN in the first operand and cost a third of max/min.
    this.get(x).c(lo).op("f32x4.pmax").c(hi).op("f32x4.pmin");
    const xc = this.save();
    this.get(xc).c(LOG2E).op("f32x4.mul").op("f32x4.nearest");
    const nf = this.save();
    this.get(xc).get(nf).c(LN2_HI).op("f32x4.mul").op("f32x4.sub");
    this.get(nf).c(LN2_LO).op("f32x4.mul").op("f32x4.sub");
    const r = this.save();
    // p = r + r²·q(r)
    this.get(r).get(r).get(r).op("f32x4.mul").horner(r, EXPM1_Q).op("f32x4.mul").op("f32x4.add");
    const p = this.save();
    this.get(nf).op("i32x4.trunc_sat_f32x4_s");
    return { n: this.save(), p };
  }

  exp(x: number, lo = -104): this {
    // exp(89) overflows and exp(-104) underflows to 0, so n stays in [-150, 128].
    const { n, p } = this.reduceExp(x, lo, 89);
    this.get(n).i32(1).op("i32x4.shr_s");
    const n1 = this.save();
    this.get(n).get(n1).op("i32x4.sub");
    const n2 = this.save();
    // (1 + p)·2^n1 is exact; the multiplication by 2^n2 rounds once, also to subnormals.
    return this.c(1).get(p).op("f32x4.add").pow2(n1).op("f32x4.mul").pow2(n2).op("f32x4.mul");
  }

  /** expm1 without the -0 fix-up; `nonPositive` when x ≤ 0 is known (no large exponents). */
  expm1Core(x: number, nonPositive: boolean): this {
    // Below -26 the result is -1 in float32; n stays in [-38, 128].
    const { n, p } = this.reduceExp(x, -26, nonPositive ? 0 : 89);
    if (nonPositive) {
      // 2^n·p + (2^n - 1), exact but for the two roundings.
      const t = this.pow2(n).save();
      return this.get(p).get(t).op("f32x4.mul").get(t).c(1).op("f32x4.sub").op("f32x4.add");
    }
    // Split 2^n = 2^n1·2^n2 with n1 ≤ 64 so that 2^128·p does not overflow early.
    this.get(n).ci(64).op("i32x4.min_s");
    const n1 = this.save();
    this.get(n).get(n1).op("i32x4.sub");
    const n2 = this.save();
    const t = this.pow2(n1).save();
    this.get(p).get(t).op("f32x4.mul").get(t).c(1).op("f32x4.sub").op("f32x4.add");
    return this.pow2(n2).op("f32x4.mul");
  }

  expm1(x: number): this {
    this.expm1Core(x, false);
    const r = this.save();
    // expm1(±0) = ±0 (the reduction loses the sign of -0).
    return this.get(x).get(r).get(x).c(0).op("f32x4.eq").op("v128.bitselect");
  }

  log(x: number): this {
    // Subnormals: scale by 2^23 and take 23 off the exponent.
    this.get(x).c(1.1754943508222875e-38).op("f32x4.lt");
    const tiny = this.save();
    this.get(x).c(8388608).op("f32x4.mul").get(x).get(tiny).op("v128.bitselect");
    this.ci(SQRT_HALF_BITS).op("i32x4.sub");
    const i = this.save();
    // k = exponent relative to √½; m = mantissa of x in [√½, √2).
    this.get(i).i32(23).op("i32x4.shr_s");
    this.get(tiny).ci(-23).op("v128.and").op("i32x4.add").op("f32x4.convert_i32x4_s");
    const k = this.save();
    this.get(i).ci(0x7fffff).op("v128.and").ci(SQRT_HALF_BITS).op("i32x4.add");
    this.c(1).op("f32x4.sub");
    const f = this.save();
    this.get(f).c(2).get(f).op("f32x4.add").op("f32x4.div");
    const s = this.save();
    this.get(s).get(s).op("f32x4.mul");
    const z = this.save();
    this.c(0.5).get(f).op("f32x4.mul").get(f).op("f32x4.mul");
    const hfsq = this.save();
    // s·(hfsq + z·R(z)) + k·ln2lo - hfsq + f + k·ln2hi
    this.get(s).get(hfsq).get(z).horner(z, LOG_R).op("f32x4.mul").op("f32x4.add").op("f32x4.mul");
    this.get(k).c(LN2_LO).op("f32x4.mul").op("f32x4.add");
    this.get(hfsq).op("f32x4.sub").get(f).op("f32x4.add");
    this.get(k).c(LN2_HI).op("f32x4.mul").op("f32x4.add");
    const y = this.save();
    // Outside (0, ∞): log(±0) = -∞, log(∞) = ∞, log(x < 0) = NaN, NaN stays.
    this.get(y);
    this.c(Number.NEGATIVE_INFINITY);
    this.c(Number.NaN).get(x).get(x).c(0).op("f32x4.lt").op("v128.bitselect");
    this.get(x).c(0).op("f32x4.eq").op("v128.bitselect");
    this.get(x).c(0).op("f32x4.gt").get(x).c(Number.POSITIVE_INFINITY).op("f32x4.lt");
    return this.op("v128.and").op("v128.bitselect");
  }

  log1p(x: number): this {
    this.c(1).get(x).op("f32x4.add");
    const u = this.save();
    const lu = this.log(u).save();
    // log(u)·(x/(u-1)): the quotient corrects the rounding of 1 + x.
    this.get(lu).get(x).get(u).c(1).op("f32x4.sub").op("f32x4.div").op("f32x4.mul");
    const y = this.save();
    // u = 1 (|x| below half an ulp of 1, ±0 included): log1p(x) = x; and log1p(∞) = ∞.
    this.get(x).get(y).get(u).c(1).op("f32x4.eq").get(x).c(Number.POSITIVE_INFINITY).op("f32x4.eq");
    return this.op("v128.or").op("v128.bitselect");
  }

  tanh(x: number): this {
    // u = expm1(m), m = -2|x| clamped to -26 (tanh is ±1 in float32 beyond 9.02); then
    // tanh(|x|) = u/(-2 - u). Leaner than expm1Core: n = round(m/ln2) by the magic-number
    // add, whose bits also give 2^n (no trunc_sat), and one-constant reduction (|n| ≤ 26).
    this.get(x).op("f32x4.abs").c(-2).op("f32x4.mul").c(-26).op("f32x4.pmax");
    const m = this.save();
    this.get(m).c(LOG2E).op("f32x4.mul").c(TANH_MAGIC).op("f32x4.add");
    const k = this.save();
    this.get(m).get(k).c(TANH_MAGIC).op("f32x4.sub").c(LN2).op("f32x4.mul").op("f32x4.sub");
    const r = this.save();
    this.get(r).get(r).get(r).op("f32x4.mul").horner(r, EXPM1_Q).op("f32x4.mul").op("f32x4.add");
    const p = this.save();
    // k's low mantissa bits hold n + 127: shifting them into the exponent field gives 2^n.
    const t = this.get(k).i32(23).op("i32x4.shl").save();
    this.get(p).get(t).op("f32x4.mul").get(t).c(1).op("f32x4.sub").op("f32x4.add");
    const u = this.save();
    this.get(u).c(-2).get(u).op("f32x4.sub").op("f32x4.div");
    return this.copySign(this.save(), x);
  }

  logistic(x: number): this {
    this.get(x).op("f32x4.abs").op("f32x4.neg");
    const m = this.save();
    const e = this.exp(m).save();
    // x ≥ 0: 1/(1+e); x < 0: e/(1+e) (NaN: e is NaN).
    this.c(1).get(e).get(x).c(0).op("f32x4.ge").op("v128.bitselect");
    return this.c(1).get(e).op("f32x4.add").op("f32x4.div");
  }

  erf(x: number): this {
    this.get(x).op("f32x4.abs");
    const ax = this.save();
    this.get(ax).get(ax).op("f32x4.mul");
    const x2 = this.save();
    this.get(ax).horner(x2, ERF_P).op("f32x4.mul");
    this.get(ax).c(ERF_ONE).op("f32x4.pmin");
    const xl = this.save();
    this.get(xl).get(xl).op("f32x4.mul").op("f32x4.neg");
    const e = this.exp(this.save()).save();
    this.get(xl).c(ERFC_CENTER).op("f32x4.sub");
    const t = this.save();
    this.c(1).get(e).horner(t, ERFC_G).op("f32x4.mul").op("f32x4.sub");
    this.get(ax).c(1).op("f32x4.lt").op("v128.bitselect");
    return this.copySign(this.save(), x);
  }
}

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);
const splatBytes = (bits: number): number[] => {
  const b = [bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, bits >>> 24];
  return [...b, ...b, ...b, ...b];
};

/** Pushes `op` of the v128 local `x` (four float32 lanes). */
export function emitF32x4(a: Emit, op: VMathOp, x: number): void {
  emitWith(new Gen(a), op, x);
}

function emitWith(g: Gen, op: VMathOp, x: number): void {
  switch (op) {
    case "exp":
      g.exp(x);
      return;
    case "expm1":
      g.expm1(x);
      return;
    case "log":
      g.log(x);
      return;
    case "log1p":
      g.log1p(x);
      return;
    case "tanh":
      g.tanh(x);
      return;
    case "logistic":
      g.logistic(x);
      return;
    case "erf":
      g.erf(x);
      return;
  }
}

/** Pushes `op` of the f32 local `x`, bit-identical to a lane of `emitF32x4`. */
export function emitF32(a: Emit, op: VMathOp, x: number): void {
  const v = a.local("v128");
  a.get(x).op("f32x4.splat").set(v);
  emitF32x4(a, op, v);
  a.op("f32x4.extract_lane", 0);
}
