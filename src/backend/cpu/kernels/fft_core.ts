/**
 * The numerical FFT behind `lax.fft` (lax/fft.ts) and `jnp.fft`: discrete
 * Fourier transforms of interleaved complex data (pairs re, im in a
 * Float32Array or Float64Array of twice the element count).
 *
 * Semantics (XLA's Fft op, which NumPy's pocketfft matches):
 *   FFT   X[k] = Σ_t x[t] e^{-2πi kt/n}                       (unnormalized)
 *   IFFT  x[t] = (1/n) Σ_k X[k] e^{+2πi kt/n}
 *   RFFT  n real values → the n/2+1 non-negative frequencies of their FFT
 *   IRFFT n/2+1 complex values → n real values: the IFFT of the Hermitian
 *         spectrum they define (X[n-k] = conj X[k]); the imaginary parts of
 *         the DC bin and, for even n, of the Nyquist bin take no part.
 * Multi-dimensional transforms (`fftNd`) act on the k trailing axes (k = 1..3
 * in XLA, any k here): FFT/IFFT as 1-D transforms along each of them; RFFT
 * does the real transform on the last axis, then complex FFTs on the others;
 * IRFFT does the complex inverse on the leading k-1 of them, then the
 * complex-to-real transform on the last.
 *
 * Algorithm: a plan per length n, cached, with twiddles in float64.
 *   - n whose prime factors are all ≤ 31: a self-sorting (Stockham) mixed
 *     radix FFT, radix 4 first then 2, 3, 5, 7, ... (radix 2, 3 and 4
 *     butterflies written out, odd radices by a symmetric butterfly that
 *     pairs inputs j and p-j); no bit reversal, each stage reads one buffer
 *     and writes the other.
 *   - n with a prime factor > 31: Bluestein's chirp-z transform, a circular
 *     convolution of length M (the power of two ≥ 2n-1) by three FFTs of
 *     length M (one of them done once, in the plan). The chirp's angle
 *     π k²/n is reduced modulo 2π exactly (k² mod 2n in integers).
 *   - The inverse is the forward transform between conjugations, scaled 1/n.
 *   - RFFT of even n packs the n reals as n/2 complex values and untangles
 *     one FFT of half the length; IRFFT of even n is the reverse. Odd n goes
 *     through a complex FFT of the real data.
 * Everything is computed in float64, for complex64 too: float32 inputs are
 * widened, and the results rounded once to float32 at the end (XLA:CPU's
 * DUCC computes complex64 in float32; ours is at least as accurate).
 *
 * Accuracy measured (test/backend/fft_core.test.ts, uniform inputs in
 * [-1, 1)), max |error| / max |X| against an O(n²) DFT in float64 with
 * exactly reduced angles (whose own summation error is part of it): ≤ 1e-15
 * for n = 1..130 (every radix), ≤ 3.5e-15 for Bluestein primes up to 2039;
 * complex64 results are the float64 results rounded once (0 differences).
 *
 * Speed measured on the 2-core development machine (Node 22, one thread),
 * 1000 rows of n: complex FFT n = 1024 24 ms (complex128) / 22 ms (complex64),
 * RFFT n = 1024 11 ms, n = 1000 (2³·5³) 32 ms, Bluestein n = 1009 72 ms.
 */

/** A complex buffer, interleaved (re, im); or a real one for RFFT's input / IRFFT's output. */
export type FloatData = Float32Array | Float64Array;

export type FftKind = "FFT" | "IFFT" | "RFFT" | "IRFFT";

/** Largest prime done by a direct butterfly; lengths with a larger prime factor use Bluestein. */
const MAX_DIRECT_PRIME = 31;

/** One Stockham stage: radix p, the current transform length nCur, the stride s. */
interface Stage {
  p: number;
  nCur: number;
  s: number;
  /** ω_nCur^(q·k) for q < nCur/p, 1 ≤ k < p: ((q·(p-1) + k-1)·2) → re, +1 → im. */
  tw: Float64Array;
  /** For odd p ≥ 5: cos and sin(2π jk/p) at (j·p + k). */
  cosP?: Float64Array;
  sinP?: Float64Array;
}

interface Bluestein {
  m: number;
  inner: Plan;
  /** The chirp e^{-iπ k²/n}, k < n. */
  chirp: Float64Array;
  /** FFT_M of the conjugated chirp laid out circularly, divided by M. */
  kernel: Float64Array;
  a: Float64Array;
  b: Float64Array;
}

/** A transform of length n. `run(x, y)` reads x (2n values), may overwrite x and y, and returns
 * the buffer that holds the forward transform. */
export interface Plan {
  n: number;
  stages: Stage[];
  bluestein: Bluestein | null;
  /** Work buffers of 2n float64 values for the drivers below. */
  x: Float64Array;
  y: Float64Array;
  /** Packing twiddles for RFFT/IRFFT of even n: ω_n^k, k ≤ n/2 (lazily made). */
  realTw: Float64Array | null;
}

const plans = new Map<number, Plan>();
const MAX_CACHED_PLANS = 64;

/**
 * cos and sin of -2π r / n, from an angle reduced to the first octant: exact at multiples of
 * π/4 (sin π is 0, not 1.2e-16) and symmetric across octants.
 */
function twiddle(r: number, n: number): [number, number] {
  const u = (8 * (r % n) + 8 * n) % (8 * n);
  const o = Math.floor(u / n);
  const v = u - o * n;
  const b = (Math.PI / 4) * ((o % 2 === 0 ? v : n - v) / n);
  const cb = Math.cos(b);
  const sb = Math.sin(b);
  let c: number;
  let s: number;
  switch (o) {
    case 0:
      [c, s] = [cb, sb];
      break;
    case 1:
      [c, s] = [sb, cb];
      break;
    case 2:
      [c, s] = [-sb, cb];
      break;
    case 3:
      [c, s] = [-cb, sb];
      break;
    case 4:
      [c, s] = [-cb, -sb];
      break;
    case 5:
      [c, s] = [-sb, -cb];
      break;
    case 6:
      [c, s] = [sb, -cb];
      break;
    default:
      [c, s] = [cb, -sb];
  }
  return [c, -s];
}

function smallestFactor(n: number): number {
  if (n % 2 === 0) return 2;
  for (let f = 3; f * f <= n; f += 2) if (n % f === 0) return f;
  return n;
}

/** The radices of n (4s first, then ascending primes), or null if a prime factor exceeds the limit. */
function radices(n: number): number[] | null {
  const out: number[] = [];
  while (n % 4 === 0) {
    out.push(4);
    n /= 4;
  }
  while (n > 1) {
    const f = smallestFactor(n);
    if (f > MAX_DIRECT_PRIME) return null;
    out.push(f);
    n /= f;
  }
  return out;
}

function makeStages(n: number, rs: number[]): Stage[] {
  const stages: Stage[] = [];
  let nCur = n;
  let s = 1;
  for (const p of rs) {
    const m = nCur / p;
    const tw = new Float64Array(2 * m * (p - 1));
    for (let q = 0; q < m; q++) {
      for (let k = 1; k < p; k++) {
        const [c, sn] = twiddle(q * k, nCur);
        const at = 2 * (q * (p - 1) + k - 1);
        tw[at] = c;
        tw[at + 1] = sn;
      }
    }
    const stage: Stage = { p, nCur, s, tw };
    if (p >= 5) {
      stage.cosP = new Float64Array(p * p);
      stage.sinP = new Float64Array(p * p);
      for (let j = 0; j < p; j++) {
        for (let k = 0; k < p; k++) {
          const [c, sn] = twiddle(j * k, p);
          stage.cosP[j * p + k] = c;
          stage.sinP[j * p + k] = sn;
        }
      }
    }
    stages.push(stage);
    nCur = m;
    s *= p;
  }
  return stages;
}

function makeBluestein(n: number): Bluestein {
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  const inner = getPlan(m);
  const chirp = new Float64Array(2 * n);
  const n2 = 2 * n;
  for (let k = 0; k < n; k++) {
    // e^{-iπ k²/n} = e^{-2πi (k² mod 2n) / 2n}; k² is exact below 2^53.
    const [c, s] = twiddle((k * k) % n2, n2);
    chirp[2 * k] = c;
    chirp[2 * k + 1] = s;
  }
  const b = new Float64Array(2 * m);
  b[0] = 1;
  for (let k = 1; k < n; k++) {
    b[2 * k] = b[2 * (m - k)] = chirp[2 * k]!;
    b[2 * k + 1] = b[2 * (m - k) + 1] = -chirp[2 * k + 1]!;
  }
  const kernel = runForward(inner, b, new Float64Array(2 * m)).slice();
  for (let i = 0; i < 2 * m; i++) kernel[i]! /= m;
  return { m, inner, chirp, kernel, a: new Float64Array(2 * m), b: new Float64Array(2 * m) };
}

/** The cached plan for length n ≥ 1. */
export function getPlan(n: number): Plan {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`fft: length must be ≥ 1, got ${n}`);
  let plan = plans.get(n);
  if (plan) return plan;
  const rs = radices(n);
  plan = {
    n,
    stages: rs ? makeStages(n, rs) : [],
    bluestein: null,
    x: new Float64Array(2 * n),
    y: new Float64Array(2 * n),
    realTw: null,
  };
  if (!rs) plan.bluestein = makeBluestein(n);
  if (plans.size >= MAX_CACHED_PLANS) plans.delete(plans.keys().next().value!);
  plans.set(n, plan);
  return plan;
}

// --- the Stockham stages ----------------------------------------------------------------------

function radix2(st: Stage, x: Float64Array, y: Float64Array): void {
  const { s, tw } = st;
  const m = st.nCur / 2;
  for (let q = 0; q < m; q++) {
    const wr = tw[2 * q]!;
    const wi = tw[2 * q + 1]!;
    for (let r = 0; r < s; r++) {
      const i0 = 2 * (r + s * q);
      const i1 = i0 + 2 * s * m;
      const ar = x[i0]!;
      const ai = x[i0 + 1]!;
      const br = x[i1]!;
      const bi = x[i1 + 1]!;
      const o0 = 2 * (r + s * 2 * q);
      const o1 = o0 + 2 * s;
      y[o0] = ar + br;
      y[o0 + 1] = ai + bi;
      const dr = ar - br;
      const di = ai - bi;
      y[o1] = dr * wr - di * wi;
      y[o1 + 1] = dr * wi + di * wr;
    }
  }
}

function radix4(st: Stage, x: Float64Array, y: Float64Array): void {
  const { s, tw } = st;
  const m = st.nCur / 4;
  const step = 2 * s * m;
  for (let q = 0; q < m; q++) {
    const t = 6 * q;
    const w1r = tw[t]!;
    const w1i = tw[t + 1]!;
    const w2r = tw[t + 2]!;
    const w2i = tw[t + 3]!;
    const w3r = tw[t + 4]!;
    const w3i = tw[t + 5]!;
    for (let r = 0; r < s; r++) {
      const i0 = 2 * (r + s * q);
      const a0r = x[i0]!;
      const a0i = x[i0 + 1]!;
      const a1r = x[i0 + step]!;
      const a1i = x[i0 + step + 1]!;
      const a2r = x[i0 + 2 * step]!;
      const a2i = x[i0 + 2 * step + 1]!;
      const a3r = x[i0 + 3 * step]!;
      const a3i = x[i0 + 3 * step + 1]!;
      const t0r = a0r + a2r;
      const t0i = a0i + a2i;
      const t1r = a0r - a2r;
      const t1i = a0i - a2i;
      const t2r = a1r + a3r;
      const t2i = a1i + a3i;
      const t3r = a1r - a3r;
      const t3i = a1i - a3i;
      // c1 = t1 - i·t3, c3 = t1 + i·t3 (ω_4 = -i).
      const c1r = t1r + t3i;
      const c1i = t1i - t3r;
      const c2r = t0r - t2r;
      const c2i = t0i - t2i;
      const c3r = t1r - t3i;
      const c3i = t1i + t3r;
      const o = 2 * (r + s * 4 * q);
      const os = 2 * s;
      y[o] = t0r + t2r;
      y[o + 1] = t0i + t2i;
      y[o + os] = c1r * w1r - c1i * w1i;
      y[o + os + 1] = c1r * w1i + c1i * w1r;
      y[o + 2 * os] = c2r * w2r - c2i * w2i;
      y[o + 2 * os + 1] = c2r * w2i + c2i * w2r;
      y[o + 3 * os] = c3r * w3r - c3i * w3i;
      y[o + 3 * os + 1] = c3r * w3i + c3i * w3r;
    }
  }
}

const SIN_60 = Math.sqrt(3) / 2;

function radix3(st: Stage, x: Float64Array, y: Float64Array): void {
  const { s, tw } = st;
  const m = st.nCur / 3;
  const step = 2 * s * m;
  for (let q = 0; q < m; q++) {
    const w1r = tw[4 * q]!;
    const w1i = tw[4 * q + 1]!;
    const w2r = tw[4 * q + 2]!;
    const w2i = tw[4 * q + 3]!;
    for (let r = 0; r < s; r++) {
      const i0 = 2 * (r + s * q);
      const a0r = x[i0]!;
      const a0i = x[i0 + 1]!;
      const a1r = x[i0 + step]!;
      const a1i = x[i0 + step + 1]!;
      const a2r = x[i0 + 2 * step]!;
      const a2i = x[i0 + 2 * step + 1]!;
      const tr = a1r + a2r;
      const ti = a1i + a2i;
      const dr = SIN_60 * (a1r - a2r);
      const di = SIN_60 * (a1i - a2i);
      const mr = a0r - 0.5 * tr;
      const mi = a0i - 0.5 * ti;
      // c1 = m - i·(√3/2)·d, c2 = m + i·(√3/2)·d (ω_3 = -1/2 - i√3/2).
      const c1r = mr + di;
      const c1i = mi - dr;
      const c2r = mr - di;
      const c2i = mi + dr;
      const o = 2 * (r + s * 3 * q);
      const os = 2 * s;
      y[o] = a0r + tr;
      y[o + 1] = a0i + ti;
      y[o + os] = c1r * w1r - c1i * w1i;
      y[o + os + 1] = c1r * w1i + c1i * w1r;
      y[o + 2 * os] = c2r * w2r - c2i * w2i;
      y[o + 2 * os + 1] = c2r * w2i + c2i * w2r;
    }
  }
}

/** Scratch for the odd-radix butterfly: sums and differences of inputs j and p-j. */
let oddScratch = new Float64Array(4 * (MAX_DIRECT_PRIME + 1));

/** An odd radix p: c_k = a_0 + Σ_{j ≤ (p-1)/2} (a_j + a_{p-j}) cos θ_jk + i (a_j - a_{p-j}) sin θ_jk,
 * with θ_jk = -2π jk/p (sin tables hold sin θ). */
function radixOdd(st: Stage, x: Float64Array, y: Float64Array): void {
  const { s, tw, p } = st;
  const cosP = st.cosP!;
  const sinP = st.sinP!;
  const m = st.nCur / p;
  const h = (p - 1) / 2;
  const step = 2 * s * m;
  if (oddScratch.length < 4 * (h + 1)) oddScratch = new Float64Array(4 * (h + 1));
  const sc = oddScratch;
  for (let q = 0; q < m; q++) {
    const tq = 2 * q * (p - 1);
    for (let r = 0; r < s; r++) {
      const i0 = 2 * (r + s * q);
      const a0r = x[i0]!;
      const a0i = x[i0 + 1]!;
      let sumr = a0r;
      let sumi = a0i;
      for (let j = 1; j <= h; j++) {
        const u = i0 + j * step;
        const v = i0 + (p - j) * step;
        const ur = x[u]!;
        const ui = x[u + 1]!;
        const vr = x[v]!;
        const vi = x[v + 1]!;
        sc[4 * j] = ur + vr;
        sc[4 * j + 1] = ui + vi;
        sc[4 * j + 2] = ur - vr;
        sc[4 * j + 3] = ui - vi;
        sumr += ur + vr;
        sumi += ui + vi;
      }
      const o = 2 * (r + s * p * q);
      const os = 2 * s;
      y[o] = sumr;
      y[o + 1] = sumi;
      for (let k = 1; k <= h; k++) {
        // c_k = a0 + Σ S_j cos + i D_j sin;  c_{p-k} = a0 + Σ S_j cos - i D_j sin.
        let er = a0r;
        let ei = a0i;
        let fr = 0;
        let fi = 0;
        for (let j = 1; j <= h; j++) {
          const c = cosP[j * p + k]!;
          const sn = sinP[j * p + k]!;
          er += sc[4 * j]! * c;
          ei += sc[4 * j + 1]! * c;
          fr -= sc[4 * j + 3]! * sn;
          fi += sc[4 * j + 2]! * sn;
        }
        const akr = er + fr;
        const aki = ei + fi;
        const bkr = er - fr;
        const bki = ei - fi;
        const t1 = tq + 2 * (k - 1);
        const t2 = tq + 2 * (p - k - 1);
        const w1r = tw[t1]!;
        const w1i = tw[t1 + 1]!;
        const w2r = tw[t2]!;
        const w2i = tw[t2 + 1]!;
        const o1 = o + k * os;
        const o2 = o + (p - k) * os;
        y[o1] = akr * w1r - aki * w1i;
        y[o1 + 1] = akr * w1i + aki * w1r;
        y[o2] = bkr * w2r - bki * w2i;
        y[o2 + 1] = bkr * w2i + bki * w2r;
      }
    }
  }
}

/** The forward transform of plan.n complex values in x; returns x or y, whichever holds it. */
export function runForward(plan: Plan, x: Float64Array, y: Float64Array): Float64Array {
  const bs = plan.bluestein;
  if (bs) return runBluestein(plan.n, bs, x);
  let src = x;
  let dst = y;
  for (const st of plan.stages) {
    if (st.p === 4) radix4(st, src, dst);
    else if (st.p === 2) radix2(st, src, dst);
    else if (st.p === 3) radix3(st, src, dst);
    else radixOdd(st, src, dst);
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

function runBluestein(n: number, bs: Bluestein, x: Float64Array): Float64Array {
  const { a, b, chirp, kernel, m } = bs;
  for (let k = 0; k < n; k++) {
    const xr = x[2 * k]!;
    const xi = x[2 * k + 1]!;
    const cr = chirp[2 * k]!;
    const ci = chirp[2 * k + 1]!;
    a[2 * k] = xr * cr - xi * ci;
    a[2 * k + 1] = xr * ci + xi * cr;
  }
  a.fill(0, 2 * n);
  let f = runForward(bs.inner, a, b);
  // The inverse FFT of f·kernel as conj(FFT(conj(f·kernel))); the 1/M is in the kernel.
  for (let i = 0; i < 2 * m; i += 2) {
    const fr = f[i]!;
    const fi = f[i + 1]!;
    const kr = kernel[i]!;
    const ki = kernel[i + 1]!;
    f[i] = fr * kr - fi * ki;
    f[i + 1] = -(fr * ki + fi * kr);
  }
  f = runForward(bs.inner, f, f === a ? b : a);
  for (let k = 0; k < n; k++) {
    const gr = f[2 * k]!;
    const gi = -f[2 * k + 1]!;
    const cr = chirp[2 * k]!;
    const ci = chirp[2 * k + 1]!;
    x[2 * k] = gr * cr - gi * ci;
    x[2 * k + 1] = gr * ci + gi * cr;
  }
  return x;
}

// --- drivers over rows and strided axes ----------------------------------------------------------

/**
 * Complex FFTs in place along one axis of `data` (interleaved complex, any float type), viewed
 * as [outer, n, inner] complex elements. `inverse` conjugates around the forward transform and
 * scales by 1/n (XLA's IFFT).
 */
export function fftAxis(
  data: FloatData,
  outer: number,
  n: number,
  inner: number,
  inverse: boolean,
): void {
  if (outer * inner === 0 || n === 0) return;
  const plan = getPlan(n);
  const sign = inverse ? -1 : 1;
  const scale = inverse ? 1 / n : 1;
  const stride = 2 * inner;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = 2 * (o * n * inner + i);
      const x = plan.x;
      for (let t = 0, at = base; t < n; t++, at += stride) {
        x[2 * t] = data[at]!;
        x[2 * t + 1] = sign * data[at + 1]!;
      }
      const r = runForward(plan, x, plan.y);
      const si = sign * scale;
      for (let t = 0, at = base; t < n; t++, at += stride) {
        data[at] = r[2 * t]! * scale;
        data[at + 1] = r[2 * t + 1]! * si;
      }
    }
  }
}

function realTwiddles(plan: Plan): Float64Array {
  if (plan.realTw) return plan.realTw;
  const n = plan.n;
  const tw = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    const [c, s] = twiddle(k, n);
    tw[2 * k] = c;
    tw[2 * k + 1] = s;
  }
  plan.realTw = tw;
  return tw;
}

/**
 * Real-to-complex FFTs of `rows` rows of n reals (`src`, contiguous) into rows of n/2+1 complex
 * values (`dst`, interleaved, contiguous).
 */
export function rfftRows(src: FloatData, dst: FloatData, rows: number, n: number): void {
  const h = Math.floor(n / 2) + 1;
  if (rows === 0) return;
  if (n % 2 === 1 || n < 4) {
    const plan = getPlan(n);
    for (let r = 0; r < rows; r++) {
      const x = plan.x;
      for (let t = 0; t < n; t++) {
        x[2 * t] = src[r * n + t]!;
        x[2 * t + 1] = 0;
      }
      const z = runForward(plan, x, plan.y);
      const o = 2 * r * h;
      for (let k = 0; k < 2 * h; k++) dst[o + k] = z[k]!;
    }
    return;
  }
  const half = n / 2;
  const plan = getPlan(half);
  const tw = realTwiddles(getPlan(n));
  for (let r = 0; r < rows; r++) {
    const x = plan.x;
    const base = r * n;
    for (let t = 0; t < n; t++) x[t] = src[base + t]!;
    const z = runForward(plan, x, plan.y);
    const o = 2 * r * h;
    for (let k = 0; k <= half; k++) {
      // E = (Z[k] + conj Z[-k]) / 2, O = (Z[k] - conj Z[-k]) / 2i, X[k] = E + ω^k O.
      const a = 2 * (k % half);
      const b = 2 * ((half - k) % half);
      const zr = z[a]!;
      const zi = z[a + 1]!;
      const cr = z[b]!;
      const ci = -z[b + 1]!;
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const or = 0.5 * (zi - ci);
      const oi = -0.5 * (zr - cr);
      const wr = tw[2 * k]!;
      const wi = tw[2 * k + 1]!;
      dst[o + 2 * k] = er + or * wr - oi * wi;
      dst[o + 2 * k + 1] = ei + or * wi + oi * wr;
    }
  }
}

/**
 * Complex-to-real inverse FFTs (scaled 1/n) of `rows` rows of n/2+1 complex values (`src`,
 * interleaved, contiguous) into rows of n reals (`dst`). The imaginary parts of bin 0 and, for
 * even n, bin n/2 are ignored.
 */
export function irfftRows(src: FloatData, dst: FloatData, rows: number, n: number): void {
  const h = Math.floor(n / 2) + 1;
  if (rows === 0) return;
  if (n % 2 === 1 || n < 4) {
    const plan = getPlan(n);
    for (let r = 0; r < rows; r++) {
      const x = plan.x;
      const i0 = 2 * r * h;
      // The conjugated Hermitian spectrum: forward-transform it and conjugate back.
      x[0] = src[i0]!;
      x[1] = 0;
      for (let k = 1; k < h; k++) {
        const re = src[i0 + 2 * k]!;
        const im = src[i0 + 2 * k + 1]!;
        x[2 * k] = re;
        x[2 * k + 1] = -im;
        if (n - k !== k) {
          x[2 * (n - k)] = re;
          x[2 * (n - k) + 1] = im;
        } else x[2 * k + 1] = 0;
      }
      const z = runForward(plan, x, plan.y);
      for (let t = 0; t < n; t++) dst[r * n + t] = z[2 * t]! / n;
    }
    return;
  }
  const half = n / 2;
  const plan = getPlan(half);
  const tw = realTwiddles(getPlan(n));
  for (let r = 0; r < rows; r++) {
    const x = plan.x;
    const i0 = 2 * r * h;
    for (let k = 0; k < half; k++) {
      // E = (X[k] + conj X[h-k]) / 2, O = (X[k] - conj X[h-k]) ω^-k / 2, Z = E + i·O, conjugated
      // here so that the forward transform computes the inverse.
      const xr = src[i0 + 2 * k]!;
      const xi = k === 0 ? 0 : src[i0 + 2 * k + 1]!;
      const j = half - k;
      const yr = src[i0 + 2 * j]!;
      const yi = j === half ? 0 : -src[i0 + 2 * j + 1]!;
      const er = 0.5 * (xr + yr);
      const ei = 0.5 * (xi + yi);
      const dr = 0.5 * (xr - yr);
      const di = 0.5 * (xi - yi);
      const wr = tw[2 * k]!;
      const wi = -tw[2 * k + 1]!;
      const or = dr * wr - di * wi;
      const oi = dr * wi + di * wr;
      x[2 * k] = er - oi;
      x[2 * k + 1] = -(ei + or);
    }
    const z = runForward(plan, x, plan.y);
    const scale = 1 / half;
    const o = r * n;
    for (let t = 0; t < half; t++) {
      dst[o + 2 * t] = z[2 * t]! * scale;
      dst[o + 2 * t + 1] = -z[2 * t + 1]! * scale;
    }
  }
}

// --- multi-dimensional transforms ------------------------------------------------------------

function product(xs: readonly number[], from: number, to: number): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= xs[i]!;
  return p;
}

/**
 * XLA's Fft on the trailing `lengths.length` axes of an operand of shape `shape`: for FFT/IFFT
 * and IRFFT `input` is interleaved complex, for RFFT real; `output` is complex except for IRFFT,
 * and holds the operand's shape with the trailing axes replaced by `lengths` (IRFFT) or the last
 * by n/2+1 (RFFT). For FFT/IFFT/RFFT the trailing dims of `shape` must equal `lengths`; for IRFFT
 * the last must be n/2+1. A float32 output is rounded once from float64 intermediates.
 */
export function fftNd(
  kind: FftKind,
  input: FloatData,
  shape: readonly number[],
  lengths: readonly number[],
  output: FloatData,
): void {
  const rank = shape.length;
  const k = lengths.length;
  const first = rank - k;
  if (k === 0) {
    output.set(input);
    return;
  }
  if (kind === "FFT" || kind === "IFFT") {
    const work = output instanceof Float64Array ? output : new Float64Array(output.length);
    work.set(input);
    for (let d = rank - 1; d >= first; d--) {
      fftAxis(work, product(shape, 0, d), shape[d]!, product(shape, d + 1, rank), kind === "IFFT");
    }
    if (work !== output) output.set(work);
    return;
  }
  if (kind === "RFFT") {
    const n = lengths[k - 1]!;
    const outShape = [...shape.slice(0, rank - 1), Math.floor(n / 2) + 1];
    const work = output instanceof Float64Array ? output : new Float64Array(output.length);
    rfftRows(input, work, product(shape, 0, rank - 1), n);
    for (let d = rank - 2; d >= first; d--) {
      fftAxis(work, product(outShape, 0, d), outShape[d]!, product(outShape, d + 1, rank), false);
    }
    if (work !== output) output.set(work);
    return;
  }
  // IRFFT: complex inverses on the leading k-1 axes, then complex-to-real on the last.
  const n = lengths[k - 1]!;
  let work: FloatData = input;
  if (k > 1) {
    work = new Float64Array(input);
    for (let d = rank - 2; d >= first; d--) {
      fftAxis(work, product(shape, 0, d), shape[d]!, product(shape, d + 1, rank), true);
    }
  }
  irfftRows(work, output, product(shape, 0, rank - 1), n);
}
