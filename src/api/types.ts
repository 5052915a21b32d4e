/**
 * The types of the transformations: how `grad`, `valueAndGrad`, `jacfwd`,
 * `jacrev`, `hessian`, `jit`, `vmap`... turn the type of the user's function
 * into the type of the function they return. Type-only (erased at runtime).
 *
 * - A gradient has its parameter's pytree structure with every leaf an
 *   `Array` (`AsArrays`): a JS-number parameter's gradient is an `Array`, as
 *   JAX returns an array for a Python float.
 * - `argnums` is checked against the function's arity: an out-of-range
 *   position is a type error (negative positions count from the end, as in
 *   JAX; functions with a rest parameter accept any position).
 * - `hasAux: true` requires the function to return a pair `[output, aux]`.
 */
import type { Array } from "../core/array.js";
import type { AsArrays, MapLeaves } from "../tree/types.js";

export type { AnyFunction, AsArrays, MapLeaves } from "../tree/types.js";

/** A differentiated function's output: a scalar (an `Array`, or a JS number). */
export type Scalar = Array | number;

/** The valid non-negative positions of a parameter list P: 0 … n-1 (optional parameters included). */
type PosIndex<P extends readonly unknown[]> = Exclude<
  Partial<Required<P>>["length"],
  Required<P>["length"]
>;

/** -1 … -16: the negative positions, looked up by PosIndex (functions of up to 16 parameters). */
type NegTable = [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16];

/** A valid position in the parameter list P (any number when P has a rest parameter). */
export type ArgIndex<P extends readonly unknown[]> = number extends P["length"]
  ? number
  : PosIndex<P> | NegTable[PosIndex<P> & number];

/** A valid `argnums` for parameters P: one position, or a list of them. */
export type Argnums<P extends readonly unknown[]> = ArgIndex<P> | readonly ArgIndex<P>[];

type Reverse<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? [...Reverse<R>, H]
  : [];

/** The type of parameter N of P (N may be negative, counting from the end). */
export type ArgAt<P extends readonly unknown[], N extends number> = number extends P["length"]
  ? P[number]
  : `${N}` extends `-${infer K extends number}`
    ? [never, ...Reverse<Required<P>>][K]
    : Required<P>[N];

/**
 * The differentiated arguments' type: the parameter at `argnums` when it is
 * one position, a tuple of them when it is a list (as JAX returns a tuple).
 */
export type Selected<P extends readonly unknown[], N> = N extends number
  ? ArgAt<P, N>
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: N[K] extends number ? ArgAt<P, N[K]> : never }
    : never;

/** The gradient with respect to a value of type T: T's structure, every leaf an `Array`. */
export type Grad<T> = AsArrays<T>;

/** The gradient of a function with parameters P with respect to `argnums` N. */
export type GradsOf<P extends readonly unknown[], N> = Grad<Selected<P, N>>;

/**
 * The Jacobian of an output of type Out with respect to an input of type In:
 * Out's structure, each leaf holding In's structure of arrays (as JAX nests them).
 */
export type Jacobian<Out, In> = MapLeaves<Out, Grad<In>>;

/** Options of a grad-like transformation without aux, argnums typed against parameters P. */
export interface GradOpts<N> {
  argnums?: N;
  hasAux?: false;
  holomorphic?: boolean;
}

/** Options of a grad-like transformation with `hasAux: true`. */
export interface GradAuxOpts<N> {
  argnums?: N;
  hasAux: true;
  holomorphic?: boolean;
}

/** Tangents (or cotangents) for values of type T: T's structure, each leaf an `Array` or a JS number. */
export type Tangent<T> = MapLeaves<T, Array | number>;
