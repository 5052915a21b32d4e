/**
 * Bad inputs raise JAX's error classes, so a ported program's `except
 * TypeError` / `except ValueError` catches them: lax's shape rules raise
 * TypeError (ValueError where JAX's do), jnp raises ValueError for shape
 * mismatches and TypeError where JAX's does (reshape, dot alignment); an axis
 * out of bounds is a ValueError (canonicalize_axis); a traced value used as a
 * shape or converted to a host value raises JAX's concretization classes.
 */
import { describe, expect, it } from "vitest";
import {
  type Array,
  ConcretizationTypeError,
  errors,
  IndexError,
  jit,
  numpy as jnp,
  lax,
  TracerArrayConversionError,
  TracerBoolConversionError,
  ValueError,
  vmap,
} from "../../src/index.js";

const m = jnp.ones([2, 3]);
const v3 = jnp.ones([3]);
const v4 = jnp.ones([4]);
const i32 = (x: number[]) => jnp.array(x, "int32");
/** An int32 scalar argument (a JS integer traces as a weak int32 tracer, as this does). */
const n = (k: number) => jnp.array(k, "int32");

type Class = abstract new (...args: never[]) => Error;
/** One row: what is called, the class it must raise, and its message. */
const ROWS: [string, () => unknown, Class, RegExp][] = [
  // --- lax: shape rules are TypeErrors --------------------------------------
  ["lax.add of different shapes", () => lax.add(v3, v4), TypeError, /equal shapes/],
  ["lax.add of different dtypes", () => lax.add(v3, i32([1, 2, 3])), TypeError, /same dtype/],
  ["lax.sin of an int", () => lax.sin(i32([1])), TypeError, /does not accept dtype int32/],
  ["lax.bitwiseAnd of floats", () => lax.bitwiseAnd(v3, v3), TypeError, /does not accept dtype/],
  [
    "lax.reshape to a new size",
    () => lax.reshape(m, [4]),
    TypeError,
    /total size must be unchanged/,
  ],
  ["lax.reshape with negative sizes", () => lax.reshape(m, [-2, -3]), TypeError, /non-negative/],
  [
    "lax.transpose with a bad permutation",
    () => lax.transpose(m, [0, 0]),
    TypeError,
    /permutation/,
  ],
  [
    "lax.broadcastInDim to a lower rank",
    () => lax.broadcastInDim(m, [3], [0]),
    TypeError,
    /lax\.broadcastInDim/,
  ],
  [
    "lax.broadcastInDim with wrong sizes",
    () => lax.broadcastInDim(v3, [2, 4], [1]),
    TypeError,
    /must be 1 or equal/,
  ],
  [
    "lax.concatenate of different ranks",
    () => lax.concatenate([m, v3], 0),
    TypeError,
    /different ranks/,
  ],
  [
    "lax.concatenate of mismatched shapes",
    () => lax.concatenate([m, jnp.ones([2, 4])], 0),
    TypeError,
    /equal except/,
  ],
  [
    "lax.concatenate of no operands",
    () => lax.concatenate([], 0),
    TypeError,
    /at least one operand/,
  ],
  [
    "lax.slice past the end",
    () => lax.slice(v3, [0], [5]),
    TypeError,
    /0 <= start <= limit <= size/,
  ],
  [
    "lax.slice with a zero stride",
    () => lax.slice(v3, [0], [3], [0]),
    TypeError,
    /strides must be positive/,
  ],
  [
    "lax.dynamicSlice with too few indices",
    () => lax.dynamicSlice(m, [0], [1, 1]),
    TypeError,
    /lax\.dynamicSlice/,
  ],
  [
    "lax.dotGeneral of mismatched contraction",
    () =>
      lax.dotGeneral(m, m, [
        [[1], [1]],
        [[], []],
      ]).shape &&
      lax.dotGeneral(m, jnp.ones([4, 2]), [
        [[1], [0]],
        [[], []],
      ]),
    TypeError,
    /contracting dimensions/,
  ],
  ["lax.sort of different shapes", () => lax.sort([v3, v4]), TypeError, /same shape/],
  ["lax.rev with an out-of-range dimension", () => lax.rev(v3, [2]), TypeError, /out of bounds/],
  // --- lax: ValueErrors where JAX's are ---------------------------------------
  [
    "lax.pad with negative interior",
    () => lax.pad(v3, 0, [[0, 0, -1]]),
    ValueError,
    /interior padding/,
  ],
  [
    "lax.pad with a wrong config length",
    () =>
      lax.pad(v3, 0, [
        [0, 0, 0],
        [0, 0, 0],
      ]),
    ValueError,
    /padding_config/,
  ],
  ["lax.squeeze of a non-1 dimension", () => lax.squeeze(m, [0]), ValueError, /cannot squeeze/],
  [
    "lax.reduceSum over a repeated axis",
    () => lax.reduceSum(m, [0, 0]),
    ValueError,
    /repeated|duplicate/,
  ],
  [
    "lax.reduceSum over an out-of-range axis",
    () => lax.reduceSum(m, [2]),
    ValueError,
    /out of bounds/,
  ],
  ["lax.topK with k too large", () => lax.topK(v3, 4), ValueError, /k must be/],
  [
    "lax.argmax of an empty axis",
    () => lax.argmax(jnp.ones([0]), 0, "int32"),
    ValueError,
    /non-empty/,
  ],
  [
    "lax.cumsum over an out-of-range axis",
    () => lax.cumsum(m, { axis: 2 }),
    ValueError,
    /out of bounds/,
  ],
  // --- jnp: ValueErrors for shape mismatches ---------------------------------
  ["jnp.add of unbroadcastable shapes", () => jnp.add(v3, v4), ValueError, /broadcast/],
  ["jnp.broadcastTo a smaller shape", () => jnp.broadcastTo(v3, [4]), ValueError, /broadcast/],
  [
    "jnp.where of unbroadcastable shapes",
    () => jnp.where(jnp.ones([3], "bool"), v3, v4),
    ValueError,
    /broadcast/,
  ],
  ["jnp.matmul of mismatched sizes", () => jnp.matmul(m, m), ValueError, /size mismatch/],
  ["jnp.matmul of a scalar", () => jnp.matmul(jnp.array(1), m), ValueError, /0-d/],
  ["jnp.stack of different shapes", () => jnp.stack([v3, v4]), ValueError, /same shape/],
  [
    "jnp.concatenate of 0-d arrays",
    () => jnp.concatenate([jnp.array(1), jnp.array(2)]),
    ValueError,
    /zero-dimensional/,
  ],
  ["jnp.split into unequal sections", () => jnp.split(v3, 2), ValueError, /equal division/],
  ["jnp.squeeze of a non-1 axis", () => jnp.squeeze(m, 0), ValueError, /squeeze/],
  [
    "jnp.einsum with a wrong operand count",
    () => jnp.einsum("ij,jk->ik", m),
    ValueError,
    /operand/,
  ],
  [
    "jnp.einsum with mismatched sizes",
    () => jnp.einsum("ij,ij->i", m, jnp.ones([2, 4])),
    ValueError,
    /does not match/,
  ],
  ["jnp.tril of a vector", () => jnp.tril(v3), ValueError, /at least 2-D/],
  ["jnp.pad with negative widths", () => jnp.pad(v3, -1), ValueError, /non-negative/],
  ["jnp.sum over an out-of-range axis", () => jnp.sum(m, 2), ValueError, /out of bounds/],
  ["jnp.sum over a repeated axis", () => jnp.sum(m, [0, 0]), ValueError, /repeated axis/],
  ["jnp.cross of 4-vectors", () => jnp.cross(v4, v4), ValueError, /cross product/],
  [
    "jnp.moveaxis with mismatched lists",
    () => jnp.moveaxis(m, [0, 1], [0]),
    ValueError,
    /same number/,
  ],
  [
    "jnp.take from an empty axis",
    () => jnp.take(jnp.ones([0]), [0], { mode: "clip" }),
    IndexError,
    /empty axis/,
  ],
  ["jnp.diagonal of a vector", () => jnp.diagonal(v3), ValueError, /at least two dimensions/],
  ["jnp.trace with axis1 == axis2", () => jnp.trace(m, 0, 0, 0), ValueError, /cannot be the same/],
  // --- jnp: TypeErrors where JAX's are ----------------------------------------
  [
    "jnp.reshape to a new size",
    () => jnp.reshape(m, [4]),
    TypeError,
    /cannot reshape array of shape \(2, 3\)/,
  ],
  ["jnp.reshape with two -1s", () => jnp.reshape(m, [-1, -1]), TypeError, /one unknown dimension/],
  [
    "jnp.transpose with a bad permutation",
    () => jnp.transpose(m, [0, 0]),
    TypeError,
    /permutation/,
  ],
  [
    "jnp.concatenate of different ranks",
    () => jnp.concatenate([m, v3]),
    TypeError,
    /same number of dimensions/,
  ],
  ["jnp.dot of unaligned shapes", () => jnp.dot(m, m), TypeError, /not aligned/],
  [
    "jnp.tensordot with mismatched axes",
    () => jnp.tensordot(m, m, [[0, 1], [0]]),
    TypeError,
    /same number of axes/,
  ],
  [
    "jnp.zeros with a negative dimension",
    () => jnp.zeros([-1]),
    TypeError,
    /negative dimensions are not allowed/,
  ],
  [
    "jnp.zeros with a fractional dimension",
    () => jnp.zeros([1.5]),
    TypeError,
    /not an integer dimension/,
  ],
  [
    "jnp.zeros with a float array",
    () => jnp.zeros([jnp.array(2)] as never),
    TypeError,
    /concrete integers/,
  ],
  ["jnp.tile with a string", () => jnp.tile(v3, "2" as never), TypeError, /reps must be/],
  ["jnp.zeros with an unknown dtype", () => jnp.zeros([2], "float7" as never), TypeError, /dtype/],
];

describe("bad inputs raise JAX's error classes", () => {
  it("has at least 40 rows", () => expect(ROWS.length).toBeGreaterThanOrEqual(40));
  it.each(ROWS)("%s", (_, call, cls, message) => {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error, "expected an error").toBeInstanceOf(cls);
    expect((error as Error).message).toMatch(message);
    // ValueError and IndexError are not TypeErrors (JS has one hierarchy per class).
    if (cls === ValueError) expect(error).not.toBeInstanceOf(TypeError);
  });
});

describe("traced values as shapes (issue 14): ConcretizationTypeError, never a JSON error", () => {
  const x = jnp.arange(3);
  const cases: [string, () => unknown, RegExp][] = [
    [
      "jnp.zeros([n, x.sum()])",
      () => jit((a: Array) => jnp.zeros([a.shape[0]!, a.sum() as never]))(x),
      /jnp\.zeros: shape must be concrete/,
    ],
    [
      "jnp.reshape(x, [t])",
      () => jit((a: Array, t: Array) => jnp.reshape(a, [t as never]))(x, n(3)),
      /jnp\.reshape: shape must be concrete/,
    ],
    [
      "jnp.ones(t)",
      () => jit((t: Array) => jnp.ones(t as never))(n(3)),
      /jnp\.ones: shape must be concrete/,
    ],
    ["jnp.ones(1-D tracer)", () => jit((t: Array) => jnp.ones(t as never))(i32([3])), /jnp\.ones/],
    [
      "jnp.tile(x, [t])",
      () => jit((a: Array, t: Array) => jnp.tile(a, [t as never]))(x, n(2)),
      /jnp\.tile: reps must be concrete/,
    ],
    [
      "lax.broadcast under vmap",
      () => vmap((t: Array) => lax.broadcast(v3, [t as never]))(i32([1, 2])),
      /lax\.broadcast/,
    ],
  ];
  it.each(cases)("%s", (_, call, message) => {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConcretizationTypeError);
    expect(error).toBeInstanceOf(TypeError);
    const text = (error as Error).message;
    expect(text).toMatch(message);
    expect(text).toMatch(/Shapes must be 1D sequences of concrete values of integer type/);
    expect(text).toMatch(/staticArgnums/);
    expect(text).toMatch(/Traced<ShapedArray\(/);
    expect(text).not.toMatch(/circular structure/);
  });

  it("a concrete integer array is read as its value, as JAX's operator.index", () => {
    expect(jnp.zeros([i32([2]).get(0), 3] as never).shape).toEqual([2, 3]);
    expect(jnp.ones(i32([2, 1]) as never).shape).toEqual([2, 1]);
    expect(jnp.tile(v3, [i32([2]).get(0)] as never).shape).toEqual([6]);
  });

  it("error messages with user lists holding tracers print them", () => {
    const f = jit((a: Array, t: Array) => jnp.repeat(a, [t, 1, 1] as never));
    expect(() => f(x, n(2))).toThrow(/repeats must be non-negative integers, got \[Traced</);
  });
});

describe("converting a tracer: JAX's classes (Tracer.__bool__, __array__, item)", () => {
  const run = (f: (x: Array) => unknown) => {
    try {
      jit((x: Array) => {
        f(x);
        return x;
      })(jnp.array(1));
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it("toArray, dataSync and data raise TracerArrayConversionError (np.asarray(tracer))", () => {
    for (const f of [(x: Array) => x.toArray(), (x: Array) => x.dataSync()]) {
      const e = run(f);
      expect(e).toBeInstanceOf(TracerArrayConversionError);
      expect(e).toBeInstanceOf(errors.JAXTypeError);
      expect((e as Error).message).toMatch(/as a concrete JS value/);
    }
  });

  it("data() rejects with TracerArrayConversionError", async () => {
    let pending: Promise<unknown> | undefined;
    jit((x: Array) => {
      pending = x.data();
      return x;
    })(jnp.array(1));
    await expect(pending).rejects.toBeInstanceOf(TracerArrayConversionError);
  });

  it("x < 3 and +x raise TracerBoolConversionError, a ConcretizationTypeError", () => {
    for (const f of [(x: Array) => (x as unknown as number) < 3, (x: Array) => +x]) {
      const e = run(f);
      expect(e).toBeInstanceOf(TracerBoolConversionError);
      expect(e).toBeInstanceOf(ConcretizationTypeError);
    }
  });

  it("item() raises ConcretizationTypeError (JAX's concrete_or_error), not a subclass", () => {
    const e = run((x) => x.item());
    expect(e).toBeInstanceOf(ConcretizationTypeError);
    expect(e).not.toBeInstanceOf(TracerBoolConversionError);
  });

  it("item() of a concrete array with several elements is a ValueError", () => {
    expect(() => m.item()).toThrow(ValueError);
  });

  it("if (x) never converts: objects are truthy in JS, traced or not", () => {
    const truthy = (x: Array): boolean => Boolean(x);
    const branch = jit((x: Array) => (truthy(x) ? x.add(1) : x.sub(1)));
    expect(branch(jnp.array(-5)).item()).toBe(-4);
  });

  it("outside jit, conversions of concrete values still work (toConcrete)", () => {
    expect(jnp.array(2).item()).toBe(2);
    expect(+jnp.array(2)).toBe(2);
  });
});
