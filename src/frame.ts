/** One time step of one stream: what flows between sources, operators, the model and heads. */
export interface Frame {
  /** Stream id: a sensor, a ticker, a microphone. Each has its own recurrent state. */
  readonly stream: string;
  /** Timestamp in milliseconds since the Unix epoch (fractions allowed). */
  readonly t: number;
  readonly values: Float32Array;
  /**
   * The frame's position in the ingest log, when the daemon logs its input: how acknowledgements,
   * sink progress and replay after a restart refer to it. Carried through the model and heads.
   */
  readonly seq?: number;
  /**
   * Where a replayable source (file, WAV) reads on from after this frame. Logged with the frame,
   * so a restarted daemon resumes the source there instead of reading it again from the start.
   */
  readonly cursor?: ReadCursor;
}

/** A source's read position, in the source's own terms (a file: byte offset, line, frames of that line taken). */
export interface ReadCursor {
  /** Which source: its kind and what it reads, e.g. `file:data/plant.csv`. */
  readonly source: string;
  readonly at: readonly number[];
}
