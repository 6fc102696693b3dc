import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { StreamingModel } from '../src/rnn/engine/streaming-model.js';
import { modelFromArtifacts } from '../src/rnn/model/artifacts.js';
import { randomFloats, seededRandom } from './helpers/random.js';

const D = 3;
const H = 4;
const random = seededRandom(7);
const weights = {
  kernel: randomFloats(D * 3 * H, random, 0.5),
  recurrent: randomFloats(H * 3 * H, random, 0.5),
  bias: randomFloats(2 * 3 * H, random, 0.5),
  dense: randomFloats(H * 2, random, 0.5),
  denseBias: randomFloats(2, random, 0.5),
};
const shard = new Uint8Array(Buffer.concat(Object.values(weights).map((w) => Buffer.from(w.buffer))));
const gruConfig = { name: 'gru', units: H, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, reset_after: true, return_sequences: true };
const denseConfig = { name: 'dense', units: 2, activation: 'linear', use_bias: true };

function manifest(prefix: { gru: string; dense: string }) {
  return [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: `${prefix.gru}/kernel`, shape: [D, 3 * H], dtype: 'float32' },
        { name: `${prefix.gru}/recurrent_kernel`, shape: [H, 3 * H], dtype: 'float32' },
        { name: `${prefix.gru}/bias`, shape: [2, 3 * H], dtype: 'float32' },
        { name: `${prefix.dense}/kernel`, shape: [H, 2], dtype: 'float32' },
        { name: `${prefix.dense}/bias`, shape: [2], dtype: 'float32' },
      ],
    },
  ];
}

/** What the Keras 3 converter writes for a functional model: inbound_nodes with keras_history. */
const keras3Functional = {
  format: 'layers-model',
  generatedBy: 'keras v3.6.0',
  convertedBy: 'TensorFlow.js Converter v4.22.0',
  modelTopology: {
    class_name: 'Functional',
    config: {
      name: 'forecaster',
      layers: [
        { class_name: 'InputLayer', name: 'input', config: { name: 'input', batch_shape: [null, null, D] }, inbound_nodes: [] },
        {
          class_name: 'GRU',
          name: 'gru',
          config: gruConfig,
          inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { keras_history: ['input', 0, 0] } }] }],
        },
        {
          class_name: 'Dense',
          name: 'dense',
          config: denseConfig,
          inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { keras_history: ['gru', 0, 0] } }] }],
        },
      ],
    },
  },
  weightsManifest: manifest({ gru: 'gru/gru_cell', dense: 'dense' }),
};

/** Keras 2 style: Sequential with batch_input_shape on the first layer. */
const keras2Sequential = {
  modelTopology: {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'GRU', config: { ...gruConfig, batch_input_shape: [null, null, D] } },
        { class_name: 'Dense', config: denseConfig },
      ],
    },
  },
  weightsManifest: manifest({ gru: 'gru', dense: 'dense' }),
};

describe('models written by the Keras converter', () => {
  it('loads a Keras 3 functional chain and a Keras 2 Sequential model with the same weights identically', () => {
    const functional = StreamingModel.fromLoaded(modelFromArtifacts(keras3Functional, () => shard, 'keras3'));
    const sequential = StreamingModel.fromLoaded(modelFromArtifacts(keras2Sequential, () => shard, 'keras2'));
    expect(functional.spec.layers.map((l) => l.type)).toEqual(['recurrent', 'dense']);
    const layer = functional.spec.layers[0];
    expect(layer.type === 'recurrent' && layer.weights.resetAfter).toBe(true);
    const x = randomFloats(5 * D, seededRandom(3), 1);
    const a = functional.predictSequence(x);
    expect(a.length).toBe(5 * 2);
    expect([...a]).toEqual([...sequential.predictSequence(x)]);
    expect(a.every(Number.isFinite)).toBe(true);
  });

  it('refuses a functional model that branches', () => {
    const branching = structuredClone(keras3Functional);
    branching.modelTopology.config.layers.push({
      class_name: 'Dense',
      name: 'dense_2',
      config: { ...denseConfig, name: 'dense_2' },
      inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { keras_history: ['gru', 0, 0] } }] }],
    });
    expect(() => modelFromArtifacts(branching, () => shard, 'branching')).toThrow(expect.objectContaining({ code: ErrorCodes.MODEL_UNSUPPORTED }));
    expect(() => modelFromArtifacts(branching, () => shard, 'branching')).toThrow(
      /layer 'gru' feeds both 'dense' and 'dense_2'; recur runs chain-shaped models only/,
    );
  });

  it('reads float16 and uint8-quantised weights as the converter writes them', () => {
    const quantised = {
      modelTopology: {
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'SimpleRNN', config: { name: 'rnn', units: 1, activation: 'linear', use_bias: false } }] },
      },
      weightsManifest: [
        {
          paths: ['a.bin'],
          weights: [
            { name: 'rnn/kernel', shape: [3, 1], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
            { name: 'rnn/recurrent_kernel', shape: [1, 1], dtype: 'float32', quantization: { dtype: 'float16' } },
          ],
        },
      ],
    };
    // uint8 0,3,4 -> -1, 0.5, 1; float16 0x4000 -> 2
    const bytes = Uint8Array.of(0, 3, 4, 0x00, 0x40);
    const model = StreamingModel.fromLoaded(modelFromArtifacts(quantised, () => bytes, 'quantised'));
    const layer = model.spec.layers[0];
    expect(layer.type === 'recurrent' && [...layer.weights.kernel]).toEqual([-1, 0.5, 1]);
    expect(layer.type === 'recurrent' && [...layer.weights.recurrentKernel]).toEqual([2]);
  });
});
