import { ErrorCodes, RecurError } from '../errors.js';
import { FileSink } from './file/index.js';
import { InfluxSink } from './influx/index.js';
import { MqttSink } from './mqtt/index.js';
import { StdoutSink } from './stdout/index.js';
import type { Sink } from './types.js';

export { choosePrecision, encodePoint, encodeTimestamp, type IntegerSchema, type Precision } from './line-protocol.js';
export { isSinkError, type Sink, SinkError, type SinkErrorDetails } from './types.js';
export { FileSink, InfluxSink, MqttSink, StdoutSink };

/** Builds a sink from its (unvalidated) options; each factory validates them against its schema. */
export type SinkFactory = (options: unknown) => Sink;

/** Every sink recur knows, by the name pipelines use. Explicit: adding a sink means adding it here. */
export const sinkFactories: Readonly<Record<string, SinkFactory>> = {
  influx: (options) => new InfluxSink(options as ConstructorParameters<typeof InfluxSink>[0]),
  mqtt: (options) => new MqttSink(options as ConstructorParameters<typeof MqttSink>[0]),
  file: (options) => new FileSink(options as ConstructorParameters<typeof FileSink>[0]),
  stdout: (options) => new StdoutSink((options ?? {}) as ConstructorParameters<typeof StdoutSink>[0]),
};

export function createSink(kind: string, options: unknown): Sink {
  const factory = Object.hasOwn(sinkFactories, kind) ? sinkFactories[kind] : undefined;
  if (factory === undefined) {
    throw new RecurError(ErrorCodes.CONFIG, `sink kind '${kind}': expected one of ${Object.keys(sinkFactories).join(', ')}`, { kind });
  }
  return factory(options);
}
