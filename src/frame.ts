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
}
