/** One result row for a sink (InfluxDB's data model): what heads produce and sinks write. */
export interface Point {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Numbers are floats unless the sink's schema declares the field an integer; booleans and strings as such. */
  readonly fields: Readonly<Record<string, number | boolean | string>>;
  /**
   * Timestamp in milliseconds since the Unix epoch, fractions allowed: the timestamp of the frame
   * that produced the point, so a replay writes the same point again (idempotent in InfluxDB).
   */
  readonly t: number;
  /** The ingest-log position of the frame that produced the point (see Frame.seq): sink progress. */
  readonly seq?: number;
}
