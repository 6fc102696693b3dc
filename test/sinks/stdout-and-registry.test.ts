import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ErrorCodes, isRecurError } from '../../src/errors.js';
import { createSink, FileSink, InfluxSink, MqttSink, StdoutSink, sinkFactories } from '../../src/sinks/index.js';
import { fullJitter } from '../../src/util/backoff.js';
import { thrown } from '../helpers/thrown.js';

describe('StdoutSink', () => {
  it('prints one readable line per point', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const sink = new StdoutSink({ digits: 4 }, out);
    await sink.open();
    await sink.write([
      { measurement: 'forecast', tags: { stream: 'pump-1' }, fields: { value: 0.123456, alarm: false, n: 3 }, t: Date.UTC(2024, 4, 1, 12) },
      { measurement: 'events', tags: { stream: 'mic 2' }, fields: { word: 'go "now"' }, t: Date.UTC(2024, 4, 1, 12, 0, 1) },
    ]);
    await sink.close();
    expect(text).toBe(
      '2024-05-01T12:00:00.000Z forecast stream=pump-1 value=0.1235 alarm=false n=3\n2024-05-01T12:00:01.000Z events stream="mic 2" word="go \\"now\\""\n',
    );
  });
});

describe('sink registry', () => {
  it('maps each name to its sink', () => {
    expect(Object.keys(sinkFactories).sort()).toEqual(['file', 'influx', 'mqtt', 'stdout']);
    expect(createSink('influx', { database: 'x' })).toBeInstanceOf(InfluxSink);
    expect(createSink('mqtt', {})).toBeInstanceOf(MqttSink);
    expect(createSink('file', { path: '/tmp/x' })).toBeInstanceOf(FileSink);
    expect(createSink('stdout', undefined)).toBeInstanceOf(StdoutSink);
  });

  it('refuses an unknown sink and unknown or invalid options with CONFIG errors that say what was expected', () => {
    const unknown = thrown(() => createSink('kafka', {}));
    expect(isRecurError(unknown, ErrorCodes.CONFIG)).toBe(true);
    expect((unknown as Error).message).toContain('expected one of influx, mqtt, file, stdout');
    expect(
      isRecurError(
        thrown(() => createSink('toString', {})),
        ErrorCodes.CONFIG,
      ),
    ).toBe(true);

    const extra = thrown(() => createSink('influx', { database: 'x', batchsize: 10 }));
    expect(isRecurError(extra, ErrorCodes.CONFIG)).toBe(true);
    expect((extra as Error).message).toContain('batchsize');

    const bad = thrown(() => createSink('mqtt', { qos: 3 }));
    expect((bad as Error).message).toContain('qos');
    expect(
      isRecurError(
        thrown(() => createSink('mqtt', { topic: 'recur/+/x' })),
        ErrorCodes.CONFIG,
      ),
    ).toBe(true);
    expect(
      isRecurError(
        thrown(() => createSink('influx', {})),
        ErrorCodes.CONFIG,
      ),
    ).toBe(true);
  });

  it('reads the InfluxDB password from the environment and never puts it in errors or config', async () => {
    const sink = new InfluxSink({ database: 'x', username: 'u', passwordEnv: 'RECUR_TEST_INFLUX_PASSWORD' });
    const missing = await sink.open().catch((e: unknown) => e);
    expect(isRecurError(missing, ErrorCodes.CONFIG)).toBe(true);
    expect((missing as Error).message).toContain('RECUR_TEST_INFLUX_PASSWORD');
    process.env.RECUR_TEST_INFLUX_PASSWORD = 'hunter2';
    try {
      await sink.open();
      expect(JSON.stringify(sink)).not.toContain('hunter2');
      expect(JSON.stringify(sink.config)).not.toContain('hunter2');
    } finally {
      delete process.env.RECUR_TEST_INFLUX_PASSWORD;
    }
  });
});

describe('sample configs', () => {
  it.each(['influx', 'mqtt', 'file'])('src/sinks/%s/sample.yaml is valid for its sink', async (kind) => {
    const text = await readFile(new URL(`../../src/sinks/${kind}/sample.yaml`, import.meta.url), 'utf8');
    const [entry] = parse(text) as { type: string; options: unknown }[];
    expect(entry.type).toBe(kind);
    expect(() => createSink(entry.type, entry.options)).not.toThrow();
  });
});

describe('fullJitter', () => {
  it('draws below min(cap, base * 2^attempt)', () => {
    const options = { baseMs: 100, capMs: 1_000 };
    expect([0, 1, 2, 3, 10, 100].map((attempt) => fullJitter(attempt, options, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(fullJitter(5, options, () => 0)).toBe(0);
  });
});
