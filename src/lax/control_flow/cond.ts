/**
 * `lax.switch` and `lax.cond`: both (all) branches are traced to jaxprs with
 * identical signatures. Under vmap with a batched index they become a
 * `select_n` of every branch's result, as in JAX; under reverse mode each
 * branch is split into known and linear parts, with the residuals of all
 * branches passed through one list.
 */

import { type Array, type ArrayImpl, hostValues } from "../../core/array.js";
import type { ShapedArray } from "../../core/aval.js";
import { type ArrayLike, asArray } from "../../core/convert.js";
import { compileJaxpr } from "../../core/dispatch.js";
import { type ClosedJaxpr, evalClosedJaxpr } from "../../core/jaxpr.js";
import {
  type BatchRule,
  type Primitive,
  type Tangent,
  UndefinedPrimal,
  Zero,
} from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { isBool, isFloating } from "../../dtype.js";
import { ValueError } from "../../errors.js";
import {
  batchJaxpr,
  jvpJaxpr,
  partialEvalJaxpr,
  transposeJaxpr,
} from "../../interpreters/jaxpr_transforms.js";
import type { PartialEvalTrace, PETracer } from "../../interpreters/partial_eval.js";
import { instantiate, zerosLike } from "../ad_util.js";
import { moveaxis } from "../batch_util.js";
import { clamp, convertElementType, selectN } from "../elementwise.js";
import { broadcastInDim } from "../shape_ops.js";
import {
  checkTypes,
  controlFlowPrimitive,
  count,
  flatArrays,
  orFlags,
  splitList,
  traceFlat,
  traceUser,
} from "./common.js";

export interface CondParams {
  /** Each branch: operands → outputs, all with the same signature. */
  branches: readonly ClosedJaxpr[];
}

function condImpl([index, ...ops]: ArrayImpl[], p: CondParams): ArrayImpl[] {
  const i = Math.min(Math.max(Number(hostValues(index!)[0]), 0), p.branches.length - 1);
  return compileJaxpr(p.branches[i]!)(ops);
}

function condAbstractEval([index]: ShapedArray[], p: CondParams): ShapedArray[] {
  if (index!.ndim !== 0 || index!.dtype !== "int32") {
    throw new TypeError(`lax.switch: the index must be an int32 scalar, got ${index!.str()}`);
  }
  return p.branches[0]!.outAvals;
}

function condJvp(
  [index, ...ops]: Array[],
  [, ...tangents]: Tangent[],
  p: CondParams,
): [Array[], Tangent[]] {
  const nz = tangents.map((t) => !(t instanceof Zero));
  const branches = p.branches.map((b) => jvpJaxpr(b, nz, true).jaxpr);
  const outs = bind(
    condP,
    [index!, ...ops, ...tangents.filter((t): t is Array => !(t instanceof Zero))],
    {
      branches,
    },
  );
  const n = outs.length / 2;
  return [outs.slice(0, n), outs.slice(n)];
}

const condBatch: BatchRule<CondParams> = (args, dims, p, axis) => {
  const [index, ...ops] = args;
  const [indexDim, ...opDims] = dims;
  const opsB = opDims.map((d) => d !== null);
  const moved = ops.map((o, i) => (opDims[i] === null ? o : moveaxis(o, opDims[i]!, 0)));
  const branches = p.branches.map((b) => batchJaxpr(b, opsB, axis, true).jaxpr);
  if (indexDim === null) {
    const outs = bind(condP, [index!, ...moved], { branches });
    return [outs, outs.map(() => 0)];
  }
  // A batched index: compute every branch and select per example.
  const idx = clamp(0, moveaxis(index!, indexDim!, 0), p.branches.length - 1);
  const results = branches.map((b) => evalClosedJaxpr(b, moved));
  const outs = results[0]!.map((_, j) => {
    const shape = results[0]![j]!.shape;
    const which = broadcastInDim(idx, shape, [0]);
    return selectN(which, ...results.map((r) => r[j]!));
  });
  return [outs, outs.map(() => 0)];
};

function condPartialEval(trace: PartialEvalTrace, tracers: PETracer[], p: CondParams): PETracer[] {
  const [indexT, ...opTs] = tracers;
  if (!indexT!.pval.isKnown)
    throw new Error("lax.cond: internal: the branch index is not known during linearization");
  const uk = opTs.map((t) => !t.pval.isKnown);
  const outUk = p.branches.map((b) => partialEvalJaxpr(b, uk).outUnknowns).reduce(orFlags);
  const splits = p.branches.map((b) => partialEvalJaxpr(b, uk, outUk));
  const numKnown = count(outUk.map((u) => !u));
  // Every branch returns all branches' residuals (zeros for the others').
  const resAvals = splits.map((s) => s.unknown.inAvals.slice(0, s.numRes));
  const allRes = resAvals.flat();
  const offsets = resAvals.map((_, i) => resAvals.slice(0, i).reduce((n, r) => n + r.length, 0));
  const knownInAvals = opTs.filter((_, i) => !uk[i]).map((t) => t.aval);
  const knownBranches = splits.map((s, bi) =>
    traceFlat(
      (...ins) => {
        const outs = evalClosedJaxpr(s.known, ins);
        const mine = outs.slice(numKnown);
        const lo = offsets[bi]!;
        return [
          ...outs.slice(0, numKnown),
          ...allRes.map((a, r) => (r >= lo && r < lo + s.numRes ? mine[r - lo]! : zerosLike(a))),
        ];
      },
      knownInAvals,
      "cond(known)",
    ),
  );
  const unknownInAvals = opTs.filter((_, i) => uk[i]).map((t) => t.aval);
  const unknownBranches = splits.map((s, bi) =>
    traceFlat(
      (...ins) => {
        const [res, ukIns] = splitList(ins, [allRes.length, unknownInAvals.length]);
        const mine = res!.slice(offsets[bi]!, offsets[bi]! + s.numRes);
        return evalClosedJaxpr(s.unknown, [...mine, ...ukIns!]);
      },
      [...allRes, ...unknownInAvals],
      "cond(linear)",
    ),
  );
  const index = indexT!.pval.known!;
  const knownOuts = bind(
    condP,
    [index, ...opTs.filter((_, i) => !uk[i]).map((t) => t.pval.known!)],
    {
      branches: knownBranches,
    },
  );
  const [kOuts, res] = splitList(knownOuts, [numKnown, allRes.length]);
  const ukOuts = trace.recordEqn(
    condP,
    [
      trace.instantiateConst(indexT!),
      ...res!.map((r) => trace.instantiateConst(trace.pure(r) as PETracer)),
      ...opTs.filter((_, i) => uk[i]),
    ],
    { branches: unknownBranches },
  );
  let a = 0;
  let b = 0;
  return outUk.map((u) => (u ? ukOuts[a++]! : (trace.pure(kOuts![b++]!) as PETracer)));
}

function condTranspose(
  cts: Tangent[],
  [index, ...ops]: (Array | UndefinedPrimal)[],
  p: CondParams,
): (Tangent | null)[] {
  if (index instanceof UndefinedPrimal)
    throw new Error("lax.cond transpose: internal: the index is linear");
  const lin = ops.map((o) => o instanceof UndefinedPrimal);
  const res = ops.filter((o): o is Array => !(o instanceof UndefinedPrimal));
  const allCts = cts.map(() => true);
  const branches = p.branches.map((b) => transposeJaxpr(b, lin, allCts));
  const ctsIn = bind(condP, [index!, ...res, ...cts.map(instantiate)], { branches });
  let k = 0;
  return [null, ...lin.map((l) => (l ? ctsIn[k++]! : null))];
}

export const condP: Primitive<CondParams> = controlFlowPrimitive<CondParams>(
  "cond",
  {
    abstractEval: condAbstractEval,
    impl: condImpl,
    jvp: condJvp,
    batch: condBatch,
    transpose: condTranspose,
  },
  condPartialEval,
);

// biome-ignore lint/suspicious/noExplicitAny: branches are user functions of any signature
type Branch = (...operands: any[]) => unknown;

/**
 * `lax.switch(index, branches, ...operands)`: runs `branches[clamp(index)]`.
 * Typed as the branches' common result.
 */
export function switch_<Ops extends unknown[], R>(
  index: ArrayLike,
  branches: readonly ((...operands: Ops) => R)[],
  ...operands: Ops
): R;
export function switch_(
  index: ArrayLike,
  branches: readonly Branch[],
  ...operands: unknown[]
): unknown {
  return switchImpl("lax.switch", index, branches, operands);
}

function switchImpl(
  op: string,
  index: ArrayLike,
  branches: readonly Branch[],
  operands: unknown[],
): unknown {
  if (branches.length === 0) throw new ValueError(`${op}: needs at least one branch`);
  const idx = asArray(index, op, "index");
  if (idx.ndim !== 0) {
    throw new TypeError(
      `${op}: the index (predicate) must be a scalar, got an array of shape ${idx.aval.str()}`,
    );
  }
  if (isFloating(idx.dtype)) {
    throw new TypeError(
      `${op}: the index must be an integer or boolean scalar, got dtype ${idx.dtype}`,
    );
  }
  const [opLeaves, opTree] = flatArrays(operands, op, "operand");
  const avals = opLeaves.map((l) => l.aval);
  const traced = branches.map((b) =>
    traceUser((...args: unknown[]) => b(...args), avals, opTree, op),
  );
  const first = traced[0]!;
  traced.forEach((t, i) => {
    if (i === 0) return;
    checkTypes(
      op,
      `branch 0 and branch ${i} outputs`,
      first.outTree,
      first.jaxpr.outAvals,
      t.outTree,
      t.jaxpr.outAvals,
      first.outTree.unflatten(first.jaxpr.outAvals),
    );
  });
  // Every branch takes all branches' constants, then the operands.
  const allConsts = traced.flatMap((t) => t.consts);
  const constAvals = allConsts.map((c) => c.aval);
  const offsets = traced.map((_, i) => traced.slice(0, i).reduce((n, t) => n + t.consts.length, 0));
  const jaxprs = traced.map((t, i) =>
    traceFlat(
      (...ins) => {
        const mine = ins.slice(offsets[i]!, offsets[i]! + t.consts.length);
        return evalClosedJaxpr(t.jaxpr, [...mine, ...ins.slice(allConsts.length)]);
      },
      [...constAvals, ...avals],
      op,
    ),
  );
  const i32 = isBool(idx.dtype) || idx.dtype !== "int32" ? convertElementType(idx, "int32") : idx;
  const clamped = branches.length === 1 ? i32 : clamp(0, i32, branches.length - 1);
  const outs = bind(condP, [clamped, ...allConsts, ...opLeaves], { branches: jaxprs });
  return first.outTree.unflatten(outs);
}

/** `lax.cond(pred, trueFun, falseFun, ...operands)`, typed as the branches' common result. */
export function cond<Ops extends unknown[], R>(
  pred: ArrayLike,
  trueFun: (...operands: Ops) => R,
  falseFun: (...operands: Ops) => R,
  ...operands: Ops
): R;
export function cond(
  pred: ArrayLike,
  trueFun: Branch,
  falseFun: Branch,
  ...operands: unknown[]
): unknown {
  return switchImpl("lax.cond", pred, [falseFun, trueFun], operands);
}

export { switch_ as switch };
