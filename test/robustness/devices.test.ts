/**
 * Devices that fail never crash the process or hang pmap: a device that
 * cannot start, exits, or throws (synchronously or asynchronously) fails the
 * pmap call at once with an error naming the device and the cause, the other
 * devices are released without waiting for a timeout, and the next call runs
 * on fresh workers. Workers start with their own flags, not the parent's.
 * Each failing call is timed: well under the barrier timeout (60 s).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceExecArgv, setDeviceEntryForTesting } from "../../src/backend/cpu/worker_pool.js";
import { type Array, config, importOnDevices, numpy as jnp, lax, pmap } from "../../src/index.js";
import { vals } from "../util/arrays.js";
import { ASYNC_THROW, deviceFault, EXIT, THROW } from "./device_faults.js";

const N = 3;
/** A failing call must end long before any timeout (the barrier's is 60 s). */
const PROMPT_MS = 5000;

beforeAll(() => config.update("jaxts_cpu_devices", N));
afterAll(() => config.update("jaxts_cpu_devices", 0));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error f throws and how long it took to throw it. */
function timedError(f: () => unknown): { message: string; ms: number } {
  const t0 = performance.now();
  try {
    f();
  } catch (e) {
    return { message: (e as Error).message, ms: performance.now() - t0 };
  }
  throw new Error("expected the call to throw");
}

const double = pmap((v: Array) => v.mul(2));
/** Every device waits at the psum for the others: a dead one must release them. */
const faultThenSum = pmap((v: Array) => lax.psum(deviceFault(v), "i"), { axisName: "i" });

describe("devices that fail to start", () => {
  // First in the file: the workers start on the first call.
  it("fail the call naming the device and the cause; the next call starts fresh devices", () => {
    setDeviceEntryForTesting("throw new Error('cannot start')");
    let failed: { message: string; ms: number };
    try {
      failed = timedError(() => double(jnp.array([1, 2, 3])));
    } finally {
      setDeviceEntryForTesting(null);
    }
    expect(failed.message).toMatch(
      /^pmap: device cpu:\d failed: it failed to start: Error: cannot start/,
    );
    expect(failed.ms).toBeLessThan(PROMPT_MS);
    expect(vals(double(jnp.array([1, 2, 3])))).toEqual([2, 4, 6]);
  });

  it("a module from importOnDevices that fails to import fails one call, naming the module", () => {
    const bad = new URL("./device_bad_module.ts", import.meta.url).href;
    importOnDevices(bad);
    const failed = timedError(() => double(jnp.array([1, 2, 3])));
    expect(failed.message).toMatch(
      /^pmap: device cpu:\d raised: importing .*device_bad_module\.ts/,
    );
    expect(failed.message).toMatch(/this module refuses to load/);
    expect(failed.ms).toBeLessThan(PROMPT_MS);
    expect(vals(double(jnp.array([4, 5, 6])))).toEqual([8, 10, 12]);
  });

  it("workers take none of the parent's flags but source maps", () => {
    const parent = ["--input-type=module", "-e", "code", "--import", "tsx", "--enable-source-maps"];
    expect(deviceExecArgv(parent)).toEqual(["--enable-source-maps"]);
    expect(deviceExecArgv(["--max-old-space-size=100", "--conditions=dev"])).toEqual([]);
  });

  it("a program run with node --input-type=module -e uses its devices", () => {
    const index = new URL("../../src/index.ts", import.meta.url).href;
    const code = `import { config, pmap, numpy as jnp } from ${JSON.stringify(index)};
      config.update("jaxts_cpu_devices", 2);
      console.log(String(pmap((x) => x.mul(2))(jnp.array([1, 2]))));`;
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("[2. 4.]");
    expect(r.status).toBe(0);
  });
});

describe("devices that fail while running", () => {
  beforeAll(() => importOnDevices(new URL("./device_faults.ts", import.meta.url).href));

  it("process.exit on one device fails the call at once; the others leave the psum; the next call works", () => {
    const failed = timedError(() => faultThenSum(jnp.array([1, EXIT, 3])));
    expect(failed.message).toMatch(/^pmap: device cpu:1 failed: it exited with code 3$/);
    expect(failed.ms).toBeLessThan(PROMPT_MS);
    const t0 = performance.now();
    expect(vals(faultThenSum(jnp.array([1, 2, 3])))).toEqual([6, 6, 6]);
    expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
  });

  it("an asynchronous throw ends only the worker: the process survives, the next call names the device, the one after works", async () => {
    // The throw comes after the shard has finished: this call computes its result.
    expect(vals(faultThenSum(jnp.array([1, 2, ASYNC_THROW])))).toEqual([-98, -98, -98]);
    await sleep(500);
    const failed = timedError(() => double(jnp.array([1, 2, 3])));
    expect(failed.message).toMatch(
      /^pmap: device cpu:2 failed: uncaught Error: boom \(an asynchronous throw on the device\) \(after its previous run/,
    );
    expect(failed.ms).toBeLessThan(PROMPT_MS);
    expect(vals(double(jnp.array([1, 2, 3])))).toEqual([2, 4, 6]);
  });

  it("a synchronous throw releases the devices waiting at the psum at once; the worker stays up", () => {
    const failed = timedError(() => faultThenSum(jnp.array([THROW, 2, 3])));
    expect(failed.message).toMatch(
      /^pmap: device cpu:0 raised: boom \(a synchronous throw on the device\)/,
    );
    expect(failed.ms).toBeLessThan(PROMPT_MS);
    expect(vals(faultThenSum(jnp.array([1, 2, 3])))).toEqual([6, 6, 6]);
  });

  it("several failures in a row leave the pool working", () => {
    for (let k = 0; k < 3; k++) {
      expect(() => faultThenSum(jnp.array([1, 2, EXIT]))).toThrow(/device cpu:2 failed/);
      expect(() => faultThenSum(jnp.array([THROW, 2, 3]))).toThrow(/device cpu:0 raised/);
    }
    expect(vals(faultThenSum(jnp.array([1, 2, 3])))).toEqual([6, 6, 6]);
  });
});
