/**
 * ppermute and psum_scatter under vmap (their batch rules), checked against
 * references written as plain loops over the members; the transpose rules of
 * all_gather, psum_scatter and ppermute by the transpose identity; the rules
 * for another axis (nested vmaps); pytree collectives; argument errors.
 */
import { describe, expect, it } from "vitest";
import { hostValues } from "../../src/core/array.js";
import {
  type Array,
  ArrayImpl,
  grad,
  jit,
  numpy as jnp,
  lax,
  vmap,
  withX64,
} from "../../src/index.js";
import { stack, take, vals } from "../util/arrays.js";
import { expectClose, expectSame } from "../util/assert.js";
import { randomArray, rng } from "../util/random.js";
import { checkTranspose } from "../util/transforms.js";

const next = rng(99);
const rand = (shape: number[], dtype: "float32" | "float64" = "float32") =>
  randomArray(shape, dtype, next);

/** The members' values along axis 0 of x. */
const members = (x: Array): ArrayImpl[] =>
  globalThis.Array.from({ length: x.shape[0]! }, (_, i) => take(x, 0, i));

/** Elementwise sum of equal-shaped arrays, in member order. */
function sumOf(xs: ArrayImpl[]): ArrayImpl {
  const out = new Float64Array(xs[0]!.size);
  for (const x of xs) hostValues(x).forEach((v, k) => (out[k]! += Number(v)));
  return ArrayImpl.fromData(Float32Array.from(out), [...xs[0]!.shape]);
}

/** Block `i` (of `n`) of x along `dim`, the dimension kept when tiled, removed when not. */
function block(x: ArrayImpl, dim: number, i: number, n: number, tiled: boolean): ArrayImpl {
  if (!tiled) return take(x, dim, i);
  const size = x.shape[dim]! / n;
  const parts = globalThis.Array.from({ length: size }, (_, k) => take(x, dim, i * size + k));
  return stack(parts, dim);
}

describe("lax.ppermute under vmap", () => {
  const perms: [string, [number, number][]][] = [
    ["a cyclic shift", [0, 1, 2, 3].map((i) => [i, (i + 1) % 4] as [number, number])],
    ["a reversal", [0, 1, 2, 3].map((i) => [i, 3 - i] as [number, number])],
    [
      "a partial permutation",
      [
        [1, 0],
        [3, 2],
      ],
    ],
    ["the empty permutation", []],
  ];
  for (const [what, perm] of perms) {
    it(`${what}: member d receives member s's value, zeros where nothing arrives`, () => {
      const x = rand([4, 2, 3]);
      const xs = members(x);
      const want = stack(
        [0, 1, 2, 3].map((d) => {
          const src = perm.find(([, dst]) => dst === d)?.[0];
          return src === undefined ? ArrayImpl.full([2, 3], 0, "float32") : xs[src]!;
        }),
        0,
      );
      const f = (v: Array) => lax.ppermute(v, "i", perm);
      expectSame(vmap(f, { axisName: "i" })(x), want, what);
      expectSame(jit(vmap(f, { axisName: "i" }))(x), want, `jit ${what}`);
      // The batch axis elsewhere, and out elsewhere: the same values moved.
      expectSame(
        vmap(f, { axisName: "i", inAxes: 1, outAxes: 2 })(x.transpose([1, 0, 2])),
        jnp.moveaxis(want, 0, 2),
        what,
      );
    });
  }

  it("an unbatched operand: every member sends the same value", () => {
    const y = rand([3]);
    const got = vmap((_: Array) => lax.ppermute(y, "i", [[0, 2]]), { axisName: "i" })(
      jnp.zeros([3]),
    );
    expect(vals(got)).toEqual([0, 0, 0, 0, 0, 0, ...vals(y)]);
  });

  it("is linear: the transpose sends back along the inverted pairs", () => {
    const perm: [number, number][] = [
      [0, 2],
      [2, 1],
      [1, 0],
    ];
    const f = vmap((v: Array) => lax.ppermute(v, "i", perm), { axisName: "i" });
    withX64(() => checkTranspose(f, rand([3, 4], "float64"), rand([3, 4], "float64"), "ppermute"));
  });

  it("rejects pairs that are not a permutation of the members", () => {
    const x = jnp.zeros([3]);
    expect(() => vmap((v: Array) => lax.ppermute(v, "i", [[0, 3]]), { axisName: "i" })(x)).toThrow(
      /pair \[0, 3\] names a member outside the axis 'i' of size 3/,
    );
    expect(() =>
      vmap(
        (v: Array) =>
          lax.ppermute(v, "i", [
            [0, 1],
            [2, 1],
          ]),
        { axisName: "i" },
      )(x),
    ).toThrow(/member 1 receives more than once/);
  });
});

describe("lax.psumScatter under vmap", () => {
  const cases: [number[], number, boolean][] = [
    [[4, 4, 3], 0, false],
    [[4, 3, 4], 1, false],
    [[4, 8, 3], 0, true],
    [[4, 3, 12], 1, true],
  ];
  for (const [shape, dim, tiled] of cases) {
    it(`member i keeps block i of the sum: shape ${shape}, dim ${dim}, tiled ${tiled}`, () => {
      const x = rand(shape);
      const total = sumOf(members(x));
      const want = stack(
        [0, 1, 2, 3].map((i) => block(total, dim, i, 4, tiled)),
        0,
      );
      const f = (v: Array) => lax.psumScatter(v, "i", { scatterDimension: dim, tiled });
      expectSame(vmap(f, { axisName: "i" })(x), want, "", 1e-5, 1e-5);
      expectSame(jit(vmap(f, { axisName: "i" }))(x), want, "jit", 1e-5, 1e-5);
    });
  }

  it("an unbatched operand: n copies summed", () => {
    const y = rand([3, 2]);
    const got = vmap((_: Array) => lax.psumScatter(y, "i"), { axisName: "i" })(jnp.zeros([3]));
    expectClose(got, y.mul(3));
  });

  it("and all_gather transpose into each other", () =>
    withX64(() => {
      const ps = vmap((v: Array) => lax.psumScatter(v, "i", { tiled: true }), { axisName: "i" });
      checkTranspose(ps, rand([3, 6, 2], "float64"), rand([3, 2, 2], "float64"), "psum_scatter");
      for (const [axis, tiled] of [
        [0, false],
        [1, false],
        [0, true],
        [1, true],
      ] as const) {
        const ag = vmap((v: Array) => lax.allGather(v, "i", { axis, tiled }), { axisName: "i" });
        const t = rand([3, 2, 4], "float64");
        const ct = rand([...(ag(t) as Array).shape], "float64");
        checkTranspose(ag, t, ct, `all_gather axis ${axis} tiled ${tiled}`);
      }
    }));

  it("checks the scatter dimension against the axis size", () => {
    const f = (shape: number[], tiled: boolean) =>
      vmap((v: Array) => lax.psumScatter(v, "i", { tiled }), { axisName: "i" })(jnp.zeros(shape));
    expect(() => f([3, 2], false)).toThrow(/must equal the axis size 3 \(or use tiled: true\)/);
    expect(() => f([3, 4], true)).toThrow(/must be divisible by the axis size 3/);
    expect(() =>
      vmap((v: Array) => lax.psumScatter(v, "i", { scatterDimension: 2 }), { axisName: "i" })(
        jnp.zeros([3, 3]),
      ),
    ).toThrow(/scatterDimension 2 is out of range/);
  });
});

describe("collectives over an outer axis (nested vmap)", () => {
  it("psumScatter, allGather and ppermute over the outer name, per inner member", () => {
    const x = rand([3, 2, 3, 4]);
    const inner = (v: Array) => [
      lax.psumScatter(v, "outer"),
      lax.allGather(v, "outer", { axis: 1 }),
      lax.ppermute(v, "outer", [
        [0, 1],
        [1, 2],
        [2, 0],
      ]),
    ];
    const nested = vmap(vmap(inner, { axisName: "inner" }), { axisName: "outer" })(x) as Array[];
    // The reference: for each inner member j, the collectives over the outer members alone.
    const perInner = (j: number) => vmap(inner, { axisName: "outer" })(take(x, 1, j)) as Array[];
    const want = [0, 1].map(perInner);
    nested.forEach((got, k) => {
      expectClose(got, stack([want[0]![k]!, want[1]![k]!], 1), `output ${k}`, 1e-5, 1e-5);
    });
  });

  it("an outer all_gather inside an unnamed inner vmap: every outer member sees the total", () => {
    const x = rand([2, 3, 4]);
    const f = (v: Array) => vmap((u: Array) => lax.allGather(u, "o", { axis: 0 }).sum(0))(v);
    const got = vmap(f, { axisName: "o" })(x);
    const total = sumOf(members(x));
    expectClose(got, stack([total, total], 0), "", 1e-5, 1e-5);
  });
});

describe("collectives of constants inside a staged jaxpr", () => {
  it("vmap of a jitted function: axisIndex and psum of a constant still see the batch axis", () => {
    const f = jit((x: Array) => [x.add(lax.axisIndex("i")), lax.psum(1, "i")]);
    const [a, b] = vmap(f, { axisName: "i" })(jnp.zeros([3])) as Array[];
    expect(vals(a!)).toEqual([0, 1, 2]);
    expect(vals(b!)).toEqual([3, 3, 3]);
  });
});

describe("pytrees", () => {
  it("psum, pmean, pmax and pmin apply to every leaf", () => {
    const tree = { a: rand([3, 2]), b: [rand([3])] };
    const f = (t: { a: Array; b: Array[] }) => ({
      s: lax.psum(t, "i"),
      m: lax.pmean(t, "i"),
      hi: lax.pmax(t, "i"),
      lo: lax.pmin(t, "i"),
    });
    const got = vmap(f, { axisName: "i" })(tree) as ReturnType<typeof f>;
    const sumA = sumOf(members(tree.a));
    expectClose(take(got.s.a, 0, 1), sumA, "", 1e-6, 1e-6);
    expectClose(take(got.m.b[0]!, 0, 0), jnp.mean(tree.b[0]!), "", 1e-6, 1e-6);
    expectClose(take(got.hi.a, 0, 2), jnp.max(tree.a, 0));
    expectClose(take(got.lo.b[0]!, 0, 0), jnp.min(tree.b[0]!));
  });

  it("gradients of a pmean'd pytree", () => {
    const w = rand([3, 2]);
    const loss = (v: Array) =>
      jnp.sum(vmap((u: Array) => lax.pmean({ u: u.mul(u) }, "i").u, { axisName: "i" })(v));
    // Every member's output is the mean of squares: the sum over members is Σ u², gradient 2u.
    expectClose(grad(loss)(w), w.mul(2), "", 1e-6, 1e-6);
  });
});
