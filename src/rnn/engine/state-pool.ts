import type { Arena } from '../kernels/arena.js';

/** Slots per page: one page is one arena allocation, so the pool grows without copying states. */
const PAGE_SLOTS = 1024;

function grown<T extends Float64Array | Int32Array>(array: T, size: number, make: (n: number) => T): T {
  if (array.length >= size) return array;
  const next = make(Math.max(size, Math.ceil(array.length * 1.5), 64));
  next.set(array);
  return next;
}

/**
 * The recurrent state of every live stream: one fixed-size slot per stream, slots in pages of the
 * model's arena. Maps stream ids to slots, remembers when each stream was last stepped and the
 * last frame timestamp it reflects, and reuses the slots of evicted streams.
 */
export class StatePool {
  readonly slotFloats: number;
  readonly #arena: Arena;
  readonly #slots = new Map<string, number>();
  readonly #pages: number[] = [];
  #ids: (string | undefined)[] = [];
  #free: number[] = [];
  #next = 0;
  #lastSeen = new Float64Array(0);
  #lastT = new Float64Array(0);

  constructor(arena: Arena, slotFloats: number) {
    this.#arena = arena;
    this.slotFloats = slotFloats;
  }

  get size(): number {
    return this.#slots.size;
  }

  slotOf(stream: string): number | undefined {
    return this.#slots.get(stream);
  }

  /** Byte offset of a slot's state in the arena. */
  pointer(slot: number): number {
    return this.#pages[Math.floor(slot / PAGE_SLOTS)] + (slot % PAGE_SLOTS) * this.slotFloats * 4;
  }

  /** The slot of a stream, allocating a zeroed one on first sight. */
  acquire(stream: string | undefined): number {
    if (stream !== undefined) {
      const known = this.#slots.get(stream);
      if (known !== undefined) return known;
    }
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#next++;
      if (slot % PAGE_SLOTS === 0) this.#pages.push(this.#arena.alloc(PAGE_SLOTS * this.slotFloats * 4));
      this.#lastSeen = grown(this.#lastSeen, this.#next, (n) => new Float64Array(n));
      this.#lastT = grown(this.#lastT, this.#next, (n) => new Float64Array(n));
    }
    const ptr = this.pointer(slot) >> 2;
    this.#arena.f32.fill(0, ptr, ptr + this.slotFloats);
    this.#lastT[slot] = Number.NaN;
    this.#ids[slot] = stream;
    if (stream !== undefined) this.#slots.set(stream, slot);
    return slot;
  }

  release(slot: number): void {
    const id = this.#ids[slot];
    if (id !== undefined) this.#slots.delete(id);
    this.#ids[slot] = undefined;
    this.#free.push(slot);
  }

  touch(slot: number, now: number, t: number | undefined): void {
    this.#lastSeen[slot] = now;
    if (t !== undefined) this.#lastT[slot] = t;
  }

  /** Timestamp of the last frame stepped for a stream (NaN if none was given). */
  lastT(slot: number): number {
    return this.#lastT[slot];
  }

  lastSeen(slot: number): number {
    return this.#lastSeen[slot];
  }

  /** Live streams and their slots, in first-seen order of their slots' reuse. */
  entries(): IterableIterator<[string, number]> {
    return this.#slots.entries();
  }

  /** Frees every slot whose stream was last stepped before `cutoff`, telling `onRelease` first; returns how many. */
  releaseOlderThan(cutoff: number, onRelease?: (stream: string, slot: number) => void): number {
    let released = 0;
    for (const [stream, slot] of this.#slots) {
      if (this.#lastSeen[slot] < cutoff) {
        onRelease?.(stream, slot);
        this.release(slot);
        released++;
      }
    }
    return released;
  }

  clear(): void {
    for (const [, slot] of [...this.#slots]) this.release(slot);
  }
}
