import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * Saves a tfjs model to a folder as model.json + one weight shard, the same files tfjs-node's
 * file:// handler writes, without needing tfjs-node.
 */
export function folderSaveHandler(folder: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    mkdirSync(folder, { recursive: true });
    const data = artifacts.weightData;
    const weights = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data ?? new ArrayBuffer(0));
    const shard = 'weights.bin';
    writeFileSync(join(folder, shard), new Uint8Array(weights));
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: [shard], weights: artifacts.weightSpecs ?? [] }],
    };
    writeFileSync(join(folder, 'model.json'), `${JSON.stringify(modelJson)}\n`);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
  });
}
