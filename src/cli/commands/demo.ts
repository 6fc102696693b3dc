import { from, lastValueFrom, tap, toArray } from 'rxjs';
import type { Frame } from '../../frame.js';
import { online } from '../../operators/online.js';
import { StreamingModel } from '../../rnn/engine/streaming-model.js';
import { plantSeries } from '../../train/synthetic.js';
import { ensureDemoModel } from './fixtures.js';

const SENSORS = [
  { stream: 'boiler-1/temp', seed: 101, phase: 5 },
  { stream: 'boiler-2/temp', seed: 202, phase: 40 },
  { stream: 'chiller-1/temp', seed: 303, phase: 70 },
];
const STEP_MS = 15 * 60 * 1000;

export interface DemoOptions {
  steps: number;
  /** Print one line per stream every `every` steps. */
  every: number;
  kernel?: 'js' | 'wasm' | 'auto';
}

/** Interleaved frames of three simulated sensors, as they would arrive from a broker. */
function sensorFrames(series: readonly Float32Array[], steps: number, start: number): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < steps; i++) {
    SENSORS.forEach((s, k) => {
      frames.push({ stream: s.stream, t: start + i * STEP_MS, values: Float32Array.of(series[k][i]) });
    });
  }
  return frames;
}

/**
 * The README's first command: three simulated plant sensors stepped online through a GRU
 * forecaster (trained on synthetic data on first run), printing next-step forecasts and how they
 * compare with the naive "same as now" forecast.
 */
export async function runDemo(options: DemoOptions, out: (line: string) => void, log: (line: string) => void): Promise<void> {
  const model = await StreamingModel.load(await ensureDemoModel(log), { kernel: options.kernel });
  out(
    `model: ${model.spec.name}, ${model.spec.layers.map((l) => l.type).join(' -> ')}, input ${model.inputSize}, output ${model.outputSize}, kernel ${model.kernelName}`,
  );
  const start = Date.UTC(2026, 0, 1);
  const series = SENSORS.map((s) => plantSeries(options.steps + 1, s.seed, { phase: s.phase }));
  const valueAt = (stream: string, step: number) => series[SENSORS.findIndex((s) => s.stream === stream)][step];
  const frames = sensorFrames(series, options.steps + 1, start);
  const lastForecast = new Map<string, { forecast: number; value: number }>();
  const errors = { model: 0, naive: 0, count: 0 };
  const results = await lastValueFrom(
    from(frames).pipe(
      online(model),
      tap((result) => {
        const step = Math.round((result.t - start) / STEP_MS);
        const value = valueAt(result.stream, step);
        const previous = lastForecast.get(result.stream);
        if (previous) {
          errors.model += Math.abs(previous.forecast - value);
          errors.naive += Math.abs(previous.value - value);
          errors.count++;
        }
        lastForecast.set(result.stream, { forecast: result.values[0], value });
        if (step % options.every === 0) {
          out(
            `${new Date(result.t).toISOString()}  ${result.stream.padEnd(16)} value ${value.toFixed(3).padStart(7)}  forecast(next) ${result.values[0].toFixed(3).padStart(7)}`,
          );
        }
      }),
      toArray(),
    ),
  );
  out(
    JSON.stringify({
      streams: model.streamCount,
      frames: results.length,
      maeModel: Number((errors.model / errors.count).toFixed(4)),
      maeNaive: Number((errors.naive / errors.count).toFixed(4)),
    }),
  );
}
