import { connect } from 'mqtt';

export interface Load {
  readonly streams: number;
  readonly framesPerStream: number;
  /** One frame for every stream per round. */
  readonly roundMs: number;
  readonly t0: number;
  /** Frame timestamps step by this much (ms). */
  readonly stepMs: number;
}

export const streamName = (s: number) => `s${String(s).padStart(3, '0')}`;
export const frameValue = (s: number, k: number) => Math.sin(k / 7 + s) + 0.1 * Math.cos(k / 3);
export const topicOf = (s: number) => `fault/${streamName(s)}/v`;

/**
 * A steady QoS 1 load from a persistent mqtt.js client: a round of one frame per stream every
 * `roundMs`. mqtt.js keeps unacknowledged QoS 1 messages and resends them after a reconnect, so
 * a broker restart loses nothing on this side. Resolves with the count once the broker has
 * acknowledged every message.
 */
export async function publishLoad(url: string, load: Load, clientId: string): Promise<number> {
  const client = connect(url, { clientId, clean: false, reconnectPeriod: 300, connectTimeout: 5_000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const acked: Promise<void>[] = [];
  const started = Date.now();
  for (let k = 0; k < load.framesPerStream; k++) {
    const due = started + k * load.roundMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (let s = 0; s < load.streams; s++) {
      const payload = JSON.stringify({ ts: load.t0 + k * load.stepMs, v: frameValue(s, k) });
      acked.push(new Promise((resolve, reject) => client.publish(topicOf(s), payload, { qos: 1 }, (error) => (error ? reject(error) : resolve()))));
    }
  }
  await Promise.all(acked);
  await client.endAsync();
  return load.streams * load.framesPerStream;
}
