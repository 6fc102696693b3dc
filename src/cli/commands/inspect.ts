import { StreamingModel } from '../../rnn/engine/streaming-model.js';
import { layerOutputSize } from '../../rnn/model/spec.js';

/** A summary of a model as recur will run it. */
export async function inspectModel(path: string): Promise<Record<string, unknown>> {
  const model = await StreamingModel.load(path);
  return {
    name: model.spec.name,
    fingerprint: model.fingerprint,
    inputSize: model.inputSize,
    outputSize: model.outputSize,
    online: model.online,
    kernel: model.kernelName,
    stateBytesPerStream: model.stateBytesPerStream,
    layers: model.spec.layers.map((layer) => {
      const cell = layer.type === 'recurrent' ? layer.weights : layer.type === 'bidirectional' ? layer.forward : undefined;
      return {
        name: layer.name,
        type: layer.type === 'recurrent' ? cell?.cell : layer.type,
        outputSize: layerOutputSize(layer),
        ...(cell
          ? { activation: cell.activation, recurrentActivation: cell.recurrentActivation, resetAfter: cell.resetAfter }
          : { activation: layer.type === 'dense' ? layer.weights.activation : undefined }),
        ...(layer.type !== 'dense' ? { returnSequences: layer.returnSequences } : {}),
      };
    }),
  };
}
