/** What the bench and its publisher process say to each other over the fork IPC channel. */

export interface PublisherConfig {
  /** mqtt://host:port */
  readonly url: string;
  readonly streams: number;
  /** Frames per second over all streams. */
  readonly rate: number;
  /** Seconds over which the rate rises linearly from 0 to `rate`. */
  readonly rampSeconds: number;
  readonly qos: 0 | 1;
  /** Topics are `<prefix>/s<i>`, the stream id the last level. */
  readonly prefix: string;
  /**
   * A persistent session under this fixed client id (clean: false, reconnecting): QoS 1 messages
   * the broker has not acknowledged survive a broker restart and are resent. @default a clean session that never reconnects
   */
  readonly clientId?: string;
}

export type ToPublisher = { cmd: 'prime' } | { cmd: 'start' } | { cmd: 'count' } | { cmd: 'stop' };

export interface PublisherCount {
  /** Frames handed to the client. */
  readonly published: number;
  /** QoS 1: frames the broker acknowledged (PUBACK); QoS 0: as published. */
  readonly acked: number;
  /** Frames of the schedule not published because the broker did not take them fast enough (the rate was not offered). */
  readonly skipped: number;
}

export type FromPublisher =
  | { type: 'ready' }
  | ({ type: 'primed' } & PublisherCount)
  | ({ type: 'count' } & PublisherCount)
  | ({ type: 'stopped' } & PublisherCount)
  | { type: 'error'; message: string };
