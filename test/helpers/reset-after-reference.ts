import * as tf from '@tensorflow/tfjs';
import { randomFloats, seededRandom } from './random.js';
import type { ModelCase, SavedModel } from './tfjs-models.js';

type Entry = { name: string; shape: number[]; dtype: string };

/**
 * tfjs-layers cannot build a GRU with reset_after=true, so the test builds the original form,
 * then rewrites model.json and the shard the way Keras' converter writes a reset_after GRU: the
 * config flag, and a bias of shape [2, 3H] (input bias, then a separate recurrent bias).
 */
export function patchResetAfter(saved: SavedModel, seed: number, scale: number): { saved: SavedModel; tensors: Map<string, Float32Array> } {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const topology = structuredClone(saved.modelJson.modelTopology) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  for (const layer of topology.config.layers) if (layer.class_name === 'GRU') layer.config.reset_after = true;
  const manifest = saved.modelJson.weightsManifest as { paths: string[]; weights: Entry[] }[];
  const entries: Entry[] = [];
  const tensors = new Map<string, Float32Array>();
  let offset = 0;
  for (const entry of manifest[0].weights) {
    const n = entry.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(saved.shard.slice(offset, offset + n * 4).buffer);
    offset += n * 4;
    const isGruBias = entry.name.startsWith('gru') && entry.name.endsWith('/bias');
    if (isGruBias) {
      const both = new Float32Array(2 * n);
      both.set(values);
      both.set(randomFloats(n, random, scale), n);
      entries.push({ ...entry, shape: [2, n] });
      tensors.set(entry.name, both);
    } else {
      entries.push(entry);
      tensors.set(entry.name, values);
    }
  }
  const parts = entries.map((e) => tensors.get(e.name) as Float32Array);
  const shard = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    shard.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return {
    saved: { modelJson: { ...saved.modelJson, modelTopology: topology, weightsManifest: [{ paths: manifest[0].paths, weights: entries }] }, shard },
    tensors,
  };
}

function activate(x: tf.Tensor, a: string): tf.Tensor {
  switch (a) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'hard_sigmoid':
      return tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
    default:
      return tf.softmax(x);
  }
}

/** Keras' reset_after GRU and Dense written with plain tf ops: [S, T, D] -> [S, T or 1, O]. */
export function referenceResetAfter(c: ModelCase, tensors: Map<string, Float32Array>, input: tf.Tensor3D): tf.Tensor {
  return tf.tidy(() => {
    const names = [...tensors.keys()];
    const find = (prefix: string, i: number, role: string) => names.filter((n) => n.startsWith(prefix) && n.endsWith(`/${role}`))[i];
    let seq: tf.Tensor3D = input;
    const [s, steps] = input.shape;
    c.layers.forEach((l, i) => {
      const h = l.units;
      const kernel = tf.tensor2d(tensors.get(find('gru', i, 'kernel')) as Float32Array, [seq.shape[2], 3 * h]);
      const recurrent = tf.tensor2d(tensors.get(find('gru', i, 'recurrent_kernel')) as Float32Array, [h, 3 * h]);
      const biasName = find('gru', i, 'bias');
      const bias = biasName ? tf.tensor2d(tensors.get(biasName) as Float32Array, [2, 3 * h]) : tf.zeros([2, 3 * h]);
      const [inBias, recBias] = tf.unstack(bias);
      let state: tf.Tensor2D = tf.zeros([s, h]);
      const outputs: tf.Tensor2D[] = [];
      for (let t = 0; t < steps; t++) {
        const xt = tf.squeeze(tf.slice(seq, [0, t, 0], [s, 1, seq.shape[2]]), [1]) as tf.Tensor2D;
        const [xz, xr, xh] = tf.split(tf.add(tf.matMul(xt, kernel), inBias), 3, 1);
        const [hz, hr, hh] = tf.split(tf.add(tf.matMul(state, recurrent), recBias), 3, 1);
        const z = activate(tf.add(xz, hz), l.recurrentActivation);
        const r = activate(tf.add(xr, hr), l.recurrentActivation);
        const candidate = activate(tf.add(xh, tf.mul(r, hh)), l.activation);
        state = tf.add(tf.mul(z, state), tf.mul(tf.sub(1, z), candidate)) as tf.Tensor2D;
        outputs.push(state);
      }
      const last = i === c.layers.length - 1;
      seq = (last && !c.returnSequences ? tf.expandDims(state, 1) : tf.stack(outputs, 1)) as tf.Tensor3D;
    });
    if (c.head.kind === 'none') return seq;
    const kernel = tf.tensor2d(tensors.get(names.find((n) => !n.startsWith('gru') && n.endsWith('/kernel')) as string) as Float32Array, [
      seq.shape[2],
      c.head.units,
    ]);
    const biasName = names.find((n) => !n.startsWith('gru') && n.endsWith('/bias'));
    const bias = biasName ? tf.tensor1d(tensors.get(biasName) as Float32Array) : tf.zeros([c.head.units]);
    return activate(tf.add(tf.matMul(tf.reshape(seq, [-1, seq.shape[2]]), kernel), bias), c.head.activation).reshape([s, seq.shape[1], c.head.units]);
  });
}
