/**
 * Dtype predicates, byte/text constructors and float stepping, as NumPy/JAX:
 * `jnp.can_cast`, `isdtype`, `frombuffer`, `fromstring`, `nextafter`,
 * `spacing`; and `block` and `put_along_axis`.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import {
  type DType,
  isBool,
  isComplex,
  isFloating,
  isSignedInteger,
  isUnsigned,
} from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions } from "../options.js";
import { normalizeAxis } from "../shape.js";
import { promoteTypes } from "./dtypes.js";
import { constList, filled } from "./internal.js";
import { concatenate, where } from "./manipulation.js";
import { frexp } from "./math_extra.js";
import { cast, promoteArgsInexact } from "./util.js";

function dtypeOf(x: DType | { dtype: DType }): DType {
  return typeof x === "string" ? x : x.dtype;
}

/**
 * `jnp.can_cast(from, to, casting = "safe")`: whether `from` converts to
 * `to` under the rule ("no"/"equiv": the same dtype; "safe": no loss, i.e.
 * promote_types(from, to) is to; "same_kind": also narrower within a kind;
 * "unsafe": always).
 */
export function canCast(
  from: DType | { dtype: DType },
  to: DType,
  casting: "no" | "equiv" | "safe" | "same_kind" | "unsafe" = "safe",
): boolean {
  const f = dtypeOf(from);
  if (casting === "no" || casting === "equiv") return f === to;
  if (casting === "unsafe") return true;
  if (casting === "safe") return promoteTypes(f, to) === to;
  if (casting === "same_kind") {
    const rank = (d: DType): number =>
      isBool(d) ? 0 : isUnsigned(d) ? 1 : isSignedInteger(d) ? 2 : isFloating(d) ? 3 : 4;
    if (promoteTypes(f, to) === to) return true;
    const rf = rank(f);
    const rt = rank(to);
    return rf === rt || (rf === 1 && rt === 2) || rf < rt;
  }
  throw new ValueError(
    `jnp.can_cast: casting must be one of no, equiv, safe, same_kind, unsafe; got ${String(casting)}`,
  );
}

export type DTypeKind =
  | "bool"
  | "signed integer"
  | "unsigned integer"
  | "integral"
  | "real floating"
  | "complex floating"
  | "numeric";

/** `jnp.isdtype(dtype, kind)`: the Array API's dtype test; kind is a name above, a dtype, or a list of them. */
export function isdtype(
  dtype: DType,
  kind: DTypeKind | DType | readonly (DTypeKind | DType)[],
): boolean {
  if (globalThis.Array.isArray(kind))
    return (kind as readonly (DTypeKind | DType)[]).some((k) => isdtype(dtype, k));
  switch (kind) {
    case "bool":
      return isBool(dtype);
    case "signed integer":
      return isSignedInteger(dtype);
    case "unsigned integer":
      return isUnsigned(dtype);
    case "integral":
      return isSignedInteger(dtype) || isUnsigned(dtype);
    case "real floating":
      return isFloating(dtype);
    case "complex floating":
      return isComplex(dtype);
    case "numeric":
      return !isBool(dtype);
    default:
      return dtype === kind;
  }
}

const BYTES: Partial<Record<DType, number>> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

/**
 * `jnp.frombuffer(buffer, dtype = float32, count = -1, offset = 0)`: an array
 * of the little-endian values in the bytes (an ArrayBuffer or a typed array).
 */
export function frombuffer(
  buffer: ArrayBuffer | ArrayBufferView,
  dtype: DType = "float32",
  count = -1,
  offset = 0,
): Array {
  const op = "jnp.frombuffer";
  const bytes =
    buffer instanceof ArrayBuffer
      ? new Uint8Array(buffer)
      : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const size = BYTES[dtype];
  if (size === undefined) throw new TypeError(`${op}: dtype ${dtype} is not supported`);
  if (offset < 0 || offset > bytes.length)
    throw new ValueError(`${op}: offset must be in [0, ${bytes.length}], got ${offset}`);
  const avail = bytes.length - offset;
  if (count < 0 && avail % size !== 0)
    throw new ValueError(`${op}: buffer size must be a multiple of element size`);
  const n = count < 0 ? avail / size : count;
  if (n * size > avail) throw new ValueError(`${op}: buffer is smaller than requested size`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * size);
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * size;
    const v =
      dtype === "float32"
        ? view.getFloat32(o, true)
        : dtype === "float64"
          ? view.getFloat64(o, true)
          : dtype === "int32"
            ? view.getInt32(o, true)
            : dtype === "uint32"
              ? view.getUint32(o, true)
              : dtype === "int16"
                ? view.getInt16(o, true)
                : dtype === "uint16"
                  ? view.getUint16(o, true)
                  : dtype === "int8"
                    ? view.getInt8(o)
                    : view.getUint8(o);
    data.push(dtype === "bool" ? (v !== 0 ? 1 : 0) : v);
  }
  return constList(data, dtype);
}

/** `jnp.fromstring(string, dtype = float32, count = -1, { sep })`: the numbers in a text separated by sep. */
export function fromstring(
  string: string,
  dtype: DType = "float32",
  count = -1,
  options: { sep?: string } = {},
): Array {
  const op = "jnp.fromstring";
  options = checkOptions(op, options, { sep: true });
  const sep = options.sep;
  if (sep === undefined || sep === "") {
    throw new ValueError(
      `${op}: give a separator { sep }; binary mode (sep "") is deprecated, use jnp.frombuffer`,
    );
  }
  const parts = (
    sep.trim() === "" ? string.trim().split(/\s+/) : string.split(sep).map((s) => s.trim())
  ).filter((s) => s !== "");
  const vals = parts.map((s) => {
    const v = Number(s);
    if (Number.isNaN(v) && s.toLowerCase() !== "nan")
      throw new ValueError(`${op}: string ${JSON.stringify(s)} is not a number`);
    return v;
  });
  const taken = count < 0 ? vals : vals.slice(0, count);
  if (count >= 0 && taken.length < count)
    throw new ValueError(`${op}: string is smaller than requested size`);
  return constList(taken, dtype);
}

/** Precision p (mantissa bits, with the implicit one) and frexp's minimum exponent. */
function floatFormat(d: DType): { p: number; emin: number } {
  switch (d) {
    case "float64":
      return { p: 53, emin: -1021 };
    case "float16":
      return { p: 11, emin: -13 };
    case "bfloat16":
      return { p: 8, emin: -125 };
    default:
      return { p: 24, emin: -125 };
  }
}

function pow2(e: Array): Array {
  const h = lax.floor(lax.mul(e, 0.5));
  return lax.mul(lax.exp2(h), lax.exp2(lax.sub(e, h)));
}

/** `jnp.nextafter(x1, x2)`: the next representable value after x1 towards x2 (elementwise). */
export function nextafter(x1: ArrayLike, x2: ArrayLike): Array {
  const op = "jnp.nextafter";
  const [a0, b0] = promoteArgsInexact(op, x1, x2);
  const a = a0!;
  const b = b0!;
  if (isComplex(a.dtype)) throw new TypeError(`${op}: not defined for complex inputs`);
  const { p, emin } = floatFormat(a.dtype);
  const [m, e0] = frexp(a);
  const e = cast(e0, a.dtype);
  const zero = filled(a.shape, 0, a.dtype);
  const ulp = pow2(lax.sub(lax.max(e, filled(a.shape, emin, a.dtype)), p));
  // Towards zero from a power of two (above the subnormals), the step halves.
  const up = lax.gt(b, a);
  const away = where(lax.ge(a, zero), up, lax.bitwiseNot(up));
  const pow2Edge = lax.bitwiseAnd(
    lax.eq(lax.abs(m), filled(a.shape, 0.5, a.dtype)),
    lax.gt(e, filled(a.shape, emin, a.dtype)),
  );
  const step = where(lax.bitwiseAnd(lax.bitwiseNot(away), pow2Edge), lax.mul(ulp, 0.5), ulp);
  const moved = where(up, lax.add(a, step), lax.sub(a, step));
  const tiny = pow2(filled(a.shape, emin - p, a.dtype));
  const fromZero = where(up, tiny, lax.neg(tiny));
  let r = where(lax.eq(a, zero), fromZero, moved);
  r = where(lax.eq(a, b), b, r);
  const nan = lax.bitwiseOr(lax.ne(a, a), lax.ne(b, b));
  r = where(nan, filled(a.shape, Number.NaN, a.dtype), r);
  // From ±inf towards a finite value: the largest finite value.
  const inf = lax.bitwiseNot(lax.isFinite(a));
  const big = filled(a.shape, (2 - 2 ** (1 - p)) * 2 ** (-emin + 2), a.dtype);
  return where(
    lax.bitwiseAnd(inf, lax.bitwiseNot(nan)),
    where(lax.eq(a, b), a, lax.mul(big, lax.sign(a))),
    r,
  );
}

/** `jnp.spacing(x)`: the distance from x to the next representable value away from zero. */
export function spacing(x: ArrayLike): Array {
  const op = "jnp.spacing";
  const [a0] = promoteArgsInexact(op, x);
  const a = a0!;
  if (isComplex(a.dtype)) throw new ValueError(`${op}: not defined for complex inputs`);
  const inf = filled(a.shape, Number.POSITIVE_INFINITY, a.dtype);
  const signed = where(lax.lt(a, filled(a.shape, 0, a.dtype)), lax.neg(inf), inf);
  const towards = a.dtype === "float16" ? inf : signed;
  return lax.sub(nextafter(a, towards), a);
}

type Nested = ArrayLike | readonly Nested[];

function depthOf(x: Nested): number {
  return globalThis.Array.isArray(x) ? 1 + depthOf((x as readonly Nested[])[0]!) : 0;
}

/** `jnp.block(arrays)`: one array from nested lists of blocks (the innermost lists join along the last axis). */
export function block(arrays: readonly Nested[]): Array {
  const op = "jnp.block";
  const depth = depthOf(arrays);
  const leaves: Array[] = [];
  const collect = (x: Nested, d: number): void => {
    if (globalThis.Array.isArray(x)) {
      if ((x as readonly Nested[]).length === 0)
        throw new ValueError(`${op}: lists cannot be empty`);
      for (const c of x as readonly Nested[]) collect(c, d + 1);
    } else {
      if (d !== depth) throw new ValueError(`${op}: list depths are mismatched`);
      leaves.push(asArray(x as ArrayLike, op, "a block"));
    }
  };
  collect(arrays, 0);
  const ndim = Math.max(depth, ...leaves.map((l) => l.ndim));
  const rec = (x: Nested, d: number): Array => {
    if (!globalThis.Array.isArray(x)) {
      const a = asArray(x as ArrayLike, op, "a block");
      return a.ndim === ndim
        ? a
        : lax.reshape(a, [...new globalThis.Array<number>(ndim - a.ndim).fill(1), ...a.shape]);
    }
    return concatenate(
      (x as readonly Nested[]).map((c) => rec(c, d + 1)),
      ndim - depth + d,
    );
  };
  return rec(arrays, 0);
}

/**
 * `jnp.put_along_axis(arr, indices, values, axis, { inplace: false, mode })`:
 * a copy of arr with values written at the indices along axis (the inverse
 * of take_along_axis).
 */
export function putAlongAxis(
  arr: ArrayLike,
  indices: ArrayLike,
  values: ArrayLike,
  axis: number | null,
  options: { inplace?: boolean; mode?: "promise_in_bounds" | "clip" | "drop" | "fill" } = {},
): Array {
  const op = "jnp.put_along_axis";
  options = checkOptions(op, options, { inplace: true, mode: true });
  if (options.inplace !== false) {
    throw new ValueError(
      `${op}: JAX arrays are immutable; pass { inplace: false } and use the result`,
    );
  }
  let a = asArray(arr, op, "arr");
  let idx = asArray(indices, op, "indices");
  const flat = axis == null;
  if (flat) {
    a = lax.reshape(a, [a.size]);
    idx = lax.reshape(idx, [idx.size]);
  }
  const ax = normalizeAxis(axis ?? 0, a.ndim, op);
  if (idx.ndim !== a.ndim)
    throw new ValueError(`${op}: indices and arr must have the same number of dimensions`);
  const shape = idx.shape.map((d, i) => (i === ax ? d : Math.max(d, a.shape[i]!)));
  const grids = a.shape.map((_, i) =>
    i === ax
      ? lax.broadcastInDim(
          idx,
          shape,
          shape.map((_s, j) => j),
        )
      : lax.broadcastInDim(lax.iota("int32", shape[i]!), shape, [i]),
  );
  const v = broadcastValues(cast(asArray(values, op, "values"), a.dtype), shape);
  const out = a.at(...grids).set(v, options.mode === undefined ? {} : { mode: options.mode });
  return flat ? lax.reshape(out, asArray(arr, op, "arr").shape) : out;
}

function broadcastValues(v: Array, shape: readonly number[]): Array {
  return lax.broadcastInDim(
    v,
    [...shape],
    v.shape.map((_, i) => shape.length - v.ndim + i),
  );
}
