import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isRecurError } from '../../src/errors.js';
import type { Point } from '../../src/point.js';
import { MqttSink, type MqttSinkOptions } from '../../src/sinks/mqtt/index.js';
import { type MosquittoServer, startMosquitto } from '../helpers/servers.js';
import { Subscriber } from './subscriber.js';

let broker: MosquittoServer;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

afterAll(async () => {
  await broker?.stop();
});

async function openSink(options: Partial<MqttSinkOptions> = {}): Promise<MqttSink> {
  const sink = new MqttSink({ url: broker.url, publishTimeoutMs: 5_000, ...options });
  await sink.open();
  cleanup.push(() => sink.close());
  return sink;
}

function subscribe(topic: string, args: string[] = []): Subscriber {
  const subscriber = new Subscriber(broker.port, topic, args);
  cleanup.push(() => subscriber.stop());
  return subscriber;
}

/** mosquitto_sub gives no sign that it has subscribed: publish probes until one arrives. */
async function untilSubscribed(sink: MqttSink, subscriber: Subscriber, run: string): Promise<void> {
  const probe: Point = { measurement: 'probe', tags: { stream: run }, fields: { v: 0 }, t: 0 };
  await subscriber.waitFor('a probe message', (received) => {
    if (received.some((m) => m.topic === `recur/probe/${run}`)) return true;
    void sink.write([probe]).catch(() => {});
    return false;
  });
}

const point = (stream: string, value: number, t: number): Point => ({
  measurement: 'forecast',
  tags: { stream, horizon: '5' },
  fields: { value, alarm: value > 1 },
  t,
});

describe('MqttSink against mosquitto', () => {
  it('publishes JSON to the templated topic with QoS 1, acknowledged, not retained', async () => {
    const sink = await openSink();
    const subscriber = subscribe('recur/#');
    await untilSubscribed(sink, subscriber, 'qos1');
    const points = [point('pump-1', 0.25, 1_700_000_000_000), point('pump 2/b', 1.5, 1_700_000_000_000.5)];
    await sink.write(points);
    await subscriber.waitFor('both points', (received) => received.filter((m) => m.topic.startsWith('recur/forecast/')).length === 2);
    const got = subscriber.received.filter((m) => m.topic.startsWith('recur/forecast/'));
    expect(got.map((m) => m.topic)).toEqual(['recur/forecast/pump-1', 'recur/forecast/pump 2/b']);
    expect(got.map((m) => m.qos)).toEqual([1, 1]);
    expect(got.map((m) => m.retain)).toEqual([false, false]);
    expect(got.map((m) => JSON.parse(m.payload))).toEqual(points);
  });

  it('keeps the last value retained for a subscriber that comes later, with QoS 2', async () => {
    const sink = await openSink({ retain: true, qos: 2, topic: 'recur/last/{measurement}/{stream}' });
    await sink.write([point('late', 1, 1), point('late', 2, 2)]);
    const subscriber = subscribe('recur/last/#', ['-C', '1']);
    await subscriber.waitFor('the retained message', (received) => received.length === 1);
    expect(subscriber.received[0]).toMatchObject({ retain: true, qos: 2, topic: 'recur/last/forecast/late' });
    expect(JSON.parse(subscriber.received[0].payload)).toEqual(point('late', 2, 2));
  });

  it('refuses a batch whose topic cannot be made, with SINK_TEXT, before publishing anything', async () => {
    const sink = await openSink();
    const subscriber = subscribe('recur/#');
    await untilSubscribed(sink, subscriber, 'refuse');
    const before = sink.messagesPublished;
    for (const bad of [{ ...point('ok', 1, 1), tags: {} }, point('a+b', 1, 1), point('#', 1, 1)]) {
      const error = await sink.write([point('fine', 1, 1), bad]).catch((e: unknown) => e);
      expect(isRecurError(error, ErrorCodes.SINK_TEXT)).toBe(true);
    }
    const nan = await sink.write([{ ...point('nan', 1, 1), fields: { v: Number.NaN } }]).catch((e: unknown) => e);
    expect(isRecurError(nan, ErrorCodes.SINK_REJECTED)).toBe(true);
    expect(sink.messagesPublished).toBe(before);
  });

  it('fails open() with a retryable SINK_UNAVAILABLE when no broker answers', async () => {
    const sink = new MqttSink({ url: 'mqtt://127.0.0.1:9', connectTimeoutMs: 500 });
    const error = await sink.open().catch((e: unknown) => e);
    expect(isRecurError(error, ErrorCodes.SINK_UNAVAILABLE)).toBe(true);
    expect((error as Error).message).toContain('expected a CONNACK within 500 ms');
  });

  it('reconnects by itself after a broker restart and publishes again', async () => {
    const sink = await openSink({ clientId: 'recur-restart' });
    await broker.restart();
    const subscriber = subscribe('recur/#');
    await untilSubscribed(sink, subscriber, 'after-restart');
    await sink.write([point('after', 3, 3)]);
    await subscriber.waitFor('the point after the restart', (received) => received.some((m) => m.topic === 'recur/forecast/after'));
  });

  it('rejects a write with a retryable SINK_UNAVAILABLE when the broker is gone', async () => {
    const own = await startMosquitto();
    cleanup.push(() => own.stop());
    const sink = new MqttSink({ url: own.url, publishTimeoutMs: 300 });
    await sink.open();
    cleanup.push(() => sink.close());
    await own.stop();
    const error = await sink.write([point('gone', 1, 1)]).catch((e: unknown) => e);
    expect(isRecurError(error, ErrorCodes.SINK_UNAVAILABLE)).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect((error as Error).message).toContain('received no connection');
  });
});
