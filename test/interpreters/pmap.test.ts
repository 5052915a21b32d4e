/**
 * pmap over CPU devices (worker threads): every collective and composition
 * against vmap (the same program with the device axis as a batch axis),
 * gradients through pmap against gradients of the vmap version, sharded
 * results, errors and failing devices. Three devices: an odd count catches
 * off-by-one exchanges that two would hide. Workers start once for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostValues } from "../../src/core/array.js";
import {
  type Array,
  type ArrayImpl,
  checkpoint,
  config,
  customJvp,
  customVjp,
  deviceCount,
  devicePut,
  devicePutReplicated,
  devicePutSharded,
  devices,
  grad,
  importOnDevices,
  jit,
  numpy as jnp,
  jvp,
  lax,
  localDevices,
  pmap,
  vmap,
} from "../../src/index.js";
import { vals } from "../util/arrays.js";
import { expectClose } from "../util/assert.js";
import { randomArray, rng } from "../util/random.js";
import { checkPositive } from "./pmap_fixture.js";

const N = 3;
const next = rng(1234);
const rand = (shape: number[]) => randomArray(shape, "float32", next);

beforeAll(() => config.update("jaxts_cpu_devices", N));
afterAll(() => config.update("jaxts_cpu_devices", 0));

// biome-ignore lint/suspicious/noExplicitAny: test functions of any signature
type Fn = (...args: any[]) => any;

/** pmap and vmap of f over the same axis name agree on every output leaf. */
function expectPmapMatchesVmap(
  f: Fn,
  args: unknown[],
  opts: { inAxes?: unknown; outAxes?: unknown } = {},
  tol = 1e-5,
): void {
  const o = { axisName: "i", ...opts } as Parameters<typeof pmap>[1];
  const got = pmap(f, o)(...args);
  const want = vmap(f, o as Parameters<typeof vmap>[1])(...args);
  const g = [got].flat(3) as Array[];
  const w = [want].flat(3) as Array[];
  expect(g.length).toBe(w.length);
  g.forEach((x, k) => {
    expect(x.shape, `output ${k}`).toEqual(w[k]!.shape);
    expect(x.dtype, `output ${k}`).toBe(w[k]!.dtype);
    expectClose(x, w[k]!, `output ${k}`, tol, tol);
  });
}

describe("devices", () => {
  it("lists the configured number of CPU devices", () => {
    expect(deviceCount()).toBe(N);
    const ds = devices();
    expect(ds.map((d) => d.id)).toEqual([0, 1, 2]);
    expect(ds.map(String)).toEqual(["cpu:0", "cpu:1", "cpu:2"]);
    expect(localDevices()).toEqual(ds);
    expect(devices()[1]).toBe(ds[1]);
  });

  it("the setting changes the count; 0 means one per core", async () => {
    const os = await import("node:os");
    try {
      config.update("jaxts_cpu_devices", 2);
      expect(deviceCount()).toBe(2);
      config.update("jaxts_cpu_devices", 0);
      expect(deviceCount()).toBe(os.availableParallelism());
    } finally {
      config.update("jaxts_cpu_devices", N);
    }
  });

  it("arrays know their device; devicePut commits them", () => {
    const x = jnp.arange(4);
    expect(String(x.device)).toBe("cpu:0");
    const y = devicePut(x, devices()[2]);
    expect(y.device).toBe(devices()[2]);
    expect(vals(y)).toEqual(vals(x));
    const s = devicePutSharded([jnp.ones([2]), jnp.zeros([2]), jnp.ones([2])], devices());
    expect(s.shape).toEqual([3, 2]);
    expect(s.sharding.axis).toBe(0);
    expect(s.devices()).toEqual(devices());
    expect(() => s.device).toThrow(/sharded over 3 devices/);
    const r = devicePutReplicated(jnp.arange(2), devices());
    expect(vals(r)).toEqual([0, 1, 0, 1, 0, 1]);
  });
});

describe("pmap: collectives equal vmap's", () => {
  const x = rand([N, 4, 3]);

  it("psum, pmean, pmax, pmin", () => {
    expectPmapMatchesVmap(
      (v: Array) => [
        lax.psum(v, "i"),
        lax.pmean(v, "i"),
        lax.pmax(v, "i"),
        lax.pmin(v, "i"),
        lax.psum(2, "i"),
      ],
      [x],
    );
  });

  const halfCase =
    "psum, pmax, allGather, ppermute and psumScatter of halves (values, not patterns)";
  it(halfCase, () => {
    for (const d of ["float16", "bfloat16"] as const) {
      const h = jnp.array(
        [
          [0.1, -2, 3],
          [1.5, 0.25, -7],
          [2, 2, 2],
        ],
        d,
      );
      const f = (v: Array) => [
        lax.psum(v, "i"),
        lax.pmax(v, "i"),
        lax.allGather(v, "i"),
        lax.ppermute(v, "i", [
          [0, 1],
          [1, 2],
          [2, 0],
        ]),
        lax.psumScatter(v, "i", { tiled: true }),
      ];
      const got = pmap(f, { axisName: "i" })(h) as Array[];
      const want = vmap(f, { axisName: "i" })(h) as Array[];
      got.forEach((g, k) => {
        expect(g.dtype).toBe(d);
        expect(g.toArray(), `${d} output ${k}`).toEqual(want[k]!.toArray());
      });
    }
  });

  it("allGather: stacked at each axis, and tiled", () => {
    expectPmapMatchesVmap(
      (v: Array) => [
        lax.allGather(v, "i"),
        lax.allGather(v, "i", { axis: 1 }),
        lax.allGather(v, "i", { axis: 2 }),
        lax.allGather(v, "i", { tiled: true }),
        lax.allGather(v, "i", { axis: 1, tiled: true }),
      ],
      [x],
    );
  });

  it("ppermute: a cyclic shift and a partial permutation (zeros where nothing arrives)", () => {
    const shift: [number, number][] = [
      [0, 1],
      [1, 2],
      [2, 0],
    ];
    expectPmapMatchesVmap(
      (v: Array) => [lax.ppermute(v, "i", shift), lax.ppermute(v, "i", [[2, 0]])],
      [x],
    );
    const got = pmap((v: Array) => lax.ppermute(v, "i", [[2, 0]]), { axisName: "i" })(x);
    expect(vals(got).slice(12)).toEqual(new globalThis.Array(24).fill(0));
  });

  it("psumScatter: plain and tiled, along each dimension", () => {
    const y = rand([N, 3, 6]);
    expectPmapMatchesVmap(
      (v: Array) => [
        lax.psumScatter(v, "i"),
        lax.psumScatter(v, "i", { tiled: true }),
        lax.psumScatter(v, "i", { scatterDimension: 1, tiled: true }),
      ],
      [y],
    );
  });

  it("axisIndex", () => {
    expectPmapMatchesVmap((v: Array) => v.mul(lax.axisIndex("i")).add(lax.axisIndex("i")), [x]);
    const idx = pmap((_v: Array) => lax.axisIndex("i"), { axisName: "i" })(x);
    expect(vals(idx)).toEqual([0, 1, 2]);
    expect(idx.dtype).toBe("int32");
  });

  it("collectives on integers and inside lax.scan", () => {
    const ints = jnp.arange(N * 4).reshape([N, 4]);
    expectPmapMatchesVmap((v: Array) => [lax.psum(v, "i"), lax.pmax(v, "i")], [ints]);
    const cumulative = (v: Array) =>
      lax.scan(
        (c: Array, r: Array) => {
          const s = lax.psum(c.add(r), "i");
          return [s.mul(0.5), s];
        },
        jnp.zeros([3]),
        v,
      )[1];
    expectPmapMatchesVmap(cumulative, [x]);
  });
});

describe("pmap: axes, trees and sharded results", () => {
  it("inAxes (including null and a non-leading axis), outAxes (including null)", () => {
    const a = rand([4, N]);
    const b = rand([4]);
    const f = (u: Array, w: Array) => [u.mul(w), lax.psum(u, "i").sum()];
    expectPmapMatchesVmap(f, [a, b], { inAxes: [1, null], outAxes: [1, null] });
    expectPmapMatchesVmap(f, [a, b], { inAxes: [1, null], outAxes: [0, 0] });
  });

  it("pytrees in and out, and static broadcasted arguments", () => {
    const p = { w: rand([N, 2]), b: rand([N]) };
    const f = (q: { w: Array; b: Array }, scale: number) => ({
      y: q.w.mul(scale).add(q.b),
      s: lax.psum(q.b, "i"),
    });
    const got = pmap(f, { axisName: "i", staticBroadcastedArgnums: 1 })(p, 3) as {
      y: Array;
      s: Array;
    };
    const want = vmap((q: { w: Array; b: Array }) => f(q, 3), { axisName: "i" })(p) as {
      y: Array;
      s: Array;
    };
    expectClose(got.y, want.y);
    expectClose(got.s, want.s);
  });

  it("returns a sharded array that behaves like any array and goes back in without copies", () => {
    const f = pmap((v: Array) => v.mul(2), { axisName: "i" });
    const y = f(
      jnp
        .arange(N * 2)
        .reshape([N, 2])
        .astype("float32"),
    );
    expect(y.sharding.devices).toEqual(devices());
    expect(y.sharding.axis).toBe(0);
    expect(y.toString()).toBe("[[ 0.  2.]\n [ 4.  6.]\n [ 8. 10.]]");
    expect(vals(y.add(1))).toEqual([1, 3, 5, 7, 9, 11]);
    const z = f(y);
    expect(vals(z)).toEqual([0, 4, 8, 12, 16, 20]);
    // The second result's values live in the same kind of memory: shared by every device.
    expect(hostValues(z as ArrayImpl).buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it("the devices option picks and orders devices", () => {
    const ds = [devices()[2]!, devices()[0]!];
    const y = pmap((v: Array) => lax.psum(v, "i").add(lax.axisIndex("i")), {
      axisName: "i",
      devices: ds,
    })(jnp.array([1, 2]));
    expect(vals(y)).toEqual([3, 4]);
    expect(y.devices()).toEqual(ds);
  });
});

describe("pmap: compositions", () => {
  it("pmap(vmap) with two axis names equals vmap(vmap)", () => {
    const x = rand([N, 4, 3]);
    const body = (v: Array) => {
      const s = lax.psum(lax.psum(v, "b"), "d");
      return [lax.psum(v, "b"), lax.pmax(v, "d"), s, lax.allGather(v, "d"), lax.axisIndex("d")];
    };
    const got = pmap(vmap(body, { axisName: "b" }), { axisName: "d" })(x) as Array[];
    const want = vmap(vmap(body, { axisName: "b" }), { axisName: "d" })(x) as Array[];
    got.forEach((g, k) => {
      expect(g.shape).toEqual(want[k]!.shape);
      expectClose(g, want[k]!, `output ${k}`, 1e-5, 1e-5);
    });
  });

  it("vmap(pmap) equals vmap(vmap)", () => {
    const x = rand([5, N, 3]);
    const w = rand([5, 3]);
    const body = (v: Array, u: Array) => [lax.psum(v.mul(u), "d"), v.add(lax.axisIndex("d"))];
    const got = vmap(pmap(body, { axisName: "d", inAxes: [0, null] }), { inAxes: [0, 0] })(
      x,
      w,
    ) as Array[];
    const want = vmap(vmap(body, { axisName: "d", inAxes: [0, null] }), { inAxes: [0, 0] })(
      x,
      w,
    ) as Array[];
    got.forEach((g, k) => expectClose(g, want[k]!, `output ${k}`, 1e-5, 1e-5));
  });

  it("jit inside pmap and pmap inside jit", () => {
    const x = rand([N, 4]);
    const inner = jit((v: Array) => lax.pmean(jnp.sin(v), "i").mul(v));
    expectPmapMatchesVmap(inner, [x]);
    const outer = jit(pmap((v: Array) => lax.psum(v.mul(v), "i"), { axisName: "i" }));
    expectClose(outer(x), vmap((v: Array) => lax.psum(v.mul(v), "i"), { axisName: "i" })(x));
    expectClose(outer(x.mul(2)), outer(x).mul(4), "", 1e-5, 1e-5);
  });

  it("jvp through pmap equals jvp through vmap", () => {
    const x = rand([N, 3]);
    const t = rand([N, 3]);
    const f = (v: Array) => lax.psum(jnp.sin(v).mul(v), "i").add(lax.pmax(v, "i"));
    const [p1, t1] = jvp(pmap(f, { axisName: "i" }), [x], [t]) as [Array, Array];
    const [p2, t2] = jvp(vmap(f, { axisName: "i" }), [x], [t]) as [Array, Array];
    expectClose(p1, p2, "primal", 1e-5, 1e-5);
    expectClose(t1, t2, "tangent", 1e-5, 1e-5);
  });

  it("grad through pmap equals grad through vmap, for every collective", () => {
    const x = rand([N, 6]);
    const w = rand([6]);
    const shift: [number, number][] = [
      [0, 1],
      [1, 2],
      [2, 0],
    ];
    const body = (v: Array, u: Array) => {
      const h = jnp.tanh(v.mul(u));
      const g = lax.allGather(h, "i", { tiled: true });
      const s = lax.psumScatter(g.mul(g), "i", { tiled: true });
      const m = lax.pmean(h, "i").add(lax.pmax(h, "i")).add(lax.pmin(h, "i"));
      return jnp.sum(s.mul(lax.ppermute(h, "i", shift))).add(jnp.sum(m.mul(m)));
    };
    const loss = (map: Fn) => (v: Array, u: Array) =>
      jnp.sum(map(body, { axisName: "i", inAxes: [0, null] })(v, u));
    const gp = grad(loss(pmap), { argnums: [0, 1] })(x, w) as Array[];
    const gv = grad(loss(vmap), { argnums: [0, 1] })(x, w) as Array[];
    expectClose(gp[0]!, gv[0]!, "d/dx (mapped)", 1e-4, 1e-5);
    expectClose(gp[1]!, gv[1]!, "d/dw (broadcast)", 1e-4, 1e-5);
  });

  it("grad through an unmapped output (outAxes null) reaches device 0's value", () => {
    const x = rand([N, 3]);
    const first = pmap((u: Array) => jnp.sin(u).mul(lax.axisIndex("i").add(1)), {
      axisName: "i",
      outAxes: null,
    });
    const gp = grad((v: Array) => jnp.sum(first(v)))(x);
    const gv = grad((v: Array) => jnp.sum(jnp.sin(v.get(0))))(x);
    expectClose(gp, gv, "", 1e-5, 1e-6);
  });

  it("the data-parallel step: per-device gradients, pmean, identical parameters everywhere", () => {
    const xs = rand([N, 8, 3]);
    const ys = rand([N, 8]);
    const loss = (p: { w: Array; b: Array }, x: Array, y: Array) =>
      jnp.mean(x.matmul(p.w).add(p.b).sub(y).pow(2));
    const step = (p: { w: Array; b: Array }, x: Array, y: Array) => {
      const g = grad(loss)(p, x, y) as { w: Array; b: Array };
      const gw = lax.pmean(g.w, "batch");
      const gb = lax.pmean(g.b, "batch");
      return { w: p.w.sub(gw.mul(0.1)), b: p.b.sub(gb.mul(0.1)) };
    };
    const params: { w: Array; b: Array } = { w: rand([3]), b: jnp.array(0.5) };
    const replicated = {
      w: devicePutReplicated(params.w, devices()),
      b: devicePutReplicated(params.b, devices()),
    };
    const pstep = pmap(step, { axisName: "batch" });
    let p = replicated;
    for (let k = 0; k < 3; k++) p = pstep(p, xs, ys);
    // Every device holds bitwise the same parameters.
    const w = vals(p.w);
    for (let d = 1; d < N; d++) expect(w.slice(d * 3, d * 3 + 3)).toEqual(w.slice(0, 3));
    // And they are those of full-batch gradient descent on the concatenated data.
    const all = { x: xs.reshape([N * 8, 3]), y: ys.reshape([N * 8]) };
    let q = params;
    for (let k = 0; k < 3; k++) {
      const g = grad(loss)(q, all.x, all.y) as { w: Array; b: Array };
      q = { w: q.w.sub(g.w.mul(0.1)), b: q.b.sub(g.b.mul(0.1)) };
    }
    expectClose(w.slice(0, 3), q.w, "w", 1e-5, 1e-6);
    expectClose(vals(p.b).slice(0, 1), q.b, "b", 1e-5, 1e-6);
  });

  it("grad of a loss over pmap equals grad of the vmap version (the RNN of the tutorial)", () => {
    const cell = (h: Array, x: Array, w: Array) => jnp.tanh(h.matmul(w).add(x));
    const run = (xs: Array, w: Array) =>
      lax.scan((h: Array, x: Array) => [cell(h, x, w), h], jnp.zeros([3]), xs)[1];
    const seqs = rand([N, 2, 5, 3]);
    const w = rand([3, 3]).mul(0.5);
    const loss = (map: Fn) => (wt: Array) =>
      jnp.mean(map(vmap(run, { inAxes: [0, null] }), { inAxes: [0, null] })(seqs, wt).pow(2));
    expectClose(grad(loss(pmap))(w), grad(loss(vmap))(w), "", 1e-5, 1e-6);
  });
});

describe("pmap: programs with custom derivatives and control flow", () => {
  it("customJvp, customVjp and checkpoint run on devices and differentiate on the caller", () => {
    const f = customJvp((x: Array) => jnp.sin(x));
    f.defjvp(([x], [t]) => [jnp.sin(x as Array), (t as Array).mul(100)]);
    const clip = customVjp((x: Array) => x.mul(2));
    clip.defvjp(
      (x) => [(x as Array).mul(2), null],
      (_res, ct) => [jnp.clip(ct as Array, -1, 1)],
    );
    const g = checkpoint((x: Array) => jnp.sin(jnp.sin(x)));
    const body = (v: Array) => lax.psum(f(v).add(clip(v).mul(5)).add(g(v)), "i");
    const x = rand([N, 2]);
    expectPmapMatchesVmap(body, [x]);
    const loss = (map: Fn) => (v: Array) => jnp.sum(map(body, { axisName: "i" })(v));
    expectClose(grad(loss(pmap))(x), grad(loss(vmap))(x), "", 1e-5, 1e-6);
  });

  it("cond, switch and while loops with per-device data", () => {
    const body = (v: Array) => {
      const i = lax.axisIndex("i");
      const c = lax.cond(
        v.sum().gt(0),
        (u: Array) => u.mul(2),
        (u: Array) => u.neg(),
        v,
      );
      const s = lax.switch(i, [(u: Array) => u, (u: Array) => u.add(1), (u: Array) => u.mul(3)], c);
      const w = lax.whileLoop(
        (st: [Array, Array]) => st[0].lt(i.add(2)),
        (st: [Array, Array]) => [st[0].add(1), st[1].mul(1.5)] as [Array, Array],
        [jnp.array(0, "int32"), s] as [Array, Array],
      )[1];
      return lax.pmax(w, "i");
    };
    expectPmapMatchesVmap(body, [rand([N, 4])]);
  });
});

describe("pmap: errors", () => {
  it("a mapped axis that does not match the device count", () => {
    expect(() => pmap((v: Array) => v)(jnp.zeros([2, 3]))).toThrow(
      /mapped axis has size 2, but there are 3 devices \(cpu:0, cpu:1, cpu:2\)/,
    );
    expect(() => pmap((v: Array) => v, { devices: devices().slice(0, 2) })(jnp.zeros([3]))).toThrow(
      /devices option lists 2 devices/,
    );
  });

  it("inconsistent mapped sizes, no mapped input, bad axes, unbound names", () => {
    expect(() => pmap((a: Array, b: Array) => a.add(b))(jnp.zeros([3]), jnp.zeros([2]))).toThrow(
      /inconsistent sizes/,
    );
    expect(() => pmap((a: Array) => a, { inAxes: null })(jnp.zeros([3]))).toThrow(
      /at least one mapped input/,
    );
    expect(() => pmap((a: Array) => a, { inAxes: 2 })(jnp.zeros([3]))).toThrow(/out of range/);
    expect(() => pmap((a: Array) => lax.psum(a, "j"), { axisName: "i" })(jnp.zeros([3]))).toThrow(
      /unbound axis name 'j'.*'i'/,
    );
    expect(() =>
      pmap((a: Array) => lax.psumScatter(a, "i"), { axisName: "i" })(jnp.zeros([3, 2])),
    ).toThrow(/must equal the axis size 3/);
  });

  describe("a device that raises", () => {
    beforeAll(() => importOnDevices(new URL("./pmap_fixture.ts", import.meta.url).href));
    const f = pmap((v: Array) => lax.psum(checkPositive(v), "i"), { axisName: "i" });

    it("surfaces its error on the caller, naming the device, with no deadlock at the psum", () => {
      expect(() => f(jnp.array([1, -2, 3]))).toThrow(
        /pmap: device cpu:1 raised: negative value -2 at 0/,
      );
      expect(() => f(jnp.array([1, 2, -3]))).toThrow(/device cpu:2 raised/);
    });

    it("and the pool keeps working", () => {
      expect(vals(f(jnp.array([1, 2, 3])))).toEqual([6, 6, 6]);
      expect(vals(pmap((v: Array) => v.mul(2))(jnp.array([1, 2, 3])))).toEqual([2, 4, 6]);
    });
  });
});
