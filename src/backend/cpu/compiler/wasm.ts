/**
 * Code generation: kernel IR (ir/kernel.ts) → WebAssembly, one exported function
 * per kernel, `k<i>(addr_0, ..., addr_n-1, start, end)`, over a range that a
 * thread pool can split (loops.ts says what the range counts).
 *
 * The innermost dim is vectorized with f32x4 when every buffer is float32
 * (bools in between are i32x4 masks), with a scalar tail; everything else
 * (the integers, bool, float64) is computed scalarly. int8/uint8/int16/uint16
 * load and store 8/16 bits and compute in i32 locals sign- or zero-extended,
 * each computed value wrapped to its width (as the JS evaluator rounds each
 * node), so jit and eager agree bit for bit. Values that do not
 * depend on the innermost index (broadcast operands, constants) are
 * computed once per row. float32 exp, log, tanh, logistic, erf... are
 * inline vectorized math (wasm/vmath.ts, a few ulps); other transcendental
 * functions, and float64 ones, call the imported JS Math functions in
 * float64 and round once, exactly as the eager kernels do.
 *
 * Reductions fold as the eager kernels (lax/reductions.ts): float32 sums and
 * products accumulate in float64 and round once. Products fold each output's
 * elements in order, one after another (a vectorized row's four lanes are
 * multiplied into the accumulator in turn), never as per-lane partial
 * products, which overflow and underflow apart (1e30, 1e-30, ... would give
 * inf · 0 = NaN); so jit and eager products agree bit for bit. Sums keep
 * per-lane float64 partial sums (rounding differences far below float32's).
 * max/min are IEEE 754-2019 maximum/minimum (f32.max: NaN propagates,
 * -0 < +0), independent of the order.
 */
import { config } from "../../../config.js";
import {
  castScalar,
  type DType,
  intBits,
  isNarrowInt,
  isSignedInteger,
  isUnsigned,
  itemsize,
} from "../../../dtype.js";
import { reduceIdentity } from "../../../ir/eval.js";
import type { BinaryOp, Kernel, Node, ReduceOp, UnaryOp } from "../../../ir/kernel.js";
import { nodeDtype } from "../../../ir/kernel.js";
import { emitF32, emitF32x4, VMATH_OPS, type VMathOp } from "../../wasm/vmath.js";
import type { Asm, AsmModule, ValType } from "./asm.js";
import { type Layout, layout } from "./loops.js";

// i8x16.shuffle lane maps: the high half of a vector; the low halves of two vectors.
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const LOW_LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

type OpName = Parameters<Asm["op"]>[0];
/** An instruction name built at run time (checked when the emitter looks it up). */
const on = (name: string): OpName => name as OpName;

const vt = (d: DType): ValType => (d === "float32" ? "f32" : d === "float64" ? "f64" : "i32");
const isFloat = (d: DType): boolean => d === "float32" || d === "float64";
const unsigned = (d: DType): boolean => isUnsigned(d) || d === "bool";

/** Math functions (f64 → f64) the scalar ops call. */
const MATH_UNARY: Partial<Record<UnaryOp, string>> = {
  exp: "exp", log: "log", log1p: "log1p", expm1: "expm1", tanh: "tanh", sin: "sin", cos: "cos",
  tan: "tan", asin: "asin", acos: "acos", atan: "atan", sinh: "sinh", cosh: "cosh",
  asinh: "asinh", acosh: "acosh", atanh: "atanh", cbrt: "cbrt", logistic: "exp",
}; // biome-ignore format: a table

const FLOAT_UNARY_NATIVE = new Set<UnaryOp>([
  "neg", "abs", "sign", "floor", "ceil", "round_even", "round_away", "sqrt", "rsqrt", "square",
  "is_finite", "exp2",
]); // biome-ignore format: a list
const INT_UNARY = new Set<UnaryOp>([
  "neg",
  "abs",
  "sign",
  "square",
  "not",
  "clz",
  "population_count",
]);

/** vmath's functions that compute XLA:CPU's float32 bits (as the evaluator does by default). */
const XLA_VMATH = new Set<UnaryOp>([...VMATH_OPS]);

/**
 * float32 functions computed inline by vmath (f32x4) instead of calling Math:
 * each bit for bit as the evaluator (XLA:CPU's algorithms). With
 * jaxts_correctly_rounded_f32 they call Math (float64, rounded once; erf stays
 * with the eager kernels), as the evaluator then does.
 */
const vmathOp = (op: UnaryOp, d: DType): VMathOp | null => {
  if (d !== "float32" || !(VMATH_OPS as readonly string[]).includes(op)) return null;
  if (XLA_VMATH.has(op) && config.read("jaxts_correctly_rounded_f32")) return null;
  return op as VMathOp;
};

/** What this target computes (the rest stays with the eager kernels). */
export const wasmSupport = {
  unary(op: UnaryOp, d: DType): boolean {
    if (vmathOp(op, d) !== null) return true;
    if (isFloat(d)) return FLOAT_UNARY_NATIVE.has(op) || MATH_UNARY[op] !== undefined;
    if (d === "bool") return op === "not";
    return INT_UNARY.has(op) && !(op === "abs" && isUnsigned(d));
  },
  binary(op: BinaryOp, d: DType): boolean {
    if (op === "rem") return !isFloat(d); // fmod has no wasm instruction
    if (op === "atan2") return isFloat(d);
    // Special functions without a wasm form stay with the eager kernels.
    if (op === "nextafter" || op === "polygamma" || op === "pow") return false;
    return true;
  },
};

/** Math imports a kernel needs (name → arity). */
function mathNeeds(k: Kernel, out: Map<string, 1 | 2>): void {
  for (const n of k.nodes) {
    if (n.op === "unary" && vmathOp(n.fn, n.dtype) === null) {
      const m = MATH_UNARY[n.fn];
      if (m !== undefined && isFloat(n.dtype)) out.set(m, 1);
      if (n.fn === "exp2") out.set("pow", 2);
    }
    if (n.op === "binary" && n.fn === "atan2") out.set("atan2", 2);
  }
}

/** Whether the kernel runs vectorized: float32 buffers, float32 and bool values only. */
function vectorizable(k: Kernel): boolean {
  if (!k.args.every((a) => a.dtype === "float32")) return false;
  if (
    k.reduce !== null &&
    k.reduce !== "sum" &&
    k.reduce !== "max" &&
    k.reduce !== "min" &&
    k.reduce !== "prod"
  )
    return false;
  return k.nodes.every((n) => {
    const d = nodeDtype(n);
    if (d !== "float32" && d !== "bool") return false;
    if (n.op === "coord") return false;
    if (n.op === "select") return n.cases.length === 2 && nodeDtype(k.nodes[n.which]!) === "bool";
    if (n.op === "binary" && n.dtype === "bool")
      return ["and", "or", "xor", "eq", "ne"].includes(n.fn);
    if (n.op === "unary" && n.dtype === "bool") return n.fn === "not";
    if (n.op === "convert")
      return (n.from === "bool" && d === "float32") || (n.from === "float32" && d === "bool");
    return true;
  });
}

class KernelEmitter {
  private readonly vec: boolean;
  private readonly L: Layout;
  private readonly nArgs: number;
  private coords: number[] = [];
  private ptr: number[] = []; // per node (loads/coords): row base pointer (or base index for coords)
  private outPtr: number[] = []; // per output: row base pointer
  private sv: number[] = []; // scalar value locals per node
  private vv: number[] = []; // vector value locals per node
  private invariant: boolean[];
  private j = 0;
  private tmp: Partial<Record<ValType, number>> = {};

  constructor(
    private a: Asm,
    private k: Kernel,
    private math: ReadonlyMap<string, number>,
  ) {
    this.vec = vectorizable(k);
    this.L = layout(k);
    this.nArgs = k.args.length;
    const inner = this.L.inner;
    const coeffIn = (n: Node): number =>
      n.op === "load" || n.op === "coord" ? (n.index.coeffs[inner] ?? 0) : 0;
    this.invariant = [];
    k.nodes.forEach((n, i) => {
      const deps =
        n.op === "unary" || n.op === "convert"
          ? [n.x]
          : n.op === "binary"
            ? [n.a, n.b]
            : n.op === "select"
              ? [n.which, ...n.cases]
              : [];
      this.invariant[i] =
        n.op === "const" ||
        ((n.op === "load" || n.op === "coord") && coeffIn(n) === 0) ||
        (deps.length > 0 && deps.every((d) => this.invariant[d]));
    });
  }

  private temp(t: ValType): number {
    let l = this.tmp[t];
    if (l === undefined) {
      l = this.a.local(t);
      this.tmp[t] = l;
    }
    return l;
  }

  emit(): void {
    const a = this.a;
    const { L, k } = this;
    const start = this.nArgs;
    const end = this.nArgs + 1;
    const o = a.local("i32");
    const q = a.local("i32");
    this.j = a.local("i32");
    const jEnd = a.local("i32");
    this.coords = L.shape.map(() => a.local("i32"));
    k.nodes.forEach((n, i) => {
      this.sv[i] = a.local(vt(nodeDtype(n)));
      if (this.vec) this.vv[i] = a.local("v128");
      if (n.op === "load" || n.op === "coord") this.ptr[i] = a.local("i32");
    });
    this.outPtr = k.outputs.map(() => a.local("i32"));
    if (k.reduce !== null) {
      this.acc = k.outputs.map((out) => {
        const d = k.args[out.arg]!.dtype;
        const wide = this.accDtype(d) === "float64" && d === "float32";
        return {
          s: a.local(this.accType(d)),
          v: this.vec ? a.local("v128") : -1,
          v2: this.vec && wide ? a.local("v128") : -1,
        };
      });
    }
    const n = L.shape[L.inner]!;
    // The reduction counter around `inner` (one pass when there is none).
    const qLoop = (inner: () => void) => {
      a.i32(0).set(q);
      a.block().loop();
      if (L.Q !== 1) a.get(q).i32(L.Q).op("i32.ge_u").brIf(1);
      this.decompose(q, L.qDims);
      this.rowPointers();
      this.hoisted();
      inner();
      if (L.Q !== 1) a.get(q).i32(1).op("i32.add").set(q).br(0);
      a.end().end();
    };
    // A loop over j to jEnd in steps of `step` (vectors, then the scalar tail).
    const jLoop = (step: number, body: () => void) => {
      a.block().loop();
      if (step === 1) a.get(this.j).get(jEnd).op("i32.ge_u").brIf(1);
      else a.get(this.j).i32(step).op("i32.add").get(jEnd).op("i32.gt_u").brIf(1);
      body();
      a.get(this.j).i32(step).op("i32.add").set(this.j).br(0);
      a.end().end();
    };

    a.get(start).set(o);
    a.block().loop();
    a.get(o).get(end).op("i32.ge_u").brIf(1);
    this.decompose(o, L.oDims);
    this.outputPointers();
    if (L.mode === "ew1") {
      a.get(o).set(this.j);
      a.get(end).set(jEnd);
    } else {
      a.i32(0).set(this.j);
      a.i32(n).set(jEnd);
    }
    if (L.mode === "rout") {
      // Each group of output columns accumulates in registers over the reduced dims.
      const chunk = (vector: boolean) => () => {
        this.initAcc(vector);
        qLoop(() => this.body(vector));
        this.storeAcc(vector);
      };
      if (this.vec) jLoop(4, chunk(true));
      jLoop(1, chunk(false));
    } else {
      if (L.mode === "rin") {
        this.initAcc(false);
        if (this.vec) this.initAcc(true);
      }
      const j0 = a.local("i32");
      qLoop(() => {
        a.get(this.j).set(j0);
        if (this.vec) jLoop(4, () => this.body(true));
        jLoop(1, () => this.body(false));
        a.get(j0).set(this.j); // each reduction step walks the same columns
      });
      if (L.mode === "rin") this.storeAcc(false);
    }
    if (L.mode === "ew1") {
      a.br(1); // one pass over [start, end)
    } else {
      a.get(o).i32(1).op("i32.add").set(o).br(0);
    }
    a.end().end();
  }

  private acc: { s: number; v: number; v2: number }[] = [];

  private initAcc(vector: boolean): void {
    const { a, k } = this;
    const r = k.reduce!;
    k.outputs.forEach((out, i) => {
      const d = k.args[out.arg]!.dtype;
      const acc = this.acc[i]!;
      if (!vector) {
        this.constant(this.accDtype(d), reduceIdentity(r, d));
        a.set(acc.s);
      } else if (acc.v2 >= 0) {
        a.f64(reduceIdentity(r, d)).op("f64x2.splat").set(acc.v);
        a.f64(reduceIdentity(r, d)).op("f64x2.splat").set(acc.v2);
      } else {
        a.f32(reduceIdentity(r, d)).op("f32x4.splat").set(acc.v);
      }
    });
  }

  /** Folds the value of output i into its accumulator. */
  private accumulate(i: number, vector: boolean, val: number): void {
    const { a, k } = this;
    const d = k.args[k.outputs[i]!.arg]!.dtype;
    const acc = this.acc[i]!;
    if (!vector) {
      a.get(acc.s).get(val);
      if (this.accDtype(d) !== d) a.op("f64.promote_f32");
      this.reduceOp(this.accDtype(d));
      a.set(acc.s);
    } else if (this.inOrderLanes()) {
      // Product over the row: the lanes one after another into the scalar accumulator.
      for (let l = 0; l < 4; l++) {
        a.get(acc.s).get(val).op("f32x4.extract_lane", l).op("f64.promote_f32");
        a.op("f64.mul").set(acc.s);
      }
    } else if (acc.v2 >= 0) {
      // float32 lanes accumulate in two float64x2 halves.
      const op = k.reduce === "prod" ? "f64x2.mul" : "f64x2.add";
      a.get(acc.v).get(val).op("f64x2.promote_low_f32x4").op(op).set(acc.v);
      a.get(acc.v2)
        .get(val)
        .get(val)
        .op("i8x16.shuffle", ...HIGH_HALF)
        .op("f64x2.promote_low_f32x4");
      a.op(op).set(acc.v2);
    } else {
      a.get(acc.v).get(val);
      this.reduceOp("v");
      a.set(acc.v);
    }
  }

  /** Stores the accumulators: at column j (rout, vector or scalar) or the output element (rin). */
  private storeAcc(vector: boolean): void {
    const { a, k, L } = this;
    k.outputs.forEach((out, i) => {
      const d = k.args[out.arg]!.dtype;
      const ad = this.accDtype(d);
      const acc = this.acc[i]!;
      const isz = itemsize(d);
      if (L.mode === "rout") {
        this.address(this.outPtr[i]!, isz);
        if (!vector) {
          a.get(acc.s);
          if (ad !== d) a.op("f32.demote_f64");
          this.store(d);
        } else if (acc.v2 >= 0) {
          a.get(acc.v).op("f32x4.demote_f64x2_zero").get(acc.v2).op("f32x4.demote_f64x2_zero");
          a.op("i8x16.shuffle", ...LOW_LOW).op("v128.store", 2, 0);
        } else {
          a.get(acc.v).op("v128.store", 2, 0);
        }
        return;
      }
      // rin: fold the vector lanes into the scalar accumulator, then store it.
      a.get(this.outPtr[i]!);
      a.get(acc.s);
      if (acc.v >= 0 && !this.inOrderLanes()) {
        const lanes: [number, string, number][] =
          acc.v2 >= 0
            ? [[acc.v, "f64x2", 0], [acc.v, "f64x2", 1], [acc.v2, "f64x2", 0], [acc.v2, "f64x2", 1]]
            : [[acc.v, "f32x4", 0], [acc.v, "f32x4", 1], [acc.v, "f32x4", 2], [acc.v, "f32x4", 3]]; // biome-ignore format: a table
        for (const [v, shape, l] of lanes) {
          a.get(v).op(on(`${shape}.extract_lane`), l);
          this.reduceOp(ad);
        }
      }
      if (ad !== d) a.op("f32.demote_f64");
      this.store(d);
    });
  }

  /** Whether vector rows fold into the scalar accumulator lane by lane, in order (products over the row). */
  private inOrderLanes(): boolean {
    return this.vec && this.k.reduce === "prod" && this.L.mode === "rin";
  }

  /** Accumulators: float32 sums and products accumulate in float64 (as the eager kernels). */
  private accDtype(d: DType): DType {
    return d === "float32" && (this.k.reduce === "sum" || this.k.reduce === "prod") ? "float64" : d;
  }
  private accType(d: DType): ValType {
    return vt(this.accDtype(d));
  }

  /** coords[dims] from the index in local `src` (row-major over dims). */
  private decompose(src: number, dims: readonly number[]): void {
    const a = this.a;
    if (dims.length === 0) return;
    const t = this.temp("i32");
    a.get(src).set(t);
    for (let i = dims.length - 1; i >= 0; i--) {
      const d = dims[i]!;
      const size = this.L.shape[d]!;
      if (i === 0) {
        a.get(t).set(this.coords[d]!);
      } else {
        a.get(t).i32(size).op("i32.rem_u").set(this.coords[d]!);
        a.get(t).i32(size).op("i32.div_u").set(t);
      }
    }
  }

  /** Pushes offset + Σ coeffs[d]·coords[d] over the outer dims (those set so far). */
  private affineBase(offset: number, coeffs: readonly number[], dims: readonly number[]): void {
    const a = this.a;
    a.i32(offset);
    for (const d of dims) {
      const c = coeffs[d] ?? 0;
      if (c === 0) continue;
      a.get(this.coords[d]!);
      if (c !== 1) a.i32(c).op("i32.mul");
      a.op("i32.add");
    }
  }

  private outputPointers(): void {
    const { a, k, L } = this;
    k.outputs.forEach((out, i) => {
      const isz = itemsize(k.args[out.arg]!.dtype);
      this.affineBase(0, L.keptStrides, L.oDims);
      a.i32(isz).op("i32.mul").get(out.arg).op("i32.add").set(this.outPtr[i]!);
    });
  }

  private rowPointers(): void {
    const { a, k, L } = this;
    const outer = [...L.oDims, ...L.qDims];
    k.nodes.forEach((n, i) => {
      if (n.op === "load") {
        this.affineBase(n.index.offset, n.index.coeffs, outer);
        a.i32(itemsize(n.dtype)).op("i32.mul").get(n.arg).op("i32.add").set(this.ptr[i]!);
      } else if (n.op === "coord") {
        this.affineBase(n.index.offset, n.index.coeffs, outer);
        a.set(this.ptr[i]!);
      }
    });
  }

  /** Pushes ptr + j·step. */
  private address(ptr: number, step: number): void {
    const a = this.a;
    a.get(ptr);
    if (step !== 0) {
      a.get(this.j);
      if (step !== 1) a.i32(step).op("i32.mul");
      a.op("i32.add");
    }
  }

  private hoisted(): void {
    this.k.nodes.forEach((n, i) => {
      if (!this.invariant[i]) return;
      this.scalarNode(n, i);
      if (this.vec) {
        this.a.get(this.sv[i]!);
        if (nodeDtype(n) === "bool")
          this.a.set(this.temp("i32")).i32(0).get(this.temp("i32")).op("i32.sub").op("i32x4.splat");
        else this.a.op("f32x4.splat");
        this.a.set(this.vv[i]!);
      }
    });
  }

  private body(vector: boolean): void {
    const { a, k, L } = this;
    k.nodes.forEach((n, i) => {
      if (this.invariant[i]) return;
      if (vector) this.vectorNode(n, i);
      else this.scalarNode(n, i);
    });
    k.outputs.forEach((out, i) => {
      const val = vector ? this.vv[out.node]! : this.sv[out.node]!;
      if (L.mode === "rin" || L.mode === "rout") {
        this.accumulate(i, vector, val);
        return;
      }
      const d = k.args[out.arg]!.dtype;
      this.address(this.outPtr[i]!, itemsize(d));
      a.get(val);
      if (vector) a.op("v128.store", 2, 0);
      else this.store(d);
    });
  }

  private reduceOp(d: DType | "v"): void {
    const a = this.a;
    const r = this.k.reduce as ReduceOp;
    if (d === "v") {
      a.op(
        on({ sum: "f32x4.add", prod: "f32x4.mul", max: "f32x4.max", min: "f32x4.min" }[r as "sum"]),
      );
      return;
    }
    if (isFloat(d)) {
      const p = vt(d);
      a.op(on(`${p}.${{ sum: "add", prod: "mul", max: "max", min: "min" }[r as "sum"]}`));
      return;
    }
    switch (r) {
      case "sum": a.op("i32.add"); return;
      case "prod": a.op("i32.mul"); return;
      case "and": a.op("i32.and"); return;
      case "or": a.op("i32.or"); return;
      case "xor": a.op("i32.xor"); return;
      case "max": case "min": this.intMinMax(r, d); return;
    } // biome-ignore format: compact
  }

  /** max/min of the two i32 values on the stack. */
  private intMinMax(r: "max" | "min", d: DType): void {
    const a = this.a;
    const x = this.temp("i32");
    const y = this.a.local("i32");
    a.set(y).set(x);
    a.get(x)
      .get(y)
      .get(x)
      .get(y)
      .op(on(`i32.${r === "max" ? "gt" : "lt"}_${unsigned(d) ? "u" : "s"}`))
      .op("select");
  }

  private load(d: DType): void {
    const a = this.a;
    if (d === "float32") a.op("f32.load", 2, 0);
    else if (d === "float64") a.op("f64.load", 3, 0);
    else if (d === "bool" || d === "uint8") a.op("i32.load8_u", 0, 0);
    else if (d === "int8") a.op("i32.load8_s", 0, 0);
    else if (d === "int16") a.op("i32.load16_s", 1, 0);
    else if (d === "uint16") a.op("i32.load16_u", 1, 0);
    else a.op("i32.load", 2, 0);
  }

  private store(d: DType): void {
    const a = this.a;
    if (d === "float32") a.op("f32.store", 2, 0);
    else if (d === "float64") a.op("f64.store", 3, 0);
    else if (d === "bool" || d === "int8" || d === "uint8") a.op("i32.store8", 0, 0);
    else if (d === "int16" || d === "uint16") a.op("i32.store16", 1, 0);
    else a.op("i32.store", 2, 0);
  }

  private constant(d: DType, v: number): void {
    if (d === "float32") this.a.f32(v);
    else if (d === "float64") this.a.f64(v);
    else this.a.i32(castScalar(v, d) | 0);
  }

  // --- Scalar nodes ------------------------------------------------------------------------

  private scalarNode(n: Node, i: number): void {
    const a = this.a;
    const inner = this.L.inner;
    switch (n.op) {
      case "load":
        this.address(this.ptr[i]!, (n.index.coeffs[inner] ?? 0) * itemsize(n.dtype));
        this.load(n.dtype);
        break;
      case "const":
        this.constant(n.dtype, n.value);
        break;
      case "coord": {
        const c = n.index.coeffs[inner] ?? 0;
        a.get(this.ptr[i]!);
        if (c !== 0) {
          a.get(this.j);
          if (c !== 1) a.i32(c).op("i32.mul");
          a.op("i32.add");
        }
        if (isFloat(n.dtype)) a.op(on(`${vt(n.dtype)}.convert_i32_s`));
        break;
      }
      case "unary":
        this.scalarUnary(n.fn, n.dtype, this.sv[n.x]!);
        break;
      case "binary":
        this.scalarBinary(n.fn, n.dtype, this.sv[n.a]!, this.sv[n.b]!);
        break;
      case "select": {
        const w = this.sv[n.which]!;
        const signed = isSignedInteger(nodeDtype(this.k.nodes[n.which]!));
        a.get(this.sv[n.cases[0]!]!);
        for (let c = 1; c < n.cases.length; c++) {
          // select(case_c, acc, which >= c): out-of-range indices clamp, as the eager kernel.
          a.set(this.temp(vt(n.dtype)))
            .get(this.sv[n.cases[c]!]!)
            .get(this.temp(vt(n.dtype)));
          a.get(w);
          if (signed || c > 1) a.i32(c).op(signed ? "i32.ge_s" : "i32.ge_u");
          a.op("select");
        }
        break;
      }
      case "convert":
        this.scalarConvert(n.from, n.dtype, this.sv[n.x]!);
        break;
    }
    // Narrow ints live in i32 locals sign- or zero-extended, as the JS evaluator's values:
    // every computed value is wrapped to its width (loads and constants already are).
    if (isNarrowInt(n.dtype) && n.op !== "load" && n.op !== "const" && n.op !== "select") {
      this.narrow(n.dtype);
    }
    a.set(this.sv[i]!);
  }

  /** Wraps the i32 on the stack to a narrow int's width: sign- or zero-extends its low bits. */
  private narrow(d: DType): void {
    const a = this.a;
    if (d === "int8") a.op("i32.extend8_s");
    else if (d === "int16") a.op("i32.extend16_s");
    else a.i32(d === "uint8" ? 0xff : 0xffff).op("i32.and");
  }

  private scalarUnary(op: UnaryOp, d: DType, x: number): void {
    const a = this.a;
    const vm = vmathOp(op, d);
    if (vm !== null) {
      emitF32(a, vm, x); // the same bits as a vector lane, so tails agree with the vector loop
      return;
    }
    if (isFloat(d)) {
      const p = vt(d);
      const f32 = d === "float32";
      const toF64 = () => f32 && a.op("f64.promote_f32");
      const fromF64 = () => f32 && a.op("f32.demote_f64");
      const one = (v: number) => (f32 ? a.f32(v) : a.f64(v));
      switch (op) {
        case "neg": case "abs": case "floor": case "ceil": case "sqrt":
          a.get(x).op(on(`${p}.${op}`)); return;
        case "round_even": a.get(x).op(on(`${p}.nearest`)); return;
        case "square": a.get(x).get(x).op(on(`${p}.mul`)); return;
        case "is_finite": a.get(x).get(x).op(on(`${p}.sub`)); one(0); a.op(on(`${p}.eq`)); return;
        case "sign":
          // x > 0 ? 1 : x < 0 ? -1 : x (keeps -0 and NaN).
          one(1); one(-1); a.get(x); a.get(x); one(0); a.op(on(`${p}.lt`)).op("select");
          a.get(x); one(0); a.op(on(`${p}.gt`)).op("select"); return;
        case "rsqrt":
          a.f64(1).get(x); toF64(); a.op("f64.sqrt").op("f64.div"); fromF64(); return;
        case "round_away": {
          // t = trunc(x); |x - t| >= 0.5 ? t + sign(x) : t, in float64 (exact).
          const xd = this.temp("f64");
          const t = this.a.local("f64");
          a.get(x); toF64(); a.set(xd);
          a.get(xd).op("f64.trunc").set(t);
          a.get(t).f64(1).get(xd).op("f64.copysign").op("f64.add");
          a.get(t);
          a.get(xd).get(t).op("f64.sub").op("f64.abs").f64(0.5).op("f64.ge");
          a.op("select"); fromF64(); return;
        }
        case "exp2":
          a.f64(2).get(x); toF64(); a.call(this.math.get("pow")!); fromF64(); return;
        case "logistic":
          // 1 / (1 + exp(-x)) in float64, as the eager kernel.
          a.f64(1).f64(1).get(x); toF64(); a.op("f64.neg").call(this.math.get("exp")!);
          a.op("f64.add").op("f64.div"); fromF64(); return;
        default: {
          const m = MATH_UNARY[op];
          if (m === undefined) throw new Error(`wasm codegen: no scalar ${op} for ${d}`);
          a.get(x); toF64(); a.call(this.math.get(m)!); fromF64(); return;
        }
      } // biome-ignore format: compact
    }
    const bits = intBits(d) ?? 32;
    const mask = bits === 32 ? -1 : (1 << bits) - 1;
    switch (op) {
      case "neg": a.i32(0).get(x).op("i32.sub"); return;
      case "abs": a.i32(0).get(x).op("i32.sub").get(x).get(x).i32(0).op("i32.lt_s").op("select"); return;
      case "sign":
        if (isUnsigned(d)) { a.get(x).i32(0).op("i32.ne"); return; }
        a.i32(1).i32(-1).i32(0).get(x).i32(0).op("i32.lt_s").op("select").get(x).i32(0).op("i32.gt_s").op("select");
        return;
      case "square": a.get(x).get(x).op("i32.mul"); return;
      case "not": a.get(x).i32(d === "bool" ? 1 : -1).op("i32.xor"); return;
      // Narrow ints count within their width: the low bits only.
      case "clz":
        if (bits === 32) { a.get(x).op("i32.clz"); return; }
        a.get(x).i32(mask).op("i32.and").op("i32.clz").i32(32 - bits).op("i32.sub"); return;
      case "population_count":
        a.get(x);
        if (bits !== 32) a.i32(mask).op("i32.and");
        a.op("i32.popcnt"); return;
      default: throw new Error(`wasm codegen: no ${op} for ${d}`);
    } // biome-ignore format: compact
  }

  private scalarBinary(op: BinaryOp, d: DType, x: number, y: number): void {
    const a = this.a;
    if (isFloat(d)) {
      const p = vt(d);
      if (op === "atan2") {
        a.get(x);
        if (d === "float32") a.op("f64.promote_f32");
        a.get(y);
        if (d === "float32") a.op("f64.promote_f32");
        a.call(this.math.get("atan2")!);
        if (d === "float32") a.op("f32.demote_f64");
        return;
      }
      const name = {
        add: "add",
        sub: "sub",
        mul: "mul",
        div: "div",
        max: "max",
        min: "min",
        eq: "eq",
        ne: "ne",
        lt: "lt",
        le: "le",
        gt: "gt",
        ge: "ge",
      }[op as "add"];
      if (name === undefined) throw new Error(`wasm codegen: no ${op} for ${d}`);
      a.get(x)
        .get(y)
        .op(on(`${p}.${name}`));
      return;
    }
    const u = unsigned(d);
    const s = u ? "u" : "s";
    // Narrow ints: shift counts past their width, and arithmetic shifts of their signed reading.
    const bits = intBits(d) ?? 32;
    const sext = () => {
      if (bits === 8) a.op("i32.extend8_s");
      else if (bits === 16) a.op("i32.extend16_s");
    };
    switch (op) {
      case "add": case "sub": case "mul": case "and": case "or": case "xor":
        a.get(x).get(y).op(on(`i32.${op}`)); return;
      case "eq": case "ne": a.get(x).get(y).op(on(`i32.${op}`)); return;
      case "lt": case "le": case "gt": case "ge": a.get(x).get(y).op(on(`i32.${op}_${s}`)); return;
      case "max": case "min": a.get(x).get(y); this.intMinMax(op, d); return;
      case "div": {
        // XLA: x / 0 is -1 (all ones); INT32_MIN / -1 wraps. The divisor is made safe first.
        const safe = () => { a.i32(1).get(y).get(y).op("i32.eqz"); if (!u) { a.get(y).i32(-1).op("i32.eq").op("i32.or"); } a.op("select"); };
        a.i32(-1);
        if (u) { a.get(x); safe(); a.op("i32.div_u"); }
        else { a.i32(0).get(x).op("i32.sub").get(x); safe(); a.op("i32.div_s"); a.get(y).i32(-1).op("i32.eq").op("select"); }
        a.get(y).op("i32.eqz").op("select");
        return;
      }
      case "rem":
        // x % 0 is x.
        a.get(x).get(x).i32(1).get(y).get(y).op("i32.eqz").op("select").op(on(`i32.rem_${s}`)).get(y).op("i32.eqz").op("select");
        return;
      case "shift_left": case "shift_right_logical":
        a.i32(0).get(x);
        if (op === "shift_right_logical" && bits !== 32) a.i32((1 << bits) - 1).op("i32.and");
        a.get(y).op(op === "shift_left" ? "i32.shl" : "i32.shr_u").get(y).i32(bits).op("i32.ge_u").op("select");
        return;
      case "shift_right_arithmetic":
        a.get(x); sext(); a.i32(31).op("i32.shr_s").get(x); sext(); a.get(y).op("i32.shr_s").get(y).i32(bits).op("i32.ge_u").op("select");
        return;
      default: throw new Error(`wasm codegen: no ${op} for ${d}`);
    } // biome-ignore format: compact
  }

  private scalarConvert(from: DType, to: DType, x: number): void {
    const a = this.a;
    a.get(x);
    if (from === to) return;
    if (to === "bool") {
      if (from === "float32") a.f32(0).op("f32.ne");
      else if (from === "float64") a.f64(0).op("f64.ne");
      else a.i32(0).op("i32.ne");
      return;
    } // biome-ignore format: compact
    if (isFloat(from) && isFloat(to)) {
      a.op(to === "float64" ? "f64.promote_f32" : "f32.demote_f64");
    } else if (isFloat(to)) {
      // Narrow ints are sign- or zero-extended: int8/int16 convert as signed, uint8/uint16 either way.
      a.op(on(`${vt(to)}.convert_i32_${isSignedInteger(from) ? "s" : "u"}`));
    } else if (isFloat(from)) {
      a.op(on(`i32.trunc_sat_${vt(from)}_${isSignedInteger(to) ? "s" : "u"}`));
      if (isNarrowInt(to)) {
        // Saturate to the narrow range: trunc_sat gave the value clamped to the i32 (u32) range.
        const [lo, hi] =
          to === "int8"
            ? [-128, 127]
            : to === "int16"
              ? [-32768, 32767]
              : [0, to === "uint8" ? 255 : 65535];
        const t = this.temp("i32");
        const cmp = isSignedInteger(to) ? "s" : "u";
        a.set(t)
          .i32(hi)
          .get(t)
          .get(t)
          .i32(hi)
          .op(on(`i32.gt_${cmp}`))
          .op("select")
          .set(t);
        if (lo !== 0) a.i32(lo).get(t).get(t).i32(lo).op("i32.lt_s").op("select");
        else a.get(t);
      }
    }
    // int <-> int: the same bits, wrapped to a narrow target's width after the node; bool -> int: 0/1.
  }

  // --- Vector nodes (float32 values, bool masks) -----------------------------------------------

  private vectorNode(n: Node, i: number): void {
    const a = this.a;
    const inner = this.L.inner;
    switch (n.op) {
      case "load": {
        const c = n.index.coeffs[inner] ?? 0;
        if (c === 1) {
          this.address(this.ptr[i]!, 4);
          a.op("v128.load", 2, 0);
        } else {
          // A strided gather, lane by lane.
          a.f32(0).op("f32x4.splat");
          for (let l = 0; l < 4; l++) {
            a.get(this.ptr[i]!)
              .get(this.j)
              .i32(l)
              .op("i32.add")
              .i32(c * 4)
              .op("i32.mul")
              .op("i32.add");
            a.op("f32.load", 2, 0).op("f32x4.replace_lane", l);
          }
        }
        break;
      }
      case "unary":
        this.vectorUnary(n.fn, n.dtype, this.vv[n.x]!);
        break;
      case "binary":
        this.vectorBinary(n.fn, n.dtype, this.vv[n.a]!, this.vv[n.b]!);
        break;
      case "select":
        a.get(this.vv[n.cases[1]!]!)
          .get(this.vv[n.cases[0]!]!)
          .get(this.vv[n.which]!)
          .op("v128.bitselect");
        break;
      case "convert":
        if (n.dtype === "bool") a.get(this.vv[n.x]!).f32(0).op("f32x4.splat").op("f32x4.ne");
        else a.get(this.vv[n.x]!).f32(1).op("f32x4.splat").op("v128.and");
        break;
      default:
        throw new Error(`wasm codegen: no vector form of ${n.op}`);
    }
    a.set(this.vv[i]!);
  }

  private vectorUnary(op: UnaryOp, d: DType, x: number): void {
    const a = this.a;
    const vm = vmathOp(op, d);
    if (vm !== null) {
      emitF32x4(a, vm, x);
      return;
    }
    if (d === "bool") {
      a.get(x).op("v128.not");
      return;
    }
    switch (op) {
      case "neg": case "abs": case "sqrt": case "floor": case "ceil":
        a.get(x).op(on(`f32x4.${op}`)); return;
      case "round_even": a.get(x).op("f32x4.nearest"); return;
      case "square": a.get(x).get(x).op("f32x4.mul"); return;
      case "is_finite": a.get(x).get(x).op("f32x4.sub").f32(0).op("f32x4.splat").op("f32x4.eq"); return;
      default: {
        // Lane by lane through the scalar form (transcendental functions call Math in float64).
        const s = this.temp("f32");
        const out = this.a.local("v128");
        a.get(x).set(out);
        for (let l = 0; l < 4; l++) {
          a.get(x).op("f32x4.extract_lane", l).set(s);
          a.get(out);
          this.scalarUnary(op, "float32", s);
          a.op("f32x4.replace_lane", l).set(out);
        }
        a.get(out);
      }
    } // biome-ignore format: compact
  }

  private vectorBinary(op: BinaryOp, d: DType, x: number, y: number): void {
    const a = this.a;
    if (d === "bool") {
      const name = {
        and: "v128.and",
        or: "v128.or",
        xor: "v128.xor",
        eq: "i32x4.eq",
        ne: "i32x4.ne",
      }[op as "and"];
      a.get(x).get(y).op(on(name));
      return;
    }
    if (op === "atan2") {
      const s = this.temp("f32");
      const t = this.a.local("f32");
      const out = this.a.local("v128");
      a.get(x).set(out);
      for (let l = 0; l < 4; l++) {
        a.get(x).op("f32x4.extract_lane", l).set(s);
        a.get(y).op("f32x4.extract_lane", l).set(t);
        a.get(out);
        this.scalarBinary("atan2", "float32", s, t);
        a.op("f32x4.replace_lane", l).set(out);
      }
      a.get(out);
      return;
    }
    a.get(x)
      .get(y)
      .op(on(`f32x4.${op}`));
  }
}

/** Builds one module with kernel k<i> for each kernel; `mod` is a fresh module builder. */
export function emitKernels(mod: AsmModule, kernels: readonly Kernel[]): void {
  const needs = new Map<string, 1 | 2>();
  for (const k of kernels) mathNeeds(k, needs);
  const math = new Map<string, number>();
  for (const [name, arity] of needs) math.set(name, mod.importMath(name, arity));
  kernels.forEach((k, i) => {
    mod.addKernel(`k${i}`, k.args.length + 2, (a) => new KernelEmitter(a, k, math).emit());
  });
}
