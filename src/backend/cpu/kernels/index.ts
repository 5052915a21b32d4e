/**
 * The CPU backend's library kernels (core/library.ts): importing this module
 * registers them. `src/index.ts` imports it, so every program that imports
 * jaxts has them.
 */
import "./complex.js";
import "./convolution.js";
import "./cumulative.js";
import "./dot.js";
import "./eigh.js";
import "./elementwise.js";
import "./fft.js";
import "./gather_scatter.js";
import "./linalg.js";
import "./reductions.js";
import "./shape.js";
import "./slicing.js";
import "./sort.js";
import "./svd.js";
import "./threefry.js";
import "./windowed.js";
