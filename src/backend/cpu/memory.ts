/**
 * The CPU backend's memory: ONE WebAssembly.Memory (shared when the platform
 * allows, so a worker pool can run kernels on it) holding every buffer of
 * compiled programs, the matmul kernel's workspaces and the arrays they
 * return. A pooled allocator reuses blocks: fresh pages cost ~12 µs per
 * 4 KiB in page faults, more than most kernels on them, so steady-state loops
 * must allocate nothing new.
 *
 * Arrays returned to users are typed-array views into this memory (no copy).
 * Each view is registered in a FinalizationRegistry that returns its block to
 * the pool when the view is collected; `ArrayImpl.dispose()` returns it early.
 * Finalizers only run when the event loop turns, so a synchronous loop of
 * thousands of steps would never free anything: above a budget of
 * outstanding escaped bytes, outputs are copied into ordinary JS typed
 * arrays (which V8 collects by itself) and their blocks freed at once.
 *
 * Views of a shared memory stay valid when it grows (SharedArrayBuffer
 * semantics); a non-shared memory detaches its old buffer on growth, so in
 * that case escaped outputs are always copied.
 */
import { setReleaseHook } from "../../core/array.js";
import type { DType, TypedArray } from "../../dtype.js";

export const PAGE_BYTES = 65536;
/** The most pages a wasm32 memory can have (4 GiB). */
const MAX_PAGES = 65536;
/** Offsets below this are never handed out (0 stays an invalid address). */
const RESERVED = 1024;

let memory: WebAssembly.Memory | null = null;
let shared = false;

/** Whether SharedArrayBuffer (and so a shared memory and worker threads) is available. */
function canShare(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  // Browsers expose SharedArrayBuffer only when cross-origin isolated.
  const g = globalThis as { crossOriginIsolated?: boolean; process?: unknown };
  return g.process !== undefined || g.crossOriginIsolated === true;
}

/**
 * The memory all CPU kernels and the worker pool share (created on first use):
 * shared with maximum 65536 pages when possible, else an ordinary memory.
 */
export function cpuMemory(): WebAssembly.Memory {
  if (memory === null) {
    shared = canShare();
    memory = shared
      ? new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 16 });
    top = RESERVED;
  }
  return memory;
}

/** Whether `cpuMemory()` is a shared memory. */
export function isSharedMemory(): boolean {
  cpuMemory();
  return shared;
}

/** The memory's current buffer (a new object after each growth). */
export function heapBuffer(): ArrayBuffer | SharedArrayBuffer {
  return cpuMemory().buffer;
}

// --- The pooled allocator -------------------------------------------------------

// Each block is preceded by a 16-byte header in the memory itself: its size
// class and state. (A JS Map from address to size degrades badly here: V8
// rehashes a nearly full table with deleted entries over and over.)
const HEADER = 16;
const FREE = 0x46524545; // "FREE"
const LIVE = 0x4c495645; // "LIVE"
const ESCAPED = 0x45534350; // "ESCP": held by an array handed to a user

let top = RESERVED;
const freeLists = new Map<number, number[]>();
let liveBytes = 0;
let freeBytes = 0;
let headers: Int32Array | null = null;

/** An Int32Array over the whole memory (re-made after growth). */
function words(): Int32Array {
  const buf = cpuMemory().buffer;
  if (headers === null || headers.buffer !== buf) headers = new Int32Array(buf);
  return headers;
}

/**
 * The size class of a request: multiples of 16 bytes up to 256, then four
 * classes per power of two (2^k, 1.25, 1.5 and 1.75 x 2^k), so at most 25%
 * is wasted and freed blocks are found again by loops of the same shapes.
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, bytes);
  if (b <= 256) return (b + 15) & ~15;
  const p = 2 ** Math.floor(Math.log2(b));
  const q = p / 4;
  return Math.ceil(b / q) * q;
}

function ensureCapacity(end: number): void {
  const mem = cpuMemory();
  const have = mem.buffer.byteLength;
  if (end <= have) return;
  // Grow geometrically so that growth (which may copy a non-shared memory) is rare.
  const wantBytes = Math.max(end, Math.min(have * 1.5, have + 256 * 2 ** 20));
  const pages = Math.ceil(wantBytes / PAGE_BYTES) - have / PAGE_BYTES;
  const needPages = Math.ceil(end / PAGE_BYTES) - have / PAGE_BYTES;
  try {
    mem.grow(pages);
  } catch {
    try {
      mem.grow(needPages);
    } catch {
      throw new RangeError(
        `CPU backend: out of WebAssembly memory growing to ${end} bytes ` +
          `(live ${liveBytes} bytes, pooled free ${freeBytes} bytes)`,
      );
    }
  }
}

/** A block of at least `bytes` bytes, 16-byte aligned; its byte offset in the memory. */
export function alloc(bytes: number): number {
  const size = sizeClass(bytes);
  const list = freeLists.get(size);
  let at: number;
  if (list !== undefined && list.length > 0) {
    at = list.pop()!;
    freeBytes -= size;
  } else {
    cpuMemory();
    at = top + HEADER;
    ensureCapacity(at + size);
    top = at + size;
  }
  const w = words();
  w[(at - HEADER) >> 2] = size;
  w[(at - HEADER + 4) >> 2] = LIVE;
  liveBytes += size;
  return at;
}

/** The state word of the block at `at`, or 0 when `at` cannot be a block. */
function stateOf(at: number): number {
  if (at < RESERVED + HEADER || at >= top || at % 16 !== 0) return 0;
  return words()[(at - HEADER + 4) >> 2]!;
}

/** Returns a block from `alloc` to the pool. */
export function free(at: number): void {
  const state = stateOf(at);
  if (state !== LIVE && state !== ESCAPED) {
    throw new Error(
      `CPU backend: free of ${state === FREE ? "an already freed" : "an unknown"} block at ${at}`,
    );
  }
  const w = words();
  const size = w[(at - HEADER) >> 2]!;
  w[(at - HEADER + 4) >> 2] = FREE;
  liveBytes -= size;
  freeBytes += size;
  let list = freeLists.get(size);
  if (list === undefined) {
    list = [];
    freeLists.set(size, list);
  }
  list.push(at);
}

export interface MemoryStats {
  /** Bytes of the WebAssembly memory. */
  memoryBytes: number;
  /** Bytes in allocated blocks. */
  liveBytes: number;
  /** Bytes in pooled free blocks. */
  freeBytes: number;
  /** Bytes held by arrays returned to users (released when they are collected or disposed). */
  escapedBytes: number;
  /** Outputs copied to JS arrays so far (over the escape budget, or no shared memory). */
  copiedOutputs: number;
}

export function memoryStats(): MemoryStats {
  return {
    memoryBytes: cpuMemory().buffer.byteLength,
    liveBytes,
    freeBytes,
    escapedBytes,
    copiedOutputs,
  };
}

// --- Typed views ------------------------------------------------------------------

/** A typed-array view of `length` elements of `dtype` at byte offset `at`. */
export function view(dtype: DType, at: number, length: number): TypedArray {
  const buf = heapBuffer();
  if (shared) ownBuffers.add(buf);
  switch (dtype) {
    case "float32":
      return new Float32Array(buf, at, length);
    case "float64":
      return new Float64Array(buf, at, length);
    case "int32":
      return new Int32Array(buf, at, length);
    case "uint32":
      return new Uint32Array(buf, at, length);
    case "bool":
      return new Uint8Array(buf, at, length);
  }
}

/** The byte offset of `values` in the memory, or -1 when it lives elsewhere. */
export function addressOf(values: TypedArray): number {
  if (memory === null) return -1;
  const b = values.buffer;
  // Views made before a growth hold an older buffer object of the same memory.
  if (b === memory.buffer || (shared && ownBuffers.has(b))) return values.byteOffset;
  return -1;
}

// The buffer objects of the shared memory views were made on (one per growth), to recognize old views.
const ownBuffers = new WeakSet<ArrayBufferLike>();

// --- Arrays handed to users ---------------------------------------------------------

/**
 * Budget of escaped bytes waiting for the garbage collector before outputs
 * are copied instead. Views of the memory put no pressure on V8's heap, so
 * the collector finds dead ones only every few hundred calls of a loop (or
 * never, in one synchronous loop); the budget must cover that cadence for a
 * loop over large arrays to run without copies. Its bytes are reused once
 * their arrays are collected (the memory does not shrink).
 */
let escapeBudget = 256 * 2 ** 20;
let escapedBytes = 0;
let copiedOutputs = 0;

const registry =
  typeof FinalizationRegistry === "undefined"
    ? null
    : new FinalizationRegistry<number>((at) => releaseBlock(at));

function releaseBlock(at: number): void {
  if (stateOf(at) !== ESCAPED) return;
  escapedBytes -= words()[(at - HEADER) >> 2]!;
  free(at);
}

/** Sets the budget of escaped bytes (tests use a small one); returns the previous one. */
export function setEscapeBudget(bytes: number): number {
  const prev = escapeBudget;
  escapeBudget = bytes;
  return prev;
}

/**
 * The array to hand to a user for the block at `at` holding `length`
 * elements of `dtype`: a view into the memory registered for collection, or,
 * above the escape budget (or without a shared memory or FinalizationRegistry),
 * a JS copy, the block being freed at once.
 */
export function escape(dtype: DType, at: number, length: number): TypedArray {
  const size = words()[(at - HEADER) >> 2]!;
  if (escapedBytes + size > escapeBudget / 2) collectionHint();
  if (registry === null || !shared || escapedBytes + size > escapeBudget) {
    const copy = view(dtype, at, length).slice();
    free(at);
    copiedOutputs++;
    return copy;
  }
  const v = view(dtype, at, length);
  escapedBytes += size;
  escapedTotal += size;
  words()[(at - HEADER + 4) >> 2] = ESCAPED;
  registry.register(v, at, v);
  return v;
}

/**
 * Views registered with a FinalizationRegistry are found dead only by a
 * full collection (V8's minor collections keep their targets), and views of
 * the memory put no pressure on the JS heap, so a loop that drops large
 * outputs would fill the budget long before V8 collects on its own. Once
 * half the budget is held, a throwaway ArrayBuffer of HINT_BYTES (never
 * touched: virtual memory only) reports external memory to V8, which then
 * collects; the finalizers free the blocks when the event loop next turns.
 * (Above V8's hard limit of external memory the collection is immediate;
 * 64 MiB only started incremental marking, which lagged under CPU load.)
 * At most once per turn of the event loop (a synchronous loop cannot free
 * anything before it ends) and once per quarter budget of new outputs.
 */
const HINT_BYTES = 256 * 2 ** 20;
let escapedTotal = 0;
let hintedAt = -Infinity;
let hintedThisTurn = false;

function collectionHint(): void {
  if (hintedThisTurn || escapedTotal - hintedAt < escapeBudget / 4) return;
  hintedThisTurn = true;
  hintedAt = escapedTotal;
  queueMicrotask(() => {
    hintedThisTurn = false;
  });
  try {
    void new ArrayBuffer(HINT_BYTES);
  } catch {
    // No address space for it: the hint is only a hint.
  }
}

/**
 * Releases the block behind an escaped view now (ArrayImpl.dispose). Returns
 * false when `values` does not own a pooled block (a JS array, a view that
 * does not start its block, or one already released).
 */
export function release(values: TypedArray): boolean {
  const at = addressOf(values);
  if (at < 0 || registry === null || stateOf(at) !== ESCAPED) return false;
  // Only the registered view itself releases (not another view of the same bytes).
  if (!registry.unregister(values)) return false;
  releaseBlock(at);
  return true;
}

setReleaseHook(release);

/** Inputs smaller than this are copied next to a program's intermediates rather than moved in. */
export const MOVE_IN_MIN_BYTES = 4096;

/**
 * A copy of `values` (a JS array) in the memory, registered like an escaped
 * output, for an array that a program reads: the array's storage moves there
 * (ArrayImpl.moveStorage), so later calls read it in place instead of
 * copying it each time. Null when it should not move: small, no shared
 * memory, or over the escape budget.
 */
export function moveIn(values: TypedArray): TypedArray | null {
  if (values.byteLength < MOVE_IN_MIN_BYTES || registry === null || !isSharedMemory()) return null;
  if (escapedBytes + sizeClass(values.byteLength) > escapeBudget) return null;
  const at = alloc(values.byteLength);
  const v = view(dtypeOf(values), at, values.length);
  v.set(values);
  const size = words()[(at - HEADER) >> 2]!;
  escapedBytes += size;
  words()[(at - HEADER + 4) >> 2] = ESCAPED;
  registry.register(v, at, v);
  return v;
}

function dtypeOf(values: TypedArray): DType {
  if (values instanceof Float32Array) return "float32";
  if (values instanceof Float64Array) return "float64";
  if (values instanceof Int32Array) return "int32";
  if (values instanceof Uint32Array) return "uint32";
  return "bool";
}

/**
 * Takes over the block of an escaped view for a new output of the same
 * byte size class (buffer donation): the view's registration is dropped and
 * the block becomes LIVE again, owned by the caller. Returns the block's
 * offset, or -1 when `values` does not own a pooled block it can give.
 * The array holding `values` must be marked deleted by the caller.
 */
export function takeBlock(values: TypedArray, bytes: number): number {
  const at = addressOf(values);
  if (at < 0 || registry === null || stateOf(at) !== ESCAPED) return -1;
  const w = words();
  const size = w[(at - HEADER) >> 2]!;
  if (size !== sizeClass(bytes)) return -1;
  if (!registry.unregister(values)) return -1;
  escapedBytes -= size;
  w[(at - HEADER + 4) >> 2] = LIVE;
  return at;
}
