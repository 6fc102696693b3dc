import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killRecurChildren, RecurChild, until } from '../helpers/recur-child.js';
import { type MosquittoServer, startMosquitto } from '../helpers/servers.js';

/**
 * A broker that refuses anonymous clients: the dead-letter topic, which defaults to the MQTT
 * source's broker, must log in with the source's credentials (read from the environment and a
 * file, as operators configure them), or its records would be lost at the first connect.
 */
describe('dead-letter topic on a broker with passwords', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recur-dead-access-'));
  let mosquitto: MosquittoServer;
  let reader: MqttClient;
  let recur: RecurChild;
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto({ users: { recur: 'recur-secret', reader: 'reader-secret' } });
    reader = await connect(mosquitto.url, { username: 'reader', password: 'reader-secret' });
    await new Promise<void>((resolve, reject) => {
      reader.once('connect', () => resolve());
      reader.once('error', reject);
    });
    reader.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    await reader.subscribeAsync('recur/dead-letter', { qos: 1 });
    writeFileSync(join(dir, 'password'), 'recur-secret\n');
    writeFileSync(
      join(dir, 'device.yaml'),
      'name: probe\ntopic: plant/+/temp\nstreamSegment: 1\nformat: json\nfields: [v]\ntimestampField: ts\ntimestampUnit: ms\nqos: 1\n',
    );
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(
      file,
      `name: dead-letter-access
sources:
  - type: mqtt
    options: { url: '${mosquitto.url}', devices: ['${join(dir, 'device.yaml')}'], username: { env: RECUR_TEST_MQTT_USER }, password: { file: '${join(dir, 'password')}' } }
model: { path: fixtures/generated/demo-forecaster }
head: { type: forecast, measurement: forecast }
sinks:
  - type: file
    options: { path: '${join(dir, 'out.jsonl')}', format: jsonl }
deadLetter: { file: false, mqtt: { topic: recur/dead-letter } }
http: { port: 0 }
`,
    );
    // The child inherits the environment: the user name comes from there, the password from a file.
    process.env.RECUR_TEST_MQTT_USER = 'recur';
    recur = new RecurChild(file);
    await recur.ready();
  }, 60_000);

  afterAll(async () => {
    killRecurChildren();
    await reader?.endAsync();
    await mosquitto?.stop();
  });

  it("publishes each record with the source's credentials", async () => {
    await reader.publishAsync('plant/p1/temp', 'not json', { qos: 1 });
    await until(() => (received.length > 0 ? true : undefined), 'a dead-letter record on the topic');
    expect(received[0]).toMatchObject({ code: 'RECUR_E_PARSE_JSON', origin: 'plant/p1/temp', payload: 'not json' });
    // Nothing refused along the way: the dead-letter client never logged a failed connect.
    expect(recur.lines().filter((line) => line.target === 'mqtt' && (line.level as number) >= 40)).toEqual([]);
  });
});
