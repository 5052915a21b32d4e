/**
 * `jax.eval_shape`, `jax.ShapeDtypeStruct`, `jax.device_get` and
 * `jax.block_until_ready`: shapes and dtypes of a function's results without
 * computing them (the function is traced abstractly, as under jit, and the
 * traced program is never run), and the host side of results.
 */
import { type Array, isArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { checkDtype, type DType } from "../dtype.js";
import { leafAval, traceToJaxpr } from "../interpreters/staging.js";
import { checkOptions } from "../options.js";
import { type Shape, shapeArg } from "../shape.js";
import { flatten, map } from "../tree/index.js";

/**
 * `jax.ShapeDtypeStruct(shape, dtype)`: a shape and dtype standing for an
 * array, with no values: an argument of `evalShape`, and what it returns.
 */
export class ShapeDtypeStruct {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly weakType: boolean;
  constructor(shape: Shape, dtype: DType, options: { weakType?: boolean } = {}) {
    this.shape = Object.freeze(shapeArg("ShapeDtypeStruct", shape));
    const d = checkDtype("ShapeDtypeStruct", dtype);
    if (d === undefined) throw new TypeError("ShapeDtypeStruct: dtype is required");
    this.dtype = d;
    this.weakType = checkOptions("ShapeDtypeStruct", options, { weakType: true }).weakType ?? false;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  /** JAX's repr: ShapeDtypeStruct(shape=(2, 3), dtype=float32). */
  toString(): string {
    const s = this.shape.length === 1 ? `(${this.shape[0]},)` : `(${this.shape.join(", ")})`;
    return `ShapeDtypeStruct(shape=${s}, dtype=${this.dtype}${this.weakType ? ", weak_type=True" : ""})`;
  }
}

/** A pytree with each array leaf replaced by a ShapeDtypeStruct. */
export type ShapesOf<T> = T extends Array
  ? ShapeDtypeStruct
  : T extends number | boolean
    ? ShapeDtypeStruct
    : T extends readonly unknown[]
      ? { [K in keyof T]: ShapesOf<T[K]> }
      : T extends object
        ? { [K in keyof T]: ShapesOf<T[K]> }
        : T;

const isStruct = (x: unknown): boolean => x instanceof ShapeDtypeStruct;

/**
 * `jax.eval_shape(fun, *args)`: the shapes and dtypes of fun(*args) as a
 * pytree of ShapeDtypeStructs, without computing anything. Arguments may be
 * arrays, numbers, or ShapeDtypeStructs (anything with shape and dtype).
 */
// biome-ignore lint/suspicious/noExplicitAny: the function's own argument types
export function evalShape<F extends (...args: any[]) => unknown>(
  fun: F,
  ...args: unknown[]
): ShapesOf<ReturnType<F>> {
  if (typeof fun !== "function") {
    throw new TypeError(`evalShape: fun must be a function, got ${typeof fun}`);
  }
  const name = `evalShape(${fun.name || "fn"})`;
  const [leaves, inTree] = flatten(args as unknown[], isStruct);
  const avals = leaves.map((l, i) =>
    l instanceof ShapeDtypeStruct
      ? new ShapedArray(l.shape, l.dtype, l.weakType)
      : leafAval(l, name, i),
  );
  const { closed, outTree } = traceToJaxpr((...xs: unknown[]) => fun(...xs), avals, inTree, name);
  const outs = closed.jaxpr.outAvals.map(
    (a) => new ShapeDtypeStruct(a.shape, a.dtype, { weakType: a.weakType }),
  );
  return outTree.unflatten(outs) as ShapesOf<ReturnType<F>>;
}

/**
 * `jax.device_get(x)`: a pytree's arrays as host values (nested JS arrays,
 * or a number for a 0-d array); other leaves unchanged.
 */
export function deviceGet<T>(x: T): unknown {
  return map((l: unknown) => (isArray(l) ? l.toArray() : l), x);
}

/**
 * `jax.block_until_ready(x)`: x, once its arrays are computed. jaxts's CPU
 * backend computes eagerly and synchronously, so the arrays are ready when
 * this is called; on other backends read with `await x.data()`.
 */
export function blockUntilReady<T>(x: T): T {
  return x;
}
