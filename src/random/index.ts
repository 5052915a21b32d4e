/**
 * `jax.random`: counter-based pseudo-random numbers with explicit keys,
 * bit for bit those of JAX's default threefry2x32 PRNG for the same key,
 * shape and dtype.
 *
 *   const key = random.PRNGKey(0);
 *   const [k1, k2] = random.splitList(key, 2);   // or random.split(key) -> [2, 2]
 *   const x = random.normal(k1, [2, 28, 28]);
 *
 * Keys are raw uint32[2] arrays (see keys.ts): `random.key(seed)` is the
 * same as `random.PRNGKey(seed)`. Samplers take one key; map them over a
 * batch of keys with `vmap`.
 */

export {
  doubleSidedMaxwell,
  type FloatDtypeOptions,
  lognormal,
  rayleigh,
  triangular,
  wald,
} from "./continuous.js";
export {
  binomial,
  geometric,
  type MultinomialOptions,
  multinomial,
  poisson,
} from "./counts.js";
export {
  bernoulli,
  type CategoricalOptions,
  type ChoiceOptions,
  categorical,
  choice,
  type PermutationOptions,
  permutation,
  rademacher,
  randint,
  shuffle,
} from "./discrete.js";
export {
  ball,
  beta,
  chisquare,
  dirichlet,
  type FloatOptions,
  f,
  gamma,
  generalizedNormal,
  loggamma,
  t,
} from "./gamma.js";
export {
  clone,
  foldIn,
  key,
  keyData,
  PRNGKey,
  type PRNGKeyArray,
  split,
  splitList,
  threefryPartitionable,
  withThreefryPartitionable,
  wrapKeyData,
} from "./keys.js";
export {
  type MultivariateNormalOptions,
  multivariateNormal,
  type OrthogonalOptions,
  orthogonal,
} from "./multivariate.js";
export {
  bits,
  cauchy,
  type DtypeOptions,
  exponential,
  type GumbelMode,
  type GumbelOptions,
  gumbel,
  laplace,
  logistic,
  maxwell,
  normal,
  pareto,
  truncatedNormal,
  type UniformOptions,
  uniform,
  weibullMin,
} from "./samplers.js";
export { iota2x32Shape, threefry2x32, threefry2x32P, threefry2x32Raw } from "./threefry.js";
