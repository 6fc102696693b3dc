import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Dead-letter file: one JSON line per rejected input or refused point, with its code and message,
 * appended synchronously so a record exists before the daemon moves on.
 */
export class DeadLetterFile {
  readonly path: string;
  #count = 0;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
  }

  get count(): number {
    return this.#count;
  }

  write(record: Record<string, unknown>): void {
    appendFileSync(this.path, `${JSON.stringify({ at: new Date().toISOString(), ...record })}\n`);
    this.#count++;
  }
}
