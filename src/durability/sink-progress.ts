import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Sink name -> log position below which that sink has durably written every result. */
export type SinkPositions = Readonly<Record<string, number>>;

/**
 * Each sink's progress through the ingest log, saved to a small JSON file at most once per
 * `everyMs` (atomically: temp file, fsync, rename, fsync of the folder; off the event loop).
 * Snapshots alone would make a restart rewrite every result since the newest one; with this file
 * a sink skips replayed results below its saved position, so only the last interval's are
 * written twice. Saved positions are lower bounds: a lost or stale file only means more rewrites.
 */
export class SinkProgress {
  readonly #path: string;
  readonly #everyMs: number;
  #lastSaved = 0;
  #saving: Promise<void> | undefined;
  #latest: SinkPositions | undefined;
  #onError: (error: unknown) => void;

  constructor(path: string, everyMs: number, onError: (error: unknown) => void) {
    this.#path = path;
    this.#everyMs = everyMs;
    this.#onError = onError;
  }

  /** The saved positions; empty when there is no file or it cannot be read (then nothing is skipped). */
  static load(path: string): { positions: SinkPositions; error?: unknown } {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { positions: {} } : { positions: {}, error };
    }
    try {
      const parsed = JSON.parse(text) as { sinks?: unknown };
      const sinks = parsed.sinks as Record<string, unknown> | undefined;
      if (typeof sinks !== 'object' || sinks === null) throw new Error('expected {"sinks": {name: position}}');
      const positions: Record<string, number> = {};
      for (const [name, position] of Object.entries(sinks))
        if (Number.isSafeInteger(position) && (position as number) >= 0) positions[name] = position as number;
      return { positions };
    } catch (error) {
      return { positions: {}, error };
    }
  }

  /** Notes the newest positions; saves them when the interval has passed and no save is running. */
  update(positions: SinkPositions): void {
    this.#latest = positions;
    if (this.#saving || Date.now() - this.#lastSaved < this.#everyMs) return;
    this.#saveLatest();
  }

  /** Waits for a running save, then saves the newest positions. */
  async close(): Promise<void> {
    await this.#saving;
    if (this.#latest) {
      this.#saveLatest();
      await this.#saving;
    }
  }

  #saveLatest(): void {
    const positions = this.#latest;
    this.#latest = undefined;
    this.#lastSaved = Date.now();
    this.#saving = save(this.#path, { sinks: positions, savedAt: new Date().toISOString() })
      .catch(this.#onError)
      .finally(() => {
        this.#saving = undefined;
      });
  }
}

async function save(path: string, content: unknown): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(JSON.stringify(content));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
