import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { RecurError } from '../../errors.js';
import { MQTT_SOURCE_DEFAULTS } from './config.js';

/** Where a secret is read from: never the configuration file itself, so it is not committed or logged. */
export type Secret = { readonly env: string } | { readonly file: string };

/** Reads a secret; errors name the variable or file, never the value. A trailing newline in a file is dropped. */
export function readSecret(secret: Secret, what: string): string {
  if ('env' in secret) {
    const value = process.env[secret.env];
    if (value === undefined) throw new RecurError('RECUR_E_CONFIG', `${what}: expected environment variable ${secret.env} to be set, it is not`);
    return value;
  }
  try {
    return readFileSync(secret.file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new RecurError('RECUR_E_CONFIG', `${what}: expected a readable file at ${secret.file}, ${(error as Error).message}`, {}, { cause: error });
  }
}

/** Reads a TLS file (CA, certificate, key) as bytes. */
export function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new RecurError('RECUR_E_CONFIG', `${what}: expected a readable file at ${path}, ${(error as Error).message}`, {}, { cause: error });
  }
}

/** The broker URL for logs: user and password in it are replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = parsed.username ? 'redacted' : '';
      parsed.password = parsed.password ? 'redacted' : '';
    }
    return parsed.toString();
  } catch {
    return '(unparsable url)';
  }
}

export interface MqttTlsOptions {
  /** CA certificate(s) that sign the broker's certificate (PEM file). @default the system's CAs */
  ca?: string;
  /** Client certificate for mutual TLS (PEM file). */
  cert?: string;
  /** Client key for mutual TLS (PEM file). */
  key?: string;
  /** @default true */
  rejectUnauthorized?: boolean;
}

/** Who a client is to the broker and how it checks the broker: shared by the MQTT source and the dead-letter topic. */
export interface BrokerAccess {
  /** Read from the environment or a file at connect time, never logged. */
  username?: Secret;
  password?: Secret;
  /** Files for TLS; the URL's scheme must be mqtts. */
  tls?: MqttTlsOptions;
}

/** The mqtt.js connect options for `access`: secrets and TLS files read now, so a wrong path fails at start. */
export function brokerAccessOptions(access: BrokerAccess): Pick<IClientOptions, 'username' | 'password' | 'ca' | 'cert' | 'key' | 'rejectUnauthorized'> {
  const { tls } = access;
  return {
    ...(access.username ? { username: readSecret(access.username, 'mqtt username') } : {}),
    ...(access.password ? { password: readSecret(access.password, 'mqtt password') } : {}),
    ...(tls?.ca ? { ca: readTlsFile(tls.ca, 'mqtt tls.ca') } : {}),
    ...(tls?.cert ? { cert: readTlsFile(tls.cert, 'mqtt tls.cert') } : {}),
    ...(tls?.key ? { key: readTlsFile(tls.key, 'mqtt tls.key') } : {}),
    ...(tls ? { rejectUnauthorized: tls.rejectUnauthorized ?? MQTT_SOURCE_DEFAULTS.rejectUnauthorized } : {}),
  };
}
