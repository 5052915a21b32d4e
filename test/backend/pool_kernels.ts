/**
 * Small hand-assembled kernel modules for the thread pool's tests, each
 * export taking (pointers..., start, end) and importing a shared env.memory.
 */

const leb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>>= 7;
    if (n === 0) return [...out, byte];
    out.push(byte | 0x80);
  }
};
const str = (s: string): number[] => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const sized = (body: number[]): number[] => [...leb(body.length), ...body];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const f32 = (x: number): number[] => [...new Uint8Array(new Float32Array([x]).buffer)];

const I32 = 0x7f;
const F64 = 0x7c;

// Opcodes used below.
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  unreachable: 0x00,
  call: 0x10,
  get: 0x20,
  set: 0x21,
  i32: 0x41,
  f32: 0x43,
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  i32GeS: 0x4e,
  i32LtS: 0x48,
  i32Add: 0x6a,
  i32Shl: 0x74,
  f32Add: 0x92,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32Sqrt: 0x91,
  f32Demote: 0xb6,
  f64Promote: 0xbb,
} as const;

interface Fn {
  name: string;
  params: number;
  /** Body bytes; params are locals 0..params-1 (all i32), the last two being start and end. */
  body: number[];
}

/** for (i = start; i < end; i++) { body(i) } with i = the `start` parameter itself. */
function forRange(start: number, end: number, body: number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    op.get,
    start,
    op.get,
    end,
    op.i32GeS,
    op.brIf,
    1,
    ...body,
    op.get,
    start,
    op.i32,
    1,
    op.i32Add,
    op.set,
    start,
    op.br,
    0,
    op.end,
    op.end,
  ];
}

/** Byte address base + 4 i. */
const at = (base: number, i: number): number[] => [
  op.get,
  base,
  op.get,
  i,
  op.i32,
  2,
  op.i32Shl,
  op.i32Add,
];

/** dst[i] += 1 for i in [start, end) (advances the start local to end). */
const increment = (dst: number, start: number, end: number): number[] =>
  forRange(start, end, [
    ...at(dst, start),
    ...at(dst, start),
    ...op.f32Load,
    op.f32,
    ...f32(1),
    op.f32Add,
    ...op.f32Store,
  ]);

/**
 * The test module:
 *   affine(src, dst, start, end):   dst[i] = sqrt(src[i]·1.5 + 0.25) / (src[i] + 3)
 *   exp(src, dst, start, end):      dst[i] = f32(Math.exp(src[i]))   (an imported JS function)
 *   increment(dst, start, end):     dst[i] += 1
 *   trapAt(k, dst, start, end):     dst[i] += 1, then traps (unreachable) if start <= k < end
 * importing env.memory as a shared memory (or not).
 */
export function testModule(sharedMemory = true): WebAssembly.Module {
  const fns: Fn[] = [
    {
      name: "affine",
      params: 4,
      body: forRange(2, 3, [
        ...at(1, 2),
        ...at(0, 2),
        ...op.f32Load,
        op.f32,
        ...f32(1.5),
        op.f32Mul,
        op.f32,
        ...f32(0.25),
        op.f32Add,
        op.f32Sqrt,
        ...at(0, 2),
        ...op.f32Load,
        op.f32,
        ...f32(3),
        op.f32Add,
        op.f32Div,
        ...op.f32Store,
      ]),
    },
    {
      name: "exp",
      params: 4,
      body: forRange(2, 3, [
        ...at(1, 2),
        ...at(0, 2),
        ...op.f32Load,
        op.f64Promote,
        op.call,
        0,
        op.f32Demote,
        ...op.f32Store,
      ]),
    },
    { name: "increment", params: 3, body: increment(0, 1, 2) },
    {
      name: "trapAt",
      params: 4,
      body: [
        op.get,
        2,
        ...increment(1, 2, 3),
        op.set,
        2,
        op.get,
        0,
        op.get,
        2,
        op.i32GeS,
        ...op.if,
        op.get,
        0,
        op.get,
        3,
        op.i32LtS,
        ...op.if,
        op.unreachable,
        op.end,
        op.end,
      ],
    },
  ];
  // Types: 0 = (f64) -> f64 for Math.exp, then one (i32 x n) -> () per arity.
  const arities = [...new Set(fns.map((f) => f.params))];
  const types = [
    [0x60, 1, F64, 1, F64],
    ...arities.map((n) => [0x60, ...leb(n), ...Array(n).fill(I32), 0]),
  ];
  const typeOf = (f: Fn): number => 1 + arities.indexOf(f.params);
  const imports = [
    [...str("env"), ...str("memory"), 0x02, sharedMemory ? 0x03 : 0x01, ...leb(1), ...leb(65536)],
    [...str("Math"), ...str("exp"), 0x00, 0],
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(fns.map((f) => leb(typeOf(f))))),
    // Function indices start after the one imported function.
    ...section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...leb(i + 1)]))),
    ...section(10, vec(fns.map((f) => sized([0, ...f.body, op.end])))),
  ];
  return new WebAssembly.Module(new Uint8Array(bytes));
}
