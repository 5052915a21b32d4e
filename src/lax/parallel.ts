/**
 * Collectives over a named mapped axis: `psum`, `pmean`, `pmax`, `pmin`,
 * `allGather`, `axisIndex`. Under `vmap({ axisName })` they reduce over the
 * batch dimension; `pmap` gives them the same meaning across devices.
 *
 * A collective must reach the trace that binds its axis name even when its
 * operand does not vary along that axis, so the wrappers first raise the
 * operand into that trace, and batch rules run for unbatched inputs too.
 */
import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { type AxisData, Primitive, Zero } from "../core/primitive.js";
import {
  bind,
  bind1,
  boundAxisNames,
  findAxisMain,
  type MainTrace,
  Tracer,
} from "../core/trace.js";
import { defaultFloat, isFloating } from "../dtype.js";
import { moveBatchAxis } from "./batch_util.js";
import { convertElementType, div, eq, mul } from "./elementwise.js";
import { reduceMax, reduceMin, reduceSum } from "./reductions.js";
import { iota, reshape } from "./shape_ops.js";

export type AxisName = string;

interface NamedParams {
  axisName: AxisName;
}
interface AllGatherParams extends NamedParams {
  axis: number;
  tiled: boolean;
  /** The size of the named axis (the gathered dimension's length). */
  axisSize: number;
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
  name: string,
  reduce: (x: Array, bdim: number, axis: AxisData) => Array,
  unbatched: (x: Array, axis: AxisData) => Array,
): Primitive<NamedParams> {
  const prim: Primitive<NamedParams> = new Primitive<NamedParams>(
    name,
    {
      abstractEval: ([x]) => [x!],
      impl: (_args, { axisName }) => {
        throw unbound(`lax.${name}`, axisName);
      },
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
    abstractEval: ([x], p) => [allGatherAval(x!, p)],
    impl: (_args, { axisName }) => {
      throw unbound("lax.allGather", axisName);
    },
    batch: ([x], [d], params, axis) => {
      if (axis.name !== params.axisName) return [[bind1(allGatherP, [x!], params)], [d!]];
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
    transpose: null,
  },
  false,
  true,
);

export const axisIndexP: Primitive<NamedParams> = new Primitive<NamedParams>(
  "axis_index",
  {
    abstractEval: () => [new ShapedArray([], "int32")],
    impl: (_args, { axisName }) => {
      throw unbound("lax.axisIndex", axisName);
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

/** `lax.psum(x, axisName)`: the sum over all members of the named axis. */
export function psum(x: ArrayLike, axisName: AxisName): Array {
  return namedCollective("lax.psum", psumP, x, axisName);
}
/** `lax.pmean(x, axisName)`. */
export function pmean(x: ArrayLike, axisName: AxisName): Array {
  const main = axisMain("lax.pmean", axisName);
  const size = (main.globalData as AxisData).size;
  const s = psum(x, axisName);
  return div(isFloating(s.dtype) ? s : convertElementType(s, defaultFloat()), size);
}
export function pmax(x: ArrayLike, axisName: AxisName): Array {
  return namedCollective("lax.pmax", pmaxP, x, axisName);
}
export function pmin(x: ArrayLike, axisName: AxisName): Array {
  return namedCollective("lax.pmin", pminP, x, axisName);
}

/** `lax.all_gather(x, axisName, { axis, tiled })`: every member gets the stacked values. */
export function allGather(
  x: ArrayLike,
  axisName: AxisName,
  options: { axis?: number; tiled?: boolean } = {},
): Array {
  const main = axisMain("lax.allGather", axisName);
  const arr = raiseTo(main, asArray(x, "lax.allGather", "x"));
  const axis = options.axis ?? 0;
  if (!Number.isInteger(axis) || axis < 0 || axis > arr.ndim) {
    throw new Error(
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
