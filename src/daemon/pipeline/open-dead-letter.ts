import { resolve } from 'node:path';
import type { Logger as Pino } from 'pino';
import { RecurError } from '../../errors.js';
import { topicMatches } from '../../sources/mqtt/topic.js';
import { type DeadLetter, DeadLetterFile, type DeadLetterOutcome, DeadLetterTee } from '../dead-letter.js';
import { DeadLetterMqtt } from '../dead-letter-mqtt.js';
import type { DaemonMetrics } from '../metrics.js';
import type { PreparedSources } from './prepare-sources.js';
import type { PipelineConfig } from './schema.js';

/** The dead-letter targets a pipeline asks for, each counted on `recur_dead_letters_total{target,outcome}`. */
export function openDeadLetter(config: PipelineConfig, prepared: PreparedSources, baseDir: string, metrics: DaemonMetrics, log: Pino): DeadLetter {
  const outcome =
    (target: string): DeadLetterOutcome =>
    (result, error) => {
      metrics.deadLetters.inc({ target, outcome: result });
      if (error) log.error({ target, err: error }, 'dead-letter copy lost');
    };
  const targets: DeadLetter[] = [];
  const { file, mqtt } = config.deadLetter;
  if (file !== false) targets.push(new DeadLetterFile(resolve(baseDir, file), outcome('file')));
  if (mqtt) {
    const url = mqtt.url ?? prepared.brokerUrl;
    const ownAccess = mqtt.username !== undefined || mqtt.password !== undefined || mqtt.tls !== undefined;
    // The source's broker by default: then also its credentials and TLS files.
    const access = ownAccess ? { username: mqtt.username, password: mqtt.password, tls: mqtt.tls } : mqtt.url === undefined ? prepared.brokerAccess : undefined;
    if (!url) throw new RecurError('RECUR_E_CONFIG', 'deadLetter.mqtt: expected a url, or an mqtt source whose broker it defaults to, received neither');
    refuseLoop(mqtt.topic, url, config, prepared);
    targets.push(
      new DeadLetterMqtt({
        url,
        access,
        topic: mqtt.topic,
        qos: mqtt.qos,
        onOutcome: outcome('mqtt'),
        log: (level, message, fields) => log[level]({ target: 'mqtt', ...fields }, message),
      }),
    );
  }
  return targets.length === 1 ? targets[0] : new DeadLetterTee(targets);
}

/** A dead-letter topic the pipeline also subscribes to would feed each record back in as bad input, for ever. */
function refuseLoop(topic: string, url: string, config: PipelineConfig, prepared: PreparedSources): void {
  config.sources.forEach((source, i) => {
    const options = prepared.options[i];
    if (source.type !== 'mqtt' || options.url !== url || !Array.isArray(options.subscriptions)) return;
    for (const binding of options.subscriptions as { topic?: unknown }[]) {
      if (typeof binding.topic === 'string' && topicMatches(binding.topic, topic)) {
        throw new RecurError(
          'RECUR_E_CONFIG',
          `deadLetter.mqtt.topic: expected a topic no mqtt source subscribes to, received '${topic}', which matches '${binding.topic}'`,
        );
      }
    }
  });
}
