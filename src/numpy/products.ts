/**
 * Products (`jnp.matmul`, `dot`, `tensordot`, `einsum`...) and diagonals
 * (`trace`, `diagonal`, `diag`). Every contraction is one `dot_general`: no
 * product is ever formed as a broadcast multiply followed by a sum.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { checkDtype, type DType, isBool, isComplex } from "../dtype.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax/index.js";
import { checkOptions, isPlainObject, type OptionKeys, showValue } from "../options.js";
import { broadcastShapes, normalizeAxes, normalizeAxis, shapeStr, sizeOf } from "../shape.js";
import { filled as full, range } from "./internal.js";
import { moveaxis, ravel } from "./manipulation.js";
import { sum } from "./reductions.js";
import { multiply, subtract } from "./ufuncs.js";
import { broadcastTo, cast, resultType, toArrays } from "./util.js";

export interface DotOptions {
  /** Accepted for JAX compatibility; the CPU kernels always use full precision. */
  precision?: lax.PrecisionLike;
  /** The accumulation and result dtype (e.g. float32 for integer inputs). */
  preferredElementType?: DType | null;
}
const DOT_KEYS: OptionKeys<DotOptions> = { precision: true, preferredElementType: true };
const VECDOT_KEYS: OptionKeys<DotOptions & { axis?: number }> = { ...DOT_KEYS, axis: true };

interface Promoted {
  xs: Array[];
  /** Bools are multiplied as int32 and converted back (logical and/or). */
  finish: (r: Array) => Array;
  dotOpts: lax.DotOptions;
}

/** Promotes operands to one dtype for dot_general, and says how to produce the result dtype. */
function promoteForDot(op: string, operands: readonly ArrayLike[], opts: DotOptions): Promoted {
  const arrs = toArrays(op, operands);
  const t = resultType(...arrs);
  const preferred = checkDtype(op, opts.preferredElementType, "preferredElementType") ?? null;
  const compute = preferred ?? (isBool(t.dtype) ? "int32" : t.dtype);
  const xs = arrs.map((x) => cast(x, compute));
  const finish = (r: Array): Array => {
    if (preferred) return cast(r, preferred);
    if (isBool(t.dtype)) return lax.ne(r, full(r.shape, 0, r.dtype));
    return cast(r, t.dtype, t.weakType);
  };
  return { xs, finish, dotOpts: { precision: opts.precision ?? null } };
}

/**
 * `jnp.matmul(a, b, { preferredElementType })`: NumPy's rules. 1-D operands
 * are promoted to matrices (and the added axis removed); leading batch dims
 * broadcast. A batch dim present on one side only becomes a free dim of the
 * dot_general, so the other operand is never materialized at full size.
 */
export function matmul(a: ArrayLike, b: ArrayLike, options: DotOptions = {}): Array {
  options = checkOptions("jnp.matmul", options, DOT_KEYS);
  const op = "jnp.matmul";
  const { xs, finish, dotOpts } = promoteForDot(op, [a, b], options);
  let [x, y] = xs as [Array, Array];
  for (const [i, v] of [x, y].entries()) {
    if (v.ndim === 0) {
      throw new ValueError(
        `${op}: operand ${i} is 0-d (a scalar); matmul needs at least 1-D operands, use jnp.multiply for scalars`,
      );
    }
  }
  const shapes = `${shapeStr(x.shape)} and ${shapeStr(y.shape)}`;
  const xVec = x.ndim === 1;
  const yVec = y.ndim === 1;
  if (xVec) x = lax.reshape(x, [1, x.shape[0]!]);
  if (yVec) y = lax.reshape(y, [y.shape[0]!, 1]);
  const k1 = x.shape[x.ndim - 1]!;
  const k2 = y.shape[y.ndim - 2]!;
  if (k1 !== k2) {
    throw new ValueError(
      `${op}: size mismatch in the contracted dimension: shapes ${shapes}: a's last dimension (${k1}) must equal b's ` +
        `${yVec ? "only" : "second-to-last"} dimension (${k2})`,
    );
  }
  const ba = x.shape.slice(0, -2);
  const bb = y.shape.slice(0, -2);
  let outBatch: number[];
  try {
    outBatch = broadcastShapes(op, ba, bb);
  } catch {
    throw new ValueError(
      `${op}: batch dimensions ${shapeStr(ba)} and ${shapeStr(bb)} of shapes ${shapes} cannot be broadcast together`,
    );
  }
  const L = outBatch.length;
  type Kind = "batch" | "lhs" | "rhs";
  const kinds: Kind[] = [];
  const xSqueeze: number[] = [];
  const ySqueeze: number[] = [];
  const xDim: number[] = [];
  const yDim: number[] = [];
  for (let i = 0; i < L; i++) {
    const ia = i - (L - ba.length);
    const ib = i - (L - bb.length);
    xDim.push(ia);
    yDim.push(ib);
    const da = ia >= 0 ? ba[ia]! : null;
    const db = ib >= 0 ? bb[ib]! : null;
    if (da !== null && db !== null) {
      if (da === db) kinds.push("batch");
      else if (da === 1) {
        xSqueeze.push(ia);
        kinds.push("rhs");
      } else {
        ySqueeze.push(ib);
        kinds.push("lhs");
      }
    } else kinds.push(da !== null ? "lhs" : "rhs");
  }
  // Dims after squeezing the size-1 batch dims that broadcast against the other side.
  const after = (d: number, squeezed: number[]) => d - squeezed.filter((s) => s < d).length;
  if (xSqueeze.length > 0) x = lax.squeeze(x, xSqueeze);
  if (ySqueeze.length > 0) y = lax.squeeze(y, ySqueeze);
  const batchIdx = range(0, L).filter((i) => kinds[i] === "batch");
  const lb = batchIdx.map((i) => after(xDim[i]!, xSqueeze));
  const rb = batchIdx.map((i) => after(yDim[i]!, ySqueeze));
  let r = lax.dotGeneral(
    x,
    y,
    [
      [[x.ndim - 1], [y.ndim - 2]],
      [lb, rb],
    ],
    dotOpts,
  );
  // dot_general's output: batch dims, lhs free (its batch-only dims, then m), rhs free (then n).
  const labels: (number | "m" | "n")[] = [
    ...batchIdx,
    ...range(0, L).filter((i) => kinds[i] === "lhs"),
    "m",
    ...range(0, L).filter((i) => kinds[i] === "rhs"),
    "n",
  ];
  const want: (number | "m" | "n")[] = [...range(0, L), "m", "n"];
  const perm = want.map((l) => labels.indexOf(l));
  if (perm.some((p, i) => p !== i)) r = lax.transpose(r, perm);
  if (xVec || yVec) {
    r = lax.reshape(r, [
      ...outBatch,
      ...(xVec ? [] : [r.shape[L]!]),
      ...(yVec ? [] : [r.shape[L + 1]!]),
    ]);
  }
  return finish(r);
}

function contract(
  op: string,
  a: ArrayLike,
  b: ArrayLike,
  axes: (x: Array, y: Array) => [number[], number[]],
  opts: DotOptions,
): Array {
  const { xs, finish, dotOpts } = promoteForDot(op, [a, b], opts);
  const [x, y] = xs as [Array, Array];
  const [ca, cb] = axes(x, y);
  ca.forEach((d, i) => {
    const e = cb[i]!;
    if (x.shape[d] !== y.shape[e]) {
      throw new TypeError(
        `${op}: shapes ${shapeStr(x.shape)} and ${shapeStr(y.shape)} not aligned: ${x.shape[d]} (dim ${d}) != ${y.shape[e]} (dim ${e})`,
      );
    }
  });
  return finish(
    lax.dotGeneral(
      x,
      y,
      [
        [ca, cb],
        [[], []],
      ],
      dotOpts,
    ),
  );
}

/**
 * `jnp.dot(a, b)`: scalars multiply; otherwise a's last axis contracts with
 * b's only axis (1-D) or second-to-last (N-D), with no batch broadcasting.
 */
export function dot(a: ArrayLike, b: ArrayLike, options: DotOptions = {}): Array {
  options = checkOptions("jnp.dot", options, DOT_KEYS);
  const [x, y] = toArrays("jnp.dot", [a, b]) as [Array, Array];
  if (x.ndim === 0 || y.ndim === 0) return multiply(x, y);
  return contract(
    "jnp.dot",
    x,
    y,
    (p, q) => [[p.ndim - 1], [q.ndim === 1 ? 0 : q.ndim - 2]],
    options,
  );
}

/** `jnp.vdot(a, b)`: the dot product of the flattened arrays. */
export function vdot(a: ArrayLike, b: ArrayLike, options: DotOptions = {}): Array {
  options = checkOptions("jnp.vdot", options, DOT_KEYS);
  const [x, y] = toArrays("jnp.vdot", [a, b]) as [Array, Array];
  if (x.size !== y.size) {
    throw new TypeError(
      `jnp.vdot: the arrays must have the same size, got shapes ${shapeStr(x.shape)} and ${shapeStr(y.shape)}`,
    );
  }
  // The first argument is conjugated, as NumPy's vdot.
  const xc = isComplex(x.dtype) ? lax.conj(x) : x;
  return contract("jnp.vdot", ravel(xc), ravel(y), () => [[0], [0]], options);
}

/** `jnp.inner(a, b)`: contracts the last axes of both. */
export function inner(a: ArrayLike, b: ArrayLike, options: DotOptions = {}): Array {
  options = checkOptions("jnp.inner", options, DOT_KEYS);
  const [x, y] = toArrays("jnp.inner", [a, b]) as [Array, Array];
  if (x.ndim === 0 || y.ndim === 0) return multiply(x, y);
  return contract("jnp.inner", x, y, (p, q) => [[p.ndim - 1], [q.ndim - 1]], options);
}

/** `jnp.outer(a, b)`: out[i, j] = a[i] * b[j] of the flattened arrays. */
export function outer(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = toArrays("jnp.outer", [a, b]) as [Array, Array];
  return multiply(lax.reshape(x, [x.size, 1]), lax.reshape(y, [1, y.size]));
}

/**
 * `jnp.tensordot(a, b, axes=2)`: axes is N (a's last N with b's first N) or
 * [aAxes, bAxes] (numbers or lists).
 */
export function tensordot(
  a: ArrayLike,
  b: ArrayLike,
  axes: number | readonly [number | readonly number[], number | readonly number[]] = 2,
  options: DotOptions = {},
): Array {
  options = checkOptions("jnp.tensordot", options, DOT_KEYS);
  const op = "jnp.tensordot";
  return contract(
    op,
    a,
    b,
    (x, y) => {
      if (typeof axes === "number") {
        if (!Number.isInteger(axes) || axes < 0 || axes > x.ndim || axes > y.ndim) {
          throw new TypeError(
            `${op}: axes ${axes} must be an integer between 0 and min(a.ndim, b.ndim) = ${Math.min(x.ndim, y.ndim)}`,
          );
        }
        return [range(x.ndim - axes, x.ndim), range(0, axes)];
      }
      if (!globalThis.Array.isArray(axes) || axes.length !== 2) {
        throw new TypeError(
          `${op}: axes must be an integer or a pair [aAxes, bAxes], got ${showValue(axes)}`,
        );
      }
      const ca = normalizeAxes(axes[0], x.ndim, op);
      const cb = normalizeAxes(axes[1], y.ndim, op);
      if (ca.length !== cb.length) {
        throw new TypeError(
          `${op}: a and b must contract the same number of axes, got ${showValue(axes[0])} and ${showValue(axes[1])}`,
        );
      }
      return [ca, cb];
    },
    options,
  );
}

/** `jnp.vecdot(x1, x2, { axis })`: dot products along an axis, broadcasting the others. */
export function vecdot(
  x1: ArrayLike,
  x2: ArrayLike,
  options: DotOptions & { axis?: number } = {},
): Array {
  const op = "jnp.vecdot";
  const { axis: axisOption, ...dotOptions } = checkOptions(op, options, VECDOT_KEYS);
  const [x, y] = toArrays(op, [x1, x2]) as [Array, Array];
  const axis = axisOption ?? -1;
  const xa = moveaxis(x, normalizeAxis(axis, x.ndim, op), -1);
  const ya = moveaxis(y, normalizeAxis(axis, y.ndim, op), -1);
  const r = matmul(lax.expandDims(xa, [xa.ndim - 1]), lax.expandDims(ya, [ya.ndim]), dotOptions);
  return lax.reshape(r, r.shape.slice(0, -2));
}

// --- einsum ------------------------------------------------------------------------

export interface EinsumOptions extends DotOptions {
  /** Accepted for compatibility; contractions are always ordered greedily by result size. */
  optimize?: boolean | string;
}
const EINSUM_KEYS: OptionKeys<EinsumOptions> = { ...DOT_KEYS, optimize: true };

interface Term {
  x: Array;
  labels: string[];
}

/** Splits one term ("ij", "...k", "i...j") into letters before and after an ellipsis. */
function splitTerm(op: string, term: string): { pre: string[]; post: string[]; ellipsis: boolean } {
  const parts = term.split("...");
  if (parts.length > 2)
    throw new ValueError(`${op}: more than one ellipsis in subscript term '${term}'`);
  for (const p of parts) {
    const bad = [...p].find((c) => !/[a-zA-Z]/.test(c));
    if (bad !== undefined)
      throw new ValueError(
        `${op}: invalid subscript character '${bad}' in '${term}' (use letters a-z, A-Z and '...')`,
      );
  }
  return {
    pre: [...parts[0]!],
    post: parts.length === 2 ? [...parts[1]!] : [],
    ellipsis: parts.length === 2,
  };
}

/**
 * `jnp.einsum(subscripts, ...operands, { preferredElementType })`: implicit
 * ("ij,jk") and explicit ("ij,jk->ik") outputs, "..." broadcasting, repeated
 * indices (diagonals, traces). Operands are contracted pairwise with
 * dot_general, the pair with the smallest result first.
 */
export function einsum(subscripts: string, ...args: (ArrayLike | EinsumOptions)[]): Array {
  const op = "jnp.einsum";
  const last = args[args.length - 1];
  const opts: EinsumOptions = isPlainObject(last)
    ? checkOptions(op, args.pop() as EinsumOptions, EINSUM_KEYS)
    : {};
  if (typeof subscripts !== "string")
    throw new TypeError(`${op}: subscripts must be a string, got ${typeof subscripts}`);
  const { xs, finish, dotOpts } = promoteForDot(op, args as ArrayLike[], opts);
  if (xs.length === 0) throw new ValueError(`${op}: needs at least one operand`);
  const spec = subscripts.replace(/\s/g, "");
  const sides = spec.split("->");
  if (sides.length > 2)
    throw new ValueError(`${op}: subscripts '${subscripts}' contain more than one '->'`);
  const inTerms = sides[0]!.split(",");
  if (inTerms.length !== xs.length) {
    throw new ValueError(
      `${op}: subscripts '${subscripts}' name ${inTerms.length} operand(s), but ${xs.length} were given`,
    );
  }
  const parsed = inTerms.map((t) => splitTerm(op, t));
  const ellDims = parsed.map((p, i) => {
    const named = p.pre.length + p.post.length;
    const x = xs[i]!;
    if (p.ellipsis ? named > x.ndim : named !== x.ndim) {
      throw new ValueError(
        `${op}: operand ${i} has ${x.ndim} dimension(s) (shape ${shapeStr(x.shape)}), but its subscripts '${inTerms[i]}' name ${named}`,
      );
    }
    return p.ellipsis ? x.ndim - named : 0;
  });
  const E = Math.max(0, ...ellDims);
  const ell = (e: number) => range(E - e, E).map((j) => `.${j}`);
  const terms: Term[] = parsed.map((p, i) => ({
    x: xs[i]!,
    labels: [...p.pre, ...ell(ellDims[i]!), ...p.post],
  }));

  // Label sizes: size-1 dims broadcast against larger ones.
  const sizes = new Map<string, number>();
  terms.forEach((t, i) => {
    t.labels.forEach((l, d) => {
      const s = t.x.shape[d]!;
      const prev = sizes.get(l);
      if (prev !== undefined && prev !== s && prev !== 1 && s !== 1) {
        const name = l.startsWith(".") ? "a broadcast (...) dimension" : `label '${l}'`;
        throw new ValueError(
          `${op}: size of ${name} in operand ${i} (${s}) does not match previous terms (${prev})`,
        );
      }
      sizes.set(l, Math.max(prev ?? s, s));
    });
  });

  let out: string[];
  if (sides.length === 2) {
    const p = splitTerm(op, sides[1]!);
    out = [...p.pre, ...(p.ellipsis ? ell(E) : []), ...p.post];
    for (const l of out) {
      if (!sizes.has(l))
        throw new ValueError(
          `${op}: output subscript '${l}' does not appear in any input of '${subscripts}'`,
        );
    }
    if (new Set(out).size !== out.length)
      throw new ValueError(`${op}: output subscripts '${sides[1]}' repeat a label`);
  } else {
    const counts = new Map<string, number>();
    for (const t of terms)
      for (const l of t.labels) if (!l.startsWith(".")) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, c]) => c === 1).map(([l]) => l);
    out = [...ell(E), ...once.sort((p, q) => p.charCodeAt(0) - q.charCodeAt(0))];
  }

  // Per operand: squeeze broadcast size-1 dims, take diagonals of repeated labels, sum labels used nowhere else.
  let live = terms.map((t, i) => {
    let { x, labels } = t;
    const squeeze = labels
      .map((l, d) => (x.shape[d] === 1 && sizes.get(l)! > 1 ? d : -1))
      .filter((d) => d >= 0);
    if (squeeze.length > 0) {
      x = lax.squeeze(x, squeeze);
      labels = labels.filter((_, d) => !squeeze.includes(d));
    }
    ({ x, labels } = diagonals(x, labels));
    const elsewhere = new Set([
      ...out,
      ...terms.filter((_, j) => j !== i).flatMap((u) => u.labels),
    ]);
    return sumOut({ x, labels }, (l) => !elsewhere.has(l));
  });

  while (live.length > 1) {
    // Greedy: the pair whose result (the labels still needed afterwards) is smallest.
    let best: [number, number, number] | null = null;
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) {
        const keep = keepSet(out, live, i, j);
        const labs = new Set([...live[i]!.labels, ...live[j]!.labels].filter((l) => keep.has(l)));
        const size = sizeOf([...labs].map((l) => sizes.get(l)!));
        if (best === null || size < best[2]) best = [i, j, size];
      }
    }
    const [i, j] = best!;
    const r = contractPair(live[i]!, live[j]!, keepSet(out, live, i, j), dotOpts);
    live = [...live.filter((_, k) => k !== i && k !== j), r];
  }
  const res = sumOut(live[0]!, (l) => !out.includes(l));
  const perm = out.map((l) => res.labels.indexOf(l));
  const r = perm.every((p, k) => p === k) ? res.x : lax.transpose(res.x, perm);
  return finish(r);
}

function keepSet(out: string[], live: Term[], i: number, j: number): Set<string> {
  return new Set([...out, ...live.filter((_, k) => k !== i && k !== j).flatMap((t) => t.labels)]);
}

/** Sums away the dims whose label satisfies `drop`. */
function sumOut(t: Term, drop: (l: string) => boolean): Term {
  const axes = t.labels.map((l, d) => (drop(l) ? d : -1)).filter((d) => d >= 0);
  if (axes.length === 0) return t;
  return { x: lax.reduceSum(t.x, axes), labels: t.labels.filter((_, d) => !axes.includes(d)) };
}

/** Repeated labels in one operand ("ii") select the diagonal: mask off-diagonal, then sum one of the pair. */
function diagonals(x: Array, labels: string[]): Term {
  for (;;) {
    const q = labels.findIndex((l, d) => labels.indexOf(l) !== d);
    if (q < 0) return { x, labels };
    const p = labels.indexOf(labels[q]!);
    const mask = lax.eq(
      lax.broadcastedIota("int32", x.shape, p),
      lax.broadcastedIota("int32", x.shape, q),
    );
    x = lax.reduceSum(lax.selectN(mask, full(x.shape, 0, x.dtype), x), [q]);
    labels = labels.filter((_, d) => d !== q);
  }
}

function contractPair(a: Term, b: Term, keep: Set<string>, dotOpts: lax.DotOptions): Term {
  const A = sumOut(a, (l) => !keep.has(l) && !b.labels.includes(l));
  const B = sumOut(b, (l) => !keep.has(l) && !a.labels.includes(l));
  const shared = A.labels.filter((l) => B.labels.includes(l));
  const batch = shared.filter((l) => keep.has(l));
  const con = shared.filter((l) => !keep.has(l));
  const ia = (l: string) => A.labels.indexOf(l);
  const ib = (l: string) => B.labels.indexOf(l);
  const x = lax.dotGeneral(
    A.x,
    B.x,
    [
      [con.map(ia), con.map(ib)],
      [batch.map(ia), batch.map(ib)],
    ],
    dotOpts,
  );
  return {
    x,
    labels: [
      ...batch,
      ...A.labels.filter((l) => !shared.includes(l)),
      ...B.labels.filter((l) => !shared.includes(l)),
    ],
  };
}

// --- diagonals -----------------------------------------------------------------------

/**
 * `jnp.diagonal(a, offset=0, axis1=0, axis2=1)`: the diagonal as the last
 * axis. It is a strided slice of the flattened (L, L) block: no gather.
 */
export function diagonal(a: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): Array {
  const op = "jnp.diagonal";
  let x = asArray(a, op, "a");
  if (x.ndim < 2)
    throw new ValueError(
      `${op}: requires an array of at least two dimensions, got shape ${shapeStr(x.shape)}`,
    );
  const i = normalizeAxis(axis1, x.ndim, op, "axis1");
  const j = normalizeAxis(axis2, x.ndim, op, "axis2");
  if (i === j) throw new ValueError(`${op}: axis1 and axis2 cannot be the same (both are ${i})`);
  if (!Number.isInteger(offset))
    throw new TypeError(`${op}: offset must be an integer, got ${offset}`);
  x = moveaxis(x, [i, j], [-2, -1]);
  const nd = x.ndim;
  const [n, m] = x.shape.slice(-2) as [number, number];
  const batch = x.shape.slice(0, -2);
  const r0 = Math.max(0, -offset);
  const c0 = Math.max(0, offset);
  const L = Math.max(0, Math.min(n - r0, m - c0));
  if (L === 0) return full([...batch, 0], 0, x.dtype);
  x = lax.sliceInDim(lax.sliceInDim(x, r0, r0 + L, 1, nd - 2), c0, c0 + L, 1, nd - 1);
  const flat = lax.reshape(x, [...batch, L * L]);
  return lax.sliceInDim(flat, 0, L * L, L + 1, nd - 2);
}

/** `jnp.trace(a, offset=0, axis1=0, axis2=1, { dtype })`: the sum of the diagonal. */
export function trace(
  a: ArrayLike,
  offset = 0,
  axis1 = 0,
  axis2 = 1,
  options: { dtype?: DType } = {},
): Array {
  options = checkOptions("jnp.trace", options, { dtype: true });
  return sum(diagonal(a, offset, axis1, axis2), { axis: -1, dtype: options.dtype });
}

/** `jnp.diag(v, k=0)`: a 1-D v becomes a matrix with v on the k-th diagonal; a 2-D v gives its k-th diagonal. */
export function diag(v: ArrayLike, k = 0): Array {
  const op = "jnp.diag";
  const x = asArray(v, op, "v");
  if (x.ndim === 2) return diagonal(x, k);
  if (x.ndim !== 1)
    throw new ValueError(`${op}: input must be 1-D or 2-D, got shape ${shapeStr(x.shape)}`);
  if (!Number.isInteger(k)) throw new TypeError(`${op}: k must be an integer, got ${k}`);
  const L = x.shape[0]!;
  const zero = lax.convertElementType(0, x.dtype);
  // Interior padding by L puts v[i] at flat position i * (L + 1): the diagonal of an (L, L) matrix.
  const m = lax.reshape(lax.pad(x, zero, [[0, 0, L]]), [L, L]);
  if (k === 0) return m;
  const a = Math.abs(k);
  return lax.pad(
    m,
    zero,
    k > 0
      ? [
          [0, a, 0],
          [a, 0, 0],
        ]
      : [
          [a, 0, 0],
          [0, a, 0],
        ],
  );
}

/** `jnp.kron(a, b)`: the Kronecker product. */
export function kron(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = toArrays("jnp.kron", [a, b]) as [Array, Array];
  const nd = Math.max(x.ndim, y.ndim);
  const pad1 = (s: readonly number[]) => [
    ...new globalThis.Array<number>(nd - s.length).fill(1),
    ...s,
  ];
  const sa = pad1(x.shape);
  const sb = pad1(y.shape);
  const xa = lax.reshape(
    x,
    sa.flatMap((d) => [d, 1]),
  );
  const yb = lax.reshape(
    y,
    sb.flatMap((d) => [1, d]),
  );
  return lax.reshape(
    multiply(xa, yb),
    sa.map((d, i) => d * sb[i]!),
  );
}

export interface CrossOptions {
  axisa?: number;
  axisb?: number;
  axisc?: number;
  /** Overrides axisa, axisb and axisc. */
  axis?: number;
}
const CROSS_KEYS: OptionKeys<CrossOptions> = { axisa: true, axisb: true, axisc: true, axis: true };

/** `jnp.cross(a, b, { axisa, axisb, axisc, axis })`: 2- or 3-component vector cross products. */
export function cross(a: ArrayLike, b: ArrayLike, options: CrossOptions = {}): Array {
  options = checkOptions("jnp.cross", options, CROSS_KEYS);
  const op = "jnp.cross";
  const [x0, y0] = toArrays(op, [a, b]) as [Array, Array];
  const ax = options.axis;
  const xa = moveaxis(x0, normalizeAxis(ax ?? options.axisa ?? -1, x0.ndim, op, "axisa"), -1);
  const yb = moveaxis(y0, normalizeAxis(ax ?? options.axisb ?? -1, y0.ndim, op, "axisb"), -1);
  const nx = xa.shape[xa.ndim - 1]!;
  const ny = yb.shape[yb.ndim - 1]!;
  if ((nx !== 2 && nx !== 3) || (ny !== 2 && ny !== 3)) {
    throw new ValueError(
      `${op}: incompatible dimensions for cross product (dimension must be 2 or 3), got ${nx} and ${ny}`,
    );
  }
  const comp = (v: Array, i: number, n: number): Array | null =>
    i < n ? lax.squeeze(lax.sliceInDim(v, i, i + 1, 1, v.ndim - 1), [v.ndim - 1]) : null;
  const [a0, a1, a2] = [0, 1, 2].map((i) => comp(xa, i, nx));
  const [b0, b1, b2] = [0, 1, 2].map((i) => comp(yb, i, ny));
  const term = (
    p: Array | null,
    q: Array | null,
    r: Array | null,
    s: Array | null,
  ): Array | null => {
    const pq = p && q ? multiply(p, q) : null;
    const rs = r && s ? multiply(r, s) : null;
    if (pq && rs) return subtract(pq, rs);
    return pq ?? (rs ? multiply(rs, -1) : null);
  };
  const z = term(a0!, b1!, a1!, b0!)!;
  if (nx === 2 && ny === 2) return z;
  const cx = term(a1!, b2 ?? null, a2 ?? null, b1!);
  const cy = term(a2 ?? null, b0!, a0!, b2 ?? null);
  const shape = broadcastShapes(op, cx?.shape ?? z.shape, cy?.shape ?? z.shape, z.shape);
  const zero = full([], 0, z.dtype);
  const comps = [cx ?? zero, cy ?? zero, z].map((c) => broadcastTo(c, shape, op));
  const stacked = lax.concatenate(
    comps.map((c) => lax.expandDims(c, [c.ndim])),
    shape.length,
  );
  const c = options.axis ?? options.axisc ?? -1;
  return moveaxis(stacked, -1, normalizeAxis(c, stacked.ndim, op, "axisc"));
}
