// Does mosquitto redeliver every QoS 1 message a SIGKILLed subscriber never acknowledged?
// Isolates the broker from recur: a subscriber child holds PUBACKs with recur's own DeferredAcks
// (released `ackDelayMs` later, after the message is appended to a file), is killed at a random
// moment under a steady load, and a second subscriber takes over the persistent session. The
// first one's acknowledged messages plus the second one's must be every message published.
//
//   node scripts/check-broker-redelivery.mjs [runs=10] [--slow]    (after npm run build)
//
// --slow: the subscriber blocks its event loop 300 ms of every 500 and payloads are 4 KB, so
// socket buffers fill and mosquitto has packets queued when the kill lands. Prints one JSON line
// per run; exits 1 when any message went missing.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';

const TOPIC = 'check/+/v';
const STREAMS = 100;
const ROUNDS = 60;
const ROUND_MS = 100;

if (process.argv[2] === 'subscriber') subscriber(...process.argv.slice(3));
else await main();

async function subscriber(url, clientId, file, ackDelayMs, slow) {
  const { DeferredAcks } = await import('../dist/sources/mqtt/deferred-acks.js');
  const client = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 300 });
  const acks = new DeferredAcks(client, 10_000);
  client.handleMessage = (packet, done) => {
    const key = packet.payload.toString().split(' ')[0];
    const durable = new Promise((resolve) =>
      setTimeout(() => {
        appendFileSync(file, `${key}${packet.dup ? ' dup' : ''}\n`);
        resolve();
      }, Number(ackDelayMs)),
    );
    acks.hold(packet.messageId, durable, () => {}, done);
  };
  if (slow === 'slow') {
    setInterval(() => {
      const end = Date.now() + 300;
      while (Date.now() < end);
    }, 500);
  }
  client.on('connect', () => client.subscribe({ [TOPIC]: { qos: 1 } }, () => console.log('subscribed')));
}

function startSubscriber(url, clientId, file, ackDelayMs, slow) {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, 'subscriber', url, clientId, file, String(ackDelayMs), slow ? 'slow' : ''], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', () => resolve(child));
  });
}

async function main() {
  const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 10);
  const slow = process.argv.includes('--slow');
  const { startMosquitto } = await import('../dist/testing/servers.js');
  const broker = await startMosquitto();
  const dir = mkdtempSync(join(tmpdir(), 'recur-redelivery-'));
  const padding = slow ? ` ${'x'.repeat(4000)}` : '';
  let lostInAll = 0;
  for (let run = 0; run < runs; run++) {
    const id = `check-${run}`;
    const files = [join(dir, `${run}-first.txt`), join(dir, `${run}-second.txt`)];
    const first = await startSubscriber(broker.url, id, files[0], 8, slow);
    const publisher = mqtt.connect(broker.url, { clientId: `publisher-${run}`, clean: false });
    await new Promise((resolve) => publisher.once('connect', resolve));
    const killAt = 1500 + Math.random() * 3000;
    let second;
    setTimeout(() => {
      first.kill('SIGKILL');
      second = new Promise((resolve) => setTimeout(() => resolve(startSubscriber(broker.url, id, files[1], 0, false)), 200));
    }, killAt);
    const acked = [];
    const start = Date.now();
    for (let k = 0; k < ROUNDS; k++) {
      const wait = start + k * ROUND_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      for (let s = 0; s < STREAMS; s++) acked.push(publisher.publishAsync(`check/${s}/v`, `${k}:${s}${padding}`, { qos: 1 }));
    }
    await Promise.all(acked);
    await publisher.endAsync();
    const taker = await second;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    taker.kill('SIGKILL');
    const got = new Set();
    let dups = 0;
    for (const file of files) {
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line === '') continue;
        const [key, dup] = line.split(' ');
        got.add(key);
        if (dup) dups++;
      }
    }
    const missing = [];
    for (let k = 0; k < ROUNDS; k++) for (let s = 0; s < STREAMS; s++) if (!got.has(`${k}:${s}`)) missing.push(`${k}:${s}`);
    lostInAll += missing.length;
    console.log(
      JSON.stringify({
        run,
        killAtMs: Math.round(killAt),
        received: got.size,
        redeliveredWithDup: dups,
        missing: missing.length,
        firstMissing: missing.slice(0, 5),
      }),
    );
  }
  await broker.stop();
  process.exit(lostInAll === 0 ? 0 : 1);
}
