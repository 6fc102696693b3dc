import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYaml } from '../src/daemon/config/load-yaml.js';
import { pipelineSchema } from '../src/daemon/pipeline/schema.js';

const schema = z.strictObject({
  name: z.string(),
  sinks: z.array(z.strictObject({ type: z.enum(['influx', 'stdout']), url: z.url().optional(), batchSize: z.number().int().positive().default(5000) })),
});

describe('YAML configuration', () => {
  it('applies defaults and substitutes ${ENV} in values', () => {
    const config = parseYaml('name: plant\nsinks:\n  - type: influx\n    url: http://${HOST}:${PORT:-8086}\n', 'p.yaml', schema, { HOST: 'db' });
    expect(config.sinks[0]).toEqual({ type: 'influx', url: 'http://db:8086', batchSize: 5000 });
  });

  it('names file, line, key path, expectation and what was found', () => {
    const text = 'name: plant\nsinks:\n  - type: stdout\n  - type: influx\n    batchSize: -3\n';
    expect(() => parseYaml(text, 'pipelines/p.yaml', schema)).toThrow(/pipelines\/p\.yaml:5:16: sinks\[1\]\.batchSize: .*; found number -3/);
  });

  it('rejects unknown keys with their line', () => {
    expect(() => parseYaml('name: plant\nsinks: []\nsnks: []\n', 'p.yaml', schema)).toThrow(/RECUR_E_CONFIG: p\.yaml:3:1: snks: unknown key/);
    expect(() => parseYaml('name: plant\nsinks:\n  - type: stdout\n    colour: red\n', 'p.yaml', schema)).toThrow(
      /p\.yaml:4:5: sinks\[0\]\.colour: unknown key/,
    );
    // Each unknown key gets its own line, also in a flow mapping.
    const both = () => parseYaml('name: plant\nsinks:\n  - { type: stdout, colour: red, size: 3 }\n', 'p.yaml', schema);
    expect(both).toThrow(/p\.yaml:3:21: sinks\[0\]\.colour: unknown key\np\.yaml:3:34: sinks\[0\]\.size: unknown key/);
  });

  it('keeps the dead-letter file unless an mqtt topic takes its place', () => {
    const deadLetter = (text: string) => parseYaml(text, 'p.yaml', pipelineSchema.shape.deadLetter);
    expect(deadLetter('{}\n')).toEqual({ file: '.recur/dead-letter.jsonl' });
    expect(deadLetter('mqtt: {}\n')).toEqual({ file: '.recur/dead-letter.jsonl', mqtt: { topic: 'recur/dead-letter', qos: 1 } });
    expect(deadLetter('file: false\nmqtt: { url: mqtt://b:1883, qos: 0 }\n')).toEqual({
      file: false,
      mqtt: { url: 'mqtt://b:1883', topic: 'recur/dead-letter', qos: 0 },
    });
    expect(() => deadLetter('file: false\n')).toThrow(/p\.yaml:1:7: file: .*file: false needs mqtt/);
  });

  it('reports YAML syntax errors and missing environment variables with the line', () => {
    expect(() => parseYaml('name: plant\nsinks: [\n', 'p.yaml', schema)).toThrow(/p\.yaml:\d+:\d+: not valid YAML/);
    expect(() => parseYaml('name: ${NOPE}\nsinks: []\n', 'p.yaml', schema, {})).toThrow(/p\.yaml:1:7: environment variable NOPE is not set/);
  });
});
