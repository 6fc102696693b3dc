import { asapScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { ErrorCodes, RecurError } from '../errors.js';
import type { Frame } from '../frame.js';
import type { StreamingModel } from '../rnn/engine/streaming-model.js';

export interface OnlineOptions {
  /**
   * Decides when the frames gathered so far are stepped: everything that arrives before the
   * scheduled flush runs is one batch.
   * @default asapScheduler (frames of the same event-loop turn form one batch)
   */
  scheduler?: SchedulerLike;
  /**
   * Receives frames the model cannot step (wrong number of values, NaN or infinity); the other
   * frames go on. Without it, such a frame errors the output stream.
   */
  onReject?: (frame: Frame, error: RecurError) => void;
  /** Told the size and duration (ms) of every batched step, for metrics. */
  onStep?: (streams: number, ms: number) => void;
}

function check(frame: Frame, inputSize: number): RecurError | undefined {
  if (frame.values.length !== inputSize) {
    return new RecurError(ErrorCodes.INPUT_SHAPE, `stream '${frame.stream}': expected ${inputSize} values, received ${frame.values.length}`);
  }
  for (let i = 0; i < frame.values.length; i++) {
    if (!Number.isFinite(frame.values[i])) {
      return new RecurError(ErrorCodes.NON_FINITE, `stream '${frame.stream}' value ${i} is ${frame.values[i]}; expected a finite number`);
    }
  }
  return undefined;
}

/** Splits a tick's frames into rounds with at most one frame per stream, keeping each stream's order. */
function rounds(frames: readonly Frame[]): Frame[][] {
  const seen = new Map<string, number>();
  const out: Frame[][] = [];
  for (const frame of frames) {
    const round = seen.get(frame.stream) ?? 0;
    seen.set(frame.stream, round + 1);
    out[round] ??= [];
    out[round].push(frame);
  }
  return out;
}

/**
 * Steps a model online over frames of many streams: the frames that arrive in the same tick are
 * stepped as one batch (a stream with several frames in a tick is stepped once per frame, in
 * order), and each emits a frame with the model's output at the input frame's stream and time.
 */
export function online(model: StreamingModel, options: OnlineOptions = {}): OperatorFunction<Frame, Frame> {
  const scheduler = options.scheduler ?? asapScheduler;
  return (source) =>
    new Observable<Frame>((subscriber) => {
      let pending: Frame[] = [];
      let flushing: Subscription | undefined;

      const flush = () => {
        flushing = undefined;
        const frames = pending;
        pending = [];
        for (const batch of rounds(frames)) {
          const inputs = new Float32Array(batch.length * model.inputSize);
          batch.forEach((f, i) => {
            inputs.set(f.values, i * model.inputSize);
          });
          const started = performance.now();
          const outputs = model.step(
            batch.map((f) => f.stream),
            inputs,
            batch.map((f) => f.t),
          );
          options.onStep?.(batch.length, performance.now() - started);
          const o = model.outputSize;
          batch.forEach((f, i) => {
            subscriber.next({ stream: f.stream, t: f.t, values: outputs.slice(i * o, (i + 1) * o), seq: f.seq });
          });
        }
      };

      const guarded = (after?: () => void) => () => {
        flushing?.unsubscribe();
        try {
          flush();
        } catch (error) {
          subscriber.error(error);
          return;
        }
        after?.();
      };

      const subscription = source.subscribe({
        next: (frame) => {
          const problem = check(frame, model.inputSize);
          if (problem) {
            if (options.onReject) options.onReject(frame, problem);
            else subscriber.error(problem);
            return;
          }
          pending.push(frame);
          flushing ??= scheduler.schedule(guarded());
        },
        error: (error) => guarded(() => subscriber.error(error))(),
        complete: guarded(() => subscriber.complete()),
      });
      return () => {
        flushing?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
