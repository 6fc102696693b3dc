import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYaml } from '../src/daemon/config/load-yaml.js';

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
    expect(() => parseYaml('name: plant\nsinks: []\nsnks: []\n', 'p.yaml', schema)).toThrow(/RECUR_E_CONFIG: p\.yaml:1:1: \(top level\): unknown key\(s\) snks/);
    expect(() => parseYaml('name: plant\nsinks:\n  - type: stdout\n    colour: red\n', 'p.yaml', schema)).toThrow(/p\.yaml:3:5: sinks\[0\]: unknown key\(s\) colour/);
  });

  it('reports YAML syntax errors and missing environment variables with the line', () => {
    expect(() => parseYaml('name: plant\nsinks: [\n', 'p.yaml', schema)).toThrow(/p\.yaml:\d+:\d+: not valid YAML/);
    expect(() => parseYaml('name: ${NOPE}\nsinks: []\n', 'p.yaml', schema, {})).toThrow(/p\.yaml:1:7: environment variable NOPE is not set/);
  });
});
