/**
 * Lowering a fused group of jaxpr equations to one kernel (ir/kernel.ts).
 *
 * Values are built on demand, from the group's outputs backwards: a value is
 * requested at a coordinate (one affine function of the loop indices per
 * dimension of the value). What each equation does comes from its
 * primitive's `lower` rule: elementwise equations pass the coordinate on to
 * their operands and emit their scalar function; views (broadcast_in_dim,
 * transpose, squeeze, reshape) rewrite it; a value that lives in a buffer becomes a load at the row-major offset
 * of the coordinate. Identical requests share one node (CSE within the
 * kernel). A reshape that cannot be expressed affinely (merging dims of a
 * computed, not stored, value) raises `NotAffine` naming the value to store.
 */
import { type Atom, type JaxprEqn, Literal, Var } from "../../../core/jaxpr.js";
import type { Lowering } from "../../../core/primitive.js";
import { type DType, isComplex, isDType, isHalf, isInt64 } from "../../../dtype.js";
import {
  type Affine,
  affineCombine,
  type BinaryOp,
  isComparison,
  type Kernel,
  type KernelArg,
  type KernelOutput,
  type Node,
  nodeDtype,
  type ReduceOp,
  type ScalarBuilder,
  type UnaryOp,
} from "../../../ir/kernel.js";
import { stridesOf } from "../../../shape.js";

/** A value that must be stored in a buffer for the group to be expressible. */
export class NotAffine extends Error {
  constructor(readonly v: Var) {
    super("reshape of a computed value is not affine in the loop indices");
  }
}

// --- Which equations fuse (from each primitive's lower rule) ---------------------------

/** What the target can compute: the backend's answer for an op on a dtype. */
export interface TargetSupport {
  unary(op: UnaryOp, dtype: DType): boolean;
  binary(op: BinaryOp, dtype: DType): boolean;
}

export type EqnKind = "elementwise" | "view" | "reduce" | "library" | "other";

/** A builder that only checks that the target computes every node a lowering emits. */
class SupportProbe implements ScalarBuilder {
  private dtypes: DType[];
  ok = true;
  constructor(
    inputs: readonly DType[],
    private target: TargetSupport,
  ) {
    this.dtypes = [...inputs];
  }
  private push(d: DType): number {
    this.dtypes.push(d);
    return this.dtypes.length - 1;
  }
  dtype(x: number): DType {
    return this.dtypes[x]!;
  }
  konst(_v: number, dtype: DType): number {
    return this.push(dtype);
  }
  unary(fn: UnaryOp, x: number): number {
    if (!this.target.unary(fn, this.dtype(x))) this.ok = false;
    return this.push(fn === "is_finite" ? "bool" : this.dtype(x));
  }
  binary(fn: BinaryOp, a: number): number {
    if (!this.target.binary(fn, this.dtype(a))) this.ok = false;
    return this.push(isComparison(fn) ? "bool" : this.dtype(a));
  }
  select(_w: number, cases: readonly number[]): number {
    return this.push(this.dtype(cases[0]!));
  }
  convert(x: number, to: DType): number {
    return this.dtype(x) === to ? x : this.push(to);
  }
  coord(_dim: number, dtype: DType): number {
    return this.push(dtype);
  }
}

/** How an equation takes part in fusion, from its primitive's lower rule and the target. */
export function eqnKind(e: JaxprEqn, target: TargetSupport): EqnKind {
  const lowering = e.primitive.rules.lower as Lowering<object> | null;
  if (lowering === null) return "other";
  // The half dtypes run their JS kernels (backend/cpu/halves.ts) inside the program: the
  // target computes no half arithmetic, loads or stores (a capability, not a fallback).
  // So do the complex dtypes (backend/cpu/complex.ts: the target computes on real numbers)
  // and the 64-bit integers (backend/cpu/int64.ts: the target computes on 32-bit words).
  const special = (d: DType): boolean => isHalf(d) || isComplex(d) || isInt64(d);
  if (
    e.inputs.some((a) => special(a.aval.dtype)) ||
    e.outBinders.some((v) => special(v.aval.dtype)) ||
    Object.values(e.params).some((v) => isDType(v) && special(v))
  )
    return "other";
  if (lowering.kind === "library") return "library";
  if (e.outBinders.length !== 1) return "other";
  switch (lowering.kind) {
    case "view":
      return lowering.applies === undefined || lowering.applies(e.params) ? "view" : "other";
    case "reduce":
      return "reduce";
    case "elementwise": {
      const probe = new SupportProbe(
        e.inputs.map((a) => a.aval.dtype),
        target,
      );
      lowering.emit(
        probe,
        e.inputs.map((_, k) => k),
        e.params,
      );
      return probe.ok ? "elementwise" : "other";
    }
  }
}

export function reduceOpOf(e: JaxprEqn): ReduceOp {
  const lowering = e.primitive.rules.lower as Lowering<object> | null;
  if (lowering?.kind !== "reduce") {
    throw new Error(
      `compiler: '${e.primitive.name}' is not a reduction (a bug in the fusion pass)`,
    );
  }
  return lowering.op;
}

// --- Affine index arithmetic ----------------------------------------------------------------

function unit(rank: number, d: number): Affine {
  const coeffs = new Array<number>(rank).fill(0);
  coeffs[d] = 1;
  return { offset: 0, coeffs };
}

const combine = affineCombine;

const affineKey = (a: Affine): string => `${a.offset}:${a.coeffs.join(",")}`;

/**
 * The coordinates in `shape` of the row-major offset `lin`, each affine, when
 * every loop index (of extent `extents[d]`) moves a single digit without
 * carries; null otherwise.
 */
function unflatten(
  lin: Affine,
  shape: readonly number[],
  extents: readonly number[],
): Affine[] | null {
  const rank = extents.length;
  const strides = stridesOf(shape);
  const out = shape.map(() => ({ offset: 0, coeffs: new Array<number>(rank).fill(0) }));
  const total = shape.reduce((a, b) => a * b, 1);
  // The constant part: its exact digits.
  let rest = lin.offset;
  if (rest < 0 || rest >= Math.max(total, 1)) return null;
  // An empty value is never read (the loop box is empty too): all its coordinates are 0.
  if (total === 0) return out;
  shape.forEach((s, k) => {
    out[k]!.offset = Math.floor(rest / strides[k]!) % s;
  });
  rest = 0;
  for (let d = 0; d < rank; d++) {
    const c = lin.coeffs[d]!;
    if (c === 0 || extents[d]! <= 1) continue;
    const k = shape.findIndex((s, j) => s > 1 && strides[j]! <= c && c < strides[j]! * s);
    if (k < 0 || c % strides[k]! !== 0) return null;
    out[k]!.coeffs[d] = c / strides[k]!;
  }
  // No digit may overflow at the largest indices.
  for (let k = 0; k < shape.length; k++) {
    const a = out[k]!;
    const max = a.offset + a.coeffs.reduce((m, c, d) => m + c * (extents[d]! - 1), 0);
    if (max >= shape[k]!) return null;
  }
  return out;
}

// --- The kernel builder ------------------------------------------------------------------------

/** What the lowering needs to know of the program around the group. */
export interface GroupContext {
  /** The equation producing a var (undefined for program inputs). */
  producer(v: Var): JaxprEqn | undefined;
  /** Whether a var is read from a buffer (stored by an earlier step, or a program input). */
  stored(v: Var): boolean;
}

export interface LoweredKernel {
  kernel: Kernel;
  /** The var behind each kernel argument (inputs first, then outputs). */
  argVars: Var[];
}

class Builder {
  readonly nodes: Node[] = [];
  private memo = new Map<string, number>();
  private varIds = new Map<Var, number>();
  readonly inputs: Var[] = [];
  private inputArg = new Map<Var, number>();

  constructor(
    readonly extents: readonly number[],
    private ctx: GroupContext,
    /** Vars computed by this kernel (its outputs): never loaded, always computed. */
    private own: ReadonlySet<Var>,
  ) {}

  private add(n: Node, key: string): number {
    const prev = this.memo.get(key);
    if (prev !== undefined) return prev;
    this.nodes.push(n);
    this.memo.set(key, this.nodes.length - 1);
    return this.nodes.length - 1;
  }

  private id(v: Var): number {
    let id = this.varIds.get(v);
    if (id === undefined) {
      id = this.varIds.size;
      this.varIds.set(v, id);
    }
    return id;
  }

  private konst(value: number, dtype: DType): number {
    // -0 and 0 are different constants (String(-0) is "0").
    return this.add(
      { op: "const", value, dtype },
      `c${dtype}:${Object.is(value, -0) ? "-0" : value}`,
    );
  }

  private unary(fn: UnaryOp, x: number, dtype: DType): number {
    return this.add({ op: "unary", fn, x, dtype }, `u${fn}:${x}:${dtype}`);
  }

  private binary(fn: BinaryOp, a: number, b: number, dtype: DType): number {
    return this.add({ op: "binary", fn, a, b, dtype }, `b${fn}:${a}:${b}:${dtype}`);
  }

  /** The node computing `a` at coordinate `coords` (one affine per dim of a). */
  value(a: Atom, coords: readonly Affine[]): number {
    if (a instanceof Literal) return this.konst(Number(a.value), a.aval.dtype);
    const v = a;
    const key = `v${this.id(v)}@${coords.map(affineKey).join("|")}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const n = this.compute(v, coords);
    this.memo.set(key, n);
    return n;
  }

  private load(v: Var, coords: readonly Affine[]): number {
    return this.loadAt(v, combine(this.extents.length, coords, stridesOf(v.aval.shape)));
  }

  /** A load of the stored var v at row-major element offset `index`. */
  private loadAt(v: Var, index: Affine): number {
    let arg = this.inputArg.get(v);
    if (arg === undefined) {
      arg = this.inputs.length;
      this.inputs.push(v);
      this.inputArg.set(v, arg);
    }
    return this.add({ op: "load", arg, index, dtype: v.aval.dtype }, `l${arg}@${affineKey(index)}`);
  }

  private compute(v: Var, coords: readonly Affine[]): number {
    const e = this.ctx.producer(v);
    if (e === undefined || (this.ctx.stored(v) && !this.own.has(v))) return this.load(v, coords);
    const rank = this.extents.length;
    const ins = e.inputs;
    const lowering = e.primitive.rules.lower as Lowering<object> | null;
    if (lowering?.kind === "elementwise") {
      // 0-d operands (a select_n predicate, clamp bounds) are read at the empty coordinate.
      const xs = ins.map((a) => this.value(a, a.aval.ndim === 0 ? [] : coords));
      return lowering.emit(this.scalars(coords), xs, e.params);
    }
    if (lowering?.kind === "view") {
      const x = ins[0]!;
      const at = lowering.index(coords, { rank, operand: x.aval, out: v.aval }, e.params);
      if ("coords" in at) return this.value(x, at.coords);
      if (x instanceof Var && this.ctx.stored(x) && !this.own.has(x)) {
        // A stored value is row-major: the offset is the same.
        return this.loadAt(x, at.flat);
      }
      const xc = unflatten(at.flat, x.aval.shape, this.extents);
      if (xc === null) throw new NotAffine(x as Var);
      return this.value(x, xc);
    }
    throw new Error(`compiler: '${e.primitive.name}' cannot be fused (a bug in the fusion pass)`);
  }

  /** The ScalarBuilder an elementwise lowering emits into, at output coordinate `coords`. */
  private scalars(coords: readonly Affine[]): ScalarBuilder {
    const dtype = (x: number): DType => nodeDtype(this.nodes[x]!);
    return {
      dtype,
      konst: (value, d) => this.konst(value, d),
      unary: (fn, x) => this.unary(fn, x, dtype(x)),
      binary: (fn, a, b) => this.binary(fn, a, b, dtype(a)),
      select: (which, cases) =>
        this.add(
          { op: "select", which, cases, dtype: dtype(cases[0]!) },
          `s${which}:${cases.join(",")}`,
        ),
      convert: (x, to) => {
        const from = dtype(x);
        if (from === to) return x;
        return this.add({ op: "convert", x, from, dtype: to }, `cv${x}:${to}`);
      },
      coord: (dim, d) => {
        const index = coords[dim]!;
        return this.add({ op: "coord", index, dtype: d }, `i${affineKey(index)}:${d}`);
      },
    };
  }
}

/**
 * One elementwise kernel computing `outs` (all of one shape) over that
 * shape, or a reduction kernel when `reduce` is given (one output: the
 * reduction over `axes` of the reduce equation's operand).
 */
export function lowerGroup(
  outs: readonly Var[],
  ctx: GroupContext,
  reduce?: { eqn: JaxprEqn; axes: readonly number[] },
): LoweredKernel {
  const own = new Set(outs);
  let extents: readonly number[];
  let reduced: boolean[];
  let b: Builder;
  let nodes: number[];
  if (reduce !== undefined) {
    const x = reduce.eqn.inputs[0]!;
    extents = x.aval.shape;
    reduced = extents.map((_, d) => reduce.axes.includes(d));
    b = new Builder(extents, ctx, own);
    nodes = [
      b.value(
        x,
        extents.map((_, d) => unit(extents.length, d)),
      ),
    ];
  } else {
    extents = outs[0]!.aval.shape;
    reduced = extents.map(() => false);
    b = new Builder(extents, ctx, own);
    const id = extents.map((_, d) => unit(extents.length, d));
    nodes = outs.map((v) => b.value(v, id));
  }
  const args: KernelArg[] = [
    ...b.inputs.map((v) => ({ dtype: v.aval.dtype, output: false, size: v.aval.size })),
    ...outs.map((v) => ({ dtype: v.aval.dtype, output: true, size: v.aval.size })),
  ];
  const outputs: KernelOutput[] = outs.map((_, k) => ({
    arg: b.inputs.length + k,
    node: nodes[k]!,
  }));
  const kernel: Kernel = {
    args,
    shape: extents,
    reduced,
    nodes: b.nodes,
    outputs,
    reduce: reduce === undefined ? null : reduceOpOf(reduce.eqn),
  };
  return { kernel: coalesce(kernel), argVars: [...b.inputs, ...outs] };
}

// --- Loop coalescing ---------------------------------------------------------------------

/**
 * Merges adjacent loop dims d, d+1 (both reduced or both kept) when every
 * affine index steps through them as through one dim, and drops extent-1
 * dims: an elementwise kernel over contiguous buffers becomes a single loop.
 */
export function coalesce(k: Kernel): Kernel {
  // Row-major output strides over the kept dims: they are affines too.
  const keptStrides = (() => {
    const kept = k.shape.filter((_, d) => !k.reduced[d]);
    const s = stridesOf(kept);
    let j = 0;
    return k.shape.map((_, d) => (k.reduced[d] ? 0 : s[j++]!));
  })();
  const affines: number[][] = [keptStrides];
  for (const n of k.nodes) {
    if (n.op === "load" || n.op === "coord") affines.push([...n.index.coeffs]);
  }
  let shape = [...k.shape];
  let reduced = [...k.reduced];
  const keep = shape.map((s) => s !== 1);
  let dims = shape.map((_, d) => d).filter((d) => keep[d]);
  // groups[j]: the original dims merged into new dim j (innermost last).
  const groups: number[][] = [];
  for (const d of dims) {
    const last = groups[groups.length - 1];
    if (last !== undefined) {
      const inner = last[last.length - 1]!;
      // d is inner to `inner`... dims are visited outermost first, so `d` is the next inner dim.
      const ok =
        reduced[inner] === reduced[d] && affines.every((co) => co[inner] === co[d]! * shape[d]!);
      if (ok) {
        last.push(d);
        continue;
      }
    }
    groups.push([d]);
  }
  dims = groups.map((g) => g[g.length - 1]!);
  const newShape = groups.map((g) => g.reduce((p, d) => p * shape[d]!, 1));
  reduced = groups.map((g) => reduced[g[0]!]!);
  const remap = (a: Affine): Affine => ({
    offset: a.offset,
    coeffs: dims.map((d) => a.coeffs[d]!),
  });
  const nodes = k.nodes.map(
    (n): Node => (n.op === "load" || n.op === "coord" ? { ...n, index: remap(n.index) } : n),
  );
  shape = newShape;
  return { ...k, shape, reduced, nodes };
}
