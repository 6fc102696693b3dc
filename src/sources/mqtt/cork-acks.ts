import type { Duplex } from 'node:stream';

const pending = new WeakSet<Duplex>();
const watched = new WeakSet<Duplex>();

/**
 * Holds the socket's writes until the next turn of the event loop, so the PUBACKs of one read
 * (or of one group commit) leave in one write. mqtt.js writes each acknowledgement as its own
 * packet; at tens of thousands of QoS 1 messages a second, a write per message was the largest
 * cost in recur's profile (about a quarter of its CPU).
 */
export function corkForThisTurn(stream: Duplex): void {
  if (pending.has(stream) || stream.destroyed) return;
  pending.add(stream);
  stream.cork();
  setImmediate(() => {
    pending.delete(stream);
    if (!stream.destroyed) stream.uncork();
  });
}

/** Corks on every read of `stream`. Call on every connect: mqtt.js opens a new stream each time. */
export function corkAcksPerRead(stream: Duplex): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on('data', () => corkForThisTurn(stream));
}
