import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, RecurError } from '../../../errors.js';
import { type Activation, type CellWeights, type DenseWeights, GATES } from '../../model/spec.js';
import type { Arena } from '../arena.js';
import type { Kernel, PreparedCell, PreparedDense } from '../types.js';

/** Field order of the descriptors the wasm side reads (assembly/layout.ts). */
const CELL_FIELDS = [
  'kind',
  'd',
  'h',
  'act',
  'recAct',
  'resetAfter',
  'np',
  'v',
  'wx',
  'wh',
  'biasX',
  'biasH',
  'whh',
  'npHH',
  'accX',
  'accH',
  'ah',
  'rh',
  'rs',
] as const;
const DENSE_FIELDS = ['d', 'n', 'act', 'np', 'w', 'bias', 'acc'] as const;
type Fields<F extends readonly string[]> = Record<F[number], number>;

const ACT_CODES: Record<Activation, number> = { linear: 0, relu: 1, tanh: 2, sigmoid: 3, hard_sigmoid: 4, softmax: 5 };
const KIND_CODES = { simple: 0, gru: 1, lstm: 2 } as const;
/** Streams per tile on the wasm side: scratch buffers hold this many streams' accumulators. */
const TILE = 4;

interface WasmCell extends PreparedCell {
  readonly desc: number;
}
interface WasmDense extends PreparedDense {
  readonly desc: number;
}

interface KernelExports {
  stepCell(desc: number, batch: number, xPtr: number, statePtrsPtr: number, outPtr: number): void;
  dense(desc: number, batch: number, inPtr: number, outPtr: number): void;
}

const WASM_URL = new URL('../../../../build/recur-kernels.wasm', import.meta.url);
/** The smallest module using a v128 (from wasm-feature-detect): validates only with SIMD. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
let compiled: WebAssembly.Module | undefined;

/** Compiles build/recur-kernels.wasm once (synchronously, so kernels can be created anywhere). */
function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new RecurError(ErrorCodes.KERNEL, 'the wasm kernel needs WebAssembly SIMD, which this runtime does not support; use the js kernel');
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(fileURLToPath(WASM_URL)));
  } catch (cause) {
    throw new RecurError(ErrorCodes.KERNEL, `wasm kernel binary not found at ${fileURLToPath(WASM_URL)}: run npm run build:wasm`, {}, { cause });
  }
  compiled = new WebAssembly.Module(bytes);
  return compiled;
}

export function wasmKernelAvailable(): boolean {
  try {
    kernelModule();
    return true;
  } catch {
    return false;
  }
}

/**
 * Packs columns of a rows x cols row-major matrix into np panels of `rows` rows x v vectors of 4
 * floats. The gate vectors are numbered q = unitBlock * gates + gate and dealt out in order, v per
 * panel, so the accumulators of unit-block u, gate g sit at (u * gates + g) * 16 bytes whatever v
 * is. Vector q reads columns gOff + g*units + 4u .. +3; units past `units` are zero padding.
 */
function pack(src: Float32Array, rows: number, cols: number, units: number, gates: number, gOff: number, v: number, np: number): Float32Array {
  const out = new Float32Array(np * rows * v * 4);
  const vectors = Math.ceil(units / 4) * gates;
  let i = 0;
  for (let p = 0; p < np; p++) {
    for (let r = 0; r < rows; r++) {
      for (let q = p * v; q < (p + 1) * v; q++, i += 4) {
        if (q >= vectors) continue;
        const g = q % gates;
        const unit = 4 * Math.floor(q / gates);
        for (let lane = 0; lane < 4 && unit + lane < units; lane++) out[i + lane] = src[r * cols + gOff + g * units + unit + lane];
      }
    }
  }
  return out;
}

/**
 * The WebAssembly SIMD kernel (assembly/): weights packed into column panels at prepare time,
 * register-blocked GEMM tiles of 4 streams fused with the gate math. Same numbers as the JS
 * reference to ~1e-6 (float32 accumulation, ~2-ulp exp).
 */
export class WasmKernel implements Kernel {
  readonly name = 'wasm' as const;
  readonly arena: Arena;
  readonly #exports: KernelExports;

  constructor(arena: Arena) {
    this.arena = arena;
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: arena.memory } });
    this.#exports = instance.exports as unknown as KernelExports;
  }

  prepareCell(weights: CellWeights): WasmCell {
    const { cell, inputSize: d, units: h, resetAfter } = weights;
    if (weights.activation === 'softmax' || weights.recurrentActivation === 'softmax') {
      throw new RecurError(ErrorCodes.MODEL_UNSUPPORTED, `softmax is not a cell activation (${cell} cell)`);
    }
    const gates = GATES[cell];
    const n = gates * h;
    // Panels of 3 vectors: a 4-stream tile then keeps 12 accumulator chains in registers.
    const v = 3;
    const np = Math.ceil((Math.ceil(h / 4) * gates) / v);
    const gruBefore = cell === 'gru' && !resetAfter;
    const npHH = gruBefore ? Math.ceil(h / 12) : 0;
    const gru = cell === 'gru';
    const bx = weights.bias.map((b, c) => b + (gru && c >= 2 * h ? 0 : weights.recurrentBias[c]));
    const bh = weights.recurrentBias.map((b, c) => (gru && resetAfter && c >= 2 * h ? b : 0));
    const ah = 16 * Math.max(gru ? np * v : 0, npHH * 3);
    const rs = 16 * Math.ceil(h / 4);
    const a = this.arena;
    const f: Fields<typeof CELL_FIELDS> = {
      kind: KIND_CODES[cell],
      d,
      h,
      act: ACT_CODES[weights.activation],
      recAct: ACT_CODES[weights.recurrentActivation],
      resetAfter: resetAfter ? 1 : 0,
      np,
      v,
      wx: a.allocFloats(pack(weights.kernel, d, n, h, gates, 0, v, np)),
      // GRU reset-before: only z and r over the state rows (one unit-block per panel).
      wh: a.allocFloats(gruBefore ? pack(weights.recurrentKernel, h, n, h, 2, 0, 2, np) : pack(weights.recurrentKernel, h, n, h, gates, 0, v, np)),
      biasX: a.allocFloats(pack(bx, 1, n, h, gates, 0, v, np)),
      biasH: gruBefore ? a.alloc(npHH * 48) : a.allocFloats(pack(bh, 1, n, h, gates, 0, v, np)),
      whh: gruBefore ? a.allocFloats(pack(weights.recurrentKernel, h, n, h, 1, 2 * h, 3, npHH)) : 0,
      npHH,
      accX: a.alloc(TILE * np * v * 16),
      accH: a.alloc(TILE * ah),
      ah,
      rh: a.alloc(TILE * rs),
      rs,
    };
    return { weights, desc: this.#descriptor(CELL_FIELDS, f) };
  }

  prepareDense(weights: DenseWeights): WasmDense {
    const { inputSize: d, units: n } = weights;
    const np = Math.ceil(n / 12);
    const a = this.arena;
    const f: Fields<typeof DENSE_FIELDS> = {
      d,
      n,
      act: ACT_CODES[weights.activation],
      np,
      w: a.allocFloats(pack(weights.kernel, d, n, n, 1, 0, 3, np)),
      bias: a.allocFloats(pack(weights.bias, 1, n, n, 1, 0, 3, np)),
      acc: a.alloc(TILE * np * 48),
    };
    return { weights, desc: this.#descriptor(DENSE_FIELDS, f) };
  }

  stepCell(cell: PreparedCell, batch: number, xPtr: number, statePtrsPtr: number, outPtr: number): void {
    if (batch > 0) this.#exports.stepCell((cell as WasmCell).desc, batch, xPtr, statePtrsPtr, outPtr);
  }

  dense(layer: PreparedDense, batch: number, inPtr: number, outPtr: number): void {
    if (batch > 0) this.#exports.dense((layer as WasmDense).desc, batch, inPtr, outPtr);
  }

  #descriptor<F extends readonly string[]>(order: F, fields: Fields<F>): number {
    const ptr = this.arena.alloc(order.length * 4);
    const i32 = this.arena.i32;
    order.forEach((name: F[number], i) => {
      i32[(ptr >> 2) + i] = fields[name];
    });
    return ptr;
  }
}

export function createWasmKernel(arena: Arena): WasmKernel {
  return new WasmKernel(arena);
}
