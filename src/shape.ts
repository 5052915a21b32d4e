/** Shapes, axes and NumPy broadcasting, with errors that name the operation. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Python-style tuple text, as NumPy and JAX print shapes: (3,), (2, 3), (). */
export function shapeStr(shape: Shape): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** NumPy broadcasting of several shapes; `op` names the caller in the error. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    const off = ndim - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[off + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[off + i] = d;
      else {
        throw new Error(
          `${op}: shapes ${shapes.map(shapeStr).join(", ")} cannot be broadcast together ` +
            `(dimension ${i - s.length} has sizes ${o} and ${d})`,
        );
      }
    }
  }
  return out;
}

/** Normalizes a possibly negative axis into [0, ndim), naming the caller on error. */
export function normalizeAxis(axis: number, ndim: number, op: string, arg = "axis"): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new Error(
      `${op}: ${arg} ${axis} is out of bounds for an array of rank ${ndim}` +
        (ndim > 0 ? ` (allowed: ${-ndim} to ${ndim - 1})` : " (a 0-d array has no axes)"),
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalizes `axis` options (a number, a list, or null/undefined for all axes). */
export function normalizeAxes(
  axis: number | readonly number[] | null | undefined,
  ndim: number,
  op: string,
): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(a, ndim, op));
  if (new Set(out).size !== out.length) {
    throw new Error(`${op}: repeated axis in ${JSON.stringify(list)}`);
  }
  return out;
}

export function isPermutation(perm: readonly number[], n: number): boolean {
  if (perm.length !== n) return false;
  const seen = new Array<boolean>(n).fill(false);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= n || seen[p]) return false;
    seen[p] = true;
  }
  return true;
}
