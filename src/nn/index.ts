/** `jax.nn`. */

export * from "./extra.js";
export * from "./functions.js";
export * as initializers from "./initializers.js";
