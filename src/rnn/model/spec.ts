/**
 * The in-memory description of a model recur can run: a chain of layers with their weights in
 * Keras' canonical layout (row-major, gates concatenated along the last axis). Loading produces it
 * from the TensorFlow.js layers format; kernels turn it into their own packed layout.
 */

export type Activation = 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'hard_sigmoid' | 'softmax';
export const RECURRENT_ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'tanh', 'sigmoid', 'hard_sigmoid'];
export const DENSE_ACTIVATIONS: readonly Activation[] = [...RECURRENT_ACTIVATIONS, 'softmax'];

export type CellKind = 'simple' | 'gru' | 'lstm';

/** Gates per cell, in Keras order: GRU [z, r, h], LSTM [i, f, c, o]. */
export const GATES: Readonly<Record<CellKind, number>> = { simple: 1, gru: 3, lstm: 4 };

/** Floats of state one stream holds for one layer of this kind (h, plus c for an LSTM). */
export function stateFloats(cell: CellKind, units: number): number {
  return cell === 'lstm' ? 2 * units : units;
}

/** Weights and settings of one recurrent cell (one direction). */
export interface CellWeights {
  readonly cell: CellKind;
  readonly inputSize: number;
  readonly units: number;
  readonly activation: Activation;
  /** Gate activation (GRU, LSTM); unused by the simple cell. */
  readonly recurrentActivation: Activation;
  /** GRU only: true is Keras 2/3's default (separate recurrent bias, reset applied after the matmul). */
  readonly resetAfter: boolean;
  /** inputSize x (gates*units), row-major. */
  readonly kernel: Float32Array;
  /** units x (gates*units), row-major. */
  readonly recurrentKernel: Float32Array;
  /** gates*units (zeros when the layer has use_bias=false). */
  readonly bias: Float32Array;
  /** gates*units; only GRU with resetAfter has one (zeros otherwise). */
  readonly recurrentBias: Float32Array;
}

export interface DenseWeights {
  readonly inputSize: number;
  readonly units: number;
  readonly activation: Activation;
  /** inputSize x units, row-major. */
  readonly kernel: Float32Array;
  /** units. */
  readonly bias: Float32Array;
}

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export type LayerSpec =
  | { readonly type: 'recurrent'; readonly name: string; readonly returnSequences: boolean; readonly weights: CellWeights }
  | {
      readonly type: 'bidirectional';
      readonly name: string;
      readonly returnSequences: boolean;
      readonly mergeMode: MergeMode;
      readonly forward: CellWeights;
      readonly backward: CellWeights;
    }
  | { readonly type: 'dense'; readonly name: string; readonly weights: DenseWeights };

export interface ModelSpec {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly layers: readonly LayerSpec[];
}

export function layerOutputSize(layer: LayerSpec): number {
  switch (layer.type) {
    case 'recurrent':
      return layer.weights.units;
    case 'dense':
      return layer.weights.units;
    case 'bidirectional':
      return layer.mergeMode === 'concat' ? 2 * layer.forward.units : layer.forward.units;
  }
}
