import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsLayersPeer } from '../src/bench/peers/tfjs-layers-peer.js';
import { createTfjsOpsPeer } from '../src/bench/peers/tfjs-ops-peer.js';
import type { StepPeer } from '../src/bench/peers/types.js';
import { type Activation, type CellKind, type CellWeights, GATES } from '../src/rnn/model/spec.js';
import { tfjsWasmFeatures, tryUseTfjsNode, useTfjsBackend } from '../src/tfjs/backend.js';

const D = 5;
const H = 7;
const B = 3;
const STEPS = 6;
const TOL = 1e-5;

/** Deterministic uniform floats in [-scale, scale) (mulberry32), so failures reproduce. */
function rng(seed: number): (scale: number) => number {
  let s = seed >>> 0;
  return (scale) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  };
}

function fill(n: number, r: (s: number) => number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => r(scale));
}

function weights(cell: CellKind, resetAfter: boolean, recurrentActivation: Activation, seed: number): CellWeights {
  const r = rng(seed);
  const n = GATES[cell] * H;
  return {
    cell,
    inputSize: D,
    units: H,
    activation: 'tanh',
    recurrentActivation,
    resetAfter,
    kernel: fill(D * n, r, 0.8),
    recurrentKernel: fill(H * n, r, 0.8),
    bias: fill(n, r, 0.5),
    recurrentBias: resetAfter ? fill(n, r, 0.5) : new Float32Array(n),
  };
}

function inputs(seed: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: STEPS }, () => fill(B * D, r, 1.5));
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const hardSigmoid = (x: number): number => Math.min(1, Math.max(0, 0.2 * x + 0.5));

/** Independent float64 reference, written from the Keras equations (not from either peer). */
function referenceRun(w: CellWeights, xs: Float32Array[]): Float64Array[] {
  const rec = w.recurrentActivation === 'sigmoid' ? sigmoid : hardSigmoid;
  const n = GATES[w.cell] * H;
  const h = new Float64Array(B * H);
  const c = new Float64Array(B * H);
  const outs: Float64Array[] = [];
  // column k of (v · M) for a rows x n matrix M
  const mv = (v: ArrayLike<number>, off: number, m: Float32Array, rows: number, k: number): number => {
    let s = 0;
    for (let i = 0; i < rows; i++) s += v[off + i] * m[i * n + k];
    return s;
  };
  for (const x of xs) {
    const next = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const gx = (k: number): number => w.bias[k] + mv(x, b * D, w.kernel, D, k);
      const gh = (k: number): number => w.recurrentBias[k] + mv(h, b * H, w.recurrentKernel, H, k);
      if (w.cell === 'lstm') {
        for (let j = 0; j < H; j++) {
          const i = rec(gx(j) + gh(j));
          const f = rec(gx(H + j) + gh(H + j));
          const g = Math.tanh(gx(2 * H + j) + gh(2 * H + j));
          const o = rec(gx(3 * H + j) + gh(3 * H + j));
          c[b * H + j] = f * c[b * H + j] + i * g;
          next[b * H + j] = o * Math.tanh(c[b * H + j]);
        }
        continue;
      }
      const rh = new Float64Array(H);
      for (let j = 0; j < H; j++) rh[j] = rec(gx(H + j) + gh(H + j)) * h[b * H + j];
      for (let j = 0; j < H; j++) {
        const z = rec(gx(j) + gh(j));
        const r = rec(gx(H + j) + gh(H + j));
        const recurrent = w.resetAfter ? r * gh(2 * H + j) : mv(rh, 0, w.recurrentKernel, H, 2 * H + j);
        const candidate = Math.tanh(gx(2 * H + j) + recurrent);
        next[b * H + j] = z * h[b * H + j] + (1 - z) * candidate;
      }
    }
    h.set(next);
    outs.push(next);
  }
  return outs;
}

function run(peer: StepPeer, xs: Float32Array[]): Float32Array[] {
  try {
    return xs.map((x) => Float32Array.from(peer.step(x)));
  } finally {
    peer.dispose();
  }
}

function maxDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let m = 0;
  a.forEach((row, t) => {
    expect(row.length).toBe(b[t].length);
    for (let i = 0; i < row.length; i++) m = Math.max(m, Math.abs(row[i] - b[t][i]));
  });
  return m;
}

/** Guards against vacuous agreement: outputs must be sizeable and keep changing with the state. */
function expectNonTrivial(outs: ArrayLike<number>[]): void {
  expect(Math.max(...outs.flatMap((o) => Array.from(o, Math.abs)))).toBeGreaterThan(0.05);
  expect(maxDiff([outs[STEPS - 1]], [outs[STEPS - 2]])).toBeGreaterThan(1e-3);
}

const cases = [
  { name: 'GRU (resetAfter=false, sigmoid gates)', w: weights('gru', false, 'sigmoid', 1) },
  { name: 'LSTM (hard_sigmoid gates)', w: weights('lstm', false, 'hard_sigmoid', 2) },
  { name: 'LSTM (sigmoid gates)', w: weights('lstm', false, 'sigmoid', 3) },
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`tfjs peers on the ${backend} backend`, () => {
    beforeAll(async () => {
      await useTfjsBackend(backend);
      expect(tf.getBackend()).toBe(backend);
    });

    for (const { name, w } of cases) {
      it(`${name}: layers peer and ops peer agree, and match the float64 reference`, async () => {
        const xs = inputs(100 + w.kernel.length);
        const layers = run(await createTfjsLayersPeer(w, B), xs);
        const ops = run(createTfjsOpsPeer(w, B), xs);
        const ref = referenceRun(w, xs);
        expectNonTrivial(ref);
        expect(maxDiff(layers, ops)).toBeLessThanOrEqual(TOL);
        expect(maxDiff(ops, ref)).toBeLessThanOrEqual(TOL);
      });
    }

    it('GRU resetAfter=true: ops peer matches the float64 reference; layers peer refuses', async () => {
      const w = weights('gru', true, 'sigmoid', 4);
      const xs = inputs(7);
      const ref = referenceRun(w, xs);
      expectNonTrivial(ref);
      expect(maxDiff(run(createTfjsOpsPeer(w, B), xs), ref)).toBeLessThanOrEqual(TOL);
      // The reset-after recurrent bias must matter, or the check above could not tell the forms apart.
      expect(maxDiff(ref, referenceRun({ ...w, resetAfter: false }, xs))).toBeGreaterThan(1e-2);
      await expect(createTfjsLayersPeer(w, B)).rejects.toThrow(/resetAfter/);
    });

    it('a perturbed weight is detected (the tolerance is not vacuous)', () => {
      const w = cases[0].w;
      const kernel = w.kernel.slice();
      kernel[3] += 1e-3;
      const xs = inputs(9);
      const diff = maxDiff(run(createTfjsOpsPeer({ ...w, kernel }, B), xs), referenceRun(w, xs));
      expect(diff).toBeGreaterThan(TOL);
    });
  });
}

describe('tfjs backend helpers', () => {
  afterAll(async () => {
    await useTfjsBackend('cpu');
  });

  it('reports the wasm features and quietly declines tfjs-node when it cannot load', async () => {
    await useTfjsBackend('wasm');
    const features = await tfjsWasmFeatures();
    expect(features.threads).toBeGreaterThanOrEqual(1);
    expect(typeof features.simd).toBe('boolean');
    expect(typeof (await tryUseTfjsNode())).toBe('boolean');
  });
});
