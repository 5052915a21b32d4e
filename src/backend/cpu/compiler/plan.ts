/**
 * Buffer planning: the intermediates of a program share one arena, placed by
 * liveness so that a buffer's bytes are reused once its last reader has run.
 * Placement is first-fit over free intervals of the arena; a step's outputs
 * are placed before its operands are released (no step writes over what it
 * reads).
 */

export interface PlanItem {
  /** Bytes needed. */
  readonly bytes: number;
  /** The step that writes it (or -1: written before the first step, e.g. a copied input). */
  readonly def: number;
  /** The last step that reads it (>= def). */
  readonly lastUse: number;
}

export interface ArenaPlan {
  /** Byte offset of each item in the arena. */
  readonly offsets: number[];
  /** Bytes of the arena. */
  readonly size: number;
}

const ALIGN = 64; // a cache line: no two buffers share one (and SIMD loads stay aligned)

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** Free intervals [start, end) of the arena, sorted, merged on release. */
class FreeList {
  private spans: { start: number; end: number }[] = [];
  size = 0;

  take(bytes: number): number {
    for (let i = 0; i < this.spans.length; i++) {
      const s = this.spans[i]!;
      if (s.end - s.start >= bytes) {
        const at = s.start;
        s.start += bytes;
        if (s.start === s.end) this.spans.splice(i, 1);
        return at;
      }
    }
    // Extend the arena, reusing a free span at its end.
    const last = this.spans[this.spans.length - 1];
    if (last !== undefined && last.end === this.size) {
      this.spans.pop();
      const at = last.start;
      this.size = at + bytes;
      return at;
    }
    const at = this.size;
    this.size += bytes;
    return at;
  }

  give(start: number, bytes: number): void {
    const end = start + bytes;
    let i = 0;
    while (i < this.spans.length && this.spans[i]!.start < start) i++;
    this.spans.splice(i, 0, { start, end });
    // Merge with neighbours.
    if (i + 1 < this.spans.length && this.spans[i + 1]!.start === end) {
      this.spans[i]!.end = this.spans[i + 1]!.end;
      this.spans.splice(i + 1, 1);
    }
    if (i > 0 && this.spans[i - 1]!.end === start) {
      this.spans[i - 1]!.end = this.spans[i]!.end;
      this.spans.splice(i, 1);
    }
  }
}

/** Places the items in one arena; items live from their def step through their last use. */
export function planArena(items: readonly PlanItem[], steps: number): ArenaPlan {
  const offsets = new Array<number>(items.length).fill(-1);
  const byDef = new Map<number, number[]>();
  const byEnd = new Map<number, number[]>();
  items.forEach((it, i) => {
    byDef.set(it.def, [...(byDef.get(it.def) ?? []), i]);
    byEnd.set(it.lastUse, [...(byEnd.get(it.lastUse) ?? []), i]);
  });
  const free = new FreeList();
  for (let s = -1; s < steps; s++) {
    for (const i of byDef.get(s) ?? [])
      offsets[i] = free.take(alignUp(Math.max(items[i]!.bytes, 1)));
    for (const i of byEnd.get(s) ?? [])
      free.give(offsets[i]!, alignUp(Math.max(items[i]!.bytes, 1)));
  }
  return { offsets, size: free.size };
}
