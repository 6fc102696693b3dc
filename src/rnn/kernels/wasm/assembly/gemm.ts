// Register-blocked panel GEMM. A packed matrix is a list of panels; panel p holds K rows of V
// vectors (4 columns each), row-major, so the k loop reads it sequentially. Per k we splat one
// input float per stream and multiply it into the V panel vectors: 4 streams x 3 vectors (or one
// stream x 4 panels x 3 vectors) make 12 independent accumulator chains, which hide the add
// latency (no FMA in wasm SIMD) and, with 3 panel vectors and a splat, fit the 15 xmm registers
// V8 allocates. P and V are constants at each call of the @inline tiles, so after inlining
// Binaryen folds the `if (V > 2)` guards away and every variant is straight code.
//
// init/out address the accumulators of (stream s, panel p) as base + s*stride + p*stride; a zero
// stream stride broadcasts a bias, and init == out continues an earlier accumulation.

// @ts-ignore: decorator
@inline
function madd(a: v128, x: v128, w: v128): v128 {
  return f32x4.add(a, f32x4.mul(x, w));
}

/** 4 streams times one panel of V (2 or 3) vectors. */
// @ts-ignore: decorator
@inline
function tile4(
  V: i32, x0: usize, x1: usize, x2: usize, x3: usize, k: i32, w: usize,
  init: usize, initS: usize, out: usize, outS: usize,
): void {
  const z = f32x4.splat(0);
  const i1 = init + initS, i2 = i1 + initS, i3 = i2 + initS;
  let a00 = v128.load(init), a01 = v128.load(init, 16), a02 = V > 2 ? v128.load(init, 32) : z;
  let a10 = v128.load(i1), a11 = v128.load(i1, 16), a12 = V > 2 ? v128.load(i1, 32) : z;
  let a20 = v128.load(i2), a21 = v128.load(i2, 16), a22 = V > 2 ? v128.load(i2, 32) : z;
  let a30 = v128.load(i3), a31 = v128.load(i3, 16), a32 = V > 2 ? v128.load(i3, 32) : z;
  for (let i = 0; i < k; i++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = V > 2 ? v128.load(w, 32) : z;
    let s = v128.load32_splat(x0);
    a00 = madd(a00, s, w0); a01 = madd(a01, s, w1); if (V > 2) a02 = madd(a02, s, w2);
    s = v128.load32_splat(x1);
    a10 = madd(a10, s, w0); a11 = madd(a11, s, w1); if (V > 2) a12 = madd(a12, s, w2);
    s = v128.load32_splat(x2);
    a20 = madd(a20, s, w0); a21 = madd(a21, s, w1); if (V > 2) a22 = madd(a22, s, w2);
    s = v128.load32_splat(x3);
    a30 = madd(a30, s, w0); a31 = madd(a31, s, w1); if (V > 2) a32 = madd(a32, s, w2);
    x0 += 4; x1 += 4; x2 += 4; x3 += 4;
    w += <usize>(V << 4);
  }
  const o1 = out + outS, o2 = o1 + outS, o3 = o2 + outS;
  v128.store(out, a00); v128.store(out, a01, 16); if (V > 2) v128.store(out, a02, 32);
  v128.store(o1, a10); v128.store(o1, a11, 16); if (V > 2) v128.store(o1, a12, 32);
  v128.store(o2, a20); v128.store(o2, a21, 16); if (V > 2) v128.store(o2, a22, 32);
  v128.store(o3, a30); v128.store(o3, a31, 16); if (V > 2) v128.store(o3, a32, 32);
}

/** One stream times P (1..4) panels of V (2 or 3) vectors, panels wP bytes apart: the batch-1 path. */
// @ts-ignore: decorator
@inline
function tileP(
  P: i32, V: i32, x: usize, k: i32, w: usize, wP: usize,
  init: usize, initP: usize, out: usize, outP: usize,
): void {
  const z = f32x4.splat(0);
  let w0 = w, w1 = w0 + wP, w2 = w1 + wP, w3 = w2 + wP;
  const i1 = init + initP, i2 = i1 + initP, i3 = i2 + initP;
  let a00 = v128.load(init), a01 = v128.load(init, 16), a02 = V > 2 ? v128.load(init, 32) : z;
  let a10 = z, a11 = z, a12 = z, a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
  if (P > 1) { a10 = v128.load(i1); a11 = v128.load(i1, 16); if (V > 2) a12 = v128.load(i1, 32); }
  if (P > 2) { a20 = v128.load(i2); a21 = v128.load(i2, 16); if (V > 2) a22 = v128.load(i2, 32); }
  if (P > 3) { a30 = v128.load(i3); a31 = v128.load(i3, 16); if (V > 2) a32 = v128.load(i3, 32); }
  const step = <usize>(V << 4);
  for (let i = 0; i < k; i++) {
    const s = v128.load32_splat(x);
    a00 = madd(a00, s, v128.load(w0)); a01 = madd(a01, s, v128.load(w0, 16)); if (V > 2) a02 = madd(a02, s, v128.load(w0, 32));
    w0 += step;
    if (P > 1) {
      a10 = madd(a10, s, v128.load(w1)); a11 = madd(a11, s, v128.load(w1, 16)); if (V > 2) a12 = madd(a12, s, v128.load(w1, 32));
      w1 += step;
    }
    if (P > 2) {
      a20 = madd(a20, s, v128.load(w2)); a21 = madd(a21, s, v128.load(w2, 16)); if (V > 2) a22 = madd(a22, s, v128.load(w2, 32));
      w2 += step;
    }
    if (P > 3) {
      a30 = madd(a30, s, v128.load(w3)); a31 = madd(a31, s, v128.load(w3, 16)); if (V > 2) a32 = madd(a32, s, v128.load(w3, 32));
      w3 += step;
    }
    x += 4;
  }
  const o1 = out + outP, o2 = o1 + outP, o3 = o2 + outP;
  v128.store(out, a00); v128.store(out, a01, 16); if (V > 2) v128.store(out, a02, 32);
  if (P > 1) { v128.store(o1, a10); v128.store(o1, a11, 16); if (V > 2) v128.store(o1, a12, 32); }
  if (P > 2) { v128.store(o2, a20); v128.store(o2, a21, 16); if (V > 2) v128.store(o2, a22, 32); }
  if (P > 3) { v128.store(o3, a30); v128.store(o3, a31, 16); if (V > 2) v128.store(o3, a32, 32); }
}

/** Four streams (input pointers x0..x3, k floats each) times all np panels of V (2 or 3) vectors. */
export function gemm4(
  V: i32, x0: usize, x1: usize, x2: usize, x3: usize, k: i32, w: usize, wP: usize, np: i32,
  init: usize, initS: usize, initP: usize, out: usize, outS: usize, outP: usize,
): void {
  for (let p = 0; p < np; p++) {
    if (V == 3) tile4(3, x0, x1, x2, x3, k, w, init, initS, out, outS);
    else tile4(2, x0, x1, x2, x3, k, w, init, initS, out, outS);
    w += wP; init += initP; out += outP;
  }
}

/** One stream times all np panels, 4 panels per pass, the 0..3 left over in one last pass. */
export function gemm1(V: i32, x: usize, k: i32, w: usize, wP: usize, np: i32, init: usize, initP: usize, out: usize, outP: usize): void {
  let p = 0;
  for (; p + 4 <= np; p += 4) {
    if (V == 3) tileP(4, 3, x, k, w, wP, init, initP, out, outP);
    else tileP(4, 2, x, k, w, wP, init, initP, out, outP);
    w += wP * 4; init += initP * 4; out += outP * 4;
  }
  const r = np - p;
  if (V == 3) {
    if (r == 3) tileP(3, 3, x, k, w, wP, init, initP, out, outP);
    else if (r == 2) tileP(2, 3, x, k, w, wP, init, initP, out, outP);
    else if (r == 1) tileP(1, 3, x, k, w, wP, init, initP, out, outP);
  } else {
    if (r == 3) tileP(3, 2, x, k, w, wP, init, initP, out, outP);
    else if (r == 2) tileP(2, 2, x, k, w, wP, init, initP, out, outP);
    else if (r == 1) tileP(1, 2, x, k, w, wP, init, initP, out, outP);
  }
}
