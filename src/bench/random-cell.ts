import { fingerprintOf, type LoadedModel } from '../rnn/model/artifacts.js';
import { type CellKind, type CellWeights, GATES, type ModelSpec } from '../rnn/model/spec.js';
import { seededRandom } from '../train/synthetic.js';

function uniform(n: number, random: () => number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

/**
 * Random weights with Glorot-like scale, in the form every peer can run (GRU reset_after=false,
 * because tfjs-layers cannot run the other one).
 */
export function randomCell(cell: CellKind, inputSize: number, units: number, seed = 1): CellWeights {
  const random = seededRandom(seed);
  const n = GATES[cell] * units;
  return {
    cell,
    inputSize,
    units,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    resetAfter: false,
    kernel: uniform(inputSize * n, random, Math.sqrt(6 / (inputSize + n))),
    recurrentKernel: uniform(units * n, random, Math.sqrt(6 / (units + n))),
    bias: uniform(n, random, 0.1),
    recurrentBias: new Float32Array(n),
  };
}

/** A one-layer model around a cell, ready for StreamingModel.fromLoaded. */
export function singleCellModel(weights: CellWeights): LoadedModel {
  const spec: ModelSpec = {
    name: `${weights.cell}-${weights.inputSize}x${weights.units}`,
    inputSize: weights.inputSize,
    outputSize: weights.units,
    layers: [{ type: 'recurrent', name: weights.cell, returnSequences: true, weights }],
  };
  return { spec, modelJson: {}, weights: [], fingerprint: fingerprintOf(spec) };
}
