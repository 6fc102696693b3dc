import { z } from 'zod';
import type { MqttBinding } from '../../sources/index.js';

/** devices/*.yaml: what a device emits and how to simulate it. */
export const deviceSchema = z.strictObject({
  name: z.string().min(1),
  /** MQTT topic filter the device publishes on; `+` stands for the stream id segment. */
  topic: z.string().min(1),
  /** Which topic level (0-based) is the stream id. */
  streamSegment: z.number().int().min(0),
  format: z.enum(['json', 'line-protocol', 'csv', 'pcm16le']),
  /** The values of a frame, in order (JSON keys, line-protocol fields, CSV columns). */
  fields: z.array(z.string().min(1)).min(1),
  timestampField: z.string().min(1).optional(),
  timestampUnit: z.enum(['iso', 's', 'ms', 'us', 'ns', 'auto']).optional(),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  /** Unit of each field, for people and dashboards. */
  units: z.record(z.string(), z.string()).default({}),
  sampleRate: z.number().int().positive().optional(),
  channels: z.number().int().positive().optional(),
  /** Larger payloads are dead-lettered as PAYLOAD_TOO_LARGE before parsing. @default 65536 */
  maxBytes: z.number().int().positive().optional(),
  /** How `recur simulate` makes realistic frames for this device. */
  simulate: z
    .strictObject({
      /** Samples per daily cycle. @default 96 */
      period: z.number().int().positive().default(96),
      amplitude: z.number().positive().default(1),
      noise: z.number().min(0).default(0.05),
      offset: z.number().default(0),
      /** Chance per sample of a fault (a spike of 5 amplitudes). @default 0.002 */
      faultProbability: z.number().min(0).max(1).default(0.002),
    })
    .default({ period: 96, amplitude: 1, noise: 0.05, offset: 0, faultProbability: 0.002 }),
});

export type DeviceConfig = z.output<typeof deviceSchema>;

/** The MQTT source's view of a device: the topic filter, QoS and payload description. */
export function deviceBinding(device: DeviceConfig): MqttBinding {
  return {
    topic: device.topic,
    qos: device.qos,
    device: {
      format: device.format,
      fields: device.fields,
      streamFrom: { kind: 'topic', segment: device.streamSegment },
      timestampField: device.timestampField,
      timestampUnit: device.timestampUnit,
      sampleRate: device.sampleRate,
      channels: device.channels,
      maxBytes: device.maxBytes,
    },
  };
}

/** The concrete topic of one simulated stream: the filter with the stream id at its segment. */
export function deviceTopic(device: DeviceConfig, stream: string): string {
  return device.topic
    .split('/')
    .map((level, i) => (i === device.streamSegment ? stream : level))
    .join('/');
}
