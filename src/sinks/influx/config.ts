import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ErrorCodes, RecurError } from '../../errors.js';
import { parseSinkConfig } from '../config.js';

/** Named defaults, so docs, schema and tests agree on one value. */
export const INFLUX_DEFAULTS = {
  name: 'influx',
  url: 'http://127.0.0.1:8086',
  createDatabase: false,
  batchSize: 5000,
  flushIntervalMs: 0,
  maxRetries: 10,
  backoffBaseMs: 250,
  backoffCapMs: 5_000,
  requestTimeoutMs: 10_000,
  deadLetterFile: '.recur/dead-letter/influx.jsonl',
} as const;

const name = z.string().min(1);

export const influxConfigSchema = z.strictObject({
  /** Name of this sink in logs and dead-letter records. @default 'influx' */
  name: name.default(INFLUX_DEFAULTS.name),
  /** Base URL of InfluxDB 1.x's HTTP API. @default 'http://127.0.0.1:8086' */
  url: z.url({ protocol: /^https?$/ }).default(INFLUX_DEFAULTS.url),
  /** Database to write to. */
  database: name,
  /** Retention policy to write to. @default the database's default policy */
  retentionPolicy: name.optional(),
  /** User name, as text (not a secret) or read from an environment variable. */
  username: name.optional(),
  usernameEnv: name.optional(),
  /** Password, read from an environment variable or a file (first line); never from the config itself. */
  passwordEnv: name.optional(),
  passwordFile: name.optional(),
  /** Runs CREATE DATABASE (idempotent) before the first write. @default false */
  createDatabase: z.boolean().default(INFLUX_DEFAULTS.createDatabase),
  /** A batch is sent as soon as it holds this many points. @default 5000 */
  batchSize: z.int().positive().default(INFLUX_DEFAULTS.batchSize),
  /**
   * ...or this long after its first point arrived. The daemon batches already (a pipeline sink's
   * batchSize and flushMs), so by default each write is sent at once; waiting here as well made
   * every batch wait a second, which capped a sink at one batch per second. @default 0
   */
  flushIntervalMs: z.int().nonnegative().default(INFLUX_DEFAULTS.flushIntervalMs),
  /** Retries of a batch after a 5xx, a network error or a timeout before write() rejects. @default 10 */
  maxRetries: z.int().nonnegative().default(INFLUX_DEFAULTS.maxRetries),
  /** Ceiling of the first retry's random delay; doubles each retry. @default 250 */
  backoffBaseMs: z.int().positive().default(INFLUX_DEFAULTS.backoffBaseMs),
  /** Largest ceiling of a retry's random delay: also how long a write may lag behind InfluxDB coming back. @default 5000 */
  backoffCapMs: z.int().positive().default(INFLUX_DEFAULTS.backoffCapMs),
  /** One HTTP request's time limit. @default 10000 */
  requestTimeoutMs: z.int().positive().default(INFLUX_DEFAULTS.requestTimeoutMs),
  /** JSON-lines file that receives what InfluxDB refused (4xx) and points that cannot be encoded. @default '.recur/dead-letter/influx.jsonl' */
  deadLetterFile: name.default(INFLUX_DEFAULTS.deadLetterFile),
  /** Measurement -> fields written as integers; every other number is a float. @default {} */
  integerFields: z.record(name, z.array(name)).default({}),
});

export type InfluxSinkOptions = z.input<typeof influxConfigSchema>;
export type InfluxSinkConfig = z.output<typeof influxConfigSchema>;

export function parseInfluxConfig(input: unknown): InfluxSinkConfig {
  const config = parseSinkConfig('influx', influxConfigSchema, input);
  if (config.username !== undefined && config.usernameEnv !== undefined) {
    throw new RecurError(ErrorCodes.CONFIG, `sink '${config.name}' options: expected username or usernameEnv, received both`);
  }
  if (config.passwordEnv !== undefined && config.passwordFile !== undefined) {
    throw new RecurError(ErrorCodes.CONFIG, `sink '${config.name}' options: expected passwordEnv or passwordFile, received both`);
  }
  return config;
}

/**
 * The Basic authorization header, read from the environment or file at open (so a rotated
 * password file is picked up on restart). Errors name the variable or file, never the value.
 */
export function readAuthorization(config: InfluxSinkConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = (variable: string, what: string) => {
    const value = env[variable];
    if (value === undefined || value === '') {
      throw new RecurError(ErrorCodes.CONFIG, `sink '${config.name}': expected the ${what} in environment variable ${variable}, which is not set`);
    }
    return value;
  };
  const username = config.usernameEnv === undefined ? config.username : fromEnv(config.usernameEnv, 'user name');
  let password: string | undefined;
  if (config.passwordEnv !== undefined) password = fromEnv(config.passwordEnv, 'password');
  if (config.passwordFile !== undefined) {
    try {
      password = readFileSync(config.passwordFile, 'utf8').split(/\r?\n/)[0];
    } catch (error) {
      throw new RecurError(ErrorCodes.CONFIG, `sink '${config.name}': expected a readable password file at ${config.passwordFile}`, {}, { cause: error });
    }
  }
  if (username === undefined && password === undefined) return undefined;
  return `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`;
}
