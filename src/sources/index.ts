import type { z } from 'zod';
import { fileSourceConfigSchema } from './file/config.js';
import { type FileSourceOptions, fileSource } from './file/file-source.js';
import { micSourceConfigSchema } from './mic/config.js';
import { type MicSourceOptions, micSource } from './mic/mic-source.js';
import { mqttSourceConfigSchema } from './mqtt/config.js';
import { type MqttSourceOptions, mqttSource } from './mqtt/mqtt-source.js';
import type { SourceFactory } from './types.js';
import { wavSourceConfigSchema } from './wav/config.js';
import { type WavSourceOptions, wavSource } from './wav/wav-source.js';

/** Options of each source kind, by the name a pipeline file uses. */
export interface SourceOptionsByName {
  mqtt: MqttSourceOptions;
  file: FileSourceOptions;
  wav: WavSourceOptions;
  mic: MicSourceOptions;
}

export type SourceName = keyof SourceOptionsByName;

/** Name -> factory. Explicit: adding a source kind is one line here, never an import for its side effect. */
export const sources: { readonly [Name in SourceName]: SourceFactory<SourceOptionsByName[Name]> } = {
  mqtt: mqttSource,
  file: fileSource,
  wav: wavSource,
  mic: micSource,
};

/**
 * Name -> schema of what a pipeline file may write in a source's `options`: unknown keys refused,
 * defaults filled in. The output is valid input to the factory (checked by `satisfies`); what
 * only code can pass (`ack`, `scheduler`, `now`, `stdin`) is left out.
 */
export const sourceConfigSchemas = {
  mqtt: mqttSourceConfigSchema,
  file: fileSourceConfigSchema,
  wav: wavSourceConfigSchema,
  mic: micSourceConfigSchema,
} as const satisfies { readonly [Name in SourceName]: z.ZodType<SourceOptionsByName[Name]> };

export { Backoff, type BackoffOptions } from '../util/backoff.js';
export { BACKOFF_DEFAULTS, DEVICE_DEFAULTS, deviceDescriptionSchema } from './config.js';
export { FILE_SOURCE_DEFAULTS, type FileSourceConfig, fileSourceConfigSchema } from './file/config.js';
export { MIC_DEFAULTS, type MicSourceConfig, micSourceConfigSchema } from './mic/config.js';
export {
  MQTT_SOURCE_DEFAULTS,
  type MqttSourceConfig,
  mqttBindingSchema,
  mqttSourceConfigSchema,
  mqttSourceFields,
  mqttUrlSchema,
  requireClientIdForSession,
} from './mqtt/config.js';
export type { BrokerAccess, MqttTlsOptions, Secret } from './mqtt/credentials.js';
export type { AckHook, MqttSourceOptions } from './mqtt/mqtt-source.js';
export type { MqttBinding } from './mqtt/router.js';
export { OrderGuard, orderGuard } from './order-guard.js';
export { type Parsed, type Parser, parsers } from './parsers/index.js';
export { rejectedOf } from './rejected.js';
export { WAV_DEFAULTS, type WavSourceConfig, wavSourceConfigSchema } from './wav/config.js';
export type { FileSourceOptions, MicSourceOptions, WavSourceOptions };
export type * from './types.js';
