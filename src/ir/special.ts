/**
 * Double-precision kernels of the special functions (erf, erfc, erf_inv,
 * lgamma, digamma) and the float helpers XLA defines precisely (rounding,
 * nextafter, C `pow`). Each works on a JS number (a double); float32 callers
 * store the result into a Float32Array, which rounds it once. The exception is
 * float32 erf_inv (erfInv32), which computes XLA's float32 algorithm in float32
 * arithmetic so that random.normal draws JAX's values.
 *
 * The approximations are Chebyshev expansions of smooth pieces of each
 * function, fitted with mpmath at 50 digits and truncated below 1e-18
 * relative (regenerate with `python3 test/fixtures/elementwise.py
 * --coefficients`), combined with exact argument reductions, so that
 * results are within a few ulps in float64 and correctly rounded in float32
 * nearly always.
 */

// --- Chebyshev tables (generated; see the header) ----------------------------
const DIGAMMA_ROOT_HI = 1.4616321449683622;
const DIGAMMA_ROOT_LO = 9.549995429965697e-17;
const ERF_0_1 = new Float64Array([
  0.9754769393826541, -0.14226120510371365, 0.010035582187599796, -0.0005768764699767485,
  2.741993125219606e-5, -1.1043175507344507e-6, 3.8488755420345036e-8, -1.1808582533875466e-9,
  3.2334215826050907e-11, -7.991015947004549e-13, 1.7990725113961456e-14, -3.718635487818693e-16,
  7.103599003714253e-18,
]);
const ERFCX_HALF_1 = new Float64Array([
  0.5142540300448141, -0.09353436157631646, 0.007349543567965961, -0.0005170287683170955,
  3.327489181039832e-5, -1.9877609419315706e-6, 1.1137198399251981e-7, -5.898649609389129e-9,
  2.9712990142852805e-10, -1.430488185776257e-11, 6.608616284265577e-13, -2.9395552899978545e-14,
  1.2625028540389158e-15, -5.2483535009959205e-17, 2.1162858025358237e-18,
]);
const ERFCX_1_2 = new Float64Array([
  0.331427281639452, -0.0850021377067432, 0.009951127341466115, -0.0010810888102208325,
  0.0001102324363119495, -1.0636830518218601e-5, 9.775012680479055e-7, -8.597922867888315e-8,
  7.2677084117248425e-9, -5.923543840592542e-10, 4.6683928572294154e-11, -3.56612770156775e-12,
  2.6458779519104523e-13, -1.9101658673527567e-14, 1.343976588479829e-15, -9.228790549094326e-17,
  6.19267308464391e-18, -4.0652224326488762e-19,
]);
const ERFCX_2_4 = new Float64Array([
  0.1874295690262241, -0.05794652883669097, 0.008595247387396534, -0.0012284613640242594,
  0.00016974366686180488, -2.2738329337044562e-5, 2.959844378804878e-6, -3.7513575581379714e-7,
  4.6372828761738244e-8, -5.599455392564088e-9, 6.613160896679916e-10, -7.648271522199816e-11,
  8.670904325876594e-12, -9.645456274382108e-13, 1.0536827959360625e-13, -1.1312630906760667e-14,
  1.1945180669174577e-15, -1.241310752580407e-16, 1.270246323185436e-17, -1.280725873663855e-18,
]);
const ERFCX_4_INF = new Float64Array([
  0.555925693425176, -0.008090332092115713, 0.00016776836928685166, -5.531041633808364e-6,
  2.443693640463472e-7, -1.3327004395823597e-8, 8.550274891720148e-10, -6.254007601349521e-11,
  5.101735166869338e-12, -4.56694847770334e-13, 4.4310635988433546e-14, -4.614610076462105e-15,
  5.118030871866858e-16, -6.006459509411205e-17, 7.41914386314289e-18, -9.601559084317444e-19,
]);
const LGAMMA2 = new Float64Array([
  0.3659926722933447, 0.21749874151704682, -0.015588133465685772, 0.0016415901774466362,
  -0.00020313049990176396, 2.7395563905616454e-5, -3.892041009422484e-6, 5.720876119429972e-7,
  -8.610229794369018e-8, 1.3183639853302804e-8, -2.0450386449231043e-9, 3.204615793745064e-10,
  -5.062774489320234e-11, 8.052082517631293e-12, -1.2878466314258485e-12, 2.0696474931076294e-13,
  -3.3398220668378716e-14, 5.409040309730505e-15, -8.788289811921597e-16, 1.431940413244394e-16,
  -2.339136926756246e-17, 3.829917491715093e-18, -6.28397671269277e-19,
]);
const DIGAMMA_1_2 = new Float64Array([
  0.983570260441567, -0.2270640863346444, 0.03336889902393011, -0.005320077271596548,
  0.0008788656937820505, -0.00014773492650606044, 2.5060543468359146e-5, -4.2721034029993324e-6,
  7.302769272465923e-7, -1.2502886813559594e-7, 2.1425009322359472e-8, -3.673295918565179e-9,
  6.299717236108931e-10, -1.080593028883266e-10, 1.853735192053638e-11, -3.18023536582553e-12,
  5.456147570322795e-13, -9.360993131036438e-14, 1.606064636295075e-14, -2.7555431377438815e-15,
  4.727736178601912e-16, -8.11148420346509e-17, 1.391707769474154e-17, -2.3877901082188625e-18,
]);

/** Clenshaw's recurrence: sum of c[j] * T_j(t) for t in [-1, 1] (c[0] already halved). */
function chebyshev(c: Float64Array, t: number): number {
  let b1 = 0;
  let b2 = 0;
  const t2 = 2 * t;
  for (let j = c.length - 1; j >= 1; j--) {
    const b0 = t2 * b1 - b2 + c[j]!;
    b2 = b1;
    b1 = b0;
  }
  return t * b1 - b2 + c[0]!;
}

const SQRT_PI = Math.sqrt(Math.PI);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** exp(-x*x) without the rounding error of x*x: x = hi + lo with hi*hi exact. */
function expMinusSquare(x: number): number {
  const c = 134217729 * x; // 2^27 + 1: Veltkamp's split into 26-bit halves
  const hi = c - (c - x);
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (x + hi));
}

/** erfc(x) for x >= 0.5: exp(-x^2) times a smooth fit of erfcx. */
function erfcTail(x: number): number {
  if (x > 27.3) return 0; // below the smallest subnormal
  let r: number;
  if (x < 1) r = chebyshev(ERFCX_HALF_1, 4 * x - 3);
  else if (x < 2) r = chebyshev(ERFCX_1_2, 2 * x - 3);
  else if (x < 4) r = chebyshev(ERFCX_2_4, x - 3);
  else r = chebyshev(ERFCX_4_INF, 32 / (x * x) - 1) / x;
  return expMinusSquare(x) * r;
}

export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 1) return x * chebyshev(ERF_0_1, 2 * x * x - 1);
  if (ax >= 6) return x > 0 ? 1 : -1; // erfc(6) < 2^-54
  if (Number.isNaN(x)) return Number.NaN;
  const v = 1 - erfcTail(ax);
  return x > 0 ? v : -v;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) < 0.5) return 1 - erf(x);
  return x > 0 ? erfcTail(x) : 2 - erfcTail(-x);
}

/**
 * erf_inv: Giles' single-precision approximation as a start, then Halley
 * steps on erf(x) = y, with the residual taken from erfc near |y| = 1 so it
 * keeps its relative accuracy (1 - y is exact there).
 */
export function erfInv(y: number): number {
  if (!(Math.abs(y) <= 1)) return Number.NaN;
  if (y === 0) return y;
  if (y === 1) return Number.POSITIVE_INFINITY;
  if (y === -1) return Number.NEGATIVE_INFINITY;
  const a = Math.abs(y);
  let x = a * erfInvGuess(a);
  for (let i = 0; i < 8; i++) {
    const f = a < 0.5 ? erf(x) - a : 1 - a - erfc(x);
    const d = f * (SQRT_PI / 2) * Math.exp(x * x); // f / f'
    const step = d / (1 + x * d);
    x -= step;
    // Convergence is cubic: once a step is this small, the next would be below rounding.
    if (Math.abs(step) <= 1e-6 * x) break;
  }
  return y > 0 ? x : -x;
}

/** erf_inv(a) / a to about 1e-7 (Giles, "Approximating the erfinv function", 2010). */
function erfInvGuess(a: number): number {
  let w = -Math.log((1 - a) * (1 + a));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  return p;
}

// --- float32 erf_inv, as XLA emits it ----------------------------------------
//
// XLA (and the CHLO decomposition JAX lowers `erf_inv` through) computes the
// float32 inverse error function with Giles' single-precision polynomials in
// float32 arithmetic, so its results are a few ulps from the true value;
// random.normal is sqrt(2) * erf_inv(u), so matching JAX's draws needs the same
// operations in the same order, each rounded to float32:
//
//   t = -(x * x);  w = -log1p(t)          (XLA's log1p and XLA:CPU's log below)
//   w < 5:  p = P(w - 2.5)   else  p = Q(sqrt(w) - 3)    (Horner, 9 terms each)
//   erf_inv(x) = p * x,  and +-inf at x = +-1.
//
// XLA:CPU compiles with LLVM's FP-contraction enabled (AllowFPOpFusion::Fast:
// "always allow FMA fusion"), so on FMA hardware each Horner step p * w + c,
// whose product has no other use, is one fused multiply-add (one rounding);
// `fmaf` below computes exactly that.

const fr = Math.fround;

/** float32 fused multiply-add of float32 operands: a * b + c rounded once. */
function fmaf(a: number, b: number, c: number): number {
  const p = a * b; // exact: two 24-bit significands fit in 53 bits
  const s = p + c;
  const r = fr(s);
  if (r === s || !Number.isFinite(s)) return r;
  // The double sum may itself be rounded; that changes the float32 result only
  // when it lands exactly halfway between two floats (r and its mirror image).
  const mirror = 2 * s - r;
  if (fr(mirror) !== mirror) return r;
  const back = s - p;
  const err = p - (s - back) + (c - back); // s + err is the exact sum (TwoSum)
  if (err === 0) return r; // a true tie: round half to even, as fround did
  return err > 0 ? Math.max(r, mirror) : Math.min(r, mirror);
}

const bits32 = new Float32Array(1);
const word32 = new Uint32Array(bits32.buffer);
const SQRT_HALF_F = fr(Math.SQRT1_2);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(fr);
const LOG_Q1 = fr(-2.1219444e-4);
const LOG_Q2 = 0.693359375; // ln 2 split: Q2 - Q1, Q2 exact in 9 bits

/**
 * XLA:CPU's float32 log (Cephes' logf as Eigen vectorizes it): v = m 2^e
 * with m in [sqrt(1/2), sqrt(2)), log(1 + x) for x = m - 1 from x - x^2/2 +
 * x^3 P(x), plus e ln 2 in two parts. Subnormals count as the smallest normal.
 */
export function xlaLogF32(v: number): number {
  if (!(v > 0)) return v === 0 ? Number.NEGATIVE_INFINITY : Number.NaN;
  if (v === Number.POSITIVE_INFINITY) return v;
  bits32[0] = Math.max(v, 1.1754943508222875e-38);
  const w = word32[0]!;
  let e = (w >>> 23) - 126; // m in [0.5, 1) below, so v = m 2^e
  word32[0] = (w & 0x007fffff) | 0x3f000000;
  const m = bits32[0]!;
  let x: number;
  if (m < SQRT_HALF_F) {
    e -= 1;
    x = 2 * m - 1; // exact, as (m - 1) + m
  } else {
    x = m - 1; // exact
  }
  const x2 = fr(x * x);
  const x3 = fr(x2 * x);
  let y = fmaf(x, LOG_P[0]!, LOG_P[1]!);
  let y1 = fmaf(x, LOG_P[3]!, LOG_P[4]!);
  let y2 = fmaf(x, LOG_P[6]!, LOG_P[7]!);
  y = fmaf(y, x, LOG_P[2]!);
  y1 = fmaf(y1, x, LOG_P[5]!);
  y2 = fmaf(y2, x, LOG_P[8]!);
  y = fmaf(y, x3, y1);
  y = fmaf(y, x3, y2);
  y = fmaf(y, x3, fr(LOG_Q1 * e)); // y * x3 + e Q1: the first product fuses
  const r = fr(x - x2 * 0.5); // x2 / 2 is exact, fused or not
  return fr(fr(r + y) + LOG_Q2 * e); // e Q2 is exact
}

const LOG1P_NUM = [
  0.0000452700008624452, 0.49854102823193375, 6.578732594206104, 29.911919328553072,
  60.94966798098779, 57.11296359058554, 20.039553499201283,
].map(fr);
const LOG1P_DEN = [
  1, 15.062909083469192, 83.04756596796722, 221.76239823732857, 309.09872225312057,
  216.42788614495947, 60.11866049760384,
].map(fr);
const LOG1P_SMALL = fr(Math.SQRT2 - 1);

function hornerF32(c: number[], x: number): number {
  let p = c[0]!;
  for (let i = 1; i < c.length; i++) p = fmaf(p, x, c[i]!);
  return p;
}

/**
 * XLA's float32 log1p: below sqrt(2) - 1 in magnitude, Cephes' rational
 * approximation x - x^2/2 + x^3 N(x)/D(x); above, log(1 + x). Not correctly
 * rounded (nor is XLA:CPU's log), which is the point: these are JAX's digits.
 */
export function xlaLog1pF32(x: number): number {
  if (!(Math.abs(x) < LOG1P_SMALL)) return xlaLogF32(fr(1 + x));
  const x2 = fr(x * x);
  const r = fr(hornerF32(LOG1P_NUM, x) / hornerF32(LOG1P_DEN, x));
  const s = fr(fr(x * x2) * r);
  return fr(x + fr(x2 * -0.5 + s)); // x2 / 2 is exact, fused or not
}

// --- float32 exp and logistic, as XLA:CPU emits them -------------------------
//
// XLA:CPU replaces every float32 exp (scalar or vector) by one polynomial
// approximation (backends/cpu/codegen/polynomial_approximations.cc): the input
// clamped to [-87.8, 88.8]; n = floor(x log2(e) + 1/2) clamped to [-127, 128];
// a = x - n ln2 with ln2 split Cody-Waite style (a 15-bit high part, so n times
// it is exact, and the float32 rest); e^a = 1 + a + a^2 P(a) with Cephes'
// degree-5 P by Horner steps (each a fused multiply-add, as above); then
// e^a 2^n with 2^n built from its exponent bits (0 for n = -127, and for
// n = 128, e^a's exponent is raised by one and the factor is 2^127). Logistic
// is expanded to 1 / (1 + exp(-x)) (XLA's LogisticExpander).

const EXP_LO = fr(-87.8);
const EXP_HI = fr(88.8);
const EXP_LOG2E = fr(Math.LOG2E);
const EXP_LN2_HI = 0.693145751953125; // 0x1.62e4p-1: 15 significant bits
const EXP_LN2_LO = fr(1.4286067653301877e-6);
const EXP_P = [
  1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
  5.0000001201e-1,
].map(fr);

/** XLA:CPU's float32 exp, bit for bit (see above); NaN stays NaN. */
export function xlaExpF32(v: number): number {
  if (Number.isNaN(v)) return v;
  const x = Math.min(Math.max(v, EXP_LO), EXP_HI);
  const n = Math.min(Math.max(Math.floor(fmaf(x, EXP_LOG2E, 0.5)), -127), 128);
  let a = fr(x - EXP_LN2_HI * n); // the product is exact
  a = fmaf(-EXP_LN2_LO, n, a);
  let z = fmaf(a, EXP_P[0]!, EXP_P[1]!);
  for (let i = 2; i < EXP_P.length; i++) z = fmaf(z, a, EXP_P[i]!);
  z = fmaf(z, fr(a * a), a);
  z = fr(1 + z);
  if (n === -127) return 0 * z;
  // n = 128: 2 z (exact) times 2^127.
  return n === 128 ? fr(2 * z * 2 ** 127) : fr(z * 2 ** n);
}

/** XLA's float32 logistic: 1 / (1 + exp(-x)) with XLA:CPU's exp. */
export function xlaLogisticF32(x: number): number {
  return fr(1 / fr(1 + xlaExpF32(-x)));
}

// --- float32 tanh, erf and expm1, as XLA:CPU emits them ------------------------
//
// tanh (xla/codegen/intrinsic/tanh.cc, EmitFastTanh with FMA): Eigen's 13/6
// rational in float32, x clamped to +-7.99881172 (where it is exactly +-1), each
// Horner step on x^2 one fused multiply-add (the builder allows contraction);
// x itself below 0.0004 in magnitude and +-1 from 20 on (NaN passes through).
// erf (xla/codegen/intrinsic/erf.cc; JAX's chlo.erf reaches XLA as HLO erf for
// float32): Eigen's 9/12 rational by explicit fma, +-1 from 3.8325069 on.
// expm1 (ElementalIrEmitter::EmitExpm1): exp(x) - 1 above 0.5 in magnitude,
// else tanh(x/2) (exp(x) + 1), and x where x/2 is 0; exp and tanh are the above.

const TANH_CLAMP = fr(7.998811721801758);
const TANH_TINY = fr(0.0004);
const TANH_NUM = [
  -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8,
  1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3,
].map(fr);
const TANH_DEN = [
  1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3,
].map(fr);

/** XLA:CPU's float32 tanh, bit for bit (see above). */
export function xlaTanhF32(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 20) return x > 0 ? 1 : -1;
  if (ax < TANH_TINY || Number.isNaN(x)) return x;
  const xc = Math.min(Math.max(x, -TANH_CLAMP), TANH_CLAMP);
  const x2 = fr(xc * xc);
  const num = fr(xc * hornerF32(TANH_NUM, x2));
  return fr(num / hornerF32(TANH_DEN, x2));
}

const ERF_CLAMP = fr(3.832506856900711);
const ERF_NUM = [
  0.00022905065861350646, 0.0034082910107109507, 0.05095569506238086, 0.18520832239976145,
  1.128379143519084,
].map(fr);
const ERF_DEN = [
  -1.1791602954361697e-7, 0.000023547966471313183, 0.0010179625278914884, 0.014070470171167667,
  0.11098505178285362, 0.49746925110067536, 1,
].map(fr);

/** XLA:CPU's float32 erf, bit for bit (see above). */
export function xlaErfF32(x: number): number {
  if (Math.abs(x) >= ERF_CLAMP) return x > 0 ? 1 : -1;
  const x2 = fr(x * x);
  const p = fr(x * hornerF32(ERF_NUM, x2));
  return fr(p / hornerF32(ERF_DEN, x2));
}

/** XLA's float32 expm1 with XLA:CPU's exp and tanh, bit for bit (see above). */
export function xlaExpm1F32(x: number): number {
  const h = fr(x * 0.5);
  if (h === 0) return x;
  const e = xlaExpF32(x);
  if (Math.abs(x) > 0.5) return fr(e - 1);
  return fr(xlaTanhF32(h) * fr(e + 1));
}

const ERF_INV_P = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503,
  -0.00417768164, 0.246640727, 1.50140941,
].map(fr);
const ERF_INV_Q = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
  0.00943887047, 1.00167406, 2.83297682,
].map(fr);

/** float32 erf_inv in float32 arithmetic, bit for bit as XLA:CPU computes it (see above). */
export function erfInv32(x: number): number {
  if (Math.abs(x) === 1) return x * Number.POSITIVE_INFINITY;
  const w = -xlaLog1pF32(-fr(x * x));
  const p =
    w < 5 ? hornerF32(ERF_INV_P, fr(w - 2.5)) : hornerF32(ERF_INV_Q, fr(fr(Math.sqrt(w)) - 3));
  return fr(p * x);
}

/** lgamma(2 + z) for z in [-0.75, 0.5], relative to z so it stays accurate at z = 0. */
function lgamma2(z: number): number {
  return z * chebyshev(LGAMMA2, (8 * z + 1) / 5);
}

/** log|Gamma(x)|, +inf at the poles (the non-positive integers) and at +-inf, as XLA. */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return Number.POSITIVE_INFINITY;
  if (x <= 0) {
    if (x === Math.floor(x)) return Number.POSITIVE_INFINITY;
    if (x > -0.5) return lgamma(x + 1) - Math.log(-x);
    // Reflection; x - round(x) is exact, so sin(pi x) keeps its relative accuracy near the poles.
    const s = Math.abs(Math.sin(Math.PI * (x - Math.round(x))));
    return Math.log(Math.PI / s) - lgamma(1 - x);
  }
  if (x < 0.5) return lgamma2(x) - Math.log(x) - Math.log1p(x);
  if (x < 1.25) {
    const z = x - 1; // exact
    return lgamma2(z) - Math.log1p(z);
  }
  if (x <= 2.5) return lgamma2(x - 2);
  if (x < 10) {
    // Gamma(x) = (x-1)(x-2)...(y) Gamma(y), with each x - k exact.
    let y = x;
    let p = 1;
    while (y > 2.5) {
      y -= 1;
      p *= y;
    }
    return lgamma2(y - 2) + Math.log(p);
  }
  // Stirling's series; (x - 0.5) * (log x - 1) keeps x = inf from becoming inf - inf.
  const r = 1 / x;
  const r2 = r * r;
  const series =
    r *
    (1 / 12 +
      r2 *
        (-1 / 360 +
          r2 *
            (1 / 1260 +
              r2 *
                (-1 / 1680 +
                  r2 *
                    (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156 - (r2 * 3617) / 122400)))))));
  return (x - 0.5) * (Math.log(x) - 1) + (HALF_LOG_2PI - 0.5) + series;
}

/** cot(pi r) for r in [-0.5, 0.5], accurate near +-0.5 too (where it is near 0). */
function cotPi(r: number): number {
  const a = Math.abs(r);
  const v = a <= 0.25 ? 1 / Math.tan(Math.PI * a) : Math.tan(Math.PI * (0.5 - a));
  return r < 0 ? -v : v;
}

/** digamma(x) = d/dx lgamma(x); NaN at the poles (the non-positive integers), as XLA. */
export function digamma(x: number): number {
  if (Number.isNaN(x) || x === Number.NEGATIVE_INFINITY) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return x;
  if (x <= 0) {
    if (x === Math.floor(x)) return Number.NaN;
    return digamma(1 - x) - Math.PI * cotPi(x - Math.round(x));
  }
  if (x < 1) return digamma(x + 1) - 1 / x;
  if (x <= 2) {
    // Factor out the positive root so the result keeps its relative accuracy near it.
    return (x - DIGAMMA_ROOT_HI - DIGAMMA_ROOT_LO) * chebyshev(DIGAMMA_1_2, 2 * x - 3);
  }
  if (x < 10) {
    let y = x;
    let s = 0;
    while (y > 2) {
      y -= 1;
      s += 1 / y;
    }
    return digamma(y) + s;
  }
  const r2 = 1 / (x * x);
  const series =
    r2 *
    (1 / 12 +
      r2 *
        (-1 / 120 +
          r2 * (1 / 252 + r2 * (-1 / 240 + r2 * (1 / 132 + r2 * (-691 / 32760 + r2 / 12))))));
  return Math.log(x) - 0.5 / x - series;
}

/** Bernoulli numbers B_2j / (2j)!, j = 1..12: the Euler-Maclaurin coefficients of zeta. */
export const BERNOULLI_OVER_FACTORIAL: readonly number[] = [
  1 / 6,
  -1 / 30,
  1 / 42,
  -1 / 30,
  5 / 66,
  -691 / 2730,
  7 / 6,
  -3617 / 510,
  43867 / 798,
  -174611 / 330,
  854513 / 138,
  -236364091 / 2730,
].map((b, j) => b / factorial(2 * j + 2));
// The first 9 take float64 zeta below 1e-17 once q + k >= s + 10.
const ZETA_EM = BERNOULLI_OVER_FACTORIAL.slice(0, 9);

/** n!, inf from n = 171 on. */
function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n && f < Number.POSITIVE_INFINITY; k++) f *= k;
  return f;
}

/**
 * Hurwitz zeta(s, q) = sum over k >= 0 of (q + k)^-s, for an integer s >= 2
 * and q > 0: the first terms summed until q + k >= s + 10, the rest by
 * Euler-Maclaurin (its error there is below 1e-17 relative).
 */
function hurwitzZetaPositive(s: number, q: number): number {
  let sum = 0;
  let y = q;
  const start = s + 10;
  while (y < start) {
    sum += y ** -s;
    y += 1;
    // The rest is at most y^-s (1 + y / (s - 1)) <= 13 y^-s: for large s it soon no longer counts.
    if (13 * y ** -s <= 1e-17 * sum) return sum;
  }
  const inv2 = 1 / (y * y);
  let p = s * y ** (-s - 1); // s (s+1) ... (s+2j-2) y^(-s-2j+1), for j = 1
  let tail = y ** (1 - s) / (s - 1) + 0.5 * y ** -s;
  for (let j = 0; j < ZETA_EM.length; j++) {
    tail += ZETA_EM[j]! * p;
    p *= (s + 2 * j + 1) * (s + 2 * j + 2) * inv2;
  }
  return sum + tail;
}

/**
 * Hurwitz zeta(s, q) for an integer s >= 2 and any q: a pole (+inf) at the
 * non-positive integers, as XLA's; a negative q is reduced to positive
 * arguments exactly, with f = q - floor(q) in (0, 1):
 * zeta(s, q) = zeta(s, f) + (-1)^s (zeta(s, 1 - f) - zeta(s, 1 - q)).
 */
function hurwitzZeta(s: number, q: number): number {
  if (Number.isNaN(q) || q === Number.NEGATIVE_INFINITY) return Number.NaN;
  if (q === Number.POSITIVE_INFINITY) return 0;
  if (q <= 0 && q === Math.floor(q)) return Number.POSITIVE_INFINITY;
  if (q > 0) return hurwitzZetaPositive(s, q);
  const f = q - Math.floor(q);
  const sign = s % 2 === 0 ? 1 : -1;
  return (
    hurwitzZetaPositive(s, f) +
    sign * (hurwitzZetaPositive(s, 1 - f) - hurwitzZetaPositive(s, 1 - q))
  );
}

/**
 * polygamma(m, x), the m-th derivative of digamma: (-1)^(m+1) m! zeta(m+1, x)
 * for an integer m >= 1, digamma for m = 0, NaN for other m (as jax.lax).
 */
export function polygamma(m: number, x: number): number {
  if (!(m >= 0 && Number.isFinite(m)) || m !== Math.floor(m) || Number.isNaN(x)) return Number.NaN;
  if (m === 0) return digamma(x);
  return (m % 2 === 1 ? 1 : -1) * factorial(m) * hurwitzZeta(m + 1, x);
}

// --- Rounding, pow and nextafter with XLA's (C's) semantics ------------------

/** round half away from zero (XLA RoundNearestAfz); keeps -0. */
export function roundAwayFromZero(a: number): number {
  const t = Math.trunc(a);
  return Math.abs(a - t) >= 0.5 ? t + Math.sign(a) : t;
}

/** round half to even (XLA RoundNearestEven); keeps -0. */
export function roundHalfEven(a: number): number {
  const t = Math.trunc(a);
  const d = Math.abs(a - t);
  return d > 0.5 || (d === 0.5 && t % 2 !== 0) ? t + Math.sign(a) : t;
}

/** C's pow: unlike JS's `**`, pow(1, y) = 1 and pow(-1, +-inf) = 1, even for NaN y. */
export function cpow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY)) return 1;
  return x ** y;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The next float32 after x in the direction of y (C's nextafterf). */
export function nextafter32(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? 2 ** -149 : -(2 ** -149);
  f32[0] = x;
  // Moving away from zero increments the magnitude bits; toward zero decrements them.
  u32[0] = x < y === x > 0 ? u32[0]! + 1 : u32[0]! - 1;
  return f32[0];
}

/** The next float64 after x in the direction of y (C's nextafter). */
export function nextafter64(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  f64[0] = x;
  u64[0] = x < y === x > 0 ? u64[0]! + 1n : u64[0]! - 1n;
  return f64[0];
}
