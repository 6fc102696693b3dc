import { map, type OperatorFunction } from 'rxjs';
import type { Frame } from '../frame.js';
import type { Point } from '../point.js';

export interface ForecastHeadOptions {
  /** Measurement the points are written to. @default 'forecast' */
  measurement?: string;
  /** Field name of each model output, in order. @default ['yhat'] for one output, else yhat_0, yhat_1, ... */
  fields?: readonly string[];
  /** Tag that carries the stream id. @default 'stream' */
  streamTag?: string;
  /** Extra tags on every point (site, model version). @default {} */
  tags?: Readonly<Record<string, string>>;
}

/**
 * Forecast head: one point per model output frame, at the input frame's timestamp (so a replay
 * rewrites the same point), with the model's outputs as fields.
 */
export function forecastHead(options: ForecastHeadOptions = {}): OperatorFunction<Frame, Point> {
  const { measurement = 'forecast', streamTag = 'stream', tags = {} } = options;
  const nameOf = (i: number, n: number) => options.fields?.[i] ?? (n === 1 ? 'yhat' : `yhat_${i}`);
  return map((frame) => {
    const fields: Record<string, number> = {};
    frame.values.forEach((v, i) => {
      fields[nameOf(i, frame.values.length)] = v;
    });
    return { measurement, tags: { ...tags, [streamTag]: frame.stream }, fields, t: frame.t, seq: frame.seq };
  });
}
