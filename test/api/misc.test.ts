/** Small top-level jax names (issue 17): typeof, jacobian, linearTranspose, config contexts, process counts. */
import { describe, expect, it } from "vitest";
import * as jax from "../../src/index.js";

const { numpy: jnp } = jax;

describe("top-level helpers", () => {
  it("typeof gives the abstract value, also of a tracer", () => {
    const t = jax.typeof(jnp.ones([2, 3], "int32"));
    expect([t.shape, t.dtype]).toEqual([[2, 3], "int32"]);
    expect(jax.typeof(1.5).weakType).toBe(true);
    let inner: jax.ShapedArray | undefined;
    jax.jit((x: jax.Array) => {
      inner = jax.typeof(x);
      return x;
    })(jnp.zeros([4]));
    expect(inner?.shape).toEqual([4]);
  });

  it("jacobian is jacrev", () => {
    const j = jax.jacobian((x: jax.Array) => x.mul(x))(jnp.array([1, 2]));
    expect(j.toArray()).toEqual([
      [2, 0],
      [0, 4],
    ]);
  });

  it("linearTranspose of a linear map is its transpose", () => {
    const a = jnp.array([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const f = (x: jax.Array) => jnp.dot(a, x);
    const fT = jax.linearTranspose(f, jnp.zeros([3]));
    const [ct] = fT(jnp.array([1, 1])) as [jax.Array];
    expect(ct.toArray()).toEqual([5, 7, 9]);
  });

  it("config contexts set a flag for their body only", () => {
    expect(jax.config.read("jax_enable_x64")).toBe(false);
    const d = jax.enableX64(true, () => jnp.array([1.5], "float64").dtype);
    expect(d).toBe("float64");
    expect(jax.config.read("jax_enable_x64")).toBe(false);
    expect(() => jax.debugNans(true, () => jnp.log(jnp.array([-1])).toArray())).toThrow(/nan/i);
    expect(jax.debugInfs(false, () => 1)).toBe(1);
    expect(
      jax.enableChecks(true, () => jax.jit((x: jax.Array) => x.add(1))(jnp.ones([2])).shape),
    ).toEqual([2]);
  });

  it("single-process counts, namedCall/namedScope, environment info", () => {
    expect(jax.processCount()).toBe(1);
    expect(jax.processIndex()).toBe(0);
    expect(jax.processIndices()).toEqual([0]);
    expect([jax.hostCount(), jax.hostId(), jax.hostIds()]).toEqual([1, 0, [0]]);
    expect(jax.localDeviceCount()).toBe(jax.localDevices().length);
    const f = (x: number) => x + 1;
    expect(jax.namedCall(f, { name: "g" })).toBe(f);
    expect(jax.namedScope("s", () => 3)).toBe(3);
    jax.effectsBarrier();
    expect(jax.printEnvironmentInfo(true)).toMatch(/backend:\s+\w+/);
  });
});
