import type { CellWeights, DenseWeights } from '../model/spec.js';
import type { Arena } from './arena.js';

export type KernelName = 'js' | 'wasm';

/** A cell's weights packed into an arena by one kernel, in whatever layout that kernel likes. */
export interface PreparedCell {
  readonly weights: CellWeights;
}

export interface PreparedDense {
  readonly weights: DenseWeights;
}

/**
 * Numeric kernels. A kernel computes one layer for a batch of streams; the engine owns the batch,
 * the state pool and the order of layers. All pointers are byte offsets into the arena the kernel
 * was bound to, 16-byte aligned.
 *
 * State layout of one stream in one layer (the engine's contract with every kernel):
 * `units` floats of h, followed for an LSTM by `units` floats of c.
 */
export interface Kernel {
  readonly name: KernelName;
  readonly arena: Arena;

  /** Packs a cell's weights into the arena (weights pre-transposed or panelled as the kernel wants). */
  prepareCell(weights: CellWeights): PreparedCell;
  prepareDense(weights: DenseWeights): PreparedDense;

  /**
   * One time step of one recurrent layer for `batch` streams.
   * @param xPtr batch x inputSize floats, row-major (the layer input of each stream)
   * @param statePtrsPtr batch int32 byte offsets, one per stream, to that stream's state for this
   *   layer; read as s_{t-1} and overwritten with s_t
   * @param outPtr batch x units floats: receives each stream's new h (the next layer's input)
   */
  stepCell(cell: PreparedCell, batch: number, xPtr: number, statePtrsPtr: number, outPtr: number): void;

  /** out = act(in . kernel + bias) for `batch` rows; softmax is taken per row. */
  dense(layer: PreparedDense, batch: number, inPtr: number, outPtr: number): void;
}

export type KernelFactory = (arena: Arena) => Kernel;
