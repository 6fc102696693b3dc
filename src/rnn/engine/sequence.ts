import type { Arena } from '../kernels/arena.js';
import type { Kernel, PreparedCell, PreparedDense } from '../kernels/types.js';
import type { MergeMode } from '../model/spec.js';
import type { ExecutionPlan } from './plan.js';
import type { StatePool } from './state-pool.js';

/** What the offline path borrows from a StreamingModel: its kernel, memory and scratch buffers. */
export interface SequenceContext {
  readonly kernel: Kernel;
  readonly arena: Arena;
  readonly pool: StatePool;
  readonly plan: ExecutionPlan;
  /** Two scratch buffers of `rowsPerCall` rows of plan.maxWidth floats. */
  readonly buffers: readonly [number, number];
  readonly rowsPerCall: number;
  /** Room for rowsPerCall int32 pointers. */
  readonly pointers: number;
}

/** Runs one cell over a whole sequence (forwards or backwards) from the zero state at statePtr. */
function runCell(ctx: SequenceContext, cell: PreparedCell, statePtr: number, seq: Float32Array, rows: number, reverse: boolean): Float32Array {
  const { inputSize: d, units: h } = cell.weights;
  const out = new Float32Array(rows * h);
  const [x, y] = ctx.buffers;
  ctx.arena.i32[ctx.pointers >> 2] = statePtr;
  for (let s = 0; s < rows; s++) {
    const t = reverse ? rows - 1 - s : s;
    ctx.arena.f32.set(seq.subarray(t * d, (t + 1) * d), x >> 2);
    ctx.kernel.stepCell(cell, 1, x, ctx.pointers, y);
    out.set(ctx.arena.f32.subarray(y >> 2, (y >> 2) + h), t * h);
  }
  return out;
}

function runDense(ctx: SequenceContext, dense: PreparedDense, seq: Float32Array, rows: number): Float32Array {
  const { inputSize: d, units: n } = dense.weights;
  const out = new Float32Array(rows * n);
  const [x, y] = ctx.buffers;
  for (let start = 0; start < rows; start += ctx.rowsPerCall) {
    const count = Math.min(ctx.rowsPerCall, rows - start);
    ctx.arena.f32.set(seq.subarray(start * d, (start + count) * d), x >> 2);
    ctx.kernel.dense(dense, count, x, y);
    out.set(ctx.arena.f32.subarray(y >> 2, (y >> 2) + count * n), start * n);
  }
  return out;
}

/** Keras' merge of a Bidirectional layer's two outputs, row by row. */
function merge(mode: MergeMode, forward: Float32Array, backward: Float32Array, rows: number, units: number): Float32Array {
  if (mode !== 'concat') {
    return forward.map((f, i) => {
      const b = backward[i];
      return mode === 'sum' ? f + b : mode === 'mul' ? f * b : (f + b) / 2;
    });
  }
  const out = new Float32Array(rows * 2 * units);
  for (let t = 0; t < rows; t++) {
    out.set(forward.subarray(t * units, (t + 1) * units), t * 2 * units);
    out.set(backward.subarray(t * units, (t + 1) * units), t * 2 * units + units);
  }
  return out;
}

/** The offline path: every layer over the whole sequence in turn, from zero state. */
export function runSequence(ctx: SequenceContext, inputs: Float32Array, inputSize: number): Float32Array {
  let rows = inputs.length / inputSize;
  const slot = ctx.pool.acquire(undefined);
  const base = ctx.pool.pointer(slot);
  try {
    let seq = inputs;
    for (const layer of ctx.plan.layers) {
      if (layer.type === 'recurrent') {
        seq = runCell(ctx, layer.cell, base + layer.stateOffset, seq, rows, false);
      } else if (layer.type === 'dense') {
        seq = runDense(ctx, layer.dense, seq, rows);
      } else {
        const units = layer.forward.weights.units;
        let forward = runCell(ctx, layer.forward, base + layer.forwardOffset, seq, rows, false);
        let backward = runCell(ctx, layer.backward, base + layer.backwardOffset, seq, rows, true);
        if (!layer.returnSequences) {
          // Keras keeps the forward output after the last step and the backward one after the first.
          forward = forward.slice((rows - 1) * units, rows * units);
          backward = backward.slice(0, units);
          rows = 1;
        }
        seq = merge(layer.mergeMode, forward, backward, rows, units);
      }
    }
    return seq;
  } finally {
    ctx.pool.release(slot);
  }
}
