import { pcm16ToMono } from '../parsers/pcm.js';

/**
 * Re-cuts a byte stream of int16 LE interleaved PCM into mono chunks of `hop` samples. Pipes
 * deliver arbitrary byte counts (an odd one splits a sample), so the rest waits for the next push.
 */
export class Pcm16Chunker {
  readonly #bytesPerChunk: number;
  readonly #channels: number;
  #rest: Buffer = Buffer.alloc(0);

  constructor(channels: number, hop: number) {
    this.#channels = channels;
    this.#bytesPerChunk = 2 * channels * hop;
  }

  push(bytes: Buffer): Float32Array[] {
    const all = this.#rest.length === 0 ? bytes : Buffer.concat([this.#rest, bytes]);
    const chunks: Float32Array[] = [];
    let offset = 0;
    for (; offset + this.#bytesPerChunk <= all.length; offset += this.#bytesPerChunk) {
      chunks.push(pcm16ToMono(all.subarray(offset, offset + this.#bytesPerChunk), this.#channels));
    }
    // Copy: the rest must not pin (or be overwritten in) the pipe's buffer.
    this.#rest = Buffer.from(all.subarray(offset));
    return chunks;
  }

  /** Drops a partial chunk: after a restart the old process's half sample means nothing. */
  reset(): void {
    this.#rest = Buffer.alloc(0);
  }
}
