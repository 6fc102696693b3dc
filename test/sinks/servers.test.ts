import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startInfluxd, startMosquitto, tcpOpen } from '../helpers/servers.js';

const run = promisify(execFile);

/** Runs a client to its end; mosquitto_sub's -W timeout exits non-zero, which is fine here. */
async function client(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { timeout: 20_000 })).stdout;
  } catch (error) {
    return (error as { stdout?: string }).stdout ?? '';
  }
}

describe('test servers', () => {
  it('mosquitto keeps a persistent session and its queued QoS 1 message across restart()', async () => {
    const broker = await startMosquitto();
    try {
      const sub = ['-h', '127.0.0.1', '-p', String(broker.port), '-i', 'durable', '-c', '-q', '1', '-t', 'keep/x'];
      await client('mosquitto_sub', [...sub, '-W', '1']);
      await client('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', 'keep/x', '-m', 'queued while away']);
      await broker.restart();
      expect(await client('mosquitto_sub', [...sub, '-C', '1', '-W', '10'])).toBe('queued while away\n');
    } finally {
      await broker.stop();
    }
    expect(await tcpOpen(broker.port)).toBe(false);
  });

  it('influxd keeps its data across stop() and start()', async () => {
    const server = await startInfluxd();
    try {
      await server.query('', 'CREATE DATABASE keep');
      const write = await fetch(`${server.url}/write?db=keep`, { method: 'POST', body: 'm v=42 1000000000' });
      expect(write.status).toBe(204);
      await server.stop();
      expect(await tcpOpen(server.port)).toBe(false);
      await server.start();
      expect(await server.query('keep', 'SELECT v FROM m')).toMatchObject({ results: [{ series: [{ values: [['1970-01-01T00:00:01Z', 42]] }] }] });
    } finally {
      await server.dispose();
    }
    expect(await tcpOpen(server.port)).toBe(false);
  });
});
