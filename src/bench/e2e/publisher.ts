/**
 * The load of `recur bench e2e`, run as its own process (forked, config as JSON in argv[2]) so
 * its CPU is measured apart from recur's: N streams on topics `<prefix>/s<i>`, one JSON frame per
 * message `{"t": <publish time, ms>, "value": x}`, at a fixed total rate (after a ramp), round robin over the
 * streams in bursts every TICK_MS. The timestamp is the wall clock at publish time, made strictly
 * increasing per stream (+1 us when a stream gets two frames in one millisecond, which recur
 * would otherwise refuse as a duplicate timestamp).
 */
import mqtt from 'mqtt';
import type { FromPublisher, PublisherConfig, PublisherCount, ToPublisher } from './publisher-protocol.js';

const TICK_MS = 10;
/** A late tick publishes at most this many ticks' frames; the rest of its due is skipped, not bunched into a burst. */
const CATCH_UP_TICKS = 2;
/** Socket bytes not yet taken by the broker, beyond which a tick is skipped (the broker is the limit then). */
const MAX_UNSENT_BYTES = 8 << 20;
/** QoS 1 frames awaiting PUBACK, beyond which a tick is skipped (message ids are 16 bits). */
const MAX_UNACKED = 30_000;

const config = JSON.parse(process.argv[2] ?? '{}') as PublisherConfig;
const send = (message: FromPublisher) => process.send?.(message);

/** A slow wave per stream, as text once: formatting numbers per frame would cost more than publishing them. */
const VALUES = Array.from({ length: 97 }, (_, i) => (Math.sin((2 * Math.PI * i) / 97) * 0.8).toFixed(4));

async function main(): Promise<void> {
  // A persistent session (bench soak): mqtt.js keeps unacknowledged QoS 1 messages across a
  // reconnect and resends them in order, and queues what is published while the broker is away.
  const persistent = config.clientId !== undefined;
  const client = await mqtt.connectAsync(
    config.url,
    persistent
      ? { clientId: config.clientId, clean: false, reconnectPeriod: 250 }
      : { clientId: `recur-bench-pub-${process.pid}`, reconnectPeriod: 0, clean: true },
  );
  const topics = Array.from({ length: config.streams }, (_, i) => `${config.prefix}/s${i}`);
  const last = new Float64Array(config.streams);
  const options = { qos: config.qos } as const;
  let published = 0;
  let acked = 0;
  let skipped = 0;
  let began = 0;
  let timer: NodeJS.Timeout | undefined;
  const onAck = (error?: Error) => {
    if (error) send({ type: 'error', message: error.message });
    else acked++;
  };
  const count = (): PublisherCount => ({ published, acked: config.qos === 0 ? published : acked, skipped });

  const publish = (n: number) => {
    const wall = Date.now();
    for (let k = 0; k < n; k++) {
      const s = published % config.streams;
      const t = wall > last[s] ? wall : last[s] + 0.001;
      last[s] = t;
      const value = VALUES[(Math.floor(published / config.streams) + s) % VALUES.length];
      client.publish(topics[s], `{"t":${t},"value":${value}}`, options, config.qos === 1 ? onAck : undefined);
      published++;
    }
  };

  // The schedule: the rate ramps up linearly over rampSeconds (a cold recur JIT-compiles as the
  // load grows instead of facing all of it at once), then holds. What a tick cannot publish is
  // skipped, not owed later.
  const ramp = config.rampSeconds;
  const scheduled = (seconds: number) => config.rate * (seconds < ramp ? (seconds * seconds) / (2 * ramp) : seconds - ramp / 2);
  const tick = () => {
    const owed = Math.floor(scheduled((performance.now() - began) / 1000)) - skipped - published;
    const unsent = client.stream.writableLength;
    const unacked = config.qos === 1 ? published - acked : 0;
    const allowed = unsent <= MAX_UNSENT_BYTES && unacked <= MAX_UNACKED ? Math.ceil((config.rate * TICK_MS * CATCH_UP_TICKS) / 1000) : 0;
    const n = Math.max(0, Math.min(owed, allowed));
    skipped += Math.max(0, owed - n);
    publish(n);
    timer = setTimeout(tick, Math.max(0, TICK_MS - ((performance.now() - began) % TICK_MS)));
  };

  process.on('message', (message: ToPublisher) => {
    if (message.cmd === 'prime') {
      // One frame per stream before the timed load: recur creates each stream's state and influxd its series.
      publish(config.streams);
      send({ type: 'primed', ...count() });
    } else if (message.cmd === 'start') {
      began = performance.now();
      tick();
    } else if (message.cmd === 'count') {
      send({ type: 'count', ...count() });
    } else if (message.cmd === 'stop') {
      clearTimeout(timer);
      // Wait for the broker to take (QoS 0) or acknowledge (QoS 1) what was published.
      const settle = async () => {
        const deadline = Date.now() + 30_000;
        while ((client.stream.writableLength > 0 || (config.qos === 1 && acked < published)) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await client.endAsync();
        process.send?.({ type: 'stopped', ...count() } satisfies FromPublisher, () => process.exit(0));
      };
      void settle();
    }
  });
  // A persistent session rides out connection errors (the broker restarting): it reconnects.
  client.on('error', (error) => {
    if (!persistent) send({ type: 'error', message: error.message });
  });
  // The bench went away (killed, interrupted): stop publishing into a broker nobody reads.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
