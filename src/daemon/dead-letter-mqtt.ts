import { connect, type MqttClient } from 'mqtt';
import { type BrokerAccess, brokerAccessOptions, redactUrl } from '../sources/mqtt/credentials.js';
import type { Logger } from '../sources/types.js';
import type { DeadLetter, DeadLetterOutcome } from './dead-letter.js';

export interface DeadLetterMqttOptions {
  /** `mqtt://host:1883`. */
  url: string;
  /** Credentials and TLS files. @default none */
  access?: BrokerAccess;
  topic: string;
  /** 1: a record counts as kept only once the broker acknowledged it. */
  qos: 0 | 1;
  /** Records not yet acknowledged (in flight, or queued while the broker is away) beyond which new ones are lost. @default 10000 */
  maxPending?: number;
  /** How long close() waits for records still queued. @default 5000 */
  closeTimeoutMs?: number;
  onOutcome?: DeadLetterOutcome;
  log?: Logger;
}

/**
 * Dead-letter topic: each record published as one JSON message. While the broker is away mqtt.js
 * queues the messages in memory and sends them after it reconnects; the queue is bounded, and
 * every record that does not reach the broker (queue full, shutdown before the broker came back)
 * is reported as lost, never dropped silently. Not durable across a crash: keep the file too.
 */
export class DeadLetterMqtt implements DeadLetter {
  readonly #options: DeadLetterMqttOptions;
  readonly #client: MqttClient;
  readonly #pending = new Set<number>();
  readonly #onOutcome: DeadLetterOutcome;
  readonly #log: Logger;
  #count = 0;
  #closed = false;
  #full = false;
  #drained: (() => void) | undefined;

  constructor(options: DeadLetterMqttOptions) {
    this.#options = options;
    this.#onOutcome = options.onOutcome ?? (() => {});
    this.#log = options.log ?? (() => {});
    const where = redactUrl(options.url);
    // One publisher without subscriptions: mqtt.js' own fixed-period reconnect is enough here.
    this.#client = connect(options.url, {
      clientId: `recur-dead-letter-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 1_000,
      ...brokerAccessOptions(options.access ?? {}),
    });
    // One line per outage, not one per failed reconnect.
    let away = false;
    this.#client.on('connect', () => {
      away = false;
      this.#log('info', 'dead-letter topic connected', { url: where, topic: options.topic });
    });
    this.#client.on('error', (error) => {
      if (away) return;
      away = true;
      this.#log('warn', 'dead-letter broker away; records queue in memory', { url: where, error: error.message, code: 'RECUR_E_SOURCE_UNAVAILABLE' });
    });
    this.#client.on('offline', () => {
      if (away) return;
      away = true;
      this.#log('warn', 'dead-letter broker away; records queue in memory', { url: where, pending: this.#pending.size, code: 'RECUR_E_SOURCE_UNAVAILABLE' });
    });
  }

  get count(): number {
    return this.#count;
  }

  write(record: Record<string, unknown>): void {
    this.#count++;
    if (this.#closed) {
      this.#onOutcome('lost', new Error('dead-letter topic closed'));
      return;
    }
    if (this.#pending.size >= (this.#options.maxPending ?? 10_000)) {
      if (!this.#full) this.#log('error', 'dead-letter queue full; records are lost until the broker takes them', { topic: this.#options.topic });
      this.#full = true;
      this.#onOutcome('lost', new Error('dead-letter queue full'));
      return;
    }
    const id = this.#count;
    this.#pending.add(id);
    const message = JSON.stringify({ at: new Date().toISOString(), ...record });
    this.#client.publish(this.#options.topic, message, { qos: this.#options.qos }, (error) => {
      // Already counted as lost by close().
      if (!this.#pending.delete(id)) return;
      if (error) this.#onOutcome('lost', error);
      else this.#onOutcome('kept');
      if (this.#pending.size === 0) {
        this.#full = false;
        this.#drained?.();
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pending.size > 0) {
      const drained = new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, this.#options.closeTimeoutMs ?? 5_000).unref())]);
    }
    const left = this.#pending.size;
    if (left > 0) {
      this.#pending.clear();
      this.#log('error', 'dead-letter records not acknowledged by the broker before shutdown', { topic: this.#options.topic, lost: left });
      for (let i = 0; i < left; i++) this.#onOutcome('lost', new Error('not acknowledged before shutdown'));
    }
    await Promise.race([this.#client.endAsync(true), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }
}
