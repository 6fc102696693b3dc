import type { MqttClient, Packet } from 'mqtt';
import { corkForThisTurn } from './cork-acks.js';

type SendPacket = (packet: Packet, cb?: (error?: Error) => void, cbStorePut?: unknown, noStore?: boolean) => void;

/**
 * Holds back the PUBACK of a QoS 1 message until the message is durable, without holding up the
 * messages behind it.
 *
 * mqtt.js sends the PUBACK when `handleMessage`'s callback is called and reads the next packet
 * only after that, so waiting for an fsync there would admit one message per fsync. Instead the
 * callback is called at once and the PUBACK it makes is intercepted here (mqtt.js has no public
 * hook for it: this wraps its `_sendPacket`) and sent when the message's durability promise
 * settles. PUBACKs go out in arrival order, as MQTT requires. How many messages may wait
 * unacknowledged is the broker's in-flight window (mosquitto `max_inflight_messages`, MQTT 5
 * Receive Maximum): when acknowledgements stop, the broker stops sending — that is the
 * backpressure.
 */
export class DeferredAcks {
  readonly #send: SendPacket;
  readonly #client: MqttClient;
  /** Message ids whose PUBACK is held, with the connection generation they arrived on. */
  readonly #held = new Map<number, number>();
  /** Settles in arrival order: each PUBACK waits for the one before it. */
  #chain: Promise<void> = Promise.resolve();
  #generation = 0;

  constructor(client: MqttClient) {
    this.#client = client;
    const internal = client as unknown as { _sendPacket: SendPacket };
    this.#send = internal._sendPacket.bind(client);
    internal._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined && this.#held.has(packet.messageId)) {
        // Let mqtt.js go on to the next packet; the PUBACK itself is sent by hold().
        cb?.();
        return;
      }
      this.#send(packet, cb, cbStorePut, noStore);
    };
  }

  /**
   * Call before handing the message's callback to mqtt.js: its PUBACK is sent once `durable`
   * resolves (and every earlier held PUBACK is sent). If `durable` rejects, `onFailure` runs and
   * this and later PUBACKs of the connection are not sent (the broker redelivers them).
   */
  hold(messageId: number, durable: Promise<void>, onFailure: (error: unknown) => void): void {
    const generation = this.#generation;
    this.#held.set(messageId, generation);
    // Handled in the chain below, maybe later: keep Node from calling the rejection unhandled meanwhile.
    durable.catch(() => undefined);
    this.#chain = this.#chain.then(async () => {
      try {
        await durable;
      } catch (error) {
        if (this.#generation === generation) {
          this.#generation++;
          onFailure(error);
        }
      }
      if (this.#held.get(messageId) !== generation) return;
      this.#held.delete(messageId);
      if (this.#generation === generation && this.#client.connected) {
        // One group commit releases many PUBACKs: let them share a write.
        corkForThisTurn(this.#client.stream);
        this.#send({ cmd: 'puback', messageId } as Packet);
      }
    });
  }

  /** The connection closed: held PUBACKs belong to it and are dropped (the broker redelivers those messages). */
  reset(): void {
    this.#generation++;
    this.#held.clear();
  }
}
