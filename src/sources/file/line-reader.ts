import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * Reads a file line by line, on demand, like `tail -f` when asked to: at the end of what is
 * written so far `next()` returns undefined and a later call reads what was appended. An
 * unterminated last line is held back until its newline arrives (a writer may be mid-line),
 * unless `flush()` says the file is complete. A file that shrinks was truncated or replaced by
 * a rotation that reuses the name: reading starts again at its beginning.
 *
 * Lines are split on bytes, so each line's byte offset is known (`lineStart`): that is where a
 * restarted daemon `seek`s to resume. Reads are synchronous, in 64 KiB blocks: a local file
 * answers in microseconds, and a pull model keeps memory flat at any replay speed.
 */
export class LineReader {
  readonly #fd: number;
  readonly #block = Buffer.allocUnsafe(65_536);
  /** File offset of the next read. */
  #position = 0;
  /** Bytes read after the last newline, and the file offset they start at. */
  #partial: Buffer = EMPTY;
  #partialStart = 0;
  #lines: string[] = [];
  #starts: number[] = [];
  #index = 0;
  /** 1-based number of the last line returned. */
  lineNo = 0;
  /** Byte offset in the file of the last line returned. */
  lineStart = 0;
  /** How many times the file was seen to shrink. */
  truncations = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'r');
  }

  /** The file's inode: a file rotated under the same name has another. */
  get inode(): number {
    return fstatSync(this.#fd).ino;
  }

  /** The file's current size in bytes. */
  get size(): number {
    return fstatSync(this.#fd).size;
  }

  /** The next complete line (without `\n` or `\r\n`), or undefined when none is written yet. */
  next(): string | undefined {
    while (this.#index === this.#lines.length) {
      if (!this.#read()) return undefined;
    }
    this.lineNo++;
    this.lineStart = this.#starts[this.#index];
    return this.#lines[this.#index++];
  }

  /** The unterminated rest, once the file is known to be complete. */
  flush(): string | undefined {
    if (this.#partial.length === 0) return undefined;
    let end = this.#partial.length;
    if (this.#partial[end - 1] === CARRIAGE_RETURN) end--;
    const rest = this.#partial.toString('utf8', 0, end);
    this.lineNo++;
    this.lineStart = this.#partialStart;
    this.#partialStart += this.#partial.length;
    this.#partial = EMPTY;
    return rest;
  }

  /** Reads on from `offset`, a line start found by `lineStart` earlier; the next line returned is number `lineNo`. */
  seek(offset: number, lineNo: number): void {
    this.#position = offset;
    this.#partial = EMPTY;
    this.#partialStart = offset;
    this.#lines = [];
    this.#starts = [];
    this.#index = 0;
    this.lineNo = lineNo - 1;
  }

  close(): void {
    closeSync(this.#fd);
  }

  #read(): boolean {
    if (this.size < this.#position) {
      this.truncations++;
      this.seek(0, this.lineNo + 1);
    }
    const bytes = readSync(this.#fd, this.#block, 0, this.#block.length, this.#position);
    if (bytes === 0) return false;
    this.#position += bytes;
    const data = Buffer.concat([this.#partial, this.#block.subarray(0, bytes)]);
    this.#lines = [];
    this.#starts = [];
    this.#index = 0;
    let start = 0;
    for (let newline = data.indexOf(NEWLINE); newline !== -1; newline = data.indexOf(NEWLINE, start)) {
      const end = newline > start && data[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
      this.#lines.push(data.toString('utf8', start, end));
      this.#starts.push(this.#partialStart + start);
      start = newline + 1;
    }
    this.#partial = data.subarray(start);
    this.#partialStart += start;
    return true;
  }
}
