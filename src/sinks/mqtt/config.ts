import { z } from 'zod';
import { ErrorCodes, RecurError } from '../../errors.js';
import { parseSinkConfig } from '../config.js';

export const MQTT_DEFAULTS = {
  name: 'mqtt',
  url: 'mqtt://127.0.0.1:1883',
  topic: 'recur/{measurement}/{stream}',
  qos: 1,
  retain: false,
  protocolVersion: 4,
  connectTimeoutMs: 10_000,
  publishTimeoutMs: 10_000,
} as const;

const name = z.string().min(1);

export const mqttConfigSchema = z.strictObject({
  /** Name of this sink in logs and errors. @default 'mqtt' */
  name: name.default(MQTT_DEFAULTS.name),
  /** Broker URL (mqtt:, mqtts:, ws:, wss:). @default 'mqtt://127.0.0.1:1883' */
  url: z.url({ protocol: /^(mqtts?|wss?)$/ }).default(MQTT_DEFAULTS.url),
  /**
   * Topic of each point: `{measurement}` and `{<tag key>}` are filled from the point.
   * @default 'recur/{measurement}/{stream}'
   */
  topic: name.default(MQTT_DEFAULTS.topic),
  /** 0: fire and forget; 1: write() waits for the broker's PUBACK; 2: for PUBCOMP. @default 1 */
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(MQTT_DEFAULTS.qos),
  /** Keep the last value on each topic for late subscribers. @default false */
  retain: z.boolean().default(MQTT_DEFAULTS.retain),
  /** MQTT 3.1.1 (4) or 5. @default 4 */
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(MQTT_DEFAULTS.protocolVersion),
  /** @default 'recur-<name>-<random>' */
  clientId: name.optional(),
  username: name.optional(),
  /** Password, read from this environment variable; never from the config itself. */
  passwordEnv: name.optional(),
  /** How long open() waits for the broker's CONNACK. @default 10000 */
  connectTimeoutMs: z.int().positive().default(MQTT_DEFAULTS.connectTimeoutMs),
  /** How long write() waits for the acknowledgements of a batch before a retryable error. @default 10000 */
  publishTimeoutMs: z.int().positive().default(MQTT_DEFAULTS.publishTimeoutMs),
});

export type MqttSinkOptions = z.input<typeof mqttConfigSchema>;
export type MqttSinkConfig = z.output<typeof mqttConfigSchema>;

export function parseMqttConfig(input: unknown): MqttSinkConfig {
  const config = parseSinkConfig('mqtt', mqttConfigSchema, input);
  const literal = config.topic.replace(/\{[^{}]+\}/g, '');
  if (/[+#{}]/.test(literal) || literal.includes('\0')) {
    throw new RecurError(
      ErrorCodes.CONFIG,
      `sink '${config.name}' options: topic ${JSON.stringify(config.topic)}: expected no wildcard (+, #) or stray brace outside {placeholders}`,
    );
  }
  return config;
}
