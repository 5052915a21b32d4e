/**
 * Symmetric eigendecomposition for larger matrices: Householder reduction to
 * tridiagonal form, then implicit QL iterations with Wilkinson shifts
 * (the classic EISPACK tred2/tql2 scheme, as LAPACK's steqr), about 9n³
 * flops with eigenvectors against Jacobi's 30n³ or so.
 */

/**
 * A symmetric n×n A (doubles, row-major, both triangles; overwritten) as
 * Q T Qᵀ: returns T's diagonal d, its off-diagonal e (e[i] couples i and
 * i + 1; e[n - 1] = 0) and Qᵀ (row-major). Step k reflects rows and
 * columns k + 1.. so that column k below the subdiagonal vanishes.
 */
function tridiagonalize(A: Float64Array, n: number): [Float64Array, Float64Array, Float64Array] {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const taus = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const row = k * n;
    // x = A[k+1:, k] = A[k, k+1:] (symmetric), scaled against overflow.
    let scale = 0;
    for (let i = k + 1; i < n; i++) scale = Math.max(scale, Math.abs(A[row + i]!));
    let tail = 0;
    for (let i = k + 2; i < n; i++) tail += (A[row + i]! / scale) ** 2;
    if (scale === 0 || tail === 0) {
      e[k] = A[row + k + 1]!;
      continue;
    }
    const alpha = A[row + k + 1]! / scale;
    const beta = -(alpha >= 0 ? 1 : -1) * Math.sqrt(alpha * alpha + tail);
    const tau = (beta - alpha) / beta;
    taus[k] = tau;
    e[k] = beta * scale;
    // v = (1, x[1:] / (alpha - beta)), kept in row k past the subdiagonal.
    const f = 1 / (scale * (alpha - beta));
    A[row + k + 1] = 1;
    for (let i = k + 2; i < n; i++) A[row + i] = A[row + i]! * f;
    // Trailing block M ← H M H = M - v wᵀ - w vᵀ with p = tau M v, w = p - (tau/2)(pᵀv) v.
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += A[i * n + j]! * A[row + j]!;
      p[i] = tau * s;
      pv += p[i]! * A[row + i]!;
    }
    const half = (tau / 2) * pv;
    for (let i = k + 1; i < n; i++) p[i] = p[i]! - half * A[row + i]!;
    for (let i = k + 1; i < n; i++) {
      const vi = A[row + i]!;
      const wi = p[i]!;
      for (let j = k + 1; j < n; j++) {
        A[i * n + j] = A[i * n + j]! - vi * p[j]! - wi * A[row + j]!;
      }
    }
  }
  for (let i = 0; i < n; i++) d[i] = A[i * n + i]!;
  if (n >= 2) e[n - 2] = A[(n - 2) * n + n - 1]!;
  // Qᵀ = H_{n-3} ⋯ H_0: apply H_0 first to the identity.
  const Qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Qt[i * n + i] = 1;
  const y = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const tau = taus[k]!;
    if (tau === 0) continue;
    const row = k * n;
    y.fill(0);
    for (let i = k + 1; i < n; i++) {
      const vi = A[row + i]!;
      for (let j = 0; j < n; j++) y[j] = y[j]! + vi * Qt[i * n + j]!;
    }
    for (let i = k + 1; i < n; i++) {
      const vi = tau * A[row + i]!;
      for (let j = 0; j < n; j++) Qt[i * n + j] = Qt[i * n + j]! - vi * y[j]!;
    }
  }
  return [d, e, Qt];
}

/**
 * Implicit QL on the tridiagonal (d, e), in place: d becomes the
 * eigenvalues and each rotation also turns rows of Zt (Zt ← Gᵀ Zt), so
 * Zt = Qᵀ turns into the eigenvectors as rows. For each l, chases the bulge
 * from the first negligible e[m] (m ≥ l) up to l with Wilkinson's shift.
 */
function tridiagonalQl(d: Float64Array, e: Float64Array, Zt: Float64Array, n: number): void {
  for (let l = 0; l < n; l++) {
    for (let iter = 0; iter < 60; iter++) {
      let m = l;
      while (m < n - 1) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) + dd === dd) break;
        m++;
      }
      if (m === l) break;
      // Shift: the eigenvalue of the leading 2×2 block nearer d[l].
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Underflow: the matrix splits here; restart from l.
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        // Rows i and i + 1 of Zt: the same rotation.
        const io = i * n;
        const jo = io + n;
        for (let k = 0; k < n; k++) {
          const zi = Zt[io + k]!;
          const zj = Zt[jo + k]!;
          Zt[jo + k] = s * zi + c * zj;
          Zt[io + k] = c * zi - s * zj;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/**
 * Eigenvalues and eigenvectors (as rows of the returned Vt) of a symmetric
 * A (n×n, both triangles; overwritten).
 */
export function tridiagonalEigen(A: Float64Array, n: number): [Float64Array, Float64Array] {
  const [d, e, Zt] = tridiagonalize(A, n);
  tridiagonalQl(d, e, Zt, n);
  return [d, Zt];
}
