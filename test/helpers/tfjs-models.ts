import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { type LoadedModel, modelFromArtifacts } from '../../src/rnn/model/artifacts.js';
import { randomFloats, seededRandom } from './random.js';

export type CellType = 'simple' | 'gru' | 'gru-reset-after' | 'lstm';
const ACTIVATIONS = ['linear', 'relu', 'tanh', 'sigmoid', 'hard_sigmoid'] as const;
type Act = (typeof ACTIVATIONS)[number] | 'softmax';

export interface ModelCase {
  cell: CellType;
  inputSize: number;
  layers: { units: number; activation: Act; recurrentActivation: Act; dropout: boolean }[];
  /** Whether the last recurrent layer returns its whole sequence. */
  returnSequences: boolean;
  head: { kind: 'none' } | { kind: 'dense' | 'timeDistributed'; units: number; activation: Act };
  useBias: boolean;
  seed: number;
}

export const modelCase = (cell: CellType): fc.Arbitrary<ModelCase> =>
  fc
    .record({
      cell: fc.constant(cell),
      inputSize: fc.integer({ min: 1, max: 7 }),
      layers: fc.array(
        fc.record({
          units: fc.integer({ min: 1, max: 12 }),
          activation: fc.constantFrom(...ACTIVATIONS),
          recurrentActivation: fc.constantFrom(...ACTIVATIONS),
          dropout: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      returnSequences: fc.boolean(),
      head: fc.oneof(
        fc.constant({ kind: 'none' as const }),
        fc.record({
          kind: fc.constantFrom('dense' as const, 'timeDistributed' as const),
          units: fc.integer({ min: 1, max: 6 }),
          activation: fc.constantFrom<Act>(...ACTIVATIONS, 'softmax'),
        }),
      ),
      useBias: fc.boolean(),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    })
    .map((c) => (c.returnSequences || c.head.kind !== 'timeDistributed' ? c : { ...c, head: { ...c.head, kind: 'dense' as const } }));

const tfjsName = (a: Act) => (a === 'hard_sigmoid' ? 'hardSigmoid' : a);

/** Builds the case's model with tfjs-layers (reset_after GRUs are built in the original form and patched). */
export function buildTfjsModel(c: ModelCase): tf.Sequential {
  const model = tf.sequential();
  c.layers.forEach((l, i) => {
    const last = i === c.layers.length - 1;
    const common = {
      units: l.units,
      activation: tfjsName(l.activation) as 'tanh',
      returnSequences: last ? c.returnSequences : true,
      useBias: c.useBias,
      ...(i === 0 ? { inputShape: [null, c.inputSize] } : {}),
    };
    const recurrentActivation = tfjsName(l.recurrentActivation) as 'sigmoid';
    if (c.cell === 'simple') model.add(tf.layers.simpleRNN(common));
    else if (c.cell === 'lstm') model.add(tf.layers.lstm({ ...common, recurrentActivation, unitForgetBias: true }));
    else model.add(tf.layers.gru({ ...common, recurrentActivation }));
    if (l.dropout) model.add(tf.layers.dropout({ rate: 0.5 }));
  });
  if (c.head.kind !== 'none') {
    const dense = tf.layers.dense({ units: c.head.units, activation: tfjsName(c.head.activation) as 'linear' });
    model.add(c.head.kind === 'dense' ? dense : tf.layers.timeDistributed({ layer: dense }));
  }
  return model;
}

/**
 * Weight scale of a case. Gates outside [0, 1] make a GRU/LSTM expansive, which
 * amplifies float32 rounding in the tfjs reference itself past 1e-5; smaller weights keep the
 * dynamics contractive, as trained models are.
 */
export function weightScale(c: ModelCase): number {
  // Gates outside [0, 1] (tanh, linear, relu) make the state update expansive.
  return c.cell !== 'simple' && c.layers.some((l) => l.recurrentActivation !== 'sigmoid' && l.recurrentActivation !== 'hard_sigmoid') ? 0.3 : 0.6;
}

/** Random weights in every tensor (biases too), seeded by the case. */
export function randomizeWeights(model: tf.LayersModel, c: ModelCase): void {
  const random = seededRandom(c.seed);
  const weights = model.getWeights().map((w) => tf.tensor(randomFloats(w.size, random, weightScale(c)), w.shape));
  model.setWeights(weights);
  for (const w of weights) w.dispose();
}

export interface SavedModel {
  modelJson: Record<string, unknown>;
  shard: Uint8Array;
}

/** What tfjs' model.save writes (model.json with its manifest, and the weight bytes). */
export async function saveToMemory(model: tf.LayersModel): Promise<SavedModel> {
  let saved: SavedModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer);
      saved = {
        modelJson: {
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        },
        shard: new Uint8Array(buffer),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('tfjs did not call the save handler');
  return saved;
}

export function loadFromMemory(saved: SavedModel): LoadedModel {
  return modelFromArtifacts(saved.modelJson, () => saved.shard, 'memory');
}
