import { createHash } from 'node:crypto';
import { ErrorCodes, RecurError } from '../../errors.js';
import { buildModelSpec } from './build-spec.js';
import type { ModelSpec } from './spec.js';
import { readTopology } from './topology.js';
import { decodeGroup, type NamedWeight, type WeightGroup } from './weights.js';

/** A model as read from the TensorFlow.js layers format, before any kernel has packed it. */
export interface LoadedModel {
  readonly spec: ModelSpec;
  /** model.json as read, kept so the model can be saved back unchanged but for its weights. */
  readonly modelJson: Record<string, unknown>;
  /** Every weight in manifest order, decoded to float32. */
  readonly weights: readonly NamedWeight[];
  /** sha256 over the layer settings and weights: snapshots are bound to it. */
  readonly fingerprint: string;
}

/** Reads one shard by its manifest path; throws MODEL_WEIGHTS when it cannot. */
export type ShardReader = (path: string) => Uint8Array;

function readManifest(modelJson: Record<string, unknown>, where: string): WeightGroup[] {
  const manifest = modelJson.weightsManifest;
  if (!Array.isArray(manifest)) throw new RecurError(ErrorCodes.MODEL_FORMAT, `${where}: missing 'weightsManifest' array`);
  manifest.forEach((group: Partial<WeightGroup>, i) => {
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) {
      throw new RecurError(ErrorCodes.MODEL_FORMAT, `${where}: weightsManifest[${i}] should have 'paths' and 'weights' arrays`);
    }
    for (const w of group.weights) {
      if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') {
        throw new RecurError(ErrorCodes.MODEL_FORMAT, `${where}: weightsManifest[${i}] has an entry without name, shape and dtype: ${JSON.stringify(w)}`);
      }
    }
  });
  return manifest as WeightGroup[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

export function fingerprintOf(spec: ModelSpec): string {
  const hash = createHash('sha256');
  const settings = (layer: ModelSpec['layers'][number]) => JSON.stringify(layer, (_key, value) => (value instanceof Float32Array ? value.length : value));
  for (const layer of spec.layers) {
    hash.update(settings(layer));
    const cells = layer.type === 'bidirectional' ? [layer.forward, layer.backward] : [layer.weights];
    for (const w of cells) {
      for (const key of ['kernel', 'recurrentKernel', 'bias', 'recurrentBias'] as const) {
        const values = (w as unknown as Record<string, Float32Array | undefined>)[key];
        if (values) hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      }
    }
  }
  return hash.digest('hex').slice(0, 32);
}

/** Builds a model from a parsed model.json and a way to read its shards. */
export function modelFromArtifacts(modelJson: unknown, readShard: ShardReader, where: string): LoadedModel {
  const { name, layers } = readTopology(modelJson, where);
  const json = modelJson as Record<string, unknown>;
  const weights = readManifest(json, where).flatMap((group) => decodeGroup(group, concat(group.paths.map(readShard)), where));
  const spec = buildModelSpec(name, layers, weights, where);
  return { spec, modelJson: json, weights, fingerprint: fingerprintOf(spec) };
}

/** The same model.json with one float32 shard holding every weight, as tfjs' model.save writes it. */
export function toArtifacts(model: LoadedModel, shardName = 'group1-shard1of1.bin'): { modelJson: Record<string, unknown>; shard: Uint8Array } {
  const shard = concat(model.weights.map((w) => new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength)));
  const manifest: WeightGroup[] = [{ paths: [shardName], weights: model.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' })) }];
  return { modelJson: { ...model.modelJson, weightsManifest: manifest }, shard };
}
