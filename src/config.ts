/**
 * Global switches, mirroring `jax.config`: `config.update(name, value)` with
 * JAX's names where JAX has the flag (`jax_enable_x64`: off by default, so
 * float64 requests are canonicalized to float32; `jax_debug_nans`...) and
 * `jaxts_*` names for this library's own. Unknown names and values of the
 * wrong type are errors.
 */
export interface ConfigFlags {
  jax_enable_x64: boolean;
  /** JAX's default random-bits scheme since 0.5 (see random/keys.ts). */
  jax_threefry_partitionable: boolean;
  /**
   * The number of CPU devices (pmap workers); 0: one per core. Devices are
   * Node worker threads: elsewhere (browsers) there is one, and more is an error.
   */
  jaxts_cpu_devices: number;
  /**
   * Compile jitted programs to fused WebAssembly kernels (true) or interpret
   * them equation by equation (false). Default from JAXTS_COMPILE ("0"/"1"), else on.
   */
  jaxts_compile: boolean;
  /**
   * Threads a compiled kernel splits over (the caller included); 1: no
   * workers; 0: JAXTS_THREADS from the environment, else one per core.
   */
  jaxts_threads: number;
  /**
   * JAX's `jax_debug_nans`: every primitive's floating outputs are checked for
   * NaN, and a FloatingPointError names the first primitive that made one. A
   * jitted call whose outputs hold a NaN is re-run de-optimized, equation by
   * equation, to find it. Slow: for debugging.
   */
  jax_debug_nans: boolean;
  /** JAX's `jax_debug_infs`: as `jax_debug_nans`, for infinities. */
  jax_debug_infs: boolean;
  /**
   * JAX's `jax_softmax_custom_jvp`: `nn.softmax` differentiates with its
   * custom rule y·(ẋ - Σ y·ẋ) instead of through its definition. Off by
   * default, as in JAX (the two differ in the last float32 digits).
   */
  jax_softmax_custom_jvp: boolean;
  /**
   * JAX's `jax_disable_jit`: jitted functions run their Python-style body
   * eagerly, op by op (for debugging: values can be printed and inspected).
   * Scoped: `disableJit(() => ...)`.
   */
  jax_disable_jit: boolean;
  /**
   * JAX's `jax_check_static_indices`: a static integer index out of bounds in
   * a read (`x.get(11)` of 10 elements, mode unset or "promise_in_bounds") is
   * an IndexError. Off by default, as in JAX: such reads clamp.
   */
  jax_check_static_indices: boolean;
  /**
   * The most traced signatures (shapes, dtypes, static arguments) jit keeps
   * per function; past it the least recently used one is dropped (and traced
   * again if it comes back). Default 4096.
   */
  jaxts_jit_cache_size: number;
  /**
   * The most MiB the CPU backend's WebAssembly memory may grow to; 0: no cap
   * but WebAssembly's own (4096 MiB, wasm32). The memory cannot shrink, so
   * this bounds its high-water mark: near it, arrays returned to the caller
   * are copied into ordinary JS typed arrays (which V8 collects) instead of
   * staying in the memory, freed blocks are merged and reused, and a request
   * that still does not fit is a RangeError "out of memory" naming the bytes
   * asked for and in use (the backend keeps working). Values: 0, or 16 to
   * 4096. Default from JAXTS_MAX_MEMORY_MB, else 0. Lowering it below the
   * memory's current size stops further growth only.
   */
  jaxts_max_memory_mb: number;
  /**
   * Internal consistency checks, for testing the library itself: every traced
   * jaxpr and the jaxpr after each compiler pass is type-checked
   * (core/typecheck.ts), and every compiled kernel's IR is verified
   * (backend/cpu/compiler/verify.ts). A failure is an internal error naming
   * the stage. Slow. Default from JAXTS_ENABLE_CHECKS ("0"/"1"), else off.
   */
  jaxts_enable_checks: boolean;
  /**
   * Stages of a compilation to print, a comma list of DEBUG_STAGES ("" for
   * none): `jaxpr` (the jaxpr compiled), `passes` (the jaxpr after each
   * compiler pass that changed it), `steps` (kernels, products, eager steps
   * with the reason), `kernels` (each kernel's IR), `wasm` (the WebAssembly
   * module), `profile` (each step of programs compiled while on timed; a
   * per-step table printed at exit). Printed through one sink (console.error unless replaced, see
   * backend/cpu/compiler/debug.ts). Default from JAXTS_DEBUG, else "".
   */
  jaxts_debug: string;
  /**
   * float32 exp, log, log1p and logistic correctly rounded (computed in
   * float64, rounded once) instead of JAX's numbers: XLA:CPU's float32
   * approximations, reproduced bit for bit (ir/special.ts), eagerly and under
   * jit. More accurate (XLA's are within a few ulps), but not what JAX prints.
   * Default off.
   */
  jaxts_correctly_rounded_f32: boolean;
}

/** The stage names `jaxts_debug` / JAXTS_DEBUG accept. */
export const DEBUG_STAGES = ["jaxpr", "passes", "steps", "kernels", "wasm", "profile"] as const;
export type DebugStage = (typeof DEBUG_STAGES)[number];

/** The stages of a `jaxts_debug` list; an unknown name is a RangeError listing the valid ones. */
export function parseDebugStages(text: string, what: string): DebugStage[] {
  const out: DebugStage[] = [];
  for (const part of text.split(",")) {
    const name = part.trim();
    if (name === "") continue;
    const stage = DEBUG_STAGES.find((s) => s === name);
    if (stage === undefined) {
      throw new RangeError(
        `${what}: unknown debug stage '${name}'; valid: ${DEBUG_STAGES.join(", ")}`,
      );
    }
    if (!out.includes(stage)) out.push(stage);
  }
  return out;
}

/**
 * A boolean from the environment (Node): "1"/"true" or "0"/"false" (JAX's
 * spellings); unset or empty is undefined; anything else is an error naming
 * the variable, never silently ignored.
 */
function envFlag(name: string): boolean | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const v = env?.[name]?.trim().toLowerCase();
  if (v === undefined || v === "") return undefined;
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  throw new RangeError(`${name} must be 0, 1, false or true, got '${env?.[name]}'`);
}

/** The valid values of `jaxts_max_memory_mb`, as text for errors (null: valid). */
function maxMemoryProblem(mb: number): string | null {
  return Number.isSafeInteger(mb) && (mb === 0 || (mb >= 16 && mb <= 4096))
    ? null
    : "0 (no cap but WebAssembly's 4096 MiB) or an integer from 16 to 4096";
}

/** A string from the environment (Node); "" when unset. */
function envText(name: string): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return env?.[name] ?? "";
}

/** `jaxts_debug`'s default: JAXTS_DEBUG from the environment, validated. */
function envDebug(): string {
  const text = envText("JAXTS_DEBUG");
  parseDebugStages(text, "JAXTS_DEBUG");
  return text;
}

/** `jaxts_max_memory_mb`'s default: JAXTS_MAX_MEMORY_MB from the environment (Node), else 0. */
function envMaxMemory(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const text = env?.JAXTS_MAX_MEMORY_MB;
  if (text === undefined || text === "") return 0;
  const mb = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  const problem = maxMemoryProblem(mb);
  if (problem !== null) {
    throw new RangeError(`JAXTS_MAX_MEMORY_MB must be ${problem}, got '${text}'`);
  }
  return mb;
}

const flags: ConfigFlags = {
  jax_enable_x64: false,
  jax_threefry_partitionable: true,
  jaxts_cpu_devices: 0,
  jaxts_compile: envFlag("JAXTS_COMPILE") ?? true,
  jaxts_threads: 0,
  jax_debug_nans: envFlag("JAX_DEBUG_NANS") ?? false,
  jax_debug_infs: envFlag("JAX_DEBUG_INFS") ?? false,
  jax_disable_jit: envFlag("JAX_DISABLE_JIT") ?? false,
  jax_softmax_custom_jvp: false,
  jax_check_static_indices: false,
  jaxts_jit_cache_size: 4096,
  jaxts_max_memory_mb: envMaxMemory(),
  jaxts_enable_checks: envFlag("JAXTS_ENABLE_CHECKS") ?? false,
  jaxts_debug: envDebug(),
  jaxts_correctly_rounded_f32: false,
};

export const config = {
  get x64(): boolean {
    return flags.jax_enable_x64;
  },
  /** `config.update("jax_enable_x64", true)`, as in JAX. */
  update<K extends keyof ConfigFlags>(name: K, value: ConfigFlags[K]): void {
    if (!Object.hasOwn(flags, name)) {
      throw new Error(
        `config.update: unknown flag '${String(name)}'; known: ${Object.keys(flags).join(", ")}`,
      );
    }
    const expected = typeof flags[name];
    if (typeof value !== expected) {
      throw new TypeError(
        `config.update: flag '${name}' takes a ${expected}, got ${typeof value} ${String(value)}`,
      );
    }
    if (typeof value === "number" && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new RangeError(
        `config.update: flag '${name}' takes a non-negative integer, got ${String(value)}`,
      );
    }
    if (name === "jaxts_max_memory_mb") {
      const problem = maxMemoryProblem(value as number);
      if (problem !== null) {
        throw new RangeError(
          `config.update: flag 'jaxts_max_memory_mb' takes ${problem}, got ${String(value)}`,
        );
      }
    }
    if (name === "jaxts_debug") parseDebugStages(value as string, "config.update('jaxts_debug')");
    flags[name] = value;
  },
  read<K extends keyof ConfigFlags>(name: K): ConfigFlags[K] {
    return flags[name];
  },
  /** The flags that change what tracing produces: part of jit's cache key. */
  traceKey(): string {
    return (
      `${flags.jax_enable_x64 ? 1 : 0}${flags.jax_threefry_partitionable ? 1 : 0}` +
      `${flags.jax_check_static_indices ? 1 : 0}${flags.jaxts_correctly_rounded_f32 ? 1 : 0}` +
      `${flags.jax_softmax_custom_jvp ? 1 : 0}`
    );
  },
};

/** Runs `fn` with a flag set, restoring the previous value afterwards. */
export function withFlag<K extends keyof ConfigFlags, T>(
  name: K,
  value: ConfigFlags[K],
  fn: () => T,
): T {
  const prev = flags[name];
  flags[name] = value;
  try {
    return fn();
  } finally {
    flags[name] = prev;
  }
}

/** Runs `fn` with x64 enabled, restoring the previous setting afterwards (for tests). */
export function withX64<T>(fn: () => T): T {
  return withFlag("jax_enable_x64", true, fn);
}
