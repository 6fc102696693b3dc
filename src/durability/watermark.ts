/**
 * How far one consumer (the model, or one sink) has got through the ingest log. Records are
 * added in log order and finished in any order (the model steps a tick's frames in rounds, a
 * sink finishes a whole batch); `value` is the position below which every added record is
 * finished: what a snapshot may claim, and what retention may delete below.
 */
export class Watermark {
  #positions: number[] = [];
  #done: boolean[] = [];
  #head = 0;
  /** One past the last added record: the value once everything is finished. */
  #end: number;

  /** @param start the first position this consumer is responsible for */
  constructor(start: number) {
    this.#end = start;
  }

  /** Every added record below this is finished. */
  get value(): number {
    return this.#head < this.#positions.length ? this.#positions[this.#head] : this.#end;
  }

  /** Records added and not yet finished. */
  get pending(): number {
    let count = 0;
    for (let i = this.#head; i < this.#positions.length; i++) if (!this.#done[i]) count++;
    return count;
  }

  /** Added and unfinished records, counting finished ones still behind an unfinished one (cheap). */
  get backlog(): number {
    return this.#positions.length - this.#head;
  }

  /** A record at `position`, ending at `end`; positions must increase. */
  add(position: number, end: number): void {
    if (position < this.#end || end <= position) {
      throw new Error(`watermark: expected a record at or after ${this.#end} ending after its start, received ${position}..${end}`);
    }
    this.#positions.push(position);
    this.#done.push(false);
    this.#end = end;
  }

  /** Marks a record finished; unknown or already finished positions are ignored. */
  finish(position: number): void {
    const i = this.#indexOf(position);
    if (i < 0) return;
    this.#done[i] = true;
    while (this.#head < this.#positions.length && this.#done[this.#head]) this.#head++;
    this.#compact();
  }

  #indexOf(position: number): number {
    let lo = this.#head;
    let hi = this.#positions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.#positions[mid];
      if (p === position) return mid;
      if (p < position) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Drops the finished prefix once it is large, so memory follows the backlog, not the history. */
  #compact(): void {
    if (this.#head < 4096 || this.#head * 2 < this.#positions.length) return;
    this.#positions = this.#positions.slice(this.#head);
    this.#done = this.#done.slice(this.#head);
    this.#head = 0;
  }
}
