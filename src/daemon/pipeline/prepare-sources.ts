import { resolve } from 'node:path';
import type { Logger as Pino } from 'pino';
import type { BrokerAccess } from '../../sources/mqtt/credentials.js';
import { type DeviceConfig, deviceBinding, deviceSchema } from '../config/device-schema.js';
import { loadYamlFile } from '../config/load-yaml.js';
import { startEmbeddedBroker } from '../embedded-broker.js';
import type { PipelineConfig } from './schema.js';

export interface PreparedSources {
  /** Each source's options, with device files turned into subscriptions and a broker URL filled in. */
  readonly options: Record<string, unknown>[];
  /** The URL of the first MQTT source's broker (the embedded one when none was named). */
  readonly brokerUrl: string | undefined;
  /** The first MQTT source's credentials and TLS files, for other clients of the same broker. */
  readonly brokerAccess: BrokerAccess | undefined;
  close(): Promise<void>;
}

export function loadDevice(path: string, baseDir: string): DeviceConfig {
  return loadYamlFile(resolve(baseDir, path), deviceSchema);
}

/**
 * Resolves what a pipeline file leaves implicit: `devices: [devices/x.yaml]` in an MQTT source
 * becomes its subscriptions, and an MQTT source without `url` gets an in-process broker.
 */
export async function prepareSources(config: PipelineConfig, baseDir: string, log: Pino): Promise<PreparedSources> {
  let embedded: Awaited<ReturnType<typeof startEmbeddedBroker>> | undefined;
  let brokerUrl: string | undefined;
  let brokerAccess: BrokerAccess | undefined;
  const options: Record<string, unknown>[] = [];
  for (const source of config.sources) {
    const opts: Record<string, unknown> = { ...source.options };
    if (source.type === 'mqtt') {
      if (Array.isArray(opts.devices)) {
        const bindings = (opts.devices as string[]).map((file) => deviceBinding(loadDevice(file, baseDir)));
        opts.subscriptions = [...((opts.subscriptions as unknown[]) ?? []), ...bindings];
        delete opts.devices;
      }
      if (opts.url === undefined) {
        embedded ??= await startEmbeddedBroker();
        opts.url = embedded.url;
        log.info({ url: embedded.url }, 'no broker named: started the embedded MQTT broker');
      }
      if (brokerUrl === undefined) {
        brokerUrl = opts.url as string;
        brokerAccess = { username: opts.username, password: opts.password, tls: opts.tls } as BrokerAccess;
      }
    }
    options.push(opts);
  }
  return { options, brokerUrl, brokerAccess, close: async () => embedded?.close() };
}
