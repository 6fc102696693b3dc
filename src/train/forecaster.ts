import * as tf from '@tensorflow/tfjs';
import { folderSaveHandler } from './save-handler.js';

export interface ForecasterOptions {
  /** GRU units. @default 16 */
  units?: number;
  /** Training window length (time steps). @default 48 */
  window?: number;
  /** @default 12 */
  epochs?: number;
  /** Called after every epoch with its loss, for progress output. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** Windows of a series as (input x_t, target x_{t+1}) pairs, for next-step forecasting. */
function windows(series: readonly Float32Array[], window: number): { xs: tf.Tensor3D; ys: tf.Tensor3D } {
  const xs: number[] = [];
  const ys: number[] = [];
  let count = 0;
  for (const s of series) {
    for (let start = 0; start + window + 1 <= s.length; start += Math.floor(window / 2)) {
      for (let t = 0; t < window; t++) {
        xs.push(s[start + t]);
        ys.push(s[start + t + 1]);
      }
      count++;
    }
  }
  return { xs: tf.tensor3d(xs, [count, window, 1]), ys: tf.tensor3d(ys, [count, window, 1]) };
}

/**
 * Trains a small one-step-ahead GRU forecaster (GRU -> TimeDistributed(Dense(1))) with tfjs and
 * saves it in the TensorFlow.js layers format. Returns the final training loss (MSE).
 */
export async function trainForecaster(series: readonly Float32Array[], folder: string, options: ForecasterOptions = {}): Promise<number> {
  const { units = 16, window = 48, epochs = 12 } = options;
  const model = tf.sequential();
  model.add(tf.layers.gru({ units, returnSequences: true, inputShape: [null, 1], recurrentActivation: 'sigmoid' }));
  model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 1 }) }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const { xs, ys } = windows(series, window);
  let loss = Number.NaN;
  await model.fit(xs, ys, {
    epochs,
    batchSize: 32,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        loss = logs?.loss ?? Number.NaN;
        options.onEpoch?.(epoch, loss);
      },
    },
  });
  await model.save(folderSaveHandler(folder));
  xs.dispose();
  ys.dispose();
  model.dispose();
  return loss;
}
