/**
 * A small WebAssembly binary emitter: `ModuleBuilder` lays out a module
 * (types, imports, env.memory, functions, exports, a name section);
 * `FunctionBuilder` writes one function body as a chain of instructions.
 *
 *   const mb = new ModuleBuilder({ sharedMemory: false });
 *   mb.addFunction("axpy", ["i32", "i32", "f32"], [], (f) => {
 *     const i = f.local("i32");
 *     f.forLoop(i, 0, () => f.get(1), 4, () => {
 *       f.get(0).get(i).i32Add().v128Load() ... .v128Store();
 *     });
 *   });
 *   new WebAssembly.Instance(mb.compile(), { env: { memory } });
 *
 * Instructions come two ways, encoded identically:
 *   - named methods, the text-format name in camelCase: `f32x4Add()`,
 *     `i32TruncSatF32S()`, `f32x4ExtractLane(lane)`; memory instructions take
 *     `(offset = 0, align = natural)` (alignment as log2 of bytes), lane
 *     memory instructions `(lane, offset = 0, align = natural)`;
 *   - `op(textName, ...immediates)` with immediates in binary order: memory
 *     instructions `(align = natural, offset = 0)`, lane memory instructions
 *     `(align, offset, lane)`, lane instructions `(lane)`, `i8x16.shuffle`
 *     its 16 lane indices. This is the form code generators that pick
 *     instructions from data use.
 * Locals are numbered params first, then `local(type)` in order; label
 * depths are raw numbers (0 = innermost enclosing block).
 */
import { f32Bytes, f64Bytes, section, sleb, sleb64, uleb, utf8, vec } from "./encoding.js";
import {
  type LaneOp,
  type MemoryLaneOp,
  type MemoryOp,
  type NumericOp,
  OPS,
  type OpName,
  type SaturatingOp,
  type SimdOp,
} from "./opcodes.js";

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";
export type { OpName } from "./opcodes.js";

const TYPE_CODE: Record<ValType, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
};
const EMPTY_BLOCK = 0x40;

/** `"f32x4.extract_lane"` → `"f32x4ExtractLane"`, at the type level and at run time. */
type Camel<S extends string> = S extends `${infer A}.${infer B}`
  ? `${A}${Capitalize<Camel<B>>}`
  : S extends `${infer A}_${infer B}`
    ? `${A}${Capitalize<Camel<B>>}`
    : S;
const camel = (name: string): string =>
  name.replace(/[._]([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The named instruction methods, generated from the opcode tables. */
export type NamedOps = {
  [N in NumericOp | SaturatingOp | SimdOp as Camel<N>]: () => FunctionBuilder;
} & {
  [N in MemoryOp as Camel<N>]: (offset?: number, align?: number) => FunctionBuilder;
} & {
  [N in LaneOp as Camel<N>]: (lane: number) => FunctionBuilder;
} & {
  [N in MemoryLaneOp as Camel<N>]: (
    lane: number,
    offset?: number,
    align?: number,
  ) => FunctionBuilder;
};

/** A function body under construction; see the file comment. */
export type FunctionBuilder = FunctionCore & NamedOps;

/** An i32 operand of `forLoop`: a constant, or code that pushes the value. */
export type I32Operand = number | (() => void);

class FunctionCore {
  private readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  private open = 0;
  /** Whether the body touches linear memory (the module then imports it). */
  usesMemory = false;

  constructor(
    readonly name: string,
    /** This function's index in the module (for recursive `call`). */
    readonly index: number,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  private emit(bytes: readonly number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  /** A new local of type `t`; returns its index. */
  local(t: ValType): number {
    this.localTypes.push(t);
    return this.params.length + this.localTypes.length - 1;
  }
  get(i: number): this {
    return this.emit([0x20, ...uleb(i)]);
  }
  set(i: number): this {
    return this.emit([0x21, ...uleb(i)]);
  }
  tee(i: number): this {
    return this.emit([0x22, ...uleb(i)]);
  }

  // Constants.
  i32(v: number): this {
    return this.emit([0x41, ...sleb(v)]);
  }
  i64(v: bigint | number): this {
    return this.emit([0x42, ...sleb64(BigInt(v))]);
  }
  f32(v: number): this {
    return this.emit([0x43, ...f32Bytes(v)]);
  }
  f64(v: number): this {
    return this.emit([0x44, ...f64Bytes(v)]);
  }
  /** v128.const from its 16 bytes (little-endian lanes). */
  v128Const(bytes: ArrayLike<number>): this {
    if (bytes.length !== 16) {
      throw new Error(`v128Const: needs 16 bytes, got ${bytes.length} (in '${this.name}')`);
    }
    return this.emit([0xfd, ...uleb(0x0c), ...Array.from(bytes, (b) => b & 0xff)]);
  }
  /** v128.const of four f32 lanes, or one value in every lane. */
  f32x4Const(...lanes: number[]): this {
    return this.v128Const(new Uint8Array(new Float32Array(this.lanes4(lanes, "f32x4")).buffer));
  }
  /** v128.const of four i32 lanes, or one value in every lane. */
  i32x4Const(...lanes: number[]): this {
    return this.v128Const(new Uint8Array(new Int32Array(this.lanes4(lanes, "i32x4")).buffer));
  }
  private lanes4(lanes: number[], what: string): number[] {
    if (lanes.length === 1) return [lanes[0]!, lanes[0]!, lanes[0]!, lanes[0]!];
    if (lanes.length === 4) return lanes;
    throw new Error(`${what}Const: needs 1 or 4 lanes, got ${lanes.length} (in '${this.name}')`);
  }
  /** i8x16.shuffle: byte lanes 0-15 of the first operand, 16-31 of the second. */
  i8x16Shuffle(...lanes: number[]): this {
    return this.op("i8x16.shuffle", ...lanes);
  }

  // Structured control flow; `type` is the block's result type (none by default).
  block(type?: ValType): this {
    this.open++;
    return this.emit([0x02, type === undefined ? EMPTY_BLOCK : TYPE_CODE[type]]);
  }
  loop(type?: ValType): this {
    this.open++;
    return this.emit([0x03, type === undefined ? EMPTY_BLOCK : TYPE_CODE[type]]);
  }
  if_(type?: ValType): this {
    this.open++;
    return this.emit([0x04, type === undefined ? EMPTY_BLOCK : TYPE_CODE[type]]);
  }
  else_(): this {
    return this.emit([0x05]);
  }
  end(): this {
    if (this.open === 0) throw new Error(`end: no open block in '${this.name}'`);
    this.open--;
    return this.emit([0x0b]);
  }
  br(depth: number): this {
    return this.emit([0x0c, ...uleb(depth)]);
  }
  brIf(depth: number): this {
    return this.emit([0x0d, ...uleb(depth)]);
  }
  brTable(depths: readonly number[], otherwise: number): this {
    return this.emit([0x0e, ...vec(depths.map(uleb)), ...uleb(otherwise)]);
  }
  return_(): this {
    return this.emit([0x0f]);
  }
  call(fn: number): this {
    return this.emit([0x10, ...uleb(fn)]);
  }
  unreachable(): this {
    return this.emit([0x00]);
  }
  nop(): this {
    return this.emit([0x01]);
  }

  /**
   * `for (i = start; i < end; i += step) body()` with a signed compare
   * (`>` when step is negative); `end` is re-evaluated every iteration.
   * Inside `body`, `br(0)` continues with the next iteration and `br(2)`
   * leaves the loop.
   */
  forLoop(i: number, start: I32Operand, end: I32Operand, step: number, body: () => void): this {
    const push = (x: I32Operand) => (typeof x === "number" ? this.i32(x) : x());
    push(start);
    this.set(i).block().loop();
    this.get(i);
    push(end);
    this.op(step > 0 ? "i32.ge_s" : "i32.le_s").brIf(1);
    this.block();
    body();
    this.end();
    return this.get(i).i32(step).op("i32.add").set(i).br(0).end().end();
  }

  // Instructions that the opcode tables do not cover.
  memorySize(): this {
    this.usesMemory = true;
    return this.emit([0x3f, 0x00]);
  }
  memoryGrow(): this {
    this.usesMemory = true;
    return this.emit([0x40, 0x00]);
  }
  /** memory.copy(dst, src, n). */
  memoryCopy(): this {
    this.usesMemory = true;
    return this.emit([0xfc, ...uleb(10), 0x00, 0x00]);
  }
  /** memory.fill(dst, byte, n). */
  memoryFill(): this {
    this.usesMemory = true;
    return this.emit([0xfc, ...uleb(11), 0x00]);
  }
  atomicFence(): this {
    return this.emit([0xfe, 0x03, 0x00]);
  }

  /** Any tabled instruction by its text-format name, immediates in binary order. */
  op(name: OpName, ...imm: number[]): this {
    const info = OPS.get(name);
    if (info === undefined) throw new Error(`op: unknown instruction '${name}' in '${this.name}'`);
    const bytes: number[] = info.prefix === 0 ? [info.code] : [info.prefix, ...uleb(info.code)];
    const lane = (x: number | undefined, count: number): number => {
      if (x === undefined || !Number.isInteger(x) || x < 0 || x >= count) {
        throw new Error(`${name}: lane must be an integer in [0, ${count}), got ${x}`);
      }
      return x;
    };
    const memarg = (align = info.align, offset = 0): number[] => {
      if (align > info.align) {
        throw new Error(`${name}: alignment 2^${align} exceeds the natural 2^${info.align}`);
      }
      return [...uleb(align), ...uleb(offset)];
    };
    switch (info.imm) {
      case "none":
        break;
      case "memory":
        bytes.push(...memarg(imm[0], imm[1]));
        break;
      case "lane":
        bytes.push(lane(imm[0], info.lanes));
        break;
      case "memoryLane":
        bytes.push(...memarg(imm[0], imm[1]), lane(imm[2], info.lanes));
        break;
      case "bytes16":
        if (imm.length !== 16) throw new Error(`${name}: needs 16 immediates, got ${imm.length}`);
        for (const x of imm) bytes.push(lane(x, info.lanes));
        break;
    }
    if (info.usesMemory) this.usesMemory = true;
    return this.emit(bytes);
  }

  /** The encoded body: local declarations (runs of one type), code, end. */
  encode(): number[] {
    if (this.open !== 0) {
      throw new Error(`function '${this.name}': ${this.open} block(s) not closed with end()`);
    }
    const runs: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const body = [...vec(runs.map(([n, t]) => [...uleb(n), TYPE_CODE[t]])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

// Named methods: each forwards to `op`, reordering memory immediates to (offset, align).
for (const [name, info] of OPS) {
  if (info.imm === "bytes16") continue;
  const method =
    info.imm === "memory"
      ? function (this: FunctionCore, offset = 0, align?: number) {
          return this.op(name as OpName, align ?? info.align, offset);
        }
      : info.imm === "memoryLane"
        ? function (this: FunctionCore, laneIndex: number, offset = 0, align?: number) {
            return this.op(name as OpName, align ?? info.align, offset, laneIndex);
          }
        : function (this: FunctionCore, ...imm: number[]) {
            return this.op(name as OpName, ...imm);
          };
  Object.defineProperty(FunctionCore.prototype, camel(name), { value: method, writable: true });
}

interface FunctionEntry {
  readonly builder: FunctionCore;
  readonly type: number;
  readonly exported: boolean;
}

interface ImportEntry {
  readonly module: string;
  readonly name: string;
  readonly type: number;
}

/**
 * A module: imported functions first (their indices come before the
 * defined ones), then defined functions; memory is imported as env.memory
 * when asked (`importMemory`) or when any function touches it. A shared
 * memory is declared shared with the 4 GiB maximum (65536 pages), which any
 * shared WebAssembly.Memory satisfies.
 */
export class ModuleBuilder {
  readonly sharedMemory: boolean;
  private memoryImported = false;
  private readonly signatures: string[] = [];
  private readonly imports: ImportEntry[] = [];
  private readonly functions: FunctionEntry[] = [];
  private readonly exportNames = new Set<string>();

  constructor(opts: { sharedMemory: boolean }) {
    this.sharedMemory = opts.sharedMemory;
  }

  importMemory(): this {
    this.memoryImported = true;
    return this;
  }

  /** Imports `module.name`; returns its function index. Imports precede definitions. */
  importFunction(
    module: string,
    name: string,
    params: readonly ValType[],
    results: readonly ValType[],
  ): number {
    if (this.functions.length > 0) {
      throw new Error(
        `importFunction(${module}.${name}): import functions before defining any (indices would shift)`,
      );
    }
    this.imports.push({ module, name, type: this.signature(params, results) });
    return this.imports.length - 1;
  }

  /** Imports Math.<name> over f64 (`Math.exp`, `Math.pow`...); returns its function index. */
  importMath(name: string, arity: 1 | 2): number {
    const params: ValType[] = arity === 1 ? ["f64"] : ["f64", "f64"];
    return this.importFunction("Math", name, params, ["f64"]);
  }

  /**
   * Defines a function, built by `build` right away, exported under `name`
   * unless `export: false`; returns its function index (for `call`).
   */
  addFunction(
    name: string,
    params: readonly ValType[],
    results: readonly ValType[],
    build: (f: FunctionBuilder) => void,
    opts: { export?: boolean } = {},
  ): number {
    const exported = opts.export ?? true;
    if (exported && this.exportNames.has(name)) {
      throw new Error(`addFunction: '${name}' is exported twice`);
    }
    const index = this.imports.length + this.functions.length;
    const builder = new FunctionCore(name, index, params, results);
    build(builder as FunctionBuilder);
    if (exported) this.exportNames.add(name);
    this.functions.push({ builder, type: this.signature(params, results), exported });
    return index;
  }

  /** An exported kernel: `nParams` i32 parameters, no results, memory imported. */
  addKernel(name: string, nParams: number, build: (f: FunctionBuilder) => void): number {
    this.importMemory();
    return this.addFunction(name, new Array<ValType>(nParams).fill("i32"), [], build);
  }

  private signature(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(",")}>${results.join(",")}`;
    const i = this.signatures.indexOf(key);
    return i >= 0 ? i : this.signatures.push(key) - 1;
  }

  build(): Uint8Array<ArrayBuffer> {
    const types = this.signatures.map((key) => {
      const [p, r] = key.split(">") as [string, string];
      const list = (s: string) =>
        s === "" ? [] : s.split(",").map((t) => [TYPE_CODE[t as ValType]]);
      return [0x60, ...vec(list(p)), ...vec(list(r))];
    });
    const imports = this.imports.map((m) => [
      ...utf8(m.module),
      ...utf8(m.name),
      0x00,
      ...uleb(m.type),
    ]);
    if (this.memoryImported || this.functions.some((f) => f.builder.usesMemory)) {
      // Limits: flag 0 = minimum only; 3 = shared, minimum and maximum.
      const limits = this.sharedMemory ? [0x03, 0x00, ...uleb(65536)] : [0x00, 0x00];
      imports.push([...utf8("env"), ...utf8("memory"), 0x02, ...limits]);
    }
    const exports: number[][] = [];
    const names: number[][] = this.imports.map((m, i) => [
      ...uleb(i),
      ...utf8(`${m.module}.${m.name}`),
    ]);
    this.functions.forEach((f, i) => {
      const index = this.imports.length + i;
      if (f.exported) exports.push([...utf8(f.builder.name), 0x00, ...uleb(index)]);
      names.push([...uleb(index), ...utf8(f.builder.name)]);
    });
    // The name section (function names) makes engine errors and profiles readable.
    const nameSection = [...utf8("name"), ...section(1, vec(names))];
    // biome-ignore format: the module layout
    return new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vec(types)),
      ...section(2, vec(imports)),
      ...section(3, vec(this.functions.map((f) => uleb(f.type)))),
      ...section(7, vec(exports)),
      ...section(10, vec(this.functions.map((f) => f.builder.encode()))),
      ...section(0, nameSection),
    ]);
  }

  compile(): WebAssembly.Module {
    return new WebAssembly.Module(this.build());
  }
}
