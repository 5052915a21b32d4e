/** Row-major matrices as JS number lists: float64 references for the linear algebra tests. */

/** The n×m product of an n×k and a k×m matrix. */
export function matmul(
  a: readonly number[],
  b: readonly number[],
  n: number,
  k: number,
  m: number,
) {
  const out = new globalThis.Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++)
      for (let t = 0; t < k; t++) out[i * m + j]! += a[i * k + t]! * b[t * m + j]!;
  return out;
}

/** The m×n transpose of an n×m matrix. */
export function transpose(a: readonly number[], n: number, m: number): number[] {
  return globalThis.Array.from(
    { length: n * m },
    (_, idx) => a[(idx % n) * m + Math.floor(idx / n)]!,
  );
}

/** The n×n identity. */
export const eye = (n: number): number[] =>
  globalThis.Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));

/** AᵀA (cols × cols) of a rows × cols matrix. */
export const gram = (a: readonly number[], rows: number, cols: number): number[] =>
  matmul(transpose(a, rows, cols), a, cols, rows, cols);
