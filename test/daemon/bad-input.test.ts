import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterMqtt } from '../../src/daemon/dead-letter-mqtt.js';
import { startEmbeddedBroker } from '../../src/daemon/embedded-broker.js';
import { mosquittoPub as publish } from '../helpers/mosquitto-pub.js';
import { RecurChild, until } from '../helpers/recur-child.js';
import { freePort, type InfluxdServer, type MosquittoServer, startInfluxd, startMosquitto } from '../helpers/servers.js';
import { buildTfjsModel, saveToMemory } from '../helpers/tfjs-models.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-bad-input-'));
const T0 = Date.UTC(2026, 5, 1);
const MIN = 60_000;
const GOOD = 20;

const jsonLines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

/** `recur_errors_total` by code, as /metrics shows it. */
async function errorCounts(httpPort: unknown): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^recur_errors_total\{code="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

const reading = (t: number, temperature: number) => JSON.stringify({ ts: t, temperature });
const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

describe('bad input on every MQTT path, beside good streams (mosquitto -> recur run -> influxd)', () => {
  let mosquitto: MosquittoServer;
  let influx: InfluxdServer;
  let recur: RecurChild;
  let httpPort: number;
  let deadTopic: MqttClient;
  const deadMessages: Record<string, unknown>[] = [];
  const deadFile = join(dir, 'dead.jsonl');
  const big = JSON.stringify({ ts: T0, v: 1, padding: 'x'.repeat(300) });
  // What each bad message is, and the code it must get.
  const bad = [
    { code: 'RECUR_E_OUT_OF_ORDER', topic: 'plant/ooo/temp', payload: reading(T0 + MIN, 0.5) },
    { code: 'RECUR_E_DUPLICATE_TIMESTAMP', topic: 'plant/dup/temp', payload: reading(T0 + MIN, 0.7) },
    // Matches plant/+/temp, but the stream level is empty.
    { code: 'RECUR_E_UNKNOWN_TOPIC', topic: 'plant//temp', payload: reading(T0, 1) },
    // A subscription the persistent session kept from an older configuration: no device claims it.
    { code: 'RECUR_E_UNKNOWN_TOPIC', topic: 'legacy/x', payload: 'left over from an old configuration' },
    { code: 'RECUR_E_FIELD_COUNT', topic: 'meter/m2/power', payload: `meter voltage=230 ${nanos(T0)}` },
    { code: 'RECUR_E_PARSE_LINE_PROTOCOL', topic: 'meter/m2/power', payload: 'this is not line protocol' },
    { code: 'RECUR_E_PAYLOAD_TOO_LARGE', topic: 'blob/b1/v', payload: big },
  ];

  beforeAll(async () => {
    [mosquitto, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
    const device = (name: string, body: string) => {
      writeFileSync(join(dir, `${name}.yaml`), `name: ${name}\n${body}`);
      return join(dir, `${name}.yaml`);
    };
    const devices = [
      device('sensor', 'topic: plant/+/temp\nstreamSegment: 1\nformat: json\nfields: [temperature]\ntimestampField: ts\ntimestampUnit: ms\n'),
      device('meter', 'topic: meter/+/power\nstreamSegment: 1\nformat: line-protocol\nfields: [power]\n'),
      device('blob', 'topic: blob/+/v\nstreamSegment: 1\nformat: json\nfields: [v]\ntimestampField: ts\nmaxBytes: 200\n'),
    ];
    // The session recur resumes: its device filters (so nothing published before its SUBACK is
    // missed) and one filter no device claims any more.
    const primer = await connectAsync(mosquitto.url, { clientId: 'recur-bad-input', clean: false });
    await primer.subscribeAsync({ 'plant/+/temp': { qos: 1 }, 'meter/+/power': { qos: 1 }, 'blob/+/v': { qos: 1 }, 'legacy/#': { qos: 1 } });
    await primer.endAsync();
    deadTopic = await connectAsync(mosquitto.url);
    deadTopic.on('message', (_topic, payload) => deadMessages.push(JSON.parse(payload.toString('utf8'))));
    await deadTopic.subscribeAsync('recur/dead-letter', { qos: 1 });
    writeFileSync(
      join(dir, 'mqtt.yaml'),
      `name: bad-input
sources:
  - type: mqtt
    options: { url: '${mosquitto.url}', devices: ['${devices.join("', '")}'], clientId: recur-bad-input, clean: false }
model: { path: fixtures/generated/demo-forecaster }
head: { type: forecast, measurement: forecast, fields: [next] }
sinks:
  - type: influx
    options: { url: '${influx.url}', database: recur_bad, createDatabase: true, flushIntervalMs: 50, deadLetterFile: '${join(dir, 'influx-dead.jsonl')}' }
    flushMs: 50
deadLetter: { file: '${deadFile}', mqtt: { topic: recur/dead-letter } }
http: { port: 0 }
`,
    );
    recur = new RecurChild(join(dir, 'mqtt.yaml'));
    httpPort = await recur.ready();
  }, 90_000);

  afterAll(async () => {
    recur?.kill();
    await deadTopic?.endAsync();
    await Promise.all([mosquitto?.stop(), influx?.dispose()]);
  });

  it('gives each kind its code, counter and dead-letter record (file and topic) while the good streams are written in full', async () => {
    const payload = (code: string) => bad.filter((b) => b.code === code).map((b) => b.payload);
    const messages: Record<string, string[]> = {
      'plant/good/temp': Array.from({ length: GOOD }, (_, i) => reading(T0 + i * MIN, Math.sin(i / 3))),
      // 0, 2, [1], 3 min and 0, 1, [1], 2 min: three good frames each, the bracketed one refused.
      'plant/ooo/temp': [reading(T0, 0), reading(T0 + 2 * MIN, 0.2), ...payload('RECUR_E_OUT_OF_ORDER'), reading(T0 + 3 * MIN, 0.3)],
      'plant/dup/temp': [reading(T0, 0), reading(T0 + MIN, 0.1), ...payload('RECUR_E_DUPLICATE_TIMESTAMP'), reading(T0 + 2 * MIN, 0.2)],
      'meter/m1/power': Array.from({ length: 5 }, (_, i) => `meter power=${i + 1.5} ${nanos(T0 + i * MIN)}`),
      'meter/m2/power': [...payload('RECUR_E_FIELD_COUNT'), ...payload('RECUR_E_PARSE_LINE_PROTOCOL')],
      'blob/b1/v': payload('RECUR_E_PAYLOAD_TOO_LARGE'),
      'plant//temp': payload('RECUR_E_UNKNOWN_TOPIC').slice(0, 1),
      'legacy/x': payload('RECUR_E_UNKNOWN_TOPIC').slice(1),
    };
    await Promise.all(Object.entries(messages).map(([topic, lines]) => publish(mosquitto.port, topic, lines)));

    // (a) Every good frame is in InfluxDB, per stream, and nothing from the bad messages.
    const expected = { good: GOOD, ooo: 3, dup: 3, m1: 5 };
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    type Series = { tags?: Record<string, string>; values: unknown[][] };
    const counts = await until(async () => {
      const answer = (await influx.query('recur_bad', 'SELECT count("next") FROM forecast GROUP BY "stream"')) as { results: { series?: Series[] }[] };
      const rows = answer.results[0]?.series ?? [];
      return rows.reduce((n, s) => n + Number(s.values[0][1]), 0) >= total ? rows : undefined;
    }, 'the good points in InfluxDB');
    expect(Object.fromEntries(counts.map((s) => [s.tags?.stream, Number(s.values[0][1])]))).toEqual(expected);

    // (c) One dead-letter record per bad message, with its code, topic and payload as sent.
    const dead = await until(() => {
      const lines = jsonLines(deadFile);
      return lines.length >= bad.length ? lines : undefined;
    }, 'the dead-letter file');
    const key = (r: { code: unknown; origin?: unknown; topic?: unknown; payload: unknown }) => JSON.stringify([r.code, r.origin ?? r.topic, r.payload]);
    expect(dead.map(key).sort()).toEqual(bad.map(key).sort());
    expect(dead.every((r) => r.source === 'mqtt' && r.encoding === 'utf8' && typeof r.message === 'string' && typeof r.at === 'string')).toBe(true);
    // The same records, identical, on the dead-letter topic.
    await until(() => (deadMessages.length >= bad.length ? true : undefined), 'the dead-letter topic');
    expect(deadMessages.map((m) => JSON.stringify(m)).sort()).toEqual(dead.map((m) => JSON.stringify(m)).sort());

    // (b) /metrics counts each code exactly, and nothing else went wrong.
    const errors = await errorCounts(httpPort);
    const byCode: Record<string, number> = {};
    for (const b of bad) byCode[b.code] = (byCode[b.code] ?? 0) + 1;
    expect(errors).toEqual(byCode);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toContain(`recur_dead_letters_total{target="file",outcome="kept"} ${bad.length}`);
    expect(metrics).toContain(`recur_dead_letters_total{target="mqtt",outcome="kept"} ${bad.length}`);
    expect(metrics).toContain(`recur_frames_out_total ${total}`);
  }, 60_000);

  it('stops on SIGTERM with exit code 0, having dead-lettered every bad message', async () => {
    expect(await recur.stop()).toBe(0);
    expect(recur.lines().find((l) => l.msg === 'pipeline stopped')).toMatchObject({ deadLettered: bad.length });
  }, 30_000);
});

/** A PCM16 mono WAV of a sine, header written by hand. */
function wav(samples: number, rate: number): Buffer {
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(8_000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return out;
}

describe('a WAV with a broken header beside a good one (recur run, wav sources -> file sink)', () => {
  it('counts and dead-letters the broken file as WAV_CORRUPT and writes every frame of the good one', async () => {
    const RATE = 16_000;
    const HOP = 160;
    const FRAMES = 150; // 1.5 s, played in real time so /metrics can be read meanwhile
    writeFileSync(join(dir, 'good.wav'), wav(FRAMES * HOP, RATE));
    // A fmt chunk that says 16 bytes and ends after 4.
    const broken = wav(FRAMES * HOP, RATE).subarray(0, 24);
    writeFileSync(join(dir, 'broken.wav'), broken);
    // The frames are HOP samples each: a small GRU (tfjs-layers, saved as model.save does) takes that many inputs.
    const layer = { units: 4, activation: 'tanh', recurrentActivation: 'sigmoid', dropout: false } as const;
    const head = { kind: 'timeDistributed', units: 1, activation: 'linear' } as const;
    const saved = await saveToMemory(buildTfjsModel({ cell: 'gru', inputSize: HOP, layers: [layer], returnSequences: true, head, useBias: true, seed: 1 }));
    mkdirSync(join(dir, 'audio-model'));
    writeFileSync(join(dir, 'audio-model', 'model.json'), JSON.stringify(saved.modelJson));
    writeFileSync(join(dir, 'audio-model', 'weights.bin'), saved.shard);
    const points = join(dir, 'audio.jsonl');
    const deadFile = join(dir, 'audio-dead.jsonl');
    writeFileSync(
      join(dir, 'wav.yaml'),
      `name: wav
sources:
  - type: wav
    options: { path: '${join(dir, 'broken.wav')}', rate: ${RATE}, hop: ${HOP} }
  - type: wav
    options: { path: '${join(dir, 'good.wav')}', rate: ${RATE}, hop: ${HOP}, speed: 1, startMs: ${T0} }
model: { path: '${join(dir, 'audio-model')}' }
head: { type: forecast, measurement: audio }
sinks:
  - type: file
    options: { path: '${points}', format: jsonl }
    flushMs: 50
deadLetter: { file: '${deadFile}' }
http: { port: 0 }
`,
    );
    const recur = new RecurChild(join(dir, 'wav.yaml'));
    try {
      const httpPort = await recur.ready({ until: 'started' });
      const errors = await until(async () => {
        const counts = await errorCounts(httpPort);
        return counts.RECUR_E_WAV_CORRUPT ? counts : undefined;
      }, 'WAV_CORRUPT on /metrics');
      expect(errors).toEqual({ RECUR_E_WAV_CORRUPT: 1 });
      expect((await recur.exited).code).toBe(0);
    } finally {
      recur.kill();
    }
    const written = jsonLines(points);
    expect(written).toHaveLength(FRAMES);
    expect(new Set(written.map((p) => (p.tags as Record<string, string>).stream))).toEqual(new Set(['good']));
    expect(written.map((p) => p.t)).toEqual(Array.from({ length: FRAMES }, (_, i) => T0 + (i * HOP * 1000) / RATE));
    const dead = jsonLines(deadFile);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ code: 'RECUR_E_WAV_CORRUPT', source: 'wav', origin: join(dir, 'broken.wav') });
    expect(Buffer.from(String(dead[0].payload), dead[0].encoding as BufferEncoding)).toEqual(broken);
    expect(recur.lines().find((l) => l.msg === 'pipeline stopped')).toMatchObject({ received: FRAMES, written: FRAMES, deadLettered: 1 });
  }, 30_000);
});

describe('dead-letter topic while its broker is away', () => {
  it('queues records and publishes them once the broker is up; what never gets there is counted lost', async () => {
    const port = await freePort();
    const outcomes: string[] = [];
    const logged: string[] = [];
    const options = {
      url: `mqtt://127.0.0.1:${port}`,
      topic: 'recur/dead-letter',
      qos: 1 as const,
      closeTimeoutMs: 300,
      onOutcome: (outcome: string) => outcomes.push(outcome),
      log: (_level: string, message: string) => logged.push(message),
    };
    // Nobody listens: records wait, then close() counts them lost and says so.
    const lost = new DeadLetterMqtt(options);
    for (let i = 0; i < 3; i++) lost.write({ code: 'RECUR_E_PARSE_JSON', payload: `lost ${i}` });
    await lost.close();
    expect(outcomes).toEqual(['lost', 'lost', 'lost']);
    expect(logged).toContain('dead-letter records not acknowledged by the broker before shutdown');

    // The way to the broker opens after the records were written (a relay starts listening on
    // the port, the reader already subscribed there): they arrive, in order.
    outcomes.length = 0;
    const late = new DeadLetterMqtt({ ...options, closeTimeoutMs: 5_000 });
    for (let i = 0; i < 3; i++) late.write({ code: 'RECUR_E_PARSE_JSON', payload: `late ${i}` });
    const broker = await startEmbeddedBroker();
    const reader = await connectAsync(broker.url);
    const received: unknown[] = [];
    reader.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString('utf8')).payload));
    await reader.subscribeAsync('recur/dead-letter', { qos: 1 });
    const relay = createServer((socket) => {
      const upstream = createConnection(Number(new URL(broker.url).port), '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
    try {
      await until(() => (received.length >= 3 ? true : undefined), 'the queued dead letters', 10_000);
      expect(received).toEqual(['late 0', 'late 1', 'late 2']);
      await late.close();
      expect(outcomes).toEqual(['kept', 'kept', 'kept']);
      expect(late.count).toBe(3);
    } finally {
      await late.close();
      await reader.endAsync();
      relay.close();
      await broker.close();
    }
  }, 20_000);
});
