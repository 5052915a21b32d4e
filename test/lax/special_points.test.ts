/**
 * Gradients at special points (issue 14): kinks, ties, zeros, infinities and
 * NaN-guarded branches, each equal to the value JAX defines. Every expected
 * value is derived by hand from the JAX rule named in the row (jax-ml/jax:
 * jax/_src/lax/lax.py, jax/_src/lax/other.py, jax/_src/numpy/ufuncs.py and
 * lax_numpy.py, jax/_src/nn/functions.py, jax/_src/ops/special.py,
 * jax/_src/numpy/linalg.py), not taken from a run of JAX. Each row is also
 * checked under jit(grad), vmap(grad) and (scalar rows) forward mode.
 */
import { describe, expect, it } from "vitest";
import { type Array, grad, jit, numpy as jnp, jvp, lax, nn, vmap } from "../../src/index.js";
import { expectClose } from "../util/assert.js";

type F = (x: Array) => Array;
interface Row {
  /** The function and the point, as JAX would write them. */
  name: string;
  f: F;
  x: number | number[];
  /** JAX's gradient at x (a list for vector inputs). */
  want: number | number[];
  /** The JAX rule the value follows from. */
  rule: string;
  /** Forward mode's tangent where it differs from the gradient (a select masks 0 · inf). */
  jvpWant?: number;
}

const PI = Math.PI;
const INF = Number.POSITIVE_INFINITY;
const NAN = Number.NaN;
const SELU = 1.0507009873554805 * 1.6732632423543772;
/** w · f(x): a scalar read-out of a vector function. */
const dot =
  (f: F, w: number[]): F =>
  (x) =>
    jnp.sum(f(x).mul(jnp.array(w)));
const i32 = (v: number) => jnp.array(v, "int32");

const ROWS: Row[] = [
  // lax.max / lax.min: _balanced_eq gives each side 1/2 at a tie, 0 to a NaN's partner.
  { name: "lax.max(x, 0)", f: (x) => lax.max(x, 0), x: 0, want: 0.5, rule: "max_p _balanced_eq" },
  { name: "lax.min(x, 0)", f: (x) => lax.min(x, 0), x: 0, want: 0.5, rule: "min_p _balanced_eq" },
  { name: "lax.max(x, x)", f: (x) => lax.max(x, x), x: 1, want: 1, rule: "max_p _balanced_eq" },
  { name: "lax.max(x, 1)", f: (x) => lax.max(x, 1), x: 2, want: 1, rule: "max_p _balanced_eq" },
  { name: "lax.max(x, nan)", f: (x) => lax.max(x, NAN), x: 0, want: 0, rule: "max_p eq(x, nan)" },
  { name: "jnp.maximum(x, 0)", f: (x) => jnp.maximum(x, 0), x: 0, want: 0.5, rule: "lax.max" },
  { name: "jnp.minimum(x, 0)", f: (x) => jnp.minimum(x, 0), x: 0, want: 0.5, rule: "lax.min" },
  // jnp.fmax/fmin: where(x1 > x2 | isnan(x2), x1, x2): a tie goes to x2.
  { name: "jnp.fmax(x, 0)", f: (x) => jnp.fmax(x, 0), x: 0, want: 0, rule: "fmax where" },
  { name: "jnp.fmax(0, x)", f: (x) => jnp.fmax(0, x), x: 0, want: 1, rule: "fmax where" },
  { name: "jnp.fmin(x, 0)", f: (x) => jnp.fmin(x, 0), x: 0, want: 0, rule: "fmin where" },
  { name: "jnp.fmax(x, nan)", f: (x) => jnp.fmax(x, NAN), x: 1, want: 1, rule: "fmax isnan(x2)" },
  // clamp_p: strict inequalities, so 0 at either bound; jnp.clip is maximum/minimum (1/2).
  { name: "lax.clamp(0, x, 1) at 0", f: (x) => lax.clamp(0, x, 1), x: 0, want: 0, rule: "clamp_p" },
  { name: "lax.clamp(0, x, 1) at 1", f: (x) => lax.clamp(0, x, 1), x: 1, want: 0, rule: "clamp_p" },
  { name: "lax.clamp(x, 0.5, 1) (min)", f: (x) => lax.clamp(x, 0.5, 1), x: 0.5, want: 0, rule: "clamp_p min" },
  { name: "lax.clamp(x, 0.5, 1) (min above)", f: (x) => lax.clamp(x, 0.5, 1), x: 0.75, want: 1, rule: "clamp_p min" },
  { name: "jnp.clip(x, 0, 1) at 0", f: (x) => jnp.clip(x, 0, 1), x: 0, want: 0.5, rule: "clip: maximum, minimum" },
  { name: "jnp.clip(x, 0, 1) at 1", f: (x) => jnp.clip(x, 0, 1), x: 1, want: 0.5, rule: "clip: maximum, minimum" },
  // abs_p: select(x >= 0, g, -g), so 1 at 0 (not sign(0) = 0); sign_p has a zero jvp.
  { name: "lax.abs at 0", f: (x) => lax.abs(x), x: 0, want: 1, rule: "_abs_jvp_rule" },
  { name: "jnp.abs at -1", f: (x) => jnp.abs(x), x: -1, want: -1, rule: "_abs_jvp_rule" },
  { name: "lax.sign at 0", f: (x) => lax.sign(x), x: 0, want: 0, rule: "defjvp_zero(sign_p)" },
  { name: "jnp.copysign(x, -1) at 0", f: (x) => jnp.copysign(x, -1), x: 0, want: -1, rule: "where(signbit, -abs, abs)" },
  // nn: relu and relu6 are custom_jvp (select(x > 0 [& x < 6], g, 0)); the rest compose.
  { name: "nn.relu at 0", f: (x) => nn.relu(x), x: 0, want: 0, rule: "relu.defjvps" },
  { name: "nn.relu at 1", f: (x) => nn.relu(x), x: 1, want: 1, rule: "relu.defjvps" },
  { name: "nn.relu6 at 0", f: (x) => nn.relu6(x), x: 0, want: 0, rule: "relu6.defjvps" },
  { name: "nn.relu6 at 6", f: (x) => nn.relu6(x), x: 6, want: 0, rule: "relu6.defjvps" },
  { name: "nn.relu6 at 3", f: (x) => nn.relu6(x), x: 3, want: 1, rule: "relu6.defjvps" },
  { name: "nn.hardSigmoid at -3", f: (x) => nn.hardSigmoid(x), x: -3, want: 0, rule: "relu6(x + 3) / 6" },
  { name: "nn.hardSigmoid at 3", f: (x) => nn.hardSigmoid(x), x: 3, want: 0, rule: "relu6(x + 3) / 6" },
  { name: "nn.hardSwish at -3", f: (x) => nn.hardSwish(x), x: -3, want: 0, rule: "x * hard_sigmoid(x)" },
  { name: "nn.hardSwish at 3", f: (x) => nn.hardSwish(x), x: 3, want: 1, rule: "x * hard_sigmoid(x)" },
  { name: "nn.hardTanh at 1", f: (x) => nn.hardTanh(x), x: 1, want: 1, rule: "where(x > 1, 1, ...)" },
  { name: "nn.hardTanh at -1", f: (x) => nn.hardTanh(x), x: -1, want: 1, rule: "where(x < -1, -1, x)" },
  { name: "nn.leakyRelu at 0", f: (x) => nn.leakyRelu(x), x: 0, want: 1, rule: "where(x >= 0, x, ...)" },
  { name: "nn.elu at 0", f: (x) => nn.elu(x), x: 0, want: 1, rule: "where(x > 0, x, alpha*expm1)" },
  { name: "nn.selu at 0", f: (x) => nn.selu(x), x: 0, want: SELU, rule: "scale * elu(x, alpha)" },
  { name: "nn.celu at 0", f: (x) => nn.celu(x), x: 0, want: 1, rule: "maximum + alpha*expm1(minimum)" },
  { name: "nn.softplus at 0", f: (x) => nn.softplus(x), x: 0, want: 0.5, rule: "logaddexp(x, 0)" },
  { name: "nn.logSigmoid at 0", f: (x) => nn.logSigmoid(x), x: 0, want: 0.5, rule: "-softplus(-x)" },
  // logaddexp / logaddexp2 (custom_jvp, lax/other.py): t·exp(x - out), _replace_inf maps only +inf to 0.
  { name: "jnp.logaddexp(x, 0)", f: (x) => jnp.logaddexp(x, 0), x: 0, want: 0.5, rule: "_logaddexp_jvp" },
  { name: "jnp.logaddexp(x, x)", f: (x) => jnp.logaddexp(x, x), x: 0, want: 1, rule: "_logaddexp_jvp" },
  { name: "jnp.logaddexp(x, -inf) at -inf", f: (x) => jnp.logaddexp(x, -INF), x: -INF, want: NAN, rule: "_replace_inf keeps -inf: exp(nan)" },
  { name: "jnp.logaddexp(x, -inf) at 0", f: (x) => jnp.logaddexp(x, -INF), x: 0, want: 1, rule: "_logaddexp_jvp" },
  { name: "jnp.logaddexp(x, inf) at inf", f: (x) => jnp.logaddexp(x, INF), x: INF, want: 1, rule: "_replace_inf(inf) = 0" },
  { name: "jnp.logaddexp(inf, y) at 0", f: (y) => jnp.logaddexp(INF, y), x: 0, want: 1, rule: "exp(0 - _replace_inf(inf))" },
  { name: "jnp.logaddexp(x, 0) at -inf", f: (x) => jnp.logaddexp(x, 0), x: -INF, want: 0, rule: "exp(-inf - 0)" },
  { name: "jnp.logaddexp2(x, 0)", f: (x) => jnp.logaddexp2(x, 0), x: 0, want: 0.5, rule: "_logaddexp2_jvp" },
  { name: "jnp.logaddexp2(x, x)", f: (x) => jnp.logaddexp2(x, x), x: 1, want: 1, rule: "_logaddexp2_jvp" },
  { name: "jnp.logaddexp2(x, -inf) at -inf", f: (x) => jnp.logaddexp2(x, -INF), x: -INF, want: NAN, rule: "_logaddexp2_jvp" },
  // where/select_n: the unselected branch's 0 cotangent times its inf derivative is NaN in reverse mode.
  { name: "where(x > 0, sqrt(x), 0) at 0", f: (x) => jnp.where(x.gt(0), jnp.sqrt(x), 0), x: 0, want: NAN, jvpWant: 0, rule: "select_n transpose; sqrt' = inf" },
  { name: "where(x > 0, log(x), 0) at 0", f: (x) => jnp.where(x.gt(0), jnp.log(x), 0), x: 0, want: NAN, jvpWant: 0, rule: "select_n transpose; log' = inf" },
  { name: "double where sqrt at 0", f: (x) => jnp.where(x.gt(0), jnp.sqrt(jnp.where(x.gt(0), x, 1)), 0), x: 0, want: 0, rule: "select_n" },
  { name: "where(x > 0, x, 0) at 0", f: (x) => jnp.where(x.gt(0), x, 0), x: 0, want: 0, rule: "select_n" },
  // Unary derivatives at their singular points.
  { name: "lax.sqrt at 0", f: (x) => lax.sqrt(x), x: 0, want: INF, rule: "g * 0.5 / ans" },
  { name: "lax.rsqrt at 0", f: (x) => lax.rsqrt(x), x: 0, want: -INF, rule: "g * -0.5 * ans / x" },
  { name: "lax.cbrt at 0", f: (x) => lax.cbrt(x), x: 0, want: INF, rule: "g / 3 * integer_pow(ans, -2)" },
  { name: "lax.log at 0", f: (x) => lax.log(x), x: 0, want: INF, rule: "g / x" },
  { name: "lax.log1p at -1", f: (x) => lax.log1p(x), x: -1, want: INF, rule: "g / (x + 1)" },
  { name: "lax.expm1 at -1", f: (x) => lax.expm1(x), x: -1, want: Math.exp(-1), rule: "g * (ans + 1)" },
  { name: "lax.acosh at 1", f: (x) => lax.acosh(x), x: 1, want: INF, rule: "rsqrt(x² - 1)" },
  { name: "lax.acosh at -1", f: (x) => lax.acosh(x), x: -1, want: INF, rule: "rsqrt(x² - 1), not -inf" },
  { name: "jnp.sinc at 0", f: (x) => jnp.sinc(x), x: 0, want: 0, rule: "_sinc_maclaurin(1)" },
  { name: "jnp.sinc at 0.5", f: (x) => jnp.sinc(x), x: 0.5, want: -4 / PI, rule: "sin(πx)/(πx)" },
  { name: "jnp.sinc'' at 0", f: (x) => grad(jnp.sinc)(x) as Array, x: 0, want: -(PI ** 2) / 3, rule: "_sinc_maclaurin(2)" },
  // pow: d/dx = y·x^(y-1) (0 where an integer y is 0); d/dy = log(_replace_zero(x))·ans.
  { name: "lax.pow(x, 2.0) at 0", f: (x) => lax.pow(x, 2.0), x: 0, want: 0, rule: "_pow_jvp_lhs" },
  { name: "lax.pow(x, 0.0) at 0", f: (x) => lax.pow(x, jnp.array(0)), x: 0, want: NAN, rule: "_pow_jvp_lhs: 0 * 0^-1" },
  { name: "lax.pow(x, 0.5) at 0", f: (x) => lax.pow(x, 0.5), x: 0, want: INF, rule: "_pow_jvp_lhs" },
  { name: "lax.pow(x, int 0) at 0", f: (x) => lax.pow(x, i32(0)), x: 0, want: 0, rule: "_pow_jvp_lhs integer y == 0" },
  { name: "lax.pow(x, int 2) at 0", f: (x) => lax.pow(x, i32(2)), x: 0, want: 0, rule: "_pow_jvp_lhs integer y" },
  { name: "lax.pow(0, y) at 2", f: (y) => lax.pow(jnp.array(0), y), x: 2, want: 0, rule: "_pow_jvp_rhs: log(1) * 0" },
  { name: "lax.pow(0, y) at 0", f: (y) => lax.pow(jnp.array(0), y), x: 0, want: 0, rule: "_pow_jvp_rhs: log(1) * 1" },
  { name: "lax.pow(0, y) at -1", f: (y) => lax.pow(jnp.array(0), y), x: -1, want: NAN, rule: "_pow_jvp_rhs: 0 * inf" },
  { name: "lax.pow(2, y) at 3", f: (y) => lax.pow(jnp.array(2), y), x: 3, want: 8 * Math.LN2, rule: "_pow_jvp_rhs" },
  { name: "x ** 2 at 0", f: (x) => jnp.power(x, 2), x: 0, want: 0, rule: "integer_pow, 2x" },
  { name: "x ** 0 at 0", f: (x) => jnp.power(x, 0), x: 0, want: 0, rule: "_integer_pow_jvp y == 0" },
  { name: "integer_pow(x, 1) at 0", f: (x) => lax.integerPow(x, 1), x: 0, want: 1, rule: "_integer_pow_jvp y == 1" },
  { name: "integer_pow(x, -1) at 0", f: (x) => lax.integerPow(x, -1), x: 0, want: -INF, rule: "_integer_pow_jvp" },
  { name: "jnp.reciprocal at 0", f: (x) => jnp.reciprocal(x), x: 0, want: -INF, rule: "integer_pow(x, -1)" },
  // atan2 and hypot at the origin.
  { name: "lax.atan2(x, 0) at 0", f: (x) => lax.atan2(x, 0), x: 0, want: NAN, rule: "y / (x² + y²) = 0/0" },
  { name: "lax.atan2(0, x) at 0", f: (x) => lax.atan2(0, x), x: 0, want: NAN, rule: "-x / (x² + y²) = 0/0" },
  { name: "jnp.hypot(x, 0) at 0", f: (x) => jnp.hypot(x, 0), x: 0, want: 0.5, rule: "hypot: maximum tie, where(x1 == 0)" },
  { name: "jnp.hypot(x, x) at 0", f: (x) => jnp.hypot(x, x), x: 0, want: 1, rule: "hypot: maximum(x, x)" },
  { name: "jnp.hypot(x, 4) at 3", f: (x) => jnp.hypot(x, 4), x: 3, want: 0.6, rule: "hypot" },
  // Reductions: _reduce_chooser_jvp_rule splits among k tied extremes (1/k each).
  { name: "jnp.max([1, 1, 0])", f: (x) => jnp.max(x), x: [1, 1, 0], want: [0.5, 0.5, 0], rule: "_reduce_chooser_jvp_rule" },
  { name: "jnp.max([1, 1, 1])", f: (x) => jnp.max(x), x: [1, 1, 1], want: [1 / 3, 1 / 3, 1 / 3], rule: "_reduce_chooser_jvp_rule" },
  { name: "jnp.min([2, 1, 1])", f: (x) => jnp.min(x), x: [2, 1, 1], want: [0, 0.5, 0.5], rule: "_reduce_chooser_jvp_rule" },
  { name: "jnp.max([nan, 1])", f: (x) => jnp.max(x), x: [NAN, 1], want: [NAN, NAN], rule: "chooser: no location, 0/0" },
  { name: "jnp.prod([0, 2])", f: (x) => jnp.prod(x), x: [0, 2], want: [2, 0], rule: "_reduce_prod_tree" },
  { name: "jnp.prod([0, 0, 3])", f: (x) => jnp.prod(x), x: [0, 0, 3], want: [0, 0, 0], rule: "_reduce_prod_tree" },
  { name: "jnp.sort([1, 1, 0])[1]", f: dot(jnp.sort, [0, 1, 0]), x: [1, 1, 0], want: [1, 0, 0], rule: "sort jvp: stable permutation" },
  { name: "jnp.sort([1, 1, 0])[2]", f: dot(jnp.sort, [0, 0, 1]), x: [1, 1, 0], want: [0, 1, 0], rule: "sort jvp: stable permutation" },
  // nn.logsumexp (ops/special.py): stop-gradient max, 0 where it is not finite, b = 0 masks a.
  { name: "nn.logsumexp([0, -inf])", f: (x) => nn.logsumexp(x), x: [0, -INF], want: [1, 0], rule: "logsumexp" },
  { name: "nn.logsumexp([-inf, -inf])", f: (x) => nn.logsumexp(x), x: [-INF, -INF], want: [NAN, NAN], rule: "log'(0) * exp'(-inf)" },
  { name: "nn.logsumexp([inf, 1], b=[0, 1])", f: (x) => nn.logsumexp(x, { b: jnp.array([0, 1]) }), x: [INF, 1], want: [0, 1], rule: "where(b != 0, a, -inf)" },
  // nn.softmax (custom_jvp y·(ẋ - Σ y·ẋ)) and nn.logSoftmax.
  { name: "nn.softmax([0, 0])[0]", f: dot(nn.softmax, [1, 0]), x: [0, 0], want: [0.25, -0.25], rule: "_softmax_jvp" },
  { name: "nn.softmax([0, -inf])[0]", f: dot(nn.softmax, [1, 0]), x: [0, -INF], want: [0, 0], rule: "_softmax_jvp" },
  { name: "nn.logSoftmax([0, 0])[0]", f: dot(nn.logSoftmax, [1, 0]), x: [0, 0], want: [0.5, -0.5], rule: "log_softmax" },
  { name: "nn.logSoftmax([0, -inf])[0]", f: dot(nn.logSoftmax, [1, 0]), x: [0, -INF], want: [0, 0], rule: "log_softmax" },
  // jnp.linalg.norm: sqrt(sum(x·x)) is NaN at 0; max-norms reduce with initial 0 (a second tie).
  { name: "norm([0, 0])", f: (x) => jnp.linalg.norm(x), x: [0, 0], want: [NAN, NAN], rule: "sqrt'(0) * 0" },
  { name: "norm([0, 0], 1)", f: (x) => jnp.linalg.norm(x, 1), x: [0, 0], want: [1, 1], rule: "sum(abs(x))" },
  { name: "norm([0, 0], inf)", f: (x) => jnp.linalg.norm(x, INF), x: [0, 0], want: [0.25, 0.25], rule: "amax(abs, initial=0)" },
  { name: "norm([0, 1], inf)", f: (x) => jnp.linalg.norm(x, INF), x: [0, 1], want: [0, 1], rule: "amax(abs, initial=0)" },
  { name: "norm([0, 1], 3)", f: (x) => jnp.linalg.norm(x, 3), x: [0, 1], want: [0, 1], rule: "sum(abs ** 3) ** (1/3)" },
  { name: "norm(zeros(2, 2), 1)", f: (x) => jnp.linalg.norm(x.reshape([2, 2]), 1), x: [0, 0, 0, 0], want: [0.25, 0.25, 0.25, 0.25], rule: "amax(col sums, initial=0)" },
]; // biome-ignore format: one row per line

function check(got: unknown, want: number | number[], what: string): void {
  // float32 results: NaN matches NaN, infinities match exactly.
  expectClose(got, typeof want === "number" ? [want] : want, what, 2e-6, 1e-7);
}

describe("gradients at special points match JAX's definitions", () => {
  it("has a table of at least 40 rows", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
  });

  for (const row of ROWS) {
    const x = jnp.array(row.x);
    describe(row.name, () => {
      it(`grad = ${String(row.want)} (${row.rule})`, () => {
        check(grad(row.f)(x), row.want, row.name);
      });
      it("jit(grad) = grad", () => {
        check(jit(grad(row.f))(x), row.want, `jit ${row.name}`);
      });
      it("vmap(grad) = grad on each example", () => {
        const xs = jnp.stack([x, x]);
        const wants = [row.want, row.want].flat();
        check(vmap(grad(row.f))(xs), wants, `vmap ${row.name}`);
      });
      if (typeof row.x === "number") {
        it("jvp's tangent = the derivative", () => {
          const [, t] = jvp(row.f, [x], [jnp.array(1)]);
          check(t, row.jvpWant ?? (row.want as number), `jvp ${row.name}`);
        });
      }
    });
  }
});

describe("argmax/argmin at ties pick the first index, as XLA's reductions do", () => {
  it("argmax and argmin", () => {
    expect(jnp.argmax(jnp.array([1, 3, 3])).item()).toBe(1);
    expect(jnp.argmin(jnp.array([2, 1, 1])).item()).toBe(1);
    check(lax.argmax(jnp.array([[0, 5, 5, 1]]), 1), [1], "lax.argmax");
  });
});

describe("values the ported compositions fix", () => {
  it("hypot is inf where a leg is inf (even with NaN), sinc is 0 at ±inf", () => {
    check(jnp.hypot(jnp.array([INF, NAN, 3]), jnp.array([NAN, -INF, 4])), [INF, INF, 5], "hypot");
    check(jnp.sinc(jnp.array([INF, -INF, 0])), [0, 0, 1], "sinc");
  });
  it("logaddexp2 matches log2(2^x + 2^y)", () => {
    const x = jnp.array([0, 1, -INF, INF, 3, NAN]);
    const y = jnp.array([0, 1, -INF, INF, -INF, 1]);
    check(jnp.logaddexp2(x, y), [1, 2, -INF, INF, 3, NAN], "logaddexp2");
  });
  it("logsumexp with b: b = 0 entries are ignored, a negative sum is NaN", () => {
    check(nn.logsumexp(jnp.array([INF, 1]), { b: jnp.array([0, 1]) }), [1], "b = 0");
    check(nn.logsumexp(jnp.array([0, 0]), { b: jnp.array([1, -2]) }), [NAN], "negative");
  });
});
