/**
 * The last stepped timestamp of each stream the model evicted for idleness. A broker redelivers
 * the messages whose PUBACK was still held when the connection dropped, however long it stays
 * away; if their streams were evicted meanwhile, only this tells those frames as stepped already.
 * Bounded: past `max` entries the oldest eviction is forgotten, and `onForget` counts it.
 */
export class EvictedStreams {
  readonly #last = new Map<string, number>();
  readonly #max: number;
  readonly #onForget: () => void;

  constructor(max: number, onForget: () => void, saved: Readonly<Record<string, number>> = {}) {
    this.#max = max;
    this.#onForget = onForget;
    for (const [stream, t] of Object.entries(saved)) this.remember(stream, t);
  }

  get size(): number {
    return this.#last.size;
  }

  remember(stream: string, t: number): void {
    this.#last.delete(stream); // re-inserted: the Map's order is eviction order, oldest first
    this.#last.set(stream, t);
    if (this.#last.size <= this.#max) return;
    const oldest = this.#last.keys().next().value as string;
    this.#last.delete(oldest);
    this.#onForget();
  }

  lastTimestamp(stream: string): number | undefined {
    return this.#last.get(stream);
  }

  /** The stream is live again: the model keeps its timestamp from now on. */
  returned(stream: string): void {
    this.#last.delete(stream);
  }

  /** For the snapshot's meta. */
  toRecord(): Record<string, number> {
    return Object.fromEntries(this.#last);
  }
}
