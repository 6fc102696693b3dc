import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Reads a file line by line, on demand, like `tail -f` when asked to: at the end of what is
 * written so far `next()` returns undefined and a later call reads what was appended. An
 * unterminated last line is held back until its newline arrives (a writer may be mid-line),
 * unless `flush()` says the file is complete. A file that shrinks was truncated or replaced by
 * a rotation that reuses the name: reading starts again at its beginning.
 *
 * Reads are synchronous, in 64 KiB blocks: a local file answers in microseconds, and a pull
 * model keeps memory flat at any replay speed.
 */
export class LineReader {
  readonly #fd: number;
  readonly #block = Buffer.allocUnsafe(65_536);
  #decoder = new StringDecoder('utf8');
  #position = 0;
  #buffered = '';
  #lines: string[] = [];
  #index = 0;
  /** 1-based number of the last line returned. */
  lineNo = 0;
  /** How many times the file was seen to shrink. */
  truncations = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'r');
  }

  /** The next complete line (without `\n` or `\r\n`), or undefined when none is written yet. */
  next(): string | undefined {
    while (this.#index === this.#lines.length) {
      if (!this.#read()) return undefined;
    }
    this.lineNo++;
    return this.#lines[this.#index++];
  }

  /** The unterminated rest, once the file is known to be complete. */
  flush(): string | undefined {
    const rest = this.#buffered + this.#decoder.end();
    this.#buffered = '';
    if (rest === '') return undefined;
    this.lineNo++;
    return rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  }

  close(): void {
    closeSync(this.#fd);
  }

  #read(): boolean {
    if (fstatSync(this.#fd).size < this.#position) {
      this.truncations++;
      this.#position = 0;
      this.#buffered = '';
      this.#decoder = new StringDecoder('utf8');
    }
    const bytes = readSync(this.#fd, this.#block, 0, this.#block.length, this.#position);
    if (bytes === 0) return false;
    this.#position += bytes;
    const parts = (this.#buffered + this.#decoder.write(this.#block.subarray(0, bytes))).split('\n');
    this.#buffered = parts.pop()!;
    this.#lines = parts.map((part) => (part.endsWith('\r') ? part.slice(0, -1) : part));
    this.#index = 0;
    return true;
  }
}
