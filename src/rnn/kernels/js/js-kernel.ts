import { scalarActivation, softmaxInPlace } from '../../activations.js';
import { type Activation, type CellWeights, type DenseWeights, GATES } from '../../model/spec.js';
import type { Arena } from '../arena.js';
import type { Kernel, PreparedCell, PreparedDense } from '../types.js';

/** Weights transposed so every gate unit is a dot product over a contiguous row. */
interface JsCell extends PreparedCell {
  readonly kernelT: Float32Array; // N x D
  readonly recurrentT: Float32Array; // N x H
  readonly act: (x: number) => number;
  readonly recAct: (x: number) => number;
}

interface JsDense extends PreparedDense {
  readonly kernelT: Float32Array; // units x inputSize
  readonly act: ((x: number) => number) | 'softmax';
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
  return t;
}

function dot(w: Float32Array, wOff: number, v: Float32Array | Float64Array, vOff: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += w[wOff + k] * v[vOff + k];
  return s;
}

function activationFn(a: Activation): (x: number) => number {
  if (a === 'softmax') throw new Error('softmax is not a cell activation');
  return scalarActivation(a);
}

/**
 * The reference kernel: plain loops in float64 over Float32Array storage, one stream at a time.
 * Always available, easy to read, and the yardstick the wasm kernel is tested against.
 */
export class JsKernel implements Kernel {
  readonly name = 'js' as const;
  readonly arena: Arena;
  #gates = new Float64Array(0);
  #recurrent = new Float64Array(0);
  #scratch = new Float64Array(0);

  constructor(arena: Arena) {
    this.arena = arena;
  }

  prepareCell(weights: CellWeights): JsCell {
    const n = GATES[weights.cell] * weights.units;
    this.#ensureScratch(n + weights.units * 2);
    return {
      weights,
      kernelT: transpose(weights.kernel, weights.inputSize, n),
      recurrentT: transpose(weights.recurrentKernel, weights.units, n),
      act: activationFn(weights.activation),
      recAct: activationFn(weights.recurrentActivation),
    };
  }

  prepareDense(weights: DenseWeights): JsDense {
    return {
      weights,
      kernelT: transpose(weights.kernel, weights.inputSize, weights.units),
      act: weights.activation === 'softmax' ? 'softmax' : scalarActivation(weights.activation),
    };
  }

  stepCell(prepared: PreparedCell, batch: number, xPtr: number, statePtrsPtr: number, outPtr: number): void {
    const cell = prepared as JsCell;
    const { inputSize: d, units: h, bias, recurrentBias } = cell.weights;
    const n = GATES[cell.weights.cell] * h;
    const f32 = this.arena.f32;
    const i32 = this.arena.i32;
    const gx = this.#gates;
    const gh = this.#recurrent;
    for (let b = 0; b < batch; b++) {
      const x = (xPtr >> 2) + b * d;
      const s = i32[(statePtrsPtr >> 2) + b] >> 2;
      const out = (outPtr >> 2) + b * h;
      // The original-form GRU multiplies its candidate's recurrent kernel by r*h, not h (see #gru).
      const recurrentColumns = cell.weights.cell === 'gru' && !cell.weights.resetAfter ? 2 * h : n;
      for (let j = 0; j < n; j++) gx[j] = bias[j] + dot(cell.kernelT, j * d, f32, x, d);
      for (let j = 0; j < recurrentColumns; j++) gh[j] = recurrentBias[j] + dot(cell.recurrentT, j * h, f32, s, h);
      switch (cell.weights.cell) {
        case 'simple':
          for (let j = 0; j < h; j++) f32[out + j] = cell.act(gx[j] + gh[j]);
          break;
        case 'gru':
          this.#gru(cell, f32, s, out);
          break;
        case 'lstm':
          for (let j = 0; j < h; j++) {
            const i = cell.recAct(gx[j] + gh[j]);
            const f = cell.recAct(gx[h + j] + gh[h + j]);
            const g = cell.act(gx[2 * h + j] + gh[2 * h + j]);
            const o = cell.recAct(gx[3 * h + j] + gh[3 * h + j]);
            const c = f * f32[s + h + j] + i * g;
            f32[s + h + j] = c;
            f32[out + j] = o * cell.act(c);
          }
          break;
      }
      for (let j = 0; j < h; j++) f32[s + j] = f32[out + j];
    }
  }

  #gru(cell: JsCell, f32: Float32Array, s: number, out: number): void {
    const h = cell.weights.units;
    const gx = this.#gates;
    const gh = this.#recurrent;
    const z = this.#scratch;
    if (cell.weights.resetAfter) {
      for (let j = 0; j < h; j++) {
        const zj = cell.recAct(gx[j] + gh[j]);
        const r = cell.recAct(gx[h + j] + gh[h + j]);
        const candidate = cell.act(gx[2 * h + j] + r * gh[2 * h + j]);
        f32[out + j] = zj * f32[s + j] + (1 - zj) * candidate;
      }
      return;
    }
    // Original form: the reset gate scales the state before the candidate's recurrent matmul.
    const rh = z; // rh[0..h), zGate[h..2h)
    for (let j = 0; j < h; j++) {
      rh[j] = cell.recAct(gx[h + j] + gh[h + j]) * f32[s + j];
      z[h + j] = cell.recAct(gx[j] + gh[j]);
    }
    for (let j = 0; j < h; j++) {
      const candidate = cell.act(gx[2 * h + j] + dot(cell.recurrentT, (2 * h + j) * h, rh, 0, h));
      f32[out + j] = z[h + j] * f32[s + j] + (1 - z[h + j]) * candidate;
    }
  }

  dense(prepared: PreparedDense, batch: number, inPtr: number, outPtr: number): void {
    const layer = prepared as JsDense;
    const { inputSize: d, units: n, bias } = layer.weights;
    const f32 = this.arena.f32;
    for (let b = 0; b < batch; b++) {
      const x = (inPtr >> 2) + b * d;
      const out = (outPtr >> 2) + b * n;
      for (let j = 0; j < n; j++) {
        const v = bias[j] + dot(layer.kernelT, j * d, f32, x, d);
        f32[out + j] = layer.act === 'softmax' ? v : layer.act(v);
      }
      if (layer.act === 'softmax') softmaxInPlace(f32, out, n);
    }
  }

  #ensureScratch(n: number): void {
    if (this.#gates.length >= n) return;
    this.#gates = new Float64Array(n);
    this.#recurrent = new Float64Array(n);
    this.#scratch = new Float64Array(n);
  }
}
