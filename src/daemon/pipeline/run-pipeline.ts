import { resolve } from 'node:path';
import type { Logger as Pino } from 'pino';
import { concat, filter, lastValueFrom, map, merge, type Observable, Subject, share, takeUntil, tap } from 'rxjs';
import { DurableIntake } from '../../durability/durable-intake.js';
import { DurabilityMetrics } from '../../durability/metrics.js';
import type { Frame } from '../../frame.js';
import { forecastHead } from '../../heads/forecast.js';
import { online } from '../../operators/online.js';
import { StreamingModel } from '../../rnn/engine/streaming-model.js';
import { simulateDevice } from '../../simulate/device-simulator.js';
import { createSink, type Sink } from '../../sinks/index.js';
import { type SourceContext, sources } from '../../sources/index.js';
import type { DeadLetter } from '../dead-letter.js';
import { startHttpServer } from '../http-server.js';
import { DaemonMetrics } from '../metrics.js';
import { openDeadLetter } from './open-dead-letter.js';
import { loadDevice, prepareSources } from './prepare-sources.js';
import type { PipelineConfig } from './schema.js';
import { writeToSink } from './sink-writer.js';
import { readIfExists, writeFileAtomic } from './snapshot-file.js';

export interface RunningPipeline {
  readonly metrics: DaemonMetrics;
  readonly model: StreamingModel;
  readonly httpPort: number | undefined;
  /** Frames received from every source so far. */
  readonly received: number;
  /** Resolves when every source has ended (or stop() was called) and everything accepted is written. */
  readonly done: Promise<{ written: number }>;
  /** Stops intake, drains, flushes sinks and snapshots state; resolves when done or the timeout passed. */
  stop(reason: string): Promise<void>;
}

function sourceContext(type: string, metrics: DaemonMetrics, deadLetter: DeadLetter, log: Pino, intake: DurableIntake | undefined): SourceContext {
  return {
    resume: intake && { cursor: (source) => intake.cursor(source), room: () => intake.room() },
    onReject: (rejected) => {
      metrics.errors.inc({ code: rejected.code });
      deadLetter.write({ ...rejected });
    },
    log: (level, message, fields) => log[level]({ source: type, ...fields }, message),
    count: (event) => metrics.sourceEvents.inc({ source: type, event }),
  };
}

/** Builds and starts the RxJS graph of one pipeline: sources -> online model -> head -> sinks. */
export async function startPipeline(config: PipelineConfig, baseDir: string, log: Pino): Promise<RunningPipeline> {
  const metrics = new DaemonMetrics();
  const model = await StreamingModel.load(resolve(baseDir, config.model.path), { kernel: config.model.kernel });
  const snapshotPath = config.state ? resolve(baseDir, config.state.snapshotFile) : undefined;
  const saved = snapshotPath ? readIfExists(snapshotPath) : undefined;
  if (saved) {
    try {
      model.restore(saved);
      log.info({ streams: model.streamCount, file: snapshotPath }, 'restored model state');
    } catch (error) {
      log.warn({ err: error, file: snapshotPath }, 'snapshot refused; starting from zero state');
    }
  }
  let state: 'starting' | 'ok' | 'draining' = 'starting';
  const http = config.http
    ? await startHttpServer(config.http.host, config.http.port, metrics, {
        status: () => state,
        details: () => ({ pipeline: config.name, streams: model.streamCount }),
      })
    : undefined;

  const intake = config.durability ? await openIntake(config, baseDir, model, metrics, log) : undefined;
  const prepared = await prepareSources(config, baseDir, log);
  // After the sources: an MQTT dead-letter topic defaults to their broker.
  const deadLetter = openDeadLetter(config, prepared, baseDir, metrics, log);
  const stop$ = new Subject<void>();
  let received = 0;
  const live: Observable<Frame> = merge(
    ...config.sources.map((s, i) => {
      // With the ingest log, a QoS 1 message is acknowledged once its frames are logged and fsynced.
      const options =
        intake && s.type === 'mqtt' ? { ...prepared.options[i], ack: (frames: readonly Frame[]) => intake.acknowledge(frames) } : prepared.options[i];
      return sources[s.type](options as never, sourceContext(s.type, metrics, deadLetter, log, intake)).pipe(
        tap(() => {
          received++;
          metrics.framesIn.inc({ source: s.type });
        }),
      );
    }),
  );
  const frames = intake
    ? concat(
        intake.replay(),
        live.pipe(
          map((frame) => intake.admit(frame)),
          filter((frame): frame is Frame => frame !== undefined),
        ),
      )
    : live;
  const points = frames.pipe(
    takeUntil(stop$),
    online(model, {
      onReject: (frame, error) => {
        metrics.errors.inc({ code: error.code });
        deadLetter.write({ code: error.code, message: error.message, stream: frame.stream, t: frame.t, values: [...frame.values] });
        intake?.rejected(frame);
      },
      onStep: (streams, ms) => {
        metrics.stepSeconds.observe(ms / 1000);
        metrics.stepBatch.observe(streams);
      },
    }),
    tap((frame) => {
      metrics.framesOut.inc();
      intake?.stepped(frame);
    }),
    forecastHead(config.head),
    share(),
  );

  const sinks: Sink[] = config.sinks.map((s) => createSink(s.type, s.options));
  await Promise.all(sinks.map((s) => s.open()));
  let deadline = Number.POSITIVE_INFINITY;
  const writers = config.sinks.map((s, i) =>
    writeToSink(intake ? points.pipe(filter((point) => !intake.alreadyWritten(i, point))) : points, sinks[i], {
      batchSize: s.batchSize,
      flushMs: s.flushMs,
      metrics,
      deadLetter,
      giveUp: () => Date.now() > deadline,
      onWritten: (batch) => intake?.written(i, batch),
      log: (level, message, fields) => log[level](fields, message),
    }),
  );
  const evictEvery = Math.min(config.model.idleEvictMs, 60_000);
  const evictTimer = setInterval(() => {
    // With the log, each evicted stream's last timestamp is kept: a broker back after a long
    // outage redelivers messages whose PUBACK was held, and those frames were stepped already.
    const evicted = model.evictIdle(config.model.idleEvictMs, intake ? (stream, lastT) => intake.evicted(stream, lastT) : undefined);
    if (evicted > 0) log.info({ evicted }, 'evicted idle streams');
    metrics.liveStreams.set(model.streamCount);
  }, evictEvery);
  evictTimer.unref();
  intake?.start();
  state = 'ok';
  log.info(
    { pipeline: config.name, sources: config.sources.length, sinks: config.sinks.length, httpPort: http?.port, kernel: model.kernelName },
    'pipeline started',
  );

  let written = 0;
  const done = lastValueFrom(
    merge(...writers).pipe(
      tap((n) => {
        written += n;
      }),
    ),
    { defaultValue: 0 },
  ).then(async () => {
    clearInterval(evictTimer);
    await Promise.all(sinks.map((s) => s.close()));
    // Before the embedded broker goes: queued dead letters are published to it.
    await deadLetter.close();
    await prepared.close();
    await intake?.close();
    if (snapshotPath) writeFileAtomic(snapshotPath, model.snapshot());
    metrics.liveStreams.set(model.streamCount);
    await http?.close();
    log.info({ received, written, deadLettered: deadLetter.count, streams: model.streamCount }, 'pipeline stopped');
    return { written };
  });

  const running: RunningPipeline = {
    metrics,
    model,
    httpPort: http?.port,
    get received() {
      return received;
    },
    done,
    stop: async (reason) => {
      if (state === 'draining') return;
      state = 'draining';
      log.info({ reason }, 'stopping: intake closed, draining');
      deadline = Date.now() + config.shutdown.timeoutMs;
      stop$.next();
      const timeout = new Promise<void>((resolveTimeout) => setTimeout(resolveTimeout, config.shutdown.timeoutMs).unref());
      await Promise.race([done.then(() => undefined), timeout]);
    },
  };
  if (config.simulate) void runSimulation(config.simulate, prepared.brokerUrl, baseDir, running, log);
  return running;
}

async function openIntake(config: PipelineConfig, baseDir: string, model: StreamingModel, metrics: DaemonMetrics, log: Pino): Promise<DurableIntake> {
  const durability = config.durability;
  if (!durability) throw new Error('openIntake: no durability section');
  const names = config.sinks.map((s, i) => (config.sinks.filter((other) => other.type === s.type).length > 1 ? `${s.type}-${i}` : s.type));
  return DurableIntake.open(
    {
      dir: resolve(baseDir, durability.dir),
      maxLogBytes: durability.maxLogBytes,
      segmentBytes: durability.segmentBytes,
      whenFull: durability.whenFull,
      commitIntervalMs: durability.commitIntervalMs,
      snapshotEveryMs: durability.snapshotEverySeconds * 1000,
      maxPendingFrames: durability.maxPendingFrames,
    },
    model,
    names,
    new DurabilityMetrics(metrics.registry),
    log,
  );
}

/** The demo's device simulator, publishing into the pipeline's broker; optionally stops the pipeline after. */
async function runSimulation(
  simulate: NonNullable<PipelineConfig['simulate']>,
  brokerUrl: string | undefined,
  baseDir: string,
  running: RunningPipeline,
  log: Pino,
): Promise<void> {
  if (!brokerUrl) {
    log.error('simulate needs an mqtt source to publish into');
    return;
  }
  const device = loadDevice(simulate.device, baseDir);
  // Let the MQTT source subscribe before the first message.
  await new Promise((r) => setTimeout(r, 300));
  const { published } = await simulateDevice(device, {
    brokerUrl,
    streams: simulate.streams,
    intervalMs: simulate.intervalMs,
    stepMs: simulate.stepMs,
    count: simulate.count,
  });
  log.info({ published }, 'simulation finished');
  if (!simulate.stopWhenDone) return;
  const deadline = Date.now() + 10_000;
  while (running.received < published && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await running.stop('simulation finished');
}
