/**
 * The `Asm` interface (asm.ts) written directly as WebAssembly bytes: an
 * opcode table for exactly the instructions the kernel generator uses, and
 * the module layout (types, Math imports, the imported memory, exported
 * kernels).
 *
 * A stopgap: the project's emitter (src/backend/wasm/emitter.ts) was not
 * available when the compiler landed. When it is, `Asm` gets implemented on
 * it and this file goes away.
 */
import type { Asm, AsmModule, ValType } from "./asm.js";

const TYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Plain opcodes (one byte). */
const OPS: Record<string, number> = {
  select: 0x1b,
  "i32.load": 0x28, "f32.load": 0x2a, "f64.load": 0x2b, "i32.load8_u": 0x2d,
  "i32.store": 0x36, "f32.store": 0x38, "f64.store": 0x39, "i32.store8": 0x3a,
  "i32.eqz": 0x45, "i32.eq": 0x46, "i32.ne": 0x47, "i32.lt_s": 0x48, "i32.lt_u": 0x49,
  "i32.gt_s": 0x4a, "i32.gt_u": 0x4b, "i32.le_s": 0x4c, "i32.le_u": 0x4d, "i32.ge_s": 0x4e,
  "i32.ge_u": 0x4f,
  "f32.eq": 0x5b, "f32.ne": 0x5c, "f32.lt": 0x5d, "f32.gt": 0x5e, "f32.le": 0x5f, "f32.ge": 0x60,
  "f64.eq": 0x61, "f64.ne": 0x62, "f64.lt": 0x63, "f64.gt": 0x64, "f64.le": 0x65, "f64.ge": 0x66,
  "i32.clz": 0x67, "i32.popcnt": 0x69, "i32.add": 0x6a, "i32.sub": 0x6b, "i32.mul": 0x6c,
  "i32.div_s": 0x6d, "i32.div_u": 0x6e, "i32.rem_s": 0x6f, "i32.rem_u": 0x70, "i32.and": 0x71,
  "i32.or": 0x72, "i32.xor": 0x73, "i32.shl": 0x74, "i32.shr_s": 0x75, "i32.shr_u": 0x76,
  "f32.abs": 0x8b, "f32.neg": 0x8c, "f32.ceil": 0x8d, "f32.floor": 0x8e, "f32.trunc": 0x8f,
  "f32.nearest": 0x90, "f32.sqrt": 0x91, "f32.add": 0x92, "f32.sub": 0x93, "f32.mul": 0x94,
  "f32.div": 0x95, "f32.min": 0x96, "f32.max": 0x97, "f32.copysign": 0x98,
  "f64.abs": 0x99, "f64.neg": 0x9a, "f64.ceil": 0x9b, "f64.floor": 0x9c, "f64.trunc": 0x9d,
  "f64.nearest": 0x9e, "f64.sqrt": 0x9f, "f64.add": 0xa0, "f64.sub": 0xa1, "f64.mul": 0xa2,
  "f64.div": 0xa3, "f64.min": 0xa4, "f64.max": 0xa5, "f64.copysign": 0xa6,
  "f32.convert_i32_s": 0xb2, "f32.convert_i32_u": 0xb3, "f32.demote_f64": 0xb6,
  "f64.convert_i32_s": 0xb7, "f64.convert_i32_u": 0xb8, "f64.promote_f32": 0xbb,
}; // biome-ignore format: a table

/** 0xFC-prefixed (saturating truncation). */
const FC: Record<string, number> = {
  "i32.trunc_sat_f32_s": 0, "i32.trunc_sat_f32_u": 1, "i32.trunc_sat_f64_s": 2, "i32.trunc_sat_f64_u": 3,
}; // biome-ignore format: a table

/** 0xFD-prefixed (SIMD128). */
const FD: Record<string, number> = {
  "v128.load": 0x00, "v128.store": 0x0b, "i8x16.shuffle": 0x0d, "i32x4.splat": 0x11,
  "f32x4.splat": 0x13, "f64x2.splat": 0x14, "f64x2.extract_lane": 0x21,
  "f32x4.demote_f64x2_zero": 0x5e, "f64x2.promote_low_f32x4": 0x5f, "f64x2.add": 0xf0,
  "f64x2.mul": 0xf2,
  "f32x4.extract_lane": 0x1f, "f32x4.replace_lane": 0x20, "i32x4.eq": 0x37, "i32x4.ne": 0x38,
  "f32x4.eq": 0x41, "f32x4.ne": 0x42, "f32x4.lt": 0x43, "f32x4.gt": 0x44, "f32x4.le": 0x45,
  "f32x4.ge": 0x46, "v128.not": 0x4d, "v128.and": 0x4e, "v128.or": 0x50, "v128.xor": 0x51,
  "v128.bitselect": 0x52, "f32x4.ceil": 0x67, "f32x4.floor": 0x68, "f32x4.nearest": 0x6a,
  "f32x4.abs": 0xe0, "f32x4.neg": 0xe1, "f32x4.sqrt": 0xe3, "f32x4.add": 0xe4, "f32x4.sub": 0xe5,
  "f32x4.mul": 0xe6, "f32x4.div": 0xe7, "f32x4.min": 0xe8, "f32x4.max": 0xe9,
}; // biome-ignore format: a table

function uleb(v: number): number[] {
  const out: number[] = [];
  let x = v >>> 0;
  do {
    let b = x & 0x7f;
    x >>>= 7;
    if (x !== 0) b |= 0x80;
    out.push(b);
  } while (x !== 0);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  let x = v | 0;
  for (;;) {
    const b = x & 0x7f;
    x >>= 7;
    if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const f32Bytes = (v: number): number[] => Array.from(new Uint8Array(new Float32Array([v]).buffer));
const f64Bytes = (v: number): number[] => Array.from(new Uint8Array(new Float64Array([v]).buffer));

class BytesAsm implements Asm {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(private readonly nParams: number) {}

  local(t: ValType): number {
    this.locals.push(t);
    return this.nParams + this.locals.length - 1;
  }
  private emit(...b: number[]): this {
    for (const x of b) this.code.push(x);
    return this;
  }
  get(i: number): this {
    return this.emit(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.emit(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.emit(0x22, ...uleb(i));
  }
  i32(v: number): this {
    return this.emit(0x41, ...sleb(v));
  }
  f32(v: number): this {
    return this.emit(0x43, ...f32Bytes(v));
  }
  f64(v: number): this {
    return this.emit(0x44, ...f64Bytes(v));
  }
  op(name: string, ...imm: number[]): this {
    const plain = OPS[name];
    const memory = name.includes("load") || name.includes("store");
    const args = memory ? [...uleb(imm[0] ?? 0), ...uleb(imm[1] ?? 0)] : imm;
    if (plain !== undefined) return this.emit(plain, ...args);
    const fc = FC[name];
    if (fc !== undefined) return this.emit(0xfc, ...uleb(fc));
    const fd = FD[name];
    if (fd !== undefined) return this.emit(0xfd, ...uleb(fd), ...args);
    throw new Error(`wasm codegen: unknown instruction '${name}'`);
  }
  block(): this {
    return this.emit(0x02, 0x40);
  }
  loop(): this {
    return this.emit(0x03, 0x40);
  }
  if_(): this {
    return this.emit(0x04, 0x40);
  }
  else_(): this {
    return this.emit(0x05);
  }
  end(): this {
    return this.emit(0x0b);
  }
  br(d: number): this {
    return this.emit(0x0c, ...uleb(d));
  }
  brIf(d: number): this {
    return this.emit(0x0d, ...uleb(d));
  }
  call(fn: number): this {
    return this.emit(0x10, ...uleb(fn));
  }

  /** The function body: local declarations (run-length grouped), code, end. */
  body(): number[] {
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const b = [
      ...uleb(groups.length),
      ...groups.flatMap(([n, t]) => [...uleb(n), TYPE[t]]),
      ...this.code,
      0x0b,
    ];
    return [...uleb(b.length), ...b];
  }
}

const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

/** A module importing env.memory (shared or not) and Math functions, exporting kernels. */
export class BytesModule implements AsmModule {
  private imports: { name: string; arity: 1 | 2 }[] = [];
  private kernels: { name: string; nParams: number; body: number[] }[] = [];

  constructor(private readonly sharedMemory: boolean) {}

  importMath(name: string, arity: 1 | 2): number {
    if (this.kernels.length > 0)
      throw new Error("BytesModule: import Math functions before adding kernels");
    this.imports.push({ name, arity });
    return this.imports.length - 1;
  }

  addKernel(name: string, nParams: number, build: (a: Asm) => void): void {
    const a = new BytesAsm(nParams);
    build(a);
    this.kernels.push({ name, nParams, body: a.body() });
  }

  bytes(): Uint8Array<ArrayBuffer> {
    // Types: one per distinct signature.
    const sigs: string[] = [];
    const typeOf = (params: ValType[], results: ValType[]): number => {
      const key = `${params.join(",")}>${results.join(",")}`;
      let i = sigs.indexOf(key);
      if (i < 0) i = sigs.push(key) - 1;
      return i;
    };
    const importTypes = this.imports.map((m) =>
      typeOf(m.arity === 1 ? ["f64"] : ["f64", "f64"], ["f64"]),
    );
    const kernelTypes = this.kernels.map((k) =>
      typeOf(new Array<ValType>(k.nParams).fill("i32"), []),
    );
    const types = sigs.map((key) => {
      const [p, r] = key.split(">") as [string, string];
      const ps = p === "" ? [] : (p.split(",") as ValType[]);
      const rs = r === "" ? [] : (r.split(",") as ValType[]);
      return [0x60, ...vec(ps.map((t) => [TYPE[t]])), ...vec(rs.map((t) => [TYPE[t]]))];
    });
    const memLimits = this.sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
    const imports = [
      ...this.imports.map((m, i) => [
        ...str("Math"),
        ...str(m.name),
        0x00,
        ...uleb(importTypes[i]!),
      ]),
      [...str("env"), ...str("memory"), 0x02, ...memLimits],
    ];
    const nImports = this.imports.length;
    const exports = this.kernels.map((k, i) => [...str(k.name), 0x00, ...uleb(nImports + i)]);
    return new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vec(types)),
      ...section(2, vec(imports)),
      ...section(3, vec(kernelTypes.map((t) => uleb(t)))),
      ...section(7, vec(exports)),
      ...section(10, vec(this.kernels.map((k) => k.body))),
    ]); // biome-ignore format: the module layout
  }

  compile(): WebAssembly.Module {
    return new WebAssembly.Module(this.bytes());
  }
}
