import { closeSync, fsyncSync, openSync, readSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import type { ByteSource } from './record.js';

/** Segment files are named by their base offset, zero-padded so names sort like positions. */
const NAME = /^(\d{20})\.log$/;

export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}.log`;
}

/** The base offset a file name carries, or null for files that are not segments. */
export function parseSegmentName(name: string): number | null {
  const match = NAME.exec(name);
  return match ? Number(match[1]) : null;
}

/** Bytes [0, size) of an open file. */
export class FileSource implements ByteSource {
  readonly #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  read(into: Uint8Array, offset: number, length: number, position: number): void {
    while (length > 0) {
      const n = readSync(this.#fd, into, offset, length, position);
      if (n === 0) throw new Error(`file ends at ${position}, ${length} bytes short`);
      offset += n;
      length -= n;
      position += n;
    }
  }
}

/** A segment as a reader sees it: the bytes in the file, then the ones still in memory. */
export class SegmentSource implements ByteSource {
  readonly #disk: FileSource | null;
  readonly #diskBytes: number;
  readonly #memory: readonly Uint8Array[];

  constructor(fd: number | null, diskBytes: number, memory: readonly Uint8Array[]) {
    this.#disk = fd === null ? null : new FileSource(fd);
    this.#diskBytes = diskBytes;
    this.#memory = memory;
  }

  read(into: Uint8Array, offset: number, length: number, position: number): void {
    if (position < this.#diskBytes) {
      const n = Math.min(length, this.#diskBytes - position);
      if (!this.#disk) throw new Error('segment has bytes on disk but no file');
      this.#disk.read(into, offset, n, position);
      offset += n;
      length -= n;
      position += n;
    }
    let start = this.#diskBytes;
    for (const chunk of this.#memory) {
      if (length === 0) return;
      const end = start + chunk.byteLength;
      if (position < end) {
        const from = position - start;
        const n = Math.min(length, chunk.byteLength - from);
        into.set(chunk.subarray(from, from + n), offset);
        offset += n;
        length -= n;
        position += n;
      }
      start = end;
    }
    if (length > 0) throw new Error(`segment ends at ${position}, ${length} bytes short`);
  }
}

/** Writes every chunk at the end of the file (opened for append), however many calls it takes. */
export async function writeAll(handle: FileHandle, chunks: readonly Uint8Array[]): Promise<void> {
  let rest = chunks.filter((chunk) => chunk.byteLength > 0);
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    while (rest.length > 0 && bytesWritten >= rest[0].byteLength) {
      bytesWritten -= rest[0].byteLength;
      rest = rest.slice(1);
    }
    if (bytesWritten > 0) rest = [rest[0].subarray(bytesWritten), ...rest.slice(1)];
  }
}

/** Errors of platforms that cannot fsync a directory (there, creating a file is as durable as it gets). */
const NO_DIR_SYNC = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP']);

/** Makes the folder's entries (a new segment file) durable. */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    if (NO_DIR_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!NO_DIR_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

export function syncDirSync(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    if (NO_DIR_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!NO_DIR_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    closeSync(fd);
  }
}

export async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
