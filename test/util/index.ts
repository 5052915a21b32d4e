/** Helpers shared by the tests: literal and random arrays, fixtures, comparisons, references. */
export * from "./arrays.js";
export * from "./assert.js";
export * from "./fixtures.js";
export * from "./matrix.js";
export * from "./random.js";
export * from "./transforms.js";
