import { type FileSourceOptions, fileSource } from './file/file-source.js';
import { type MicSourceOptions, micSource } from './mic/mic-source.js';
import { type MqttSourceOptions, mqttSource } from './mqtt/mqtt-source.js';
import type { SourceFactory } from './types.js';
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

export { Backoff, type BackoffOptions } from '../util/backoff.js';
export type { Secret } from './mqtt/credentials.js';
export type { AckHook, MqttSourceOptions, MqttTlsOptions } from './mqtt/mqtt-source.js';
export type { MqttBinding } from './mqtt/router.js';
export { OrderGuard, orderGuard } from './order-guard.js';
export { type Parsed, type Parser, parsers } from './parsers/index.js';
export { rejectedOf } from './rejected.js';
export type { FileSourceOptions, MicSourceOptions, WavSourceOptions };
export type * from './types.js';
