/** `jax.nn`. */
export * from "./functions.js";
export * as initializers from "./initializers.js";
