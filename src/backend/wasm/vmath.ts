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
 * All seven are XLA:CPU's float32 algorithms, the same bits as the
 * evaluator's (ir/special.ts: xlaExpF32, xlaExpm1F32, xlaLogF32, xlaLog1pF32,
 * xlaTanhF32, xlaLogisticF32, xlaErfF32; test/backend/wasm/vmath.test.ts
 * compares 1.25M inputs): XLA compiles with fused multiply-adds, which base
 * WebAssembly SIMD lacks, so their float32 steps run on two f64x2 halves, each
 * rounded back to float32 (exact for +, -, *, /; a fused a*b + c is exact but
 * for double rounding when the float64 sum lands on a float32 halfway point:
 * never seen in the tests). Without the fusion, 1.1% of exp's results would
 * differ. Where the engine has relaxed SIMD and its f32x4.relaxed_madd is
 * fused on this CPU (wasm/fma.ts probes both once), they run on f32x4
 * throughout with relaxed_madd instead (xlaExpFused etc.: the same bits,
 * 2.5-3x faster). With jaxts_correctly_rounded_f32 the compiler calls Math
 * instead (compiler/wasm.ts), as the evaluator then does.
 */
import type { OpName, ValType } from "./emitter.js";
import { fmaMode } from "./fma.js";

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

const SIGN = 0x80000000 | 0;

// XLA:CPU's float32 exp, log and log1p (ir/special.ts: xlaExpF32, xlaLogF32,
// xlaLog1pF32 give the algorithms; these must compute the same bits).
const fr = Math.fround;
const XEXP_LO = fr(-87.8);
const XEXP_HI = fr(88.8);
const XEXP_LOG2E = fr(Math.LOG2E);
const XEXP_LN2_HI = 0.693145751953125;
const XEXP_LN2_LO = fr(1.4286067653301877e-6);
const XEXP_P = [
  1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
  5.0000001201e-1,
].map(fr);
const XLOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(fr);
const XLOG_Q1 = fr(-2.1219444e-4);
const XLOG_Q2 = 0.693359375;
const XLOG_SQRT_HALF = fr(Math.SQRT1_2);
const XLOG1P_NUM = [
  0.0000452700008624452, 0.49854102823193375, 6.578732594206104, 29.911919328553072,
  60.94966798098779, 57.11296359058554, 20.039553499201283,
].map(fr);
const XLOG1P_DEN = [
  1, 15.062909083469192, 83.04756596796722, 221.76239823732857, 309.09872225312057,
  216.42788614495947, 60.11866049760384,
].map(fr);
const XLOG1P_SMALL = fr(Math.SQRT2 - 1);
const MIN_NORMAL = 1.1754943508222875e-38;
// XLA:CPU's float32 tanh and erf (ir/special.ts: xlaTanhF32, xlaErfF32).
const XTANH_CLAMP = fr(7.998811721801758);
const XTANH_TINY = fr(0.0004);
const XTANH_NUM = [
  -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8,
  1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3,
].map(fr);
const XTANH_DEN = [
  1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3,
].map(fr);
const XERF_CLAMP = fr(3.832506856900711);
const XERF_NUM = [
  0.00022905065861350646, 0.0034082910107109507, 0.05095569506238086, 0.18520832239976145,
  1.128379143519084,
].map(fr);
const XERF_DEN = [
  -1.1791602954361697e-7, 0.000023547966471313183, 0.0010179625278914884, 0.014070470171167667,
  0.11098505178285362, 0.49746925110067536, 1,
].map(fr);

/**
 * A float32 value held exactly as two f64x2 halves (lanes 0-1 and 2-3):
 * float32 arithmetic is emulated in float64 and rounded back to float32 after
 * each operation, which gives float32's own result for +, -, *, / and, for a
 * fused multiply-add a*b + c (the product is exact in float64), the fused
 * result except when the float64 sum rounds onto a float32 halfway point
 * (double rounding; rare).
 */
type Half = (h: 0 | 1) => void;

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
  /** i32 constant (shift counts). */
  i32(v: number): this {
    this.a.i32(v);
    return this;
  }
  /** Pushes the value of `mag` with the sign bit of `signOf`. */
  copySign(mag: number, signOf: number): this {
    return this.get(signOf).get(mag).ci(SIGN).op("v128.bitselect");
  }

  // --- float32 emulated in float64 halves (see Half) ---------------------------

  /** f64x2 constant with `v` in both lanes. */
  private cd(v: number): this {
    F64[0] = v;
    const b = Array.from(new Uint8Array(F64.buffer));
    this.a.op("v128.const", ...b, ...b);
    return this;
  }
  /** Lanes 2-3 into lanes 0-1, of two copies of a v128 on the stack. */
  private high(): this {
    this.a.op("i8x16.shuffle", 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
    return this;
  }
  /** The f32x4 local `x` as two float64 halves (exact). */
  widen(x: number): [number, number] {
    this.get(x).op("f64x2.promote_low_f32x4");
    const lo = this.save();
    this.get(x).get(x).high().op("f64x2.promote_low_f32x4");
    return [lo, this.save()];
  }
  /** Pushes the f32x4 of two float64 halves (each already a float32 value). */
  narrow(v: readonly [number, number]): this {
    this.get(v[0]).op("f32x4.demote_f64x2_zero").get(v[1]).op("f32x4.demote_f64x2_zero");
    this.a.op("i8x16.shuffle", 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    return this;
  }
  /** Evaluates `e` on both halves, each rounded to float32, into fresh locals. */
  r32(e: Half): [number, number] {
    const out: number[] = [];
    for (const h of [0, 1] as const) {
      e(h);
      this.op("f32x4.demote_f64x2_zero").op("f64x2.promote_low_f32x4");
      out.push(this.save());
    }
    return [out[0]!, out[1]!];
  }
  /** Evaluates `e` on both halves, already float32 values (not rounded), into fresh locals. */
  f64(e: Half): [number, number] {
    const out: number[] = [];
    for (const h of [0, 1] as const) {
      e(h);
      out.push(this.save());
    }
    return [out[0]!, out[1]!];
  }
  /** Pushes the f32x4 of `e` on both halves, each rounded to float32 (r32 then narrow). */
  narrowOf(e: Half): this {
    e(0);
    this.op("f32x4.demote_f64x2_zero");
    e(1);
    this.op("f32x4.demote_f64x2_zero");
    this.a.op("i8x16.shuffle", 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    return this;
  }
  hv(v: readonly [number, number]): Half {
    return (h) => this.get(v[h]);
  }
  hc(k: number): Half {
    return () => this.cd(k);
  }
  hop(name: OpName, x: Half, y: Half): Half {
    return (h) => {
      x(h);
      y(h);
      this.op(name);
    };
  }
  /** a * b + c rounded once to float32 (but for double rounding, see Half). */
  fma32(a: Half, b: Half, c: Half): [number, number] {
    return this.r32(this.hop("f64x2.add", this.hop("f64x2.mul", a, b), c));
  }
  /** Horner's rule c[0] x^n + ... + c[n], each step a fused multiply-add. */
  horner32(c: readonly number[], x: [number, number]): [number, number] {
    let p = this.fma32(this.hc(c[0]!), this.hv(x), this.hc(c[1]!));
    for (let i = 2; i < c.length; i++) p = this.fma32(this.hv(p), this.hv(x), this.hc(c[i]!));
    return p;
  }

  /** XLA:CPU's float32 exp (ir/special.ts xlaExpF32), bit for bit. */
  xlaExp(x: number): this {
    this.get(x).c(XEXP_LO).op("f32x4.pmax").c(XEXP_HI).op("f32x4.pmin");
    const X = this.widen(this.save());
    const t = this.fma32(this.hv(X), this.hc(XEXP_LOG2E), this.hc(0.5));
    // floor and the clamp of a float32 value are float32 values: no rounding needed.
    const n = this.f64((h) =>
      this.get(t[h]).op("f64x2.floor").cd(-127).op("f64x2.pmax").cd(128).op("f64x2.pmin"),
    );
    // x - n ln2_hi: the product is exact and so is the difference in float64.
    let a = this.r32(
      this.hop("f64x2.sub", this.hv(X), this.hop("f64x2.mul", this.hv(n), this.hc(XEXP_LN2_HI))),
    );
    a = this.fma32(this.hv(n), this.hc(-XEXP_LN2_LO), this.hv(a));
    let z = this.fma32(this.hv(a), this.hc(XEXP_P[0]!), this.hc(XEXP_P[1]!));
    for (let i = 2; i < XEXP_P.length; i++)
      z = this.fma32(this.hv(z), this.hv(a), this.hc(XEXP_P[i]!));
    const a2 = this.r32(this.hop("f64x2.mul", this.hv(a), this.hv(a)));
    z = this.fma32(this.hv(z), this.hv(a2), this.hv(a));
    const zf = this.narrowOf(this.hop("f64x2.add", this.hc(1), this.hv(z))).save();
    this.narrow(n);
    return this.expScale(x, zf);
  }

  /** Selects log's special values: log(±0) = -∞, log(∞) = ∞, log(x < 0) = NaN, NaN stays. */
  private logSpecials(x: number, y: number): this {
    this.get(y);
    this.c(Number.NEGATIVE_INFINITY);
    this.c(Number.NaN).get(x).get(x).c(0).op("f32x4.lt").op("v128.bitselect");
    this.get(x).c(0).op("f32x4.eq").op("v128.bitselect");
    this.get(x).c(0).op("f32x4.gt").get(x).c(Number.POSITIVE_INFINITY).op("f32x4.lt");
    return this.op("v128.and").op("v128.bitselect");
  }

  /**
   * XLA's log argument reduction: x (subnormals read as the smallest normal)
   * = m 2^e with m in [0.5, 1); below √½, m doubles and e drops by one. The
   * locals of m - 1 (or 2m - 1) and of e, as float32.
   */
  private logSplit(x: number): [number, number] {
    this.get(x).c(MIN_NORMAL).op("f32x4.pmax");
    const w = this.save();
    this.get(w).ci(0x007fffff).op("v128.and").ci(0x3f000000).op("v128.or");
    const m = this.save();
    this.get(m).c(XLOG_SQRT_HALF).op("f32x4.lt");
    const low = this.save();
    this.get(m).c(1).op("f32x4.sub").get(m).get(low).op("v128.and").op("f32x4.add");
    const xm = this.save();
    this.get(w).i32(23).op("i32x4.shr_u").ci(126).op("i32x4.sub").op("f32x4.convert_i32x4_s");
    const e = this.get(low).c(1).op("v128.and").op("f32x4.sub").save();
    return [xm, e];
  }

  /** XLA:CPU's float32 log (ir/special.ts xlaLogF32), bit for bit. */
  xlaLog(x: number): this {
    const [xm, e0] = this.logSplit(x);
    const e = this.widen(e0);
    const X = this.widen(xm);
    const x2 = this.r32(this.hop("f64x2.mul", this.hv(X), this.hv(X)));
    const x3 = this.r32(this.hop("f64x2.mul", this.hv(x2), this.hv(X)));
    const P = XLOG_P;
    let y = this.fma32(this.hv(X), this.hc(P[0]!), this.hc(P[1]!));
    let y1 = this.fma32(this.hv(X), this.hc(P[3]!), this.hc(P[4]!));
    let y2 = this.fma32(this.hv(X), this.hc(P[6]!), this.hc(P[7]!));
    y = this.fma32(this.hv(y), this.hv(X), this.hc(P[2]!));
    y1 = this.fma32(this.hv(y1), this.hv(X), this.hc(P[5]!));
    y2 = this.fma32(this.hv(y2), this.hv(X), this.hc(P[8]!));
    y = this.fma32(this.hv(y), this.hv(x3), this.hv(y1));
    y = this.fma32(this.hv(y), this.hv(x3), this.hv(y2));
    const q1e = this.r32(this.hop("f64x2.mul", this.hc(XLOG_Q1), this.hv(e)));
    y = this.fma32(this.hv(y), this.hv(x3), this.hv(q1e));
    const r = this.r32(
      this.hop("f64x2.sub", this.hv(X), this.hop("f64x2.mul", this.hv(x2), this.hc(0.5))),
    );
    const ry = this.r32(this.hop("f64x2.add", this.hv(r), this.hv(y)));
    const res = this.narrowOf(
      this.hop("f64x2.add", this.hv(ry), this.hop("f64x2.mul", this.hc(XLOG_Q2), this.hv(e))),
    ).save();
    return this.logSpecials(x, res);
  }

  /** XLA's float32 log1p (ir/special.ts xlaLog1pF32), bit for bit. */
  xlaLog1p(x: number): this {
    this.c(1).get(x).op("f32x4.add");
    const u = this.save();
    const big = this.xlaLog(u).save();
    const X = this.widen(x);
    const x2 = this.r32(this.hop("f64x2.mul", this.hv(X), this.hv(X)));
    const num = this.horner32(XLOG1P_NUM, X);
    const den = this.horner32(XLOG1P_DEN, X);
    const q = this.r32(this.hop("f64x2.div", this.hv(num), this.hv(den)));
    const x3 = this.r32(this.hop("f64x2.mul", this.hv(X), this.hv(x2)));
    const s = this.r32(this.hop("f64x2.mul", this.hv(x3), this.hv(q)));
    const t = this.r32(
      this.hop("f64x2.add", this.hop("f64x2.mul", this.hv(x2), this.hc(-0.5)), this.hv(s)),
    );
    const small = this.narrowOf(this.hop("f64x2.add", this.hv(X), this.hv(t))).save();
    this.get(small).get(big).get(x).op("f32x4.abs").c(XLOG1P_SMALL).op("f32x4.lt");
    return this.op("v128.bitselect");
  }

  /** XLA:CPU's float32 tanh (ir/special.ts xlaTanhF32), bit for bit. */
  xlaTanh(x: number): this {
    this.get(x).c(-XTANH_CLAMP).op("f32x4.pmax").c(XTANH_CLAMP).op("f32x4.pmin");
    const X = this.widen(this.save());
    const x2 = this.r32(this.hop("f64x2.mul", this.hv(X), this.hv(X)));
    const num = this.horner32(XTANH_NUM, x2);
    const p = this.r32(this.hop("f64x2.mul", this.hv(X), this.hv(num)));
    const q = this.horner32(XTANH_DEN, x2);
    const r = this.narrowOf(this.hop("f64x2.div", this.hv(p), this.hv(q))).save();
    return this.tanhEdges(x, r);
  }

  /** tanh's selects: x itself below 0.0004 in magnitude, ±1 from 20 on (NaN stays NaN). */
  private tanhEdges(x: number, r: number): this {
    this.get(x).get(r).get(x).op("f32x4.abs").c(XTANH_TINY).op("f32x4.lt").op("v128.bitselect");
    return this.unitFrom(x, 20);
  }

  /** Selects copysign(1, x) over the value on the stack where |x| >= `edge`. */
  private unitFrom(x: number, edge: number): this {
    const v = this.save();
    const one = this.c(1).save();
    this.copySign(one, x).get(v).get(x).op("f32x4.abs").c(edge).op("f32x4.ge");
    return this.op("v128.bitselect");
  }

  /** XLA:CPU's float32 erf (ir/special.ts xlaErfF32), bit for bit. */
  xlaErf(x: number): this {
    const X = this.widen(x);
    const x2 = this.r32(this.hop("f64x2.mul", this.hv(X), this.hv(X)));
    const num = this.horner32(XERF_NUM, x2);
    const p = this.r32(this.hop("f64x2.mul", this.hv(X), this.hv(num)));
    const q = this.horner32(XERF_DEN, x2);
    this.narrowOf(this.hop("f64x2.div", this.hv(p), this.hv(q)));
    return this.unitFrom(x, XERF_CLAMP);
  }

  // --- the same with a fused f32x4.relaxed_madd (wasm/fma.ts: "relaxed") -------

  /** Pushes a * b + c rounded once, for the v128 locals / constants pushed by `a`, `b`, `c`. */
  private madd(a: () => void, b: () => void, c: () => void): this {
    a();
    b();
    c();
    return this.op("f32x4.relaxed_madd");
  }
  private l(i: number): () => void {
    return () => this.get(i);
  }
  private k(v: number): () => void {
    return () => this.c(v);
  }
  /** c[0] x^n + ... + c[n] by fused Horner steps, into a fresh local. */
  private hornerF(c: readonly number[], x: number): number {
    let p = this.madd(this.k(c[0]!), this.l(x), this.k(c[1]!)).save();
    for (let i = 2; i < c.length; i++) p = this.madd(this.l(p), this.l(x), this.k(c[i]!)).save();
    return p;
  }

  /** xlaExp with fused multiply-adds: every step is one float32 operation. */
  xlaExpFused(x: number): this {
    this.get(x).c(XEXP_LO).op("f32x4.pmax").c(XEXP_HI).op("f32x4.pmin");
    const X = this.save();
    this.madd(this.l(X), this.k(XEXP_LOG2E), this.k(0.5)).op("f32x4.floor");
    const n = this.c(-127).op("f32x4.pmax").c(128).op("f32x4.pmin").save();
    // x - n ln2_hi: the product is exact (15 + 8 bits).
    let a = this.get(X).get(n).c(XEXP_LN2_HI).op("f32x4.mul").op("f32x4.sub").save();
    a = this.madd(this.l(n), this.k(-XEXP_LN2_LO), this.l(a)).save();
    let z = this.madd(this.l(a), this.k(XEXP_P[0]!), this.k(XEXP_P[1]!)).save();
    for (let i = 2; i < XEXP_P.length; i++)
      z = this.madd(this.l(z), this.l(a), this.k(XEXP_P[i]!)).save();
    const a2 = this.get(a).get(a).op("f32x4.mul").save();
    this.madd(this.l(z), this.l(a2), this.l(a));
    const zf = this.c(1).op("f32x4.add").save();
    this.get(n);
    return this.expScale(x, zf);
  }

  /**
   * exp's result from its reduced value zf and n (float32 lanes, on the
   * stack): zf · 2^n built from exponent bits — 0 for n = -127; for n = 128,
   * z's exponent + 1 times 2^127 — and NaN inputs stay NaN.
   */
  private expScale(x: number, zf: number): this {
    this.op("i32x4.trunc_sat_f32x4_s").ci(127).op("i32x4.add").i32(23).op("i32x4.shl");
    const biased = this.save();
    this.get(biased).ci(0x7f000000).op("i32x4.min_u");
    const pow2 = this.save();
    this.get(zf).get(biased).get(pow2).op("i32x4.sub").op("i32x4.add").get(pow2).op("f32x4.mul");
    const r = this.save();
    return this.get(x).get(r).get(x).get(x).op("f32x4.ne").op("v128.bitselect");
  }

  /** xlaLog with fused multiply-adds. */
  xlaLogFused(x: number): this {
    const [X, e] = this.logSplit(x);
    const x2 = this.get(X).get(X).op("f32x4.mul").save();
    const x3 = this.get(x2).get(X).op("f32x4.mul").save();
    const P = XLOG_P;
    let y = this.madd(this.l(X), this.k(P[0]!), this.k(P[1]!)).save();
    let y1 = this.madd(this.l(X), this.k(P[3]!), this.k(P[4]!)).save();
    let y2 = this.madd(this.l(X), this.k(P[6]!), this.k(P[7]!)).save();
    y = this.madd(this.l(y), this.l(X), this.k(P[2]!)).save();
    y1 = this.madd(this.l(y1), this.l(X), this.k(P[5]!)).save();
    y2 = this.madd(this.l(y2), this.l(X), this.k(P[8]!)).save();
    y = this.madd(this.l(y), this.l(x3), this.l(y1)).save();
    y = this.madd(this.l(y), this.l(x3), this.l(y2)).save();
    const q1e = this.c(XLOG_Q1).get(e).op("f32x4.mul").save();
    y = this.madd(this.l(y), this.l(x3), this.l(q1e)).save();
    // x - x2/2 (exact halving), + y, + e Q2 (exact product): one rounding each.
    this.get(X).get(x2).c(0.5).op("f32x4.mul").op("f32x4.sub").get(y).op("f32x4.add");
    const res = this.c(XLOG_Q2).get(e).op("f32x4.mul").op("f32x4.add").save();
    return this.logSpecials(x, res);
  }

  /** xlaLog1p with fused multiply-adds. */
  xlaLog1pFused(x: number): this {
    this.c(1).get(x).op("f32x4.add");
    const u = this.save();
    const big = this.xlaLogFused(u).save();
    const x2 = this.get(x).get(x).op("f32x4.mul").save();
    const num = this.hornerF(XLOG1P_NUM, x);
    const den = this.hornerF(XLOG1P_DEN, x);
    const q = this.get(num).get(den).op("f32x4.div").save();
    const s = this.get(x).get(x2).op("f32x4.mul").get(q).op("f32x4.mul").save();
    // x2 * -0.5 + s: the evaluator's float64 sum rounded to float32, i.e. fused.
    this.madd(this.l(x2), this.k(-0.5), this.l(s));
    const small = this.get(x).op("f32x4.add").save();
    this.get(small).get(big).get(x).op("f32x4.abs").c(XLOG1P_SMALL).op("f32x4.lt");
    return this.op("v128.bitselect");
  }

  /** xlaTanh with fused multiply-adds. */
  xlaTanhFused(x: number): this {
    this.get(x).c(-XTANH_CLAMP).op("f32x4.pmax").c(XTANH_CLAMP).op("f32x4.pmin");
    const X = this.save();
    const x2 = this.get(X).get(X).op("f32x4.mul").save();
    const num = this.hornerF(XTANH_NUM, x2);
    const q = this.hornerF(XTANH_DEN, x2);
    const r = this.get(X).get(num).op("f32x4.mul").get(q).op("f32x4.div").save();
    return this.tanhEdges(x, r);
  }

  /** xlaErf with fused multiply-adds. */
  xlaErfFused(x: number): this {
    const x2 = this.get(x).get(x).op("f32x4.mul").save();
    const num = this.hornerF(XERF_NUM, x2);
    const q = this.hornerF(XERF_DEN, x2);
    this.get(x).get(num).op("f32x4.mul").get(q).op("f32x4.div");
    return this.unitFrom(x, XERF_CLAMP);
  }

  /** XLA's float32 expm1 (ir/special.ts xlaExpm1F32): exp(x) - 1 or tanh(x/2) (exp(x) + 1). */
  xlaExpm1(x: number, fused: boolean): this {
    const h = this.get(x).c(0.5).op("f32x4.mul").save();
    const t = (fused ? this.xlaTanhFused(h) : this.xlaTanh(h)).save();
    const e = (fused ? this.xlaExpFused(x) : this.xlaExp(x)).save();
    this.get(e).c(1).op("f32x4.sub");
    this.get(t).get(e).c(1).op("f32x4.add").op("f32x4.mul");
    this.get(x).op("f32x4.abs").c(0.5).op("f32x4.gt").op("v128.bitselect");
    const r = this.save();
    return this.get(x).get(r).get(h).c(0).op("f32x4.eq").op("v128.bitselect");
  }

  /** XLA's float32 logistic: 1 / (1 + exp(-x)) with XLA:CPU's exp. */
  xlaLogistic(x: number, fused: boolean): this {
    this.get(x).op("f32x4.neg");
    const nx = this.save();
    const e = (fused ? this.xlaExpFused(nx) : this.xlaExp(nx)).save();
    return this.c(1).c(1).get(e).op("f32x4.add").op("f32x4.div");
  }
}

const F32 = new Float32Array(1);
const F64 = new Float64Array(1);
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
  const fused = fmaMode() === "relaxed";
  switch (op) {
    case "exp":
      if (fused) g.xlaExpFused(x);
      else g.xlaExp(x);
      return;
    case "expm1":
      g.xlaExpm1(x, fused);
      return;
    case "log":
      if (fused) g.xlaLogFused(x);
      else g.xlaLog(x);
      return;
    case "log1p":
      if (fused) g.xlaLog1pFused(x);
      else g.xlaLog1p(x);
      return;
    case "tanh":
      if (fused) g.xlaTanhFused(x);
      else g.xlaTanh(x);
      return;
    case "logistic":
      g.xlaLogistic(x, fused);
      return;
    case "erf":
      if (fused) g.xlaErfFused(x);
      else g.xlaErf(x);
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
