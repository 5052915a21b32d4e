/**
 * `jax.lax.linalg`: `cholesky`, `qr` (Householder, LAPACK's conventions) and
 * `triangular_solve`, with their jvp, transpose and batch rules. All act on
 * the last two dimensions and map over the leading (batch) ones. Kernels
 * compute in doubles and store into the operand's dtype.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { Primitive, UndefinedPrimal, Zero } from "../core/primitive.js";
import { bind, bind1 } from "../core/trace.js";
import { allocate, isFloating, type TypedArray } from "../dtype.js";
import { shapeStr, shapesEqual } from "../shape.js";
import { castToAval, instantiate, isZero, zerosLike } from "./ad_util.js";
import { batchToFront } from "./batch_util.js";
import { dotGeneral } from "./dot.js";
import { add, div, eq, ge, le, neg, selectN, sub } from "./elementwise.js";
import { broadcastedIota, broadcastInDim, transpose } from "./shape_ops.js";

/** Checks a batch of matrices [..., m, n] of a float dtype (square when asked). */
function checkMatrices(op: string, x: ShapedArray, square: boolean): [number, number] {
  if (!isFloating(x.dtype)) {
    throw new TypeError(
      `${op}: the operand must have a float dtype (float32, float64), got ${x.dtype}`,
    );
  }
  const m = x.shape[x.ndim - 2];
  const n = x.shape[x.ndim - 1];
  if (x.ndim < 2 || (square && m !== n)) {
    throw new TypeError(
      `${op}: the operand must be a ${square ? "(batch of) square matrices" : "(batch of) matrices"} ` +
        `of shape (..., ${square ? "n, n" : "m, n"}), got shape ${shapeStr(x.shape)}`,
    );
  }
  return [m!, n!];
}

/** Calls `f(offset)` for every matrix of `size` elements in a batch of `count` elements. */
function eachMatrix(count: number, size: number, f: (offset: number) => void): void {
  if (size === 0) return;
  for (let off = 0; off < count; off += size) f(off);
}

// --- cholesky ---------------------------------------------------------------------

function choleskyAval([x]: ShapedArray[]): ShapedArray[] {
  checkMatrices("lax.linalg.cholesky", x!, true);
  return [new ShapedArray(x!.shape, x!.dtype, false)];
}

/**
 * Lower Cholesky factor of each matrix (reading its lower triangle), as
 * LAPACK's potrf; a matrix that is not positive definite gives NaNs, as in JAX.
 */
function choleskyKernel(a: TypedArray, out: TypedArray, n: number, off: number): void {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[off + j * n + j]!;
    for (let k = 0; k < j; k++) s -= L[j * n + k]! * L[j * n + k]!;
    if (!(s > 0)) {
      out.fill(Number.NaN, off, off + n * n);
      return;
    }
    const d = Math.sqrt(s);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[off + i * n + j]!;
      for (let k = 0; k < j; k++) t -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = t / d;
    }
  }
  for (let i = 0; i < n * n; i++) out[off + i] = L[i]!;
}

export const choleskyP: Primitive = new Primitive("cholesky", {
  abstractEval: choleskyAval,
  impl: ([x]) => {
    const [aval] = choleskyAval([x!.aval]);
    const n = x!.shape[x!.ndim - 1]!;
    const out = allocate(aval!.dtype, aval!.size);
    eachMatrix(out.length, n * n, (off) => choleskyKernel(x!.values, out, n, off));
    return [new ArrayImpl(aval!, out)];
  },
  batch: ([x], [d], _p, axis) => [[bind1(choleskyP, [batchToFront(x!, d!, axis.size)], {})], [0]],
  jvp: choleskyJvp,
  transpose: null,
});

/**
 * dL = L φ(L⁻¹ dA L⁻ᵀ), φ taking the lower triangle with the diagonal halved
 * (Murray 2016, "Differentiation of the Cholesky decomposition"; JAX's rule).
 * The tangent is taken as symmetric: the primitive reads only the lower
 * triangle, and `cholesky` symmetrizes its input by default.
 */
function choleskyJvp([x]: Array[], [t]: (Array | Zero)[]): [Array[], (Array | Zero)[]] {
  const l = bind1(choleskyP, [x!], {});
  if (isZero(t)) return [[l], [new Zero(l.aval)]];
  const tmp = triangularSolve(l, t!, { leftSide: false, lower: true, transposeA: true });
  const lower = triangle(triangularSolve(l, tmp, { leftSide: true, lower: true }), true, 0);
  const phi = selectN(eq(colMinusRow(lower.shape), 0), lower, div(lower, 2));
  return [[l], [castToAval(matmul(l, phi), l.aval)]];
}

/** (x + xᵀ) / 2 over the last two dimensions. */
function symmetrize(x: Array): Array {
  return div(add(x, matrixTranspose(x)), 2);
}

export interface CholeskyOptions {
  /** Use (x + xᵀ)/2 instead of x's lower triangle (default true, as JAX). */
  symmetrizeInput?: boolean;
}

/**
 * `lax.linalg.cholesky(x, { symmetrizeInput })`: the lower-triangular L with
 * L Lᵀ = x, for each matrix of a batch [..., n, n]. NaNs where x is not
 * positive definite.
 */
export function cholesky(x: ArrayLike, options: CholeskyOptions = {}): Array {
  const op = "lax.linalg.cholesky";
  let a = asArray(x, op, "x");
  checkMatrices(op, a.aval, true);
  if (options.symmetrizeInput ?? true) a = symmetrize(a);
  return bind1(choleskyP, [a], {});
}

// --- qr ---------------------------------------------------------------------------

export interface QrParams {
  full_matrices: boolean;
}

function qrAval([x]: ShapedArray[], { full_matrices }: QrParams): ShapedArray[] {
  const [m, n] = checkMatrices("lax.linalg.qr", x!, false);
  const k = full_matrices ? m : Math.min(m, n);
  const batch = x!.shape.slice(0, -2);
  return [
    new ShapedArray([...batch, m, k], x!.dtype, false),
    new ShapedArray([...batch, k, n], x!.dtype, false),
  ];
}

/**
 * Householder QR of one m×n matrix (LAPACK's geqrf + orgqr conventions:
 * reflector j maps column j to beta·e_j with beta = -sign(alpha)·‖x‖, and
 * is skipped when the column below the diagonal is already zero). Writes
 * the first `k` columns of Q (m×k) and the first k rows of R (k×n).
 */
function qrKernel(
  a: TypedArray,
  aOff: number,
  m: number,
  n: number,
  k: number,
  q: TypedArray,
  qOff: number,
  r: TypedArray,
  rOff: number,
): void {
  const A = Float64Array.from(a.subarray(aOff, aOff + m * n));
  const Q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Q[i * m + i] = 1;
  const v = new Float64Array(m);
  for (let j = 0; j < Math.min(m, n); j++) {
    // v and tau do not change when the column is scaled: compute them from the
    // column scaled to max |x| = 1, safe from overflow and subnormal underflow.
    let scale = 0;
    for (let i = j + 1; i < m; i++) scale = Math.max(scale, Math.abs(A[i * n + j]!));
    if (scale === 0) continue; // nothing below the diagonal: H = I (tau = 0)
    scale = Math.max(scale, Math.abs(A[j * n + j]!));
    const alpha = A[j * n + j]! / scale;
    let tail = 0;
    for (let i = j + 1; i < m; i++) tail = Math.hypot(tail, A[i * n + j]! / scale);
    const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, tail);
    const tau = (beta - alpha) / beta;
    v[j] = 1;
    for (let i = j + 1; i < m; i++) v[i] = A[i * n + j]! / scale / (alpha - beta);
    // A[j:, j:] -= tau v (vᵀ A[j:, j:])
    for (let c = j; c < n; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i]! * A[i * n + c]!;
      s *= tau;
      for (let i = j; i < m; i++) A[i * n + c] = A[i * n + c]! - s * v[i]!;
    }
    // Q[:, j:] -= tau (Q[:, j:] v) vᵀ
    for (let row = 0; row < m; row++) {
      let s = 0;
      for (let i = j; i < m; i++) s += Q[row * m + i]! * v[i]!;
      s *= tau;
      for (let i = j; i < m; i++) Q[row * m + i] = Q[row * m + i]! - s * v[i]!;
    }
    // The reflection makes the column exactly beta·e_j.
    A[j * n + j] = beta * scale;
    for (let i = j + 1; i < m; i++) A[i * n + j] = 0;
  }
  for (let row = 0; row < m; row++) {
    for (let c = 0; c < k; c++) q[qOff + row * k + c] = Q[row * m + c]!;
  }
  for (let row = 0; row < k; row++) {
    for (let c = 0; c < n; c++) r[rOff + row * n + c] = row < m && c >= row ? A[row * n + c]! : 0;
  }
}

export const qrP: Primitive<QrParams> = new Primitive<QrParams>(
  "qr",
  {
    abstractEval: qrAval,
    impl: ([x], params) => {
      const [qAval, rAval] = qrAval([x!.aval], params);
      const m = x!.shape[x!.ndim - 2]!;
      const n = x!.shape[x!.ndim - 1]!;
      const k = qAval!.shape[qAval!.ndim - 1]!;
      const q = allocate(qAval!.dtype, qAval!.size);
      const r = allocate(rAval!.dtype, rAval!.size);
      const count = m * n === 0 ? 0 : x!.size / (m * n);
      for (let b = 0; b < count; b++)
        qrKernel(x!.values, b * m * n, m, n, k, q, b * m * k, r, b * k * n);
      if (m * n === 0) {
        // Empty matrices: Q is the identity's first k columns, R is empty or zero.
        const batches = qAval!.size / Math.max(1, m * k);
        for (let b = 0; b < batches; b++)
          for (let i = 0; i < Math.min(m, k); i++) q[b * m * k + i * k + i] = 1;
      }
      return [new ArrayImpl(qAval!, q), new ArrayImpl(rAval!, r)];
    },
    batch: ([x], [d], params, axis) => [
      bind(qrP, [batchToFront(x!, d!, axis.size)], params),
      [0, 0],
    ],
    jvp: qrJvp,
    transpose: null,
  },
  true,
);

/**
 * The derivative of reduced QR for m ≥ n (JAX's rule): with A = Qᵀ dX R⁻¹ and
 * Ω = tril(A, -1) - tril(A, -1)ᵀ, dQ = Q (Ω - A) + dX R⁻¹ and dR = (A - Ω) R.
 */
function qrJvp([x]: Array[], [t]: (Array | Zero)[], params: QrParams): [Array[], (Array | Zero)[]] {
  const m = x!.shape[x!.ndim - 2]!;
  const n = x!.shape[x!.ndim - 1]!;
  if (m < n || (params.full_matrices && m !== n)) {
    throw new Error(
      `lax.linalg.qr: the derivative is defined for reduced QR of matrices with m >= n ` +
        `(fullMatrices only when square), got shape ${shapeStr(x!.shape)} with fullMatrices ${params.full_matrices}`,
    );
  }
  const [q, r] = bind(qrP, [x!], params) as [Array, Array];
  if (isZero(t))
    return [
      [q, r],
      [new Zero(q.aval), new Zero(r.aval)],
    ];
  const dxRinv = triangularSolve(r, t!, { leftSide: false, lower: false });
  const a = matmul(matrixTranspose(q), dxRinv);
  const below = triangle(a, true, -1);
  const omega = sub(below, matrixTranspose(below));
  const dq = add(matmul(q, sub(omega, a)), dxRinv);
  const dr = matmul(sub(a, omega), r);
  return [
    [q, r],
    [castToAval(dq, q.aval), castToAval(dr, r.aval)],
  ];
}

export interface QrOptions {
  /** Q of shape (..., m, m) and R (..., m, n) (default true, as jax.lax.linalg.qr); false: (..., m, k) and (..., k, n), k = min(m, n). */
  fullMatrices?: boolean;
}

/** `lax.linalg.qr(x, { fullMatrices })`: [Q, R] with Q orthonormal columns, R upper triangular, Q R = x. */
export function qr(x: ArrayLike, options: QrOptions = {}): [Array, Array] {
  const a = asArray(x, "lax.linalg.qr", "x");
  const [q, r] = bind(qrP, [a], { full_matrices: options.fullMatrices ?? true });
  return [q!, r!];
}

// --- triangular_solve ---------------------------------------------------------------

export interface TriangularSolveParams {
  left_side: boolean;
  lower: boolean;
  transpose_a: boolean;
  unit_diagonal: boolean;
}

function triangularSolveAval([a, b]: ShapedArray[], p: TriangularSolveParams): ShapedArray[] {
  const op = "lax.linalg.triangularSolve";
  const [m] = checkMatrices(op, a!, true);
  if (b!.ndim < 2 || !isFloating(b!.dtype)) {
    throw new TypeError(
      `${op}: b must be a (batch of) float matrices, got ${b!.dtype} of shape ${shapeStr(b!.shape)}`,
    );
  }
  if (a!.dtype !== b!.dtype) {
    throw new TypeError(`${op}: a and b must have the same dtype, got ${a!.dtype} and ${b!.dtype}`);
  }
  const solved = p.left_side ? b!.shape[b!.ndim - 2] : b!.shape[b!.ndim - 1];
  if (
    a!.ndim !== b!.ndim ||
    !shapesEqual(a!.shape.slice(0, -2), b!.shape.slice(0, -2)) ||
    solved !== m
  ) {
    throw new TypeError(
      `${op}: a of shape ${shapeStr(a!.shape)} needs b of shape ` +
        `${p.left_side ? "(..., m, n)" : "(..., n, m)"} with the same batch dimensions ` +
        `(leftSide ${p.left_side}), got ${shapeStr(b!.shape)}`,
    );
  }
  return [new ShapedArray(b!.shape, b!.dtype, false)];
}

/**
 * Solves op(A) X = B for one m×m A and m×n B in place in `x` (doubles), op(A)
 * being A or Aᵀ; reads only the triangle of A that `lower` names (and not its
 * diagonal when unitDiagonal). Substitution runs forward when op(A) is lower.
 */
function solveLeft(
  a: TypedArray,
  aOff: number,
  x: Float64Array,
  m: number,
  n: number,
  lower: boolean,
  transposeA: boolean,
  unitDiagonal: boolean,
): void {
  const at = (i: number, j: number) => (transposeA ? a[aOff + j * m + i]! : a[aOff + i * m + j]!);
  const forward = lower !== transposeA;
  for (let s = 0; s < m; s++) {
    const i = forward ? s : m - 1 - s;
    const [k0, k1] = forward ? [0, i] : [i + 1, m];
    for (let k = k0; k < k1; k++) {
      const c = at(i, k);
      if (c === 0) continue;
      for (let j = 0; j < n; j++) x[i * n + j]! -= c * x[k * n + j]!;
    }
    if (!unitDiagonal) {
      const d = at(i, i);
      for (let j = 0; j < n; j++) x[i * n + j]! /= d;
    }
  }
}

function triangularSolveImpl(
  a: ArrayImpl,
  b: ArrayImpl,
  p: TriangularSolveParams,
  aval: ShapedArray,
): ArrayImpl {
  const m = a.shape[a.ndim - 1]!;
  const rows = b.shape[b.ndim - 2]!;
  const cols = b.shape[b.ndim - 1]!;
  const out = allocate(aval.dtype, aval.size);
  const count = m * rows * cols === 0 ? 0 : b.size / (rows * cols);
  // X op(A) = B is op(A)ᵀ Xᵀ = Bᵀ: solve the transposed system from the left.
  const n = p.left_side ? cols : rows;
  const x = new Float64Array(m * n);
  for (let bi = 0; bi < count; bi++) {
    const off = bi * rows * cols;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        x[p.left_side ? r * cols + c : c * rows + r] = b.values[off + r * cols + c]!;
      }
    const transposeA = p.left_side ? p.transpose_a : !p.transpose_a;
    solveLeft(a.values, bi * m * m, x, m, n, p.lower, transposeA, p.unit_diagonal);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        out[off + r * cols + c] = x[p.left_side ? r * cols + c : c * rows + r]!;
      }
  }
  return new ArrayImpl(aval, out);
}

export const triangularSolveP: Primitive<TriangularSolveParams> =
  new Primitive<TriangularSolveParams>("triangular_solve", {
    abstractEval: triangularSolveAval,
    impl: ([a, b], p) => [
      triangularSolveImpl(a!, b!, p, triangularSolveAval([a!.aval, b!.aval], p)[0]!),
    ],
    jvp: ([a, b], [ta, tb], p) => {
      const ans = bind1(triangularSolveP, [a!, b!], p);
      let t: Array | Zero = new Zero(ans.aval);
      // Linear in b: the same solve of b's tangent.
      if (!isZero(tb)) t = bind1(triangularSolveP, [a!, tb!], p);
      // d(A⁻¹B) = -A⁻¹ dA A⁻¹B (left), d(B A⁻¹) = -B A⁻¹ dA A⁻¹ (right), dA on A's triangle.
      if (!isZero(ta)) {
        const k = p.unit_diagonal ? 1 : 0;
        let da = triangle(ta!, p.lower, p.lower ? -k : k);
        if (p.transpose_a) da = matrixTranspose(da);
        const prod = p.left_side ? matmul(da, ans) : matmul(ans, da);
        const ga = neg(bind1(triangularSolveP, [a!, prod], p));
        t = isZero(t) ? ga : add(t, ga);
      }
      return [[ans], [isZero(t) ? t : castToAval(t, ans.aval)]];
    },
    // Linear in b only: the cotangent solves with op(A) transposed.
    transpose: ([ct], [a, b], p) => {
      if (a instanceof UndefinedPrimal) {
        throw new Error("lax.linalg.triangularSolve: transposing in a (not linear) is undefined");
      }
      if (!(b instanceof UndefinedPrimal)) return [null, null];
      if (isZero(ct)) return [null, new Zero(b.aval)];
      const flipped = { ...p, transpose_a: !p.transpose_a };
      return [null, castToAval(bind1(triangularSolveP, [a, instantiate(ct!)], flipped), b.aval)];
    },
    batch: ([a, b], [da, db], p, axis) => [
      [
        bind1(
          triangularSolveP,
          [batchToFront(a!, da!, axis.size), batchToFront(b!, db!, axis.size)],
          p,
        ),
      ],
      [0],
    ],
  });

export interface TriangularSolveOptions {
  /** Solve op(a) x = b (true) or x op(a) = b (false, the default, as JAX). */
  leftSide?: boolean;
  /** Read a's lower (true) or upper (false, the default) triangle. */
  lower?: boolean;
  /** op(a) = aᵀ (default false). */
  transposeA?: boolean;
  /** Take a's diagonal as ones, without reading it (default false). */
  unitDiagonal?: boolean;
}

/**
 * `lax.linalg.triangularSolve(a, b, { leftSide, lower, transposeA, unitDiagonal })`:
 * x with op(a) x = b (leftSide) or x op(a) = b, for a batch of triangular
 * a [..., m, m] and b [..., m, n] (leftSide) or [..., n, m].
 */
export function triangularSolve(
  a: ArrayLike,
  b: ArrayLike,
  options: TriangularSolveOptions = {},
): Array {
  const op = "lax.linalg.triangularSolve";
  return bind1(triangularSolveP, [asArray(a, op, "a"), asArray(b, op, "b")], {
    left_side: options.leftSide ?? false,
    lower: options.lower ?? false,
    transpose_a: options.transposeA ?? false,
    unit_diagonal: options.unitDiagonal ?? false,
  });
}

// --- matrix helpers of the rules ----------------------------------------------------

/** Swaps the last two dimensions. */
function matrixTranspose(x: Array): Array {
  const perm = x.shape.map((_, i) => i);
  perm[x.ndim - 2] = x.ndim - 1;
  perm[x.ndim - 1] = x.ndim - 2;
  return transpose(x, perm);
}

/** a @ b over the last two dimensions, the leading ones batch dimensions of both. */
function matmul(a: Array, b: Array): Array {
  const nd = a.ndim;
  const batch = a.shape.slice(0, -2).map((_, i) => i);
  return dotGeneral(a, b, [
    [[nd - 1], [nd - 2]],
    [batch, batch],
  ]);
}

/** col - row over the last two dimensions of `shape`, broadcast to it (int32). */
function colMinusRow(shape: readonly number[]): Array {
  const s2 = shape.slice(-2);
  const d = sub(broadcastedIota("int32", s2, 1), broadcastedIota("int32", s2, 0));
  return broadcastInDim(d, shape, [shape.length - 2, shape.length - 1]);
}

/** tril(x, k) (lower) or triu(x, k) over the last two dimensions: zeros elsewhere. */
function triangle(x: Array, lower: boolean, k: number): Array {
  const d = colMinusRow(x.shape);
  return selectN(lower ? le(d, k) : ge(d, k), zerosLike(x.aval), x);
}
