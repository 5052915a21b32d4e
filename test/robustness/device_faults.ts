/**
 * Fault injection for the device tests and the soak script: the primitive
 * `test_device_fault` returns its input, unless the thread evaluating it sees
 * one of the trigger values in its shard:
 * - ASYNC_THROW: schedules an uncaught throw (`setTimeout`), which ends the
 *   worker once its event loop runs again, after the shard has finished;
 * - EXIT: `process.exit(3)` in the middle of the shard;
 * - THROW: a synchronous throw (the shard fails, the worker stays up).
 * Devices import this module (importOnDevices), as any custom primitive requires.
 */
import { ArrayImpl, hostValues } from "../../src/core/array.js";
import { OPAQUE, Primitive } from "../../src/core/primitive.js";
import { bind1 } from "../../src/core/trace.js";
import type { Array } from "../../src/index.js";

export const ASYNC_THROW = -101;
export const EXIT = -102;
export const THROW = -103;

export const deviceFaultP: Primitive = new Primitive(
  "test_device_fault",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: ([x]) => [x!],
    impl: ([x]) => {
      const v = hostValues(x!);
      if (v.includes(ASYNC_THROW)) {
        setTimeout(() => {
          throw new Error("boom (an asynchronous throw on the device)");
        }, 0);
      }
      if (v.includes(EXIT)) process.exit(3);
      if (v.includes(THROW)) throw new Error("boom (a synchronous throw on the device)");
      return [ArrayImpl.fromHost(x!.aval, v.slice())];
    },
    jvp: null,
    transpose: null,
    batch: ([x], [d]) => [[bind1(deviceFaultP, [x!], {})], [d!]],
  },
  false,
);

export const deviceFault = (x: Array): Array => bind1(deviceFaultP, [x], {});
