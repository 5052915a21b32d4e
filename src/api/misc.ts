/**
 * Small top-level `jax` names (issue 17): `jacobian`, `typeof`, `linearTranspose`,
 * the config context functions (`debugNans(true, body)` for JAX's
 * `with jax.debug_nans(True):`), process/host counts of a single-process
 * runtime, `namedCall`/`namedScope`, `effectsBarrier` and `printEnvironmentInfo`.
 */
import { config, withFlag } from "../config.js";
import { isArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { defaultBackend } from "../core/backend.js";
import { type ArrayLike, asArray } from "../core/convert.js";
import { Tracer } from "../core/trace.js";
import { devices, localDevices } from "../devices/index.js";
import { checkOptions } from "../options.js";
import { jacrev, vjp } from "./ad.js";

/** `jax.jacobian`: the same function as `jacrev`. */
export const jacobian = jacrev;

/**
 * `jax.typeof(x)`: the abstract value (shape, dtype, weak type) of an array,
 * a traced value, or a JS number/boolean.
 */
function typeOf(x: ArrayLike): ShapedArray {
  if (isArray(x) || (x as unknown) instanceof Tracer) return (x as { aval: ShapedArray }).aval;
  return asArray(x, "typeof", "x").aval;
}

export { typeOf as typeof };

/**
 * `jax.linear_transpose(f, *primals)`: the transpose of a linear function f
 * at the primals' shapes: a function from an output cotangent to the inputs'
 * cotangents (f must be linear; the primals' values are not used by it).
 */
export function linearTranspose<P extends unknown[], R>(
  f: (...args: P) => R,
  ...primals: P
): (ct: R) => unknown[] {
  if (typeof f !== "function") throw new TypeError("linearTranspose: f must be a function");
  const [, fVjp] = vjp(f as (...args: unknown[]) => unknown, ...(primals as unknown[]));
  return (ct: R) => fVjp(ct as never) as unknown[];
}

/** `with jax.debug_nans(value):`: runs body with jax_debug_nans set. */
export function debugNans<T>(value: boolean, body: () => T): T {
  return withFlag("jax_debug_nans", value, body);
}
/** `with jax.debug_infs(value):`: runs body with jax_debug_infs set. */
export function debugInfs<T>(value: boolean, body: () => T): T {
  return withFlag("jax_debug_infs", value, body);
}
/** `with jax.enable_x64(value):`: runs body with jax_enable_x64 set. */
export function enableX64<T>(value: boolean, body: () => T): T {
  return withFlag("jax_enable_x64", value, body);
}
/** `with jax.enable_checks(value):`: runs body with jaxts_enable_checks (jaxpr type checks) set. */
export function enableChecks<T>(value: boolean, body: () => T): T {
  return withFlag("jaxts_enable_checks", value, body);
}
/** `with jax.threefry_partitionable(value):`: runs body with jax_threefry_partitionable set. */
export function threefryPartitionable<T>(value: boolean, body: () => T): T {
  return withFlag("jax_threefry_partitionable", value, body);
}

/** `jax.local_device_count()`: the number of this process's devices. */
export function localDeviceCount(): number {
  return localDevices().length;
}
/** `jax.process_count()`: 1 (jaxts runs in one process). */
export function processCount(): number {
  return 1;
}
/** `jax.process_index()`: 0. */
export function processIndex(): number {
  return 0;
}
/** `jax.process_indices()`: [0]. */
export function processIndices(): number[] {
  return [0];
}
/** `jax.host_count()`: as processCount. */
export const hostCount = processCount;
/** `jax.host_id()`: as processIndex. */
export const hostId = processIndex;
/** `jax.host_ids()`: as processIndices. */
export const hostIds = processIndices;

/** `jax.named_call(f, name=...)`: f (names only label profiles in JAX). */
export function namedCall<F extends (...args: never[]) => unknown>(
  f: F,
  options: { name?: string } = {},
): F {
  if (typeof f !== "function") throw new TypeError("namedCall: f must be a function");
  checkOptions("namedCall", options, { name: true });
  return f;
}
/** `with jax.named_scope(name):`: runs body (the name labels profiles in JAX). */
export function namedScope<T>(name: string, body: () => T): T {
  if (typeof name !== "string") throw new TypeError("namedScope: name must be a string");
  return body();
}

/** `jax.effects_barrier()`: waits for pending effects; jaxts runs effects synchronously. */
export function effectsBarrier(): void {}

/** `jax.print_environment_info(return_string=False)`: versions, backend and devices. */
export function printEnvironmentInfo(returnString = false): string | undefined {
  const proc = (globalThis as { process?: { version?: string; platform?: string } }).process;
  const info = [
    "jaxts:    0.1.0",
    `runtime:  ${proc?.version !== undefined ? `Node.js ${proc.version}` : "browser"}`,
    `platform: ${proc?.platform ?? "unknown"}`,
    `backend:  ${defaultBackend()}`,
    `devices:  ${devices().map(String).join(", ")}`,
    `x64:      ${String(config.read("jax_enable_x64"))}`,
  ].join("\n");
  if (returnString) return info;
  console.log(info);
  return undefined;
}
