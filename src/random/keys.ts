/**
 * PRNG keys and the threefry2x32 key operations of JAX: seeding, split,
 * fold_in, and the raw random bits every sampler starts from.
 *
 * Keys are JAX's raw ("legacy") keys: uint32 arrays whose last axis holds
 * the two key words, `[2]` for one key and `[..., 2]` for a batch of them.
 * `random.key(seed)` returns the same raw key as `random.PRNGKey(seed)`
 * (jaxts has no key dtype): every function takes keys of either origin,
 * `keyData`/`wrapKeyData` are identities that check the shape, and a batch
 * of keys is split or sampled from under `vmap`, as in JAX.
 *
 * Bit generation follows JAX's default (`jax_threefry_partitionable` true,
 * JAX >= 0.5): a key is split and bits are drawn by hashing the 64-bit
 * row-major index of every output element. The previous scheme (hashing
 * a flat uint32 iota with `threefry_2x32`) is available with
 * `withThreefryPartitionable(false, fn)`, for values recorded with it.
 */

import { config, withFlag } from "../config.js";
import { type Array, ArrayImpl, isArray } from "../core/array.js";
import { describe } from "../core/convert.js";
import { isInteger } from "../dtype.js";
import {
  bitwiseOr,
  bitwiseXor,
  convertElementType,
  mul,
  shiftLeft,
  shiftRightLogical,
} from "../lax/elementwise.js";
import { broadcastedIota, broadcastInDim, concatenate, iota, reshape } from "../lax/shape_ops.js";
import { sliceInDim } from "../lax/slicing.js";
import { showValue } from "../options.js";
import { type Shape, shapeStr, sizeOf } from "../shape.js";
import { iota2x32Shape, keyWords, threefry2x32, threefry2x32Raw } from "./threefry.js";

// --- the bit-generation scheme ------------------------------------------------

/** Whether the partitionable threefry scheme (JAX's default) is in use. */
export function threefryPartitionable(): boolean {
  return config.read("jax_threefry_partitionable");
}

/**
 * Runs `fn` with `jax_threefry_partitionable` set to `value`, restoring it
 * afterwards (the same as `config.update("jax_threefry_partitionable", value)` for a scope).
 */
export function withThreefryPartitionable<T>(value: boolean, fn: () => T): T {
  return withFlag("jax_threefry_partitionable", value, fn);
}

// --- keys -----------------------------------------------------------------------

/** A PRNG key: uint32[2] (or uint32[..., 2] for a batch of keys). */
export type PRNGKeyArray = Array;

/**
 * Checks that `key` is one raw key (uint32[2]); `op` names the caller. Under
 * vmap a batch of keys arrives here as one key per example.
 */
export function checkKey(op: string, key: unknown): Array {
  if (!isArray(key)) {
    throw new TypeError(
      `${op}: key must be a PRNG key (a uint32[2] array from random.PRNGKey, random.key or random.split), got ${describe(key)}`,
    );
  }
  if (key.dtype !== "uint32" || key.ndim === 0 || key.shape[key.ndim - 1] !== 2) {
    throw new TypeError(
      `${op}: key must be a PRNG key, a uint32 array of shape (2,) (from random.PRNGKey, random.key or random.split), got ${key.dtype}${shapeStr(key.shape)}`,
    );
  }
  if (key.ndim !== 1) {
    throw new TypeError(
      `${op} accepts a single key, but was given a key array of shape ${shapeStr(key.shape)} != (2,). Use jax.vmap for batching.`,
    );
  }
  return key;
}

/**
 * `random.PRNGKey(seed)`: a raw key from an integer seed, as JAX makes it:
 * a JS number is read as a 64-bit integer, [high word, low word]; without
 * x64 JAX first narrows it to 32 bits, so the high word is 0 and a negative
 * seed wraps (-1 → [0, 4294967295]). An int32/uint32 array seed (0-d, may be
 * traced) gives [0, seed mod 2^32].
 */
export function PRNGKey(seed: number | Array): Array {
  return seedKey("random.PRNGKey", seed);
}

/**
 * `random.key(seed)`: in JAX a typed key; in jaxts the same raw uint32[2]
 * key as `PRNGKey` (see the module comment), accepted everywhere a key is.
 */
export function key(seed: number | Array): Array {
  return seedKey("random.key", seed);
}

function seedKey(op: string, seed: number | Array): Array {
  if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed)) {
      throw new TypeError(
        `${op}: seed must be an integer (a JS safe integer, |seed| < 2^53), got ${seed}`,
      );
    }
    const hi = config.x64 ? Math.floor(seed / 2 ** 32) >>> 0 : 0;
    return ArrayImpl.fromData(new Uint32Array([hi, seed >>> 0]), [2]);
  }
  if (!isArray(seed)) {
    throw new TypeError(
      `${op}: seed must be an integer or an integer array, got ${describe(seed)}`,
    );
  }
  if (seed.ndim !== 0) {
    throw new TypeError(
      `${op} accepts a scalar seed, but was given an array of shape ${shapeStr(seed.shape)} != (). Use jax.vmap for batching`,
    );
  }
  if (!isInteger(seed.dtype)) {
    throw new TypeError(`${op}: seed must be an integer, got an array of dtype ${seed.dtype}`);
  }
  // A 32-bit seed has no high word (JAX shifts it right by 32: 0).
  const lo = reshape(convertElementType(seed, "uint32"), [1]);
  return concatenate([zerosU32([1]), lo], 0);
}

/** `random.keyData(keys)`: the uint32 words of keys; raw keys are their own data. */
export function keyData(keys: Array): Array {
  return checkKeys("random.keyData", keys);
}

/** `random.wrapKeyData(data)`: keys from uint32[..., 2] words; raw keys are their own data. */
export function wrapKeyData(data: Array): Array {
  return checkKeys("random.wrapKeyData", data);
}

/** `random.clone(key)`: the same key (JAX uses it to copy keys under mutation tracking). */
export function clone(key: Array): Array {
  return checkKeys("random.clone", key);
}

function checkKeys(op: string, keys: unknown): Array {
  if (
    !isArray(keys) ||
    keys.dtype !== "uint32" ||
    keys.ndim === 0 ||
    keys.shape[keys.ndim - 1] !== 2
  ) {
    const got = isArray(keys) ? `${keys.dtype}${shapeStr(keys.shape)}` : describe(keys);
    throw new TypeError(`${op}: expected uint32 key data of shape (..., 2), got ${got}`);
  }
  return keys;
}

function zerosU32(shape: Shape): Array {
  return broadcastInDim(convertElementType(0, "uint32"), shape, []);
}

function shapeOfNum(op: string, num: number | Shape): number[] {
  const shape = typeof num === "number" ? [num] : [...num];
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(
      `${op}: num must be a non-negative integer or a list of them (a shape), got ${showValue(num)}`,
    );
  }
  return shape;
}

/**
 * `random.split(key, num = 2)`: `num` new keys, shape [num, 2] (or
 * [...num, 2] for a shape), independent of each other and of `key`.
 */
export function split(key: Array, num: number | Shape = 2): Array {
  const op = "random.split";
  const k = checkKey(op, key);
  const shape = shapeOfNum(op, num);
  if (threefryPartitionable()) {
    // JAX's _threefry_split_foldlike: key i is the hash of the count pair (0, i).
    const [w1, w2] = keyWords(k);
    const [c1, c2] = iota2x32Shape(shape);
    const [b1, b2] = threefry2x32Raw(w1, w2, c1, c2);
    const col = (b: Array) => reshape(b, [...shape, 1]);
    return concatenate([col(b1), col(b2)], shape.length);
  }
  return reshape(threefry2x32(k, iota("uint32", 2 * sizeOf(shape))), [...shape, 2]);
}

/** The keys of `split(key, n)` as a list. */
export function splitList(key: Array, n: number): Array[] {
  const keys = split(key, n);
  return globalThis.Array.from({ length: n }, (_, i) =>
    reshape(sliceInDim(keys, i, i + 1, 1, 0), [2]),
  );
}

/**
 * `random.foldIn(key, data)`: a new key from a key and a 32-bit integer (a
 * JS integer, taken modulo 2^32, or a 0-d int32/uint32 array).
 */
export function foldIn(key: Array, data: number | Array): Array {
  const op = "random.foldIn";
  const k = checkKey(op, key);
  let d: Array;
  if (typeof data === "number") {
    if (!Number.isSafeInteger(data)) {
      throw new TypeError(`${op}: data must be an integer, got ${data}`);
    }
    d = ArrayImpl.scalar(data >>> 0, "uint32");
  } else if (isArray(data) && data.ndim === 0 && isInteger(data.dtype)) {
    d = convertElementType(data, "uint32");
  } else if (isArray(data)) {
    throw new TypeError(
      `${op} accepts a scalar integer, but was given an array of dtype ${data.dtype} and shape ${shapeStr(data.shape)}. Use jax.vmap for batching.`,
    );
  } else {
    throw new TypeError(`${op}: data must be an integer, got ${describe(data)}`);
  }
  // threefry_fold_in: hash the seed key of the data, [0, data].
  return threefry2x32(k, concatenate([zerosU32([1]), reshape(d, [1])], 0));
}

// --- raw bits -----------------------------------------------------------------------

/** 32 random bits per element of `shape` (uint32), as JAX's threefry_random_bits. */
export function randomBits(key: Array, shape: Shape): Array {
  if (threefryPartitionable()) {
    const [w1, w2] = keyWords(key);
    const [c1, c2] = iota2x32Shape(shape);
    const [b1, b2] = threefry2x32Raw(w1, w2, c1, c2);
    return bitwiseXor(b1, b2);
  }
  return reshape(threefry2x32(key, iota("uint32", sizeOf(shape))), shape);
}

/**
 * `width` (8, 16, 32 or 64) random bits per element of `shape`, as uint8,
 * uint16, uint32 or uint64 (x64): JAX's threefry_random_bits. Partitionable:
 * the low bits of the 32-bit draw. Otherwise ceil(width·n/32) words are
 * drawn and each is cut into 32/width pieces, low bits first (JAX's
 * `bits.view(dtype)[:size]`). 64 bits are the two words of `randomBits64`,
 * high word first, joined as JAX joins them (`hi << 32 | lo` in uint64).
 */
export function randomBitsOfWidth(key: Array, shape: Shape, width: 8 | 16 | 32 | 64): Array {
  if (width === 32) return randomBits(key, shape);
  if (width === 64) {
    const [hi, lo] = randomBits64(key, shape);
    const wide = (x: Array): Array => convertElementType(x, "uint64");
    return bitwiseOr(shiftLeft(wide(hi), wide(convertElementType(32, "uint32"))), wide(lo));
  }
  const dtype = width === 8 ? "uint8" : "uint16";
  if (threefryPartitionable()) return convertElementType(randomBits(key, shape), dtype);
  const n = sizeOf(shape);
  const per = 32 / width;
  const count = Math.ceil(n / per);
  if (count === 0) return reshape(convertElementType(iota("uint32", 0), dtype), shape);
  const words = threefry2x32(key, iota("uint32", count));
  const cols = [count, per];
  const shifts = mul(broadcastedIota("uint32", cols, 1), convertElementType(width, "uint32"));
  const pieces = shiftRightLogical(broadcastInDim(words, cols, [0]), shifts);
  const flat = reshape(convertElementType(pieces, dtype), [count * per]);
  return reshape(sliceInDim(flat, 0, n), shape);
}

/**
 * 64 random bits per element of `shape`, as [high, low] uint32 words (what
 * float64 sampling reads; `randomBitsOfWidth(key, shape, 64)` joins them
 * into uint64 under x64): JAX's 64-bit threefry_random_bits, word for word.
 */
export function randomBits64(key: Array, shape: Shape): [Array, Array] {
  if (threefryPartitionable()) {
    const [w1, w2] = keyWords(key);
    const [c1, c2] = iota2x32Shape(shape);
    return threefry2x32Raw(w1, w2, c1, c2);
  }
  const n = sizeOf(shape);
  const bits = threefry2x32(key, iota("uint32", 2 * n));
  return [reshape(sliceInDim(bits, 0, n), shape), reshape(sliceInDim(bits, n, 2 * n), shape)];
}
