/**
 * Options objects are validated, never silently read in part: an unknown key
 * is a `TypeError` naming the function, the key and the valid keys — with the
 * camelCase spelling when the key is a Python one (`static_argnums` →
 * `staticArgnums`) and the nearest valid key for a typo (`axes` → `axis`).
 * JAX raises the same kind of error for an unexpected keyword argument.
 *
 * Each function lists its keys once, as an `OptionKeys<T>` record: TypeScript
 * then checks that the list and the options interface agree (a key missing
 * from the record, or one the interface lacks, does not compile).
 *
 *   const JIT_KEYS: OptionKeys<JitOptions> = { staticArgnums: true, donateArgnums: true };
 *   const opts = checkOptions("jit", options, JIT_KEYS);
 */

/** One `true` per key of `T`: the runtime list of an options interface's keys. */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Returns `options` (or `{}` when it is undefined/null) after checking that it
 * is a plain object whose own keys are all in `keys`.
 */
export function checkOptions<T extends object>(
  fn: string,
  options: T | undefined | null,
  keys: OptionKeys<T>,
  arg = "options",
): T {
  if (options === undefined || options === null) return {} as T;
  const valid = Object.keys(keys);
  if (!isPlainObject(options)) {
    throw new TypeError(
      `${fn}: ${arg} must be an object with the keys ${listKeys(valid)}, got ${kindOf(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(keys, key)) throw unknownOption(fn, key, valid, arg);
  }
  return options;
}

/** Whether `x` is an options-like object: not an array, typed array, function or class instance. */
export function isPlainObject(x: unknown): x is object {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function unknownOption(fn: string, key: string, valid: readonly string[], arg: string): TypeError {
  const hint = suggest(key, valid);
  return new TypeError(
    `${fn}: unknown ${arg === "options" ? "option" : `key in ${arg}`} '${key}'` +
      (hint === null ? "" : ` (did you mean '${hint}'?)`) +
      `; valid: ${listKeys(valid)}`,
  );
}

function listKeys(valid: readonly string[]): string {
  return valid.length === 0 ? "(none)" : valid.join(", ");
}

/** The camelCase form of a snake_case key, or the valid key nearest to a typo. */
export function suggest(key: string, valid: readonly string[]): string | null {
  const camel = key.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const lower = (s: string): string => s.toLowerCase();
  const exact = valid.find((v) => v === camel || lower(v) === lower(key.replaceAll("_", "")));
  if (exact !== undefined) return exact;
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const v of valid) {
    const d = editDistance(lower(camel), lower(v));
    if (d < bestDistance) {
      bestDistance = d;
      best = v;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** A short description of a value's kind, for error messages. */
export function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (Array.isArray(x)) return "a JS array";
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (typeof x === "function") return `a function${x.name ? ` (${x.name})` : ""}`;
  if (typeof x === "object") {
    const name = (x as object).constructor?.name;
    return name && name !== "Object" ? `an object of type ${name}` : "an object";
  }
  if (typeof x === "string") return `the string ${JSON.stringify(x)}`;
  return `${typeof x} ${String(x)}`;
}

/**
 * A user value as JSON-like text for an error message, safe for any value:
 * where `JSON.stringify` throws ("Converting circular structure to JSON")
 * on a tracer (it holds its trace) or a cycle, or prints a typed array as an
 * object, this prints strings quoted, numbers and booleans as they are, lists
 * and plain objects element by element (nested to a few levels), a jax.Array
 * as its `toString()` (`Traced<ShapedArray(int32[])>with<jit(f)>` for a
 * tracer) and anything else by its kind.
 */
export function showValue(x: unknown, depth = 3): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "bigint") return String(x);
  if (x === null || x === undefined) return String(x);
  if (typeof x === "object" && "aval" in x && "dtype" in x && "shape" in x) return String(x);
  if (depth > 0 && Array.isArray(x)) {
    return `[${x.map((v: unknown) => showValue(v, depth - 1)).join(", ")}]`;
  }
  if (depth > 0 && isPlainObject(x)) {
    const entries = Object.entries(x).map(
      ([k, v]) => `${JSON.stringify(k)}: ${showValue(v, depth - 1)}`,
    );
    return `{${entries.join(", ")}}`;
  }
  return kindOf(x);
}

/** A user function of any signature: what transformations accept and return. */
// biome-ignore lint/suspicious/noExplicitAny: transformations accept functions of any signature
export type AnyFn = (...args: any[]) => any;

/**
 * Checks that a transformation was given a synchronous function: jaxts traces
 * functions by calling them, and an async function returns a Promise before
 * any of its work is traced (JAX's Python functions cannot await either).
 */
export function checkFunction(fn: unknown, op: string, arg = "fn"): void {
  if (typeof fn !== "function") {
    throw new TypeError(`${op}: ${arg} must be a function, got ${kindOf(fn)}`);
  }
  const kind = fn.constructor?.name;
  if (
    kind === "AsyncFunction" ||
    kind === "AsyncGeneratorFunction" ||
    kind === "GeneratorFunction"
  ) {
    throw new TypeError(
      `${op}: ${arg}${fn.name ? ` (${fn.name})` : ""} is ${kind === "AsyncFunction" ? "an async" : "a generator"} function; ` +
        "transformations trace synchronous functions that return arrays (await the inputs first, then call the transformed function)",
    );
  }
}

/**
 * A traced function's result must not be a Promise: mark it handled (so its
 * rejection cannot kill the process as an unhandled rejection) and explain.
 */
export function rejectPromise(result: unknown, op: string): void {
  if (typeof result !== "object" || result === null) return;
  const then = (result as { then?: unknown }).then;
  if (typeof then !== "function") return;
  (result as Promise<unknown>).then(undefined, () => {});
  throw new TypeError(
    `${op}: the function returned a Promise; transformations trace synchronous functions ` +
      "that return arrays (a function that awaits cannot be traced)",
  );
}
