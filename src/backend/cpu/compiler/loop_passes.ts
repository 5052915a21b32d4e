/**
 * Products moved out of scans (a compiler pass, passes.ts): the per-step
 * products that do not depend on the loop's order become one large product
 * outside it, which runs on the packed GEMM split across threads instead of
 * T small ones in sequence.
 *
 * - Hoisting: a body product `dot_general(x, W)` of an xs row and a
 *   constant is `dot_general(X, W)` over the stacked xs before the loop
 *   (its rows are a new xs of the body). An RNN's input projection.
 * - Accumulator sinking: a carry whose only update is `c + dot_general(a,
 *   b)` (perhaps transposed) or `c + reduce_sum(a)`, with a and b per-step
 *   values, is `init + dot_general(A, B)` (or a reduce_sum) over the
 *   stacked a and b, contracting the scan axis too, after the loop; the
 *   carry leaves the loop. Reverse mode makes these for every weight
 *   gradient of a scan (the transposed scan accumulates them).
 *
 * Both change the order of floating-point sums (one product over T·n terms
 * instead of T partial sums); eager scans compile through the same pass
 * (control_flow/common.ts runCompiledLoop), so jit and eager still agree.
 * RNN value+grad (T 50, batch 32, 32 → 128), one thread: 7.3 → 6.1 ms (min of 100).
 */
import { ShapedArray } from "../../../core/aval.js";
import { type Atom, ClosedJaxpr, Jaxpr, type JaxprEqn, Var } from "../../../core/jaxpr.js";
import { type ScanParams, scanP } from "../../../lax/control_flow/scan.js";
import { type DotGeneralParams, dotGeneralP } from "../../../lax/dot.js";
import { addP } from "../../../lax/elementwise.js";
import { type ReduceParams, reduceSumP } from "../../../lax/reductions.js";
import { type TransposeParams, transposeP } from "../../../lax/shape_ops.js";
import { shapesEqual } from "../../../shape.js";

export function scanProducts(jaxpr: Jaxpr): Jaxpr {
  if (!jaxpr.eqns.some((e) => e.primitive === scanP)) return jaxpr;
  const used = new Set<Var>();
  for (const e of jaxpr.eqns) for (const a of e.inputs) if (a instanceof Var) used.add(a);
  for (const a of jaxpr.outs) if (a instanceof Var) used.add(a);
  const subst = new Map<Var, Atom>();
  const read = (a: Atom): Atom => (a instanceof Var ? (subst.get(a) ?? a) : a);
  const eqns: JaxprEqn[] = [];
  for (const e0 of jaxpr.eqns) {
    const e = { ...e0, inputs: e0.inputs.map(read) };
    if (e.primitive !== scanP) {
      eqns.push(e);
      continue;
    }
    const r = rewriteScan(e) ?? [e];
    for (const q of r) for (const a of q.inputs) if (a instanceof Var) used.add(a);
    for (const q of r) eqns.push(q.primitive === scanP ? tidyScan(q, used, subst) : q);
  }
  return new Jaxpr(jaxpr.constvars, jaxpr.inBinders, eqns, jaxpr.outs.map(read));
}

/**
 * A scan without the outputs nothing reads, ys that restack an xs (the xs
 * itself is used) or repeat another ys, and inputs its body does not read.
 * Reverse mode's forward scans stack such residuals. `subst` maps the
 * dropped outputs to what replaces them.
 */
function tidyScan(e: JaxprEqn, used: ReadonlySet<Var>, subst: Map<Var, Atom>): JaxprEqn {
  const p = e.params as ScanParams;
  if (p.jaxpr.consts.length > 0) return e;
  const bj = p.jaxpr.jaxpr;
  const nC = p.numConsts;
  const nK = p.numCarry;
  const binders = bj.inBinders;
  const keepY: boolean[] = [];
  bj.outs.slice(nK).forEach((o, j) => {
    const outer = e.outBinders[nK + j]!;
    const x = o instanceof Var ? binders.indexOf(o) - nC - nK : -1;
    const first = bj.outs.indexOf(o, nK);
    if (!used.has(outer)) keepY.push(false);
    else if (x >= 0 && p.length > 0) {
      subst.set(outer, e.inputs[nC + nK + x]!);
      keepY.push(false);
    } else if (
      o instanceof Var &&
      first < nK + j &&
      (keepY[first - nK] || subst.has(e.outBinders[first]!))
    ) {
      // biome-ignore format: long
      subst.set(outer, subst.get(e.outBinders[first]!) ?? e.outBinders[first]!);
      keepY.push(false);
    } else keepY.push(true);
  });
  const outs = [...bj.outs.slice(0, nK), ...bj.outs.slice(nK).filter((_, j) => keepY[j])];
  const read = new Set<Var>();
  for (const q of bj.eqns) for (const a of q.inputs) if (a instanceof Var) read.add(a);
  for (const a of outs) if (a instanceof Var) read.add(a);
  const keepIn = binders.map((v, i) => (i >= nC && i < nC + nK) || read.has(v));
  if (keepY.every((k) => k) && keepIn.every((k) => k)) return e;
  const body = new Jaxpr(
    [],
    binders.filter((_, i) => keepIn[i]),
    bj.eqns,
    outs,
  );
  return {
    ...e,
    inputs: e.inputs.filter((_, i) => keepIn[i]),
    params: {
      ...p,
      jaxpr: new ClosedJaxpr(body, []),
      numConsts: keepIn.slice(0, nC).filter((k) => k).length,
    },
    outBinders: [
      ...e.outBinders.slice(0, nK),
      ...e.outBinders.slice(nK).filter((_, j) => keepY[j]),
    ],
  };
}

const eqn = (primitive: JaxprEqn["primitive"], inputs: Atom[], params: object, out: Var): JaxprEqn => ({ primitive, inputs, params, outBinders: [out] }); // biome-ignore format: long

/** The scan `e` with its products moved out: equations before it, the scan, after it; null: unchanged. */
function rewriteScan(e: JaxprEqn): JaxprEqn[] | null {
  const p = e.params as ScanParams;
  const body = p.jaxpr;
  if (body.consts.length > 0 || p.length === 0) return null;
  const bj = body.jaxpr;
  const nC = p.numConsts;
  const nK = p.numCarry;
  const binders = bj.inBinders;
  const outs = bj.outs;
  const T = p.length;
  const uses = new Map<Var, number>();
  const producer = new Map<Var, JaxprEqn>();
  for (const q of bj.eqns) {
    for (const a of q.inputs) if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
    for (const v of q.outBinders) producer.set(v, q);
  }
  for (const a of outs) if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  const binderIndex = new Map<Var, number>();
  binders.forEach((v, i) => binderIndex.set(v, i));
  const isConst = (v: Var) => (binderIndex.get(v) ?? nC) < nC;
  const xsIndex = (v: Var) => {
    const i = binderIndex.get(v);
    return i === undefined || i < nC + nK ? -1 : i - nC - nK;
  };
  const stacked = (a: ShapedArray) => new ShapedArray([T, ...a.shape], a.dtype, a.weakType);

  const removed = new Set<JaxprEqn>();
  const pre: JaxprEqn[] = [];
  const post: JaxprEqn[] = [];
  const newXs: { binder: Var; outer: Atom }[] = [];
  const newYs: { inner: Var; outer: Var }[] = [];
  const dropped = new Set<number>();
  /** The outer array stacking body value v over the steps (an xs input, a ys, or a new ys). */
  const stackOf = (v: Var): Atom => {
    const x = xsIndex(v);
    if (x >= 0) return e.inputs[nC + nK + x]!;
    const j = outs.indexOf(v, nK);
    if (j >= 0) return e.outBinders[j]!;
    const have = newYs.find((y) => y.inner === v);
    if (have !== undefined) return have.outer;
    const outer = new Var(stacked(v.aval));
    newYs.push({ inner: v, outer });
    return outer;
  };

  // Accumulator sinking.
  for (let k = 0; k < nK; k++) {
    const cin = binders[nC + k]!;
    const cout = outs[k];
    if (!(cout instanceof Var) || uses.get(cin) !== 1 || uses.get(cout) !== 1) continue;
    const add = producer.get(cout);
    if (add?.primitive !== addP) continue;
    const [a0, a1] = add.inputs;
    const other = a0 === cin ? a1 : a1 === cin ? a0 : null;
    if (!(other instanceof Var) || uses.get(other) !== 1) continue;
    if (!shapesEqual(other.aval.shape, cin.aval.shape) || other.aval.dtype !== cin.aval.dtype) continue; // biome-ignore format: long
    let src = other;
    let tr = producer.get(src);
    let perm: readonly number[] | null = null;
    if (
      tr?.primitive === transposeP &&
      tr.inputs[0] instanceof Var &&
      uses.get(tr.inputs[0]) === 1
    ) {
      perm = (tr.params as TransposeParams).permutation;
      src = tr.inputs[0];
    } else tr = undefined;
    const pe = producer.get(src);
    if (pe === undefined) continue;
    const perStep = (a: Atom): a is Var => a instanceof Var && !isConst(a);
    let sum: Var;
    if (pe.primitive === dotGeneralP) {
      const params = pe.params as DotGeneralParams;
      const [[lc, rc], [lb]] = params.dimension_numbers;
      const [l, r] = pe.inputs;
      if (lb.length > 0 || !perStep(l!) || !perStep(r!)) continue;
      sum = new Var(src.aval);
      const dims: DotGeneralParams["dimension_numbers"] = [
        [
          [0, ...lc.map((d) => d + 1)],
          [0, ...rc.map((d) => d + 1)],
        ],
        [[], []],
      ];
      post.push(eqn(dotGeneralP, [stackOf(l), stackOf(r)], { ...params, dimension_numbers: dims }, sum)); // biome-ignore format: long
    } else if (pe.primitive === reduceSumP) {
      const [x] = pe.inputs;
      if (!perStep(x!)) continue;
      sum = new Var(src.aval);
      const axes = [0, ...(pe.params as ReduceParams).axes.map((a) => a + 1)];
      post.push(eqn(reduceSumP, [stackOf(x)], { ...pe.params, axes }, sum));
    } else continue;
    if (perm !== null) {
      const t = new Var(other.aval);
      post.push(eqn(transposeP, [sum], { permutation: perm }, t));
      sum = t;
    }
    const init = e.inputs[nC + k]!;
    post.push(eqn(addP, a0 === cin ? [init, sum] : [sum, init], add.params, e.outBinders[k]!));
    removed.add(add);
    removed.add(pe);
    if (tr !== undefined) removed.add(tr);
    dropped.add(k);
  }

  // Hoisting products of an xs row and a constant.
  for (const q of bj.eqns) {
    if (q.primitive !== dotGeneralP || removed.has(q)) continue;
    const params = q.params as DotGeneralParams;
    const [[lc, rc], [lb]] = params.dimension_numbers;
    const [l, r] = q.inputs;
    if (lb.length > 0 || !(l instanceof Var) || !(r instanceof Var)) continue;
    if (xsIndex(l) < 0 || !isConst(r)) continue;
    const out = q.outBinders[0]!;
    const all = new Var(stacked(out.aval));
    const dims: DotGeneralParams["dimension_numbers"] = [
      [lc.map((d) => d + 1), rc],
      [[], []],
    ];
    pre.push(eqn(dotGeneralP, [stackOf(l), e.inputs[binderIndex.get(r)!]!], { ...params, dimension_numbers: dims }, all)); // biome-ignore format: long
    newXs.push({ binder: out, outer: all });
    removed.add(q);
  }

  if (removed.size === 0) return null;
  const keepCarry = (_: unknown, k: number) => !dropped.has(k);
  const newBody = new Jaxpr(
    [],
    [
      ...binders.slice(0, nC),
      ...binders.slice(nC, nC + nK).filter(keepCarry),
      ...binders.slice(nC + nK),
      ...newXs.map((x) => x.binder),
    ],
    bj.eqns.filter((q) => !removed.has(q)),
    [...outs.slice(0, nK).filter(keepCarry), ...outs.slice(nK), ...newYs.map((y) => y.inner)],
  );
  const params: ScanParams = {
    ...p,
    jaxpr: new ClosedJaxpr(newBody, []),
    numCarry: nK - dropped.size,
  };
  const scan: JaxprEqn = {
    primitive: scanP,
    inputs: [
      ...e.inputs.slice(0, nC),
      ...e.inputs.slice(nC, nC + nK).filter(keepCarry),
      ...e.inputs.slice(nC + nK),
      ...newXs.map((x) => x.outer),
    ],
    params,
    outBinders: [
      ...e.outBinders.slice(0, nK).filter(keepCarry),
      ...e.outBinders.slice(nK),
      ...newYs.map((y) => y.outer),
    ],
  };
  return [...pre, scan, ...post];
}
