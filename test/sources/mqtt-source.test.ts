import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { type MqttSourceOptions, mqttSource } from '../../src/sources/mqtt/mqtt-source.js';
import type { LogLevel, Rejected, SourceCounter } from '../../src/sources/types.js';
import { type MosquittoServer, startMosquitto } from '../helpers/servers.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
let broker: MosquittoServer;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.stop();
});

/** Publishes with mosquitto_pub (a client that is not ours): one message per line, in order. */
async function publish(topic: string, lines: string[], qos: 0 | 1 = 1): Promise<void> {
  const child = run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-t', topic, '-q', String(qos), '-l']);
  child.child.stdin?.end(`${lines.join('\n')}\n`);
  await child;
}

function harness(options: Omit<MqttSourceOptions, 'url'>) {
  const frames: Frame[] = [];
  const rejected: Rejected[] = [];
  const counts: Record<SourceCounter, number> = { restarts: 0, stalls: 0, reconnects: 0, disconnects: 0, repeats: 0 };
  const logs: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
  const subscription: Subscription = mqttSource(
    { url: broker.url, backoff: { initialMs: 100, maxMs: 500 }, ...options },
    { onReject: (r) => rejected.push(r), count: (c) => counts[c]++, log: (level, message, fields) => logs.push({ level, message, fields }) },
  ).subscribe({ next: (frame) => frames.push(frame) });
  const subscribed = (n = 1) => waitFor(() => logs.filter((l) => l.message === 'mqtt subscribed').length >= n, `${n} subscription(s)`);
  return { frames, rejected, counts, logs, subscription, subscribed };
}

describe('mqttSource', () => {
  it('takes stream ids from a topic segment; a bad payload on one stream leaves a good stream whole', async () => {
    const h = harness({
      subscriptions: [
        {
          topic: 'plant/+/temp',
          qos: 1,
          device: { format: 'json', fields: ['c'], timestampField: 'ts', timestampUnit: 'ms', streamFrom: { kind: 'topic', segment: 1 } },
        },
      ],
    });
    try {
      await h.subscribed();
      const good = Array.from({ length: 20 }, (_, i) => `{"ts": ${1000 + i}, "c": ${i / 2}}`);
      const bad = ['{"ts": 1, "c": "hot"}', '{"ts": 2', '{"ts": 3}', '{"ts": 4, "c": 1e40}', '{"ts": 5, "c": 1}', '{"ts": 5, "c": 2}', '{"ts": 5, "c": 1}'];
      await Promise.all([publish('plant/a/temp', good), publish('plant/b/temp', bad)]);
      await waitFor(() => h.frames.length >= 21 && h.rejected.length >= 5 && h.counts.repeats >= 1, 'all messages');
      const a = h.frames.filter((f) => f.stream === 'a');
      expect(a.map((f) => f.t)).toEqual(good.map((_, i) => 1000 + i));
      expect(a.map((f) => f.values[0])).toEqual(good.map((_, i) => i / 2));
      expect(h.frames.filter((f) => f.stream === 'b').map((f) => f.t)).toEqual([5]);
      expect(h.rejected.map((r) => r.code)).toEqual([
        'RECUR_E_NOT_A_NUMBER',
        'RECUR_E_PARSE_JSON',
        'RECUR_E_FIELD_COUNT',
        'RECUR_E_NON_FINITE',
        'RECUR_E_DUPLICATE_TIMESTAMP',
      ]);
      // The last message repeats the accepted one exactly (as a publisher resending after a lost
      // PUBACK does): dropped and counted, not bad input.
      expect(h.counts.repeats).toBe(1);
      expect(h.rejected[1]).toMatchObject({ source: 'mqtt', origin: 'plant/b/temp', payload: '{"ts": 2', encoding: 'utf8' });
      expect(h.rejected[0].stream).toBe('b');
    } finally {
      h.subscription.unsubscribe();
    }
  });

  it('reads line protocol over MQTT 5 with the series as stream id', async () => {
    const h = harness({
      protocolVersion: 5,
      subscriptions: [{ topic: 'telegraf/#', qos: 1, device: { format: 'line-protocol', fields: ['usage_idle'], precision: 'ns' } }],
    });
    try {
      await h.subscribed();
      await publish('telegraf/host1/cpu', [
        'cpu,host=h1,cpu=cpu\\ 0 usage_idle=99.5,usage_user=0.5 1700000000000000000',
        'cpu,host=h1 usage_user=1 1700000000000000000',
      ]);
      await waitFor(() => h.frames.length === 1 && h.rejected.length === 1, 'one frame and one rejection');
      expect(h.frames[0]).toEqual({ stream: 'cpu,cpu=cpu\\ 0,host=h1', t: 1_700_000_000_000, values: new Float32Array([99.5]) });
      expect(h.rejected[0].code).toBe('RECUR_E_FIELD_COUNT');
    } finally {
      h.subscription.unsubscribe();
    }
  });

  it('reconnects with backoff after the broker restarts and gets what was queued for its persistent session', async () => {
    const h = harness({
      clientId: 'recur-test-persistent',
      clean: false,
      subscriptions: [
        {
          topic: 'persist/+',
          qos: 1,
          device: { format: 'csv', columns: ['t', 'v'], fields: ['v'], timestampField: 't', timestampUnit: 'ms', streamFrom: { kind: 'topic', segment: 1 } },
        },
      ],
    });
    try {
      await h.subscribed();
      await publish('persist/x', ['1,1']);
      await waitFor(() => h.frames.length === 1, 'the first frame');
      await broker.restart();
      // Published while our client may still be waiting out its backoff: the broker keeps it for the session.
      await publish('persist/x', ['2,2', '3,3']);
      await waitFor(() => h.frames.length === 3, 'the frames published around the restart');
      expect(h.frames.map((f) => f.values[0])).toEqual([1, 2, 3]);
      expect(h.counts.disconnects).toBe(1);
      expect(h.counts.reconnects).toBeGreaterThanOrEqual(1);
      expect(h.logs.some((l) => l.message.includes('reconnecting') && typeof l.fields?.delayMs === 'number')).toBe(true);
    } finally {
      h.subscription.unsubscribe();
    }
  });

  it('holds each PUBACK until the ack hook resolves, without holding up the next message; unacknowledged ones come back', async () => {
    const options = {
      clientId: 'recur-test-acks',
      clean: false,
      subscriptions: [
        { topic: 'acks/+', qos: 1 as const, device: { format: 'json' as const, fields: ['v'], streamFrom: { kind: 'topic' as const, segment: 1 } } },
      ],
    };
    // First connection: the hook never resolves for v >= 5, so those five stay unacknowledged.
    const held: (() => void)[] = [];
    const first = harness({ ...options, ack: (frames) => (frames[0].values[0] < 5 ? Promise.resolve() : new Promise<void>((r) => held.push(r))) });
    await first.subscribed();
    await publish(
      'acks/a',
      Array.from({ length: 10 }, (_, i) => `{"v": ${i}}`),
    );
    // All ten arrive although five acknowledgements are outstanding: messages are not serialised behind the hook.
    await waitFor(() => first.frames.length === 10 && held.length === 5, 'ten messages, five held');
    first.subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Second connection, same session: the broker redelivers exactly the five never acknowledged.
    const second = harness({ ...options, ack: () => Promise.resolve() });
    try {
      await waitFor(() => second.frames.length === 5, 'the five unacknowledged messages');
      expect(second.frames.map((f) => f.values[0])).toEqual([5, 6, 7, 8, 9]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(second.frames).toHaveLength(5);
    } finally {
      second.subscription.unsubscribe();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Third connection: everything was acknowledged, nothing comes back.
    const third = harness(options);
    try {
      await third.subscribed();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(third.frames).toHaveLength(0);
    } finally {
      third.subscription.unsubscribe();
    }
  });

  it('stops reading at maxUnacknowledged held PUBACKs and reads on as each is sent; all of them reach the broker', async () => {
    const options = {
      clientId: 'recur-test-max-held',
      clean: false,
      maxUnacknowledged: 3,
      subscriptions: [
        { topic: 'held/+', qos: 1 as const, device: { format: 'json' as const, fields: ['v'], streamFrom: { kind: 'topic' as const, segment: 1 } } },
      ],
    };
    const held: (() => void)[] = [];
    const first = harness({ ...options, ack: () => new Promise<void>((r) => held.push(r)) });
    await first.subscribed();
    await publish(
      'held/a',
      Array.from({ length: 10 }, (_, i) => `{"v": ${i}}`),
    );
    await waitFor(() => first.frames.length === 3, 'three messages');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.frames).toHaveLength(3); // mosquitto's window is 20: the pause is ours
    for (let sent = 0; sent < 10; sent++) {
      await waitFor(() => held.length > sent, `message ${sent + 1}`);
      held[sent]();
    }
    await waitFor(() => first.frames.length === 10, 'all ten');
    expect(first.frames.map((f) => f.values[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = harness(options);
    try {
      await again.subscribed();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(again.frames).toHaveLength(0); // every PUBACK went out, once
    } finally {
      again.subscription.unsubscribe();
    }
  });

  it('receives QoS 1 messages published while it was away, by its fixed client id', async () => {
    const options = {
      clientId: 'recur-test-away',
      clean: false,
      protocolVersion: 5 as const,
      subscriptions: [
        { topic: 'away/+', qos: 1 as const, device: { format: 'json' as const, fields: ['v'], streamFrom: { kind: 'topic' as const, segment: 1 } } },
      ],
    };
    const first = harness(options);
    await first.subscribed();
    first.subscription.unsubscribe();
    await waitFor(() => first.logs.length > 0 && first.counts.disconnects === 0, 'the first client to leave');
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the DISCONNECT reach the broker before publishing
    await publish('away/y', ['{"v": 7}', '{"v": 8}']);
    const second = harness(options);
    try {
      await waitFor(() => second.frames.length === 2, 'the queued messages');
      expect(second.rejected).toEqual([]);
      expect(second.frames[1].t).toBeGreaterThan(second.frames[0].t);
      expect(second.frames.map((f) => [f.stream, f.values[0]])).toEqual([
        ['y', 7],
        ['y', 8],
      ]);
    } finally {
      second.subscription.unsubscribe();
    }
  });

  it('never logs the password it reads from the environment', async () => {
    process.env.RECUR_TEST_MQTT_PASSWORD = 'sw0rdfish-secret';
    const h = harness({
      username: { env: 'RECUR_TEST_MQTT_PASSWORD' },
      password: { env: 'RECUR_TEST_MQTT_PASSWORD' },
      subscriptions: [{ topic: 'secret/+', device: { format: 'json', fields: ['v'] } }],
    });
    try {
      await h.subscribed(); // the broker allows anonymous clients and ignores the credentials
      expect(JSON.stringify(h.logs)).not.toContain('sw0rdfish');
    } finally {
      h.subscription.unsubscribe();
      delete process.env.RECUR_TEST_MQTT_PASSWORD;
    }
  });
});
