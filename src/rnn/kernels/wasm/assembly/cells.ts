// One time step of a recurrent layer for a batch of streams, in tiles of 4 streams (then single
// streams). Per tile: the input-row and state-row GEMMs fill small accumulator buffers (L1 hot),
// then elementwise passes apply the gates and write h to `out` and c in place. h is copied into
// the state only after the whole tile is done, because every unit reads the old h.

import { Cell, field } from './layout';
import { gemm1, gemm4 } from './gemm';
import { actRange, loadTail, storeTail } from './vmath';

const KIND_GRU = 1;
const KIND_LSTM = 2;

// Scratch of the current tile: stream pointers, filled by stepCell, read by the helpers.
let X0: usize = 0, X1: usize = 0, X2: usize = 0, X3: usize = 0;
let S0: usize = 0, S1: usize = 0, S2: usize = 0, S3: usize = 0;
let R0: usize = 0, RSB: usize = 0;

/**
 * GEMM over this tile's streams; `which` selects the input rows: 0 x, 1 state h, 2 r*h scratch.
 * Accumulators of one panel are accP bytes apart (init and out alike), whatever V this GEMM uses.
 */
function mm(T: i32, which: i32, V: i32, k: i32, w: usize, np: i32, init: usize, initS: usize, accP: usize, out: usize, outS: usize): void {
  const wP = <usize>k * <usize>(V << 4);
  let a0 = X0, a1 = X1, a2 = X2, a3 = X3;
  if (which == 1) { a0 = S0; a1 = S1; a2 = S2; a3 = S3; }
  else if (which == 2) { a0 = R0; a1 = a0 + RSB; a2 = a1 + RSB; a3 = a2 + RSB; }
  if (T == 4) gemm4(V, a0, a1, a2, a3, k, w, wP, np, init, initS, accP, out, outS, accP);
  else gemm1(V, a0, k, w, wP, np, init, accP, out, accP);
}

function stateOf(s: i32): usize {
  return s == 0 ? S0 : s == 1 ? S1 : s == 2 ? S2 : S3;
}

export function stepCell(desc: usize, batch: i32, xPtr: usize, statePtrs: usize, outPtr: usize): void {
  const d = field(desc, Cell.D), h = field(desc, Cell.H);
  const rowX = <usize>d << 2, rowH = <usize>h << 2;
  RSB = <usize>field(desc, Cell.RS);
  R0 = <usize>field(desc, Cell.Rh);
  let b = 0;
  while (b < batch) {
    const T = batch - b >= 4 ? 4 : 1;
    X0 = xPtr + <usize>b * rowX; X1 = X0 + rowX; X2 = X1 + rowX; X3 = X2 + rowX;
    const sp = statePtrs + (<usize>b << 2);
    S0 = load<u32>(sp);
    if (T == 4) { S1 = load<u32>(sp, 4); S2 = load<u32>(sp, 8); S3 = load<u32>(sp, 12); }
    const out = outPtr + <usize>b * rowH;
    tile(desc, T, out);
    for (let s = 0; s < T; s++) memory.copy(stateOf(s), out + <usize>s * rowH, rowH);
    b += T;
  }
}

function tile(desc: usize, T: i32, out: usize): void {
  const kind = field(desc, Cell.Kind);
  const d = field(desc, Cell.D), h = field(desc, Cell.H);
  const np = field(desc, Cell.NP), V = field(desc, Cell.V);
  const accX = <usize>field(desc, Cell.AccX), accH = <usize>field(desc, Cell.AccH);
  const AX = <usize>(np * V) << 4, AH = <usize>field(desc, Cell.AH);
  const vb = <usize>(V << 4);
  mm(T, 0, V, d, field(desc, Cell.Wx), np, field(desc, Cell.BiasX), 0, vb, accX, AX);
  const resetAfter = field(desc, Cell.ResetAfter) != 0;
  if (kind == KIND_GRU && resetAfter) {
    mm(T, 1, V, h, field(desc, Cell.Wh), np, field(desc, Cell.BiasH), 0, vb, accH, AH);
  } else if (kind == KIND_GRU) {
    // z and r over the state rows continue the input accumulators (2 of each unit-block's 3 vectors).
    mm(T, 1, 2, h, field(desc, Cell.Wh), np, accX, AX, vb, accX, AX);
  } else {
    mm(T, 1, V, h, field(desc, Cell.Wh), np, accX, AX, vb, accX, AX);
  }
  const a = field(desc, Cell.Act), ra = field(desc, Cell.RecAct);
  const rowH = <usize>h << 2;
  if (kind == KIND_LSTM) {
    for (let s = 0; s < T; s++) lstm(accX + <usize>s * AX, stateOf(s), out + <usize>s * rowH, h, a, ra);
  } else if (kind == KIND_GRU && resetAfter) {
    for (let s = 0; s < T; s++) gruAfter(accX + <usize>s * AX, accH + <usize>s * AH, stateOf(s), out + <usize>s * rowH, h, a, ra);
  } else if (kind == KIND_GRU) {
    const rh = <usize>field(desc, Cell.Rh);
    for (let s = 0; s < T; s++) gruGates(accX + <usize>s * AX, stateOf(s), rh + <usize>s * RSB, h, ra);
    mm(T, 2, 3, h, field(desc, Cell.Whh), field(desc, Cell.NPhh), field(desc, Cell.BiasH), 0, 48, accH, AH);
    for (let s = 0; s < T; s++) gruBefore(accX + <usize>s * AX, accH + <usize>s * AH, stateOf(s), out + <usize>s * rowH, h, a);
  } else {
    for (let s = 0; s < T; s++) simple(accX + <usize>s * AX, out + <usize>s * rowH, h, a);
  }
}

// Elementwise passes over one stream's accumulators (unit-block u, gate g at (u*gates + g)*16):
// gate activations first, each as one actRange sweep, then the cell update, so the exp-heavy
// sweeps run as independent iterations instead of one dependent chain per unit.

function simple(ax: usize, out: usize, h: i32, a: i32): void {
  actRange(ax, (h + 3) >> 2, 16, a);
  for (let j = 0; j < h; j += 4) storeTail(out + (<usize>j << 2), v128.load(ax + (<usize>j << 2)), h - j);
}

function lstm(ax: usize, st: usize, out: usize, h: i32, a: i32, ra: i32): void {
  const nub = (h + 3) >> 2, cs = st + (<usize>h << 2);
  actRange(ax, nub, 64, ra);
  actRange(ax + 16, nub, 64, ra);
  actRange(ax + 32, nub, 64, a);
  actRange(ax + 48, nub, 64, ra);
  for (let j = 0; j < h; j += 4) {
    const g = ax + (<usize>j << 4), n = h - j, off = <usize>j << 2; // unit-block j/4: [i, f, c, o]
    const c = f32x4.add(f32x4.mul(v128.load(g, 16), loadTail(cs + off, n)), f32x4.mul(v128.load(g), v128.load(g, 32)));
    storeTail(cs + off, c, n);
    v128.store(g, c, 32);
  }
  actRange(ax + 32, nub, 64, a);
  for (let j = 0; j < h; j += 4) {
    const g = ax + (<usize>j << 4);
    storeTail(out + (<usize>j << 2), f32x4.mul(v128.load(g, 48), v128.load(g, 32)), h - j);
  }
}

// @ts-ignore: decorator
@inline
function blend(z: v128, hOld: v128, cand: v128): v128 {
  return f32x4.add(f32x4.mul(z, hOld), f32x4.mul(f32x4.sub(f32x4.splat(1), z), cand));
}

/** h = z*h_{t-1} + (1-z)*cand, with z and cand already activated in the [z, r, h] vectors. */
function gruBlend(ax: usize, st: usize, out: usize, h: i32): void {
  for (let j = 0; j < h; j += 4) {
    const g = ax + <usize>j * 12, n = h - j, off = <usize>j << 2;
    storeTail(out + off, blend(v128.load(g), loadTail(st + off, n), v128.load(g, 32)), n);
  }
}

function gruAfter(ax: usize, ah: usize, st: usize, out: usize, h: i32, a: i32, ra: i32): void {
  const nub = (h + 3) >> 2;
  for (let j = 0; j < h; j += 4) {
    const gx = ax + <usize>j * 12, gh = ah + <usize>j * 12;
    v128.store(gx, f32x4.add(v128.load(gx), v128.load(gh)));
    v128.store(gx, f32x4.add(v128.load(gx, 16), v128.load(gh, 16)), 16);
  }
  actRange(ax, nub, 48, ra);
  actRange(ax + 16, nub, 48, ra);
  for (let j = 0; j < h; j += 4) {
    const gx = ax + <usize>j * 12, gh = ah + <usize>j * 12;
    v128.store(gx, f32x4.add(v128.load(gx, 32), f32x4.mul(v128.load(gx, 16), v128.load(gh, 32))), 32);
  }
  actRange(ax + 32, nub, 48, a);
  gruBlend(ax, st, out, h);
}

/** Reset-before, first half: z and r activated in place, r*h_{t-1} into the rh row. */
function gruGates(ax: usize, st: usize, rh: usize, h: i32, ra: i32): void {
  const nub = (h + 3) >> 2;
  actRange(ax, nub, 48, ra);
  actRange(ax + 16, nub, 48, ra);
  for (let j = 0; j < h; j += 4) {
    const off = <usize>j << 2;
    v128.store(rh + off, f32x4.mul(v128.load(ax + <usize>j * 12, 16), loadTail(st + off, h - j)));
  }
}

function gruBefore(ax: usize, ahh: usize, st: usize, out: usize, h: i32, a: i32): void {
  for (let j = 0; j < h; j += 4) {
    const g = ax + <usize>j * 12;
    v128.store(g, f32x4.add(v128.load(g, 32), v128.load(ahh + (<usize>j << 2))), 32);
  }
  actRange(ax + 32, (h + 3) >> 2, 48, a);
  gruBlend(ax, st, out, h);
}
