import cliProgress from 'cli-progress';
import { StreamingModel } from '../rnn/engine/streaming-model.js';
import { wasmKernelAvailable } from '../rnn/kernels/wasm/wasm-kernel.js';
import { type CellKind, GATES } from '../rnn/model/spec.js';
import { tfjsWasmFeatures, useTfjsBackend } from '../tfjs/backend.js';
import { measureStreamMemory } from './memory.js';
import { createTfjsLayersPeer } from './peers/tfjs-layers-peer.js';
import { createTfjsOpsPeer } from './peers/tfjs-ops-peer.js';
import type { StepPeer } from './peers/types.js';
import { randomCell, singleCellModel } from './random-cell.js';
import { timeIt } from './timing.js';

export type Impl = 'recur-js' | 'recur-wasm' | 'tfjs-layers' | 'tfjs-wasm-ops';

export interface StepResult {
  impl: Impl;
  cell: CellKind;
  D: number;
  H: number;
  B: number;
  stepsPerSec: number;
  gflops: number;
  /** Mean wall time of one step call for the whole batch, microseconds. */
  latencyUs: number;
}

export interface StepBenchOptions {
  json: boolean;
  quick: boolean;
  ms: number;
}

const SIZES: [number, number][] = [
  [8, 64],
  [40, 128],
  [40, 256],
];
const BATCHES = [1, 16, 256, 4096];

/** A stepper for one implementation: returns a function that advances B streams by one frame. */
async function stepper(impl: Impl, cell: CellKind, d: number, h: number, b: number): Promise<{ step: () => void; dispose: () => void }> {
  const weights = randomCell(cell, d, h);
  const x = new Float32Array(b * d).map((_, i) => Math.sin(i));
  if (impl === 'recur-js' || impl === 'recur-wasm') {
    const model = StreamingModel.fromLoaded(singleCellModel(weights), { kernel: impl === 'recur-js' ? 'js' : 'wasm' });
    const ids = Array.from({ length: b }, (_, i) => `stream-${i}`);
    return { step: () => void model.step(ids, x), dispose: () => {} };
  }
  const peer: StepPeer = impl === 'tfjs-layers' ? await createTfjsLayersPeer(weights, b) : createTfjsOpsPeer(weights, b);
  return { step: () => void peer.step(x), dispose: () => peer.dispose() };
}

function ratio(a: StepResult | undefined, b: StepResult | undefined): number | null {
  return a && b ? Number((a.stepsPerSec / b.stepsPerSec).toFixed(2)) : null;
}

/** `recur bench step`: every implementation on the same weights, in the same process. */
export async function runStepBench(options: StepBenchOptions, out: (line: string) => void, log: (line: string) => void): Promise<void> {
  await useTfjsBackend('wasm');
  const tfjs = await tfjsWasmFeatures();
  const impls: Impl[] = ['recur-js', ...(wasmKernelAvailable() ? (['recur-wasm'] as const) : []), 'tfjs-layers', 'tfjs-wasm-ops'];
  const sizes = options.quick ? SIZES.slice(1, 2) : SIZES;
  const batches = options.quick ? [1, 256] : BATCHES;
  const cells: CellKind[] = ['gru', 'lstm'];
  const total = cells.length * sizes.length * batches.length * impls.length;
  const bar =
    process.stderr.isTTY && !options.json
      ? new cliProgress.SingleBar({ format: 'bench step [{bar}] {value}/{total} {case}' }, cliProgress.Presets.shades_classic)
      : undefined;
  bar?.start(total, 0, { case: '' });
  const results: StepResult[] = [];
  for (const cell of cells) {
    for (const [d, h] of sizes) {
      for (const b of batches) {
        for (const impl of impls) {
          bar?.increment(0, { case: `${impl} ${cell} D=${d} H=${h} B=${b}` });
          const runner = await stepper(impl, cell, d, h, b);
          const { meanUs } = timeIt(runner.step, options.ms);
          runner.dispose();
          const stepsPerSec = (b * 1e6) / meanUs;
          const flops = 2 * (d + h) * GATES[cell] * h;
          results.push({
            impl,
            cell,
            D: d,
            H: h,
            B: b,
            stepsPerSec: Math.round(stepsPerSec),
            gflops: Number(((flops * stepsPerSec) / 1e9).toFixed(3)),
            latencyUs: Number(meanUs.toFixed(2)),
          });
          bar?.increment(1);
        }
      }
    }
  }
  bar?.stop();
  const memory = measureStreamMemory(options.quick ? 10_000 : 100_000, wasmKernelAvailable() ? 'wasm' : 'js');
  const find = (impl: Impl, r: StepResult) => results.find((x) => x.impl === impl && x.cell === r.cell && x.D === r.D && x.H === r.H && x.B === r.B);
  const ratios = results
    .filter((r) => r.impl === 'recur-wasm')
    .map((r) => ({
      cell: r.cell,
      D: r.D,
      H: r.H,
      B: r.B,
      wasmVsTfjsOps: ratio(r, find('tfjs-wasm-ops', r)),
      wasmVsTfjsLayers: ratio(r, find('tfjs-layers', r)),
      wasmVsJs: ratio(r, find('recur-js', r)),
    }));
  const report = {
    results,
    bytesPerStream: memory.bytesPerStream,
    memory,
    ratios,
    environment: { node: process.version, tfjsWasmSimd: tfjs.simd, tfjsWasmThreads: tfjs.threads, gruForm: 'reset_after=false (the form tfjs-layers runs)' },
  };
  if (options.json) {
    out(JSON.stringify(report));
    return;
  }
  out('impl          cell  D   H    B     steps/s      GFLOP/s  us/step');
  for (const r of results) {
    out(
      `${r.impl.padEnd(13)} ${r.cell.padEnd(5)} ${String(r.D).padEnd(3)} ${String(r.H).padEnd(4)} ${String(r.B).padEnd(5)} ${String(r.stepsPerSec).padStart(10)} ${r.gflops.toFixed(2).padStart(9)} ${r.latencyUs.toFixed(1).padStart(9)}`,
    );
  }
  out('\nrecur-wasm speed-up (stream-steps/s ratio)');
  for (const r of ratios)
    out(`${r.cell} D=${r.D} H=${r.H} B=${r.B}: x${r.wasmVsTfjsOps} vs tfjs-wasm ops, x${r.wasmVsTfjsLayers} vs tfjs-layers, x${r.wasmVsJs} vs recur-js`);
  out(`\nmemory: ${JSON.stringify(memory)}`);
  log('');
}
