/**
 * `lax.whileLoop(condFun, bodyFun, init)`. Forward-mode differentiable; under
 * vmap with a batched predicate it runs until every lane is done and keeps
 * finished lanes unchanged (as JAX does). Reverse mode raises JAX's error: the
 * trip count is unknown, so there is no fixed set of residuals to save.
 */

import { type Array, type ArrayImpl, hostValues } from "../../core/array.js";
import type { ShapedArray } from "../../core/aval.js";
import { compileJaxpr } from "../../core/dispatch.js";
import { type ClosedJaxpr, evalClosedJaxpr } from "../../core/jaxpr.js";
import { type BatchRule, type Primitive, type Tangent, Zero } from "../../core/primitive.js";
import { bind } from "../../core/trace.js";
import { ValueError } from "../../errors.js";
import {
  batchJaxpr,
  derivedJaxprCache,
  flagsKey,
  jvpJaxpr,
  rearrangeBinders,
} from "../../interpreters/jaxpr_transforms.js";
import { flatten } from "../../tree/index.js";
import { instantiate } from "../ad_util.js";
import { moveaxis, moveBatchAxis } from "../batch_util.js";
import { selectN } from "../elementwise.js";
import { reduceOr } from "../reductions.js";
import { broadcastInDim } from "../shape_ops.js";
import {
  castCarries,
  checkTypes,
  controlFlowPrimitive,
  count,
  flatArrays,
  orFlags,
  promoteWeakCarries,
  runCompiledLoop,
  sameFlags,
  splitList,
  spreadTangents,
  traceFlat,
  traceUser,
} from "./common.js";

export interface WhileParams {
  /** [cond consts, carry] → bool scalar. */
  condJaxpr: ClosedJaxpr;
  /** [body consts, carry] → carry. */
  bodyJaxpr: ClosedJaxpr;
  condNconsts: number;
  bodyNconsts: number;
}

function parts<T>(xs: readonly T[], p: WhileParams): [T[], T[], T[]] {
  const [c, b, k] = splitList(xs, [
    p.condNconsts,
    p.bodyNconsts,
    xs.length - p.condNconsts - p.bodyNconsts,
  ]);
  return [c!, b!, k!];
}

function whileImpl(args: ArrayImpl[], p: WhileParams): ArrayImpl[] {
  const compiled = runCompiledLoop(whileP, args, p);
  if (compiled !== null) return compiled;
  const [cc, bc, init] = parts(args, p);
  const condFn = compileJaxpr(p.condJaxpr);
  const bodyFn = compileJaxpr(p.bodyJaxpr);
  let carry = init;
  // Carries this loop made are released once replaced (a compiled body's results
  // live in pooled memory); the caller's arrays never are.
  const callers = new Set<ArrayImpl>(args);
  for (;;) {
    const [pred] = condFn([...cc, ...carry]);
    const go = hostValues(pred!)[0] !== 0;
    if (!callers.has(pred!)) pred!.dispose();
    if (!go) return carry;
    const next = bodyFn([...bc, ...carry]);
    for (const c of carry) if (!callers.has(c) && !next.includes(c)) c.dispose();
    carry = next;
  }
}

const jvpBodies = derivedJaxprCache<{ jaxpr: ClosedJaxpr; outNz: boolean[] }>();
const jvpConds = derivedJaxprCache<ClosedJaxpr>();

/**
 * The JVP body for a pattern of nonzero tangents, [body consts, their
 * tangents, carry, carry tangents] → [carry, carry tangents]: the body's
 * `jvpJaxpr` with its binders regrouped (cached, as are the compiled loops).
 * `outNz`: which carry tangents come out (nonzero, or kept for `carryNz`).
 */
function jvpBody(
  p: WhileParams,
  bcNz: boolean[],
  carryNz: boolean[],
): { jaxpr: ClosedJaxpr; outNz: boolean[] } {
  return jvpBodies(p.bodyJaxpr, `${flagsKey(bcNz)}|${flagsKey(carryNz)}`, () => {
    const { jaxpr, outNonzeros } = jvpJaxpr(p.bodyJaxpr, [...bcNz, ...carryNz], carryNz);
    return {
      jaxpr: rearrangeBinders(
        jaxpr,
        [p.bodyNconsts, carryNz.length],
        [count(bcNz), count(carryNz)],
        [carryNz.length],
        [count(outNonzeros)],
      ),
      outNz: outNonzeros,
    };
  });
}

function whileJvp(primals: Array[], tangents: Tangent[], p: WhileParams): [Array[], Tangent[]] {
  const nz = tangents.map((t) => !(t instanceof Zero));
  const [, bcNz, initNz] = parts(nz, p);
  const ccA = p.condJaxpr.inAvals.slice(0, p.condNconsts);
  const kA = p.bodyJaxpr.inAvals.slice(p.bodyNconsts);
  const pick = (avals: ShapedArray[], flags: boolean[]) => avals.filter((_, i) => flags[i]);
  const bodyFor = (carryNz: boolean[]) => jvpBody(p, bcNz, carryNz);
  let carryNz = initNz;
  let body = bodyFor(carryNz);
  while (!sameFlags(orFlags(carryNz, body.outNz), carryNz)) {
    carryNz = orFlags(carryNz, body.outNz);
    body = bodyFor(carryNz);
  }
  const condJaxpr = jvpConds(p.condJaxpr, flagsKey(carryNz), () =>
    traceFlat(
      (...xs) => evalClosedJaxpr(p.condJaxpr, xs.slice(0, ccA.length + kA.length)),
      [...ccA, ...kA, ...pick(kA, carryNz)],
      "jvp(while)",
    ),
  );
  const [cc, bc, k] = parts(primals, p);
  const [, bct, kt] = parts(tangents, p);
  const outs = bind(
    whileP,
    [
      ...cc,
      ...bc,
      ...bct.filter((_, i) => bcNz[i]).map(instantiate),
      ...k,
      ...kt.filter((_, i) => carryNz[i]).map(instantiate),
    ],
    {
      condJaxpr,
      bodyJaxpr: body.jaxpr,
      condNconsts: cc.length,
      bodyNconsts: bc.length + count(bcNz),
    },
  );
  const [carry, carryT] = splitList(outs, [k.length, count(carryNz)]);
  return [carry!, spreadTangents(carry!, carryT!, carryNz)];
}

const whileBatch: BatchRule<WhileParams> = (args, dims, p, axis) => {
  const b = dims.map((d) => d !== null);
  const [ccB, bcB, initB] = parts(b, p);
  let carryB = initB;
  let body = batchJaxpr(p.bodyJaxpr, [...bcB, ...carryB], axis, carryB);
  while (!sameFlags(orFlags(carryB, body.outBatched), carryB)) {
    carryB = orFlags(carryB, body.outBatched);
    body = batchJaxpr(p.bodyJaxpr, [...bcB, ...carryB], axis, carryB);
  }
  let cond = batchJaxpr(p.condJaxpr, [...ccB, ...carryB], axis);
  const predBatched = cond.outBatched[0]!;
  if (predBatched) {
    // Every lane carries on until all are done; finished lanes keep their values.
    carryB = carryB.map(() => true);
    body = batchJaxpr(p.bodyJaxpr, [...bcB, ...carryB], axis, true);
    cond = batchJaxpr(p.condJaxpr, [...ccB, ...carryB], axis, true);
  }
  const [cc, bc, k] = parts(args, p);
  const [ccd, bcd, kd] = parts(dims, p);
  const toFront = (xs: Array[], ds: (number | null)[]) =>
    xs.map((x, i) => (ds[i] === null ? x : moveaxis(x, ds[i]!, 0)));
  const carry = k.map((x, i) => (carryB[i] ? moveBatchAxis(x, kd[i]!, 0, axis.size) : x));
  if (!predBatched) {
    const outs = bind(whileP, [...toFront(cc, ccd), ...toFront(bc, bcd), ...carry], {
      ...p,
      condJaxpr: cond.jaxpr,
      bodyJaxpr: body.jaxpr,
    });
    return [outs, carryB.map((x) => (x ? 0 : null))];
  }
  const ccAvals = cond.jaxpr.inAvals.slice(0, cc.length);
  const bcAvals = body.jaxpr.inAvals.slice(0, bc.length);
  const kAvals = body.jaxpr.inAvals.slice(bc.length);
  const anyCond = traceFlat(
    (...xs) => [reduceOr(evalClosedJaxpr(cond.jaxpr, xs)[0]!, [0])],
    [...ccAvals, ...kAvals],
    "vmap(while)",
  );
  const selectBody = traceFlat(
    (...xs) => {
      const [ccv, bcv, kv] = splitList(xs, [ccAvals.length, bcAvals.length, kAvals.length]);
      const pred = evalClosedJaxpr(cond.jaxpr, [...ccv!, ...kv!])[0]!;
      const next = evalClosedJaxpr(body.jaxpr, [...bcv!, ...kv!]);
      return next.map((n, i) => selectN(broadcastInDim(pred, n.shape, [0]), kv![i]!, n));
    },
    [...ccAvals, ...bcAvals, ...kAvals],
    "vmap(while)",
  );
  const ccv = toFront(cc, ccd);
  const outs = bind(whileP, [...ccv, ...ccv, ...toFront(bc, bcd), ...carry], {
    condJaxpr: anyCond,
    bodyJaxpr: selectBody,
    condNconsts: cc.length,
    bodyNconsts: cc.length + bc.length,
  });
  return [outs, outs.map(() => 0)];
};

export const whileP: Primitive<WhileParams> = controlFlowPrimitive<WhileParams>(
  "while",
  {
    abstractEval: (_avals, p) => p.bodyJaxpr.outAvals,
    impl: whileImpl,
    jvp: whileJvp,
    batch: whileBatch,
    transpose: null,
  },
  () => {
    throw new ValueError(
      "Reverse-mode differentiation does not work for lax.whileLoop or lax.foriLoop with dynamic start/stop values. " +
        "Try using lax.scan, or using lax.foriLoop with static (JS number) start/stop.",
    );
  },
);

/** `lax.whileLoop(condFun, bodyFun, initVal)`. */
export function whileLoop<C>(
  condFun: (carry: C) => Array | boolean,
  bodyFun: (carry: C) => C,
  initVal: C,
): C {
  const op = "lax.whileLoop";
  const [initLeaves, tree] = flatArrays(initVal, op, "initVal");
  const inTree = flatten([initVal])[1];
  const traceBody = (avals: ShapedArray[]) =>
    traceUser((c: unknown) => bodyFun(c as C), avals, inTree, op);
  let avals = initLeaves.map((l) => l.aval);
  let bodyT = traceBody(avals);
  // A weak-typed initial carry takes its promotion with the body's output type, as JAX's.
  const promoted = promoteWeakCarries(avals, bodyT.jaxpr.outAvals);
  if (promoted !== null) {
    avals = promoted;
    bodyT = traceBody(avals);
  }
  const condT = traceUser((c: unknown) => condFun(c as C), avals, inTree, op);
  const condOut = condT.jaxpr.outAvals;
  if (condOut.length !== 1 || condOut[0]!.ndim !== 0 || condOut[0]!.dtype !== "bool") {
    throw new TypeError(
      `${op}: condFun must return a boolean scalar, got ${condOut.map((a) => a.str()).join(", ") || "nothing"}`,
    );
  }
  checkTypes(
    op,
    "bodyFun's output and its input (the carry)",
    tree,
    avals,
    bodyT.outTree,
    bodyT.jaxpr.outAvals,
    initVal,
  );
  const outs = bind(whileP, [...condT.consts, ...bodyT.consts, ...castCarries(initLeaves, avals)], {
    condJaxpr: condT.jaxpr,
    bodyJaxpr: bodyT.jaxpr,
    condNconsts: condT.consts.length,
    bodyNconsts: bodyT.consts.length,
  });
  return tree.unflatten(outs) as C;
}
