import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { StreamingModel } from '../src/rnn/engine/streaming-model.js';
import { folderSaveHandler } from '../src/train/save-handler.js';
import { maxAbsDiff, randomFloats, seededRandom } from './helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-model-'));
const T = 7;
const D = 3;

function sequence(seed: number): Float32Array {
  return randomFloats(T * D, seededRandom(seed), 1);
}

/** A stacked LSTM + GRU + TimeDistributed(Dense) with dropout, saved by tfjs itself to a folder. */
async function saveStackedModel(folder: string): Promise<Float32Array> {
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: 6, returnSequences: true, inputShape: [null, D] }));
  model.add(tf.layers.dropout({ rate: 0.3 }));
  model.add(tf.layers.gru({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' }));
  model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'softmax' }) }));
  await model.save(folderSaveHandler(folder));
  const out = model.predict(tf.tensor3d(sequence(1), [1, T, D])) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  model.dispose();
  return values;
}

async function expectCode(promise: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
  await expect(promise).rejects.toThrow(text);
}

describe('loading the TensorFlow.js layers format', () => {
  let expected: Float32Array;
  const folder = join(dir, 'stacked');

  beforeAll(async () => {
    await tf.setBackend('cpu');
    expected = await saveStackedModel(folder);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a model tfjs saved and gives the same outputs, online and offline', async () => {
    const model = await StreamingModel.load(folder);
    expect(model.inputSize).toBe(D);
    expect(model.outputSize).toBe(2);
    expect(maxAbsDiff(model.predictSequence(sequence(1)), expected)).toBeLessThanOrEqual(1e-5);
    const online: number[] = [];
    const x = sequence(1);
    for (let t = 0; t < T; t++) online.push(...model.step(['s'], x.subarray(t * D, (t + 1) * D)));
    expect(maxAbsDiff(online, expected)).toBeLessThanOrEqual(1e-5);
  });

  it('saves a loaded model back in the same format', async () => {
    const model = await StreamingModel.load(join(folder, 'model.json'));
    const copy = join(dir, 'copy');
    model.save(copy);
    const again = await StreamingModel.load(copy);
    expect(again.fingerprint).toBe(model.fingerprint);
    expect(maxAbsDiff(again.predictSequence(sequence(2)), model.predictSequence(sequence(2)))).toBe(0);
    // tfjs itself reads what recur wrote.
    const json = JSON.parse(readFileSync(join(copy, 'model.json'), 'utf8'));
    const weights = readFileSync(join(copy, json.weightsManifest[0].paths[0]));
    const reloaded = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: new Uint8Array(weights).buffer }),
    );
    const out = reloaded.predict(tf.tensor3d(sequence(1), [1, T, D])) as tf.Tensor;
    expect(maxAbsDiff(out.dataSync(), expected)).toBeLessThanOrEqual(1e-6);
  });

  it('refuses malformed model.json with the file name and the parse error', async () => {
    const bad = join(dir, 'bad-json');
    copyModel(folder, bad);
    writeFileSync(join(bad, 'model.json'), '{"modelTopology": {');
    await expectCode(StreamingModel.load(bad), ErrorCodes.MODEL_FORMAT, /bad-json\/model\.json is not valid JSON/);
    writeFileSync(join(bad, 'model.json'), '{"modelTopology": {"class_name": "Sequential", "config": {"layers": []}}}');
    await expectCode(StreamingModel.load(bad), ErrorCodes.MODEL_FORMAT, /missing 'weightsManifest'/);
  });

  it('refuses a missing shard, naming it', async () => {
    const missing = join(dir, 'missing');
    copyModel(folder, missing);
    rmSync(join(missing, 'weights.bin'));
    await expectCode(StreamingModel.load(missing), ErrorCodes.MODEL_WEIGHTS, /weight shard 'weights\.bin' cannot be read \(ENOENT\)/);
  });

  it('refuses a shard of the wrong size, with both sizes', async () => {
    const short = join(dir, 'short');
    copyModel(folder, short);
    const bytes = readFileSync(join(short, 'weights.bin'));
    writeFileSync(join(short, 'weights.bin'), bytes.subarray(0, bytes.length - 8));
    await expectCode(
      StreamingModel.load(short),
      ErrorCodes.MODEL_WEIGHTS,
      new RegExp(`hold ${bytes.length - 8} bytes but the manifest describes ${bytes.length} bytes`),
    );
  });

  it('names the layer and setting it cannot run', async () => {
    const conv = tf.sequential();
    conv.add(tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [null, D] }));
    await conv.save(folderSaveHandler(join(dir, 'conv')));
    await expectCode(StreamingModel.load(join(dir, 'conv')), ErrorCodes.MODEL_UNSUPPORTED, /class 'Conv1D' is not supported; supported: SimpleRNN, GRU, LSTM/);

    const elu = tf.sequential();
    elu.add(tf.layers.gru({ units: 2, activation: 'elu', inputShape: [null, D] }));
    await elu.save(folderSaveHandler(join(dir, 'elu')));
    await expectCode(
      StreamingModel.load(join(dir, 'elu')),
      ErrorCodes.MODEL_UNSUPPORTED,
      /\(GRU\): activation: 'elu' is not supported; supported: linear, relu, tanh, sigmoid, hard_sigmoid/,
    );
  });

  it('runs Bidirectional offline, equal to tfjs, and refuses it online with the reason', async () => {
    const model = tf.sequential();
    model.add(tf.layers.bidirectional({ layer: tf.layers.gru({ units: 4, returnSequences: true }) as tf.RNN, inputShape: [T, D], mergeMode: 'concat' }));
    model.add(tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3 }) as tf.RNN, mergeMode: 'ave' }));
    await model.save(folderSaveHandler(join(dir, 'bidi')));
    const out = model.predict(tf.tensor3d(sequence(3), [1, T, D])) as tf.Tensor;
    const streaming = await StreamingModel.load(join(dir, 'bidi'));
    expect(streaming.online).toBe(false);
    expect(maxAbsDiff(streaming.predictSequence(sequence(3)), out.dataSync())).toBeLessThanOrEqual(1e-5);
    expect(() => streaming.step(['s'], new Float32Array(D))).toThrow(/Bidirectional: it needs the future of the sequence/);
  });
});

function copyModel(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}
