/**
 * The `jax.Array` methods (`x.add(y)`, `x.sum()`, `x.reshape(2, 3)`,
 * `x.get(0)`, `x.at(0).set(1)`, `x.toString()`...), installed on the core
 * Array prototype so tracers and concrete arrays share them, as in JAX.
 */
import { Array, ArrayImpl } from "../core/array.js";
import { hostValues, hostValuesAsync } from "../core/backend.js";
import type { ArrayLike } from "../core/convert.js";
import { concreteOrError, type Tracer } from "../core/trace.js";
import { type DType, isComplex, numberValues, type TypedArray } from "../dtype.js";
import { TracerArrayConversionError, TracerBoolConversionError, ValueError } from "../errors.js";
import { shapeStr } from "../shape.js";
import type { Complex } from "./complex.js";
import * as cplx from "./complex.js";
import { at, getItem, type Index, type IndexUpdateRef } from "./indexing.js";
import * as manip from "./manipulation.js";
import { formatArray, reprArray } from "./printing.js";
import * as prod from "./products.js";
import * as red from "./reductions.js";
import * as uf from "./ufuncs.js";

type NestedValue = number | boolean | Complex | NestedValue[];
type AxisArg = Parameters<typeof red.sum>[1];

declare module "../core/array.js" {
  interface Array {
    add(y: ArrayLike): Array;
    sub(y: ArrayLike): Array;
    mul(y: ArrayLike): Array;
    div(y: ArrayLike): Array;
    /** `y - x`, for `1 - x` style expressions. */
    rsub(y: ArrayLike): Array;
    /** `y / x`. */
    rdiv(y: ArrayLike): Array;
    pow(y: ArrayLike): Array;
    mod(y: ArrayLike): Array;
    floordiv(y: ArrayLike): Array;
    matmul(y: ArrayLike): Array;
    neg(): Array;
    abs(): Array;
    lt(y: ArrayLike): Array;
    le(y: ArrayLike): Array;
    gt(y: ArrayLike): Array;
    ge(y: ArrayLike): Array;
    eq(y: ArrayLike): Array;
    ne(y: ArrayLike): Array;
    and(y: ArrayLike): Array;
    or(y: ArrayLike): Array;
    xor(y: ArrayLike): Array;
    not(): Array;

    sum(axis?: AxisArg): Array;
    prod(axis?: AxisArg): Array;
    max(axis?: AxisArg): Array;
    min(axis?: AxisArg): Array;
    mean(axis?: AxisArg): Array;
    var(axis?: AxisArg): Array;
    std(axis?: AxisArg): Array;
    any(axis?: AxisArg): Array;
    all(axis?: AxisArg): Array;
    argmax(axis?: number | null): Array;
    argmin(axis?: number | null): Array;
    cumsum(axis?: number | null): Array;
    cumprod(axis?: number | null): Array;

    reshape(...shape: number[] | [readonly number[]]): Array;
    transpose(...axes: number[] | [readonly number[]]): Array;
    readonly T: Array;
    squeeze(axis?: number | readonly number[]): Array;
    ravel(): Array;
    flatten(): Array;
    swapaxes(axis1: number, axis2: number): Array;
    astype(dtype: DType): Array;
    clip(min?: ArrayLike | null, max?: ArrayLike | null): Array;
    round(decimals?: number): Array;
    dot(y: ArrayLike): Array;
    sort(axis?: number): Array;
    argsort(axis?: number): Array;
    take(indices: ArrayLike, axis?: number): Array;
    repeat(repeats: number, axis?: number): Array;

    /** NumPy indexing: `x.get(0)`, `x.get(":", 1)`, `x.get("1:3", "::2")`, `x.get(null)`, `x.get(mask)`. */
    get(...indices: Index[]): Array;
    /** Functional updates: `x.at(0).set(v)`, `.add(v)`, `.mul(v)`, `.min(v)`, `.max(v)`. */
    at(...indices: Index[]): IndexUpdateRef;

    /**
     * The values as nested JS arrays: numbers, booleans for bool arrays,
     * `{ re, im }` objects for complex arrays.
     */
    toArray(): NestedValue;
    /**
     * The single value of a size-1 array (a complex one has two numbers:
     * read `x.real.item()` and `x.imag.item()`, or `x.toArray()`).
     */
    item(): number | boolean;
    /** The real part (`jnp.real`): the array itself when it is not complex. */
    readonly real: Array;
    /** The imaginary part (`jnp.imag`): zeros when the array is not complex. */
    readonly imag: Array;
    /** The complex conjugate (`jnp.conjugate`). */
    conj(): Array;
    conjugate(): Array;
    /**
     * The values as a typed array (a copy), as `await x.data()` reads them
     * from any backend: the dtype's own typed array, except float16 and
     * bfloat16, whose values come as a Float32Array (JS has no Float16Array
     * in Node 20; float32 holds every half value exactly), never their bits;
     * complex64/complex128 as a Float32Array/Float64Array of interleaved
     * (re, im) pairs, twice the size, as NumPy lays them out.
     */
    data(): Promise<TypedArray>;
    /** Same as `data()`, synchronously (CPU only). */
    dataSync(): TypedArray;
    /** Waits for pending computation (a no-op on the synchronous CPU backend). */
    blockUntilReady(): Array;
    /** Iterates over the leading axis, as Python iterates a jax.Array. */
    [Symbol.iterator](): Iterator<Array>;
  }
}

const methods: Record<string, (this: Array, ...args: never[]) => unknown> = {
  add(this: Array, y: ArrayLike) {
    return uf.add(this, y);
  },
  sub(this: Array, y: ArrayLike) {
    return uf.subtract(this, y);
  },
  mul(this: Array, y: ArrayLike) {
    return uf.multiply(this, y);
  },
  div(this: Array, y: ArrayLike) {
    return uf.divide(this, y);
  },
  rsub(this: Array, y: ArrayLike) {
    return uf.subtract(y, this);
  },
  rdiv(this: Array, y: ArrayLike) {
    return uf.divide(y, this);
  },
  pow(this: Array, y: ArrayLike) {
    return uf.power(this, y);
  },
  mod(this: Array, y: ArrayLike) {
    return uf.remainder(this, y);
  },
  floordiv(this: Array, y: ArrayLike) {
    return uf.floorDivide(this, y);
  },
  matmul(this: Array, y: ArrayLike) {
    return prod.matmul(this, y);
  },
  neg(this: Array) {
    return uf.negative(this);
  },
  abs(this: Array) {
    return uf.absolute(this);
  },
  lt(this: Array, y: ArrayLike) {
    return uf.less(this, y);
  },
  le(this: Array, y: ArrayLike) {
    return uf.lessEqual(this, y);
  },
  gt(this: Array, y: ArrayLike) {
    return uf.greater(this, y);
  },
  ge(this: Array, y: ArrayLike) {
    return uf.greaterEqual(this, y);
  },
  eq(this: Array, y: ArrayLike) {
    return uf.equal(this, y);
  },
  ne(this: Array, y: ArrayLike) {
    return uf.notEqual(this, y);
  },
  and(this: Array, y: ArrayLike) {
    return uf.bitwiseAnd(this, y);
  },
  or(this: Array, y: ArrayLike) {
    return uf.bitwiseOr(this, y);
  },
  xor(this: Array, y: ArrayLike) {
    return uf.bitwiseXor(this, y);
  },
  not(this: Array) {
    return uf.bitwiseNot(this);
  },

  sum(this: Array, axis?: AxisArg) {
    return red.sum(this, axis);
  },
  prod(this: Array, axis?: AxisArg) {
    return red.prod(this, axis);
  },
  max(this: Array, axis?: AxisArg) {
    return red.max(this, axis);
  },
  min(this: Array, axis?: AxisArg) {
    return red.min(this, axis);
  },
  mean(this: Array, axis?: AxisArg) {
    return red.mean(this, axis);
  },
  var(this: Array, axis?: AxisArg) {
    return red.var(this, axis);
  },
  std(this: Array, axis?: AxisArg) {
    return red.std(this, axis);
  },
  any(this: Array, axis?: AxisArg) {
    return red.any(this, axis);
  },
  all(this: Array, axis?: AxisArg) {
    return red.all(this, axis);
  },
  argmax(this: Array, axis?: number | null) {
    return red.argmax(this, axis);
  },
  argmin(this: Array, axis?: number | null) {
    return red.argmin(this, axis);
  },
  cumsum(this: Array, axis?: number | null) {
    return red.cumsum(this, axis);
  },
  cumprod(this: Array, axis?: number | null) {
    return red.cumprod(this, axis);
  },

  reshape(this: Array, ...shape: number[] | [readonly number[]]) {
    const s = shape.length === 1 && typeof shape[0] !== "number" ? shape[0] : (shape as number[]);
    return manip.reshape(this, s);
  },
  transpose(this: Array, ...axes: number[] | [readonly number[]]) {
    if (axes.length === 0) return manip.transpose(this);
    const a = axes.length === 1 && typeof axes[0] !== "number" ? axes[0] : (axes as number[]);
    return manip.transpose(this, a);
  },
  squeeze(this: Array, axis?: number | readonly number[]) {
    return manip.squeeze(this, axis);
  },
  ravel(this: Array) {
    return manip.ravel(this);
  },
  flatten(this: Array) {
    return manip.ravel(this);
  },
  swapaxes(this: Array, axis1: number, axis2: number) {
    return manip.swapaxes(this, axis1, axis2);
  },
  astype(this: Array, dtype: DType) {
    return uf.astype(this, dtype);
  },
  clip(this: Array, min?: ArrayLike | null, max?: ArrayLike | null) {
    return manip.clip(this, min, max);
  },
  round(this: Array, decimals?: number) {
    return uf.round(this, decimals);
  },
  dot(this: Array, y: ArrayLike) {
    return prod.dot(this, y);
  },
  sort(this: Array, axis?: number) {
    return manip.sort(this, axis);
  },
  argsort(this: Array, axis?: number) {
    return manip.argsort(this, axis);
  },
  take(this: Array, indices: ArrayLike, axis?: number) {
    return manip.take(this, indices, axis === undefined ? {} : { axis });
  },
  repeat(this: Array, repeats: number, axis?: number) {
    return manip.repeat(this, repeats, axis);
  },

  get(this: Array, ...indices: Index[]) {
    return getItem(this, indices);
  },
  at(this: Array, ...indices: Index[]) {
    return at(this, indices);
  },

  toArray(this: Array) {
    // JAX's np.asarray(tracer) (Tracer.__array__): TracerArrayConversionError.
    const x = concreteOrError(this, "Array.toArray", TracerArrayConversionError);
    return toNested(x);
  },
  item(this: Array) {
    // JAX's item() reads its value with concrete_or_error: a ConcretizationTypeError.
    const x = concreteOrError(this, "Array.item");
    if (x.size !== 1) {
      throw new ValueError(
        `Array.item: can only convert an array of size 1, got shape ${shapeStr(x.shape)}`,
      );
    }
    noComplexScalar(x, "Array.item");
    // int64/uint64: the value as a JS number (exact below 2^53).
    const v = numberValues(x.dtype, hostValues(x));
    return x.dtype === "bool" ? v[0] === 1 : v[0]!;
  },
  conj(this: Array) {
    return cplx.conjugate(this);
  },
  conjugate(this: Array) {
    return cplx.conjugate(this);
  },
  async data(this: Array) {
    const x = concreteOrError(this, "Array.data", TracerArrayConversionError);
    return (await hostValuesAsync(x)).slice();
  },
  dataSync(this: Array) {
    const x = concreteOrError(this, "Array.dataSync", TracerArrayConversionError);
    return hostValues(x).slice();
  },
  blockUntilReady(this: Array) {
    return this;
  },
};

/** A complex value is two numbers: no JS number or boolean holds it (NumPy's float(z) is a TypeError too). */
function noComplexScalar(x: Array, op: string): void {
  if (isComplex(x.dtype)) {
    throw new TypeError(
      `${op}: a ${x.dtype} value has two parts and no JS number holds it; ` +
        "read x.real.item() and x.imag.item(), or x.toArray() for { re, im }",
    );
  }
}

function toNested(x: ArrayImpl): NestedValue {
  const isBool = x.dtype === "bool";
  const complex = isComplex(x.dtype);
  // int64/uint64: values as JS numbers (exact below 2^53).
  const data = numberValues(x.dtype, hostValues(x));
  const shape = x.shape;
  let i = 0;
  const build = (d: number): NestedValue => {
    if (d === shape.length) {
      if (complex) {
        const z: Complex = { re: data[2 * i]!, im: data[2 * i + 1]! };
        i++;
        return z;
      }
      const v = data[i++]!;
      return isBool ? v === 1 : v;
    }
    return globalThis.Array.from({ length: shape[d]! }, () => build(d + 1));
  };
  return build(0);
}

/** `str(x)` for concrete arrays; JAX's `Traced<ShapedArray(...)>` text for tracers. */
function toString(this: Array): string {
  if (this instanceof ArrayImpl) return formatArray(hostValues(this), this.shape, this.dtype);
  return tracerText(this);
}

function tracerText(x: Array): string {
  const t = x as Tracer;
  const weak = x.weakType ? ", weak_type=True" : "";
  return `Traced<ShapedArray(${x.dtype}[${x.shape.join(",")}]${weak})>with<${t.trace.main.transform}>`;
}

function inspect(this: Array): string {
  if (this instanceof ArrayImpl)
    return reprArray(hostValues(this), this.shape, this.dtype, this.weakType);
  return tracerText(this);
}

/**
 * `+x`, `x < 3`, `${x}` and `Number(x)`: concrete scalars convert; tracers
 * explain what to do instead. JS calls this one hook both for comparisons
 * (`if (x < 3)`, where JAX's `x < 3` then `bool()` raises
 * TracerBoolConversionError) and for `+x`/`Number(x)` (JAX's `float()`: a
 * ConcretizationTypeError), and cannot tell them apart; a traced value is a
 * TracerBoolConversionError, which is a ConcretizationTypeError, so a program
 * catching either class catches it. `if (x)` itself never reaches here: JS
 * objects are always truthy, so `if (x)` on an Array (traced or not) takes
 * the branch without reading its value — write `if (x.item())`.
 */
function toPrimitive(this: Array, hint: string): string | number | boolean {
  if (hint === "string") return this.toString();
  const x = concreteOrError(this, "converting an Array to a JS number", TracerBoolConversionError);
  if (x.size !== 1) {
    throw new TypeError(
      `only size-1 arrays can be converted to JS scalars; this one has shape ${shapeStr(x.shape)}`,
    );
  }
  noComplexScalar(x, "converting an Array to a JS number");
  const v = hostValues(x);
  return x.dtype === "bool" ? v[0] === 1 : v[0]!;
}

const proto = Array.prototype as unknown as Record<string | symbol, unknown>;
for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
}
Object.defineProperty(proto, "T", {
  get(this: Array) {
    return manip.transpose(this);
  },
  configurable: true,
});
Object.defineProperty(proto, "real", {
  get(this: Array) {
    return cplx.real(this);
  },
  configurable: true,
});
Object.defineProperty(proto, "imag", {
  get(this: Array) {
    return cplx.imag(this);
  },
  configurable: true,
});
Object.defineProperty(proto, Symbol.iterator, {
  value: function* iterate(this: Array): Generator<Array> {
    if (this.ndim === 0) throw new TypeError("iteration over a 0-d array");
    for (let i = 0; i < this.shape[0]!; i++) yield getItem(this, [i]);
  },
  configurable: true,
});
Object.defineProperty(proto, "toString", { value: toString, writable: true, configurable: true });
Object.defineProperty(proto, Symbol.toPrimitive, { value: toPrimitive, configurable: true });
Object.defineProperty(proto, Symbol.for("nodejs.util.inspect.custom"), {
  value: inspect,
  configurable: true,
});
