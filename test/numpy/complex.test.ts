/**
 * The complex dtypes against NumPy (test/fixtures/complex.py, complex128
 * references): creation, printing, every complex function, arithmetic,
 * reductions and products, then jit, vmap and autodiff with JAX's
 * conventions (grad of a real function of z is ∂f/∂x - i ∂f/∂y; holomorphic
 * grad is f'(z)), checked by finite differences.
 */
import { describe, expect, it } from "vitest";
import {
  type Array,
  grad,
  jacfwd,
  jacrev,
  jit,
  numpy as jnp,
  lax,
  random,
  vmap,
  withX64,
} from "../../src/index.js";
import { decodeNumber, type Num } from "../util/arrays.js";
import { readFixture } from "../util/fixtures.js";

type Pair = [Num, Num];
interface Fx {
  points: Pair[];
  unary: Record<string, Pair[]>;
  to_real: Record<string, Num[]>;
  to_bool: Record<string, boolean[]>;
  a: Pair[];
  b: Pair[];
  binary: Record<string, Pair[] | boolean[]>;
  int_powers: Record<string, Pair[]>;
  m: Pair[];
  n: Pair[];
  reductions: Record<string, { shape: number[]; data: Pair[] | Num[] }>;
  printing: { dtype: string; shape: number[]; data: Pair[]; str: string; repr: string }[];
  scalars: { dtype: string; value: Pair; str: string }[];
}
const fx = readFixture<Fx>("complex.json");

type Z = { re: number; im: number };
const toZ = ([re, im]: Pair): Z => ({ re: decodeNumber(re), im: decodeNumber(im) });
const carr = (ps: Pair[], shape?: number[], dtype: "complex64" | "complex128" = "complex64") => {
  const x = jnp.array(ps.map(toZ), dtype);
  return shape === undefined ? x : x.reshape(shape);
};
const zs = (x: Array): Z[] => (x.ravel().toArray() as Z[]).map((z) => z);

/** Whether two parts agree: both NaN, equal infinities, or within the tolerance. */
function close(got: number, want: number, tol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= tol;
}

/** Complex values within rtol of |want| (each part, plus an absolute part for values near 0). */
function expectComplex(got: Z[], want: Pair[], rtol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, i) => {
    const { re, im } = toZ(w);
    const scale = Number.isFinite(Math.hypot(re, im)) ? Math.max(Math.hypot(re, im), 1e-30) : 1;
    const tol = rtol * scale + 1e-30;
    const g = got[i]!;
    if (!(close(g.re, re, tol) && close(g.im, im, tol))) {
      throw new Error(
        `${what}: element ${i} is ${g.re}${g.im >= 0 ? "+" : ""}${g.im}j, expected ${re}${im >= 0 ? "+" : ""}${im}j`,
      );
    }
  });
}

const UNARY: Record<string, (x: Array) => Array> = {
  exp: jnp.exp,
  log: jnp.log,
  log1p: jnp.log1p,
  expm1: jnp.expm1,
  sqrt: jnp.sqrt,
  sin: jnp.sin,
  cos: jnp.cos,
  tan: jnp.tan,
  sinh: jnp.sinh,
  cosh: jnp.cosh,
  tanh: jnp.tanh,
  arcsin: jnp.arcsin,
  arccos: jnp.arccos,
  arctan: jnp.arctan,
  arcsinh: jnp.arcsinh,
  arccosh: jnp.arccosh,
  arctanh: jnp.arctanh,
  square: jnp.square,
  reciprocal: jnp.reciprocal,
  sign: jnp.sign,
  conjugate: jnp.conjugate,
  negative: jnp.negative,
  exp2: jnp.exp2,
  log10: jnp.log10,
  log2: jnp.log2,
};

describe("complex arrays: creation and printing", () => {
  it("jnp.array takes { re, im } numbers and toArray gives them back", () => {
    const x = jnp.array([{ re: 1, im: 2 }, 3, { re: -0.5, im: 0 }]);
    expect(x.dtype).toBe("complex64");
    expect(x.shape).toEqual([3]);
    expect(x.toArray()).toEqual([
      { re: 1, im: 2 },
      { re: 3, im: 0 },
      { re: -0.5, im: 0 },
    ]);
    expect(jnp.array([1, 2], "complex64").toArray()).toEqual([
      { re: 1, im: 0 },
      { re: 2, im: 0 },
    ]);
    expect(jnp.array(new Float32Array([1, 2]), "complex64").imag.toArray()).toEqual([0, 0]);
    expect(withX64(() => jnp.array([{ re: 1, im: 1 }]).dtype)).toBe("complex128");
    // A real dtype takes the real parts (NumPy's astype).
    expect(jnp.array([{ re: 1.5, im: 2 }], "float32").toArray()).toEqual([1.5]);
    expect(globalThis.Array.from(x.dataSync())).toEqual([1, 2, 3, 0, -0.5, 0]);
  });

  it("prints as NumPy does", () => {
    for (const c of fx.printing) {
      const run = () => {
        const x = carr(c.data, c.shape, c.dtype as "complex64");
        expect(x.toString(), `${c.dtype} ${c.str}`).toBe(c.str);
        // NumPy's repr names the dtype only for complex64 (complex128 is its default).
        if (c.dtype === "complex64") expect(reprOf(x)).toBe(c.repr);
      };
      if (c.dtype === "complex128") withX64(run);
      else run();
    }
  });

  it("prints 0-d arrays as NumPy's complex scalars", () => {
    for (const c of fx.scalars) {
      const run = () => {
        const x = carr([c.value], [], c.dtype as "complex64");
        expect(x.toString(), c.str).toBe(c.str);
      };
      if (c.dtype === "complex128") withX64(run);
      else run();
    }
  });

  it("item() and Number() refuse a complex value with guidance", () => {
    const z = jnp.array({ re: 1, im: 2 });
    expect(() => z.item()).toThrow(/two parts.*x\.real\.item\(\)/);
    expect(() => Number(z)).toThrow(TypeError);
    expect(z.real.item()).toBe(1);
    expect(z.imag.item()).toBe(2);
    expect(z.conj().imag.item()).toBe(-2);
  });
});

function reprOf(x: Array): string {
  const inspect = (x as unknown as Record<symbol, () => string>)[
    Symbol.for("nodejs.util.inspect.custom")
  ]!;
  return inspect.call(x);
}

describe("complex functions vs NumPy (complex128 references)", () => {
  for (const [dtype, rtol] of [
    ["complex64", 4e-6],
    ["complex128", 1e-13],
  ] as const) {
    const run = <T>(f: () => T): T => (dtype === "complex128" ? withX64(f) : f());
    it(`every unary function in ${dtype}`, () => {
      run(() => {
        const z = carr(fx.points, undefined, dtype);
        for (const [name, f] of Object.entries(UNARY)) {
          const y = f(z);
          expect(y.dtype, name).toBe(dtype);
          expectComplex(zs(y), fx.unary[name]!, rtol, `${name} ${dtype}`);
          expectComplex(zs(jit(f)(z)), fx.unary[name]!, rtol, `jit ${name} ${dtype}`);
        }
      });
    });

    it(`abs, real, imag, angle and the tests in ${dtype}`, () => {
      run(() => {
        const z = carr(fx.points, undefined, dtype);
        const real = { abs: jnp.abs, real: jnp.real, imag: jnp.imag, angle: jnp.angle };
        for (const [name, f] of Object.entries(real)) {
          const y = f(z);
          expect(y.dtype).toBe(dtype === "complex64" ? "float32" : "float64");
          const want = fx.to_real[name]!.map(decodeNumber);
          (y.toArray() as number[]).forEach((v, i) => {
            expect(close(v, want[i]!, rtol * Math.max(1, Math.abs(want[i]!))), `${name} ${i}`).toBe(
              true,
            );
          });
        }
        const tests = {
          isnan: jnp.isnan,
          isfinite: jnp.isfinite,
          isinf: jnp.isinf,
          iscomplex: jnp.iscomplex,
          isreal: jnp.isreal,
        };
        for (const [name, f] of Object.entries(tests)) {
          expect(f(z).toArray(), name).toEqual(fx.to_bool[name]);
        }
      });
    });

    it(`arithmetic and powers in ${dtype}`, () => {
      run(() => {
        const a = carr(fx.a, undefined, dtype);
        const b = carr(fx.b, undefined, dtype);
        const ops = {
          add: jnp.add,
          subtract: jnp.subtract,
          multiply: jnp.multiply,
          divide: jnp.divide,
          power: jnp.power,
        };
        for (const [name, f] of Object.entries(ops)) {
          expectComplex(zs(f(a, b)), fx.binary[name] as Pair[], rtol * 4, `${name} ${dtype}`);
        }
        expect(jnp.equal(a, b).toArray()).toEqual(fx.binary.equal);
        expect(jnp.equal(a, a).all().item()).toBe(true);
        for (const [k, want] of Object.entries(fx.int_powers)) {
          expectComplex(zs(jnp.power(a, Number(k))), want, rtol * 8, `a ** ${k}`);
        }
      });
    });

    it(`reductions and products in ${dtype}`, () => {
      run(() => {
        const m = carr(fx.m, [3, 4], dtype);
        const n = carr(fx.n, [4, 2], dtype);
        const got: Record<string, Array> = {
          sum: jnp.sum(m),
          sum0: jnp.sum(m, 0),
          prod1: jnp.prod(m, 1),
          mean: jnp.mean(m),
          cumsum1: jnp.cumsum(m, 1),
          cumprod0: jnp.cumprod(m, 0),
          matmul: jnp.matmul(m, n),
          vdot: jnp.vdot(m.get(0), m.get(1)),
          var: jnp.var(m),
          std0: jnp.std(m, 0),
          norm: jnp.linalg.norm(m),
        };
        for (const [name, want] of Object.entries(fx.reductions)) {
          const y = got[name]!;
          expect(y.shape, name).toEqual(want.shape);
          if (globalThis.Array.isArray(want.data[0])) {
            expectComplex(zs(y), want.data as Pair[], rtol * 10, `${name} ${dtype}`);
          } else {
            expect(y.dtype, name).toBe(dtype === "complex64" ? "float32" : "float64");
            const w = (want.data as Num[]).map(decodeNumber);
            const v = y.ndim === 0 ? [y.item() as number] : (y.toArray() as number[]);
            v.forEach((g, i) =>
              expect(Math.abs(g - w[i]!), name).toBeLessThan(rtol * 10 * Math.abs(w[i]!)),
            );
          }
        }
      });
    });
  }
});

describe("complex dtypes: promotion and errors", () => {
  it("promotes as JAX's lattice (not NumPy's: int32 with complex64 is complex64)", () => {
    const cases: [string, string, string][] = [
      ["bool", "complex64", "complex64"],
      ["int8", "complex64", "complex64"],
      ["int32", "complex64", "complex64"],
      ["uint32", "complex64", "complex64"],
      ["float16", "complex64", "complex64"],
      ["bfloat16", "complex64", "complex64"],
      ["float32", "complex64", "complex64"],
      ["complex64", "complex64", "complex64"],
    ];
    for (const [a, b, want] of cases) {
      expect(jnp.promoteTypes(a as "int8", b as "int8"), `${a} ${b}`).toBe(want);
    }
    withX64(() => {
      expect(jnp.promoteTypes("float64", "complex64")).toBe("complex128");
      expect(jnp.promoteTypes("complex64", "complex128")).toBe("complex128");
      expect(jnp.promoteTypes("float32", "complex128")).toBe("complex128");
    });
    // jnp.promoteTypes does not canonicalize (JAX's dtypes.promote_types): arrays do.
    expect(jnp.promoteTypes("float32", "float64")).toBe("float64");
    expect(jnp.promoteTypes("int32", "uint32")).toBe("int64");
    expect(jnp.promoteTypes("float32", "complex128")).toBe("complex128");
    // Without x64, complex128 is complex64.
    expect(jnp.zeros([2], "complex128").dtype).toBe("complex64");
    // A weak float (a JS number) takes the complex dtype.
    const z = jnp.array([{ re: 1, im: 1 }]);
    expect(z.mul(2.5).dtype).toBe("complex64");
    expect(jnp.add(jnp.array([1, 2], "float32"), z).dtype).toBe("complex64");
    expect(jnp.issubdtype("complex64", jnp.complexfloating)).toBe(true);
    expect(jnp.issubdtype("complex64", jnp.inexact)).toBe(true);
    expect(jnp.issubdtype("complex64", jnp.floating)).toBe(false);
    expect(jnp.finfo("complex64").eps).toBe(jnp.finfo("float32").eps);
    expect(jnp.iscomplexobj(z)).toBe(true);
    expect(jnp.isrealobj(jnp.array([1]))).toBe(true);
  });

  it("refuses comparisons and real-only functions of complex numbers with TypeErrors", () => {
    const z = jnp.array([{ re: 1, im: 1 }]);
    expect(() => lax.lt(z, z)).toThrow(/lax\.lt does not accept dtype complex64/);
    expect(() => jnp.floor(z)).toThrow(/jnp\.floor: not supported for complex/);
    expect(() => lax.atan2(z, z)).toThrow(TypeError);
    expect(() => lax.real(jnp.array([1]))).toThrow(/lax\.real does not accept dtype float32/);
  });
});

describe("complex autodiff, jit and vmap", () => {
  /** JAX's convention: grad of a real f at z = x + iy is ∂f/∂x - i ∂f/∂y. */
  function numericGrad(f: (z: Array) => Array, z: Z[], h = 1e-6): Z[] {
    return withX64(() =>
      z.map((_, k) => {
        const at = (dre: number, dim: number) =>
          f(
            jnp.array(
              z.map((w, i) => (i === k ? { re: w.re + dre, im: w.im + dim } : w)),
              "complex128",
            ),
          ).item() as number;
        return {
          re: (at(h, 0) - at(-h, 0)) / (2 * h),
          im: -(at(0, h) - at(0, -h)) / (2 * h),
        };
      }),
    );
  }

  const fns: Record<string, (z: Array) => Array> = {
    "sum |z|^2": (z) => jnp.sum(jnp.square(jnp.abs(z))),
    "sum real(exp(z)) * imag(z)": (z) => jnp.sum(jnp.real(jnp.exp(z)).mul(jnp.imag(z))),
    "|sum z^3 / (1 + z)|": (z) => jnp.abs(jnp.sum(jnp.power(z, 3).div(z.add(1)))),
    "sum angle(z) + real(log(z) * conj(z))": (z) =>
      jnp.sum(jnp.angle(z).add(jnp.real(jnp.log(z).mul(jnp.conj(z))))),
    "real(vdot(z, sin(z)))": (z) => jnp.real(jnp.vdot(z, jnp.sin(z))),
  };
  const z0: Z[] = [
    { re: 0.5, im: -1.25 },
    { re: -2, im: 0.75 },
    { re: 1.5, im: 2 },
  ];

  for (const [name, f] of Object.entries(fns)) {
    it(`grad of ${name} is JAX's conjugate gradient (finite differences)`, () => {
      const want = numericGrad(f, z0);
      withX64(() => {
        const g = grad(f)(jnp.array(z0, "complex128")) as Array;
        expect(g.dtype).toBe("complex128");
        expectComplex(
          zs(g),
          want.map((w) => [w.re, w.im]),
          1e-6,
          name,
        );
        const gj = jit(grad(f))(jnp.array(z0, "complex128")) as Array;
        expectComplex(
          zs(gj),
          want.map((w) => [w.re, w.im]),
          1e-6,
          `jit ${name}`,
        );
      });
    });
  }

  it("holomorphic grad is the complex derivative; jacfwd and jacrev agree", () => {
    const f = (z: Array) => jnp.sin(z).mul(z);
    const fp = (z: Z): Pair => {
      // f'(z) = cos(z)·z + sin(z), from NumPy-independent formulas.
      const cos = { re: Math.cos(z.re) * Math.cosh(z.im), im: -Math.sin(z.re) * Math.sinh(z.im) };
      const sin = { re: Math.sin(z.re) * Math.cosh(z.im), im: Math.cos(z.re) * Math.sinh(z.im) };
      return [cos.re * z.re - cos.im * z.im + sin.re, cos.re * z.im + cos.im * z.re + sin.im];
    };
    withX64(() => {
      for (const z of z0) {
        const x = jnp.array(z, "complex128");
        const g = grad(f, { holomorphic: true })(x) as Array;
        expectComplex(zs(g), [fp(z)], 1e-12, "holomorphic grad");
        const jf = jacfwd(f, { holomorphic: true })(x) as Array;
        const jr = jacrev(f, { holomorphic: true })(x) as Array;
        expectComplex(zs(jf), [fp(z)], 1e-12, "jacfwd");
        expectComplex(zs(jr), [fp(z)], 1e-12, "jacrev");
      }
    });
  });

  it("states JAX's dtype rules for grad, jacfwd and jacrev", () => {
    const z = jnp.array([{ re: 1, im: 2 }]);
    expect(() => grad((x: Array) => jnp.sum(x))(z)).toThrow(/real-valued outputs.*holomorphic/);
    expect(() => jacfwd((x: Array) => jnp.abs(x))(z)).toThrow(
      /jacfwd.*real-valued inputs.*holomorphic/,
    );
    expect(() => jacrev((x: Array) => x.mul(2))(z)).toThrow(/real-valued outputs/);
    expect(() => grad((x: Array) => jnp.sum(x), { holomorphic: true })(jnp.array([1.5]))).toThrow(
      /holomorphic: true requires inputs with complex dtype/,
    );
  });

  it("vmap equals a loop and jit equals eager for a complex program", () => {
    const f = (z: Array, w: Array) =>
      jnp.sum(
        jnp
          .exp(z.mul(w))
          .sub(jnp.conj(z))
          .div(jnp.sqrt(w.add(3))),
      );
    const zsIn = jnp.array(
      [
        [
          { re: 1, im: 0.5 },
          { re: -1, im: 2 },
        ],
        [
          { re: 0.25, im: -0.75 },
          { re: 2, im: 1 },
        ],
      ],
      "complex64",
    );
    const w = jnp.array([
      { re: 0.5, im: 0.5 },
      { re: -0.25, im: 1 },
    ]);
    const batched = vmap(f, { inAxes: [0, null] })(zsIn, w) as Array;
    const looped = [0, 1].map((i) => f(zsIn.get(i), w));
    expect(zs(batched)).toEqual(looped.map((y) => zs(y)[0]));
    expect(zs(jit(f)(zsIn.get(0), w) as Array)).toEqual(zs(f(zsIn.get(0), w)));
  });
});

describe("random.normal with a complex dtype", () => {
  it("draws each part from one half of the key with variance 1/2 (JAX's _normal)", () => {
    const key = random.PRNGKey(0);
    const z = random.normal(key, [4000], "complex64");
    expect(z.dtype).toBe("complex64");
    const [kr, ki] = [0, 1].map((i) => random.split(key, 2).get(i));
    const re = random.normal(kr!, [4000]).div(Math.SQRT2);
    const im = random.normal(ki!, [4000]).div(Math.SQRT2);
    expect(jnp.real(z).toArray()).toEqual(re.toArray());
    expect(jnp.imag(z).toArray()).toEqual(im.toArray());
    const power = jnp.mean(jnp.square(jnp.abs(z))).item() as number;
    expect(Math.abs(power - 1)).toBeLessThan(0.06);
  });
});

describe("complex values through indexing, convolution and vmap", () => {
  it("fills out-of-bounds gathers with NaN + 0i (JAX's fill for inexact dtypes)", () => {
    const z = jnp.array([
      { re: 1, im: 2 },
      { re: 3, im: -1 },
    ]);
    const idx = jnp.array([5, 1], "int32");
    expect(z.at(idx).get({ mode: "fill" }).toString()).toBe("[nan+0.j  3.-1.j]");
    expect(z.at(idx).get({ mode: "fill", fillValue: 7 }).toArray()).toEqual([
      { re: 7, im: 0 },
      { re: 3, im: -1 },
    ]);
    expect(jnp.convolve(z, jnp.array([1, 1])).toArray()).toEqual([
      { re: 1, im: 2 },
      { re: 4, im: 1 },
      { re: 3, im: -1 },
    ]);
  });
});

describe("complex numbers in lexicographic order (max/min, reductions, argmax, sort)", () => {
  // NumPy's order: real part, then imaginary part.
  const z = jnp.array([
    { re: 1, im: 2 },
    { re: 3, im: -1 },
    { re: 3, im: -2 },
    { re: -1, im: 5 },
    { re: 3, im: -1 },
  ]);
  it("matches NumPy", () => {
    expect(jnp.max(z).toString()).toBe("(3-1j)");
    expect(jnp.min(z).toString()).toBe("(-1+5j)");
    expect(jnp.argmax(z).item()).toBe(1);
    expect(jnp.argmin(z).item()).toBe(3);
    expect(jnp.sort(z).toString()).toBe("[-1.+5.j  1.+2.j  3.-2.j  3.-1.j  3.-1.j]");
    expect(jnp.argsort(z).toArray()).toEqual([3, 0, 2, 1, 4]);
    expect(jnp.maximum(z, jnp.array({ re: 2, im: 0 })).toString()).toBe(
      "[2.+0.j 3.-1.j 3.-2.j 2.+0.j 3.-1.j]",
    );
    expect((jit((a: Array) => jnp.sort(a))(z) as Array).toString()).toBe(jnp.sort(z).toString());
  });
  it("splits max's gradient among ties, as JAX's", () => {
    const g = grad((w: Array) => jnp.real(jnp.max(w)))(z) as Array;
    expect(g.toArray()).toEqual([0, 0.5, 0, 0, 0.5].map((re) => ({ re, im: 0 })));
  });
});
