import mqtt from 'mqtt';
import { type DeviceConfig, deviceTopic } from '../daemon/config/device-schema.js';
import { ErrorCodes, RecurError } from '../errors.js';
import { plantSeries, seededRandom } from '../train/synthetic.js';

export interface SimulateOptions {
  /** mqtt://host:port */
  brokerUrl: string;
  /** Simulated devices (stream ids `<device>-1` ...). @default 3 */
  streams?: number;
  /** Wall time between two samples of every stream. @default 1000 */
  intervalMs?: number;
  /** Samples per stream, then stop. @default endless */
  count?: number;
  /** Timestamp of the first sample. @default now */
  startMs?: number;
  /** Timestamp step between samples (simulated time may run faster than wall time). @default intervalMs */
  stepMs?: number;
  /** @default 1 */
  seed?: number;
  /** Stops an endless run. */
  signal?: AbortSignal;
}

const BLOCK = 4096;

function payload(device: DeviceConfig, stream: string, t: number, value: number): string {
  const field = device.fields[0];
  if (device.format === 'json') return JSON.stringify({ ...(device.timestampField ? { [device.timestampField]: t } : {}), [field]: Number(value.toFixed(5)) });
  if (device.format === 'line-protocol') return `${device.name},stream=${stream} ${field}=${value.toFixed(5)} ${Math.round(t)}000000`;
  throw new RecurError(ErrorCodes.CONFIG, `recur simulate makes json and line-protocol payloads; device '${device.name}' is ${device.format}`);
}

/**
 * Publishes realistic frames for a device: a daily cycle with a harmonic, slow drift, noise and
 * occasional faults (spikes), one independent series per stream.
 */
export async function simulateDevice(device: DeviceConfig, options: SimulateOptions, onTick?: (published: number) => void): Promise<{ published: number }> {
  const streams = options.streams ?? 3;
  const interval = options.intervalMs ?? 1000;
  const step = options.stepMs ?? interval;
  const start = options.startMs ?? Date.now();
  const sim = device.simulate;
  const client = await mqtt.connectAsync(options.brokerUrl, {
    clientId: `recur-simulate-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 1000,
  });
  const random = seededRandom(options.seed ?? 1);
  const ids = Array.from({ length: streams }, (_, i) => `${device.name}-${i + 1}`);
  let block: Float32Array[] = [];
  let published = 0;
  const began = Date.now();
  try {
    for (let i = 0; options.count === undefined || i < options.count; i++) {
      if (options.signal?.aborted) break;
      if (i % BLOCK === 0)
        block = ids.map((_, s) => plantSeries(BLOCK, (options.seed ?? 1) * 1000 + s * 97 + i, { period: sim.period, noise: sim.noise, phase: s * 17 }));
      const t = start + i * step;
      await Promise.all(
        ids.map((stream, s) => {
          const fault = random() < sim.faultProbability ? 5 * sim.amplitude : 0;
          const value = sim.offset + sim.amplitude * block[s][i % BLOCK] + fault;
          return client.publishAsync(deviceTopic(device, stream), payload(device, stream, t, value), { qos: device.qos });
        }),
      );
      published += streams;
      onTick?.(published);
      const wait = began + (i + 1) * interval - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  } finally {
    await client.endAsync();
  }
  return { published };
}
