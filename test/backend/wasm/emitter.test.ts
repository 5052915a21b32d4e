import { describe, expect, it } from "vitest";
import {
  type FunctionBuilder,
  ModuleBuilder,
  type OpName,
  type ValType,
} from "../../../src/backend/wasm/emitter.js";
import { sleb, sleb64, uleb } from "../../../src/backend/wasm/encoding.js";
import { OPS } from "../../../src/backend/wasm/opcodes.js";

type Fn = (...args: number[]) => number;

function instantiate(mb: ModuleBuilder, memory?: WebAssembly.Memory): Record<string, Fn> {
  const imports: WebAssembly.Imports = { Math: { exp: Math.exp, pow: Math.pow } };
  if (memory !== undefined) imports.env = { memory };
  return new WebAssembly.Instance(mb.compile(), imports).exports as unknown as Record<string, Fn>;
}

/** One exported function `f` built by `build`. */
function single(
  params: ValType[],
  result: ValType[],
  build: (f: FunctionBuilder) => void,
  memory?: WebAssembly.Memory,
): Fn {
  const mb = new ModuleBuilder({ sharedMemory: false });
  mb.addFunction("f", params, result, build);
  return instantiate(mb, memory).f!;
}

const f32 = (x: number): number => Math.fround(x);

describe("LEB128", () => {
  it("encodes unsigned and signed values as the spec's examples", () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb64(-1n)).toEqual([0x7f]);
    expect(sleb64(2n ** 63n - 1n)).toEqual([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
    ]);
  });
});

describe("scalar code", () => {
  it("i32 constants round-trip over the whole range", () => {
    for (const v of [0, 1, -1, 63, 64, -64, -65, 2 ** 31 - 1, -(2 ** 31), 0xdeadbeef | 0]) {
      expect(single([], ["i32"], (f) => f.i32(v))()).toBe(v);
    }
  });

  it("i32 arithmetic, comparisons and bit operations match JS", () => {
    const cases: [OpName, (a: number, b: number) => number][] = [
      ["i32.add", (a, b) => (a + b) | 0],
      ["i32.sub", (a, b) => (a - b) | 0],
      ["i32.mul", (a, b) => Math.imul(a, b)],
      ["i32.div_s", (a, b) => (a / b) | 0],
      ["i32.rem_u", (a, b) => ((a >>> 0) % (b >>> 0)) | 0],
      ["i32.and", (a, b) => a & b],
      ["i32.xor", (a, b) => a ^ b],
      ["i32.shl", (a, b) => a << b],
      ["i32.shr_s", (a, b) => a >> b],
      ["i32.shr_u", (a, b) => (a >>> b) | 0],
      ["i32.lt_s", (a, b) => +(a < b)],
      ["i32.ge_u", (a, b) => +(a >>> 0 >= b >>> 0)],
    ];
    for (const [name, ref] of cases) {
      const fn = single(["i32", "i32"], ["i32"], (f) => f.get(0).get(1).op(name));
      for (const [a, b] of [
        [7, 3],
        [-7, 3],
        [123456789, 5],
        [-1, 31],
      ] as const) {
        expect(fn(a, b), `${name}(${a}, ${b})`).toBe(ref(a, b));
      }
    }
    expect(single(["i32"], ["i32"], (f) => f.get(0).i32Clz())(1)).toBe(31);
    expect(single(["i32"], ["i32"], (f) => f.get(0).i32Popcnt())(0xff)).toBe(8);
    expect(single(["i32"], ["i32"], (f) => f.get(0).i32Extend8S())(0x80)).toBe(-128);
  });

  it("f32 and f64 arithmetic, rounding, min/max, conversions and reinterpretation", () => {
    const x = 2.7;
    const y = -1.3;
    const f32op = (build: (f: FunctionBuilder) => void) => single(["f32", "f32"], ["f32"], build);
    expect(f32op((f) => f.get(0).get(1).f32Add())(x, y)).toBe(f32(f32(x) + f32(y)));
    expect(f32op((f) => f.get(0).get(1).f32Div())(x, y)).toBe(f32(f32(x) / f32(y)));
    expect(f32op((f) => f.get(0).get(1).f32Min())(x, y)).toBe(f32(y));
    expect(f32op((f) => f.get(0).get(1).f32Copysign())(x, y)).toBe(-f32(x));
    expect(f32op((f) => f.get(0).f32Sqrt())(x, y)).toBe(f32(Math.sqrt(f32(x))));
    expect(f32op((f) => f.get(0).f32Nearest())(2.5, 0)).toBe(2);
    expect(f32op((f) => f.get(1).f32Floor())(x, y)).toBe(-2);
    expect(f32op((f) => f.get(1).f32Ceil())(x, y)).toBe(-1);
    expect(f32op((f) => f.get(1).f32Trunc())(x, y)).toBe(-1);
    expect(f32op((f) => f.get(1).f32Abs())(x, y)).toBe(f32(1.3));
    expect(f32op((f) => f.get(0).f32Neg())(x, y)).toBe(-f32(x));
    expect(f32op((f) => f.f32(0.1))(0, 0)).toBe(f32(0.1));
    const f64op = (build: (f: FunctionBuilder) => void) => single(["f64", "f64"], ["f64"], build);
    expect(f64op((f) => f.get(0).get(1).f64Mul())(x, y)).toBe(x * y);
    expect(f64op((f) => f.get(0).get(1).f64Max())(Number.NaN, 1)).toBeNaN();
    expect(f64op((f) => f.f64(Math.PI))(0, 0)).toBe(Math.PI);
    expect(single(["f64"], ["f32"], (f) => f.get(0).f32DemoteF64())(0.1)).toBe(f32(0.1));
    expect(single(["f32"], ["i32"], (f) => f.get(0).i32TruncSatF32S())(3e10)).toBe(2 ** 31 - 1);
    expect(single(["f32"], ["i32"], (f) => f.get(0).i32TruncSatF32S())(Number.NaN)).toBe(0);
    expect(single(["i32"], ["f64"], (f) => f.get(0).f64ConvertI32U())(-1)).toBe(2 ** 32 - 1);
    expect(single(["f32"], ["i32"], (f) => f.get(0).i32ReinterpretF32())(1)).toBe(0x3f800000);
    expect(single(["i32"], ["f32"], (f) => f.get(0).f32ReinterpretI32())(0x40490fdb)).toBe(
      f32(Math.PI),
    );
    const sel = single(["i32"], ["f32"], (f) => f.f32(1).f32(2).get(0).select());
    expect([sel(1), sel(0)]).toEqual([1, 2]);
  });

  it("loads and stores with offsets and alignment", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new Float32Array(memory.buffer);
    heap.set([1.5, 2.5, 3.5, 4.5], 4);
    // out[12] = in[4 + 1] + in[4 + 3], with offsets on the address.
    const fn = single(
      ["i32"],
      [],
      (f) => {
        f.get(0).get(0).f32Load(4).get(0).f32Load(12, 0).f32Add().f32Store(32);
      },
      memory,
    );
    fn(16);
    expect(heap[12]).toBe(7);
    const bytes = single(
      ["i32"],
      ["i32"],
      (f) => f.get(0).i32Load8U(0).get(0).i32Load16S(1).i32Add(),
      memory,
    );
    new Uint8Array(memory.buffer).set([200, 0xff, 0xff], 100);
    expect(bytes(100)).toBe(199);
  });

  it("loops, blocks with results, br_table, calls and imports", () => {
    const mb = new ModuleBuilder({ sharedMemory: false });
    const exp = mb.importMath("exp", 1);
    const pow = mb.importMath("pow", 2);
    const square = mb.addFunction("square", ["i32"], ["i32"], (f) => f.get(0).get(0).i32Mul(), {
      export: false,
    });
    // Σ_{i<n} i² by forLoop (step 1) and a countdown (step -2 over odd i), with continue.
    mb.addFunction("sumSquares", ["i32"], ["i32"], (f) => {
      const i = f.local("i32");
      const acc = f.local("i32");
      f.forLoop(
        i,
        0,
        () => f.get(0),
        1,
        () => {
          f.get(acc).get(i).call(square).i32Add().set(acc);
        },
      );
      f.get(acc);
    });
    mb.addFunction("sumOddDown", ["i32"], ["i32"], (f) => {
      const i = f.local("i32");
      const acc = f.local("i32");
      f.forLoop(
        i,
        () => f.get(0),
        0,
        -1,
        () => {
          f.get(i).i32(1).i32And().i32Eqz().brIf(0); // continue on even i
          f.get(acc).get(i).i32Add().set(acc);
        },
      );
      f.get(acc);
    });
    mb.addFunction("classify", ["i32"], ["i32"], (f) => {
      f.block().block().block().get(0).brTable([0, 1], 2).end();
      f.i32(10).return_().end();
      f.i32(20).return_().end();
      f.i32(30);
    });
    mb.addFunction("blockValue", ["i32"], ["f64"], (f) => {
      f.get(0).if_("f64").f64(1).call(exp).else_().f64(2).f64(10).call(pow).end();
    });
    mb.addFunction("factorial", ["i32"], ["i32"], (f) => {
      f.get(0).i32(2).i32LtS().if_("i32").i32(1).else_();
      f.get(0).get(0).i32(1).i32Sub().call(f.index).i32Mul().end();
    });
    const x = instantiate(mb);
    expect(x.sumSquares!(10)).toBe(285);
    expect(x.sumOddDown!(10)).toBe(1 + 3 + 5 + 7 + 9);
    expect([0, 1, 2, 7].map((v) => x.classify!(v))).toEqual([10, 20, 30, 30]);
    expect(x.blockValue!(1)).toBe(Math.E);
    expect(x.blockValue!(0)).toBe(1024);
    expect(x.factorial!(10)).toBe(3628800);
    expect(x.square).toBeUndefined();
  });

  it("imports a shared memory with the shared flag and 65536-page maximum", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true });
    const mb = new ModuleBuilder({ sharedMemory: true });
    mb.addKernel("fill", 2, (f) => {
      const i = f.local("i32");
      f.forLoop(
        i,
        0,
        () => f.get(1),
        1,
        () => {
          f.get(0).get(i).i32(4).i32Mul().i32Add().get(i).i32AtomicStore();
        },
      );
      f.get(0).i32(1).i32AtomicRmwAdd().op("drop");
    });
    const [imp] = WebAssembly.Module.imports(mb.compile());
    expect(imp).toEqual({ module: "env", name: "memory", kind: "memory" });
    instantiate(mb, memory).fill!(64, 5);
    expect(Array.from(new Int32Array(memory.buffer, 64, 5))).toEqual([1, 1, 2, 3, 4]);
    const plain = new ModuleBuilder({ sharedMemory: false });
    plain.addFunction("size", [], ["i32"], (f) => f.memorySize());
    expect(() => instantiate(plain, memory)).toThrow();
    expect(instantiate(plain, new WebAssembly.Memory({ initial: 3 })).size!()).toBe(3);
  });
});

describe("SIMD code", () => {
  /** Runs `build` on memory: v128 inputs at 0, 16, 32; the v128 result stored at 48. */
  function simd(
    inputs: ArrayLike<number>[],
    build: (f: FunctionBuilder) => void,
    kind: "f32" | "i32" = "f32",
  ): number[] {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const View = kind === "f32" ? Float32Array : Int32Array;
    // Int32Array inputs are written as integers, others as float32.
    inputs.forEach((v, i) => {
      const In = v instanceof Int32Array ? Int32Array : Float32Array;
      new In(memory.buffer, 16 * i, 4).set(v);
    });
    const fn = single(
      [],
      [],
      (f) => {
        f.i32(48);
        build(f);
        f.v128Store();
      },
      memory,
    );
    fn();
    return Array.from(new View(memory.buffer, 48, 4));
  }
  const ld = (f: FunctionBuilder, k: number) => f.i32(16 * k).v128Load();
  const a = [1.5, -2, Number.NaN, 0];
  const b = [0.5, 3, 1, -0];

  it("f32x4 arithmetic, min/max/pmin/pmax, rounding", () => {
    const bin = (name: OpName) => simd([a, b], (f) => ld(ld(f, 0), 1).op(name));
    expect(bin("f32x4.add")).toEqual([2, 1, Number.NaN, 0]);
    expect(bin("f32x4.mul")).toEqual([0.75, -6, Number.NaN, -0]);
    expect(bin("f32x4.div")).toEqual([3, -2 / 3, Number.NaN, Number.NaN].map(f32));
    expect(bin("f32x4.min")).toEqual([0.5, -2, Number.NaN, -0]);
    expect(bin("f32x4.max")).toEqual([1.5, 3, Number.NaN, 0]);
    expect(bin("f32x4.pmin")).toEqual([0.5, -2, Number.NaN, 0]); // b < a ? b : a
    expect(bin("f32x4.pmax")).toEqual([1.5, 3, Number.NaN, 0]);
    expect(simd([[1.5, -2.5, 2.5, -0.2]], (f) => ld(f, 0).f32x4Nearest())).toEqual([2, -2, 2, -0]);
    expect(simd([[1.5, -2.5, 4, 9]], (f) => ld(f, 0).f32x4Sqrt())).toEqual([
      f32(Math.sqrt(1.5)),
      Number.NaN,
      2,
      3,
    ]);
    expect(simd([a], (f) => ld(f, 0).f32x4Abs().f32x4Neg())).toEqual([-1.5, -2, Number.NaN, -0]);
  });

  it("comparisons, bitselect and logic", () => {
    const lt = simd([a, b], (f) => ld(ld(f, 0), 1).f32x4Lt(), "i32");
    expect(lt).toEqual([0, -1, 0, 0]);
    // where(a < b, a, b) and where(a == a, a, 0): NaN-aware selects.
    const sel = simd([a, b], (f) =>
      ld(ld(ld(ld(f, 0), 1), 0), 1)
        .f32x4Lt()
        .v128Bitselect(),
    );
    expect(sel).toEqual([0.5, -2, 1, -0]);
    const notNaN = simd([a], (f) =>
      ld(ld(ld(f, 0).f32x4Const(0), 0), 0)
        .f32x4Eq()
        .v128Bitselect(),
    );
    expect(notNaN).toEqual([1.5, -2, 0, 0]);
    const ints = Int32Array.of(0b1100, -1, 0x7fffffff, 5);
    const masks = Int32Array.of(0b1010, 0, 1, -1);
    const logic = (name: OpName) => simd([ints, masks], (f) => ld(ld(f, 0), 1).op(name), "i32");
    expect(logic("v128.and")).toEqual([0b1000, 0, 1, 5]);
    expect(logic("v128.or")).toEqual([0b1110, -1, 0x7fffffff, -1]);
    expect(logic("v128.xor")).toEqual([0b0110, -1, 0x7ffffffe, -6]);
    expect(logic("v128.andnot")).toEqual([0b0100, -1, 0x7ffffffe, 0]);
    expect(logic("i32x4.min_s")).toEqual([0b1010, -1, 1, -1]);
    expect(logic("i32x4.gt_u")).toEqual([-1, -1, -1, 0]);
    expect(simd([ints], (f) => ld(f, 0).v128Not(), "i32")).toEqual([...ints].map((x) => ~x));
  });

  it("integer lanes, shifts, conversions, any_true/all_true", () => {
    const list = [-8, 7, 1 << 20, -1];
    const ints = Int32Array.from(list);
    expect(simd([ints], (f) => ld(f, 0).i32(2).i32x4Shl(), "i32")).toEqual(list.map((x) => x << 2));
    expect(simd([ints], (f) => ld(f, 0).i32(1).i32x4ShrS(), "i32")).toEqual(
      list.map((x) => x >> 1),
    );
    expect(simd([ints], (f) => ld(f, 0).i32(1).i32x4ShrU(), "i32")).toEqual(
      list.map((x) => (x >>> 1) | 0),
    );
    expect(simd([ints, ints], (f) => ld(ld(f, 0), 1).i32x4Mul(), "i32")).toEqual(
      list.map((x) => Math.imul(x, x)),
    );
    expect(simd([ints], (f) => ld(f, 0).f32x4ConvertI32x4S())).toEqual(list);
    expect(
      simd([[2.7, -2.7, 3e10, Number.NaN]], (f) => ld(f, 0).i32x4TruncSatF32x4S(), "i32"),
    ).toEqual([2, -2, 2 ** 31 - 1, 0]);
    const truth = (v: number[], name: OpName) =>
      single([], ["i32"], (f) => f.i32x4Const(...v).op(name))();
    expect(truth([0, 0, 0, 0], "v128.any_true")).toBe(0);
    expect(truth([0, 0, 4, 0], "v128.any_true")).toBe(1);
    expect(truth([1, 2, 3, 0], "i32x4.all_true")).toBe(0);
    expect(truth([1, 2, 3, -1], "i32x4.all_true")).toBe(1);
    expect(truth([1, 0, 0, -1], "i32x4.bitmask")).toBe(0b1000);
  });

  it("splat, lanes, shuffles and partial loads", () => {
    expect(simd([], (f) => f.f32(2.5).f32x4Splat())).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect(simd([], (f) => f.i32(-3).i32x4Splat(), "i32")).toEqual([-3, -3, -3, -3]);
    expect(simd([a], (f) => ld(f, 0).f32(9).f32x4ReplaceLane(2))).toEqual([1.5, -2, 9, 0]);
    const lane1 = single([], ["f32"], (f) => f.f32x4Const(1, 2, 3, 4).f32x4ExtractLane(1));
    expect(lane1()).toBe(2);
    expect(() => single([], ["f32"], (f) => f.f32x4Const(1).f32x4ExtractLane(4))).toThrow(/lane/);
    const lo = [0, 1, 2, 3, 4, 5, 6, 7];
    const hi = [16, 17, 18, 19, 20, 21, 22, 23];
    expect(simd([a, b], (f) => ld(ld(f, 0), 1).i8x16Shuffle(...lo, ...hi))).toEqual([
      1.5, -2, 0.5, 3,
    ]);
    expect(simd([a], (f) => f.i32(4).v128Load32Zero())).toEqual([-2, 0, 0, 0]);
    expect(simd([a], (f) => f.i32(0).v128Load32Splat(4))).toEqual([-2, -2, -2, -2]);
    expect(simd([a], (f) => f.i32(0).f32x4Const(7).v128Load32Lane(3, 4))).toEqual([7, 7, 7, -2]);
    const promoted = single([], ["f64"], (f) =>
      f.f32x4Const(0.1, 2, 3, 4).f64x2PromoteLowF32x4().f64x2ExtractLane(0),
    );
    expect(promoted()).toBe(f32(0.1));
  });
});

describe("errors", () => {
  it("names the function and the problem", () => {
    const mb = new ModuleBuilder({ sharedMemory: false });
    expect(() =>
      mb.addFunction("bad", [], [], (f) => {
        f.op("f32.frobnicate" as OpName);
      }),
    ).toThrow(/unknown instruction 'f32.frobnicate' in 'bad'/);
    mb.addFunction("open", [], [], (f) => {
      f.block();
    });
    expect(() => mb.build()).toThrow(/function 'open': 1 block\(s\) not closed/);
    expect(() => mb.importMath("exp", 1)).toThrow(/import functions before defining/);
    expect(() => mb.addFunction("open", [], [], () => {})).toThrow(/exported twice/);
    expect(() => single([], [], (f) => f.end())).toThrow(/no open block/);
    expect(() => single([], [], (f) => f.i32(0).f32Load(0, 3))).toThrow(/exceeds the natural/);
  });

  it("every tabled instruction has a named method", () => {
    const mb = new ModuleBuilder({ sharedMemory: false });
    mb.addFunction("probe", [], [], (f) => {
      for (const [name, info] of OPS) {
        if (info.imm === "bytes16") continue;
        const method = name.replace(/[._]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
        expect(typeof (f as unknown as Record<string, unknown>)[method], name).toBe("function");
      }
    });
  });
});
