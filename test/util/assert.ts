/** Comparisons of arrays with references: close within tolerances, or identical. */
import { expect } from "vitest";
import type { Array } from "../../src/core/array.js";
import { vals } from "./arrays.js";

/**
 * Elementwise |got - want| <= atol + rtol·|want|; NaN matches NaN and equal
 * values (infinities) match. `got` and `want` are arrays or number lists.
 */
export function expectClose(
  got: unknown,
  want: unknown,
  what = "",
  rtol = 1e-6,
  atol = 1e-6,
): void {
  const g = vals(got);
  const w = vals(want);
  expect(g.length, what).toBe(w.length);
  w.forEach((wi, i) => {
    const gi = g[i]!;
    const ok = Number.isNaN(wi)
      ? Number.isNaN(gi)
      : gi === wi || Math.abs(gi - wi) <= atol + rtol * Math.abs(wi);
    if (!ok) {
      throw new Error(
        `${what ? `${what}: ` : ""}element ${i} is ${gi}, expected ${wi} (rtol ${rtol}, atol ${atol})`,
      );
    }
  });
}

/** expectClose with one tolerance for both parts: |got - want| <= tol·(1 + |want|). */
export const approx = (got: unknown, want: unknown, tol = 1e-5): void =>
  expectClose(got, want, "", tol, tol);

/** Same shape and dtype, and values close (expectClose). */
export function expectSame(got: unknown, want: Array, what = "", rtol = 1e-6, atol = 1e-6) {
  const g = got as Array;
  expect(g.shape, what).toEqual(want.shape);
  expect(g.dtype, what).toBe(want.dtype);
  expectClose(g, want, what, rtol, atol);
}

/** Same abstract value (shape, dtype, weak type) and equal values (NaN equal to NaN): jit vs eager. */
export function expectIdentical(got: Array, want: Array, what = ""): void {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  expect(got.weakType, what).toBe(want.weakType);
  expect(vals(got), what).toEqual(vals(want));
}
