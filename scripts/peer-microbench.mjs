// Microseconds per step of the two tfjs peers on the wasm backend, as JSON on stdout.
// Usage: npx tsc -p tsconfig.build.json && node scripts/peer-microbench.mjs [--ms 1000]
import { performance } from 'node:perf_hooks';
import { createTfjsLayersPeer } from '../dist/bench/peers/tfjs-layers-peer.js';
import { createTfjsOpsPeer } from '../dist/bench/peers/tfjs-ops-peer.js';
import { tfjsWasmFeatures, tryUseTfjsNode, useTfjsBackend } from '../dist/tfjs/backend.js';

const D = 40;
const H = 128;
const BATCHES = [1, 256, 4096];
const msArg = process.argv.indexOf('--ms');
const TARGET_MS = msArg > 0 ? Number(process.argv[msArg + 1]) : 1000;

let seed = 12345;
const rand = (scale) => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return (seed / 4294967296 - 0.5) * 2 * scale;
};
const fill = (n, scale) => Float32Array.from({ length: n }, () => rand(scale));

function weights(cell) {
  const n = (cell === 'gru' ? 3 : 4) * H;
  return {
    cell,
    inputSize: D,
    units: H,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    resetAfter: false, // the layers peer only has the original GRU form
    kernel: fill(D * n, 0.2),
    recurrentKernel: fill(H * n, 0.1),
    bias: fill(n, 0.1),
    recurrentBias: new Float32Array(n),
  };
}

/** Steps until `ms` has passed (at least 5 steps); mean microseconds per step. */
function time(peer, frames, ms) {
  let steps = 0;
  const start = performance.now();
  let now = start;
  while (steps < 5 || now - start < ms) {
    peer.step(frames[steps % frames.length]);
    steps++;
    now = performance.now();
  }
  return { usPerStep: Math.round(((now - start) * 1000) / steps), steps };
}

const tfjsNode = await tryUseTfjsNode();
await useTfjsBackend('wasm');
const results = [];
for (const cell of ['gru', 'lstm']) {
  const w = weights(cell);
  for (const batch of BATCHES) {
    const frames = [0, 1, 2, 3].map(() => fill(batch * D, 1));
    for (const make of [() => createTfjsLayersPeer(w, batch), () => createTfjsOpsPeer(w, batch)]) {
      const peer = await make();
      time(peer, frames, TARGET_MS / 4); // warm-up: JIT and tfjs/XNNPACK first-use caches
      const t = time(peer, frames, TARGET_MS);
      peer.dispose();
      results.push({ impl: peer.impl, cell, D, H, batch, ...t, usPerStream: +(t.usPerStep / batch).toFixed(3) });
    }
  }
}
console.log(JSON.stringify({ backend: 'wasm', tfjsWasm: await tfjsWasmFeatures(), tfjsNode, results }, null, 2));
