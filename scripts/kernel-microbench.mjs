// Microbenchmark of one recurrent step: ns per stream-step of the wasm kernel vs the JS reference
// for GRU and LSTM at a few sizes and batches, printed as JSON. Runs the compiled kernels in dist/
// (npx tsc -p tsconfig.build.json) and build/recur-kernels.wasm (npm run build:wasm).
// --tfjs adds tfjs-backend-wasm doing the same GRU/LSTM step with one tf.matMul per gate and input.
import { performance } from 'node:perf_hooks';

const dist = new URL('../dist/rnn/', import.meta.url);
const { Arena } = await import(new URL('kernels/arena.js', dist).href);
const { JsKernel } = await import(new URL('kernels/js/js-kernel.js', dist).href);
const { createWasmKernel } = await import(new URL('kernels/wasm/wasm-kernel.js', dist).href);

const withTfjs = process.argv.includes('--tfjs');
const quick = process.argv.includes('--quick');
const SIZES = [
  [8, 64],
  [40, 128],
  [40, 256],
];
const BATCHES = withTfjs ? [1, 16, 256, 4096] : [1, 16, 256];
const GATES = { gru: 3, lstm: 4 };

function rand(n, scale) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (Math.random() * 2 - 1) * scale;
  return a;
}

function weights(cell, d, h) {
  const n = GATES[cell] * h;
  const s = 1 / Math.sqrt(d + h);
  return {
    cell,
    inputSize: d,
    units: h,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    resetAfter: true,
    kernel: rand(d * n, s),
    recurrentKernel: rand(h * n, s),
    bias: rand(n, 0.1),
    recurrentBias: cell === 'gru' ? rand(n, 0.1) : new Float32Array(n),
  };
}

/** Runs fn repeatedly for about `ms` after a warm-up; returns the mean ms per call. */
function time(fn, ms) {
  fn();
  let iters = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms || iters < 3) {
    fn();
    iters++;
    t = performance.now();
  }
  return (t - t0) / iters;
}

function kernelBench(make, w, batch, ms) {
  const arena = new Arena();
  const k = make(arena);
  const p = k.prepareCell(w);
  const sf = (w.cell === 'lstm' ? 2 : 1) * w.units;
  const slot = Math.ceil(sf / 4) * 16;
  const page = arena.alloc((batch + 1) * slot);
  const ptrs = arena.alloc(batch * 4);
  for (let b = 0; b < batch; b++) arena.i32[(ptrs >> 2) + b] = page + ((b * 7) % batch) * slot;
  const x = arena.allocFloats(rand(batch * w.inputSize, 1));
  const out = arena.alloc(batch * w.units * 4);
  return time(() => k.stepCell(p, batch, x, ptrs, out), ms);
}

let tf;
async function tfjsBench(w, batch, ms) {
  if (!tf) {
    tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    await tf.ready();
  }
  const { inputSize: d, units: h } = w;
  const g = GATES[w.cell];
  const split = (m, rows) => Array.from({ length: g }, (_, i) => tf.tensor2d(m, [rows, g * h]).slice([0, i * h], [rows, h]));
  const W = split(w.kernel, d);
  const U = split(w.recurrentKernel, h);
  const b = Array.from({ length: g }, (_, i) => tf.tensor1d(w.bias.subarray(i * h, (i + 1) * h)));
  const rb = Array.from({ length: g }, (_, i) => tf.tensor1d(w.recurrentBias.subarray(i * h, (i + 1) * h)));
  const x = tf.tensor2d(rand(batch * d, 1), [batch, d]);
  let hs = tf.zeros([batch, h]);
  let cs = tf.zeros([batch, h]);
  const step = () => {
    const [nh, nc] = tf.tidy(() => {
      const gx = (i) => tf.add(tf.matMul(x, W[i]), b[i]);
      const gh = (i) => tf.matMul(hs, U[i]);
      if (w.cell === 'gru') {
        const z = tf.sigmoid(tf.add(gx(0), tf.add(gh(0), rb[0])));
        const r = tf.sigmoid(tf.add(gx(1), tf.add(gh(1), rb[1])));
        const c = tf.tanh(tf.add(gx(2), tf.mul(r, tf.add(gh(2), rb[2]))));
        return [tf.add(tf.mul(z, hs), tf.mul(tf.sub(1, z), c)), cs.clone()];
      }
      const i = tf.sigmoid(tf.add(gx(0), gh(0)));
      const f = tf.sigmoid(tf.add(gx(1), gh(1)));
      const c = tf.add(tf.mul(f, cs), tf.mul(i, tf.tanh(tf.add(gx(2), gh(2)))));
      const o = tf.sigmoid(tf.add(gx(3), gh(3)));
      return [tf.mul(o, tf.tanh(c)), c];
    });
    hs.dispose();
    cs.dispose();
    hs = nh;
    cs = nc;
    hs.dataSync();
  };
  const t = time(step, ms);
  tf.dispose([...W, ...U, ...b, ...rb, x, hs, cs]);
  return t;
}

const results = [];
for (const cell of ['gru', 'lstm']) {
  for (const [d, h] of SIZES) {
    const w = weights(cell, d, h);
    const flops = 2 * (d + h) * GATES[cell] * h;
    for (const batch of BATCHES) {
      const ms = quick ? 60 : 250;
      const wasmMs = kernelBench(createWasmKernel, w, batch, ms);
      const row = { cell, d, h, batch, wasmNs: (wasmMs * 1e6) / batch, wasmGflops: (flops * batch) / (wasmMs * 1e6) };
      if (batch <= 256) row.jsNs = (kernelBench((a) => new JsKernel(a), w, batch, ms) * 1e6) / batch;
      if (row.jsNs) row.speedupVsJs = row.jsNs / row.wasmNs;
      if (withTfjs && batch >= 256) {
        row.tfjsWasmNs = ((await tfjsBench(w, batch, ms)) * 1e6) / batch;
        row.speedupVsTfjs = row.tfjsWasmNs / row.wasmNs;
      }
      for (const k of Object.keys(row)) if (typeof row[k] === 'number' && !Number.isInteger(row[k])) row[k] = Number(row[k].toPrecision(4));
      results.push(row);
    }
  }
}
console.log(JSON.stringify({ unit: 'ns per stream-step', results }, null, 1));
