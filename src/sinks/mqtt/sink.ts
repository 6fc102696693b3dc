import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { ErrorCodes } from '../../errors.js';
import type { Point } from '../../point.js';
import { type Sink, SinkError } from '../types.js';
import { type MqttSinkConfig, type MqttSinkOptions, parseMqttConfig } from './config.js';
import { compileTopic } from './topic.js';

/**
 * Publishes each point as JSON (`{ measurement, tags, fields, t }`) to a topic made from the
 * point. Guarantees: with QoS 1 (2), write() resolves only when the broker acknowledged every
 * message with PUBACK (PUBCOMP); with QoS 0 when they are handed to the socket. A batch with a
 * point that cannot be published (topic text, non-finite number) is refused whole with SINK_TEXT
 * or SINK_REJECTED before anything is sent. While the broker is away mqtt.js reconnects and keeps
 * unacknowledged messages; write() rejects (retryable) after `publishTimeoutMs`, and a later retry
 * may deliver a message twice (at least once, as QoS 1 promises anyway).
 */
export class MqttSink implements Sink {
  readonly name: string;
  readonly config: MqttSinkConfig;
  readonly #topic: (point: Point) => string;
  #client: MqttClient | undefined;
  #messagesPublished = 0;

  constructor(options: MqttSinkOptions) {
    this.config = parseMqttConfig(options);
    this.name = this.config.name;
    this.#topic = compileTopic(this.config.topic, this.name);
  }

  /** Messages the broker acknowledged (QoS > 0) or that were sent (QoS 0). */
  get messagesPublished(): number {
    return this.#messagesPublished;
  }

  async open(): Promise<void> {
    const { config } = this;
    const options: IClientOptions = {
      clientId: config.clientId ?? `recur-${config.name}-${randomBytes(4).toString('hex')}`,
      protocolVersion: config.protocolVersion,
      connectTimeout: config.connectTimeoutMs,
      reconnectPeriod: 1_000,
    };
    if (config.username !== undefined) options.username = config.username;
    if (config.passwordEnv !== undefined) options.password = process.env[config.passwordEnv];
    const client = connect(config.url, options);
    this.#client = client;
    // mqtt.js emits 'error' for refused connections and bad credentials; without a listener it would throw.
    let lastError: Error | undefined;
    client.on('error', (error) => {
      lastError = error;
    });
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), config.connectTimeoutMs);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) {
      this.#client = undefined;
      await client.endAsync(true);
      throw new SinkError(
        ErrorCodes.SINK_UNAVAILABLE,
        `broker at ${config.url}: expected a CONNACK within ${config.connectTimeoutMs} ms, received ${lastError ? lastError.message : 'nothing'}`,
        { sink: this.name },
        { cause: lastError },
      );
    }
  }

  async write(batch: readonly Point[]): Promise<void> {
    const client = this.#client;
    if (client === undefined) {
      throw new SinkError(ErrorCodes.SINK_UNAVAILABLE, `sink '${this.name}': expected an open sink, received a write while closed`, { sink: this.name });
    }
    const messages = batch.map((point) => ({ topic: this.#topic(point), payload: this.#payload(point) }));
    const { qos, retain, publishTimeoutMs, url } = this.config;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SinkError(
              ErrorCodes.SINK_UNAVAILABLE,
              `broker at ${url}: expected ${qos === 0 ? 'to send' : 'acknowledgements of'} ${messages.length} messages within ${publishTimeoutMs} ms, received ${client.connected ? 'no answer' : 'no connection'}`,
              { sink: this.name },
            ),
          ),
        publishTimeoutMs,
      );
    });
    const published = messages.map(({ topic, payload }) =>
      client.publishAsync(topic, payload, { qos, retain }).then(
        () => {
          this.#messagesPublished++;
        },
        (error: Error & { code?: number }) => {
          // A publish error carries the broker's reason code (MQTT 5) or says the client is gone.
          const code = typeof error.code === 'number' && error.code >= 0x80 ? ErrorCodes.SINK_REJECTED : ErrorCodes.SINK_UNAVAILABLE;
          throw new SinkError(
            code,
            `broker at ${url}: publish to '${topic}' failed: ${error.message}`,
            { sink: this.name, serverMessage: error.message, status: error.code },
            { cause: error },
          );
        },
      ),
    );
    try {
      await Promise.race([Promise.all(published), timeout]);
    } finally {
      clearTimeout(timer);
      // The losers of the race must not surface as unhandled rejections.
      for (const p of published) p.catch(() => {});
    }
  }

  /**
   * Waits up to `publishTimeoutMs` for messages in flight, then disconnects; by force when some
   * are still unacknowledged (their write() has failed or will) — mqtt.js ignores a forced end
   * once a graceful one has begun, so the choice is made first.
   */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    const deadline = Date.now() + this.config.publishTimeoutMs;
    const inFlight = () => Object.keys(client.outgoing).length > 0;
    while (client.connected && inFlight() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await client.endAsync(inFlight());
  }

  #payload(point: Point): string {
    for (const [key, value] of Object.entries(point.fields)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new SinkError(
          ErrorCodes.SINK_REJECTED,
          `point '${point.measurement}' at t=${point.t}: field '${key}' is ${value}; expected a finite number (JSON has no ${value})`,
          {
            sink: this.name,
          },
        );
      }
    }
    return JSON.stringify({ measurement: point.measurement, tags: point.tags, fields: point.fields, t: point.t });
  }
}
