import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Arena } from '../src/rnn/kernels/arena.js';
import { JsKernel } from '../src/rnn/kernels/js/js-kernel.js';
import { createWasmKernel, wasmKernelAvailable } from '../src/rnn/kernels/wasm/wasm-kernel.js';
import { type Activation, type CellKind, type CellWeights, DENSE_ACTIVATIONS, GATES, RECURRENT_ACTIVATIONS, stateFloats } from '../src/rnn/model/spec.js';

const TOL = 1e-5;

beforeAll(() => {
  const wasm = fileURLToPath(new URL('../build/recur-kernels.wasm', import.meta.url));
  if (!existsSync(wasm)) execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url))], { stdio: 'inherit' });
  expect(wasmKernelAvailable()).toBe(true);
}, 120_000);

/** mulberry32: reproducible uniforms from the seed fast-check shrinks on. */
function rng(seed: number): (lo: number, hi: number) => number {
  let a = seed >>> 0;
  return (lo, hi) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

function randomArray(n: number, r: (lo: number, hi: number) => number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => r(-scale, scale));
}

const size = fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1, 3, 4, 7, 8, 12, 13, 16, 32, 64));
const activation = fc.constantFrom(...RECURRENT_ACTIVATIONS);

interface CellCase {
  cell: CellKind;
  d: number;
  h: number;
  batch: number;
  steps: number;
  act: Activation;
  recAct: Activation;
  resetAfter: boolean;
  useBias: boolean;
  seed: number;
}

function cellCase(cell: CellKind): fc.Arbitrary<CellCase> {
  return fc
    .record({
      d: size,
      h: size,
      batch: fc.integer({ min: 1, max: 37 }),
      steps: fc.integer({ min: 1, max: 4 }),
      act: activation,
      recAct: activation,
      resetAfter: fc.boolean(),
      useBias: fc.boolean(),
      seed: fc.integer(),
    })
    .map((c) => ({ ...c, cell }));
}

function makeCell(c: CellCase, r: (lo: number, hi: number) => number): CellWeights {
  const n = GATES[c.cell] * c.h;
  const scale = 1 / Math.sqrt(c.d + c.h);
  const resetAfter = c.cell === 'gru' && c.resetAfter;
  return {
    cell: c.cell,
    inputSize: c.d,
    units: c.h,
    activation: c.act,
    recurrentActivation: c.recAct,
    resetAfter,
    kernel: randomArray(c.d * n, r, scale),
    recurrentKernel: randomArray(c.h * n, r, scale),
    bias: c.useBias ? randomArray(n, r, 0.5) : new Float32Array(n),
    recurrentBias: resetAfter && c.useBias ? randomArray(n, r, 0.5) : new Float32Array(n),
  };
}

/** Max |a - b| over `n` floats at two byte offsets of the arena. */
function maxDiff(f32: Float32Array, a: number, b: number, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(f32[(a >> 2) + i] - f32[(b >> 2) + i]));
  return Number.isNaN(m) ? Infinity : m;
}

/** State slots scattered over one page in a shuffled order, like the engine's slot pages. */
function statePointers(arena: Arena, batch: number, floats: number, r: (lo: number, hi: number) => number): number {
  const slotBytes = Math.ceil((floats * 4) / 16) * 16;
  const slots = batch + 3;
  const page = arena.alloc(slots * slotBytes);
  const order = Array.from({ length: slots }, (_, i) => i).sort(() => r(-1, 1));
  const ptrs = arena.alloc(batch * 4);
  for (let b = 0; b < batch; b++) arena.i32[(ptrs >> 2) + b] = page + order[b] * slotBytes;
  return ptrs;
}

/** Steps the same random cell with both kernels from the same states; outputs and states agree. */
function checkCell(c: CellCase): void {
  const r = rng(c.seed);
  const arena = new Arena();
  const js = new JsKernel(arena);
  const wasm = createWasmKernel(arena);
  const weights = makeCell(c, r);
  const pj = js.prepareCell(weights);
  const pw = wasm.prepareCell(weights);
  const sf = stateFloats(c.cell, c.h);
  const sj = statePointers(arena, c.batch, sf, r);
  const sw = statePointers(arena, c.batch, sf, r);
  for (let b = 0; b < c.batch; b++) {
    const init = randomArray(sf, r, 1);
    arena.f32.set(init, arena.i32[(sj >> 2) + b] >> 2);
    arena.f32.set(init, arena.i32[(sw >> 2) + b] >> 2);
  }
  const oj = arena.alloc(c.batch * c.h * 4);
  const ow = arena.alloc(c.batch * c.h * 4);
  for (let t = 0; t < c.steps; t++) {
    const x = arena.allocFloats(randomArray(c.batch * c.d, r, 1));
    js.stepCell(pj, c.batch, x, sj, oj);
    wasm.stepCell(pw, c.batch, x, sw, ow);
    const f32 = arena.f32;
    expect(maxDiff(f32, oj, ow, c.batch * c.h)).toBeLessThanOrEqual(TOL);
    for (let b = 0; b < c.batch; b++) {
      expect(maxDiff(f32, arena.i32[(sj >> 2) + b], arena.i32[(sw >> 2) + b], sf)).toBeLessThanOrEqual(TOL);
    }
  }
}

describe('WasmKernel matches JsKernel', () => {
  for (const cell of ['simple', 'gru', 'lstm'] as const) {
    it(`${cell} cells: random sizes, activations, batches, steps`, () => {
      fc.assert(
        fc.property(cellCase(cell), (c) => checkCell(c)),
        { numRuns: 200 },
      );
    }, 120_000);
  }

  it('GRU both forms at round sizes, full tiles and tails', () => {
    for (const resetAfter of [true, false]) {
      for (const [d, h, batch] of [
        [40, 128, 16],
        [8, 64, 9],
        [1, 1, 5],
        [13, 7, 37],
      ]) {
        checkCell({ cell: 'gru', d, h, batch, steps: 3, act: 'tanh', recAct: 'sigmoid', resetAfter, useBias: true, seed: d * h + batch });
      }
    }
  });

  it('dense layers with every activation including softmax', () => {
    const dense = fc.record({ d: size, n: size, batch: fc.integer({ min: 1, max: 37 }), act: fc.constantFrom(...DENSE_ACTIVATIONS), seed: fc.integer() });
    fc.assert(
      fc.property(dense, (c) => {
        const r = rng(c.seed);
        const arena = new Arena();
        const js = new JsKernel(arena);
        const wasm = createWasmKernel(arena);
        const weights = {
          inputSize: c.d,
          units: c.n,
          activation: c.act,
          kernel: randomArray(c.d * c.n, r, 2 / Math.sqrt(c.d)),
          bias: randomArray(c.n, r, 0.5),
        };
        const x = arena.allocFloats(randomArray(c.batch * c.d, r, 1));
        const oj = arena.alloc(c.batch * c.n * 4);
        const ow = arena.alloc(c.batch * c.n * 4);
        js.dense(js.prepareDense(weights), c.batch, x, oj);
        wasm.dense(wasm.prepareDense(weights), c.batch, x, ow);
        expect(maxDiff(arena.f32, oj, ow, c.batch * c.n)).toBeLessThanOrEqual(TOL);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('vector exp, sigmoid and tanh: accurate near 0 and saturated far out', () => {
    const xs = [0, 1e-8, -1e-7, 1e-6, 1e-4, -3e-3, 0.1, 0.6249, 0.625, -0.7, 1, 2.5, -5, 9, 12, -30, 88, -100, 1e4, -1e30];
    for (const act of ['tanh', 'sigmoid', 'hard_sigmoid', 'relu'] as const) {
      const arena = new Arena();
      const js = new JsKernel(arena);
      const wasm = createWasmKernel(arena);
      const weights = { inputSize: 1, units: 1, activation: act, kernel: Float32Array.of(1), bias: Float32Array.of(0) };
      const x = arena.allocFloats(xs);
      const oj = arena.alloc(xs.length * 4);
      const ow = arena.alloc(xs.length * 4);
      js.dense(js.prepareDense(weights), xs.length, x, oj);
      wasm.dense(wasm.prepareDense(weights), xs.length, x, ow);
      for (let i = 0; i < xs.length; i++) {
        const want = arena.f32[(oj >> 2) + i];
        const got = arena.f32[(ow >> 2) + i];
        expect(Math.abs(got - want), `${act}(${xs[i]})`).toBeLessThan(1e-6);
        if (Math.abs(want) > 1e-30) expect(Math.abs(got - want) / Math.abs(want), `${act}(${xs[i]}) relative`).toBeLessThan(4e-7);
      }
    }
  });
});
