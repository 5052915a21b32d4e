/**
 * Lowering a fused group of jaxpr equations to one kernel (ir/kernel.ts).
 *
 * Values are built on demand, from the group's outputs backwards: a value is
 * requested at a coordinate (one affine function of the loop indices per
 * dimension of the value). Elementwise equations pass the coordinate on to
 * their operands; broadcast_in_dim, transpose, squeeze and reshape rewrite
 * it; a value that lives in a buffer becomes a load at the row-major offset
 * of the coordinate. Identical requests share one node (CSE within the
 * kernel). A reshape that cannot be expressed affinely (merging dims of a
 * computed, not stored, value) raises `NotAffine` naming the value to store.
 */
import { type Atom, type JaxprEqn, Literal, Var } from "../../../core/jaxpr.js";
import type { DType } from "../../../dtype.js";
import { stridesOf } from "../../../shape.js";
import type {
  Affine,
  BinaryOp,
  Kernel,
  KernelArg,
  KernelOutput,
  Node,
  ReduceOp,
  UnaryOp,
} from "../../../ir/kernel.js";

/** A value that must be stored in a buffer for the group to be expressible. */
export class NotAffine extends Error {
  constructor(readonly v: Var) {
    super("reshape of a computed value is not affine in the loop indices");
  }
}

// --- Which equations fuse ------------------------------------------------------------

const UNARY: Record<string, UnaryOp> = {
  neg: "neg", sign: "sign", floor: "floor", ceil: "ceil", is_finite: "is_finite", exp: "exp",
  exp2: "exp2", log: "log", log1p: "log1p", expm1: "expm1", tanh: "tanh", logistic: "logistic",
  sin: "sin", cos: "cos", tan: "tan", asin: "asin", acos: "acos", atan: "atan", sinh: "sinh",
  cosh: "cosh", asinh: "asinh", acosh: "acosh", atanh: "atanh", sqrt: "sqrt", rsqrt: "rsqrt",
  cbrt: "cbrt", abs: "abs", square: "square", not: "not", population_count: "population_count",
  clz: "clz", erf: "erf", erfc: "erfc",
}; // biome-ignore format: a table

const BINARY: Record<string, BinaryOp> = {
  add: "add", sub: "sub", mul: "mul", div: "div", rem: "rem", max: "max", min: "min",
  atan2: "atan2", eq: "eq", ne: "ne", lt: "lt", le: "le", gt: "gt", ge: "ge", and: "and",
  or: "or", xor: "xor", shift_left: "shift_left", shift_right_logical: "shift_right_logical",
  shift_right_arithmetic: "shift_right_arithmetic",
}; // biome-ignore format: a table

const REDUCE: Record<string, ReduceOp> = {
  reduce_sum: "sum", reduce_prod: "prod", reduce_max: "max", reduce_min: "min",
  reduce_and: "and", reduce_or: "or", reduce_xor: "xor",
}; // biome-ignore format: a table

/** Operations that only move or repeat elements (free inside a kernel). */
const VIEWS = new Set(["broadcast_in_dim", "reshape", "transpose", "squeeze"]);

/** What the target can compute: the backend's answer for an op on a dtype. */
export interface TargetSupport {
  unary(op: UnaryOp, dtype: DType): boolean;
  binary(op: BinaryOp, dtype: DType): boolean;
}

export type EqnKind = "elementwise" | "view" | "reduce" | "other";

/** How an equation takes part in fusion. */
export function eqnKind(e: JaxprEqn, target: TargetSupport): EqnKind {
  const name = e.primitive.name;
  const x = e.inputs[0];
  if (e.outBinders.length !== 1) return "other";
  if (VIEWS.has(name)) {
    if (name === "reshape" && (e.params as { dimensions: unknown }).dimensions !== null) {
      return "other";
    }
    return "view";
  }
  if (name in REDUCE) return "reduce";
  if (name in UNARY) return target.unary(UNARY[name]!, x!.aval.dtype) ? "elementwise" : "other";
  if (name in BINARY) return target.binary(BINARY[name]!, x!.aval.dtype) ? "elementwise" : "other";
  switch (name) {
    case "convert_element_type":
    case "copy":
    case "stop_gradient":
    case "select_n":
    case "iota":
      return "elementwise";
    case "clamp":
      return target.binary("max", x!.aval.dtype) ? "elementwise" : "other";
    case "integer_pow": {
      const d = x!.aval.dtype;
      const y = (e.params as { y: number }).y;
      return target.binary("mul", d) && (y >= 0 || target.binary("div", d))
        ? "elementwise"
        : "other";
    }
    case "round":
      return target.unary(
        (e.params as { rounding_method: number }).rounding_method === 1
          ? "round_even"
          : "round_away",
        x!.aval.dtype,
      )
        ? "elementwise"
        : "other";
    default:
      return "other";
  }
}

export function reduceOpOf(e: JaxprEqn): ReduceOp {
  return REDUCE[e.primitive.name]!;
}

// --- Affine index arithmetic ----------------------------------------------------------------

function constant(rank: number, c: number): Affine {
  return { offset: c, coeffs: new Array<number>(rank).fill(0) };
}

function unit(rank: number, d: number): Affine {
  const coeffs = new Array<number>(rank).fill(0);
  coeffs[d] = 1;
  return { offset: 0, coeffs };
}

/** Σ scale_k · a_k. */
function combine(rank: number, terms: readonly Affine[], scales: readonly number[]): Affine {
  let offset = 0;
  const coeffs = new Array<number>(rank).fill(0);
  terms.forEach((a, k) => {
    const s = scales[k]!;
    if (s === 0) return;
    offset += s * a.offset;
    a.coeffs.forEach((c, d) => {
      coeffs[d]! += s * c;
    });
  });
  return { offset, coeffs };
}

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
    return this.add({ op: "const", value, dtype }, `c${dtype}:${value}`);
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
    const name = e.primitive.name;
    const ins = e.inputs;
    const x = ins[0]!;
    const dtype = x?.aval.dtype;
    const same = (k: number): number => {
      const a = ins[k]!;
      // 0-d operands (a select_n predicate, clamp bounds) are read at the empty coordinate.
      return this.value(a, a.aval.ndim === 0 ? [] : coords);
    };
    if (name in UNARY) return this.unary(UNARY[name]!, same(0), dtype);
    if (name in BINARY) return this.binary(BINARY[name]!, same(0), same(1), dtype);
    switch (name) {
      case "broadcast_in_dim": {
        const dims = (e.params as { broadcast_dimensions: readonly number[] }).broadcast_dimensions;
        const xc = x.aval.shape.map((s, k) => (s === 1 ? constant(rank, 0) : coords[dims[k]!]!));
        return this.value(x, xc);
      }
      case "transpose": {
        const perm = (e.params as { permutation: readonly number[] }).permutation;
        const xc = new Array<Affine>(perm.length);
        perm.forEach((p, d) => {
          xc[p] = coords[d]!;
        });
        return this.value(x, xc);
      }
      case "squeeze": {
        const dims = (e.params as { dimensions: readonly number[] }).dimensions;
        let k = 0;
        const xc = x.aval.shape.map((_, i) =>
          dims.includes(i) ? constant(rank, 0) : coords[k++]!,
        );
        return this.value(x, xc);
      }
      case "reshape": {
        const lin = combine(rank, coords, stridesOf(v.aval.shape));
        if (x instanceof Var && this.ctx.stored(x) && !this.own.has(x)) {
          // A stored value is row-major: the offset is the same.
          return this.loadAt(x, lin);
        }
        const xc = unflatten(lin, x.aval.shape, this.extents);
        if (xc === null) throw new NotAffine(x as Var);
        return this.value(x, xc);
      }
      case "convert_element_type": {
        const to = v.aval.dtype;
        const n = same(0);
        if (to === dtype) return n;
        return this.add({ op: "convert", x: n, from: dtype, dtype: to }, `cv${n}:${to}`);
      }
      case "copy":
      case "stop_gradient":
        return same(0);
      case "select_n": {
        const which = same(0);
        const cases = ins.slice(1).map((_, k) => same(k + 1));
        return this.add(
          { op: "select", which, cases, dtype: v.aval.dtype },
          `s${which}:${cases.join(",")}`,
        );
      }
      case "clamp": {
        const [lo, xv, hi] = [same(0), same(1), same(2)];
        return this.binary("min", this.binary("max", xv, lo, dtype), hi, dtype);
      }
      case "integer_pow":
        return this.integerPow(same(0), (e.params as { y: number }).y, dtype);
      case "round": {
        const even = (e.params as { rounding_method: number }).rounding_method === 1;
        return this.unary(even ? "round_even" : "round_away", same(0), dtype);
      }
      case "iota": {
        const dim = (e.params as { dimension: number }).dimension;
        const index = coords[dim]!;
        return this.add(
          { op: "coord", index, dtype: v.aval.dtype },
          `i${affineKey(index)}:${v.aval.dtype}`,
        );
      }
      default:
        throw new Error(`compiler: '${name}' cannot be fused (a bug in the fusion pass)`);
    }
  }

  /** x^y by repeated squaring, as XLA expands integer_pow (and the reference kernel computes). */
  private integerPow(x: number, y: number, dtype: DType): number {
    let acc = -1;
    let b = x;
    for (let k = Math.abs(y); k > 0; k = Math.floor(k / 2)) {
      if (k % 2 === 1) acc = acc < 0 ? b : this.binary("mul", acc, b, dtype);
      if (k > 1) b = this.binary("mul", b, b, dtype);
    }
    if (acc < 0) acc = this.konst(1, dtype);
    return y < 0 ? this.binary("div", this.konst(1, dtype), acc, dtype) : acc;
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
