import { ErrorCodes, RecurError } from '../../errors.js';

const PAGE_BYTES = 65536;
/** 4 GiB - 64 KiB: the most a wasm32 memory can address. */
const MAX_PAGES = 65535;

/**
 * One linear memory that holds a model's packed weights, its scratch buffers and the recurrent
 * state of every stream. Both kernels work on it through byte offsets ("pointers"), so the state
 * pool is shared by the JS reference and the wasm kernel, and the wasm kernel reads it without
 * copies. Allocation is a bump pointer: models allocate once at load and the state pool grows in
 * whole pages of slots, which it reuses but never returns.
 */
export class Arena {
  readonly memory: WebAssembly.Memory;
  #top: number;
  #f32: Float32Array;
  #i32: Int32Array;

  /** @param reservedBytes bytes at the bottom kept free (the wasm module's own data and stack). */
  constructor(reservedBytes = PAGE_BYTES) {
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(reservedBytes / PAGE_BYTES) + 1), maximum: MAX_PAGES });
    this.#top = reservedBytes;
    this.#f32 = new Float32Array(this.memory.buffer);
    this.#i32 = new Int32Array(this.memory.buffer);
  }

  /** Float view of the whole memory; index = byte offset / 4. Re-read after any alloc(). */
  get f32(): Float32Array {
    if (this.#f32.buffer !== this.memory.buffer) this.#refreshViews();
    return this.#f32;
  }

  get i32(): Int32Array {
    if (this.#i32.buffer !== this.memory.buffer) this.#refreshViews();
    return this.#i32;
  }

  /** Bytes in use (allocated), not counting growth headroom. */
  get usedBytes(): number {
    return this.#top;
  }

  /** Allocates zeroed bytes aligned to 16 (one v128) and returns their byte offset. */
  alloc(bytes: number): number {
    const ptr = (this.#top + 15) & ~15;
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least 1/8 of the current size so many small pages do not each cost a grow.
      const need = Math.ceil((end - have) / PAGE_BYTES);
      const pages = Math.max(need, Math.ceil(have / PAGE_BYTES / 8));
      const current = have / PAGE_BYTES;
      if (current + need > MAX_PAGES) {
        throw new RecurError(ErrorCodes.KERNEL, `model memory would exceed 4 GiB (asked for ${bytes} more bytes at ${end})`);
      }
      this.memory.grow(Math.min(pages, MAX_PAGES - current));
      this.#refreshViews();
    }
    this.#top = end;
    return ptr;
  }

  /** Copies floats into a fresh allocation and returns its byte offset. */
  allocFloats(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length * 4);
    this.f32.set(values, ptr >> 2);
    return ptr;
  }

  #refreshViews(): void {
    this.#f32 = new Float32Array(this.memory.buffer);
    this.#i32 = new Int32Array(this.memory.buffer);
  }
}
