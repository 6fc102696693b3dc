// out = act(in . W + b) for a batch of rows, with the cells' GEMM tiles (panels of 12 units).
// Softmax is taken over the row's real units only (padding lanes hold 0, not -inf).

import { Dense, field } from './layout';
import { gemm1, gemm4 } from './gemm';
import { Act, actRange, loadTail, storeTail, vexp } from './vmath';

export function dense(desc: usize, batch: i32, inPtr: usize, outPtr: usize): void {
  const d = field(desc, Dense.D), n = field(desc, Dense.N), a = field(desc, Dense.Act);
  const np = field(desc, Dense.NP), w = <usize>field(desc, Dense.W), bias = <usize>field(desc, Dense.Bias);
  const acc = <usize>field(desc, Dense.Acc);
  const rowIn = <usize>d << 2, rowOut = <usize>n << 2, AS = <usize>np * 48, wP = <usize>d * 48;
  let b = 0;
  while (b < batch) {
    const T = batch - b >= 4 ? 4 : 1;
    const x = inPtr + <usize>b * rowIn;
    if (T == 4) gemm4(3, x, x + rowIn, x + 2 * rowIn, x + 3 * rowIn, d, w, wP, np, bias, 0, 48, acc, AS, 48);
    else gemm1(3, x, d, w, wP, np, bias, 48, acc, 48);
    for (let s = 0; s < T; s++) {
      const out = outPtr + <usize>(b + s) * rowOut, src = acc + <usize>s * AS;
      if (a == Act.Softmax) softmax(src, out, n);
      else {
        actRange(src, (n + 3) >> 2, 16, a);
        for (let j = 0; j < n; j += 4) storeTail(out + (<usize>j << 2), v128.load(src + (<usize>j << 2)), n - j);
      }
    }
    b += T;
  }
}

function softmax(src: usize, out: usize, n: i32): void {
  let max = load<f32>(src);
  for (let j = 1; j < n; j++) max = Mathf.max(max, load<f32>(src + (<usize>j << 2)));
  const m = f32x4.splat(max);
  let sum: f32 = 0;
  for (let j = 0; j < n; j += 4) {
    const off = <usize>j << 2;
    storeTail(out + off, vexp(f32x4.sub(v128.load(src + off), m)), n - j);
  }
  for (let j = 0; j < n; j++) sum += load<f32>(out + (<usize>j << 2));
  const inv = f32x4.splat(sum);
  for (let j = 0; j < n; j += 4) {
    const off = <usize>j << 2;
    storeTail(out + off, f32x4.div(loadTail(out + off, n - j), inv), n - j);
  }
}
