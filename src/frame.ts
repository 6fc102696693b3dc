/** One time step of one stream: what flows between sources, operators, the model and heads. */
export interface Frame {
  /** Stream id: a sensor, a ticker, a microphone. Each has its own recurrent state. */
  readonly stream: string;
  /** Timestamp in milliseconds since the Unix epoch (fractions allowed). */
  readonly t: number;
  readonly values: Float32Array;
}
