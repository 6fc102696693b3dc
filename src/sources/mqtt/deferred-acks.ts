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
 *
 * While acknowledgements flow, mosquitto does not keep to that window (hundreds to tens of
 * thousands were seen waiting in an overload), and past 65,535 it reuses the ids of messages whose
 * PUBACK is still held: an old message's PUBACK would then acknowledge a new one before its fsync.
 * So at `maxHeld` waiting PUBACKs mqtt.js is told to read on only once one has been sent.
 */
export class DeferredAcks {
  readonly #send: SendPacket;
  readonly #client: MqttClient;
  /** Message ids whose PUBACK is held, with the connection generation they arrived on. */
  readonly #held = new Map<number, number>();
  /** Ids whose PUBACK mqtt.js will still try to send itself (when told to read on): dropped, ours goes out instead. */
  readonly #fromLibrary = new Set<number>();
  readonly #maxHeld: number;
  /** The newest link of the chain: messages held with the same durability promise join it. */
  #group: { readonly durable: Promise<void>; readonly generation: number; readonly ids: number[] } | undefined;
  /** mqtt.js' "read on" for the message that reached `maxHeld`, with its generation. */
  #paused: { readonly generation: number; readonly readOn: () => void } | undefined;
  /** Settles in arrival order: each PUBACK waits for the one before it. */
  #chain: Promise<void> = Promise.resolve();
  #generation = 0;

  constructor(client: MqttClient, maxHeld: number) {
    this.#client = client;
    this.#maxHeld = maxHeld;
    const internal = client as unknown as { _sendPacket: SendPacket };
    this.#send = internal._sendPacket.bind(client);
    internal._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined && this.#fromLibrary.delete(packet.messageId)) {
        // Let mqtt.js go on to the next packet; the PUBACK itself is sent by hold().
        cb?.();
        return;
      }
      this.#send(packet, cb, cbStorePut, noStore);
    };
  }

  /**
   * Takes over a message's PUBACK: it is sent once `durable` resolves (and every earlier held
   * PUBACK is sent). If `durable` rejects, `onFailure` runs and this and later PUBACKs of the
   * connection are not sent (the broker redelivers them). `readOn` is mqtt.js' message callback:
   * called at once, or, with `maxHeld` PUBACKs waiting, once one of them is sent.
   */
  hold(messageId: number, durable: Promise<void>, onFailure: (error: unknown) => void, readOn: () => void): void {
    const generation = this.#generation;
    this.#held.set(messageId, generation);
    this.#fromLibrary.add(messageId);
    if (this.#held.size < this.#maxHeld) readOn();
    else this.#paused = { generation, readOn };
    // The messages of one socket read share one durability promise (see DurableIntake.acknowledge):
    // they join one link of the chain instead of costing a few promises each.
    const group = this.#group;
    if (group && group.durable === durable && group.generation === generation) {
      group.ids.push(messageId);
      return;
    }
    const ids = [messageId];
    this.#group = { durable, generation, ids };
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
      if (this.#group?.ids === ids) this.#group = undefined;
      const send = this.#generation === generation && this.#client.connected;
      // One group commit releases many PUBACKs: let them share a write.
      if (send) corkForThisTurn(this.#client.stream);
      for (const id of ids) {
        if (this.#held.get(id) !== generation) continue;
        this.#held.delete(id);
        if (send) this.#send({ cmd: 'puback', messageId: id } as Packet);
      }
      this.#readOnIfRoom();
    });
  }

  /** How many PUBACKs wait for their message to be durable. */
  get held(): number {
    return this.#held.size;
  }

  #readOnIfRoom(): void {
    const paused = this.#paused;
    if (!paused || this.#held.size >= this.#maxHeld) return;
    this.#paused = undefined;
    if (paused.generation === this.#generation) paused.readOn();
  }

  /** The connection closed: held PUBACKs belong to it and are dropped (the broker redelivers those messages). */
  reset(): void {
    this.#generation++;
    this.#held.clear();
    this.#fromLibrary.clear();
    // A paused message's callback belongs to the closed connection: calling it could send a
    // PUBACK with its id on the next one.
    this.#paused = undefined;
  }
}
