/**
 * `jax.nn.initializers`: functions `(key, shape, dtype?) => Array` that make
 * initial weights, with JAX's formulas (Keras/Sonnet conventions): variance
 * scaling over the fans of a dense or convolutional kernel, the Glorot/He/
 * LeCun specializations, and orthogonal matrices.
 */
import type { Array } from "../core/array.js";
import type { ArrayLike } from "../core/convert.js";
import { canonicalize, type DType, defaultFloat } from "../dtype.js";
import * as jnp from "../numpy/index.js";
import { checkOptions, type OptionKeys } from "../options.js";
import * as random from "../random/index.js";
import { normalizeAxis, type Shape, shapeStr, sizeOf } from "../shape.js";

/** An initializer: `init(key, shape, dtype?)` (dtype defaults to the builder's, else float32). */
export type Initializer = (key: Array, shape: Shape, dtype?: DType) => Array;

function dtypeOf(dtype: DType | undefined): DType {
  return canonicalize(dtype ?? defaultFloat());
}

/** `nn.initializers.zeros(key, shape, dtype?)`: zeros (the key is ignored). */
export function zeros(_key: Array, shape: Shape, dtype?: DType): Array {
  return jnp.zeros(shape, dtypeOf(dtype));
}

/** `nn.initializers.ones(key, shape, dtype?)`: ones (the key is ignored). */
export function ones(_key: Array, shape: Shape, dtype?: DType): Array {
  return jnp.ones(shape, dtypeOf(dtype));
}

/** `nn.initializers.constant(value, dtype?)`: arrays full of `value`. */
export function constant(value: ArrayLike, dtype?: DType): Initializer {
  return (_key, shape, d = dtype) => jnp.full(shape, value, dtypeOf(d));
}

/** `nn.initializers.uniform(scale = 1e-2, dtype?)`: uniform values in [0, scale). */
export function uniform(scale: ArrayLike = 1e-2, dtype?: DType): Initializer {
  return (key, shape, d = dtype) => {
    const dt = dtypeOf(d);
    return jnp.multiply(random.uniform(key, shape, dt), jnp.array(scale, dt));
  };
}

/** `nn.initializers.normal(stddev = 1e-2, dtype?)`: normal values with mean 0. */
export function normal(stddev: ArrayLike = 1e-2, dtype?: DType): Initializer {
  return (key, shape, d = dtype) => {
    const dt = dtypeOf(d);
    return jnp.multiply(random.normal(key, shape, dt), jnp.array(stddev, dt));
  };
}

/**
 * `nn.initializers.truncatedNormal(stddev = 1e-2, dtype?, lower = -2, upper = 2)`:
 * stddev times standard normals truncated to (lower, upper). As in JAX, no
 * correction is applied: the result's standard deviation is below stddev.
 */
export function truncatedNormal(
  stddev: ArrayLike = 1e-2,
  dtype?: DType,
  lower: ArrayLike = -2.0,
  upper: ArrayLike = 2.0,
): Initializer {
  return (key, shape, d = dtype) => {
    const dt = dtypeOf(d);
    return jnp.multiply(
      random.truncatedNormal(key, lower, upper, shape, dt),
      jnp.array(stddev, dt),
    );
  };
}

export type Axes = number | readonly number[];

export interface FanOptions {
  /** Axis or axes of the input dimension (default -2). */
  inAxis?: Axes;
  /** Axis or axes of the output dimension (default -1). */
  outAxis?: Axes;
  /** Axes ignored (e.g. a batch of kernels; default none). */
  batchAxis?: Axes;
  dtype?: DType;
}
const FAN_KEYS: OptionKeys<FanOptions> = {
  inAxis: true,
  outAxis: true,
  batchAxis: true,
  dtype: true,
};

/**
 * JAX's _compute_fans: fan_in = in_size · receptive field, fan_out =
 * out_size · receptive field, where the receptive field is the product of
 * the dimensions that are not input, output or batch axes.
 */
export function computeFans(shape: Shape, options: FanOptions = {}): [number, number] {
  options = checkOptions("nn.initializers.computeFans", options, FAN_KEYS);
  const op = "nn.initializers";
  const inAxis = options.inAxis ?? -2;
  if (typeof inAxis === "number" && inAxis === -2 && shape.length <= 1) {
    throw new Error(
      `${op}: can't compute input and output sizes of a ${shape.length}-dimensional weights tensor ` +
        "with the default inAxis; it must be at least 2-D, or give inAxis explicitly",
    );
  }
  const size = (axes: Axes, what: string) =>
    typeof axes === "number"
      ? shape[normalizeAxis(axes, shape.length, op, what)]!
      : sizeOf(axes.map((a) => shape[normalizeAxis(a, shape.length, op, what)]!));
  const inSize = size(inAxis, "inAxis");
  const outSize = size(options.outAxis ?? -1, "outAxis");
  const batchSize = size(options.batchAxis ?? [], "batchAxis");
  const receptive = sizeOf(shape) / inSize / outSize / batchSize;
  return [inSize * receptive, outSize * receptive];
}

export type FanMode = "fan_in" | "fan_out" | "fan_avg" | "fan_geo_avg";
export type ScalingDistribution = "truncated_normal" | "normal" | "uniform";

// The standard deviation of a standard normal truncated to (-2, 2).
const TRUNCATED_STDDEV = 0.87962566103423978;

/**
 * `nn.initializers.varianceScaling(scale, mode, distribution, { inAxis, outAxis, batchAxis, dtype })`:
 * values with mean 0 and variance scale / n, n the fan of `mode`:
 * "truncated_normal" (truncated at ±2 standard deviations, rescaled),
 * "normal", or "uniform" on [-√(3·scale/n), √(3·scale/n)).
 */
export function varianceScaling(
  scale: number,
  mode: FanMode,
  distribution: ScalingDistribution,
  options: FanOptions = {},
): Initializer {
  const op = "nn.initializers.varianceScaling";
  options = checkOptions(op, options, FAN_KEYS);
  if (!["fan_in", "fan_out", "fan_avg", "fan_geo_avg"].includes(mode)) {
    throw new Error(
      `${op}: invalid mode for variance scaling initializer: ${JSON.stringify(mode)}`,
    );
  }
  if (!["truncated_normal", "normal", "uniform"].includes(distribution)) {
    throw new Error(
      `${op}: invalid distribution for variance scaling initializer: ${JSON.stringify(distribution)}`,
    );
  }
  return (key, shape, d = options.dtype) => {
    const dt = dtypeOf(d);
    const [fanIn, fanOut] = computeFans(shape, options);
    const denominator = {
      fan_in: fanIn,
      fan_out: fanOut,
      fan_avg: (fanIn + fanOut) / 2,
      fan_geo_avg: Math.sqrt(fanIn * fanOut),
    }[mode];
    const variance = jnp.array(scale / denominator, dt);
    if (distribution === "truncated_normal") {
      const stddev = jnp.divide(jnp.sqrt(variance), jnp.array(TRUNCATED_STDDEV, dt));
      return jnp.multiply(random.truncatedNormal(key, -2, 2, shape, dt), stddev);
    }
    if (distribution === "normal") {
      return jnp.multiply(random.normal(key, shape, dt), jnp.sqrt(variance));
    }
    return jnp.multiply(
      random.uniform(key, shape, { dtype: dt, minval: -1 }),
      jnp.sqrt(jnp.multiply(3, variance)),
    );
  };
}

type Preset = (options?: FanOptions) => Initializer;
const preset =
  (scale: number, mode: FanMode, distribution: ScalingDistribution): Preset =>
  (options = {}) =>
    varianceScaling(scale, mode, distribution, options);

/** Glorot (Xavier) uniform: varianceScaling(1, "fan_avg", "uniform"). */
export const glorotUniform: Preset = preset(1.0, "fan_avg", "uniform");
/** Glorot (Xavier) normal: varianceScaling(1, "fan_avg", "truncated_normal"). */
export const glorotNormal: Preset = preset(1.0, "fan_avg", "truncated_normal");
/** LeCun uniform: varianceScaling(1, "fan_in", "uniform"). */
export const lecunUniform: Preset = preset(1.0, "fan_in", "uniform");
/** LeCun normal: varianceScaling(1, "fan_in", "truncated_normal"). */
export const lecunNormal: Preset = preset(1.0, "fan_in", "truncated_normal");
/** He (Kaiming) uniform: varianceScaling(2, "fan_in", "uniform"). */
export const heUniform: Preset = preset(2.0, "fan_in", "uniform");
/** He (Kaiming) normal: varianceScaling(2, "fan_in", "truncated_normal"). */
export const heNormal: Preset = preset(2.0, "fan_in", "truncated_normal");
export const xavierUniform = glorotUniform;
export const xavierNormal = glorotNormal;
export const kaimingUniform = heUniform;
export const kaimingNormal = heNormal;

/**
 * `nn.initializers.orthogonal(scale = 1, columnAxis = -1, dtype?)`: arrays
 * whose slices along `columnAxis` are orthonormal columns of the flattened
 * (rows × columns) matrix, or orthonormal rows when there are fewer rows.
 */
export function orthogonal(scale: ArrayLike = 1.0, columnAxis = -1, dtype?: DType): Initializer {
  const op = "nn.initializers.orthogonal";
  return (key, shape, d = dtype) => {
    const dt = dtypeOf(d);
    if (shape.length < 2) {
      throw new Error(
        `${op}: the orthogonal initializer requires at least a 2-D shape, got ${shapeStr(shape)}`,
      );
    }
    if (shape.includes(0)) return jnp.zeros(shape, dt);
    const col = normalizeAxis(columnAxis, shape.length, op, "columnAxis");
    const nCols = shape[col]!;
    const nRows = sizeOf(shape) / nCols;
    const q = random.orthogonal(key, nRows, [], { dtype: dt, m: nCols });
    const rest = shape.filter((_, i) => i !== col);
    const moved = jnp.moveaxis(jnp.reshape(q, [...rest, nCols]), -1, col);
    return jnp.multiply(jnp.array(scale, dt), moved);
  };
}

/**
 * `nn.initializers.deltaOrthogonal(scale = 1, columnAxis = -1, dtype?)`:
 * convolution kernels (3-, 4- or 5-D, spatial dims first) that are zero
 * except at the spatial center, which holds an orthogonal (in, out) matrix
 * (Xiao et al. 2018).
 */
export function deltaOrthogonal(
  scale: ArrayLike = 1.0,
  columnAxis = -1,
  dtype?: DType,
): Initializer {
  const op = "nn.initializers.deltaOrthogonal";
  return (key, shape, d = dtype) => {
    const dt = dtypeOf(d);
    if (shape.length < 3 || shape.length > 5) {
      throw new Error(
        `${op}: the delta orthogonal initializer requires a 3-D, 4-D or 5-D shape, got ${shapeStr(shape)}`,
      );
    }
    const [fanIn, fanOut] = shape.slice(-2) as [number, number];
    if (fanOut < fanIn) {
      throw new Error(
        `${op}: fan_in (${fanIn}) must be less than or equal to fan_out (${fanOut}), got shape ${shapeStr(shape)}`,
      );
    }
    const ortho = orthogonal(scale, columnAxis, dt)(key, [fanIn, fanOut]);
    // Zero-pad the matrix out to the kernel, placing it at the spatial center.
    const spatial = shape.slice(0, -2);
    const center = jnp.reshape(ortho, [...spatial.map(() => 1), fanIn, fanOut]);
    const widths = spatial.map((k) => [Math.floor((k - 1) / 2), k - 1 - Math.floor((k - 1) / 2)]);
    return jnp.pad(center, [...widths, [0, 0], [0, 0]]);
  };
}
