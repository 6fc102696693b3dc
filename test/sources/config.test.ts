import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadYamlFile, parseYaml } from '../../src/daemon/config/load-yaml.js';
import { pipelineSchema } from '../../src/daemon/pipeline/schema.js';
import { pipelineSourceSchema } from '../../src/daemon/pipeline/source-schema.js';
import { sourceConfigSchemas, sources } from '../../src/sources/index.js';
import { DEFAULT_MIC_COMMAND } from '../../src/sources/mic/mic-source.js';

const backoff = { initialMs: 500, maxMs: 30_000, factor: 2 };

/** A pipeline file around one source, for the pipeline schema. */
const pipelineWith = (source: string) => `name: p
sources:
${source}
model: { path: fixtures/generated/demo-forecaster }
head: { type: forecast }
sinks:
  - type: stdout
`;

describe('source config schemas', () => {
  it('cover every source kind', () => {
    expect(Object.keys(sourceConfigSchemas).sort()).toEqual(Object.keys(sources).sort());
  });

  it('mqtt: accepts subscriptions with a device description and fills the defaults', () => {
    const config = sourceConfigSchemas.mqtt.parse({
      url: 'mqtts://broker.example:8883',
      clientId: 'gw-1',
      clean: false,
      tls: { ca: '/etc/ca.pem' },
      password: { env: 'MQTT_PASSWORD' },
      subscriptions: [
        { topic: 'plant/+/temp', device: { format: 'json', fields: ['c'], streamFrom: { kind: 'topic', segment: 1 }, timestampField: 'ts' } },
        { topic: 'telegraf/#', qos: 1, device: { format: 'line-protocol', fields: ['usage_idle'], streamFrom: { kind: 'series', tags: ['host'] } } },
      ],
    });
    expect(config).toEqual({
      url: 'mqtts://broker.example:8883',
      clientId: 'gw-1',
      clean: false,
      tls: { ca: '/etc/ca.pem', rejectUnauthorized: true },
      password: { env: 'MQTT_PASSWORD' },
      subscriptions: [
        {
          topic: 'plant/+/temp',
          qos: 0,
          device: { format: 'json', fields: ['c'], streamFrom: { kind: 'topic', segment: 1 }, timestampField: 'ts', maxBytes: 65_536 },
        },
        {
          topic: 'telegraf/#',
          qos: 1,
          device: { format: 'line-protocol', fields: ['usage_idle'], streamFrom: { kind: 'series', tags: ['host'] }, maxBytes: 65_536 },
        },
      ],
      protocolVersion: 4,
      sessionExpirySeconds: 604_800,
      keepaliveSeconds: 30,
      connectTimeoutMs: 10_000,
      backoff,
      healthyMs: 10_000,
      checkOrder: true,
      maxUnacknowledged: 10_000,
    });
  });

  it('mqtt: a persistent session needs a clientId, and a broker URL is an MQTT URL', () => {
    const subscriptions = [{ topic: 't', device: { format: 'json', fields: ['v'] } }];
    const noId = sourceConfigSchemas.mqtt.safeParse({ url: 'mqtt://h:1883', clean: false, subscriptions });
    expect(noId.error?.issues).toMatchObject([{ path: ['clientId'], message: expect.stringContaining('clean: false') }]);
    const http = sourceConfigSchemas.mqtt.safeParse({ url: 'http://h', subscriptions });
    expect(http.error?.issues).toMatchObject([{ path: ['url'] }]);
  });

  it('file: accepts a CSV replay and fills the defaults; jsonl needs fields', () => {
    const config = sourceConfigSchemas.file.parse({ path: 'data/x.csv', format: 'csv', timestampField: 't', stream: { column: 'sensor' }, speed: 60 });
    expect(config).toEqual({
      path: 'data/x.csv',
      format: 'csv',
      timestampField: 't',
      stream: { column: 'sensor' },
      speed: 60,
      timestampUnit: 'auto',
      follow: false,
      pollMs: 250,
      batch: 1000,
      maxLineBytes: 65_536,
      checkOrder: true,
    });
    const jsonl = sourceConfigSchemas.file.safeParse({ path: 'x.jsonl', format: 'jsonl', timestampField: 't' });
    expect(jsonl.error?.issues).toMatchObject([{ path: ['fields'] }]);
  });

  it('wav: accepts one file or several and fills the defaults', () => {
    expect(sourceConfigSchemas.wav.parse({ path: 'a.wav' })).toEqual({
      path: 'a.wav',
      rate: 16_000,
      hop: 160,
      quality: 'medium',
      startMs: 0,
      speed: 'max',
      batch: 100,
    });
    expect(sourceConfigSchemas.wav.parse({ path: ['a.wav', 'b.wav'], quality: 'hold', stream: 's', speed: 2 })).toMatchObject({
      path: ['a.wav', 'b.wav'],
      quality: 'hold',
    });
    expect(sourceConfigSchemas.wav.safeParse({ path: 'a.wav', quality: 'great' }).error?.issues).toMatchObject([{ path: ['quality'] }]);
  });

  it('mic: every option has a default, the recorder is arecord', () => {
    expect(sourceConfigSchemas.mic.parse({})).toEqual({
      command: [...DEFAULT_MIC_COMMAND],
      sampleRate: 16_000,
      channels: 1,
      hop: 160,
      stream: 'mic',
      restart: true,
      backoff,
      healthyMs: 10_000,
      stallMs: 5000,
      restartOnStall: false,
    });
    expect(sourceConfigSchemas.mic.parse({ command: ['parec'], backoff: { initialMs: 20 } }).backoff).toEqual({ ...backoff, initialMs: 20 });
  });

  it.each([
    ['mqtt', { url: 'mqtt://h:1883', subscriptions: [{ topic: 't', device: { format: 'json', fields: ['v'] } }], topicz: 'x' }, [], 'topicz'],
    ['mqtt', { url: 'mqtt://h:1883', subscriptions: [{ topic: 't', device: { format: 'json', feilds: ['v'] } }] }, ['subscriptions', 0, 'device'], 'feilds'],
    ['file', { path: 'x.csv', format: 'csv', timestampField: 't', folow: true }, [], 'folow'],
    ['wav', { path: 'a.wav', backoff: {} }, [], 'backoff'],
    ['mic', { backoff: { initialMs: 1, jitter: true } }, ['backoff'], 'jitter'],
  ] as const)('%s: refuses an unknown key with its path (case %#)', (kind, options, path, key) => {
    const result = sourceConfigSchemas[kind].safeParse(options);
    expect(result.error?.issues).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'unrecognized_keys', path, keys: [key] })]));
  });
});

describe('source options in a pipeline file', () => {
  it('mqtt: devices instead of subscriptions, and no url (the embedded broker)', () => {
    const source = pipelineSourceSchema.parse({ type: 'mqtt', options: { devices: ['devices/plant-boiler.yaml'], clientId: 'recur-demo' } });
    expect(source).toMatchObject({ type: 'mqtt', options: { devices: ['devices/plant-boiler.yaml'], subscriptions: [], clean: true } });
    expect(source.options).not.toHaveProperty('url');
    const none = pipelineSourceSchema.safeParse({ type: 'mqtt', options: {} });
    expect(none.error?.issues).toMatchObject([{ path: ['options', 'devices'] }]);
  });

  it('the demo pipeline is still valid', () => {
    const config = loadYamlFile(fileURLToPath(new URL('../../pipelines/demo.yaml', import.meta.url)), pipelineSchema);
    expect(config.sources[0]).toMatchObject({ type: 'mqtt', options: { devices: ['devices/plant-boiler.yaml'], clientId: 'recur-demo' } });
  });

  it('names the file, line, column and key path of a misspelled option', () => {
    const text = pipelineWith('  - type: file\n    options:\n      path: x.csv\n      format: csv\n      timestampField: t\n      folow: true\n');
    expect(() => parseYaml(text, 'p.yaml', pipelineSchema)).toThrow(/RECUR_E_CONFIG: p\.yaml:8:7: sources\[0\]\.options\.folow: unknown key/);
    const nested = pipelineWith('  - type: mqtt\n    options:\n      devices: [d.yaml]\n      backoff: { initialMs: 5, maxMS: 10 }\n');
    expect(() => parseYaml(nested, 'p.yaml', pipelineSchema)).toThrow(/p\.yaml:6:32: sources\[0\]\.options\.backoff\.maxMS: unknown key/);
  });

  it('names the source type a pipeline cannot use', () => {
    expect(() => parseYaml(pipelineWith('  - type: kafka\n    options: {}\n'), 'p.yaml', pipelineSchema)).toThrow(/p\.yaml:3:11: sources\[0\]\.type: .*'mqtt'/);
  });
});

describe('sample configs', () => {
  it.each(Object.keys(sourceConfigSchemas))('src/sources/%s/sample.yaml is valid for its source and in a pipeline', (kind) => {
    const text = readFileSync(new URL(`../../src/sources/${kind}/sample.yaml`, import.meta.url), 'utf8');
    const [entry] = parse(text) as { type: keyof typeof sourceConfigSchemas; options: unknown }[];
    expect(entry.type).toBe(kind);
    expect(() => sourceConfigSchemas[entry.type].parse(entry.options)).not.toThrow();
    expect(() => parseYaml(pipelineWith(text.replace(/^/gm, '  ')), `${kind}/sample.yaml`, pipelineSchema)).not.toThrow();
  });
});

describe('recur validate (needs dist: npx tsc -p tsconfig.build.json)', () => {
  const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  const validate = (file: string) => promisify(execFile)(process.execPath, [cli, 'validate', file]);

  it('refuses a misspelled source option, naming file, line and key path', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'recur-validate-')), 'typo.yaml');
    writeFileSync(file, pipelineWith('  - type: mqtt\n    options:\n      devices: [devices/plant-boiler.yaml]\n      clientid: recur-demo\n'));
    const failed = await validate(file).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain(`RECUR_E_CONFIG: ${file}:6:7: sources[0].options.clientid: unknown key`);
  });

  it('accepts the demo pipeline', async () => {
    const { stdout } = await validate('pipelines/demo.yaml');
    expect(stdout).toContain("valid pipeline 'demo'");
  });
});
