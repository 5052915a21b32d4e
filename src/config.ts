/**
 * Global switches, mirroring `jax.config`. Only `jax_enable_x64` exists so far:
 * with it off (the default) float64 requests are canonicalized to float32.
 */
export interface ConfigFlags {
  jax_enable_x64: boolean;
}

const flags: ConfigFlags = { jax_enable_x64: false };

export const config = {
  get x64(): boolean {
    return flags.jax_enable_x64;
  },
  /** `config.update("jax_enable_x64", true)`, as in JAX. */
  update<K extends keyof ConfigFlags>(name: K, value: ConfigFlags[K]): void {
    if (!(name in flags)) {
      throw new Error(
        `config.update: unknown flag '${String(name)}'; known: ${Object.keys(flags).join(", ")}`,
      );
    }
    flags[name] = value;
  },
  read<K extends keyof ConfigFlags>(name: K): ConfigFlags[K] {
    return flags[name];
  },
};

/** Runs `fn` with x64 enabled, restoring the previous setting afterwards (for tests). */
export function withX64<T>(fn: () => T): T {
  const prev = flags.jax_enable_x64;
  flags.jax_enable_x64 = true;
  try {
    return fn();
  } finally {
    flags.jax_enable_x64 = prev;
  }
}
