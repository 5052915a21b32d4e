/** `jaxts/optax`: gradient transformations, optimizers, schedules and losses, as optax. */
export * from "./losses.js";
