import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSecret, redactUrl } from '../../src/sources/mqtt/credentials.js';
import { MqttRouter } from '../../src/sources/mqtt/router.js';
import { topicMatches } from '../../src/sources/mqtt/topic.js';
import { Backoff } from '../../src/util/backoff.js';

describe('topicMatches', () => {
  it.each([
    ['plant/+/temp', 'plant/a/temp', true],
    ['plant/+/temp', 'plant/a/b/temp', false],
    ['plant/#', 'plant', true],
    ['plant/#', 'plant/a/b', true],
    ['#', '$SYS/broker/uptime', false],
    ['$share/g/plant/+', 'plant/a', true],
    ['plant/a', 'plant/a/b', false],
  ])('%s against %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('MqttRouter', () => {
  const router = new MqttRouter([
    { topic: 'plant/+/temp', device: { format: 'json', fields: ['c'], streamFrom: { kind: 'topic', segment: 1 } } },
    { topic: 'audio/+', device: { format: 'pcm16le', fields: [], sampleRate: 1000, streamFrom: { kind: 'topic', segment: 1 } } },
  ]);

  it('routes by topic, names the stream by segment and rejects topics no device claims', () => {
    expect(router.route('plant/a/temp', Buffer.from('{"c": 1}'), 5).frames).toEqual([{ stream: 'a', t: 5, values: new Float32Array([1]) }]);
    expect(router.route('other/x', Buffer.from('{}'), 5).errors.map((e) => e.code)).toEqual(['RECUR_E_UNKNOWN_TOPIC']);
  });

  it('runs a sample clock per PCM stream', () => {
    const chunk = Buffer.alloc(20);
    const ts = [router.route('audio/l', chunk, 100), router.route('audio/l', chunk, 150), router.route('audio/r', chunk, 150)].map((p) => p.frames[0].t);
    expect(ts).toEqual([100, 110, 150]);
  });
});

describe('Backoff', () => {
  it('draws uniformly below a ceiling that doubles up to the maximum, and resets', () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => top.next())).toEqual([99, 199, 399, 799, 999, 999]);
    top.reset();
    expect(top.next()).toBe(99);
    expect(new Backoff({ random: () => 0 }).next()).toBe(0);
  });
});

describe('credentials', () => {
  it('reads secrets from the environment or a file and names only the source in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recur-secret-'));
    try {
      writeFileSync(join(dir, 'pw'), 'hunter2\n');
      expect(readSecret({ file: join(dir, 'pw') }, 'mqtt password')).toBe('hunter2');
      process.env.RECUR_TEST_SECRET = 's3';
      expect(readSecret({ env: 'RECUR_TEST_SECRET' }, 'mqtt password')).toBe('s3');
      delete process.env.RECUR_TEST_SECRET;
      expect(() => readSecret({ env: 'RECUR_TEST_SECRET' }, 'mqtt password')).toThrow(/RECUR_E_CONFIG.*RECUR_TEST_SECRET/);
      expect(redactUrl('mqtt://user:pw@host:1883')).toBe('mqtt://redacted:redacted@host:1883');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
