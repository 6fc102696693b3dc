// Descriptor layouts: i32 fields written by wasm-kernel.ts into the arena at prepare time; the
// step functions read them, so a call passes one pointer instead of twenty arguments.
// Keep in sync with CELL_FIELDS / DENSE_FIELDS in ../wasm-kernel.ts.

export const enum Cell {
  Kind = 0, // 0 simple, 1 gru, 2 lstm
  D = 1,
  H = 2,
  Act = 3,
  RecAct = 4,
  ResetAfter = 5,
  NP = 6, // main panels: the gate vectors (unit-block major) dealt out V per panel
  V = 7, // vectors per row of a main panel (3)
  Wx = 8, // D-row panels, NP of them
  Wh = 9, // H-row panels, NP of them (GRU reset-before: 2 vectors per row, z and r only)
  BiasX = 10, // NP*V vectors: accumulator init of the input rows
  BiasH = 11, // GRU: init of the recurrent (reset-after) or candidate (reset-before) accumulators
  Whh = 12, // GRU reset-before: candidate recurrent panels over r*h (3 vectors = 12 units per row)
  NPhh = 13,
  AccX = 14, // scratch: 4 streams of NP*V vectors
  AccH = 15, // scratch: 4 streams, AH bytes each
  AH = 16,
  Rh = 17, // scratch: 4 streams of r*h, RS bytes each
  RS = 18,
  Count = 19,
}

export const enum Dense {
  D = 0,
  N = 1,
  Act = 2,
  NP = 3, // panels of 3 vectors = 12 units
  W = 4,
  Bias = 5,
  Acc = 6, // scratch: 4 streams of NP*3 vectors
  Count = 7,
}

// @ts-ignore: decorator
@inline
export function field(desc: usize, f: i32): i32 {
  return load<i32>(desc + (<usize>f << 2));
}
