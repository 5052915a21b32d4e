/**
 * `jnp.fft` against NumPy (test/fixtures/fft.py): every function, every
 * norm, n/s cropping and padding, axis/axes (negative too), in complex128
 * (jax_enable_x64) and complex64, eagerly and under jit; the argument forms
 * (positional, options object, both) and JAX's errors.
 */
import { describe, expect, it } from "vitest";
import { withX64 } from "../../src/config.js";
import { type Array, ArrayImpl, hostValues } from "../../src/core/array.js";
import type { DType } from "../../src/dtype.js";
import { ValueError } from "../../src/errors.js";
import { jit, lax, numpy, testUtil, vmap } from "../../src/index.js";
import { imag, real } from "../../src/lax/complex.js";
import * as F from "../../src/numpy/fft.js";
import { readFixture } from "../util/index.js";

interface FxData {
  shape: number[];
  dtype: "float64" | "complex128";
  data: (number | [number, number])[];
}
interface FxCase {
  name: string;
  fn: string;
  x?: FxData;
  args: {
    n?: number;
    s?: number[];
    axis?: number;
    axes?: number | number[];
    norm?: F.FftNorm;
    d?: number;
  };
  out: FxData;
}
const { cases } = readFixture<{ cases: FxCase[] }>("fft.json");

/** A fixture array in complex128/float64 (`wide`) or complex64/float32. */
function input(a: FxData, wide: boolean): Array {
  const complex = a.dtype === "complex128";
  const n = a.data.length * (complex ? 2 : 1);
  const data = wide ? new Float64Array(n) : new Float32Array(n);
  a.data.forEach((v, i) => {
    if (typeof v === "number") data[i] = v;
    else [data[2 * i], data[2 * i + 1]] = v;
  });
  const dtype: DType = complex ? (wide ? "complex128" : "complex64") : wide ? "float64" : "float32";
  return ArrayImpl.fromData(data, a.shape, false, dtype);
}

function flat(a: FxData): number[] {
  return a.data.flatMap((v) => (typeof v === "number" ? [v] : v));
}

type Fn = (x: Array) => Array;

const ONE_D = {
  fft: F.fft,
  ifft: F.ifft,
  rfft: F.rfft,
  irfft: F.irfft,
  hfft: F.hfft,
  ihfft: F.ihfft,
};
const N_D = {
  fft2: F.fft2,
  ifft2: F.ifft2,
  rfft2: F.rfft2,
  irfft2: F.irfft2,
  fftn: F.fftn,
  ifftn: F.ifftn,
  rfftn: F.rfftn,
  irfftn: F.irfftn,
};
const SHIFTS = { fftshift: F.fftshift, ifftshift: F.ifftshift };

/** The jnp.fft call a case makes. */
function call(c: FxCase, dtype: DType): Fn | null {
  const a = c.args;
  switch (c.fn) {
    case "fft":
    case "ifft":
    case "rfft":
    case "irfft":
    case "hfft":
    case "ihfft": {
      const f = ONE_D[c.fn];
      return (x) => f(x, { n: a.n, axis: a.axis, norm: a.norm });
    }
    case "fft2":
    case "ifft2":
    case "rfft2":
    case "irfft2":
    case "fftn":
    case "ifftn":
    case "rfftn":
    case "irfftn": {
      const f = N_D[c.fn];
      return (x) => f(x, { s: a.s, axes: a.axes as number[] | undefined, norm: a.norm });
    }
    case "fftshift":
    case "ifftshift": {
      const f = SHIFTS[c.fn];
      return (x) => f(x, a.axes);
    }
    case "fftfreq":
    case "rfftfreq":
      return null;
    default:
      throw new Error(`unknown fixture function ${c.fn} (${dtype})`);
  }
}

function compare(got: Array, c: FxCase, tol: number, what: string): void {
  const want = flat(c.out);
  expect(got.shape, what).toEqual(c.out.shape);
  const complexOut = c.out.dtype === "complex128";
  expect(got.dtype.startsWith("complex"), `${what}: dtype ${got.dtype}`).toBe(complexOut);
  const v = hostValues(got as ArrayImpl);
  expect(v.length, what).toBe(want.length);
  let mag = 0;
  for (const w of want) mag = Math.max(mag, Math.abs(w));
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(v[i]! - want[i]!);
    if (!(err <= tol * (mag + 1e-300) + 1e-300)) {
      throw new Error(`${what}: element ${i} is ${v[i]}, expected ${want[i]} (max |x| ${mag})`);
    }
  }
}

describe("jnp.fft against NumPy", () => {
  const transforms = cases.filter((c) => c.x !== undefined);

  it("complex128 / float64 (x64), eager and jit", () => {
    withX64(() => {
      for (const c of transforms) {
        const f = call(c, "complex128")!;
        const x = input(c.x!, true);
        const eager = f(x);
        expect(eager.dtype, c.name).toBe(c.out.dtype);
        compare(eager, c, 1e-13, c.name);
        compare(jit(f)(x), c, 1e-13, `jit ${c.name}`);
      }
    });
    expect(transforms.length).toBeGreaterThan(200);
  });

  it("complex64 / float32, eager and jit equal bit for bit", () => {
    for (const c of transforms) {
      const f = call(c, "complex64")!;
      const x = input(c.x!, false);
      const eager = f(x);
      if (c.out.dtype === "complex128") expect(eager.dtype, c.name).toBe("complex64");
      compare(eager, c, 2e-6, c.name);
      const compiled = jit(f)(x);
      expect([...hostValues(compiled as ArrayImpl)], `jit ${c.name}`).toEqual([
        ...hostValues(eager as ArrayImpl),
      ]);
    }
  });

  it("is jnp.fft", () => {
    expect(numpy.fft.fft).toBe(F.fft);
    expect(numpy.fft.irfftn).toBe(F.irfftn);
  });

  it("fftfreq and rfftfreq, in float64 and the default float32", () => {
    for (const c of cases.filter((c) => c.x === undefined)) {
      const f = c.fn === "fftfreq" ? F.fftfreq : F.rfftfreq;
      withX64(() => compare(f(c.args.n!, c.args.d!, { dtype: "float64" }), c, 1e-15, c.name));
      const y = f(c.args.n!, c.args.d);
      expect(y.dtype).toBe("float32");
      compare(y, c, 1e-7, `float32 ${c.name}`);
    }
  });
});

describe("jnp.fft arguments and errors", () => {
  const x = ArrayImpl.fromData(new Float32Array([1, 2, 4, 7, 5, 3, 1, 9]), [2, 4]);

  it("positional arguments, an options object, or both", () => {
    const ref = hostValues(F.fft(x, { n: 3, axis: 0, norm: "ortho" }) as ArrayImpl);
    expect([...hostValues(F.fft(x, 3, 0, "ortho") as ArrayImpl)]).toEqual([...ref]);
    expect([...hostValues(F.fft(x, 3, { axis: 0, norm: "ortho" }) as ArrayImpl)]).toEqual([...ref]);
    expect([...hostValues(F.fftn(x, [3], [0], "ortho") as ArrayImpl)]).toEqual([...ref]);
    expect(() => F.fft(x, 3, { n: 4 })).toThrow(/multiple values for argument 'n'/);
    expect(() => F.fft(x, { nn: 3 } as F.Fft1dOptions)).toThrow(TypeError);
    expect(() => F.fftn(x, { axis: 0 } as F.FftNdOptions)).toThrow(/axes/);
    expect([...hostValues(F.fftshift(x, { axes: 1 }) as ArrayImpl)]).toEqual([
      ...hostValues(F.fftshift(x, 1) as ArrayImpl),
    ]);
    expect([...hostValues(F.fftfreq(4, { d: 0.5 }) as ArrayImpl)]).toEqual([0, 0.5, -1, -0.5]);
    expect([...hostValues(F.rfftfreq(4, 0.5, { dtype: "float32" }) as ArrayImpl)]).toEqual([
      0, 0.5, 1,
    ]);
    expect(() => F.fftfreq(4, 0.5, { d: 1 })).toThrow(/multiple values for argument 'd'/);
  });

  it("JAX's examples print JAX's values", () => {
    // jnp.fft.fft(jnp.array([[1, 2, 4, 7], [5, 3, 1, 9]])) in JAX's docstring.
    expect(F.fft(x).toString()).toBe(
      "[[14.+0.j -3.+5.j -4.+0.j -3.-5.j]\n [18.+0.j  4.+6.j -6.+0.j  4.-6.j]]",
    );
    const r = ArrayImpl.fromData(new Float32Array([1, 3, 5, 2, 4, 6]), [2, 3]);
    expect(F.irfft(r).toString()).toBe("[[ 3. -1.  0. -1.]\n [ 4. -1.  0. -1.]]");
  });

  it("errors name the function and the argument", () => {
    expect(() => F.fft(x, { norm: "both" as F.FftNorm })).toThrow(ValueError);
    expect(() => F.fft(x, { norm: "both" as F.FftNorm })).toThrow(/jnp\.fft\.fft: invalid norm/);
    expect(() => F.fftn(x, [2, 2], [0])).toThrow(/shape and axes have different lengths/);
    expect(() => F.fftn(x, null, [0, 0])).toThrow(/repeated axes/);
    expect(() => F.fftn(x, [-1])).toThrow(/non-negative/);
    expect(() => F.fft2(x, null, [0])).toThrow(/only supports 2 axes/);
    expect(() => F.fft(x, null, 2)).toThrow(/axis/);
    const x4 = ArrayImpl.fromData(new Float32Array(16), [2, 2, 2, 2]);
    expect(() => F.fftn(x4)).toThrow(/only 1D, 2D and 3D FFTs/);
    expect(() => F.rfft(F.fft(x))).toThrow(/only real valued inputs/);
    expect(() => F.fftfreq([4] as unknown as number)).toThrow(/only takes an int/);
  });
});

describe("jnp.fft under transformations", () => {
  const realIn = (shape: number[], seed: number) => {
    let s = seed;
    const v = globalThis.Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 30 - 1;
    });
    return ArrayImpl.fromData(new Float64Array(v), shape, false, "float64");
  };
  const parts = (y: Array): Array[] => (y.dtype.startsWith("complex") ? [real(y), imag(y)] : [y]);
  const FNS: [string, (x: Array) => Array][] = [
    ["fft n=7 (pad) ortho", (x) => F.fft(x, 7, -1, "ortho")],
    ["rfft n=4 forward", (x) => F.rfft(x, { n: 4, norm: "forward" })],
    ["irfft", (x) => F.irfft(x)],
    ["irfft n=5 axis 0", (x) => F.irfft(x, 5, 0)],
    ["hfft n=6", (x) => F.hfft(x, 6)],
    ["ihfft ortho", (x) => F.ihfft(x, null, -1, "ortho")],
    ["rfftn s=[3, 6]", (x) => F.rfftn(x, [3, 6])],
    ["irfftn axes [0, 1]", (x) => F.irfftn(x, null, [0, 1])],
    ["fftshift", (x) => F.fftshift(x)],
  ];

  /** Complex results moved back to their axes (a transpose of complex tangents). */
  const MOVED: [string, (x: Array) => Array][] = [
    ["ifft n=3 (crop) axis 0", (x) => F.ifft(x, 3, 0)],
    ["fft2 axes [1, 0]", (x) => F.fft2(x, null, [1, 0])],
  ];

  const gradCases = (fns: [string, (x: Array) => Array][]) => () => {
    withX64(() => {
      for (const [what, f] of fns) {
        try {
          testUtil.checkGrads((x: Array) => parts(f(x)), [realIn([4, 5], 7)], 2, {
            atol: 1e-7,
            rtol: 1e-7,
          });
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`);
        }
      }
    });
  };

  it("jvp and vjp against finite differences of real-valued outputs", gradCases(FNS));

  it("jvp and vjp through complex results on moved axes", gradCases(MOVED));

  it("vmap over a leading batch equals a loop, eagerly and under jit", () => {
    withX64(() => {
      for (const [what, f] of [...FNS, ...MOVED]) {
        const xs = realIn([3, 4, 5], 9);
        const batched = vmap(f)(xs);
        const compiled = jit(vmap(f))(xs);
        expect([...hostValues(compiled as ArrayImpl)], what).toEqual([
          ...hostValues(batched as ArrayImpl),
        ]);
        for (let i = 0; i < 3; i++) {
          const one = hostValues(f(xs.get(i)) as ArrayImpl);
          const got = hostValues(batched.get(i) as ArrayImpl);
          one.forEach((v, k) => expect(Math.abs(got[k]! - v), what).toBeLessThan(1e-12));
        }
      }
    });
  });

  it("grad of a loss through rfft and irfft", () => {
    withX64(() => {
      // Σ (irfft(rfft(x) · h))² with a fixed filter h: a convolution, linear in x.
      const h = F.rfft(realIn([8], 3));
      const loss = (x: Array) => {
        const y = F.irfft(lax.mul(F.rfft(x), h), 8);
        return lax.reduceSum(lax.mul(y, y), [0]);
      };
      testUtil.checkGrads(loss, [realIn([8], 5)], 2, { atol: 1e-7, rtol: 1e-7 });
    });
  });
});
