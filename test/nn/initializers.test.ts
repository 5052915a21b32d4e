import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Array, jit, withX64 } from "../../src/index.js";
import * as init from "../../src/nn/initializers.js";
import * as random from "../../src/random/index.js";
import { legacy } from "../random/helpers.js";
import { expectClose, eye, gram, vals } from "../util/index.js";

const key42 = random.key(42);

const sampleVariance = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

describe("constant initializers", () => {
  // jax/_src/nn/initializers.py docstrings of zeros, ones and constant(-7).
  it("zeros, ones, constant", () => {
    const z = init.zeros(key42, [2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe("float32");
    expect(vals(z)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(vals(init.ones(key42, [3, 2], "float32"))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(vals(init.constant(-7)(key42, [2, 3], "float32"))).toEqual([-7, -7, -7, -7, -7, -7]);
    expect(init.constant(2, "int32")(key42, [2]).dtype).toBe("int32");
  });
});

describe("JAX's documented values (recorded with jax_threefry_partitionable=False)", () => {
  // jax/_src/nn/initializers.py: each initializer's docstring example, initializer(jax.random.key(42), (2, 3), float32).
  const cases: [string, init.Initializer, number[]][] = [
    [
      "uniform(10.0)",
      init.uniform(10.0),
      [7.298188, 8.691938, 8.7230015, 2.0818567, 1.8662417, 5.5022564],
    ],
    [
      "normal(5.0)",
      init.normal(5.0),
      [3.0613258, 5.6129413, 5.6866574, -4.063663, -4.4520254, 0.63115686],
    ],
    [
      "truncated_normal(5.0)",
      init.truncatedNormal(5.0),
      [2.9047365, 5.2338114, 5.29852, -3.836303, -4.192359, 0.6022964],
    ],
    [
      "glorot_uniform()",
      init.glorotUniform(),
      [0.50350785, 0.8088631, 0.81566876, -0.6393332, -0.6865721, 0.11003882],
    ],
    [
      "glorot_normal()",
      init.glorotNormal(),
      [0.41770416, 0.75262755, 0.7619329, -0.5516644, -0.6028657, 0.08661086],
    ],
    [
      "lecun_uniform()",
      init.lecunUniform(),
      [0.56293887, 0.90433645, 0.9119454, -0.71479625, -0.7676109, 0.12302713],
    ],
    [
      "lecun_normal()",
      init.lecunNormal(),
      [0.46700746, 0.8414632, 0.8518669, -0.61677957, -0.67402434, 0.09683388],
    ],
    [
      "he_uniform()",
      init.heUniform(),
      [0.79611576, 1.2789248, 1.2896855, -1.0108745, -1.0855657, 0.17398663],
    ],
    [
      "he_normal()",
      init.heNormal(),
      [0.6604483, 1.1900088, 1.2047218, -0.87225807, -0.95321447, 0.1369438],
    ],
    // A 6-digit cancellation in the last entry: compare with an absolute tolerance.
    [
      "orthogonal()",
      init.orthogonal(),
      [0.39026976, 0.72495741, -0.56756169, 0.88047469, -0.47409311, -1.3157725e-4],
    ],
  ];
  it.each(cases)("%s", (_name, initializer, expected) => {
    legacy(() => {
      const w = initializer(key42, [2, 3], "float32");
      expect(w.shape).toEqual([2, 3]);
      expectClose(vals(w), expected, "", 2e-6, 1e-6);
    });
  });

  it("delta_orthogonal() puts its docstring's matrix at the center of a (3, 3, 3) kernel", () => {
    legacy(() => {
      const w = vals(init.deltaOrthogonal()(key42, [3, 3, 3], "float32"));
      expect(w.slice(0, 9).every((v) => v === 0) && w.slice(18).every((v) => v === 0)).toBe(true);
      expectClose(
        w.slice(9, 18),
        [
          0.27858758, -0.7949833, -0.53887904, 0.9120717, 0.04322892, 0.40774566, -0.30085585,
          -0.6050892, 0.73712474,
        ],
        "",
        2e-6,
        1e-6,
      );
    });
  });

  it("aliases: xavier = glorot, kaiming = he", () => {
    expect(vals(init.xavierNormal()(key42, [4, 5]))).toEqual(
      vals(init.glorotNormal()(key42, [4, 5])),
    );
    expect(vals(init.kaimingUniform()(key42, [4, 5]))).toEqual(
      vals(init.heUniform()(key42, [4, 5])),
    );
  });
});

describe("variance scaling", () => {
  it("computes fans of dense and convolutional kernels", () => {
    expect(init.computeFans([20, 30])).toEqual([20, 30]);
    // HWIO conv kernel: receptive field 3·3.
    expect(init.computeFans([3, 3, 16, 32])).toEqual([144, 288]);
    expect(init.computeFans([8, 3, 3, 16, 32], { batchAxis: 0 })).toEqual([144, 288]);
    expect(init.computeFans([32, 16, 3, 3], { inAxis: 1, outAxis: 0 })).toEqual([144, 288]);
    expect(init.computeFans([2, 3, 4, 5], { inAxis: [0, 1], outAxis: [2, 3] })).toEqual([6, 20]);
  });

  const modes: init.FanMode[] = ["fan_in", "fan_out", "fan_avg", "fan_geo_avg"];
  const dists: init.ScalingDistribution[] = ["truncated_normal", "normal", "uniform"];
  const shape = [120, 250];
  const fan = { fan_in: 120, fan_out: 250, fan_avg: 185, fan_geo_avg: Math.sqrt(120 * 250) };
  for (const mode of modes) {
    for (const dist of dists) {
      it(`${mode} ${dist}: variance scale/n`, () => {
        const w = init.varianceScaling(2.0, mode, dist)(random.PRNGKey(3), shape);
        expect(w.shape).toEqual(shape);
        const target = 2.0 / fan[mode];
        expect(Math.abs(sampleVariance(vals(w)) / target - 1)).toBeLessThan(0.05);
        const bound =
          dist === "uniform"
            ? Math.sqrt(3 * target)
            : dist === "truncated_normal"
              ? (2 * Math.sqrt(target)) / 0.87962566103423978
              : Number.POSITIVE_INFINITY;
        expect(vals(w).every((v) => Math.abs(v) <= bound * (1 + 1e-6))).toBe(true);
      });
    }
  }

  it("honours dtype: the builder's default, the call's, and float64 with x64", () => {
    expect(init.heNormal({ dtype: "float32" })(key42, [3, 4]).dtype).toBe("float32");
    withX64(() => {
      expect(init.glorotUniform()(key42, [3, 4], "float64").dtype).toBe("float64");
      expect(init.normal(1.0)(key42, [3]).dtype).toBe("float64");
    });
  });

  it("jit gives the eager weights", () => {
    const f = (k: Array) => init.glorotNormal()(k, [5, 7]);
    expect(vals(jit(f)(key42))).toEqual(vals(f(key42)));
  });

  it("explains bad arguments", () => {
    expect(() => init.glorotUniform()(key42, [5])).toThrow(
      /can't compute input and output sizes of a 1-dimensional weights tensor with the default inAxis/,
    );
    expect(() => init.varianceScaling(1, "fan_mid" as init.FanMode, "normal")).toThrow(
      /invalid mode for variance scaling initializer: "fan_mid"/,
    );
    expect(() => init.varianceScaling(1, "fan_in", "cauchy" as init.ScalingDistribution)).toThrow(
      /invalid distribution for variance scaling initializer: "cauchy"/,
    );
    expect(() => init.heUniform()(key42, [3, 4], "int32")).toThrow(/dtype must be a float dtype/);
  });
});

describe("orthogonal", () => {
  it("has orthonormal columns (tall) or rows (wide), scaled", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        (seed, r, c) => {
          const w = vals(init.orthogonal(2.0)(random.PRNGKey(seed), [r, c]));
          const half = w.map((v) => v / 2);
          if (r >= c) expectClose(gram(half, r, c), eye(c), "", 1e-5, 1e-5);
          else {
            const t = globalThis.Array.from(
              { length: r * c },
              (_, i) => half[(i % r) * c + Math.floor(i / r)]!,
            );
            expectClose(gram(t, c, r), eye(r), "", 1e-5, 1e-5);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("orthogonalizes along columnAxis of an n-d kernel", () => {
    const w = init.orthogonal(1.0, 0)(random.PRNGKey(1), [4, 3, 2]);
    expect(w.shape).toEqual([4, 3, 2]);
    // Columns are the 4 slices along axis 0, each flattened to 6 rows.
    const d = vals(w);
    const cols = globalThis.Array.from(
      { length: 6 * 4 },
      (_, i) => d[(i % 4) * 6 + Math.floor(i / 4)]!,
    );
    expectClose(gram(cols, 6, 4), eye(4), "", 1e-5, 1e-5);
    expect(vals(init.orthogonal()(key42, [0, 3]))).toEqual([]);
    expect(() => init.orthogonal()(key42, [3])).toThrow(
      /requires at least a 2-D shape, got \(3,\)/,
    );
  });

  it("random.orthogonal samples from O(n): orthogonal, determinant ±1 both occur", () => {
    const q = random.orthogonal(random.PRNGKey(4), 3, [50]);
    expect(q.shape).toEqual([50, 3, 3]);
    const d = vals(q);
    const dets = new Set<number>();
    for (let b = 0; b < 50; b++) {
      const m = d.slice(9 * b, 9 * b + 9);
      expectClose(gram(m, 3, 3), eye(3), "", 1e-5, 1e-5);
      const det =
        m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
        m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
        m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
      dets.add(Math.round(det));
    }
    expect([...dets].sort()).toEqual([-1, 1]);
  });
});
