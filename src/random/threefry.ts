/**
 * The Threefry-2x32 block cipher (Salmon et al., "Parallel random numbers:
 * as easy as 1, 2, 3", SC 2011), 20 rounds, as JAX's `threefry2x32_p`: the
 * hash under all of jax.random. The primitive takes a key pair (k1, k2) and
 * a pair of count arrays (x1, x2), all uint32, and returns the two hashed
 * words of every count pair. Operands are 0-d or share one shape (a 0-d
 * key word is used for every count, as JAX's broadcasting rule allows).
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { libraryImpl } from "../core/library.js";
import { type BatchDim, OPAQUE, Primitive, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { batchToFront } from "../lax/batch_util.js";
import { convertElementType } from "../lax/elementwise.js";
import { broadcastInDim, concatenate, iota, reshape } from "../lax/shape_ops.js";
import { sliceInDim } from "../lax/slicing.js";
import { type Shape, shapeStr, shapesEqual, sizeOf } from "../shape.js";

const NAMES = ["k1", "k2", "x1", "x2"] as const;

/** The common shape of the operands: 0-d ones are broadcast, the others must agree. */
function outShape(shapes: readonly Shape[]): Shape {
  const full = shapes.filter((s) => s.length > 0);
  const first = full[0] ?? [];
  if (full.some((s) => !shapesEqual(s, first))) {
    const got = shapes.map((s, i) => `${NAMES[i]}: ${shapeStr(s)}`).join(", ");
    throw new TypeError(
      `random.threefry2x32: operands must be 0-d or all have the same shape, got ${got}`,
    );
  }
  return first;
}

function threefryAval(avals: ShapedArray[]): ShapedArray[] {
  if (avals.length !== 4) {
    throw new TypeError(
      `random.threefry2x32 takes 4 operands (k1, k2, x1, x2), got ${avals.length}`,
    );
  }
  const bad = avals.findIndex((a) => a.dtype !== "uint32");
  if (bad >= 0) {
    const got = avals.map((a, i) => `${NAMES[i]}: ${a.dtype}${shapeStr(a.shape)}`).join(", ");
    throw new TypeError(`random.threefry2x32: all operands must have dtype uint32, got ${got}`);
  }
  const aval = new ShapedArray(outShape(avals.map((a) => a.shape)), "uint32", false);
  return [aval, aval];
}

function batchThreefry(args: Array[], dims: BatchDim[], size: number): Array[] {
  // The per-example operands may mix 0-d key words with n-d counts, so the
  // elementwise alignBatched (equal ranks) does not apply: move every batch
  // dim to the front and broadcast to [batch, ...per-example shape].
  const perExample = args.map((a, i) =>
    dims[i] === null ? a.shape : a.shape.filter((_, k) => k !== dims[i]),
  );
  const shape = outShape(perExample);
  const full = [size, ...shape];
  return args.map((a, i) => {
    if (dims[i] === null) {
      return a.ndim === 0
        ? a
        : broadcastInDim(
            a,
            full,
            shape.map((_, k) => k + 1),
          );
    }
    const front = batchToFront(a, dims[i]!, size);
    return front.ndim === 1 && shape.length > 0 ? broadcastInDim(front, full, [0]) : front;
  });
}

/** `threefry2x32_p`: (k1, k2, x1, x2) -> the two hashed words, uint32. */
export const threefry2x32P: Primitive = new Primitive(
  "threefry2x32",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: (avals) => threefryAval(avals),
    impl: libraryImpl("threefry2x32", threefryAval),
    // Random bits are not differentiable: integer outputs, zero tangents.
    jvp: (primals) => {
      const outs = bind(threefry2x32P, primals, {});
      return [outs, outs.map((o) => new Zero(o.aval))];
    },
    batch: (args, dims, _params, axis) => {
      const outs = bind(threefry2x32P, batchThreefry(args, dims, axis.size), {});
      return [outs, [0, 0]];
    },
    transpose: null,
  },
  true,
);

function uint32Operand(x: ArrayLike, op: string, arg: string): Array {
  if (typeof x === "number") {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) {
      throw new RangeError(`${op}: ${arg} must be an integer in [0, 2^32), got ${x}`);
    }
    return ArrayImpl.scalar(x, "uint32");
  }
  return asArray(x, op, arg);
}

/**
 * The raw primitive: hashes the count pairs (x1[i], x2[i]) under the key
 * (k1, k2); returns [y1, y2]. Operands are uint32, 0-d or of one shape.
 */
export function threefry2x32Raw(
  k1: ArrayLike,
  k2: ArrayLike,
  x1: ArrayLike,
  x2: ArrayLike,
): [Array, Array] {
  const op = "random.threefry2x32Raw";
  const xs = [k1, k2, x1, x2].map((x, i) => uint32Operand(x, op, NAMES[i]!));
  const [y1, y2] = bind(threefry2x32P, xs, {});
  return [y1!, y2!];
}

/** The two words of a raw key (uint32[2]) as 0-d arrays. */
export function keyWords(key: Array): [Array, Array] {
  const w = (i: number) => reshape(sliceInDim(key, i, i + 1, 1, 0), []);
  return [w(0), w(1)];
}

/**
 * `jax.random.threefry_2x32(keypair, count)`: hashes a uint32 array of any
 * shape under a key: the flattened counts (padded with a 0 to an even
 * length) are split in halves that form the count pairs, and the hashed
 * halves are joined back. `keypair` is a uint32[2] key or a pair of words.
 */
export function threefry2x32(
  keypair: Array | readonly [ArrayLike, ArrayLike],
  count: ArrayLike,
): Array {
  const op = "random.threefry2x32";
  if (!globalThis.Array.isArray(keypair)) {
    const k = keypair as Array;
    if (k.ndim !== 1 || k.shape[0] !== 2) {
      throw new TypeError(
        `${op}: keypair must be a key of shape (2,) or a pair of words, got shape ${shapeStr(k.shape)}`,
      );
    }
  }
  const [k1, k2] = globalThis.Array.isArray(keypair)
    ? (keypair as readonly [ArrayLike, ArrayLike]).map((k, i) => uint32Operand(k, op, NAMES[i]!))
    : keyWords(keypair as Array);
  const c = asArray(count, op, "count");
  if ([k1!, k2!, c].some((x) => x.dtype !== "uint32")) {
    throw new TypeError(
      `${op} requires uint32 arguments, got key words ${k1!.dtype}, ${k2!.dtype} and count ${c.dtype}`,
    );
  }
  const n = c.size;
  if (n === 0) return c;
  let flat = reshape(c, [n]);
  if (n % 2 === 1)
    flat = concatenate([flat, broadcastInDim(convertElementType(0, "uint32"), [1], [])], 0);
  const half = flat.shape[0]! / 2;
  const [y1, y2] = threefry2x32Raw(
    k1!,
    k2!,
    sliceInDim(flat, 0, half),
    sliceInDim(flat, half, 2 * half),
  );
  const out = concatenate([y1, y2], 0);
  return reshape(n % 2 === 1 ? sliceInDim(out, 0, n) : out, c.shape);
}

/**
 * JAX's `iota_2x32_shape`: the row-major index of every element of `shape`
 * as a 64-bit count split in [high, low] uint32 words. Arrays this library
 * can hold have fewer than 2^32 elements, so the high word is 0.
 */
export function iota2x32Shape(shape: Shape): [Array, Array] {
  const zero = convertElementType(0, "uint32");
  const hi = broadcastInDim(zero, shape, []);
  if (shape.length === 0) return [hi, hi];
  const n = sizeOf(shape);
  if (n >= 2 ** 32)
    throw new RangeError(`random: shape ${shapeStr(shape)} has 2^32 or more elements`);
  const lo = reshape(iota("uint32", n), shape);
  return [hi, lo];
}
