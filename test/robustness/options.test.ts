/**
 * Every options object of the public API is validated: an unknown key is a
 * TypeError naming the function (as users call it) and the key, listing the
 * valid keys; a Python spelling suggests the camelCase key.
 */
import { describe, expect, it } from "vitest";
import type { Array } from "../../src/core/array.js";
import { numpy as jnp, lax, nn, random, scipy, testUtil } from "../../src/index.js";
import * as optax from "../../src/optax/index.js";

const key = random.PRNGKey(0);
const v = jnp.array([1, 2, 3]);
const m = jnp.array([
  [2, 1],
  [1, 3],
]);
const idx = jnp.array([[0], [1]], jnp.int32);
const bad = { bogusKey: 1 } as never;

/** [the function's name as users call it, a call with the key `bogusKey`]. */
const table: [string, () => unknown][] = [
  // jnp reductions: the options object as the second or the third argument.
  ["jnp.sum", () => jnp.sum(v, bad)],
  ["jnp.sum", () => jnp.sum(v, 0, bad)],
  ["jnp.prod", () => jnp.prod(v, bad)],
  ["jnp.max", () => jnp.max(v, bad)],
  ["jnp.min", () => jnp.min(v, bad)],
  ["jnp.any", () => jnp.any(v, bad)],
  ["jnp.all", () => jnp.all(v, bad)],
  ["jnp.mean", () => jnp.mean(v, bad)],
  ["jnp.var", () => jnp.var(v, bad)],
  ["jnp.std", () => jnp.std(v, bad)],
  ["jnp.argmax", () => jnp.argmax(v, bad)],
  ["jnp.argmin", () => jnp.argmin(v, 0, bad)],
  ["jnp.cumsum", () => jnp.cumsum(v, bad)],
  ["jnp.cumprod", () => jnp.cumprod(v, bad)],
  ["jnp.cumulative_sum", () => jnp.cumulativeSum(v, bad)],
  ["jnp.nanmean", () => jnp.nanmean(v, bad)],
  ["jnp.average", () => jnp.average(v, null, null, bad)],
  ["jnp.ptp", () => jnp.ptp(v, bad)],
  ["jnp.count_nonzero", () => jnp.countNonzero(v, bad)],
  ["jnp.quantile", () => jnp.quantile(v, 0.5, bad)],
  ["jnp.percentile", () => jnp.percentile(v, 50, null, bad)],
  ["jnp.median", () => jnp.median(v, bad)],
  // jnp creation, manipulation, selection, sorting, products.
  ["jnp.linspace", () => jnp.linspace(0, 1, 5, bad)],
  ["jnp.eye", () => jnp.eye(2, 2, bad)],
  ["jnp.reshape", () => jnp.reshape(v, [3], bad)],
  ["jnp.ravel", () => jnp.ravel(v, bad)],
  ["jnp.concatenate", () => jnp.concatenate([v, v], 0, bad)],
  ["jnp.stack", () => jnp.stack([v, v], 0, bad)],
  ["jnp.hstack", () => jnp.hstack([v, v], bad)],
  ["jnp.vstack", () => jnp.vstack([v, v], bad)],
  ["jnp.dstack", () => jnp.dstack([v, v], bad)],
  ["jnp.repeat", () => jnp.repeat(v, 2, 0, bad)],
  ["jnp.meshgrid", () => jnp.meshgrid(v, v, bad)],
  ["jnp.pad", () => jnp.pad(v, 1, bad)],
  ["jnp.pad", () => jnp.pad(v, 1, "constant", bad)],
  ["jnp.clip", () => jnp.clip(v, bad)],
  ["jnp.take", () => jnp.take(v, [0], bad)],
  ["jnp.take_along_axis", () => jnp.takeAlongAxis(v, jnp.array([0], jnp.int32), 0, bad)],
  ["jnp.sort", () => jnp.sort(v, bad)],
  ["jnp.argsort", () => jnp.argsort(v, -1, bad)],
  ["jnp.searchsorted", () => jnp.searchsorted(v, 2, bad)],
  ["jnp.nonzero", () => jnp.nonzero(v, bad)],
  ["jnp.flatnonzero", () => jnp.flatnonzero(v, bad)],
  ["jnp.argwhere", () => jnp.argwhere(v, bad)],
  ["jnp.convolve", () => jnp.convolve(v, v, "full", bad)],
  ["jnp.correlate", () => jnp.correlate(v, v, "valid", bad)],
  ["jnp.matmul", () => jnp.matmul(m, m, bad)],
  ["jnp.dot", () => jnp.dot(v, v, bad)],
  ["jnp.vdot", () => jnp.vdot(v, v, bad)],
  ["jnp.inner", () => jnp.inner(v, v, bad)],
  ["jnp.tensordot", () => jnp.tensordot(m, m, 1, bad)],
  ["jnp.vecdot", () => jnp.vecdot(v, v, bad)],
  ["jnp.einsum", () => jnp.einsum("i,i", v, v, bad)],
  ["jnp.trace", () => jnp.trace(m, 0, 0, 1, bad)],
  ["jnp.cross", () => jnp.cross(v, v, bad)],
  ["jnp.nan_to_num", () => jnp.nanToNum(v, bad)],
  ["x.at(...).set", () => v.at(0).set(1, bad)],
  ["x.at(...).get", () => v.at(0).get(bad)],
  // jnp.linalg
  ["jnp.linalg.cholesky", () => jnp.linalg.cholesky(m, bad)],
  ["jnp.linalg.eigh", () => jnp.linalg.eigh(m, bad)],
  ["jnp.linalg.svd", () => jnp.linalg.svd(m, bad)],
  ["jnp.linalg.pinv", () => jnp.linalg.pinv(m, bad)],
  ["jnp.linalg.matrixRank", () => jnp.linalg.matrixRank(m, bad)],
  ["jnp.linalg.lstsq", () => jnp.linalg.lstsq(m, v.get("0:2"), bad)],
  ["jnp.linalg.solveTriangular", () => jnp.linalg.solveTriangular(m, v.get("0:2"), bad)],
  ["jnp.linalg.vectorNorm", () => jnp.linalg.vectorNorm(v, bad)],
  ["jnp.linalg.matrixNorm", () => jnp.linalg.matrixNorm(m, bad)],
  ["jnp.linalg.diagonal", () => jnp.linalg.diagonal(m, bad)],
  ["jnp.linalg.trace", () => jnp.linalg.trace(m, bad)],
  // lax
  [
    "lax.dotGeneral",
    () =>
      lax.dotGeneral(
        m,
        m,
        [
          [[1], [0]],
          [[], []],
        ],
        bad,
      ),
  ],
  ["lax.dot", () => lax.dot(m, m, bad)],
  [
    "lax.gather",
    () =>
      lax.gather(v, idx, { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] }, [1], bad),
  ],
  [
    "lax.scatterAdd",
    () =>
      lax.scatterAdd(
        v,
        idx,
        jnp.array([1, 1]),
        { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] },
        bad,
      ),
  ],
  ["lax.sort", () => lax.sort(v, bad)],
  ["lax.cumsum", () => lax.cumsum(v, bad)],
  ["lax.cummax", () => lax.cummax(v, bad)],
  ["lax.dynamicSlice", () => lax.dynamicSlice(v, [0], [1], bad)],
  ["lax.dynamicSliceInDim", () => lax.dynamicSliceInDim(v, 0, 1, 0, bad)],
  ["lax.dynamicUpdateSlice", () => lax.dynamicUpdateSlice(v, jnp.array([1]), [0], bad)],
  ["lax.scan", () => lax.scan((c: Array, x: Array) => [c, x], v, v, bad)],
  ["lax.associativeScan", () => lax.associativeScan(jnp.add, v, bad)],
  ["lax.linalg.cholesky", () => lax.linalg.cholesky(m, bad)],
  ["lax.linalg.eigh", () => lax.linalg.eigh(m, bad)],
  ["lax.linalg.qr", () => lax.linalg.qr(m, bad)],
  ["lax.linalg.svd", () => lax.linalg.svd(m, bad)],
  ["lax.linalg.triangularSolve", () => lax.linalg.triangularSolve(m, m, bad)],
  // random
  ["random.uniform", () => random.uniform(key, [2], bad)],
  ["random.normal", () => random.normal(key, [2], bad)],
  ["random.exponential", () => random.exponential(key, [2], bad)],
  ["random.gumbel", () => random.gumbel(key, [2], bad)],
  ["random.categorical", () => random.categorical(key, jnp.zeros([3]), bad)],
  ["random.permutation", () => random.permutation(key, 5, bad)],
  ["random.choice", () => random.choice(key, 5, bad)],
  ["random.choice", () => random.choice(key, 5, [2], bad)],
  ["random.multivariateNormal", () => random.multivariateNormal(key, jnp.zeros([2]), m, bad)],
  ["random.orthogonal", () => random.orthogonal(key, 2, [], bad)],
  // nn
  ["nn.logsumexp", () => nn.logsumexp(v, bad)],
  ["nn.oneHot", () => nn.oneHot(jnp.array([0, 1], jnp.int32), 3, bad)],
  ["nn.standardize", () => nn.standardize(v, bad)],
  [
    "nn.initializers.varianceScaling",
    () => nn.initializers.varianceScaling(1, "fan_in", "normal", bad),
  ],
  ["nn.initializers.varianceScaling", () => nn.initializers.glorotUniform(bad)],
  ["nn.initializers.computeFans", () => nn.initializers.computeFans([2, 3], bad)],
  // optax
  ["optax.sgd", () => optax.sgd(0.1, bad)],
  ["optax.adam", () => optax.adam(0.1, bad)],
  ["optax.adamw", () => optax.adamw(0.1, bad)],
  ["optax.rmsprop", () => optax.rmsprop(0.1, bad)],
  ["optax.adagrad", () => optax.adagrad(0.1, bad)],
  ["optax.lion", () => optax.lion(0.1, bad)],
  ["optax.scaleByAdam", () => optax.scaleByAdam(bad)],
  ["optax.exponentialDecay", () => optax.exponentialDecay(1, 10, 0.9, bad)],
  // scipy, test_util
  ["jax.scipy.special.logsumexp", () => scipy.special.logsumexp(v, bad)],
  ["jax.scipy.linalg.cho_factor", () => scipy.linalg.choFactor(m, bad)],
  [
    "jax.scipy.linalg.lu_solve",
    () => scipy.linalg.luSolve(scipy.linalg.luFactor(m), v.get("0:2"), bad),
  ],
  ["testUtil.checkGrads", () => testUtil.checkGrads(jnp.sin, [v], 1, bad)],
];

describe("options objects", () => {
  it.each(table)(
    "%s rejects an unknown key, naming the function and the valid keys",
    (name, call) => {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      const message = (error as Error).message;
      expect(message.startsWith(`${name}: unknown option 'bogusKey'`)).toBe(true);
      expect(message).toMatch(/; valid: \w+/);
    },
  );

  it("jnp.sum(x, { axes: 0 }) is an error, not a sum over every axis", () => {
    expect(() => jnp.sum(m, { axes: 0 } as never)).toThrow(
      "jnp.sum: unknown option 'axes' (did you mean 'axis'?); valid: axis, keepdims, dtype, where, initial",
    );
  });

  it("a Python spelling suggests the camelCase key", () => {
    expect(() => optax.adamw(0.1, { weight_decay: 0.1 } as never)).toThrow(
      /optax\.adamw: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/,
    );
    expect(() => jnp.cumulativeSum(v, { include_initial: true } as never)).toThrow(
      /did you mean 'includeInitial'/,
    );
    expect(() => random.categorical(key, jnp.zeros([3]), { axsi: 0 } as never)).toThrow(
      /random\.categorical: unknown option 'axsi' \(did you mean 'axis'\?\)/,
    );
    expect(() =>
      lax.scan((c: Array, x: Array) => [c, x], v, v, { Reverse: true } as never),
    ).toThrow(/lax\.scan: unknown option 'Reverse' \(did you mean 'reverse'\?\)/);
  });

  it("keys a function does not take are rejected even where a sibling takes them", () => {
    // jnp.var has no `initial`, jnp.median no `method`, jnp.matmul no `axis`.
    expect(() => jnp.var(v, { initial: 0 } as never)).toThrow(/jnp\.var: unknown option 'initial'/);
    expect(() => jnp.median(v, { method: "lower" } as never)).toThrow(
      /jnp\.median: unknown option 'method'/,
    );
    expect(() => jnp.matmul(m, m, { axis: 0 } as never)).toThrow(
      /jnp\.matmul: unknown option 'axis'/,
    );
  });

  it("valid options still work, including through internal forwarding", () => {
    expect(jnp.sum(m, { axis: 0, keepdims: true }).shape).toEqual([1, 2]);
    expect(jnp.std(v, { ddof: 1 }).item()).toBeCloseTo(1, 5);
    expect(jnp.var(m, 0, { ddof: 1, keepdims: true }).shape).toEqual([1, 2]);
    expect(jnp.vecdot(v, v, { axis: 0 }).item()).toBe(14);
    expect(optax.adamw(0.1, { weightDecay: 0.01, b1: 0.8 })).toBeDefined();
    expect(jnp.hstack([v, v], { dtype: jnp.int32 }).dtype).toBe("int32");
    expect(random.choice(key, 5, { shape: [2], replace: false }).shape).toEqual([2]);
    expect(random.choice(key, 5, [3]).shape).toEqual([3]);
    expect(jnp.nanmax(jnp.array([1, Number.NaN]), { keepdims: true }).shape).toEqual([1]);
  });

  it("an options argument that is not a plain object is a TypeError naming the keys", () => {
    expect(() => jnp.linspace(0, 1, 5, "yes" as never)).toThrow(
      /jnp\.linspace: options must be an object with the keys endpoint, dtype, got the string "yes"/,
    );
  });
});
