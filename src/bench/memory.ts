import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StreamingModel } from '../rnn/engine/streaming-model.js';
import { randomCell, singleCellModel } from './random-cell.js';

/** A garbage collector handle without requiring node --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface StreamMemory {
  streams: number;
  cell: string;
  stateBytesPerStream: number;
  /** (model memory + JS heap) growth per live stream: state plus the engine's bookkeeping. */
  bytesPerStream: number;
  overheadBytesPerStream: number;
  rssBytesPerStream: number;
}

/** Memory per live stream, measured by stepping `streams` distinct streams once each. */
export function measureStreamMemory(streams: number, kernel: 'js' | 'wasm'): StreamMemory {
  const gc = collector();
  const model = StreamingModel.fromLoaded(singleCellModel(randomCell('gru', 40, 128)), { kernel });
  model.step(['warm-up'], new Float32Array(model.inputSize));
  model.reset('warm-up');
  gc();
  const before = { heap: process.memoryUsage().heapUsed, model: model.memoryBytes, rss: process.memoryUsage().rss };
  const batch = 4096;
  const inputs = new Float32Array(batch * model.inputSize).fill(0.1);
  for (let start = 0; start < streams; start += batch) {
    const n = Math.min(batch, streams - start);
    const ids = Array.from({ length: n }, (_, i) => `sensor-${String(start + i).padStart(6, '0')}`);
    model.step(ids, inputs.subarray(0, n * model.inputSize));
  }
  gc();
  const after = { heap: process.memoryUsage().heapUsed, model: model.memoryBytes, rss: process.memoryUsage().rss };
  if (model.streamCount !== streams) throw new Error(`expected ${streams} live streams, found ${model.streamCount}`);
  const bytesPerStream = (after.heap - before.heap + after.model - before.model) / streams;
  return {
    streams,
    cell: 'gru D=40 H=128',
    stateBytesPerStream: model.stateBytesPerStream,
    bytesPerStream: Math.round(bytesPerStream),
    overheadBytesPerStream: Math.round(bytesPerStream - model.stateBytesPerStream),
    rssBytesPerStream: Math.round((after.rss - before.rss) / streams),
  };
}
