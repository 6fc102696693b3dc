import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { StreamingModel } from '../src/rnn/engine/streaming-model.js';
import type { KernelName } from '../src/rnn/kernels/types.js';
import { maxScaledDiff, randomFloats, seededRandom } from './helpers/random.js';
import { patchResetAfter, referenceResetAfter } from './helpers/reset-after-reference.js';
import {
  buildTfjsModel,
  type CellType,
  loadFromMemory,
  type ModelCase,
  modelCase,
  randomizeWeights,
  saveToMemory,
  weightScale,
} from './helpers/tfjs-models.js';

const KERNELS: KernelName[] = ['js', 'wasm'];
const RUNS = Number(process.env.PARITY_RUNS ?? 200);
const TOLERANCE = 1e-5;
/** Fixed so CI is repeatable; PARITY_SEED=random explores new cases (thousands passed when this was set). */
const SEED = process.env.PARITY_SEED === 'random' ? undefined : Number(process.env.PARITY_SEED ?? 20261122);

interface Schedule {
  streams: number;
  steps: number;
  /** Batches of [stream index, step index]; each stream's steps appear in order. */
  batches: [number, number][][];
  snapshotAfter: number;
}

/** A random interleaving of every stream's steps, cut into batches of random size. */
const schedule = fc
  .record({ streams: fc.integer({ min: 1, max: 4 }), steps: fc.integer({ min: 1, max: 9 }), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }) })
  .map(({ streams, steps, seed }): Schedule => {
    const random = seededRandom(seed);
    const order = Array.from({ length: streams * steps }, (_, i) => i % streams);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const cap = 1 + Math.floor(random() * (streams + 1));
    const next = new Array(streams).fill(0);
    const batches: [number, number][][] = [];
    let batch: [number, number][] = [];
    for (const s of order) {
      if (batch.length >= cap || batch.some(([b]) => b === s)) {
        batches.push(batch);
        batch = [];
      }
      batch.push([s, next[s]++]);
    }
    batches.push(batch);
    return { streams, steps, batches, snapshotAfter: Math.floor(random() * batches.length) };
  });

/** Runs the schedule, and from the snapshot point also on a restored copy, which must agree bit for bit. */
function runOnline(model: StreamingModel, fresh: () => StreamingModel, x: Float32Array, plan: Schedule, d: number): Float32Array[][] {
  const outputs: Float32Array[][] = Array.from({ length: plan.streams }, () => []);
  let restored: StreamingModel | undefined;
  plan.batches.forEach((batch, k) => {
    if (k === plan.snapshotAfter) {
      restored = fresh();
      restored.restore(model.snapshot());
    }
    const inputs = new Float32Array(batch.length * d);
    for (const [i, [s, t]] of batch.entries()) inputs.set(x.subarray((s * plan.steps + t) * d, (s * plan.steps + t + 1) * d), i * d);
    const ids = batch.map(([s]) => `stream-${s}`);
    const out = model.step(ids, inputs);
    if (restored) {
      const again = restored.step(ids, inputs);
      expect(Buffer.from(again.buffer).equals(Buffer.from(out.buffer))).toBe(true);
    }
    const o = model.outputSize;
    for (const [i, [s]] of batch.entries()) outputs[s].push(out.slice(i * o, (i + 1) * o));
  });
  return outputs;
}

async function checkCase(c: ModelCase, plan: Schedule): Promise<void> {
  const tfModel = buildTfjsModel(c);
  randomizeWeights(tfModel, c);
  let saved = await saveToMemory(tfModel);
  const x = randomFloats(plan.streams * plan.steps * c.inputSize, seededRandom(c.seed + 1), 1);
  const input = tf.tensor3d(x, [plan.streams, plan.steps, c.inputSize]);
  let expected: Float32Array;
  if (c.cell === 'gru-reset-after') {
    const patched = patchResetAfter(saved, c.seed, weightScale(c));
    saved = patched.saved;
    const out = referenceResetAfter(c, patched.tensors, input);
    expected = out.dataSync() as Float32Array;
    out.dispose();
  } else {
    const out = tfModel.predict(input) as tf.Tensor;
    expected = out.dataSync() as Float32Array;
    out.dispose();
  }
  input.dispose();
  tfModel.dispose();

  const loaded = loadFromMemory(saved);
  const everyStep = c.returnSequences;
  for (const kernel of KERNELS) {
    const model = StreamingModel.fromLoaded(loaded, { kernel });
    expect(model.kernelName).toBe(kernel);
    const outputs = runOnline(model, () => StreamingModel.fromLoaded(loaded, { kernel }), x, plan, c.inputSize);
    const o = model.outputSize;
    for (let s = 0; s < plan.streams; s++) {
      const got = everyStep ? outputs[s] : [outputs[s][plan.steps - 1]];
      const rows = everyStep ? plan.steps : 1;
      const want = expected.subarray(s * rows * o, (s + 1) * rows * o);
      const diff = maxScaledDiff(Float32Array.from(got.flatMap((r) => [...r])), want);
      expect(diff, `${kernel} stream ${s}`).toBeLessThanOrEqual(TOLERANCE);
    }
    const sequence = model.predictSequence(x.subarray(0, plan.steps * c.inputSize));
    const rows = everyStep ? sequence : sequence.subarray((plan.steps - 1) * o);
    expect(maxScaledDiff(rows, expected.subarray(0, (everyStep ? plan.steps : 1) * o)), `${kernel} predictSequence`).toBeLessThanOrEqual(TOLERANCE);
  }
}

describe('online stepping equals tfjs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const cells: CellType[] = ['simple', 'gru', 'gru-reset-after', 'lstm'];
  for (const cell of cells) {
    it(`${cell}: ${RUNS} random models, interleaved streams, both kernels, snapshot/restore`, async () => {
      await fc.assert(fc.asyncProperty(modelCase(cell), schedule, checkCase), { numRuns: RUNS, seed: SEED });
    }, 300_000);
  }
});
