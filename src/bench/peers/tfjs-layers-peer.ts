import * as tf from '@tensorflow/tfjs';
import type { Activation, CellWeights } from '../../rnn/model/spec.js';
import type { StepPeer } from './types.js';

type LayersActivation = NonNullable<Parameters<typeof tf.layers.gru>[0]['activation']>;

/** recur's activation names in tfjs-layers' spelling (same definitions, see rnn/activations.ts). */
function layersActivation(a: Activation): LayersActivation {
  if (a === 'softmax') throw new Error('softmax is not a cell activation');
  return a === 'hard_sigmoid' ? 'hardSigmoid' : a;
}

/**
 * The "just use tfjs" peer: a stateful one-step tfjs-layers model, as an application would build
 * it, fed one [batch, 1, D] frame per call. The layer keeps h (and c) between predict calls.
 */
export async function createTfjsLayersPeer(w: CellWeights, batch: number): Promise<StepPeer> {
  if (w.cell === 'simple') throw new Error('tfjs-layers peer: only GRU and LSTM cells are benchmarked');
  if (w.cell === 'gru' && w.resetAfter) {
    throw new Error('tfjs-layers peer: tfjs-layers GRU does not support resetAfter=true; use resetAfter=false weights');
  }
  const d = w.inputSize;
  const units = w.units;
  const args: Parameters<typeof tf.layers.lstm>[0] = {
    units,
    activation: layersActivation(w.activation),
    recurrentActivation: layersActivation(w.recurrentActivation),
    stateful: true,
    batchInputShape: [batch, 1, d],
    returnSequences: false,
    // The weights are overwritten below; the default orthogonal initializer would run a slow QR
    // per model and warn about it on stderr.
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
  };
  // tfjs-layers' GRU is the original (reset-before) form; its typings do not even list resetAfter.
  const layer = w.cell === 'gru' ? tf.layers.gru(args) : tf.layers.lstm(args);
  const model = tf.sequential({ layers: [layer] });
  const n = w.kernel.length / d;
  // Keras layout and gate order match tfjs-layers', so the weights go in unchanged.
  const weights = [tf.tensor2d(w.kernel, [d, n]), tf.tensor2d(w.recurrentKernel, [units, n]), tf.tensor1d(w.bias)];
  model.setWeights(weights);
  tf.dispose(weights); // setWeights assigned them to the layer's variables, which hold their own reference
  await tf.nextFrame(); // let backend init settle before the first timed step

  return {
    impl: 'tfjs-layers',
    step(x: Float32Array): Float32Array {
      const input = tf.tensor3d(x, [batch, 1, d]);
      // batchSize = batch: predict's default of 32 would split the batch against the stateful shape.
      const out = model.predict(input, { batchSize: batch }) as tf.Tensor;
      const values = out.dataSync() as Float32Array;
      tf.dispose([input, out]);
      return values;
    },
    dispose(): void {
      model.dispose();
    },
  };
}
