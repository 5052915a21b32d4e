/**
 * Property tests draw from a fixed seed so that CI runs are reproducible;
 * `FC_SEED=<n>` picks another seed and `FC_SEED=random` explores freely.
 */
import fc from "fast-check";

const seed = process.env.FC_SEED ?? "20261125";
if (seed !== "random") fc.configureGlobal({ seed: Number(seed) });

// Suites that import lax/ or numpy/ modules directly still need the CPU
// backend's library kernels, which programs get by importing jaxts itself.
import "../src/backend/cpu/kernels/index.js";
