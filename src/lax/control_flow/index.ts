export { cond, condP, switch } from "./cond.js";
export * from "./cumulative.js";
export { associativeScan, foriLoop, map } from "./loops.js";
export { type ScanOptions, scan, scanP } from "./scan.js";
export { whileLoop, whileP } from "./while.js";
