/**
 * More of `jax.nn` (issue 17): the remaining activations (`glu`, `mish`,
 * `squareplus`, `sparsePlus`, `sparseSigmoid`, `log1mexp`, ...), `logmeanexp`,
 * and `dotProductAttention` with the semantics of JAX's "xla" implementation.
 * Built only on jnp and lax.
 */
import type { Array } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { defaultFloat, isInexact } from "../dtype.js";
import * as jnp from "../numpy/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { hardSwish, logsumexp, sigmoid, softmax, softplus, softsign } from "./functions.js";

type Axis = number | readonly number[] | null;

function inexact(x: ArrayLike, op: string): Array {
  const a = asArray(x, op, "x");
  return isInexact(a.dtype) ? a : jnp.astype(a, defaultFloat());
}

/** `jax.nn.identity(x)`: x unchanged. */
export function identity(x: ArrayLike): Array {
  return asArray(x, "nn.identity", "x");
}
/** `jax.nn.tanh`: jnp.tanh. */
export function tanh(x: ArrayLike): Array {
  return jnp.tanh(x);
}
/** `jax.nn.soft_sign`: x / (|x| + 1) (the same function as `softsign`). */
export const softSign = softsign;
/** `jax.nn.hard_silu`: x·relu6(x + 3)/6 (the same function as `hardSwish`). */
export const hardSilu = hardSwish;

/** `jax.nn.glu(x, axis=-1)`: the first half of x along axis times the sigmoid of the second. */
export function glu(x: ArrayLike, axis = -1): Array {
  const a = inexact(x, "nn.glu");
  const ax = axis < 0 ? axis + a.ndim : axis;
  const size = a.shape[ax];
  if (size === undefined || size % 2 !== 0) {
    throw new TypeError(
      `nn.glu: axis ${axis} of x (shape [${a.shape.join(", ")}]) must have an even size`,
    );
  }
  const [x1, x2] = jnp.split(a, 2, ax) as [Array, Array];
  return x1.mul(sigmoid(x2));
}

/** `jax.nn.mish(x)`: x·tanh(softplus(x)). */
export function mish(x: ArrayLike): Array {
  const a = inexact(x, "nn.mish");
  return a.mul(jnp.tanh(softplus(a)));
}

/** `jax.nn.squareplus(x, b=4)`: (x + sqrt(x² + b)) / 2. */
export function squareplus(x: ArrayLike, b: ArrayLike = 4): Array {
  const a = inexact(x, "nn.squareplus");
  return a.add(jnp.sqrt(jnp.square(a).add(b))).div(2);
}

/** `jax.nn.sparse_plus(x)`: 0 for x ≤ -1, x for x ≥ 1, (x + 1)²/4 between. */
export function sparsePlus(x: ArrayLike): Array {
  const a = inexact(x, "nn.sparsePlus");
  return jnp.where(a.le(-1), 0, jnp.where(a.ge(1), a, jnp.square(a.add(1)).div(4)));
}

/** `jax.nn.sparse_sigmoid(x)`: clip((x + 1)/2, 0, 1), the derivative of sparsePlus. */
export function sparseSigmoid(x: ArrayLike): Array {
  const a = inexact(x, "nn.sparseSigmoid");
  return jnp.clip(a.add(1), 0, 2).mul(0.5);
}

/** `jax.nn.log1mexp(x)`: log(1 - exp(-x)), stable on both sides of log 2. */
export function log1mexp(x: ArrayLike): Array {
  const a = inexact(x, "nn.log1mexp");
  return jnp.where(
    a.lt(Math.LN2),
    jnp.log(jnp.negative(jnp.expm1(jnp.negative(a)))),
    jnp.log1p(jnp.negative(jnp.exp(jnp.negative(a)))),
  );
}

export interface LogmeanexpOptions {
  axis?: Axis;
  keepdims?: boolean;
}
const LOGMEANEXP_KEYS: OptionKeys<LogmeanexpOptions> = { axis: true, keepdims: true };

/** `jax.nn.logmeanexp(x, axis=None, keepdims=False)`: log(mean(exp(x))), stably. */
export function logmeanexp(x: ArrayLike, options: LogmeanexpOptions = {}): Array {
  const o = checkOptions("nn.logmeanexp", options, LOGMEANEXP_KEYS);
  const a = inexact(x, "nn.logmeanexp");
  const axis = o.axis ?? null;
  const lse = logsumexp(a, { axis, keepdims: o.keepdims ?? false });
  const count = jnp.sum(jnp.onesLike(a), { axis, keepdims: o.keepdims ?? false });
  return lse.sub(jnp.log(count));
}

export interface DotProductAttentionOptions {
  /** Added to the logits; broadcast to [B, N, T, S]. */
  bias?: ArrayLike | null;
  /** Boolean; false entries are masked out; broadcast to [B, N, T, S]. */
  mask?: ArrayLike | null;
  /** The logits' scale (default 1/sqrt(H)). */
  scale?: number | null;
  /** A causal (lower-triangular) mask. */
  isCausal?: boolean;
  /** int32 [B]: the valid query length of each batch entry. */
  querySeqLengths?: ArrayLike | null;
  /** int32 [B]: the valid key/value length of each batch entry. */
  keyValueSeqLengths?: ArrayLike | null;
  /** "xla" (or null): the only implementation here. */
  implementation?: "xla" | null;
}
const DPA_KEYS: OptionKeys<DotProductAttentionOptions> = {
  bias: true,
  mask: true,
  scale: true,
  isCausal: true,
  querySeqLengths: true,
  keyValueSeqLengths: true,
  implementation: true,
};

/**
 * `jax.nn.dot_product_attention(query, key, value, bias=None, mask=None, *,
 * scale, is_causal, query_seq_lengths, key_value_seq_lengths)`: softmax(q·kᵀ
 * ·scale + bias, masked)·v with query [B, T, N, H] and key/value [B, S, K, H]
 * (N a multiple of K: grouped-query attention), or the same without B.
 * Logits are taken in float32, masked entries set to -0.7·finfo.max (JAX's
 * "xla" implementation); the result has query's shape and dtype.
 */
export function dotProductAttention(
  query: ArrayLike,
  key: ArrayLike,
  value: ArrayLike,
  options: DotProductAttentionOptions = {},
): Array {
  const op = "nn.dotProductAttention";
  const o = checkOptions(op, options, DPA_KEYS);
  if (o.implementation !== undefined && o.implementation !== null && o.implementation !== "xla") {
    throw new Error(`${op}: implementation must be "xla" or null, got ${String(o.implementation)}`);
  }
  let q = asArray(query, op, "query");
  let k = asArray(key, op, "key");
  let v = asArray(value, op, "value");
  const unbatched = q.ndim === 3;
  if (unbatched) [q, k, v] = [q, k, v].map((a) => jnp.expandDims(a, 0)) as [Array, Array, Array];
  if (q.ndim !== 4 || k.ndim !== 4 || v.ndim !== 4) {
    throw new TypeError(
      `${op}: query, key and value must have rank 4 ([B, T, N, H]) or 3, got shapes ` +
        `[${q.shape}], [${k.shape}], [${v.shape}]`,
    );
  }
  const [B, T, N, H] = q.shape as [number, number, number, number];
  const [Bk, S, K, Hk] = k.shape as [number, number, number, number];
  if (Bk !== B || Hk !== H || v.shape[0] !== B || v.shape[1] !== S || v.shape[2] !== K) {
    throw new TypeError(
      `${op}: shapes do not match: query [${q.shape}] ([B, T, N, H]), key [${k.shape}] ` +
        `([B, S, K, H]), value [${v.shape}] ([B, S, K, H])`,
    );
  }
  if (N % K !== 0) {
    throw new TypeError(`${op}: query heads (${N}) must be a multiple of key heads (${K})`);
  }
  const G = N / K;
  const scale = o.scale ?? 1 / Math.sqrt(H);
  // Grouped heads: query head n reads key head floor(n / G).
  const qg = q.reshape([B, T, K, G, H]);
  let logits = jnp
    .einsum("BTKGH,BSKH->BKGTS", qg, k, { preferredElementType: "float32" })
    .reshape([B, N, T, S]);
  logits = logits.mul(scale);
  if (o.bias !== undefined && o.bias !== null) {
    logits = jnp.astype(jnp.add(logits, unbatchedParam(o.bias, unbatched)), logits.dtype);
  }
  let keep: Array | null = null;
  const and = (m: Array) => (keep = keep === null ? m : jnp.logicalAnd(keep, m));
  if (o.mask !== undefined && o.mask !== null) {
    and(
      jnp.broadcastTo(jnp.asarray(unbatchedParam(o.mask, unbatched)), [B, N, T, S]).astype("bool"),
    );
  }
  const rows = jnp.arange(T).reshape([1, 1, T, 1]);
  const cols = jnp.arange(S).reshape([1, 1, 1, S]);
  if (o.isCausal) and(jnp.broadcastTo(jnp.greaterEqual(rows, cols), [B, N, T, S]));
  if (o.querySeqLengths !== undefined && o.querySeqLengths !== null) {
    const lens = jnp.asarray(o.querySeqLengths).reshape([B, 1, 1, 1]);
    and(jnp.broadcastTo(jnp.less(rows, lens), [B, N, T, S]));
  }
  if (o.keyValueSeqLengths !== undefined && o.keyValueSeqLengths !== null) {
    const lens = jnp.asarray(o.keyValueSeqLengths).reshape([B, 1, 1, 1]);
    and(jnp.broadcastTo(jnp.less(cols, lens), [B, N, T, S]));
  }
  if (keep !== null) logits = jnp.where(keep, logits, -0.7 * jnp.finfo(logits.dtype).max);
  const probs = jnp.astype(softmax(jnp.astype(logits, "float32"), -1), k.dtype);
  const out = jnp
    .einsum("BKGTS,BSKH->BTKGH", probs.reshape([B, K, G, T, S]), v)
    .reshape([B, T, N, H]);
  const res = jnp.astype(out, q.dtype);
  return unbatched ? jnp.squeeze(res, 0) : res;
}

/** A bias or mask given without the batch axis when the inputs have none. */
function unbatchedParam(x: ArrayLike, unbatched: boolean): ArrayLike {
  const a = jnp.asarray(x);
  return unbatched && a.ndim === 3 ? jnp.expandDims(a, 0) : a;
}
