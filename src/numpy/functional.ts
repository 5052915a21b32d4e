/**
 * Functions of functions, with NumPy's semantics and JAX's implementation
 * (vmap, never a Python-style loop over elements): `jnp.vectorize` (with
 * gufunc `signature`s), `apply_along_axis`, `apply_over_axes`, `piecewise`;
 * and `trapezoid`, `extract`, `compress`, `place`, `put`.
 */
import { vmap } from "../api/vmap.js";
import { type Array, ArrayImpl } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { defaultFloat, isBool, isInexact } from "../dtype.js";
import { ConcretizationTypeError, ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkFunction, checkOptions, type OptionKeys } from "../options.js";
import { broadcastShapes, normalizeAxis, shapeStr } from "../shape.js";
import { filled } from "./internal.js";
import { moveaxis, nonzero, ravel, where } from "./manipulation.js";
import { sum } from "./reductions.js";
import { broadcastTo, cast } from "./util.js";

// ---------------------------------------------------------------------------
// vectorize

export interface VectorizeOptions {
  /** Positional arguments passed through unchanged (not vectorized). */
  excluded?: readonly number[];
  /** A gufunc signature such as "(n),(n)->()" or "(m,n)->(n),(m)": the core dims. */
  signature?: string | null;
}
const VECTORIZE_KEYS: OptionKeys<VectorizeOptions> = { excluded: true, signature: true };

type CoreDims = string[][];

function parseSignature(
  op: string,
  sig: string,
): { ins: CoreDims; outs: CoreDims; multi: boolean } {
  const s = sig.replace(/\s+/g, "");
  const m = /^(.*)->(.*)$/.exec(s);
  const group = /\(([\w,]*)\)/g;
  const parseList = (part: string): CoreDims => {
    const dims: CoreDims = [];
    const rest = part.replace(group, (_all, inner: string) => {
      dims.push(inner === "" ? [] : inner.split(","));
      return "";
    });
    if (rest.replace(/,/g, "") !== "")
      throw new ValueError(`${op}: not a valid gufunc signature: ${sig}`);
    return dims;
  };
  if (m === null) throw new ValueError(`${op}: not a valid gufunc signature: ${sig}`);
  const outs = parseList(m[2]!);
  if (outs.length === 0) throw new ValueError(`${op}: not a valid gufunc signature: ${sig}`);
  return { ins: parseList(m[1]!), outs, multi: m[2]!.includes(",") || outs.length !== 1 };
}

/**
 * `jnp.vectorize(pyfunc, { excluded, signature })`: a function that maps
 * `pyfunc` over the broadcast leading (loop) dims of its arguments with vmap;
 * the signature's core dims are passed whole to each call.
 */
export function vectorize<R extends Array | Array[]>(
  pyfunc: (...args: Array[]) => R,
  options: VectorizeOptions = {},
): (...args: ArrayLike[]) => R {
  const op = "jnp.vectorize";
  checkFunction(pyfunc, op, "pyfunc");
  options = checkOptions(op, options, VECTORIZE_KEYS);
  const excluded = new Set(options.excluded ?? []);
  const sig = options.signature == null ? null : parseSignature(op, options.signature);
  return (...args: ArrayLike[]) => {
    const idx = args.map((_, i) => i).filter((i) => !excluded.has(i));
    const arrs = idx.map((i) => asArray(args[i]!, op, `argument ${i + 1}`));
    const coreIn: CoreDims = sig === null ? arrs.map(() => []) : sig.ins;
    if (coreIn.length !== arrs.length) {
      throw new TypeError(
        `${op}: wrong number of positional arguments: expected ${coreIn.length}, got ${arrs.length}`,
      );
    }
    const sizes = new Map<string, number>();
    const loopShapes = arrs.map((a, k) => {
      const core = coreIn[k]!;
      if (a.ndim < core.length) {
        throw new ValueError(
          `${op}: input with shape ${shapeStr(a.shape)} does not have enough dimensions for its core dims (${core.join(",")})`,
        );
      }
      core.forEach((name, j) => {
        const d = a.shape[a.ndim - core.length + j]!;
        const seen = sizes.get(name);
        if (seen !== undefined && seen !== d) {
          throw new ValueError(
            `${op}: inconsistent size for core dimension ${name}: ${seen} vs ${d}`,
          );
        }
        sizes.set(name, d);
      });
      return a.shape.slice(0, a.ndim - core.length);
    });
    const loop = broadcastShapes(op, ...loopShapes);
    const n = loop.reduce((p, d) => p * d, 1);
    const flat = arrs.map((a, k) => {
      const core = a.shape.slice(a.ndim - coreIn[k]!.length);
      return lax.reshape(broadcastTo(a, [...loop, ...core], op), [n, ...core]);
    });
    const call = (...xs: Array[]): Array | Array[] => {
      const full: ArrayLike[] = [...args];
      idx.forEach((i, k) => {
        full[i] = xs[k]!;
      });
      return pyfunc(...(full as Array[]));
    };
    const mapped = (
      loop.length === 0
        ? call(...flat.map((f) => lax.reshape(f, f.shape.slice(1))))
        : vmap(call)(...flat)
    ) as Array | Array[];
    const outs = globalThis.Array.isArray(mapped) ? mapped : [mapped];
    const shaped = outs.map((o, j) => {
      const core = loop.length === 0 ? o.shape : o.shape.slice(1);
      if (sig !== null && sig.outs[j] !== undefined && sig.outs[j]!.length !== core.length) {
        throw new ValueError(
          `${op}: output ${j} has core shape ${shapeStr(core)}, the signature says (${sig.outs[j]!.join(",")})`,
        );
      }
      return lax.reshape(o, [...loop, ...core]);
    });
    if (sig !== null ? sig.multi : globalThis.Array.isArray(mapped)) return shaped as R;
    return shaped[0]! as R;
  };
}

// ---------------------------------------------------------------------------
// apply_along_axis, apply_over_axes, piecewise

/**
 * `jnp.apply_along_axis(func1d, axis, arr, ...args)`: func1d on every 1-D
 * slice along `axis` (by vmap over the other axes); its output's dims
 * replace that axis.
 */
export function applyAlongAxis(
  func1d: (x: Array, ...args: ArrayLike[]) => Array,
  axis: number,
  arr: ArrayLike,
  ...args: ArrayLike[]
): Array {
  const op = "jnp.apply_along_axis";
  checkFunction(func1d, op, "func1d");
  const a = asArray(arr, op, "arr");
  const ax = normalizeAxis(axis, a.ndim, op);
  let f = (x: Array): Array => func1d(x, ...args);
  // vmap over the axes after `axis` (innermost last), then those before it.
  for (let i = ax + 1; i < a.ndim; i++) f = vmap(f, { inAxes: -1, outAxes: -1 });
  for (let i = 0; i < ax; i++) f = vmap(f, { inAxes: 0, outAxes: 0 });
  return f(a);
}

/**
 * `jnp.apply_over_axes(func, a, axes)`: `a = func(a, axis)` for each axis in
 * turn; a result with one dim fewer gets it back (size 1).
 */
export function applyOverAxes(
  func: (a: Array, axis: number) => Array,
  a: ArrayLike,
  axes: number | readonly number[],
): Array {
  const op = "jnp.apply_over_axes";
  checkFunction(func, op, "func");
  let x = asArray(a, op, "a");
  for (const axis of typeof axes === "number" ? [axes] : axes) {
    const ax = axis < 0 ? axis + x.ndim : axis;
    const r = func(x, ax);
    if (r.ndim === x.ndim) x = r;
    else if (r.ndim === x.ndim - 1) x = lax.expandDims(r, [ax]);
    else throw new ValueError(`${op}: function is not returning an array of the correct shape`);
  }
  return x;
}

/**
 * `jnp.piecewise(x, condlist, funclist, ...args)`: where condlist[i] holds,
 * funclist[i] (a function of x, or a constant); one extra function is the
 * default where no condition holds. Every function runs on all of x (as JAX's
 * switch over vmap), then the results are selected.
 */
export function piecewise(
  x: ArrayLike,
  condlist: ArrayLike | readonly ArrayLike[],
  funclist: readonly (((x: Array, ...args: ArrayLike[]) => ArrayLike) | number)[],
  ...args: ArrayLike[]
): Array {
  const op = "jnp.piecewise";
  const xa = asArray(x, op, "x");
  const conds0 = globalThis.Array.isArray(condlist)
    ? (condlist as ArrayLike[])
    : [condlist as ArrayLike];
  let conds = conds0.map((c, i) => asArray(c, op, `condlist[${i}]`));
  if (conds.length === 1 && conds[0]!.ndim === xa.ndim + 1) {
    const c = conds[0]!;
    conds = globalThis.Array.from({ length: c.shape[0]! }, (_, i) =>
      lax.reshape(lax.sliceInDim(c, i, i + 1), xa.shape),
    );
  }
  const nc = conds.length;
  const nf = funclist.length;
  if (nf !== nc && nf !== nc + 1) {
    throw new ValueError(
      `${op}: with ${nc} condition(s), either ${nc} or ${nc + 1} functions are needed, got ${nf}`,
    );
  }
  const evalF = (f: ((x: Array, ...args: ArrayLike[]) => ArrayLike) | number): Array =>
    cast(
      broadcastTo(
        asArray(typeof f === "number" ? f : f(xa, ...args), op, "a function's result"),
        xa.shape,
        op,
      ),
      xa.dtype,
    );
  let out = nf === nc + 1 ? evalF(funclist[nc]!) : filled(xa.shape, 0, xa.dtype);
  // Later conditions take precedence, as NumPy.
  conds.forEach((c, i) => {
    if (!isBool(c.dtype)) c = lax.ne(c, filled(c.shape, 0, c.dtype));
    out = where(broadcastTo(c, xa.shape, op), evalF(funclist[i]!), out);
  });
  return out;
}

// ---------------------------------------------------------------------------
// trapezoid, extract, compress, place, put

export interface TrapezoidOptions {
  /** Sample spacing when x is not given (default 1). */
  dx?: number;
  /** The axis to integrate along (default -1). */
  axis?: number;
}
const TRAPEZOID_KEYS: OptionKeys<TrapezoidOptions> = { dx: true, axis: true };

/** `jnp.trapezoid(y, x?, { dx, axis })`: the integral of y along an axis by the trapezoidal rule. */
export function trapezoid(
  y: ArrayLike,
  x?: ArrayLike | null,
  options: TrapezoidOptions = {},
): Array {
  const op = "jnp.trapezoid";
  options = checkOptions(op, options, TRAPEZOID_KEYS);
  let ya = asArray(y, op, "y");
  if (!isInexact(ya.dtype)) ya = cast(ya, defaultFloat());
  const ax = normalizeAxis(options.axis ?? -1, ya.ndim, op);
  const yv = moveaxis(ya, ax, -1);
  const n = yv.shape[yv.ndim - 1]!;
  if (n === 0) return filled(yv.shape.slice(0, -1), 0, yv.dtype);
  const last = yv.ndim - 1;
  const avg = lax.mul(
    lax.add(lax.sliceInDim(yv, 1, n, 1, last), lax.sliceInDim(yv, 0, n - 1, 1, last)),
    0.5,
  );
  if (x == null) return lax.mul(sum(avg, -1), options.dx ?? 1);
  let xv = asArray(x, op, "x");
  xv = cast(xv, yv.dtype);
  xv = xv.ndim === 1 ? xv : moveaxis(xv, ax, -1);
  const m = xv.shape[xv.ndim - 1]!;
  if (m !== n) throw new ValueError(`${op}: x has ${m} samples along the axis, y has ${n}`);
  const dxv = lax.sub(
    lax.sliceInDim(xv, 1, m, 1, xv.ndim - 1),
    lax.sliceInDim(xv, 0, m - 1, 1, xv.ndim - 1),
  );
  const shape = broadcastShapes(op, dxv.shape, avg.shape);
  return sum(lax.mul(broadcastTo(dxv, shape, op), broadcastTo(avg, shape, op)), -1);
}

export interface CompressOptions {
  /** The static result size along the axis (required under jit); extra slots get fillValue. */
  size?: number | null;
  /** The value of slots past the true count (default 0). */
  fillValue?: ArrayLike;
}
const COMPRESS_KEYS: OptionKeys<CompressOptions> = { size: true, fillValue: true };

/**
 * `jnp.compress(condition, a, axis?, { size, fillValue })`: the slices of a
 * along axis (none: the flattened a) where the 1-D condition is true. Without
 * size the condition must be concrete (not under jit).
 */
export function compress(
  condition: ArrayLike,
  a: ArrayLike,
  axis: number | null = null,
  options: CompressOptions = {},
): Array {
  const op = "jnp.compress";
  options = checkOptions(op, options, COMPRESS_KEYS);
  const c0 = asArray(condition, op, "condition");
  if (c0.ndim !== 1)
    throw new ValueError(`${op}: condition must be a 1D array, got shape ${shapeStr(c0.shape)}`);
  const cb0 = isBool(c0.dtype) ? c0 : lax.ne(c0, filled(c0.shape, 0, c0.dtype));
  let x = asArray(a, op, "a");
  x = axis == null ? ravel(x) : moveaxis(x, normalizeAxis(axis, x.ndim, op), 0);
  const len = Math.min(x.shape[0]!, cb0.shape[0]!);
  const cb = lax.sliceInDim(cb0, 0, len);
  x = lax.sliceInDim(x, 0, len);
  let result: Array;
  if (options.size == null) {
    if (!(cb0 instanceof ArrayImpl)) {
      throw new ConcretizationTypeError(
        `${op}: give { size } to use compress under jit, vmap or grad`,
      );
    }
    if (
      globalThis.Array.from(cb0.dataSync())
        .slice(len)
        .some((v) => Number(v) !== 0)
    ) {
      throw new ValueError(`${op}: condition contains entries that are out of bounds`);
    }
    const [idx] = nonzero(cb);
    result = x.at(idx!).get();
  } else {
    const size = options.size;
    if (!Number.isInteger(size) || size < 0 || size > len) {
      throw new ValueError(
        `${op}: size must be non-negative and not greater than the size of the array axis; got size=${size} for a.shape[axis]=${len}`,
      );
    }
    const mask = lax.broadcastInDim(cb, x.shape, [0]);
    const filledX = where(mask, x, cast(asArray(options.fillValue ?? 0, op, "fillValue"), x.dtype));
    // The true slices first, in order, then the filled ones (a stable sort on !condition).
    const [, order] = lax.sort(
      [lax.convertElementType(lax.bitwiseNot(cb), "int32"), lax.iota("int32", len)],
      {
        numKeys: 1,
      },
    ) as Array[];
    result = filledX.at(lax.sliceInDim(order!, 0, size)).get();
  }
  return axis == null ? result : moveaxis(result, 0, normalizeAxis(axis, x.ndim, op));
}

/** `jnp.extract(condition, arr, { size, fillValue })`: the elements of arr where condition is true (flattened). */
export function extract(
  condition: ArrayLike,
  arr: ArrayLike,
  options: CompressOptions = {},
): Array {
  const op = "jnp.extract";
  return compress(
    ravel(asArray(condition, op, "condition")),
    ravel(asArray(arr, op, "arr")),
    null,
    options,
  );
}

function requireFunctional(op: string, inplace: boolean | undefined): void {
  if (inplace !== false) {
    throw new ValueError(
      `${op}: JAX arrays are immutable; pass { inplace: false } and use the result`,
    );
  }
}

/**
 * `jnp.place(arr, mask, vals, { inplace: false })`: a copy of arr whose
 * elements where mask is true take the values of vals in order (cycled).
 */
export function place(
  arr: ArrayLike,
  mask: ArrayLike,
  vals: ArrayLike,
  options: { inplace?: boolean } = {},
): Array {
  const op = "jnp.place";
  options = checkOptions(op, options, { inplace: true });
  requireFunctional(op, options.inplace);
  const a = asArray(arr, op, "arr");
  const m = ravel(asArray(mask, op, "mask"));
  const v = ravel(cast(asArray(vals, op, "vals"), a.dtype));
  if (a.size !== m.size) throw new ValueError(`${op}: arr and mask must be the same size`);
  if (v.size === 0) throw new ValueError(`${op}: cannot place values from an empty array`);
  if (a.size === 0) return a;
  const [idx] = nonzero(m, { size: m.size, fillValue: m.size });
  const updated = ravel(a).at(idx!).set(tileTo(v, m.size), { mode: "drop" });
  return lax.reshape(updated, a.shape);
}

/** v repeated to length n (a static shape). */
function tileTo(v: Array, n: number): Array {
  const reps = Math.ceil(n / v.shape[0]!);
  const t =
    reps === 1
      ? v
      : lax.concatenate(
          globalThis.Array.from({ length: reps }, () => v),
          0,
        );
  return lax.sliceInDim(t, 0, n);
}

/**
 * `jnp.put(a, ind, v, { mode, inplace: false })`: a copy of a with the flat
 * positions `ind` set to v (cycled). Out-of-bounds indices are dropped (mode
 * null), clipped ("clip") or wrapped ("wrap"); "raise" is not supported, as JAX.
 */
export function put(
  a: ArrayLike,
  ind: ArrayLike,
  v: ArrayLike,
  options: { mode?: "wrap" | "clip" | null; inplace?: boolean } = {},
): Array {
  const op = "jnp.put";
  options = checkOptions(op, options, { mode: true, inplace: true });
  requireFunctional(op, options.inplace);
  const x = asArray(a, op, "a");
  let i = ravel(asArray(ind, op, "ind"));
  const vals = ravel(cast(asArray(v, op, "v"), x.dtype));
  const n = x.size;
  if (n === 0 || i.size === 0 || vals.size === 0) return x;
  const mode = options.mode ?? null;
  if (mode === "clip")
    i = lax.clamp(filled(i.shape, 0, i.dtype), i, filled(i.shape, n - 1, i.dtype));
  else if (mode === "wrap") {
    const r = lax.rem(i, filled(i.shape, n, i.dtype));
    i = where(lax.lt(r, filled(r.shape, 0, r.dtype)), lax.add(r, filled(r.shape, n, r.dtype)), r);
  } else if (mode !== null) {
    throw new ValueError(
      `${op}: mode must be null (drop), "clip" or "wrap"; got ${String(mode)} ("raise" is not supported, as JAX)`,
    );
  }
  const updated = ravel(x)
    .at(i)
    .set(tileTo(vals, i.shape[0]!), { mode: mode === null ? "drop" : "promise_in_bounds" });
  return lax.reshape(updated, x.shape);
}
