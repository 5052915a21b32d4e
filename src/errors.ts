/**
 * `jax.errors`: JAX's error classes, so a program can catch them by class as
 * a JAX program does (`except jax.errors.ConcretizationTypeError`), with
 * Python's `IndexError` and `ValueError`, which JavaScript lacks. The
 * hierarchy is JAX's: JAXTypeError is a TypeError, JAXIndexError an
 * IndexError; TracerBoolConversionError is a ConcretizationTypeError;
 * TracerIntegerConversionError and TracerArrayConversionError are JAXTypeErrors.
 *
 *   import { errors } from "jaxts";
 *   try { ... } catch (e) { if (e instanceof errors.ConcretizationTypeError) ... }
 */

/** Python's IndexError: an index out of range or of the wrong kind. */
export class IndexError extends Error {
  override name = "IndexError";
}

/** Python's ValueError: an argument of the right type but an invalid value. */
export class ValueError extends Error {
  override name = "ValueError";
}

/** `jax.errors.JAXTypeError`: the base of JAX's TypeErrors. */
export class JAXTypeError extends TypeError {
  override name = "JAXTypeError";
}

/** `jax.errors.JAXIndexError`: the base of JAX's IndexErrors. */
export class JAXIndexError extends IndexError {
  override name = "JAXIndexError";
}

/** A traced value was used where a concrete JS value is needed (a shape, a branch, a loop bound). */
export class ConcretizationTypeError extends JAXTypeError {
  override name = "ConcretizationTypeError";
}

/** A traced boolean mask used as an index (its number of true values is the result's shape). */
export class NonConcreteBooleanIndexError extends JAXIndexError {
  override name = "NonConcreteBooleanIndexError";
}

/** A traced value converted to a host array (a typed array or JS array). */
export class TracerArrayConversionError extends JAXTypeError {
  override name = "TracerArrayConversionError";
}

/** A traced value converted to a JS boolean (in an `if`, `&&`, `||`). */
export class TracerBoolConversionError extends ConcretizationTypeError {
  override name = "TracerBoolConversionError";
}

/**
 * A traced value converted to a JS integer (used as an index into a JS array,
 * a range bound): JAX's `operator.index(tracer)`. A JAXTypeError, as in JAX.
 */
export class TracerIntegerConversionError extends JAXTypeError {
  override name = "TracerIntegerConversionError";
}

/** A tracer used after the transformation that made it returned (it escaped, e.g. into a global). */
export class UnexpectedTracerError extends JAXTypeError {
  override name = "UnexpectedTracerError";
}

/** A PRNG key used twice (under `jax_debug_key_reuse`). */
export class KeyReuseError extends JAXTypeError {
  override name = "KeyReuseError";
}
