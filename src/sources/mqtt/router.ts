import type { RecurError } from '../../errors.js';
import { parsers } from '../parsers/index.js';
import { parsePcm16, SampleClock } from '../parsers/pcm.js';
import { failed, type Parsed } from '../parsers/result.js';
import type { DeviceDescription } from '../types.js';
import { topicMatches } from './topic.js';

/** A topic filter and what the devices publishing under it send. */
export interface MqttBinding {
  /** A topic filter; `+` and `#` allowed (`plant/+/temp`). */
  readonly topic: string;
  /** @default 0 */
  readonly qos?: 0 | 1;
  /** Payload format and fields. Stream id: `{ kind: 'topic', segment }` for a topic level; @default the whole topic */
  readonly device: DeviceDescription;
}

/**
 * Turns an MQTT message into frames: finds the binding whose filter matches the topic (first
 * wins), resolves the stream id from the topic, parses the payload with the device's format.
 * PCM payloads get a running sample clock per stream.
 */
export class MqttRouter {
  readonly #bindings: readonly MqttBinding[];
  readonly #clocks = new Map<string, SampleClock>();

  constructor(bindings: readonly MqttBinding[]) {
    this.#bindings = bindings;
  }

  route(topic: string, payload: Buffer, now: number): Parsed {
    const binding = this.#bindings.find((candidate) => topicMatches(candidate.topic, topic));
    if (!binding) {
      return failed('RECUR_E_UNKNOWN_TOPIC', `expected a topic matching ${this.#bindings.map((b) => b.topic).join(' or ')}, received '${topic}'`);
    }
    const { device } = binding;
    const stream = streamFromTopic(topic, device);
    if (typeof stream !== 'string') return { frames: [], errors: [stream] };
    if (device.format === 'pcm16le') {
      let clock = this.#clocks.get(stream);
      if (!clock) {
        clock = new SampleClock(device.sampleRate ?? 16_000);
        this.#clocks.set(stream, clock);
      }
      return parsePcm16(payload, device, { now, stream }, clock);
    }
    return parsers[device.format](payload, device, { now, stream });
  }

  /** After a reconnect, audio clocks start again from the next arrival: the gap is real time. */
  resetClocks(): void {
    this.#clocks.clear();
  }
}

function streamFromTopic(topic: string, device: DeviceDescription): string | RecurError {
  if (device.streamFrom?.kind !== 'topic') return topic;
  const levels = topic.split('/');
  const level = levels[device.streamFrom.segment];
  if (level === undefined || level === '') {
    return failed(
      'RECUR_E_UNKNOWN_TOPIC',
      `expected a non-empty level ${device.streamFrom.segment} (0-based) in topic '${topic}', received ${levels.length} levels`,
    ).errors[0];
  }
  return level;
}
