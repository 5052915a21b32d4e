/**
 * The differentiation API: `jvp`, `vjp`, `vjpWithAux`, `linearize`, `grad`,
 * `valueAndGrad`, `jacfwd`, `jacrev`, `hessian`. Each flattens the user's
 * pytree function, checks its arguments (floating inputs, scalar output for
 * grad, matching tangent/cotangent types) and calls the machinery in
 * interpreters/: `jvpFlat` (forward mode), `linearizeFlat` and `backwardPass`
 * (reverse mode), and vmap for the Jacobians' batched pushforwards/pullbacks.
 */

import { type Array, ArrayImpl, isArray } from "../core/array.js";
import { type ArrayLike, asArray, describe } from "../core/convert.js";
import { evalJaxpr } from "../core/jaxpr.js";
import { UndefinedPrimal, Zero } from "../core/primitive.js";
import { defaultFloat, isComplex, isFloating, isInexact, isInteger } from "../dtype.js";
import { backwardPass, linearizeFlat } from "../interpreters/ad.js";
import { jvpFlat } from "../interpreters/jvp.js";
import { instantiate, onesLike } from "../lax/ad_util.js";
import { convertElementType, eq } from "../lax/elementwise.js";
import { broadcastedIota, reshape } from "../lax/shape_ops.js";
import { sliceInDim } from "../lax/slicing.js";
import {
  type AnyFn,
  checkFunction,
  checkOptions,
  kindOf,
  type OptionKeys,
  rejectPromise,
} from "../options.js";
import { shapeStr } from "../shape.js";
import { flatten, type TreeDef } from "../tree/index.js";
import type {
  Argnums,
  AsArrays,
  GradAuxOpts,
  GradOpts,
  GradsOf,
  Jacobian,
  Scalar,
  Selected,
  Tangent,
} from "./types.js";
import { vmap } from "./vmap.js";

/** Flattens a function of pytrees into a function of flat arrays, recording the output tree. */
function flatFn(
  f: AnyFn,
  inTree: TreeDef,
  op: string,
): { call: (...xs: Array[]) => Array[]; outTree: () => TreeDef } {
  let outTree: TreeDef | null = null;
  return {
    call: (...xs: Array[]) => {
      const out = f(...(inTree.unflatten(xs) as unknown[]));
      rejectPromise(out, op);
      const [leaves, tree] = flatten(out);
      outTree = tree;
      return leaves.map((l, i) => asArray(l as ArrayLike, op, `output ${i}`));
    },
    outTree: () => {
      if (outTree === null) throw new Error(`${op}: internal: function was not called`);
      return outTree;
    },
  };
}

function toArrayLeaves(tree: unknown, op: string, what: string): [Array[], TreeDef] {
  const [leaves, def] = flatten(tree);
  return [leaves.map((l, i) => asArray(l as ArrayLike, op, `${what} leaf ${i}`)), def];
}

/**
 * Leaves of values to differentiate at: a JS number is a weak float here,
 * since JS cannot tell `0` from `0.0` and only floats have derivatives.
 */
/**
 * The leaves of differentiated arguments: JS numbers, and weak-typed
 * integers (JS numbers that came through jit, see `argAval`), are weak
 * floats, so `grad(f)(2)` and `jit(grad(f))(2)` differentiate at 2.0.
 */
function diffLeaves(tree: unknown, op: string, what: string): [Array[], TreeDef] {
  const [leaves, def] = flatten(tree);
  return [
    leaves.map((l, i) => {
      if (typeof l === "number") return ArrayImpl.scalar(l, defaultFloat(), true);
      const x = asArray(l as ArrayLike, op, `${what} leaf ${i}`);
      return x.weakType && isInteger(x.dtype) ? convertElementType(x, defaultFloat(), true) : x;
    }),
    def,
  ];
}

/**
 * `jax.jvp(f, primals, tangents)` → `[primalsOut, tangentsOut]`, both typed
 * as f's result with array leaves; the tangents have the primals' structure.
 */
export function jvp<P extends readonly unknown[] | [], R>(
  f: (...args: P) => R,
  primals: P,
  tangents: NoInfer<Tangent<P>>,
): [AsArrays<R>, AsArrays<R>];
export function jvp(
  f: AnyFn,
  primals: readonly unknown[],
  tangents: readonly unknown[],
): [unknown, unknown] {
  checkFunction(f, "jvp");
  if (!globalThis.Array.isArray(primals) || !globalThis.Array.isArray(tangents)) {
    throw new TypeError(
      `jvp: primals and tangents must be JS arrays (one entry per argument of the function), got ${kindOf(primals)} and ${kindOf(tangents)}`,
    );
  }
  const [ps, pTree] = diffLeaves([...primals], "jvp", "primal");
  const [ts, tTree] = diffLeaves([...tangents], "jvp", "tangent");
  if (!pTree.equals(tTree)) {
    throw new Error(
      `jvp: primal and tangent arguments must have the same tree structure; got ${pTree} and ${tTree}`,
    );
  }
  ps.forEach((p, i) => {
    const t = ts[i]!;
    if (
      p.dtype !== t.dtype ||
      p.shape.length !== t.shape.length ||
      p.shape.some((d, k) => d !== t.shape[k])
    ) {
      throw new Error(
        `jvp: primal and tangent arguments must have equal types; primal ${i} is ${p.aval.str()} but its tangent is ${t.aval.str()}`,
      );
    }
  });
  const ff = flatFn(f, pTree, "jvp");
  const [pOut, tOut] = jvpFlat(ff.call, ps, ts);
  const tree = ff.outTree();
  return [tree.unflatten(pOut), tree.unflatten(tOut.map(instantiate))];
}

/**
 * `jax.vjp(f, ...primals)` → `[out, vjpFn]`; `vjpFn(ct)` returns one
 * cotangent per primal (a tuple of the primals' types with array leaves).
 */
export function vjp<P extends readonly unknown[] | [], R>(
  f: (...args: P) => R,
  ...primals: P
): [AsArrays<R>, (ct: Tangent<R>) => AsArrays<P>];
export function vjp(f: AnyFn, ...primals: unknown[]): [unknown, (ct: unknown) => unknown[]] {
  checkFunction(f, "vjp");
  const { out, fVjp } = vjpImpl(f, primals, false, "vjp");
  return [out, fVjp];
}

/** `jax.vjp(f, ...primals, has_aux=True)` → `[out, vjpFn, aux]`; f returns `[output, aux]`. */
export function vjpWithAux<P extends readonly unknown[] | [], R, A>(
  f: (...args: P) => readonly [R, A],
  ...primals: P
): [AsArrays<R>, (ct: Tangent<R>) => AsArrays<P>, AsArrays<A>];
export function vjpWithAux(
  f: AnyFn,
  ...primals: unknown[]
): [unknown, (ct: unknown) => unknown[], unknown] {
  checkFunction(f, "vjpWithAux");
  const { out, fVjp, aux } = vjpImpl(f, primals, true, "vjp");
  return [out, fVjp, aux];
}

function vjpImpl(
  f: AnyFn,
  primals: unknown[],
  hasAux: boolean,
  op: string,
): { out: unknown; fVjp: (ct: unknown) => unknown[]; aux: unknown } {
  const [ps, inTree] = diffLeaves(primals, op, "primal");
  // With hasAux the function returns [output, aux]; aux leaves become extra
  // (never differentiated) outputs so they leave the transformation as values.
  const g: AnyFn = hasAux
    ? (...args: unknown[]) => {
        const r = f(...args);
        if (!globalThis.Array.isArray(r) || r.length !== 2) {
          throw new Error(
            `${op} with hasAux: the function must return a pair [output, aux], got ${describe(r)}`,
          );
        }
        return r;
      }
    : f;
  const ff = flatFn(g, inTree, op);
  const lin = linearizeFlat(ff.call, ps);
  const fullTree = ff.outTree();
  const outTree = hasAux ? fullTree.children[0]! : fullTree;
  const numOut = outTree.numLeaves;
  const outLeaves = lin.primalsOut.slice(0, numOut);
  const auxLeaves = lin.primalsOut.slice(numOut);
  const out = outTree.unflatten(outLeaves);
  const aux = hasAux ? fullTree.children[1]!.unflatten(auxLeaves) : null;
  const fVjp = (ct: unknown): unknown[] => {
    const [cts, ctTree] = diffLeaves(ct, op, "cotangent");
    if (!ctTree.equals(outTree)) {
      throw new Error(
        `${op}: the cotangent has structure ${ctTree}, but the function's output has ${outTree}`,
      );
    }
    cts.forEach((c, i) => {
      const o = outLeaves[i]!;
      if (c.shape.length !== o.shape.length || c.shape.some((d, k) => d !== o.shape[k])) {
        throw new Error(
          `${op}: cotangent ${i} has shape ${shapeStr(c.shape)} but the primal output has shape ${shapeStr(o.shape)}`,
        );
      }
    });
    const args = [...lin.consts, ...ps.map((p) => new UndefinedPrimal(p.aval))];
    const ctsIn = backwardPass(lin.jaxpr, args, [
      ...cts,
      ...auxLeaves.map((a) => new Zero(a.aval)),
    ]);
    return inTree.unflatten(ctsIn.map(instantiate)) as unknown[];
  };
  return { out, fVjp, aux };
}

/** `jax.linearize(f, ...primals)` → `[out, fJvp]`, fJvp evaluating the linear map at new tangents. */
export function linearize<P extends readonly unknown[] | [], R>(
  f: (...args: P) => R,
  ...primals: P
): [AsArrays<R>, (...tangents: Tangent<P> & readonly unknown[]) => AsArrays<R>];
export function linearize(
  f: AnyFn,
  ...primals: unknown[]
): [unknown, (...tangents: unknown[]) => unknown] {
  checkFunction(f, "linearize");
  const [ps, inTree] = diffLeaves(primals, "linearize", "primal");
  const ff = flatFn(f, inTree, "linearize");
  const lin = linearizeFlat(ff.call, ps);
  const outTree = ff.outTree();
  const fJvp = (...tangents: unknown[]): unknown => {
    const [ts] = diffLeaves(tangents, "linearize", "tangent");
    const outs = evalJaxpr(lin.jaxpr, [], [...lin.consts, ...ts]);
    return outTree.unflatten(outs);
  };
  return [outTree.unflatten(lin.primalsOut), fJvp];
}

// --- grad and friends ----------------------------------------------------------

export interface GradOptions {
  argnums?: number | readonly number[];
  hasAux?: boolean;
  /**
   * The function is holomorphic: complex inputs and outputs, and the result
   * is the complex derivative (JAX's `holomorphic=True`).
   */
  holomorphic?: boolean;
}
const GRAD_KEYS: OptionKeys<GradOptions> = { argnums: true, hasAux: true, holomorphic: true };

/** Checks a grad-like transformation's function and options (at transformation time). */
function gradOptions(f: unknown, options: GradOptions | undefined, op: string): GradOptions {
  checkFunction(f, op);
  const opts = checkOptions(`${op}(${(f as AnyFn).name || "fn"})`, options, GRAD_KEYS);
  const { argnums, hasAux } = opts;
  if (
    argnums !== undefined &&
    !Number.isInteger(argnums) &&
    !(
      globalThis.Array.isArray(argnums) &&
      argnums.length > 0 &&
      argnums.every((a) => Number.isInteger(a))
    )
  ) {
    throw new TypeError(
      `${op}: argnums must be an integer or a non-empty list of integers, got ${kindOf(argnums)}`,
    );
  }
  if (hasAux !== undefined && typeof hasAux !== "boolean") {
    throw new TypeError(`${op}: hasAux must be a boolean, got ${kindOf(hasAux)}`);
  }
  if (opts.holomorphic !== undefined && typeof opts.holomorphic !== "boolean") {
    throw new TypeError(`${op}: holomorphic must be a boolean, got ${kindOf(opts.holomorphic)}`);
  }
  return opts;
}

function normalizeArgnums(
  argnums: number | readonly number[] | undefined,
  nargs: number,
  op: string,
): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : [...argnums];
  return list.map((a) => {
    const i = a < 0 ? a + nargs : a;
    if (!Number.isInteger(i) || i < 0 || i >= nargs) {
      throw new Error(
        `${op}: argnums ${a} is out of range for a function called with ${nargs} positional argument${nargs === 1 ? "" : "s"}`,
      );
    }
    return i;
  });
}

/**
 * JAX's input dtype checks: grad and jacrev take floats and complex numbers
 * (`inexact`), jacfwd floats only (a complex input needs `holomorphic`), and
 * with `holomorphic` every input must be complex.
 */
function checkInexactInputs(
  op: string,
  xs: Array[],
  argIndex: number,
  holomorphic = false,
  floatsOnly = false,
): void {
  for (const x of xs) {
    if (holomorphic) {
      if (!isComplex(x.dtype)) {
        throw new TypeError(
          `${op} with holomorphic: true requires inputs with complex dtype, but argument ${argIndex} has dtype ${x.dtype}`,
        );
      }
    } else if (floatsOnly ? !isFloating(x.dtype) : !isInexact(x.dtype)) {
      throw new TypeError(
        floatsOnly && isComplex(x.dtype)
          ? `${op} requires real-valued inputs (a floating dtype), but argument ${argIndex} has dtype ${x.dtype}. ` +
              "For holomorphic differentiation, pass { holomorphic: true }; for non-holomorphic " +
              "functions of complex inputs, use jvp directly."
          : `${op} requires real- or complex-valued inputs (a floating or complex dtype), but argument ${argIndex} has dtype ${x.dtype}. ` +
              "If you want to differentiate with respect to integer inputs, convert them to float first; " +
              "for integer-valued inputs that are not differentiated, leave them out of argnums.",
      );
    }
  }
}

/**
 * JAX's output dtype checks for grad and jacrev: a real output (a floating
 * dtype), or with `holomorphic` a complex one.
 */
function checkOutputDtype(op: string, y: Array, holomorphic: boolean): void {
  if (holomorphic) {
    if (!isComplex(y.dtype)) {
      throw new TypeError(
        `${op} with holomorphic: true requires outputs with complex dtype, but the output has dtype ${y.dtype}`,
      );
    }
  } else if (isComplex(y.dtype)) {
    throw new TypeError(
      `${op} requires real-valued outputs (a floating dtype), but the output has dtype ${y.dtype}. ` +
        "For holomorphic differentiation, pass { holomorphic: true }; for non-holomorphic " +
        "functions with complex outputs, use vjp directly.",
    );
  } else if (!isFloating(y.dtype)) {
    throw new TypeError(
      `${op} requires real-valued outputs (a floating dtype), but the output has dtype ${y.dtype}`,
    );
  }
}

/**
 * `jax.value_and_grad(f, { argnums, hasAux, holomorphic })`: `[value, grads]`,
 * with `hasAux` `[[value, aux], grads]`. `grads` has the type of the
 * argument at `argnums` with array leaves (a tuple of them for a list).
 */
export function valueAndGrad<
  P extends unknown[],
  A,
  const N extends Argnums<P> = Extract<Argnums<P>, 0>,
>(
  f: (...args: P) => readonly [Scalar, A],
  opts: GradAuxOpts<N>,
): (...args: P) => [[Array, AsArrays<A>], GradsOf<P, N>];
export function valueAndGrad<
  P extends unknown[],
  const N extends Argnums<P> = Extract<Argnums<P>, 0>,
>(f: (...args: P) => Scalar, opts?: GradOpts<N>): (...args: P) => [Array, GradsOf<P, N>];
export function valueAndGrad(f: AnyFn, opts?: GradOptions): AnyFn {
  return valueAndGradImpl(f, gradOptions(f, opts, "valueAndGrad"));
}

function valueAndGradImpl(f: AnyFn, options: GradOptions): (...args: unknown[]) => unknown {
  const name = f.name || "fn";
  const op = `grad(${name})`;
  return (...args: unknown[]) => {
    const argnums = normalizeArgnums(options.argnums, args.length, op);
    const diffArgs = argnums.map((i) => args[i]);
    diffArgs.forEach((a, k) => {
      checkInexactInputs(op, diffLeaves(a, op, "argument")[0], argnums[k]!, options.holomorphic);
    });
    const g = (...dargs: unknown[]) => {
      const full = [...args];
      argnums.forEach((i, k) => {
        full[i] = dargs[k];
      });
      return f(...full);
    };
    const { out, fVjp, aux } = vjpImpl(g, diffArgs, options.hasAux ?? false, op);
    const [outLeaves] = flatten(out);
    const y = outLeaves[0];
    if (outLeaves.length !== 1 || !isArray(y) || y.ndim !== 0) {
      const shape = isArray(y) ? shapeStr(y.shape) : describe(out);
      throw new TypeError(
        `${op}: gradient only defined for scalar-output functions. Output had shape: ${shape}` +
          (outLeaves.length > 1 ? ` (the output is a pytree with ${outLeaves.length} leaves)` : ""),
      );
    }
    checkOutputDtype(op, y, options.holomorphic ?? false);
    const grads = fVjp(onesLike(y.aval));
    const g0 =
      typeof options.argnums === "number" || options.argnums === undefined ? grads[0] : grads;
    return options.hasAux ? [[out, aux], g0] : [out, g0];
  };
}

/**
 * `jax.grad(f, { argnums, hasAux, holomorphic })`: for `f: (p: Params, x:
 * Array) => Array`, `(p: Params, x: Array) => Params` (Params with array
 * leaves); with a list of argnums a tuple of gradients; with `hasAux` (f
 * returning `[loss, aux]`) `[grads, aux]`.
 */
export function grad<P extends unknown[], A, const N extends Argnums<P> = Extract<Argnums<P>, 0>>(
  f: (...args: P) => readonly [Scalar, A],
  opts: GradAuxOpts<N>,
): (...args: P) => [GradsOf<P, N>, AsArrays<A>];
export function grad<P extends unknown[], const N extends Argnums<P> = Extract<Argnums<P>, 0>>(
  f: (...args: P) => Scalar,
  opts?: GradOpts<N>,
): (...args: P) => GradsOf<P, N>;
export function grad(f: AnyFn, opts?: GradOptions): AnyFn {
  const options = gradOptions(f, opts, "grad");
  const vg = valueAndGradImpl(f, options);
  const g = (...args: unknown[]) => {
    const r = vg(...args) as [unknown, unknown];
    if (options.hasAux) {
      const [[, aux], grads] = r as [[unknown, unknown], unknown];
      return [grads, aux];
    }
    return r[1];
  };
  Object.defineProperty(g, "name", { value: `grad(${f.name || "fn"})` });
  return g;
}

// --- Jacobians -------------------------------------------------------------------

/** Picks the differentiated arguments; `single` when argnums was a number. */
function splitArgs(
  args: unknown[],
  argnums: number | readonly number[] | undefined,
  op: string,
): { nums: number[]; dyn: unknown; single: boolean; call: (f: AnyFn, dynVal: unknown) => unknown } {
  const nums = normalizeArgnums(argnums, args.length, op);
  const single = argnums === undefined || typeof argnums === "number";
  const dyn = single ? args[nums[0]!] : nums.map((i) => args[i]);
  const call = (f: AnyFn, dynVal: unknown): unknown => {
    const full = [...args];
    if (single) full[nums[0]!] = dynVal;
    else
      nums.forEach((i, k) => {
        full[i] = (dynVal as unknown[])[k];
      });
    return f(...full);
  };
  return { nums, dyn, single, call };
}

/** Stacks the standard basis of the flat leaves: one row per scalar input, shaped like each leaf. */
function stdBasis(leaves: Array[]): Array[] {
  const total = leaves.reduce((n, l) => n + l.size, 0);
  const dtype = leaves[0]?.dtype ?? "float32";
  const eye = eyeArray(total, dtype);
  let offset = 0;
  return leaves.map((l) => {
    const part = sliceCols(eye, offset, offset + l.size);
    offset += l.size;
    return reshape(part, [total, ...l.shape]);
  });
}

/**
 * `jax.jacfwd(f, { argnums, hasAux, holomorphic })`: forward mode, one JVP
 * per input entry, batched with vmap. Typed `Jacobian<R, In>`: f's output
 * structure, each leaf holding the differentiated argument's structure.
 */
export function jacfwd<
  P extends unknown[],
  R,
  A,
  const N extends Argnums<P> = Extract<Argnums<P>, 0>,
>(
  f: (...args: P) => readonly [R, A],
  opts: GradAuxOpts<N>,
): (...args: P) => [Jacobian<R, Selected<P, N>>, AsArrays<A>];
export function jacfwd<P extends unknown[], R, const N extends Argnums<P> = Extract<Argnums<P>, 0>>(
  f: (...args: P) => R,
  opts?: GradOpts<N>,
): (...args: P) => Jacobian<R, Selected<P, N>>;
export function jacfwd(f: AnyFn, opts?: GradOptions): AnyFn {
  return jacfwdImpl(f, gradOptions(f, opts, "jacfwd"));
}

function jacfwdImpl(f: AnyFn, options: GradOptions): (...args: unknown[]) => unknown {
  const op = `jacfwd(${f.name || "fn"})`;
  return (...args: unknown[]) => {
    const { dyn, call } = splitArgs(args, options.argnums, op);
    const [inLeaves, inTree] = diffLeaves(dyn, op, "argument");
    inLeaves.forEach((x, i) => checkInexactInputs(op, [x], i, options.holomorphic, true));
    let aux: unknown = null;
    const fFlat = (...xs: Array[]): Array[] => {
      let out = call(f, inTree.unflatten(xs));
      if (options.hasAux) {
        aux = (out as unknown[])[1];
        out = (out as unknown[])[0];
      }
      return toArrayLeaves(out, op, "output")[0];
    };
    const pushfwd = (...tangents: Array[]) =>
      jvpFlat(fFlat, inLeaves, tangents)[1].map(instantiate);
    const basis = stdBasis(inLeaves);
    const cols = vmap(pushfwd, { inAxes: 0, outAxes: -1 })(...basis) as Array[];
    const [ys, outTree] = evalOutTree(f, call, inTree, inLeaves, options.hasAux ?? false);
    const jac = ys.map((y, k) => {
      const col = cols[k]!;
      let offset = 0;
      const perInput = inLeaves.map((x) => {
        const part = sliceLast(col, offset, offset + x.size);
        offset += x.size;
        return reshape(part, [...y.shape, ...x.shape]);
      });
      return inTree.unflatten(perInput);
    });
    const result = outTree.unflatten(jac);
    return options.hasAux ? [result, aux] : result;
  };
}

/** `jax.jacrev(f, { argnums, hasAux, holomorphic })`: reverse mode, one VJP per output entry, batched with vmap; typed as jacfwd. */
export function jacrev<
  P extends unknown[],
  R,
  A,
  const N extends Argnums<P> = Extract<Argnums<P>, 0>,
>(
  f: (...args: P) => readonly [R, A],
  opts: GradAuxOpts<N>,
): (...args: P) => [Jacobian<R, Selected<P, N>>, AsArrays<A>];
export function jacrev<P extends unknown[], R, const N extends Argnums<P> = Extract<Argnums<P>, 0>>(
  f: (...args: P) => R,
  opts?: GradOpts<N>,
): (...args: P) => Jacobian<R, Selected<P, N>>;
export function jacrev(f: AnyFn, opts?: GradOptions): AnyFn {
  return jacrevImpl(f, gradOptions(f, opts, "jacrev"));
}

function jacrevImpl(f: AnyFn, options: GradOptions): (...args: unknown[]) => unknown {
  const op = `jacrev(${f.name || "fn"})`;
  return (...args: unknown[]) => {
    const { dyn, call } = splitArgs(args, options.argnums, op);
    const [inLeaves, inTree] = diffLeaves(dyn, op, "argument");
    inLeaves.forEach((x, i) => checkInexactInputs(op, [x], i, options.holomorphic));
    const g: AnyFn = (dynVal: unknown) => call(f, dynVal);
    const { out, fVjp, aux } = vjpImpl(
      g,
      [inTree.unflatten(inLeaves)],
      options.hasAux ?? false,
      op,
    );
    const [ys, outTree] = toArrayLeaves(out, op, "output");
    for (const y of ys) checkOutputDtype(op, y, options.holomorphic ?? false);
    const basis = stdBasis(ys);
    const pullback = (...cts: Array[]) =>
      toArrayLeaves(fVjp(outTree.unflatten(cts)), op, "cotangent")[0];
    const rows = vmap(pullback, { inAxes: 0, outAxes: 0 })(...basis) as Array[];
    let offset = 0;
    const jac = ys.map((y) => {
      const perInput = inLeaves.map((x, i) => {
        const part = sliceFirst(rows[i]!, offset, offset + y.size);
        return reshape(part, [...y.shape, ...x.shape]);
      });
      offset += y.size;
      return inTree.unflatten(perInput);
    });
    const result = outTree.unflatten(jac);
    return options.hasAux ? [result, aux] : result;
  };
}

/** `jax.hessian(f)`: jacfwd of jacrev, as JAX builds it; typed as the Jacobian of the Jacobian. */
export function hessian<
  P extends unknown[],
  R,
  A,
  const N extends Argnums<P> = Extract<Argnums<P>, 0>,
>(
  f: (...args: P) => readonly [R, A],
  opts: GradAuxOpts<N>,
): (...args: P) => [Jacobian<Jacobian<R, Selected<P, N>>, Selected<P, N>>, AsArrays<A>];
export function hessian<
  P extends unknown[],
  R,
  const N extends Argnums<P> = Extract<Argnums<P>, 0>,
>(
  f: (...args: P) => R,
  opts?: GradOpts<N>,
): (...args: P) => Jacobian<Jacobian<R, Selected<P, N>>, Selected<P, N>>;
export function hessian(f: AnyFn, opts?: GradOptions): AnyFn {
  const options = gradOptions(f, opts, "hessian");
  return jacfwdImpl(jacrevImpl(f, options), options);
}

/** Runs f once more (cheaply, values only) for the output structure and leaves. */
function evalOutTree(
  f: AnyFn,
  call: (f: AnyFn, dynVal: unknown) => unknown,
  inTree: TreeDef,
  inLeaves: Array[],
  hasAux: boolean,
): [Array[], TreeDef] {
  let out = call(f, inTree.unflatten(inLeaves));
  if (hasAux) out = (out as unknown[])[0];
  return toArrayLeaves(out, "jacfwd", "output");
}

function eyeArray(n: number, dtype: Array["dtype"]): Array {
  return convertElementType(
    eq(broadcastedIota("int32", [n, n], 0), broadcastedIota("int32", [n, n], 1)),
    dtype,
  );
}
function sliceCols(x: Array, start: number, stop: number): Array {
  return sliceInDim(x, start, stop, 1, 1);
}
function sliceLast(x: Array, start: number, stop: number): Array {
  return sliceInDim(x, start, stop, 1, x.ndim - 1);
}
function sliceFirst(x: Array, start: number, stop: number): Array {
  return sliceInDim(x, start, stop, 1, 0);
}
