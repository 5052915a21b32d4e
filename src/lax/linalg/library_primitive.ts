/**
 * How the primitives that run a library kernel of their own name are built:
 * the lax.linalg decompositions and solves, and lax.sort's sort and top_k.
 * Each lowers to that kernel, runs it eagerly, and is opaque to the
 * compiler's passes; the rules that differ (type, jvp, batching, transpose)
 * are given.
 */
import { libraryImpl } from "../../core/library.js";
import {
  type BatchRule,
  type NoParams,
  OPAQUE,
  Primitive,
  type PrimitiveRules,
} from "../../core/primitive.js";
import { batchUnary } from "./common.js";

/**
 * The rules a library primitive gives: its batch rule may be "unary", one
 * operand whose batch dimension moves to the front (batchUnary); no
 * transpose unless given.
 */
export type LibraryRules<P> = Pick<PrimitiveRules<P>, "abstractEval" | "jvp"> & {
  batch: BatchRule<P> | "unary";
  transpose?: PrimitiveRules<P>["transpose"];
};

/** A primitive lowered to, and run eagerly by, the library kernel `name`. */
export function libraryPrimitive<P extends object = NoParams>(
  name: string,
  { abstractEval, jvp, batch, transpose = null }: LibraryRules<P>,
  multipleResults = false,
): Primitive<P> {
  const prim: Primitive<P> = new Primitive<P>(
    name,
    {
      lower: { kind: "library", name },
      facts: OPAQUE,
      abstractEval,
      impl: libraryImpl<P>(name),
      jvp,
      transpose,
      batch:
        batch === "unary"
          ? ([x], [d], params, axis) => batchUnary(prim)([x!], [d!], params, axis)
          : batch,
    },
    multipleResults,
  );
  return prim;
}
