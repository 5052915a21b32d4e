/**
 * The device API: `devices()`, `deviceCount()`, `localDevices()`,
 * `devicePut`, `devicePutSharded`, `devicePutReplicated`, as in JAX.
 */
import { type Array, ArrayImpl } from "../core/array.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { concreteOrError } from "../core/trace.js";
import { concatenate, expandDims } from "../lax/shape_ops.js";
import {
  type Device,
  devicePutImpl,
  devices,
  setSharding,
  sharedRef,
  sharedView,
} from "./device.js";

export { importOnDevices } from "../backend/cpu/worker_pool.js";
export { Device, deviceCount, devices, localDevices, type Sharding } from "./device.js";

function concrete(x: ArrayLike, op: string): ArrayImpl {
  return concreteOrError(asArray(x, op, "x"), op);
}

/** `jax.device_put(x, device)`: x committed to `device` (default: the first device). */
export function devicePut(x: ArrayLike, device?: Device): Array {
  return devicePutImpl(concrete(x, "devicePut"), device ?? devices()[0]!);
}

/** A stacked array whose slice i lives on devices[i] (shared memory: no copy per device). */
function stackedOn(op: string, slices: ArrayImpl[], devs: readonly Device[]): Array {
  if (slices.length !== devs.length) {
    throw new Error(`${op}: ${slices.length} arrays for ${devs.length} devices`);
  }
  const first = slices[0];
  if (first === undefined) throw new Error(`${op}: needs at least one device`);
  slices.forEach((s, i) => {
    if (!s.aval.sameType(first.aval)) {
      throw new Error(
        `${op}: every shard must have the same type; shard 0 is ${first.aval.str()} but shard ${i} is ${s.aval.str()}`,
      );
    }
  });
  const stacked = concatenate(
    slices.map((s) => expandDims(s, [0])),
    0,
  ) as ArrayImpl;
  const out = ArrayImpl.fromHost(stacked.aval, sharedView(stacked.dtype, sharedRef(stacked)));
  return setSharding(out, { devices: [...devs], axis: 0 });
}

/** `jax.device_put_sharded(shards, devices)`: stacks the shards, shard i on devices[i]. */
export function devicePutSharded(shards: readonly ArrayLike[], devs: readonly Device[]): Array {
  return stackedOn(
    "devicePutSharded",
    shards.map((s) => concrete(s, "devicePutSharded")),
    devs,
  );
}

/** `jax.device_put_replicated(x, devices)`: one copy of x per device, stacked on a new leading axis. */
export function devicePutReplicated(x: ArrayLike, devs: readonly Device[]): Array {
  const v = concrete(x, "devicePutReplicated");
  return stackedOn(
    "devicePutReplicated",
    devs.map(() => v),
    devs,
  );
}
