/**
 * Type tests (checked by `tsc` in `npm test`, never run): the inferred type of
 * every transformation, pinned with `expectTypeOf`, and the mistakes a type
 * checker can catch, pinned with `@ts-expect-error`. Nothing here is called:
 * building a transformed function computes nothing.
 */
import { expectTypeOf } from "vitest";
import {
  type Array,
  type ArrayLike,
  checkpoint,
  customJvp,
  grad,
  hessian,
  type JaxArray,
  jacfwd,
  jacrev,
  jit,
  numpy as jnp,
  jvp,
  lax,
  linearize,
  pmap,
  valueAndGrad,
  vjp,
  vjpWithAux,
  vmap,
} from "../../src/index.js";

type Params = { w: JaxArray; b: JaxArray };
type Aux = { logits: JaxArray; accuracy: JaxArray };
declare const params: Params;
declare const x: JaxArray;
declare const y: JaxArray;

const loss = (p: Params, x: JaxArray, y: JaxArray): JaxArray =>
  jnp.mean(x.matmul(p.w).add(p.b).sub(y).pow(2));
const lossWithAux = (p: Params, x: JaxArray, y: JaxArray): [JaxArray, Aux] => {
  const logits = x.matmul(p.w).add(p.b);
  return [jnp.mean(logits.sub(y).pow(2)), { logits, accuracy: jnp.mean(logits) }];
};

// JaxArray is jax.Array under a name that does not shadow JavaScript's Array.
expectTypeOf<JaxArray>().toEqualTypeOf<Array>();
expectTypeOf(globalThis.Array.isArray).toBeFunction();

// --- grad / valueAndGrad ------------------------------------------------------------
expectTypeOf(grad(loss)).toEqualTypeOf<(p: Params, x: JaxArray, y: JaxArray) => Params>();
expectTypeOf(grad(loss, { argnums: 1 })).toEqualTypeOf<
  (p: Params, x: JaxArray, y: JaxArray) => JaxArray
>();
expectTypeOf(grad(loss, { argnums: [0, 1] })).toEqualTypeOf<
  (p: Params, x: JaxArray, y: JaxArray) => [Params, JaxArray]
>();
// Negative argnums count from the end, as in JAX.
expectTypeOf(grad(loss, { argnums: -3 })).returns.toEqualTypeOf<Params>();
expectTypeOf(grad(lossWithAux, { hasAux: true })).returns.toEqualTypeOf<[Params, Aux]>();
expectTypeOf(valueAndGrad(loss)).returns.toEqualTypeOf<[JaxArray, Params]>();
expectTypeOf(valueAndGrad(lossWithAux, { argnums: [0, 1], hasAux: true })).toEqualTypeOf<
  (p: Params, x: JaxArray, y: JaxArray) => [[JaxArray, Aux], [Params, JaxArray]]
>();
// holomorphic is typed and keeps the gradient's type.
expectTypeOf(
  grad((z: JaxArray) => z.sum(), { holomorphic: true }),
).returns.toEqualTypeOf<JaxArray>();

// A JS-number parameter's gradient is an Array (JAX returns an array for a Python float),
// and JS numbers stay numbers in the parameters.
type Scaled = { w: JaxArray; scale: number };
const scaledLoss = (p: Scaled, t: number) => p.w.mul(p.scale).sum().mul(t);
expectTypeOf(grad(scaledLoss)).parameters.toEqualTypeOf<[p: Scaled, t: number]>();
expectTypeOf(grad(scaledLoss)).returns.toEqualTypeOf<{ w: JaxArray; scale: JaxArray }>();
expectTypeOf(grad(scaledLoss, { argnums: 1 })).returns.toEqualTypeOf<JaxArray>();

// Tuples and arrays of parameters keep their structure.
const mlpLoss = (layers: Params[], x: JaxArray) =>
  layers.reduce((h, l) => h.matmul(l.w).add(l.b), x).sum();
expectTypeOf(grad(mlpLoss)).returns.toEqualTypeOf<Params[]>();
const tupleLoss = (p: [JaxArray, JaxArray, JaxArray]) => p[0].add(p[1]).mul(p[2]).sum();
expectTypeOf(grad(tupleLoss)).returns.toEqualTypeOf<[JaxArray, JaxArray, JaxArray]>();

// Mistakes the type checker catches.
// @ts-expect-error argnums out of range for a function of three parameters
grad(loss, { argnums: 3 });
// @ts-expect-error argnums out of range (negative)
grad(loss, { argnums: -4 });
// @ts-expect-error one argnums entry out of range
valueAndGrad(loss, { argnums: [0, 5] });
// @ts-expect-error hasAux needs a function returning a pair [output, aux]
grad(loss, { hasAux: true });
// @ts-expect-error a function returning a pair needs hasAux
grad(lossWithAux);
// @ts-expect-error grad of a function returning a Promise
grad(async (v: JaxArray) => v.sum());
// @ts-expect-error the gradient function takes the function's parameters
grad(loss)(params, x);

// --- jacobians ------------------------------------------------------------------------
const f = (v: JaxArray) => jnp.sin(v);
expectTypeOf(jacfwd(f)).toEqualTypeOf<(v: JaxArray) => JaxArray>();
expectTypeOf(jacrev(f)).toEqualTypeOf<(v: JaxArray) => JaxArray>();
expectTypeOf(hessian((v: JaxArray) => v.sum())).toEqualTypeOf<(v: JaxArray) => JaxArray>();
// The output's structure, each leaf holding the input's structure.
const pair = (p: Params): [JaxArray, JaxArray] => [p.w.sum(), p.b];
expectTypeOf(jacrev(pair)).returns.toEqualTypeOf<[Params, Params]>();
expectTypeOf(jacfwd(loss, { argnums: [0, 2] })).returns.toEqualTypeOf<[Params, JaxArray]>();
expectTypeOf(jacrev(lossWithAux, { hasAux: true })).returns.toEqualTypeOf<[Params, Aux]>();
expectTypeOf(hessian(loss, { argnums: 1 })).returns.toEqualTypeOf<JaxArray>();
// @ts-expect-error argnums out of range
jacfwd(f, { argnums: 1 });

// --- jvp / vjp / linearize ------------------------------------------------------------------
expectTypeOf(jvp(loss, [params, x, y], [params, x, y])).toEqualTypeOf<[JaxArray, JaxArray]>();
const [out, pullback] = vjp(loss, params, x, y);
expectTypeOf(out).toEqualTypeOf<JaxArray>();
expectTypeOf(pullback).returns.toEqualTypeOf<[Params, JaxArray, JaxArray]>();
expectTypeOf(vjpWithAux(lossWithAux, params, x, y)[2]).toEqualTypeOf<Aux>();
const [yLin, fJvp] = linearize(f, x);
expectTypeOf(yLin).toEqualTypeOf<JaxArray>();
expectTypeOf(fJvp).returns.toEqualTypeOf<JaxArray>();
// @ts-expect-error the primals must match the function's parameters
jvp(loss, [params, x], [params, x]);

// --- jit / vmap / pmap / checkpoint / custom rules --------------------------------------------
expectTypeOf(jit(loss)).toEqualTypeOf<(p: Params, x: JaxArray, y: JaxArray) => JaxArray>();
expectTypeOf(jit(grad(loss))).toEqualTypeOf<(p: Params, x: JaxArray, y: JaxArray) => Params>();
expectTypeOf(vmap(grad(loss), { inAxes: [null, 0, 0] })).toEqualTypeOf<
  (p: Params, x: JaxArray, y: JaxArray) => Params
>();
expectTypeOf(vmap(lossWithAux, { outAxes: [0, { logits: 1, accuracy: 0 }] })).returns.toEqualTypeOf<
  [JaxArray, Aux]
>();
expectTypeOf(pmap(loss, { axisName: "i" })).toEqualTypeOf<typeof loss>();
expectTypeOf(checkpoint(loss)).toEqualTypeOf<typeof loss>();
const clipped = customJvp((v: JaxArray) => jnp.clip(v, -1, 1));
expectTypeOf(clipped).parameters.toEqualTypeOf<[v: JaxArray]>();
expectTypeOf(clipped).returns.toEqualTypeOf<JaxArray>();
// @ts-expect-error a jitted function keeps its parameters
jit(loss)(params, x);

// --- control flow ---------------------------------------------------------------------------
type Carry = { h: JaxArray; step: JaxArray };
declare const carry: Carry;
const [final, ys] = lax.scan(
  (c: Carry, xt: JaxArray): [Carry, JaxArray] => [{ h: c.h.add(xt), step: c.step.add(1) }, c.h],
  carry,
  x,
);
expectTypeOf(final).toEqualTypeOf<Carry>();
expectTypeOf(ys).toEqualTypeOf<JaxArray>();
expectTypeOf(
  lax.cond(
    x.sum().gt(0),
    (a: JaxArray, b: JaxArray) => ({ s: a.add(b) }),
    (a: JaxArray, b: JaxArray) => ({ s: a.sub(b) }),
    x,
    y,
  ),
).toEqualTypeOf<{ s: JaxArray }>();
expectTypeOf(
  lax.switch(1, [(a: JaxArray) => a, (a: JaxArray) => a.neg(), (a: JaxArray) => a.mul(2)], x),
).toEqualTypeOf<JaxArray>();
expectTypeOf(
  lax.whileLoop(
    (c: Carry) => c.step.lt(10),
    (c: Carry) => ({ h: c.h.mul(2), step: c.step.add(1) }),
    carry,
  ),
).toEqualTypeOf<Carry>();
expectTypeOf(
  lax.foriLoop(0, 10, (i, c: Carry) => ({ ...c, h: c.h.add(i) }), carry),
).toEqualTypeOf<Carry>();
expectTypeOf(lax.map((row: JaxArray) => ({ total: row.sum() }), x)).toEqualTypeOf<{
  total: JaxArray;
}>();
lax.whileLoop(
  (c: Carry) => c.step.lt(10),
  // @ts-expect-error the body must return the carry's type
  (c: Carry) => c.h,
  carry,
);
lax.cond(
  true,
  (a: JaxArray) => a,
  (a: JaxArray) => a,
  // @ts-expect-error cond's branches take the operands
  params,
);

// ArrayLike parameters accept JS numbers, as jnp's functions do.
const scale = (s: ArrayLike, v: JaxArray) => jnp.multiply(s, v).sum();
expectTypeOf(grad(scale, { argnums: 1 })).toEqualTypeOf<(s: ArrayLike, v: JaxArray) => JaxArray>();
expectTypeOf(grad(scale)).returns.toEqualTypeOf<JaxArray>();

// A registered pytree class (an object with methods) keeps its type: the runtime rebuilds it.
class Dense {
  constructor(
    readonly w: JaxArray,
    readonly units: number,
  ) {}
  apply(v: JaxArray): JaxArray {
    return v.matmul(this.w);
  }
}
expectTypeOf(grad((d: Dense, v: JaxArray) => d.apply(v).sum())).returns.toEqualTypeOf<Dense>();
