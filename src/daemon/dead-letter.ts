import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Whether a target kept its copy of a record or lost it (and why). */
export type DeadLetterOutcome = (outcome: 'kept' | 'lost', error?: Error) => void;

/**
 * Where bad input and refused points are copied, with their code and message. `write` never
 * throws and never waits: a copy that cannot be kept is reported as lost, and the stream that
 * produced it (and every other) goes on.
 */
export interface DeadLetter {
  write(record: Record<string, unknown>): void;
  /** Records handed to `write` so far. */
  readonly count: number;
  /** Waits (bounded) for copies still in flight, then lets go of files and connections. */
  close(): Promise<void>;
}

/**
 * Dead-letter file: one JSON line per rejected input or refused point, appended synchronously so
 * a record exists before the daemon moves on.
 */
export class DeadLetterFile implements DeadLetter {
  readonly path: string;
  readonly #onOutcome: DeadLetterOutcome;
  #count = 0;

  constructor(path: string, onOutcome: DeadLetterOutcome = () => {}) {
    this.path = path;
    this.#onOutcome = onOutcome;
    mkdirSync(dirname(path), { recursive: true });
  }

  get count(): number {
    return this.#count;
  }

  write(record: Record<string, unknown>): void {
    this.#count++;
    try {
      appendFileSync(this.path, `${JSON.stringify({ at: new Date().toISOString(), ...record })}\n`);
      this.#onOutcome('kept');
    } catch (error) {
      // A full disk must not stop the source that is reporting bad input.
      this.#onOutcome('lost', error as Error);
    }
  }

  async close(): Promise<void> {}
}

/** Copies every record to several targets, stamped once so the copies are identical. */
export class DeadLetterTee implements DeadLetter {
  readonly #targets: readonly DeadLetter[];
  #count = 0;

  constructor(targets: readonly DeadLetter[]) {
    this.#targets = targets;
  }

  get count(): number {
    return this.#count;
  }

  write(record: Record<string, unknown>): void {
    this.#count++;
    const stamped = { at: new Date().toISOString(), ...record };
    for (const target of this.#targets) target.write(stamped);
  }

  async close(): Promise<void> {
    await Promise.all(this.#targets.map((target) => target.close()));
  }
}
