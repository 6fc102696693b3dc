import * as tf from '@tensorflow/tfjs';
import { type Activation, type CellWeights, GATES } from '../../rnn/model/spec.js';
import type { StepPeer } from './types.js';

type Op = (x: tf.Tensor2D) => tf.Tensor2D;

/** Same definitions as rnn/activations.ts (hard_sigmoid is tfjs' clip(0.2x + 0.5, 0, 1)). */
function activationOp(a: Activation): Op {
  switch (a) {
    case 'linear':
      return (x) => x;
    case 'relu':
      return (x) => tf.relu(x);
    case 'tanh':
      return (x) => tf.tanh(x);
    case 'sigmoid':
      return (x) => tf.sigmoid(x);
    case 'hard_sigmoid':
      return (x) => tf.clipByValue(tf.add<tf.Tensor2D>(tf.mul(x, 0.2), 0.5), 0, 1);
    case 'softmax':
      throw new Error('softmax is not a cell activation');
  }
}

/** Columns [g*units, (g+1)*units) of a rows x (gates*units) row-major matrix, as a tensor. */
function gateColumns(m: Float32Array, rows: number, n: number, g: number, units: number): tf.Tensor2D {
  const out = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * n + g * units, r * n + (g + 1) * units), r * units);
  return tf.tensor2d(out, [rows, units]);
}

/**
 * The hand-written tfjs peer: the same cell math as the JS kernel, as tf ops on [batch, units]
 * tensors, with per-gate weights split once so no step slices. State stays on the backend as
 * tensors; only the output is read back, since recur's step also hands back numbers.
 */
export function createTfjsOpsPeer(w: CellWeights, batch: number): StepPeer {
  if (w.cell === 'simple') throw new Error('tfjs ops peer: only GRU and LSTM cells are benchmarked');
  const { inputSize: d, units } = w;
  const gates = GATES[w.cell];
  const n = gates * units;
  const act = activationOp(w.activation);
  const recAct = activationOp(w.recurrentActivation);
  const gru = w.cell === 'gru';
  // The GRU reset-after candidate keeps its recurrent bias inside r * (...); the original form has
  // none (as the JS kernel). Every other gate folds both biases into one.
  const W: tf.Tensor2D[] = [];
  const U: tf.Tensor2D[] = [];
  const b: tf.Tensor1D[] = [];
  for (let g = 0; g < gates; g++) {
    W.push(gateColumns(w.kernel, d, n, g, units));
    U.push(gateColumns(w.recurrentKernel, units, n, g, units));
    const bg = w.bias.slice(g * units, (g + 1) * units);
    if (!(gru && g === 2)) for (let j = 0; j < units; j++) bg[j] += w.recurrentBias[g * units + j];
    b.push(tf.tensor1d(bg));
  }
  const rbCandidate = gru && w.resetAfter ? tf.tensor1d(w.recurrentBias.slice(2 * units, 3 * units)) : null;
  let h: tf.Tensor2D = tf.zeros([batch, units]);
  let c: tf.Tensor2D | null = gru ? null : tf.zeros([batch, units]);

  const pre = (x: tf.Tensor2D, g: number): tf.Tensor2D => tf.add(tf.matMul(x, W[g]), b[g]);
  const gate = (x: tf.Tensor2D, g: number): tf.Tensor2D => tf.add(pre(x, g), tf.matMul(h, U[g]));

  function gruStep(x: tf.Tensor2D): tf.Tensor2D {
    const z = recAct(gate(x, 0));
    const r = recAct(gate(x, 1));
    const recurrent = rbCandidate ? tf.mul(r, tf.add(tf.matMul(h, U[2]), rbCandidate)) : tf.matMul(tf.mul(r, h), U[2]);
    const candidate = act(tf.add(pre(x, 2), recurrent));
    // z*h + (1-z)*candidate, written with one multiply.
    return tf.add(candidate, tf.mul(z, tf.sub(h, candidate)));
  }

  function lstmStep(x: tf.Tensor2D, cPrev: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const i = recAct(gate(x, 0));
    const f = recAct(gate(x, 1));
    const g = act(gate(x, 2));
    const o = recAct(gate(x, 3));
    const cNew = tf.add<tf.Tensor2D>(tf.mul(f, cPrev), tf.mul(i, g));
    return [tf.mul(o, act(cNew)), cNew];
  }

  return {
    impl: 'tfjs-wasm-ops',
    step(xs: Float32Array): Float32Array {
      const cPrev = c;
      const next = tf.tidy((): tf.Tensor2D[] => {
        const x = tf.tensor2d(xs, [batch, d]);
        return cPrev ? lstmStep(x, cPrev) : [gruStep(x)];
      });
      tf.dispose(cPrev ? [h, cPrev] : h);
      h = next[0];
      c = cPrev ? next[1] : null;
      return h.dataSync() as Float32Array;
    },
    dispose(): void {
      tf.dispose([...W, ...U, ...b, h]);
      if (c) c.dispose();
      if (rbCandidate) rbCandidate.dispose();
    },
  };
}
