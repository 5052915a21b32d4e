/**
 * A primitive for the pmap failure tests: `check_positive` returns its input,
 * or raises on the thread that evaluates it when a value is negative. Devices
 * import this module (importOnDevices), as any custom primitive requires.
 */
import { ArrayImpl, hostValues } from "../../src/core/array.js";
import { OPAQUE, Primitive } from "../../src/core/primitive.js";
import { bind1 } from "../../src/core/trace.js";
import type { Array } from "../../src/index.js";

export const checkPositiveP: Primitive = new Primitive(
  "test_check_positive",
  {
    lower: null,
    facts: OPAQUE,
    abstractEval: ([x]) => [x!],
    impl: ([x]) => {
      const bad = hostValues(x!).findIndex((v) => v < 0);
      if (bad >= 0) throw new Error(`negative value ${hostValues(x!)[bad]} at ${bad}`);
      return [ArrayImpl.fromHost(x!.aval, hostValues(x!).slice())];
    },
    jvp: null,
    transpose: null,
    batch: ([x], [d]) => [[bind1(checkPositiveP, [x!], {})], [d!]],
  },
  false,
);

export const checkPositive = (x: Array): Array => bind1(checkPositiveP, [x], {});
