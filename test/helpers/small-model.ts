import { randomCell, singleCellModel } from '../../src/bench/random-cell.js';
import { StreamingModel, type StreamingModelOptions } from '../../src/rnn/engine/streaming-model.js';
import type { CellKind } from '../../src/rnn/model/spec.js';

/** A one-layer model with random weights: enough to test the engine's bookkeeping. */
export function smallModel(options: StreamingModelOptions = {}, cell: CellKind = 'gru', d = 3, h = 5, seed = 1): StreamingModel {
  return StreamingModel.fromLoaded(singleCellModel(randomCell(cell, d, h, seed)), options);
}
