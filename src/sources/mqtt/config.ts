import { z } from 'zod';
import { backoffConfigSchema, deviceDescriptionSchema, nonEmpty } from '../config.js';

/** Named defaults, so docs, schema and source agree on one value. */
export const MQTT_SOURCE_DEFAULTS = {
  protocolVersion: 4,
  clean: true,
  sessionExpirySeconds: 604_800,
  keepaliveSeconds: 30,
  connectTimeoutMs: 10_000,
  healthyMs: 10_000,
  checkOrder: true,
  qos: 0,
  rejectUnauthorized: true,
  maxUnacknowledged: 10_000,
} as const;

/** `mqtt:`, `mqtts:`, `ws:` or `wss:`, as the MQTT sink takes. */
export const mqttUrlSchema = z.url({ protocol: /^(mqtts?|wss?)$/ });

/** `MqttBinding`: a topic filter and what the devices publishing under it send. */
export const mqttBindingSchema = z.strictObject({
  /** A topic filter; `+` and `#` allowed (`plant/+/temp`). */
  topic: nonEmpty,
  /** @default 0 */
  qos: z.union([z.literal(0), z.literal(1)]).default(MQTT_SOURCE_DEFAULTS.qos),
  device: deviceDescriptionSchema,
});

/** `Secret`: read from an environment variable or a file, never written in the config. */
export const secretSchema = z.union([z.strictObject({ env: nonEmpty }), z.strictObject({ file: nonEmpty })]);

/** `BrokerAccess.tls`: PEM files. */
export const tlsSchema = z.strictObject({
  /** @default the system's CAs */
  ca: nonEmpty.optional(),
  cert: nonEmpty.optional(),
  key: nonEmpty.optional(),
  /** @default true */
  rejectUnauthorized: z.boolean().default(MQTT_SOURCE_DEFAULTS.rejectUnauthorized),
});

/**
 * The MQTT source's options without the cross-key check, for schemas that replace a key (the
 * pipeline file's `devices` and optional `url`). `ack`, `scheduler` and `now` are for code only.
 */
export const mqttSourceFields = z.strictObject({
  /** `mqtt://host:1883` or `mqtts://host:8883`. */
  url: mqttUrlSchema,
  /** Topic filters and their devices. */
  subscriptions: z.array(mqttBindingSchema).min(1),
  /** 4: MQTT 3.1.1, 5: MQTT 5. @default 4 */
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(MQTT_SOURCE_DEFAULTS.protocolVersion),
  /** Fixed for a persistent session. @default `recur-` and random hex */
  clientId: nonEmpty.optional(),
  /** false: a persistent session (needs `clientId`). @default true */
  clean: z.boolean().default(MQTT_SOURCE_DEFAULTS.clean),
  /** MQTT 5 with `clean: false`: how long the broker keeps the session after a disconnect. @default 604800 (7 days) */
  sessionExpirySeconds: z.int().nonnegative().default(MQTT_SOURCE_DEFAULTS.sessionExpirySeconds),
  /** @default 30 */
  keepaliveSeconds: z.int().nonnegative().default(MQTT_SOURCE_DEFAULTS.keepaliveSeconds),
  /** @default 10000 */
  connectTimeoutMs: z.int().positive().default(MQTT_SOURCE_DEFAULTS.connectTimeoutMs),
  /** PEM files for TLS; the URL's scheme must be mqtts. */
  tls: tlsSchema.optional(),
  /** `{ env: NAME }` or `{ file: path }`: read at connect time, never logged. */
  username: secretSchema.optional(),
  password: secretSchema.optional(),
  /** @default initial 500 ms, doubling, at most 30 s, full jitter */
  backoff: backoffConfigSchema,
  /** A connection that lasted this long resets the backoff. @default 10000 */
  healthyMs: z.int().nonnegative().default(MQTT_SOURCE_DEFAULTS.healthyMs),
  /** Reject frames older than, or as old as, their stream's last. @default true */
  checkOrder: z.boolean().default(MQTT_SOURCE_DEFAULTS.checkOrder),
  /** With the ingest log: at most this many QoS 1 messages wait for their PUBACK; then reading pauses. @default 10000 */
  maxUnacknowledged: z.int().positive().max(60_000).default(MQTT_SOURCE_DEFAULTS.maxUnacknowledged),
});

/** A persistent session is found by its client id: `clean: false` without one cannot work. */
export function requireClientIdForSession(options: { clean: boolean; clientId?: string }, ctx: z.RefinementCtx): void {
  if (!options.clean && options.clientId === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['clientId'],
      message: 'expected a fixed clientId with clean: false (a persistent session is found by its client id)',
    });
  }
}

export const mqttSourceConfigSchema = mqttSourceFields.superRefine(requireClientIdForSession);

export type MqttSourceConfig = z.output<typeof mqttSourceConfigSchema>;
