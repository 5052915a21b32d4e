/**
 * What crosses to a device: jaxprs serialized and rebuilt (nested jaxprs,
 * literals including NaN and infinities, constants, custom derivative calls
 * inlined) evaluate exactly as the originals; and pmap without a device
 * runtime (no worker threads) evaluates its shards on the caller.
 */
import { describe, expect, it } from "vitest";
import { ArrayImpl } from "../../src/core/array.js";
import { evalClosedJaxpr } from "../../src/core/jaxpr.js";
import { deviceRuntime, setDeviceRuntime } from "../../src/devices/device.js";
import { deserializeClosedJaxpr, serializeClosedJaxpr } from "../../src/devices/serialize.js";
import { type Array, customJvp, jit, numpy as jnp, lax, makeJaxpr, pmap } from "../../src/index.js";
import { vals } from "../util/arrays.js";
import { expectSame } from "../util/assert.js";
import { randomArray, rng } from "../util/random.js";

const next = rng(7);

/** The structured clone postMessage makes, then the rebuilt jaxpr. */
const roundTrip = (closed: ReturnType<ReturnType<typeof makeJaxpr>>) =>
  deserializeClosedJaxpr(structuredClone(serializeClosedJaxpr(closed)));

describe("jaxpr serialization", () => {
  it("rebuilds nested jaxprs, literals, constants and params that evaluate as the originals", () => {
    const table = randomArray([4, 3], "float32", next);
    const f = customJvp((x: Array) => jnp.tanh(x));
    f.defjvp(([x], [t]) => [jnp.tanh(x as Array), t as Array]);
    const inner = jit((v: Array) => v.mul(Number.POSITIVE_INFINITY).add(Number.NaN).sum());
    const prog = (x: Array, k: Array) => {
      const [carry, ys] = lax.scan(
        (c: Array, r: Array) => [c.add(r.matmul(table)), jnp.where(r.gt(0), r, -1)],
        jnp.zeros([3]),
        x,
      );
      const picked = lax.switch(k, [(u: Array) => u, (u: Array) => f(u)], carry);
      const g = lax.dynamicSlice(ys, [k, 0], [1, 4]);
      return [picked, g, inner(x), jnp.sort(x, 0), jnp.take(x, jnp.array([3, 0], "int32"), 0)];
    };
    const x = randomArray([5, 4], "float32", next);
    const k = jnp.array(1, "int32");
    const closed = makeJaxpr(prog)(x, k);
    const rebuilt = roundTrip(closed);
    // The same program, but for the custom_jvp call, now a call of its primal jaxpr.
    const text = (c: typeof closed) => c.toString().split("\n");
    const differ = text(rebuilt).filter((l) => !text(closed).includes(l));
    expect(text(closed).filter((l) => l.includes("custom_jvp_call"))).toHaveLength(1);
    expect(rebuilt.toString()).not.toContain("custom_jvp_call");
    expect(differ.join("\n")).toMatch(
      /pjit\[\s+name=fn\s+jaxpr=\{ lambda ; a:f32\[3\]\. let\s+b:f32\[3\] = tanh a/,
    );
    const want = evalClosedJaxpr(closed, [x, k]);
    const got = evalClosedJaxpr(rebuilt, [x, k]);
    // Equal up to the last bit of float32 kernels: the inlined call runs compiled, the original eagerly.
    got.forEach((g, i) => expectSame(g, want[i]!, `output ${i}`, 3e-7, 0));
  });

  it("refuses tracer constants and unknown primitives with clear errors", () => {
    const closed = makeJaxpr((x: Array) => x.mul(2))(jnp.ones([2]));
    const s = serializeClosedJaxpr(closed);
    s.jaxpr.eqns[0]!.prim = "no_such_primitive";
    expect(() => deserializeClosedJaxpr(s)).toThrow(/no primitive named 'no_such_primitive'/);
  });
});

describe("pmap without a device runtime", () => {
  it("evaluates the shards on the caller, with the same collectives", () => {
    const saved = deviceRuntime();
    setDeviceRuntime(null);
    try {
      const x = randomArray([1, 3], "float32", next);
      const y = pmap((v: Array) => [lax.psum(v, "i").mul(lax.axisIndex("i").add(2)), v.sum()], {
        axisName: "i",
        outAxes: [0, null],
      })(x) as ArrayImpl[];
      expect(y[0]!.shape).toEqual([1, 3]);
      expect(vals(y[0]!)).toEqual(vals(x).map((v) => Math.fround(v * 2)));
      expect(y[1]!.shape).toEqual([]);
      expect(y[1]).toBeInstanceOf(ArrayImpl);
    } finally {
      setDeviceRuntime(saved);
    }
  });
});
