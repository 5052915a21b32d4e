/**
 * Library kernels: the eager implementations of the primitives that are not
 * elementwise (convolutions, windowed reductions... — whatever a primitive's
 * `lower` rule names with `{ kind: "library", name }`), registered per
 * backend platform instead of living in lax/ beside the rules. A primitive's
 * `impl` is `libraryImpl(name)`: it runs the kernel the default platform
 * registered under that name whose `match` takes the operands, and is an
 * error naming the primitive and the platform when there is none — never a
 * silent fallback to another implementation.
 *
 *   // backend/cpu/kernels/convolution.ts
 *   registerLibraryKernel("cpu", "conv_general_dilated", { match: () => true, run: convCpu });
 */
import type { ScalarBuilder } from "../ir/kernel.js";
import type { ArrayImpl } from "./array.js";
import type { ShapedArray } from "./aval.js";
import type { ImplRule } from "./primitive.js";

export interface LibraryKernel<P> {
  /** Whether this kernel takes these operands and params (dtypes, layouts...). */
  match(args: readonly ArrayImpl[], params: P): boolean;
  /** Computes the primitive's outputs. */
  run(args: readonly ArrayImpl[], params: P): ArrayImpl[];
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds kernels of every parameter type
type AnyKernel = LibraryKernel<any>;

const kernels = new Map<string, Map<string, AnyKernel[]>>();
let platform = "cpu";
/** Bumped by every registration and platform change: impls re-read their kernel list then. */
let generation = 0;

/** Registers a backend's kernel for a library name (several may match by operands). */
export function registerLibraryKernel<P>(
  backend: string,
  name: string,
  kernel: LibraryKernel<P>,
): void {
  let byName = kernels.get(backend);
  if (byName === undefined) {
    byName = new Map();
    kernels.set(backend, byName);
  }
  const list = byName.get(name) ?? [];
  list.push(kernel as AnyKernel);
  byName.set(name, list);
  generation++;
}

/** The platform whose kernels eager operations run (the CPU until another backend is chosen). */
export function setLibraryPlatform(name: string): void {
  platform = name;
  generation++;
}

/** The platform's kernel for `name` that takes these operands, or null. */
export function findLibraryKernel<P>(
  name: string,
  args: readonly ArrayImpl[],
  params: P,
): LibraryKernel<P> | null {
  for (const k of kernels.get(platform)?.get(name) ?? []) {
    if (k.match(args, params)) return k as LibraryKernel<P>;
  }
  return null;
}

/** Whether `backend` registers a library kernel under `name` (its capabilities). */
export function hasLibraryKernel(backend: string, name: string): boolean {
  return (kernels.get(backend)?.get(name)?.length ?? 0) > 0;
}

/** The library kernel names of impls made by `libraryImpl` (capabilities read them). */
const implNames = new WeakMap<ImplRule<never>, string>();

/** The library kernel an impl rule runs, or null when it is not a library impl. */
export function libraryNameOf<P>(impl: ImplRule<P>): string | null {
  return implNames.get(impl as ImplRule<never>) ?? null;
}

/**
 * An `impl` rule that runs the default platform's library kernel `name`;
 * with `check` (the primitive's type rule), the operands are checked first,
 * so an eager call with bad operands is the type rule's error, not a kernel's.
 */
export function libraryImpl<P>(
  name: string,
  check?: (avals: ShapedArray[], params: P) => unknown,
): ImplRule<P> {
  const run = libraryImplOf<P>(name);
  const impl: ImplRule<P> =
    check === undefined
      ? run
      : (args, params) => {
          check(
            args.map((a) => a.aval),
            params,
          );
          return run(args, params);
        };
  implNames.set(impl as ImplRule<never>, name);
  return impl;
}

function libraryImplOf<P>(name: string): ImplRule<P> {
  // The eager per-op path: the platform's kernels for `name`, looked up once per generation.
  let seen = -1;
  let list: readonly AnyKernel[] = [];
  return (args, params) => {
    if (seen !== generation) {
      list = kernels.get(platform)?.get(name) ?? [];
      seen = generation;
    }
    let k: AnyKernel | null = null;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.match(args, params)) {
        k = list[i]!;
        break;
      }
    }
    if (k === null) {
      const registered = kernels.get(platform)?.has(name) ?? false;
      throw new Error(
        registered
          ? `${name}: no '${platform}' library kernel takes operands (${args.map((a) => a.aval.str()).join(", ")})`
          : `${name}: the '${platform}' backend registers no library kernel '${name}' (its kernels are loaded with the backend: import jaxts itself, not only a submodule)`,
      );
    }
    return k.run(args, params);
  };
}

/** An elementwise primitive's scalar function in the kernel IR (its `lower` rule's `emit`). */
export type ScalarEmit<P> = (b: ScalarBuilder, xs: readonly number[], params: P) => number;

/**
 * How a backend runs an elementwise primitive eagerly: prepared once per
 * primitive (and backend), then called with operands of the output's shape
 * (or 0-d), making a new array of type `out` from the scalar function. The
 * CPU compiles it with the IR's JS evaluator (ir/eval.ts).
 */
export type ElementwiseRunner = <P>(
  emit: ScalarEmit<P>,
) => (args: readonly ArrayImpl[], params: P, out: ShapedArray) => ArrayImpl;

const elementwiseRunners = new Map<string, ElementwiseRunner>();

/** Registers how `backend` runs elementwise primitives eagerly. */
export function registerElementwiseRunner(backend: string, run: ElementwiseRunner): void {
  elementwiseRunners.set(backend, run);
  generation++;
}

/**
 * The `impl` rule of an elementwise primitive: its lowering run by the
 * default platform's elementwise runner on operands of the output's shape.
 */
export function elementwiseImpl<P>(
  abstractEval: (avals: ShapedArray[], params: P) => ShapedArray[],
  emit: ScalarEmit<P>,
): ImplRule<P> {
  let seen = -1;
  let run: ((args: readonly ArrayImpl[], params: P, out: ShapedArray) => ArrayImpl) | null = null;
  return (args, params) => {
    if (seen !== generation) {
      run = elementwiseRunners.get(platform)?.(emit) ?? null;
      seen = generation;
    }
    if (run === null) {
      throw new Error(
        `the '${platform}' backend registers no elementwise runner (import jaxts itself, not only a submodule)`,
      );
    }
    const avals: ShapedArray[] = [];
    for (let i = 0; i < args.length; i++) avals.push(args[i]!.aval);
    return [run(args, params, abstractEval(avals, params)[0]!)];
  };
}
