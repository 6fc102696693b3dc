import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { asyncScheduler, Observable, type SchedulerLike, Subscription } from 'rxjs';
import { RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';
import { Backoff, type BackoffOptions } from '../../util/backoff.js';
import { arrivalClock } from '../arrival-clock.js';
import { OrderGuard } from '../order-guard.js';
import { rejectedOf } from '../rejected.js';
import type { SourceContext } from '../types.js';
import { MQTT_SOURCE_DEFAULTS as DEFAULTS } from './config.js';
import { corkAcksPerRead } from './cork-acks.js';
import { type BrokerAccess, brokerAccessOptions, redactUrl } from './credentials.js';
import { DeferredAcks } from './deferred-acks.js';
import { type MqttBinding, MqttRouter } from './router.js';

/**
 * Called with a message's frames (already emitted) before a QoS 1 message is acknowledged: the
 * PUBACK is sent when the promise resolves, in arrival order, while later messages keep coming
 * (within the broker's in-flight window). This is where the daemon's ingest log makes the frames
 * durable. A rejection leaves the message unacknowledged and drops the connection, so the broker
 * redelivers it to the persistent session.
 */
export type AckHook = (frames: readonly Frame[], packet: IPublishPacket) => Promise<void>;

/** Credentials and TLS files (`BrokerAccess`) come with the connection settings. */
export interface MqttSourceOptions extends BrokerAccess {
  /** `mqtt://host:1883` or `mqtts://host:8883`. */
  url: string;
  /** Topic filters and their devices. */
  subscriptions: MqttBinding[];
  /** 4: MQTT 3.1.1, 5: MQTT 5. @default 4 */
  protocolVersion?: 4 | 5;
  /** Fixed for a persistent session. @default `recur-` and random hex */
  clientId?: string;
  /** false: a persistent session (needs `clientId`): the broker keeps QoS 1 messages while we are away. @default true */
  clean?: boolean;
  /** MQTT 5 with `clean: false`: how long the broker keeps the session after a disconnect. @default 604800 (7 days) */
  sessionExpirySeconds?: number;
  /** @default 30 */
  keepaliveSeconds?: number;
  /** @default 10000 */
  connectTimeoutMs?: number;
  /** @default initial 500 ms, doubling, at most 30 s, full jitter */
  backoff?: BackoffOptions;
  /** A connection that lasted this long resets the backoff. @default 10000 */
  healthyMs?: number;
  /** Reject frames older than, or as old as, their stream's last. @default true */
  checkOrder?: boolean;
  /** @default acknowledge at once */
  ack?: AckHook;
  /** With `ack`: at most this many QoS 1 messages wait for their PUBACK; then reading pauses. @default 10000 */
  maxUnacknowledged?: number;
  /** Timers for reconnects. @default asyncScheduler */
  scheduler?: SchedulerLike;
  /** Wall clock for the arrival time of payloads without a timestamp (made strictly increasing). @default Date.now */
  now?: () => number;
}

const SOURCE = 'mqtt';

function clientOptions(options: MqttSourceOptions): IClientOptions {
  const persistent = options.clean === false;
  if (persistent && !options.clientId) {
    throw new RecurError(
      'RECUR_E_CONFIG',
      'mqtt source: expected a fixed clientId with clean: false (a persistent session is found by its client id), received none',
    );
  }
  return {
    protocolVersion: options.protocolVersion ?? DEFAULTS.protocolVersion,
    clientId: options.clientId ?? `recur-${Math.random().toString(16).slice(2, 10)}`,
    clean: !persistent,
    keepalive: options.keepaliveSeconds ?? DEFAULTS.keepaliveSeconds,
    connectTimeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    // We reconnect ourselves: mqtt.js retries at a fixed period, so a fleet that lost the broker
    // together comes back in lockstep every period and each retry is a connection storm.
    reconnectPeriod: 0,
    ...(options.protocolVersion === 5 && persistent
      ? { properties: { sessionExpiryInterval: options.sessionExpirySeconds ?? DEFAULTS.sessionExpirySeconds } }
      : {}),
    ...brokerAccessOptions(options),
  };
}

/**
 * Frames from MQTT topics. Each message is routed by topic to its device, parsed, checked for
 * order per stream and emitted; bad messages go to `onReject` and every other stream goes on.
 * Lost connections are retried for ever with exponential backoff and full jitter (`reconnects`
 * and `disconnects` are counted). Unsubscribing disconnects.
 */
export function mqttSource(options: MqttSourceOptions, context: SourceContext): Observable<Frame> {
  if (options.subscriptions.length === 0) throw new RecurError('RECUR_E_CONFIG', 'mqtt source: expected at least one subscription, received none');
  const scheduler = options.scheduler ?? asyncScheduler;
  const log = context.log ?? (() => {});
  const where = redactUrl(options.url);

  return new Observable<Frame>((subscriber) => {
    const settings = clientOptions(options);
    const now = arrivalClock(options.now);
    const router = new MqttRouter(options.subscriptions);
    const guard = options.checkOrder === false ? undefined : new OrderGuard();
    const backoff = new Backoff(options.backoff);
    const timers = new Subscription();
    let connectedAt: number | undefined;
    let closed = false;
    /** Set when a message could not be made durable: the rest of this connection is left unacknowledged. */
    let dropping = false;

    const client: MqttClient = connect(options.url, settings);
    const acks = new DeferredAcks(client, options.maxUnacknowledged ?? DEFAULTS.maxUnacknowledged);

    const handle = (packet: IPublishPacket): Frame[] => {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      const parsed = router.route(packet.topic, payload, now());
      for (const error of parsed.errors) context.onReject(rejectedOf(error, payload, SOURCE, packet.topic));
      const accepted: Frame[] = [];
      for (const frame of parsed.frames) {
        // A redelivery (DUP) after a dropped connection repeats what this guard may have passed
        // already; the daemon's ingest log tells replays from new frames, not the guard.
        const verdict = packet.dup ? undefined : guard?.check(frame);
        if (verdict === undefined) accepted.push(frame);
        else if (verdict === 'repeat') context.count?.('repeats');
        else context.onReject(rejectedOf(verdict, payload, SOURCE, packet.topic));
      }
      return accepted;
    };

    // mqtt.js sends the PUBACK of a QoS 1 message when this callback is called, and hands us
    // the next message only then: the acknowledgement seam (see AckHook).
    client.handleMessage = (packet, done) => {
      // After unsubscribe nobody takes the frames: leave the message unacknowledged, so the
      // broker keeps it for the session instead of losing it.
      // After a refusal, mqtt.js may still hand over packets it had already read: they must not
      // overtake the refused message, which the broker redelivers first on the next connection.
      if (closed || dropping) return;
      const frames = handle(packet);
      for (const frame of frames) subscriber.next(frame);
      if (!options.ack || packet.qos === 0) return done();
      const notDurable = (error: unknown) => {
        if (dropping) return;
        dropping = true;
        log('error', 'frames not made durable; dropping the connection so the broker redelivers', { topic: packet.topic, error: String(error) });
        client.stream.destroy();
      };
      let durable: Promise<void>;
      try {
        durable = options.ack(frames, packet);
      } catch (error) {
        // A hook that refuses at once (the ingest log is past its ceiling) drops the connection now.
        notDurable(error);
        return;
      }
      if (packet.qos === 1 && packet.messageId !== undefined) {
        // The PUBACK waits for `durable`; the next message does not (see DeferredAcks).
        acks.hold(packet.messageId, durable, notDurable, done);
        return;
      }
      durable.then(() => done(), notDurable);
    };

    client.on('connect', (connack) => {
      connectedAt = scheduler.now();
      dropping = false;
      corkAcksPerRead(client.stream);
      log('info', 'mqtt connected', { url: where, clientId: settings.clientId, sessionPresent: connack.sessionPresent });
      const filters = Object.fromEntries(options.subscriptions.map((binding) => [binding.topic, { qos: binding.qos ?? DEFAULTS.qos }]));
      client.subscribe(filters, (error, granted) => {
        const refused = (granted ?? []).filter((grant) => grant.qos > 2);
        if (error || refused.length > 0) {
          log('error', 'mqtt subscription refused', { url: where, error: error?.message, topics: refused.map((grant) => grant.topic) });
        } else {
          log('debug', 'mqtt subscribed', { url: where, topics: Object.keys(filters) });
        }
      });
    });

    client.on('error', (error) => {
      log('warn', 'mqtt connection error', { url: where, error: error.message, code: 'RECUR_E_SOURCE_UNAVAILABLE' });
    });

    client.on('close', () => {
      acks.reset();
      if (closed) return;
      if (connectedAt !== undefined) {
        context.count?.('disconnects');
        if (scheduler.now() - connectedAt >= (options.healthyMs ?? DEFAULTS.healthyMs)) backoff.reset();
        connectedAt = undefined;
      }
      router.resetClocks();
      const delay = backoff.next();
      log('warn', 'mqtt disconnected; reconnecting', { url: where, delayMs: delay, attempt: backoff.attempt, code: 'RECUR_E_SOURCE_UNAVAILABLE' });
      timers.add(
        scheduler.schedule(() => {
          if (closed) return;
          context.count?.('reconnects');
          client.reconnect();
        }, delay),
      );
    });

    return () => {
      closed = true;
      timers.unsubscribe();
      client.end(false);
    };
  });
}
