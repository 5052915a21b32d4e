/**
 * Collectives over a named mapped axis: `psum`, `pmean`, `pmax`, `pmin`,
 * `allGather`, `ppermute`, `psumScatter`, `axisIndex`. Under
 * `vmap({ axisName })` they work on the batch dimension; under `pmap` the
 * same primitives run across devices, through the `CollectiveRuntime` the
 * device that executes a shard installs (see devices/collectives.ts).
 *
 * A collective must reach the trace that binds its axis name even when its
 * operand does not vary along that axis, so the wrappers first raise the
 * operand into that trace, and batch rules run for unbatched inputs too.
 */
import { type Array, ArrayImpl, isArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type AxisData, OPAQUE, Primitive, Zero } from "../core/primitive.js";
import {
  bind,
  bind1,
  boundAxisNames,
  findAxisMain,
  type MainTrace,
  Tracer,
} from "../core/trace.js";
import { defaultFloat, isInexact } from "../dtype.js";
import { ValueError } from "../errors.js";
import { checkOptions } from "../options.js";
import { flatten } from "../tree/index.js";
import { moveaxis, moveBatchAxis } from "./batch_util.js";
import { convertElementType, div, eq, mul } from "./elementwise.js";
import { reduceMax, reduceMin, reduceSum } from "./reductions.js";
import { broadcastInDim, concatenate, iota, reshape } from "./shape_ops.js";
import { indexInDim } from "./slicing.js";

export type AxisName = string;

export interface NamedParams {
  axisName: AxisName;
}
export interface AllGatherParams extends NamedParams {
  axis: number;
  tiled: boolean;
  /** The size of the named axis (the gathered dimension's length). */
  axisSize: number;
}
export interface PpermuteParams extends NamedParams {
  /** (source, destination) pairs: member `destination` receives the value of member `source`. */
  perm: readonly (readonly [number, number])[];
}
export interface PsumScatterParams extends NamedParams {
  scatterDimension: number;
  tiled: boolean;
  axisSize: number;
}

/**
 * Runs collectives for axes mapped over devices. The device runtime installs
 * one while it executes a pmap shard; `axisIndex` is undefined for names it
 * does not own (those are unbound here).
 */
export interface CollectiveRuntime {
  axisIndex(axisName: AxisName): number | undefined;
  run(
    op: "psum" | "pmax" | "pmin" | "all_gather" | "ppermute" | "psum_scatter",
    x: ArrayImpl,
    params: NamedParams,
  ): ArrayImpl;
}

let runtime: CollectiveRuntime | null = null;

/** Installs (or, with null, removes) the collective runtime; returns the previous one. */
export function setCollectiveRuntime(r: CollectiveRuntime | null): CollectiveRuntime | null {
  const prev = runtime;
  runtime = r;
  return prev;
}

function runCollective(
  op: Parameters<CollectiveRuntime["run"]>[0],
  x: ArrayImpl,
  params: NamedParams,
): ArrayImpl[] {
  if (runtime === null || runtime.axisIndex(params.axisName) === undefined) {
    throw unbound(`lax.${op}`, params.axisName);
  }
  return [runtime.run(op, x, params)];
}

/** The per-member result type of all_gather: the members stacked at `axis` (or concatenated when tiled). */
function allGatherAval(x: ShapedArray, p: AllGatherParams): ShapedArray {
  const shape = [...x.shape];
  if (p.tiled) shape[p.axis] = shape[p.axis]! * p.axisSize;
  else shape.splice(p.axis, 0, p.axisSize);
  return x.withShape(shape);
}

function unbound(op: string, name: AxisName): Error {
  const names = boundAxisNames();
  return new Error(
    `${op}: unbound axis name '${String(name)}'. ` +
      (names.length > 0
        ? `The bound axis names are: ${names.map((n) => `'${String(n)}'`).join(", ")}.`
        : "No axis names are bound here: use it inside vmap or pmap with that axisName."),
  );
}

function axisMain(op: string, name: AxisName): MainTrace {
  const main = findAxisMain(name);
  if (main === undefined) throw unbound(op, name);
  return main;
}

/** Lifts x into the trace bound to `main`'s axis unless it already lives at or above it. */
function raiseTo(main: MainTrace, x: Array): Array {
  if (x instanceof Tracer && x.trace.main.level >= main.level) return x;
  return main.trace.pure(x);
}

/** A reduction collective: `reduce` over the batch dim when the names match. */
function reducingCollective(
  name: "psum" | "pmax" | "pmin",
  reduce: (x: Array, bdim: number, axis: AxisData) => Array,
  unbatched: (x: Array, axis: AxisData) => Array,
): Primitive<NamedParams> {
  const prim: Primitive<NamedParams> = new Primitive<NamedParams>(
    name,
    {
      lower: null,
      facts: OPAQUE,
      abstractEval: ([x]) => [x!],
      impl: ([x], params) => runCollective(name, x!, params),
      batch: ([x], [d], params, axis) => {
        if (axis.name !== params.axisName) return [[bind1(prim, [x!], params)], [d!]];
        return [[d === null ? unbatched(x!, axis) : reduce(x!, d!, axis)], [null]];
      },
      jvp: ([x], [t], params) => {
        const y = bind1(prim, [x!], params);
        if (t instanceof Zero) return [[y], [t]];
        if (name === "psum") return [[y], [bind1(prim, [t!], params)]];
        // pmax/pmin: the winners' tangents, shared equally among ties (as JAX does).
        const mask = convertElementType(eq(x!, y), t!.dtype);
        const share = div(bind1(psumP, [mul(t!, mask)], params), bind1(psumP, [mask], params));
        return [[y], [share]];
      },
      // psum is linear and its own transpose: every member's output depends on every input.
      transpose:
        name === "psum"
          ? ([ct], _args, params) => [ct instanceof Zero ? ct : bind1(prim, [ct!], params)]
          : null,
    },
    false,
    true,
  );
  return prim;
}

export const psumP = reducingCollective(
  "psum",
  (x, d) => reduceSum(x, [d]),
  (x, axis) => mulScalar(x, axis.size),
);
export const pmaxP = reducingCollective(
  "pmax",
  (x, d) => reduceMax(x, [d]),
  (x) => x,
);
export const pminP = reducingCollective(
  "pmin",
  (x, d) => reduceMin(x, [d]),
  (x) => x,
);

/** Summing n copies of x: n * x (bools count as int32, as JAX's psum does). */
function mulScalar(x: Array, n: number): Array {
  return mul(x.dtype === "bool" ? convertElementType(x, "int32") : x, n);
}

export const allGatherP: Primitive<AllGatherParams> = new Primitive<AllGatherParams>(
  "all_gather",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: ([x], p) => [allGatherAval(x!, p)],
    impl: ([x], params) => runCollective("all_gather", x!, params),
    batch: ([x], [d], params, axis) => {
      if (axis.name !== params.axisName) {
        // Another axis: gather per batch member, the batch leading.
        const front = moveaxis(x!, d!, 0);
        return [[bind1(allGatherP, [front], { ...params, axis: params.axis + 1 })], [0]];
      }
      const gathered = moveBatchAxis(x!, d!, params.axis, axis.size);
      if (!params.tiled) return [[gathered], [null]];
      const s = [...gathered.shape];
      s.splice(params.axis, 2, s[params.axis]! * s[params.axis + 1]!);
      return [[reshape(gathered, s)], [null]];
    },
    jvp: ([x], [t], params) => [
      [bind1(allGatherP, [x!], params)],
      [
        t instanceof Zero
          ? new Zero(allGatherAval(x!.aval, params))
          : bind1(allGatherP, [t!], params),
      ],
    ],
    // Each member's slot of the gathered cotangent, summed over members: psum_scatter.
    transpose: ([ct], _args, p) => [
      ct instanceof Zero
        ? new Zero(ct.aval.withShape(scatteredShape(ct.aval.shape, p.axis, p.tiled, p.axisSize)))
        : bind1(psumScatterP, [ct!], {
            axisName: p.axisName,
            scatterDimension: p.axis,
            tiled: p.tiled,
            axisSize: p.axisSize,
          }),
    ],
  },
  false,
  true,
);

/** The per-member shape psum_scatter leaves: the scatter dimension removed, or divided when tiled. */
function scatteredShape(
  shape: readonly number[],
  dim: number,
  tiled: boolean,
  n: number,
): number[] {
  const s = [...shape];
  if (tiled) s[dim] = s[dim]! / n;
  else s.splice(dim, 1);
  return s;
}

/** psum_scatter's per-member result type; the scatter dimension must fit the axis size. */
function psumScatterAval(x: ShapedArray, p: PsumScatterParams): ShapedArray {
  const d = x.shape[p.scatterDimension];
  const ok = d !== undefined && (p.tiled ? d % p.axisSize === 0 : d === p.axisSize);
  if (!ok) {
    throw new ValueError(
      `lax.psumScatter: the scatter dimension ${p.scatterDimension} of ${x.str()} must ` +
        (p.tiled
          ? `be divisible by the axis size ${p.axisSize} (tiled)`
          : `equal the axis size ${p.axisSize} (or use tiled: true)`),
    );
  }
  return x.withShape(scatteredShape(x.shape, p.scatterDimension, p.tiled, p.axisSize));
}

export const psumScatterP: Primitive<PsumScatterParams> = new Primitive<PsumScatterParams>(
  "psum_scatter",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: ([x], p) => [psumScatterAval(x!, p)],
    impl: ([x], params) => runCollective("psum_scatter", x!, params),
    batch: ([x], [d], params, axis) => {
      if (axis.name !== params.axisName) {
        const front = moveaxis(x!, d!, 0);
        const p = { ...params, scatterDimension: params.scatterDimension + 1 };
        return [[bind1(psumScatterP, [front], p)], [0]];
      }
      const a = x!.aval;
      psumScatterAval(d === null ? a : a.withShape(a.shape.filter((_, k) => k !== d)), params);
      // The sum over members; member i's block along the scatter dimension is its result.
      const sum = d === null ? mulScalar(x!, axis.size) : reduceSum(x!, [d!]);
      const sd = params.scatterDimension;
      if (!params.tiled) return [[sum], [sd]];
      const s = [...sum.shape];
      s.splice(sd, 1, axis.size, s[sd]! / axis.size);
      return [[reshape(sum, s)], [sd]];
    },
    jvp: ([x], [t], params) => {
      const y = bind1(psumScatterP, [x!], params);
      return [[y], [t instanceof Zero ? new Zero(y.aval) : bind1(psumScatterP, [t!], params)]];
    },
    transpose: ([ct], args, p) => [
      ct instanceof Zero
        ? new Zero((args[0] as { aval: ShapedArray }).aval)
        : bind1(allGatherP, [ct!], {
            axisName: p.axisName,
            axis: p.scatterDimension,
            tiled: p.tiled,
            axisSize: p.axisSize,
          }),
    ],
  },
  false,
  true,
);

/** For each member, the member it receives from under `perm` (-1: none, it gets zeros). */
export function ppermuteSources(perm: PpermuteParams["perm"], n: number): number[] {
  const src = new globalThis.Array<number>(n).fill(-1);
  for (const [s, d] of perm) src[d] = s;
  return src;
}

export const ppermuteP: Primitive<PpermuteParams> = new Primitive<PpermuteParams>(
  "ppermute",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: ([x]) => [x!],
    impl: ([x], params) => runCollective("ppermute", x!, params),
    batch: ([x], [d], params, axis) => {
      // Another axis: members of that axis exchange elementwise, the batch stays put.
      if (axis.name !== params.axisName) return [[bind1(ppermuteP, [x!], params)], [d!]];
      const front = moveBatchAxis(x!, d!, 0, axis.size);
      const zeros = broadcastInDim(ArrayImpl.scalar(0, x!.dtype), [1, ...front.shape.slice(1)], []);
      const rows = ppermuteSources(params.perm, axis.size).map((s) =>
        s < 0 ? zeros : indexInDim(front, s, 0, true),
      );
      return [[concatenate(rows, 0)], [0]];
    },
    jvp: ([x], [t], params) => [
      [bind1(ppermuteP, [x!], params)],
      [t instanceof Zero ? t : bind1(ppermuteP, [t!], params)],
    ],
    // Sending back along the inverted pairs.
    transpose: ([ct], _args, p) => [
      ct instanceof Zero
        ? ct
        : bind1(ppermuteP, [ct!], {
            axisName: p.axisName,
            perm: p.perm.map(([s, d]) => [d, s] as const),
          }),
    ],
  },
  false,
  true,
);

export const axisIndexP: Primitive<NamedParams> = new Primitive<NamedParams>(
  "axis_index",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: () => [new ShapedArray([], "int32")],
    impl: (_args, { axisName }) => {
      const i = runtime?.axisIndex(axisName);
      if (i === undefined) throw unbound("lax.axisIndex", axisName);
      return [ArrayImpl.scalar(i, "int32")];
    },
    batch: (args, dims, params, axis) => {
      if (axis.name !== params.axisName) return [[bind1(axisIndexP, args, params)], [dims[0]!]];
      return [[iota("int32", axis.size)], [0]];
    },
    jvp: (args, _tangents, params) => {
      const out = bind1(axisIndexP, args, params);
      return [[out], [new Zero(out.aval)]];
    },
    transpose: null,
  },
  false,
  true,
);

function namedCollective(
  op: string,
  prim: Primitive<NamedParams>,
  x: ArrayLike,
  axisName: AxisName,
): Array {
  const main = axisMain(op, axisName);
  return bind1(prim, [raiseTo(main, asArray(x, op, "x"))], { axisName });
}

/** Applies a collective to x, or to every leaf of a pytree of arrays (as JAX's collectives do). */
function overTree<T>(x: T, f: (leaf: ArrayLike) => Array): T {
  if (isArray(x) || typeof x === "number" || typeof x === "boolean") return f(x) as T;
  const [leaves, def] = flatten(x);
  return def.unflatten(leaves.map((l) => f(l as ArrayLike))) as T;
}

/** `lax.psum(x, axisName)`: the sum over all members of the named axis (of each leaf of a pytree). */
export function psum(x: ArrayLike, axisName: AxisName): Array;
export function psum<T>(x: T, axisName: AxisName): T;
export function psum(x: unknown, axisName: AxisName): unknown {
  return overTree(x, (l) => namedCollective("lax.psum", psumP, l, axisName));
}
/** `lax.pmean(x, axisName)`. */
export function pmean(x: ArrayLike, axisName: AxisName): Array;
export function pmean<T>(x: T, axisName: AxisName): T;
export function pmean(x: unknown, axisName: AxisName): unknown {
  const main = axisMain("lax.pmean", axisName);
  const size = (main.globalData as AxisData).size;
  return overTree(x, (l) => {
    const s = namedCollective("lax.pmean", psumP, l, axisName);
    return div(isInexact(s.dtype) ? s : convertElementType(s, defaultFloat()), size);
  });
}
export function pmax(x: ArrayLike, axisName: AxisName): Array;
export function pmax<T>(x: T, axisName: AxisName): T;
export function pmax(x: unknown, axisName: AxisName): unknown {
  return overTree(x, (l) => namedCollective("lax.pmax", pmaxP, l, axisName));
}
export function pmin(x: ArrayLike, axisName: AxisName): Array;
export function pmin<T>(x: T, axisName: AxisName): T;
export function pmin(x: unknown, axisName: AxisName): unknown {
  return overTree(x, (l) => namedCollective("lax.pmin", pminP, l, axisName));
}

/** `lax.all_gather(x, axisName, { axis, tiled })`: every member gets the stacked values. */
export function allGather(
  x: ArrayLike,
  axisName: AxisName,
  options: { axis?: number; tiled?: boolean } = {},
): Array {
  options = checkOptions("lax.allGather", options, { axis: true, tiled: true });
  const main = axisMain("lax.allGather", axisName);
  const arr = raiseTo(main, asArray(x, "lax.allGather", "x"));
  const axis = options.axis ?? 0;
  if (!Number.isInteger(axis) || axis < 0 || axis > arr.ndim) {
    throw new ValueError(
      `lax.allGather: axis ${axis} is out of range for an operand of rank ${arr.ndim}`,
    );
  }
  const axisSize = (main.globalData as AxisData).size;
  return bind1(allGatherP, [arr], { axisName, axis, tiled: options.tiled ?? false, axisSize });
}

/** `lax.axis_index(axisName)`: this member's position along the named axis. */
export function axisIndex(axisName: AxisName): Array {
  const main = axisMain("lax.axisIndex", axisName);
  return bind(axisIndexP, [main.trace.pure(asArray(0, "lax.axisIndex"))], { axisName })[0]!;
}

/**
 * `lax.ppermute(x, axisName, perm)`: member `d` receives the value of member
 * `s` for each pair `[s, d]`; members no pair sends to receive zeros.
 */
export function ppermute(
  x: ArrayLike,
  axisName: AxisName,
  perm: readonly (readonly [number, number])[],
): Array {
  const main = axisMain("lax.ppermute", axisName);
  const n = (main.globalData as AxisData).size;
  const seenSrc = new Set<number>();
  const seenDst = new Set<number>();
  for (const pair of perm) {
    const [s, d] = pair;
    for (const i of [s, d]) {
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new ValueError(
          `lax.ppermute: pair [${s}, ${d}] names a member outside the axis '${axisName}' of size ${n}`,
        );
      }
    }
    if (seenSrc.has(s) || seenDst.has(d)) {
      throw new ValueError(
        `lax.ppermute: perm must be a permutation: member ${seenSrc.has(s) ? `${s} sends` : `${d} receives`} more than once`,
      );
    }
    seenSrc.add(s);
    seenDst.add(d);
  }
  const arr = raiseTo(main, asArray(x, "lax.ppermute", "x"));
  const pairs = perm.map(([s, d]) => [s, d] as const);
  return bind1(ppermuteP, [arr], { axisName, perm: pairs });
}

/**
 * `lax.psum_scatter(x, axisName, { scatterDimension, tiled })`: the psum,
 * of which member i keeps block i along `scatterDimension` (that dimension
 * must equal the axis size, or with `tiled` be divisible by it).
 */
export function psumScatter(
  x: ArrayLike,
  axisName: AxisName,
  options: { scatterDimension?: number; tiled?: boolean } = {},
): Array {
  options = checkOptions("lax.psumScatter", options, { scatterDimension: true, tiled: true });
  const main = axisMain("lax.psumScatter", axisName);
  const arr = raiseTo(main, asArray(x, "lax.psumScatter", "x"));
  const sd = options.scatterDimension ?? 0;
  if (!Number.isInteger(sd) || sd < 0 || sd >= arr.ndim) {
    throw new ValueError(
      `lax.psumScatter: scatterDimension ${sd} is out of range for an operand of rank ${arr.ndim}`,
    );
  }
  const axisSize = (main.globalData as AxisData).size;
  return bind1(psumScatterP, [arr], {
    axisName,
    scatterDimension: sd,
    tiled: options.tiled ?? false,
    axisSize,
  });
}
