/** Abstract values: what tracing knows about an array (shape, dtype, weak type). */
import { type DType, shortName } from "../dtype.js";
import { checkSize, type Shape, shapeStr, shapesEqual, sizeOf } from "../shape.js";

export class ShapedArray {
  readonly shape: Shape;
  /** The number of elements (computed once: eager dispatch reads it on every operation). */
  readonly size: number;
  constructor(
    shape: Shape,
    readonly dtype: DType,
    readonly weakType = false,
  ) {
    this.shape = frozenShape(shape);
    this.size = sizeOf(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Jaxpr notation: f32[3,2]. */
  str(): string {
    return `${shortName(this.dtype)}[${this.shape.join(",")}]`;
  }
  equals(o: ShapedArray): boolean {
    return (
      this.dtype === o.dtype && this.weakType === o.weakType && shapesEqual(this.shape, o.shape)
    );
  }
  /** Equal up to weak-typedness (what jit's cache and cond/scan type checks compare). */
  sameType(o: ShapedArray): boolean {
    return this.dtype === o.dtype && shapesEqual(this.shape, o.shape);
  }
  withShape(shape: Shape): ShapedArray {
    return new ShapedArray(shape, this.dtype, this.weakType);
  }
  withDtype(dtype: DType, weakType = false): ShapedArray {
    return new ShapedArray(this.shape, dtype, weakType);
  }
  strong(): ShapedArray {
    return this.weakType ? new ShapedArray(this.shape, this.dtype, false) : this;
  }
  /** A key for caches: shape, dtype and weak flag. */
  key(): string {
    return `${this.dtype}${this.weakType ? "~" : ""}[${this.shape.join(",")}]`;
  }
}

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");
function inspectShape(this: Shape): string {
  return shapeStr(this);
}

/** An immutable shape that prints as NumPy's tuple, `(3, 2)`, in console.log (as `print(x.shape)` does). */
function frozenShape(shape: Shape): Shape {
  if (
    Object.isFrozen(shape) &&
    (shape as unknown as Record<symbol, unknown>)[inspectSymbol] === inspectShape
  ) {
    return shape;
  }
  // -0 is 0 (shapes compare and print without negative zeros).
  const s = shape.map((d) => (d === 0 ? 0 : d));
  checkSize("ShapedArray", s);
  Object.defineProperty(s, inspectSymbol, { value: inspectShape });
  return Object.freeze(s);
}
