// Vectorised activations on f32x4. exp is Cephes' expf: round-to-nearest range reduction by ln2
// (split in two constants so r stays exact), a degree-6 polynomial on |r| <= ln2/2, then 2^n built
// in the exponent bits. Inputs are clamped so 2^n stays a normal float (no inf, no denormal).

// @ts-ignore: decorator
@inline const EXP_HI: f32 = 88.3;
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -87.3;
// @ts-ignore: decorator
@inline const MAGIC: f32 = 12582912.0; // 1.5 * 2^23
// @ts-ignore: decorator
@inline const MAGIC_BITS: i32 = 0x4b400000;

// @ts-ignore: decorator
@inline
function splat(x: f32): v128 {
  return f32x4.splat(x);
}

// @ts-ignore: decorator
@inline
export function vexp(x0: v128): v128 {
  // pmin/pmax are single minps/maxps (wasm's min/max need NaN and -0 fix-ups); x stays first so
  // a NaN input propagates.
  const x = f32x4.pmax(f32x4.pmin(x0, splat(EXP_HI)), splat(EXP_LO));
  // Adding 1.5*2^23 rounds x*log2(e) to nearest and leaves n in the low mantissa bits, which
  // gives both n as a float and 2^n's exponent bits without a float-to-int conversion.
  const t = f32x4.add(f32x4.mul(x, splat(1.44269504088896341)), splat(MAGIC));
  const n = f32x4.sub(t, splat(MAGIC));
  let r = f32x4.sub(x, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  let p = splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), splat(1));
  const pow2n = i32x4.shl(i32x4.add(t, i32x4.splat(127 - MAGIC_BITS)), 23);
  return f32x4.mul(y, pow2n);
}

// @ts-ignore: decorator
@inline
export function vsigmoid(x: v128): v128 {
  return f32x4.div(splat(1), f32x4.add(splat(1), vexp(f32x4.neg(x))));
}

// tanh: odd polynomial below 0.625 (keeps abs and relative error tiny near 0, where 1 - 2/(e+1)
// would cancel), 1 - 2/(exp(2|x|) + 1) above; |x| clamped to 9 where tanh is 1 in f32.
// @ts-ignore: decorator
@inline
export function vtanh(x: v128): v128 {
  const ax = f32x4.pmin(f32x4.abs(x), splat(9));
  const e = vexp(f32x4.add(ax, ax));
  const big = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(e, splat(1))));
  const z = f32x4.mul(ax, ax);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  const small = f32x4.add(ax, f32x4.mul(f32x4.mul(p, z), ax));
  const mag = v128.bitselect(small, big, f32x4.lt(ax, splat(0.625)));
  return v128.or(mag, v128.and(x, i32x4.splat(0x80000000)));
}

/** Activation codes shared with wasm-kernel.ts. */
export const enum Act { Linear = 0, Relu = 1, Tanh = 2, Sigmoid = 3, HardSigmoid = 4, Softmax = 5 }

/**
 * Applies activation `a` in place to n vectors `stride` bytes apart. The switch is outside the
 * loops and the vector math is inlined, so independent iterations overlap their long exp chains.
 */
export function actRange(p: usize, n: i32, stride: usize, a: i32): void {
  const end = p + <usize>n * stride;
  switch (a) {
    case Act.Relu:
      for (; p < end; p += stride) v128.store(p, f32x4.pmax(v128.load(p), splat(0)));
      break;
    case Act.Tanh:
      for (; p < end; p += stride) v128.store(p, vtanh(v128.load(p)));
      break;
    case Act.Sigmoid:
      for (; p < end; p += stride) v128.store(p, vsigmoid(v128.load(p)));
      break;
    case Act.HardSigmoid:
      for (; p < end; p += stride) {
        const v = f32x4.add(f32x4.mul(v128.load(p), splat(0.2)), splat(0.5));
        v128.store(p, f32x4.pmin(f32x4.pmax(v, splat(0)), splat(1)));
      }
      break;
    default:
  }
}

// Rows are `units` floats with no padding, so the last block of a row may hold n < 4 lanes: those
// are read and written lane by lane so nothing past the row (or past the memory) is touched.

export function loadTail(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

export function storeTail(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
