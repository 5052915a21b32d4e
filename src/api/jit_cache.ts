/**
 * jit's trace cache: one per function (so `jit(f)` twice shares traces, as
 * JAX caches by function), each a least-recently-used map bounded by the
 * `jaxts_jit_cache_size` flag, keyed by the call's signature — the input
 * tree, abstract values, tracing flags and the static arguments' values.
 *
 * Static arguments are hashed by value where they are values, as JAX hashes
 * them: numbers, strings, booleans, null/undefined, bigints, and JS arrays
 * and plain objects of those (by content, keys in sorted order). Functions,
 * symbols and class instances are keyed by identity (Python's default
 * `__hash__`). Arrays, typed arrays and cyclic objects are unhashable: an
 * error says so instead of retracing on every call.
 */
import { config } from "../config.js";
import { Array } from "../core/array.js";
import { objectId } from "../core/object_id.js";
import { isPlainObject, kindOf } from "../options.js";

/** A map that forgets its least recently used entry past `capacity()`. */
export class LruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: () => number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      // Re-insert: a Map iterates in insertion order, so the first key is the oldest.
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    const cap = Math.max(1, this.capacity());
    while (this.map.size > cap) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

const caches = new WeakMap<object, Map<string, LruCache<unknown>>>();

/**
 * The trace cache of `fn` under one set of options (options that change what
 * is traced, e.g. the static argument positions, form `variant`).
 */
export function traceCache<V>(fn: object, variant: string): LruCache<V> {
  let byVariant = caches.get(fn);
  if (byVariant === undefined) {
    byVariant = new Map();
    caches.set(fn, byVariant);
  }
  let cache = byVariant.get(variant);
  if (cache === undefined) {
    cache = new LruCache(() => config.read("jaxts_jit_cache_size"));
    byVariant.set(variant, cache);
  }
  return cache as LruCache<V>;
}

function identity(x: object): string {
  return `#${objectId(x)}`;
}

const symbolIds = new Map<symbol, number>();

/** The cache key of a static argument's value (see the module comment). */
export function staticKey(x: unknown, op: string, argIndex: number): string {
  const seen = new Set<object>();
  const key = (v: unknown, path: string): string => {
    switch (typeof v) {
      case "undefined":
        return "u";
      case "boolean":
        return v ? "T" : "F";
      case "number":
        return `n${Object.is(v, -0) ? "0" : String(v)}`;
      case "bigint":
        return `b${v}`;
      case "string":
        return `s${JSON.stringify(v)}`;
      case "symbol": {
        let id = symbolIds.get(v);
        if (id === undefined) {
          id = symbolIds.size;
          symbolIds.set(v, id);
        }
        return `y${id}`;
      }
      case "function":
        return `f${identity(v)}`;
    }
    if (v === null) return "N";
    const obj = v as object;
    if (v instanceof Array || ArrayBuffer.isView(v)) {
      throw new TypeError(
        `${op}: static argument ${argIndex}${path} is ${v instanceof Array ? `an Array (${v.aval.str()})` : kindOf(v)}, which is not hashable: ` +
          "static arguments are configuration compared by value; pass arrays as dynamic " +
          "arguments (leave them out of staticArgnums)",
      );
    }
    const plainArray = globalThis.Array.isArray(v);
    if (!plainArray && !isPlainObject(v)) return `o${identity(obj)}`;
    if (seen.has(obj)) {
      throw new TypeError(
        `${op}: static argument ${argIndex}${path} refers to itself (a cycle), so it cannot be hashed by value`,
      );
    }
    seen.add(obj);
    let out: string;
    if (plainArray) {
      out = `[${(v as unknown[]).map((e, i) => key(e, `${path}[${i}]`)).join(",")}]`;
    } else {
      const rec = v as Record<string, unknown>;
      const keys = Object.keys(rec).sort();
      out = `{${keys.map((k) => `${JSON.stringify(k)}:${key(rec[k], `${path}.${k}`)}`).join(",")}}`;
    }
    seen.delete(obj);
    return out;
  };
  return key(x, "");
}
