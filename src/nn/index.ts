/** `jax.nn`. */
export * from "./functions.js";
