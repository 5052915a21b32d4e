/** `jaxts/optax`: gradient transformations, optimizers, schedules and losses, as optax. */
export * from "./losses.js";
export * from "./optimizers.js";
export * from "./schedules.js";
export * from "./transform.js";
export * from "./transforms.js";
