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
 *
 * Limits: offsets are unsigned and run up to WebAssembly's 4 GiB (wasm32),
 * or up to `config.jaxts_max_memory_mb` when set. A WebAssembly memory never
 * shrinks, so that setting bounds its high-water mark: under it the escape
 * budget is at most a quarter of the cap (outputs beyond are copied out), and
 * a request that meets the limit first merges the pool's free blocks (a run
 * at the top of the heap goes back to the top, open to any size). A request
 * that still does not fit is a RangeError "out of memory" naming the bytes
 * asked for and in use, which leaves the allocator as it was.
 */

import { config } from "../../config.js";
import { type DType, dtypeOfTypedArray, type TypedArray, typedView } from "../../dtype.js";

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
// in bytes and its state. (A JS Map from address to size degrades badly here:
// V8 rehashes a nearly full table with deleted entries over and over.)
// Offsets run up to 2^32: header words are found with unsigned shifts.
const HEADER = 16;
const FREE = 0x46524545; // "FREE"
const LIVE = 0x4c495645; // "LIVE"
const ESCAPED = 0x45534350; // "ESCP": held by an array handed to a user

let top = RESERVED;
/** Free blocks by exact size (size classes, and merged runs after `reclaim`). */
const freeLists = new Map<number, number[]>();
let liveBytes = 0;
let freeBytes = 0;
let headers: Uint32Array | null = null;

/** A Uint32Array over the whole memory (re-made after growth). */
function words(): Uint32Array {
  const buf = cpuMemory().buffer;
  if (headers === null || headers.buffer !== buf) headers = new Uint32Array(buf);
  return headers;
}

/** Index in `words()` of the size word of the block at `at`. */
const sizeWord = (at: number): number => (at - HEADER) >>> 2;
/** Index in `words()` of the state word of the block at `at`. */
const stateWord = (at: number): number => (at - HEADER + 4) >>> 2;

/** The size in bytes of the block at `at` (header excluded). */
function blockSize(at: number): number {
  return words()[sizeWord(at)]!;
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

/** The most bytes the memory may hold: `jaxts_max_memory_mb`, else wasm32's 4 GiB. */
export function memoryLimit(): number {
  const mb = config.read("jaxts_max_memory_mb");
  return mb === 0 ? MAX_PAGES * PAGE_BYTES : Math.min(MAX_PAGES, mb * 16) * PAGE_BYTES;
}

/** Grows the memory to hold `end` bytes (at most `limit`); false when it cannot. */
function ensureCapacity(end: number, limit: number): boolean {
  const mem = cpuMemory();
  const have = mem.buffer.byteLength;
  if (end <= have) return true;
  if (end > limit) return false;
  // Grow geometrically so that growth (which may copy a non-shared memory) is rare.
  const wantBytes = Math.min(limit, Math.max(end, Math.min(have * 1.5, have + 256 * 2 ** 20)));
  const pages = Math.ceil(wantBytes / PAGE_BYTES) - have / PAGE_BYTES;
  const needPages = Math.ceil(end / PAGE_BYTES) - have / PAGE_BYTES;
  try {
    mem.grow(pages);
  } catch {
    try {
      mem.grow(needPages);
    } catch {
      return false; // the platform refused (address space, or its own maximum)
    }
  }
  return true;
}

/** A pooled block of exactly `size` bytes, or -1. */
function takeFree(size: number): number {
  const list = freeLists.get(size);
  if (list === undefined || list.length === 0) return -1;
  freeBytes -= size;
  return list.pop()!;
}

/** A new block of `size` bytes past the top, growing the memory; -1 past the limit. */
function bump(size: number): number {
  const at = top + HEADER;
  if (!ensureCapacity(at + size, memoryLimit())) return -1;
  top = at + size;
  words()[sizeWord(at)] = size;
  return at;
}

function pushFree(at: number, size: number): void {
  const w = words();
  w[sizeWord(at)] = size;
  w[stateWord(at)] = FREE;
  freeBytes += size;
  let list = freeLists.get(size);
  if (list === undefined) {
    list = [];
    freeLists.set(size, list);
  }
  list.push(at);
}

/**
 * Merges adjacent free blocks into runs, and gives a run that ends at the
 * top back to the top (the memory cannot shrink, but its tail is then open
 * to requests of any size). Runs on when the memory is at its limit, so that
 * freed blocks of other size classes serve the request (see `carve`).
 */
function reclaim(): void {
  const blocks: number[] = [];
  for (const list of freeLists.values()) for (const at of list) blocks.push(at);
  if (blocks.length === 0) return;
  freeLists.clear();
  freeBytes = 0;
  blocks.sort((a, b) => a - b);
  const w = words();
  let start = blocks[0]!;
  let end = start + w[sizeWord(start)]!;
  const settle = (): void => {
    if (end === top) top = start - HEADER;
    else pushFree(start, end - start);
  };
  for (let i = 1; i < blocks.length; i++) {
    const at = blocks[i]!;
    if (at !== end + HEADER) {
      settle();
      start = at;
    }
    end = at + w[sizeWord(at)]!;
  }
  settle();
}

/** The smallest pooled block of at least `size` bytes, split when the rest can be a block; or -1. */
function carve(size: number): number {
  let best = -1;
  for (const [s, list] of freeLists) {
    if (s >= size && list.length > 0 && (best < 0 || s < best)) best = s;
  }
  if (best < 0) return -1;
  const at = takeFree(best);
  if (best - size >= HEADER + 16) {
    words()[sizeWord(at)] = size;
    pushFree(at + size + HEADER, best - size - HEADER);
  }
  return at;
}

/**
 * A block of at least `bytes` bytes, 16-byte aligned: its byte offset in the
 * memory (up to 2^32). A RangeError "out of memory" when it does not fit
 * under `memoryLimit()` even after merging the pool's free blocks; nothing
 * changes then, and smaller requests still work.
 */
export function alloc(bytes: number): number {
  const at = tryAlloc(bytes);
  if (at < 0) throw outOfMemory(bytes);
  return at;
}

/** As `alloc`, but -1 when the block does not fit. */
function tryAlloc(bytes: number): number {
  if (!(Number.isSafeInteger(bytes) && bytes >= 0)) {
    throw new RangeError(`CPU backend: alloc takes a byte count, got ${bytes}`);
  }
  const size = sizeClass(bytes);
  let at = takeFree(size);
  if (at < 0) at = bump(size);
  if (at < 0) {
    // At the limit: merge the pool's free blocks and look again.
    reclaim();
    at = bump(size);
    if (at < 0) at = carve(size);
    if (at < 0) return -1;
  }
  const w = words();
  w[stateWord(at)] = LIVE;
  liveBytes += w[sizeWord(at)]!;
  return at;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The error for a request that does not fit: what was asked, what is in use, and what to do. */
function outOfMemory(bytes: number): RangeError {
  const mb = config.read("jaxts_max_memory_mb");
  const limit = memoryLimit();
  const why =
    mb === 0
      ? `WebAssembly's limit of ${mib(limit)} (wasm32) or what the platform allows`
      : `the cap jaxts_max_memory_mb = ${mb}`;
  // Arrays the program dropped are freed once the collector finds them.
  collectionHint(true);
  return new RangeError(
    `CPU backend: out of memory: cannot allocate ${bytes} bytes (${mib(bytes)}); ` +
      `in use: ${liveBytes} bytes (${mib(liveBytes)}) in live blocks, ${escapedBytes} of them ` +
      `held by arrays not yet disposed or collected; ${freeBytes} bytes free in the pool, ` +
      `no piece of them large enough; the memory has ${cpuMemory().buffer.byteLength} bytes, at most ${limit} ` +
      `under ${why}. Dispose of arrays no longer needed (x.dispose() or 'using')` +
      (mb === 0 ? "." : ", or raise jaxts_max_memory_mb."),
  );
}

/** The state word of the block at `at`, or 0 when `at` cannot be a block. */
function stateOf(at: number): number {
  if (at < RESERVED + HEADER || at >= top || at % 16 !== 0) return 0;
  return words()[stateWord(at)]!;
}

/** Returns a block from `alloc` to the pool. */
export function free(at: number): void {
  const state = stateOf(at);
  if (state !== LIVE && state !== ESCAPED) {
    throw new Error(
      `CPU backend: free of ${state === FREE ? "an already freed" : "an unknown"} block at ${at}`,
    );
  }
  const size = blockSize(at);
  liveBytes -= size;
  pushFree(at, size);
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
  /** The most bytes the memory may grow to (`jaxts_max_memory_mb`, else 4 GiB). */
  limitBytes: number;
}

export function memoryStats(): MemoryStats {
  return {
    memoryBytes: cpuMemory().buffer.byteLength,
    liveBytes,
    freeBytes,
    escapedBytes,
    copiedOutputs,
    limitBytes: memoryLimit(),
  };
}

// --- Typed views ------------------------------------------------------------------

/** A typed-array view of `length` elements of `dtype` at byte offset `at`. */
export function view(dtype: DType, at: number, length: number): TypedArray {
  const buf = heapBuffer();
  if (shared) ownBuffers.add(buf);
  return typedView(dtype, buf, at, length);
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

/** The budget in force: under `jaxts_max_memory_mb`, at most a quarter of the cap. */
function budget(): number {
  if (config.read("jaxts_max_memory_mb") === 0) return escapeBudget;
  return Math.min(escapeBudget, memoryLimit() / 4);
}
let copiedOutputs = 0;

const registry =
  typeof FinalizationRegistry === "undefined"
    ? null
    : new FinalizationRegistry<number>((at) => releaseBlock(at));

function releaseBlock(at: number): void {
  if (stateOf(at) !== ESCAPED) return;
  escapedBytes -= blockSize(at);
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
  const size = blockSize(at);
  const limit = budget();
  if (escapedBytes + size > limit / 2) collectionHint();
  if (registry === null || !shared || escapedBytes + size > limit) {
    const copy = view(dtype, at, length).slice();
    free(at);
    copiedOutputs++;
    return copy;
  }
  const v = view(dtype, at, length);
  escapedBytes += size;
  escapedTotal += size;
  words()[stateWord(at)] = ESCAPED;
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

function collectionHint(force = false): void {
  if (!force && (hintedThisTurn || escapedTotal - hintedAt < budget() / 4)) return;
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

/** Inputs smaller than this are copied next to a program's intermediates rather than moved in. */
export const MOVE_IN_MIN_BYTES = 4096;

/**
 * A copy of `values` (a JS array) in the memory, registered like an escaped
 * output, for an array that a program reads: the array's storage moves there
 * (ArrayImpl.moveStorage), so later calls read it in place instead of
 * copying it each time. Null when it should not move: small, no shared
 * memory, over the escape budget, or no room under the memory's limit.
 */
export function moveIn(values: TypedArray): TypedArray | null {
  if (values.byteLength < MOVE_IN_MIN_BYTES || registry === null || !isSharedMemory()) return null;
  if (escapedBytes + sizeClass(values.byteLength) > budget()) return null;
  const at = tryAlloc(values.byteLength);
  if (at < 0) return null; // no room: the program copies it in as before
  const v = view(dtypeOf(values), at, values.length);
  v.set(values);
  escapedBytes += blockSize(at);
  words()[stateWord(at)] = ESCAPED;
  registry.register(v, at, v);
  return v;
}

/** The dtype of a view's class (bool and uint8 share Uint8Array: the same view either way). */
const dtypeOf = dtypeOfTypedArray;

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
  const size = blockSize(at);
  if (size !== sizeClass(bytes)) return -1;
  if (!registry.unregister(values)) return -1;
  escapedBytes -= size;
  words()[stateWord(at)] = LIVE;
  return at;
}
