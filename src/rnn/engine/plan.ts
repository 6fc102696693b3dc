import type { Kernel, PreparedCell, PreparedDense } from '../kernels/types.js';
import { layerOutputSize, type MergeMode, type ModelSpec, stateFloats } from '../model/spec.js';

/** A layer ready to run: its kernel-packed weights and where its state sits in a stream's slot. */
export type PlannedLayer =
  | { readonly type: 'recurrent'; readonly name: string; readonly cell: PreparedCell; readonly stateOffset: number; readonly returnSequences: boolean }
  | {
      readonly type: 'bidirectional';
      readonly name: string;
      readonly forward: PreparedCell;
      readonly backward: PreparedCell;
      readonly forwardOffset: number;
      readonly backwardOffset: number;
      readonly mergeMode: MergeMode;
      readonly returnSequences: boolean;
    }
  | { readonly type: 'dense'; readonly name: string; readonly dense: PreparedDense };

export interface ExecutionPlan {
  readonly layers: readonly PlannedLayer[];
  /** Floats of one stream's slot: every layer's state, each padded to 4 floats (16 bytes). */
  readonly slotFloats: number;
  /** The widest layer input or output: the size of a row in the ping-pong buffers. */
  readonly maxWidth: number;
  /** The first layer that needs the whole sequence, if any: such a model cannot run online. */
  readonly offlineOnly?: string;
}

const padded = (floats: number) => Math.ceil(floats / 4) * 4;

/** Packs every layer's weights with the kernel and lays out the per-stream state slot. */
export function planModel(spec: ModelSpec, kernel: Kernel): ExecutionPlan {
  let slotFloats = 0;
  let maxWidth = spec.inputSize;
  let offlineOnly: string | undefined;
  const take = (floats: number) => {
    const offset = slotFloats * 4;
    slotFloats += padded(floats);
    return offset;
  };
  const planLayer = (layer: ModelSpec['layers'][number]): PlannedLayer => {
    maxWidth = Math.max(maxWidth, layerOutputSize(layer));
    switch (layer.type) {
      case 'recurrent': {
        const w = layer.weights;
        const stateOffset = take(stateFloats(w.cell, w.units));
        return { type: 'recurrent', name: layer.name, cell: kernel.prepareCell(w), stateOffset, returnSequences: layer.returnSequences };
      }
      case 'bidirectional': {
        offlineOnly ??= layer.name;
        const forwardOffset = take(stateFloats(layer.forward.cell, layer.forward.units));
        const backwardOffset = take(stateFloats(layer.backward.cell, layer.backward.units));
        // The two directions produce separate rows before they are merged.
        maxWidth = Math.max(maxWidth, 2 * layer.forward.units);
        return {
          type: 'bidirectional',
          name: layer.name,
          forward: kernel.prepareCell(layer.forward),
          backward: kernel.prepareCell(layer.backward),
          forwardOffset,
          backwardOffset,
          mergeMode: layer.mergeMode,
          returnSequences: layer.returnSequences,
        };
      }
      case 'dense':
        return { type: 'dense', name: layer.name, dense: kernel.prepareDense(layer.weights) };
    }
  };
  const layers = spec.layers.map(planLayer);
  return { layers, slotFloats: Math.max(slotFloats, 4), maxWidth, offlineOnly };
}
