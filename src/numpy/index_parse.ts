/**
 * Parsing of NumPy indices for numpy/indexing.ts: each index of `x.get(...)`
 * / `x.at(...)` becomes an entry (integer, slice, new axis, ellipsis,
 * integer array, mask), and `resolve` lays the entries out against the
 * array's axes (the ellipsis expanded, masks turned into their concrete
 * integer arrays).
 */
import { type Array, ArrayImpl, isArray } from "../core/array.js";
import { hostValues } from "../core/backend.js";
import { describe } from "../core/convert.js";
import { isConcrete } from "../core/trace.js";
import { isBool, isFloating } from "../dtype.js";
import { IndexError, NonConcreteBooleanIndexError } from "../errors.js";
import { type Shape, shapeStr, stridesOf } from "../shape.js";
import type { Index } from "./indexing.js";

// --- parsing --------------------------------------------------------------------------

/** An index entry; `static` integer arrays come from JS arrays or masks (values known now). */
type Entry =
  | { kind: "int"; value: number }
  | { kind: "slice"; start: number | null; stop: number | null; step: number }
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  | { kind: "array"; arr: Array; static: boolean }
  | { kind: "mask"; arr: Array };

const VALID =
  "only integers, slice strings (':', '1:3', '::-1'), '...', null (new axis) and integer or boolean arrays are valid indices";

const SLICE_RE = /^\s*([+-]?\d+)?\s*:\s*([+-]?\d+)?\s*(?::\s*([+-]?\d+)?\s*)?$/;

function parseSlice(op: string, s: string, pos: number): Entry {
  if (s.trim() === "...") return { kind: "ellipsis" };
  const m = SLICE_RE.exec(s);
  if (m === null) {
    throw new IndexError(
      `${op}: malformed slice string ${JSON.stringify(s)} at position ${pos}: expected "start:stop" or ` +
        `"start:stop:step" with optional integers (e.g. ":", "1:3", "-3:", "::-1"), or "..."; ` +
        "index single elements with a number",
    );
  }
  const num = (t: string | undefined): number | null => (t === undefined ? null : Number(t));
  const step = num(m[3]) ?? 1;
  if (step === 0)
    throw new IndexError(
      `${op}: slice step cannot be zero (${JSON.stringify(s)} at position ${pos})`,
    );
  return { kind: "slice", start: num(m[1]), stop: num(m[2]), step };
}

function parseIndex(op: string, i: unknown, pos: number): Entry {
  if (i === null) return { kind: "newaxis" };
  if (typeof i === "number") {
    if (!Number.isInteger(i))
      throw new IndexError(`${op}: index ${i} at position ${pos} is not an integer; ${VALID}`);
    return { kind: "int", value: i };
  }
  if (typeof i === "string") return parseSlice(op, i, pos);
  if (isArray(i)) {
    if (isBool(i.dtype)) return { kind: "mask", arr: i };
    if (isFloating(i.dtype)) {
      throw new IndexError(
        `${op}: indexer must have integer or boolean type, got an index array of dtype ${i.dtype} ` +
          `(shape ${shapeStr(i.shape)}) at position ${pos}; convert it with .astype(jnp.int32)`,
      );
    }
    return { kind: "array", arr: i, static: false };
  }
  if (globalThis.Array.isArray(i)) {
    const xs: readonly unknown[] = i;
    if (xs.length > 0 && xs.every((v) => typeof v === "boolean")) {
      const data = Uint8Array.from(xs as boolean[], Number);
      return { kind: "mask", arr: ArrayImpl.fromData(data, [data.length]) };
    }
    xs.forEach((v, k) => {
      if (typeof v !== "number" || !Number.isInteger(v)) {
        throw new IndexError(
          `${op}: a JS array index must hold only integers (or only booleans), got ${describe(v)} at ` +
            `element ${k} of the index at position ${pos}; use jnp.array for nested or typed indices`,
        );
      }
    });
    return { kind: "array", arr: staticInts(xs as number[], [xs.length]), static: true };
  }
  throw new IndexError(`${op}: unsupported index ${describe(i)} at position ${pos}; ${VALID}`);
}

export type NumList = { readonly length: number; readonly [i: number]: number };

function staticInts(values: NumList, shape: Shape): ArrayImpl {
  // Values beyond int32 cannot be in bounds of any axis; saturate so the bounds check names them.
  const data = Int32Array.from(values as readonly number[], (v) =>
    Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v)),
  );
  return ArrayImpl.fromData(data, shape);
}

// --- resolving against x's shape ----------------------------------------------------------

/** An index entry once masks are expanded and the ellipsis is known. */
export type Item = Exclude<Entry, { kind: "mask" }>;

export interface Resolved {
  /** The entries, one per indexed axis or new axis, with the ellipsis expanded into full slices. */
  items: Item[];
  /** x's shape with the size-1 axes that 0-d masks insert. */
  xShape: number[];
  /** Where 0-d masks insert axes into x (positions in xShape). */
  inserted: number[];
  /** Whether integer arrays are present (advanced indexing). */
  advanced: boolean;
  /** Whether the advanced indices are adjacent (their dims replace theirs in place; else they go first). */
  contiguous: boolean;
}

const FULL: Item = { kind: "slice", start: null, stop: null, step: 1 };

function consumes(e: Entry): number {
  if (e.kind === "newaxis" || e.kind === "ellipsis") return 0;
  return e.kind === "mask" ? e.arr.ndim : 1;
}

export function resolve(op: string, shape: Shape, indices: readonly Index[]): Resolved {
  if (!globalThis.Array.isArray(indices)) {
    throw new TypeError(`${op}: indices must be a list of indices, got ${describe(indices)}`);
  }
  const entries = indices.map((i, pos) => parseIndex(op, i, pos));
  if (entries.filter((e) => e.kind === "ellipsis").length > 1) {
    throw new IndexError(`${op}: an index can only have a single ellipsis ('...')`);
  }
  const used = entries.reduce((n, e) => n + consumes(e), 0);
  if (used > shape.length) {
    throw new IndexError(
      `${op}: too many indices for array: array of shape ${shapeStr(shape)} is ${shape.length}-dimensional, ` +
        `but ${used} ${used === 1 ? "was" : "were"} indexed`,
    );
  }
  // Expand masks into integer arrays (their nonzero positions), keeping the
  // ellipsis as one entry: NumPy decides adjacency of advanced indices with it.
  const xShape = [...shape];
  const inserted: number[] = [];
  const flat: Item[] = [];
  let ax = 0;
  entries.forEach((e, pos) => {
    if (e.kind === "mask") {
      for (const arr of expandMask(op, e.arr, xShape, ax, pos))
        flat.push({ kind: "array", arr, static: true });
      if (e.arr.ndim === 0) {
        xShape.splice(ax, 0, 1);
        inserted.push(ax);
        ax += 1;
      } else ax += e.arr.ndim;
      return;
    }
    flat.push(e);
    if (e.kind === "ellipsis") ax += shape.length - used;
    else if (e.kind !== "newaxis") ax += 1;
  });
  const advanced = flat.some((e) => e.kind === "array" && e.arr.ndim > 0);
  const advPos = flat.flatMap((e, k) =>
    advanced && (e.kind === "array" || e.kind === "int") ? [k] : [],
  );
  const contiguous = advPos.every((p, k) => k === 0 || p === advPos[k - 1]! + 1);
  const fill = (n: number): Item[] => globalThis.Array.from({ length: n }, () => FULL);
  const items = flat.flatMap((e) => (e.kind === "ellipsis" ? fill(shape.length - used) : [e]));
  if (!flat.some((e) => e.kind === "ellipsis")) items.push(...fill(shape.length - used));
  return { items, xShape, inserted, advanced, contiguous };
}

/** A concrete mask's true positions, one static int32 array per mask dimension (NumPy's nonzero). */
function expandMask(op: string, mask: Array, xShape: Shape, ax: number, pos: number): ArrayImpl[] {
  if (!isConcrete(mask)) {
    throw new NonConcreteBooleanIndexError(
      `${op}: array boolean indices must be concrete; got a traced mask ${mask.aval.str()} at position ${pos}. ` +
        "The shape of the result depends on how many values are true, which is not known while tracing. " +
        "Use jnp.where(mask, x, other) to select elementwise, jnp.nonzero(mask, { size }) for a " +
        "fixed number of indices, or pass a static (concrete) mask.",
    );
  }
  const maskValues = hostValues(mask);
  if (mask.ndim === 0) return [staticInts(maskValues[0] ? [0] : [], [maskValues[0] ? 1 : 0])];
  mask.shape.forEach((d, k) => {
    if (d !== xShape[ax + k]) {
      throw new IndexError(
        `${op}: boolean index did not match indexed array along axis ${ax + k}; size of axis is ` +
          `${xShape[ax + k]} but size of corresponding boolean axis is ${d} (mask of shape ` +
          `${shapeStr(mask.shape)} at position ${pos})`,
      );
    }
  });
  const strides = stridesOf(mask.shape);
  const hits: number[] = [];
  maskValues.forEach((v, flatIdx) => {
    if (v) hits.push(flatIdx);
  });
  return mask.shape.map((d, k) =>
    staticInts(
      hits.map((h) => Math.floor(h / strides[k]!) % d),
      [hits.length],
    ),
  );
}
