/**
 * `lax.scan`: a loop with a carried state and stacked per-step outputs, as a
 * primitive holding its body jaxpr. Its rules: jvp (a scan of the JVP body,
 * with a fixpoint on which carries have nonzero tangents), partial evaluation
 * (a known scan that stacks residuals and an unknown, linear scan), transpose
 * (a reverse scan over the residuals), and batching (fixpoint on which carries
 * are batched). Loops run in JS, so long scans use no stack; with the
 * compiler on, an eager scan runs as a compiled program of its one equation
 * (the backend's compiled loop), as it does inside jit.
 */

import { type Array, ArrayImpl } from "../../core/array.js";
import { ShapedArray } from "../../core/aval.js";
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
import { ValueError } from "../../errors.js";
import { backwardPass } from "../../interpreters/ad.js";
import {
  batchJaxpr,
  derivedJaxprCache,
  flagsKey,
  jvpJaxpr,
  partialEvalJaxpr,
  rearrangeBinders,
} from "../../interpreters/jaxpr_transforms.js";
import type { PartialEvalTrace, PETracer } from "../../interpreters/partial_eval.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { shapeStr } from "../../shape.js";
import { flatten } from "../../tree/index.js";
import { instantiate, zerosLike } from "../ad_util.js";
import { moveaxis, moveBatchAxis } from "../batch_util.js";
import { add } from "../elementwise.js";
import { concatenateP, reshapeP } from "../shape_ops.js";
import { sliceP } from "../slicing.js";
import {
  castCarries,
  checkTypes,
  controlFlowPrimitive,
  count,
  falses,
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

export interface ScanParams {
  /** Body: [consts, carry, x] → [carry, y]. */
  jaxpr: ClosedJaxpr;
  numConsts: number;
  numCarry: number;
  length: number;
  reverse: boolean;
  unroll: number;
}

function groups<T>(xs: readonly T[], p: ScanParams): [T[], T[], T[]] {
  const [c, k, x] = splitList(xs, [p.numConsts, p.numCarry, xs.length - p.numConsts - p.numCarry]);
  return [c!, k!, x!];
}

/**
 * Row i of an array stacked along axis 0, copied by the backend's slice
 * kernel: a view could outlive x's storage, which a backend may pool and
 * reuse once x is collected (e.g. when the row is the final carry).
 */
function row(x: ArrayImpl, i: number): ArrayImpl {
  const rest = x.shape.slice(1);
  const [r] = sliceP.rules.impl([x], {
    start_indices: [i, ...rest.map(() => 0)],
    limit_indices: [i + 1, ...rest],
    strides: null,
  });
  return reshapeP.rules.impl([r!], { dimensions: null, new_sizes: rest })[0]!;
}

/** The rows stacked along a new axis 0 (in order), by the backend's concatenate kernel. */
function stack(rows: readonly ArrayImpl[], aval: ShapedArray, length: number): ArrayImpl {
  const full = new ShapedArray([length, ...aval.shape], aval.dtype, aval.weakType);
  if (length === 0) return ArrayImpl.full(full.shape, 0, aval.dtype, aval.weakType);
  const ones = rows.map(
    (y) => reshapeP.rules.impl([y], { dimensions: null, new_sizes: [1, ...aval.shape] })[0]!,
  );
  const [out] = ones.length === 1 ? ones : concatenateP.rules.impl(ones, { dimension: 0 });
  return out!.aval.equals(full) ? out! : new ArrayImpl(full, out!.buffer);
}

function scanImpl(args: ArrayImpl[], p: ScanParams): ArrayImpl[] {
  const compiled = runCompiledLoop(scanP, args, p);
  if (compiled !== null) return compiled;
  const [consts, init, xs] = groups(args, p);
  const body = compileJaxpr(p.jaxpr);
  const yAvals = p.jaxpr.outAvals.slice(p.numCarry);
  const ys: ArrayImpl[][] = yAvals.map(() => []);
  let carry = init;
  // Arrays this loop made and no longer needs are released at once (a compiled
  // body's results live in pooled memory); the caller's arrays never are.
  // Outputs kept for stacking are released only once stacked.
  const callers = new Set<ArrayImpl>(args);
  const held = new Set<ArrayImpl>();
  const release = (xs: readonly ArrayImpl[], keep: readonly ArrayImpl[]) => {
    for (const x of xs) if (!callers.has(x) && !held.has(x) && !keep.includes(x)) x.dispose();
  };
  for (let k = 0; k < p.length; k++) {
    const i = p.reverse ? p.length - 1 - k : k;
    const rows = xs.map((x) => row(x, i));
    const outs = body([...consts, ...carry, ...rows]);
    const next = outs.slice(0, p.numCarry);
    outs.slice(p.numCarry).forEach((y, j) => {
      ys[j]![i] = y;
      held.add(y);
    });
    release(carry, next);
    release(rows, next);
    carry = next;
  }
  const stacked = ys.map((rows, j) => stack(rows, yAvals[j]!, p.length));
  // One row is stacked by a reshape that shares its buffer: it stays.
  if (p.length > 1) {
    held.clear();
    release([...new Set(ys.flat())], carry);
  }
  return [...carry, ...stacked];
}

function scanAbstractEval(avals: ShapedArray[], p: ScanParams): ShapedArray[] {
  const [, carry, xs] = groups(avals, p);
  const outs = p.jaxpr.outAvals;
  carry.forEach((c, i) => {
    if (!c.sameType(outs[i]!)) {
      throw new TypeError(
        `lax.scan: carry ${i} is ${c.str()} on input but ${outs[i]!.str()} on output`,
      );
    }
  });
  for (const x of xs) {
    if (x.ndim === 0 || x.shape[0] !== p.length) {
      throw new ValueError(
        `lax.scan: every xs leaf needs a leading axis of length ${p.length}, got ${x.str()}`,
      );
    }
  }
  return [
    ...outs.slice(0, p.numCarry),
    ...outs.slice(p.numCarry).map((y) => y.withShape([p.length, ...y.shape])),
  ];
}

// --- jvp -------------------------------------------------------------------------

/** The JVP body in scan order: [consts, const tangents, carry, carry tangents, xs, x tangents]. */
const jvpBodies = derivedJaxprCache<{ jaxpr: ClosedJaxpr; carryOutNz: boolean[] }>();
const transposedBodies = derivedJaxprCache<ClosedJaxpr>();
const flags = (...fs: boolean[][]) => fs.map(flagsKey).join("|");

/**
 * The JVP body for a pattern of nonzero tangents: the body's `jvpJaxpr`
 * (carry tangents kept where `carryNz`, every ys tangent instantiated) with
 * its binders regrouped in scan order. Cached, so eager grad loops reuse it
 * and its compiled code. `carryOutNz`: which carry tangents come out nonzero.
 */
function jvpBody(
  p: ScanParams,
  constNz: boolean[],
  carryNz: boolean[],
  xsNz: boolean[],
): { jaxpr: ClosedJaxpr; carryOutNz: boolean[] } {
  return jvpBodies(p.jaxpr, flags(constNz, carryNz, xsNz), () => {
    const numYs = numYsOf(p);
    const { jaxpr, outNonzeros } = jvpJaxpr(
      p.jaxpr,
      [...constNz, ...carryNz, ...xsNz],
      [...carryNz, ...globalThis.Array<boolean>(numYs).fill(true)],
    );
    const carryOutNz = outNonzeros.slice(0, p.numCarry);
    const numXs = p.jaxpr.inAvals.length - p.numConsts - p.numCarry;
    return {
      jaxpr: rearrangeBinders(
        jaxpr,
        [p.numConsts, p.numCarry, numXs],
        [count(constNz), count(carryNz), count(xsNz)],
        [p.numCarry, numYs],
        [count(carryOutNz), numYs],
      ),
      carryOutNz,
    };
  });
}

function scanJvp(primals: Array[], tangents: Tangent[], p: ScanParams): [Array[], Tangent[]] {
  const nz = tangents.map((t) => !(t instanceof Zero));
  const [constNz, initNz, xsNz] = groups(nz, p);
  let carryNz = initNz;
  let body = jvpBody(p, constNz, carryNz, xsNz);
  while (!sameFlags(orFlags(carryNz, body.carryOutNz), carryNz)) {
    carryNz = orFlags(carryNz, body.carryOutNz);
    body = jvpBody(p, constNz, carryNz, xsNz);
  }
  const [c, k, x] = groups(primals, p);
  const [ct, kt, xt] = groups(tangents, p);
  const nonzero = (ts: Tangent[], flags: boolean[]) =>
    ts.filter((_, i) => flags[i]).map(instantiate);
  const outs = bind(
    scanP,
    [...c, ...nonzero(ct, constNz), ...k, ...nonzero(kt, carryNz), ...x, ...nonzero(xt, xsNz)],
    {
      ...p,
      jaxpr: body.jaxpr,
      numConsts: c.length + count(constNz),
      numCarry: k.length + count(carryNz),
    },
  );
  const [carryOut, carryT, ys, ysT] = splitList(outs, [
    k.length,
    count(carryNz),
    numYsOf(p),
    numYsOf(p),
  ]);
  const carryTangents = spreadTangents(carryOut!, carryT!, carryNz);
  return [
    [...carryOut!, ...ys!],
    [...carryTangents, ...ysT!],
  ];
}

function numYsOf(p: ScanParams): number {
  return p.jaxpr.outAvals.length - p.numCarry;
}

// --- batching --------------------------------------------------------------------

const scanBatch: BatchRule<ScanParams> = (args, dims, p, axis) => {
  const b = dims.map((d) => d !== null);
  const [constB, initB, xsB] = groups(b, p);
  const numYs = numYsOf(p);
  const force = (carryB: boolean[]) => [...carryB, ...falses(numYs)];
  let carryB = initB;
  const batchBody = (cb: boolean[]) =>
    batchJaxpr(p.jaxpr, [...constB, ...cb, ...xsB], axis, force(cb));
  let batched = batchBody(carryB);
  while (!sameFlags(orFlags(carryB, batched.outBatched.slice(0, p.numCarry)), carryB)) {
    carryB = orFlags(carryB, batched.outBatched.slice(0, p.numCarry));
    batched = batchBody(carryB);
  }
  const [c, k, x] = groups(args, p);
  const [cd, kd, xd] = groups(dims, p);
  const operands = [
    ...c.map((a, i) => (cd[i] === null ? a : moveaxis(a, cd[i]!, 0))),
    ...k.map((a, i) => (carryB[i] ? moveBatchAxis(a, kd[i]!, 0, axis.size) : a)),
    // The per-step slice is batched at 0, so the stacked xs are batched at 1.
    ...x.map((a, i) => (xd[i] === null ? a : moveaxis(a, xd[i]!, 1))),
  ];
  const outs = bind(scanP, operands, { ...p, jaxpr: batched.jaxpr });
  const ysB = batched.outBatched.slice(p.numCarry);
  return [outs, [...carryB.map((bb) => (bb ? 0 : null)), ...ysB.map((bb) => (bb ? 1 : null))]];
};

// --- partial evaluation (for reverse mode) ----------------------------------------

interface ScanSplitPlan {
  carryUk: boolean[];
  ysUk: boolean[];
  isConstRes: boolean[];
  resInputIndex: number[];
  knownBody: ClosedJaxpr;
  unknownBody: ClosedJaxpr;
  numKnownConsts: number;
  numKnownCarry: number;
  numKnownYs: number;
}
const splitPlans = derivedJaxprCache<ScanSplitPlan>();

/** How a scan splits for a pattern of unknown inputs (cached: eager grad loops reuse the bodies). */
function planSplit(
  p: ScanParams,
  constUk: boolean[],
  initUk: boolean[],
  xsUk: boolean[],
): ScanSplitPlan {
  return splitPlans(p.jaxpr, `${flags(constUk, initUk, xsUk)}|${p.numConsts}|${p.numCarry}`, () => {
    const numYs = numYsOf(p);
    // Fixpoint: a carry is unknown if its initial value or its update is.
    let carryUk = initUk;
    for (;;) {
      const { outUnknowns } = partialEvalJaxpr(p.jaxpr, [...constUk, ...carryUk, ...xsUk]);
      const next = orFlags(carryUk, outUnknowns.slice(0, p.numCarry));
      if (sameFlags(next, carryUk)) break;
      carryUk = next;
    }
    const split = partialEvalJaxpr(
      p.jaxpr,
      [...constUk, ...carryUk, ...xsUk],
      [...carryUk, ...falses(numYs)],
    );
    const ysUk = split.outUnknowns.slice(p.numCarry);
    const numKnownConsts = count(constUk.map((u) => !u));
    const numKnownCarry = count(carryUk.map((u) => !u));
    const numKnownYs = count(ysUk.map((u) => !u));
    const numKnownOuts = numKnownCarry + numKnownYs;
    // Residuals that are known constants are loop-invariant: passed directly, not stacked.
    const isConstRes = split.resInputIndex.map((i) => i >= 0 && i < numKnownConsts);
    // The known scan also returns the per-step residuals, stacked like ys.
    const knownBody = traceFlat(
      (...ins) => {
        const outs = evalClosedJaxpr(split.known, ins);
        const res = outs.slice(numKnownOuts);
        return [...outs.slice(0, numKnownOuts), ...res.filter((_, i) => !isConstRes[i])];
      },
      split.known.inAvals,
      "scan(known)",
    );
    // The unknown scan: [const residuals, unknown consts] [unknown carry] [stacked residuals, unknown xs].
    const resAvals = split.unknown.inAvals.slice(0, split.numRes);
    const [ukCA, ukKA, ukXA] = splitList(split.unknown.inAvals.slice(split.numRes), [
      count(constUk),
      count(carryUk),
      count(xsUk),
    ]);
    const constResA = resAvals.filter((_, i) => isConstRes[i]);
    const stackedResA = resAvals.filter((_, i) => !isConstRes[i]);
    const unknownBody = traceFlat(
      (...ins) => {
        const [cr, uc, uk2, sr, ux] = splitList(ins, [
          constResA.length,
          ukCA!.length,
          ukKA!.length,
          stackedResA.length,
          ukXA!.length,
        ]);
        let a = 0;
        let b = 0;
        const res = isConstRes.map((c) => (c ? cr![a++]! : sr![b++]!));
        return evalClosedJaxpr(split.unknown, [...res, ...uc!, ...uk2!, ...ux!]);
      },
      [...constResA, ...ukCA!, ...ukKA!, ...stackedResA, ...ukXA!],
      "scan(linear)",
    );
    return {
      carryUk,
      ysUk,
      isConstRes,
      resInputIndex: split.resInputIndex,
      knownBody,
      unknownBody,
      numKnownConsts,
      numKnownCarry,
      numKnownYs,
    };
  });
}

function scanPartialEval(trace: PartialEvalTrace, tracers: PETracer[], p: ScanParams): PETracer[] {
  const uk = tracers.map((t) => !t.pval.isKnown);
  const [constUk, initUk, xsUk] = groups(uk, p);
  const plan = planSplit(p, constUk, initUk, xsUk);
  const {
    carryUk,
    ysUk,
    isConstRes,
    knownBody,
    unknownBody,
    numKnownConsts,
    numKnownCarry,
    numKnownYs,
  } = plan;
  const inUk = [...constUk, ...carryUk, ...xsUk];
  const knownTracers = tracers.filter((_, i) => !inUk[i]);
  const knownResult = bind(
    scanP,
    knownTracers.map((t) => t.pval.known!),
    { ...p, jaxpr: knownBody, numConsts: numKnownConsts, numCarry: numKnownCarry },
  );
  const numStacked = isConstRes.filter((c) => !c).length;
  const [kCarry, kYs, kRes] = splitList(knownResult, [numKnownCarry, numKnownYs, numStacked]);

  const constResTracers = plan.resInputIndex
    .filter((_, i) => isConstRes[i])
    .map((idx) => trace.instantiateConst(knownTracers[idx]!));
  const [cT, kT, xT] = groups(tracers, p);
  const unknownTracers = [
    ...constResTracers,
    ...cT.filter((_, i) => constUk[i]),
    ...kT.filter((_, i) => carryUk[i]).map((t) => trace.instantiateConst(t)),
    ...kRes!.map((r) => trace.instantiateConst(trace.pure(r) as PETracer)),
    ...xT.filter((_, i) => xsUk[i]),
  ];
  const ukOuts = trace.recordEqn(scanP, unknownTracers, {
    ...p,
    jaxpr: unknownBody,
    numConsts: constResTracers.length + count(constUk),
    numCarry: count(carryUk),
  });
  const [uCarry, uYs] = splitList(ukOuts, [count(carryUk), count(ysUk)]);
  const merge = (flags: boolean[], unknown: PETracer[], known: Array[]): PETracer[] => {
    let a = 0;
    let b = 0;
    return flags.map((u) => (u ? unknown[a++]! : (trace.pure(known[b++]!) as PETracer)));
  };
  return [...merge(carryUk, uCarry!, kCarry!), ...merge(ysUk, uYs!, kYs!)];
}

// --- transpose -------------------------------------------------------------------

function scanTranspose(
  cts: Tangent[],
  args: (Array | UndefinedPrimal)[],
  p: ScanParams,
): (Tangent | null)[] {
  // Carries are transposed as linear even when an initial value is a known
  // constant (e.g. an instantiated zero tangent): its cotangent is just unused.
  const [c, k, x] = groups(args, p);
  const linC = c.map((a) => a instanceof UndefinedPrimal);
  const linX = x.map((a) => a instanceof UndefinedPrimal);
  const resC = c.filter((a): a is Array => !(a instanceof UndefinedPrimal));
  const resX = x.filter((a): a is Array => !(a instanceof UndefinedPrimal));
  const [cA, kA, xA] = groups(p.jaxpr.inAvals, p);
  const yA = p.jaxpr.outAvals.slice(p.numCarry);
  const linCA = cA.filter((_, i) => linC[i]);
  const linXA = xA.filter((_, i) => linX[i]);
  const resXA = xA.filter((_, i) => !linX[i]);
  // Transposed body: [res consts] [acc of linear-const cts, carry cts] [res xs, y cts]
  //               → [acc + const cts, carry-in cts] [linear-x cts].
  const bodyT = transposedBodies(p.jaxpr, flags(linC, linX), () =>
    traceFlat(
      (...ins) => {
        const [rc, acc, ctCarry, rx, ctY] = splitList(ins, [
          resC.length,
          linCA.length,
          kA.length,
          resXA.length,
          yA.length,
        ]);
        let ri = 0;
        let xi = 0;
        const primalArgs: (Array | UndefinedPrimal)[] = [
          ...cA.map((a, i) => (linC[i] ? new UndefinedPrimal(a) : rc![ri++]!)),
          ...kA.map((a) => new UndefinedPrimal(a)),
          ...xA.map((a, i) => (linX[i] ? new UndefinedPrimal(a) : rx![xi++]!)),
        ];
        const ctIn = backwardPass(
          p.jaxpr.jaxpr,
          primalArgs,
          [...ctCarry!, ...ctY!],
          p.jaxpr.consts,
        ).map(instantiate);
        const [ctLinC, ctK, ctLinX] = splitList(ctIn, [linCA.length, kA.length, linXA.length]);
        return [...acc!.map((a, i) => add(a, ctLinC![i]!)), ...ctK!, ...ctLinX!];
      },
      [...resC.map((r) => r.aval), ...linCA, ...kA, ...resXA, ...yA],
      "transpose(scan)",
    ),
  );
  const [ctCarry, ctYs] = splitList(cts, [p.numCarry, cts.length - p.numCarry]);
  const outAvals = scanAbstractEval(
    args.map((a) => a.aval),
    p,
  );
  const outs = bind(
    scanP,
    [
      ...resC,
      ...linCA.map((a) => zerosLike(a)),
      ...ctCarry!.map(instantiate),
      ...resX,
      ...ctYs!.map((t, i) => (t instanceof Zero ? zerosLike(outAvals[p.numCarry + i]!) : t)),
    ],
    {
      ...p,
      jaxpr: bodyT,
      numConsts: resC.length,
      numCarry: linCA.length + kA.length,
      reverse: !p.reverse,
    },
  );
  const [ctC, ctK, ctX] = splitList(outs, [linCA.length, kA.length, linXA.length]);
  let ci = 0;
  let xi = 0;
  return [
    ...c.map((_, i) => (linC[i] ? ctC![ci++]! : null)),
    ...ctK!.map((ct, i) => (k[i] instanceof UndefinedPrimal ? ct : null)),
    ...x.map((_, i) => (linX[i] ? ctX![xi++]! : null)),
  ];
}

export const scanP: Primitive<ScanParams> = controlFlowPrimitive<ScanParams>(
  "scan",
  {
    abstractEval: scanAbstractEval,
    impl: scanImpl,
    jvp: scanJvp,
    batch: scanBatch,
    transpose: scanTranspose,
  },
  scanPartialEval,
);

// --- the user-facing function ------------------------------------------------------

export interface ScanOptions {
  length?: number;
  reverse?: boolean;
  unroll?: number;
}
const SCAN_KEYS: OptionKeys<ScanOptions> = { length: true, reverse: true, unroll: true };

/**
 * `lax.scan(f, init, xs, { length, reverse, unroll })` → `[carry, ys]`, with
 * `f(carry, x) → [carry, y]` over pytrees; `xs` may be null with `length`.
 */
export function scan<C, X, Y>(
  f: (carry: C, x: X) => [C, Y],
  init: C,
  xs: X | null,
  options: ScanOptions = {},
): [C, Y] {
  options = checkOptions("lax.scan", options, SCAN_KEYS);
  const op = "lax.scan";
  const [initLeaves, carryTree] = flatArrays(init, op, "init");
  const [xsLeaves] = flatArrays(xs, op, "xs");
  const lengths = [...new Set(xsLeaves.map((x) => (x.ndim === 0 ? -1 : x.shape[0]!)))];
  if (lengths.includes(-1))
    throw new ValueError(`${op}: xs leaves must have a leading axis to scan over; got a 0-d leaf`);
  if (lengths.length > 1) {
    throw new ValueError(
      `${op}: scan got values with different leading axis sizes: ${xsLeaves.map((x) => shapeStr(x.shape)).join(", ")}`,
    );
  }
  const length = options.length ?? lengths[0];
  if (length === undefined)
    throw new ValueError(`${op}: with no xs, the length option is required`);
  if (lengths.length === 1 && lengths[0] !== length) {
    throw new ValueError(
      `${op}: length option ${length} does not match the leading axis size ${lengths[0]} of xs`,
    );
  }
  const xAvals = xsLeaves.map((x) => x.aval.withShape(x.shape.slice(1)));
  const trace = (carryAvals: ShapedArray[]) =>
    traceUser(
      (c: unknown, x: unknown) => {
        const r = f(c as C, x as X);
        if (!globalThis.Array.isArray(r) || r.length !== 2) {
          throw new TypeError(`${op}: the body function must return a pair [carry, y]`);
        }
        return r;
      },
      [...carryAvals, ...xAvals],
      flatten([init, xs])[1],
      op,
    );
  let carryAvals = initLeaves.map((l) => l.aval);
  let traced = trace(carryAvals);
  let outAvals = traced.jaxpr.outAvals;
  // A weak-typed initial carry takes its promotion with the body's output type, as JAX's.
  const promoted = promoteWeakCarries(carryAvals, outAvals);
  if (promoted !== null) {
    carryAvals = promoted;
    traced = trace(carryAvals);
    outAvals = traced.jaxpr.outAvals;
  }
  const [carryOutTree] = traced.outTree.children;
  checkTypes(
    op,
    "the carry output and carry input",
    carryTree,
    carryAvals,
    carryOutTree!,
    outAvals.slice(0, initLeaves.length),
    init,
  );
  const initCast = castCarries(initLeaves, carryAvals);
  const outs = bind(scanP, [...traced.consts, ...initCast, ...xsLeaves], {
    jaxpr: traced.jaxpr,
    numConsts: traced.consts.length,
    numCarry: initLeaves.length,
    length,
    reverse: options.reverse ?? false,
    unroll: options.unroll ?? 1,
  });
  const [carryOut, ys] = splitList(outs, [initLeaves.length, outs.length - initLeaves.length]);
  const yTree = traced.outTree.children[1]!;
  return [carryTree.unflatten(carryOut!) as C, yTree.unflatten(ys!) as Y];
}
