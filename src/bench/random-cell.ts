import { fingerprintOf, type LoadedModel } from '../rnn/model/artifacts.js';
import { type CellKind, type CellWeights, GATES, type ModelSpec } from '../rnn/model/spec.js';
import { seededRandom, uniformFloats } from '../train/synthetic.js';

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
    kernel: uniformFloats(inputSize * n, random, Math.sqrt(6 / (inputSize + n))),
    recurrentKernel: uniformFloats(units * n, random, Math.sqrt(6 / (units + n))),
    bias: uniformFloats(n, random, 0.1),
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
